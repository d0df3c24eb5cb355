/** Suppressions: comment directives per syntax, ignore-file, `.secure-stack.yaml` entries with globs and expiry. */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isActive, type Finding } from '../../src/check/finding.js';
import { checkRepository } from '../../src/check/run.js';
import { commentSyntaxFor, commentsOnLine, globToRegExp, scanDirectives, type CommentSyntax } from '../../src/check/suppressions.js';
import { UsageError } from '../../src/errors.js';
import { parseManifest } from '../../src/manifest/manifest.js';
import { removeDir } from '../support/cli.js';
import { fakeBaseImageDigests, generateProject } from '../support/project.js';
import { SHA, goodWorkflow, writeRepo } from './helpers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

const A = `sha256:${'a'.repeat(64)}`;
/** Single stage, no USER, no HEALTHCHECK: CTR-01, CTR-03 and CTR-07 at the FROM line. */
const ROOT_DOCKERFILE = `FROM alpine:3.20@${A}\nRUN echo hi\nCMD ["sh"]\n`;
const NOW = new Date('2026-03-15T12:00:00Z');

function repo(files: Record<string, string>): string {
  const dir = writeRepo(files);
  dirs.push(dir);
  return dir;
}

function run(files: Record<string, string>, now = NOW) {
  return checkRepository(repo(files), { now });
}

/** `ID file:line` with how it is suppressed, for one control family prefix or a list of controls. */
function summary(findings: readonly Finding[], controls: readonly string[]): string[] {
  return findings
    .filter((finding) => controls.includes(finding.controlId))
    .map((finding) => `${finding.controlId} ${finding.file}:${finding.line}${finding.suppression ? ` ${finding.suppression.kind}: ${finding.suppression.reason}` : ''}`);
}

function syntaxOf(file: string): CommentSyntax {
  const syntax = commentSyntaxFor(file);
  if (syntax === undefined) throw new Error(`no comment syntax for ${file}`);
  return syntax;
}

const comments = (file: string, line: string) => commentsOnLine(line, syntaxOf(file)).comments.map((comment) => [comment.column, comment.text]);

describe('comment scanner', () => {
  it('knows the comment syntax of each kind of file, and none for JSON or Markdown', () => {
    const names = (files: string[]) => files.map((file) => commentSyntaxFor(file)?.name ?? 'none');
    expect(names(['a.yml', 'x/Dockerfile', 'api.Dockerfile', 'Containerfile.prod', 'app.py', 'run.sh', 'pg_hba.conf', 'pyproject.toml', '.env.local', '.dockerignore', 'requirements-dev.txt'])).toEqual(
      Array(11).fill('hash'),
    );
    expect(names(['db/m.sql', 'web/page.tsx', 'next.config.mjs', 'a.cts', 'package.json', 'README.md', 'notes.txt'])).toEqual(['sql', 'slash', 'slash', 'slash', 'none', 'none', 'none']);
  });
  it('# comments: after whitespace only, never inside quotes; YAML apostrophes and single-quoted backslashes are not escapes', () => {
    expect(comments('a.yml', 'run: echo hi # secure-stack: ignore[CI-05] ok')).toEqual([[14, ' secure-stack: ignore[CI-05] ok']]);
    expect(comments('a.yml', 'run: echo "# secure-stack: ignore[CI-05] x"')).toEqual([]);
    expect(comments('a.yml', "key: 'a # b' # c")).toEqual([[14, ' c']]);
    expect(comments('a.yml', 'url: http://example.com/#anchor')).toEqual([]);
    expect(comments('a.yml', "name: don't # c")).toEqual([[13, ' c']]);
    expect(comments('a.yml', "path: 'C:\\' # c")).toEqual([[13, ' c']]);
    expect(comments('Dockerfile', 'RUN echo "unterminated # not a comment')).toEqual([]);
  });
  it('Python: string prefixes and backslash escapes', () => {
    expect(comments('a.py', 'x = f"# secure-stack: ignore[API-01] r"')).toEqual([]);
    expect(comments('a.py', "x = rb'\\'#' # c")).toEqual([[13, ' c']]);
    expect(comments('a.py', 'def f():  # c')).toEqual([[11, ' c']]);
  });
  it('SQL: -- and /* */ outside strings, quoted identifiers, E-strings and dollar quotes', () => {
    expect(comments('m.sql', "SELECT '--x' -- c")).toEqual([[14, ' c']]);
    expect(comments('m.sql', 'SELECT "a--b" /* c */ FROM t')).toEqual([[15, ' c ']]);
    expect(comments('m.sql', "SELECT E'\\'--' -- c")).toEqual([[16, ' c']]);
    expect(comments('m.sql', 'SELECT $fn$ -- $fn$ -- c')).toEqual([[21, ' c']]);
    expect(comments('m.sql', 'CREATE FUNCTION f() RETURNS int AS $$ -- inside the body')).toEqual([]);
  });
  it('TS/JS: // and /* */ outside strings and templates, JSX {/* */} lines count as comment-only', () => {
    expect(comments('a.ts', 'const a = "// x"; // c')).toEqual([[19, ' c']]);
    expect(comments('a.ts', 'const t = css`a // b`; /* c */')).toEqual([[24, ' c ']]);
    expect(comments('a.tsx', "<p>Don't</p> {/* c */}")).toEqual([[15, ' c ']]);
    expect(commentsOnLine('  {/* secure-stack: ignore[WEB-01] r */}', syntaxOf('a.tsx')).commentOnly).toBe(true);
    expect(commentsOnLine('  // c', syntaxOf('a.ts')).commentOnly).toBe(true);
    expect(commentsOnLine('f(); // c', syntaxOf('a.ts')).commentOnly).toBe(false);
  });
});

