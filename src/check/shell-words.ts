/**
 * A small POSIX-shell tokenizer for the shell form of a Dockerfile RUN: enough to split the script into simple
 * commands of words (`apt-get install -y curl`) and to see its pipes, with every word's offset in the Dockerfile
 * so that a finding points at what was written. It is not a shell: nothing is expanded or run.
 *
 * What it understands: Dockerfile line continuations (the escape character before a newline, and the comment and
 * blank lines Docker drops inside a continued instruction); single quotes, double quotes, `$'…'`, backslash
 * escapes; `$(…)`, `${…}` and backticks kept inside the word they belong to; the separators `&&`, `||`, `;`, `&`,
 * `|`, `|&`, `(`, `)` and newlines; redirections with their target (`2>/dev/null`, `> out`, `<<<word`), which are
 * not words of the command; `#` comments; heredocs (`RUN <<EOF` runs its body as the script; the body of
 * `cmd <<EOF` is data and is skipped).
 */

export interface ShellWord {
  /** The word with quotes removed and backslash escapes resolved; expansions (`$X`, `$(…)`) stay as written. */
  value: string;
  /** Offset of the word's first character in the text given to `splitShell`. */
  offset: number;
  /** Whether some part of the word was quoted or escaped. */
  quoted: boolean;
}

export interface ShellScript {
  /** Simple commands in order; reserved words and redirections are not among their words. */
  commands: ShellWord[][];
  /** Offsets of the pipe operators (`|`, `|&`) that join commands. */
  pipes: number[];
}

interface Heredoc {
  delimiter: string;
  /** `<<-`: the body's lines may be indented with tabs. */
  stripTabs: boolean;
  /** The body is the script itself (`RUN <<EOF`), not data for a command. */
  script: boolean;
}

