/** Baselines: fingerprints that survive line moves, the baseline file, marking new and unchanged findings. */
import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyBaseline, assignFingerprints, isBaselineFile, makeBaseline, parseBaseline, serializeBaseline } from '../../src/check/baseline.js';
import { failingFindings, makeFinding, type Finding } from '../../src/check/finding.js';
import { checkRepository } from '../../src/check/run.js';
import { UsageError } from '../../src/errors.js';
import { writeUserFileAtomic } from '../../src/tree/disk.js';
import { makeTempDir, removeDir } from '../support/cli.js';
import { goodWorkflow, writeRepo } from './helpers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

const WORKFLOW = '.github/workflows/ci.yml';
/** Two tag-pinned actions (CI-02 twice) in an otherwise clean workflow. */
const TWO_TAGS = goodWorkflow('      - uses: actions/setup-node@v4\n      - uses: actions/cache@v4\n');

/** The CI-02 findings of a repository holding one workflow (other controls' findings are not what this is about). */
function findingsOf(text: string): Finding[] {
  const dir = writeRepo({ [WORKFLOW]: text });
  dirs.push(dir);
  return checkRepository(dir).findings.filter((finding) => finding.controlId === 'CI-02');
}

function fingerprinted(lines: string[], locations: Array<[string, number]>): Finding[] {
  const findings = locations.map(([controlId, line]) => makeFinding(controlId, { file: 'Dockerfile', line, column: 1 }, 'm', 'f'));
  assignFingerprints(findings, () => lines.join('\n'));
  return findings;
}

