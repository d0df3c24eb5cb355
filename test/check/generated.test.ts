/** A freshly generated stack passes the CI and OPS checks; removing one control makes exactly that finding appear. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRepository } from '../../src/check/run.js';
import { CHECK_FAMILIES } from '../../src/check/registry.js';
import { removeDir } from '../support/cli.js';
import { TEST_GENERATED_ON, generateProject } from '../support/project.js';
import { fixClockAt, lineOf } from './helpers.js';
import { mutator } from './mutation.js';

let generated: string;
const dirs: string[] = [];
const others: Record<string, string> = {};
const CI = '.github/workflows/ci.yml';
const CODEQL = '.github/workflows/codeql.yml';
const CI_OR_OPS = /^(CI|OPS)-/;
/** The families that evaluate CI or OPS controls: a mutant needs only them (the full run is the first test's). */
const CI_FAMILIES = CHECK_FAMILIES.filter((family) => family.checks.some((check) => CI_OR_OPS.test(check.controlId)));

beforeAll(async () => {
  generated = (await generateProject({ cloud: 'aws' })).dir;
  dirs.push(generated);
  for (const cloud of ['gcp', 'azure', 'none'] as const) {
    others[cloud] = (await generateProject({ cloud })).dir;
    dirs.push(others[cloud]);
  }
});
afterAll(() => dirs.forEach(removeDir));
// The generated security.txt expires 364 days after generation: check on the generation day.
fixClockAt(new Date(`${TEST_GENERATED_ON}T12:00:00Z`));

/** Mutants of the aws stack: its CI/OPS findings. */
const { mutateFile } = mutator({ source: () => generated, dirs, controls: CI_OR_OPS, families: CI_FAMILIES });

describe('generated stacks', () => {
  it('the full stack (aws) has workflows, no CI or OPS finding and no note', () => {
    const result = checkRepository(generated);
    expect(result.filesChecked).toBeGreaterThanOrEqual(2);
    expect(result.findings.filter((f) => CI_OR_OPS.test(f.controlId))).toEqual([]);
    expect(result.notes).toEqual([]);
  });
  it('the gcp, azure and no-cloud stacks have no CI or OPS finding either', () => {
    for (const [cloud, dir] of Object.entries(others)) {
      expect(checkRepository(dir).findings.filter((f) => CI_OR_OPS.test(f.controlId)), cloud).toEqual([]);
    }
  });
});

