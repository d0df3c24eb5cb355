/**
 * next.config.{js,mjs,cjs,ts,mts} read as data with the evaluator: the exported object (also through a
 * config function `(phase) => ({…})` and through plugin wrappers such as `withBundleAnalyzer(config)`), its
 * `poweredByHeader`, what its `headers()` returns, `serverActions` (top level or under `experimental`) and
 * `env`. Development-only variants (`phase === PHASE_DEVELOPMENT_SERVER ? … : …`) are left out.
 */
import type * as ast from 'oxc-parser';
import type { Location } from '../../finding.js';
import { evaluateVariants, textOf, type Chunk, type Evaluator, type Site, type Value } from './evaluate.js';
import { unwrap, type Module, type ModuleGraph, type Scope } from './program.js';

export interface HeaderEntry {
  /** The header's value when it is a known string. */
  text?: string;
  location: Location;
}

export type PoweredByHeader = { kind: 'false' } | { kind: 'missing' } | { kind: 'unknown' } | { kind: 'other'; location: Location };

export type HeadersResult =
  | { kind: 'missing' }
  | { kind: 'unknown'; location: Location }
  | { kind: 'entries'; location: Location; catchAll: Map<string, HeaderEntry> };

export interface ServerActionsConfig {
  location: Location;
  allowedOrigins: Array<{ text: string; location: Location }>;
  bodySizeLimit: { kind: 'missing' } | { kind: 'unknown' } | { kind: 'value'; text: string; bytes: number | undefined; location: Location };
}

export interface ConfigVariant {
  /** Where the configuration object is written. */
  object: Location;
  poweredByHeader: PoweredByHeader;
  headers: HeadersResult;
  /** Content-Security-Policy values of any headers() entry. */
  csps: Array<{ chunks: Chunk[]; site: Site }>;
  serverActions: ServerActionsConfig | undefined;
  /** Keys of the `env` option (inlined into the client bundle). */
  env: Array<{ name: string; location: Location }>;
}

export interface ConfigReport {
  variants: ConfigVariant[];
  /** False when the configuration could not be found or fully evaluated. */
  complete: boolean;
}

/** Sources that apply to every path: `/(.*)`, `/:path*`, `/:path(.*)`, and `/((?!api|_next/static).*)` style exclusions of assets. */
export function isCatchAll(source: string): boolean {
  return /^\/(?:\(\.\*\)|:\w+\*|:\w+\(\.\*\)|\(\(\?!.*\)\.\*\))$/.test(source);
}

const BYTE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

export function parseByteSize(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(text);
  if (match === null) return undefined;
  return Math.round(Number(match[1]) * BYTE_UNITS[(match[2] ?? 'b').toLowerCase()]!);
}

function locationOf(site: Site): Location {
  return site.module.location(site.offset);
}

function propLocation(object: Value, name: string, fallback: Site): Location {
  const prop = object.kind === 'object' ? object.props.get(name) : undefined;
  return locationOf(prop?.keySite ?? fallback);
}

/** The configuration object an expression gives, looking through config functions and plugin wrappers. */
function configObject(evaluator: Evaluator, expression: ast.Expression | ast.Function, scope: Scope, depth = 0): Value | undefined {
  if (depth > 6) return undefined;
  const site: Site = { module: scope.module, offset: expression.start };
  if (expression.type === 'FunctionDeclaration') return asObject(evaluator, { kind: 'function', node: expression, scope, site }, site);
  const node = unwrap(expression as ast.Expression);
  if (node.type === 'Identifier') {
    const binding = scope.lookup(node.name);
    if (binding?.kind === 'variable' && binding.init !== null && binding.path.length === 0) return configObject(evaluator, binding.init, binding.scope, depth + 1);
  }
  const direct = asObject(evaluator, evaluator.evaluate(node, scope), site);
  if (direct !== undefined) return direct;
  if (node.type === 'CallExpression') {
    // withPlugin(config), withPlugin(options)(config), withSentryConfig(config, options)
    for (const argument of node.arguments) {
      if (argument.type === 'SpreadElement') continue;
      const inner = configObject(evaluator, argument, scope, depth + 1);
      if (inner !== undefined) return inner;
    }
    const callee = unwrap(node.callee);
    if (callee.type === 'CallExpression') return configObject(evaluator, callee, scope, depth + 1);
  }
  return undefined;
}

function asObject(evaluator: Evaluator, value: Value, site: Site): Value | undefined {
  if (value.kind === 'function') {
    const phase = evaluator.opaque('phase', site);
    return asObject(evaluator, evaluator.call(value, [phase, evaluator.opaque('{ defaultConfig }', site)], site), site);
  }
  return value.kind === 'object' ? value : undefined;
}

