/** The run: script lexer: commands, pipelines, quoting, redirections, here-documents, substitutions, offsets. */
import { describe, expect, it } from 'vitest';
import { parseShell } from '../../src/check/shell-commands.js';

const words = (script: string) => parseShell(script).map((command) => command.words.map((word) => word.text));

describe('commands and separators', () => {
  it('splits on newlines, ;, &&, || and & and keeps | pipelines together', () => {
    const commands = parseShell('a 1; b 2 && c 3 || d\ne | f |& g & h');
    expect(commands.map((command) => command.words[0]!.text)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
    expect(commands.map((command) => command.pipeline)).toEqual([0, 1, 2, 3, 4, 4, 4, 5]);
  });
  it('joins continuation lines, drops comments but not # inside words, and skips group braces and subshell parentheses', () => {
    expect(words('pip install \\\n  --require-hashes -r r.txt # comment\necho a#b')).toEqual([['pip', 'install', '--require-hashes', '-r', 'r.txt'], ['echo', 'a#b']]);
    expect(words('{ echo a; echo b; } > out\n(cd web && npm ci)')).toEqual([['echo', 'a'], ['echo', 'b'], [], ['cd', 'web'], ['npm', 'ci']]);
  });
  it('records word offsets in the script', () => {
    const [command] = parseShell('  npm   ci --ignore-scripts');
    expect(command!.words.map((word) => [word.start, word.end])).toEqual([[2, 5], [8, 10], [11, 27]]);
    expect(command!.start).toBe(2);
  });
});

describe('quoting and expansions', () => {
  it('removes quotes and resolves escapes, keeping expansions as written', () => {
    expect(words(`echo 'a b' "c \\"d\\" $X" e\\ f $'g\\n'`)).toEqual([['echo', 'a b', 'c "d" $X', 'e f', 'g\\n']]);
  });
  it('marks dynamic words and lists the variables they expand, not inside single quotes', () => {
    const [command] = parseShell(`echo "$A" \${B:-x} '$C' lit "\${{ github.event.issue.title }}" $env:D $1`);
    expect(command!.words.map((word) => [word.text, word.dynamic, word.variables])).toEqual([
      ['echo', false, []],
      ['$A', true, ['A']],
      ['${B:-x}', true, ['B']],
      ['$C', false, []],
      ['lit', false, []],
      ['${{ github.event.issue.title }}', true, []],
      ['$env:D', true, ['D']],
      ['$1', true, ['1']],
    ]);
  });
  it('keeps command and process substitutions whole, with their scripts', () => {
    const [command] = parseShell('bash <(curl -fsSL https://x/i.sh) "$(wget -qO- "https://y") z" `date` $((1 + 2))');
    expect(command!.words.map((word) => word.text)).toEqual(['bash', '<(curl -fsSL https://x/i.sh)', '$(wget -qO- "https://y") z', '`date`', '$((1 + 2))']);
    expect(command!.words.flatMap((word) => word.substitutions)).toEqual(['curl -fsSL https://x/i.sh', 'wget -qO- "https://y"', 'date']);
  });
  it('does not end a word on a separator inside quotes or a substitution', () => {
    expect(words('echo "a;b|c" $(x; y) \'&&\'')).toEqual([['echo', 'a;b|c', '$(x; y)', '&&']]);
  });
});

describe('redirections and here-documents', () => {
  it('reads operators with descriptors and their targets, not as words', () => {
    const [command] = parseShell('echo "x=1" >> "$GITHUB_ENV" 2>&1 </dev/null &>log');
    expect(command!.words.map((word) => word.text)).toEqual(['echo', 'x=1']);
    expect(command!.redirections.map((redirection) => [redirection.operator, redirection.target?.text])).toEqual([['>>', '$GITHUB_ENV'], ['>&', '1'], ['<', '/dev/null'], ['&>', 'log']]);
  });
  it('reads here-document bodies, expanding or literal by the delimiter quoting, with <<- tab stripping', () => {
    const commands = parseShell("cat <<EOF >> $GITHUB_ENV\nA=$TITLE\nEOF\ncat <<-'END'\n\tB=$LIT\n\tEND\necho done");
    expect(commands.map((command) => command.words[0]!.text)).toEqual(['cat', 'cat', 'echo']);
    expect(commands[0]!.hereDocuments).toEqual([{ body: 'A=$TITLE', expands: true, variables: ['TITLE'], substitutions: [], dynamic: true }]);
    expect(commands[1]!.hereDocuments).toEqual([{ body: 'B=$LIT', expands: false, variables: [], substitutions: [], dynamic: false }]);
  });
});

describe('robustness', () => {
  it('never throws on unbalanced or empty input', () => {
    for (const script of ['', '\n\n', 'echo "unterminated', "echo 'x", 'echo $(', 'echo ${', 'cat <<EOF\nno end', '|| ;; &&', 'echo `x', '>']) {
      expect(() => parseShell(script)).not.toThrow();
    }
    expect(words('echo "unterminated $X')).toEqual([['echo', 'unterminated $X']]);
  });
});
