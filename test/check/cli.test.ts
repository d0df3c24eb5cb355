/** `secure-stack check` end to end through the built CLI: exit codes, the three formats, SARIF validity. */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipOrFail } from '../support/tools.js';
import { REPO_ROOT, makeTempDir, removeDir, runCli } from '../support/cli.js';
import { ALL_CHECKS } from '../../src/check/registry.js';
import { CONTROLS } from '../../src/controls/catalog.js';
import { fakeBaseImageDigests, generateProject } from '../support/project.js';
import { SHA, goodWorkflow, writeRepo } from './helpers.js';

const dirs: string[] = [];
let bad: string;
let good: string;
let generated: string;
/** The bad workflow with each finding suppressed a different way: inline, ignore-file, .secure-stack.yaml. */
let suppressed: string;
const BAD_WORKFLOW = goodWorkflow(`      - uses: actions/setup-node@v4\n      - run: echo "\${{ github.event.issue.title }}"\n`).replace(
  'persist-credentials: false',
  'fetch-depth: 0',
);
/** What the fixtures are about: the per-workflow controls. */
const UNDER_TEST = ['CI-01', 'CI-02', 'CI-03', 'CI-04', 'CI-05'];

/**
 * Other families evaluate repository-level controls (CodeQL, CODEOWNERS, SECURITY.md, …) that any small
 * fixture violates. Each fixture accepts every control it is not about in its .secure-stack.yaml, so a test
 * sees exactly the findings it is about however the catalog grows (and the manifest path is exercised).
 */
function scopedRepo(files: Record<string, string>, extraSuppressions = ''): string {
  const others = CONTROLS.map((control) => control.id).filter((id) => !UNDER_TEST.includes(id));
  const entries = others.map((id) => `  - { control: ${id}, path: "**", reason: not what this fixture is about, owner: "@tests" }\n`);
  const dir = writeRepo({ ...files, '.secure-stack.yaml': `suppressions:\n${entries.join('')}${extraSuppressions}` });
  dirs.push(dir);
  return dir;
}

/** The findings that count, as `ID:line`. */
const active = (findings: Array<{ controlId: string; line: number; suppression?: unknown; baselineState?: string }>) =>
  findings.filter((f) => f.suppression === undefined && f.baselineState !== 'unchanged').map((f) => `${f.controlId}:${f.line}`);

beforeAll(async () => {
  bad = scopedRepo({ '.github/workflows/ci.yml': BAD_WORKFLOW, '.github/workflows/broken.yml': 'on: [push\n' });
  good = scopedRepo({ '.github/workflows/ci.yml': goodWorkflow(`      - uses: actions/setup-node@${SHA} # v4\n`) });
  suppressed = scopedRepo(
    {
      '.github/workflows/ci.yml': `${BAD_WORKFLOW.replace('}}"\n', '}}" # secure-stack: ignore[CI-05] the title is an enum set by our bot\n')}# secure-stack: ignore-file[CI-02] mirrors of these actions are pinned at the proxy\n`,
    },
    '  - control: CI-03\n    path: .github/workflows/*.yml\n    reason: the job pushes tags with the checkout token\n    owner: "@release-team"\n    expires: 2999-12-31\n',
  );
  // A stack generated with --pin-digests (offline generation keeps tags, which CTR-02 rightly reports).
  generated = (await generateProject({}, { baseImageDigests: await fakeBaseImageDigests() })).dir;
  dirs.push(generated);
});
afterAll(() => dirs.forEach(removeDir));

