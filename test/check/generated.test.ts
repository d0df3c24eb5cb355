/** A freshly generated stack passes the CI checks; removing one control makes exactly that finding appear. */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRepository } from '../../src/check/run.js';
import { makeTempDir, removeDir } from '../support/cli.js';
import { generateProject } from '../support/project.js';

let generated: string;
const dirs: string[] = [];
const CI = '.github/workflows/ci.yml';

beforeAll(async () => {
  generated = (await generateProject({ cloud: 'aws' })).dir;
  dirs.push(generated);
});
afterAll(() => dirs.forEach(removeDir));

function lineOf(text: string, needle: string): number {
  const index = text.indexOf(needle);
  if (index < 0) throw new Error(`not in the workflow: ${needle}`);
  return text.slice(0, index).split('\n').length;
}

/** Copies the generated project, applies one edit to ci.yml, returns its CI findings and the mutated text. */
function mutate(edit: (text: string) => string) {
  const dir = makeTempDir('secure-stack-mutant-');
  dirs.push(dir);
  cpSync(generated, dir, { recursive: true });
  const original = readFileSync(path.join(dir, CI), 'utf8');
  const text = edit(original);
  expect(text).not.toBe(original);
  writeFileSync(path.join(dir, CI), text);
  return { text, findings: checkRepository(dir).findings.filter((f) => f.controlId.startsWith('CI-')) };
}

describe('generated full stack', () => {
  it('has workflows and no CI finding and no note', () => {
    const result = checkRepository(generated);
    expect(result.filesChecked).toBeGreaterThanOrEqual(2);
    expect(result.findings.filter((f) => f.controlId.startsWith('CI-'))).toEqual([]);
    expect(result.notes).toEqual([]);
  });
});

describe('mutations of the generated ci.yml', () => {
  it('CI-01: top-level permissions removed', () => {
    const { text, findings } = mutate((t) => t.replace('\npermissions: {}\n', '\n'));
    expect(findings.map((f) => [f.controlId, f.file, f.line])).toEqual([['CI-01', CI, lineOf(text, '\nname: ci') + 1]]);
  });
  it('CI-02: checkout pinned to a tag', () => {
    const { text, findings } = mutate((t) => t.replace(/actions\/checkout@[0-9a-f]{40}/, 'actions/checkout@v4'));
    expect(findings.map((f) => [f.controlId, f.file, f.line])).toEqual([['CI-02', CI, lineOf(text, 'actions/checkout@v4')]]);
  });
  it('CI-03: persist-credentials: false removed from one checkout', () => {
    const { text, findings } = mutate((t) => t.replace('\n          persist-credentials: false\n', '\n'));
    expect(findings.map((f) => [f.controlId, f.file, f.line])).toEqual([['CI-03', CI, lineOf(text, 'actions/checkout@')]]);
  });
  it('CI-04: pull_request_target with a checkout of the head', () => {
    const { text, findings } = mutate((t) =>
      t
        .replace('\non:\n', '\non:\n  pull_request_target:\n    branches: [main]\n')
        .replace('persist-credentials: false\n', 'persist-credentials: false\n          ref: ${{ github.event.pull_request.head.sha }}\n'),
    );
    expect(findings.map((f) => [f.controlId, f.file, f.line])).toEqual([['CI-04', CI, lineOf(text, 'ref: ${{ github.event.pull_request.head.sha')]]);
  });
  it('CI-05: an event field interpolated into run:', () => {
    const { text, findings } = mutate((t) => t.replace('run: python -m pytest -q', 'run: python -m pytest -q -k "${{ github.event.pull_request.title }}"'));
    expect(findings.map((f) => [f.controlId, f.file, f.line])).toEqual([['CI-05', CI, lineOf(text, 'pytest -q -k')]]);
  });
  it('CI-08: toJSON(secrets) passed to a step', () => {
    const { text, findings } = mutate((t) => t.replace('GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}', 'GITHUB_TOKEN: ${{ toJSON(secrets) }}'));
    expect(findings.map((f) => [f.controlId, f.file, f.line])).toEqual([['CI-08', CI, lineOf(text, 'toJSON(secrets)')]]);
  });
});