describe('mutations of the generated ci.yml', () => {
  it('CI-01: top-level permissions removed', () => {
    const { text, found } = mutateFile(CI, (t) => t.replace('\npermissions: {}\n', '\n'));
    expect(found).toEqual([['CI-01', CI, lineOf(text, '\nname: ci') + 1]]);
  });
  it('CI-02: checkout pinned to a tag', () => {
    const { text, found } = mutateFile(CI, (t) => t.replace(/actions\/checkout@[0-9a-f]{40}/, 'actions/checkout@v4'));
    expect(found).toEqual([['CI-02', CI, lineOf(text, 'actions/checkout@v4')]]);
  });
  it('CI-02: a job container image by tag', () => {
    const { text, found } = mutateFile(CI, (t) => t.replace('  api-tests:\n    runs-on: ubuntu-24.04\n', '  api-tests:\n    runs-on: ubuntu-24.04\n    container: python:3.12-slim\n'));
    expect(found).toEqual([['CI-02', CI, lineOf(text, 'container: python')]]);
  });
  it('CI-03: persist-credentials: false removed from one checkout', () => {
    const { text, found } = mutateFile(CI, (t) => t.replace('\n          persist-credentials: false\n', '\n'));
    expect(found).toEqual([['CI-03', CI, lineOf(text, 'actions/checkout@')]]);
  });
  it('CI-04: pull_request_target with a checkout of the head', () => {
    const { text, found } = mutateFile(CI, (t) =>
      t
        .replace('\non:\n', '\non:\n  pull_request_target:\n    branches: [main]\n')
        .replace('persist-credentials: false\n', 'persist-credentials: false\n          ref: ${{ github.event.pull_request.head.sha }}\n'),
    );
    expect(found).toEqual([['CI-04', CI, lineOf(text, 'ref: ${{ github.event.pull_request.head.sha')]]);
  });
  it('CI-05: an event field interpolated into run:', () => {
    const { text, found } = mutateFile(CI, (t) => t.replace('run: python -m pytest -q', 'run: python -m pytest -q -k "${{ github.event.pull_request.title }}"'));
    expect(found).toEqual([['CI-05', CI, lineOf(text, 'pytest -q -k')]]);
  });
  it('CI-05: the pull request branch written to GITHUB_ENV', () => {
    const { text, found } = mutateFile(CI, (t) => t.replace('        run: python -m pytest -q\n', '        env:\n          BRANCH: ${{ github.head_ref }}\n        run: echo "BRANCH=$BRANCH" >> "$GITHUB_ENV"\n'));
    expect(found).toEqual([['CI-05', CI, lineOf(text, '>> "$GITHUB_ENV"')]]);
  });
  it('CI-06: id-token: write in a job without an environment', () => {
    const { text, found } = mutateFile(CI, (t) => t.replace('  api-tests:\n    runs-on: ubuntu-24.04\n    timeout-minutes: 15\n    permissions:\n      contents: read\n', '  api-tests:\n    runs-on: ubuntu-24.04\n    timeout-minutes: 15\n    permissions:\n      contents: read\n      id-token: write\n'));
    expect(found).toEqual([['CI-06', CI, lineOf(text, '      id-token: write')]]);
  });
  it('CI-07: a deploy step in a job without an environment', () => {
    const { text, found } = mutateFile(CI, (t) => t.replace('        run: go run "$ACTIONLINT" -color\n', '        run: go run "$ACTIONLINT" -color\n      - run: .github/scripts/deploy.sh\n'));
    expect(found).toEqual([['CI-07', CI, lineOf(text, '  lint:')]]);
  });
  it('CI-08: toJSON(secrets) passed to a step', () => {
    const { text, found } = mutateFile(CI, (t) => t.replace('GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}', 'GITHUB_TOKEN: ${{ toJSON(secrets) }}'));
    expect(found).toEqual([['CI-08', CI, lineOf(text, 'toJSON(secrets)')]]);
  });
  it('CI-10: dependency review fails only on critical', () => {
    const { text, found } = mutateFile(CI, (t) => t.replace('fail-on-severity: high', 'fail-on-severity: critical'));
    expect(found).toEqual([['CI-10', CI, lineOf(text, 'fail-on-severity: critical')]]);
  });
  it('CI-11: no SBOM step', () => {
    const { found } = mutateFile(CI, (t) => t.replaceAll('uses: anchore/sbom-action@', 'uses: acme/artifact-action@'));
    expect(found).toEqual([['CI-11', CI, 1]]);
  });
  it('CI-12: the deploy job no longer verifies the attestations', () => {
    const { text, found } = mutateFile(CI, (t) => t.replaceAll('gh attestation verify "oci://', 'echo "oci://'));
    expect(found).toEqual([['CI-12', CI, lineOf(text, '  deploy:')]]);
  });
  it('CI-14: harden-runner removed from the first job', () => {
    const { text, found } = mutateFile(CI, (t) => t.replace(/    steps:\n      - uses: step-security\/harden-runner@.*\n        with:\n          egress-policy: audit\n/, '    steps:\n'));
    expect(found).toEqual([['CI-14', CI, lineOf(text, 'actions/checkout@')]]);
  });
  it('CI-16: npm install instead of npm ci', () => {
    const { text, found } = mutateFile(CI, (t) => t.replace('run: npm ci --ignore-scripts --no-audit --no-fund', 'run: npm install'));
    expect(found).toEqual([['CI-16', CI, lineOf(text, 'run: npm install')]]);
  });
  it('CI-17: the zizmor step removed', () => {
    const { found } = mutateFile(CI, (t) => t.replace(/      - uses: zizmorcore\/zizmor-action@.*\n/, ''));
    expect(found).toEqual([['CI-17', CI, 1]]);
  });
});

describe('mutations of the other generated files', () => {
  it('CI-09: javascript-typescript dropped from the CodeQL matrix', () => {
    const { text, found } = mutateFile(CODEQL, (t) => t.replace('          - "javascript-typescript"\n', ''));
    expect(found).toEqual([['CI-09', CODEQL, lineOf(text, '- "python"')]]);
  });
  it('CI-09: the CodeQL workflow deleted', () => {
    expect(mutateFile(CODEQL, () => undefined).found).toEqual([['CI-09', CI, 1]]);
  });
  it('CI-13: the npm updates lose their cooldown', () => {
    const { text, found } = mutateFile('.github/dependabot.yml', (t) => t.replace(/(  - package-ecosystem: npm\n    directory: \/web\n    schedule:\n      interval: weekly\n)    cooldown:\n.*\n.*\n/, '$1'));
    expect(found).toEqual([['CI-13', '.github/dependabot.yml', lineOf(text, 'package-ecosystem: npm')]]);
  });
  it('CI-15: db/ loses its code owner', () => {
    const { found } = mutateFile('.github/CODEOWNERS', (t) => t.replace(/\/db\/ .*\n/, ''));
    expect(found).toEqual([['CI-15', '.github/CODEOWNERS', 1]]);
  });
  it('CI-17: SECURITY.md deleted', () => {
    expect(mutateFile('SECURITY.md', () => undefined).found).toEqual([['CI-17', CI, 1]]);
  });
  it('OPS-07: security.txt expired', () => {
    const { text, found } = mutateFile('web/public/.well-known/security.txt', (t) => t.replace(/Expires: .*/, 'Expires: 2026-01-01T00:00:00.000Z'));
    expect(found).toEqual([['OPS-07', 'web/public/.well-known/security.txt', lineOf(text, 'Expires:')]]);
  });
});
