import { describe, expect, it } from 'vitest';
import { painter } from '../../src/cli/output.js';

const ESC = '\u001b[';

describe('colour', () => {
  it('colours a terminal', () => {
    expect(painter({ isTTY: true }, {}).green('ok')).toContain(ESC);
  });

  it('never colours when NO_COLOR is set, output is not a terminal, or TERM is dumb', () => {
    expect(painter({ isTTY: true }, { NO_COLOR: '1' }).green('ok')).toBe('ok');
    expect(painter({ isTTY: false }, {}).green('ok')).toBe('ok');
    expect(painter({ isTTY: true }, { TERM: 'dumb' }).green('ok')).toBe('ok');
  });
});
