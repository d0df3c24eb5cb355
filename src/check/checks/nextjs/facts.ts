/**
 * What a piece of code does, as far as the Next.js checks care: does it authenticate, touch data, read or
 * write cookies, check the Origin header, validate its input? Found by walking the code and, through
 * every call of a function written in the repository (same module or imported), that function's code too,
 * to a bounded depth. So a route handler that calls a DAL function which verifies the session counts as
 * authenticated, as the Next.js data security guide recommends.
 *
 * The names that count as an authentication helper or a validator are documented heuristics (AUTH_*,
 * VALIDATORS): code that authenticates through a differently named function of a package is not seen.
 */
import type * as ast from 'oxc-parser';
import { calleeName, isFunction, stringLiteral, unwrap, walk, type AstNode, type Binding, type FunctionNode, type Module, type ModuleGraph, type Scope } from './program.js';

/** Helpers that authenticate whatever their arguments (Auth.js, Clerk, Lucia, iron-session, Kinde, Auth0, ours). */
export const AUTH_HELPERS = new Set([
  'auth',
  'authenticate',
  'currentUser',
  'getAuth',
  'getServerSession',
  'getSession',
  'getIronSession',
  'getKindeServerSession',
  'getToken',
  'getCurrentUser',
  'validateRequest',
  'isAuthenticated',
  'protect',
  'requireAuth',
  'requireSession',
  'requireUser',
  'verifySession',
  'verifyAuth',
  'validateSession',
  'checkAuth',
  'ensureAuth',
  'withAuth',
  'withApiAuthRequired',
  'withPageAuthRequired',
]);

/**
 * Names shaped like an authentication helper (`getUser`, `requireViewer`, `verifyCurrentSession`): they count
 * only when called without arguments or on an `auth` object (`supabase.auth.getUser()`), because
 * `getUser(id)` is usually a data lookup, not a check of who is asking.
 */
export const AUTH_SHAPED = /^(?:get|require|verify|validate|check|ensure|assert)(?:Server|Current|Auth|Authenticated|Verified|Valid)?(?:Session|User|Viewer|Principal|Claims|Identity|Auth)(?:OrRedirect|OrThrow)?$/;

/** Schema validation calls: zod, valibot, yup, joi, superstruct, typia, next-safe-action's `.schema()`. */
export const VALIDATORS = new Set(['parse', 'safeParse', 'parseAsync', 'safeParseAsync', 'spa', 'validate', 'validateSync', 'validateAsync', 'assert', 'decode', 'schema', 'inputSchema']);

/** Sign-in flow calls: `signIn('credentials', formData)`, `signOut()`, better-auth's `signInEmail`, `signUpEmail`. */
const SIGN_IN_FLOW = /^sign(?:In|Out|Up)(?:[A-Z]\w*)?$/;

/**
 * Server-side database clients and data stores: a module importing one is part of the data layer. Supabase's
 * and Firebase's client SDKs are left out: they are made for the browser (anon key, row-level security).
 */
const DATABASE_PACKAGE =
  /^(?:@prisma\/client(?:\/.*)?|@prisma\/adapter-[\w-]+|drizzle-orm(?:\/.*)?|pg|pg-pool|postgres|@neondatabase\/serverless|@vercel\/postgres|@vercel\/kv|@planetscale\/database|@libsql\/client|mysql2?(?:\/.*)?|mongodb|mongoose|kysely|better-sqlite3|sqlite3?|typeorm|sequelize|knex|redis|ioredis|@upstash\/redis|firebase-admin(?:\/.*)?|@aws-sdk\/client-dynamodb|@aws-sdk\/lib-dynamodb|@electric-sql\/pglite|convex\/server)$|(?:^|\/)generated\/prisma(?:\/client)?$/;