describe('exit codes', () => {
  it('0 on a repository clean for the controls under test, a generated stack and an empty directory', async () => {
    const empty = makeTempDir();
    dirs.push(empty);
    for (const dir of [good, generated, empty]) {
      const result = await runCli(['check', dir], { cwd: dir });
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    }
  });
  it('1 with findings at or above the threshold; --fail-on moves it', async () => {
    expect((await runCli(['check', bad], { cwd: bad })).exitCode).toBe(1);
    expect((await runCli(['check', '--fail-on', 'critical', bad], { cwd: bad })).exitCode).toBe(1); // CI-05 is critical
    const medium = scopedRepo({ '.github/workflows/w.yml': goodWorkflow().replace('persist-credentials: false', 'fetch-depth: 1') });
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
    for (const option of ['--fail-on', '--baseline <file>', '--write-baseline <file>', '--show-suppressed', 'secure-stack: ignore[', 'ignore-file[', 'suppressions:']) {
      expect(help.stdout).toContain(option);
    }
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
    const total = report.findings.length;
    expect(report.summary).toEqual({
      filesDiscovered: 3,
      filesChecked: report.summary.filesChecked,
      findings: total,
      active: 3,
      failing: 2,
      suppressed: total - 3, // the fixture's accepted controls
      unchanged: 0,
      bySeverity: { low: 0, medium: 1, high: 1, critical: 1 },
    });
    expect(report.summary.filesChecked).toBeGreaterThanOrEqual(2);
    expect(active(report.findings)).toEqual(['CI-03:10', 'CI-02:13', 'CI-05:14']);
    for (const finding of report.findings) {
      const keys = ['controlId', 'title', 'layer', 'severity', 'file', 'line', 'column', 'message', 'fix', 'fingerprint'];
      expect(Object.keys(finding)).toEqual(finding.suppression === undefined ? keys : [...keys, 'suppression']);
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
    const unsuppressed = run.results.filter((res: { suppressions?: unknown }) => res.suppressions === undefined);
    expect(unsuppressed.map((res: { ruleId: string }) => res.ruleId)).toEqual(['CI-03', 'CI-02', 'CI-05']);
    for (const res of run.results) {
      expect(ids).toContain(res.ruleId);
      expect(ids[res.ruleIndex]).toBe(res.ruleId);
    }
    for (const res of unsuppressed) {
      const location = res.locations[0].physicalLocation;
      expect(location.artifactLocation.uri).toBe('.github/workflows/ci.yml');
      expect(location.region.startLine).toBeGreaterThanOrEqual(1);
      expect(location.region.startColumn).toBeGreaterThanOrEqual(1);
    }
    expect(run.invocations[0].toolExecutionNotifications).toHaveLength(1);
  });
});

describe('suppressions', () => {
  it('text: suppressed findings do not count and are not listed; the summary counts them; --show-suppressed lists them', async () => {
    const result = await runCli(['check', suppressed, '--fail-on', 'low'], { cwd: suppressed });
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.stdout).not.toMatch(/^ {2}CI-/m);
    expect(result.stdout).toMatch(/^0 finding\(s\), 0 at or above low \(not counted: \d+ suppressed; --show-suppressed lists them\); \d+ file\(s\) checked/m);
    const shown = await runCli(['check', suppressed, '--show-suppressed'], { cwd: suppressed });
    expect(shown.exitCode).toBe(0);
    expect(shown.stdout).toMatch(/^ {2}CI-03 medium \.github\/workflows\/ci\.yml:10 .* \[suppressed \(\.secure-stack\.yaml, owner @release-team, until 2999-12-31\): the job pushes tags with the checkout token\]$/m);
    expect(shown.stdout).toMatch(/^ {2}CI-02 high \.github\/workflows\/ci\.yml:13 .* \[suppressed \(ignore-file\): mirrors of these actions are pinned at the proxy\]$/m);
    expect(shown.stdout).toMatch(/^ {2}CI-05 critical \.github\/workflows\/ci\.yml:14 .* \[suppressed \(ignore\): the title is an enum set by our bot\]$/m);
  });
  it('json: every finding with its suppression', async () => {
    const report = JSON.parse((await runCli(['check', suppressed, '--format', 'json'], { cwd: suppressed })).stdout);
    expect(report.failed).toBe(false);
    expect(report.summary).toMatchObject({ findings: report.findings.length, active: 0, failing: 0, suppressed: report.findings.length, unchanged: 0, bySeverity: { low: 0, medium: 0, high: 0, critical: 0 } });
    const underTest = report.findings.filter((f: { controlId: string }) => UNDER_TEST.includes(f.controlId));
    expect(underTest.map((f: { controlId: string; suppression: unknown }) => [f.controlId, f.suppression])).toEqual([
      ['CI-03', { kind: 'manifest', reason: 'the job pushes tags with the checkout token', owner: '@release-team', expires: '2999-12-31' }],
      ['CI-02', { kind: 'file', reason: 'mirrors of these actions are pinned at the proxy' }],
      ['CI-05', { kind: 'inline', reason: 'the title is an enum set by our bot' }],
    ]);
  });
  it('sarif: suppressed results with kind, status and justification', async () => {
    const run = JSON.parse((await runCli(['check', suppressed, '--format', 'sarif'], { cwd: suppressed })).stdout).runs[0];
    const underTest = run.results.filter((r: { ruleId: string }) => UNDER_TEST.includes(r.ruleId));
    expect(underTest.map((r: { ruleId: string; suppressions: Array<{ kind: string; status: string; justification: string }> }) => [r.ruleId, r.suppressions])).toEqual([
      ['CI-03', [expect.objectContaining({ kind: 'external', status: 'accepted', justification: 'the job pushes tags with the checkout token (owner: @release-team; expires: 2999-12-31)' })]],
      ['CI-02', [expect.objectContaining({ kind: 'inSource', status: 'accepted', justification: 'mirrors of these actions are pinned at the proxy' })]],
      ['CI-05', [expect.objectContaining({ kind: 'inSource', status: 'accepted', justification: 'the title is an enum set by our bot' })]],
    ]);
    for (const result of run.results) expect(result.partialFingerprints['secureStackFinding/v1']).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('baselines', () => {
  it('round trip: write (exit 0), unchanged after lines move (exit 0), a new finding fails (exit 1) and is marked new', async () => {
    const repo = scopedRepo({ '.github/workflows/ci.yml': BAD_WORKFLOW });
    const work = makeTempDir('secure-stack-baseline-');
    dirs.push(work);
    const written = await runCli(['check', repo, '--write-baseline', 'baseline.json', '--format', 'json'], { cwd: work });
    expect(written.exitCode, written.stderr).toBe(0);
    expect(written.stderr).toBe('secure-stack: wrote 3 finding(s) to the baseline baseline.json');
    expect(active(JSON.parse(written.stdout).findings)).toEqual([]);
    const baseline = JSON.parse(readFileSync(path.join(work, 'baseline.json'), 'utf8'));
    expect(baseline).toMatchObject({ schemaVersion: 1, tool: { name: 'create-secure-stack' } });
    expect(baseline.findings.map((f: { controlId: string }) => f.controlId)).toEqual(['CI-02', 'CI-03', 'CI-05']);
    expect(readdirSync(work)).toEqual(['baseline.json']);

    expect((await runCli(['check', repo, '--baseline', 'baseline.json', '--fail-on', 'low'], { cwd: work })).exitCode).toBe(0);
    writeFileSync(path.join(repo, '.github/workflows/ci.yml'), BAD_WORKFLOW.replace('on: [push]\n', 'on: [push]\n# moved down\n\n'));
    const moved = await runCli(['check', repo, '--baseline', 'baseline.json'], { cwd: work });
    expect(moved.exitCode, moved.stdout).toBe(0);
    expect(moved.stdout).toMatch(/^0 finding\(s\), 0 at or above high \(not counted: \d+ suppressed, 3 in the baseline;/m);

    writeFileSync(path.join(repo, '.github/workflows/ci.yml'), `${BAD_WORKFLOW}      - uses: actions/cache@v4\n`);
    const grown = await runCli(['check', repo, '--baseline', 'baseline.json'], { cwd: work });
    expect(grown.exitCode).toBe(1);
    expect(grown.stdout).toMatch(/^ci \(1\)$/m);
    expect(grown.stdout).toMatch(/^ {2}CI-02 high \.github\/workflows\/ci\.yml:15 actions\/cache@v4 .* \[new\]$/m);
    const sarif = JSON.parse((await runCli(['check', repo, '--baseline', 'baseline.json', '--format', 'sarif'], { cwd: work })).stdout);
    const unsuppressed = sarif.runs[0].results.filter((r: { suppressions?: unknown }) => r.suppressions === undefined);
    expect(unsuppressed.map((r: { ruleId: string; baselineState: string }) => `${r.ruleId} ${r.baselineState}`)).toEqual(['CI-03 unchanged', 'CI-02 unchanged', 'CI-05 unchanged', 'CI-02 new']);
    // SARIF wants baselineState on every result once one has it.
    expect(sarif.runs[0].results.every((r: { baselineState?: string }) => r.baselineState !== undefined)).toBe(true);
    // Rewriting the baseline replaces it.
    expect((await runCli(['check', repo, '--write-baseline', 'baseline.json'], { cwd: work })).exitCode).toBe(0);
    expect(JSON.parse(readFileSync(path.join(work, 'baseline.json'), 'utf8')).findings).toHaveLength(4);
  });
  it('usage errors exit 2 with one line on stderr, nothing on stdout and nothing written', async () => {
    const work = makeTempDir('secure-stack-baseline-');
    dirs.push(work);
    writeFileSync(path.join(work, 'broken.json'), '{"schemaVersion": 1');
    writeFileSync(path.join(work, 'notes.json'), '{"mine": true}\n');
    mkdirSync(path.join(work, 'folder'));
    const badManifest = writeRepo({ '.github/workflows/ci.yml': BAD_WORKFLOW, '.secure-stack.yaml': 'suppressions:\n  - { control: CI-02, path: "*", owner: me }\n' });
    dirs.push(badManifest);
    const cases: Array<[string[], RegExp]> = [
      [[bad, '--baseline', 'missing.json'], /--baseline missing\.json: no such file/],
      [[bad, '--baseline', 'broken.json'], /--baseline broken\.json: not a secure-stack baseline: invalid JSON/],
      [[bad, '--baseline', 'notes.json'], /--baseline notes\.json: not a secure-stack baseline: /],
      [[bad, '--baseline', ''], /--baseline: a file name is required/],
      [[bad, '--write-baseline', 'notes.json'], /--write-baseline notes\.json: refusing to overwrite a file that is not a secure-stack baseline/],
      [[bad, '--write-baseline', 'folder'], /--write-baseline folder: exists and is not a regular file/],
      [[bad, '--write-baseline', 'nowhere/b.json'], /--write-baseline nowhere\/b\.json: directory .* does not exist/],
      [[bad, '--baseline', 'notes.json', '--write-baseline', 'new.json'], /cannot be combined/],
      [[badManifest, '--write-baseline', 'new.json'], /\.secure-stack\.yaml:2:5: suppressions\.0\.reason: /],
      [[badManifest, '--format', 'sarif'], /\.secure-stack\.yaml:2:5: /],
    ];
    for (const [args, expected] of cases) {
      const result = await runCli(['check', ...args], { cwd: work });
      expect(result.exitCode, args.join(' ')).toBe(2);
      expect(result.stdout, args.join(' ')).toBe('');
      expect(result.stderr, args.join(' ')).toMatch(/^secure-stack: [^\n]*$/); // execa strips the final newline
      expect(result.stderr, args.join(' ')).toMatch(expected);
    }
    expect(readdirSync(work).sort()).toEqual(['broken.json', 'folder', 'notes.json']);
    expect(readFileSync(path.join(work, 'notes.json'), 'utf8')).toBe('{"mine": true}\n');
  });
});

describe('SARIF Multitool', () => {
  const tool = path.join(REPO_ROOT, 'node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool');
  it('validates the SARIF of a repository with findings, of a generated stack, and of suppressed and baseline results with no error-level result', async (context) => {
    if (!existsSync(tool)) {
      skipOrFail(context, '@microsoft/sarif-multitool-linux is not installed (npm ci installs it)');
      return;
    }
    const baselineDir = makeTempDir('secure-stack-sarif-');
    dirs.push(baselineDir);
    await runCli(['check', suppressed, '--write-baseline', path.join(baselineDir, 'baseline.json')], { cwd: suppressed });
    const runs: Array<[string, string[]]> = [
      [bad, []],
      [generated, []],
      // Suppressed results of each kind, and baselineState on every result.
      [suppressed, ['--baseline', path.join(baselineDir, 'baseline.json')]],
    ];
    for (const [dir, extra] of runs) {
      const out = makeTempDir('secure-stack-sarif-');
      dirs.push(out);
      const sarif = (await runCli(['check', dir, '--format', 'sarif', ...extra], { cwd: dir })).stdout;
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
