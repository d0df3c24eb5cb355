/**
 * The shell scripts the checks read — workflow `run:` scripts and the shell form of Dockerfile RUN — parsed with
 * mvdan-sh (mvdan.cc/sh, the parser behind shfmt, compiled to JavaScript by GopherJS), Bash dialect. A script
 * becomes its simple commands: words with quotes removed and their offsets in the caller's text, redirections,
 * here-documents, grouped in pipelines, so a check asks which program runs with which arguments and where its
 * output goes. Nothing is expanded or run.
 *
 * What is not shell is made shell first, without moving what a finding points at:
 * - the runner's `${{ … }}` expressions (substituted into the script before a shell starts) become a parameter
 *   expansion of the same length; words show them as written and count them as expansions;
 * - a Dockerfile RUN's line continuations (its escape character before a newline, and the comment and blank lines
 *   Docker drops inside a continued instruction) are removed, each parsed character keeping its Dockerfile offset;
 *   here-document bodies after the instruction line are raw text, as Docker passes them; and the body of
 *   `RUN <<EOF` is the script itself.
 * A syntax error blanks the line it is on and the script is parsed again (at most MAX_RECOVERIES times), so one
 * line the parser rejects (PowerShell, a typo) does not hide the other lines' commands; the errors are returned
 * for the caller to note. Parsing never throws.
 *
 * The tree is read from the Go values behind mvdan-sh's JavaScript wrappers: a wrapper converts a whole Go value
 * on every property access (30-80 µs each, about 5 ms per script, where the parse itself takes 0.1-3 ms). The
 * GopherJS layout read here: structs keep the Go field names of https://pkg.go.dev/mvdan.cc/sh/v3/syntax, a
 * slice is {$array, $offset, $length}, a Pos is {offs} (a UTF-8 byte offset), a pointer or an interface is the
 * struct itself with its Go type in `constructor.string`, and nil is the type's `nil` value (or a value without
 * a type). mvdan-sh 0.10.1 is its last release; test/check/shell.test.ts fails if the layout ever changes.
 */
import { createRequire } from 'node:module';
import type { ParseError, Parser, Syntax } from 'mvdan-sh';
import { byteIndexes, indexOfByte } from './line-index.js';

export interface ShellWord {
  /** The word with quotes removed and backslash escapes resolved; expansions are kept as written (`$X`, `$(…)`, `${{ … }}`). */
  text: string;
  /** Offset of the word's first character in the caller's text. */
  start: number;
  /** Offset just after the word's last character. */
  end: number;
  /** Whether some part of the word is quoted or backslash-escaped. */
  quoted: boolean;
  /**
   * Parameters the word expands outside single quotes: `$NAME`, `${NAME…}` (with those in its operands, as in
   * `${A:-$B}`), special parameters (`$1`, `$@`) and PowerShell's `$env:NAME`. Not those of substitutions.
   */
  variables: string[];
  /** The commands of each command or process substitution of the word: `$(…)`, `` `…` ``, `<(…)`, `>(…)`. */
  substitutions: ShellCommand[][];
  /** Whether the word's value is only known at run time: it expands a parameter, a substitution, arithmetic or a `${{ }}`. */
  dynamic: boolean;
}

export interface ShellRedirection {
  /** `>`, `>>`, `>|`, `&>`, `&>>`, `>&`, `<`, `<>`, `<&`, `<<`, `<<-` or `<<<` (without a leading descriptor number). */
  operator: string;
  /** Offset of the redirection (its descriptor number, if it has one). */
  start: number;
  /** What the operator applies to: a file, a descriptor (`>&2`), a here-document's delimiter or a here-string. */
  target: ShellWord | undefined;
}

export interface HereDocument {
  /** The body's lines, without the delimiter line (and without leading tabs under `<<-`). */
  body: string;
  /** False when the delimiter is quoted (`<<'EOF'`): the body is then literal text. */
  expands: boolean;
  /** Parameters the body expands (none when it does not expand). */
  variables: string[];
  /** The commands of the body's command substitutions. */
  substitutions: ShellCommand[][];
  /** Whether the body expands anything at run time. */
  dynamic: boolean;
}

export interface ShellCommand {
  /**
   * Assignments (`A=1`) then the words of a simple command; the declaration builtins (`export`, `local`,
   * `declare`, `readonly`) are a command named so. Empty for the redirections of a compound command (`{ …; } > f`).
   */
  words: ShellWord[];
  redirections: ShellRedirection[];
  hereDocuments: HereDocument[];
  /** Offset of the command's first word or redirection. */
  start: number;
  /**
   * Commands joined by `|` or `|&` share a pipeline number, and so do the commands inside a compound command
   * that is part of a pipeline (`{ a; b; } | c`); any other separator starts a new one.
   */
  pipeline: number;
}

