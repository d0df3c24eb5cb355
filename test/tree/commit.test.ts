/**
 * Tree.commit: each file written atomically, with the fsyncs issued together and each directory checked once;
 * a failure while staging replaces nothing and leaves no temporary file. The in-memory overlay refuses a path
 * that would be a file and a directory at once, as the disk would.
 */
import fs, { mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PathEscapeError, RenderError } from '../../src/errors.js';
import { DiskAdapter } from '../../src/tree/disk.js';
import { Tree } from '../../src/tree/tree.js';
import { makeTempDir, removeDir } from '../support/cli.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) removeDir(dir);
});
function tempDir(): string {
  const dir = makeTempDir('secure-stack-batched-');
  dirs.push(dir);
  return dir;
}

function allFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

describe('Tree.commit', () => {
  it('writes contents and modes, plans CREATE/UPDATE, replaces an existing file, and is idempotent', async () => {
    const root = tempDir();
    writeFileSync(path.join(root, 'existing.txt'), 'old\n');
    const tree = new Tree(new DiskAdapter(root));
    tree.write('a.txt', 'alpha\n');
    tree.write('deep/er/b.json', '{}\n');
    tree.write('deep/c.txt', 'c\n');
    tree.write('scripts/run.sh', '#!/bin/sh\n', { executable: true });
    tree.write('existing.txt', 'new\n');

    const plan = await tree.commit();
    expect(plan.map((file) => `${file.kind} ${file.path}`)).toEqual([
      'CREATE a.txt',
      'CREATE deep/c.txt',
      'CREATE deep/er/b.json',
      'UPDATE existing.txt',
      'CREATE scripts/run.sh',
    ]);
    expect(allFiles(root)).toEqual(['a.txt', 'deep/c.txt', 'deep/er/b.json', 'existing.txt', 'scripts/run.sh']);
    expect(readFileSync(path.join(root, 'existing.txt'), 'utf8')).toBe('new\n');
    expect(readFileSync(path.join(root, 'deep/er/b.json'), 'utf8')).toBe('{}\n');
    expect(statSync(path.join(root, 'scripts/run.sh')).mode & 0o777).toBe(0o755);
    expect(statSync(path.join(root, 'a.txt')).mode & 0o777).toBe(0o644);
    const again = new Tree(new DiskAdapter(root));
    again.write('a.txt', 'alpha\n');
    expect((await again.commit()).map((file) => file.kind)).toEqual(['UNCHANGED']);
  });

  it('replaces more files than it keeps open for their fsync at once', async () => {
    const root = tempDir();
    const count = 600;
    for (let i = 0; i < count; i++) writeFileSync(path.join(root, `f${i}.txt`), 'old\n');
    const tree = new Tree(new DiskAdapter(root));
    for (let i = 0; i < count; i++) tree.write(`f${i}.txt`, `new ${i}\n`);
    const plan = await tree.commit();
    expect(plan.filter((file) => file.kind === 'UPDATE')).toHaveLength(count);
    expect(readFileSync(path.join(root, 'f599.txt'), 'utf8')).toBe('new 599\n');
    expect(readdirSync(root)).toHaveLength(count); // no temporary file left
  });

  it('refuses a file in the way of a directory, checked once per directory for many files', async () => {
    const root = tempDir();
    writeFileSync(path.join(root, 'blocker'), 'x\n');
    const tree = new Tree(new DiskAdapter(root));
    for (let i = 0; i < 20; i++) tree.write(`ok/${i}.txt`, `${i}\n`);
    tree.write('blocker/deeper/inside.txt', 'x\n');
    await expect(tree.commit()).rejects.toThrow(/blocker: a file is in the way/);
    expect(allFiles(root)).toEqual(['blocker']);
  });

  it('replaces nothing and leaves no temporary file when one file cannot be staged', async () => {
    const root = tempDir();
    writeFileSync(path.join(root, 'keep.txt'), 'original\n');
    writeFileSync(path.join(root, 'blocker'), 'a file where a directory is needed\n');
    const tree = new Tree(new DiskAdapter(root));
    tree.write('keep.txt', 'replaced\n');
    tree.write('blocker/inside.txt', 'x\n');
    await expect(tree.commit()).rejects.toThrow(PathEscapeError);
    expect(readFileSync(path.join(root, 'keep.txt'), 'utf8')).toBe('original\n');
    expect(allFiles(root)).toEqual(['blocker', 'keep.txt']);
  });

  it('refuses to write through a symbolic link', async () => {
    const root = tempDir();
    const outside = tempDir();
    mkdirSync(path.join(root, 'real'));
    symlinkSync(outside, path.join(root, 'link'));
    const tree = new Tree(new DiskAdapter(root));
    tree.write('real/ok.txt', 'ok\n');
    tree.write('link/escape.txt', 'x\n');
    await expect(tree.commit()).rejects.toThrow(/symbolic link/);
    expect(readdirSync(outside)).toEqual([]);
    expect(allFiles(root)).toEqual([]);
  });
});

describe('the in-memory overlay', () => {
  it('refuses a file where it holds a directory, and a directory where it holds a file', () => {
    const tree = new Tree(new DiskAdapter(tempDir()));
    tree.write('a/b.txt', 'x');
    expect(() => tree.write('a', 'y')).toThrow(RenderError);
    tree.write('c', 'z');
    expect(() => tree.write('c/d.txt', 'w')).toThrow(RenderError);
    tree.delete('c');
    tree.write('c/d.txt', 'w'); // once the file is gone, the directory may exist
    expect(tree.readText('c/d.txt')).toBe('w');
  });

  it('keeps its bytes apart from the caller’s buffers', () => {
    const tree = new Tree(new DiskAdapter(tempDir()));
    const bytes = Buffer.from('abc');
    tree.write('f', bytes);
    bytes[0] = 0x7a;
    const read = tree.read('f')!;
    read[1] = 0x7a;
    expect(tree.readText('f')).toBe('abc');
  });
});

describe('what Tree.commit syncs', () => {
  it("fsyncs the data of a file that replaces one before its rename, and not a file that is new", async () => {
    const root = tempDir();
    writeFileSync(path.join(root, 'existing.txt'), 'old\n');
    const synced: string[] = [];
    const realFsync = fs.fsync;
    const descriptors = new Map<number, string>();
    const realOpenSync = fs.openSync;
    fs.openSync = ((file: fs.PathLike, ...rest: unknown[]) => {
      const fd = (realOpenSync as (...args: unknown[]) => number)(file, ...rest);
      descriptors.set(fd, path.basename(String(file)).replace(/\.[0-9a-f]{12}-\d+\.tmp$/, '').replace(/^\./, ''));
      return fd;
    }) as typeof fs.openSync;
    fs.fsync = ((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
      synced.push(descriptors.get(fd) ?? `fd ${fd}`);
      realFsync(fd, callback);
    }) as typeof fs.fsync;
    syncBuiltinESMExports();
    try {
      const tree = new Tree(new DiskAdapter(root));
      tree.write('existing.txt', 'new\n');
      tree.write('fresh.txt', 'fresh\n');
      await tree.commit();
    } finally {
      fs.fsync = realFsync;
      fs.openSync = realOpenSync;
      syncBuiltinESMExports();
    }
    expect(synced).toContain('existing.txt');
    expect(synced).not.toContain('fresh.txt');
    expect(readFileSync(path.join(root, 'existing.txt'), 'utf8')).toBe('new\n');
  });
});
