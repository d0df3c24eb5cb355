import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gitEnvironment, recoverContentsByHash, workingTreeState } from '../../src/lifecycle/git.js';
import { sha256 } from '../../src/manifest/manifest.js';
import { makeTempDir, removeDir } from '../support/cli.js';
import { commitAll, git, LIFECYCLE_ENV } from './repo.js';

let dir: string;
beforeEach(() => {
  dir = makeTempDir('secure-stack-git-');
});
afterEach(() => removeDir(dir));

function write(file: string, text: string): void {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  writeFileSync(path.join(dir, file), text);
}

describe('workingTreeState', () => {
  it('tells a directory outside git, a clean tree and a dirty one (changed and untracked files) apart', async () => {
    expect(await workingTreeState(dir, LIFECYCLE_ENV)).toEqual({ kind: 'not-a-repository' });
    git(dir, ['init', '-q']);
    write('a.txt', 'one\n');
    commitAll(dir, 'one');
    expect(await workingTreeState(dir, LIFECYCLE_ENV)).toEqual({ kind: 'clean' });
    write('a.txt', 'two\n');
    write('new dir/b c.txt', 'untracked\n');
    expect(await workingTreeState(dir, LIFECYCLE_ENV)).toEqual({ kind: 'dirty', entries: ['a.txt', 'new dir/b c.txt'] });
  });

  it('ignores GIT_DIR and friends in the environment: the repository at the root is the one asked about', async () => {
    git(dir, ['init', '-q']);
    write('a.txt', 'one\n');
    commitAll(dir, 'one');
    const other = makeTempDir('secure-stack-git-other-');
    try {
      git(other, ['init', '-q']);
      const hostile = { ...LIFECYCLE_ENV, GIT_DIR: path.join(other, '.git'), GIT_WORK_TREE: other, GIT_EXTERNAL_DIFF: 'false', GIT_PAGER: 'false' };
      expect(await workingTreeState(dir, hostile)).toEqual({ kind: 'clean' });
      expect(gitEnvironment(hostile)).not.toHaveProperty('GIT_DIR');
      expect(gitEnvironment(hostile)).toMatchObject({ GIT_TERMINAL_PROMPT: '0' });
    } finally {
      removeDir(other);
    }
  });
});

describe('recoverContentsByHash', () => {
  it('finds the content a path had in any commit of any branch, by its SHA-256, also for unusual file names', async () => {
    git(dir, ['init', '-q', '-b', 'main']);
    write('app/config.yaml', 'version: 1\n');
    write('docs/é x.md', 'first\n');
    commitAll(dir, 'v1');
    write('app/config.yaml', 'version: 2\n');
    commitAll(dir, 'v2');
    git(dir, ['checkout', '-q', '-b', 'experiment']);
    write('app/config.yaml', 'version: 3\n');
    write('docs/é x.md', 'second\n');
    commitAll(dir, 'v3');
    git(dir, ['checkout', '-q', 'main']);

    const wanted = new Map([
      ['app/config.yaml', sha256('version: 3\n')],
      ['docs/é x.md', sha256('first\n')],
      ['missing.txt', sha256('never committed\n')],
    ]);
    const found = await recoverContentsByHash(dir, wanted, LIFECYCLE_ENV);
    expect(Object.fromEntries([...found].map(([file, content]) => [file, content.toString('utf8')]))).toEqual({
      'app/config.yaml': 'version: 3\n',
      'docs/é x.md': 'first\n',
    });
    expect((await recoverContentsByHash(dir, new Map([['app/config.yaml', sha256('version: 1\n')]]), LIFECYCLE_ENV)).get('app/config.yaml')?.toString()).toBe(
      'version: 1\n',
    );
  });

  it('in a project inside a larger repository, paths are relative to the project root', async () => {
    git(dir, ['init', '-q']);
    write('services/shop/app.txt', 'generated\n');
    commitAll(dir, 'monorepo');
    write('services/shop/app.txt', 'edited\n');
    commitAll(dir, 'edit');
    const found = await recoverContentsByHash(path.join(dir, 'services/shop'), new Map([['app.txt', sha256('generated\n')]]), LIFECYCLE_ENV);
    expect(found.get('app.txt')?.toString()).toBe('generated\n');
  });

  it('outside a repository it finds nothing and does not fail', async () => {
    expect((await recoverContentsByHash(dir, new Map([['a.txt', sha256('x')]]), LIFECYCLE_ENV)).size).toBe(0);
  });
});