/** Environment variables that are not configuration secrets: build mode, runtime and public values. */
export function isPublicEnv(name: string): boolean {
  return name.startsWith('NEXT_PUBLIC_') || ['NODE_ENV', 'NEXT_RUNTIME', 'NEXT_PHASE', 'NEXT_TELEMETRY_DISABLED', 'CI', 'TZ', 'PORT', 'HOSTNAME', 'VERCEL', 'VERCEL_ENV', 'VERCEL_URL', 'VERCEL_REGION'].includes(name) || name.startsWith('VERCEL_GIT_');
}

export interface Facts {
  /** Calls an authentication helper, directly or through a function of the repository. */
  authenticates: boolean;
  /** Uses a database client (directly or through a repository function). */
  database: boolean;
  /** Reads something only a signed-in user may see: cookies, secret environment values, the database. */
  sensitive: boolean;
  /** Reads or writes cookies. */
  cookies: boolean;
  /** Reads the Origin (or Sec-Fetch-Site) header, or calls an origin/CSRF check. */
  checksOrigin: boolean;
  /** Calls a schema validator. */
  validates: boolean;
  /** Reads the Authorization header (a bearer-token API rather than a cookie session). */
  bearer: boolean;
  /** Calls cookies() or headers() of next/headers: per-request data. */
  requestData: boolean;
  /** Calls signIn/signOut/signUp… (Auth.js, better-auth): a sign-in flow, which cannot authenticate first. */
  signsIn: boolean;
}

export interface RootFacts extends Facts {
  /** Where the first call that authenticates is. */
  firstAuthentication?: number;
  /** Where data is first used by code that is not itself an authentication. */
  firstDataAccess?: number;
}

const NONE: Facts = { authenticates: false, database: false, sensitive: false, cookies: false, checksOrigin: false, validates: false, bearer: false, requestData: false, signsIn: false };

const MAX_DEPTH = 8;

export class FactFinder {
  private readonly memo = new Map<AstNode, Facts>();
  private readonly active = new Set<AstNode>();
  private readonly dataModules = new Map<Module, boolean>();
  private readonly databaseBindings = new WeakMap<Binding, boolean>();
  /** Whether functionOfExpression looks into wrapper calls (see exportedFunction). */
  private wrappers = true;

  constructor(private readonly graph: ModuleGraph) {}

  /** Whether an import specifier of a module names a database package (not a file of the repository). */
  isDatabaseImport(module: Module, specifier: string): boolean {
    return DATABASE_PACKAGE.test(specifier) && this.graph.resolve(module.path, specifier) === undefined;
  }

  /** A module that imports a database client itself. */
  isDataModule(module: Module): boolean {
    let known = this.dataModules.get(module);
    if (known === undefined) {
      known = module.imports.some((record) => !record.typeOnly && this.isDatabaseImport(module, record.source));
      this.dataModules.set(module, known);
    }
    return known;
  }

  /** Facts of a function, following the functions it calls. */
  ofFunction(fn: FunctionNode, closure: Scope, depth = 0): Facts {
    const known = this.memo.get(fn);
    if (known !== undefined) return known;
    if (this.active.has(fn) || depth > MAX_DEPTH) return NONE;
    this.active.add(fn);
    try {
      const facts = this.ofRoot(fn, closure, depth);
      const { firstAuthentication: _auth, firstDataAccess: _data, ...plain } = facts;
      this.memo.set(fn, plain);
      return plain;
    } finally {
      this.active.delete(fn);
    }
  }

