/**
 * Suppressions of `secure-stack check` findings, always with a reason:
 *
 * - `secure-stack: ignore[ID,…] reason` in a comment on the finding's line, or in a comment that is the whole
 *   line just above it (a run of such directive lines applies to the first line below the run);
 * - `secure-stack: ignore-file[ID,…] reason` in a comment anywhere in the file: every finding of those
 *   controls in that file;
 * - `suppressions:` entries in `.secure-stack.yaml` at the checked root, with a reason, an owner and an
 *   optional expiry date, for files a comment cannot go into (JSON) or for a whole tree (`legacy/**`).
 *
 * Where a directive is recognised (documented in `check --help`): in a comment of the file's own syntax
 * (`#` for YAML, Dockerfiles, Python, shell, conf, TOML, .env; `--` and `/* … *\/` for SQL; `//` and
 * `/* … *\/` for TS/JS, also `{/* … *\/}` in JSX), and the directive must be the whole comment. Comments are
 * found by a per-line scanner that skips the string literals of the line (quotes, Python string prefixes,
 * SQL E'' and dollar quotes), so a directive written inside a string on the same line is not honoured.
 * The scanner keeps no state across lines: a line inside a multi-line string or block comment is read as
 * code, and a directive inside a multi-line block comment is not seen (write it as a line comment).
 * Files without a comment syntax (JSON, Markdown) take suppressions from `.secure-stack.yaml` only.
 *
 * A directive without a reason, with an unknown control ID or not following the grammar is not honoured and
 * becomes a note at its line. Only files that produced findings are scanned for directives (that keeps a
 * large repository fast), so a malformed directive in a file without findings is not reported.
 */
import * as path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import * as v from 'valibot';
import { mapping } from '../config/validation.js';
import { parseYamlFile } from '../config/yaml-file.js';
import { getControl } from '../controls/catalog.js';
import { UsageError } from '../errors.js';
import { MANIFEST_FILE, suppressionsSchema, type ManifestSuppression } from '../manifest/manifest.js';
import { readFileBounded } from '../tree/disk.js';
import type { Finding, Note, Suppression } from './finding.js';

// ---- comments, per syntax --------------------------------------------------------------------------

interface QuoteRule {
  char: string;
  /** Whether a backslash escapes the next character inside this string. */
  backslashEscapes: boolean;
  /**
   * Whether the quote opens a string even right after a word character. Off for `'` and `"` in most
   * syntaxes, so that the apostrophe of a YAML plain scalar or of JSX text (`don't`) is not read as a quote.
   */
  afterWord: boolean;
}

export interface CommentSyntax {
  name: 'hash' | 'sql' | 'slash';
  lineToken: '#' | '--' | '//';
  /** `/* … *\/` comments. */
  blockComments: boolean;
  /** `#` starts a comment only at the start of the line or after whitespace (YAML, shell). */
  lineTokenAfterSpace: boolean;
  quotes: readonly QuoteRule[];
  /** A word right before a quote that still makes it a string: Python's `rb"…"`, `f'…'`; SQL's `E'…'`. */
  stringPrefix?: RegExp;
  /** PostgreSQL `$tag$ … $tag$` strings. */
  dollarQuotes: boolean;
}

const HASH: CommentSyntax = {
  name: 'hash',
  lineToken: '#',
  blockComments: false,
  lineTokenAfterSpace: true,
  quotes: [
    { char: '"', backslashEscapes: true, afterWord: false },
    // YAML and shell single quotes take no backslash escapes ('C:\' is a whole string).
    { char: "'", backslashEscapes: false, afterWord: false },
  ],
  dollarQuotes: false,
};

const PYTHON: CommentSyntax = {
  ...HASH,
  quotes: [
    { char: '"', backslashEscapes: true, afterWord: false },
    { char: "'", backslashEscapes: true, afterWord: false },
  ],
  stringPrefix: /^(?:[rRuUbBfFtT]|[rR][bBfFtT]|[bBfFtT][rR])$/,
};

const SQL: CommentSyntax = {
  name: 'sql',
  lineToken: '--',
  blockComments: true,
  lineTokenAfterSpace: false,
  quotes: [
    // '' inside a string reads as close-and-reopen, which lands in the same place. E'…' takes escapes (below).
    { char: "'", backslashEscapes: false, afterWord: true },
    { char: '"', backslashEscapes: false, afterWord: true },
  ],
  stringPrefix: /^[eE]$/,
  dollarQuotes: true,
};

