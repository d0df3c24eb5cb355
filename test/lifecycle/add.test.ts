/**
 * `secure-stack add` on realistic existing repositories (fixtures written as a typical project would be), in
 * real git repositories: no line the user wrote is lost, `check` finds less, a second run changes nothing,
 * a dirty tree is refused and a dry run writes nothing.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/output.js';
import { parseManifest } from '../../src/manifest/manifest.js';
import { removeDir, snapshot, TEST_ENV } from '../support/cli.js';
import { generateProject } from '../support/project.js';
import { FakeTerminal, KEYS } from '../support/streams.js';
import { activeFindings, contents, fileExists, fixtureRepo, git, lostLines, runAddIn } from './add-support.js';

const made: string[] = [];
function repo(name: string): string {
  const dir = fixtureRepo(name);
  made.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of made.splice(0)) removeDir(dir);
});

const PROPOSAL = '.secure-stack-proposal';

interface FixtureCase {
  name: string;
  args: string[];
  layers: Record<string, string>;
  /** Actions the summary must list, as `ACTION path`. */
  expected: string[];
  /** Findings the add must make go away (a control at a file). */
  gone: string[];
  /** Findings that must become fewer (some stay: a value the user set, like `read_only: false`). */
  fewer?: string[];
}

const CASES: FixtureCase[] = [
  {
    name: 'fastapi-react-postgres',
    args: ['--yes'],
    layers: { base: '', api: 'backend', db: 'db', containers: '' },
    expected: [
      'EDIT      docker-compose.yml',
      'EDIT      .gitignore',
      'EDIT      frontend/.dockerignore',
      'CREATE    backend/.dockerignore',
      `PROPOSAL  backend/Dockerfile${PROPOSAL}`,
      'CREATE    db/pg_hba.conf',
      'CREATE    db/postgresql.conf',
    ],
    fewer: ['CTR-08 docker-compose.yml'],
    gone: ['CTR-09 docker-compose.yml', 'CTR-10 docker-compose.yml', 'CTR-05 backend/Dockerfile', 'CTR-05 frontend/.dockerignore'],
  },
  {
    name: 'bare-nextjs',
    args: ['--yes'],
    layers: { base: '', web: '' },
    expected: ['EDIT      next.config.mjs', 'EDIT      package.json', 'EDIT      .gitignore'],
    gone: ['WEB-06 next.config.mjs'],
  },
  {
    name: 'own-workflows',
    args: ['--yes'],
    layers: { base: '', ci: '.github' },
    expected: ['EDIT      .github/workflows/test.yml', 'EDIT      .github/workflows/release.yml', 'EDIT      .github/workflows/lint.yml', 'CREATE    .github/workflows/codeql.yml'],
    gone: ['CI-01 .github/workflows/test.yml', 'CI-01 .github/workflows/release.yml', 'CI-03 .github/workflows/test.yml', 'CI-03 .github/workflows/lint.yml'],
  },
];

describe.each(CASES)('add on the $name fixture', ({ name, args, layers, expected, gone, fewer = [] }) => {
  it('keeps every line of every file, lowers the findings, records the manifest, and a second run changes nothing', async () => {
    const dir = repo(name);
    const before = contents(dir);
    const findingsBefore = activeFindings(dir);

    const run = await runAddIn(dir, args);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    for (const line of expected) expect(run.stdout).toContain(line);
    expect(run.stdout).toContain('Same without questions:\n  npx secure-stack add ');

    const after = contents(dir);
    for (const [file, text] of before) {
      expect(after.has(file), `${file} still exists`).toBe(true);
      expect(lostLines(text, after.get(file)!), `lines of ${file}`).toEqual([]);
    }

    const findingsAfter = activeFindings(dir);
    expect(findingsAfter.length).toBeLessThan(findingsBefore.length);
    const prefix = (finding: string) => finding.replace(/:\d+$/, '');
    for (const finding of gone) {
      expect(findingsBefore.map(prefix), `${finding} was there`).toContain(finding);
      expect(findingsAfter.map(prefix), `${finding} is gone`).not.toContain(finding);
    }
    for (const finding of fewer) {
      const count = (findings: string[]) => findings.map(prefix).filter((found) => found === finding).length;
      expect(count(findingsAfter), `${finding} fewer`).toBeLessThan(count(findingsBefore));
      expect(count(findingsAfter), `${finding} still there`).toBeGreaterThan(0);
    }

    const manifest = parseManifest(after.get('.secure-stack.yaml')!);
    expect(Object.fromEntries(Object.entries(manifest.layers).map(([id, layer]) => [id, layer!.directory]))).toEqual(layers);
    for (const [file, entry] of Object.entries(manifest.files)) {
      expect(before.has(file), `${file} was created by add`).toBe(false);
      expect(after.has(file)).toBe(true);
      expect(entry.sha256).toMatch(/^[0-9a-f]{64}$/);
    }

    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '--no-verify', '-m', 'secure-stack add');
    const planned = await runAddIn(dir, [...args, '--dry-run', '--json']);
    expect(planned.exitCode).toBe(0);
    const plan = JSON.parse(planned.stdout) as { files: Array<{ path: string; action: string }> };
    expect(plan.files.filter((file) => file.action !== 'UNCHANGED')).toEqual([]);
    const second = await runAddIn(dir, args);
    expect(second.exitCode).toBe(0);
    expect(contents(dir)).toEqual(after);
    expect(git(dir, 'status', '--porcelain')).toBe('');
  });
});