  /** Facts of any code (a function, an expression, a whole program), with where authentication and data access first happen. */
  ofRoot(root: AstNode, scope: Scope, depth = 0): RootFacts {
    const facts: RootFacts = { ...NONE };
    const authenticationAt = (offset: number) => {
      facts.authenticates = true;
      if (facts.firstAuthentication === undefined || offset < facts.firstAuthentication) facts.firstAuthentication = offset;
    };
    const dataAt = (offset: number) => {
      facts.database = true;
      facts.sensitive = true;
      if (facts.firstDataAccess === undefined || offset < facts.firstDataAccess) facts.firstDataAccess = offset;
    };
    // `process.env` nodes that are the object of a named read (visited after their parent).
    const namedEnv = new Set<AstNode>();
    walk(root, scope, (node, current) => {
      switch (node.type) {
        case 'CallExpression': {
          const name = calleeName(node);
          if (name !== undefined && this.isAuthCall(node, name)) authenticationAt(node.start);
          if (name !== undefined && VALIDATORS.has(name)) facts.validates = true;
          if (name !== undefined && SIGN_IN_FLOW.test(name)) facts.signsIn = true;
          if (name !== undefined && nameWords(name).some((word) => word === 'origin' || word === 'csrf' || word === 'xsrf')) facts.checksOrigin = true;
          const header = name === 'get' ? stringLiteral(node.arguments[0])?.toLowerCase() : undefined;
          if (header === 'origin' || header === 'sec-fetch-site') facts.checksOrigin = true;
          if (header === 'authorization') facts.bearer = true;
          if (isNextHeadersCall(node, current, 'headers') || isNextHeadersCall(node, current, 'draftMode')) facts.requestData = true;
          const cookieUse = this.cookieUse(node, current);
          if (cookieUse !== undefined) {
            facts.cookies = true;
            if (cookieUse === 'store') facts.requestData = true;
            if (cookieUse === 'read') facts.sensitive = true;
          }
          const callee = this.resolveFunction(node.callee, current);
          if (callee !== undefined && callee.node !== root) {
            const inner = this.ofFunction(callee.node, callee.scope, depth + 1);
            if (inner.authenticates) authenticationAt(node.start);
            else if (inner.database) dataAt(node.start);
            facts.sensitive ||= inner.sensitive;
            facts.cookies ||= inner.cookies;
            facts.checksOrigin ||= inner.checksOrigin;
            // A callee's validation covers this code's input only when the input is passed to it
            // (`createProject(data)`), not when it checks something of its own (`getSession()` parsing a cookie).
            if (node.arguments.length > 0) facts.validates ||= inner.validates;
            facts.bearer ||= inner.bearer;
            facts.requestData ||= inner.requestData;
            facts.signsIn ||= inner.signsIn;
          }
          break;
        }
        case 'MemberExpression': {
          const name = envRead(node);
          if (name !== undefined) {
            namedEnv.add(node.object);
            if (!isPublicEnv(name)) facts.sensitive = true;
          } else if (isProcessEnv(node) && !namedEnv.has(node)) {
            // The whole process.env (`schema.parse(process.env)`): every secret.
            facts.sensitive = true;
          }
          break;
        }
        case 'Identifier': {
          const binding = current.lookup(node.name);
          if (binding !== undefined && this.isDatabaseBinding(binding)) dataAt(node.start);
          break;
        }
        default:
          break;
      }
    });
    return facts;
  }

  private isAuthCall(call: ast.CallExpression, name: string): boolean {
    if (AUTH_HELPERS.has(name)) return true;
    if (!AUTH_SHAPED.test(name)) return false;
    if (call.arguments.length === 0) return true;
    const callee = unwrap(call.callee);
    return callee.type === 'MemberExpression' && /auth/i.test(callee.object.type === 'MemberExpression' && !callee.object.computed ? callee.object.property.name ?? '' : callee.object.type === 'Identifier' ? callee.object.name : '');
  }

  /** 'read' for `cookies().get(…)`, `request.cookies.get(…)`…, 'write' for set/delete, 'store' for `cookies()` itself. */
  private cookieUse(call: ast.CallExpression, scope: Scope): 'read' | 'write' | 'store' | undefined {
    if (isCookiesCall(call, scope)) return 'store';
    const callee = unwrap(call.callee);
    if (callee.type !== 'MemberExpression' || callee.computed || callee.property.type !== 'Identifier') return undefined;
    const method = callee.property.name;
    if (!['get', 'getAll', 'has', 'set', 'delete'].includes(method) || !isCookieStore(callee.object, scope)) return undefined;
    return method === 'set' || method === 'delete' ? 'write' : 'read';
  }