export interface ShellSyntaxError {
  /** The parser's message. */
  message: string;
  /** Offset in the caller's text where the parser stopped. */
  offset: number;
}

export interface ShellScript {
  /** The simple commands, in order: those of compound commands (if, while, for, case, functions, groups) included, not those of substitutions. */
  commands: ShellCommand[];
  /** Offsets of the pipe operators (`|`, `|&`) outside substitutions, in order. */
  pipes: number[];
  /** Syntax errors, in the order met: the line each was on is left out of `commands`. Empty when the script parsed. */
  errors: ShellSyntaxError[];
}

/** How many syntax errors a script may have before the rest of it is given up. */
const MAX_RECOVERIES = 20;
const EXPRESSION = /\$\{\{[\s\S]*?\}\}/g;
const REDIRECTION_OPERATOR = /^(?:<<<|<<-|&>>|>>|>\||>&|<<|<>|<&|&>|>|<)/;
const IDENTIFIER_AFTER_COLON = /^:([A-Za-z_][A-Za-z0-9_]*)/;

/**
 * The commands of a shell script. With `githubExpressions`, the `${{ … }}` of a workflow are expressions of the
 * runner, not shell (a `run:` script). Offsets are in `script`.
 */
export function parseShell(script: string, options: { githubExpressions?: boolean } = {}): ShellScript {
  const parsed = options.githubExpressions ? script.replace(EXPRESSION, (expression) => `\${${'_'.repeat(expression.length - 3)}}`) : script;
  return parseSource(new Source(parsed, script, undefined), false);
}

/**
 * The commands of the shell form of a Dockerfile RUN whose arguments are `text.slice(start, end)`. `escape` is the
 * Dockerfile's escape character (`\` unless a `# escape=` directive chose another), which continues lines.
 * Offsets are in `text`.
 */
export function parseDockerRun(text: string, start: number, end: number, escape = '\\'): ShellScript {
  let parsed = '';
  const offsets: number[] = [];
  // Continuations join the instruction's own line; here-document bodies come after it and are passed as written.
  let instructionLine = true;
  for (let index = start; index < end; ) {
    if (instructionLine) {
      const joined = continuationLength(text, index, end, escape);
      if (joined > 0) {
        index += joined;
        continue;
      }
      if (text[index] === '\n') instructionLine = false;
    }
    // Windows line ends: the shell would read the carriage return as part of a word or a delimiter.
    if (!(text[index] === '\r' && text[index + 1] === '\n')) {
      parsed += text[index];
      offsets.push(index);
    }
    index += 1;
  }
  offsets.push(end);
  return parseSource(new Source(parsed, parsed, Int32Array.from(offsets)), true);
}

/**
 * The length of a Dockerfile line continuation at `at`: the escape character, blanks, the newline, then the
 * comment and blank lines Docker drops inside a continued instruction. 0 when there is none.
 */
function continuationLength(text: string, at: number, end: number, escape: string): number {
  if (text[at] !== escape) return 0;
  let index = at + 1;
  while (index < end && (text[index] === ' ' || text[index] === '\t')) index += 1;
  if (text[index] === '\r') index += 1;
  if (text[index] !== '\n') return 0;
  index += 1;
  for (;;) {
    let lineStart = index;
    while (lineStart < end && (text[lineStart] === ' ' || text[lineStart] === '\t')) lineStart += 1;
    if (lineStart >= end || !(text[lineStart] === '\n' || text[lineStart] === '\r' || text[lineStart] === '#')) return index - at;
    const newline = text.indexOf('\n', lineStart);
    if (newline < 0 || newline >= end) return end - at;
    index = newline + 1;
  }
}

// ---- The parser ---------------------------------------------------------------------------------

const requireFromHere = createRequire(import.meta.url);
let shellParser: Parser | undefined;

/** The parser, loaded on first use (about 90 ms): most repositories checked have no script to parse. */
function parser(): Parser {
  if (shellParser === undefined) {
    // Loading the GopherJS runtime sets Error.stackTraceLimit to Infinity and a global `require`: both are put back.
    const stackTraceLimit = Error.stackTraceLimit;
    const global = globalThis as { require?: unknown };
    const hadRequire = Object.prototype.hasOwnProperty.call(global, 'require');
    const previousRequire = global.require;
    try {
      const { syntax } = requireFromHere('mvdan-sh') as { syntax: Syntax };
      shellParser = syntax.NewParser(syntax.Variant(syntax.LangBash));
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
      if (hadRequire) global.require = previousRequire;
      else delete global.require;
    }
  }
  return shellParser;
}