describe('directives', () => {
  it('ignore[…] applies to its own line and, as a whole-line comment, to the first line below a run of directive lines', () => {
    const text = ['# secure-stack: ignore[CTR-01] a', '# secure-stack: ignore[CTR-03,CTR-07] b', 'FROM x', 'RUN y # secure-stack: ignore[CTR-06] c', 'RUN z'].join('\n');
    const { byLine, fileWide, notes } = scanDirectives('Dockerfile', text);
    expect(notes).toEqual([]);
    expect(fileWide).toEqual([]);
    const at = (line: number) => (byLine.get(line) ?? []).flatMap((directive) => directive.controlIds);
    expect(at(3)).toEqual(['CTR-01', 'CTR-03', 'CTR-07']);
    expect(at(4)).toEqual(['CTR-06']);
    expect(at(5)).toEqual([]); // a trailing directive does not reach the next line
  });
  it('ignore-file[…] anywhere; notes for no reason, an unknown ID, an empty ID and a malformed directive', () => {
    const text = [
      'x: 1',
      '# secure-stack: ignore[CI-02]',
      '# secure-stack: ignore[CI-99] some reason',
      '# secure-stack: ignore[CI-02,] some reason',
      '# secure-stack: ignroe[CI-02] typo',
      'y: 2  # secure-stack: ignore-file[CI-03] reviewed',
      '# TODO secure-stack: ignore[CI-02] not the whole comment, not a directive',
    ].join('\n');
    const { byLine, fileWide, notes } = scanDirectives('w.yml', text);
    expect(fileWide.map((directive) => [directive.controlIds, directive.reason, directive.line])).toEqual([[['CI-03'], 'reviewed', 6]]);
    expect(byLine.size).toBe(0);
    expect(notes.map((note) => [note.line, note.column])).toEqual([
      [2, 1],
      [3, 1],
      [4, 1],
      [5, 1],
    ]);
    expect(notes[0]!.message).toMatch(/has no reason.*not honoured/);
    expect(notes[1]!.message).toMatch(/unknown control ID "CI-99"/);
    expect(notes[2]!.message).toMatch(/control ID is missing/);
    expect(notes[3]!.message).toMatch(/malformed secure-stack directive/);
  });
  it('SQL, TS and JSX comment forms', () => {
    expect(scanDirectives('m.sql', "GRANT SELECT ON t TO PUBLIC; -- secure-stack: ignore[DB-02] lookup table\n").byLine.get(1)?.[0]?.reason).toBe('lookup table');
    expect(scanDirectives('m.sql', "/* secure-stack: ignore-file[DB-03] reference data */\n").fileWide).toHaveLength(1);
    const tsx = ['export function Page() {', '  return (', '    <div>', '      {/* secure-stack: ignore[WEB-01] static demo page */}', '      <p>x</p>', '    </div>', '  );', '}'].join('\n');
    expect([...scanDirectives('app/page.tsx', tsx).byLine.keys()]).toEqual([4, 5]);
    expect(scanDirectives('a.ts', 'const s = "// secure-stack: ignore[WEB-01] in a string";').byLine.size).toBe(0);
    expect(scanDirectives('package.json', '{"x": "# secure-stack: ignore[WEB-01] r"}').byLine.size).toBe(0);
  });
});