  private isDatabaseBinding(binding: Binding, depth = 0): boolean {
    let known = this.databaseBindings.get(binding);
    if (known === undefined) {
      known = this.isDatabaseBindingUncached(binding, depth);
      this.databaseBindings.set(binding, known);
    }
    return known;
  }

  private isDatabaseBindingUncached(binding: Binding, depth: number): boolean {
    if (binding.kind === 'import') {
      if (this.isDatabaseImport(binding.module, binding.source)) return true;
      const target = this.graph.importedModule(binding);
      return target !== undefined && this.isDataModule(target) && !this.exportsFunction(target, binding.imported);
    }
    if (binding.kind === 'variable' && binding.init !== null && binding.path.length === 0 && depth < 2) {
      // `const db = new PrismaClient()`, `const sql = postgres(url)`, `export const db = drizzle(pool)`
      const init = unwrap(binding.init);
      const made = init.type === 'NewExpression' || init.type === 'CallExpression' ? unwrap(init.callee) : init;
      if (made.type === 'Identifier') {
        const inner = binding.scope.lookup(made.name);
        return inner !== undefined && inner !== binding && this.isDatabaseBinding(inner, depth + 1);
      }
    }
    return false;
  }

  /** Functions imported from a data module are followed as calls instead of counting as a database use. */
  private exportsFunction(module: Module, name: string): boolean {
    const found = this.graph.resolveExport(module, name);
    if (found === undefined || found.target.kind === 'reexport') return false;
    if (found.target.kind === 'expression') return isFunction(found.target.node as AstNode);
    const binding = found.module.scope.bindings.get(found.target.name);
    return binding !== undefined && this.functionOfBinding(binding, 0) !== undefined;
  }

  /** The function a callee names, when it is written in the repository. */
  resolveFunction(expression: ast.Expression | ast.Super, scope: Scope): { node: FunctionNode; scope: Scope } | undefined {
    if (expression.type === 'Super') return undefined;
    const callee = unwrap(expression);
    if (isFunction(callee)) return { node: callee, scope };
    if (callee.type === 'Identifier') {
      const binding = scope.lookup(callee.name);
      return binding === undefined ? undefined : this.functionOfBinding(binding, 0);
    }
    if (callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier') {
      const object = unwrap(callee.object);
      if (object.type !== 'Identifier') return undefined;
      const binding = scope.lookup(object.name);
      if (binding?.kind !== 'import' || binding.imported !== '*') return undefined;
      const target = this.graph.importedModule(binding);
      return target === undefined ? undefined : this.functionOfExport(target, callee.property.name, 0);
    }
    return undefined;
  }

  private functionOfBinding(binding: Binding, depth: number): { node: FunctionNode; scope: Scope } | undefined {
    if (depth > MAX_DEPTH) return undefined;
    switch (binding.kind) {
      case 'function':
        return { node: binding.node, scope: binding.scope };
      case 'variable':
        return binding.init === null || binding.path.length > 0 ? undefined : this.functionOfExpression(binding.init, binding.scope, depth);
      case 'import': {
        if (binding.imported === '*') return undefined;
        const target = this.graph.importedModule(binding);
        return target === undefined ? undefined : this.functionOfExport(target, binding.imported, depth + 1);
      }
      default:
        return undefined;
    }
  }

  /**
   * The function a module exports under a name, when it is written in the repository. With `wrappers`
   * false, an export that is a call (`withAuth(async () => …)`) is not looked into: the call is the code.
   */
  exportedFunction(module: Module, name: string, wrappers = true): { node: FunctionNode; scope: Scope } | undefined {
    this.wrappers = wrappers;
    try {
      return this.functionOfExport(module, name, 0);
    } finally {
      this.wrappers = true;
    }
  }

