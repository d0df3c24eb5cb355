/**
 * A small symbolic evaluator for the constant parts of TS/JS code: string literals, template literals, `+`,
 * arrays (spread, `join`, `map`, `filter`, `flat`, `concat`, `push`), objects (spread, `Object.entries`),
 * conditionals, and calls of functions written in the repository (across modules), so that a CSP assembled
 * in a helper, a cookie options object returned by a function, or a next.config object can be read as data.
 * Anything else is an unknown value that remembers the source text it came from.
 *
 * A condition whose value is unknown (`isDev ? a : b`, `if (process.env.NODE_ENV !== 'production')`) splits
 * the evaluation into variants, one per outcome; the same condition (same source text) takes the same
 * outcome everywhere in a variant. A variant where a development condition holds is marked as such, so that
 * the checks can ignore development-only settings. Nothing is executed: unknown calls, loops and most
 * mutations are not followed.
 */
import type * as ast from 'oxc-parser';
import { declareStatements, isTransparentWrapper, propertyName, Scope, unwrap, type Binding, type FunctionNode, type Module, type ModuleGraph } from './program.js';

export interface Site {
  module: Module;
  offset: number;
}

/** A piece of a string value: literal text written at `site`, or a hole (an unknown part). */
export interface Chunk {
  text: string;
  hole: boolean;
  site: Site;
  /** Whether the text is the source text byte for byte (no escapes), so that offsets inside it are exact. */
  exact: boolean;
}

export interface Prop {
  keySite: Site;
  value?: Value;
  expression?: ast.Expression;
  scope?: Scope;
}

export type Value =
  | { kind: 'string'; chunks: Chunk[]; site: Site }
  | { kind: 'number'; value: number; site: Site }
  | { kind: 'boolean'; value: boolean; site: Site }
  | { kind: 'nullish'; site: Site }
  | { kind: 'array'; items: Value[]; site: Site; complete: boolean }
  | { kind: 'object'; props: Map<string, Prop>; site: Site; complete: boolean }
  | { kind: 'function'; node: FunctionNode; scope: Scope; site: Site }
  | { kind: 'namespace'; module: Module; site: Site }
  | { kind: 'unknown'; text: string; negated: boolean; site: Site };

/** Stands for an unknown part inside a string value (a private-use character, never in real CSP text). */
export const HOLE = '\uE000';

class Fork {
  constructor(readonly key: string) {}
}
const UNREACHABLE = Symbol('unreachable');
const OVER_BUDGET = Symbol('over budget');

const MAX_STEPS = 50_000;
const MAX_CALL_DEPTH = 16;

// ---- Development conditions ----------------------------------------------------------------------

const DEVELOPMENT_WHEN_TRUE = [
  /NODE_ENV(?:===?)'development'/,
  /'development'(?:===?)(?:process\.env\.)?NODE_ENV/,
  /NODE_ENV!==?'production'/,
  /'production'!==?(?:process\.env\.)?NODE_ENV/,
  /PHASE_DEVELOPMENT_SERVER/,
  /__DEV__/,
  /^(?:is_?)?dev(?:elopment)?(?:_?(?:mode|env|environment))?$/i,
];
const PRODUCTION_WHEN_TRUE = [
  /NODE_ENV===?'production'/,
  /'production'===?(?:process\.env\.)?NODE_ENV/,
  /NODE_ENV!==?'development'/,
  /^(?:is_?)?prod(?:uction)?(?:_?(?:mode|env|environment))?$/i,
];

/** +1 when the condition holds in development, -1 when it holds in production, 0 when it says neither. */
export function developmentPolarity(key: string): 1 | -1 | 0 {
  if (DEVELOPMENT_WHEN_TRUE.some((pattern) => pattern.test(key))) return 1;
  if (PRODUCTION_WHEN_TRUE.some((pattern) => pattern.test(key))) return -1;
  return 0;
}

