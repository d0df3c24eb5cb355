/**
 * templates/CHANGELOG.md: "## <version>" sections saying what each template version changed. upgrade prints
 * the sections after the recorded version, up to and including its own.
 */
import { DiskAdapter } from '../tree/disk.js';
import { TEMPLATES_DIR } from '../render/templates.js';

export const CHANGELOG_FILE = 'CHANGELOG.md';

export interface ChangelogSection {
  version: string;
  /** The section's text under its heading, trimmed. */
  text: string;
}

/** The sections of a changelog, in file order. Text before the first "## " heading is the preamble, not a section. */
export function parseChangelog(markdown: string): ChangelogSection[] {
  const sections: ChangelogSection[] = [];
  let current: { version: string; lines: string[] } | undefined;
  let inFence = false;
  for (const line of markdown.split(/\r?\n/)) {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    const heading = inFence ? null : /^##\s+v?(\S+)\s*$/.exec(line);
    if (heading) {
      if (current) sections.push({ version: current.version, text: current.lines.join('\n').trim() });
      current = { version: heading[1]!, lines: [] };
    } else current?.lines.push(line);
  }
  if (current) sections.push({ version: current.version, text: current.lines.join('\n').trim() });
  return sections;
}

/** Sections for versions in (from, to], newest first. */
export function changesBetween(sections: readonly ChangelogSection[], from: string, to: string): ChangelogSection[] {
  return sections
    .filter((section) => compareVersions(section.version, from) > 0 && compareVersions(section.version, to) <= 0)
    .sort((a, b) => compareVersions(b.version, a.version));
}

export function readTemplateChangelog(): ChangelogSection[] {
  const text = new DiskAdapter(TEMPLATES_DIR).readFile(CHANGELOG_FILE);
  return text === undefined ? [] : parseChangelog(text.toString('utf8'));
}

/**
 * Semantic version order: major.minor.patch numerically, then a pre-release sorts before its release
 * (pre-release identifiers compared as text; enough for this package's own versions).
 */
export function compareVersions(a: string, b: string): number {
  const parse = (version: string): { core: number[]; pre: string | undefined } => {
    const [core = '', pre] = version.replace(/\+.*$/, '').split(/-(.*)/s);
    return { core: core.split('.').map((part) => Number.parseInt(part, 10) || 0), pre: pre === '' ? undefined : pre };
  };
  const left = parse(a);
  const right = parse(b);
  for (let index = 0; index < 3; index++) {
    const difference = (left.core[index] ?? 0) - (right.core[index] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  if (left.pre === right.pre) return 0;
  if (left.pre === undefined) return 1;
  if (right.pre === undefined) return -1;
  return left.pre < right.pre ? -1 : 1;
}
