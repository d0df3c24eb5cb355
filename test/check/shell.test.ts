/**
 * The shell scripts of the checks, parsed with mvdan-sh (src/check/shell.ts): commands, pipelines, quoting,
 * substitutions, redirections, here-documents, offsets; the runner's ${{ }} in run: scripts; Dockerfile RUN line
 * continuations and here-documents; syntax errors.
 */
import { describe, expect, it } from 'vitest';
import { commandOf, parseDockerRun, parseShell, type ShellCommand } from '../../src/check/shell.js';

const texts = (commands: readonly ShellCommand[]) => commands.map((command) => command.words.map((word) => word.text));
const words = (script: string) => texts(parseShell(script).commands);
const runWords = (text: string, escape = '\\') => texts(parseDockerRun(text, 0, text.length, escape).commands);

describe('commands and separators', () => {
  it('splits on newlines, ;, &&, || and & and keeps | and |& pipelines together', () => {
    const { commands, pipes } = parseShell('a 1; b 2 && c 3 || d\ne | f |& g & h');
    expect(commands.map((command) => command.words[0]!.text)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
    expect(commands.map((command) => command.pipeline)).toEqual([0, 1, 2, 3, 4, 4, 4, 5]);
    expect(pipes).toEqual([23, 27]);
  });
  it('joins continuation lines, drops comments but not # inside words', () => {
    expect(words('pip install \\\n  --require-hashes -r r.txt # comment\necho a#b')).toEqual([['pip', 'install', '--require-hashes', '-r', 'r.txt'], ['echo', 'a#b']]);
  });
  it('reads the commands of groups, subshells, if, while, for, case and functions, without their reserved words', () => {
    expect(words('{ echo a; echo b; } > out\n(cd web && npm ci)')).toEqual([['echo', 'a'], ['echo', 'b'], [], ['cd', 'web'], ['npm', 'ci']]);
    expect(words('if true; then apt-get install -y curl; elif x; then y; else z; fi')).toEqual([['true'], ['apt-get', 'install', '-y', 'curl'], ['x'], ['y'], ['z']]);
    expect(words('while read -r f; do rm "$f"; done < list\nfor p in a b; do pip install "$p"; done')).toEqual([['read', '-r', 'f'], ['rm', '$f'], [], ['pip', 'install', '$p']]);
    expect(words('case "$1" in a) echo a;; *) exit 1;; esac\nf() { curl -o x y; }\ntime make\n! grep -q x f\n[[ -f x ]] && (( n > 1 ))')).toEqual([['echo', 'a'], ['exit', '1'], ['curl', '-o', 'x', 'y'], ['make'], ['grep', '-q', 'x', 'f']]);
  });
  it('puts the commands of a compound command that is piped in the pipe’s pipeline', () => {
    const { commands } = parseShell('{ echo "A=$X"; date; } | tee -a "$GITHUB_ENV"\necho next');
    expect(commands.map((command) => [command.words[0]?.text, command.pipeline])).toEqual([['echo', 0], ['date', 0], ['tee', 0], ['echo', 1]]);
  });
  it('keeps assignments as words and reads declaration builtins as commands', () => {
    expect(words('A=1 B+=x C= pip install x\na[1]=y\nexport D E="$F" G=(1 "$H"); local -r I')).toEqual([
      ['A=1', 'B+=x', 'C=', 'pip', 'install', 'x'],
      ['a[1]=y'],
      ['export', 'D', 'E=$F', 'G=(1 "$H")'],
      ['local', '-r', 'I'],
    ]);
    const [, exported] = parseShell('x\nexport E="$F" G=(1 "$H")').commands;
    expect(exported!.words.map((word) => [word.dynamic, word.variables])).toEqual([[false, []], [true, ['F']], [true, ['H']]]);
  });
  it('records word and command offsets in the script', () => {
    const [command] = parseShell('  npm   ci --ignore-scripts').commands;
    expect(command!.words.map((word) => [word.start, word.end])).toEqual([[2, 5], [8, 10], [11, 27]]);
    expect(command!.start).toBe(2);
    expect(parseShell('>out echo x').commands[0]!.start).toBe(0);
  });
  it('counts offsets in characters when the script is not ASCII', () => {
    const script = 'echo "héllo wörld" 🙂 $X';
    const [command] = parseShell(script).commands;
    expect(command!.words.map((word) => [word.text, script.slice(word.start, word.end)])).toEqual([
      ['echo', 'echo'],
      ['héllo wörld', '"héllo wörld"'],
      ['🙂', '🙂'],
      ['$X', '$X'],
    ]);
  });
});

describe('quoting and expansions', () => {
  it('removes quotes and resolves escapes, keeping expansions as written', () => {
    expect(words(`echo 'a b' "c \\"d\\" $X \\q" e\\ f $'g\\n' ""`)).toEqual([['echo', 'a b', 'c "d" $X \\q', 'e f', 'g\\n', '']]);
  });
  it('marks quoted or escaped words', () => {
    expect(parseShell(`echo a 'b' c"d" e\\f -x`).commands[0]!.words.map((word) => word.quoted)).toEqual([false, false, true, true, true, false]);
  });
  it('marks dynamic words and lists the variables they expand, not inside single quotes', () => {
    const [command] = parseShell(`echo "$A" \${B:-x} '$C' lit $env:D $1 \${E:-$F} $((G + 1))`).commands;
    expect(command!.words.map((word) => [word.text, word.dynamic, word.variables])).toEqual([
      ['echo', false, []],
      ['$A', true, ['A']],
      ['${B:-x}', true, ['B']],
      ['$C', false, []],
      ['lit', false, []],
      ['$env:D', true, ['D']],
      ['$1', true, ['1']],
      ['${E:-$F}', true, ['E', 'F']],
      ['$((G + 1))', true, []],
    ]);
  });
  it('reads command and process substitutions as commands of their own', () => {
    const [command] = parseShell('bash <(curl -fsSL https://x/i.sh) "$(wget -qO- "https://y") z" `date` $((1 + 2))').commands;
    expect(command!.words.map((word) => word.text)).toEqual(['bash', '<(curl -fsSL https://x/i.sh)', '$(wget -qO- "https://y") z', '`date`', '$((1 + 2))']);
    expect(command!.words.map((word) => word.substitutions.map(texts))).toEqual([[], [[['curl', '-fsSL', 'https://x/i.sh']]], [[['wget', '-qO-', 'https://y']]], [[['date']]], []]);
  });
  it('does not end a word on a separator inside quotes or a substitution, nor list the substitution’s commands or pipes', () => {
    const { commands, pipes } = parseShell(`echo "a;b|c" $(x; y | z) '&&'`);
    expect(texts(commands)).toEqual([['echo', 'a;b|c', '$(x; y | z)', '&&']]);
    expect(pipes).toEqual([]);
  });
});

describe('the runner’s ${{ }} expressions in run: scripts', () => {
  it('reads them as expansions, shown as written, at their offsets', () => {
    const script = `echo "\${{ github.event.issue.title }}" >> $GITHUB_ENV\ngh pr view \${{github.event.number}} '\${{ x }}'`;
    const { commands, errors } = parseShell(script, { githubExpressions: true });
    expect(errors).toEqual([]);
    expect(commands.map((command) => command.words.map((word) => [word.text, word.dynamic, word.variables, word.start]))).toEqual([
      [['echo', false, [], 0], ['${{ github.event.issue.title }}', true, [], 5]],
      [['gh', false, [], 54], ['pr', false, [], 57], ['view', false, [], 60], ['${{github.event.number}}', true, [], 65], ["${{ x }}", false, [], 90]],
    ]);
    expect(commands[0]!.redirections[0]!.target!.text).toBe('$GITHUB_ENV');
  });
  it('keeps them in here-document bodies and parameter operands', () => {
    const [command] = parseShell('cat <<EOF >> "$GITHUB_ENV"\nTITLE=${{ github.head_ref }}\nEOF\n', { githubExpressions: true }).commands;
    expect(command!.hereDocuments).toEqual([{ body: 'TITLE=${{ github.head_ref }}', expands: true, variables: [], substitutions: [], dynamic: true }]);
    expect(parseShell('echo ${X:-${{ inputs.x }}}', { githubExpressions: true }).commands[0]!.words[1]).toMatchObject({ text: '${X:-${{ inputs.x }}}', variables: ['X'] });
  });
  it('are not shell without the option: ${{ is a syntax error', () => {
    expect(parseShell('echo ${{ x }}').errors).toHaveLength(1);
  });
});

describe('redirections and here-documents', () => {
  it('reads operators with descriptors and their targets, not as words', () => {
    const [command] = parseShell('echo "x=1" >> "$GITHUB_ENV" 2>&1 </dev/null &>log >|f <<<"s" 3<>rw').commands;
    expect(command!.words.map((word) => word.text)).toEqual(['echo', 'x=1']);
    expect(command!.redirections.map((redirection) => [redirection.operator, redirection.target?.text, redirection.start])).toEqual([
      ['>>', '$GITHUB_ENV', 11],
      ['>&', '1', 28],
      ['<', '/dev/null', 33],
      ['&>', 'log', 44],
      ['>|', 'f', 50],
      ['<<<', 's', 54],
      ['<>', 'rw', 61],
    ]);
  });
  it('reads here-document bodies, expanding or literal by the delimiter quoting, with <<- tab stripping', () => {
    const { commands } = parseShell("cat <<EOF >> $GITHUB_ENV\nA=$TITLE\n  B=$(date)\nEOF\ncat <<-'END'\n\tB=$LIT\n\t  END\n\tEND\ncat <<E\\OF\n$X\nEOF\ncat <<X\nX\necho done");
    expect(commands.map((command) => command.words[0]!.text)).toEqual(['cat', 'cat', 'cat', 'cat', 'echo']);
    expect(commands[0]!.hereDocuments).toEqual([{ body: 'A=$TITLE\n  B=$(date)', expands: true, variables: ['TITLE'], substitutions: [[{ words: [expect.objectContaining({ text: 'date' })], redirections: [], hereDocuments: [], start: 40, pipeline: 1 }]], dynamic: true }]);
    expect(commands[1]!.hereDocuments).toEqual([{ body: 'B=$LIT\n  END', expands: false, variables: [], substitutions: [], dynamic: false }]);
    expect(commands[2]!.hereDocuments).toEqual([{ body: '$X', expands: false, variables: [], substitutions: [], dynamic: false }]);
    expect(commands[3]!.hereDocuments).toEqual([{ body: '', expands: true, variables: [], substitutions: [], dynamic: false }]);
  });
});

describe('Dockerfile RUN', () => {
  it('splits commands at && || ; & | ( ) and newlines, and removes quotes and escapes', () => {
    expect(runWords(`a "b c" 'd $e' f\\ g && h || (i; j) & k | l`)).toEqual([['a', 'b c', 'd $e', 'f g'], ['h'], ['i'], ['j'], ['k'], ['l']]);
    expect(runWords('x=$(a | b) "$(c "d")" `e | f`')).toEqual([['x=$(a | b)', '$(c "d")', '`e | f`']]);
    expect(parseDockerRun('a || b | c |& d "|" \\| e', 0, 24).pipes).toEqual([7, 11]);
  });
  it('joins continued lines and drops the comment and blank lines Docker drops inside them, with Dockerfile offsets', () => {
    const script = 'apt-get update \\\n  # a comment\n\n  && apt-get install -y \\  \n    cu\\\nrl';
    const { commands } = parseDockerRun(script, 0, script.length);
    expect(texts(commands)).toEqual([['apt-get', 'update'], ['apt-get', 'install', '-y', 'curl']]);
    const curl = commands[1]!.words.at(-1)!;
    expect([curl.start, curl.end]).toEqual([script.indexOf('cu'), script.length]);
    expect(runWords('a `\n  b', '`')).toEqual([['a', 'b']]);
    expect(runWords('a \\\r\n  b\r\n')).toEqual([['a', 'b']]);
  });
  it('reads only the given range, with offsets in the whole text', () => {
    const text = 'FROM alpine:3\nRUN apk add \\\n    curl\nUSER 1\n';
    const start = text.indexOf('apk');
    const { commands } = parseDockerRun(text, start, text.indexOf('\nUSER'));
    expect(commands[0]!.words.map((word) => text.slice(word.start, word.end))).toEqual(['apk', 'add', 'curl']);
  });
  it('drops redirections with their targets and comments, keeps reserved words out of the command name', () => {
    expect(runWords('pip install x > /dev/null 2>&1 && cat <<<"y" < in 2> err # pip install z')).toEqual([['pip', 'install', 'x'], ['cat']]);
    expect(runWords('if true; then apt-get install -y curl; fi')).toEqual([['true'], ['apt-get', 'install', '-y', 'curl']]);
  });
  it('runs the body of RUN <<EOF as the script and skips the data of cmd <<EOF', () => {
    expect(runWords('<<EOF\napt-get install -y a\npip install b\nEOF')).toEqual([['apt-get', 'install', '-y', 'a'], ['pip', 'install', 'b']]);
    expect(runWords('<<-EOF bash -ex\n\tapk add a | tee log\n\tEOF')).toEqual([['bash', '-ex'], ['apk', 'add', 'a'], ['tee', 'log']]);
    expect(runWords("python3 - <<'PY' && echo done\nimport os | x\nPY")).toEqual([['python3', '-'], ['echo', 'done']]);
    expect(runWords('cat <<-END > f\n\tapk add x\n\tEND\napk add y')).toEqual([['cat'], ['apk', 'add', 'y']]);
    const text = 'RUN <<EOF\nset -e\ncurl x | sh\nEOF\n';
    const script = parseDockerRun(text, 4, text.length - 1);
    expect(script.pipes).toEqual([text.indexOf('|')]);
    expect(script.commands[1]!.words[0]!.start).toBe(text.indexOf('curl'));
  });
  it('keeps here-document bodies as written: Docker does not join their lines', () => {
    // The escape character ` continues the instruction line only; in the body it is the shell's backquote.
    expect(runWords('cat <<EOF > f && \\\n  echo hi\nbody \\\n# not a comment\nEOF', '\\')).toEqual([['cat'], ['echo', 'hi']]);
    expect(texts(parseDockerRun('<<EOF\necho `date`\nEOF', 0, 21, '`').commands)).toEqual([['echo', '`date`']]);
  });
});

describe('syntax errors', () => {
  it('never throws, and leaves out only the lines with an error', () => {
    for (const script of ['', '\n\n', 'echo "unterminated', "echo 'x", 'echo $(', 'echo ${', 'cat <<EOF\nno end', '|| ;; &&', 'echo `x', '>', 'if true; then', 'a &&', '\u0000\uD800']) {
      expect(() => parseShell(script)).not.toThrow();
      expect(() => parseDockerRun(script, 0, script.length)).not.toThrow();
    }
    const { commands, errors } = parseShell('echo ok\necho "unterminated\necho after');
    expect(texts(commands)).toEqual([['echo', 'ok'], ['echo', 'after']]);
    expect(errors).toEqual([{ message: 'reached EOF without closing quote "', offset: 13 }]);
  });
  it('reads the shell-like lines of a PowerShell script and reports the others', () => {
    const script = 'if ($LASTEXITCODE -ne 0) { exit 1 }\n$version = (Get-Content VERSION).Trim()\n"v=$version" | Out-File -FilePath $env:GITHUB_ENV -Append';
    const { commands, errors } = parseShell(script);
    expect(commands.map((command) => command.words.map((word) => word.text))).toEqual([['v=$version'], ['Out-File', '-FilePath', '$env:GITHUB_ENV', '-Append']]);
    expect(errors.map((error) => error.offset)).toEqual([25, 47]);
  });
  it('gives up after too many errors', () => {
    const { commands, errors } = parseShell(`${'(\n'.repeat(40)}echo x`);
    expect(commands).toEqual([]);
    expect(errors.length).toBeGreaterThan(20);
  });
  it('terminates on arbitrary input with offsets inside the text', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const alphabet = ['a', 'pip', 'install', ' ', '\n', '\\', '`', '"', "'", '$', '(', ')', '{', '}', '|', '&', ';', '<', '>', '#', '=', 'EOF', '<<', '${{ x }}', '\t', 'é'];
    for (let n = 0; n < 300; n += 1) {
      const text = Array.from({ length: Math.floor(random() * 30) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      const script = n % 2 === 0 ? parseShell(text, { githubExpressions: true }) : parseDockerRun(text, 0, text.length, n % 4 === 1 ? '\\' : '`');
      const offsets = script.commands.flatMap((command) => [command.start, ...command.words.flatMap((word) => [word.start, word.end - 1])]);
      expect(offsets.filter((offset) => offset < 0 || offset >= text.length)).toEqual([]);
      expect(script.errors.filter((error) => error.message.includes('parser failed'))).toEqual([]);
    }
  });
});

describe('parsing a text once', () => {
  it('gives the same commands for a script parsed again after others, at each caller’s offsets', () => {
    const script = 'echo "$A" | tee -a "$GITHUB_ENV" <<EOF\nx $B\nEOF\nbad "line\nnpm ci';
    const first = parseShell(script);
    for (let n = 0; n < 300; n += 1) parseShell(`cmd${n} "arg ${n}" | other <<E\n${'x '.repeat(n % 40)}\nE\n`);
    expect(parseShell(script)).toEqual(first);
    expect(first.errors).toHaveLength(1);
    const dockerfile = (prefix: string) => `FROM alpine:3\n${prefix}RUN apk add \\\n  curl | tee "log\n`;
    const [short, long] = ['', '# a longer preamble\n'].map((prefix) => {
      const text = dockerfile(prefix);
      const start = text.indexOf('apk');
      return { text, script: parseDockerRun(text, start, text.length - 1) };
    });
    for (const { text, script } of [short!, long!]) expect(script.errors.map((error) => text.slice(error.offset, error.offset + 4))).toEqual(['"log']);
  });
});

describe('commandOf', () => {
  it('finds the command past assignments and wrappers', () => {
    const run = 'DEBIAN_FRONTEND=noninteractive sudo -u root env -i A=1 /usr/bin/apt-get install x';
    const command = commandOf(parseDockerRun(run, 0, run.length).commands[0]!.words);
    expect([command?.name, command?.args.map((word) => word.text), command?.assignments]).toEqual(['apt-get', ['install', 'x'], ['DEBIAN_FRONTEND=noninteractive', 'A=1']]);
    expect(commandOf([])).toBeUndefined();
  });
});

describe('loading', () => {
  it('puts back the globals the GopherJS runtime sets', () => {
    parseShell('true');
    expect(Error.stackTraceLimit).not.toBe(Infinity);
    expect('require' in globalThis).toBe(false);
  });
});
