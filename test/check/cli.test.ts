/** `secure-stack check` end to end through the built CLI: exit codes, the three formats, SARIF validity. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipOrFail } from '../support/tools.js';
import { REPO_ROOT, makeTempDir, removeDir, runCli } from '../support/cli.js';
import { ALL_CHECKS } from '../../src/check/registry.js';
import { fakeBaseImageDigests, generateProject } from '../support/project.js';
import { SHA, goodWorkflow, writeRepo } from './helpers.js';

const dirs: string[] = [];
let bad: string;
let good: string;
let generated: string;
const BAD_WORKFLOW = goodWorkflow(`      - uses: actions/setup-node@v4\n      - run: echo "\${{ github.event.issue.title }}"\n`).replace(
  'persist-credentials: false',
  'fetch-depth: 0',
);

beforeAll(async () => {
  bad = writeRepo({ '.github/workflows/ci.yml': BAD_WORKFLOW, '.github/workflows/broken.yml': 'on: [push\n' });
  good = writeRepo({ '.github/workflows/ci.yml': goodWorkflow(`      - uses: actions/setup-node@${SHA} # v4\n`) });
  // A stack generated with --pin-digests (offline generation keeps tags, which CTR-02 rightly reports).
  generated = (await generateProject({}, { baseImageDigests: await fakeBaseImageDigests() })).dir;
  dirs.push(bad, good, generated);
});
afterAll(() => dirs.forEach(removeDir));

describe('exit codes', () => {
  it('0 on a clean repository, a generated stack and an empty directory', async () => {
    for (const dir of [good, generated, makeTempDir()]) {
      const result = await runCli(['check', dir], { cwd: dir });
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    }
  });
  it('1 with findings at or above the threshold; --fail-on moves it', async () => {
    expect((await runCli(['check', bad], { cwd: bad })).exitCode).toBe(1);
    expect((await runCli(['check', '--fail-on', 'critical', bad], { cwd: bad })).exitCode).toBe(1); // CI-05 is critical
    const medium = writeRepo({ '.github/workflows/w.yml': goodWorkflow().replace('persist-credentials: false', 'fetch-depth: 1') });
    dirs.push(medium);
    expect((await runCli(['check', medium], { cwd: medium })).exitCode).toBe(0); // CI-03 is medium, below high
    expect((await runCli(['check', medium, '--fail-on', 'medium'], { cwd: medium })).exitCode).toBe(1);
  });
  it('defaults PATH to the current directory', async () => {
    expect((await runCli(['check'], { cwd: bad })).exitCode).toBe(1);
    expect((await runCli(['check'], { cwd: good })).exitCode).toBe(0);
  });
  it('2 on usage errors', async () => {
    for (const args of [['--bogus'], ['--format', 'xml'], ['--fail-on', 'severe'], [path.join(good, 'missing')], [path.join(good, '.github/workflows/ci.yml')], [good, good]]) {
      const result = await runCli(['check', ...args], { cwd: good });
      expect(result.exitCode, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/^secure-stack: /);
    }
  });
  it('help lists check and its options', async () => {
    expect((await runCli(['--help'])).stdout).toContain('secure-stack check [PATH]');
    const help = await runCli(['help', 'check']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('--fail-on');
  });
});

describe('formats', () => {
  it('text: grouped by layer, ID severity file:line message — fix, notes', async () => {
    const { stdout } = await runCli(['check', bad], { cwd: bad });
    expect(stdout).toMatch(/^ci \(3\)$/m);
    expect(stdout).toMatch(/^ {2}CI-02 high \.github\/workflows\/ci\.yml:13 actions\/setup-node@v4 .* — Pin the action/m);
    expect(stdout).toMatch(/^ {2}CI-03 medium \.github\/workflows\/ci\.yml:10 /m);
    expect(stdout).toMatch(/^ {2}CI-05 critical \.github\/workflows\/ci\.yml:14 /m);
    expect(stdout).toMatch(/^note \.github\/workflows\/broken\.yml:\d+ not checked: malformed YAML/m);
  });
  it('json: the documented shape', async () => {
    const { stdout } = await runCli(['check', bad, '--format', 'json'], { cwd: bad });
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ schemaVersion: 1, tool: { name: 'create-secure-stack' }, failOn: 'high', failed: true });
    // Every registered check is evaluated and listed.
    expect(report.controls).toEqual(ALL_CHECKS.map((check) => check.controlId));
    expect(report.summary).toMatchObject({ filesDiscovered: 2, filesChecked: 2, findings: 3, bySeverity: { low: 0, medium: 1, high: 1, critical: 1 } });
    expect(report.findings.map((f: { controlId: string; line: number }) => `${f.controlId}:${f.line}`)).toEqual(['CI-03:10', 'CI-02:13', 'CI-05:14']);
    for (const finding of report.findings) {
      expect(Object.keys(finding)).toEqual(['controlId', 'title', 'layer', 'severity', 'file', 'line', 'column', 'message', 'fix']);
    }
    expect(report.notes).toHaveLength(1);
  });
  it('sarif: 2.1.0, unique rules with descriptions and help, results on known rules, 1-based locations', async () => {
    const result = await runCli(['check', bad, '--format', 'sarif'], { cwd: bad });
    expect(result.exitCode).toBe(1);
    const log = JSON.parse(result.stdout);
    expect(log.version).toBe('2.1.0');
    expect(log.$schema).toMatch(/sarif-2\.1\.0/);
    const run = log.runs[0];
    const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    expect(run.tool.driver).toMatchObject({ name: 'create-secure-stack', version });
    const ids = run.tool.driver.rules.map((rule: { id: string }) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of run.tool.driver.rules) {
      expect(rule.shortDescription.text).toBeTruthy();
      expect(rule.fullDescription.text).toBeTruthy();
      expect(rule.help.text).toContain('Fix:');
      expect(rule.properties['security-severity']).toMatch(/^\d+\.\d$/);
    }
    expect(run.tool.driver.rules.find((r: { id: string }) => r.id === 'CI-02').properties.references).toEqual(
      expect.arrayContaining([expect.stringContaining('Pinned-Dependencies')]),
    );
    expect(run.results).toHaveLength(3);
    for (const res of run.results) {
      expect(ids).toContain(res.ruleId);
      expect(ids[res.ruleIndex]).toBe(res.ruleId);
      const location = res.locations[0].physicalLocation;
      expect(location.artifactLocation.uri).toBe('.github/workflows/ci.yml');
      expect(location.region.startLine).toBeGreaterThanOrEqual(1);
      expect(location.region.startColumn).toBeGreaterThanOrEqual(1);
    }
    expect(run.invocations[0].toolExecutionNotifications).toHaveLength(1);
  });
});

describe('SARIF Multitool', () => {
  const tool = path.join(REPO_ROOT, 'node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool');
  it('validates the SARIF of a repository with findings and of a generated stack with no error-level result', async (context) => {
    if (!existsSync(tool)) {
      skipOrFail(context, '@microsoft/sarif-multitool-linux is not installed (npm ci installs it)');
      return;
    }
    for (const dir of [bad, generated]) {
      const out = makeTempDir('secure-stack-sarif-');
      dirs.push(out);
      const sarif = (await runCli(['check', dir, '--format', 'sarif'], { cwd: dir })).stdout;
      writeFileSync(path.join(out, 'check.sarif'), sarif);
      const run = await execa(tool, ['validate', path.join(out, 'check.sarif'), '-o', path.join(out, 'validation.sarif'), '--log', 'ForceOverwrite'], {
        reject: false,
        env: { DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1' },
      });
      const validation = JSON.parse(readFileSync(path.join(out, 'validation.sarif'), 'utf8').replace(/^\uFEFF/, ''));
      const errors = (validation.runs[0].results ?? []).filter((r: { level?: string }) => (r.level ?? 'warning') === 'error');
      expect(errors.map((e: { ruleId: string; message: unknown }) => `${e.ruleId} ${JSON.stringify(e.message)}`), run.stdout).toEqual([]);
    }
  }, 120_000);
});
