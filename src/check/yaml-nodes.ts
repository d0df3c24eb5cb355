/**
 * Reading parsed YAML documents (workflows, compose files) node by node, keeping source positions, so every
 * finding points at the line and column of what was written. Aliases are followed.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import type { Location } from './finding.js';
import type { Emitter, SourceFile } from './registry.js';

/** One parsed YAML file with what is needed to turn offsets into locations. */
export interface YamlFile {
  file: SourceFile;
  doc: Document;
  root: YAMLMap;
  lines: LineCounter;
}

export function deref(yaml: YamlFile, node: unknown): unknown {
  return isAlias(node) ? node.resolve(yaml.doc) : node;
}

export function pairOf(yaml: YamlFile, map: unknown, key: string): Pair<unknown, unknown> | undefined {
  const resolved = deref(yaml, map);
  if (!isMap(resolved)) return undefined;
  return resolved.items.find((pair) => isScalar(pair.key) && String(pair.key.value) === key) as Pair<unknown, unknown> | undefined;
}

export function valueOf(yaml: YamlFile, map: unknown, key: string): unknown {
  const pair = pairOf(yaml, map, key);
  return pair === undefined ? undefined : deref(yaml, pair.value);
}

/** A scalar's value as text; undefined for null, collections and non-scalars. */
export function text(node: unknown): string | undefined {
  return isScalar(node) && node.value !== null && typeof node.value !== 'object' ? String(node.value) : undefined;
}

/** The items of a sequence, aliases followed; [] for anything else. */
export function itemsOf(yaml: YamlFile, node: unknown): unknown[] {
  const resolved = deref(yaml, node);
  return isSeq(resolved) ? resolved.items.map((item) => deref(yaml, item)) : [];
}

export function at(yaml: YamlFile, offset: number): Location {
  const { line, col } = yaml.lines.linePos(offset);
  return { file: yaml.file.path, line, column: col };
}

export function nodeAt(yaml: YamlFile, node: unknown, fallback = 0): Location {
  const range = (node as Node | undefined)?.range;
  return at(yaml, range ? range[0] : fallback);
}

/**
 * Parses a YAML file that must be a mapping (`what` names it in the note: "a workflow"); malformed YAML or
 * another shape becomes a note at the offending position and undefined, never an exception.
 */
export function parseYamlMapping(file: SourceFile, emit: Emitter, what: string): YamlFile | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(file.text, { lineCounter: lines, uniqueKeys: false });
  const error = doc.errors[0];
  if (error !== undefined) {
    const { line, col } = lines.linePos(error.pos[0]);
    emit.note({ file: file.path, line, column: col, message: `not checked: malformed YAML (${error.code}: ${error.message.split('\n')[0]})` });
    return undefined;
  }
  if (!isMap(doc.contents)) {
    emit.note({ file: file.path, line: 1, column: 1, message: `not checked: ${what} must be a YAML mapping` });
    return undefined;
  }
  return { file, doc, root: doc.contents, lines };
}
