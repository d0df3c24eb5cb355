/** `secure-stack upgrade` on generated repositories under real git. */
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runUpgrade } from '../../src/cli/upgrade.js';
import { sha256 } from '../../src/manifest/manifest.js';
import { captureIO } from './repo.js';
import { makeTempDir, removeDir, snapshot } from '../support/cli.js';
import { commitAll, editFile, generatedGitRepo, git, readRepoManifest, readText, removeFile, secureStack, writeRepoManifest, writeText } from './repo.js';

const ALL_LAYERS = ['api', 'web', 'db', 'containers', 'ci', 'docs'] as const;
const WORKFLOW = '.github/workflows/ci.yml';
const AWS_AUTH = 'aws-actions/configure-aws-credentials@';
const GCP_AUTH = 'google-github-actions/auth@';

// Generating is the slow part: one pristine repository per answer set, copied (with .git) for each test.
let awsRepo: string;
let noDocsRepo: string;
const copies: string[] = [];
beforeAll(async () => {
  [awsRepo, noDocsRepo] = await Promise.all([
    generatedGitRepo({ cloud: 'aws' }),
    generatedGitRepo({ layers: ['api', 'web', 'db', 'containers', 'ci'] }),
  ]);
}, 120_000);
afterAll(() => {
  removeDir(awsRepo);
  removeDir(noDocsRepo);
});
afterEach(() => {
  for (const dir of copies.splice(0)) removeDir(dir);
});

function copyOf(pristine: string): string {
  const dir = path.join(makeTempDir('secure-stack-upgrade-'), 'repo');
  cpSync(pristine, dir, { recursive: true });
  copies.push(path.dirname(dir));
  return dir;
}

describe('upgrade --set cloud=gcp on an aws repository', () => {
  it('keeps the user edits elsewhere in ci.yml, switches the deploy job, leaves unrelated files alone and records the new answers', async () => {
    const dir = copyOf(awsRepo);
    editFile(dir, WORKFLOW, '  push:\n    branches: [main]', '  push:\n    branches: [main, release/*]');
    writeText(dir, 'NOTES.md', 'our own notes\n');
    commitAll(dir, 'our edits');

    const result = await secureStack(['upgrade', '--set', 'cloud=gcp', '--yes'], dir);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('templates 0.1.0 → 0.1.0; answers: cloud "aws" → "gcp"');
    expect(result.stdout).toMatch(/^MERGE +\.github\/workflows\/ci\.yml +\(both you and the template changed it: merged cleanly\)$/m);
    expect(result.stdout).toMatch(/^UPDATE +\.github\/scripts\/deploy\.sh/m);

    const workflow = readText(dir, WORKFLOW);
    expect(workflow).toContain('    branches: [main, release/*]');
    expect(workflow).toContain(GCP_AUTH);
    expect(workflow).not.toContain(AWS_AUTH);
    expect(workflow).not.toContain('<<<<<<<');
    expect(readText(dir, 'NOTES.md')).toBe('our own notes\n');

    const manifest = readRepoManifest(dir);
    expect(manifest.answers.cloud).toBe('gcp');
    // The manifest records what the templates generated, not the merged file: the next diff still says "you changed".
    expect(manifest.files[WORKFLOW]!.sha256).not.toBe(sha256(readText(dir, WORKFLOW)));
    expect(manifest.files['.github/scripts/deploy.sh']!.sha256).toBe(sha256(readText(dir, '.github/scripts/deploy.sh')));
    const drift = JSON.parse((await secureStack(['diff', '--json'], dir)).stdout) as { files: Array<{ path: string; changedBy: string }> };
    expect(drift.files).toEqual([expect.objectContaining({ path: WORKFLOW, changedBy: 'you' })]);
    expect(git(dir, ['status', '--porcelain']).split('\n').filter(Boolean).map((line) => line.slice(3)).sort()).toEqual(
      ['.github/scripts/deploy.sh', '.github/workflows/README.md', '.github/workflows/rollback.yml', WORKFLOW, '.secure-stack.yaml', 'docs/security/THREAT_MODEL.md'].sort(),
    );

    // Committed, a second run has nothing to do.
    commitAll(dir, 'upgrade to gcp');
    const again = await secureStack(['upgrade', '--yes'], dir);
    expect(again).toMatchObject({ exitCode: 0 });
    expect(again.stdout).toContain('already up to date');
    expect(git(dir, ['status', '--porcelain'])).toBe('');
  });

  it('carries over what the user recorded in the manifest: suppressions and components made by gen', async () => {
    const dir = copyOf(awsRepo);
    const suppressions = [{ control: 'CTR-02', path: '**/Dockerfile', reason: 'digests pinned by the release job', owner: 'platform' }];
    const components = [{ generator: 'route' as const, name: 'invoices', generatedOn: '2026-11-27', files: { 'api/app/routes/invoices.py': { sha256: '0'.repeat(64) } } }];
    writeRepoManifest(dir, (manifest) => ({ ...manifest, suppressions, components }));
    commitAll(dir, 'accepted risk and a generated route');
    const result = await secureStack(['upgrade', '--set', 'cloud=gcp', '--yes'], dir);
    expect(result.exitCode).toBe(0);
    const manifest = readRepoManifest(dir);
    expect(manifest.answers.cloud).toBe('gcp');
    expect(manifest.suppressions).toEqual(suppressions);
    expect(manifest.components).toEqual(components);
  });

  it('an edit of the lines the template changes becomes a labelled conflict block, listed at the end, exit 1', async () => {
    const dir = copyOf(awsRepo);
    editFile(dir, WORKFLOW, 'role-session-name: github-deploy', 'role-session-name: our-deploy');
    commitAll(dir, 'our session name');

    const result = await secureStack(['upgrade', '--set', 'cloud=gcp', '--yes'], dir);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^CONFLICT +\.github\/workflows\/ci\.yml +\(both you and the template changed it: 1 conflict block\(s\)\)$/m);
    expect(result.stdout).toContain(`1 file(s) have conflicts: resolve the <<<<<<< blocks, then commit\n  ${WORKFLOW}\n`);
    const workflow = readText(dir, WORKFLOW);
    const block = workflow.slice(workflow.indexOf('<<<<<<< yours\n'), workflow.indexOf('>>>>>>> template 0.1.0\n'));
    expect(block).toContain('role-session-name: our-deploy');
    expect(block).toContain('||||||| template 0.1.0\n');
    expect(block.slice(block.indexOf('=======\n'))).toContain('workload_identity_provider: ${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}');
    expect(workflow).toContain(GCP_AUTH); // the line only the template changed, outside the block, is merged
    // Applied with conflicts: the manifest records the new answers.
    expect(readRepoManifest(dir).answers.cloud).toBe('gcp');
  });

  it('a file the user deleted stays deleted and is reported', async () => {
    const dir = copyOf(awsRepo);
    removeFile(dir, '.github/scripts/deploy.sh');
    commitAll(dir, 'we deploy another way');
    const result = await secureStack(['upgrade', '--set', 'cloud=gcp', '--yes'], dir);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^KEEP +\.github\/scripts\/deploy\.sh +\(you deleted this file \(the template changed it\): it stays deleted\)$/m);
    expect(existsSync(path.join(dir, '.github/scripts/deploy.sh'))).toBe(false);
  });
});

