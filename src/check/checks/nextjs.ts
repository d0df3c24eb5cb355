/**
 * Next.js (App Router) applications: TS/JS sources parsed with oxc-parser, next.config read as data by a
 * small evaluator, `.env*` files read line by line: WEB-01 … WEB-08, WEB-10, WEB-11, WEB-13.
 *
 * Which files: a Next.js app is a directory with a next.config.* or a package.json that depends on `next`.
 * `selects()` can only look at a path, so it takes every TS/JS source outside tests, type declarations and
 * build output, plus package.json, tsconfig/jsconfig and .env* files; `finish()` then finds the apps and
 * keeps only their sources (the deepest app root wins in a monorepo). `.env*` files are read anywhere: a
 * NEXT_PUBLIC_ variable means the same wherever it is defined.
 *
 * Cost: parsing is the expensive part, so a module is parsed only when its path gives it a role (route
 * handler, proxy, next.config, data access layer) or its text contains one of a few substrings the checks
 * need (`process.env`, `NEXT_PUBLIC_`, `use server`, `use cache`, `cookies`, `fetch(`, a database package name),
 * or it is a client module with an import specifier that resolves to a data-access module. Other modules are
 * parsed only when a checked module calls into them.
 */
import { parseSync } from 'oxc-parser';
import type * as ast from 'oxc-parser';
import type { Severity } from '../../controls/catalog.js';
import type { Location } from '../finding.js';
import { lineLocator } from '../line-index.js';
import type { CheckFamily, CheckSpec, Emitter, RepositoryView, SourceFile } from '../registry.js';
import { readNextConfig, type ConfigReport } from './nextjs/config.js';
import { cspProblems, parseCsp } from './nextjs/csp.js';
import { evaluateVariants, textOf, type Chunk, type Evaluator, type Site, type Value } from './nextjs/evaluate.js';
import { envRead, FactFinder, isCookieStore, isProcessEnv, isPublicEnv, type RootFacts } from './nextjs/facts.js';
import {
  dirname,
  functionDirectives,
  joinPath,
  ModuleGraph,
  patternNames,
  propertyName,
  unwrap,
  walk,
  type AliasMap,
  type AstNode,
  type Directive,
  type FunctionNode,
  type Module,
  type Scope,
} from './nextjs/program.js';

// ---- Paths -----------------------------------------------------------------------------------------

const SOURCE_FILE = /\.(?:[cm]?[jt]s|[jt]sx)$/;
const DECLARATION_FILE = /\.d\.[cm]?ts$/;
/** Tests, fixtures, static assets and generated code are not application code. */
const NOT_APP_CODE = /(?:^|\/)(?:__tests__|__mocks__|tests?|e2e|cypress|playwright|fixtures|public|\.vercel|storybook-static|generated)\/|\.(?:test|spec|stories|story|min)\.[cm]?[jt]sx?$/;
const PACKAGE_JSON = /(?:^|\/)package\.json$/;
const TSCONFIG = /(?:^|\/)[jt]sconfig\.json$/;
const ENV_FILE = /(?:^|\/)\.env(?:\.[\w.-]+)?$/;
const NEXT_CONFIG = /(?:^|\/)next\.config\.[cm]?[jt]s$/;

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function isSourcePath(path: string): boolean {
  return SOURCE_FILE.test(path) && !DECLARATION_FILE.test(path) && !NOT_APP_CODE.test(path);
}

export function isNextjsPath(path: string): boolean {
  return isSourcePath(path) || PACKAGE_JSON.test(path) || TSCONFIG.test(path) || ENV_FILE.test(path);
}

type Role = 'config' | 'proxy' | 'middleware' | 'instrumentation' | 'route' | 'pages-api' | 'tooling' | 'module';

