/** CI-13 (dependabot.yml), CI-15 (CODEOWNERS) and OPS-07 (security.txt): true positives and negatives, inline. */
import { afterAll, describe, expect, it } from 'vitest';
import { removeDir } from '../support/cli.js';
import { checkRepository } from '../../src/check/run.js';
import { parseRfc3339 } from '../../src/check/checks/repository-files.js';
import { findingsFor, fixClockAt, positionOf, writeRepo } from './helpers.js';
import { CODEOWNERS, DEPENDABOT, NOW, SECURITY_TXT, goodRepo } from './ci-repo.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));
fixClockAt(NOW);

const CI = '.github/workflows/ci.yml';
const DEPENDABOT_PATH = '.github/dependabot.yml';
const OWNERS = '.github/CODEOWNERS';
const TXT = 'web/public/.well-known/security.txt';

function findings(overrides: Record<string, string | undefined>, controlId: string) {
  const dir = writeRepo(goodRepo(overrides));
  dirs.push(dir);
  return findingsFor(dir, controlId);
}

const located = (overrides: Record<string, string | undefined>, controlId: string) => findings(overrides, controlId).map((f) => [f.file, f.line, f.column]);


describe('CI-13 Dependabot', () => {
  it('flags a repository with workflows and no dependabot.yml at line 1 of the first workflow', () => {
    expect(located({ [DEPENDABOT_PATH]: undefined }, 'CI-13')).toEqual([[CI, 1, 1]]);
  });
  it('notes a Renovate configuration instead of flagging it', () => {
    const dir = writeRepo(goodRepo({ [DEPENDABOT_PATH]: undefined, 'renovate.json': '{ "extends": ["config:recommended"] }\n' }));
    dirs.push(dir);
    const result = checkRepository(dir);
    expect(result.findings.filter((f) => f.controlId === 'CI-13')).toEqual([]);
    expect(result.notes).toMatchObject([{ file: 'renovate.json', message: expect.stringContaining('Renovate') }]);
  });
  it('flags each entry without a cooldown of at least a day, at its package-ecosystem', () => {
    const text = DEPENDABOT.replace('cooldown: { default-days: 5 }', 'cooldown: {}').replace('    cooldown:\n      semver-major-days: 30\n', '').replace('cooldown: { default-days: 3 }', 'cooldown: { default-days: 0 }');
    const found = findings({ [DEPENDABOT_PATH]: text }, 'CI-13');
    expect(found.map((f) => [f.file, f.line, f.column])).toEqual([
      [DEPENDABOT_PATH, ...positionOf(text, '"github-actions"')],
      [DEPENDABOT_PATH, ...positionOf(text, '"uv"')],
      [DEPENDABOT_PATH, ...positionOf(text, '"npm"')],
    ]);
    expect(found[1]!.message).toContain('/api');
    expect(found[0]!.severity).toBe('medium');
  });
  it('flags an ecosystem the repository has that no entry covers, at updates:, naming the directories', () => {
    const noNpm = DEPENDABOT.replace(/  - package-ecosystem: "npm"\n(?:    .*\n)+?(?=  - )/, '');
    expect(noNpm).not.toBe(DEPENDABOT);
    const found = findings({ [DEPENDABOT_PATH]: noNpm }, 'CI-13');
    expect(found.map((f) => [f.file, f.line, f.column])).toEqual([[DEPENDABOT_PATH, 2, 1]]);
    expect(found[0]!.message).toContain('/packages/ui, /web');
    const onlyApiImages = DEPENDABOT.replace('directories: ["/api", "/web"]', 'directory: /api');
    expect(findings({ [DEPENDABOT_PATH]: onlyApiImages }, 'CI-13')).toMatchObject([{ line: 2, message: expect.stringContaining('no docker updates cover /web') }]);
    const noActions = DEPENDABOT.replace('"github-actions"', '"gomod"');
    expect(findings({ [DEPENDABOT_PATH]: noActions }, 'CI-13')).toMatchObject([{ line: 2, message: expect.stringContaining('no github-actions updates') }]);
  });
  it('accepts pip for uv, directories written without slashes, workspace roots, globs, and ignores test fixtures', () => {
    const written = DEPENDABOT.replace('"uv"', 'pip').replace('directory: "/api"', 'directory: api/');
    expect(located({ [DEPENDABOT_PATH]: written, 'tests/fixtures/demo/package.json': '{}\n', 'api/testdata/requirements.txt': 'x\n' }, 'CI-13')).toEqual([]);
    const workspace = DEPENDABOT.replace('directories: ["/web", "/packages/*"]', 'directory: "/"');
    expect(located({ [DEPENDABOT_PATH]: workspace, 'package.json': '{ "workspaces": ["web", "packages/*"] }\n' }, 'CI-13')).toEqual([]);
    expect(located({ [DEPENDABOT_PATH]: workspace }, 'CI-13')).toMatchObject([[DEPENDABOT_PATH, 2, 1]]);
  });
  it('a malformed dependabot.yml becomes a note', () => {
    const dir = writeRepo(goodRepo({ [DEPENDABOT_PATH]: 'version: 2\nupdates: [\n' }));
    dirs.push(dir);
    const result = checkRepository(dir);
    expect(result.findings.filter((f) => f.controlId === 'CI-13')).toEqual([]);
    expect(result.notes).toMatchObject([{ file: DEPENDABOT_PATH, message: expect.stringContaining('malformed YAML') }]);
  });
});

