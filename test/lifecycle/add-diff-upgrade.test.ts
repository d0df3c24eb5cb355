/**
 * `diff` and `upgrade` on repositories made by `secure-stack add` (realistic fixtures under real git): files
 * are re-rendered where add placed them, only the files add created are considered, and the files add edited
 * in place (and every other file of the user's) are never touched.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MANIFEST_FILE, sha256 } from '../../src/manifest/manifest.js';
import { listFiles, makeTempDir, removeDir } from '../support/cli.js';
import { fixtureRepo, runAddIn } from './add-support.js';
import { commitAll, editFile, git, readRepoManifest, readText, secureStack, writeRepoManifest, writeText } from './repo.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) removeDir(dir);
});

interface DiffJson {
  clean: boolean;
  files: Array<{ path: string; status: string; changedBy: string; reason: string }>;
}

async function diffJson(dir: string): Promise<DiffJson> {
  const result = await secureStack(['diff', '--json'], dir);
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as DiffJson;
}

/** A fixture repository after `add <args>`, committed. */
async function addedRepo(fixture: string, args: string[]): Promise<string> {
  const dir = fixtureRepo(fixture);
  made.push(dir);
  const added = await runAddIn(dir, args);
  expect(added.exitCode, added.stderr).toBe(0);
  commitAll(dir, 'secure-stack add');
  return dir;
}

/** Every file outside the manifest's `files` (and the manifest itself), with its bytes. */
function unmanagedFiles(dir: string): Map<string, string> {
  const managed = new Set(Object.keys(readRepoManifest(dir).files));
  return new Map(
    listFiles(dir)
      .filter((file) => file !== MANIFEST_FILE && !managed.has(file))
      .map((file) => [file, readFileSync(path.join(dir, file), 'latin1')]),
  );
}

function changedPaths(dir: string): string[] {
  return git(dir, ['status', '--porcelain'])
    .split('\n')
    .filter(Boolean)
    .map((line) => line.slice(3))
    .sort();
}

describe.each([
  { fixture: 'fastapi-react-postgres', args: ['--yes'] },
  { fixture: 'bare-nextjs', args: ['--yes'] },
  { fixture: 'own-workflows', args: ['--yes'] },
  { fixture: 'bare-nextjs', args: ['api', 'docs', '--yes', '--api-dir', 'services/api'] },
])('after `add $args` on the $fixture fixture', ({ fixture, args }) => {
  it('diff --exit-code is clean and upgrade has nothing to do', async () => {
    const dir = await addedRepo(fixture, args);
    expect(readRepoManifest(dir).origin).toBe('add');
    const diff = await secureStack(['diff', '--exit-code'], dir);
    expect(diff.stdout).toBe('');
    expect(diff.exitCode).toBe(0);
    const upgrade = await secureStack(['upgrade', '--yes'], dir);
    expect(upgrade.exitCode, upgrade.stderr).toBe(0);
    expect(upgrade.stdout).toContain('already up to date');
    expect(git(dir, ['status', '--porcelain'])).toBe('');
  });
});

