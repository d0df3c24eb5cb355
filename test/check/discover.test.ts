/** Discovery: skipped directories, and .gitignore files at every level with git's precedence. */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { discoverFiles } from '../../src/check/discover.js';
import { checkRepository } from '../../src/check/run.js';
import { removeDir } from '../support/cli.js';
import { goodWorkflow, writeRepo } from './helpers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

function discovered(files: Record<string, string>): string[] {
  const dir = writeRepo(files);
  dirs.push(dir);
  return discoverFiles(dir).files.map((file) => file.path);
}

describe('discovery', () => {
  it('skips version control, dependencies, caches, build output and virtualenvs under any name', () => {
    expect(
      discovered({
        'a.yml': '',
        '.git/config': '',
        'web/node_modules/x/package.json': '',
        'api/.venv/lib/x.py': '',
        'api/env3/pyvenv.cfg': '',
        'api/env3/lib/x.py': '',
        'web/.next/server.js': '',
        'api/__pycache__/m.pyc': '',
        'dist/index.js': '',
        'src/build.ts': '',
      }),
    ).toEqual(['a.yml', 'src/build.ts']);
  });
  it('applies the root .gitignore to the whole tree', () => {
    expect(discovered({ '.gitignore': '*.log\n/top-only.yml\nsecrets/\n', 'a.log': '', 'x/b.log': '', 'top-only.yml': '', 'x/top-only.yml': '', 'secrets/k.yml': '', 'k.yml': '' })).toEqual([
      '.gitignore',
      'k.yml',
      'x/top-only.yml',
    ]);
  });
  it('applies a nested .gitignore to its own directory only, relative to it', () => {
    const files = {
      'api/.gitignore': 'generated/\n/local.yml\n*.tmp.yml\n',
      'api/generated/schema.yml': '',
      'api/local.yml': '',
      'api/sub/local.yml': '',
      'api/sub/x.tmp.yml': '',
      'web/generated/schema.yml': '',
      'web/x.tmp.yml': '',
      'local.yml': '',
    };
    expect(discovered(files)).toEqual(['api/.gitignore', 'api/sub/local.yml', 'local.yml', 'web/generated/schema.yml', 'web/x.tmp.yml']);
  });
  it('lets a deeper .gitignore re-include what a shallower one ignores, and the reverse', () => {
    const files = {
      '.gitignore': '*.yml\n!keep-everywhere.yml\n',
      'a.yml': '',
      'keep-everywhere.yml': '',
      'deploy/.gitignore': '!*.yml\nkeep-everywhere.yml\n',
      'deploy/app.yml': '',
      'deploy/keep-everywhere.yml': '',
      'deploy/nested/app.yml': '',
      'other/app.yml': '',
    };
    expect(discovered(files)).toEqual(['.gitignore', 'deploy/.gitignore', 'deploy/app.yml', 'deploy/nested/app.yml', 'keep-everywhere.yml']);
  });
  it('cannot re-include a file inside an ignored directory, as in git', () => {
    expect(discovered({ '.gitignore': 'vendor/\n', 'vendor/.gitignore': '!*\n', 'vendor/x.yml': '', 'y.yml': '' })).toEqual(['.gitignore', 'y.yml']);
  });
  it('never reads a .gitignore inside a skipped directory', () => {
    // node_modules/.gitignore re-including everything must not make node_modules count, nor apply elsewhere.
    expect(discovered({ 'node_modules/.gitignore': '!*\n', 'node_modules/x/a.yml': '', '.gitignore': 'b.yml\n', 'b.yml': '', 'c.yml': '' })).toEqual(['.gitignore', 'c.yml']);
  });
  it('honours .git/info/exclude below every .gitignore', () => {
    expect(discovered({ '.git/info/exclude': 'scratch.yml\nkept.yml\n', '.gitignore': '!kept.yml\n', 'scratch.yml': '', 'kept.yml': '', 'sub/scratch.yml': '' })).toEqual([
      '.gitignore',
      'kept.yml',
    ]);
  });
  it('dir-only patterns do not ignore a file of that name', () => {
    expect(discovered({ '.gitignore': 'logs/\n', logs: 'a file', 'x/logs/a.yml': '' })).toEqual(['.gitignore', 'logs']);
  });
  it('skips the proposals `secure-stack add` leaves beside files it could not merge', () => {
    const bad = goodWorkflow().replace('permissions: {}\n', '');
    const dir = writeRepo({ 'Dockerfile.secure-stack-proposal': 'FROM python\n', '.github/workflows/ci.yml.secure-stack-proposal': bad, 'README.md': '# x\n' });
    dirs.push(dir);
    expect(discoverFiles(dir).files.map((file) => file.path)).toEqual(['README.md']);
  });
  it('check does not report what a nested .gitignore ignores', () => {
    const bad = goodWorkflow('      - uses: actions/setup-node@v4\n');
    const dir = writeRepo({ '.github/workflows/ci.yml': bad, 'vendored/.gitignore': '*\n', 'vendored/.github/workflows/ci.yml': bad });
    dirs.push(dir);
    const files = checkRepository(dir).findings.map((f) => f.file);
    expect(files).toContain('.github/workflows/ci.yml');
    expect(files.filter((file) => file.startsWith('vendored/'))).toEqual([]);
  });
  it('a 10,000-file repository with a .gitignore in every package is discovered and checked right (speed: bench/check.mjs)', () => {
    const dir = writeRepo({ '.gitignore': '*.log\n', '.github/workflows/ci.yml': goodWorkflow('      - uses: actions/setup-node@v4 # secure-stack: ignore[CI-02] r\n') });
    dirs.push(dir);
    for (let a = 0; a < 50; a++) {
      for (let b = 0; b < 10; b++) {
        const sub = path.join(dir, `pkg${a}`, `mod${b}`);
        mkdirSync(sub, { recursive: true });
        writeFileSync(path.join(sub, '.gitignore'), '*.tmp\n!keep.tmp\n');
        for (let c = 0; c < 19; c++) writeFileSync(path.join(sub, `f${c}.${c % 3 === 0 ? 'tmp' : c % 3 === 1 ? 'md' : 'txt'}`), 'text\n');
      }
    }
    const found = discoverFiles(dir).files;
    expect(found).toHaveLength(2 + 50 * 10 * (1 + 12));
    const result = checkRepository(dir);
    expect(result.findings.filter((f) => f.controlId === 'CI-02').map((f) => [f.file, f.suppression?.kind])).toEqual([['.github/workflows/ci.yml', 'inline']]);
  }, 60_000);
});
