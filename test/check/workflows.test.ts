/** True-positive and true-negative fixtures for each GitHub workflow check, written inline. */
import { afterAll, describe, expect, it } from 'vitest';
import { removeDir } from '../support/cli.js';
import { checkRepository } from '../../src/check/run.js';
import { ALL_CHECKS, CHECK_FAMILIES } from '../../src/check/registry.js';
import { getControl } from '../../src/controls/catalog.js';
import { SHA, findingsFor, fixClockAt, goodWorkflow, positionOf, writeRepo } from './helpers.js';
import { CI_WORKFLOW, CODEQL_WORKFLOW, NOW, SCORECARD_WORKFLOW, goodRepo, pin } from './ci-repo.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));
fixClockAt(NOW);

function check(workflow: string, controlId: string, file = '.github/workflows/w.yml') {
  const dir = writeRepo({ [file]: workflow });
  dirs.push(dir);
  return findingsFor(dir, controlId);
}

/** The clean repository with some files replaced (undefined removes one): [file, line, column] of one control's findings. */
function repoFindings(overrides: Record<string, string | undefined>, controlId: string) {
  const dir = writeRepo(goodRepo(overrides));
  dirs.push(dir);
  return findingsFor(dir, controlId).map((f) => [f.file, f.line, f.column]);
}

/** The clean repository with its CI workflow edited. */
function ciFindings(edit: (text: string) => string, controlId: string) {
  const text = edit(CI_WORKFLOW);
  expect(text).not.toBe(CI_WORKFLOW);
  return { text, found: repoFindings({ '.github/workflows/ci.yml': text }, controlId) };
}


const CI = '.github/workflows/ci.yml';
const W = '.github/workflows/w.yml';
const harden = `      - uses: ${pin('step-security/harden-runner')}\n`;

/** A hardened workflow with one job `job` and the given steps (after harden-runner) and job keys. */
function workflow(steps: string, { on = 'push', jobKeys = '', top = 'permissions: {}\n' } = {}): string {
  return `name: w\non: ${on}\n${top}jobs:\n  job:\n    runs-on: ubuntu-24.04\n${jobKeys}    steps:\n${harden}${steps}`;
}

describe('registry', () => {
  it('one check per catalog control, each documented, severity from the catalog', () => {
    const ids = ALL_CHECKS.map((c) => c.controlId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => id.startsWith('CI-')).sort()).toEqual(Array.from({ length: 17 }, (_, i) => `CI-${String(i + 1).padStart(2, '0')}`));
    expect(ids).toContain('OPS-07');
    for (const c of ALL_CHECKS) {
      expect(getControl(c.controlId)).toBeDefined();
      expect(c.docs.length).toBeGreaterThan(20);
      expect(c.fix.length).toBeGreaterThan(10);
    }
    const family = (id: string) => CHECK_FAMILIES.find((f) => f.id === id)!.checks.map((c) => c.controlId);
    expect(family('github-workflows')).toEqual(['CI-01', 'CI-02', 'CI-03', 'CI-04', 'CI-05', 'CI-06', 'CI-07', 'CI-08', 'CI-09', 'CI-10', 'CI-11', 'CI-12', 'CI-14', 'CI-16', 'CI-17']);
    expect(family('repository-files')).toEqual(['CI-13', 'CI-15', 'OPS-07']);
    // One check per control across families: no control is evaluated by two modules.
    expect(new Set(CHECK_FAMILIES.flatMap((f) => f.checks.map((c) => c.controlId))).size).toBe(ids.length);
  });
});

describe('baseline', () => {
  it('the complete repository has no CI or OPS finding and no note', () => {
    const dir = writeRepo(goodRepo());
    dirs.push(dir);
    const result = checkRepository(dir);
    expect(result.findings.filter((f) => /^(CI|OPS)-/.test(f.controlId))).toEqual([]);
    expect(result.notes).toEqual([]);
  });
  it('the single good workflow has no per-workflow finding but the missing harden-runner', () => {
    const dir = writeRepo({ [W]: goodWorkflow() });
    dirs.push(dir);
    const perWorkflow = new Set(['CI-01', 'CI-02', 'CI-03', 'CI-04', 'CI-05', 'CI-06', 'CI-07', 'CI-08', 'CI-12', 'CI-14', 'CI-16']);
    expect(findingsFor(dir).filter((f) => perWorkflow.has(f.controlId)).map((f) => [f.controlId, f.line])).toEqual([['CI-14', 10]]);
  });
});

describe('CI-01 permissions', () => {
  it('flags a missing top-level permissions at the first key', () => {
    const found = check(goodWorkflow().replace('permissions: {}\n', ''), 'CI-01');
    expect(found).toMatchObject([{ file: W, line: 1, column: 1, severity: 'high' }]);
  });
  it('flags write-all, a write scope at top level and write-all on a job', () => {
    expect(check(goodWorkflow().replace('permissions: {}', 'permissions: write-all'), 'CI-01')).toMatchObject([{ line: 3, column: 14 }]);
    expect(check(goodWorkflow().replace('permissions: {}', 'permissions:\n  contents: write\n  issues: read'), 'CI-01')).toMatchObject([{ line: 4, column: 3 }]);
    const job = check(goodWorkflow().replace('    permissions:\n      contents: read', '    permissions: write-all'), 'CI-01');
    expect(job).toMatchObject([{ line: 7, message: expect.stringContaining('job build') }]);
  });
  it('accepts read-all, contents: read and an empty map in flow or block style', () => {
    expect(check(goodWorkflow().replace('permissions: {}', 'permissions: read-all'), 'CI-01')).toEqual([]);
    expect(check(goodWorkflow().replace('permissions: {}', 'permissions:\n  contents: read\n  pull-requests: read'), 'CI-01')).toEqual([]);
    expect(check(goodWorkflow().replace('permissions: {}', '"permissions": { }'), 'CI-01')).toEqual([]);
  });
});

