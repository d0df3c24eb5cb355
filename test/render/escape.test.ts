/**
 * Every escaping helper is proven against the real parser or interpreter of its target:
 * libpg-query (and psql against a throwaway server when PostgreSQL binaries are installed), the `yaml` package,
 * GitHub's own workflow parser and expression evaluator, sh/bash, python3, node:vm, smol-toml and marked.
 * One shared hostile corpus goes through every helper; each value is either refused with a RenderError (only where
 * the target cannot hold it) or read back by the target as exactly the input.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canSkip, skipOrFail } from '../support/tools.js';
import YAML from 'yaml';
import { parse as parseToml } from 'smol-toml';
import { Marked } from 'marked';
import { loadModule as loadPgParser, parseSync as parsePgSync } from 'libpg-query';
import { Evaluator, Lexer, Parser, data } from '@actions/expressions';
// Deep imports: the package index statically imports its schema JSON without an import attribute, which Node
// refuses; these modules do not, and the schema is loaded from the file below instead.
import { TemplateContext, TemplateValidationErrors } from '@actions/workflow-parser/templates/template-context';
import { TemplateSchema } from '@actions/workflow-parser/templates/schema/index';
import { JSONObjectReader } from '@actions/workflow-parser/templates/json-object-reader';
import { readTemplate } from '@actions/workflow-parser/templates/template-reader';
import { YamlObjectReader } from '@actions/workflow-parser/workflows/yaml-object-reader';
import { NoOperationTraceWriter } from '@actions/workflow-parser/templates/trace-writer';
import {
  isBasicExpression,
  isMapping,
  isSequence,
  isString,
} from '@actions/workflow-parser/templates/tokens/type-guards';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import { RenderError } from '../../src/errors.js';
import {
  ESCAPE_HELPERS,
  ghaStr,
  ident,
  jsStr,
  json,
  lineValue,
  mdText,
  mermaidText,
  pyStr,
  shellQuote,
  sqlIdent,
  sqlLiteral,
  tomlStr,
  yamlStr,
} from '../../src/render/escape.js';

type HelperName = keyof typeof ESCAPE_HELPERS;
const HELPER_NAMES = Object.keys(ESCAPE_HELPERS) as HelperName[];

// ---------------------------------------------------------------------------------------------------------------
// The shared corpus
// ---------------------------------------------------------------------------------------------------------------

const LONG_PLAIN = 'a'.repeat(20_000);
const LONG_MIXED = `'"\\$\`{}<>|#*_[]()!-.:/\n\r\t\u2028é😀\${{ x }}`.repeat(400);

const HOSTILE: readonly string[] = [
  "'; DROP TABLE users; --",
  '" OR "1"="1',
  '$(rm -rf /)',
  '`id`',
  '${{ github.event.issue.title }}',
  '{{constructor}}',
  'a\nb',
  'a\r\nb',
  '\r',
  '\u2028',
  '\u2029',
  '\u0085',
  '\x00',
  'a\x00b',
  '\x1b[31m',
  '\\',
  "'",
  '"',
  "\\'",
  '</script><script>alert(1)</script>',
  '[x](javascript:alert(1))',
  '![x](http://evil)',
  '| a | b |',
  '# heading',
  '😀',
  'é',
  '\ud800',
  'a\udc00b',
  '\ude00\ud83d',
  LONG_PLAIN,
  LONG_MIXED,
  // GitHub Actions expressions
  '${{',
  '$${{ x }}',
  "${{ '$' }}",
  "${{ ' }}",
  '${{ secrets.TOKEN }}${{ github.token }}',
  '}}',
  'x}}y',
  '{0}',
  // psql variables and meta-commands, dollar quoting
  ':foo',
  ":'foo'",
  ':"foo"',
  ':{?foo}',
  '\\! id',
  '\\gexec',
  '$$',
  '$tag$ x $tag$',
  // escape-sequence look-alikes for the various targets
  '\\x41',
  '\\u0041',
  '\\U0001F600',
  '\\N{BULLET}',
  '\\n',
  '\\0',
  '%s%n',
  // controls and invisible characters
  '\t',
  '\b\f\v',
  '\x7f',
  '\x9b',
  '\ufeff',
  '\u202eevil',
  '\u200b',
  // YAML
  'key: value',
  '- item',
  '? q',
  '&anchor',
  '*alias',
  '!!python/object',
  '%YAML 1.1',
  '@x',
  'null',
  '~',
  'true',
  '0x1F',
  '1e3',
  ' lead',
  'trail ',
  '#notcomment',
  'a # b',
  '...',
  // HTML / Markdown
  '<!--',
  ']]>',
  'http://evil',
  'www.evil.com',
  'https://evil.example.com/x?y=1',
  '<https://evil>',
  '[ref]: http://evil',
  '[x][ref]',
  '1. one',
  '2) two',
  '> quote',
  '    indented',
  '***',
  '---',
  '===',
  '+ plus',
  '**b** _e_ ~~d~~ `c`',
  '$x$',
  '&lt;b&gt;',
  '&#60;img&#62;',
  '<b>x</b>',
  'trailing  ',
  'a\\',
  '<img src=x onerror=alert(1)>',
  // shell
  ';',
  'a; id',
  '*',
  '~',
  '~root',
  '-n',
  '--help',
  '-e \\n',
  'a b',
  '$HOME',
  '${HOME}',
  '"$(id)"',
  "'$(id)'",
  "'''",
  '""""',
];

const BENIGN: readonly string[] = [
  '',
  'my-project',
  'my_project',
  'Acme Payments API',
  'https://login.example.com/realms/acme',
  'api://acme-api',
  'alice@example.com',
  "Alice O'Brien",
  '2024-01-31',
  'app_user',
  'snake_case.v2',
  'Zürich café',
  '東京',
  'a'.repeat(63),
  'é'.repeat(31),
  'a'.repeat(64),
  '😀'.repeat(16),
  'x'.repeat(214),
  'x'.repeat(215),
];

const CORPUS: readonly string[] = [...HOSTILE, ...BENIGN];

const hasLoneSurrogate = (v: string): boolean => /\p{Cs}/u.test(v);
const hasNul = (v: string): boolean => v.includes('\0');

/** What each helper must refuse: only what its target cannot hold (or, for sqlIdent/ident, what they exclude by design). */
const REFUSES: Record<HelperName, (v: string) => boolean> = {
  sqlIdent: (v) =>
    hasLoneSurrogate(v) || v === '' || /[\x00-\x1f\x7f]/.test(v) || Buffer.byteLength(v, 'utf8') > 63,
  sqlLiteral: (v) => hasLoneSurrogate(v) || hasNul(v),
  yamlStr: hasLoneSurrogate,
  ghaStr: hasLoneSurrogate,
  shellQuote: (v) => hasLoneSurrogate(v) || hasNul(v),
  pyStr: hasLoneSurrogate,
  jsStr: hasLoneSurrogate,
  tomlStr: hasLoneSurrogate,
  mdText: (v) => hasLoneSurrogate(v) || hasNul(v),
  ident: (v) => !(v.length <= 214 && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(v)),
  json: hasLoneSurrogate,
  mermaidText: (v) => hasLoneSurrogate(v) || /[\r\n\u2028\u2029\u0085]/.test(v),
  lineValue: (v) => hasLoneSurrogate(v) || /[\p{Cc}\p{Zl}\p{Zp}]/u.test(v) || v.trim() !== v || v === '',
};

