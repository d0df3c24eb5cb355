/**
 * A lexer for the shell scripts of workflow `run:` steps. It splits a script into simple commands (words,
 * redirections, here-documents) grouped in pipelines, with the offset of every word, so a check can ask which
 * program runs with which arguments and where its output goes, instead of matching a regex over the script.
 * It reads; it never evaluates or expands anything.
 *
 * Understood: '…', "…" and $'…' quoting, backslash escapes, line continuations, comments, the separators
 * ; & && || | |& ( ) and newlines, { } groups, redirections (n>, >>, >|, &>, &>>, >&, <, <>, <&, <<, <<-, <<<),
 * here-document bodies, $(…), $((…)), `…`, ${…}, <(…), >(…), and the runner's ${{ … }} expressions (an expansion
 * like any other). Not understood, by design: alias and function definitions, `case` patterns with an unbalanced
 * `)` inside $(…), and PowerShell's backtick escape (PowerShell scripts are lexed with POSIX rules, which reads
 * their commands, redirections and $env:NAME references correctly but not backtick-escaped text).
 */

export interface ShellWord {
  /** The word with quotes removed and escapes resolved; expansions are kept as written (`$X`, `$(…)`, `${{ … }}`). */
  text: string;
  /** Offset of the word's first character in the script. */
  start: number;
  /** Offset just after the word. */
  end: number;
  /** Parameters the word expands outside single quotes: `$NAME`, `${NAME…}`, PowerShell's `$env:NAME`, and `$1`, `$@`…. */
  variables: string[];
  /** Scripts of the command and process substitutions in the word: `$(…)`, `` `…` ``, `<(…)`, `>(…)`. */
  substitutions: string[];
  /** Whether the word's value is only known at run time: it expands a parameter, a substitution or a `${{ }}`. */
  dynamic: boolean;
}

export interface ShellRedirection {
  /** `>`, `>>`, `>|`, `&>`, `&>>`, `>&`, `<`, `<>`, `<&`, `<<`, `<<-` or `<<<` (without a leading descriptor number). */
  operator: string;
  /** Offset of the operator (or of its descriptor number). */
  start: number;
  target: ShellWord | undefined;
}

export interface HereDocument {
  body: string;
  /** False when the delimiter was quoted (`<<'EOF'`): the body is then literal text. */
  expands: boolean;
  /** Parameters the body expands (none when it does not expand). */
  variables: string[];
  /** Scripts of the command substitutions in the body. */
  substitutions: string[];
  /** Whether the body expands anything at run time. */
  dynamic: boolean;
}

export interface ShellCommand {
  words: ShellWord[];
  redirections: ShellRedirection[];
  hereDocuments: HereDocument[];
  /** Offset of the command's first word or redirection. */
  start: number;
  /** Commands joined by `|` share a pipeline number; any other separator starts a new pipeline. */
  pipeline: number;
}

