/** End to end: the built CLI spawned in temporary directories, as a user runs it. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseManifest, sha256 } from '../../src/manifest/manifest.js';
import { CREATE_BIN, listFiles, makeTempDir, removeDir, runCli, snapshot } from '../support/cli.js';

let cwd: string;
beforeEach(() => {
  cwd = makeTempDir();
});
afterEach(() => removeDir(cwd));

/** Files every full-stack project has, whatever else its layers add. */
const CORE_FILES = [
  '.editorconfig',
  '.gitignore',
  '.secure-stack.yaml',
  'README.md',
  'SECURITY.md',
  'docs/security/INCIDENT_RUNBOOK.md',
  'docs/security/SECRETS.md',
  'docs/security/THREAT_MODEL.md',
  'web/public/.well-known/security.txt',
];

const readManifest = (dir: string) => parseManifest(readFileSync(path.join(dir, '.secure-stack.yaml'), 'utf8'));

describe('new --yes', () => {
  it('generates the project with a manifest whose hashes match the files, and commits it to git', async () => {
    const result = await runCli(['new', 'my-app', '--yes'], { cwd });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const dir = path.join(cwd, 'my-app');
    const files = listFiles(dir);
    expect(files).toEqual(expect.arrayContaining(CORE_FILES));
    const manifest = readManifest(dir);
    expect(manifest.answers).toMatchObject({ projectName: 'my-app', multiTenant: true, cloud: 'none' });
    expect(manifest.presets).toEqual([{ name: 'default', builtin: true }]);
    // Every file on disk but the manifest itself is in the manifest, and nothing else is.
    expect(Object.keys(manifest.files).sort()).toEqual(files.filter((file) => file !== '.secure-stack.yaml'));
    for (const [file, entry] of Object.entries(manifest.files)) {
      expect(entry.sha256, file).toBe(sha256(readFileSync(path.join(dir, file))));
    }
    const log = execFileSync('git', ['log', '--format=%s', '--name-only'], { cwd: dir, encoding: 'utf8' });
    expect(log).toContain('Initial commit from create-secure-stack');
    expect(log).toContain('.secure-stack.yaml');
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: dir, encoding: 'utf8' })).toBe('');
  });

  it('create-secure-stack is the same as secure-stack new', async () => {
    const a = await runCli(['same', '--yes', '--no-git'], { cwd, bin: CREATE_BIN });
    expect(a.exitCode).toBe(0);
    const b = await runCli(['new', 'same', '--yes', '--no-git', '--allow-nonempty', '--dry-run', '--json'], { cwd });
    const plan = JSON.parse(b.stdout) as { files: Array<{ action: string }> };
    expect(plan.files.every((file) => file.action === 'UNCHANGED')).toBe(true);
  });

  it('formats Markdown with prettier inside the pipeline', async () => {
    await runCli(['new', 'fmt-app', '--yes', '--no-git'], { cwd });
    const threatModel = readFileSync(path.join(cwd, 'fmt-app/docs/security/THREAT_MODEL.md'), 'utf8');
    const prettier = await import('prettier');
    expect(await prettier.format(threatModel, { filepath: 'THREAT_MODEL.md' })).toBe(threatModel);
  });
});

