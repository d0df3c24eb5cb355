/**
 * Which files `check` looks at: everything under the root except version-control data, dependencies,
 * virtualenvs, caches and build output, and what the root .gitignore ignores. Read-only.
 */
import ignore from 'ignore';
import { readFileBounded, walkFiles, type WalkedFile } from '../tree/disk.js';
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

export function discoverFiles(root: string): Discovery {
  const notes: Note[] = [];
  const rules = ignore();
  const gitignore = readFileBounded(root, '.gitignore', 1024 * 1024);
  if (gitignore.kind === 'ok') rules.add(gitignore.data.toString('utf8'));

  const walked = walkFiles(root, (relativePath, isDirectory, childNames) => {
    if (isDirectory) {
      const name = relativePath.slice(relativePath.lastIndexOf('/') + 1);
      if (SKIPPED_DIRECTORIES.has(name)) return true;
      if (childNames.includes('pyvenv.cfg')) return true; // a virtualenv under any name
    }
    try {
      return rules.ignores(isDirectory ? `${relativePath}/` : relativePath);
    } catch {
      return false; // a name `ignore` refuses (e.g. with a backslash) is not ignored
    }
  });
  for (const entry of walked.unreadable) notes.push({ file: entry.path, message: `not checked: directory unreadable (${entry.reason})` });
  return { files: walked.files, notes };
}
