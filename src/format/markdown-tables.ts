/**
 * Aligns GFM pipe tables the way prettier prints them (columns padded to their widest cell, at least 3, the
 * delimiter row as dashes with the alignment colons), for Markdown templates whose rendered output is otherwise
 * already in prettier's format: their tables list rows from the catalog and answers, so only the padding
 * depends on the values. Which templates may take this path is decided against prettier itself
 * (scripts/verify-preformatted-templates.mjs, test/render/preformatted.test.ts); anything this function is not
 * sure to print as prettier does makes it return undefined, and prettier formats the file instead.
 */

type Alignment = 'left' | 'center' | 'right' | 'none';

/**
 * Printable ASCII plus the few non-ASCII characters the templates put in tables, each one column wide for
 * prettier (East Asian "ambiguous" or narrow, not emoji); test/render/preformatted.test.ts checks each against
 * prettier. A line with any other character makes the table prettier's to align.
 */
export const ONE_COLUMN_CHARACTERS = '–—…→←↔≤≥×·';
const ONE_COLUMN_LINE_RE = new RegExp(`^[\\x20-\\x7e${ONE_COLUMN_CHARACTERS}]*$`);
const FENCE_RE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/;
/**
 * Code block languages prettier does not format. prettier formats the content of a fence in a language it
 * knows (```md, ```yaml, ```json, ```ts…), which this function does not do: such a file is left to prettier.
 */
const UNFORMATTED_LANGUAGES = new Set(['', 'sh', 'bash', 'shell', 'console', 'text', 'txt', 'sql', 'python', 'py', 'dockerfile', 'ini', 'conf', 'toml', 'http', 'mermaid', 'diff', 'env', 'dotenv', 'plaintext']);
const DELIMITER_CELL_RE = /^(:?)-+(:?)$/;

/** The file with its tables aligned, or undefined when a table is outside what this function handles. */
export function alignMarkdownTables(text: string): string | undefined {
  const lines = text.split('\n');
  const out: string[] = [];
  let fence: string | undefined;
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index]!;
    const fenceMatch = FENCE_RE.exec(line);
    if (fence !== undefined) {
      if (fenceMatch && fenceMatch[1]![0] === fence[0] && fenceMatch[1]!.length >= fence.length && line.trim() === fenceMatch[1]) {
        fence = undefined;
      }
      out.push(line);
      continue;
    }
    if (fenceMatch) {
      if (!UNFORMATTED_LANGUAGES.has(fenceMatch[2]!.toLowerCase())) return undefined;
      fence = fenceMatch[1]!;
      out.push(line);
      continue;
    }
    const next = lines[index + 1];
    if (!line.startsWith('|') || next === undefined || !next.startsWith('|')) {
      // Indented or pipe-less table syntax is left to prettier.
      if (/^\s+\|/.test(line) && next !== undefined && /^\s*\|?\s*:?-+:?\s*\|/.test(next)) return undefined;
      out.push(line);
      continue;
    }
    const alignments = delimiterRow(next);
    if (alignments === undefined) {
      out.push(line);
      continue;
    }
    const rows: string[][] = [];
    const header = cells(line);
    if (header === undefined || header.length !== alignments.length) return undefined;
    rows.push(header);
    let end = index + 2;
    while (end < lines.length && lines[end]!.startsWith('|')) {
      const row = cells(lines[end]!);
      if (row === undefined || row.length !== alignments.length) return undefined;
      rows.push(row);
      end += 1;
    }
    // GFM would take a following non-blank line as one more row.
    if (end < lines.length && lines[end]!.trim() !== '') return undefined;
    out.push(...printTable(rows, alignments));
    index = end - 1;
  }
  return fence === undefined ? out.join('\n') : undefined;
}

function delimiterRow(line: string): Alignment[] | undefined {
  const parts = cells(line);
  if (parts === undefined) return undefined;
  const alignments: Alignment[] = [];
  for (const part of parts) {
    const match = DELIMITER_CELL_RE.exec(part);
    if (!match) return undefined;
    const left = match[1] === ':';
    const right = match[2] === ':';
    alignments.push(left && right ? 'center' : left ? 'left' : right ? 'right' : 'none');
  }
  return alignments;
}

/**
 * The trimmed cells of one `| a | b |` row, split at pipes not escaped by a backslash; undefined when the row
 * does not end with a pipe or holds a character outside ONE_COLUMN_CHARACTERS and printable ASCII (prettier
 * measures East Asian wide characters and emoji as two columns; a tab is not one column either).
 */
function cells(line: string): string[] | undefined {
  if (!ONE_COLUMN_LINE_RE.test(line)) return undefined;
  const body = line.trimEnd();
  if (!body.startsWith('|') || !body.endsWith('|') || isEscaped(body, body.length - 1) || body.length < 2) return undefined;
  const parts: string[] = [];
  let start = 1;
  for (let position = body.indexOf('|', 1); position !== -1; position = body.indexOf('|', position + 1)) {
    if (!isEscaped(body, position)) {
      parts.push(body.slice(start, position).trim());
      start = position + 1;
    }
  }
  return parts;
}

function isEscaped(text: string, position: number): boolean {
  let backslashes = 0;
  for (let before = position - 1; before >= 0 && text[before] === '\\'; before -= 1) backslashes += 1;
  return backslashes % 2 === 1;
}

function printTable(rows: string[][], alignments: Alignment[]): string[] {
  const widths = alignments.map((_, column) => Math.max(3, ...rows.map((row) => row[column]!.length)));
  const printRow = (row: string[]): string =>
    `| ${row
      .map((cell, column) => {
        const spaces = widths[column]! - cell.length;
        const alignment = alignments[column]!;
        const before = alignment === 'right' ? spaces : alignment === 'center' ? Math.floor(spaces / 2) : 0;
        return `${' '.repeat(before)}${cell}${' '.repeat(spaces - before)}`;
      })
      .join(' | ')} |`;
  const delimiter = `| ${alignments
    .map((alignment, column) => {
      const first = alignment === 'center' || alignment === 'left' ? ':' : '-';
      const last = alignment === 'center' || alignment === 'right' ? ':' : '-';
      return `${first}${'-'.repeat(widths[column]! - 2)}${last}`;
    })
    .join(' | ')} |`;
  return [printRow(rows[0]!), delimiter, ...rows.slice(1).map(printRow)];
}