describe('CI-02 pinning', () => {
  it('flags tags, branches, short SHAs, missing refs and tag-pinned reusable workflows and docker images', () => {
    const body = `      - uses: actions/setup-node@v4
      - uses: owner/repo/sub@main
      - uses: owner/repo@3d3c42e
      - uses: docker://alpine:3.20
  call:
    uses: org/workflows/.github/workflows/build.yml@v1
`;
    const found = check(goodWorkflow(body), 'CI-02');
    expect(found.map((f) => [f.line, f.column])).toEqual([[13, 15], [14, 15], [15, 15], [16, 15], [18, 11]]);
    expect(found[0]!.message).toContain('"v4"');
  });
  it('accepts SHA pins with comments, quoted pins, local actions, digest-pinned docker and local reusable workflows', () => {
    const body = `      - uses: actions/setup-node@${SHA}   # v4.0.0 pinned
      - uses: "owner/repo/path@${SHA}" # tag v1
      - uses: './.github/actions/local'
      - uses: docker://alpine@sha256:${'a'.repeat(64)}
  call:
    uses: ./.github/workflows/reusable.yml
`;
    expect(check(goodWorkflow(body), 'CI-02')).toEqual([]);
  });
  it('flags job container and service images by tag, at the image', () => {
    const text = workflow('      - run: pytest\n', {
      jobKeys: '    container: node:22-bookworm\n    services:\n      db:\n        image: postgres:17\n      cache:\n        image: "redis:7@sha256:abc"\n',
    });
    const found = check(text, 'CI-02');
    expect(found.map((f) => [f.line, f.column])).toEqual([positionOf(text, 'node:22'), positionOf(text, 'postgres:17'), positionOf(text, '"redis')]);
    expect(found[0]!.message).toContain('container of job job');
    expect(found[1]!.message).toContain('service db');
  });
  it('accepts digest-pinned container (mapping form) and services, and images from expressions', () => {
    const digest = `@sha256:${'b'.repeat(64)}`;
    const text = workflow('      - run: pytest\n', {
      jobKeys: `    container:\n      image: python:3.12${digest}\n      options: --user 1001\n    services:\n      db:\n        image: postgres:17${digest}\n      other:\n        image: \${{ matrix.image }}\n`,
    });
    expect(check(text, 'CI-02')).toEqual([]);
  });
});

describe('CI-03 persist-credentials', () => {
  it('flags a checkout without with:, and one with persist-credentials: true', () => {
    const none = check(goodWorkflow().replace('        with:\n          persist-credentials: false\n', ''), 'CI-03');
    expect(none).toMatchObject([{ line: 10, column: 15, severity: 'medium' }]);
    const yes = check(goodWorkflow().replace('persist-credentials: false', 'persist-credentials: true'), 'CI-03');
    expect(yes).toMatchObject([{ line: 12, column: 32 }]);
  });
  it('accepts false written as a quoted string or in a flow map, and ignores other actions', () => {
    expect(check(goodWorkflow().replace('persist-credentials: false', "persist-credentials: 'false'"), 'CI-03')).toEqual([]);
    const flow = goodWorkflow().replace('        with:\n          persist-credentials: false\n', '        with: { persist-credentials: false, fetch-depth: 0 }\n');
    expect(check(flow, 'CI-03')).toEqual([]);
    expect(check(goodWorkflow(`      - uses: actions/setup-python@${SHA}\n`), 'CI-03')).toEqual([]);
  });
});

describe('CI-04 dangerous triggers', () => {
  const prt = (trigger: string, withRef: string) =>
    goodWorkflow().replace('on: [push]', `on:\n  ${trigger}:\n    types: [opened]`).replace('persist-credentials: false', `persist-credentials: false\n          ref: ${withRef}`);
  it('flags a pull_request_target or workflow_run checkout of the head', () => {
    expect(check(prt('pull_request_target', '${{ github.event.pull_request.head.sha }}'), 'CI-04')).toMatchObject([{ line: 15, column: 16, severity: 'critical' }]);
    expect(check(prt('workflow_run', '${{ github.event.workflow_run.head_sha }}'), 'CI-04')).toHaveLength(1);
    const gh = goodWorkflow('      - run: gh pr checkout "$PR"\n').replace('on: [push]', 'on: [pull_request_target]');
    expect(check(gh, 'CI-04')).toMatchObject([{ line: 13, column: 14 }]);
  });
  it('accepts pull_request_target on the base ref and pull_request on the head', () => {
    expect(check(goodWorkflow().replace('on: [push]', 'on: pull_request_target'), 'CI-04')).toEqual([]);
    expect(check(prt('pull_request', '${{ github.event.pull_request.head.sha }}'), 'CI-04')).toEqual([]);
  });
});