describe('add refuses or only plans', () => {
  it('refuses a dirty tree (exit 2, nothing written) unless --allow-dirty', async () => {
    const dir = repo('bare-nextjs');
    writeFileSync(path.join(dir, 'notes.txt'), 'work in progress\n');
    const before = snapshot(dir);
    const refused = await runAddIn(dir, ['--yes']);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/uncommitted changes \(notes\.txt\).*--allow-dirty; nothing written/);
    expect(snapshot(dir)).toEqual(before);

    const allowed = await runAddIn(dir, ['--yes', '--allow-dirty']);
    expect(allowed.exitCode).toBe(0);
    expect(allowed.stdout).toContain('--allow-dirty');
    expect(readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('work in progress\n');
  });

  it('prints its help, also through `secure-stack help add`, and writes nothing', async () => {
    const dir = repo('own-workflows');
    const before = snapshot(dir);
    for (const args of [['--help'], ['-h']]) {
      const result = await runAddIn(dir, args);
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toMatch(/^Usage: secure-stack add \[layer\.\.\.\] \[options\]/);
    }
    const io = { stdin: Object.assign(new PassThrough(), { isTTY: false }), stdout: new PassThrough(), stderr: new PassThrough(), env: { ...process.env, ...TEST_ENV }, cwd: dir };
    expect(await main(['help', 'add'], io as unknown as CliIO)).toBe(0);
    expect(String(io.stdout.read())).toContain('.secure-stack-proposal');
    expect(snapshot(dir)).toEqual(before);
  });

  it('refuses a directory that is not a git repository', async () => {
    const dir = repo('own-workflows');
    removeDir(path.join(dir, '.git'));
    const result = await runAddIn(dir, ['--yes']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/not a git repository.*--allow-dirty/);
  });

  it('--dry-run prints the plan and writes nothing, even on a dirty tree', async () => {
    const dir = repo('fastapi-react-postgres');
    writeFileSync(path.join(dir, 'scratch.py'), 'print(1)\n');
    const before = snapshot(dir);
    const result = await runAddIn(dir, ['--yes', '--dry-run']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('EDIT      docker-compose.yml');
    expect(result.stdout).toMatch(/dry run: nothing written \(\d+ to create, 3 to update, 0 unchanged\)/);
    expect(snapshot(dir)).toEqual(before);
  });

  it('asks for --yes without a terminal, and for the folder flag when a layer is ambiguous', async () => {
    const dir = repo('own-workflows');
    const noTty = await runAddIn(dir, []);
    expect(noTty.exitCode).toBe(2);
    expect(noTty.stderr).toMatch(/pass --yes/);

    for (const service of ['services/billing', 'services/users']) {
      mkdirSync(path.join(dir, service), { recursive: true });
      writeFileSync(path.join(dir, service, 'requirements.txt'), 'fastapi==0.115.0\nuvicorn\n');
    }
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'two services');
    const ambiguous = await runAddIn(dir, ['api', '--yes']);
    expect(ambiguous.exitCode).toBe(2);
    expect(ambiguous.stderr).toMatch(/services\/billing or services\/users: pass --api-dir/);
    const chosen = await runAddIn(dir, ['api', '--yes', '--api-dir', 'services/users', '--dry-run', '--json']);
    expect(chosen.exitCode).toBe(0);
    expect(JSON.parse(chosen.stdout).layers.api).toEqual({ directory: 'services/users', generated: true });
    expect(JSON.parse(chosen.stdout).command).toBe("npx secure-stack add api --yes --api-dir 'services/users'");
    expect((await runAddIn(dir, ['nope', '--yes'])).stderr).toMatch(/unknown layer "nope"/);
    expect((await runAddIn(dir, ['api', '--yes', '--api-dir', '../x'])).stderr).toMatch(/--api-dir "\.\.\/x"/);
  });
});

