/**
 * Handlebars configured so that no answer can change the meaning of a generated file:
 *  - strict mode: a missing variable is an error, never an empty string;
 *  - every `{{…}}` output must be a call to one of the context escapers (`{{sqlLiteral x}}`,
 *    `{{yamlStr x}}`…), checked on the parsed template before it is compiled, so a template that
 *    prints a raw value fails on its first render (and in the template test) rather than in a user's repo;
 *  - only known helpers, no partials, no decorators, no triple-stash.
 */
import Handlebars from 'handlebars';
import { RenderError } from '../errors.js';
import { ESCAPE_HELPERS } from './escape.js';

type HelperFunction = (...args: unknown[]) => unknown;

/** Pure predicates usable in `{{#if (…)}}` sub-expressions; they produce no output themselves. */
const LOGIC_HELPERS: Record<string, HelperFunction> = {
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
  not: (a) => !a,
  and: (...values) => values.every(Boolean),
  or: (...values) => values.some(Boolean),
  includes: (list, value) => Array.isArray(list) && list.includes(value),
};

const BLOCK_HELPERS = new Set(['if', 'unless', 'each', 'with']);
const ESCAPE_NAMES = new Set(Object.keys(ESCAPE_HELPERS));
const LOGIC_NAMES = new Set(Object.keys(LOGIC_HELPERS));

const engine = Handlebars.create();
for (const [name, escape] of Object.entries(ESCAPE_HELPERS)) {
  // Handlebars appends its own `options` argument; the escaper takes exactly the one value.
  engine.registerHelper(name, (value: unknown) => (escape as (value: unknown) => string)(value));
}
for (const [name, predicate] of Object.entries(LOGIC_HELPERS)) {
  engine.registerHelper(name, (...args: unknown[]) => predicate(...args.slice(0, -1)));
}

const knownHelpers = Object.fromEntries([...ESCAPE_NAMES, ...LOGIC_NAMES].map((name) => [name, true]));

export type CompiledTemplate = (context: object) => string;

/** Parses, checks and compiles one template; `label` names it in errors (its path under templates/). */
export function compileTemplate(source: string, label: string): CompiledTemplate {
  let program: hbs.AST.Program;
  try {
    program = engine.parse(source);
  } catch (error) {
    throw new RenderError(`template ${label}: ${firstLine((error as Error).message)}`);
  }
  checkProgram(program, label);
  const template = engine.compile(program, { strict: true, noEscape: true, knownHelpers, knownHelpersOnly: true });
  return (context) => {
    try {
      return template(strictView(context, 'context'));
    } catch (error) {
      if (error instanceof RenderError) throw new RenderError(`template ${label}: ${error.message}`);
      throw new RenderError(`template ${label}: ${firstLine((error as Error).message)}`);
    }
  };
}

/**
 * Handlebars' strict mode checks only printed values: a misspelt `{{#if has.dcos}}` would silently be false.
 * Reading the context through this view makes every missing property an error, wherever it is read.
 */
export function strictView<T>(value: T, trail: string): T {
  if (value === null || typeof value !== 'object') return value;
  return new Proxy(value as object, {
    get(target, property, receiver) {
      if (typeof property === 'symbol' || property in target) {
        return strictView(Reflect.get(target, property, receiver) as unknown, `${trail}.${String(property)}`);
      }
      throw new RenderError(`"${trail}.${property}" is not defined`);
    },
  }) as T;
}

function checkProgram(program: hbs.AST.Program, label: string): void {
  const fail = (node: hbs.AST.Node, reason: string): never => {
    const line = node.loc?.start.line ?? 0;
    throw new RenderError(`template ${label}:${line}: ${reason}`);
  };
  const visitExpression = (expression: hbs.AST.Expression, node: hbs.AST.Node): void => {
    if (expression.type !== 'SubExpression') return;
    const sub = expression as hbs.AST.SubExpression;
    const name = pathName(sub.path);
    if (!LOGIC_NAMES.has(name) && !ESCAPE_NAMES.has(name)) fail(node, `unknown helper "${name}" in a sub-expression`);
    for (const param of sub.params) visitExpression(param, node);
  };
  const visit = (statements: hbs.AST.Statement[]): void => {
    for (const statement of statements) {
      switch (statement.type) {
        case 'ContentStatement':
        case 'CommentStatement':
          break;
        case 'MustacheStatement': {
          const mustache = statement as hbs.AST.MustacheStatement;
          const name = pathName(mustache.path);
          if (!ESCAPE_NAMES.has(name) || mustache.params.length !== 1) {
            fail(statement, `{{${name}}} prints a value without an escaper; write {{<escaper> value}} with one of ${[...ESCAPE_NAMES].join(', ')}`);
          }
          if (!mustache.escaped) fail(statement, 'triple-stash {{{…}}} is not allowed');
          for (const param of mustache.params) visitExpression(param, statement);
          break;
        }
        case 'BlockStatement': {
          const block = statement as hbs.AST.BlockStatement;
          const name = pathName(block.path);
          if (!BLOCK_HELPERS.has(name)) fail(statement, `block {{#${name}}} is not allowed (use ${[...BLOCK_HELPERS].join(', ')})`);
          for (const param of block.params) visitExpression(param, statement);
          if (block.program) visit(block.program.body);
          if (block.inverse) visit(block.inverse.body);
          break;
        }
        default:
          fail(statement, `${statement.type} is not allowed in templates`);
      }
    }
  };
  visit(program.body);
}

function pathName(expression: hbs.AST.Expression): string {
  return expression.type === 'PathExpression' ? (expression as hbs.AST.PathExpression).original : expression.type;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}