describe('CI-05 script injection', () => {
  it('flags github.event.*, head_ref and inputs.* inside run: and github-script, at the expression', () => {
    const body = `      - run: |
          echo "start"
          echo "\${{ github.event.issue.title }}" and \${{ github.head_ref }}
      - run: echo \${{ inputs.name }}
      - uses: actions/github-script@${SHA}
        with:
          script: console.log("\${{ github.event.comment.body }}")
`;
    const found = check(goodWorkflow(body), 'CI-05');
    expect(found.map((f) => [f.line, f.column])).toEqual([[15, 17], [15, 54], [16, 19], [19, 32]]);
    expect(found[0]!.severity).toBe('critical');
  });
  it('accepts the env: pattern, github.event_name, and expressions outside run:', () => {
    const body = `      - env:
          TITLE: \${{ github.event.issue.title }}
        if: \${{ inputs.go }}
        run: |
          echo "$TITLE" "\${{ github.event_name }}" "\${{ steps.x.outputs.y }}"
`;
    expect(check(goodWorkflow(body), 'CI-05')).toEqual([]);
  });
  it('flags computed writes to GITHUB_ENV/GITHUB_PATH in pull_request_target and workflow_run workflows, at the file reference', () => {
    const steps = `      - run: |
          echo "SHA=$(git rev-parse HEAD)" >> "$GITHUB_ENV"
          ./tools/bin-dir | tee -a \${GITHUB_PATH}
      - shell: pwsh
        run: Add-Content -Path $env:GITHUB_ENV -Value "VERSION=$version"
`;
    const text = workflow(steps, { on: 'pull_request_target' });
    const found = check(text, 'CI-05');
    expect(found.map((f) => [f.line, f.column])).toEqual([positionOf(text, '"$GITHUB_ENV"'), positionOf(text, '${GITHUB_PATH}'), positionOf(text, '$env:GITHUB_ENV')]);
    expect(found[1]!.message).toContain('GITHUB_PATH');
    expect(check(workflow(steps, { on: '\n  workflow_run:\n    workflows: [ci]' }), 'CI-05')).toHaveLength(3);
  });
  it('reads the shell-like lines of a PowerShell script without a note for its other syntax; a bash script gets one', () => {
    const steps = `      - shell: pwsh
        run: |
          if ($IsWindows) { $sep = ';' }
          "SHA=$(git rev-parse HEAD)" | Out-File -FilePath $env:GITHUB_ENV -Append
`;
    const text = workflow(steps, { on: 'pull_request_target' });
    const dir = writeRepo({ '.github/workflows/w.yml': text });
    dirs.push(dir);
    const result = checkRepository(dir);
    expect(result.findings.filter((f) => f.controlId === 'CI-05').map((f) => [f.line, f.column])).toEqual([positionOf(text, '$env:GITHUB_ENV')]);
    expect(result.notes).toEqual([]);
    const windows = writeRepo({ '.github/workflows/w.yml': text.replace('      - shell: pwsh\n        run', '      - run').replace('ubuntu-24.04', 'windows-2025') });
    dirs.push(windows);
    expect(checkRepository(windows).notes).toEqual([]);
    const bash = writeRepo({ '.github/workflows/w.yml': text.replace('shell: pwsh', 'shell: bash') });
    dirs.push(bash);
    const notes = checkRepository(bash).notes;
    expect(notes.map((note) => [note.line, note.column])).toEqual([positionOf(text, '{ $sep')]);
    expect(notes[0]!.message).toBe('run: script of job job not parsed as shell here (statements must be separated by &, ; or a newline): the commands of this line are not checked');
  });
  it('flags, under any trigger, a write of an env: variable set from event data, also through a here-document', () => {
    const steps = `      - env:
          TITLE: \${{ github.event.pull_request.title }}
          BRANCH: \${{ github.head_ref }}
        run: |
          echo "TITLE=$TITLE" >> $GITHUB_ENV
          cat <<EOF >> "$GITHUB_ENV"
          BRANCH=\${BRANCH}
          EOF
`;
    const text = workflow(steps, { on: 'pull_request' });
    const found = check(text, 'CI-05');
    expect(found.map((f) => [f.line, f.column])).toEqual([positionOf(text, '$GITHUB_ENV'), positionOf(text, '"$GITHUB_ENV"')]);
    expect(found[0]!.message).toContain('$TITLE');
    expect(found[1]!.message).toContain('$BRANCH');
  });
  it('accepts fixed text in dangerous workflows, computed text elsewhere, quoted here-documents, GITHUB_OUTPUT, and a variable redefined from trusted data', () => {
    const dangerous = `      - run: |
          echo "CI=true" >> "$GITHUB_ENV"
          printf '%s\\n' "$HOME/.local/bin" >> $GITHUB_PATH
          cat <<'EOF' >> $GITHUB_ENV
          A=$NOT_EXPANDED
          EOF
          echo "title=$TITLE" >> "$GITHUB_OUTPUT"
        env:
          TITLE: \${{ github.event.pull_request.title }}
`;
    expect(check(workflow(dangerous, { on: 'pull_request_target' }), 'CI-05')).toEqual([]);
    const elsewhere = `    env:
      NAME: \${{ github.event.inputs.name }}
    steps:
${harden}      - run: echo "SHA=$(git rev-parse HEAD)" >> $GITHUB_ENV
      - env:
          NAME: \${{ vars.NAME }}
        run: echo "NAME=$NAME" >> $GITHUB_ENV
`;
    const text = `name: w\non: push\npermissions: {}\njobs:\n  job:\n    runs-on: ubuntu-24.04\n${elsewhere}`;
    expect(check(text, 'CI-05')).toEqual([]);
  });
  it('reports an inline untrusted expression written to GITHUB_ENV once, as the expression', () => {
    const text = workflow('      - run: echo "T=${{ github.event.issue.title }}" >> $GITHUB_ENV\n', { on: 'pull_request_target' });
    expect(check(text, 'CI-05').map((f) => [f.line, f.column])).toEqual([positionOf(text, '${{ github.event')]);
  });
});