describe('upgrade refuses, writing nothing', () => {
  it('a dirty working tree (changed or untracked files), unless --allow-dirty', async () => {
    const dir = copyOf(awsRepo);
    editFile(dir, 'README.md', '\n', '\nwork in progress\n');
    const before = snapshot(dir);
    const refused = await secureStack(['upgrade', '--set', 'cloud=gcp', '--yes'], dir);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toBe('secure-stack: the working tree has uncommitted changes (README.md): commit or stash them first, or pass --allow-dirty\n');
    expect(snapshot(dir)).toEqual(before);

    commitAll(dir, 'wip');
    writeText(dir, 'scratch.txt', 'untracked\n');
    expect((await secureStack(['upgrade', '--set', 'cloud=gcp', '--yes'], dir)).stderr).toContain('uncommitted changes (scratch.txt)');

    const allowed = await secureStack(['upgrade', '--set', 'cloud=gcp', '--yes', '--allow-dirty'], dir);
    expect(allowed.exitCode).toBe(0);
    expect(readText(dir, WORKFLOW)).toContain(GCP_AUTH);
    expect(readText(dir, 'scratch.txt')).toBe('untracked\n');
  });

  it('outside a git repository, saying why, unless --allow-dirty', async () => {
    const dir = copyOf(awsRepo);
    rmSync(path.join(dir, '.git'), { recursive: true });
    const before = snapshot(dir);
    const refused = await secureStack(['upgrade', '--set', 'cloud=gcp', '--yes'], dir);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('not a git repository: upgrade refuses to change files that version control cannot give back');
    expect(snapshot(dir)).toEqual(before);
    expect((await secureStack(['upgrade', '--set', 'cloud=gcp', '--yes', '--allow-dirty'], dir)).exitCode).toBe(0);
    expect(readText(dir, WORKFLOW)).toContain(GCP_AUTH);
    expect(existsSync(path.join(dir, '.secure-stack-upgrade'))).toBe(false);
  });

  it.each([
    [['--to', '9.9.9'], 'this is create-secure-stack 0.1.0; to upgrade to 9.9.9 run: npx create-secure-stack@9.9.9 upgrade'],
    [['--set', 'cloud=mars'], '--set cloud=mars: expected one of aws|gcp|azure|none'],
    [['--set', 'colour=blue'], '--set: unknown answer "colour"'],
    [['--set', 'multiTenant=maybe'], '--set multiTenant=maybe: expected true or false'],
    [['--set', 'oidcIssuer=http://idp.example.com/'], 'invalid --set oidcIssuer=http://idp.example.com/: must use https'],
    [['--set', 'cloud'], '--set "cloud": expected key=value'],
    [['--set', 'layers=api,frontend'], '--set layers: unknown layer "frontend"'],
    [[], 'no terminal to confirm on: pass --yes'],
  ])('bad input %j: exit 2, one line', async (args, message) => {
    const dir = copyOf(awsRepo);
    const before = snapshot(dir);
    const result = await secureStack(['upgrade', ...args, ...(args.length > 0 ? ['--yes'] : [])], dir);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(snapshot(dir)).toEqual(before);
  });

  it('an answer locked by the recorded preset', async () => {
    const dir = copyOf(awsRepo);
    writeRepoManifest(dir, (manifest) => ({ ...manifest, presets: [{ name: 'default', builtin: true }, { name: 'strict', builtin: true }] }));
    commitAll(dir, 'strict preset');
    const result = await secureStack(['upgrade', '--set', 'multiTenant=false', '--yes'], dir);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--set multiTenant contradicts preset strict: "multiTenant" is locked to true');
  });

  it('--dry-run prints the plan and writes nothing', async () => {
    const dir = copyOf(awsRepo);
    editFile(dir, WORKFLOW, 'role-session-name: github-deploy', 'role-session-name: our-deploy');
    commitAll(dir, 'our session name');
    const before = snapshot(dir);
    const result = await secureStack(['upgrade', '--set', 'cloud=gcp', '--dry-run'], dir);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^CONFLICT +\.github\/workflows\/ci\.yml/m);
    expect(result.stdout).toMatch(/^UPDATE +\.github\/scripts\/deploy\.sh/m);
    expect(result.stdout).toMatch(/^UPDATE +\.github\/workflows\/rollback\.yml/m);
    expect(result.stdout).toContain('dry run: nothing written (4 updated, 1 in conflict)');
    expect(snapshot(dir)).toEqual(before);
    expect(git(dir, ['status', '--porcelain'])).toBe('');
  });
});

