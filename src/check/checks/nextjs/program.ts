/**
 * TypeScript/JavaScript modules of a repository as the Next.js checks see them: parsed with oxc-parser
 * (ESTree-shaped AST, UTF-16 offsets), with lexical scopes, imports and exports, and import specifiers
 * resolved to other files of the repository (relative paths and tsconfig `paths` aliases). Modules are
 * parsed lazily, on first use, and at most once. Nothing is executed.
 */
import { parseSync, visitorKeys } from 'oxc-parser';
import type * as ast from 'oxc-parser';
import type { Location } from '../../finding.js';
import { lineLocator } from '../../line-index.js';
import type { Emitter, SourceFile } from '../../registry.js';
import type { Value } from './evaluate.js';

export type AstNode = ast.Node;
export type FunctionNode = ast.Function | ast.ArrowFunctionExpression;

/** How a destructuring pattern reaches one name: property names and array indexes, outermost first. */
export type PathStep = { key: string } | { index: number };

export type Binding =
  /** `import x from 'm'`, `import { a as x } from 'm'`, `import * as x from 'm'` (imported '*'), `const x = require('m')`. */
  | { kind: 'import'; source: string; imported: string; module: Module }
  /** A const/let/var name, maybe destructured out of its initializer. */
  | { kind: 'variable'; init: ast.Expression | null; path: PathStep[]; scope: Scope }
  | { kind: 'function'; node: ast.Function; scope: Scope }
  /** A parameter of a function that is looked at without a call: its value is not known. */
  | { kind: 'parameter'; name: string }
  /** A parameter bound by the evaluator to the argument of one call. */
  | { kind: 'value'; value: Value }
  /** A class, a catch parameter, a loop variable: nothing the checks need to know. */
  | { kind: 'opaque' };

export class Scope {
  readonly bindings = new Map<string, Binding>();

  constructor(
    readonly module: Module,
    readonly parent?: Scope,
  ) {}

  lookup(name: string): Binding | undefined {
    for (let scope: Scope | undefined = this; scope !== undefined; scope = scope.parent) {
      const binding = scope.bindings.get(name);
      if (binding !== undefined) return binding;
    }
    return undefined;
  }
}

export interface ImportRecord {
  source: string;
  node: ast.ImportDeclaration | ast.CallExpression;
  /** `import type …`, or every specifier is `type`: erased at build time. */
  typeOnly: boolean;
}

export type ExportTarget =
  | { kind: 'local'; name: string }
  | { kind: 'expression'; node: ast.Expression | ast.Function | ast.Class }
  | { kind: 'reexport'; source: string; imported: string };

export interface Directive {
  value: string;
  node: ast.StringLiteral;
}

export interface Module {
  file: SourceFile;
  path: string;
  text: string;
  program: ast.Program;
  /** The module's own directives ('use client', 'use server', 'use cache', …). */
  directives: Directive[];
  scope: Scope;
  imports: ImportRecord[];
  exports: Map<string, ExportTarget>;
  starExports: string[];
  location(offset: number): Location;
}

const EXTENSIONS = ['.ts', '.tsx', '.js', '.jsx', '.mjs', '.cjs', '.mts', '.cts'];

/** AST keys that hold only TypeScript types or names that are not references: never walked. */
const SKIPPED_KEYS = new Set(['typeAnnotation', 'returnType', 'typeParameters', 'typeArguments', 'superTypeArguments', 'decorators', 'implements']);

// ---- Small AST helpers -----------------------------------------------------------------------------

export function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