/** The text handed to the parser, and the way back to the caller's text. */
class Source {
  /** Index in `parsed` of each UTF-8 byte offset (the parser's positions); undefined while `parsed` is ASCII. */
  private bytes: Int32Array | undefined;

  /**
   * @param parsed what the parser reads
   * @param shown what words are made of, same length as `parsed`: the runner's expressions as written, not their placeholders
   * @param offsets the caller's offset of each character of `parsed`, and of its end; undefined: the same index
   */
  constructor(
    public parsed: string,
    readonly shown: string,
    private readonly offsets: Int32Array | undefined,
  ) {
    this.bytes = byteIndexes(parsed);
  }

  /** The part `[from, to)` of this source as a source of its own. */
  slice(from: number, to: number): Source {
    const offsets = Int32Array.from({ length: to - from + 1 }, (_, index) => this.offset(from + index));
    return new Source(this.parsed.slice(from, to), this.shown.slice(from, to), offsets);
  }

  /** Index in `parsed` of a position the parser reported. */
  index(position: GoPos): number {
    return indexOfByte(this.bytes, position.offs, this.parsed.length);
  }

  /** The caller's offset of the character at `index` of `parsed`. */
  offset(index: number): number {
    return this.offsets === undefined ? index : this.offsets[Math.min(index, this.offsets.length - 1)]!;
  }

  /** The caller's offset just after the text `[from, to)` of `parsed`. */
  endOffset(from: number, to: number): number {
    return to > from ? this.offset(to - 1) + 1 : this.offset(from);
  }

  /** Takes the text as the parser read it after blanking lines (same length: nothing moves). */
  replaceParsed(parsed: string): void {
    this.parsed = parsed;
    this.bytes = byteIndexes(parsed);
  }
}

function parseSource(source: Source, dockerRun: boolean): ShellScript {
  const errors: ShellSyntaxError[] = [];
  try {
    const file = parseRecovering(source, errors);
    if (file === undefined) return { commands: [], pipes: [], errors };
    const reader = new TreeReader(source);
    const scriptHereDocument = dockerRun ? leadingHereDocument(source, file) : undefined;
    const script = reader.script(file.Stmts, scriptHereDocument?.redirect);
    if (scriptHereDocument !== undefined) {
      // `RUN <<EOF` runs the here-document: its body is the script.
      const body = source.slice(scriptHereDocument.bodyStart, scriptHereDocument.bodyEnd);
      const bodyFile = parseRecovering(body, errors);
      if (bodyFile !== undefined) {
        const inner = new TreeReader(body, reader.pipelinesUsed).script(bodyFile.Stmts, undefined);
        script.commands.push(...inner.commands);
        script.pipes.push(...inner.pipes);
      }
    }
    script.pipes.sort((a, b) => a - b);
    return { ...script, errors };
  } catch (error) {
    // Not a syntax error: the parser or the layout read here failed. The script is then not read at all.
    errors.push({ message: `the shell parser failed: ${error instanceof Error ? error.message : String(error)}`, offset: source.offset(0) });
    return { commands: [], pipes: [], errors };
  }
}

/** A parse of one text: its tree (undefined when recovery gave up), the text with the failing lines blanked, the errors. */
interface Parse {
  file: GoFile | undefined;
  parsed: string;
  errors: Array<{ message: string; index: number }>;
}

/**
 * The parses of the texts seen last. The same script often comes back (a run: line in every workflow of a matrix,
 * the same RUN in each service's Dockerfile) and parsing costs far more than reading the tree again. A tree stays
 * valid after later parses: the parser never writes to nodes it handed out.
 */
const PARSES = new Map<string, Parse>();
const MAX_CACHED_PARSES = 256;

/** Parses the source, blanking each line with a syntax error and parsing again; undefined when that gives up. */
function parseRecovering(source: Source, errors: ShellSyntaxError[]): GoFile | undefined {
  let parse = PARSES.get(source.parsed);
  if (parse === undefined) {
    parse = parseText(source.parsed);
    if (PARSES.size >= MAX_CACHED_PARSES) PARSES.delete(PARSES.keys().next().value!);
    PARSES.set(source.parsed, parse);
  }
  if (parse.parsed !== source.parsed) source.replaceParsed(parse.parsed);
  for (const error of parse.errors) errors.push({ message: error.message, offset: source.offset(error.index) });
  return parse.file;
}