const BLANK = new Set([' ', '\t', '\r']);
/** Characters that end an unquoted word. */
const METACHARACTERS = new Set([' ', '\t', '\r', '\n', ';', '&', '|', '(', ')', '<', '>']);
const IDENTIFIER_START = /[A-Za-z_]/;
const IDENTIFIER_PART = /[A-Za-z0-9_]/;
const SPECIAL_PARAMETER = /[0-9@*#?$!-]/;
const REDIRECTION_OPERATORS = ['<<<', '<<-', '&>>', '>>', '>|', '>&', '<<', '<>', '<&', '&>', '>', '<'];

interface PendingHereDocument {
  delimiter: string;
  stripTabs: boolean;
  quoted: boolean;
  command: ShellCommand;
}

interface WordParts {
  text: string;
  variables: string[];
  substitutions: string[];
  dynamic: boolean;
}

class ShellLexer {
  private position = 0;
  private pipeline = 0;
  private current: ShellCommand;
  private readonly commands: ShellCommand[] = [];
  private readonly pending: PendingHereDocument[] = [];

  constructor(private readonly source: string) {
    this.current = this.newCommand();
  }

  run(): ShellCommand[] {
    const { source } = this;
    while (this.position < source.length) {
      const char = source[this.position]!;
      const next = source[this.position + 1];
      if (BLANK.has(char)) {
        this.position += 1;
      } else if (char === '\\' && next === '\n') {
        this.position += 2;
      } else if (char === '#') {
        while (this.position < source.length && source[this.position] !== '\n') this.position += 1;
      } else if (char === '\n') {
        this.position += 1;
        this.endCommand(true);
        this.readHereDocuments();
      } else if (char === ';' || char === '(' || char === ')') {
        this.position += char === ';' && (next === ';' || next === '&') ? 2 : 1;
        this.endCommand(true);
      } else if (char === '|') {
        if (next === '|') {
          this.position += 2;
          this.endCommand(true);
        } else {
          this.position += next === '&' ? 2 : 1;
          this.endCommand(false);
        }
      } else if (char === '&' && next !== '>') {
        this.position += next === '&' ? 2 : 1;
        this.endCommand(true);
      } else if ((char === '<' || char === '>') && next === '(') {
        this.addWord(this.readWord());
      } else if (this.atRedirection()) {
        this.readRedirection();
      } else {
        this.addWord(this.readWord());
      }
    }
    this.endCommand(true);
    return this.commands;
  }

  private newCommand(): ShellCommand {
    return { words: [], redirections: [], hereDocuments: [], start: -1, pipeline: this.pipeline };
  }

  private endCommand(endsPipeline: boolean): void {
    const command = this.current;
    if (command.words.length > 0 || command.redirections.length > 0) this.commands.push(command);
    if (endsPipeline) this.pipeline += 1;
    this.current = this.newCommand();
  }

  private addWord(word: ShellWord): void {
    // `{` opens a group and `}` closes one: neither is a word of a command. A redirection after `}` applies to
    // the whole group and stays on an empty command, whose output is then unknown.
    if (this.current.words.length === 0 && this.current.redirections.length === 0 && (word.text === '{' || word.text === '}') && this.source[word.start] === word.text) {
      if (word.text === '}') this.current.start = word.start;
      return;
    }
    if (this.current.start < 0) this.current.start = word.start;
    this.current.words.push(word);
  }

  /** A redirection operator here, optionally after a descriptor number (`2>`, `10<&`). */
  private atRedirection(): boolean {
    let index = this.position;
    while (/[0-9]/.test(this.source[index] ?? '')) index += 1;
    const operatorStart = this.source[index];
    if (operatorStart === '<' || operatorStart === '>') return true;
    return index === this.position && operatorStart === '&' && this.source[index + 1] === '>';
  }

  private readRedirection(): void {
    const start = this.position;
    while (/[0-9]/.test(this.source[this.position] ?? '')) this.position += 1;
    const operator = REDIRECTION_OPERATORS.find((candidate) => this.source.startsWith(candidate, this.position))!;
    this.position += operator.length;
    while (BLANK.has(this.source[this.position] ?? '')) this.position += 1;
    const atWord = this.position < this.source.length && !METACHARACTERS.has(this.source[this.position]!);
    const target = atWord ? this.readWord() : undefined;
    if (this.current.start < 0) this.current.start = start;
    this.current.redirections.push({ operator, start, target });
    if ((operator === '<<' || operator === '<<-') && target !== undefined) {
      const raw = this.source.slice(target.start, target.end);
      this.pending.push({ delimiter: target.text, stripTabs: operator === '<<-', quoted: /['"\\]/.test(raw), command: this.current });
    }
  }

  private readHereDocuments(): void {
    for (const document of this.pending.splice(0)) {
      const lines: string[] = [];
      while (this.position < this.source.length) {
        const lineEnd = this.source.indexOf('\n', this.position);
        const end = lineEnd < 0 ? this.source.length : lineEnd;
        let line = this.source.slice(this.position, end).replace(/\r$/, '');
        this.position = lineEnd < 0 ? end : end + 1;
        if (document.stripTabs) line = line.replace(/^\t+/, '');
        if (line === document.delimiter) break;
        lines.push(line);
      }
      const body = lines.join('\n');
      const parts = document.quoted ? undefined : expansionsIn(body);
      document.command.hereDocuments.push({
        body,
        expands: !document.quoted,
        variables: parts?.variables ?? [],
        substitutions: parts?.substitutions ?? [],
        dynamic: parts?.dynamic ?? false,
      });
    }
  }

  private readWord(): ShellWord {
    const start = this.position;
    const parts: WordParts = { text: '', variables: [], substitutions: [], dynamic: false };
    const { source } = this;
    while (this.position < source.length) {
      const char = source[this.position]!;
      const next = source[this.position + 1];
      if ((char === '<' || char === '>') && next === '(') {
        const end = matchingParenthesis(source, this.position + 1);
        parts.substitutions.push(source.slice(this.position + 2, end - 1));
        parts.text += source.slice(this.position, end);
        parts.dynamic = true;
        this.position = end;
        continue;
      }
      if (METACHARACTERS.has(char)) break;
      if (char === '\\') {
        if (next === '\n') this.position += 2;
        else {
          parts.text += next ?? '';
          this.position += 2;
        }
      } else if (char === "'") {
        const end = source.indexOf("'", this.position + 1);
        const stop = end < 0 ? source.length : end;
        parts.text += source.slice(this.position + 1, stop);
        this.position = stop + 1;
      } else if (char === '$' && next === "'") {
        this.position = readAnsiCQuoted(source, this.position + 2, parts);
      } else if (char === '"') {
        this.position = readDoubleQuoted(source, this.position + 1, parts);
      } else if (char === '$' || char === '`') {
        this.position = readExpansion(source, this.position, parts);
      } else {
        parts.text += char;
        this.position += 1;
      }
    }
    return { ...parts, start, end: this.position };
  }
}

/** The offset just after the `)` matching the `(` at `open`, skipping quoted text and nested parentheses. */
function matchingParenthesis(source: string, open: number): number {
  let depth = 0;
  let index = open;
  while (index < source.length) {
    const char = source[index]!;
    if (char === '\\') index += 2;
    else if (char === "'") index = closingQuote(source, index + 1, "'") + 1;
    else if (char === '"') index = closingDoubleQuote(source, index + 1) + 1;
    else if (char === '`') index = closingBacktick(source, index + 1) + 1;
    else {
      if (char === '(') depth += 1;
      else if (char === ')') {
        depth -= 1;
        if (depth === 0) return index + 1;
      }
      index += 1;
    }
  }
  return source.length;
}

/** The offset just after the `}` matching the `{` at `open`. */
function matchingBrace(source: string, open: number): number {
  let depth = 0;
  let index = open;
  while (index < source.length) {
    const char = source[index]!;
    if (char === '\\') index += 2;
    else if (char === "'") index = closingQuote(source, index + 1, "'") + 1;
    else if (char === '"') index = closingDoubleQuote(source, index + 1) + 1;
    else {
      if (char === '{') depth += 1;
      else if (char === '}') {
        depth -= 1;
        if (depth === 0) return index + 1;
      }
      index += 1;
    }
  }
  return source.length;
}

function closingQuote(source: string, from: number, quote: string): number {
  const end = source.indexOf(quote, from);
  return end < 0 ? source.length : end;
}

function closingDoubleQuote(source: string, from: number): number {
  let index = from;
  while (index < source.length) {
    const char = source[index]!;
    if (char === '\\') index += 2;
    else if (char === '"') return index;
    else if (char === '$' && source[index + 1] === '(') index = matchingParenthesis(source, index + 1);
    else if (char === '`') index = closingBacktick(source, index + 1) + 1;
    else index += 1;
  }
  return source.length;
}

function closingBacktick(source: string, from: number): number {
  let index = from;
  while (index < source.length) {
    if (source[index] === '\\') index += 2;
    else if (source[index] === '`') return index;
    else index += 1;
  }
  return source.length;
}

/** Reads `$'…'` from just after the opening quote; returns the offset after the closing quote. */
function readAnsiCQuoted(source: string, from: number, parts: WordParts): number {
  let index = from;
  while (index < source.length && source[index] !== "'") {
    if (source[index] === '\\') {
      parts.text += source.slice(index, index + 2);
      index += 2;
    } else {
      parts.text += source[index];
      index += 1;
    }
  }
  return index + 1;
}

/** Reads "…" from just after the opening quote; returns the offset after the closing quote. */
function readDoubleQuoted(source: string, from: number, parts: WordParts): number {
  let index = from;
  while (index < source.length) {
    const char = source[index]!;
    const next = source[index + 1];
    if (char === '"') return index + 1;
    if (char === '\\') {
      if (next === '\n') index += 2;
      else if (next !== undefined && '$`"\\'.includes(next)) {
        parts.text += next;
        index += 2;
      } else {
        parts.text += char;
        index += 1;
      }
    } else if (char === '$' || char === '`') {
      index = readExpansion(source, index, parts);
    } else {
      parts.text += char;
      index += 1;
    }
  }
  return index;
}

/**
 * Reads one expansion starting at `$` or a backtick and appends it to the word as written; returns the offset after it.
 * A `$` that starts no expansion is a literal dollar sign.
 */
function readExpansion(source: string, at: number, parts: WordParts): number {
  const next = source[at + 1];
  if (source[at] === '`') {
    const end = closingBacktick(source, at + 1);
    parts.substitutions.push(source.slice(at + 1, end));
    parts.text += source.slice(at, end + 1);
    parts.dynamic = true;
    return end + 1;
  }
  if (next === '(') {
    const end = matchingParenthesis(source, at + 1);
    // $((…)) is arithmetic, not a command.
    if (source[at + 2] !== '(') parts.substitutions.push(source.slice(at + 2, end - 1));
    parts.text += source.slice(at, end);
    parts.dynamic = true;
    return end;
  }
  if (next === '{') {
    const end = matchingBrace(source, at + 1);
    // ${{ … }} is the runner's expression, substituted into the script before the shell starts.
    if (source[at + 2] !== '{') {
      const name = /^[#!]?([A-Za-z_][A-Za-z0-9_]*)/.exec(source.slice(at + 2, end - 1))?.[1];
      if (name !== undefined) parts.variables.push(name);
    }
    parts.text += source.slice(at, end);
    parts.dynamic = true;
    return end;
  }
  if (next !== undefined && IDENTIFIER_START.test(next)) {
    let end = at + 2;
    while (end < source.length && IDENTIFIER_PART.test(source[end]!)) end += 1;
    let name = source.slice(at + 1, end);
    // PowerShell's $env:NAME reads the environment variable NAME.
    if (name.toLowerCase() === 'env' && source[end] === ':' && IDENTIFIER_START.test(source[end + 1] ?? '')) {
      end += 1;
      const nameStart = end;
      while (end < source.length && IDENTIFIER_PART.test(source[end]!)) end += 1;
      name = source.slice(nameStart, end);
    }
    parts.variables.push(name);
    parts.text += source.slice(at, end);
    parts.dynamic = true;
    return end;
  }
  if (next !== undefined && SPECIAL_PARAMETER.test(next)) {
    parts.variables.push(next);
    parts.text += source.slice(at, at + 2);
    parts.dynamic = true;
    return at + 2;
  }
  parts.text += '$';
  return at + 1;
}

/** The expansions of text read as the inside of double quotes (a here-document body). */
function expansionsIn(text: string): WordParts {
  const parts: WordParts = { text: '', variables: [], substitutions: [], dynamic: false };
  let index = 0;
  while (index < text.length) {
    const char = text[index]!;
    if (char === '\\') index += 2;
    else if (char === '$' || char === '`') index = readExpansion(text, index, parts);
    else index += 1;
  }
  return parts;
}

/** The simple commands of a shell script, in order. Never throws: unbalanced quotes run to the end of the script. */
export function parseShell(script: string): ShellCommand[] {
  return new ShellLexer(script).run();
}