describe('inline suppressions in a checked repository', () => {
  it('a directive on the line above suppresses that finding only; the others still count', () => {
    const result = run({ Dockerfile: `# secure-stack: ignore[CTR-01] the base image's default user is 65532\n${ROOT_DOCKERFILE}` });
    expect(summary(result.findings, ['CTR-01', 'CTR-03', 'CTR-07'])).toEqual([
      "CTR-01 Dockerfile:2 inline: the base image's default user is 65532",
      'CTR-03 Dockerfile:2',
      'CTR-07 Dockerfile:2',
    ]);
    expect(result.findings.filter((f) => f.controlId === 'CTR-01').map(isActive)).toEqual([false]);
    expect(result.notes).toEqual([]);
  });
  it('a directive on the same line, several IDs, in a workflow', () => {
    const workflow = goodWorkflow(`      - uses: actions/setup-node@v4 # secure-stack: ignore[CI-02,CI-05] vendored, reviewed by security\n      - uses: actions/cache@v4\n`);
    const result = run({ '.github/workflows/ci.yml': workflow });
    expect(summary(result.findings, ['CI-02'])).toEqual([
      'CI-02 .github/workflows/ci.yml:13 inline: vendored, reviewed by security',
      'CI-02 .github/workflows/ci.yml:14',
    ]);
  });
  it('a directive without a reason is not honoured: the finding stays and a note points at the directive', () => {
    const result = run({ Dockerfile: `# secure-stack: ignore[CTR-01]\n${ROOT_DOCKERFILE}` });
    expect(summary(result.findings, ['CTR-01'])).toEqual(['CTR-01 Dockerfile:2']);
    expect(result.notes).toEqual([{ file: 'Dockerfile', line: 1, column: 1, message: expect.stringMatching(/ignore\[CTR-01\] has no reason/) }]);
  });
  it('an unknown ID is a note; a known but different ID suppresses nothing and is no note', () => {
    const result = run({ Dockerfile: `# secure-stack: ignore[CTR-1] typo in the ID\n${ROOT_DOCKERFILE}`, 'b/Dockerfile': `# secure-stack: ignore[CTR-02] not this finding\n${ROOT_DOCKERFILE}` });
    expect(summary(result.findings, ['CTR-01'])).toEqual(['CTR-01 Dockerfile:2', 'CTR-01 b/Dockerfile:2']);
    expect(result.notes.map((note) => `${note.file}:${note.line} ${note.message}`)).toEqual([expect.stringMatching(/^Dockerfile:1 ignore\[CTR-1\]: unknown control ID "CTR-1"; not honoured$/)]);
  });
  it('a directive two lines above, or inside a string on the line, does not count', () => {
    const farAbove = run({ Dockerfile: `# secure-stack: ignore[CTR-01] too far\n\n${ROOT_DOCKERFILE}` });
    expect(summary(farAbove.findings, ['CTR-01'])).toEqual(['CTR-01 Dockerfile:3']);
    const inString = goodWorkflow('      - run: echo "${{ github.event.issue.title }} # secure-stack: ignore[CI-05] smuggled"\n');
    const result = run({ '.github/workflows/ci.yml': inString });
    expect(summary(result.findings, ['CI-05'])).toEqual(['CI-05 .github/workflows/ci.yml:13']);
  });
  it('ignore-file anywhere in the file covers every finding of its controls there, not in other files', () => {
    const text = `${ROOT_DOCKERFILE}# secure-stack: ignore-file[CTR-03,CTR-07] tiny debug image, never deployed\n`;
    const result = run({ 'tools/debug/Dockerfile': text, Dockerfile: ROOT_DOCKERFILE });
    expect(summary(result.findings, ['CTR-01', 'CTR-03', 'CTR-07'])).toEqual([
      'CTR-01 Dockerfile:1',
      'CTR-03 Dockerfile:1',
      'CTR-07 Dockerfile:1',
      'CTR-01 tools/debug/Dockerfile:1',
      'CTR-03 tools/debug/Dockerfile:1 file: tiny debug image, never deployed',
      'CTR-07 tools/debug/Dockerfile:1 file: tiny debug image, never deployed',
    ]);
  });
  it('SQL -- directives on the finding line', () => {
    const result = run({ 'db/migrations/0001_x.up.sql': 'GRANT SELECT ON app.countries TO PUBLIC; -- secure-stack: ignore[DB-02] public reference data\nGRANT SELECT ON app.t TO PUBLIC;\n' });
    expect(summary(result.findings, ['DB-02'])).toEqual(['DB-02 db/migrations/0001_x.up.sql:1 inline: public reference data', 'DB-02 db/migrations/0001_x.up.sql:2']);
  });
});