describe('CI-06 OIDC and static cloud keys', () => {
  it('flags id-token: write at the top and in a job without an environment, at the key', () => {
    const top = workflow('      - run: make\n', { top: 'permissions:\n  contents: read\n  id-token: write\n' });
    expect(check(top, 'CI-06').map((f) => [f.line, f.column])).toEqual([positionOf(top, 'id-token')]);
    const job = workflow('      - run: ./publish.sh\n', { jobKeys: '    permissions:\n      contents: read\n      id-token: write\n' });
    const found = check(job, 'CI-06');
    expect(found.map((f) => [f.line, f.column])).toEqual([positionOf(job, 'id-token')]);
    expect(found[0]!.message).toContain('no environment');
  });
  it('accepts id-token: write in a job with an environment (string or mapping) and in an attestation job', () => {
    const keys = '    permissions:\n      id-token: write\n      attestations: write\n';
    expect(check(workflow('      - run: ./deploy.sh\n', { jobKeys: `    environment: production\n${keys}` }), 'CI-06')).toEqual([]);
    expect(check(workflow('      - run: ./deploy.sh\n', { jobKeys: `    environment:\n      name: prod\n${keys}` }), 'CI-06')).toEqual([]);
    const attest = `      - uses: ${pin('actions/attest')}\n        with:\n          subject-path: dist/*.tgz\n`;
    expect(check(workflow(attest, { jobKeys: keys }), 'CI-06')).toEqual([]);
  });
  it('flags long-lived cloud credentials: login inputs once per step, and secrets named as cloud keys', () => {
    const steps = `      - uses: ${pin('aws-actions/configure-aws-credentials')}
        with:
          aws-access-key-id: \${{ secrets.AWS_ACCESS_KEY_ID }}
          aws-secret-access-key: \${{ secrets.AWS_SECRET_ACCESS_KEY }}
          aws-region: eu-west-1
      - uses: ${pin('azure/login')}
        with:
          creds: \${{ secrets.AZURE_CREDENTIALS }}
      - uses: ${pin('google-github-actions/auth')}
        with:
          credentials_json: '\${{ secrets.SERVICE_KEY }}'
      - run: aws s3 ls
        env:
          AWS_SECRET_ACCESS_KEY: \${{ secrets.PROD_AWS_SECRET_ACCESS_KEY }}
          GOOGLE_CREDENTIALS: \${{ secrets['GCP_SA_KEY'] }}
`;
    const text = workflow(steps, { jobKeys: '    environment: production\n' });
    const found = check(text, 'CI-06');
    expect(found.map((f) => [f.line, f.column])).toEqual([
      positionOf(text, '${{ secrets.AWS_ACCESS_KEY_ID'),
      positionOf(text, '${{ secrets.AZURE'),
      positionOf(text, "'${{ secrets.SERVICE_KEY"),
      positionOf(text, '${{ secrets.PROD_AWS'),
      positionOf(text, "${{ secrets['GCP"),
    ]);
    expect(found[0]!.message).toContain('aws-access-key-id, aws-secret-access-key');
  });
  it('accepts OIDC logins and secrets that are not cloud keys', () => {
    const steps = `      - uses: ${pin('aws-actions/configure-aws-credentials')}
        with:
          role-to-assume: \${{ secrets.AWS_ROLE_ARN }}
          aws-region: eu-west-1
      - uses: ${pin('azure/login')}
        with:
          client-id: \${{ secrets.AZURE_CLIENT_ID }}
          tenant-id: \${{ secrets.AZURE_TENANT_ID }}
          subscription-id: \${{ secrets.AZURE_SUBSCRIPTION_ID }}
      - run: echo ok
        env:
          NPM_TOKEN: \${{ secrets.NPM_TOKEN }}
`;
    expect(check(workflow(steps, { jobKeys: '    environment: production\n    permissions:\n      id-token: write\n' }), 'CI-06')).toEqual([]);
  });
});

describe('CI-07 deploy environment', () => {
  it('flags deploy jobs without environment, at the job key, whatever gives the deploy away', () => {
    const text = `name: w
on: push
permissions: {}
jobs:
  pages:
    runs-on: ubuntu-24.04
    steps:
${harden}      - uses: ${pin('actions/deploy-pages')}
  ship:
    runs-on: ubuntu-24.04
    steps:
${harden}      - run: npm run deploy:prod
  infra:
    runs-on: ubuntu-24.04
    steps:
${harden}      - run: terraform apply -auto-approve tfplan
  cloud:
    runs-on: ubuntu-24.04
    steps:
${harden}      - uses: ${pin('azure/login')}
  release-web:
    name: Deploy web to production
    runs-on: ubuntu-24.04
    steps:
${harden}      - run: ./scripts/release.sh
`;
    const found = check(text, 'CI-07');
    expect(found.map((f) => [f.line, f.column])).toEqual([positionOf(text, 'pages:'), positionOf(text, 'ship:'), positionOf(text, 'infra:'), positionOf(text, 'cloud:'), positionOf(text, 'release-web:')]);
    expect(found.map((f) => f.message)).toEqual([
      expect.stringContaining('uses actions/deploy-pages'),
      expect.stringContaining('runs npm run deploy:prod'),
      expect.stringContaining('runs terraform apply'),
      expect.stringContaining('uses azure/login'),
      expect.stringContaining('named "Deploy web to production"'),
    ]);
  });
  it('accepts deploy jobs with an environment, jobs that only mention deploy, and reusable workflow calls', () => {
    const text = `name: w
on: push
permissions: {}
jobs:
  deploy:
    runs-on: ubuntu-24.04
    environment: { name: production }
    steps:
${harden}      - run: ./deploy.sh
  build:
    runs-on: ubuntu-24.04
    steps:
${harden}      - run: echo "deploy later" && npm run build && git fetch origin deploy && cd deploy
  deploy-call:
    uses: ./.github/workflows/deploy.yml
`;
    expect(check(text, 'CI-07')).toEqual([]);
  });
});

describe('CI-08 secrets oversharing', () => {
  it('flags secrets: inherit and toJSON(secrets)', () => {
    const body = `      - run: echo "$ALL"
        env:
          ALL: \${{ toJSON( secrets ) }}
  call:
    uses: ./.github/workflows/reusable.yml
    secrets: inherit
`;
    const found = check(goodWorkflow(body), 'CI-08');
    expect(found.map((f) => [f.line, f.column])).toEqual([[15, 20], [18, 14]]);
  });
  it('accepts secrets passed by name', () => {
    const body = `  call:
    uses: ./.github/workflows/reusable.yml
    secrets:
      TOKEN: \${{ secrets.TOKEN }}
`;
    expect(check(goodWorkflow(body), 'CI-08')).toEqual([]);
  });
});