function parseText(text: string): Parse {
  const errors: Parse['errors'] = [];
  let parsed = text;
  for (let attempt = 0; ; attempt += 1) {
    let failure: ParseError;
    try {
      return { file: parser().Parse(parsed, '').__internal_object__ as GoFile, parsed, errors };
    } catch (error) {
      if (!isParseError(error)) throw error;
      failure = error;
    }
    const index = Math.min(indexOfByte(byteIndexes(parsed), failure.Pos.Offset(), parsed.length), Math.max(parsed.length - 1, 0));
    errors.push({ message: failure.Text, index });
    const blanked = attempt < MAX_RECOVERIES ? blankLine(parsed, index) : undefined;
    if (blanked === undefined) return { file: undefined, parsed, errors };
    parsed = blanked;
  }
}

/** The text with the line holding `index` blanked (same length, so nothing moves); undefined when it holds nothing to blank. */
function blankLine(text: string, index: number): string | undefined {
  const lineStart = text.lastIndexOf('\n', index - 1) + 1;
  const newline = text.indexOf('\n', index);
  const lineEnd = newline < 0 ? text.length : newline;
  const line = text.slice(lineStart, lineEnd);
  if (line.trim() === '') return undefined;
  return text.slice(0, lineStart) + ' '.repeat(line.length) + text.slice(lineEnd);
}

function isParseError(error: unknown): error is ParseError {
  const candidate = error as Partial<ParseError> | null;
  return typeof candidate?.Text === 'string' && typeof candidate.Pos?.Offset === 'function';
}

/** The here-document that starts a RUN (`RUN <<EOF`), whose body Docker runs as the script. */
function leadingHereDocument(source: Source, file: GoFile): { redirect: GoRedirect; bodyStart: number; bodyEnd: number } | undefined {
  const first = file.Stmts.$length > 0 ? file.Stmts.$array[file.Stmts.$offset]! : undefined;
  const redirect = first === undefined || first.Redirs.$length === 0 ? undefined : first.Redirs.$array[first.Redirs.$offset]!;
  if (redirect === undefined || isNil(redirect.Hdoc)) return undefined;
  const operatorIndex = source.index(redirect.OpPos);
  if (operatorIndex !== source.parsed.search(/\S/) || !source.parsed.startsWith('<<', operatorIndex) || source.parsed.startsWith('<<<', operatorIndex)) return undefined;
  return { redirect, ...hereDocumentBody(source, redirect.Hdoc) };
}

/** Where a here-document's body is in `parsed`: from its first character to the newline before the delimiter line. */
function hereDocumentBody(source: Source, body: GoWord): { bodyStart: number; bodyEnd: number } {
  const parts = items(body.Parts);
  const bodyStart = partStart(source, parts[0]!);
  // The parser ends the last part of a body at the end of the delimiter line.
  const last = partEnd(source, parts.at(-1)!);
  const newline = source.parsed.lastIndexOf('\n', last - 1);
  return { bodyStart, bodyEnd: newline >= bodyStart ? newline : last };
}

// ---- Reading the tree ---------------------------------------------------------------------------

interface Scope {
  commands: ShellCommand[];
  /** Pipe offsets, collected outside substitutions only. */
  pipes: number[] | undefined;
}

/** What a word is made of, gathered part by part. */
interface WordValue {
  text: string;
  quoted: boolean;
  variables: string[];
  substitutions: ShellCommand[][];
  dynamic: boolean;
}

type WordContext = 'unquoted' | 'double-quoted' | 'here-document';

const emptyValue = (): WordValue => ({ text: '', quoted: false, variables: [], substitutions: [], dynamic: false });

class TreeReader {
  constructor(
    private readonly source: Source,
    private nextPipeline = 0,
  ) {}

  get pipelinesUsed(): number {
    return this.nextPipeline;
  }

  /** The commands and pipes of a statement list; `skipped` is a redirection that is not part of the script (`RUN <<EOF`). */
  script(statements: GoSlice<GoStmt>, skipped: GoRedirect | undefined): { commands: ShellCommand[]; pipes: number[] } {
    const scope = { commands: [], pipes: [] };
    for (const statement of items(statements)) this.statement(statement, scope, undefined, skipped);
    return scope;
  }

  private newPipeline(): number {
    return this.nextPipeline++;
  }

  private statements(statements: GoSlice<GoStmt>, scope: Scope, pipeline: number | undefined): void {
    for (const statement of items(statements)) this.statement(statement, scope, pipeline, undefined);
  }

