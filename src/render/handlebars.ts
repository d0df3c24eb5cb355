/**
 * Handlebars configured so that no answer can change the meaning of a generated file:
 *  - strict mode: a missing variable is an error, never an empty string;
 *  - every `{{…}}` output must be a call to one of the context escapers (`{{sqlLiteral x}}`,
 *    `{{yamlStr x}}`…), checked on the parsed template before it is compiled, so a template that
 *    prints a raw value fails on its first render (and in the template test) rather than in a user's repo;
 *  - only known helpers, no partials, no decorators, no triple-stash.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type Handlebars from 'handlebars';
// A static import, so the bundled CLI carries the runtime instead of resolving it in node_modules at start-up.
import handlebarsRuntime from 'handlebars/runtime.js';
import { RenderError } from '../errors.js';
import { ESCAPE_HELPERS } from './escape.js';

type HandlebarsModule = typeof Handlebars;
const require = createRequire(import.meta.url);

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

// Templates run on the Handlebars runtime. The compiler (parser, code generator and source-map, most of the
// time `new` spent before templates came precompiled) is loaded only for a template without a current
// precompiled form (templates/precompiled.mjs, written by scripts/precompile-templates.mjs).
const engine = (handlebarsRuntime as HandlebarsModule).create();
let compiler: HandlebarsModule | undefined;
const handlebarsCompiler = (): HandlebarsModule => (compiler ??= require('handlebars') as HandlebarsModule);

for (const [name, escape] of Object.entries(ESCAPE_HELPERS)) {
  // Handlebars appends its own `options` argument; the escaper takes exactly the one value.
  engine.registerHelper(name, (value: unknown) => (escape as (value: unknown) => string)(value));
}
for (const [name, predicate] of Object.entries(LOGIC_HELPERS)) {
  engine.registerHelper(name, (...args: unknown[]) => predicate(...args.slice(0, -1)));
}

const knownHelpers = Object.fromEntries([...ESCAPE_NAMES, ...LOGIC_NAMES].map((name) => [name, true]));

export type CompiledTemplate = (context: object) => string;

/** Compiled templates by label and source: diff and upgrade render the same templates more than once per run. */
const compiled = new Map<string, CompiledTemplate>();

/** A template compiled ahead of time: the sha256 of its source and Handlebars' template spec for it. */
export interface PrecompiledTemplate {
  sha256: string;
  spec: object;
}

let precompiled: ReadonlyMap<string, PrecompiledTemplate> = new Map();

/**
 * Makes compileTemplate use these ahead-of-time compiled templates (by label) when the source's sha256 matches;
 * a spec from another Handlebars compiler revision is ignored (the compiler is used instead).
 */
export function usePrecompiledTemplates(templates: Readonly<Record<string, PrecompiledTemplate>>, compilerRevision: number): void {
  const runtimeRevision = (engine as unknown as { COMPILER_REVISION: number }).COMPILER_REVISION;
  precompiled = compilerRevision === runtimeRevision ? new Map(Object.entries(templates)) : new Map();
  compiled.clear();
}

/** The compiler revision of this Handlebars: a precompiled spec is valid only for the same one. */
export function compilerRevision(): number {
  return (engine as unknown as { COMPILER_REVISION: number }).COMPILER_REVISION;
}

/**
 * Parses and checks one template, and returns Handlebars' template spec for it as JavaScript source (what
 * scripts/precompile-templates.mjs stores); the same checks and options as compileTemplate.
 */
export function precompileTemplate(source: string, label: string): string {
  const program = parseAndCheck(source, label);
  try {
    return handlebarsCompiler().precompile(program, COMPILE_OPTIONS) as string;
  } catch (error) {
    throw new RenderError(`template ${label}: ${firstLine((error as Error).message)}`);
  }
}

const COMPILE_OPTIONS = { strict: true, noEscape: true, knownHelpers, knownHelpersOnly: true };

/**
 * Parses, checks and compiles one template; `label` names it in errors (its path under templates/). A caller that
 * hashed the source already (the renderer, for the template's manifest entry) passes its sha256 along.
 */
export function compileTemplate(source: string, label: string, sourceSha256?: string): CompiledTemplate {
  const sha256 = sourceSha256 ?? createHash('sha256').update(source, 'utf8').digest('hex');
  const key = `${label}\u0000${sha256}`;
  let cached = compiled.get(key);
  if (cached === undefined) {
    cached = compileUncached(source, label, sha256);
    compiled.set(key, cached);
  }
  return cached;
}

function compileUncached(source: string, label: string, sha256: string): CompiledTemplate {
  const ahead = precompiled.get(label);
  let template: HandlebarsTemplateDelegate;
  if (ahead !== undefined && ahead.sha256 === sha256) {
    // Checked by checkProgram when it was precompiled; the hash says it is the same source.
    template = engine.template(ahead.spec as TemplateSpecification);
  } else {
    const spec = precompileTemplate(source, label);
    try {
      // The spec evaluated as Handlebars' own compile() does it (new Function over its generated code).
      template = engine.template(new Function(`return ${spec};`)() as TemplateSpecification);
    } catch (error) {
      throw new RenderError(`template ${label}: ${firstLine((error as Error).message)}`);
    }
  }
  return (context) => {
    try {
      return template(contextView(context));
    } catch (error) {
      if (error instanceof RenderError) throw new RenderError(`template ${label}: ${error.message}`);
      throw new RenderError(`template ${label}: ${firstLine((error as Error).message)}`);
    }
  };
}

function parseAndCheck(source: string, label: string): hbs.AST.Program {
  let program: hbs.AST.Program;
  try {
    program = handlebarsCompiler().parse(source);
  } catch (error) {
    throw new RenderError(`template ${label}: ${firstLine((error as Error).message)}`);
  }
  checkProgram(program, label);
  return program;
}

/**
 * Handlebars' strict mode checks only printed values: a misspelt `{{#if has.dcos}}` would silently be false.
 * Reading the context through this view makes every missing property an error, wherever it is read. Each view
 * keeps the views of the properties read through it, so a property read again (in every template of a layer,
 * in every iteration of an `each`) is not wrapped again; the context is not changed while templates render.
 */
export function strictView<T>(value: T, trail: string): T {
  if (value === null || typeof value !== 'object') return value;
  const views = new Map<string, unknown>();
  return new Proxy(value as object, {
    get(target, property, receiver) {
      if (typeof property === 'symbol') return strictView(Reflect.get(target, property, receiver) as unknown, `${trail}.${String(property)}`);
      if (views.has(property)) return views.get(property);
      if (!(property in target)) throw new RenderError(`"${trail}.${property}" is not defined`);
      const view = strictView(Reflect.get(target, property, receiver) as unknown, `${trail}.${property}`);
      views.set(property, view);
      return view;
    },
  }) as T;
}

/** The strict view of each render context, made once for all the templates rendered with it. */
const contextViews = new WeakMap<object, object>();

function contextView(context: object): object {
  let view = contextViews.get(context);
  if (view === undefined) {
    view = strictView(context, 'context');
    contextViews.set(context, view);
  }
  return view;
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