describe('CI-09 CodeQL', () => {
  it('flags a repository with workflows but no CodeQL, at line 1 of its first workflow', () => {
    expect(repoFindings({ '.github/workflows/codeql.yml': undefined }, 'CI-09')).toEqual([[CI, 1, 1]]);
  });
  it('flags languages the repository has that the analysis leaves out, at languages:', () => {
    const codeql = CODEQL_WORKFLOW.replace(/    strategy:[\s\S]*?    steps:\n/, '    steps:\n').replace('${{ matrix.language }}', "'python'");
    const dir = writeRepo(goodRepo({ '.github/workflows/codeql.yml': codeql }));
    dirs.push(dir);
    const found = findingsFor(dir, 'CI-09');
    expect(found.map((f) => [f.file, f.line, f.column])).toEqual([['.github/workflows/codeql.yml', ...positionOf(codeql, "'python'")]]);
    expect(found[0]!.message).toContain('actions, javascript-typescript');
  });
  it('needs only what the repository contains; accepts lists, aliases, matrix lists and automatic detection', () => {
    const only = (languages: string) => CODEQL_WORKFLOW.replace(/    strategy:[\s\S]*?    steps:\n/, '    steps:\n').replace('${{ matrix.language }}', languages);
    const noWeb = { 'web/app/page.tsx': undefined, 'web/package.json': undefined, 'packages/ui/package.json': undefined };
    expect(repoFindings({ ...noWeb, '.github/workflows/codeql.yml': only('python,actions') }, 'CI-09')).toEqual([]);
    expect(repoFindings({ '.github/workflows/codeql.yml': only('python typescript actions') }, 'CI-09')).toEqual([]);
    expect(repoFindings({ '.github/workflows/codeql.yml': CODEQL_WORKFLOW.replace(/        with:\n          languages: .*\n/, '') }, 'CI-09')).toEqual([]);
    const matrixList = CODEQL_WORKFLOW.replace(/        include:\n(?:          - language: .*\n)+/, "        language: ['python', 'javascript-typescript', 'actions']\n");
    expect(matrixList).not.toBe(CODEQL_WORKFLOW);
    expect(repoFindings({ '.github/workflows/codeql.yml': matrixList }, 'CI-09')).toEqual([]);
  });
});

describe('CI-10 pull request gates', () => {
  it('flags a missing dependency review and a missing secret scan at line 1 of the first workflow', () => {
    expect(ciFindings((t) => t.replace(/      - uses: actions\/dependency-review-action.*\n.*\n/, ''), 'CI-10').found).toEqual([[CI, 1, 1]]);
    expect(ciFindings((t) => t.replace(/      - uses: gitleaks.*\n/, ''), 'CI-10').found).toEqual([[CI, 1, 1]]);
  });
  it('flags a dependency review that cannot block, at the setting', () => {
    const severity = ciFindings((t) => t.replace("if: github.event_name == 'pull_request'", "with:\n          fail-on-severity: critical"), 'CI-10');
    expect(severity.found).toEqual([[CI, ...positionOf(severity.text, 'critical')]]);
    const warn = ciFindings((t) => t.replace("if: github.event_name == 'pull_request'", 'with:\n          warn-only: true'), 'CI-10');
    expect(warn.found).toEqual([[CI, ...positionOf(warn.text, 'warn-only: true', { offset: 11 })]]);
    const continues = ciFindings((t) => t.replace("if: github.event_name == 'pull_request'", 'continue-on-error: true'), 'CI-10');
    expect(continues.found).toEqual([[CI, ...positionOf(continues.text, 'continue-on-error: true', { offset: 19 })]]);
  });
  it('flags trivy scans that never fail, at the scan, and missing ones at line 1', () => {
    const image = ciFindings((t) => t.replace('--exit-code=1', '--exit-code=0'), 'CI-10');
    expect(image.found).toEqual([[CI, ...positionOf(image.text, 'trivy image')]]);
    const severity = ciFindings((t) => t.replace('--severity CRITICAL,HIGH', '--severity CRITICAL'), 'CI-10');
    expect(severity.found).toEqual([[CI, ...positionOf(severity.text, 'trivy config')]]);
    expect(ciFindings((t) => t.replace(/      - name: config scan\n.*\n/, ''), 'CI-10').found).toEqual([[CI, 1, 1]]);
  });
  it('accepts trufflehog, the trivy action gating with defaults, and needs no trivy without Dockerfile or compose file', () => {
    const trufflehog = ciFindings((t) => t.replace(/gitleaks\/gitleaks-action@\S+/, `trufflesecurity/trufflehog@${SHA}`), 'CI-10');
    expect(trufflehog.found).toEqual([]);
    const action = ciFindings(
      (t) => t.replace(/      - run: trivy image .*\n/, `      - uses: ${pin('aquasecurity/trivy-action')}\n        with:\n          image-ref: ghcr.io/acme/api:latest\n          exit-code: 1\n`),
      'CI-10',
    );
    expect(action.found).toEqual([]);
    const noImages = { 'api/Dockerfile': undefined, 'web/Dockerfile': undefined, 'compose.yaml': undefined };
    const text = CI_WORKFLOW.replace(/      - name: config scan\n.*\n/, '').replace(/      - run: trivy image .*\n/, '');
    expect(repoFindings({ ...noImages, [CI]: text }, 'CI-10')).toEqual([]);
  });
});

