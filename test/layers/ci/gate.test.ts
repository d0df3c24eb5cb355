/**
 * The generated CI's `secure-stack check` gate, for real: the built CLI passes a freshly generated full stack
 * (tag-only base images may only give the low CTR-02 finding; a digest-pinned stack gives none), and the gate
 * step of the generated ci.yml, run as GitHub runs it (`bash -e -o pipefail`) with the step's own env, installs
 * this package with npx (from an `npm pack` tarball in place of the registry version, lifecycle scripts off),
 * writes SARIF 2.1.0 and exits 0; planting a critical gap makes the same step exit 1 with that finding in
 * its SARIF, which the upload step (if: always()) still sends.
 */
import { execa } from 'execa';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT, makeTempDir, removeDir, runCli } from '../../support/cli.js';
import { fakeBaseImageDigests, generateProject } from '../../support/project.js';
import { skipOrFail } from '../../support/tools.js';
import { GATE_JOB } from './checks.js';

const PACKAGE_JSON = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
const FULL_STACK = { layers: ['api', 'web', 'db', 'containers', 'ci', 'docs'], cloud: 'aws' } as const;

interface JsonReport {
  failed: boolean;
  findings: Array<{ controlId: string; severity: string; file: string; line: number }>;
  notes: unknown[];
}

const dirs: string[] = [];
let tagOnly: string;
let pinned: string;
beforeAll(async () => {
  tagOnly = (await generateProject({ ...FULL_STACK, layers: [...FULL_STACK.layers] })).dir;
  pinned = (await generateProject({ ...FULL_STACK, layers: [...FULL_STACK.layers] }, { baseImageDigests: await fakeBaseImageDigests() })).dir;
  dirs.push(tagOnly, pinned);
}, 120_000);
afterAll(() => dirs.forEach(removeDir));

async function checkJson(dir: string): Promise<{ exitCode: number; report: JsonReport }> {
  const result = await runCli(['check', dir, '--format', 'json', '--fail-on', 'high'], { cwd: dir });
  expect(result.stderr).toBe('');
  return { exitCode: result.exitCode, report: JSON.parse(result.stdout) as JsonReport };
}

describe('a generated full stack passes its own gate (built CLI)', () => {
  it('tag-only base images (offline generation): exit 0, at most the low CTR-02 finding at each FROM', async () => {
    const { exitCode, report } = await checkJson(tagOnly);
    const unexpected = report.findings.filter((finding) => !(finding.controlId === 'CTR-02' && finding.severity === 'low'));
    expect(unexpected, JSON.stringify(unexpected, null, 2)).toEqual([]);
    expect(report.notes).toEqual([]);
    expect(report.failed).toBe(false);
    expect(exitCode).toBe(0);
  });

  it('digests pinned (new --pin-digests): exit 0 and no finding at all', async () => {
    const { exitCode, report } = await checkJson(pinned);
    expect(report.findings).toEqual([]);
    expect(report.notes).toEqual([]);
    expect(exitCode).toBe(0);
  });
});

describe("the generated gate step, run as GitHub's runner runs it", () => {
  interface Step {
    name?: string;
    run?: string;
    env?: Record<string, string>;
  }
  const gateStep = (dir: string): Step => {
    const workflow = parse(readFileSync(path.join(dir, '.github/workflows/ci.yml'), 'utf8')) as { jobs: Record<string, { steps: Step[] }> };
    const step = workflow.jobs[GATE_JOB]!.steps.find((candidate) => candidate.run?.includes('--format sarif'));
    if (step === undefined) throw new Error('no gate step in the generated ci.yml');
    return step;
  };

  it('installs the pinned package with npx, writes SARIF and exits 0; a planted critical gap exits 1 with it in the SARIF', async (context) => {
    const registry = await execa('npm', ['ping'], { reject: false, timeout: 30_000, stdin: 'ignore' });
    if (registry.exitCode !== 0) {
      skipOrFail(context, 'the npm registry is unreachable (npx installs the package dependencies from it)');
      return;
    }
    const work = makeTempDir('secure-stack-gate-');
    dirs.push(work);
    const step = gateStep(pinned);
    expect(step.env?.SECURE_STACK_PACKAGE).toBe(`${PACKAGE_JSON.name}@${PACKAGE_JSON.version}`);
    // This version is not on the registry yet: the tarball npm would download stands in for it.
    const packed = await execa('npm', ['pack', '--json', '--pack-destination', work], { cwd: REPO_ROOT, stdin: 'ignore' });
    const tarball = path.join(work, (JSON.parse(String(packed.stdout)) as Array<{ filename: string }>)[0]!.filename);

    const runStep = (dir: string) =>
      execa('bash', ['--noprofile', '--norc', '-e', '-o', 'pipefail', '-c', step.run!], {
        cwd: dir,
        reject: false,
        stdin: 'ignore',
        timeout: 240_000,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: work,
          ...step.env,
          SECURE_STACK_PACKAGE: tarball,
          // A fresh npm cache: npx must really install the package and its dependencies.
          npm_config_cache: path.join(work, 'npm-cache'),
          npm_config_update_notifier: 'false',
        },
        extendEnv: false,
      });
    const sarifOf = (dir: string) =>
      JSON.parse(readFileSync(path.join(dir, 'secure-stack.sarif'), 'utf8')) as {
        version: string;
        runs: Array<{ tool: { driver: { name: string; version: string } }; results: Array<{ ruleId: string; level: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }> }>;
      };

    const passed = await runStep(pinned);
    expect(passed.exitCode, String(passed.stderr)).toBe(0);
    const clean = sarifOf(pinned);
    expect(clean.version).toBe('2.1.0');
    expect(clean.runs[0]!.tool.driver).toMatchObject({ name: PACKAGE_JSON.name, version: PACKAGE_JSON.version });
    expect(clean.runs[0]!.results).toEqual([]);

    // A critical gap (CTR-11: a privileged service) fails the step, and the report it leaves names it.
    const compose = path.join(pinned, 'compose.yaml');
    const original = readFileSync(compose, 'utf8');
    const planted = original.replace(/^( {2}api:\n)/m, '$1    privileged: true\n');
    expect(planted).not.toBe(original);
    writeFileSync(compose, planted);
    try {
      const failed = await runStep(pinned);
      expect(failed.exitCode, String(failed.stderr)).toBe(1);
      const results = sarifOf(pinned).runs[0]!.results;
      expect(results.length).toBeGreaterThan(0);
      expect(results.every((result) => result.locations[0]!.physicalLocation.artifactLocation.uri === 'compose.yaml')).toBe(true);
      expect(results.some((result) => result.level === 'error')).toBe(true);
    } finally {
      writeFileSync(compose, original);
    }
  }, 300_000);
});
