/**
 * What every structural editor shares. Editors never re-serialise a file: they parse it to find positions,
 * then splice new text in at those positions, so every line the user wrote stays byte for byte. Each result
 * is verified (every original line still present, in order) before it is accepted; an edit that would fail
 * that is reported as unsafe and the caller writes a proposal instead.
 */

export type EditResult =
  /** New text, with one line per change for the summary. */
  | { kind: 'edited'; text: string; changes: string[]; notes: string[] }
  /** Nothing to add: the file already has every piece (notes may say what was left alone on purpose). */
  | { kind: 'unchanged'; notes: string[] }
  /** The file could not be edited safely (unparsable, a shape the editor does not handle). */
  | { kind: 'unsafe'; reason: string };

export interface Insertion {
  /** UTF-16 offset in the original text. */
  offset: number;
  text: string;
}

/** Applies insertions given as offsets into the original text (several at one offset keep their order). */
export function applyInsertions(original: string, insertions: readonly Insertion[]): string {
  const ordered = insertions.map((insertion, index) => ({ ...insertion, index })).sort((a, b) => a.offset - b.offset || a.index - b.index);
  let result = '';
  let cursor = 0;
  for (const insertion of ordered) {
    result += original.slice(cursor, insertion.offset) + insertion.text;
    cursor = insertion.offset;
  }
  return result + original.slice(cursor);
}

/** The file's line break: CRLF when its first line ends so, else LF. */
export function lineBreakOf(text: string): string {
  const first = text.indexOf('\n');
  return first > 0 && text[first - 1] === '\r' ? '\r\n' : '\n';
}

export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** True when every line of `before` is in `after`, in the same order (lines may have been inserted between). */
export function linesPreservedInOrder(before: string, after: string): boolean {
  const afterLines = splitLines(after);
  let index = 0;
  for (const line of splitLines(before)) {
    while (index < afterLines.length && afterLines[index] !== line) index += 1;
    if (index === afterLines.length) return false;
    index += 1;
  }
  return true;
}

/** Offset of the start of the line holding `offset`. */
export function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** Offset just past the line break ending the line that holds `offset` (the text's end on the last line). */
export function afterLineEnd(text: string, offset: number): number {
  const end = text.indexOf('\n', offset);
  return end < 0 ? text.length : end + 1;
}

/** The run of spaces starting the line that holds `offset`. */
export function indentationAt(text: string, offset: number): string {
  const start = lineStart(text, offset);
  let end = start;
  while (text[end] === ' ' || text[end] === '\t') end += 1;
  return text.slice(start, end);
}

/**
 * The result of an editor's insertions, verified: nothing inserted → unchanged; an original line lost or
 * changed → unsafe (a bug or a shape the editor misjudged: never write that).
 */
export function finishEdit(original: string, insertions: readonly Insertion[], changes: string[], notes: string[]): EditResult {
  if (insertions.length === 0) return { kind: 'unchanged', notes };
  const text = applyInsertions(original, insertions);
  if (!linesPreservedInOrder(original, text)) return { kind: 'unsafe', reason: 'the edit would change an existing line' };
  return { kind: 'edited', text, changes, notes };
}