const SLASH: CommentSyntax = {
  name: 'slash',
  lineToken: '//',
  blockComments: true,
  lineTokenAfterSpace: false,
  quotes: [
    { char: '"', backslashEscapes: true, afterWord: false },
    { char: "'", backslashEscapes: true, afterWord: false },
    { char: '`', backslashEscapes: true, afterWord: true }, // tagged templates: css`…`
  ],
  dollarQuotes: false,
};

const HASH_EXTENSIONS = new Set(['yml', 'yaml', 'sh', 'bash', 'zsh', 'conf', 'toml', 'cfg', 'ini', 'env', 'properties', 'tf', 'hcl', 'rb']);
const HASH_NAMES = new Set(['.dockerignore', '.gitignore', '.env', 'Makefile', 'GNUmakefile', 'CODEOWNERS', 'Pipfile', '.npmrc', 'Gemfile']);
const SLASH_EXTENSIONS = new Set(['ts', 'tsx', 'mts', 'cts', 'js', 'jsx', 'mjs', 'cjs', 'jsonc', 'json5']);

/** The comment syntax of a file by its name; undefined for files without comments (JSON, Markdown, …). */
export function commentSyntaxFor(filePath: string): CommentSyntax | undefined {
  const name = filePath.slice(filePath.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  if (extension === 'py' || extension === 'pyi' || extension === 'pyw') return PYTHON;
  if (extension === 'sql' || extension === 'pgsql' || extension === 'psql') return SQL;
  if (SLASH_EXTENSIONS.has(extension)) return SLASH;
  if (HASH_EXTENSIONS.has(extension) || HASH_NAMES.has(name)) return HASH;
  if (/^(?:Dockerfile|Containerfile)(?:\.|$)|\.(?:Dockerfile|Containerfile|dockerignore)$/i.test(name)) return HASH;
  if (/^\.env\./.test(name) || /^(?:requirements|constraints)[\w.-]*\.(?:txt|in)$/.test(name)) return HASH;
  return undefined;
}

export interface LineComment {
  /** The comment's text without its delimiters. */
  text: string;
  /** 1-based column of the comment token. */
  column: number;
}

export interface LineComments {
  comments: LineComment[];
  /** Whether the line holds nothing but comments (and, for JSX, the `{ }` around a block comment). */
  commentOnly: boolean;
}

const WORD = /[A-Za-z0-9_]/;
const DOLLAR_TAG = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/;

/** The comments on one line, outside its string literals. */
export function commentsOnLine(line: string, syntax: CommentSyntax): LineComments {
  const comments: LineComment[] = [];
  let code = '';
  let index = 0;
  const finish = (): LineComments => {
    const rest = code.replace(/\s+/g, '');
    return { comments, commentOnly: comments.length > 0 && (rest === '' || rest === '{}') };
  };
  while (index < line.length) {
    const char = line[index]!;
    if (line.startsWith(syntax.lineToken, index) && (!syntax.lineTokenAfterSpace || index === 0 || /\s/.test(line[index - 1]!))) {
      comments.push({ text: line.slice(index + syntax.lineToken.length), column: index + 1 });
      return finish();
    }
    if (syntax.blockComments && line.startsWith('/*', index)) {
      const end = line.indexOf('*/', index + 2);
      comments.push({ text: line.slice(index + 2, end < 0 ? line.length : end), column: index + 1 });
      if (end < 0) return finish();
      index = end + 2;
      continue;
    }
    if (syntax.dollarQuotes && char === '$') {
      const tag = DOLLAR_TAG.exec(line.slice(index))?.[0];
      if (tag !== undefined) {
        const close = line.indexOf(tag, index + tag.length);
        if (close < 0) return finish(); // the rest of the line is inside the string
        code += 's';
        index = close + tag.length;
        continue;
      }
    }
    const quote = syntax.quotes.find((rule) => rule.char === char);
    if (quote !== undefined) {
      const prefix = wordBefore(line, index);
      const prefixed = prefix !== '' && syntax.stringPrefix?.test(prefix) === true;
      if (prefix === '' || quote.afterWord || prefixed) {
        const escapes = quote.backslashEscapes || (syntax.name === 'sql' && prefixed);
        let end = index + 1;
        while (end < line.length && line[end] !== char) end += escapes && line[end] === '\\' ? 2 : 1;
        if (end >= line.length) return finish(); // unterminated on this line: the rest is string
        code += 's';
        index = end + 1;
        continue;
      }
    }
    code += char;
    index += 1;
  }
  return finish();
}

/** The run of word characters right before `index`, if that run starts a token. */
function wordBefore(line: string, index: number): string {
  let start = index;
  while (start > 0 && WORD.test(line[start - 1]!)) start -= 1;
  return line.slice(start, index);
}

// ---- directives ------------------------------------------------------------------------------------

const DIRECTIVE_PREFIX = /^secure-stack\s*:/;
const DIRECTIVE = /^secure-stack\s*:\s*(ignore-file|ignore)\[([^\]]*)\](.*)$/s;