  private statement(statement: GoStmt, scope: Scope, pipeline: number | undefined, skipped: GoRedirect | undefined): void {
    const command = statement.Cmd;
    switch (kindOf(command)) {
      case undefined:
        this.simpleCommand(statement, () => [], scope, pipeline, skipped);
        return;
      case 'CallExpr': {
        const call = command as GoCallExpr;
        this.simpleCommand(statement, () => [...items(call.Assigns).map((assign) => this.assignment(assign)), ...items(call.Args).map((word) => this.word(word))], scope, pipeline, skipped);
        return;
      }
      case 'DeclClause': {
        const declaration = command as GoDeclClause;
        this.simpleCommand(statement, () => [this.literal(declaration.Variant), ...items(declaration.Args).map((assign) => this.assignment(assign))], scope, pipeline, skipped);
        return;
      }
      case 'BinaryCmd': {
        const binary = command as GoBinaryCmd;
        const operatorIndex = this.source.index(binary.OpPos);
        const isPipe = this.source.parsed[operatorIndex] === '|' && this.source.parsed[operatorIndex + 1] !== '|';
        const shared = isPipe ? (pipeline ?? this.newPipeline()) : pipeline;
        this.statement(binary.X, scope, shared, undefined);
        if (isPipe) scope.pipes?.push(this.source.offset(operatorIndex));
        this.statement(binary.Y, scope, shared, undefined);
        break;
      }
      case 'Block':
      case 'Subshell':
        this.statements((command as GoStatementList).Stmts, scope, pipeline);
        break;
      case 'IfClause':
        // `elif` and `else` are IfClauses chained by Else; a plain `else` has no condition.
        for (let clause = command as GoIfClause; kindOf(clause) === 'IfClause'; clause = clause.Else) {
          this.statements(clause.Cond, scope, pipeline);
          this.statements(clause.Then, scope, pipeline);
        }
        break;
      case 'WhileClause':
        this.statements((command as GoWhileClause).Cond, scope, pipeline);
        this.statements((command as GoWhileClause).Do, scope, pipeline);
        break;
      case 'ForClause':
        this.statements((command as GoForClause).Do, scope, pipeline);
        break;
      case 'CaseClause':
        for (const item of items((command as GoCaseClause).Items)) this.statements(item.Stmts, scope, pipeline);
        break;
      case 'FuncDecl':
        // A function's body runs where it is called, not in the pipeline it is declared in.
        this.statement((command as GoFuncDecl).Body, scope, undefined, undefined);
        break;
      case 'TimeClause':
      case 'CoprocClause': {
        const inner = (command as GoWrappedStatement).Stmt;
        if (!isNil(inner)) this.statement(inner, scope, pipeline, undefined);
        break;
      }
      default:
        // [[ … ]], (( … )) and let test or compute: they run no command.
        break;
    }
    // Redirections of a compound command apply to all of it: they are kept on a command without words.
    if (statement.Redirs.$length > 0) this.simpleCommand(statement, () => [], scope, pipeline, undefined);
  }

  private simpleCommand(statement: GoStmt, readWords: () => ShellWord[], scope: Scope, pipeline: number | undefined, skipped: GoRedirect | undefined): void {
    const own = pipeline ?? this.newPipeline();
    const words = readWords();
    const redirections: ShellRedirection[] = [];
    const hereDocuments: HereDocument[] = [];
    for (const redirect of items(statement.Redirs)) {
      if (redirect === skipped) continue;
      const read = this.redirection(redirect);
      redirections.push(read.redirection);
      if (read.hereDocument !== undefined) hereDocuments.push(read.hereDocument);
    }
    if (words.length === 0 && redirections.length === 0) return;
    const start = Math.min(...words.slice(0, 1).map((word) => word.start), ...redirections.map((redirection) => redirection.start));
    scope.commands.push({ words, redirections, hereDocuments, start, pipeline: own });
  }

  private redirection(redirect: GoRedirect): { redirection: ShellRedirection; hereDocument?: HereDocument } {
    const operatorIndex = this.source.index(redirect.OpPos);
    const operator = REDIRECTION_OPERATOR.exec(this.source.parsed.slice(operatorIndex, operatorIndex + 3))?.[0] ?? '';
    const start = this.source.offset(isNil(redirect.N) ? operatorIndex : this.source.index(redirect.N.ValuePos));
    const target = isNil(redirect.Word) ? undefined : this.word(redirect.Word);
    const redirection = { operator, start, target };
    if (operator !== '<<' && operator !== '<<-') return { redirection };
    // A delimiter with any quoting or escape makes the body literal.
    const expands = !isNil(redirect.Word) && items(redirect.Word.Parts).every((part) => kindOf(part) === 'Lit') && target?.quoted === false;
    if (isNil(redirect.Hdoc)) return { redirection, hereDocument: { body: '', expands, variables: [], substitutions: [], dynamic: false } };
    const { bodyStart, bodyEnd } = hereDocumentBody(this.source, redirect.Hdoc);
    let body = this.source.shown.slice(bodyStart, bodyEnd);
    if (operator === '<<-') body = body.replace(/^\t+/gm, '');
    const value = emptyValue();
    if (expands) this.parts(items(redirect.Hdoc.Parts), value, 'here-document');
    return { redirection, hereDocument: { body, expands, variables: value.variables, substitutions: value.substitutions, dynamic: value.dynamic } };
  }