const manifest = (entries: string) => `suppressions:\n${entries}`;

describe('.secure-stack.yaml suppressions', () => {
  it('a glob entry with reason and owner suppresses matching files only; line narrows it', () => {
    const result = run({
      'services/a/Dockerfile': ROOT_DOCKERFILE,
      'services/b/deep/Dockerfile': ROOT_DOCKERFILE,
      Dockerfile: ROOT_DOCKERFILE,
      '.secure-stack.yaml': manifest(
        [
          '  - control: CTR-01',
          '    path: "services/**/Dockerfile"',
          '    reason: legacy services, replaced in Q3',
          '    owner: "@platform"',
          '    expires: 2026-09-30',
          '  - { control: CTR-07, path: Dockerfile, line: 1, reason: compose defines the healthcheck, owner: ops@example.com }',
          '  - { control: CTR-03, path: Dockerfile, line: 2, reason: wrong line, owner: ops@example.com }',
        ].join('\n') + '\n',
      ),
    });
    expect(summary(result.findings, ['CTR-01', 'CTR-03', 'CTR-07'])).toEqual([
      'CTR-01 Dockerfile:1',
      'CTR-03 Dockerfile:1',
      'CTR-07 Dockerfile:1 manifest: compose defines the healthcheck',
      'CTR-01 services/a/Dockerfile:1 manifest: legacy services, replaced in Q3',
      'CTR-03 services/a/Dockerfile:1',
      'CTR-07 services/a/Dockerfile:1',
      'CTR-01 services/b/deep/Dockerfile:1 manifest: legacy services, replaced in Q3',
      'CTR-03 services/b/deep/Dockerfile:1',
      'CTR-07 services/b/deep/Dockerfile:1',
    ]);
    expect(result.findings.find((f) => f.file === 'services/a/Dockerfile' && f.controlId === 'CTR-01')!.suppression).toEqual({
      kind: 'manifest',
      reason: 'legacy services, replaced in Q3',
      owner: '@platform',
      expires: '2026-09-30',
    });
    expect(result.notes).toEqual([]);
  });
  it('is honoured through its expiry day (UTC); after it the findings count again with a note at the entry', () => {
    const files = {
      Dockerfile: ROOT_DOCKERFILE,
      '.secure-stack.yaml': manifest('  - control: CTR-01\n    path: Dockerfile\n    reason: r\n    owner: o\n    expires: 2026-03-15\n  - { control: CTR-02, path: nothing/**, reason: r, owner: o, expires: 2020-01-01 }\n'),
    };
    expect(summary(run(files, new Date('2026-03-15T23:59:59Z')).findings, ['CTR-01'])).toEqual(['CTR-01 Dockerfile:1 manifest: r']);
    const later = run(files, new Date('2026-03-16T00:00:00Z'));
    expect(summary(later.findings, ['CTR-01'])).toEqual(['CTR-01 Dockerfile:1']);
    expect(later.notes).toEqual([
      { file: '.secure-stack.yaml', line: 2, message: 'suppression of CTR-01 for Dockerfile (owner: o) expired on 2026-03-15: 1 finding(s) count again' },
      { file: '.secure-stack.yaml', line: 7, message: 'suppression of CTR-02 for nothing/** (owner: o) expired on 2020-01-01: it matches no finding any more; remove it' },
    ]);
  });
  it('an invalid section is a one-line usage error at its file:line:col, before anything is checked', () => {
    const cases: Array<[string, RegExp]> = [
      ['  - { control: CTR-01, path: Dockerfile, owner: o }\n', /\.secure-stack\.yaml:2:5: suppressions\.0\.reason: /],
      ['  - { control: CTR-01, path: Dockerfile, reason: "  ", owner: o }\n', /suppressions\.0\.reason: a reason is required/],
      ['  - { control: CTR-01, path: Dockerfile, reason: r }\n', /suppressions\.0\.owner: /],
      ['  - { control: CTR-99, path: Dockerfile, reason: r, owner: o }\n', /:2:7: suppressions\.0\.control: is not a control ID of the catalog/],
      ['  - { control: CTR-01, path: /etc/Dockerfile, reason: r, owner: o }\n', /suppressions\.0\.path: must be a POSIX path or glob relative/],
      ['  - { control: CTR-01, path: ../Dockerfile, reason: r, owner: o }\n', /suppressions\.0\.path: /],
      ['  - { control: CTR-01, path: Dockerfile, reason: r, owner: o, expires: 2026-02-30 }\n', /suppressions\.0\.expires: is not a calendar date/],
      ['  - { control: CTR-01, path: Dockerfile, reason: r, owner: o, expires: next week }\n', /suppressions\.0\.expires: must be a date YYYY-MM-DD/],
      ['  - { control: CTR-01, path: Dockerfile, reason: r, owner: o, line: 0 }\n', /suppressions\.0\.line: /],
      ['  - { control: CTR-01, path: Dockerfile, reason: r, owner: o, until: x }\n', /unknown key "until"/],
      ['  control: CTR-01\n', /suppressions: /],
      ['  - [\n', /invalid YAML/],
    ];
    for (const [entries, expected] of cases) {
      const dir = repo({ Dockerfile: ROOT_DOCKERFILE, '.secure-stack.yaml': manifest(entries) });
      let error: unknown;
      try {
        checkRepository(dir, { now: NOW });
      } catch (thrown) {
        error = thrown;
      }
      expect(error, entries).toBeInstanceOf(UsageError);
      expect((error as Error).message, entries).toMatch(expected);
      expect((error as Error).message).not.toContain('\n');
      expect((error as Error).message.startsWith(path.join(dir, '.secure-stack.yaml'))).toBe(true);
    }
  });
  it('a file with only suppressions, an empty section and other keys are fine; they are not checked here', () => {
    expect(run({ '.secure-stack.yaml': 'suppressions:\n', Dockerfile: ROOT_DOCKERFILE }).notes).toEqual([]);
    expect(run({ '.secure-stack.yaml': 'whatever: 1\n', Dockerfile: ROOT_DOCKERFILE }).notes).toEqual([]);
  });
});