export interface Directive {
  scope: 'line' | 'file';
  controlIds: readonly string[];
  reason: string;
  /** 1-based line of the comment. */
  line: number;
}

export interface FileDirectives {
  /** Honoured `ignore[…]` directives by the line whose findings they suppress. */
  byLine: Map<number, Directive[]>;
  /** Honoured `ignore-file[…]` directives. */
  fileWide: Directive[];
  /** Directives that are not honoured, at their line. */
  notes: Note[];
}

/** Every secure-stack directive of a file, honoured or noted. */
export function scanDirectives(filePath: string, text: string): FileDirectives {
  const result: FileDirectives = { byLine: new Map(), fileWide: [], notes: [] };
  const syntax = commentSyntaxFor(filePath);
  if (syntax === undefined || !text.includes('secure-stack')) return result;
  const addFor = (line: number, directive: Directive): void => {
    const list = result.byLine.get(line);
    if (list === undefined) result.byLine.set(line, [directive]);
    else list.push(directive);
  };
  /** Own-line `ignore[…]` directives waiting for the first line below them that is not a directive line. */
  let pending: Directive[] = [];
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const lineNumber = index + 1;
    const lineText = lines[index]!;
    const { comments, commentOnly } = lineText.includes('secure-stack') ? commentsOnLine(lineText, syntax) : { comments: [], commentOnly: false };
    const directiveComments = comments.filter((comment) => DIRECTIVE_PREFIX.test(comment.text.trim()));
    const isDirectiveLine = commentOnly && directiveComments.length > 0;
    if (!isDirectiveLine) {
      for (const directive of pending) addFor(lineNumber, directive);
      pending = [];
    }
    for (const comment of directiveComments) {
      const parsed = parseDirective(comment.text.trim(), lineNumber);
      if (typeof parsed === 'string') {
        result.notes.push({ file: filePath, line: lineNumber, column: comment.column, message: `${parsed}; not honoured` });
        continue;
      }
      if (parsed.scope === 'file') {
        result.fileWide.push(parsed);
        continue;
      }
      addFor(lineNumber, parsed);
      if (isDirectiveLine) pending.push(parsed);
    }
  }
  return result;
}

/** A directive, or why it is not one. */
function parseDirective(comment: string, line: number): Directive | string {
  const match = DIRECTIVE.exec(comment);
  if (match === null) return 'malformed secure-stack directive: expected "secure-stack: ignore[ID,…] reason" or "secure-stack: ignore-file[ID,…] reason"';
  const [, keyword, idList, rest] = match as unknown as [string, string, string, string];
  const controlIds = idList.split(',').map((id) => id.trim());
  if (controlIds.some((id) => id === '')) return `${keyword}[${idList}]: a control ID is missing`;
  const unknown = controlIds.filter((id) => getControl(id) === undefined);
  if (unknown.length > 0) return `${keyword}[${idList}]: unknown control ID ${unknown.map((id) => `"${id}"`).join(', ')}`;
  const reason = rest.trim();
  if (reason === '') return `${keyword}[${idList}] has no reason: write why the finding is accepted after the brackets`;
  return { scope: keyword === 'ignore-file' ? 'file' : 'line', controlIds, reason, line };
}

// ---- .secure-stack.yaml ----------------------------------------------------------------------------

/** A manifest suppression with where it is written, for notes. */
export interface LocatedSuppression extends ManifestSuppression {
  /** 1-based line of the entry in `.secure-stack.yaml`. */
  entryLine: number;
  /** Matches a finding's file. */
  matchesPath: (file: string) => boolean;
}

const suppressionsSectionSchema = mapping(v.looseObject({ suppressions: v.nullish(suppressionsSchema) }));

/**
 * The `suppressions:` of `.secure-stack.yaml` at `root` (none if there is no such file). Only that section
 * is read: the rest of the manifest belongs to the other commands, and a repository that was not generated
 * may have a file holding nothing else. Throws a one-line UsageError (`file:line:col: …`) when it is invalid.
 */