describe('fingerprints', () => {
  it('survive lines moving and re-indentation, change with the line, and tell identical lines apart', () => {
    const before = fingerprinted(['FROM a', 'RUN x', 'RUN x'], [['CTR-06', 2], ['CTR-06', 3]]);
    const moved = fingerprinted(['# new comment', '', 'FROM a', '  RUN   x', 'RUN x'], [['CTR-06', 4], ['CTR-06', 5]]);
    expect(moved.map((f) => f.fingerprint)).toEqual(before.map((f) => f.fingerprint));
    expect(before[0]!.fingerprint).not.toBe(before[1]!.fingerprint);
    expect(before[0]!.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    const edited = fingerprinted(['FROM a', 'RUN y', 'RUN x'], [['CTR-06', 2], ['CTR-06', 3]]);
    expect(edited[0]!.fingerprint).not.toBe(before[0]!.fingerprint);
    const otherControl = fingerprinted(['FROM a', 'RUN x', 'RUN x'], [['CTR-04', 2]]);
    expect(otherControl[0]!.fingerprint).not.toBe(before[0]!.fingerprint);
  });
  it('are set on every finding of a run', () => {
    const findings = findingsOf(TWO_TAGS);
    expect(findings.map((f) => f.controlId)).toEqual(['CI-02', 'CI-02']);
    expect(findings.every((f) => /^[0-9a-f]{64}$/.test(f.fingerprint ?? ''))).toBe(true);
  });
});

describe('a baseline', () => {
  it('round trip: known findings stay unchanged when lines move; a new one is new and fails', () => {
    const baseline = parseBaseline(serializeBaseline(makeBaseline(findingsOf(TWO_TAGS))), 'b.json');
    expect(baseline.findings.map((entry) => [entry.controlId, entry.file])).toEqual([
      ['CI-02', WORKFLOW],
      ['CI-02', WORKFLOW],
    ]);
    const shifted = TWO_TAGS.replace('name: ok\n', 'name: ok\n# a comment\n# and another\n');
    const moved = findingsOf(shifted);
    expect(moved.map((f) => f.line)).toEqual([15, 16]);
    applyBaseline(moved, baseline);
    expect(moved.map((f) => f.baselineState)).toEqual(['unchanged', 'unchanged']);
    expect(failingFindings(moved, 'low')).toEqual([]);

    const grown = findingsOf(`${shifted}      - uses: actions/upload-artifact@v4\n`);
    applyBaseline(grown, baseline);
    expect(grown.map((f) => `${f.line} ${f.baselineState}`)).toEqual(['15 unchanged', '16 unchanged', '17 new']);
    expect(failingFindings(grown, 'high').map((f) => f.line)).toEqual([17]);
  });
  it('leaves out suppressed findings and is sorted by file, control and fingerprint, not by line', () => {
    const findings = findingsOf(goodWorkflow('      - uses: actions/setup-node@v4 # secure-stack: ignore[CI-02] reviewed\n      - uses: actions/cache@v4\n'));
    expect(findings.map((f) => f.suppression?.kind ?? 'none')).toEqual(['inline', 'none']);
    const baseline = makeBaseline(findings);
    expect(baseline.findings).toEqual([{ controlId: 'CI-02', file: WORKFLOW, fingerprint: findings[1]!.fingerprint }]);
    expect(baseline.tool.name).toBe('create-secure-stack');
    const many = makeBaseline([
      { ...makeFinding('CTR-06', { file: 'b/Dockerfile', line: 1, column: 1 }, 'm', 'f'), fingerprint: 'f'.repeat(64) },
      { ...makeFinding('CTR-01', { file: 'b/Dockerfile', line: 9, column: 1 }, 'm', 'f'), fingerprint: 'e'.repeat(64) },
      { ...makeFinding('CTR-01', { file: 'a/Dockerfile', line: 5, column: 1 }, 'm', 'f'), fingerprint: '0'.repeat(64) },
    ]);
    expect(many.findings.map((entry) => `${entry.file} ${entry.controlId}`)).toEqual(['a/Dockerfile CTR-01', 'b/Dockerfile CTR-01', 'b/Dockerfile CTR-06']);
  });
  it('a malformed baseline is a one-line usage error naming the file and the problem', () => {
    const fingerprint = 'a'.repeat(64);
    const cases: Array<[string, RegExp]> = [
      ['{', /^b\.json: not a secure-stack baseline: invalid JSON/],
      ['[]', /not a secure-stack baseline: /],
      [JSON.stringify({ schemaVersion: 2, tool: { name: 'x', version: '1' }, findings: [] }), /schemaVersion: /],
      [JSON.stringify({ schemaVersion: 1, tool: { name: 'x', version: '1' }, findings: [{ controlId: 'CI-02', file: 'a', fingerprint: 'xyz' }] }), /findings\.0\.fingerprint: must be a hex SHA-256/],
      [JSON.stringify({ schemaVersion: 1, tool: { name: 'x', version: '1' }, findings: [{ controlId: 'CI-02', file: 'a', fingerprint, line: 3 }] }), /findings\.0: unknown key "line"/],
    ];
    for (const [text, expected] of cases) {
      expect(() => parseBaseline(text, 'b.json'), text).toThrow(UsageError);
      expect(() => parseBaseline(text, 'b.json'), text).toThrow(expected);
    }
  });
});

describe('writing a baseline file', () => {
  const content = serializeBaseline(makeBaseline([]));
  const write = (file: string) => writeUserFileAtomic(file, content, '--write-baseline', { kind: 'a secure-stack baseline', test: isBaselineFile });

  it('creates a new file and replaces an existing baseline, atomically (no temporary file left)', () => {
    const dir = makeTempDir();
    dirs.push(dir);
    const file = path.join(dir, 'baseline.json');
    write(file);
    expect(readFileSync(file, 'utf8')).toBe(content);
    writeFileSync(file, serializeBaseline({ ...makeBaseline([]), tool: { name: 'create-secure-stack', version: '0.0.1' } }));
    write(file);
    expect(readFileSync(file, 'utf8')).toBe(content);
    expect(isBaselineFile(Buffer.from(content))).toBe(true);
    expect(readdirSync(dir)).toEqual(['baseline.json']);
  });
  it('refuses a file that is not a baseline, a symbolic link, a directory and a missing directory', () => {
    const dir = makeTempDir();
    dirs.push(dir);
    writeFileSync(path.join(dir, 'package.json'), '{"name": "mine"}\n');
    writeFileSync(path.join(dir, 'other-tool.json'), JSON.stringify({ schemaVersion: 1, tool: { name: 'zizmor' }, findings: [] }));
    symlinkSync(path.join(dir, 'package.json'), path.join(dir, 'link.json'));
    mkdirSync(path.join(dir, 'folder'));
    const cases: Array<[string, RegExp]> = [
      ['package.json', /refusing to overwrite a file that is not a secure-stack baseline/],
      ['other-tool.json', /refusing to overwrite a file that is not a secure-stack baseline/],
      ['link.json', /symbolic link/],
      ['folder', /not a regular file/],
      ['missing/baseline.json', /directory .* does not exist/],
    ];
    for (const [name, expected] of cases) expect(() => write(path.join(dir, name)), name).toThrow(expected);
    expect(readFileSync(path.join(dir, 'package.json'), 'utf8')).toBe('{"name": "mine"}\n');
  });
});
