/**
 * package.json: missing keys of `dependencies`, `devDependencies` and `scripts` are inserted; a key that
 * is there keeps its value (a user's version range or script is theirs). The file is parsed (oxc-parser, for
 * positions) and new members are spliced in with the file's own indentation: alphabetically when the
 * section is sorted (as npm writes it), else at its end. A missing section is added at the end.
 *
 * JSON has no trailing commas, so a member added after the last one would rewrite that line (it gains a
 * comma). New members therefore never go last: one that would goes just before the last member instead
 * (npm sorts dependencies again on its next write anyway).
 */
import { parseSync } from 'oxc-parser';
import type * as ast from 'oxc-parser';
import { finishEdit, indentationAt, lineBreakOf, type EditResult, type Insertion } from './text.js';

export type PackageAdditions = Partial<Record<'dependencies' | 'devDependencies' | 'scripts', Record<string, string>>>;

type ObjectNode = ast.ObjectExpression;
type PropertyNode = ast.ObjectProperty;

export function editPackageJson(text: string, additions: PackageAdditions): EditResult {
  try {
    JSON.parse(text);
  } catch (error) {
    return { kind: 'unsafe', reason: `not valid JSON (${(error as Error).message})` };
  }
  const root = parseObject(text);
  if (root === undefined) return { kind: 'unsafe', reason: 'the top level is not an object' };
  const lineBreak = lineBreakOf(text);
  const insertions: Insertion[] = [];
  const changes: string[] = [];
  const rootMembers = propertiesOf(root);
  if (rootMembers === undefined) return { kind: 'unsafe', reason: 'unexpected member in the top-level object' };
  if (rootMembers.length === 0) return { kind: 'unsafe', reason: 'the top-level object is empty' };
  const rootIndent = indentationAt(text, rootMembers[0]!.start);
  if (!text.slice(0, rootMembers[0]!.start).includes('\n')) return { kind: 'unsafe', reason: 'the object is written on one line' };

  for (const [section, wanted] of Object.entries(additions) as Array<[string, Record<string, string>]>) {
    const existing = rootMembers.find((member) => keyOf(member) === section);
    if (existing === undefined) {
      const entries = Object.entries(wanted);
      if (entries.length === 0) continue;
      const inner = rootIndent + rootIndent;
      const body = entries.map(([key, value]) => `${inner}${JSON.stringify(key)}: ${JSON.stringify(value)}`).join(`,${lineBreak}`);
      insertions.push({
        offset: rootMembers.at(-1)!.start,
        text: `${JSON.stringify(section)}: {${lineBreak}${body}${lineBreak}${rootIndent}},${lineBreak}${rootIndent}`,
      });
      changes.push(`added ${section}: ${entries.map(([key]) => key).join(', ')}`);
      continue;
    }
    if (existing.value.type !== 'ObjectExpression') return { kind: 'unsafe', reason: `${section} is not an object` };
    const members = propertiesOf(existing.value);
    if (members === undefined) return { kind: 'unsafe', reason: `unexpected member in ${section}` };
    const present = new Set(members.map(keyOf));
    const missing = Object.entries(wanted).filter(([key]) => !present.has(key)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (missing.length === 0) continue;
    if (members.length === 0) return { kind: 'unsafe', reason: `${section} is an empty object written inline` };
    if (!text.slice(existing.value.start, members[0]!.start).includes('\n')) return { kind: 'unsafe', reason: `${section} is written on one line` };
    const indent = indentationAt(text, members[0]!.start);
    const keys = members.map(keyOf);
    const sorted = keys.every((key, index) => index === 0 || keys[index - 1]! <= key);
    for (const [key, value] of missing) {
      const member = `${JSON.stringify(key)}: ${JSON.stringify(value)}`;
      const before = (sorted ? members.find((candidate) => keyOf(candidate) > key) : undefined) ?? members.at(-1)!;
      insertions.push({ offset: before.start, text: `${member},${lineBreak}${indent}` });
    }
    changes.push(`added ${section}: ${missing.map(([key]) => key).join(', ')}`);
  }
  const result = finishEdit(text, insertions, changes, []);
  if (result.kind === 'edited') {
    try {
      JSON.parse(result.text);
    } catch {
      return { kind: 'unsafe', reason: 'the edit would not be valid JSON' };
    }
  }
  return result;
}

/** The object at the top of a JSON text, with offsets into that text. */
function parseObject(text: string): ObjectNode | undefined {
  // Parsed as a parenthesised JavaScript expression (JSON is one); offsets shift by the opening parenthesis.
  const parsed = parseSync('package.json.js', `(${text}\n)`, { lang: 'js', preserveParens: false });
  if (parsed.errors.length > 0) return undefined;
  const statement = parsed.program.body[0];
  if (statement?.type !== 'ExpressionStatement' || statement.expression.type !== 'ObjectExpression') return undefined;
  return shift(statement.expression, -1);
}

/** Shifts every node's offsets (the parse added a leading parenthesis). */
function shift<Node>(node: Node, by: number): Node {
  const seen = new Set<object>();
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object' || seen.has(value)) return;
    seen.add(value);
    const record = value as Record<string, unknown>;
    if (typeof record.start === 'number' && typeof record.end === 'number') {
      record.start = (record.start as number) + by;
      record.end = (record.end as number) + by;
    }
    for (const child of Object.values(record)) visit(child);
  };
  visit(node);
  return node;
}

function propertiesOf(object: ObjectNode): PropertyNode[] | undefined {
  const properties: PropertyNode[] = [];
  for (const member of object.properties) {
    if (member.type !== 'Property' || member.computed || member.key.type !== 'Literal' || typeof member.key.value !== 'string') return undefined;
    properties.push(member);
  }
  return properties;
}

function keyOf(property: PropertyNode): string {
  return (property.key as ast.StringLiteral).value;
}