describe('CI-11 SBOM', () => {
  it('flags images built without any SBOM, at line 1 of the first workflow', () => {
    expect(ciFindings((t) => t.replace('          sbom: true\n', ''), 'CI-11').found).toEqual([[CI, 1, 1]]);
  });
  it('accepts anchore/sbom-action, trivy --format cyclonedx, syft, and a repository without Dockerfile', () => {
    const edit = (step: string) => ciFindings((t) => t.replace('          sbom: true\n', '').replace('      - uses: actions/attest-build-provenance', `${step}      - uses: actions/attest-build-provenance`), 'CI-11').found;
    expect(edit(`      - uses: ${pin('anchore/sbom-action')}\n`)).toEqual([]);
    expect(edit('      - run: trivy image --format cyclonedx --output sbom.json ghcr.io/acme/api\n')).toEqual([]);
    expect(edit('      - run: syft ghcr.io/acme/api -o spdx-json=sbom.json\n')).toEqual([]);
    expect(repoFindings({ 'api/Dockerfile': undefined, 'web/Dockerfile': undefined, [CI]: CI_WORKFLOW.replace('          sbom: true\n', '') }, 'CI-11')).toEqual([]);
  });
});

describe('CI-12 provenance', () => {
  it('flags a push without any attestation, at the push', () => {
    const { text, found } = ciFindings((t) => t.replace(/      - uses: actions\/attest-build-provenance[\s\S]*?push-to-registry: true\n/, ''), 'CI-12');
    expect(found).toEqual([[CI, ...positionOf(text, "${{ github.event_name == 'push' }}")]]);
  });
  it('flags a deploy job that needs a pushing job and does not verify, at the job key', () => {
    const { text, found } = ciFindings((t) => t.replace(/      - run: gh attestation verify.*\n        env:\n.*\n/, ''), 'CI-12');
    expect(found).toEqual([[CI, ...positionOf(text, 'release:')]]);
  });
  it('accepts a docker push attested with cosign, and workflows that push nothing', () => {
    const cosign = ciFindings(
      (t) =>
        t
          .replace(/      - uses: actions\/attest-build-provenance[\s\S]*?push-to-registry: true\n/, '      - run: |\n          docker push "$IMAGE"\n          cosign attest --yes --type slsaprovenance --predicate p.json "$IMAGE"\n')
          .replace("push: ${{ github.event_name == 'push' }}", 'push: false'),
      'CI-12',
    );
    expect(cosign.found).toEqual([]);
    const noPush = ciFindings((t) => t.replace(/      - uses: actions\/attest-build-provenance[\s\S]*?push-to-registry: true\n/, '').replace("push: ${{ github.event_name == 'push' }}", 'push: false'), 'CI-12');
    expect(noPush.found).toEqual([]);
  });
});

describe('CI-14 harden-runner', () => {
  it('flags a job whose first step is not harden-runner, at that step', () => {
    const text = `name: w\non: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: make\n  b:\n    runs-on: ubuntu-24.04\n    steps:\n      - name: first\n        run: make\n${harden}`;
    const found = check(text, 'CI-14');
    expect(found.map((f) => [f.line, f.column])).toEqual([positionOf(text, 'run: make'), positionOf(text, 'name: first')]);
    expect(found[0]!.message).toContain('does not start with');
    expect(found[1]!.message).toContain('not the first step');
    expect(found[0]!.severity).toBe('medium');
  });
  it('accepts harden-runner first in audit or block mode, and jobs that call a reusable workflow', () => {
    const text = `${workflow('      - run: make\n')}  call:\n    uses: ./.github/workflows/reusable.yml\n`;
    expect(check(text, 'CI-14')).toEqual([]);
  });
});

describe('CI-16 ad-hoc installs', () => {
  const flagged = [
    'pip install requests',
    'python3 -m pip install --upgrade pip',
    'pip install -r requirements.txt',
    'sudo pip3 install -e git+https://github.com/org/tool#egg=tool',
    'uv pip install ruff',
    'uv sync',
    'npm install',
    'npm i -g typescript',
    'npm --prefix web install',
    'yarn add left-pad',
    'npx create-react-app app',
    'npm exec -- prettier --check .',
    'pnpm dlx tsx script.ts',
    'uvx zizmor .',
    'pipx run --spec black black .',
    'go install golang.org/x/vuln/cmd/govulncheck@latest',
    'curl -fsSL https://get.example.com | sudo bash -s -- --yes',
    'wget -qO- https://x.example/i.sh | sh',
    'bash <(curl -s https://codecov.io/bash)',
    'sh -c "$(curl -fsSL https://raw.example/install.sh)"',
  ];
  const accepted = [
    'npm ci --ignore-scripts',
    'npm run build',
    'npm i -g npm@10.9.2',
    'npx --no vitest run',
    'npx prettier@3.3.3 --check .',
    'npx -p @biomejs/biome@1.9.4 biome ci .',
    'pip install --require-hashes -r requirements.txt',
    'python -m pip install -e ".[test]"',
    'pip install ./dist/app-1.0-py3-none-any.whl',
    'uv sync --locked',
    'uv sync --frozen --no-dev',
    'uvx zizmor@1.16.0 .',
    'pipx install poetry==1.8.3',
    'go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.7',
    'go run ./cmd/tool',
    'curl -fsSLo install.sh https://get.example.com && sha256sum -c install.sha256',
    'echo "npm install is not run here"',
  ];
  it('flags each ad-hoc install at its command', () => {
    const steps = flagged.map((command) => `      - run: ${command.includes('"') || command.includes('<(') ? `'${command.replace(/'/g, "''")}'` : command}\n`).join('');
    const text = workflow(steps);
    const found = check(text, 'CI-16');
    expect(found.map((f) => f.line)).toEqual(flagged.map((_, index) => 9 + index));
    expect(found.every((f) => f.column === 14 || f.column === 15)).toBe(true);
    expect(found[2]!.message).toContain('--require-hashes');
    expect(found[6]!.message).toContain('npm ci');
  });
  it('finds commands inside multi-line scripts at their own line and column', () => {
    const text = workflow('      - run: |\n          set -eu\n          if true; then\n            pip install httpx\n          fi\n');
    expect(check(text, 'CI-16').map((f) => [f.line, f.column])).toEqual([positionOf(text, 'pip install httpx')]);
  });
  it('reads a package or module given through env:', () => {
    const exact = workflow('      - env:\n          PKG: create-secure-stack@1.2.3\n          TOOL: golang.org/x/vuln/cmd/govulncheck@latest\n        run: |\n          npx --yes --package "$PKG" -- secure-stack check .\n          go run "$TOOL" ./...\n');
    expect(check(exact, 'CI-16').map((f) => [f.line, f.column])).toEqual([positionOf(exact, 'go run')]);
    const loose = exact.replace('@1.2.3', '');
    expect(check(loose, 'CI-16').map((f) => [f.line, f.column])).toEqual([positionOf(loose, 'npx --yes'), positionOf(loose, 'go run')]);
  });
  it('does not read scripts of a python or node shell as shell commands', () => {
    const text = workflow("      - shell: python\n        run: print('pip install requests')\n      - run: npm install\n").replace('jobs:\n', 'defaults:\n  run:\n    shell: node {0}\njobs:\n');
    expect(check(text, 'CI-16')).toEqual([]);
    const bash = text.replace('shell: node {0}', 'shell: bash');
    expect(check(bash, 'CI-16').map((f) => [f.line, f.column])).toEqual([positionOf(bash, 'npm install')]);
  });
  it('accepts lockfile installs, exact versions, local projects and non-installs', () => {
    const steps = accepted.map((command) => `      - run: '${command.replace(/'/g, "''")}'\n`).join('');
    expect(check(workflow(steps), 'CI-16')).toEqual([]);
  });
});

