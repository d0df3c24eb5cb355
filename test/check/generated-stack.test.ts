/**
 * A stack generated the default way (offline: base images on tags, no digests) passes `check` with every family:
 * no finding above low, and the only low findings are the tag-only base images (CTR-02), one per FROM and per
 * external Compose image; `secure-stack check` exits 0 on it.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { severityRank } from '../../src/check/finding.js';
import { checkRepository } from '../../src/check/run.js';
import { removeDir, runCli } from '../support/cli.js';
import { TEST_GENERATED_ON, generateProject } from '../support/project.js';

/** The generation day: the generated security.txt is judged as on that day (the CLI gets it through SOURCE_DATE_EPOCH). */
const NOW = new Date(`${TEST_GENERATED_ON}T12:00:00Z`);

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

const VARIANTS = { default: {}, aws: { cloud: 'aws' } } as const;
const generated: Record<string, string> = {};

beforeAll(async () => {
  for (const [name, overrides] of Object.entries(VARIANTS)) {
    generated[name] = (await generateProject(overrides)).dir;
    dirs.push(generated[name]);
  }
});

/** Where the tag-only images are, read from the generated text itself (not through the checker's parsers). */
function tagPins(dir: string): Array<[string, string, number]> {
  const pins: Array<[string, string, number]> = [];
  for (const file of ['api/Dockerfile', 'compose.yaml', 'web/Dockerfile']) {
    readFileSync(path.join(dir, file), 'utf8')
      .split('\n')
      .forEach((line, index) => {
        if (/^FROM \S+:\S+ AS \w+$/.test(line) || /^ {4}image: "postgres:[^@"]+"$/.test(line)) pins.push(['CTR-02', file, index + 1]);
      });
  }
  return pins;
}

describe.each(Object.keys(VARIANTS))('a stack generated offline (%s)', (variant) => {
  it('has no finding above low, and no note', () => {
    const result = checkRepository(generated[variant]!, { now: NOW });
    expect(result.findings.filter((f) => severityRank(f.severity) > severityRank('low')).map((f) => [f.controlId, f.severity, f.file, f.line, f.message])).toEqual([]);
    expect(result.notes).toEqual([]);
  });
  it('has exactly one low CTR-02 finding per tag-only base image: each FROM of api/ and web/, and the postgres images of compose.yaml', () => {
    const dir = generated[variant]!;
    const expected = tagPins(dir);
    // Two stages in api/, three in web/, the db and migrate services.
    expect(expected).toHaveLength(7);
    const found = checkRepository(dir, { now: NOW }).findings.map((f) => [f.controlId, f.file, f.line]);
    expect(found).toEqual(expected);
    for (const finding of checkRepository(dir, { now: NOW }).findings) expect(finding.message).toMatch(/--pin-digests/);
  });
  it('secure-stack check exits 0', async () => {
    const dir = generated[variant]!;
    const result = await runCli(['check', dir], { cwd: dir });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
  });
});
