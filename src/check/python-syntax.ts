/**
 * Python sources for the check families, parsed with tree-sitter-python (WebAssembly). The grammar is loaded
 * once, when the checks are first imported (`check` only), so that scanning stays synchronous. Nothing is
 * executed: a tree is read, then deleted (its memory lives in the wasm heap, not in JavaScript's).
 *
 * Node positions are in UTF-16 units of the text given to the parser, as editors count columns.
 */
import { createRequire } from 'node:module';
import { Language, Parser, Query, type Node } from 'web-tree-sitter';

await Parser.init();
const PYTHON = await Language.load(createRequire(import.meta.url).resolve('tree-sitter-python/tree-sitter-python.wasm'));
const parser = new Parser();
parser.setLanguage(PYTHON);

export type PyNode = Node;
export type PyQuery = Query;

export interface Position {
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 units. */
  column: number;
}

/** Parses `text`, hands the root to `use`, and frees the tree whatever `use` does. */
export function withPythonTree<T>(text: string, use: (root: Node) => T): T {
  const tree = parser.parse(text);
  if (tree === null) throw new Error('tree-sitter returned no tree');
  try {
    return use(tree.rootNode);
  } finally {
    tree.delete();
  }
}

/** A query over the Python grammar (compiled once by the caller and reused for every file). */
export function pythonQuery(source: string): Query {
  return new Query(PYTHON, source);
}

export function positionOf(node: Node): Position {
  return { line: node.startPosition.row + 1, column: node.startPosition.column + 1 };
}

/** The first ERROR or MISSING node, for a file tree-sitter could only parse by recovering from a syntax error. */
export function firstSyntaxError(root: Node): Node | undefined {
  if (!root.hasError) return undefined;
  let node: Node | null = root;
  while (node !== null) {
    if (node.isError || node.isMissing) return node;
    node = node.children.find((child): child is Node => child !== null && (child.hasError || child.isMissing)) ?? null;
  }
  return root;
}

export function childrenOf(node: Node): Node[] {
  return node.namedChildren.filter((child): child is Node => child !== null && child.type !== 'comment');
}

const PLAIN_DOTTED = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** `a`, `a.b.c` for identifiers and attribute chains of identifiers; undefined for anything else. */
export function dottedName(node: Node | null | undefined): string | undefined {
  if (!node) return undefined;
  const type = node.type;
  if (type === 'identifier') return node.text;
  if (type !== 'dotted_name' && type !== 'attribute') return undefined;
  // The parser delimited the node; when its text is a plain dotted name it is the answer (one wasm call instead
  // of one per part). Anything else (spaces, comments, calls or subscripts inside) is read part by part.
  const text = node.text;
  if (PLAIN_DOTTED.test(text)) return text;
  if (node.type === 'dotted_name') return childrenOf(node).map((part) => part.text).join('.');
  if (node.type === 'attribute') {
    const object = dottedName(node.childForFieldName('object'));
    const attribute = node.childForFieldName('attribute');
    return object === undefined || attribute === null ? undefined : `${object}.${attribute.text}`;
  }
  return undefined;
}

export function lastSegment(dotted: string): string {
  return dotted.slice(dotted.lastIndexOf('.') + 1);
}

