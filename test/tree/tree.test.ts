import { mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PathEscapeError } from '../../src/errors.js';
import { DiskAdapter } from '../../src/tree/disk.js';
import { toSafeRelativePath } from '../../src/tree/paths.js';
import { Tree } from '../../src/tree/tree.js';
import { makeTempDir, removeDir } from '../support/cli.js';

let root: string;
beforeEach(() => {
  root = makeTempDir();
});
afterEach(() => removeDir(root));

describe('toSafeRelativePath', () => {
  it.each([
    ['../outside', /leaves the target/],
    ['a/../../b', /leaves the target/],
    ['/etc/passwd', /absolute/],
    ['C:/Windows', /absolute/],
    ['a\\..\\b', /backslash/],
    ['a\u0000b', /control character/],
    ['a\nb', /control character/],
    ['', /empty/],
    ['./', /root itself/],
  ])('refuses %j', (input, reason) => {
    expect(() => toSafeRelativePath(input)).toThrow(reason);
  });

  it('normalises harmless forms', () => {
    expect(toSafeRelativePath('./a//b/./c.txt')).toBe('a/b/c.txt');
  });
});

describe('Tree', () => {
  it('keeps writes in memory until commit, with reads falling through to disk', () => {
    writeFileSync(path.join(root, 'existing.txt'), 'on disk');
    const tree = new Tree(new DiskAdapter(root));
    expect(tree.readText('existing.txt')).toBe('on disk');
    tree.write('new/file.txt', 'in memory');
    tree.write('existing.txt', 'changed');
    expect(tree.readText('new/file.txt')).toBe('in memory');
    expect(tree.readText('existing.txt')).toBe('changed');
    expect(readdirSync(root)).toEqual(['existing.txt']);
    expect(readFileSync(path.join(root, 'existing.txt'), 'utf8')).toBe('on disk');
  });

  it('plans CREATE, UPDATE and UNCHANGED by comparing with disk', () => {
    writeFileSync(path.join(root, 'same.txt'), 'same');
    writeFileSync(path.join(root, 'differs.txt'), 'old');
    const tree = new Tree(new DiskAdapter(root));
    tree.write('same.txt', 'same');
    tree.write('differs.txt', 'new');
    tree.write('fresh.txt', 'fresh');
    expect(tree.plan().map((file) => [file.path, file.kind])).toEqual([
      ['differs.txt', 'UPDATE'],
      ['fresh.txt', 'CREATE'],
      ['same.txt', 'UNCHANGED'],
    ]);
  });

  it('commits atomically, sets the executable bit, and leaves no temporary files', async () => {
    const tree = new Tree(new DiskAdapter(root));
    tree.write('bin/run.sh', '#!/bin/sh\necho hi\n', { executable: true });
    tree.write('docs/readme.md', '# hi\n');
    await tree.commit();
    expect(statSync(path.join(root, 'bin/run.sh')).mode & 0o777).toBe(0o755);
    expect(statSync(path.join(root, 'docs/readme.md')).mode & 0o777).toBe(0o644);
    expect(readdirSync(path.join(root, 'bin'))).toEqual(['run.sh']);
    const again = new Tree(new DiskAdapter(root));
    again.write('bin/run.sh', '#!/bin/sh\necho hi\n', { executable: true });
    expect(again.plan()[0]!.kind).toBe('UNCHANGED');
    again.write('bin/run.sh', '#!/bin/sh\necho hi\n');
    expect(again.plan()[0]!.kind).toBe('UPDATE'); // the mode differs
  });

  it('refuses paths that escape the root', () => {
    const tree = new Tree(new DiskAdapter(root));
    expect(() => tree.write('../escape.txt', 'x')).toThrow(PathEscapeError);
    expect(() => tree.write('/tmp/escape.txt', 'x')).toThrow(PathEscapeError);
    expect(() => tree.read('a/../../escape.txt')).toThrow(PathEscapeError);
  });

  it('refuses to write or read through a symbolic link, even one pointing inside', async () => {
    const outside = makeTempDir();
    try {
      symlinkSync(outside, path.join(root, 'link'));
      mkdirSync(path.join(root, 'real'));
      symlinkSync(path.join(root, 'real'), path.join(root, 'inner-link'));
      const tree = new Tree(new DiskAdapter(root));
      tree.write('link/pwned.txt', 'x');
      await expect(tree.commit()).rejects.toThrow(PathEscapeError);
      expect(readdirSync(outside)).toEqual([]);
      expect(() => tree.read('link/anything')).toThrow(/symbolic link/);

      const inner = new Tree(new DiskAdapter(root));
      inner.write('inner-link/file.txt', 'x');
      await expect(inner.commit()).rejects.toThrow(/symbolic link/);
      expect(readdirSync(path.join(root, 'real'))).toEqual([]);
    } finally {
      removeDir(outside);
    }
  });

  it('refuses to replace a file that is a symbolic link', async () => {
    const outside = makeTempDir();
    try {
      writeFileSync(path.join(outside, 'target.txt'), 'victim');
      symlinkSync(path.join(outside, 'target.txt'), path.join(root, 'file.txt'));
      const tree = new Tree(new DiskAdapter(root));
      tree.write('file.txt', 'overwritten');
      await expect(tree.commit()).rejects.toThrow(PathEscapeError);
      expect(readFileSync(path.join(outside, 'target.txt'), 'utf8')).toBe('victim');
    } finally {
      removeDir(outside);
    }
  });
});