  private functionOfExport(module: Module, name: string, depth: number): { node: FunctionNode; scope: Scope } | undefined {
    const found = this.graph.resolveExport(module, name);
    if (found === undefined || found.target.kind === 'reexport') return undefined;
    if (found.target.kind === 'expression') {
      const node = found.target.node as AstNode;
      if (node.type === 'FunctionDeclaration') return { node, scope: found.module.scope };
      return node.type === 'ClassDeclaration' || node.type === 'ClassExpression' ? undefined : this.functionOfExpression(node as ast.Expression, found.module.scope, depth);
    }
    const binding = found.module.scope.bindings.get(found.target.name);
    return binding === undefined ? undefined : this.functionOfBinding(binding, depth + 1);
  }

  /** A function expression, an alias of a function, or a wrapper call around one (`cache(async () => …)`). */
  private functionOfExpression(expression: ast.Expression, scope: Scope, depth: number): { node: FunctionNode; scope: Scope } | undefined {
    const node = unwrap(expression);
    if (isFunction(node)) return { node, scope };
    if (node.type === 'Identifier') {
      const binding = scope.lookup(node.name);
      return binding === undefined ? undefined : this.functionOfBinding(binding, depth + 1);
    }
    if (node.type === 'CallExpression' && this.wrappers) {
      const wrapped = node.arguments.find((argument) => isFunction(argument as AstNode));
      return wrapped === undefined ? undefined : { node: wrapped as FunctionNode, scope };
    }
    return undefined;
  }
}

/** The words of an identifier: `isSameOriginRequest` → is, same, origin, request; `validateCSRFToken` → …, csrf, token. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[\s_$]+/)
    .filter(Boolean);
}

/** `process.env.X` or `process.env['X']`: the variable's name. */
export function envRead(node: ast.MemberExpression): string | undefined {
  if (!isProcessEnv(node.object)) return undefined;
  if (!node.computed) return node.property.type === 'Identifier' ? node.property.name : undefined;
  return stringLiteral(node.property);
}

export function isProcessEnv(node: AstNode): boolean {
  const object = node.type === 'MemberExpression' ? node : undefined;
  if (object === undefined || object.computed || object.property.type !== 'Identifier' || object.property.name !== 'env') return false;
  const base = unwrap(object.object);
  return base.type === 'Identifier' && base.name === 'process';
}

/** `cookies()` from next/headers (or an unbound global of that name). */
export function isCookiesCall(node: AstNode, scope: Scope): boolean {
  if (node.type !== 'CallExpression') return false;
  const callee = unwrap(node.callee);
  if (callee.type !== 'Identifier' || callee.name !== 'cookies') return false;
  const binding = scope.lookup('cookies');
  return binding === undefined || (binding.kind === 'import' && binding.source === 'next/headers');
}

/** `headers()` or `draftMode()` imported from next/headers. */
function isNextHeadersCall(node: ast.CallExpression, scope: Scope, name: string): boolean {
  const callee = unwrap(node.callee);
  if (callee.type !== 'Identifier' || callee.name !== name) return false;
  const binding = scope.lookup(name);
  return binding?.kind === 'import' && binding.source === 'next/headers';
}

/** `cookies()`, `await cookies()`, a variable holding one, or `x.cookies` (NextRequest, NextResponse). */
export function isCookieStore(expression: ast.Expression, scope: Scope, depth = 0): boolean {
  const node = unwrap(expression);
  if (node.type === 'AwaitExpression') return isCookieStore(node.argument, scope, depth);
  if (isCookiesCall(node, scope)) return true;
  if (node.type === 'MemberExpression' && !node.computed && node.property.type === 'Identifier' && node.property.name === 'cookies') return true;
  if (node.type === 'Identifier' && depth < 3) {
    const binding = scope.lookup(node.name);
    return binding?.kind === 'variable' && binding.init !== null && binding.path.length === 0 && isCookieStore(binding.init, binding.scope, depth + 1);
  }
  return false;
}