  private word(word: GoWord): ShellWord {
    const parts = items(word.Parts);
    const value = emptyValue();
    this.parts(parts, value, 'unquoted');
    const start = partStart(this.source, parts[0]!);
    return { ...value, start: this.source.offset(start), end: this.source.endOffset(start, partEnd(this.source, parts.at(-1)!)) };
  }

  private literal(literal: GoLit): ShellWord {
    const start = this.source.index(literal.ValuePos);
    const end = this.source.index(literal.ValueEnd);
    const written = this.source.shown.slice(start, end);
    return { ...emptyValue(), text: unescapeUnquoted(written), quoted: written.includes('\\'), start: this.source.offset(start), end: this.source.endOffset(start, end) };
  }

  /** `NAME=value` (and `NAME+=`, `NAME[i]=`, `NAME=(…)`) as one word, as a shell lexer sees it; a bare `export NAME` or `declare -x` is its word. */
  private assignment(assign: GoAssign): ShellWord {
    const hasName = !isNil(assign.Name);
    if (assign.Naked || !hasName) return hasName ? this.literal(assign.Name) : this.word(assign.Value);
    const start = this.source.index(assign.Name.ValuePos);
    const value = emptyValue();
    let end: number;
    if (!isNil(assign.Array)) {
      // An array is kept as written; what its elements expand is what it expands.
      end = this.source.index(assign.Array.Rparen) + 1;
      const elements = emptyValue();
      for (const element of items(assign.Array.Elems)) if (!isNil(element.Value)) this.parts(items(element.Value.Parts), elements, 'unquoted');
      Object.assign(value, { ...elements, text: this.source.shown.slice(start, end) });
    } else if (!isNil(assign.Value)) {
      const parts = items(assign.Value.Parts);
      value.text = this.source.shown.slice(start, partStart(this.source, parts[0]!));
      this.parts(parts, value, 'unquoted');
      end = partEnd(this.source, parts.at(-1)!);
    } else {
      end = this.source.parsed.indexOf('=', this.source.index(assign.Name.ValueEnd)) + 1;
      value.text = this.source.shown.slice(start, end);
    }
    return { ...value, start: this.source.offset(start), end: this.source.endOffset(start, end) };
  }

  private parts(parts: readonly GoNode[], into: WordValue, context: WordContext): void {
    const { shown } = this.source;
    for (const [position, part] of parts.entries()) {
      const start = partStart(this.source, part);
      const end = partEnd(this.source, part);
      const written = shown.slice(start, end);
      switch (kindOf(part)) {
        case 'Lit':
          if (context === 'unquoted' && written.includes('\\')) into.quoted = true;
          into.text += context === 'unquoted' ? unescapeUnquoted(written) : unescapeDoubleQuoted(written);
          break;
        case 'SglQuoted':
          into.quoted = true;
          into.text += written.slice((part as GoQuoted).Dollar ? 2 : 1, -1);
          break;
        case 'DblQuoted':
          into.quoted = true;
          this.parts(items((part as GoDoubleQuoted).Parts), into, 'double-quoted');
          break;
        case 'ParamExp':
          into.text += written;
          into.dynamic = true;
          this.parameter(part as GoParamExp, start, parts[position + 1], into);
          break;
        case 'CmdSubst':
        case 'ProcSubst': {
          into.text += written;
          into.dynamic = true;
          const scope: Scope = { commands: [], pipes: undefined };
          this.statements((part as GoStatementList).Stmts, scope, undefined);
          into.substitutions.push(scope.commands);
          break;
        }
        case 'ArithmExp':
          into.text += written;
          into.dynamic = true;
          break;
        default:
          // An extended glob (`@(a|b)`) is a pattern, kept as written.
          into.text += written;
      }
    }
  }