describe('upgrade: where the base comes from', () => {
  const SECRETS = 'docs/security/SECRETS.md';

  it('an older template version is recovered from git by the recorded hash, and the 3-way merge keeps the user edit', async () => {
    const dir = copyOf(awsRepo);
    // Pretend templates 0.0.9 generated SECRETS.md without its last paragraph, and committed that.
    const current = readText(dir, SECRETS);
    const lastBreak = current.trimEnd().lastIndexOf('\n\n');
    const old = `${current.slice(0, lastBreak)}\n`;
    writeText(dir, SECRETS, old);
    writeRepoManifest(dir, (manifest) => ({
      ...manifest,
      templateVersion: '0.0.9',
      files: { ...manifest.files, [SECRETS]: { layer: 'docs', sha256: sha256(old) } },
    }));
    commitAll(dir, 'generated by templates 0.0.9');
    // Then the user edits its first line, and commits.
    const [firstLine] = old.split('\n');
    editFile(dir, SECRETS, `${firstLine}\n`, `${firstLine} (owned by the platform team)\n`);
    commitAll(dir, 'our edit');

    const result = await secureStack(['upgrade', '--yes'], dir);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('templates 0.0.9 → 0.1.0');
    expect(result.stdout).toContain('What templates 0.1.0 changed:\n  First release of the templates:');
    expect(result.stdout).toMatch(/^MERGE +docs\/security\/SECRETS\.md/m);
    const merged = readText(dir, SECRETS);
    expect(merged.startsWith(`${firstLine} (owned by the platform team)\n`)).toBe(true);
    expect(merged.endsWith(current.slice(lastBreak))).toBe(true);
    expect(readRepoManifest(dir).templateVersion).toBe('0.1.0');
  });

  it('a base found nowhere makes a differing file a conflict with an empty base section', async () => {
    const dir = copyOf(awsRepo);
    editFile(dir, SECRETS, '\n', '\nour line\n');
    writeRepoManifest(dir, (manifest) => ({ ...manifest, files: { ...manifest.files, [SECRETS]: { layer: 'docs', sha256: 'f'.repeat(64) } } }));
    commitAll(dir, 'hash from nowhere');
    const result = await secureStack(['upgrade', '--yes'], dir);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^CONFLICT +docs\/security\/SECRETS\.md +\(the version it was generated from could not be recovered/m);
    expect(readText(dir, SECRETS)).toMatch(/^<<<<<<< yours\n[^]*our line\n[^]*\|\|\|\|\|\|\| template 0\.1\.0\n=======\n/);
  });
});