export function isFunction(node: AstNode | null | undefined): node is FunctionNode {
  return node !== null && node !== undefined && (node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression');
}

/** Parentheses and TypeScript-only wrappers (`as`, `satisfies`, `!`, `<T>x`, `f<T>`): their value is their expression's. */
const TRANSPARENT_WRAPPERS = new Set(['ParenthesizedExpression', 'TSAsExpression', 'TSSatisfiesExpression', 'TSNonNullExpression', 'TSTypeAssertion', 'TSInstantiationExpression']);

export function isTransparentWrapper(node: AstNode): boolean {
  return TRANSPARENT_WRAPPERS.has(node.type);
}

/** The expression without parentheses and TypeScript-only wrappers. */
export function unwrap(node: ast.Expression): ast.Expression {
  let current: AstNode = node;
  while (isTransparentWrapper(current)) current = (current as { expression: AstNode }).expression;
  return current as ast.Expression;
}

export function stringLiteral(node: AstNode | null | undefined): string | undefined {
  return node?.type === 'Literal' && typeof node.value === 'string' ? node.value : undefined;
}

/** The static name of a property key: `a`, `'a'`, `1`, or a template without expressions. */
export function propertyName(key: AstNode, computed: boolean): string | undefined {
  if (!computed && key.type === 'Identifier') return key.name;
  if (key.type === 'Literal' && (typeof key.value === 'string' || typeof key.value === 'number')) return String(key.value);
  if (key.type === 'TemplateLiteral' && key.expressions.length === 0) return key.quasis[0]?.value.cooked ?? undefined;
  return undefined;
}

/** The name a call is made by: `f()` → f, `a.b.f()` → f, `(await a()).f()` → f. */
export function calleeName(call: ast.CallExpression | ast.NewExpression): string | undefined {
  const callee = unwrap(call.callee);
  if (callee.type === 'Identifier') return callee.name;
  if (callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier') return callee.property.name;
  if (callee.type === 'MemberExpression' && callee.computed) return stringLiteral(callee.property);
  return undefined;
}

function directivesOf(statements: ReadonlyArray<AstNode>): Directive[] {
  const found: Directive[] = [];
  for (const statement of statements) {
    if (statement.type !== 'ExpressionStatement' || typeof statement.directive !== 'string') break;
    const literal = statement.expression;
    if (literal.type === 'Literal' && typeof literal.value === 'string') found.push({ value: literal.value, node: literal as ast.StringLiteral });
  }
  return found;
}

/** The directives at the top of a function body ('use server', 'use cache'). */
export function functionDirectives(fn: FunctionNode): Directive[] {
  return fn.body !== null && fn.body.type === 'BlockStatement' ? directivesOf(fn.body.body) : [];
}

// ---- Declarations ----------------------------------------------------------------------------------

function bindPattern(scope: Scope, pattern: AstNode, make: (path: PathStep[]) => Binding, path: PathStep[] = []): void {
  switch (pattern.type) {
    case 'Identifier':
      scope.bindings.set(pattern.name, make(path));
      break;
    case 'ObjectPattern':
      for (const property of pattern.properties) {
        if (property.type === 'RestElement') bindPattern(scope, property.argument, () => ({ kind: 'opaque' }));
        else {
          const key = propertyName(property.key, property.computed);
          bindPattern(scope, property.value, key === undefined ? () => ({ kind: 'opaque' }) : make, key === undefined ? path : [...path, { key }]);
        }
      }
      break;
    case 'ArrayPattern':
      pattern.elements.forEach((element, index) => {
        if (element === null) return;
        if (element.type === 'RestElement') bindPattern(scope, element.argument, () => ({ kind: 'opaque' }));
        else bindPattern(scope, element, make, [...path, { index }]);
      });
      break;
    case 'AssignmentPattern':
      bindPattern(scope, pattern.left, make, path);
      break;
    case 'RestElement':
      bindPattern(scope, pattern.argument, () => ({ kind: 'opaque' }));
      break;
    default:
      break;
  }
}

/** The names a pattern declares. */
export function patternNames(pattern: AstNode): string[] {
  switch (pattern.type) {
    case 'Identifier':
      return [pattern.name];
    case 'ObjectPattern':
      return pattern.properties.flatMap((property) => patternNames(property.type === 'RestElement' ? property.argument : property.value));
    case 'ArrayPattern':
      return pattern.elements.flatMap((element) => (element === null ? [] : patternNames(element)));
    case 'AssignmentPattern':
      return patternNames(pattern.left);
    case 'RestElement':
      return patternNames(pattern.argument);
    default:
      return [];
  }
}

function requireCall(init: ast.Expression | null): string | undefined {
  if (init === null) return undefined;
  const call = unwrap(init);
  if (call.type !== 'CallExpression' || call.arguments.length !== 1) return undefined;
  const callee = unwrap(call.callee);
  return callee.type === 'Identifier' && callee.name === 'require' ? stringLiteral(call.arguments[0]) : undefined;
}

/** Hoists the declarations of a statement list into a scope (function bodies, blocks, the program). */
export function declareStatements(scope: Scope, statements: ReadonlyArray<AstNode>, module: Module | undefined = undefined): void {
  for (const statement of statements) declareStatement(scope, statement, module);
}

function declareStatement(scope: Scope, statement: AstNode, module: Module | undefined): void {
  switch (statement.type) {
    case 'VariableDeclaration':
      for (const declarator of statement.declarations) {
        const required = requireCall(declarator.init);
        if (required !== undefined && module !== undefined) {
          module.imports.push({ source: required, node: unwrap(declarator.init!) as ast.CallExpression, typeOnly: false });
          if (declarator.id.type === 'Identifier') scope.bindings.set(declarator.id.name, { kind: 'import', source: required, imported: '*', module });
          else bindPattern(scope, declarator.id, (path) => (path.length === 1 && 'key' in path[0]! ? { kind: 'import', source: required, imported: path[0].key, module } : { kind: 'opaque' }));
        } else {
          bindPattern(scope, declarator.id, (path) => ({ kind: 'variable', init: declarator.init, path, scope }));
        }
      }
      break;
    case 'FunctionDeclaration':
      if (statement.id !== null) scope.bindings.set(statement.id.name, { kind: 'function', node: statement, scope });
      break;
    case 'ClassDeclaration':
      if (statement.id !== null) scope.bindings.set(statement.id.name, { kind: 'opaque' });
      break;
    case 'ExportNamedDeclaration':
      if (statement.declaration !== null) declareStatement(scope, statement.declaration, module);
      break;
    case 'ExportDefaultDeclaration': {
      const declaration = statement.declaration;
      if ((declaration.type === 'FunctionDeclaration' || declaration.type === 'ClassDeclaration') && declaration.id !== null) declareStatement(scope, declaration, module);
      break;
    }
    case 'ImportDeclaration':
      if (module === undefined) break;
      for (const specifier of statement.specifiers) {
        const imported =
          specifier.type === 'ImportDefaultSpecifier' ? 'default' : specifier.type === 'ImportNamespaceSpecifier' ? '*' : specifier.imported.type === 'Identifier' ? specifier.imported.name : String(specifier.imported.value);
        scope.bindings.set(specifier.local.name, { kind: 'import', source: statement.source.value, imported, module });
      }
      break;
    default:
      break;
  }
}

/** The scope of a function body: its parameters (values unknown) and its hoisted declarations. */
export function functionScope(fn: FunctionNode, closure: Scope): Scope {
  const scope = new Scope(closure.module, closure);
  for (const param of fn.params) {
    const pattern = param.type === 'TSParameterProperty' ? param.parameter : param;
    for (const name of patternNames(pattern)) scope.bindings.set(name, { kind: 'parameter', name });
  }
  if (fn.type === 'FunctionExpression' && fn.id !== null && !scope.bindings.has(fn.id.name)) scope.bindings.set(fn.id.name, { kind: 'function', node: fn, scope: closure });
  if (fn.body !== null && fn.body.type === 'BlockStatement') declareStatements(scope, fn.body.body);
  return scope;
}

// ---- Walking -------------------------------------------------------------------------------------

/**
 * Visits every node under `root` that can hold code, with the lexical scope in force there. Binding names
 * (declarations, parameters, non-computed keys and member names) and TypeScript types are not visited, so
 * every Identifier the visitor sees is a reference. The visitor returns false to skip a node's children.
 */
export function walk(root: AstNode, scope: Scope, visit: (node: AstNode, scope: Scope) => boolean | void): void {
  const visitNode = (node: AstNode, current: Scope): void => {
    if (node.type.startsWith('TS') && !TS_EXPRESSIONS.has(node.type)) return;
    if (visit(node, current) === false) return;
    switch (node.type) {
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression': {
        const inner = functionScope(node, current);
        for (const param of node.params) visitPattern(param.type === 'TSParameterProperty' ? param.parameter : param, inner);
        if (node.body === null) return;
        if (node.body.type === 'BlockStatement') for (const statement of node.body.body) visitNode(statement, inner);
        else visitNode(node.body, inner);
        return;
      }
      case 'BlockStatement':
      case 'StaticBlock': {
        const inner = new Scope(current.module, current);
        declareStatements(inner, node.body);
        for (const statement of node.body) visitNode(statement, inner);
        return;
      }
      case 'SwitchStatement': {
        visitNode(node.discriminant, current);
        const inner = new Scope(current.module, current);
        for (const switchCase of node.cases) declareStatements(inner, switchCase.consequent);
        for (const switchCase of node.cases) {
          if (switchCase.test !== null) visitNode(switchCase.test, inner);
          for (const statement of switchCase.consequent) visitNode(statement, inner);
        }
        return;
      }
      case 'ForStatement':
      case 'ForInStatement':
      case 'ForOfStatement': {
        const inner = new Scope(current.module, current);
        const head = node.type === 'ForStatement' ? node.init : node.left;
        if (head !== null && head.type === 'VariableDeclaration') for (const declarator of head.declarations) for (const name of patternNames(declarator.id)) inner.bindings.set(name, { kind: 'opaque' });
        visitChildren(node, inner);
        return;
      }
      case 'CatchClause': {
        const inner = new Scope(current.module, current);
        if (node.param !== null) for (const name of patternNames(node.param)) inner.bindings.set(name, { kind: 'opaque' });
        visitNode(node.body, inner);
        return;
      }
      case 'VariableDeclarator':
        visitPattern(node.id, current);
        if (node.init !== null) visitNode(node.init, current);
        return;
      case 'MemberExpression':
        visitNode(node.object, current);
        if (node.computed) visitNode(node.property, current);
        return;
      case 'Property':
      case 'MethodDefinition':
      case 'PropertyDefinition':
      case 'AccessorProperty':
        if (node.computed) visitNode(node.key, current);
        if (node.value !== null && node.value !== undefined) visitNode(node.value, current);
        return;
      case 'ClassDeclaration':
      case 'ClassExpression':
        if (node.superClass !== null) visitNode(node.superClass, current);
        visitNode(node.body, current);
        return;
      case 'LabeledStatement':
        visitNode(node.body, current);
        return;
      case 'ImportDeclaration':
      case 'ExportAllDeclaration':
      case 'BreakStatement':
      case 'ContinueStatement':
        return;
      case 'ExportNamedDeclaration':
        if (node.declaration !== null) visitNode(node.declaration, current);
        return;
      case 'JSXAttribute':
        if (node.value !== null) visitNode(node.value, current);
        return;
      case 'JSXOpeningElement':
        for (const attribute of node.attributes) visitNode(attribute, current);
        return;
      case 'JSXClosingElement':
        return;
      default:
        visitChildren(node, current);
    }
  };
  const visitPattern = (pattern: AstNode, current: Scope): void => {
    switch (pattern.type) {
      case 'AssignmentPattern':
        visitPattern(pattern.left, current);
        visitNode(pattern.right, current);
        break;
      case 'ObjectPattern':
        for (const property of pattern.properties) {
          if (property.type === 'RestElement') visitPattern(property.argument, current);
          else {
            if (property.computed) visitNode(property.key, current);
            visitPattern(property.value, current);
          }
        }
        break;
      case 'ArrayPattern':
        for (const element of pattern.elements) if (element !== null) visitPattern(element, current);
        break;
      case 'RestElement':
        visitPattern(pattern.argument, current);
        break;
      default:
        break;
    }
  };
  const visitChildren = (node: AstNode, current: Scope): void => {
    const keys = visitorKeys[node.type] ?? [];
    for (const key of keys) {
      if (SKIPPED_KEYS.has(key)) continue;
      const child = (node as unknown as Record<string, unknown>)[key];
      if (Array.isArray(child)) {
        for (const item of child) if (isNode(item)) visitNode(item, current);
      } else if (isNode(child)) visitNode(child, current);
    }
  };
  visitNode(root, scope);
}

const TS_EXPRESSIONS = new Set(['TSAsExpression', 'TSSatisfiesExpression', 'TSNonNullExpression', 'TSTypeAssertion', 'TSInstantiationExpression', 'TSExportAssignment']);

// ---- Parsing -------------------------------------------------------------------------------------

function languageOf(path: string): 'ts' | 'tsx' | 'jsx' {
  if (/\.tsx$/.test(path)) return 'tsx';
  if (/\.[cm]?ts$/.test(path)) return 'ts';
  return 'jsx';
}

function buildExports(module: Module): void {
  for (const statement of module.program.body) {
    switch (statement.type) {
      case 'ExportNamedDeclaration': {
        if (statement.exportKind === 'type') break;
        const declaration = statement.declaration;
        if (declaration !== null) {
          if (declaration.type === 'VariableDeclaration') {
            for (const declarator of declaration.declarations) for (const name of patternNames(declarator.id)) module.exports.set(name, { kind: 'local', name });
          } else if ((declaration.type === 'FunctionDeclaration' || declaration.type === 'ClassDeclaration') && declaration.id !== null) {
            module.exports.set(declaration.id.name, { kind: 'local', name: declaration.id.name });
          }
        }
        for (const specifier of statement.specifiers) {
          if (specifier.exportKind === 'type') continue;
          const local = specifier.local.type === 'Identifier' ? specifier.local.name : String(specifier.local.value);
          const exported = specifier.exported.type === 'Identifier' ? specifier.exported.name : String(specifier.exported.value);
          module.exports.set(exported, statement.source !== null ? { kind: 'reexport', source: statement.source.value, imported: local } : { kind: 'local', name: local });
        }
        break;
      }
      case 'ExportAllDeclaration':
        if (statement.exportKind === 'type') break;
        if (statement.exported === null) module.starExports.push(statement.source.value);
        else module.exports.set(statement.exported.type === 'Identifier' ? statement.exported.name : String(statement.exported.value), { kind: 'reexport', source: statement.source.value, imported: '*' });
        break;
      case 'ExportDefaultDeclaration': {
        const declaration = statement.declaration;
        if ((declaration.type === 'FunctionDeclaration' || declaration.type === 'ClassDeclaration') && declaration.id !== null) module.exports.set('default', { kind: 'local', name: declaration.id.name });
        else if (!declaration.type.startsWith('TS')) module.exports.set('default', { kind: 'expression', node: declaration as ast.Expression });
        break;
      }
      case 'TSExportAssignment':
        module.exports.set('default', { kind: 'expression', node: statement.expression });
        break;
      case 'ExpressionStatement': {
        // CommonJS: `module.exports = …`
        const expression = unwrap(statement.expression);
        if (expression.type !== 'AssignmentExpression' || expression.operator !== '=') break;
        const target = expression.left;
        if (target.type === 'MemberExpression' && !target.computed && target.object.type === 'Identifier' && target.object.name === 'module' && target.property.type === 'Identifier' && target.property.name === 'exports') {
          module.exports.set('default', { kind: 'expression', node: expression.right });
        }
        break;
      }
      default:
        break;
    }
  }
}

function buildImports(module: Module): void {
  for (const statement of module.program.body) {
    if (statement.type !== 'ImportDeclaration') continue;
    const typeOnly = statement.importKind === 'type' || (statement.specifiers.length > 0 && statement.specifiers.every((specifier) => specifier.type === 'ImportSpecifier' && specifier.importKind === 'type'));
    module.imports.push({ source: statement.source.value, node: statement, typeOnly });
  }
}

/** Parses one file. A file with syntax errors is reported as a note and not checked. */
export function parseModule(file: SourceFile, emit: Emitter): Module | undefined {
  let result: ReturnType<typeof parseSync>;
  try {
    result = parseSync(file.path, file.text, { lang: languageOf(file.path), sourceType: /\.cjs$/.test(file.path) ? 'commonjs' : 'module', preserveParens: false });
  } catch (error) {
    emit.note({ file: file.path, message: `not checked: the parser failed (${(error as Error)?.message ?? String(error)})` });
    return undefined;
  }
  const location = lineLocator(file.path, file.text);
  const error = result.errors.find((candidate) => candidate.severity === 'Error');
  if (error !== undefined) {
    const at = location(error.labels[0]?.start ?? 0);
    emit.note({ file: file.path, line: at.line, column: at.column, message: `not checked: syntax error (${error.message})` });
    return undefined;
  }
  const program = result.program;
  const module: Module = {
    file,
    path: file.path,
    text: file.text,
    program,
    directives: directivesOf(program.body),
    // The module scope refers back to the module: it is set right below.
    scope: undefined as unknown as Scope,
    imports: [],
    exports: new Map(),
    starExports: [],
    location,
  };
  module.scope = new Scope(module);
  buildImports(module);
  declareStatements(module.scope, program.body, module);
  buildExports(module);
  return module;
}

// ---- Module graph --------------------------------------------------------------------------------

/** `compilerOptions.paths` of one tsconfig/jsconfig, made repository-relative. */
export interface AliasMap {
  /** The directory the aliases apply to (the config's directory), '' for the root. */
  root: string;
  /** `@/*` → [`web/*`]: patterns with at most one `*`. */
  paths: Array<{ pattern: string; targets: string[] }>;
  /** `baseUrl`, repository-relative, when set. */
  baseUrl?: string;
}

export function dirname(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

export function joinPath(base: string, relative: string): string {
  const parts = base === '' ? [] : base.split('/');
  for (const part of relative.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}

export class ModuleGraph {
  private readonly modules = new Map<string, Module | null>();
  /** Resolutions by importing directory and specifier: the same imports repeat across many modules. */
  private readonly resolved = new Map<string, string | undefined>();

  constructor(
    private readonly files: ReadonlyMap<string, SourceFile>,
    private readonly aliases: readonly AliasMap[],
    private readonly emit: Emitter,
  ) {}

  has(path: string): boolean {
    return this.files.has(path);
  }

  /** The parsed module at a path (undefined when it is not a selected source file or does not parse). */
  module(path: string): Module | undefined {
    const cached = this.modules.get(path);
    if (cached !== undefined) return cached ?? undefined;
    const file = this.files.get(path);
    const parsed = file === undefined ? undefined : parseModule(file, this.emit);
    this.modules.set(path, parsed ?? null);
    return parsed;
  }

  /** The repository path an import specifier of `from` names, when it is one of the selected source files. */
  resolve(from: string, specifier: string): string | undefined {
    const key = `${dirname(from)}\n${specifier}`;
    if (this.resolved.has(key)) return this.resolved.get(key);
    const path = this.resolveUncached(from, specifier);
    this.resolved.set(key, path);
    return path;
  }

  private resolveUncached(from: string, specifier: string): string | undefined {
    if (specifier.startsWith('./') || specifier.startsWith('../') || specifier === '.' || specifier === '..') return this.file(joinPath(dirname(from), specifier));
    const aliases = this.aliasesFor(from);
    if (aliases === undefined) return undefined;
    for (const { pattern, targets } of aliases.paths) {
      const star = pattern.indexOf('*');
      let rest: string | undefined;
      if (star < 0) rest = specifier === pattern ? '' : undefined;
      else if (specifier.startsWith(pattern.slice(0, star)) && specifier.endsWith(pattern.slice(star + 1)) && specifier.length >= pattern.length - 1) {
        rest = specifier.slice(star, specifier.length - (pattern.length - star - 1));
      }
      if (rest === undefined) continue;
      for (const target of targets) {
        const found = this.file(target.replace('*', rest));
        if (found !== undefined) return found;
      }
    }
    if (aliases.baseUrl !== undefined) return this.file(joinPath(aliases.baseUrl, specifier));
    return undefined;
  }

  private aliasesFor(from: string): AliasMap | undefined {
    let best: AliasMap | undefined;
    for (const alias of this.aliases) {
      if (alias.root !== '' && !from.startsWith(`${alias.root}/`)) continue;
      if (best === undefined || alias.root.length > best.root.length) best = alias;
    }
    return best;
  }

  private file(base: string): string | undefined {
    if (this.files.has(base) && EXTENSIONS.some((extension) => base.endsWith(extension))) return base;
    // TypeScript ESM writes `./x.js` for `./x.ts`.
    const withoutJs = base.replace(/\.(m|c)?js$/, '');
    for (const stem of withoutJs === base ? [base] : [withoutJs, base]) {
      for (const extension of EXTENSIONS) if (this.files.has(stem + extension)) return stem + extension;
      for (const extension of EXTENSIONS) if (this.files.has(`${stem}/index${extension}`)) return `${stem}/index${extension}`;
    }
    return undefined;
  }

  /** The module an import binding names, when it is in the repository. */
  importedModule(binding: Extract<Binding, { kind: 'import' }>): Module | undefined {
    const path = this.resolve(binding.module.path, binding.source);
    return path === undefined ? undefined : this.module(path);
  }

  /** What a module exports under a name, following re-exports. */
  resolveExport(module: Module, name: string, depth = 0): { module: Module; target: ExportTarget } | undefined {
    if (depth > 8) return undefined;
    const target = module.exports.get(name);
    if (target !== undefined) {
      if (target.kind !== 'reexport') return { module, target };
      const path = this.resolve(module.path, target.source);
      const next = path === undefined ? undefined : this.module(path);
      if (next === undefined) return undefined;
      if (target.imported === '*') return { module: next, target: { kind: 'reexport', source: target.source, imported: '*' } };
      return this.resolveExport(next, target.imported, depth + 1);
    }
    if (name === 'default') return undefined;
    for (const source of module.starExports) {
      const path = this.resolve(module.path, source);
      const next = path === undefined ? undefined : this.module(path);
      const found = next === undefined ? undefined : this.resolveExport(next, name, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }
}