describe('CI-17 workflow linters and SECURITY.md', () => {
  it('flags each missing gate and a missing SECURITY.md at line 1 of the first workflow', () => {
    expect(ciFindings((t) => t.replace(/      - run: uvx zizmor.*\n/, ''), 'CI-17').found).toEqual([[CI, 1, 1]]);
    expect(ciFindings((t) => t.replace(/      - uses: rhysd\/actionlint.*\n/, ''), 'CI-17').found).toEqual([[CI, 1, 1]]);
    expect(ciFindings((t) => t.replace(/      - run: docker run --rm -i hadolint.*\n/, ''), 'CI-17').found).toEqual([[CI, 1, 1]]);
    expect(repoFindings({ 'SECURITY.md': undefined }, 'CI-17')).toEqual([[CI, 1, 1]]);
    expect(repoFindings({ '.github/workflows/scorecard.yml': undefined }, 'CI-17')).toEqual([[CI, 1, 1]]);
  });
  it("accepts the Scorecard job's id-token: write (it signs published results), not once the job also logs in to a cloud", () => {
    expect(repoFindings({}, 'CI-06')).toEqual([]);
    const withLogin = SCORECARD_WORKFLOW.replace('      - uses: ', `      - uses: ${pin('aws-actions/configure-aws-credentials')}\n        with:\n          role-to-assume: arn:aws:iam::1:role/x\n          aws-region: eu-west-1\n      - uses: `);
    expect(repoFindings({ '.github/workflows/scorecard.yml': withLogin }, 'CI-06')).toEqual([['.github/workflows/scorecard.yml', withLogin.split('\n').indexOf('      id-token: write') + 1, 7]]);
  });
  it('does not count a step with continue-on-error as a gate', () => {
    expect(ciFindings((t) => t.replace('      - run: uvx zizmor', '      - continue-on-error: true\n        run: uvx zizmor'), 'CI-17').found).toEqual([[CI, 1, 1]]);
  });
  it('accepts SECURITY.md in .github/ or docs/, the zizmor action, and no hadolint without Dockerfile', () => {
    expect(repoFindings({ 'SECURITY.md': undefined, '.github/SECURITY.md': '# Policy\n' }, 'CI-17')).toEqual([]);
    expect(repoFindings({ 'SECURITY.md': undefined, 'docs/security.md': '# Policy\n' }, 'CI-17')).toEqual([]);
    const action = CI_WORKFLOW.replace(/      - run: uvx zizmor.*\n/, `      - uses: ${pin('zizmorcore/zizmor-action')}\n`);
    expect(repoFindings({ [CI]: action }, 'CI-17')).toEqual([]);
    const noHadolint = CI_WORKFLOW.replace(/      - run: docker run --rm -i hadolint.*\n/, '');
    expect(repoFindings({ [CI]: noHadolint, 'api/Dockerfile': undefined, 'web/Dockerfile': undefined }, 'CI-17')).toEqual([]);
  });
});

describe('repositories', () => {
  it('reports nothing repository-level for a repository without workflows', () => {
    const dir = writeRepo({ 'api/Dockerfile': 'FROM python:3.12\n', 'web/package.json': '{}\n' });
    dirs.push(dir);
    expect(findingsFor(dir).filter((f) => /^(CI|OPS)-/.test(f.controlId))).toEqual([]);
  });
  it('treats a nested .github/workflows as its own repository, with the files under it', () => {
    const files = goodRepo();
    const nested = Object.fromEntries(Object.entries(files).map(([file, text]) => [`services/billing/${file}`, text]));
    const dir = writeRepo({ ...files, ...nested });
    dirs.push(dir);
    expect(findingsFor(dir).filter((f) => /^(CI|OPS)-/.test(f.controlId))).toEqual([]);
    const { 'services/billing/SECURITY.md': _policy, ...withoutPolicy } = nested;
    const partial = writeRepo({ ...files, ...withoutPolicy });
    dirs.push(partial);
    expect(findingsFor(partial).filter((f) => /^(CI|OPS)-/.test(f.controlId)).map((f) => [f.controlId, f.file, f.line])).toEqual([['CI-17', 'services/billing/.github/workflows/ci.yml', 1]]);
  });
});

