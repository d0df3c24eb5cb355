/**
 * Offsets → 1-based lines and columns, for the parsers that report offsets rather than lines: oxc-parser and
 * dockerfile-ast positions turned into offsets give UTF-16 offsets, libpg-query and mvdan-sh give UTF-8 byte
 * offsets. Columns count UTF-16 units, as editors and SARIF viewers do.
 */
import type { Location } from './finding.js';

/** The offset at which each line of `text` starts (the first is 0). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i += 1) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

/**
 * The index of the last of the ascending `starts` that is at or before `offset` (0 when none is): the line
 * of an offset given line starts, or the piece of an offset in text joined from pieces. Binary search, so
 * that locating every finding of a large file stays cheap.
 */
export function lastStartAtOrBefore(starts: readonly number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid]! <= offset) low = mid;
    else high = mid - 1;
  }
  return low;
}

/**
 * Maps UTF-16 offsets of `text` (clamped into it) to locations in the file at `path`. `starts` may be given
 * when the caller already has the line starts of `text`.
 */
export function lineLocator(path: string, text: string, starts: readonly number[] = lineStarts(text)): (offset: number) => Location {
  return (offset) => {
    const index = Math.max(0, Math.min(offset, text.length));
    const line = lastStartAtOrBefore(starts, index);
    return { file: path, line: line + 1, column: index - starts[line]! + 1 };
  };
}

/** Maps UTF-8 byte offsets of `text` (clamped into it) to locations in the file at `path`. */
export function byteLineLocator(path: string, text: string): (byteOffset: number) => Location {
  const locate = lineLocator(path, text);
  const bytes = byteIndexes(text);
  return (byteOffset) => locate(indexOfByte(bytes, byteOffset, text.length));
}

/**
 * For text with non-ASCII characters, the UTF-16 index of the character each UTF-8 byte belongs to (and
 * `text.length` for the end); undefined for ASCII text, where bytes and indexes are the same.
 */
export function byteIndexes(text: string): Int32Array | undefined {
  if (!/[^\x00-\x7f]/.test(text)) return undefined;
  // A lone surrogate is encoded as U+FFFD, three bytes: what Buffer.byteLength counts, and the loop below.
  const byteCount = Buffer.byteLength(text, 'utf8');
  const indexes = new Int32Array(byteCount + 1);
  let byte = 0;
  for (let index = 0; index < text.length; ) {
    const code = text.codePointAt(index)!;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    indexes.fill(index, byte, byte + size);
    byte += size;
    index += code > 0xffff ? 2 : 1;
  }
  indexes[byteCount] = text.length;
  return indexes;
}

/** The UTF-16 index of the character at a UTF-8 byte offset (clamped into the text), given the text's byteIndexes. */
export function indexOfByte(bytes: Int32Array | undefined, byte: number, length: number): number {
  const clamped = Math.max(0, byte);
  if (bytes === undefined) return Math.min(clamped, length);
  return bytes[Math.min(clamped, bytes.length - 1)]!;
}