function readHeaders(evaluator: Evaluator, config: Value, variant: ConfigVariant): void {
  const headers = evaluator.property(config, 'headers');
  if (headers === undefined) {
    variant.headers = config.kind === 'object' && !config.complete ? { kind: 'unknown', location: variant.object } : { kind: 'missing' };
    return;
  }
  const location = propLocation(config, 'headers', headers.site);
  const result = headers.kind === 'function' ? evaluator.call(headers, [], headers.site) : headers;
  if (result.kind !== 'array') {
    variant.headers = { kind: 'unknown', location };
    return;
  }
  const catchAll = new Map<string, HeaderEntry>();
  for (const entry of result.items) {
    const source = textOf(evaluator.property(entry, 'source') ?? entry);
    const list = evaluator.property(entry, 'headers');
    if (list?.kind !== 'array') continue;
    const conditional = evaluator.property(entry, 'has') !== undefined || evaluator.property(entry, 'missing') !== undefined;
    for (const header of list.items) {
      const key = textOf(evaluator.property(header, 'key') ?? header)?.toLowerCase();
      const value = evaluator.property(header, 'value');
      if (key === undefined || value === undefined) continue;
      if (key === 'content-security-policy' && value.kind === 'string') variant.csps.push({ chunks: value.chunks, site: value.site });
      if (source !== undefined && isCatchAll(source) && !conditional && !catchAll.has(key)) {
        const text = textOf(value);
        catchAll.set(key, { ...(text === undefined ? {} : { text }), location: locationOf(value.site) });
      }
    }
  }
  variant.headers = { kind: result.complete ? 'entries' : 'unknown', location, catchAll } as HeadersResult;
}

function readServerActions(evaluator: Evaluator, config: Value): ServerActionsConfig | undefined {
  const experimental = evaluator.property(config, 'experimental');
  const owner = experimental !== undefined && evaluator.property(experimental, 'serverActions') !== undefined ? experimental : config;
  const settings = evaluator.property(owner, 'serverActions');
  if (settings === undefined) return undefined;
  const allowedOrigins: ServerActionsConfig['allowedOrigins'] = [];
  const origins = evaluator.property(settings, 'allowedOrigins');
  if (origins?.kind === 'array') {
    for (const origin of origins.items) {
      const text = textOf(origin);
      if (text !== undefined) allowedOrigins.push({ text, location: locationOf(origin.site) });
    }
  }
  const limit = evaluator.property(settings, 'bodySizeLimit');
  let bodySizeLimit: ServerActionsConfig['bodySizeLimit'];
  if (limit === undefined) bodySizeLimit = settings.kind === 'object' && settings.complete ? { kind: 'missing' } : { kind: 'unknown' };
  else if (limit.kind === 'number') bodySizeLimit = { kind: 'value', text: String(limit.value), bytes: limit.value, location: locationOf(limit.site) };
  else {
    const text = textOf(limit);
    bodySizeLimit = text === undefined ? { kind: 'unknown' } : { kind: 'value', text, bytes: parseByteSize(text), location: locationOf(limit.site) };
  }
  return { location: propLocation(owner, 'serverActions', settings.site), allowedOrigins, bodySizeLimit };
}

function readEnv(evaluator: Evaluator, config: Value): ConfigVariant['env'] {
  const env = evaluator.property(config, 'env');
  if (env?.kind !== 'object') return [];
  return [...env.props].map(([name, prop]) => ({ name, location: locationOf(prop.keySite) }));
}

/** Reads the default export of a next.config module, in every production variant. */
export function readNextConfig(graph: ModuleGraph, module: Module): ConfigReport {
  const found = graph.resolveExport(module, 'default');
  if (found === undefined || found.target.kind === 'reexport') return { variants: [], complete: false };
  const target = found.target;
  const owner = found.module;
  const result = evaluateVariants(graph, (evaluator): ConfigVariant | undefined => {
    let config: Value | undefined;
    if (target.kind === 'expression') {
      const node = target.node;
      config = node.type === 'ClassDeclaration' || node.type === 'ClassExpression' ? undefined : configObject(evaluator, node as ast.Expression, owner.scope);
    } else {
      const binding = owner.scope.bindings.get(target.name);
      if (binding?.kind === 'variable' && binding.init !== null && binding.path.length === 0) config = configObject(evaluator, binding.init, binding.scope);
      else if (binding?.kind === 'function') config = configObject(evaluator, binding.node, binding.scope);
    }
    if (config === undefined) return undefined;
    const object = locationOf(config.site);
    const variant: ConfigVariant = { object, poweredByHeader: { kind: 'unknown' }, headers: { kind: 'missing' }, csps: [], serverActions: undefined, env: [] };
    const powered = evaluator.property(config, 'poweredByHeader');
    if (powered === undefined) variant.poweredByHeader = config.kind === 'object' && config.complete ? { kind: 'missing' } : { kind: 'unknown' };
    else if (powered.kind === 'boolean' && !powered.value) variant.poweredByHeader = { kind: 'false' };
    else if (powered.kind !== 'unknown') variant.poweredByHeader = { kind: 'other', location: propLocation(config, 'poweredByHeader', powered.site) };
    readHeaders(evaluator, config, variant);
    variant.serverActions = readServerActions(evaluator, config);
    variant.env = readEnv(evaluator, config);
    return variant;
  });
  const variants = result.variants.filter((variant) => !variant.development && variant.value !== undefined).map((variant) => variant.value!);
  return { variants, complete: result.complete && variants.length > 0 && result.variants.every((variant) => variant.value !== undefined) };
}
