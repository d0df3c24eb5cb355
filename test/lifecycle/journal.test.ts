import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiskAdapter } from '../../src/tree/disk.js';
import { commitWithJournal, completeJournal, JournalError, JOURNAL_FILE } from '../../src/tree/journal.js';
import { Tree } from '../../src/tree/tree.js';
import { makeTempDir, removeDir, snapshot } from '../support/cli.js';

const STAGING = '.git/secure-stack/upgrade';

/** A disk that dies (throws) on its n-th rename, as a SIGKILL would stop the process there. */
class DyingDisk extends DiskAdapter {
  renames = 0;
  constructor(
    root: string,
    private readonly dieAt: number,
  ) {
    super(root);
  }
  override renameFile(from: string, to: string): void {
    if (++this.renames === this.dieAt) throw new Error('killed');
    super.renameFile(from, to);
  }
}

let dir: string;
beforeEach(() => {
  dir = makeTempDir('secure-stack-journal-');
  mkdirSync(path.join(dir, '.git'));
  writeFileSync(path.join(dir, 'keep.txt'), 'old keep\n');
  writeFileSync(path.join(dir, 'gone.txt'), 'to delete\n');
  writeFileSync(path.join(dir, 'manifest.yaml'), 'old manifest\n');
});
afterEach(() => removeDir(dir));

function plannedTree(disk: DiskAdapter): Tree {
  const tree = new Tree(disk);
  tree.write('keep.txt', 'new keep\n');
  tree.write('sub/dir/new.sh', '#!/bin/sh\n', { executable: true });
  tree.delete('gone.txt');
  tree.write('manifest.yaml', 'new manifest\n');
  return tree;
}

describe('Tree.delete', () => {
  it('hides the file from reads, plans a DELETE only for a file on disk, and commit() removes it', async () => {
    const tree = new Tree(new DiskAdapter(dir));
    tree.delete('gone.txt');
    tree.delete('never-there.txt');
    tree.write('temp.txt', 'x');
    tree.delete('temp.txt');
    expect(tree.read('gone.txt')).toBeUndefined();
    expect(tree.plan()).toEqual([{ path: 'gone.txt', kind: 'DELETE', executable: false, bytes: 0 }]);
    await tree.commit();
    expect(snapshot(dir)).toEqual({ 'keep.txt': 'old keep\n', 'manifest.yaml': 'old manifest\n' });
  });
});

describe('journaled commit', () => {
  it('writes, creates and deletes, in plan order with the manifest last, and leaves no staging behind', () => {
    const plan = plannedTree(new DiskAdapter(dir)).commitAtomically({ stagingDir: STAGING, applyLast: ['manifest.yaml'] });
    expect(plan.map((file) => [file.path, file.kind])).toEqual([
      ['gone.txt', 'DELETE'],
      ['keep.txt', 'UPDATE'],
      ['manifest.yaml', 'UPDATE'],
      ['sub/dir/new.sh', 'CREATE'],
    ]);
    expect(snapshot(dir)).toEqual({ 'keep.txt': 'new keep\n', 'manifest.yaml': 'new manifest\n', 'sub/dir/new.sh': '#!/bin/sh\n' });
    expect(statSync(path.join(dir, 'sub/dir/new.sh')).mode & 0o111).not.toBe(0);
    expect(existsSync(path.join(dir, STAGING))).toBe(false);
  });

  it.each([1, 2, 3])('killed at rename %i: the journal remains, and completing it gives the uninterrupted result', (dieAt) => {
    const expected = makeTempDir('secure-stack-journal-expected-');
    try {
      mkdirSync(path.join(expected, '.git'));
      for (const file of ['keep.txt', 'gone.txt', 'manifest.yaml']) writeFileSync(path.join(expected, file), readFileSync(path.join(dir, file)));
      plannedTree(new DiskAdapter(expected)).commitAtomically({ stagingDir: STAGING, applyLast: ['manifest.yaml'] });

      const dying = new DyingDisk(dir, dieAt);
      expect(() => plannedTree(dying).commitAtomically({ stagingDir: STAGING, applyLast: ['manifest.yaml'] })).toThrow('killed');
      expect(existsSync(path.join(dir, STAGING, JOURNAL_FILE))).toBe(true);
      // The manifest is renamed last: while the journal is pending it still says "before".
      expect(readFileSync(path.join(dir, 'manifest.yaml'), 'utf8')).toBe('old manifest\n');

      const recovery = completeJournal(new DiskAdapter(dir), STAGING);
      expect(recovery).toEqual({ completed: true, paths: ['gone.txt', 'keep.txt', 'sub/dir/new.sh', 'manifest.yaml'] });
      expect(snapshot(dir)).toEqual(snapshot(expected));
      expect(existsSync(path.join(dir, STAGING))).toBe(false);
      // Completing twice is harmless.
      expect(completeJournal(new DiskAdapter(dir), STAGING).completed).toBe(false);
    } finally {
      removeDir(expected);
    }
  });

  it('staging debris without a journal (killed while staging) is removed and nothing else changes', () => {
    const before = snapshot(dir);
    mkdirSync(path.join(dir, STAGING, 'files'), { recursive: true });
    writeFileSync(path.join(dir, STAGING, 'files', '0'), 'half staged');
    expect(completeJournal(new DiskAdapter(dir), STAGING)).toEqual({ completed: false, paths: [] });
    expect(existsSync(path.join(dir, STAGING))).toBe(false);
    expect(snapshot(dir)).toEqual(before);
  });

  it('refuses a journal that names a staged file outside its staging directory, and an unreadable one', () => {
    mkdirSync(path.join(dir, STAGING), { recursive: true });
    const journal = path.join(dir, STAGING, JOURNAL_FILE);
    writeFileSync(journal, JSON.stringify({ version: 1, operations: [{ action: 'replace', path: 'keep.txt', staged: 'manifest.yaml' }] }));
    expect(() => completeJournal(new DiskAdapter(dir), STAGING)).toThrow(JournalError);
    writeFileSync(journal, '{"version": 1, "operations": [');
    expect(() => completeJournal(new DiskAdapter(dir), STAGING)).toThrow(/unreadable/);
    expect(readFileSync(path.join(dir, 'keep.txt'), 'utf8')).toBe('old keep\n');
  });

  it('never overwrites a pending journal', () => {
    mkdirSync(path.join(dir, STAGING), { recursive: true });
    writeFileSync(path.join(dir, STAGING, JOURNAL_FILE), JSON.stringify({ version: 1, operations: [] }));
    expect(() => plannedTree(new DiskAdapter(dir)).commitAtomically({ stagingDir: STAGING })).toThrow(/an interrupted commit is pending/);
    expect(readFileSync(path.join(dir, 'keep.txt'), 'utf8')).toBe('old keep\n');
  });

  it('an empty change writes no journal at all', () => {
    commitWithJournal(new DiskAdapter(dir), [], { stagingDir: STAGING });
    expect(existsSync(path.join(dir, STAGING))).toBe(false);
  });
});