describe('a generated stack', () => {
  let generated: string;
  beforeAll(async () => {
    generated = (await generateProject({}, { baseImageDigests: await fakeBaseImageDigests() })).dir;
    dirs.push(generated);
  });
  it('its manifest accepts suppressions (the other commands still read it) and check honours them', () => {
    const manifestPath = path.join(generated, '.secure-stack.yaml');
    const original = readFileSync(manifestPath, 'utf8');
    const dockerfile = path.join(generated, 'api/Dockerfile');
    const dockerfileText = readFileSync(dockerfile, 'utf8');
    const userLine = dockerfileText.split('\n').findIndex((line) => line.startsWith('USER ')) + 1;
    expect(userLine).toBeGreaterThan(0);
    try {
      writeFileSync(dockerfile, dockerfileText.replace(/^USER .*\n/m, ''));
      const mutated = checkRepository(generated, { now: NOW });
      const ctr01 = mutated.findings.filter((f) => f.controlId === 'CTR-01');
      expect(ctr01.map((f) => [f.file, isActive(f)])).toEqual([['api/Dockerfile', true]]);
      const withSuppression = `${original}suppressions:\n  - control: CTR-01\n    path: api/Dockerfile\n    reason: runs as the distroless nonroot user\n    owner: "@api-team"\n`;
      writeFileSync(manifestPath, withSuppression);
      expect(parseManifest(withSuppression).suppressions).toHaveLength(1);
      const result = checkRepository(generated, { now: NOW });
      expect(result.findings.filter((f) => f.controlId === 'CTR-01').map((f) => [f.file, f.suppression?.kind])).toEqual([['api/Dockerfile', 'manifest']]);
      expect(result.findings.filter((f) => f.file === 'api/Dockerfile' && isActive(f))).toEqual([]);
      expect(result.notes.filter((note) => note.file === '.secure-stack.yaml' || note.file === 'api/Dockerfile')).toEqual([]);
    } finally {
      writeFileSync(manifestPath, original);
      writeFileSync(dockerfile, dockerfileText);
    }
  });
});

