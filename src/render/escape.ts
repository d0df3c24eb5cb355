/**
 * Context-aware escaping helpers for template values.
 *
 * Every user answer that reaches a generated file goes through exactly one of these helpers, chosen by the
 * syntax of the spot it lands in (SQL, YAML, a GitHub Actions workflow, a shell script, Python, JS/TS, TOML,
 * Markdown). Each helper returns text that the target's own parser reads back as the very same value, or throws
 * a one-line `RenderError` when the target cannot hold the value faithfully. No answer may change the meaning
 * of a generated file.
 *
 * Shared rules:
 * - Strings pass as they are; finite numbers, bigints and booleans are converted with `String()`; anything else
 *   (undefined, null, objects, NaN, ...) throws, so a missing value can never turn into the text "undefined".
 *   Only `json` accepts objects.
 * - Lone UTF-16 surrogates are refused everywhere: they cannot be written to a UTF-8 file without becoming U+FFFD.
 * - Error messages name the helper and the problem and show the value JSON-escaped and truncated, never a raw
 *   control character.
 *
 * The helpers return plain strings; the renderer must not HTML-escape them again (compile with `noEscape`).
 */
import { RenderError } from '../errors.js';

/** Longest preview of a value shown in an error message (characters of escaped text). */
const PREVIEW_MAX = 60;

/** PostgreSQL NAMEDATALEN - 1: longer identifiers are silently truncated by the server. */
const PG_MAX_IDENT_BYTES = 63;

/** Longest value `ident` lets through (npm's package-name limit, generous for every derived name). */
const IDENT_MAX = 214;
const IDENT_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const LONE_SURROGATE_RE = /\p{Cs}/u;
/** Characters never shown raw in an error message: controls, format/bidi characters, line/paragraph separators. */
const UNSAFE_IN_MESSAGE_RE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

function hex(cp: number, width: number): string {
  return cp.toString(16).toUpperCase().padStart(width, '0');
}

function codePoint(ch: string): number {
  // `for (const ch of s)` never yields an empty string, so codePointAt(0) is always defined.
  return ch.codePointAt(0) ?? 0;
}

/** JSON-style, terminal-safe, truncated rendering of a value for error messages. */
function preview(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    let out = '';
    for (const ch of value) {
      let piece: string;
      if (ch === '"') piece = '\\"';
      else if (ch === '\\') piece = '\\\\';
      else if (ch === '\n') piece = '\\n';
      else if (ch === '\r') piece = '\\r';
      else if (ch === '\t') piece = '\\t';
      else if (UNSAFE_IN_MESSAGE_RE.test(ch)) {
        const cp = codePoint(ch);
        piece = cp > 0xffff ? `\\u{${hex(cp, 1)}}` : `\\u${hex(cp, 4)}`;
      } else piece = ch;
      if (out.length + piece.length > PREVIEW_MAX) return `"${out}"… (${value.length} chars)`;
      out += piece;
    }
    return `"${out}"`;
  }
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function fail(helper: string, problem: string, value: unknown): never {
  throw new RenderError(`${helper}: ${problem} (got ${preview(value)})`);
}

/** The value as a string: strings as they are, finite numbers/bigints/booleans via String(), anything else throws. */
function toText(helper: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return String(value);
    return fail(helper, 'expected a string, not a non-finite number', value);
  }
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return fail(helper, 'expected a string value; a missing or structured value cannot be rendered', value);
}

/** toText, plus refusal of lone surrogates (they cannot be written as UTF-8). */
function text(helper: string, value: unknown): string {
  const s = toText(helper, value);
  if (LONE_SURROGATE_RE.test(s)) {
    fail(helper, 'contains a lone UTF-16 surrogate, which cannot be written as UTF-8', s);
  }
  return s;
}

function refuseNul(helper: string, s: string, target: string): void {
  if (s.includes('\0')) fail(helper, `contains a NUL character, which ${target} cannot hold`, s);
}

// ---------------------------------------------------------------------------------------------------------------
// Backslash escaping shared by the C-like string syntaxes (SQL E'', YAML, Python, TOML)
// ---------------------------------------------------------------------------------------------------------------

/** Escapes every one of these targets spells the same way. */
const C_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const DOUBLE_QUOTED_ESCAPES = { ...C_ESCAPES, '"': '\\"' };
// '' rather than \' : \' is rejected when backslash_quote = off.
const SQL_E_ESCAPES = { ...C_ESCAPES, "'": "''" };
const YAML_ESCAPES = { ...DOUBLE_QUOTED_ESCAPES, '\u0085': '\\N', '\u2028': '\\L', '\u2029': '\\P' };

