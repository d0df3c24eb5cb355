/**
 * Which files `check` looks at: everything under the root except version-control data, dependencies,
 * virtualenvs, caches and build output, and what git would ignore: every `.gitignore` applies to its own
 * directory and below, a deeper one overrides a shallower one (so `!pattern` in a subdirectory re-includes
 * a file the root ignores), then `.git/info/exclude`. A directory that is skipped or ignored is not
 * descended into, so a `.gitignore` inside it is never read. Read-only.
 */
import ignore, { type Ignore } from 'ignore';
import { readFileBounded, walkFiles, type WalkedFile } from '../tree/disk.js';
import { PROPOSAL_SUFFIX } from '../lifecycle/proposal.js';
import type { Note } from './finding.js';

/** Directory names never descended into, wherever they are. */
export const SKIPPED_DIRECTORIES: ReadonlySet<string> = new Set([
  '.git',
  '.hg',
  '.svn',
  'node_modules',
  '.venv',
  'venv',
  '__pycache__',
  '.pytest_cache',
  '.mypy_cache',
  '.ruff_cache',
  '.tox',
  '.nox',
  '.next',
  '.turbo',
  'dist',
  'build',
  'out',
  'coverage',
]);

export interface Discovery {
  files: WalkedFile[];
  notes: Note[];
}

/** Larger ignore files are not read (and noted): a real .gitignore is a few kilobytes. */
const MAX_IGNORE_FILE_BYTES = 1024 * 1024;

export function discoverFiles(root: string): Discovery {
  const notes: Note[] = [];
  /** The rules of each `.gitignore` read, by the directory it is in ('' for the root). */
  const rulesByDirectory = new Map<string, Ignore>();
  const readRules = (relativeFile: string): Ignore | undefined => {
    const read = readFileBounded(root, relativeFile, MAX_IGNORE_FILE_BYTES);
    if (read.kind === 'ok') return ignore().add(read.data.toString('utf8'));
    if (read.kind === 'too-large') notes.push({ file: relativeFile, message: `not applied: ${read.size} bytes is over the ${MAX_IGNORE_FILE_BYTES}-byte limit for ignore files` });
    return undefined;
  };
  const rootRules = readRules('.gitignore');
  if (rootRules !== undefined) rulesByDirectory.set('', rootRules);
  // The repository's own excludes rank below every .gitignore, as in git.
  const excludeRules = readRules('.git/info/exclude');

  const isIgnored = (relativePath: string, isDirectory: boolean): boolean => {
    for (let cut = relativePath.lastIndexOf('/'); ; cut = relativePath.lastIndexOf('/', cut - 1)) {
      const directory = cut < 0 ? '' : relativePath.slice(0, cut);
      const rules = rulesByDirectory.get(directory);
      if (rules !== undefined) {
        const verdict = testRules(rules, relativePath.slice(cut + 1), isDirectory);
        if (verdict !== undefined) return verdict;
      }
      if (cut < 0) break;
    }
    return excludeRules === undefined ? false : (testRules(excludeRules, relativePath, isDirectory) ?? false);
  };

  const walked = walkFiles(root, (relativePath, isDirectory, childNames) => {
    if (isDirectory) {
      const name = relativePath.slice(relativePath.lastIndexOf('/') + 1);
      if (SKIPPED_DIRECTORIES.has(name)) return true;
      if (childNames.includes('pyvenv.cfg')) return true; // a virtualenv under any name
      if (isIgnored(relativePath, true)) return true;
      // Descending: this directory's own .gitignore now applies below it.
      if (childNames.includes('.gitignore')) {
        const rules = readRules(`${relativePath}/.gitignore`);
        if (rules !== undefined) rulesByDirectory.set(relativePath, rules);
      }
      return false;
    }
    // What `secure-stack add` proposes beside a file it could not merge is our template, not the repo's code.
    if (relativePath.endsWith(PROPOSAL_SUFFIX)) return true;
    return isIgnored(relativePath, false);
  });
  for (const entry of walked.unreadable) notes.push({ file: entry.path, message: `not checked: directory unreadable (${entry.reason})` });
  return { files: walked.files, notes };
}

/** true: ignored; false: re-included by a negation; undefined: no rule of this file matches. */
function testRules(rules: Ignore, relativePath: string, isDirectory: boolean): boolean | undefined {
  try {
    const verdict = rules.test(isDirectory ? `${relativePath}/` : relativePath);
    return verdict.ignored ? true : verdict.unignored ? false : undefined;
  } catch {
    return undefined; // a name `ignore` refuses (e.g. with a backslash) is not ignored
  }
}