function conditionKey(text: string): string {
  return text.replace(/\s+/g, '').replace(/["`]/g, "'");
}

function isDevelopment(assumptions: ReadonlyMap<string, boolean>): boolean {
  for (const [key, holds] of assumptions) {
    const polarity = developmentPolarity(key);
    if ((polarity === 1 && holds) || (polarity === -1 && !holds)) return true;
  }
  return false;
}

// ---- Values --------------------------------------------------------------------------------------

export function textOf(value: Value): string | undefined {
  if (value.kind !== 'string' || value.chunks.some((chunk) => chunk.hole)) return undefined;
  return value.chunks.map((chunk) => chunk.text).join('');
}

function stringValue(chunks: Chunk[], site: Site): Value {
  return { kind: 'string', chunks, site };
}

function literalChunk(node: ast.StringLiteral, module: Module): Chunk {
  const exact = node.raw !== null && node.raw.slice(1, -1) === node.value;
  return { text: node.value, hole: false, site: { module, offset: exact ? node.start + 1 : node.start }, exact };
}

export class Evaluator {
  private steps = 0;
  private depth = 0;
  private readonly memo = new Map<Binding, Value>();
  private readonly active = new Set<Binding>();
  /** Scopes this evaluation created for calls: only their variables may be reassigned. */
  private readonly ownScopes = new WeakSet<Scope>();

  constructor(
    readonly graph: ModuleGraph,
    private readonly assumptions: ReadonlyMap<string, boolean>,
  ) {}

  // ---- Entry points ----

  evaluate(node: ast.Expression, scope: Scope): Value {
    this.steps += 1;
    if (this.steps > MAX_STEPS) throw OVER_BUDGET;
    return this.expression(node, scope);
  }

  /** The value of an object's property (evaluated on first access), undefined when it has none. */
  property(object: Value, name: string): Value | undefined {
    if (object.kind === 'namespace') return this.exportValue(object.module, name, object.site);
    if (object.kind !== 'object') return undefined;
    const prop = object.props.get(name);
    if (prop === undefined) return undefined;
    prop.value ??= this.evaluate(prop.expression!, prop.scope!);
    return prop.value;
  }

  /** Calls a function value with arguments; the result of its first `return` reached. */
  call(fn: Extract<Value, { kind: 'function' }>, args: Value[], site: Site): Value {
    if (this.depth >= MAX_CALL_DEPTH) return this.unknown('…', site);
    const scope = new Scope(fn.scope.module, fn.scope);
    this.ownScopes.add(scope);
    fn.node.params.forEach((param, index) => {
      const pattern = param.type === 'TSParameterProperty' ? param.parameter : param;
      if (pattern.type === 'RestElement') this.bindValue(scope, pattern.argument, { kind: 'array', items: args.slice(index), site, complete: true });
      else this.bindValue(scope, pattern, args[index] ?? { kind: 'nullish', site });
    });
    const body = fn.node.body;
    if (body === null) return this.unknown('…', site);
    this.depth += 1;
    try {
      if (body.type !== 'BlockStatement') return this.evaluate(body, scope);
      declareStatements(scope, body.body);
      return this.execute(body.body, scope) ?? { kind: 'nullish', site };
    } finally {
      this.depth -= 1;
    }
  }

  /** Whether a value is truthy; an unknown one splits the evaluation. */
  truthy(value: Value, node: ast.Expression): boolean {
    const known = staticTruthiness(value);
    if (known !== undefined) return known;
    if (value.kind === 'unknown') return this.decide(conditionKey(value.text)) !== value.negated;
    return this.decide(conditionKey(value.site.module.text.slice(node.start, node.end)));
  }

  private decide(key: string): boolean {
    const known = this.assumptions.get(key);
    if (known === undefined) throw new Fork(key);
    return known;
  }

  /** An unknown value standing for an argument the checks cannot know (a config function's phase). */
  opaque(text: string, site: Site): Value {
    return this.unknown(text, site);
  }

  // ---- Values of names ----

  private unknown(text: string, site: Site, negated = false): Value {
    return { kind: 'unknown', text, negated, site };
  }

  private unknownOf(node: ast.Expression | ast.Node, scope: Scope): Value {
    return this.unknown(scope.module.text.slice(node.start, node.end), { module: scope.module, offset: node.start });
  }

  private bindingValue(binding: Binding, name: string, site: Site): Value {
    switch (binding.kind) {
      case 'value':
        return binding.value;
      case 'function':
        return { kind: 'function', node: binding.node, scope: binding.scope, site: { module: binding.scope.module, offset: binding.node.start } };
      case 'import':
        return this.importValue(binding, site);
      case 'variable': {
        const cached = this.memo.get(binding);
        if (cached !== undefined) return cached;
        if (this.active.has(binding) || binding.init === null) return this.unknown(name, site);
        this.active.add(binding);
        try {
          let value = this.evaluate(binding.init, binding.scope);
          for (const step of binding.path) value = this.step(value, step, name, site);
          this.memo.set(binding, value);
          return value;
        } finally {
          this.active.delete(binding);
        }
      }
      default:
        return this.unknown(name, site);
    }
  }

  private step(value: Value, step: { key: string } | { index: number }, name: string, site: Site): Value {
    if ('key' in step) return this.property(value, step.key) ?? (value.kind === 'object' && value.complete ? { kind: 'nullish', site } : this.unknown(name, site));
    if (value.kind === 'array' && value.complete) return value.items[step.index] ?? { kind: 'nullish', site };
    return this.unknown(name, site);
  }

  private importValue(binding: Extract<Binding, { kind: 'import' }>, site: Site): Value {
    const target = this.graph.importedModule(binding);
    if (target === undefined) return this.unknown(binding.imported === '*' || binding.imported === 'default' ? binding.source : binding.imported, site);
    if (binding.imported === '*') return { kind: 'namespace', module: target, site };
    return this.exportValue(target, binding.imported, site);
  }

  private exportValue(module: Module, name: string, site: Site): Value {
    const found = this.graph.resolveExport(module, name);
    if (found === undefined) return this.unknown(name, site);
    const { module: owner, target } = found;
    if (target.kind === 'reexport') return { kind: 'namespace', module: owner, site };
    if (target.kind === 'expression') {
      const node = target.node;
      if (node.type === 'FunctionDeclaration') return { kind: 'function', node, scope: owner.scope, site: { module: owner, offset: node.start } };
      if (node.type === 'ClassDeclaration' || node.type === 'ClassExpression') return this.unknown(name, site);
      return this.evaluate(node, owner.scope);
    }
    const binding = owner.scope.bindings.get(target.name);
    return binding === undefined ? this.unknown(name, site) : this.bindingValue(binding, name, site);
  }

  private bindValue(scope: Scope, pattern: ast.Node, value: Value): void {
    switch (pattern.type) {
      case 'Identifier':
        scope.bindings.set(pattern.name, { kind: 'value', value });
        break;
      case 'AssignmentPattern':
        this.bindValue(scope, pattern.left, value.kind === 'nullish' ? this.evaluate(pattern.right, scope) : value);
        break;
      case 'ObjectPattern':
        for (const property of pattern.properties) {
          if (property.type === 'RestElement') {
            this.bindValue(scope, property.argument, this.unknown('…', value.site));
            continue;
          }
          const key = propertyName(property.key, property.computed);
          const inner = key === undefined ? this.unknown('…', value.site) : this.step(value, { key }, key, value.site);
          this.bindValue(scope, property.value, inner);
        }
        break;
      case 'ArrayPattern':
        pattern.elements.forEach((element, index) => {
          if (element === null) return;
          if (element.type === 'RestElement') this.bindValue(scope, element.argument, value.kind === 'array' ? { ...value, items: value.items.slice(index) } : this.unknown('…', value.site));
          else this.bindValue(scope, element, this.step(value, { index }, '…', value.site));
        });
        break;
      default:
        break;
    }
  }

  // ---- Statements (bodies of called functions) ----

  private execute(statements: ReadonlyArray<ast.Node>, scope: Scope): Value | undefined {
    for (const statement of statements) {
      const result = this.statement(statement, scope);
      if (result !== undefined) return result;
    }
    return undefined;
  }

  private statement(statement: ast.Node, scope: Scope): Value | undefined {
    this.steps += 1;
    if (this.steps > MAX_STEPS) throw OVER_BUDGET;
    switch (statement.type) {
      case 'ReturnStatement':
        return statement.argument === null ? { kind: 'nullish', site: { module: scope.module, offset: statement.start } } : this.evaluate(statement.argument, scope);
      case 'IfStatement': {
        const branch = this.truthy(this.evaluate(statement.test, scope), statement.test) ? statement.consequent : statement.alternate;
        return branch === null ? undefined : this.statement(branch, scope);
      }
      case 'BlockStatement': {
        const inner = new Scope(scope.module, scope);
        this.ownScopes.add(inner);
        declareStatements(inner, statement.body);
        return this.execute(statement.body, inner);
      }
      case 'TryStatement':
        return this.statement(statement.block, scope);
      case 'ThrowStatement':
        throw UNREACHABLE;
      case 'ExpressionStatement':
        this.sideEffect(unwrap(statement.expression), scope);
        return undefined;
      default:
        return undefined;
    }
  }

  /** The few mutations followed: `x = …` and `x += …` of a local variable, `array.push(…)`. */
  private sideEffect(expression: ast.Expression, scope: Scope): void {
    if (expression.type === 'AssignmentExpression' && expression.left.type === 'Identifier' && (expression.operator === '=' || expression.operator === '+=')) {
      const name = expression.left.name;
      let owner: Scope | undefined = scope;
      while (owner !== undefined && !owner.bindings.has(name)) owner = owner.parent;
      if (owner === undefined || !this.ownScopes.has(owner)) return;
      const right = this.evaluate(expression.right, scope);
      const site = { module: scope.module, offset: expression.start };
      const value = expression.operator === '=' ? right : (this.plus(this.bindingValue(owner.bindings.get(name)!, name, site), right, site) ?? this.unknown(name, site));
      owner.bindings.set(name, { kind: 'value', value });
      return;
    }
    if (expression.type === 'CallExpression') {
      const callee = unwrap(expression.callee);
      if (callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier' && (callee.property.name === 'push' || callee.property.name === 'unshift')) {
        const target = this.evaluate(callee.object, scope);
        if (target.kind !== 'array') return;
        const added = this.argumentValues(expression.arguments, scope);
        if (callee.property.name === 'push') target.items.push(...added);
        else target.items.unshift(...added);
      }
    }
  }

  // ---- Expressions ----

  private expression(node: ast.Expression, scope: Scope): Value {
    const module = scope.module;
    const site: Site = { module, offset: node.start };
    if (isTransparentWrapper(node)) return this.evaluate(unwrap(node), scope);
    switch (node.type) {
      case 'Literal':
        if (typeof node.value === 'string') return stringValue([literalChunk(node as ast.StringLiteral, module)], site);
        if (typeof node.value === 'number') return { kind: 'number', value: node.value, site };
        if (typeof node.value === 'boolean') return { kind: 'boolean', value: node.value, site };
        if (node.value === null && !('regex' in node)) return { kind: 'nullish', site };
        return this.unknownOf(node, scope);
      case 'TemplateLiteral': {
        const chunks: Chunk[] = [];
        node.quasis.forEach((quasi, index) => {
          const cooked = quasi.value.cooked ?? quasi.value.raw;
          // oxc's TemplateElement span starts at the backtick or the `}` before the text.
          if (cooked !== '') chunks.push({ text: cooked, hole: false, site: { module, offset: quasi.start + 1 }, exact: cooked === quasi.value.raw });
          const expression = node.expressions[index];
          if (expression !== undefined) chunks.push(...this.stringChunks(this.evaluate(expression, scope), { module, offset: expression.start }));
        });
        return stringValue(chunks, site);
      }
      case 'Identifier': {
        const binding = scope.lookup(node.name);
        if (binding === undefined) return node.name === 'undefined' ? { kind: 'nullish', site } : this.unknownOf(node, scope);
        return this.bindingValue(binding, node.name, site);
      }
      case 'ChainExpression':
        return this.evaluate(node.expression as ast.Expression, scope);
      case 'AwaitExpression':
        // A promise and its value are the same thing to the checks.
        return this.evaluate(node.argument, scope);
      case 'ArrayExpression': {
        const items: Value[] = [];
        let complete = true;
        for (const element of node.elements) {
          if (element === null) items.push({ kind: 'nullish', site });
          else if (element.type === 'SpreadElement') {
            const spread = this.evaluate(element.argument, scope);
            if (spread.kind === 'array') {
              items.push(...spread.items);
              complete &&= spread.complete;
            } else if (spread.kind !== 'nullish') {
              items.push(this.unknownOf(element.argument, scope));
              complete = false;
            }
          } else items.push(this.evaluate(element, scope));
        }
        return { kind: 'array', items, site, complete };
      }
      case 'ObjectExpression': {
        const props = new Map<string, Prop>();
        let complete = true;
        for (const property of node.properties) {
          if (property.type === 'SpreadElement') {
            const spread = this.evaluate(property.argument, scope);
            if (spread.kind === 'object') {
              for (const [key, prop] of spread.props) props.set(key, prop);
              complete &&= spread.complete;
            } else if (spread.kind !== 'nullish') complete = false;
            continue;
          }
          let key = propertyName(property.key, property.computed);
          if (key === undefined && property.computed) key = textOf(this.evaluate(property.key as ast.Expression, scope));
          if (key === undefined) {
            complete = false;
            continue;
          }
          if (property.kind !== 'init') continue;
          props.set(key, { keySite: { module, offset: property.key.start }, expression: property.value, scope });
        }
        return { kind: 'object', props, site, complete };
      }
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        return { kind: 'function', node, scope, site };
      case 'ConditionalExpression':
        return this.evaluate(this.truthy(this.evaluate(node.test, scope), node.test) ? node.consequent : node.alternate, scope);
      case 'LogicalExpression': {
        const left = this.evaluate(node.left, scope);
        if (node.operator === '??') return left.kind === 'nullish' ? this.evaluate(node.right, scope) : left.kind === 'unknown' ? this.unknownOf(node, scope) : left;
        const truthy = this.truthy(left, node.left);
        if (node.operator === '&&') return truthy ? this.evaluate(node.right, scope) : left;
        return truthy ? left : this.evaluate(node.right, scope);
      }
      case 'UnaryExpression': {
        if (node.operator !== '!') return this.unknownOf(node, scope);
        const inner = this.evaluate(node.argument, scope);
        if (inner.kind === 'unknown') return { ...inner, negated: !inner.negated };
        return { kind: 'boolean', value: !this.truthy(inner, node.argument), site };
      }
      case 'BinaryExpression':
        return 'operator' in node && node.left.type !== 'PrivateIdentifier' ? this.binary(node as ast.BinaryExpression, scope) : this.unknownOf(node, scope);
      case 'SequenceExpression':
        return this.evaluate(node.expressions[node.expressions.length - 1]!, scope);
      case 'AssignmentExpression':
        return this.evaluate(node.right, scope);
      case 'MemberExpression':
        return this.member(node, scope);
      case 'CallExpression':
        return this.callExpression(node, scope);
      case 'NewExpression': {
        // `new Headers({...})` keeps its initializer readable (Authorization headers of a fetch).
        const callee = unwrap(node.callee);
        if (callee.type === 'Identifier' && callee.name === 'Headers' && scope.lookup('Headers') === undefined && node.arguments[0] !== undefined && node.arguments[0].type !== 'SpreadElement') {
          return this.evaluate(node.arguments[0], scope);
        }
        return this.unknownOf(node, scope);
      }
      default:
        return this.unknownOf(node, scope);
    }
  }

  private binary(node: ast.BinaryExpression, scope: Scope): Value {
    const left = this.evaluate(node.left, scope);
    const right = this.evaluate(node.right, scope);
    const site = { module: scope.module, offset: node.start };
    if (node.operator === '+') return this.plus(left, right, site) ?? this.unknownOf(node, scope);
    if (left.kind === 'number' && right.kind === 'number' && ['-', '*', '/', '%', '**'].includes(node.operator)) {
      const [a, b] = [left.value, right.value];
      const value = node.operator === '-' ? a - b : node.operator === '*' ? a * b : node.operator === '/' ? a / b : node.operator === '%' ? a % b : a ** b;
      return { kind: 'number', value, site };
    }
    if (['===', '!==', '==', '!='].includes(node.operator)) {
      const a = primitive(left);
      const b = primitive(right);
      if (a === undefined || b === undefined) return this.unknownOf(node, scope);
      const equal = a === b;
      return { kind: 'boolean', value: node.operator.startsWith('!') ? !equal : equal, site };
    }
    return this.unknownOf(node, scope);
  }

  private plus(left: Value, right: Value, site: Site): Value | undefined {
    if (left.kind === 'number' && right.kind === 'number') return { kind: 'number', value: left.value + right.value, site };
    if (left.kind === 'string' || right.kind === 'string') return stringValue([...this.stringChunks(left, left.site), ...this.stringChunks(right, right.site)], left.kind === 'string' ? left.site : site);
    return undefined;
  }

  private member(node: ast.MemberExpression, scope: Scope): Value {
    if (node.object.type === 'Super') return this.unknownOf(node, scope);
    const object = this.evaluate(node.object, scope);
    let name: string | undefined;
    if (!node.computed) name = node.property.type === 'Identifier' ? node.property.name : undefined;
    else {
      const key = this.evaluate(node.property as ast.Expression, scope);
      name = key.kind === 'number' ? String(key.value) : textOf(key);
    }
    if (name === undefined) return this.unknownOf(node, scope);
    const site = { module: scope.module, offset: node.start };
    if (object.kind === 'object' || object.kind === 'namespace') {
      const value = this.property(object, name);
      if (value !== undefined) return value;
      return object.kind === 'object' && object.complete ? { kind: 'nullish', site } : this.unknownOf(node, scope);
    }
    if (object.kind === 'array') {
      if (name === 'length' && object.complete) return { kind: 'number', value: object.items.length, site };
      if (/^\d+$/.test(name) && object.complete) return object.items[Number(name)] ?? { kind: 'nullish', site };
    }
    if (object.kind === 'string' && name === 'length') {
      const text = textOf(object);
      if (text !== undefined) return { kind: 'number', value: text.length, site };
    }
    return this.unknownOf(node, scope);
  }

  private argumentValues(args: ReadonlyArray<ast.Argument>, scope: Scope): Value[] {
    const values: Value[] = [];
    for (const arg of args) {
      if (arg.type === 'SpreadElement') {
        const spread = this.evaluate(arg.argument, scope);
        if (spread.kind === 'array') values.push(...spread.items);
        else values.push(this.unknownOf(arg, scope));
      } else values.push(this.evaluate(arg, scope));
    }
    return values;
  }

  private callExpression(node: ast.CallExpression, scope: Scope): Value {
    const callee = unwrap(node.callee);
    const site: Site = { module: scope.module, offset: node.start };
    if (callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier') {
      const method = callee.property.name;
      const receiverNode = unwrap(callee.object);
      if (receiverNode.type === 'Identifier' && receiverNode.name === 'Object' && scope.lookup('Object') === undefined) return this.objectStatic(method, node, scope);
      if (receiverNode.type === 'Super') return this.unknownOf(node, scope);
      const receiver = this.evaluate(callee.object, scope);
      const args = () => this.argumentValues(node.arguments, scope);
      if (receiver.kind === 'array') return this.arrayMethod(receiver, method, args(), site) ?? this.unknownOf(node, scope);
      if (receiver.kind === 'string') return this.stringMethod(receiver, method, args(), site) ?? this.unknownOf(node, scope);
      if (receiver.kind === 'object' || receiver.kind === 'namespace') {
        const fn = this.property(receiver, method);
        if (fn?.kind === 'function') return this.call(fn, args(), site);
      }
      return this.unknownOf(node, scope);
    }
    if (callee.type === 'Identifier' && callee.name === 'String' && scope.lookup('String') === undefined) {
      const [value] = this.argumentValues(node.arguments, scope);
      return value === undefined ? stringValue([], site) : stringValue(this.stringChunks(value, site), site);
    }
    const target = this.evaluate(callee, scope);
    if (target.kind === 'function') return this.call(target, this.argumentValues(node.arguments, scope), site);
    return this.unknownOf(node, scope);
  }

  private objectStatic(method: string, node: ast.CallExpression, scope: Scope): Value {
    const site: Site = { module: scope.module, offset: node.start };
    const [target] = this.argumentValues(node.arguments, scope);
    if (target === undefined || target.kind !== 'object' || !['entries', 'keys', 'values'].includes(method)) return this.unknownOf(node, scope);
    const items: Value[] = [];
    for (const [key, prop] of target.props) {
      const keyValue = stringValue([{ text: key, hole: false, site: prop.keySite, exact: false }], prop.keySite);
      if (method === 'keys') items.push(keyValue);
      else {
        const value = this.property(target, key)!;
        items.push(method === 'values' ? value : { kind: 'array', items: [keyValue, value], site: prop.keySite, complete: true });
      }
    }
    return { kind: 'array', items, site, complete: target.complete };
  }

  private arrayMethod(array: Extract<Value, { kind: 'array' }>, method: string, args: Value[], site: Site): Value | undefined {
    const fn = args[0]?.kind === 'function' ? args[0] : undefined;
    switch (method) {
      case 'join': {
        const separator = args[0] === undefined || args[0].kind === 'nullish' ? stringValue([{ text: ',', hole: false, site, exact: false }], site) : args[0];
        if (separator.kind !== 'string') return undefined;
        const chunks: Chunk[] = [];
        const items = array.complete ? array.items : [...array.items, this.unknown('…', site)];
        items.forEach((item, index) => {
          if (index > 0) chunks.push(...separator.chunks);
          if (item.kind !== 'nullish') chunks.push(...this.stringChunks(item, item.site));
        });
        return stringValue(chunks, site);
      }
      case 'map':
        if (fn === undefined) return undefined;
        return { kind: 'array', items: array.items.map((item, index) => this.call(fn, [item, { kind: 'number', value: index, site }], site)), site, complete: array.complete };
      case 'flatMap':
        if (fn === undefined) return undefined;
        return this.flatten({ kind: 'array', items: array.items.map((item, index) => this.call(fn, [item, { kind: 'number', value: index, site }], site)), site, complete: array.complete }, site);
      case 'filter': {
        // An item is dropped only when it is known to be falsy (`.filter(Boolean)` on `isDev && "'unsafe-eval'"`).
        const keep = (item: Value): boolean => staticTruthiness(fn === undefined ? item : this.call(fn, [item], site)) !== false;
        return { kind: 'array', items: array.items.filter(keep), site, complete: array.complete };
      }
      case 'flat':
        return this.flatten(array, site);
      case 'concat': {
        const items = [...array.items];
        let complete = array.complete;
        for (const arg of args) {
          if (arg.kind === 'array') {
            items.push(...arg.items);
            complete &&= arg.complete;
          } else items.push(arg);
        }
        return { kind: 'array', items, site, complete };
      }
      case 'slice':
        return args.length === 0 ? { ...array, items: [...array.items] } : undefined;
      default:
        return undefined;
    }
  }

  private flatten(array: Extract<Value, { kind: 'array' }>, site: Site): Value {
    const items: Value[] = [];
    let complete = array.complete;
    for (const item of array.items) {
      if (item.kind === 'array') {
        items.push(...item.items);
        complete &&= item.complete;
      } else items.push(item);
    }
    return { kind: 'array', items, site, complete };
  }

  private stringMethod(value: Extract<Value, { kind: 'string' }>, method: string, args: Value[], site: Site): Value | undefined {
    switch (method) {
      case 'trim':
      case 'trimStart':
      case 'trimEnd':
      case 'toString':
      case 'valueOf':
      case 'normalize':
        // Whitespace around tokens means nothing to the header formats read here: keep the chunks and their places.
        return value;
      case 'replace':
      case 'replaceAll': {
        const pattern = args[0];
        const replacement = args[1];
        if (pattern === undefined || replacement === undefined) return undefined;
        // A regular expression is assumed to normalise whitespace (`.replace(/\s{2,}/g, ' ')`, the Next.js guide's).
        if (pattern.kind === 'unknown' && pattern.text.startsWith('/')) return value;
        const needle = textOf(pattern);
        if (needle === undefined || needle === '' || replacement.kind !== 'string') return undefined;
        return this.replaceText(value, needle, replacement, method === 'replaceAll', site);
      }
      case 'concat':
        return stringValue([...value.chunks, ...args.flatMap((arg) => this.stringChunks(arg, site))], value.site);
      default:
        return undefined;
    }
  }

  /** `template.replace('{NONCE}', nonce)`: only when each match lies inside one literal chunk. */
  private replaceText(value: Extract<Value, { kind: 'string' }>, needle: string, replacement: Extract<Value, { kind: 'string' }>, all: boolean, site: Site): Value | undefined {
    const chunks: Chunk[] = [];
    let replaced = false;
    for (const chunk of value.chunks) {
      if (chunk.hole || (replaced && !all)) {
        chunks.push(chunk);
        continue;
      }
      let rest = chunk.text;
      let offset = 0;
      for (;;) {
        const at = rest.indexOf(needle);
        if (at < 0 || (replaced && !all)) break;
        if (at > 0) chunks.push({ ...chunk, text: rest.slice(0, at), site: { module: chunk.site.module, offset: chunk.site.offset + (chunk.exact ? offset : 0) } });
        chunks.push(...replacement.chunks);
        replaced = true;
        offset += at + needle.length;
        rest = rest.slice(at + needle.length);
      }
      if (rest !== '') chunks.push({ ...chunk, text: rest, site: { module: chunk.site.module, offset: chunk.site.offset + (chunk.exact ? offset : 0) } });
    }
    if (!replaced && value.chunks.some((chunk) => chunk.hole)) return undefined;
    return stringValue(chunks, site);
  }

  /** A value as it reads inside a string: literal text where known, a hole elsewhere. */
  stringChunks(value: Value, site: Site): Chunk[] {
    switch (value.kind) {
      case 'string':
        return value.chunks;
      case 'number':
      case 'boolean':
        return [{ text: String(value.value), hole: false, site, exact: false }];
      case 'array': {
        const chunks: Chunk[] = [];
        value.items.forEach((item, index) => {
          if (index > 0) chunks.push({ text: ',', hole: false, site, exact: false });
          if (item.kind !== 'nullish') chunks.push(...this.stringChunks(item, item.site));
        });
        if (!value.complete) chunks.push({ text: HOLE, hole: true, site, exact: false });
        return chunks;
      }
      default:
        return [{ text: HOLE, hole: true, site, exact: false }];
    }
  }
}

/** Truthiness when the value alone decides it: a string with literal text is truthy even with holes. */
function staticTruthiness(value: Value): boolean | undefined {
  switch (value.kind) {
    case 'string':
      if (value.chunks.some((chunk) => !chunk.hole && chunk.text !== '')) return true;
      return value.chunks.length === 0 ? false : undefined;
    case 'number':
      return value.value !== 0 && !Number.isNaN(value.value);
    case 'boolean':
      return value.value;
    case 'nullish':
      return false;
    case 'unknown':
      return undefined;
    default:
      return true;
  }
}

function primitive(value: Value): string | number | boolean | null | undefined {
  switch (value.kind) {
    case 'string':
      return textOf(value);
    case 'number':
    case 'boolean':
      return value.value;
    case 'nullish':
      return null;
    default:
      return undefined;
  }
}

export interface Variant<T> {
  value: T;
  /** A development-only condition holds in this variant. */
  development: boolean;
}

export interface Variants<T> {
  variants: Variant<T>[];
  /** False when the evaluation gave up (too many variants or steps): what was found is still reported. */
  complete: boolean;
}

/**
 * Runs `compute` once per combination of the unknown conditions it meets (at most `limit` runs). A variant
 * in which the code throws is dropped: it produces no value.
 */
export function evaluateVariants<T>(graph: ModuleGraph, compute: (evaluator: Evaluator) => T, limit = 32): Variants<T> {
  const queue: Array<Map<string, boolean>> = [new Map()];
  const variants: Variant<T>[] = [];
  let complete = true;
  let runs = 0;
  while (queue.length > 0) {
    const assumptions = queue.shift()!;
    if (runs >= limit) {
      complete = false;
      break;
    }
    runs += 1;
    try {
      variants.push({ value: compute(new Evaluator(graph, assumptions)), development: isDevelopment(assumptions) });
    } catch (signal) {
      if (signal instanceof Fork) for (const holds of [true, false]) queue.push(new Map(assumptions).set(signal.key, holds));
      else if (signal === OVER_BUDGET) complete = false;
      else if (signal !== UNREACHABLE) throw signal;
    }
  }
  return { variants, complete };
}