  private parameter(expansion: GoParamExp, start: number, next: GoNode | undefined, into: WordValue): void {
    // The runner's ${{ … }} (its placeholder here): an expansion, but no shell variable.
    if (this.source.shown.startsWith('${{', start)) return;
    if (!isNil(expansion.Param)) {
      const name = this.source.shown.slice(this.source.index(expansion.Param.ValuePos), this.source.index(expansion.Param.ValueEnd));
      // PowerShell's $env:NAME reads the environment variable NAME; a shell reads $env followed by ":NAME".
      const environmentVariable = expansion.Short && name.toLowerCase() === 'env' && next !== undefined && kindOf(next) === 'Lit' ? IDENTIFIER_AFTER_COLON.exec(this.source.shown.slice(partStart(this.source, next)))?.[1] : undefined;
      into.variables.push(environmentVariable ?? name);
    }
    const operands = [isNil(expansion.Exp) ? undefined : expansion.Exp.Word, isNil(expansion.Repl) ? undefined : expansion.Repl.Orig, isNil(expansion.Repl) ? undefined : expansion.Repl.With];
    for (const operand of operands) {
      if (operand === undefined || isNil(operand)) continue;
      const nested = emptyValue();
      this.parts(items(operand.Parts), nested, 'unquoted');
      into.variables.push(...nested.variables);
      into.substitutions.push(...nested.substitutions);
    }
  }
}

function partStart(source: Source, part: GoNode): number {
  switch (kindOf(part)) {
    case 'Lit':
      return source.index((part as GoLit).ValuePos);
    case 'SglQuoted':
    case 'DblQuoted':
    case 'CmdSubst':
    case 'ArithmExp':
      return source.index((part as GoQuoted).Left);
    case 'ParamExp':
      return source.index((part as GoParamExp).Dollar);
    case 'ProcSubst':
    case 'ExtGlob':
      return source.index((part as GoExtGlob).OpPos);
    default:
      throw new Error(`unexpected word part ${String(part.constructor.string)}`);
  }
}

function partEnd(source: Source, part: GoNode): number {
  switch (kindOf(part)) {
    case 'Lit':
      return source.index((part as GoLit).ValueEnd);
    case 'SglQuoted':
    case 'DblQuoted':
    case 'CmdSubst':
      return source.index((part as GoQuoted).Right) + 1;
    case 'ArithmExp':
      return source.index((part as GoArithmExp).Right) + ((part as GoArithmExp).Bracket ? 1 : 2);
    case 'ParamExp': {
      const expansion = part as GoParamExp;
      return expansion.Short ? source.index(expansion.Param.ValueEnd) : source.index(expansion.Rbrace) + 1;
    }
    case 'ProcSubst':
      return source.index((part as GoProcSubst).Rparen) + 1;
    case 'ExtGlob':
      return source.index((part as GoExtGlob).Pattern.ValueEnd) + 1;
    default:
      throw new Error(`unexpected word part ${String(part.constructor.string)}`);
  }
}

/** Unquoted text: a backslash escapes the next character, and before a newline joins the lines. */
function unescapeUnquoted(text: string): string {
  return text.includes('\\') ? text.replace(/\\([\s\S])/g, (_, escaped: string) => (escaped === '\n' ? '' : escaped)) : text;
}