const isC0OrDel = (cp: number): boolean => cp < 0x20 || cp === 0x7f;
const isC1 = (cp: number): boolean => cp >= 0x80 && cp <= 0x9f;

/** Each character: its named escape, else what `other` makes of its code point, else itself. */
function escapeEach(s: string, named: Readonly<Record<string, string>>, other: (cp: number) => string | undefined): string {
  let out = '';
  for (const ch of s) out += named[ch] ?? other(codePoint(ch)) ?? ch;
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// SQL (PostgreSQL)
// ---------------------------------------------------------------------------------------------------------------

/**
 * A PostgreSQL quoted identifier `"..."` with `"` doubled. Refuses the empty string, NUL, other C0 controls and
 * DEL (a line break inside an identifier is legal but fragile under line-ending conversion, and never intended),
 * and anything longer than 63 UTF-8 bytes, which PostgreSQL would silently truncate.
 */
export function sqlIdent(value: unknown): string {
  const helper = 'sqlIdent';
  const s = text(helper, value);
  if (s === '') fail(helper, 'an identifier cannot be empty', s);
  refuseNul(helper, s, 'a PostgreSQL identifier');
  if (/[\x01-\x1f\x7f]/.test(s)) fail(helper, 'contains a control character; refusing it in an identifier', s);
  const bytes = Buffer.byteLength(s, 'utf8');
  if (bytes > PG_MAX_IDENT_BYTES) {
    fail(helper, `is ${bytes} bytes long; PostgreSQL silently truncates identifiers to ${PG_MAX_IDENT_BYTES} bytes`, s);
  }
  return `"${s.replaceAll('"', '""')}"`;
}

/**
 * A PostgreSQL string constant whose value does not depend on `standard_conforming_strings` and that psql does not
 * interpolate (`:var` is not expanded inside quotes). Plain values become `'...'` with `'` doubled; a value with a
 * backslash or a control character becomes an escape string `E'...'` (backslash doubled, `'` doubled, controls as
 * `\n`, `\t`, `\xNN`), so the generated file stays free of raw control characters. NUL is refused.
 */
export function sqlLiteral(value: unknown): string {
  const helper = 'sqlLiteral';
  const s = text(helper, value);
  refuseNul(helper, s, 'PostgreSQL text');
  if (!/[\\\x01-\x1f\x7f]/.test(s)) return `'${s.replaceAll("'", "''")}'`;
  const escaped = escapeEach(s, SQL_E_ESCAPES, (cp) => (isC0OrDel(cp) ? `\\x${hex(cp, 2)}` : undefined));
  return `E'${escaped}'`;
}

// ---------------------------------------------------------------------------------------------------------------
// YAML and GitHub Actions
// ---------------------------------------------------------------------------------------------------------------

function yamlDoubleQuoted(s: string): string {
  const escaped = escapeEach(s, YAML_ESCAPES, (cp) => {
    // C0, DEL and C1 controls are outside YAML's printable set.
    if (isC0OrDel(cp) || isC1(cp)) return `\\x${hex(cp, 2)}`;
    // A BOM may not appear inside a document; U+FFFE/U+FFFF are not printable.
    if (cp === 0xfeff || cp === 0xfffe || cp === 0xffff) return `\\u${hex(cp, 4)}`;
    return undefined;
  });
  return `"${escaped}"`;
}

/**
 * A YAML 1.2 double-quoted scalar, valid in block and flow context: `\`, `"`, every control character, U+0085
 * (`\N`), U+2028 (`\L`), U+2029 (`\P`) and non-printable BOM/noncharacters are escaped. Lone surrogates are refused.
 */
export function yamlStr(value: unknown): string {
  return yamlDoubleQuoted(text('yamlStr', value));
}

/**
 * `yamlStr` for GitHub Actions workflow files, with GitHub expression syntax neutralised: every `${{` becomes
 * `${{ '$' }}{{`, so Actions evaluates `'$'` to a literal `$` and never sees the user's text as an expression.
 * Note: this protects the workflow layer only; a value used inside `run:` must also be quoted for the shell.
 */
const GHA_NEUTRALISED_OPEN = "${{ '$' }}{{";

export function ghaStr(value: unknown): string {
  const s = text('ghaStr', value);
  // split/join, not replaceAll: in a replacement string `$'` and `$$` are substitution patterns.
  return yamlDoubleQuoted(s.split('${{').join(GHA_NEUTRALISED_OPEN));
}

// ---------------------------------------------------------------------------------------------------------------
// Shell
// ---------------------------------------------------------------------------------------------------------------

/** One POSIX shell word: single-quoted, with `'` written as `'\''`. NUL is refused (no shell string can hold it). */
export function shellQuote(value: unknown): string {
  const helper = 'shellQuote';
  const s = text(helper, value);
  refuseNul(helper, s, 'a shell word');
  return `'${s.replaceAll("'", "'\\''")}'`;
}

// ---------------------------------------------------------------------------------------------------------------
// Python, JS/TS, JSON
// ---------------------------------------------------------------------------------------------------------------

/**
 * A Python 3 `str` literal in double quotes, pure ASCII: `\`, `"`, `\n`, `\r`, `\t` by name, other C0/C1 controls
 * and DEL as `\xNN`, every other non-ASCII character as `\uXXXX` / `\UXXXXXXXX`. Not for f-strings.
 */
export function pyStr(value: unknown): string {
  const escaped = escapeEach(text('pyStr', value), DOUBLE_QUOTED_ESCAPES, (cp) => {
    if (isC0OrDel(cp) || isC1(cp)) return `\\x${hex(cp, 2).toLowerCase()}`;
    if (cp > 0xffff) return `\\U${hex(cp, 8).toLowerCase()}`;
    if (cp > 0x7e) return `\\u${hex(cp, 4).toLowerCase()}`;
    return undefined;
  });
  return `"${escaped}"`;
}

/** Escapes, after JSON.stringify, what JSON leaves raw but JS/HTML embedding must not see raw. */
const JS_EXTRA_RE = /[<\u2028\u2029\u007f-\u009f\ufeff]/g;
function jsExtra(jsonText: string): string {
  return jsonText.replace(JS_EXTRA_RE, (ch) => `\\u${hex(codePoint(ch), 4).toLowerCase()}`);
}

/**
 * A JS/TS string literal in double quotes: JSON.stringify, plus `<` as `\u003c` (so `</script>` or `<!--` cannot
 * appear), U+2028/U+2029, DEL, C1 controls and BOM as `\uXXXX`. Lone surrogates are refused.
 */
export function jsStr(value: unknown): string {
  return jsExtra(JSON.stringify(text('jsStr', value)));
}

/**
 * JSON text for embedding in JS or HTML: JSON.stringify with the same extra escapes as `jsStr`. Objects and arrays
 * are allowed; undefined, functions, symbols, bigints, non-finite numbers, lone surrogates and cycles anywhere in
 * the value are refused (JSON.stringify would otherwise drop them, turn them into null, or omit the text).
 */
export function json(value: unknown): string {
  const helper = 'json';
  const check = (v: unknown): void => {
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') {
      fail(helper, 'value (or a member of it) is not representable in JSON', v);
    }
    if (typeof v === 'number' && !Number.isFinite(v)) fail(helper, 'non-finite numbers are not representable in JSON', v);
    if (typeof v === 'string' && LONE_SURROGATE_RE.test(v)) {
      fail(helper, 'contains a lone UTF-16 surrogate, which cannot be written as UTF-8', v);
    }
  };
  let out: string | undefined;
  try {
    out = JSON.stringify(value, (key: string, v: unknown) => {
      check(key);
      check(v);
      return v;
    });
  } catch (error) {
    if (error instanceof RenderError) throw error;
    fail(helper, 'value is not JSON-serialisable (circular reference?)', typeof value === 'object' ? value : undefined);
  }
  if (out === undefined) return fail(helper, 'value is not representable in JSON', value);
  return jsExtra(out);
}