describe('ignore files and what the repository commits', () => {
  it('never adds a pattern that would hide a committed file (discovery skips build/, git does not)', async () => {
    const dir = repo('own-workflows');
    mkdirSync(path.join(dir, 'build'));
    writeFileSync(path.join(dir, 'build', 'index.js'), 'export {};\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'ship the build');
    const result = await runAddIn(dir, ['--yes']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('not added "build/": it would ignore build/index.js, which is in the repository');
    const gitignore = readFileSync(path.join(dir, '.gitignore'), 'utf8').split('\n');
    expect(gitignore).toContain('dist/');
    expect(gitignore).not.toContain('build/');
    // git itself: check-ignore exits 1 when nothing ignores the path.
    expect(() => git(dir, 'check-ignore', '-q', '--no-index', 'build/new.js')).toThrow(/Command failed/);
    expect(() => git(dir, 'check-ignore', '-q', '--no-index', 'dist/new.js')).not.toThrow();
  });
});

describe('add of a layer the repository does not have', () => {
  it('creates the whole layer in the chosen folder, records it, and a second run changes nothing', async () => {
    const dir = repo('bare-nextjs');
    const result = await runAddIn(dir, ['api', '--yes', '--api-dir', 'services/api']);
    expect(result.exitCode).toBe(0);
    expect(fileExists(dir, 'services/api/app/main.py')).toBe(true);
    expect(fileExists(dir, 'services/api/pyproject.toml')).toBe(true);
    expect(fileExists(dir, 'api')).toBe(false);
    const manifest = parseManifest(readFileSync(path.join(dir, '.secure-stack.yaml'), 'utf8'));
    expect(manifest.layers.api).toEqual({ directory: 'services/api', generated: true });
    expect(manifest.files['services/api/app/main.py']?.layer).toBe('api');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'api');
    // The service is add's own now (the manifest says so): it is not mistaken for the user's.
    const again = await runAddIn(dir, ['api', '--yes', '--dry-run', '--json']);
    const plan = JSON.parse(again.stdout) as { files: Array<{ action: string }>; modes: Record<string, string> };
    expect(plan.modes.api).toBe('new');
    expect(plan.files.filter((file) => file.action !== 'UNCHANGED')).toEqual([]);
  });

  it('changes nothing in a repository generated by `new`', async () => {
    const { dir } = await generateProject();
    made.push(dir);
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '--no-verify', '-m', 'generated');
    const result = await runAddIn(dir, ['--yes', '--dry-run', '--json']);
    expect(result.exitCode).toBe(0);
    const plan = JSON.parse(result.stdout) as { files: Array<{ path: string; action: string }> };
    expect(plan.files.filter((file) => file.action !== 'UNCHANGED')).toEqual([]);
  });
});

describe('interactive add', () => {
  it('asks for the layers and each folder on a terminal, then prints the command without questions', async () => {
    const dir = repo('fastapi-react-postgres');
    const terminal = new FakeTerminal();
    let printed = '';
    const stdout = new Writable({
      write(chunk, _encoding, callback) {
        printed += chunk.toString();
        callback();
      },
    });
    const io = { stdin: Object.assign(new PassThrough(), { isTTY: false }), stdout, stderr: stdout, env: { ...process.env, ...TEST_ENV }, cwd: dir };
    const running = main(['add', '--dry-run'], io as unknown as CliIO, { wizardStreams: { input: terminal.input, output: terminal.output } });
    await terminal.answer('Layers to add', KEYS.enter); // the detected ones: api, db, containers
    await terminal.answer('Folder of the FastAPI service', KEYS.enter); // backend, as detected
    await terminal.answer('Folder of the PostgreSQL', KEYS.enter);
    expect(await running).toBe(0);
    expect(terminal.transcript).toContain('found FastAPI in backend, migrations in backend, 2 Dockerfile(s), 1 Compose file(s)');
    expect(printed).toContain("npx secure-stack add api db containers --yes --api-dir 'backend' --db-dir 'db'");
  });
});