/** A string node's text split into its prefix (`f`, `rb`, …, lower-cased), quote and the text between the quotes. */
function stringParts(text: string): { prefix: string; quote: string; body: string } {
  const prefixLength = text.search(/['"]/);
  const prefix = text.slice(0, Math.max(prefixLength, 0)).toLowerCase();
  const rest = text.slice(prefix.length);
  const quote = rest.startsWith('"""') || rest.startsWith("'''") ? rest.slice(0, 3) : rest.slice(0, 1);
  return { prefix, quote, body: rest.slice(quote.length, rest.length - quote.length) };
}

/** An f-string that interpolates something (an f-string without `{…}` is a constant). */
export function isInterpolatedString(node: Node): boolean {
  if (node.type === 'concatenated_string') return childrenOf(node).some(isInterpolatedString);
  return node.type === 'string' && stringParts(node.text).prefix.includes('f') && node.namedChildren.some((child) => child?.type === 'interpolation');
}

/**
 * The value of a constant string literal (also implicitly concatenated ones), escape sequences left as written;
 * undefined for anything that is not a constant string (an interpolating f-string, a name, …). The parser has
 * delimited the literal; its value is read from the node's text (one call into wasm, not one per part).
 */
export function stringValue(node: Node | null | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'concatenated_string') {
    const parts = childrenOf(node).map(stringValue);
    return parts.every((part) => part !== undefined) ? parts.join('') : undefined;
  }
  if (node.type !== 'string') return undefined;
  const { prefix, body } = stringParts(node.text);
  if (prefix.includes('f') && node.namedChildren.some((child) => child?.type === 'interpolation')) return undefined;
  // `{{` in an f-string without interpolation is a literal brace.
  return prefix.includes('f') ? body.replaceAll('{{', '{').replaceAll('}}', '}') : body;
}

export function isStringLiteral(node: Node | null | undefined): boolean {
  return node?.type === 'string' || node?.type === 'concatenated_string';
}

export interface CallArguments {
  positional: Node[];
  keywords: Map<string, Node>;
  /** `**kwargs` / `*args` were passed: absent keywords may still be set. */
  spread: boolean;
  /** The keyword_argument nodes by name, for locating a keyword rather than its value. */
  keywordNodes: Map<string, Node>;
}

export function argumentsOf(call: Node): CallArguments {
  const result: CallArguments = { positional: [], keywords: new Map(), spread: false, keywordNodes: new Map() };
  const list = call.childForFieldName('arguments');
  if (!list || list.type !== 'argument_list') return result;
  for (const argument of childrenOf(list)) {
    if (argument.type === 'keyword_argument') {
      const name = argument.childForFieldName('name')?.text;
      const value = argument.childForFieldName('value');
      if (name !== undefined && value) {
        result.keywords.set(name, value);
        result.keywordNodes.set(name, argument);
      }
    } else if (argument.type === 'list_splat' || argument.type === 'dictionary_splat') {
      result.spread = true;
    } else {
      result.positional.push(argument);
    }
  }
  return result;
}

/** The dotted name of what a call calls (`jwt.decode` for `jwt.decode(...)`), undefined for computed callees. */
export function calleeOf(call: Node): string | undefined {
  return dottedName(call.childForFieldName('function'));
}

/** Every node of one of `types` in the subtree (the node itself included), depth first, in source order; `skip` types are not looked into. */
export function descendantsOf(node: Node, types: ReadonlySet<string>, skip: ReadonlySet<string> = new Set()): Node[] {
  const found: Node[] = [];
  const visit = (current: Node) => {
    if (types.has(current.type)) found.push(current);
    if (skip.has(current.type) && current !== node) return;
    for (const child of current.namedChildren) if (child) visit(child);
  };
  visit(node);
  return found;
}

export function isNone(node: Node | null | undefined): boolean {
  return node?.type === 'none';
}

export function isTrue(node: Node | null | undefined): boolean {
  return node?.type === 'true';
}

export function isFalse(node: Node | null | undefined): boolean {
  return node?.type === 'false';
}

/** The elements of a list, tuple or set display; undefined for anything else. */
export function elementsOf(node: Node | null | undefined): Node[] | undefined {
  if (!node || !['list', 'tuple', 'set', 'parenthesized_expression'].includes(node.type)) return undefined;
  if (node.type === 'parenthesized_expression') {
    const inner = childrenOf(node);
    return inner.length === 1 ? [inner[0]!] : undefined;
  }
  return childrenOf(node);
}

/** Splits a Python name into lower-case words: `get_current_user` and `HTTPBearer` → get current user, http bearer. */
export function wordsOf(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .split(/_+/)
    .filter(Boolean);
}