const accepted = (name: HelperName): string[] => CORPUS.filter((v) => !REFUSES[name](v));

/** Characters that must never appear raw in an error message. */
const RAW_UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

const short = (v: unknown): string => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 80 ? `${text.slice(0, 80)}… (${text.length} chars)` : text;
};

/** Strict equality with a short failure message (the corpus has 20,000-character values). */
function expectSame(actual: unknown, expected: unknown, label: string): void {
  // JSON comparison, not deep equality: values from vm contexts and parsers have foreign or null prototypes.
  const same = typeof actual === 'string' ? actual === expected : JSON.stringify(actual) === JSON.stringify(expected);
  if (!same) expect.fail(`${label}: got ${short(actual)}, expected ${short(expected)}`);
}

function expectRenderError(fn: () => unknown, helper: string): RenderError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught, `${helper} should throw`).toBeInstanceOf(RenderError);
  const error = caught as RenderError;
  expect(error.message.startsWith(`${helper}: `)).toBe(true);
  expect(error.message).not.toMatch(RAW_UNSAFE);
  expect(error.message.length).toBeLessThan(250);
  return error;
}

// ---------------------------------------------------------------------------------------------------------------
// Sandbox for everything that runs a shell: PATH holds only stubs that record being called.
// ---------------------------------------------------------------------------------------------------------------

