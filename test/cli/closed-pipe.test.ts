/** A reader that stops early (`secure-stack check --format json | head`) ends the command quietly, as with git. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SECURE_STACK_BIN, TEST_ENV, makeTempDir, removeDir } from '../support/cli.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

describe('a closed stdout', () => {
  it('is not an error: no EPIPE stack trace when the reader stops after a few bytes', () => {
    const dir = makeTempDir('secure-stack-pipe-');
    dirs.push(dir);
    // Far more output than a pipe buffers: 400 workflows, each with findings.
    mkdirSync(path.join(dir, '.github/workflows'), { recursive: true });
    for (let i = 0; i < 400; i += 1) writeFileSync(path.join(dir, `.github/workflows/w${i}.yml`), `on: push\njobs:\n  j:\n    runs-on: ubuntu-24.04\n    steps:\n      - uses: actions/checkout@v4\n`);
    const run = spawnSync('sh', ['-c', 'node "$1" check "$2" --format json | head -c 16 >/dev/null', 'pipe', SECURE_STACK_BIN, dir], {
      env: { ...process.env, ...TEST_ENV },
      encoding: 'utf8',
    });
    const stderr = run.stderr;
    expect(stderr).not.toMatch(/EPIPE|Unhandled 'error' event/);
  });
});