/** Double-quoted text: a backslash escapes only $ ` " \ and the newline. */
function unescapeDoubleQuoted(text: string): string {
  return text.includes('\\') ? text.replace(/\\([$`"\\\n])/g, (_, escaped: string) => (escaped === '\n' ? '' : escaped)) : text;
}

// ---- The Go values of mvdan.cc/sh/v3/syntax, as GopherJS lays them out -------------------------------

interface GoSlice<T> {
  readonly $array: readonly T[];
  readonly $offset: number;
  readonly $length: number;
}
interface GoPos {
  readonly offs: number;
}
interface GoNode {
  readonly constructor: { readonly string?: string; readonly nil?: unknown };
}
interface GoFile {
  readonly Stmts: GoSlice<GoStmt>;
}
interface GoStmt extends GoNode {
  readonly Cmd: GoNode;
  readonly Redirs: GoSlice<GoRedirect>;
}
interface GoRedirect extends GoNode {
  readonly OpPos: GoPos;
  readonly N: GoLit;
  readonly Word: GoWord;
  readonly Hdoc: GoWord;
}
interface GoLit extends GoNode {
  readonly ValuePos: GoPos;
  readonly ValueEnd: GoPos;
}
interface GoWord extends GoNode {
  readonly Parts: GoSlice<GoNode>;
}
interface GoQuoted extends GoNode {
  readonly Left: GoPos;
  readonly Right: GoPos;
  readonly Dollar: boolean;
}
interface GoDoubleQuoted extends GoQuoted {
  readonly Parts: GoSlice<GoNode>;
}
interface GoParamExp extends GoNode {
  readonly Dollar: GoPos;
  readonly Rbrace: GoPos;
  readonly Short: boolean;
  readonly Param: GoLit;
  readonly Exp: GoNode & { readonly Word: GoWord };
  readonly Repl: GoNode & { readonly Orig: GoWord; readonly With: GoWord };
}
interface GoArithmExp extends GoQuoted {
  readonly Bracket: boolean;
}
interface GoProcSubst extends GoNode {
  readonly OpPos: GoPos;
  readonly Rparen: GoPos;
}
interface GoExtGlob extends GoNode {
  readonly OpPos: GoPos;
  readonly Pattern: GoLit;
}
interface GoAssign extends GoNode {
  readonly Naked: boolean;
  readonly Name: GoLit;
  readonly Value: GoWord;
  readonly Array: GoNode & { readonly Rparen: GoPos; readonly Elems: GoSlice<GoNode & { readonly Value: GoWord }> };
}
interface GoCallExpr extends GoNode {
  readonly Assigns: GoSlice<GoAssign>;
  readonly Args: GoSlice<GoWord>;
}
interface GoDeclClause extends GoNode {
  readonly Variant: GoLit;
  readonly Args: GoSlice<GoAssign>;
}
interface GoBinaryCmd extends GoNode {
  readonly OpPos: GoPos;
  readonly X: GoStmt;
  readonly Y: GoStmt;
}
/** Block, Subshell, CmdSubst and ProcSubst hold a statement list. */
interface GoStatementList extends GoNode {
  readonly Stmts: GoSlice<GoStmt>;
}
interface GoIfClause extends GoNode {
  readonly Cond: GoSlice<GoStmt>;
  readonly Then: GoSlice<GoStmt>;
  readonly Else: GoIfClause;
}
interface GoWhileClause extends GoNode {
  readonly Cond: GoSlice<GoStmt>;
  readonly Do: GoSlice<GoStmt>;
}
interface GoForClause extends GoNode {
  readonly Do: GoSlice<GoStmt>;
}
interface GoCaseClause extends GoNode {
  readonly Items: GoSlice<GoNode & { readonly Stmts: GoSlice<GoStmt> }>;
}
interface GoFuncDecl extends GoNode {
  readonly Body: GoStmt;
}
/** TimeClause and CoprocClause wrap one statement. */
interface GoWrappedStatement extends GoNode {
  readonly Stmt: GoStmt;
}

/** The node's type without the package (`CallExpr`), or undefined for nil. */
function kindOf(node: GoNode): string | undefined {
  const type = node.constructor?.string;
  if (type === undefined || node === node.constructor.nil) return undefined;
  return type.startsWith('*syntax.') ? type.slice('*syntax.'.length) : type;
}

function isNil(node: GoNode): boolean {
  return kindOf(node) === undefined;
}

function items<T>(slice: GoSlice<T>): T[] {
  const found: T[] = [];
  for (let index = 0; index < slice.$length; index += 1) found.push(slice.$array[slice.$offset + index]!);
  return found;
}

// ---- Commands -----------------------------------------------------------------------------------

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
const WRAPPERS = new Set(['sudo', 'env', 'nice', 'command', 'exec', 'nohup']);
/** Options of those wrappers that take a value (`sudo -u user`, `env -u NAME`, `nice -n 5`). */
const WRAPPER_VALUE_OPTIONS = new Set(['-u', '-g', '-C', '-D', '-p', '-r', '-t', '-U', '-T', '-n', '-S']);

/**
 * The program a simple command runs, past environment assignments (`DEBIAN_FRONTEND=noninteractive apt-get`)
 * and wrappers that run their arguments (`sudo`, `env`, `command`, `exec`, `nohup`, `nice`).
 */
export function commandOf(words: readonly ShellWord[]): { name: string; word: ShellWord; args: ShellWord[]; assignments: string[] } | undefined {
  const assignments: string[] = [];
  let index = 0;
  for (;;) {
    while (index < words.length && ASSIGNMENT.test(words[index]!.text)) assignments.push(words[index++]!.text);
    if (!WRAPPERS.has(basename(words[index]?.text ?? ''))) break;
    index += 1;
    while (index < words.length && words[index]!.text.startsWith('-')) index += WRAPPER_VALUE_OPTIONS.has(words[index]!.text) ? 2 : 1;
  }
  const word = words[index];
  if (word === undefined) return undefined;
  return { name: basename(word.text), word, args: words.slice(index + 1), assignments };
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