describe('CI-15 CODEOWNERS', () => {
  it('flags a repository with workflows and no CODEOWNERS at line 1 of the first workflow', () => {
    expect(located({ [OWNERS]: undefined }, 'CI-15')).toEqual([[CI, 1, 1]]);
  });
  it('flags workflows, a Dockerfile or db/ that the deciding rule leaves without an owner', () => {
    const noDb = '/.github/ @acme/platform\nDockerfile @acme/platform\n';
    expect(findings({ [OWNERS]: noDb }, 'CI-15')).toMatchObject([{ file: OWNERS, line: 1, column: 1, message: expect.stringContaining('db/migrations/0001_init.sql') }]);
    const unowned = `${CODEOWNERS}/.github/workflows/\n`;
    expect(located({ [OWNERS]: unowned }, 'CI-15')).toEqual([[OWNERS, 6, 1]]);
    const invalidOwner = CODEOWNERS.replace('**/Dockerfile     @acme/platform', 'web/Dockerfile platform-team');
    expect(findings({ [OWNERS]: invalidOwner }, 'CI-15')).toMatchObject([{ line: 4, message: expect.stringContaining('web/Dockerfile') }]);
  });
  it('reads the CODEOWNERS GitHub reads: .github/ before the root before docs/', () => {
    expect(located({ [OWNERS]: undefined, CODEOWNERS }, 'CI-15')).toEqual([]);
    expect(located({ [OWNERS]: undefined, 'docs/CODEOWNERS': CODEOWNERS }, 'CI-15')).toEqual([]);
    expect(located({ [OWNERS]: '/.github/ @acme/platform\nDockerfile @acme/platform\n', CODEOWNERS }, 'CI-15')).toEqual([[OWNERS, 1, 1]]);
  });
  it('accepts a catch-all owner, e-mail owners, comments, and applies docs/* to direct children only', () => {
    expect(located({ [OWNERS]: '# everyone\n* @acme/maintainers # inline comment\n' }, 'CI-15')).toEqual([]);
    expect(located({ [OWNERS]: '*  ops@example.com\ndb/* @acme/dba\n' }, 'CI-15')).toEqual([]);
    // db/* owns db/README.md but not db/migrations/…, which the catch-all rule (with no owner) then decides.
    expect(findings({ [OWNERS]: '*\n/.github/ @a/b\nDockerfile @a/b\ndb/* @acme/dba\n', 'db/README.md': '# db\n' }, 'CI-15')).toMatchObject([{ line: 1, message: expect.stringContaining('db/migrations') }]);
  });
});