const RESERVED = new Set(['!', '{', '}', 'if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'while', 'until', 'time']);

/**
 * Splits `text.slice(start, end)` into commands. `escape` is the Dockerfile's escape character (`\` unless a
 * `# escape=` directive changed it), which joins lines.
 */
export function splitShell(text: string, start = 0, end = text.length, escape = '\\'): ShellScript {
  const commands: ShellWord[][] = [];
  const pipes: number[] = [];
  let command: ShellWord[] = [];
  let word: ShellWord | undefined;
  let redirectTarget = false;
  let heredocs: Heredoc[] = [];
  let scriptDelimiter: Heredoc | undefined;
  let i = start;

  const endCommand = () => {
    finishWord();
    redirectTarget = false;
    const words = dropReserved(command);
    if (words.length > 0) commands.push(words);
    command = [];
  };
  function finishWord() {
    if (word === undefined) return;
    if (redirectTarget) {
      redirectTarget = false;
      const pending = heredocs.at(-1);
      if (pending !== undefined && pending.delimiter === '') pending.delimiter = word.value;
    } else command.push(word);
    word = undefined;
  }
  const append = (value: string, at: number, quoted: boolean) => {
    if (word === undefined) word = { value: '', offset: at, quoted: false };
    word.value += value;
    if (quoted) word.quoted = true;
  };

  /** The length of a line continuation at `at` (escape, optional blanks, newline, then dropped lines), or 0. */
  const continuation = (at: number): number => {
    if (text[at] !== escape) return 0;
    let k = at + 1;
    while (k < end && (text[k] === ' ' || text[k] === '\t')) k += 1;
    if (text[k] === '\r') k += 1;
    if (text[k] !== '\n') return 0;
    k += 1;
    // Docker drops blank lines and comment lines inside a continued instruction.
    for (;;) {
      let m = k;
      while (m < end && (text[m] === ' ' || text[m] === '\t')) m += 1;
      if (m < end && (text[m] === '\n' || text[m] === '\r' || text[m] === '#')) {
        const newline = text.indexOf('\n', m);
        if (newline < 0 || newline >= end) return end - at;
        k = newline + 1;
      } else return k - at;
    }
  };

  /** Skips a balanced `$(…)`, `${…}` or backtick span from `at` (on its opening), returning the offset after it. */
  const skipExpansion = (at: number): number => {
    if (text[at] === '`') {
      let k = at + 1;
      while (k < end && text[k] !== '`') k += text[k] === '\\' ? 2 : 1;
      return Math.min(end, k + 1);
    }
    const open = text[at + 1]!;
    const close = open === '(' ? ')' : '}';
    let depth = 0;
    let k = at + 1;
    while (k < end) {
      const c = text[k]!;
      if (c === '\\') k += 2;
      else if (c === "'" && open === '(') {
        const q = text.indexOf("'", k + 1);
        k = q < 0 || q >= end ? end : q + 1;
      } else if (c === '"') {
        k += 1;
        while (k < end && text[k] !== '"') k += text[k] === '\\' ? 2 : 1;
        k += 1;
      } else if (c === open) (depth += 1), (k += 1);
      else if (c === close) {
        depth -= 1;
        k += 1;
        if (depth === 0) return k;
      } else k += 1;
    }
    return end;
  };

  /** Whether the line at `at` is the delimiter of `doc`, and where the next line starts. */
  const lineEquals = (at: number, doc: Heredoc): { matches: boolean; next: number } => {
    const newline = text.indexOf('\n', at);
    const lineEnd = newline < 0 || newline >= end ? end : newline;
    let line = text.slice(at, lineEnd).replace(/\r$/, '');
    if (doc.stripTabs) line = line.replace(/^\t+/, '');
    return { matches: line === doc.delimiter, next: lineEnd === end ? end : lineEnd + 1 };
  };

  /** Ends the line: pending data heredocs are skipped, and the delimiter that ends a script heredoc is dropped. */
  const newline = () => {
    endCommand();
    i += 1;
    const pending = heredocs;
    heredocs = [];
    for (const doc of pending) {
      if (doc.delimiter === '') continue;
      if (doc.script) {
        scriptDelimiter = doc;
        continue;
      }
      while (i < end) {
        const line = lineEquals(i, doc);
        i = line.next;
        if (line.matches) break;
      }
    }
    if (scriptDelimiter !== undefined && i < end) {
      const line = lineEquals(i, scriptDelimiter);
      if (line.matches) {
        i = line.next;
        scriptDelimiter = undefined;
      }
    }
  };

  while (i < end) {
    const c = text[i]!;
    const skip = continuation(i);
    if (skip > 0) {
      i += skip;
      continue;
    }
    if (c === '\n') {
      newline();
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      finishWord();
      i += 1;
      continue;
    }
    if (c === '#' && word === undefined) {
      // A comment runs to the end of the logical line: continuations join the following lines into it.
      while (i < end && text[i] !== '\n') {
        const joined = continuation(i);
        i += joined > 0 ? joined : 1;
      }
      continue;
    }
    if (c === "'") {
      const close = text.indexOf("'", i + 1);
      const stop = close < 0 || close >= end ? end : close;
      append(text.slice(i + 1, stop), i, true);
      i = stop + 1;
      continue;
    }
    if (c === '$' && text[i + 1] === "'") {
      let k = i + 2;
      let value = '';
      while (k < end && text[k] !== "'") {
        if (text[k] === '\\' && k + 1 < end) (value += text[k + 1]), (k += 2);
        else (value += text[k]), (k += 1);
      }
      append(value, i, true);
      i = k + 1;
      continue;
    }
    if (c === '"') {
      let k = i + 1;
      let value = '';
      while (k < end && text[k] !== '"') {
        const joined = continuation(k);
        if (joined > 0) {
          k += joined;
        } else if (text[k] === '\\' && k + 1 < end && '$`"\\\n'.includes(text[k + 1]!)) {
          if (text[k + 1] !== '\n') value += text[k + 1];
          k += 2;
        } else if ((text[k] === '$' && (text[k + 1] === '(' || text[k + 1] === '{')) || text[k] === '`') {
          const after = skipExpansion(k);
          value += text.slice(k, after);
          k = after;
        } else (value += text[k]), (k += 1);
      }
      append(value, i, true);
      i = k + 1;
      continue;
    }
    if (c === '\\') {
      if (text[i + 1] === '\n') {
        i += 2; // a shell line continuation (the Dockerfile escape character is another one)
        continue;
      }
      append(text[i + 1] ?? '', i, true);
      i += 2;
      continue;
    }
    if ((c === '$' && (text[i + 1] === '(' || text[i + 1] === '{')) || c === '`') {
      const after = skipExpansion(i);
      append(text.slice(i, after), i, false);
      i = after;
      continue;
    }
    if (c === '<' || c === '>' || (c === '&' && text[i + 1] === '>')) {
      // `2>` and `{fd}>`: the digits before the operator name a file descriptor, not a word.
      if (word !== undefined && /^(?:\d+|\{\w+\})$/.test(word.value) && !word.quoted) word = undefined;
      finishWord();
      const operator = /^(?:<<<|<<-|<<|<>|<&|>>|>&|>\||&>>|&>|<|>)/.exec(text.slice(i, i + 3))![0];
      if (operator === '<<' || operator === '<<-') {
        const first = commands.length === 0 && command.length === 0 && i === firstNonBlank(text, start, end);
        heredocs.push({ delimiter: '', stripTabs: operator === '<<-', script: first });
      }
      i += operator.length;
      // `>&2`, `<&-`: a descriptor, still the operator's target.
      redirectTarget = true;
      continue;
    }
    if (c === '|' || c === '&' || c === ';' || c === '(' || c === ')') {
      endCommand();
      const two = text.slice(i, i + 2);
      if (two === '||' || two === '&&' || two === ';;') i += 2;
      else if (two === '|&') (pipes.push(i), (i += 2));
      else {
        if (c === '|') pipes.push(i);
        i += 1;
      }
      continue;
    }
    append(c, i, false);
    i += 1;
  }
  endCommand();
  return { commands, pipes };
}

function firstNonBlank(text: string, start: number, end: number): number {
  let k = start;
  while (k < end && /\s/.test(text[k]!)) k += 1;
  return k;
}

/** Drops leading reserved words (`if`, `!`, `{`, `do` …) so that the first word is the command's name. */
function dropReserved(words: ShellWord[]): ShellWord[] {
  let k = 0;
  while (k < words.length && !words[k]!.quoted && RESERVED.has(words[k]!.value)) k += 1;
  return k === 0 ? words : words.slice(k);
}

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
const WRAPPERS = new Set(['sudo', 'env', 'nice', 'command', 'exec', 'nohup']);
/** Options of those wrappers that take a value (`sudo -u user`, `env -u NAME`, `nice -n 5`). */
const WRAPPER_VALUE_OPTIONS = new Set(['-u', '-g', '-C', '-D', '-p', '-r', '-t', '-U', '-T', '-n', '-S']);

/**
 * The command a simple command runs, past environment assignments (`DEBIAN_FRONTEND=noninteractive apt-get`)
 * and wrappers that run their arguments (`sudo`, `env`, `command`, `exec`, `nohup`, `nice`).
 */
export function commandOf(words: readonly ShellWord[]): { name: string; word: ShellWord; args: ShellWord[]; assignments: string[] } | undefined {
  const assignments: string[] = [];
  let k = 0;
  for (;;) {
    while (k < words.length && ASSIGNMENT.test(words[k]!.value)) assignments.push(words[k++]!.value);
    if (!WRAPPERS.has(basename(words[k]?.value ?? ''))) break;
    k += 1;
    while (k < words.length && words[k]!.value.startsWith('-')) k += WRAPPER_VALUE_OPTIONS.has(words[k]!.value) ? 2 : 1;
  }
  const word = words[k];
  if (word === undefined) return undefined;
  return { name: basename(word.value), word, args: words.slice(k + 1), assignments };
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
