/**
 * Positions in a YAML document for insert-only edits: the `yaml` package's Document API gives every node's
 * source range (comments and all other text stay untouched because nothing is re-serialised); these helpers
 * turn ranges into "insert these lines after that item, at that column".
 */
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { afterLineEnd, finishEdit, indentationAt, lineBreakOf, lineStart, type EditResult, type Insertion } from './text.js';

export interface ParsedYaml {
  text: string;
  document: Document.Parsed;
  lineBreak: string;
}

export function parseYamlForEdit(text: string): ParsedYaml | { error: string } {
  const document = parseDocument(text, { keepSourceTokens: false, uniqueKeys: false });
  if (document.errors.length > 0) return { error: document.errors[0]!.message.split('\n')[0]! };
  return { text, document, lineBreak: lineBreakOf(text) };
}

/** finishEdit, and the edited text must still be YAML (a misjudged indentation would otherwise be written). */
export function finishYamlEdit(original: string, insertions: readonly Insertion[], changes: string[], notes: string[]): EditResult {
  const result = finishEdit(original, insertions, changes, notes);
  if (result.kind !== 'edited') return result;
  const check = parseYamlForEdit(result.text);
  return 'error' in check ? { kind: 'unsafe', reason: `the edit would not parse: ${check.error}` } : result;
}

/** The node behind an alias (`*name`), or the node itself. */
export function resolve(yaml: ParsedYaml, node: unknown): unknown {
  return isAlias(node) ? node.resolve(yaml.document) : node;
}

export function pairIn(yaml: ParsedYaml, map: unknown, key: string): Pair<unknown, unknown> | undefined {
  const resolved = resolve(yaml, map);
  if (!isMap(resolved)) return undefined;
  return resolved.items.find((pair) => isScalar(pair.key) && pair.key.value === key);
}

/** Whether the map has `key`, itself or through a `<<:` merge of another map. */
export function hasKey(yaml: ParsedYaml, map: unknown, key: string): boolean {
  if (pairIn(yaml, map, key) !== undefined) return true;
  const merge = pairIn(yaml, map, '<<');
  if (merge === undefined) return false;
  const sources = isSeq(merge.value) ? merge.value.items : [merge.value];
  return sources.some((source) => hasKey(yaml, source, key));
}

export function isBlockMap(node: unknown): node is YAMLMap<unknown, unknown> {
  return isMap(node) && !node.flow && node.items.length > 0 && node.range !== undefined && node.range !== null;
}

export function isBlockSeq(node: unknown): node is YAMLSeq<unknown> {
  return isSeq(node) && !node.flow && node.items.length > 0;
}

/** Column (0-based) where a node starts on its line. */
export function columnOf(yaml: ParsedYaml, node: Node): number {
  const start = node.range![0];
  return start - lineStart(yaml.text, start);
}

function rangeEnd(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[1] : undefined;
}

/**
 * Where new `key: value` lines go in a block map: after the line on which its last item ends, at the column
 * of its keys. Undefined for a flow map (`{…}`) or an empty one.
 */
export function appendToMap(yaml: ParsedYaml, map: unknown): { offset: number; indent: string } | undefined {
  if (!isBlockMap(map)) return undefined;
  const firstKey = map.items[0]!.key as Node;
  const last = map.items.at(-1)!;
  const end = rangeEnd(last.value) ?? rangeEnd(last.key);
  if (end === undefined || !firstKey.range) return undefined;
  // The key must start its own line (after spaces or a sequence dash), or the column means nothing.
  const before = yaml.text.slice(lineStart(yaml.text, firstKey.range[0]), firstKey.range[0]);
  if (!/^[ ]*(?:-[ ]+)*$/.test(before)) return undefined;
  return { offset: afterLineEnd(yaml.text, Math.max(end - 1, 0)), indent: ' '.repeat(columnOf(yaml, firstKey)) };
}

/** Where a new `- item` line goes in a block sequence: after its last item, at the column of its dashes. */
export function appendToSeq(yaml: ParsedYaml, seq: unknown): { offset: number; indent: string } | undefined {
  if (!isBlockSeq(seq)) return undefined;
  const first = seq.items[0] as Node;
  const lastEnd = rangeEnd(seq.items.at(-1));
  if (!first?.range || lastEnd === undefined) return undefined;
  const indentation = indentationAt(yaml.text, first.range[0]);
  const dashLine = yaml.text.slice(lineStart(yaml.text, first.range[0]), first.range[0]);
  if (!/^[ ]*-[ ]+$/.test(dashLine)) return undefined;
  return { offset: afterLineEnd(yaml.text, Math.max(lastEnd - 1, 0)), indent: indentation };
}

/** An insertion of whole lines at a line boundary (a break first when the file's last line has none). */
export function linesAt(yaml: ParsedYaml, offset: number, lines: readonly string[]): Insertion {
  const needsBreak = offset === yaml.text.length && yaml.text.length > 0 && !yaml.text.endsWith('\n');
  const body = lines.join(yaml.lineBreak) + yaml.lineBreak;
  return { offset, text: needsBreak ? yaml.lineBreak + body : body };
}

/** The indentation step the file uses under `parent` (child column minus parent column), 2 when unknown. */
export function indentStep(yaml: ParsedYaml, parentKey: unknown, childMap: unknown): number {
  if (!isBlockMap(childMap) || !(parentKey as Node | undefined)?.range) return 2;
  const step = columnOf(yaml, childMap.items[0]!.key as Node) - columnOf(yaml, parentKey as Node);
  return step > 0 ? step : 2;
}

export function scalarText(yaml: ParsedYaml, node: unknown): string | undefined {
  const resolved = resolve(yaml, node);
  return isScalar(resolved) && resolved.value !== null && resolved.value !== undefined ? String(resolved.value) : undefined;
}