// ---------------------------------------------------------------------------------------------------------------
// TOML
// ---------------------------------------------------------------------------------------------------------------

/**
 * A TOML basic string: `\"`, `\\`, `\b \t \n \f \r`, other C0 controls, DEL, C1 controls, U+2028/U+2029 and BOM
 * as `\uXXXX`. Lone surrogates are refused.
 */
export function tomlStr(value: unknown): string {
  const escaped = escapeEach(text('tomlStr', value), DOUBLE_QUOTED_ESCAPES, (cp) =>
    isC0OrDel(cp) || isC1(cp) || cp === 0x2028 || cp === 0x2029 || cp === 0xfeff ? `\\u${hex(cp, 4)}` : undefined,
  );
  return `"${escaped}"`;
}

// ---------------------------------------------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------------------------------------------

/** ASCII punctuation that can start or close Markdown/GFM syntax; escaped with a backslash (all are CommonMark-escapable). */
const MD_BACKSLASH = new Set(['\\', '`', '*', '_', '{', '}', '[', ']', '(', ')', '#', '+', '-', '.', '!', '|', '~', '^', '$']);
const MD_ENTITY: Readonly<Record<string, string>> = { '<': '&lt;', '>': '&gt;', '&': '&amp;' };
/**
 * What mdText rewrites, one character at a time: Markdown punctuation, `<`, `>`, `&`, a `:` before `/` (no bare-URL
 * autolink), a leading `=`, and controls and invisible format/bidi characters other than the tab (those become
 * numeric character references, never raw).
 */