describe('OPS-07 security.txt', () => {
  it('flags a repository with workflows and no .well-known/security.txt at line 1 of the first workflow', () => {
    expect(located({ [TXT]: undefined }, 'OPS-07')).toEqual([[CI, 1, 1]]);
    expect(findings({ [TXT]: undefined }, 'OPS-07')[0]!.severity).toBe('low');
  });
  it('flags missing Contact and Expires at line 1, and a bad Contact at its value', () => {
    expect(located({ [TXT]: 'Expires: 2027-06-01T00:00:00Z\n' }, 'OPS-07')).toEqual([[TXT, 1, 1]]);
    expect(located({ [TXT]: 'Contact: mailto:a@example.com\n' }, 'OPS-07')).toEqual([[TXT, 1, 1]]);
    const http = SECURITY_TXT.replace('https://example.com/security', 'http://example.com/security');
    expect(located({ [TXT]: http }, 'OPS-07')).toEqual([[TXT, ...positionOf(http, 'http://')]]);
  });
  it('flags an Expires that is not an RFC 3339 date-time, past, more than 366 days ahead, or repeated, at the value', () => {
    const expires = (value: string) => SECURITY_TXT.replace('2027-06-01T00:00:00.000Z', value);
    for (const value of ['2027-06-01', 'June 1, 2027', '2027-02-30T00:00:00Z', '2026-11-30T23:59:59Z', '2027-12-03T00:00:00Z']) {
      expect(located({ [TXT]: expires(value) }, 'OPS-07'), value).toEqual([[TXT, 4, 10]]);
    }
    expect(findings({ [TXT]: expires('2026-11-30T23:59:59Z') }, 'OPS-07')[0]!.message).toContain('expired');
    const twice = `${SECURITY_TXT}Expires: 2027-05-01T00:00:00Z\n`;
    expect(located({ [TXT]: twice }, 'OPS-07')).toEqual([[TXT, 6, 10]]);
  });
  it('accepts a PGP-signed file, lower-case field names, offsets, and a root .well-known/', () => {
    const signed = `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\ncontact: mailto:security@example.com\nexpires: 2027-11-30T10:00:00+02:00\n- Canonical: https://example.com/.well-known/security.txt\n-----BEGIN PGP SIGNATURE-----\n\niQIzBAEBCgAdFiEE\n-----END PGP SIGNATURE-----\n`;
    expect(located({ [TXT]: signed }, 'OPS-07')).toEqual([]);
    expect(located({ [TXT]: undefined, '.well-known/security.txt': SECURITY_TXT }, 'OPS-07')).toEqual([]);
  });
  it('validates a security.txt in a repository without workflows too, and needs none there', () => {
    const dir = writeRepo({ 'public/.well-known/security.txt': 'Contact: mailto:a@example.com\nExpires: 2020-01-01T00:00:00Z\n' });
    dirs.push(dir);
    expect(findingsFor(dir, 'OPS-07').map((f) => [f.file, f.line, f.column])).toEqual([['public/.well-known/security.txt', 2, 10]]);
    const none = writeRepo({ 'README.md': '# x\n' });
    dirs.push(none);
    expect(findingsFor(none, 'OPS-07')).toEqual([]);
  });
  it('parses RFC 3339 date-times strictly', () => {
    expect(parseRfc3339('2027-01-31T23:59:59Z')).toBe(Date.UTC(2027, 0, 31, 23, 59, 59));
    expect(parseRfc3339('2027-01-31T23:59:59.250+01:30')).toBe(Date.UTC(2027, 0, 31, 22, 29, 59, 250));
    for (const bad of ['2027-01-31', '2027-01-31T23:59:59', '2027-13-01T00:00:00Z', '2027-02-29T00:00:00Z', '2027-01-01T24:00:00Z', ' 2027-01-01T00:00:00Z']) {
      expect(parseRfc3339(bad), bad).toBeUndefined();
    }
  });
});
