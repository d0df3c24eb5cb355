/**
 * Loads a YAML document the user wrote (preset, answers file, manifest) and validates it against a valibot
 * schema. Every problem becomes a one-line UsageError with `file:line:col`, pointing at the offending
 * key, so a typo in a 200-line preset is found at once.
 */
import type { Document, LineCounter } from 'yaml';
import { yamlLibrary } from './yaml-library.js';
import type * as v from 'valibot';
import { UsageError } from '../errors.js';
import { validate } from './validation.js';

export function parseYamlFile<Schema extends v.GenericSchema>(
  text: string,
  fileLabel: string,
  schema: Schema,
): v.InferOutput<Schema> {
  const { LineCounter: Counter, parseDocument } = yamlLibrary();
  const lineCounter = new Counter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const firstError = document.errors[0];
  if (firstError !== undefined) {
    const { line, col } = lineCounter.linePos(firstError.pos[0]);
    throw new UsageError(`${fileLabel}:${line}:${col}: invalid YAML: ${firstLine(firstError.message)}`);
  }
  const value: unknown = document.toJS() ?? {};
  const result = validate(schema, value);
  if (result.success) return result.data;
  const { path: issuePath, message: problem, unknownKey } = result.problem;
  const where = locate(document, lineCounter, issuePath);
  const keyLabel = issuePath.length > 0 ? issuePath.map(String).join('.') : '(document)';
  const message = unknownKey !== undefined ? `unknown key "${unknownKey}"` : `${keyLabel}: ${problem}`;
  throw new UsageError(`${fileLabel}:${where}: ${message}`);
}

/** `line:col` of the key (or value) at `issuePath`, falling back to its nearest existing parent. */
function locate(document: Document, lineCounter: LineCounter, issuePath: readonly PropertyKey[]): string {
  for (let depth = issuePath.length; depth >= 0; depth--) {
    const parentPath = issuePath.slice(0, depth - 1);
    const key = issuePath[depth - 1];
    if (depth > 0) {
      const parent = document.getIn(parentPath as unknown[], true) as { items?: unknown[] } | undefined;
      const pair = findPair(parent, key);
      const range = pair?.key?.range ?? pair?.value?.range;
      if (range) return linePos(lineCounter, range[0]);
    } else if (document.contents?.range) {
      return linePos(lineCounter, document.contents.range[0]);
    }
  }
  return '1:1';
}

interface NodeLike {
  range?: [number, number, number];
  value?: unknown;
}

function findPair(parent: { items?: unknown[] } | undefined, key: PropertyKey | undefined): { key?: NodeLike; value?: NodeLike } | undefined {
  if (!parent || !Array.isArray(parent.items)) return undefined;
  if (typeof key === 'number') {
    const item = parent.items[key] as NodeLike | undefined;
    return item ? { value: item } : undefined;
  }
  for (const item of parent.items as Array<{ key?: NodeLike; value?: NodeLike }>) {
    if (item && typeof item === 'object' && 'key' in item && item.key?.value === key) return item;
  }
  return undefined;
}

function linePos(lineCounter: LineCounter, offset: number): string {
  const { line, col } = lineCounter.linePos(offset);
  return `${line}:${col}`;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}