const sandbox = mkdtempSync(join(tmpdir(), 'escape-test-'));
const stubBin = join(sandbox, 'bin');
const marker = join(sandbox, 'INJECTED');
mkdirSync(stubBin);
for (const cmd of ['rm', 'id', 'alert', 'touch', 'curl', 'evil', 'ls', 'cat', 'echo']) {
  const path = join(stubBin, cmd);
  writeFileSync(path, `#!/bin/sh\nprintf '%s\\n' "${cmd} $*" >> '${marker}'\n`);
  chmodSync(path, 0o755);
}
const sandboxEnv = { PATH: stubBin, MARKER: marker, HOME: sandbox, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
afterAll(() => rmSync(sandbox, { recursive: true, force: true }));

function expectNothingInjected(): void {
  expect(existsSync(marker) ? readFileSync(marker, 'utf8') : '').toBe('');
}

// ---------------------------------------------------------------------------------------------------------------
// Common contract
// ---------------------------------------------------------------------------------------------------------------

describe('common contract', () => {
  it('ESCAPE_HELPERS registers exactly the thirteen helpers', () => {
    expect(HELPER_NAMES.sort()).toEqual(
      ['ghaStr', 'ident', 'json', 'jsStr', 'lineValue', 'mdText', 'mermaidText', 'pyStr', 'shellQuote', 'sqlIdent', 'sqlLiteral', 'tomlStr', 'yamlStr'].sort(),
    );
    for (const name of HELPER_NAMES) expect(typeof ESCAPE_HELPERS[name]).toBe('function');
  });

  it.each(HELPER_NAMES)('%s refuses exactly the corpus values its target cannot hold, with a clean one-line message', (name) => {
    const helper = ESCAPE_HELPERS[name];
    let refused = 0;
    for (const v of CORPUS) {
      if (REFUSES[name](v)) {
        expectRenderError(() => helper(v), name);
        refused++;
      } else {
        expect(typeof helper(v)).toBe('string');
      }
    }
    expect(refused).toBeGreaterThan(0);
    expect(CORPUS.length - refused).toBeGreaterThan(name === 'ident' || name === 'sqlIdent' ? 10 : 100);
  });

  it.each(HELPER_NAMES.filter((n) => n !== 'json'))('%s refuses missing and structured values and converts scalars with String()', (name) => {
    const helper = ESCAPE_HELPERS[name];
    for (const bad of [undefined, null, {}, [], ['a'], () => 'x', Symbol('s'), Number.NaN, Number.POSITIVE_INFINITY]) {
      const error = expectRenderError(() => helper(bad), name);
      expect(error.message).not.toContain('"undefined"');
    }
    expect(expectRenderError(() => helper(undefined), name).message).toContain('got undefined');
    expect(helper(42)).toBe(helper('42'));
    expect(helper(true)).toBe(helper('true'));
    expect(helper(10n)).toBe(helper('10'));
  });

  it('error messages are JSON-escaped, truncated, and never echo raw control characters', () => {
    const nasty = `\x1b[31m\u2028\u202e\x00${'x'.repeat(500)}`;
    for (const name of ['sqlLiteral', 'shellQuote', 'mdText'] as const) {
      const error = expectRenderError(() => ESCAPE_HELPERS[name](nasty), name);
      expect(error.message).toContain('NUL');
      expect(error.message).toContain('\\u001B[31m');
      expect(error.message).toContain('…');
    }
    expect(expectRenderError(() => yamlStr('\ud800'), 'yamlStr').message).toContain('\\uD800');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// SQL
// ---------------------------------------------------------------------------------------------------------------

interface PgResTarget {
  ResTarget: { name?: string; val?: { A_Const?: { sval?: { sval?: string } } } };
}
interface PgParseResult {
  stmts: { stmt: { SelectStmt?: { targetList?: PgResTarget[] }; CreateRoleStmt?: { role?: string } } }[];
}
const pgParse = (sql: string): PgParseResult => parsePgSync(sql) as unknown as PgParseResult;

describe('sqlLiteral / sqlIdent (libpg-query: the real PostgreSQL parser)', () => {
  beforeAll(async () => {
    await loadPgParser();
  });

  it('sqlLiteral: SELECT <literal> parses to a single A_Const holding exactly the value', () => {
    for (const v of accepted('sqlLiteral')) {
      const lit = sqlLiteral(v);
      expect(lit).not.toMatch(/[\x00-\x1f\x7f]/);
      const tree = pgParse(`SELECT ${lit} AS c, 2 AS d; SELECT 3`);
      expect(tree.stmts).toHaveLength(2);
      const targets = tree.stmts[0]?.stmt.SelectStmt?.targetList ?? [];
      expect(targets).toHaveLength(2);
      expect(targets[0]?.ResTarget.name).toBe('c');
      expectSame(targets[0]?.ResTarget.val?.A_Const?.sval?.sval ?? '', v, `A_Const of ${short(lit)}`);
    }
  });

  it('sqlLiteral: plain quoting without backslashes, E-string with them', () => {
    expect(sqlLiteral("it's")).toBe("'it''s'");
    expect(sqlLiteral('a\\b')).toBe("E'a\\\\b'");
    expect(sqlLiteral("\\'")).toBe("E'\\\\'''");
    expect(sqlLiteral('a\nb')).toBe("E'a\\nb'");
    expect(sqlLiteral('')).toBe("''");
  });

  it('sqlIdent: SELECT 1 AS <ident> and CREATE ROLE <ident> parse to exactly the name', () => {
    for (const v of accepted('sqlIdent')) {
      const id = sqlIdent(v);
      const tree = pgParse(`SELECT 1 AS ${id}, 2 AS d; CREATE ROLE ${id}`);
      expect(tree.stmts).toHaveLength(2);
      const targets = tree.stmts[0]?.stmt.SelectStmt?.targetList ?? [];
      expect(targets).toHaveLength(2);
      expect(targets[0]?.ResTarget.name).toBe(v);
      expect(tree.stmts[1]?.stmt.CreateRoleStmt?.role).toBe(v);
    }
  });

  it('sqlIdent: refuses the empty string, NUL and names PostgreSQL would truncate (63 bytes)', () => {
    expect(sqlIdent('a'.repeat(63))).toBe(`"${'a'.repeat(63)}"`);
    expect(sqlIdent('My "Quoted" Name')).toBe('"My ""Quoted"" Name"');
    expectRenderError(() => sqlIdent(''), 'sqlIdent');
    expectRenderError(() => sqlIdent('a\x00b'), 'sqlIdent');
    expect(expectRenderError(() => sqlIdent('a'.repeat(64)), 'sqlIdent').message).toContain('64 bytes');
    expect(expectRenderError(() => sqlIdent('é'.repeat(32)), 'sqlIdent').message).toContain('64 bytes');
  });
});

/** A throwaway PostgreSQL server on a Unix socket in a temp dir, to run real psql scripts (about one second). */
function findPgBin(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((d) => existsSync(join(base, d, 'bin', 'initdb')) && existsSync(join(base, d, 'bin', 'psql')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(base, versions[0], 'bin');
}

describe('sqlLiteral / sqlIdent through psql and a real server', () => {
  const pgBin = findPgBin();
  let socketDir: string | undefined;
  let skipReason: string | undefined = pgBin === undefined ? 'no PostgreSQL binaries under /usr/lib/postgresql' : undefined;
  const isRoot = process.getuid?.() === 0;
  const asPg = (cmd: string, args: string[]): void => {
    if (isRoot) execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' });
    else execFileSync(cmd, args, { stdio: 'pipe' });
  };

  beforeAll(() => {
    if (pgBin === undefined) return;
    try {
      socketDir = mkdtempSync(join(tmpdir(), 'escape-pg-'));
      if (isRoot) {
        const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
        const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
        chownSync(socketDir, uid, gid);
      }
      const dataDir = join(socketDir, 'data');
      asPg(join(pgBin, 'initdb'), ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8']);
      asPg(join(pgBin, 'pg_ctl'), [
        '-D', dataDir, '-w', '-s', '-l', join(socketDir, 'log'),
        '-o', `-k ${socketDir} -c listen_addresses= -F`, 'start',
      ]);
    } catch (error) {
      skipReason = `could not start a throwaway PostgreSQL server: ${String(error).split('\n')[0]}`;
    }
  }, 60_000);

  afterAll(() => {
    if (pgBin !== undefined && socketDir !== undefined) {
      try {
        asPg(join(pgBin, 'pg_ctl'), ['-D', join(socketDir, 'data'), '-m', 'immediate', '-s', 'stop']);
      } catch {
        // not running
      }
      rmSync(socketDir, { recursive: true, force: true });
    }
  }, 60_000);

  function psql(script: string): string[] {
    const file = join(sandbox, 'script.sql');
    writeFileSync(file, script);
    const out = execFileSync(
      join(pgBin ?? '', 'psql'),
      ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-v', 'foo=INJECTED', '-h', socketDir ?? '', '-U', 'postgres', '-d', 'postgres', '-f', file],
      { env: { ...sandboxEnv, PGCLIENTENCODING: 'UTF8', PGCONNECT_TIMEOUT: '10' }, maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return out.toString('utf8').split('\n').filter((line) => line !== '');
  }

  const hex = (v: string): string => Buffer.from(v, 'utf8').toString('hex');

  it.for(['on', 'off'])('sqlLiteral reads back exactly with standard_conforming_strings = %s, psql :vars untouched', (scs, ctx) => {
    if (skipReason !== undefined) return skipOrFail(ctx, skipReason);
    const values = accepted('sqlLiteral');
    const script = [
      `SET standard_conforming_strings = ${scs};`,
      'SET escape_string_warning = off;',
      ...values.map((v) => `SELECT 'L' || encode(convert_to(${sqlLiteral(v)}, 'UTF8'), 'hex');`),
      "SELECT 'END';",
    ].join('\n');
    const lines = psql(script);
    expect(lines).toHaveLength(values.length + 1);
    values.forEach((v, i) => expectSame(lines[i], `L${hex(v)}`, `psql value of ${short(sqlLiteral(v))}`));
    expectNothingInjected();
  });

  it('sqlIdent names a real column exactly, psql :vars untouched', (ctx) => {
    if (skipReason !== undefined) return skipOrFail(ctx, skipReason);
    const values = accepted('sqlIdent');
    const script = [
      ...values.map(
        (v) => `SELECT 'I' || encode(convert_to(k, 'UTF8'), 'hex') FROM (SELECT 1 AS ${sqlIdent(v)}) s, json_object_keys(row_to_json(s)) k;`,
      ),
      "SELECT 'END';",
    ].join('\n');
    const lines = psql(script);
    expect(lines).toHaveLength(values.length + 1);
    values.forEach((v, i) => expectSame(lines[i], `I${hex(v)}`, `psql column name of ${short(sqlIdent(v))}`));
    expectNothingInjected();
  });

  it('control: psql does interpolate :var outside quotes (so the checks above are meaningful)', (ctx) => {
    if (skipReason !== undefined) return skipOrFail(ctx, skipReason);
    expect(psql("SELECT :'foo';")).toEqual(['INJECTED']);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// YAML and GitHub Actions
// ---------------------------------------------------------------------------------------------------------------

/** YAML documents that put one scalar in block and flow positions, with the structure each must parse to. */
const yamlContexts = (lit: string, v: unknown): [string, unknown][] => [
  [`key: ${lit}\nother: 1\n`, { key: v, other: 1 }],
  [`key: ${lit} # comment\nother: 1\n`, { key: v, other: 1 }],
  [`- ${lit}\n- 2\n`, [v, 2]],
  [`{a: ${lit}, b: 2}\n`, { a: v, b: 2 }],
  [`[${lit}, 2]\n`, [v, 2]],
  [`outer:\n  - k: ${lit}\n    z: 1\n  - [${lit}]\n`, { outer: [{ k: v, z: 1 }, [v]] }],
];

function parseYamlStrict(src: string, version: '1.1' | '1.2'): unknown {
  const doc = YAML.parseDocument(src, { version, uniqueKeys: true, prettyErrors: false });
  expect(doc.errors.map((e) => e.message)).toEqual([]);
  expect(doc.warnings.map((e) => e.message)).toEqual([]);
  return doc.toJS({ maxAliasCount: 0 });
}

describe('yamlStr (yaml package, YAML 1.2 and 1.1)', () => {
  it('round-trips every accepted value in block and flow context', () => {
    for (const v of accepted('yamlStr')) {
      const lit = yamlStr(v);
      expect(lit).not.toMatch(/[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]/);
      for (const [src, expected] of yamlContexts(lit, v)) {
        expectSame(parseYamlStrict(src, '1.2'), expected, `YAML 1.2 ${short(src)}`);
        expectSame(parseYamlStrict(src, '1.1'), expected, `YAML 1.1 ${short(src)}`);
      }
    }
  });

  it('uses the YAML named escapes for line separators', () => {
    expect(yamlStr('\u0085\u2028\u2029')).toBe('"\\N\\L\\P"');
    expect(yamlStr('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(yamlStr('\x00\x1b\x7f\x9b')).toBe('"\\x00\\x1B\\x7F\\x9B"');
  });
});

const GHA_SAFE_OPEN = "${{ '$' }}";

/** Every `${{` in the text starts one of the inserted `${{ '$' }}`. */
function expectOnlySafeOpeners(text: string, v: string): void {
  let count = 0;
  for (let i = text.indexOf('${{'); i >= 0; i = text.indexOf('${{', i + 1)) {
    if (!text.startsWith(GHA_SAFE_OPEN, i)) expect.fail(`ghaStr(${short(v)}) left a live \${{ at ${i}`);
    count++;
  }
  expect(count).toBe(v.split('${{').length - 1);
}
const ghaNeutralised = (v: string): string => v.split('${{').join(`${GHA_SAFE_OPEN}{{`);

const workflowSchema = TemplateSchema.load(
  new JSONObjectReader(
    undefined,
    readFileSync(new URL('../../node_modules/@actions/workflow-parser/dist/workflow-v1.0.min.json', import.meta.url), 'utf8'),
  ),
);

/** Parses a workflow with GitHub's own parser; fails on any parse or validation error. */
function parseWorkflowStrict(content: string): TemplateToken {
  const context = new TemplateContext(new TemplateValidationErrors(), workflowSchema, new NoOperationTraceWriter());
  const fileId = context.getFileId('workflow.yml');
  const root = readTemplate(context, 'workflow-root-strict', new YamlObjectReader(fileId, content), fileId);
  expect(context.errors.getErrors().map((e) => e.message)).toEqual([]);
  if (root === undefined) throw new Error('workflow did not parse');
  return root;
}

function child(token: TemplateToken | undefined, key: string | number): TemplateToken {
  if (token !== undefined && typeof key === 'string' && isMapping(token)) {
    const found = token.find(key);
    if (found !== undefined) return found;
  }
  if (token !== undefined && typeof key === 'number' && isSequence(token)) return token.get(key);
  throw new Error(`no ${String(key)} in workflow token`);
}

/** Evaluates an expression with GitHub's evaluator and no contexts at all (so any real expression would fail). */
function evaluateExpression(expression: string): string {
  const lexed = new Lexer(expression).lex();
  // Work around a bug in @actions/expressions 0.3.x: its lexer un-doubles only the first '' in a string literal
  // (value.replace("''", "'")); GitHub's runner un-doubles all of them.
  const tokens = lexed.tokens.map((t) =>
    typeof t.value === 'string' && t.lexeme.startsWith("'") ? { ...t, value: t.lexeme.slice(1, -1).replaceAll("''", "'") } : t,
  );
  const expr = new Parser(tokens, [], []).parse();
  return new Evaluator(expr, new data.Dictionary()).evaluate().coerceString();
}

/** The value GitHub Actions would see for a scalar: literal strings as they are, expressions evaluated. */
const GHA_MAX_EXPRESSION = 21_000;

function actionsValue(token: TemplateToken): string | undefined {
  if (isString(token)) return token.value;
  if (isBasicExpression(token)) {
    // Every expression GitHub found must be one we inserted.
    for (const original of token.originalExpressions ?? [token]) expect(original.expression.trim()).toBe("'$'");
    // GitHub caps an expression at 21,000 characters; past that only the check above applies.
    if (token.expression.length > GHA_MAX_EXPRESSION) return undefined;
    return evaluateExpression(token.expression);
  }
  throw new Error(`unexpected workflow token ${token.constructor.name}`);
}

describe('ghaStr (GitHub workflow parser and expression evaluator)', () => {
  it('no ${{ survives other than the inserted ${{ \'$\' }}, in the file text and in the parsed YAML value', () => {
    for (const v of accepted('ghaStr')) {
      const lit = ghaStr(v);
      expectOnlySafeOpeners(lit, v);
      const parsed = YAML.parse(`k: ${lit}`) as { k: string };
      expectSame(parsed.k, ghaNeutralised(v), `YAML value of ghaStr(${short(v)})`);
      expectOnlySafeOpeners(parsed.k, v);
    }
  });

  it('is valid YAML in block and flow context (1.2 and 1.1)', () => {
    for (const v of accepted('ghaStr')) {
      for (const [src, expected] of yamlContexts(ghaStr(v), ghaNeutralised(v))) {
        expectSame(parseYamlStrict(src, '1.2'), expected, `YAML 1.2 ${short(src)}`);
        expectSame(parseYamlStrict(src, '1.1'), expected, `YAML 1.1 ${short(src)}`);
      }
    }
  });

  it('GitHub evaluates env, step name and with: values back to exactly the input', () => {
    let tooLong = 0;
    for (const v of accepted('ghaStr')) {
      const lit = ghaStr(v);
      const workflow = [
        'name: ci',
        'on: push',
        'env:',
        `  FROM_ANSWER: ${lit}`,
        'jobs:',
        '  build:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        `      - name: ${lit}`,
        '        uses: actions/checkout@v4',
        '        with:',
        `          ref: ${lit}`,
        '',
      ].join('\n');
      const root = parseWorkflowStrict(workflow);
      const step = child(child(child(child(root, 'jobs'), 'build'), 'steps'), 0);
      for (const token of [child(child(root, 'env'), 'FROM_ANSWER'), child(step, 'name'), child(child(step, 'with'), 'ref')]) {
        const seen = actionsValue(token);
        if (seen === undefined) {
          tooLong++;
          continue;
        }
        expectSame(seen, v, `GitHub's value for ghaStr(${short(v)})`);
      }
    }
    expect(tooLong).toBeLessThanOrEqual(3); // only LONG_MIXED, in its three positions
  });

  it('control: without neutralisation GitHub would evaluate the expression', () => {
    const root = parseWorkflowStrict(`on: push\nenv:\n  X: ${yamlStr("a ${{ 'b' }}")}\njobs:\n  j:\n    runs-on: x\n    steps:\n      - run: x\n`);
    const token = child(child(root, 'env'), 'X');
    expect(isBasicExpression(token)).toBe(true);
    if (isBasicExpression(token)) expect(evaluateExpression(token.expression)).toBe('a b');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Shell
// ---------------------------------------------------------------------------------------------------------------

describe('shellQuote (real sh and bash)', () => {
  // Absolute paths: the sandbox PATH holds only the stubs.
  const shellPath = (name: string): string | undefined =>
    ['/bin', '/usr/bin', '/usr/local/bin'].map((d) => join(d, name)).find((p) => existsSync(p));

  it('finds at least sh', () => {
    expect(shellPath('sh')).toBeDefined();
  });

  it.for(['sh', 'bash'])('%s prints exactly the input for the quoted word, keeps it one word, runs nothing', (shell, ctx) => {
    const path = shellPath(shell);
    if (path === undefined) return skipOrFail(ctx, `${shell} is not installed`);
    const run = (script: string): string =>
      execFileSync(path, ['-c', script], { env: sandboxEnv, cwd: sandbox, maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] }).toString('utf8');
    for (const v of accepted('shellQuote')) {
      const q = shellQuote(v);
      expectSame(run(`printf %s ${q}`), v, `${shell}: printf %s ${short(q)}`);
      // One word on its own, and one word glued to neighbours; NUL-separated so any split would show.
      expectSame(run(`set -- ${q} x${q}y; printf '%s|' "$#"; printf '%s\\0' "$@"`), `2|${v}\0x${v}y\0`, `${shell}: words of ${short(q)}`);
    }
    expectNothingInjected();
  });

  it('control: the sandbox does catch an unquoted injection', () => {
    execFileSync(shellPath('sh') ?? 'sh', ['-c', 'printf %s $(id)'], { env: sandboxEnv, cwd: sandbox, stdio: 'ignore' });
    expect(readFileSync(marker, 'utf8')).toContain('id');
    rmSync(marker);
  });

  it('quotes with the classic idiom', () => {
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('')).toBe("''");
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Python
// ---------------------------------------------------------------------------------------------------------------

const hasPython = spawnSync('python3', ['-c', 'import sys; sys.exit(0 if sys.version_info >= (3, 6) else 1)']).status === 0;

const PY_CHECK = `
import ast, json, sys
out = []
for lit in json.load(sys.stdin):
    tree = ast.parse(lit, mode='eval')
    assert isinstance(tree.body, ast.Constant) and type(tree.body.value) is str, lit
    module = ast.parse('x = ' + lit + '\\ny = 1\\n')
    assert len(module.body) == 2 and all(isinstance(s, ast.Assign) and isinstance(s.value, ast.Constant) for s in module.body), lit
    assert module.body[0].value.value == tree.body.value
    out.append(ast.literal_eval(lit))
sys.stdout.write(json.dumps(out, ensure_ascii=True))
`;

describe('pyStr (real python3)', () => {
  it.skipIf(canSkip(!hasPython))('python3 parses every literal to a single str constant equal to the input', () => {
    const values = accepted('pyStr');
    const literals = values.map((v) => pyStr(v));
    for (const lit of literals) expect(lit).toMatch(/^"[\x20-\x7e]*"$/);
    const out = execFileSync('python3', ['-I', '-c', PY_CHECK], {
      input: JSON.stringify(literals),
      env: { ...sandboxEnv, PATH: process.env.PATH ?? '', PYTHONIOENCODING: 'utf-8' },
      maxBuffer: 64 << 20,
    });
    const read = JSON.parse(out.toString('utf8')) as unknown[];
    expect(read).toHaveLength(values.length);
    values.forEach((v, i) => expectSame(read[i], v, `python value of ${short(literals[i])}`));
  });

  it.skipIf(canSkip(!hasPython))('python3 literal_eval of stdin (the plain recipe) agrees for a hostile sample', () => {
    for (const v of ['a\nb', '\u2028😀é', '"\\\'', '\x00\x7f\x9b', '{x} %s']) {
      const out = execFileSync('python3', ['-I', '-c', 'import ast,sys; sys.stdout.write(ast.literal_eval(sys.stdin.read()))'], {
        input: pyStr(v),
        env: { ...sandboxEnv, PATH: process.env.PATH ?? '', PYTHONIOENCODING: 'utf-8' },
      });
      expect(out.toString('utf8')).toBe(v);
    }
  });

  it('escapes as documented', () => {
    expect(pyStr('a"b\\c\n\r\t')).toBe('"a\\"b\\\\c\\n\\r\\t"');
    expect(pyStr('\x00\x7f\x85')).toBe('"\\x00\\x7f\\x85"');
    expect(pyStr('é\u2028😀')).toBe('"\\u00e9\\u2028\\U0001f600"');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// JS / TS and JSON
// ---------------------------------------------------------------------------------------------------------------

describe('jsStr (node:vm)', () => {
  it('evaluates to exactly the input as one expression, and cannot close a <script>', () => {
    for (const v of accepted('jsStr')) {
      const lit = jsStr(v);
      expectSame(vm.runInNewContext(lit), v, `vm value of ${short(lit)}`);
      expectSame(vm.runInNewContext(`'use strict'; const x = ${lit}; [x, 2]`), [v, 2], `vm array with ${short(lit)}`);
      expect(vm.runInNewContext(`[${lit}, 2].length`)).toBe(2);
      expect(lit).not.toMatch(/[<\u2028\u2029\x00-\x1f\x7f-\x9f]/);
      expect(lit.startsWith('"') && lit.endsWith('"')).toBe(true);
    }
  });

  it('escapes < and line separators', () => {
    expect(jsStr('</script>')).toBe('"\\u003c/script>"');
    expect(jsStr('\u2028\u2029')).toBe('"\\u2028\\u2029"');
  });
});

describe('json (node:vm and JSON.parse)', () => {
  it('embeds nested hostile data in JS/HTML and reads back equal', () => {
    const values = accepted('json');
    const value = {
      list: values,
      nested: Object.fromEntries(values.slice(0, 50).map((v, i) => [v, { i, v, ok: true, none: null }])),
      n: 1.5,
    };
    const out = json(value);
    expect(out).not.toMatch(/[<\u2028\u2029]/);
    expect(JSON.parse(out)).toEqual(value);
    expect(vm.runInNewContext(`(${out})`)).toEqual(value);
    expect(json('</script>')).toBe('"\\u003c/script>"');
    expect(json([1, 'a', true, null])).toBe('[1,"a",true,null]');
  });

  it('refuses what JSON would silently drop or mangle', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    for (const bad of [undefined, () => 1, Symbol('s'), Number.NaN, 1n, { a: undefined }, [undefined], { f: () => 1 }, { n: Number.POSITIVE_INFINITY }, { '\ud800': 1 }, ['\udc00'], circular]) {
      expectRenderError(() => json(bad), 'json');
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// TOML
// ---------------------------------------------------------------------------------------------------------------

describe('tomlStr (smol-toml)', () => {
  it('round-trips as a value, in an inline table, in an array and as a quoted key', () => {
    for (const v of accepted('tomlStr')) {
      const lit = tomlStr(v);
      expect(lit).not.toMatch(/[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]/);
      expectSame(parseToml(`k = ${lit}\nz = 1\n`), { k: v, z: 1 }, `TOML value ${short(lit)}`);
      expectSame(parseToml(`t = { a = ${lit}, b = 2 }\narr = [${lit}, "x"]\n`), { t: { a: v, b: 2 }, arr: [v, 'x'] }, `TOML inline ${short(lit)}`);
      expectSame(parseToml(`[tbl]\n${lit} = 1\nafter = 2\n`), { tbl: { [v]: 1, after: 2 } }, `TOML key ${short(lit)}`);
    }
  });

  it('uses the TOML escapes', () => {
    expect(tomlStr('"\\\b\t\n\f\r\x00\x1b\x7f')).toBe('"\\"\\\\\\b\\t\\n\\f\\r\\u0000\\u001B\\u007F"');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------------------------------------------

const markdown = new Marked({ gfm: true, async: false });
const renderMd = (src: string): string => markdown.parse(src) as string;

function decodeHtmlText(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&(?:#(\d+)|#[xX]([0-9a-fA-F]+)|(amp|lt|gt|quot|#39));/g, (_m, dec?: string, hexa?: string, name?: string) => {
      if (dec !== undefined) return String.fromCodePoint(Number(dec));
      if (hexa !== undefined) return String.fromCodePoint(Number.parseInt(hexa, 16));
      return { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" }[name ?? 'amp'] ?? '';
    });
}

/** What a Markdown reader sees: the value with each line break collapsed to one space. */
const mdExpected = (v: string): string => v.replace(/\r\n|[\n\r\u0085\u2028\u2029]/g, ' ');

const FORBIDDEN_TAGS = /<(?:a|img|script|h[1-6]|em|strong|code|del|ul|ol|li|blockquote|pre|hr|table|br|input|span|div|iframe|svg|b|i)\b/i;

describe('mdText (marked, GFM)', () => {
  it('renders as plain text in a paragraph, at the start of a line and after a line', () => {
    for (const v of accepted('mdText')) {
      const md = mdText(v);
      expect(/[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029<>]/.test(md), `raw special in mdText(${short(v)})`).toBe(false);
      const expected = mdExpected(v);
      for (const [src, text] of [
        [`Before ${md} after\n`, `Before ${expected} after`],
        [`${md}\n`, expected],
        [`Project:\n${md}\n`, `Project:\n${expected}`],
      ] as const) {
        const html = renderMd(src);
        if (FORBIDDEN_TAGS.test(html)) expect.fail(`mdText(${short(v)}) rendered markup: ${short(html)}`);
        if (expected.trim() === '') continue;
        expect(html.startsWith('<p>') && html.trimEnd().endsWith('</p>') && html.split('<p>').length === 2).toBe(true);
        expectSame(decodeHtmlText(html).replace(/\n$/, ''), text, `markdown text of ${short(md)}`);
      }
    }
  });

  it('stays one item in a list', () => {
    for (const v of accepted('mdText')) {
      const html = renderMd(`- ${mdText(v)}\n- second\n`);
      if (mdExpected(v).trim() === '') continue;
      expect(html.match(/<li>/g)).toHaveLength(2);
      expect(html).not.toMatch(/<(?:a|img|script|h[1-6]|ol|blockquote|pre|hr|table|code|em|strong)\b/);
      const first = /<li>([\s\S]*?)<\/li>/.exec(html)?.[1] ?? '';
      expectSame(decodeHtmlText(first), mdExpected(v), `list item text of ${short(v)}`);
    }
  });

  it('keeps a table row at two cells', () => {
    for (const v of accepted('mdText')) {
      const html = renderMd(`| Field | Value |\n| --- | --- |\n| ${mdText(v)} | end |\n`);
      const cells = [...html.matchAll(/<td>([\s\S]*?)<\/td>/g)].map((m) => m[1] ?? '');
      if (cells.length !== 2) expect.fail(`mdText(${short(v)}) broke the table row: ${short(html)}`);
      expect(cells[1]).toBe('end');
      expect(html).not.toMatch(/<(?:a|img|script|code|em|strong|del)\b/);
      expectSame(decodeHtmlText(cells[0] ?? ''), mdExpected(v), `table cell text of ${short(v)}`);
    }
  });

  it('leaves ordinary text readable', () => {
    expect(mdText('Acme Payments API')).toBe('Acme Payments API');
    expect(mdText(`Alice O'Brien, "Ops"; 50% off? yes/no @team`)).toBe(`Alice O'Brien, "Ops"; 50% off? yes/no @team`);
    expect(mdText('my-project v1.2')).toBe('my\\-project v1\\.2');
    expect(mdText('https://idp.example.com')).toBe('https\\://idp\\.example\\.com');
    expect(mdText('a\nb')).toBe('a b');
    expect(mdText('<b>&')).toBe('&lt;b&gt;&amp;');
    expect(mdText('  x ')).toBe('&#32;&#32;x&#32;');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// ident
// ---------------------------------------------------------------------------------------------------------------

describe('ident', () => {
  it('returns derived identifiers unchanged and refuses anything else', () => {
    for (const v of ['my_project', 'acme-api', '2024-01-31', 'v1.2.3', 'A', '9lives', 'x'.repeat(214)]) expect(ident(v)).toBe(v);
    for (const v of ['', '-n', '.hidden', '_x', 'a b', 'a\n', 'a/b', '..', 'x'.repeat(215), 'é', '$x', 'a;b']) {
      expectRenderError(() => ident(v), 'ident');
    }
  });
});

describe('mermaidText', () => {
  it.each(accepted('mermaidText'))('keeps %j inside one quoted label', (value) => {
    const label = mermaidText(value);
    expect(label).toMatch(/^"[A-Za-z0-9 ,.:/()_+#;-]*"$/);
    // Decoding the entity codes gives the value back.
    expect(label.slice(1, -1).replace(/#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))).toBe(value);
  });

  it('refuses line breaks', () => {
    expect(() => mermaidText('a\nb')).toThrow(RenderError);
    expect(() => mermaidText('a\u2028b')).toThrow(RenderError);
  });
});

describe('lineValue', () => {
  it('passes an ordinary field value unchanged', () => {
    expect(lineValue('mailto:security@example.com')).toBe('mailto:security@example.com');
    expect(lineValue('2027-11-26T00:00:00.000Z')).toBe('2027-11-26T00:00:00.000Z');
  });

  it.each(['a\nContact: mailto:evil@example.com', 'a\rb', 'a\u0085b', 'a\u2028b', ' padded', 'tab\t', '', 'nul\u0000'])(
    'refuses %j',
    (value) => {
      expect(() => lineValue(value)).toThrow(RenderError);
    },
  );
});
