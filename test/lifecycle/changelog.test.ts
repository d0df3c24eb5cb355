import { describe, expect, it } from 'vitest';
import { changesBetween, compareVersions, parseChangelog, readTemplateChangelog } from '../../src/lifecycle/changelog.js';
import { TOOL_VERSION } from '../../src/package-root.js';

describe('templates/CHANGELOG.md', () => {
  it('has a section for the current version (a release cannot forget to say what its templates changed)', () => {
    const sections = readTemplateChangelog();
    expect(sections.map((section) => section.version)).toContain(TOOL_VERSION);
    expect(sections.find((section) => section.version === TOOL_VERSION)!.text.length).toBeGreaterThan(20);
  });

  it('upgrade shows the sections after the recorded version up to this one, newest first', () => {
    const sections = parseChangelog(
      ['# Changelog', 'intro', '## 0.3.0', 'third', '```md', '## not a heading', '```', '## 0.2.0', 'second', '## 0.1.0', 'first', ''].join('\n'),
    );
    expect(sections.map((section) => section.version)).toEqual(['0.3.0', '0.2.0', '0.1.0']);
    expect(sections[0]!.text).toBe('third\n```md\n## not a heading\n```');
    expect(changesBetween(sections, '0.1.0', '0.3.0').map((section) => section.version)).toEqual(['0.3.0', '0.2.0']);
    expect(changesBetween(sections, '0.1.0', '0.2.0').map((section) => section.version)).toEqual(['0.2.0']);
    expect(changesBetween(sections, '0.3.0', '0.3.0')).toEqual([]);
  });

  it('orders versions numerically, a pre-release before its release', () => {
    expect(compareVersions('0.10.0', '0.9.9')).toBe(1);
    expect(compareVersions('1.0.0-rc.1', '1.0.0')).toBe(-1);
    expect(compareVersions('1.0.0', '1.0.0')).toBe(0);
  });
});