describe('an api layer add placed in services/api, with the docs layer', () => {
  const ADD = ['api', 'docs', '--yes', '--api-dir', 'services/api'];
  const ENV_EXAMPLE = 'services/api/.env.example';
  const API_README = 'services/api/README.md';

  it('diff tells your edit of a created file in its relocated path, and nothing about templates add did not create', async () => {
    const dir = await addedRepo('bare-nextjs', ADD);
    const manifest = readRepoManifest(dir);
    // The stack's web templates (never created here: the user's Next.js app stands in) and api/ are not "missing".
    expect(Object.keys(manifest.files).some((file) => file.startsWith('api/') || file.startsWith('web/'))).toBe(false);
    editFile(dir, ENV_EXAMPLE, 'OIDC_AUDIENCE=', '# our staging audience is set by the deploy job\nOIDC_AUDIENCE=');
    const result = await secureStack(['diff', '--exit-code'], dir);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(`diff --git a/${ENV_EXAMPLE} b/${ENV_EXAMPLE}`);
    expect(result.stdout).toContain('+# our staging audience is set by the deploy job');
    expect((await diffJson(dir)).files).toEqual([expect.objectContaining({ path: ENV_EXAMPLE, status: 'changed', changedBy: 'you', reason: 'you changed this file' })]);
  });

  it('upgrade with changed answers updates the created files where add put them, keeps your edits, and touches nothing else', async () => {
    const dir = await addedRepo('bare-nextjs', ADD);
    // Add edited these files of the user's in place: they are not in the manifest, and upgrade must not touch them.
    const before = readRepoManifest(dir);
    for (const edited of ['next.config.mjs', 'package.json', '.gitignore']) expect(before.files[edited]).toBeUndefined();
    // Away from the lines the new answers change, so the 3-way merge is clean.
    writeText(dir, API_README, `${readText(dir, API_README)}\n## Our deployment\n\nSee the team wiki.\n`);
    commitAll(dir, 'our edit');
    const untouched = unmanagedFiles(dir);

    const result = await secureStack(['upgrade', '--set', 'oidcAudience=orders-api', '--set', 'securityContact=mailto:sec@example.org', '--yes'], dir);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^MERGE +services\/api\/README\.md +\(both you and the template changed it: merged cleanly\)$/m);
    expect(result.stdout).toMatch(/^UPDATE +SECURITY\.md/m);

    const readme = readText(dir, API_README);
    expect(readme).toContain('\n## Our deployment\n\nSee the team wiki.\n');
    expect(readme).toMatch(/orders\\?-api/); // Markdown-escaped
    // An ignored file (the fixture's .gitignore has `.env*`) is updated all the same: it is add's, in its relocated path.
    expect(readText(dir, ENV_EXAMPLE)).toMatch(/^OIDC_AUDIENCE='?orders-api'?$/m);
    expect(readText(dir, 'SECURITY.md')).toMatch(/mailto:sec@example\\?\.org/); // Markdown escapes the dot
    expect(unmanagedFiles(dir)).toEqual(untouched);
    const changed = changedPaths(dir);
    expect(changed).toEqual(expect.arrayContaining([API_README, 'SECURITY.md', MANIFEST_FILE]));
    expect(changed.every((file) => file === MANIFEST_FILE || before.files[file] !== undefined)).toBe(true);
    expect(changed.some((file) => file.startsWith('api/'))).toBe(false);

    // The new manifest is still add's: same folders, same files, hashes of the new render.
    const after = readRepoManifest(dir);
    expect(after.origin).toBe('add');
    expect(after.layers.api).toEqual({ directory: 'services/api', generated: true });
    expect(Object.keys(after.files)).toEqual(Object.keys(before.files));
    expect(after.files['SECURITY.md']!.sha256).toBe(sha256(readText(dir, 'SECURITY.md')));
    expect((await diffJson(dir)).files).toEqual([expect.objectContaining({ path: API_README, changedBy: 'you' })]);

    commitAll(dir, 'upgrade');
    const again = await secureStack(['upgrade', '--set', 'oidcAudience=orders-api', '--yes'], dir);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain('already up to date');
    expect(git(dir, ['status', '--porcelain'])).toBe('');
  });

  it('a later add of another layer keeps the api where the first run put it; upgrade then brings in what the new answers change', async () => {
    const dir = await addedRepo('bare-nextjs', ADD);
    const second = await runAddIn(dir, ['ci', '--yes']);
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stdout).toContain("--api-dir 'services/api'");
    expect(listFiles(dir).some((file) => file.startsWith('api/'))).toBe(false);
    expect(readRepoManifest(dir).layers.api).toEqual({ directory: 'services/api', generated: true });
    commitAll(dir, 'ci');
    // The docs mention GitHub once ci is a layer: add leaves its earlier files as they are, diff says the template changed them.
    const drift = await diffJson(dir);
    expect(drift.files.length).toBeGreaterThan(0);
    const recorded = readRepoManifest(dir).files;
    expect(drift.files.filter((file) => file.changedBy !== 'template' || file.status !== 'changed' || recorded[file.path]?.layer !== 'docs')).toEqual([]);
    const upgrade = await secureStack(['upgrade', '--yes'], dir);
    expect(upgrade.exitCode, upgrade.stderr).toBe(0);
    expect(changedPaths(dir)).toEqual(drift.files.map((file) => file.path).concat(MANIFEST_FILE).sort());
    expect((await secureStack(['diff', '--exit-code'], dir)).exitCode).toBe(0);
  });
});

describe('two templates landing on one file', () => {
  it('every recorded hash is the file as written, so diff is clean and upgrade has nothing to do', async () => {
    const dir = makeTempDir('secure-stack-add-root-web-');
    made.push(dir);
    writeText(dir, 'README.md', '# Shop\n');
    git(dir, ['init', '-q', '-b', 'main']);
    commitAll(dir, 'readme');
    // The web app at the root: the stack's .gitignore and its web/.gitignore both land on .gitignore.
    const added = await runAddIn(dir, ['web', '--yes', '--web-dir', '.']);
    expect(added.exitCode, added.stderr).toBe(0);
    // Recorded only as the file is (the web template's lines may already be among the base's); never a stale hash.
    const recorded = readRepoManifest(dir).files;
    for (const [file, { sha256: hash }] of Object.entries(recorded)) expect(sha256(readText(dir, file)), file).toBe(hash);
    expect(recorded['package.json']?.layer).toBe('web');
    commitAll(dir, 'secure-stack add');
    expect((await diffJson(dir)).files).toEqual([]);
    expect((await secureStack(['upgrade', '--yes'], dir)).stdout).toContain('already up to date');
  });
});

describe('a manifest of an add that predates `origin: add`', () => {
  it('is refused (exit 2, one line) while a layer is outside its default folder, and re-running add records it', async () => {
    const dir = await addedRepo('bare-nextjs', ['api', '--yes', '--api-dir', 'services/api']);
    writeRepoManifest(dir, ({ origin: _origin, ...manifest }) => manifest);
    commitAll(dir, 'older manifest');
    for (const command of [['diff'], ['upgrade', '--yes', '--dry-run']]) {
      const result = await secureStack(command, dir);
      expect(result.exitCode).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain('api in services/api/');
      expect(result.stderr).toContain('secure-stack add --yes');
    }
    const again = await runAddIn(dir, ['--yes']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(readRepoManifest(dir).origin).toBe('add');
    commitAll(dir, 'add again');
    expect((await secureStack(['diff', '--exit-code'], dir)).exitCode).toBe(0);
  });
});
