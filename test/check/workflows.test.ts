/** True-positive and true-negative fixtures for each GitHub workflow check, written inline. */
import { afterAll, describe, expect, it } from 'vitest';
import { removeDir } from '../support/cli.js';
import { checkRepository } from '../../src/check/run.js';
import { ALL_CHECKS, CHECK_FAMILIES } from '../../src/check/registry.js';
import { getControl } from '../../src/controls/catalog.js';
import { SHA, findingsFor, goodWorkflow, writeRepo } from './helpers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

function check(workflow: string, controlId: string, file = '.github/workflows/w.yml') {
  const dir = writeRepo({ [file]: workflow });
  dirs.push(dir);
  return findingsFor(dir, controlId);
}

describe('registry', () => {
  it('one check per catalog control, each documented, severity from the catalog', () => {
    const ids = ALL_CHECKS.map((c) => c.controlId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => id.startsWith('CI-'))).toEqual(['CI-01', 'CI-02', 'CI-03', 'CI-04', 'CI-05', 'CI-08']);
    for (const c of ALL_CHECKS) {
      expect(getControl(c.controlId)).toBeDefined();
      expect(c.docs.length).toBeGreaterThan(20);
      expect(c.fix.length).toBeGreaterThan(10);
    }
    expect(CHECK_FAMILIES.map((f) => f.id)).toContain('github-workflows');
    // One check per control across families: no control is evaluated by two modules.
    expect(new Set(CHECK_FAMILIES.flatMap((f) => f.checks.map((c) => c.controlId))).size).toBe(ids.length);
  });
});

describe('baseline', () => {
  it('the good workflow has no finding', () => {
    expect(check(goodWorkflow(), '')).toEqual([]);
    const dir = writeRepo({ '.github/workflows/w.yml': goodWorkflow() });
    dirs.push(dir);
    expect(checkRepository(dir).findings).toEqual([]);
  });
});

describe('CI-01 permissions', () => {
  it('flags a missing top-level permissions at the first key', () => {
    const found = check(goodWorkflow().replace('permissions: {}\n', ''), 'CI-01');
    expect(found).toMatchObject([{ file: '.github/workflows/w.yml', line: 1, column: 1, severity: 'high' }]);
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

describe('robustness and discovery', () => {
  it('malformed YAML, a non-mapping and a binary workflow become notes, not crashes', () => {
    const dir = writeRepo({
      '.github/workflows/bad.yml': 'on: [push\njobs: {',
      '.github/workflows/list.yaml': '- a\n- b\n',
      '.github/workflows/bin.yml': 'on: push\u0000',
    });
    dirs.push(dir);
    const result = checkRepository(dir);
    expect(result.findings).toEqual([]);
    expect(result.notes.map((n) => n.file).sort()).toEqual(['.github/workflows/bad.yml', '.github/workflows/bin.yml', '.github/workflows/list.yaml']);
    expect(result.notes.find((n) => n.file.endsWith('bad.yml'))!.message).toMatch(/malformed YAML/);
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
    expect(findingsFor(dir).map((f) => f.file)).toEqual(['services/api/.github/workflows/w.yml']);
  });
});