describe('next steps', () => {
  it('names the commands of the chosen layers only', async () => {
    const full = await runCli(['new', 'full', '--yes', '--no-git'], { cwd });
    expect(full.stdout).toMatch(/scripts\/make-secrets\.sh\s+# /);
    expect(full.stdout).toContain('docker compose up --build');
    expect(full.stdout).toContain('(cd web && npm ci && npm test)');
    const apiOnly = await runCli(['new', 'lean', '--yes', '--no-git', '--layers', 'api,docs'], { cwd });
    expect(apiOnly.stdout).toContain("(cd api && pip install -e '.[test]' && pytest)");
    expect(apiOnly.stdout).not.toContain('docker compose');
    expect(apiOnly.stdout).not.toContain('npm ci');
  });
});

describe('dry run and idempotency', () => {
  it('--dry-run prints the plan and writes nothing', async () => {
    const result = await runCli(['new', 'dry-app', '--yes', '--dry-run'], { cwd });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('CREATE    docs/security/THREAT_MODEL.md');
    const summary = /dry run: nothing written \((\d+) to create, 0 to update, 0 unchanged\)/.exec(result.stdout);
    expect(summary).not.toBeNull();
    expect(result.stdout.split('\n').filter((line) => line.startsWith('CREATE '))).toHaveLength(Number(summary![1]));
    expect(listFiles(cwd)).toEqual([]);
  });

  it('--dry-run --json prints a machine-readable plan', async () => {
    const result = await runCli(['new', 'dry-app', '--yes', '--dry-run', '--json'], { cwd });
    const plan = JSON.parse(result.stdout) as { dryRun: boolean; files: Array<{ path: string; action: string }> };
    expect(plan.dryRun).toBe(true);
    expect(plan.files.map((file) => file.path)).toEqual(expect.arrayContaining(CORE_FILES));
    expect(new Set(plan.files.map((file) => file.action))).toEqual(new Set(['CREATE']));
    expect(listFiles(cwd)).toEqual([]);
  });

  it('a second identical run plans no change and changes nothing', async () => {
    expect((await runCli(['new', 'twice', '--yes'], { cwd })).exitCode).toBe(0);
    const before = snapshot(path.join(cwd, 'twice'));
    const plan = await runCli(['new', 'twice', '--yes', '--allow-nonempty', '--dry-run'], { cwd });
    expect(plan.exitCode).toBe(0);
    const total = listFiles(path.join(cwd, 'twice')).length;
    expect(plan.stdout).toContain(`(0 to create, 0 to update, ${total} unchanged)`);
    const again = await runCli(['new', 'twice', '--yes', '--allow-nonempty'], { cwd });
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain(`0 to create, 0 to update, ${total} unchanged`);
    expect(snapshot(path.join(cwd, 'twice'))).toEqual(before);
  });

  it('a re-run keeps the digests an earlier --pin-digests recorded (no silent downgrade to tags)', async () => {
    expect((await runCli(['new', 'pinned', '--yes', '--no-git'], { cwd })).exitCode).toBe(0);
    const dir = path.join(cwd, 'pinned');
    const manifestFile = path.join(dir, '.secure-stack.yaml');
    // Stand in for what --pin-digests records: a digest for every tag-only base image the files name.
    const references = new Set<string>();
    for (const file of ['api/Dockerfile', 'web/Dockerfile']) {
      for (const match of readFileSync(path.join(dir, file), 'utf8').matchAll(/^FROM (\S+:\S+) AS /gm)) references.add(match[1]!);
    }
    expect(references.size).toBeGreaterThan(0);
    const digests = Object.fromEntries([...references].sort().map((reference, i) => [reference, `sha256:${String(i).repeat(64)}`]));
    const manifestText = readFileSync(manifestFile, 'utf8');
    writeFileSync(manifestFile, manifestText.replace(/^files:/m, `baseImageDigests:\n${Object.entries(digests).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`).join('\n')}\nfiles:`));
    expect((await runCli(['new', 'pinned', '--yes', '--no-git', '--allow-nonempty', '--overwrite'], { cwd })).exitCode).toBe(0);
    for (const [reference, digest] of Object.entries(digests)) {
      expect(readFileSync(path.join(dir, reference.startsWith('node') ? 'web/Dockerfile' : 'api/Dockerfile'), 'utf8')).toContain(`FROM ${reference}@${digest}`);
    }
    const again = await runCli(['new', 'pinned', '--yes', '--no-git', '--allow-nonempty'], { cwd });
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/0 to create, 0 to update, \d+ unchanged/);
  });
});

describe('answers and presets', () => {
  it('--answers FILE sets the answers', async () => {
    writeFileSync(
      path.join(cwd, 'answers.yaml'),
      'layers: [api, db, docs]\ncloud: gcp\nmultiTenant: false\noidcIssuer: https://login.example.org/realms/acme\nsecurityContact: security@acme.example\n',
    );
    const result = await runCli(['new', 'from-file', '--yes', '--no-git', '--answers', 'answers.yaml'], { cwd });
    expect(result.exitCode).toBe(0);
    const manifest = readManifest(path.join(cwd, 'from-file'));
    expect(manifest.answers).toMatchObject({
      layers: ['api', 'db', 'docs'],
      cloud: 'gcp',
      multiTenant: false,
      oidcIssuer: 'https://login.example.org/realms/acme',
      securityContact: 'mailto:security@acme.example',
    });
    // Without the web layer, security.txt sits at the repository's own web root.
    expect(listFiles(path.join(cwd, 'from-file'))).toContain('.well-known/security.txt');
    const threatModel = readFileSync(path.join(cwd, 'from-file/docs/security/THREAT_MODEL.md'), 'utf8');
    expect(threatModel).not.toContain('TM-B1');
    expect(threatModel).not.toContain('User of another tenant');
  });

  it('a bad answers file is exit 2 with file:line', async () => {
    writeFileSync(path.join(cwd, 'answers.yaml'), 'cloud: aws\nlayerz: [api]\n');
    const result = await runCli(['new', 'bad', '--yes', '--answers', 'answers.yaml'], { cwd });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim()).toBe('secure-stack: answers.yaml:2:1: unknown key "layerz"');
    expect(listFiles(cwd)).toEqual(['answers.yaml']);
  });

  it('a custom preset from a path extends strict', async () => {
    writeFileSync(
      path.join(cwd, 'org.yaml'),
      'extends: strict\nanswers:\n  cloud: azure\n  oidcIssuer: https://login.org.example/\n  securityContact: https://org.example/security\nlocked: [cloud]\n',
    );
    const result = await runCli(['new', 'org-app', '--yes', '--no-git', '--preset', './org.yaml'], { cwd });
    expect(result.exitCode).toBe(0);
    const manifest = readManifest(path.join(cwd, 'org-app'));
    expect(manifest.presets).toEqual([
      { name: 'default', builtin: true },
      { name: 'strict', builtin: true },
      { name: './org.yaml', builtin: false },
    ]);
    expect(manifest.answers).toMatchObject({ cloud: 'azure', multiTenant: true, securityContact: 'https://org.example/security' });
  });

  it('a flag that contradicts a locked key is exit 2, naming the preset file and the key, and writes nothing', async () => {
    writeFileSync(path.join(cwd, 'org.yaml'), 'extends: strict\nanswers:\n  cloud: azure\nlocked: [cloud]\n');
    const layers = await runCli(['new', 'locked-app', '--yes', '--preset', './org.yaml', '--layers', 'api,docs'], { cwd });
    expect(layers.exitCode).toBe(2);
    expect(layers.stderr).toMatch(/--layers contradicts preset .*presets\/strict\.yaml: "layers" is locked/);
    const cloud = await runCli(['new', 'locked-app', '--yes', '--preset', './org.yaml', '--cloud', 'aws'], { cwd });
    expect(cloud.exitCode).toBe(2);
    expect(cloud.stderr).toContain(`--cloud contradicts preset ${path.join(cwd, 'org.yaml')}: "cloud" is locked to "azure"`);
    expect(listFiles(cwd)).toEqual(['org.yaml']);
  });

  it.each([
    [['--cloud', 'mainframe'], /--cloud: "mainframe" is not one of aws\|gcp\|azure\|none/],
    [['--layers', 'api,frontend'], /--layers: unknown layer "frontend"/],
    [['--oidc-issuer', 'http://idp.example.com'], /invalid --oidc-issuer "http:\/\/idp\.example\.com": must use https/],
    [['--security-contact', 'call us'], /invalid --security-contact/],
    [['--multi-tenant', '--no-multi-tenant'], /contradict each other/],
    [['--frobnicate'], /Unknown option '--frobnicate'/],
    [['--preset', 'nonexistent'], /unknown preset "nonexistent"/],
  ])('bad flags %j are exit 2 with one line and nothing written', async (flags, message) => {
    const result = await runCli(['new', 'flagged', '--yes', ...flags], { cwd });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(listFiles(cwd)).toEqual([]);
  });
});

describe('refusals', () => {
  it.each([
    '../escape',
    'a/b',
    '..',
    "x'; DROP TABLE users; --",
    '$(touch pwned)',
    '`touch pwned`',
    'a\nb',
    'Upper',
    'white space',
    '${{ github.token }}',
  ])('a hostile project name %j is exit 2 and nothing is written anywhere', async (name) => {
    const inner = path.join(cwd, 'inner');
    mkdirSync(inner);
    const result = await runCli(['new', name, '--yes'], { cwd: inner });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^secure-stack: invalid project name /);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(listFiles(cwd)).toEqual([]);
  });

  it('without a terminal and without --yes it fails at once, naming --yes', async () => {
    const started = Date.now();
    const result = await runCli(['new', 'no-tty'], { cwd });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--yes');
    expect(Date.now() - started).toBeLessThan(10_000); // it does not wait for input that never comes
    expect(listFiles(cwd)).toEqual([]);
  });

  it('a non-empty target is refused and the user file stays intact', async () => {
    mkdirSync(path.join(cwd, 'taken'));
    writeFileSync(path.join(cwd, 'taken/notes.txt'), 'mine');
    const result = await runCli(['new', 'taken', '--yes'], { cwd });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--allow-nonempty');
    expect(snapshot(path.join(cwd, 'taken'))).toEqual({ 'notes.txt': 'mine' });
  });

  it('--allow-nonempty never replaces a differing file without --overwrite', async () => {
    mkdirSync(path.join(cwd, 'taken'));
    writeFileSync(path.join(cwd, 'taken/README.md'), '# my own readme\n');
    writeFileSync(path.join(cwd, 'taken/notes.txt'), 'mine');
    const refused = await runCli(['new', 'taken', '--yes', '--no-git', '--allow-nonempty'], { cwd });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('1 existing file(s) differ from what would be generated (README.md); nothing written');
    expect(snapshot(path.join(cwd, 'taken'))).toEqual({ 'README.md': '# my own readme\n', 'notes.txt': 'mine' });

    const dry = await runCli(['new', 'taken', '--yes', '--allow-nonempty', '--dry-run'], { cwd });
    expect(dry.stdout).toContain('CONFLICT  README.md');
    expect(dry.exitCode).toBe(2);

    const replaced = await runCli(['new', 'taken', '--yes', '--no-git', '--allow-nonempty', '--overwrite'], { cwd });
    expect(replaced.exitCode).toBe(0);
    expect(readFileSync(path.join(cwd, 'taken/README.md'), 'utf8')).toContain('Generated by');
    expect(readFileSync(path.join(cwd, 'taken/notes.txt'), 'utf8')).toBe('mine');
  });

  it('a target that is a file is refused', async () => {
    writeFileSync(path.join(cwd, 'file-app'), 'x');
    const result = await runCli(['new', 'file-app', '--yes'], { cwd });
    expect(result.exitCode).toBe(2);
    expect(statSync(path.join(cwd, 'file-app')).isFile()).toBe(true);
  });
});

describe('the secure-stack command', () => {
  it('an unknown subcommand prints help and exits 2', async () => {
    const result = await runCli(['frobnicate'], { cwd });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('unknown command "frobnicate"');
    expect(result.stderr).toContain('Usage:');
  });

  it('--help and new --help exit 0', async () => {
    expect((await runCli(['--help'], { cwd })).stdout).toContain('secure-stack new <name>');
    const help = await runCli(['new', '--help'], { cwd });
    expect(help.exitCode).toBe(0);
    for (const flag of ['--preset', '--answers', '--layers', '--cloud', '--multi-tenant', '--no-multi-tenant', '--oidc-issuer', '--oidc-audience', '--yes', '--dry-run', '--json', '--no-git', '--no-install']) {
      expect(help.stdout).toContain(flag);
    }
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect((await runCli(['--version'], { cwd })).stdout.trim()).toBe(pkg.version);
  });
});
