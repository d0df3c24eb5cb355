/**
 * next.config.{js,mjs,cjs,ts,mts}: `poweredByHeader: false` and a `headers()` with the security headers of
 * WEB-06 are inserted into the config object when it has neither, never changed when it has them. The file
 * is parsed with oxc-parser to find the object the module exports (`export default {…}`, `module.exports =
 * {…}`, through a variable, `satisfies`/`as`, or a wrapper call such as `withBundleAnalyzer(config)`); new
 * members go first in it, so anything the user wrote after them (a spread, their own value) still wins.
 * A config this cannot find (a function of the phase, a computed object) is left alone with a proposal.
 */
import { parseSync } from 'oxc-parser';
import type * as ast from 'oxc-parser';
import { finishEdit, indentationAt, lineBreakOf, lineStart, type EditResult } from './text.js';

/** What WEB-06 asks on every path; Content-Security-Policy needs a per-request nonce, so it lives in proxy.ts. */
export const SECURITY_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['Strict-Transport-Security', 'max-age=63072000; includeSubDomains'],
  ['X-Content-Type-Options', 'nosniff'],
  ['Referrer-Policy', 'strict-origin-when-cross-origin'],
  ['Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=()'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
];

export function editNextConfig(fileName: string, text: string): EditResult {
  const lang = /\.[mc]?ts$/.test(fileName) ? 'ts' : 'js';
  let parsed: ReturnType<typeof parseSync>;
  try {
    parsed = parseSync(fileName, text, { lang, sourceType: /\.cjs$/.test(fileName) ? 'script' : 'module', preserveParens: false });
  } catch (error) {
    return { kind: 'unsafe', reason: `does not parse: ${(error as Error).message}` };
  }
  if (parsed.errors.length > 0) return { kind: 'unsafe', reason: `does not parse: ${parsed.errors[0]!.message}` };
  const config = exportedConfig(parsed.program);
  if (config === undefined) return { kind: 'unsafe', reason: 'the exported config is not an object literal this can find' };
  const first = config.properties[0];
  if (first === undefined) return { kind: 'unsafe', reason: 'the config object is empty' };
  if (!text.slice(config.start, first.start).includes('\n')) return { kind: 'unsafe', reason: 'the config object is written on one line' };

  const has = (name: string): ast.ObjectPropertyKind | undefined =>
    config.properties.find((member) => member.type === 'Property' && !member.computed && propertyName(member.key) === name);
  const indent = indentationAt(text, first.start);
  const unit = indent.startsWith('\t') ? '\t' : '  ';
  const lineBreak = lineBreakOf(text);
  const lines: string[] = [];
  const changes: string[] = [];
  const notes: string[] = [];
  const powered = has('poweredByHeader');
  if (powered === undefined) {
    lines.push(`${indent}poweredByHeader: false,`);
    changes.push('added poweredByHeader: false');
  } else if (!(powered.type === 'Property' && powered.value.type === 'Literal' && powered.value.value === false)) {
    notes.push('poweredByHeader is set by you: left as it is (WEB-06 wants false)');
  }
  if (has('headers') === undefined) {
    const at = (depth: number): string => indent + unit.repeat(depth);
    lines.push(
      `${indent}// Added by secure-stack add (WEB-06): security headers on every path. The Content-Security-Policy needs a per-request nonce, so it belongs in proxy.ts (middleware.ts before Next.js 16).`,
      `${indent}async headers() {`,
      `${at(1)}return [`,
      `${at(2)}{`,
      `${at(3)}source: '/:path*',`,
      `${at(3)}headers: [`,
      ...SECURITY_HEADERS.map(([key, value]) => `${at(4)}{ key: '${key}', value: '${value}' },`),
      `${at(3)}],`,
      `${at(2)}},`,
      `${at(1)}];`,
      `${indent}},`,
    );
    changes.push(`added headers() with ${SECURITY_HEADERS.map(([key]) => key).join(', ')}`);
  }
  if (lines.length === 0) return finishEdit(text, [], [], notes);
  // Above the comments that lead the first member: they describe it, not what is inserted.
  const leading = parsed.comments.filter((comment) => comment.start > config.start && comment.end <= first.start).map((comment) => comment.start);
  const aboveComments = lineStart(text, Math.min(first.start, ...leading));
  const offset = aboveComments > config.start ? aboveComments : lineStart(text, first.start);
  return finishEdit(text, [{ offset, text: lines.join(lineBreak) + lineBreak }], changes, notes);
}

function propertyName(key: ast.PropertyKey): string | undefined {
  if (key.type === 'Identifier') return key.name;
  if (key.type === 'Literal' && typeof key.value === 'string') return key.value;
  return undefined;
}

/** The object literal the module exports as its config, if it can be found without running anything. */
function exportedConfig(program: ast.Program): ast.ObjectExpression | undefined {
  const declarations = new Map<string, ast.Expression>();
  for (const statement of program.body) {
    const declaration = statement.type === 'ExportNamedDeclaration' ? statement.declaration : statement;
    if (declaration?.type !== 'VariableDeclaration') continue;
    for (const declarator of declaration.declarations) {
      if (declarator.id.type === 'Identifier' && declarator.init) declarations.set(declarator.id.name, declarator.init);
    }
  }
  const seen = new Set<string>();
  const resolve = (expression: ast.Expression | undefined | null): ast.ObjectExpression | undefined => {
    if (!expression) return undefined;
    switch (expression.type) {
      case 'ObjectExpression':
        return expression;
      case 'TSAsExpression':
      case 'TSSatisfiesExpression':
      case 'TSNonNullExpression':
      case 'ParenthesizedExpression':
        return resolve(expression.expression);
      case 'Identifier': {
        if (seen.has(expression.name)) return undefined;
        seen.add(expression.name);
        return resolve(declarations.get(expression.name));
      }
      case 'CallExpression':
        // A wrapper plugin: withX(config) or withX(options)(config). The config is the object argument it wraps.
        for (const argument of [...expression.arguments].reverse()) {
          if (argument.type === 'SpreadElement') continue;
          const found = resolve(argument as ast.Expression);
          if (found !== undefined) return found;
        }
        return undefined;
      default:
        return undefined;
    }
  };
  for (const statement of program.body) {
    if (statement.type === 'ExportDefaultDeclaration') {
      const exported = statement.declaration;
      if (exported.type.endsWith('Declaration') && exported.type !== 'TSAsExpression') return undefined;
      return resolve(exported as ast.Expression);
    }
    if (
      statement.type === 'ExpressionStatement' &&
      statement.expression.type === 'AssignmentExpression' &&
      isModuleExports(statement.expression.left)
    ) {
      return resolve(statement.expression.right);
    }
  }
  return undefined;
}

function isModuleExports(target: ast.Node): boolean {
  return (
    target.type === 'MemberExpression' &&
    !target.computed &&
    target.object.type === 'Identifier' &&
    target.object.name === 'module' &&
    target.property.type === 'Identifier' &&
    target.property.name === 'exports'
  );
}