export function loadManifestSuppressions(root: string): LocatedSuppression[] {
  const read = readFileBounded(root, MANIFEST_FILE, 1024 * 1024);
  const label = path.join(root, MANIFEST_FILE);
  if (read.kind === 'unreadable') {
    if (read.reason === 'ENOENT' || read.reason === 'ENOTDIR') return [];
    throw new UsageError(`${label}: unreadable (${read.reason})`);
  }
  if (read.kind === 'too-large') throw new UsageError(`${label}: ${read.size} bytes is too large for a manifest`);
  const text = read.data.toString('utf8');
  const entries = parseYamlFile(text, label, suppressionsSectionSchema).suppressions ?? [];
  if (entries.length === 0) return [];
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter });
  return entries.map((entry, index) => {
    const node = document.getIn(['suppressions', index], true) as { range?: [number, number, number] } | undefined;
    const entryLine = node?.range ? lineCounter.linePos(node.range[0]).line : 1;
    const pattern = globToRegExp(entry.path);
    return { ...entry, entryLine, matchesPath: (file: string) => pattern.test(file) };
  });
}

/**
 * A glob over root-relative POSIX paths, matching the whole path: `*` and `?` within one path segment,
 * `**` for any number of directories (`legacy/**`, `**\/Dockerfile`), `{a,b}` alternatives. Anything
 * else, including `[`, is literal.
 */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  let inBraces = false;
  for (let index = 0; index < glob.length; index++) {
    const char = glob[index]!;
    const atSegmentStart = index === 0 || glob[index - 1] === '/';
    if (char === '*' && glob[index + 1] === '*' && atSegmentStart && (glob[index + 2] === '/' || index + 2 === glob.length)) {
      if (index + 2 === glob.length) {
        source += '.*';
        index += 1;
      } else {
        source += '(?:[^/]+/)*';
        index += 2;
      }
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '{' && !inBraces && glob.indexOf('}', index) > index) {
      source += '(?:';
      inBraces = true;
    } else if (char === ',' && inBraces) source += '|';
    else if (char === '}' && inBraces) {
      source += ')';
      inBraces = false;
    } else source += char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

// ---- applying them ---------------------------------------------------------------------------------

/** YYYY-MM-DD of `now` in UTC. */
export function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/**
 * Marks the findings that a directive or a manifest entry suppresses (sets `suppression`) and returns the
 * notes: directives not honoured, manifest entries past their expiry (their findings count again).
 * `textOf` gives the text of a finding's file (undefined when it cannot be read: no directives then).
 */
export function applySuppressions(
  findings: readonly Finding[],
  textOf: (file: string) => string | undefined,
  manifest: readonly LocatedSuppression[],
  now: Date,
): Note[] {
  const notes: Note[] = [];
  const today = utcDay(now);
  const expired = (entry: LocatedSuppression) => entry.expires !== undefined && entry.expires < today;
  const active = manifest.filter((entry) => !expired(entry));
  const directivesByFile = new Map<string, FileDirectives>();
  for (const file of new Set(findings.map((finding) => finding.file))) {
    const text = textOf(file);
    if (text === undefined) continue;
    const directives = scanDirectives(file, text);
    directivesByFile.set(file, directives);
    notes.push(...directives.notes);
  }
  for (const finding of findings) {
    const directives = directivesByFile.get(finding.file);
    const covers = (directive: Directive) => directive.controlIds.includes(finding.controlId);
    const inline = directives?.byLine.get(finding.line)?.find(covers);
    const fileWide = directives?.fileWide.find(covers);
    const entry = active.find((candidate) => matchesEntry(candidate, finding));
    let suppression: Suppression | undefined;
    if (inline !== undefined) suppression = { kind: 'inline', reason: inline.reason };
    else if (fileWide !== undefined) suppression = { kind: 'file', reason: fileWide.reason };
    else if (entry !== undefined) {
      suppression = { kind: 'manifest', reason: entry.reason, owner: entry.owner, ...(entry.expires === undefined ? {} : { expires: entry.expires }) };
    }
    if (suppression !== undefined) finding.suppression = suppression;
  }
  for (const entry of manifest.filter(expired)) {
    const matched = findings.filter((finding) => matchesEntry(entry, finding) && finding.suppression === undefined).length;
    notes.push({
      file: MANIFEST_FILE,
      line: entry.entryLine,
      message:
        `suppression of ${entry.control} for ${entry.path} (owner: ${entry.owner}) expired on ${entry.expires}: ` +
        (matched > 0 ? `${matched} finding(s) count again` : 'it matches no finding any more; remove it'),
    });
  }
  return notes;
}

function matchesEntry(entry: LocatedSuppression, finding: Finding): boolean {
  return entry.control === finding.controlId && (entry.line === undefined || entry.line === finding.line) && entry.matchesPath(finding.file);
}