/** What Next.js does with a file, from its path relative to the app root. */
function roleOf(relative: string): Role {
  if (/^next\.config\.[cm]?[jt]s$/.test(relative)) return 'config';
  if (/^(?:src\/)?proxy\.[cm]?[jt]s$/.test(relative)) return 'proxy';
  if (/^(?:src\/)?middleware\.[cm]?[jt]s$/.test(relative)) return 'middleware';
  if (/^(?:src\/)?instrumentation\.[cm]?[jt]s$/.test(relative)) return 'instrumentation';
  if (/^(?:src\/)?app\/(?:.+\/)?route\.[cm]?[jt]sx?$/.test(relative)) return 'route';
  if (/^(?:src\/)?pages\/api\//.test(relative)) return 'pages-api';
  if (/(?:^|\/)[^/]+\.config\.[cm]?[jt]s$/.test(relative) || /^(?:scripts|prisma|drizzle|migrations|tools)\//.test(relative)) return 'tooling';
  return 'module';
}

/** Roles whose files are always parsed: the checks look at them whatever their text. */
const PARSED_ROLES: ReadonlySet<Role> = new Set(['config', 'proxy', 'middleware', 'route']);

/** Server-only by construction: never bundled for the browser. */
const SERVER_ROLES: ReadonlySet<Role> = new Set(['config', 'proxy', 'middleware', 'instrumentation', 'route', 'pages-api', 'tooling']);

/** The data access layer by location: data/, dal/, server/ (so lib/server/), *.server.ts — outside the app/ route tree. */
function isDalPath(relative: string): boolean {
  return !/^(?:src\/)?app\//.test(relative) && /(?:^|\/)(?:data|dal|server)\/|\.server\.[cm]?[jt]sx?$/.test(relative);
}

/** An import specifier that names the data access layer even when it does not resolve to a file here. */
const DAL_SPECIFIER = /^server-only$|(?:^|\/)(?:data|dal|server)(?:\/|$)|\.server$/;

/** Route segments of sign-in flows and webhooks: public on purpose, they establish identity themselves. */
const AUTH_FLOW_SEGMENT = /^(?:auth|login|logout|signin|sign-in|signout|sign-out|signup|sign-up|register|callback|oauth2?|oidc|sso|saml|webhooks?|\[\.\.\.nextauth\])$/i;

const HTTP_HANDLERS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Pages Router data functions run only on the server. */
const PAGES_SERVER_FUNCTIONS = new Set(['getServerSideProps', 'getStaticProps', 'getStaticPaths']);

/** Cheap text prefilter: a module whose text has none of these has nothing the per-module checks look for. */
const TRIGGER = /process\.env|NEXT_PUBLIC_|use server|use cache|cookies|fetch\(|prisma|drizzle|['"](?:pg|postgres|mysql2?|mongodb|mongoose|kysely|knex|sequelize|typeorm|redis|ioredis|better-sqlite3|sqlite3?|@vercel\/(?:postgres|kv)|@neondatabase\/|@planetscale\/|@libsql\/|@upstash\/|firebase-admin|convex\/|@aws-sdk\/(?:client|lib)-dynamodb|@electric-sql\/)/;
/** Import specifiers in a client module's text (prefilter only: the parser decides what is imported). */
const IMPORT_SPECIFIER = /(?:from|import)\s*\(?\s*['"]([^'"\n]+)['"]/g;

// ---- Environment names ---------------------------------------------------------------------------

const SECRET_PARTS = new Set(['SECRET', 'SECRETS', 'TOKEN', 'TOKENS', 'KEY', 'KEYS', 'APIKEY', 'PASSWORD', 'PASSWD', 'PWD', 'PRIVATE', 'CREDENTIAL', 'CREDENTIALS', 'DATABASE']);
/** Keys that are public by design: Stripe publishable keys, Supabase anon keys, reCAPTCHA site keys, VAPID/RSA public keys. */
const PUBLIC_BY_DESIGN = new Set(['PUBLISHABLE', 'ANON', 'SITE']);

/** Whether a variable name says it holds a secret (name parts SECRET, TOKEN, KEY, PASSWORD, PRIVATE, CREDENTIAL, DATABASE). */
export function isSecretName(name: string): boolean {
  const parts = name
    .toUpperCase()
    .replace(/^NEXT_PUBLIC_/, '')
    .split(/[_.-]+/)
    .filter(Boolean);
  if (parts.some((part) => PUBLIC_BY_DESIGN.has(part))) return false;
  if (parts.some((part, index) => part === 'KEY' && parts[index - 1] === 'PUBLIC')) return false;
  return parts.some((part) => SECRET_PARTS.has(part));
}

// ---- The checks ------------------------------------------------------------------------------------

type Report = (location: Location, message: string, severity?: Severity) => void;

interface NextCheck extends CheckSpec {
  run(app: AppAnalysis, report: Report): void;
}

const web01: NextCheck = {
  controlId: 'WEB-01',
  docs: "Flags a module of the data access layer (data/, dal/, server/ — so lib/server/ —, *.server.ts, outside app/) that does not import 'server-only', and any other module that imports a database client (Prisma, Drizzle, pg, postgres, mysql2, MongoDB, Kysely, Redis, firebase-admin…) without it. Route handlers, proxy/middleware, instrumentation, config and tooling files, 'use server' and 'use client' modules, and type-only modules are not flagged.",
  fix: "Add `import 'server-only';` as the first import: a Client Component that imports the module (even indirectly) then fails the build instead of shipping server code to the browser.",
  run(app, report) {
    for (const module of app.candidates()) {
      const relative = app.relative(module.path);
      if (SERVER_ROLES.has(app.role(module.path)) || hasDirective(module, 'use client') || isServerOnly(module) || isTypeOnlyModule(module)) continue;
      if (isDalPath(relative)) {
        report(module.location(firstCodeOffset(module)), `${relative} is in the data access layer but does not import 'server-only'`);
        continue;
      }
      const database = module.imports.find((record) => !record.typeOnly && app.facts.isDatabaseImport(module, record.source));
      if (database !== undefined) report(module.location(database.node.start), `imports the database client ${database.source} but not 'server-only': nothing stops a Client Component from importing it`);
    }
  },
};

const web02: NextCheck = {
  controlId: 'WEB-02',
  docs: "Flags a read of a server environment variable (`process.env.X`, `process.env['X']`, destructuring, or the whole `process.env`; not NEXT_PUBLIC_*, NODE_ENV, NEXT_RUNTIME and other build/runtime flags) outside the data access layer: allowed are DAL paths, modules importing 'server-only', 'use server' modules, database modules, route handlers, proxy/middleware, instrumentation, next.config and tooling configs, t3-env modules and Pages Router data functions. Also flags a 'use client' module that imports (not `import type`) a data-access module, a 'server-only' module or a database client.",
  fix: "Read secrets in one server-only module (e.g. lib/server/env.ts with `import 'server-only'`) and expose functions that return only what a page needs; never import the DAL from a 'use client' file — pass it data from a Server Component or call a Server Action.",
  run(app, report) {
    for (const module of app.candidates()) {
      const client = hasDirective(module, 'use client');
      if (client) {
        for (const record of module.imports) {
          if (record.typeOnly || record.node.type !== 'ImportDeclaration') continue;
          const why = app.dalImport(module, record.source);
          if (why !== undefined) report(module.location(record.node.start), `this Client Component imports ${record.source}, ${why}: its code and secrets would be bundled for the browser`);
        }
      }
      if (!client && app.mayReadSecrets(module)) continue;
      const survey = app.survey(module);
      for (const read of survey.envReads) {
        if (read.name !== undefined && isPublicEnv(read.name)) continue;
        if (read.inServerFunction) continue;
        report(
          module.location(read.offset),
          client
            ? `${read.label} is read in a Client Component: server variables are not available in the browser, and this one belongs in the data access layer`
            : `${read.label} is read outside the data access layer: import it from a server-only module instead`,
        );
      }
    }
  },
};

const web03: NextCheck = {
  controlId: 'WEB-03',
  docs: 'Flags NEXT_PUBLIC_ variables whose name says secret (a name part SECRET, TOKEN, KEY, PASSWORD, PRIVATE, CREDENTIAL or DATABASE; PUBLISHABLE, ANON, SITE and PUBLIC_KEY names are public by design) where they are defined (.env* files, read line by line anywhere in the repository) and where code reads them, and secret-like keys of next.config `env` (which inlines every key into the client bundle).',
  fix: 'Rename the variable without NEXT_PUBLIC_ and read it only on the server (data access layer, route handler, Server Action); rotate the secret if it was ever built into a bundle.',
  run(app, report) {
    for (const module of app.candidates()) {
      for (const read of app.survey(module).envReads) {
        if (read.name?.startsWith('NEXT_PUBLIC_') && isSecretName(read.name)) report(module.location(read.offset), `${read.name} is inlined into the client bundle at build time, and its name says it is a secret`);
      }
    }
    for (const variant of app.config()?.variants ?? []) {
      for (const entry of variant.env) {
        if (isSecretName(entry.name)) report(entry.location, `next.config env.${entry.name} is inlined into the client bundle at build time, and its name says it is a secret`);
      }
    }
  },
};

function scanEnvFile(file: SourceFile, emit: Emitter): void {
  file.text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    const indent = line.length - line.trimStart().length;
    let rest = line.slice(indent);
    if (rest === '' || rest.startsWith('#')) return;
    let column = indent + 1;
    if (rest.startsWith('export ')) {
      const skipped = rest.length - rest.slice(7).trimStart().length;
      rest = rest.slice(skipped);
      column += skipped;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_.-]*(?=\s*=)/.exec(rest)?.[0];
    if (name?.startsWith('NEXT_PUBLIC_') && isSecretName(name)) {
      emit.finding('WEB-03', { file: file.path, line: index + 1, column }, `${name} is inlined into the client bundle at build time, and its name says it is a secret`);
    }
  });
}

const web04: NextCheck = {
  controlId: 'WEB-04',
  docs: "Finds the Content-Security-Policy the app sends: set in proxy.ts (or middleware.ts, or a module it imports) with `headers.set(…)` or a headers object, and in next.config `headers()`. The value is evaluated from string and template literals, concatenation, arrays joined (`.join('; ')`, `.map(…).join(…)`), objects of directives (`Object.entries(…)`), helper functions and constants of other modules; development-only branches are ignored. The policy must have script-src (or default-src) with a per-request 'nonce-…' and 'strict-dynamic', no 'unsafe-inline' (medium when a nonce makes CSP3 browsers ignore it) and no 'unsafe-eval', object-src 'none', base-uri 'self', form-action, frame-ancestors without wildcards, and report-to (low when only that is missing). Also flags an app with no CSP, middleware.ts on Next.js 16+ (renamed proxy.ts) and a proxy.ts without a `proxy` export. Nonce pages being dynamic is not checked.",
  fix: "Build the policy per request in proxy.ts: `const nonce = btoa(crypto.randomUUID())`, `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'` (plus 'unsafe-eval' only when NODE_ENV is development), object-src 'none', base-uri 'self', form-action 'self', frame-ancestors 'none', report-to; set it on the request headers and on the response.",
  run(app, report) {
    const proxy = app.proxy();
    if (proxy.module !== undefined && proxy.role === 'middleware' && (app.app.nextMajor === undefined || app.app.nextMajor >= 16)) {
      const name = basename(proxy.module.path);
      report(proxy.module.location(0), `${name} is deprecated since Next.js 16: rename it to ${name.replace('middleware', 'proxy')} and its export to proxy`);
    }
    if (proxy.module !== undefined && proxy.role === 'proxy' && !proxy.module.exports.has('proxy') && !proxy.module.exports.has('default')) {
      report(proxy.module.location(0), `${basename(proxy.module.path)} exports no function named proxy (nor a default export): Next.js does not run it`);
    }
    const config = app.config();
    const configPolicies = (config?.variants ?? []).flatMap((variant) => variant.csps);
    const proxyPolicies = proxy.policies.flatMap((policy) => policy.variants);
    for (const policy of proxyPolicies) for (const problem of cspProblems(parseCsp(policy.chunks, policy.site), true)) report(problem.location, problem.message, problem.severity);
    const configIsPrimary = proxy.policies.length === 0;
    for (const policy of configPolicies) {
      for (const problem of cspProblems(parseCsp(policy.chunks, policy.site), configIsPrimary)) report(problem.location, problem.message, problem.severity);
    }
    if (proxy.policies.length === 0 && configPolicies.length === 0 && (config === undefined || config.complete)) {
      report(proxy.module?.location(0) ?? app.anchor(), 'the app sends no Content-Security-Policy: set a per-request nonce policy in proxy.ts');
    }
  },
};

const web05: NextCheck = {
  controlId: 'WEB-05',
  docs: "Flags an exported GET/HEAD/POST/PUT/PATCH/DELETE handler of an app/**/route.ts that reaches data — reads cookies or secret environment variables or uses a database client, itself or through functions of the repository it calls — without calling an authentication helper (auth, getServerSession, getSession, currentUser, verifySession, requireUser, validateRequest, withAuth…, or a get/require/verify…Session/User-shaped function called without arguments), itself or through a DAL function that does. Handlers under sign-in and webhook segments (auth, login, logout, callback, oauth, webhooks…) are public by design and not flagged.",
  fix: 'Call the session check inside the handler (e.g. `const session = await verifySession()` from the data access layer) and answer 401 without it; the proxy check alone is bypassable (CVE-2025-29927).',
  run(app, report) {
    for (const handler of app.routeHandlers()) {
      if (handler.authFlow || !handler.facts.sensitive || handler.facts.authenticates) continue;
      report(handler.location, `the ${handler.method} handler uses the session, secrets or the database without authenticating the request`);
    }
  },
};

const web06: NextCheck = {
  controlId: 'WEB-06',
  docs: 'Reads next.config as data: flags a missing or non-false poweredByHeader, and a headers() with no entry for every path (`/(.*)`, `/:path*`, `/((?!…).*)`) carrying Strict-Transport-Security (max-age of a year or more), X-Content-Type-Options: nosniff, Referrer-Policy (strict-origin-when-cross-origin or stricter), Permissions-Policy and Cross-Origin-Opener-Policy. Headers the proxy sets on every response count as present. An app without next.config is flagged at its package.json.',
  fix: "In next.config set `poweredByHeader: false` and `async headers() { return [{ source: '/(.*)', headers: [HSTS, nosniff, Referrer-Policy, Permissions-Policy, COOP…] }] }`.",
  run(app, report) {
    const config = app.config();
    const fromProxy = app.proxy().headerNames;
    if (config === undefined) {
      report(app.anchor(), 'the app has no next.config: X-Powered-By is sent and no security headers are set');
      return;
    }
    for (const variant of config.variants) {
      if (variant.poweredByHeader.kind === 'missing') report(variant.object, 'poweredByHeader: false is not set: every response advertises X-Powered-By: Next.js');
      if (variant.poweredByHeader.kind === 'other') report(variant.poweredByHeader.location, 'poweredByHeader is not false: every response advertises X-Powered-By: Next.js');
      if (variant.headers.kind === 'unknown') continue;
      const present = variant.headers.kind === 'entries' ? variant.headers.catchAll : new Map();
      const missing: string[] = [];
      for (const [name, label] of SECURITY_HEADERS) if (!present.has(name) && !fromProxy.has(name)) missing.push(label);
      if (missing.length > 0) {
        const headers = variant.headers;
        if (headers.kind === 'entries') report(headers.location, `headers() does not set ${missing.join(', ')} on every path`);
        else report(variant.object, `next.config has no headers() setting ${missing.join(', ')} on every path`);
      }
      for (const [name, entry] of present) {
        const weakness = entry.text === undefined ? undefined : weakHeader(name, entry.text);
        if (weakness !== undefined) report(entry.location, weakness);
      }
    }
  },
};

const SECURITY_HEADERS: ReadonlyArray<[string, string]> = [
  ['strict-transport-security', 'Strict-Transport-Security'],
  ['x-content-type-options', 'X-Content-Type-Options'],
  ['referrer-policy', 'Referrer-Policy'],
  ['permissions-policy', 'Permissions-Policy'],
  ['cross-origin-opener-policy', 'Cross-Origin-Opener-Policy'],
];

function weakHeader(name: string, value: string): string | undefined {
  const text = value.trim().toLowerCase();
  if (name === 'strict-transport-security') {
    const maxAge = /max-age\s*=\s*"?(\d+)/.exec(text);
    if (maxAge === null || Number(maxAge[1]) < 31_536_000) return `Strict-Transport-Security max-age is under a year (${value.trim()})`;
  }
  if (name === 'x-content-type-options' && text !== 'nosniff') return `X-Content-Type-Options is ${value.trim()}, not nosniff`;
  if (name === 'referrer-policy' && ['unsafe-url', 'no-referrer-when-downgrade', 'origin', 'origin-when-cross-origin'].includes(text)) return `Referrer-Policy ${value.trim()} sends full URLs or origins to other sites`;
  if (name === 'cross-origin-opener-policy' && text === 'unsafe-none') return 'Cross-Origin-Opener-Policy unsafe-none lets other windows keep a reference to this one';
  return undefined;
}

const web07: NextCheck = {
  controlId: 'WEB-07',
  docs: "Flags a Server Action — an exported function of a 'use server' module, or a function with an inline 'use server' directive — that does not call an authentication helper (same heuristic as WEB-05, also through repository functions it calls), that takes parameters but never validates them with a schema (parse/safeParse/parseAsync of zod, valibot, yup `validate`, next-safe-action `.schema()`…; a called repository function's validation counts when the action passes it arguments), or that uses the database before it authenticates. Sign-in flow actions (they call signIn, signOut or signUp…) are not flagged.",
  fix: 'Start every action with `const session = await verifySession()` (and an ownership check), then `schema.safeParse(input)` of everything it receives, before any data access; return only what the UI needs.',
  run(app, report) {
    for (const action of app.actions()) {
      // Signing in (or out) is how a caller gets a session: the auth library checks the credentials.
      if (action.facts.signsIn) continue;
      const problems: string[] = [];
      if (!action.facts.authenticates) problems.push('does not authenticate the caller');
      if (action.hasInput && !action.facts.validates) problems.push('does not validate its input with a schema');
      if (action.facts.authenticates && action.facts.firstDataAccess !== undefined && action.facts.firstAuthentication !== undefined && action.facts.firstDataAccess < action.facts.firstAuthentication) {
        problems.push('uses the database before it authenticates');
      }
      if (problems.length > 0) report(action.location, `Server Action ${action.name} ${problems.join(' and ')}: it is a public POST endpoint`);
    }
  },
};

const web08: NextCheck = {
  controlId: 'WEB-08',
  docs: 'Reads serverActions (under experimental, or top level) of next.config: flags an allowedOrigins entry that is only a wildcard (`*`, `**`, `https://*`), a bodySizeLimit above 10 MB (medium), and — when the app has Server Actions — no explicit bodySizeLimit (low: the default is 1 MB).',
  fix: "List only the exact hosts of your own proxies in `serverActions.allowedOrigins` and set `bodySizeLimit` to what the actions need (e.g. '1mb').",
  run(app, report) {
    const config = app.config();
    const hasActions = app.actions().length > 0;
    for (const variant of config?.variants ?? []) {
      const settings = variant.serverActions;
      for (const origin of settings?.allowedOrigins ?? []) {
        if (/^(?:https?:\/\/)?\*+(?::\*)?$/.test(origin.text.trim())) report(origin.location, `serverActions.allowedOrigins contains ${JSON.stringify(origin.text)}: Server Actions accept cross-site POSTs from any origin`);
      }
      const limit = settings?.bodySizeLimit;
      if (limit?.kind === 'value' && limit.bytes !== undefined && limit.bytes > 10 * 1024 ** 2) report(limit.location, `serverActions.bodySizeLimit is ${limit.text}: any client can make the server buffer that much per request`, 'medium');
      if (hasActions && (settings === undefined || limit?.kind === 'missing')) {
        report(settings?.location ?? variant.object, 'serverActions.bodySizeLimit is not set explicitly (the default is 1 MB)', 'low');
      }
    }
  },
};

const web10: NextCheck = {
  controlId: 'WEB-10',
  docs: 'Flags an exported POST/PUT/PATCH/DELETE handler of an app/**/route.ts that uses cookies or authenticates (itself or through repository functions) — unless it only reads the Authorization header — and never checks the Origin header: no `headers.get("origin")` / `get("sec-fetch-site")` and no call of a function named like an origin or CSRF check, itself or through the functions it calls. Route handlers get no built-in CSRF protection.',
  fix: "Refuse the request unless `request.headers.get('origin')` is exactly your app's origin (a helper such as `isSameOriginRequest(request)`), before anything else.",
  run(app, report) {
    for (const handler of app.routeHandlers()) {
      if (!MUTATING.has(handler.method) || handler.facts.checksOrigin) continue;
      const cookieSession = handler.facts.cookies || (handler.facts.authenticates && !handler.facts.bearer);
      if (cookieSession) report(handler.location, `the ${handler.method} handler acts on a cookie session but never checks the Origin header: a cross-site form can trigger it (CSRF)`);
    }
  },
};

const web11: NextCheck = {
  controlId: 'WEB-11',
  docs: "Flags `cookies().set(…)`, `(await cookies()).set(…)`, a variable holding the store, and `response.cookies.set(…)` (name/value/options or a single object) for session-like cookies (name containing sess, auth, token, jwt, sid, login, user, refresh, access or remember, or a name that is not a constant) whose options, evaluated from objects, spreads and helper functions, lack httpOnly: true, secure: true, sameSite 'lax' or 'strict', or set a path other than '/', a domain, or a name without the __Host- prefix; a maxAge over 30 days is medium. Deletions (maxAge 0) and development-only branches are ignored.",
  fix: "Use `cookies().set('__Host-session', value, { httpOnly: true, secure: true, sameSite: 'lax', path: '/', maxAge: 8 * 3600 })` (no domain).",
  run(app, report) {
    for (const module of app.candidates()) {
      for (const set of app.survey(module).cookieSets) {
        const result = evaluateVariants(app.graph, (evaluator) => cookieProblems(evaluator, set.call, set.scope));
        for (const variant of result.variants) {
          if (variant.development || variant.value === undefined || variant.value.problems.length === 0) continue;
          const { name, problems, mildOnly } = variant.value;
          report(module.location(set.anchor), `the ${name === undefined ? 'session' : JSON.stringify(name)} cookie ${problems.join(', ')}`, mildOnly ? 'medium' : undefined);
        }
      }
    }
  },
};

const SESSION_COOKIE_NAME = /sess|auth|token|jwt|sid|login|user|refresh|access|remember/i;
const MAX_SESSION_SECONDS = 30 * 24 * 3600;

function cookieProblems(evaluator: Evaluator, call: ast.CallExpression, scope: Scope): { name: string | undefined; problems: string[]; mildOnly: boolean } | undefined {
  const args = call.arguments.filter((argument): argument is ast.Expression => argument.type !== 'SpreadElement');
  let nameValue: Value | undefined;
  let options: Value | undefined;
  if (args.length === 1) {
    options = evaluator.evaluate(args[0]!, scope);
    nameValue = evaluator.property(options, 'name');
  } else if (args.length >= 2) {
    nameValue = evaluator.evaluate(args[0]!, scope);
    options = args[2] === undefined ? undefined : evaluator.evaluate(args[2], scope);
  } else return undefined;
  const name = nameValue === undefined ? undefined : textOf(nameValue);
  if (name !== undefined && !SESSION_COOKIE_NAME.test(name)) return undefined;
  if (options !== undefined && options.kind !== 'object') return undefined;
  const known = options === undefined || options.complete;
  const get = (key: string): Value | undefined => (options === undefined ? undefined : evaluator.property(options, key));
  const maxAge = get('maxAge');
  if (maxAge?.kind === 'number' && maxAge.value <= 0) return undefined;
  const problems: string[] = [];
  const flag = (key: string, wanted: string, ok: (value: Value) => boolean) => {
    const value = get(key);
    if (value === undefined ? known : value.kind !== 'unknown' && !ok(value)) problems.push(`is not ${wanted}`);
  };
  flag('httpOnly', 'httpOnly', (value) => value.kind === 'boolean' && value.value);
  flag('secure', 'secure', (value) => value.kind === 'boolean' && value.value);
  flag('sameSite', "sameSite 'lax' or 'strict'", (value) => (value.kind === 'boolean' && value.value) || ['lax', 'strict'].includes(textOf(value)?.toLowerCase() ?? ''));
  const path = get('path');
  if (path !== undefined && textOf(path) !== undefined && textOf(path) !== '/') problems.push(`has path ${textOf(path)} instead of /`);
  const domain = get('domain');
  if (domain !== undefined && domain.kind !== 'nullish') problems.push('sets a domain (every subdomain can read and overwrite it)');
  if (name !== undefined && !name.startsWith('__Host-')) problems.push('has no __Host- prefix');
  const mild = maxAge?.kind === 'number' && maxAge.value > MAX_SESSION_SECONDS;
  if (mild) problems.push(`lives ${Math.round(maxAge.value / 86_400)} days (maxAge over 30 days)`);
  return { name, problems, mildOnly: mild && problems.length === 1 };
}

const web13: NextCheck = {
  controlId: 'WEB-13',
  docs: "Flags a 'use cache' directive (module or function; not 'use cache: private') whose code reads cookies() or headers(), or calls an authentication helper, itself or through repository functions; and a fetch() that sends an Authorization header (evaluated from the init object) with cache: 'force-cache' or next.revalidate > 0, or without cache: 'no-store' (low on Next.js 15+, where fetch is not cached by default; the app's declared next version decides).",
  fix: "Keep per-user reads out of 'use cache' scopes (pass the user id as an argument, or use 'use cache: private'), and give every authorized fetch `cache: 'no-store'`.",
  run(app, report) {
    for (const module of app.candidates()) {
      const survey = app.survey(module);
      for (const cached of survey.cached) {
        const facts = app.facts.ofRoot(cached.root, cached.scope);
        if (facts.requestData || facts.cookies || facts.authenticates) {
          report(module.location(cached.directive.node.start), `'use cache' ${cached.root.type === 'Program' ? 'module' : 'function'} reads per-user data (cookies, headers or the session): one user's result would be served to others`);
        }
      }
      // A browser fetch never enters Next.js's data cache.
      for (const fetch of hasDirective(module, 'use client') ? [] : survey.fetches) {
        const result = evaluateVariants(app.graph, (evaluator) => authorizedFetchCaching(evaluator, fetch.call, fetch.scope));
        for (const variant of result.variants) {
          if (variant.development || variant.value === undefined) continue;
          if (variant.value === 'cached') report(module.location(fetch.call.start), "this fetch sends an Authorization header and is cached: one user's response can be served to another");
          else if (variant.value === 'default') {
            const modern = app.app.nextMajor === undefined || app.app.nextMajor >= 15;
            report(module.location(fetch.call.start), "this fetch sends an Authorization header without cache: 'no-store'", modern ? 'low' : undefined);
          }
        }
      }
    }
  },
};

function authorizedFetchCaching(evaluator: Evaluator, call: ast.CallExpression, scope: Scope): 'cached' | 'default' | undefined {
  const init = call.arguments[1];
  if (init === undefined || init.type === 'SpreadElement') return undefined;
  const options = evaluator.evaluate(init, scope);
  const headers = evaluator.property(options, 'headers');
  if (headers?.kind !== 'object' || ![...headers.props.keys()].some((key) => key.toLowerCase() === 'authorization')) return undefined;
  const cache = evaluator.property(options, 'cache');
  const next = evaluator.property(options, 'next');
  const revalidate = next === undefined ? undefined : evaluator.property(next, 'revalidate');
  const cacheText = cache === undefined ? undefined : textOf(cache);
  if (cacheText === 'force-cache' || (revalidate?.kind === 'number' && revalidate.value > 0)) return 'cached';
  if (cacheText === 'no-store' || (revalidate?.kind === 'number' && revalidate.value === 0) || (revalidate?.kind === 'boolean' && !revalidate.value)) return undefined;
  if (cache !== undefined && cache.kind === 'unknown') return undefined;
  return 'default';
}

const CHECKS: readonly NextCheck[] = [web01, web02, web03, web04, web05, web06, web07, web08, web10, web11, web13];

// ---- Module helpers ----------------------------------------------------------------------------------

function hasDirective(module: Module, value: string): boolean {
  return module.directives.some((directive) => directive.value === value);
}

function isServerOnly(module: Module): boolean {
  return module.imports.some((record) => record.source === 'server-only') || hasDirective(module, 'use server');
}

const TYPE_STATEMENTS = new Set(['TSInterfaceDeclaration', 'TSTypeAliasDeclaration', 'TSDeclareFunction', 'TSModuleDeclaration']);

/** Only types: nothing of it exists at run time, so it needs no 'server-only'. */
function isTypeOnlyModule(module: Module): boolean {
  return module.program.body.every((statement) => {
    if (TYPE_STATEMENTS.has(statement.type)) return true;
    if (statement.type === 'ImportDeclaration') return statement.importKind === 'type';
    if (statement.type === 'ExportNamedDeclaration') return statement.exportKind === 'type' || (statement.declaration !== null && TYPE_STATEMENTS.has(statement.declaration.type));
    if (statement.type === 'ExportAllDeclaration') return statement.exportKind === 'type';
    return false;
  });
}

/** Where `import 'server-only'` belongs: after the directives, at the first statement (the file start if empty). */
function firstCodeOffset(module: Module): number {
  return module.program.body.find((statement) => !(statement.type === 'ExpressionStatement' && typeof statement.directive === 'string'))?.start ?? 0;
}

/** Where an exported name is declared. */
function exportLocationOf(module: Module, name: string): number {
  for (const statement of module.program.body) {
    if (statement.type === 'ExportNamedDeclaration') {
      const declaration = statement.declaration;
      if (declaration?.type === 'FunctionDeclaration' && declaration.id?.name === name) return declaration.id.start;
      if (declaration?.type === 'VariableDeclaration') {
        for (const declarator of declaration.declarations) {
          if (declarator.id.type === 'Identifier' && declarator.id.name === name) return declarator.id.start;
          if (declarator.id.type !== 'Identifier' && patternNames(declarator.id).includes(name)) return declarator.start;
        }
      }
      for (const specifier of statement.specifiers) {
        const exported = specifier.exported.type === 'Identifier' ? specifier.exported.name : String(specifier.exported.value);
        if (exported === name) return specifier.exported.start;
      }
    }
    if (statement.type === 'ExportDefaultDeclaration' && name === 'default') {
      const declaration = statement.declaration;
      return (declaration.type === 'FunctionDeclaration' || declaration.type === 'ClassDeclaration') && declaration.id !== null ? declaration.id.start : statement.start;
    }
  }
  return 0;
}

// ---- One app -------------------------------------------------------------------------------------

interface NextApp {
  /** The app directory, '' for the repository root. */
  root: string;
  packageJson?: SourceFile;
  /** The major version of the declared `next` dependency, when it is a plain range. */
  nextMajor?: number;
  configPath?: string;
  sources: SourceFile[];
}

interface Survey {
  envReads: Array<{ name: string | undefined; label: string; offset: number; inServerFunction: boolean }>;
  cookieSets: Array<{ call: ast.CallExpression; scope: Scope; anchor: number }>;
  fetches: Array<{ call: ast.CallExpression; scope: Scope }>;
  inlineActions: Array<{ fn: FunctionNode; scope: Scope; directive: Directive }>;
  cached: Array<{ root: AstNode; scope: Scope; directive: Directive }>;
  headerSets: Array<{ name: ast.Expression; value: ast.Expression; scope: Scope; offset: number }>;
}

interface RouteHandler {
  method: string;
  location: Location;
  facts: RootFacts;
  authFlow: boolean;
}

interface Action {
  name: string;
  location: Location;
  facts: RootFacts;
  hasInput: boolean;
}

interface ProxyReport {
  module?: Module;
  role?: 'proxy' | 'middleware';
  policies: Array<{ variants: Array<{ chunks: Chunk[]; site: Site }> }>;
  headerNames: Set<string>;
}

const HEADER_NAMES = new Set(['content-security-policy', 'strict-transport-security', 'x-content-type-options', 'referrer-policy', 'permissions-policy', 'cross-origin-opener-policy']);

class AppAnalysis {
  private candidateModules: Module[] | undefined;
  private readonly surveys = new Map<Module, Survey>();
  private configReport: ConfigReport | undefined | null;
  private proxyReport: ProxyReport | undefined;
  private handlers: RouteHandler[] | undefined;
  private actionList: Action[] | undefined;
  private readonly roles = new Map<string, Role>();
  private sourcesByPath: Map<string, string> | undefined;

  constructor(
    readonly app: NextApp,
    readonly graph: ModuleGraph,
    readonly facts: FactFinder,
    private readonly emit: Emitter,
  ) {}

  relative(path: string): string {
    return this.app.root === '' ? path : path.slice(this.app.root.length + 1);
  }

  role(path: string): Role {
    let role = this.roles.get(path);
    if (role === undefined) {
      role = roleOf(this.relative(path));
      this.roles.set(path, role);
    }
    return role;
  }

  /** The modules the per-module checks look at (see the prefilter in this file's header). */
  candidates(): Module[] {
    if (this.candidateModules !== undefined) return this.candidateModules;
    this.candidateModules = [];
    for (const file of this.app.sources) {
      const relative = this.relative(file.path);
      const wanted = PARSED_ROLES.has(this.role(file.path)) || isDalPath(relative) || TRIGGER.test(file.text) || (file.text.includes('use client') && this.mayImportDal(file));
      if (!wanted) continue;
      const module = this.graph.module(file.path);
      if (module !== undefined) this.candidateModules.push(module);
    }
    return this.candidateModules;
  }

  private mayImportDal(file: SourceFile): boolean {
    for (const match of file.text.matchAll(IMPORT_SPECIFIER)) {
      const specifier = match[1]!;
      if (DAL_SPECIFIER.test(specifier)) return true;
      const target = this.graph.resolve(file.path, specifier);
      if (target !== undefined && isDalPath(this.relative(target))) return true;
      const text = target === undefined ? undefined : this.sourceText(target);
      if (text !== undefined && (text.includes('server-only') || TRIGGER.test(text))) return true;
    }
    return false;
  }

  private sourceText(path: string): string | undefined {
    this.sourcesByPath ??= new Map(this.app.sources.map((source) => [source.path, source.text]));
    return this.sourcesByPath.get(path);
  }

  /** Why importing `specifier` from a client module pulls in server code, if it does. */
  dalImport(module: Module, specifier: string): string | undefined {
    if (this.facts.isDatabaseImport(module, specifier)) return 'a database client';
    const path = this.graph.resolve(module.path, specifier);
    if (path === undefined) return DAL_SPECIFIER.test(specifier) ? 'a data-access or server-only module' : undefined;
    const target = this.graph.module(path);
    if (target === undefined || hasDirective(target, 'use server')) return undefined;
    if (target.imports.some((record) => record.source === 'server-only')) return "a module that imports 'server-only'";
    if (isDalPath(this.relative(path))) return 'a module of the data access layer';
    if (this.facts.isDataModule(target)) return 'a module that uses the database';
    return undefined;
  }

  /** Modules where reading server environment variables is expected. */
  mayReadSecrets(module: Module): boolean {
    const relative = this.relative(module.path);
    return (
      SERVER_ROLES.has(this.role(module.path)) ||
      isDalPath(relative) ||
      isServerOnly(module) ||
      this.facts.isDataModule(module) ||
      module.imports.some((record) => record.source.startsWith('@t3-oss/env-'))
    );
  }

  survey(module: Module): Survey {
    const known = this.surveys.get(module);
    if (known !== undefined) return known;
    const survey: Survey = { envReads: [], cookieSets: [], fetches: [], inlineActions: [], cached: [], headerSets: [] };
    const cacheDirective = module.directives.find((directive) => directive.value.startsWith('use cache') && directive.value !== 'use cache: private');
    if (cacheDirective !== undefined) survey.cached.push({ root: module.program, scope: module.scope, directive: cacheDirective });
    const serverFunctions: Array<[number, number]> = [];
    const consumedEnv = new Set<AstNode>();
    walk(module.program, module.scope, (node, scope) => {
      switch (node.type) {
        case 'FunctionDeclaration':
        case 'FunctionExpression':
        case 'ArrowFunctionExpression': {
          if (node.type === 'FunctionDeclaration' && node.id !== null && PAGES_SERVER_FUNCTIONS.has(node.id.name)) serverFunctions.push([node.start, node.end]);
          for (const directive of functionDirectives(node)) {
            if (directive.value === 'use server' && !hasDirective(module, 'use server')) survey.inlineActions.push({ fn: node, scope, directive });
            if (directive.value.startsWith('use cache') && directive.value !== 'use cache: private') survey.cached.push({ root: node, scope, directive });
          }
          break;
        }
        case 'VariableDeclarator':
          if (node.id.type === 'Identifier' && PAGES_SERVER_FUNCTIONS.has(node.id.name) && node.init !== null) serverFunctions.push([node.init.start, node.init.end]);
          if (node.init !== null && node.id.type === 'ObjectPattern' && isProcessEnv(unwrap(node.init))) {
            consumedEnv.add(unwrap(node.init));
            for (const property of node.id.properties) {
              const key = property.type === 'Property' ? propertyName(property.key, property.computed) : undefined;
              survey.envReads.push({ name: key, label: key === undefined ? 'process.env' : `process.env.${key}`, offset: property.start, inServerFunction: false });
            }
          }
          break;
        case 'MemberExpression': {
          const name = envRead(node);
          if (name !== undefined || (node.computed && isProcessEnv(node.object))) {
            consumedEnv.add(node.object);
            survey.envReads.push({ name, label: name === undefined ? 'process.env[…]' : `process.env.${name}`, offset: node.start, inServerFunction: false });
          } else if (isProcessEnv(node) && !consumedEnv.has(node)) {
            survey.envReads.push({ name: undefined, label: 'the whole process.env', offset: node.start, inServerFunction: false });
          }
          break;
        }
        case 'CallExpression': {
          const callee = unwrap(node.callee);
          if (callee.type === 'Identifier' && callee.name === 'fetch' && scope.lookup('fetch') === undefined && node.arguments.length >= 2) survey.fetches.push({ call: node, scope });
          if (callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier') {
            const method = callee.property.name;
            if (method === 'set' && isCookieStore(callee.object, scope) && !isRequestCookies(callee.object)) {
              const options = node.arguments.length === 1 ? node.arguments[0] : node.arguments[2];
              survey.cookieSets.push({ call: node, scope, anchor: options?.start ?? callee.property.start });
            }
            if ((method === 'set' || method === 'append') && node.arguments.length >= 2 && node.arguments[0]!.type !== 'SpreadElement' && node.arguments[1]!.type !== 'SpreadElement') {
              survey.headerSets.push({ name: node.arguments[0] as ast.Expression, value: node.arguments[1] as ast.Expression, scope, offset: node.start });
            }
          }
          break;
        }
        case 'Property': {
          const key = propertyName(node.key, node.computed);
          if (key !== undefined && node.kind === 'init' && !node.method && HEADER_NAMES.has(key.toLowerCase())) {
            survey.headerSets.push({ name: node.key as ast.Expression, value: node.value as ast.Expression, scope, offset: node.start });
          }
          break;
        }
        default:
          break;
      }
    });
    for (const read of survey.envReads) read.inServerFunction = serverFunctions.some(([start, end]) => read.offset >= start && read.offset < end);
    this.surveys.set(module, survey);
    return survey;
  }

  config(): ConfigReport | undefined {
    if (this.configReport !== undefined) return this.configReport ?? undefined;
    const module = this.app.configPath === undefined ? undefined : this.graph.module(this.app.configPath);
    if (module === undefined) {
      this.configReport = null;
      return undefined;
    }
    const report = readNextConfig(this.graph, module);
    if (!report.complete) this.emit.note({ file: module.path, message: 'next.config was not fully evaluated statically: WEB-03/04/06/08 findings about it may be missing' });
    this.configReport = report;
    return report;
  }

  proxy(): ProxyReport {
    if (this.proxyReport !== undefined) return this.proxyReport;
    const report: ProxyReport = { policies: [], headerNames: new Set() };
    this.proxyReport = report;
    const file = this.app.sources.find((source) => ['proxy', 'middleware'].includes(this.role(source.path)) && (this.role(source.path) === 'proxy' || !this.app.sources.some((other) => this.role(other.path) === 'proxy')));
    const module = file === undefined ? undefined : this.graph.module(file.path);
    if (module === undefined) return report;
    report.module = module;
    report.role = this.role(module.path) as 'proxy' | 'middleware';
    // The headers may be set by a helper the proxy imports: look one module deep.
    const modules = [module];
    for (const record of module.imports) {
      if (record.typeOnly) continue;
      const path = this.graph.resolve(module.path, record.source);
      const imported = path === undefined ? undefined : this.graph.module(path);
      if (imported !== undefined && !modules.includes(imported)) modules.push(imported);
    }
    const seen = new Set<string>();
    for (const source of modules) {
      for (const set of this.survey(source).headerSets) {
        const names = evaluateVariants(this.graph, (evaluator) => textOf(evaluator.evaluate(set.name, set.scope)), 4);
        const name = names.variants.map((variant) => variant.value).find((value) => value !== undefined)?.toLowerCase();
        if (name === undefined || !HEADER_NAMES.has(name)) continue;
        report.headerNames.add(name);
        if (name !== 'content-security-policy') continue;
        const values = evaluateVariants(this.graph, (evaluator) => evaluator.evaluate(set.value, set.scope));
        const variants: ProxyReport['policies'][number]['variants'] = [];
        for (const variant of values.variants) {
          if (variant.development || variant.value.kind !== 'string') continue;
          const key = `${variant.value.site.module.path}:${variant.value.site.offset}:${variant.value.chunks.map((chunk) => chunk.text).join('')}`;
          if (seen.has(key)) continue;
          seen.add(key);
          variants.push({ chunks: variant.value.chunks, site: variant.value.site });
        }
        report.policies.push({ variants });
        if (!values.complete || values.variants.every((variant) => variant.value.kind !== 'string')) {
          this.emit.note({ file: source.path, ...lineAndColumn(source.location(set.offset)), message: 'the Content-Security-Policy value set here was not evaluated statically: WEB-04 findings about it may be missing' });
        }
      }
    }
    return report;
  }

  routeHandlers(): RouteHandler[] {
    if (this.handlers !== undefined) return this.handlers;
    this.handlers = [];
    for (const module of this.candidates()) {
      const relative = this.relative(module.path);
      if (this.role(module.path) !== 'route') continue;
      const authFlow = relative.split('/').slice(0, -1).some((segment) => AUTH_FLOW_SEGMENT.test(segment));
      for (const method of HTTP_HANDLERS) {
        if (!module.exports.has(method)) continue;
        const root = this.exportedCode(module, method);
        if (root === undefined) continue;
        this.handlers.push({ method, location: module.location(exportLocationOf(module, method)), facts: this.facts.ofRoot(root.node, root.scope), authFlow });
      }
    }
    return this.handlers;
  }

  /** The code behind an export: its function, or the expression it is (a wrapper call such as `withAuth(…)`). */
  private exportedCode(module: Module, name: string): { node: AstNode; scope: Scope; fn?: FunctionNode } | undefined {
    const fn = this.facts.exportedFunction(module, name, false);
    if (fn !== undefined) return { node: fn.node, scope: fn.scope, fn: fn.node };
    const found = this.graph.resolveExport(module, name);
    if (found === undefined) return undefined;
    if (found.target.kind === 'expression') return { node: found.target.node as AstNode, scope: found.module.scope };
    if (found.target.kind === 'local') {
      const binding = found.module.scope.bindings.get(found.target.name);
      if (binding?.kind === 'variable' && binding.init !== null && binding.path.length === 0) return { node: binding.init, scope: binding.scope };
    }
    return undefined;
  }

  actions(): Action[] {
    if (this.actionList !== undefined) return this.actionList;
    this.actionList = [];
    for (const module of this.candidates()) {
      if (hasDirective(module, 'use server')) {
        for (const name of module.exports.keys()) {
          const code = this.exportedCode(module, name);
          if (code === undefined) continue;
          this.actionList.push({ name, location: module.location(exportLocationOf(module, name)), facts: this.facts.ofRoot(code.node, code.scope), hasInput: code.fn === undefined || code.fn.params.length > 0 });
        }
      }
      for (const inline of this.survey(module).inlineActions) {
        const id = inline.fn.type !== 'ArrowFunctionExpression' ? inline.fn.id : null;
        this.actionList.push({
          name: id?.name ?? '(inline)',
          location: module.location(id?.start ?? inline.directive.node.start),
          facts: this.facts.ofRoot(inline.fn, inline.scope),
          hasInput: inline.fn.params.length > 0,
        });
      }
    }
    return this.actionList;
  }

  /** Where an app-wide finding goes when no file is more specific: next.config, else the `next` dependency. */
  anchor(): Location {
    if (this.app.configPath !== undefined) return { file: this.app.configPath, line: 1, column: 1 };
    if (this.app.packageJson !== undefined) return nextDependencyLocation(this.app.packageJson);
    return { file: this.app.sources[0]?.path ?? this.app.root, line: 1, column: 1 };
  }
}

function lineAndColumn(location: Location): { line: number; column: number } {
  return { line: location.line, column: location.column };
}

/** `request.cookies.set(…)` only changes what later middleware and the page see on this request. */
function isRequestCookies(expression: ast.Expression): boolean {
  const node = unwrap(expression);
  if (node.type !== 'MemberExpression') return false;
  const object = unwrap(node.object);
  return object.type === 'Identifier' && /^req(?:uest)?$/i.test(object.name);
}

// ---- JSON files read with the JS parser (positions, comments and trailing commas of tsconfig) --------

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function jsonValue(node: AstNode): Json | undefined {
  switch (node.type) {
    case 'Literal':
      return typeof node.value === 'string' || typeof node.value === 'number' || typeof node.value === 'boolean' || node.value === null ? node.value : undefined;
    case 'ArrayExpression':
      return node.elements.flatMap((element) => {
        const value = element === null || element.type === 'SpreadElement' ? undefined : jsonValue(element);
        return value === undefined ? [] : [value];
      });
    case 'ObjectExpression': {
      const object: { [key: string]: Json } = {};
      for (const property of node.properties) {
        if (property.type !== 'Property') continue;
        const key = propertyName(property.key, property.computed);
        const value = jsonValue(property.value);
        if (key !== undefined && value !== undefined) object[key] = value;
      }
      return object;
    }
    default:
      return undefined;
  }
}

/** Parses JSON (or JSONC) text as a JS expression; offsets of the result are offsets in the text plus one. */
function parseJsonExpression(file: SourceFile): AstNode | undefined {
  try {
    const result = parseSync(`${file.path}.js`, `(${file.text}\n)`, { lang: 'js', preserveParens: false });
    if (result.errors.some((error) => error.severity === 'Error')) return undefined;
    const statement = result.program.body[0];
    return statement?.type === 'ExpressionStatement' ? statement.expression : undefined;
  } catch {
    return undefined;
  }
}

function readJson(file: SourceFile): { [key: string]: Json } | undefined {
  const node = parseJsonExpression(file);
  const value = node === undefined ? undefined : jsonValue(node);
  return value !== null && typeof value === 'object' && !Array.isArray(value) && value !== undefined ? value : undefined;
}

function nextDependencyLocation(packageJson: SourceFile): Location {
  const root = parseJsonExpression(packageJson);
  if (root?.type === 'ObjectExpression') {
    for (const group of root.properties) {
      if (group.type !== 'Property' || !/^(?:dev|peer)?[dD]ependencies$/.test(propertyName(group.key, group.computed) ?? '') || group.value.type !== 'ObjectExpression') continue;
      for (const dependency of group.value.properties) {
        if (dependency.type === 'Property' && propertyName(dependency.key, dependency.computed) === 'next') {
          return lineLocator(packageJson.path, packageJson.text)(dependency.key.start - 1);
        }
      }
    }
  }
  return { file: packageJson.path, line: 1, column: 1 };
}

function nextDependency(manifest: { [key: string]: Json }): string | undefined {
  for (const group of ['dependencies', 'devDependencies', 'peerDependencies']) {
    const dependencies = manifest[group];
    if (dependencies !== null && typeof dependencies === 'object' && !Array.isArray(dependencies) && typeof dependencies.next === 'string') return dependencies.next;
  }
  return undefined;
}

/** tsconfig/jsconfig `paths` and `baseUrl`, repository-relative (`extends` is not followed). */
function aliasMapOf(file: SourceFile): AliasMap | 'malformed' | undefined {
  const config = readJson(file);
  if (config === undefined) return 'malformed';
  const options = config.compilerOptions;
  if (options === null || typeof options !== 'object' || Array.isArray(options) || options === undefined) return undefined;
  const root = dirname(file.path);
  const baseUrl = typeof options.baseUrl === 'string' ? joinPath(root, options.baseUrl) : undefined;
  const base = baseUrl ?? root;
  const paths: AliasMap['paths'] = [];
  if (options.paths !== null && typeof options.paths === 'object' && !Array.isArray(options.paths)) {
    for (const [pattern, targets] of Object.entries(options.paths)) {
      if (!Array.isArray(targets)) continue;
      paths.push({ pattern, targets: targets.filter((target): target is string => typeof target === 'string').map((target) => joinPath(base, target)) });
    }
  }
  return { root, paths, ...(baseUrl === undefined ? {} : { baseUrl }) };
}

// ---- The family ------------------------------------------------------------------------------------

function findApps(files: readonly SourceFile[], repository: RepositoryView, emit: Emitter): NextApp[] {
  const apps = new Map<string, NextApp>();
  const appAt = (root: string): NextApp => {
    let app = apps.get(root);
    if (app === undefined) {
      app = { root, sources: [] };
      apps.set(root, app);
    }
    return app;
  };
  for (const path of repository.paths) {
    if (NEXT_CONFIG.test(path)) {
      const app = appAt(dirname(path));
      // next.config.js wins over .mjs/.ts only by order; Next.js itself refuses several.
      app.configPath ??= path;
    }
  }
  for (const file of files) {
    if (!PACKAGE_JSON.test(file.path)) continue;
    let manifest: { [key: string]: Json } | undefined;
    try {
      const parsed: unknown = JSON.parse(file.text);
      manifest = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as { [key: string]: Json }) : undefined;
    } catch (error) {
      manifest = undefined;
      if (apps.has(dirname(file.path))) emit.note({ file: file.path, message: `not read: malformed package.json (${(error as Error).message}); the app's next version is unknown` });
    }
    const root = dirname(file.path);
    const range = manifest === undefined ? undefined : nextDependency(manifest);
    if (range === undefined && !apps.has(root)) continue;
    const app = appAt(root);
    app.packageJson = file;
    const major = range === undefined ? undefined : /(\d+)/.exec(range)?.[1];
    if (major !== undefined && !/^(?:latest|canary|rc|beta|\*)$/.test(range!.trim())) app.nextMajor = Number(major);
  }
  const roots = [...apps.keys()].sort((a, b) => b.length - a.length);
  for (const file of files) {
    if (!isSourcePath(file.path)) continue;
    const root = roots.find((candidate) => candidate === '' || file.path.startsWith(`${candidate}/`));
    if (root !== undefined) apps.get(root)!.sources.push(file);
  }
  return [...apps.values()];
}

function aliasMaps(files: readonly SourceFile[], apps: readonly NextApp[], emit: Emitter): AliasMap[] {
  const maps: AliasMap[] = [];
  for (const file of files) {
    if (!TSCONFIG.test(file.path)) continue;
    const map = aliasMapOf(file);
    if (map === 'malformed') {
      const inApp = apps.some((app) => app.root === '' || file.path.startsWith(`${app.root}/`));
      if (inApp) emit.note({ file: file.path, message: `not read: malformed ${basename(file.path)}; its import aliases are not resolved` });
    } else if (map !== undefined) maps.push(map);
  }
  // Without a tsconfig/jsconfig, create-next-app's `@/*` alias is the app root or its src/.
  for (const app of apps) {
    if (maps.some((map) => map.root === app.root)) continue;
    const prefix = app.root === '' ? '' : `${app.root}/`;
    maps.push({ root: app.root, paths: [{ pattern: '@/*', targets: [`${prefix}*`, `${prefix}src/*`] }] });
  }
  return maps;
}

function finishNextjs(files: readonly SourceFile[], emit: Emitter, repository: RepositoryView): void {
  const apps = findApps(files, repository, emit).filter((app) => app.sources.length > 0 || app.configPath !== undefined);
  if (apps.length === 0) return;
  const sources = new Map(files.filter((file) => isSourcePath(file.path)).map((file) => [file.path, file]));
  const graph = new ModuleGraph(sources, aliasMaps(files, apps, emit), emit);
  const facts = new FactFinder(graph);
  for (const app of apps) {
    const analysis = new AppAnalysis(app, graph, facts, emit);
    for (const check of CHECKS) {
      const reported = new Set<string>();
      const report: Report = (location, message, severity) => {
        const key = `${location.file}:${location.line}:${location.column}:${message}`;
        if (reported.has(key)) return;
        reported.add(key);
        emit.finding(check.controlId, location, message, severity === undefined ? undefined : { severity });
      };
      check.run(analysis, report);
    }
  }
}

export const nextjsFamily: CheckFamily = {
  id: 'nextjs',
  title: 'Next.js applications',
  checks: CHECKS,
  selects: isNextjsPath,
  scan(file, emit) {
    if (ENV_FILE.test(file.path)) scanEnvFile(file, emit);
  },
  finish: finishNextjs,
};