describe('upgrade: files the template adds and removes', () => {
  it('dropping a layer deletes its untouched files and keeps (and reports) the edited ones', async () => {
    const dir = copyOf(awsRepo);
    editFile(dir, 'docs/security/SECRETS.md', '\n', '\nRotated on 2026-11-01.\n');
    commitAll(dir, 'rotation note');
    const result = await secureStack(['upgrade', '--set', 'layers=api,web,db,containers,ci', '--yes'], dir);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^DELETE +docs\/security\/THREAT_MODEL\.md +\(the template no longer generates this file\)$/m);
    expect(result.stdout).toMatch(/^KEEP +docs\/security\/SECRETS\.md +\(the template no longer generates this file; you changed it, so it is kept\)$/m);
    expect(existsSync(path.join(dir, 'docs/security/THREAT_MODEL.md'))).toBe(false);
    expect(readText(dir, 'docs/security/SECRETS.md')).toContain('Rotated on 2026-11-01.');
    const manifest = readRepoManifest(dir);
    expect(manifest.answers.layers).toEqual(['api', 'web', 'db', 'containers', 'ci']);
    expect(Object.keys(manifest.files).some((file) => file.startsWith('docs/'))).toBe(false);
  });

  it('adding a layer creates its files; one that exists with other content is a both-added conflict', async () => {
    const dir = copyOf(noDocsRepo);
    writeText(dir, 'SECURITY.md', '# Security\n\nMail us.\n');
    commitAll(dir, 'our own SECURITY.md');
    const result = await secureStack(['upgrade', '--set', `layers=${ALL_LAYERS.join(',')}`, '--yes'], dir);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^CREATE +docs\/security\/THREAT_MODEL\.md/m);
    expect(result.stdout).toMatch(/^CONFLICT +SECURITY\.md +\(the template now generates this file and yours differs/m);
    const security = readText(dir, 'SECURITY.md');
    expect(security).toMatch(/^<<<<<<< yours\n# Security\n\nMail us\.\n\|\|\|\|\|\|\| template 0\.1\.0\n=======\n/);
    expect(existsSync(path.join(dir, 'docs/security/THREAT_MODEL.md'))).toBe(true);
  });
});

describe('an interrupted upgrade', () => {
  it('is completed by the next diff or upgrade, which say so', async () => {
    for (const command of [['diff', '--json'], ['upgrade', '--yes']]) {
      const dir = copyOf(awsRepo);
      // What a killed upgrade leaves: a staged file and the journal naming its rename.
      const staging = path.join(dir, '.git/secure-stack/upgrade');
      mkdirSync(path.join(staging, 'files'), { recursive: true });
      writeFileSync(path.join(staging, 'files/0'), 'completed content\n');
      writeFileSync(
        path.join(staging, 'journal.json'),
        JSON.stringify({ version: 1, operations: [{ action: 'replace', path: 'README.md', staged: '.git/secure-stack/upgrade/files/0' }] }),
      );
      const result = await secureStack(command, dir);
      expect(result.exitCode).toBe(0);
      expect(readText(dir, 'README.md')).toBe('completed content\n');
      expect(existsSync(staging)).toBe(false);
      if (command[0] === 'diff') expect(JSON.parse(result.stdout)).toMatchObject({ completedInterruptedUpgrade: ['README.md'] });
      else expect(result.stdout).toContain('completed an interrupted upgrade first (1 file(s))');
    }
  });
});

describe('upgrade asking for confirmation', () => {
  it('applies when confirmed and prints the equivalent non-interactive command; declined, writes nothing (exit 130)', async () => {
    const dir = copyOf(awsRepo);
    const before = snapshot(dir);
    const declined = captureIO(dir);
    const questions: string[] = [];
    const confirmNo = async (question: string) => (questions.push(question), false);
    expect(await runUpgrade(['--set', 'cloud=gcp'], declined.io, { confirm: confirmNo }).catch((error: { exitCode: number }) => error.exitCode)).toBe(130);
    expect(questions).toEqual(['Apply the upgrade?']);
    expect(snapshot(dir)).toEqual(before);

    const accepted = captureIO(dir);
    expect(await runUpgrade(['--set', 'cloud=gcp'], accepted.io, { confirm: async () => true })).toBe(0);
    expect(accepted.stdout()).toContain("Same upgrade without questions:\n  npx secure-stack upgrade --yes --set 'cloud=gcp'\n");
    expect(readText(dir, WORKFLOW)).toContain(GCP_AUTH);
  });
});