describe('a project that was not generated here', () => {
  it('suppresses the way a maintainer writes it: compose comments, an SQL ignore-file, a manifest with only suppressions', () => {
    const result = run({
      'deploy/compose.yaml': `services:
  agent:
    image: datadog/agent:7
    # secure-stack: ignore[CTR-11] the monitoring agent reads the host's /proc by design
    pid: host
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock:ro  # secure-stack: ignore[CTR-11] container metrics
  web:
    image: ghcr.io/acme/web:1.4.2
    privileged: true
`,
      'db/migrations/0003_lookup.sql': `-- Reference data shared by every tenant.
-- secure-stack: ignore-file[DB-03] read-only reference table, no tenant data
CREATE TABLE app.countries (code char(2) PRIMARY KEY, name text NOT NULL);
GRANT SELECT ON app.countries TO PUBLIC;
`,
      'examples/basic/Dockerfile': ROOT_DOCKERFILE,
      'examples/.gitignore': 'generated/\n',
      'examples/generated/Dockerfile': ROOT_DOCKERFILE,
      '.secure-stack.yaml': `# Accepted findings of secure-stack check; reviewed every quarter.
suppressions:
  - control: CTR-01
    path: examples/**
    reason: examples are never deployed
    owner: "@docs-team"
    expires: 2026-06-30
`,
    });
    expect(summary(result.findings, ['CTR-11', 'DB-02', 'DB-03'])).toEqual([
      'DB-03 db/migrations/0003_lookup.sql:3 file: read-only reference table, no tenant data',
      'DB-02 db/migrations/0003_lookup.sql:4',
      "CTR-11 deploy/compose.yaml:5 inline: the monitoring agent reads the host's /proc by design",
      'CTR-11 deploy/compose.yaml:7 inline: container metrics',
      'CTR-11 deploy/compose.yaml:10',
    ]);
    expect(summary(result.findings, ['CTR-01'])).toEqual(['CTR-01 examples/basic/Dockerfile:1 manifest: examples are never deployed']);
    expect(result.notes).toEqual([]);
  });
});

describe('globs', () => {
  it('match whole root-relative paths with *, **, ? and {a,b}', () => {
    const matches = (glob: string, file: string) => globToRegExp(glob).test(file);
    expect(matches('Dockerfile', 'Dockerfile')).toBe(true);
    expect(matches('Dockerfile', 'api/Dockerfile')).toBe(false);
    expect(matches('**/Dockerfile', 'Dockerfile')).toBe(true);
    expect(matches('**/Dockerfile', 'a/b/Dockerfile')).toBe(true);
    expect(matches('legacy/**', 'legacy/a/b.yml')).toBe(true);
    expect(matches('legacy/**', 'legacyx/a.yml')).toBe(false);
    expect(matches('*.yml', 'a/b.yml')).toBe(false);
    expect(matches('.github/workflows/*.{yml,yaml}', '.github/workflows/ci.yaml')).toBe(true);
    expect(matches('db/migrations/000?_*.sql', 'db/migrations/0001_init.sql')).toBe(true);
    expect(matches('a.b', 'axb')).toBe(false);
    expect(matches('[x].yml', '[x].yml')).toBe(true);
  });
});

it('the fixture workflow is clean when pinned, so the findings above come from the edits', () => {
  const result = run({ '.github/workflows/ci.yml': goodWorkflow(`      - uses: actions/setup-node@${SHA} # v4\n`) });
  // Repository-level controls (CodeQL, CODEOWNERS, …) fire on any lone workflow; the per-workflow ones must not.
  expect(result.findings.filter((f) => ['CI-01', 'CI-02', 'CI-03', 'CI-04', 'CI-05'].includes(f.controlId))).toEqual([]);
});