describe('a repository not generated here', () => {
  const ciYml = `name: CI

on:
  push:
    branches: [main]
  pull_request:

permissions: write-all

jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - run: npm install
      - run: npm test
      - name: Announce
        run: echo "Testing \${{ github.event.pull_request.title }}"

  deploy:
    needs: test
    if: github.ref == 'refs/heads/main'
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          aws-access-key-id: \${{ secrets.AWS_ACCESS_KEY_ID }}
          aws-secret-access-key: \${{ secrets.AWS_SECRET_ACCESS_KEY }}
          aws-region: us-east-1
      - name: Install the CLI
        run: curl -fsSL https://get.example.com/install.sh | bash
      - run: aws s3 sync ./build s3://my-bucket --delete
`;
  const labeler = `name: Label PR
on: pull_request_target

jobs:
  label:
    runs-on: ubuntu-latest
    permissions:
      pull-requests: write
    steps:
      - uses: actions/checkout@v4
        with:
          ref: \${{ github.event.pull_request.head.sha }}
      - run: |
          npm ci
          echo "LABEL=$(node scripts/label.js)" >> $GITHUB_ENV
`;
  it('gets exactly the expected findings, each at its construct', () => {
    const dir = writeRepo({
      '.github/workflows/ci.yml': ciYml,
      '.github/workflows/pr-labeler.yml': labeler,
      'package.json': '{ "name": "widget", "version": "1.0.0", "scripts": { "test": "node --test" } }\n',
      'package-lock.json': '{}\n',
      'src/index.js': 'module.exports = () => 42;\n',
      'README.md': '# widget\n',
    });
    dirs.push(dir);
    const L = '.github/workflows/pr-labeler.yml';
    const found = findingsFor(dir).map((f) => [f.controlId, f.file, f.line, f.column]);
    expect(found).toEqual([
      ['CI-09', CI, 1, 1],
      ['CI-10', CI, 1, 1], // no dependency review
      ['CI-10', CI, 1, 1], // no secret scan
      ['CI-13', CI, 1, 1],
      ['CI-15', CI, 1, 1],
      ['CI-17', CI, 1, 1], // zizmor
      ['CI-17', CI, 1, 1], // actionlint
      ['CI-17', CI, 1, 1], // Scorecard
      ['CI-17', CI, 1, 1], // SECURITY.md
      ['OPS-07', CI, 1, 1],
      ['CI-01', CI, 8, 14],
      ['CI-14', CI, 14, 9],
      ['CI-02', CI, 14, 15],
      ['CI-03', CI, 14, 15],
      ['CI-02', CI, 15, 15],
      ['CI-16', CI, 18, 14],
      ['CI-05', CI, 21, 28],
      ['CI-07', CI, 23, 3],
      ['CI-14', CI, 28, 9],
      ['CI-02', CI, 28, 15],
      ['CI-03', CI, 28, 15],
      ['CI-02', CI, 29, 15],
      ['CI-06', CI, 31, 30],
      ['CI-16', CI, 35, 14],
      ['CI-01', L, 1, 1],
      ['CI-14', L, 10, 9],
      ['CI-02', L, 10, 15],
      ['CI-03', L, 10, 15],
      ['CI-04', L, 12, 16],
      ['CI-05', L, 15, 52],
    ]);
  });
});

describe('robustness and discovery', () => {
  it('malformed YAML, a non-mapping and a binary workflow become notes, not crashes; repository-level checks still run', () => {
    const dir = writeRepo({
      '.github/workflows/bad.yml': 'on: [push\njobs: {',
      '.github/workflows/list.yaml': '- a\n- b\n',
      '.github/workflows/bin.yml': 'on: push\u0000',
    });
    dirs.push(dir);
    const result = checkRepository(dir);
    // An unreadable workflow runs no gate on GitHub either: the repository-level findings stand, at the first workflow.
    expect(new Set(result.findings.map((f) => `${f.file}:${f.line}:${f.column}`))).toEqual(new Set(['.github/workflows/bad.yml:1:1']));
    expect(result.notes.map((n) => n.file).sort()).toEqual(['.github/workflows/bad.yml', '.github/workflows/bin.yml', '.github/workflows/list.yaml']);
    expect(result.notes.find((n) => n.file.endsWith('bad.yml'))!.message).toMatch(/malformed YAML/);
  });
  it('odd but parseable workflows do not crash: empty jobs, steps that are not mappings, aliases, odd scripts', () => {
    const dir = writeRepo({
      [W]: `on: push\npermissions: {}\nx: &s\n  - run: echo "unterminated\njobs:\n  a: 3\n  b:\n    steps: *s\n  c:\n    steps: [1, null, {run: 7}, {run: "cat <<EOF"}]\n  d:\n    permissions: {id-token: write}\n    container: {image: [1]}\n    services: 5\n`,
    });
    dirs.push(dir);
    // Nothing crashes; the two scripts that are not valid shell are noted, at the place the parser stopped.
    expect(checkRepository(dir).notes.map((note) => [note.line, note.column, note.message])).toEqual([
      [4, 15, 'run: script of job b not parsed as shell here (reached EOF without closing quote "): the commands of this line are not checked'],
      [10, 43, "run: script of job c not parsed as shell here (unclosed here-document 'EOF'): the commands of this line are not checked"],
    ]);
  });
  it('skips node_modules, virtualenvs, build output and what the root .gitignore ignores', () => {
    const bad = goodWorkflow().replace('permissions: {}\n', '');
    const dir = writeRepo({
      '.gitignore': 'vendor/\n',
      'node_modules/x/.github/workflows/w.yml': bad,
      'dist/.github/workflows/w.yml': bad,
      'env1/pyvenv.cfg': 'home = /usr\n',
      'env1/.github/workflows/w.yml': bad,
      'vendor/.github/workflows/w.yml': bad,
      'services/api/.github/workflows/w.yml': bad,
      'notes.yml': bad,
    });
    dirs.push(dir);
    expect(new Set(findingsFor(dir).map((f) => f.file))).toEqual(new Set(['services/api/.github/workflows/w.yml']));
  });
});