const MD_SPECIAL_RE = /[\\`*_{}[\]()#+\-.!|~^$<>&]|:(?=\/)|^=|(?!\t)[\p{Cc}\p{Cf}]/gu;

/**
 * Text for a Markdown paragraph, list item or table cell. Line breaks (LF, CR, CRLF, U+0085, U+2028, U+2029)
 * collapse to one space each; Markdown punctuation is backslash-escaped, `<`, `>`, `&` become entities, `:`
 * before `/` is escaped (no bare-URL autolinks), a leading `=` is escaped (no setext heading), controls and bidi/format characters become `&#xNN;`, and
 * leading/trailing blanks become `&#32;`/`&#9;` (no indented code block or hard line break). NUL is refused.
 * No link, image, HTML tag, heading, list, emphasis or table-cell break can come out of the value.
 */
export function mdText(value: unknown): string {
  const helper = 'mdText';
  const s = text(helper, value);
  refuseNul(helper, s, 'Markdown');
  const escaped = s
    .replace(/\r\n|[\n\r\u0085\u2028\u2029]/g, ' ')
    .replace(MD_SPECIAL_RE, (ch: string, offset: number) => {
      if (ch.length === 1 && MD_BACKSLASH.has(ch)) return `\\${ch}`;
      const entity = MD_ENTITY[ch];
      if (entity !== undefined) return entity;
      // A leading '=' could turn the previous line of the template into a setext heading.
      if (ch === ':' || (ch === '=' && offset === 0)) return `\\${ch}`;
      return `&#x${hex(codePoint(ch), 2)};`;
    });
  // Blanks at either end would make an indented code block or a hard line break.
  const blankEntity = (blanks: string): string => blanks.replace(/[ \t]/g, (ch) => (ch === ' ' ? '&#32;' : '&#9;'));
  return escaped.replace(/^[ \t]+/, blankEntity).replace(/[ \t]+$/, blankEntity);
}

// ---------------------------------------------------------------------------------------------------------------
// Derived identifiers
// ---------------------------------------------------------------------------------------------------------------

/**
 * Last line of defence for values the tool derived and validated itself (a Python package name, a role prefix,
 * a date): returns the value unchanged if it matches /^[A-Za-z0-9][A-Za-z0-9._-]*$/ and is at most 214
 * characters, otherwise throws. It does not escape anything.
 */
export function ident(value: unknown): string {
  const helper = 'ident';
  const s = toText(helper, value);
  if (s.length > IDENT_MAX || !IDENT_RE.test(s)) {
    fail(helper, `not a plain identifier (letters, digits, '.', '_', '-', starting with a letter or digit, at most ${IDENT_MAX} characters)`, s);
  }
  return s;
}

// ---------------------------------------------------------------------------------------------------------------
// Mermaid labels and line-based fields
// ---------------------------------------------------------------------------------------------------------------

const MERMAID_PLAIN_RE = /^[A-Za-z0-9 ,.:/()_+-]$/;

/**
 * A quoted Mermaid label `"..."`: every character outside a small plain set becomes a Mermaid entity code
 * (`#35;` for `#`, `#quot;` would also do for `"`), so no value can close the label, start a new node or edge,
 * or inject a directive or HTML. Line breaks are refused: a label is one line.
 */
export function mermaidText(value: unknown): string {
  const helper = 'mermaidText';
  const s = text(helper, value);
  if (/[\r\n\u2028\u2029\u0085]/.test(s)) fail(helper, 'a Mermaid label is one line', s);
  let out = '';
  for (const ch of s) out += MERMAID_PLAIN_RE.test(ch) ? ch : `#${codePoint(ch)};`;
  return `"${out}"`;
}

/**
 * A value in a line-based `Field: value` file (security.txt, RFC 9116): returned unchanged, but refused when
 * it holds a control character, a line or paragraph separator, or leading/trailing whitespace, since any of
 * those could start a new field or hide one.
 */
export function lineValue(value: unknown): string {
  const helper = 'lineValue';
  const s = text(helper, value);
  if (/[\p{Cc}\p{Zl}\p{Zp}]/u.test(s)) fail(helper, 'contains a control character or line break', s);
  if (s.trim() !== s || s === '') fail(helper, 'is empty or has leading or trailing whitespace', s);
  return s;
}

/** The helpers the renderer registers with Handlebars, by name. */
export const ESCAPE_HELPERS = {
  sqlIdent,
  sqlLiteral,
  yamlStr,
  ghaStr,
  shellQuote,
  pyStr,
  jsStr,
  tomlStr,
  mdText,
  ident,
  json,
  mermaidText,
  lineValue,
} as const;
