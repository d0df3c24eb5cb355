/**
 * The security control catalog as typed data.
 *
 * Source of truth for the research: ../shared/CONTROLS.md (§2 API, §3 WEB, §4 DB, §5 CTR, §6 CI, §7 OPS).
 * Each entry keeps the meaning of its row: `summary` is the Control column, `stops` the Stops column
 * (OPS rows have none, so theirs is written from TM-B7), `verify` the Check column, all as plain text.
 * `references` hold only identifiers the row itself cites; nothing marked "(unconfirmed)" becomes an id.
 */

import type { LayerName } from '../answers/schema.js';

/** The layers of the answers schema: one list of layer names in the whole tool. */
export type LayerId = LayerName;
export type Severity = 'low' | 'medium' | 'high' | 'critical';
export type SeedSection = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;
export type ReferenceKind =
  | 'asvs'
  | 'cis'
  | 'scorecard'
  | 'zizmor'
  | 'hadolint'
  | 'codeql'
  | 'docker-build-check'
  | 'rfc'
  | 'doc';

export interface ControlReference {
  kind: ReferenceKind;
  id: string;
  url?: string;
}

export type ControlFamily = 'API' | 'WEB' | 'DB' | 'CTR' | 'CI' | 'OPS';

/** Families in catalog order. */
export const CONTROL_FAMILIES: readonly ControlFamily[] = ['API', 'WEB', 'DB', 'CTR', 'CI', 'OPS'];

export interface Control {
  /** e.g. 'API-01' */
  id: string;
  family: ControlFamily;
  /** Short imperative title: one line, plain text, at most 90 characters. */
  title: string;
  /** The control in one or two plain sentences. */
  summary: string;
  /** What it stops. */
  stops: string;
  /** How to verify it, plain text. */
  verify: string;
  /** The generated layer that implements it. */
  layer: LayerId;
  /** Section of the seed workflow: 2 FastAPI, 3 Next.js, 4 Postgres, 5 Docker, 6 CI/CD, 7 detection/response, 8 verify before release. */
  seedSection: SeedSection;
  /** Impact if the control is missing. */
  severity: Severity;
  references: ControlReference[];
  /** Other catalog controls this row cites as its source or depends on (e.g. DB-13 → CTR-13). */
  related?: string[];
}

/** OpenSSF Scorecard checks (ossf/scorecard docs/checks.md), as listed in CONTROLS.md §6. */
export const SCORECARD_CHECKS: readonly string[] = [
  'Binary-Artifacts',
  'Branch-Protection',
  'CI-Tests',
  'CII-Best-Practices',
  'Code-Review',
  'Contributors',
  'Dangerous-Workflow',
  'Dependency-Update-Tool',
  'Fuzzing',
  'License',
  'Maintained',
  'Packaging',
  'Pinned-Dependencies',
  'SAST',
  'SBOM',
  'Security-Policy',
  'Signed-Releases',
  'Token-Permissions',
  'Vulnerabilities',
  'Webhooks',
];

/** zizmor audits (zizmorcore/zizmor docs/audits.md), as listed in CONTROLS.md §6. */
export const ZIZMOR_AUDITS: readonly string[] = [
  'adhoc-packages',
  'anonymous-definition',
  'archived-uses',
  'artipacked',
  'bot-conditions',
  'cache-poisoning',
  'concurrency-limits',
  'dangerous-triggers',
  'dependabot-cooldown',
  'dependabot-execution',
  'excessive-permissions',
  'forbidden-uses',
  'github-app',
  'github-env',
  'hardcoded-container-credentials',
  'impostor-commit',
  'insecure-commands',
  'insecure-url-scheme',
  'known-vulnerable-actions',
  'misfeature',
  'obfuscation',
  'overprovisioned-secrets',
  'ref-confusion',
  'ref-version-mismatch',
  'secrets-inherit',
  'secrets-outside-env',
  'self-hosted-runner',
  'self-repository',
  'stale-action-refs',
  'superfluous-actions',
  'template-injection',
  'typosquat-uses',
  'undocumented-permissions',
  'unpinned-images',
  'unpinned-tools',
  'unpinned-uses',
  'unredacted-secrets',
  'unsound-condition',
  'unsound-contains',
  'unsound-ternary',
  'use-trusted-publishing',
];

// ---------------------------------------------------------------------------------------------
// Reference helpers

const asvs = (...ids: string[]): ControlReference[] => ids.map((id) => ({ kind: 'asvs', id }));
const cis = (...ids: string[]): ControlReference[] => ids.map((id) => ({ kind: 'cis', id }));
const hadolint = (...ids: string[]): ControlReference[] =>
  ids.map((id) => ({ kind: 'hadolint', id, url: `https://github.com/hadolint/hadolint/wiki/${id}` }));
const scorecard = (...ids: string[]): ControlReference[] =>
  ids.map((id) => ({
    kind: 'scorecard',
    id,
    url: `https://github.com/ossf/scorecard/blob/main/docs/checks.md#${id.toLowerCase()}`,
  }));
const zizmor = (...ids: string[]): ControlReference[] =>
  ids.map((id) => ({ kind: 'zizmor', id, url: `https://docs.zizmor.sh/audits/#${id}` }));
const codeql = (...ids: string[]): ControlReference[] => ids.map((id) => ({ kind: 'codeql', id }));
const rfc = (num: number, section?: string): ControlReference => ({
  kind: 'rfc',
  id: `RFC ${num}`,
  url: `https://www.rfc-editor.org/rfc/rfc${num}${section ? `#section-${section}` : ''}`,
});
const doc = (id: string, url?: string): ControlReference => (url ? { kind: 'doc', id, url } : { kind: 'doc', id });
const cve = (id: string): ControlReference => doc(id, `https://www.cve.org/CVERecord?id=${id}`);

const FASTAPI = 'https://fastapi.tiangolo.com';
const NEXT = 'https://nextjs.org/docs';
const PG = 'https://www.postgresql.org/docs/current';
const NEXT_DATA_SECURITY = doc('Next.js Data Security guide', `${NEXT}/app/guides/data-security`);
const PG_RLS = doc('PostgreSQL: Row Security Policies', `${PG}/ddl-rowsecurity.html`);

// ---------------------------------------------------------------------------------------------
// Catalog

type Row = Omit<Control, 'family' | 'layer' | 'seedSection'> & Partial<Pick<Control, 'layer' | 'seedSection'>>;

const FAMILY_DEFAULTS: Record<ControlFamily, { layer: LayerId; seedSection: SeedSection }> = {
  API: { layer: 'api', seedSection: 2 },
  WEB: { layer: 'web', seedSection: 3 },
  DB: { layer: 'db', seedSection: 4 },
  CTR: { layer: 'containers', seedSection: 5 },
  CI: { layer: 'ci', seedSection: 6 },
  OPS: { layer: 'docs', seedSection: 7 },
};

function family(fam: ControlFamily, rows: Row[]): Control[] {
  const defaults = FAMILY_DEFAULTS[fam];
  return rows.map(({ layer, seedSection, ...row }) => ({
    ...row,
    family: fam,
    layer: layer ?? defaults.layer,
    seedSection: seedSection ?? defaults.seedSection,
  }));
}

const API_CONTROLS = family('API', [
  {
    id: 'API-01',
    title: 'Verify JWTs against a fixed asymmetric algorithm allowlist',
    summary:
      'Verify every JWT with a fixed algorithm allowlist from configuration (RS256/ES256), never with the alg named in the token. Never mix HS* and RS* algorithms and always reject alg none.',
    stops: 'alg=none tokens and HS/RS algorithm confusion',
    verify:
      'Every jwt.decode( call passes a literal algorithms= list that contains only asymmetric algorithms, and no call sets verify_signature to False.',
    severity: 'critical',
    references: [
      doc('PyJWT API reference', 'https://pyjwt.readthedocs.io/en/stable/api.html'),
      rfc(8725, '2.1'),
      ...asvs('9.1.1', '9.1.2'),
    ],
  },
  {
    id: 'API-02',
    title: 'Load signing keys only from the configured JWKS URI',
    summary:
      'Take verification keys only from the configured JWKS URI (PyJWKClient), select them by kid, cache them and refresh on an unknown kid. Ignore the jku, x5u and jwk token headers.',
    stops: 'attacker-supplied signing keys',
    verify: 'The JWKS URL is an https constant in settings and no code uses the jku header.',
    severity: 'critical',
    references: [...asvs('9.1.3')],
  },
  {
    id: 'API-03',
    title: 'Validate iss, aud, exp and nbf and require exp, iat and sub',
    summary:
      'Validate the iss, aud, exp and nbf claims and require exp, iat and sub, with at most 60 seconds of clock leeway.',
    stops: 'wrong-audience token replay and use of expired tokens',
    verify: 'Every jwt.decode( call passes audience=, issuer= and options with require.',
    severity: 'high',
    references: [...asvs('9.2.1', '9.2.3', '10.3.1')],
  },
  {
    id: 'API-04',
    title: 'Accept only access tokens, never ID tokens',
    summary: 'Accept only access tokens (typ at+jwt or a scope claim) and reject ID tokens.',
    stops: 'token-type confusion (an ID token used as an access token)',
    verify: 'A test presenting an ID token gets 401.',
    severity: 'high',
    references: [...asvs('9.2.2')],
  },
  {
    id: 'API-05',
    title: 'Put scoped authorization dependencies on every router, deny by default',
    summary:
      'Attach authorization dependencies to every router with Security(get_principal, scopes=[...]) so that every route is denied unless explicitly authorized.',
    stops: 'missing function-level authorization',
    verify: 'A test walks app.routes and asserts that every non-public route has the auth dependency.',
    severity: 'critical',
    references: [
      doc('FastAPI: OAuth2 scopes', `${FASTAPI}/advanced/security/oauth2-scopes/`),
      ...asvs('8.2.1', '8.3.1'),
    ],
  },
  {
    id: 'API-06',
    title: 'Take tenant and subject only from verified claims and check ownership',
    summary:
      'Derive the tenant and subject only from verified token claims and check object ownership. The tenant reaches the database as described in DB-05.',
    stops: 'IDOR and cross-tenant access',
    verify: 'No tenant_id is read from the path, body or headers.',
    severity: 'critical',
    references: [...asvs('8.2.2', '8.4.1')],
    related: ['DB-05'],
  },
  {
    id: 'API-07',
    title: 'Restrict CORS to explicit origins, methods and headers',
    summary:
      'Configure CORS with explicit origins, methods and headers, and never combine a wildcard origin with allow_credentials=True.',
    stops: 'credentialed cross-origin reads',
    verify: 'AST check: the CORS middleware has no "*" entry and no allow_origin_regex.',
    severity: 'high',
    references: [
      doc('FastAPI: CORS', `${FASTAPI}/tutorial/cors/`),
      doc('Starlette CORSMiddleware reference', `${FASTAPI}/reference/middleware/`),
      ...asvs('3.4.2'),
    ],
  },
  {
    id: 'API-08',
    title: 'Enforce an explicit trusted-host allowlist',
    summary: 'Register TrustedHostMiddleware(allowed_hosts=[...]) with no wildcard host in production.',
    stops: 'Host-header poisoning',
    verify: 'TrustedHostMiddleware is registered with non-wildcard hosts.',
    severity: 'medium',
    references: [doc('FastAPI: Advanced Middleware', `${FASTAPI}/advanced/middleware/`)],
  },
  {
    id: 'API-09',
    title: 'Send security headers on API responses',
    summary:
      "Send X-Content-Type-Options: nosniff, Cache-Control: no-store on authenticated JSON and Content-Security-Policy: default-src 'none'; frame-ancestors 'none'. Set HSTS at the edge.",
    stops: 'MIME sniffing, caching of authenticated responses and framing',
    verify: 'An integration test asserts the headers on API responses.',
    severity: 'medium',
    references: [...asvs('3.4.1', '3.4.4', '14.3.2')],
  },
  {
    id: 'API-10',
    title: 'Limit request body size and multipart parts',
    summary:
      'Limit request bodies to 1 MiB with FastAPI(max_body_size=...), or else with Content-Length or streaming middleware plus a proxy limit. Cap multipart max_files and max_fields.',
    stops: 'memory-exhaustion denial of service',
    verify: 'A 2 MB POST gets 413.',
    severity: 'medium',
    references: [
      doc('FastAPI: Request Body Limits', `${FASTAPI}/advanced/request-body-limits/`),
      doc('GHSA-74m5-2c7w-9w3x', 'https://github.com/advisories/GHSA-74m5-2c7w-9w3x'),
    ],
  },
  {
    id: 'API-11',
    title: 'Return generic error bodies with a request ID and disable debug',
    summary:
      'Return generic error bodies that carry a request_id, register a catch-all exception handler and keep debug=False.',
    stops: 'information leakage through error responses',
    verify: 'No debug=True anywhere and an Exception handler is registered.',
    severity: 'medium',
    references: [...asvs('16.5.1', '16.5.4', '13.4.2')],
  },
  {
    id: 'API-12',
    title: 'Disable interactive docs and the OpenAPI schema in production',
    summary:
      'In production set docs_url, redoc_url and openapi_url to None. This reduces reconnaissance but is not a security control by itself.',
    stops: 'API reconnaissance',
    verify: 'In production /openapi.json returns 404.',
    severity: 'low',
    references: [doc('FastAPI: Conditional OpenAPI', `${FASTAPI}/how-to/conditional-openapi/`), ...asvs('13.4.5')],
  },
  {
    id: 'API-13',
    title: 'Rate-limit authentication failures and expensive routes',
    summary:
      'Rate-limit authentication failures and expensive routes per IP and per subject, answering 429 with Retry-After.',
    stops: 'brute force and request flooding',
    verify: 'A rate limiter is configured (the library choice is unconfirmed).',
    severity: 'medium',
    references: [...asvs('6.3.1', '2.4.1')],
  },
  {
    id: 'API-14',
    title: 'Redact credentials in JSON logs and escape CR/LF',
    summary:
      'Write JSON logs that redact Authorization, Cookie, Set-Cookie, any token field and password, and escape CR/LF in logged values.',
    stops: 'credential leakage and log injection',
    verify: 'A log test asserts that a bearer token never appears in the output.',
    severity: 'high',
    references: [...asvs('16.2.5', '16.4.1')],
  },
  {
    id: 'API-15',
    title: 'Forbid extra fields, whitelist responses and use parameterized SQL',
    summary:
      'Request models set extra="forbid" and max_length, response_model whitelists the output, and SQL is always parameterized.',
    stops: 'mass assignment (BOPLA) and SQL injection',
    verify: 'Schemas forbid extra fields and no f-string SQL reaches text() or execute().',
    severity: 'critical',
    references: [...asvs('15.3.1', '15.3.3', '2.2.1', '1.2.4')],
  },
]);

const WEB_CONTROLS = family('WEB', [
  {
    id: 'WEB-01',
    title: "Mark data access and server modules with import 'server-only'",
    summary: "Import 'server-only' in the data access layer and other server modules (it is also fine in 'use server' files).",
    stops: 'server code and secrets ending up in the client bundle',
    verify: "Every file under data/ and lib/server/ imports 'server-only'.",
    severity: 'high',
    references: [NEXT_DATA_SECURITY],
  },
  {
    id: 'WEB-02',
    title: 'Route all data and secret access through a data access layer',
    summary:
      'Only the data access layer (DAL) touches the database, the API and secret process.env values. It authorizes inside and returns minimal DTOs.',
    stops: 'over-exposure of data through RSC props',
    verify: 'Secret process.env reads occur only in the DAL and no client file imports data/.',
    severity: 'high',
    references: [NEXT_DATA_SECURITY],
  },
  {
    id: 'WEB-03',
    title: 'Never put secrets in NEXT_PUBLIC_ variables',
    summary: 'NEXT_PUBLIC_ variables are inlined into the client bundle at build time, so they never hold secrets.',
    stops: 'secret exposure in the client bundle',
    verify: 'No NEXT_PUBLIC_ key matches SECRET, TOKEN, KEY or PASSWORD.',
    severity: 'critical',
    references: [NEXT_DATA_SECURITY],
  },
  {
    id: 'WEB-04',
    title: 'Send a per-request nonce CSP from proxy.ts',
    summary:
      "proxy.ts sets a per-request nonce CSP on the request and the response: script-src 'self' 'nonce-...' 'strict-dynamic', object-src 'none', base-uri 'self', form-action 'self', frame-ancestors 'none' and a report-to directive. unsafe-eval is allowed only in development and nonce pages render dynamically (await connection()).",
    stops: 'XSS and clickjacking',
    verify:
      "proxy.ts exports proxy, there is no middleware.ts, script-src has no 'unsafe-inline', and in a production build the home page contains at least one nonce= attribute.",
    severity: 'high',
    references: [
      doc('Next.js Content Security Policy guide', `${NEXT}/app/guides/content-security-policy`),
      ...asvs('3.4.3', '3.4.6', '3.4.7'),
    ],
  },
  {
    id: 'WEB-05',
    title: 'Keep proxy checks optimistic and re-verify authorization in the DAL',
    summary:
      'The proxy performs optimistic checks only. Pages, route handlers and Server Actions re-verify authentication and authorization in the DAL.',
    stops: 'the middleware-bypass class of vulnerabilities (CVE-2025-29927)',
    verify: 'Every route.ts handler and every Server Action calls the auth helper.',
    severity: 'critical',
    references: [doc('Next.js Authentication guide', `${NEXT}/app/guides/authentication`), NEXT_DATA_SECURITY],
  },
  {
    id: 'WEB-06',
    title: 'Set security headers on every route and disable X-Powered-By',
    summary:
      'headers() on /(.*) sets HSTS, nosniff, Referrer-Policy: strict-origin-when-cross-origin, Permissions-Policy and COOP, and poweredByHeader is false.',
    stops: 'fingerprinting and referrer or cross-origin leaks',
    verify: 'next.config has the header entries and poweredByHeader: false.',
    severity: 'medium',
    references: [
      doc('Next.js poweredByHeader', `${NEXT}/app/api-reference/config/next-config-js/poweredByHeader`),
      ...asvs('3.4.1', '3.4.4', '3.4.5', '3.4.8', '13.4.6'),
    ],
  },
  {
    id: 'WEB-07',
    title: 'Authenticate, authorize and validate inside every Server Action',
    summary:
      'Each Server Action authenticates, authorizes ownership, validates all input with zod including [param] and searchParams values, and returns minimal data. Page-level checks do not cover actions.',
    stops: 'direct POSTs to Server Actions and IDOR',
    verify: "AST check: every exported 'use server' function calls the auth helper and a schema parse first.",
    severity: 'critical',
    references: [NEXT_DATA_SECURITY],
  },
  {
    id: 'WEB-08',
    title: 'Restrict Server Action origins and set an explicit body size limit',
    summary:
      'serverActions.allowedOrigins lists only known proxy hosts (no bare * or **) and bodySizeLimit is explicit. SameSite cookies are still needed.',
    stops: 'CSRF against Server Actions and oversized-body denial of service',
    verify: 'No allowedOrigins entry is a bare wildcard.',
    severity: 'high',
    references: [doc('Next.js serverActions config', `${NEXT}/app/api-reference/config/next-config-js/serverActions`)],
  },
  {
    id: 'WEB-09',
    title: 'Load the Server Actions encryption key from the secret store',
    summary:
      'When running more than one instance, provide NEXT_SERVER_ACTIONS_ENCRYPTION_KEY from the secret store and rotate it.',
    stops: 'encryption key mismatch across instances and exposure of the key',
    verify: 'The key is delivered as a compose secret.',
    severity: 'medium',
    references: [NEXT_DATA_SECURITY],
  },
  {
    id: 'WEB-10',
    title: 'Authenticate each route handler and verify Origin on cookie mutations',
    summary:
      'Every route handler authenticates on its own, and cookie-authenticated mutations verify the Origin header because route handlers have no built-in CSRF protection.',
    stops: 'CSRF against route.ts handlers',
    verify: 'Mutating route handlers call the origin check.',
    severity: 'high',
    references: [doc('Lucia: Next.js cookies'), ...asvs('3.5.1', '3.5.3')],
  },
  {
    id: 'WEB-11',
    title: 'Use __Host- session cookies that are Secure, HttpOnly and SameSite',
    summary:
      'The session cookie uses the __Host- prefix, Secure, HttpOnly, SameSite=Lax or Strict, Path=/, no Domain and a bounded maxAge.',
    stops: 'session theft, subdomain cookie overwrite and CSRF',
    verify: 'Every cookies().set( call complies.',
    severity: 'high',
    references: [...asvs('3.3.1', '3.3.2', '3.3.3', '3.3.4')],
  },
  {
    id: 'WEB-12',
    title: 'Keep tokens out of web storage and client components',
    summary:
      'Never store tokens in web storage and never send the API token to client components (backend-for-frontend pattern).',
    stops: 'token exfiltration through XSS',
    verify: 'No localStorage.setItem call stores a token key.',
    severity: 'high',
    references: [...asvs('14.3.3')],
  },
  {
    id: 'WEB-13',
    title: 'Keep per-user data out of shared caches',
    summary:
      "DAL fetches use cache: 'no-store', no cookies() or headers() call sits inside 'use cache' (that is an error; 'use cache: private' is experimental), and per-user responses send Cache-Control: private, no-store.",
    stops: 'cross-user data leaks through the data cache, ISR or a CDN',
    verify: "No 'use cache' directive appears in a module that imports the session.",
    severity: 'high',
    references: [
      doc('Next.js: next-request-in-use-cache', `${NEXT}/messages/next-request-in-use-cache`),
      doc("Next.js: 'use cache: private'", `${NEXT}/app/api-reference/directives/use-cache-private`),
      ...asvs('14.2.2'),
    ],
  },
  {
    id: 'WEB-14',
    title: 'Enable React taint APIs for tokens and raw rows',
    summary:
      'Set experimental.taint: true and taint tokens with taintUniqueValue and raw database rows with taintObjectReference.',
    stops: 'accidental serialization of secrets and raw records to the client',
    verify: 'The flag is set and the DAL calls the taint APIs.',
    severity: 'medium',
    references: [NEXT_DATA_SECURITY],
  },
  {
    id: 'WEB-15',
    title: 'Require patched next and react versions',
    summary:
      'Keep next and react at or above the versions that fix CVE-2025-55182 (next 16.0.7 or 15.5.7, react 19.2.1, 19.1.2 or 19.0.1) and CVE-2025-29927 (next 15.2.3).',
    stops: 'RSC remote code execution and middleware authorization bypass',
    verify: 'A lockfile semver gate fails on vulnerable next or react versions.',
    severity: 'critical',
    references: [cve('CVE-2025-55182'), cve('CVE-2025-29927')],
  },
]);

const DB_CONTROLS = family('DB', [
  {
    id: 'DB-01',
    title: 'Keep the app role non-owner, non-superuser and without BYPASSRLS',
    summary:
      'A NOLOGIN app_owner role owns all objects and app_migrator (a member of app_owner) is used only by the migration job. app_user is NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE and is neither the owner nor a member of it.',
    stops: 'owners, superusers and BYPASSRLS roles silently skipping RLS',
    verify:
      "In pg_roles app_user has rolsuper = false and rolbypassrls = false, and pg_has_role('app_user', 'app_owner', 'MEMBER') is false.",
    severity: 'critical',
    references: [PG_RLS, doc('PostgreSQL wiki: RLS Options', 'https://wiki.postgresql.org/wiki/RLS_Options')],
  },
  {
    id: 'DB-02',
    title: 'Revoke PUBLIC privileges on the database and the public schema',
    summary:
      'REVOKE ALL ON DATABASE ... FROM PUBLIC and REVOKE CREATE ON SCHEMA public FROM PUBLIC (explicitly, for upgraded clusters). Keep objects in schema app with explicit default privileges.',
    stops: 'object shadowing through the public schema (CVE-2018-1058)',
    verify: "has_schema_privilege('app_user', 'public', 'CREATE') is false.",
    severity: 'high',
    references: [
      doc('PostgreSQL: Schemas (secure usage pattern)', `${PG}/ddl-schemas.html`),
      cve('CVE-2018-1058'),
    ],
  },
  {
    id: 'DB-03',
    title: 'Enable and force row-level security on every app table',
    summary: 'ENABLE and FORCE ROW LEVEL SECURITY on every table in schema app.',
    stops: 'forgotten WHERE clauses and owner bypass of RLS',
    verify:
      'Zero pg_class rows in schema app (relkind r or p) lack relrowsecurity and relforcerowsecurity.',
    severity: 'critical',
    references: [PG_RLS, ...asvs('8.4.1')],
  },
  {
    id: 'DB-04',
    title: 'Write default-deny tenant policies with USING and WITH CHECK',
    summary:
      "Policies use USING and WITH CHECK (tenant_id = current_setting('app.tenant_id', true)::uuid), so an unset tenant yields NULL and zero rows. Never allow access when the setting is unset.",
    stops: 'cross-tenant reads and writes',
    verify:
      'Every RLS table has policies in pg_policies, and a test without a tenant sees zero rows and cannot insert.',
    severity: 'critical',
    references: [PG_RLS],
  },
  {
    id: 'DB-05',
    title: 'Set the tenant with SET LOCAL inside each request transaction',
    summary:
      "Set the tenant with SET LOCAL or set_config('app.tenant_id', $1, true) inside the request transaction. Never use a session-level SET with connection pools or PgBouncer transaction mode.",
    stops: 'tenant context leaking across pooled connections',
    verify:
      'Only is_local = true calls appear, and the next transaction on the same connection sees a NULL tenant.',
    severity: 'critical',
    references: [
      doc('PostgreSQL: System Administration Functions', `${PG}/functions-admin.html`),
      doc('slonik #441'),
      doc('cyoda-go #363'),
    ],
  },
  {
    id: 'DB-06',
    title: 'Pin search_path and revoke PUBLIC EXECUTE on SECURITY DEFINER functions',
    summary:
      'SECURITY DEFINER functions are owned by a NOLOGIN role, SET search_path = pg_catalog, app, pg_temp, and have EXECUTE revoked from PUBLIC.',
    stops: 'search_path hijacking of privileged functions',
    verify: 'Zero pg_proc rows with prosecdef lack a search_path entry in proconfig.',
    severity: 'high',
    references: [doc('PostgreSQL: CREATE FUNCTION (Writing SECURITY DEFINER Functions Safely)', `${PG}/sql-createfunction.html`)],
  },
  {
    id: 'DB-07',
    title: 'Store passwords as SCRAM-SHA-256 only',
    summary: 'Set password_encryption = scram-sha-256 and keep no md5 password verifiers.',
    stops: 'offline cracking of password hashes',
    verify: "Zero pg_authid.rolpassword values start with 'md5'.",
    severity: 'medium',
    references: [doc('PostgreSQL: Password Authentication', `${PG}/auth-password.html`)],
  },
  {
    id: 'DB-08',
    title: 'Allow only hostssl scram-sha-256 entries in pg_hba.conf',
    summary:
      'Network entries in pg_hba.conf are only hostssl ... scram-sha-256, with no trust, password or md5 methods and no plain host entries.',
    stops: 'traffic sniffing and unauthenticated connections',
    verify: 'pg_hba_file_rules has zero non-compliant rows.',
    severity: 'high',
    references: [doc('PostgreSQL: The pg_hba.conf File', `${PG}/auth-pg-hba-conf.html`)],
  },
  {
    id: 'DB-09',
    title: 'Require TLS 1.2 or later on the server and verify-full on clients',
    summary:
      'Set ssl = on and ssl_min_protocol_version to TLSv1.2 or higher, and have clients connect with sslmode=verify-full.',
    stops: 'man-in-the-middle attacks on database connections',
    verify: 'SHOW reports the settings and every DSN uses sslmode=verify-full.',
    severity: 'high',
    references: [
      doc('PostgreSQL: Connections and Authentication settings', `${PG}/runtime-config-connection.html`),
      ...asvs('12.3.1', '12.3.2'),
    ],
  },
  {
    id: 'DB-10',
    title: 'Set statement, idle-transaction and lock timeouts on the app role',
    summary:
      'ALTER ROLE app_user SET statement_timeout, idle_in_transaction_session_timeout and lock_timeout.',
    stops: 'runaway-query and lock-holding denial of service',
    verify: 'pg_roles.rolconfig for app_user holds all three settings.',
    severity: 'medium',
    references: [doc('PostgreSQL: Client Connection Defaults', `${PG}/runtime-config-client.html`)],
  },
  {
    id: 'DB-11',
    title: 'Log connections and use an informative log_line_prefix',
    summary:
      'Enable log_connections (a list in PG18) and log_disconnections, use a log_line_prefix with %m %u %d %r %a, and never set log_statement = all in production.',
    stops: 'a missing connection audit trail and PII in logs',
    verify: 'SHOW reports the logging settings.',
    severity: 'medium',
    references: [doc('PostgreSQL: Error Reporting and Logging', `${PG}/runtime-config-logging.html`)],
  },
  {
    id: 'DB-12',
    title: 'Audit DDL and role changes with pgaudit',
    summary: "Preload pgaudit with pgaudit.log = 'ddl,role', adding write on sensitive tables.",
    stops: 'repudiation of schema and privilege changes',
    verify: 'SHOW pgaudit.log reports ddl and role.',
    severity: 'medium',
    references: [doc('pgaudit README', 'https://github.com/pgaudit/pgaudit')],
  },
  {
    id: 'DB-13',
    title: 'Keep the database on an internal network with no host port',
    summary: 'The database is reachable only on the internal network and publishes no host port (see CTR-13).',
    stops: 'direct attacks on the database from outside the backend network',
    verify: 'The compose db service has no ports.',
    severity: 'high',
    references: [],
    related: ['CTR-13'],
  },
  {
    id: 'DB-14',
    title: 'Read database passwords from secret files and never use defaults',
    summary: 'Use POSTGRES_PASSWORD_FILE=/run/secrets/... and never default credentials.',
    stops: 'database credential leakage',
    verify: 'No literal POSTGRES_PASSWORD= value appears.',
    severity: 'high',
    references: [
      doc('docker-library/postgres: _FILE environment variables', 'https://hub.docker.com/_/postgres'),
      ...asvs('13.2.3', '13.3.1'),
    ],
  },
  {
    id: 'DB-15',
    title: 'Run migrations as a one-shot migrator role and deny DDL to app_user',
    summary: 'Migrations run as app_migrator in a one-shot job, and app_user cannot run DDL.',
    stops: 'RLS policies being dropped after an application compromise',
    verify: "has_schema_privilege('app_user', 'app', 'CREATE') is false.",
    severity: 'high',
    references: [...asvs('13.3.2')],
    related: ['DB-01'],
  },
]);

const CTR_CONTROLS = family('CTR', [
  {
    id: 'CTR-01',
    title: 'Run the final stage as a numeric non-root user',
    summary: 'The final stage sets USER 10001:10001, a numeric non-zero UID and GID.',
    stops: 'processes running as root in the container',
    verify: 'The last USER of the final stage matches ^[1-9]\\d*(:[1-9]\\d*)?$.',
    severity: 'high',
    references: [...cis('4.1'), ...hadolint('DL3002')],
  },
  {
    id: 'CTR-02',
    title: 'Pin base images by digest and never use latest',
    summary: 'Every FROM uses name:tag@sha256:<64 hex> and never the latest tag.',
    stops: 'base image tag drift',
    verify: 'Every external FROM has @sha256:.',
    severity: 'high',
    references: [...hadolint('DL3006', 'DL3007'), ...scorecard('Pinned-Dependencies')],
  },
  {
    id: 'CTR-03',
    title: 'Use multi-stage builds with a minimal runtime image',
    summary:
      "Build in multiple stages with a slim or distroless runtime image, Next.js output: 'standalone', and no compilers in the final stage.",
    stops: 'excess attack surface in the runtime image',
    verify: 'There are at least two FROM lines and no gcc or build-essential in the final stage.',
    severity: 'medium',
    references: [doc('Docker build best practices', 'https://docs.docker.com/build/building/best-practices/')],
  },
  {
    id: 'CTR-04',
    title: 'Pass build secrets only with RUN --mount=type=secret',
    summary: 'Provide build secrets only through RUN --mount=type=secret, never through ARG or ENV.',
    stops: 'secrets persisted in image layers and history',
    verify: 'docker build --check reports nothing.',
    severity: 'high',
    references: [
      {
        kind: 'docker-build-check',
        id: 'SecretsUsedInArgOrEnv',
        url: 'https://docs.docker.com/reference/build-checks/secrets-used-in-arg-or-env/',
      },
      ...cis('4.10'),
    ],
  },
  {
    id: 'CTR-05',
    title: 'Exclude secrets and repository data with .dockerignore',
    summary: '.dockerignore excludes .git, .env*, *.pem, node_modules and tests.',
    stops: 'build-context leakage into images',
    verify: 'The patterns are present in .dockerignore.',
    severity: 'medium',
    references: [...asvs('13.4.1')],
  },
  {
    id: 'CTR-06',
    title: 'Use COPY, exec-form commands, pipefail and pinned packages in Dockerfiles',
    summary:
      'Use COPY instead of ADD, JSON-form CMD and ENTRYPOINT, pipefail, pinned apt, pip and apk packages, and --no-cache-dir.',
    stops: 'remote ADD fetches and unpinned dependencies',
    verify: 'hadolint exits 0.',
    severity: 'medium',
    references: [...hadolint('DL3020', 'DL3025', 'DL4006', 'DL3008', 'DL3013', 'DL3018', 'DL3042'), ...cis('4.9')],
  },
  {
    id: 'CTR-07',
    title: 'Define a health check for every service',
    summary: 'Each image has a HEALTHCHECK or its compose service has a healthcheck.',
    stops: 'silent service failure',
    verify: 'A health check is present (hadolint DL3057 is ignored by default, so enable it).',
    severity: 'low',
    references: [...cis('4.6'), ...hadolint('DL3057')],
  },
  {
    id: 'CTR-08',
    title: 'Run containers with a read-only root filesystem',
    summary: 'Set read_only: true with tmpfs: [/tmp].',
    stops: 'tampering with the container filesystem',
    verify: 'The read_only and tmpfs keys are present.',
    severity: 'medium',
    // CIS Docker Benchmark 5.13 in v1.6/v1.8 (5.12 in v1.1).
    references: [...cis('5.13')],
  },
  {
    id: 'CTR-09',
    title: 'Drop all Linux capabilities',
    summary: 'Set cap_drop: [ALL] with no cap_add, so services listen on ports of 1024 or above.',
    stops: 'abuse of Linux capabilities',
    verify: 'The cap_drop key is present.',
    severity: 'high',
    references: [doc('CIS Docker Benchmark (capabilities item)')],
  },
  {
    id: 'CTR-10',
    title: 'Set no-new-privileges on every service',
    summary: 'Set security_opt: ["no-new-privileges:true"] on every service.',
    stops: 'privilege escalation through setuid binaries',
    verify: 'The security_opt key is present.',
    severity: 'medium',
    // CIS Docker Benchmark 5.26 in v1.6/v1.7 (5.25 in v1.1).
    references: [...cis('5.26'), doc('KICS', 'https://docs.kics.io/')],
  },
  {
    id: 'CTR-11',
    title: 'Never run privileged, mount docker.sock or share host namespaces',
    summary: 'No privileged: true, no docker.sock mount and no network_mode: host or pid: host.',
    stops: 'container escape to the host',
    verify: 'The keys are absent.',
    severity: 'critical',
    references: [doc('CIS Docker Benchmark section 5 (container runtime)')],
  },
  {
    id: 'CTR-12',
    title: 'Deliver runtime secrets as compose secrets, not environment values',
    summary:
      'Declare top-level secrets (file:) and grant them per service; applications read /run/secrets/* or *_FILE variables.',
    stops: 'secret leakage through environment variables (logs, docker inspect)',
    verify: 'No secret-like environment values exist except *_FILE variables.',
    severity: 'high',
    references: [doc('Docker Compose: use secrets', 'https://docs.docker.com/compose/how-tos/use-secrets/')],
  },
  {
    id: 'CTR-13',
    title: 'Segment networks and publish only the edge service',
    summary:
      'Use a frontend network (web to api) and an internal backend network (internal: true, api to db). Only the edge service publishes ports, and development binds 127.0.0.1.',
    stops: 'lateral movement and an exposed database',
    verify: 'The db service has no ports and the backend network is internal.',
    severity: 'high',
    references: [doc('Compose file reference', 'https://docs.docker.com/reference/compose-file/')],
  },
  {
    id: 'CTR-14',
    title: 'Set resource and PID limits on every service',
    summary: 'Set deploy.resources.limits and pids_limit on every service.',
    stops: 'resource exhaustion',
    verify: 'The keys are present.',
    severity: 'medium',
    references: [doc('CIS Docker Benchmark (resource limit items)')],
  },
  {
    id: 'CTR-15',
    title: 'Deploy images by the digest that was scanned and attested',
    summary: 'Deploy only by the digest of the image that was scanned and attested (CI-10, CI-12).',
    stops: 'running untrusted or unscanned images',
    verify: 'Deployment image references use @sha256:.',
    severity: 'high',
    references: [],
    related: ['CI-10', 'CI-12'],
  },
]);

const CI_CONTROLS = family('CI', [
  {
    id: 'CI-01',
    title: 'Default workflow token permissions to read-only',
    summary:
      'Set top-level permissions: {} or contents: read, grant write permissions per job, and never use write-all.',
    stops: 'GITHUB_TOKEN abuse',
    verify: 'A YAML rule over every workflow.',
    severity: 'high',
    references: [...scorecard('Token-Permissions'), ...zizmor('excessive-permissions')],
  },
  {
    id: 'CI-02',
    title: 'Pin every action by full commit SHA and job images by digest',
    summary:
      'Every remote uses: is pinned as @<40 hex> # vX and job container images by digest, and the organization SHA-pinning policy is enabled.',
    stops: 'hijacked action tags',
    verify: 'Every remote uses: matches @[0-9a-f]{40}\\b.',
    severity: 'high',
    references: [
      doc('GitHub Actions: Secure use reference', 'https://docs.github.com/en/actions/reference/security/secure-use'),
      ...codeql('actions/unpinned-tag'),
      ...scorecard('Pinned-Dependencies'),
      ...zizmor('unpinned-uses', 'unpinned-images', 'impostor-commit'),
    ],
  },
  {
    id: 'CI-03',
    title: 'Check out with persist-credentials: false',
    summary: 'Every actions/checkout step sets persist-credentials: false.',
    stops: 'the token persisting in .git/config or in uploaded artifacts',
    verify: 'Every checkout step sets persist-credentials: false.',
    severity: 'medium',
    references: [...zizmor('artipacked')],
  },
  {
    id: 'CI-04',
    title: 'Never run pull request code under pull_request_target or workflow_run',
    summary: 'No pull_request_target or workflow_run workflow runs code from the pull request.',
    stops: 'pwn-request attacks',
    verify: 'No checkout of pull_request.head.* in those workflows.',
    severity: 'critical',
    references: [...scorecard('Dangerous-Workflow'), ...zizmor('dangerous-triggers')],
  },
  {
    id: 'CI-05',
    title: 'Pass untrusted event data through env, never inline in scripts',
    summary:
      'Never interpolate ${{ github.event.* }}, head_ref or inputs.* into run: or script: (use env: and "$VAR" instead), and never write untrusted data to GITHUB_ENV or GITHUB_PATH.',
    stops: 'script injection',
    verify: 'A regex over run blocks finds no untrusted expressions.',
    severity: 'critical',
    references: [
      doc('GitHub Actions: Script injections', 'https://docs.github.com/en/actions/concepts/security/script-injections'),
      ...codeql('actions/code-injection'),
      ...zizmor('template-injection', 'github-env'),
    ],
  },
  {
    id: 'CI-06',
    title: 'Use OIDC for cloud access with a pinned subject and audience',
    summary:
      'Use OIDC only, with id-token: write only in the deploy job and a cloud trust policy pinning sub (repo:O/R:environment:production) and aud. Authenticate with aws-actions/configure-aws-credentials role-to-assume, google-github-actions/auth workload_identity_provider or azure/login client-id, tenant-id and subscription-id.',
    stops: 'theft of static cloud keys',
    verify: 'id-token: write appears only in jobs with environment:, and no cloud key secrets exist.',
    severity: 'high',
    references: [doc('GitHub Actions: OpenID Connect reference', 'https://docs.github.com/en/actions/reference/security/oidc')],
  },
  {
    id: 'CI-07',
    title: 'Gate deploys behind a protected environment with required reviewers',
    summary:
      'The deploy job uses an environment: with required reviewers that allows only the default branch, and secrets are scoped to that environment.',
    stops: 'unreviewed deployments',
    verify: 'The deploy job has an environment.',
    severity: 'high',
    references: [...zizmor('secrets-outside-env')],
  },
  {
    id: 'CI-08',
    title: 'Never pass all secrets to jobs or reusable workflows',
    summary: 'Use no secrets: inherit and no toJSON(secrets).',
    stops: 'oversharing of secrets',
    verify: 'grep finds neither construct.',
    severity: 'medium',
    references: [...zizmor('secrets-inherit', 'overprovisioned-secrets')],
  },
  {
    id: 'CI-09',
    title: 'Run CodeQL for Python, JavaScript/TypeScript and Actions',
    summary: 'Run CodeQL code scanning for python, javascript-typescript and actions.',
    stops: 'code vulnerabilities reaching the default branch',
    verify: 'A CodeQL init step is present.',
    severity: 'medium',
    references: [...scorecard('SAST')],
  },
  {
    id: 'CI-10',
    title: 'Gate pull requests on dependency review, secret scanning and image scans',
    summary:
      'Pull requests are gated by actions/dependency-review-action (fail-on-severity: high), gitleaks plus GitHub push protection, and a trivy image and config scan that fails on fixed CRITICAL/HIGH findings and uploads SARIF.',
    stops: 'vulnerable dependencies, leaked secrets and image CVEs',
    verify: 'The steps are present and fail with non-zero exit codes.',
    severity: 'high',
    references: [
      doc('actions/dependency-review-action README', 'https://github.com/actions/dependency-review-action'),
      doc('gitleaks-action README', 'https://github.com/gitleaks/gitleaks-action'),
      doc('trivy-action README', 'https://github.com/aquasecurity/trivy-action'),
    ],
  },
  {
    id: 'CI-11',
    title: 'Generate an SBOM for every image',
    summary: 'Produce an SPDX or CycloneDX SBOM for every image.',
    stops: 'unknown components in shipped images',
    verify: 'An SBOM artifact is produced.',
    severity: 'low',
    references: [...asvs('15.1.2'), ...scorecard('SBOM')],
  },
  {
    id: 'CI-12',
    title: 'Attest build provenance and verify it before deploy',
    summary:
      'Use actions/attest-build-provenance (id-token: write, attestations: write, and packages: write when pushing) and run gh attestation verify before deploying.',
    stops: 'tampered artifacts',
    verify: 'Attest and verify steps are present.',
    severity: 'high',
    references: [
      doc('actions/attest-build-provenance README', 'https://github.com/actions/attest-build-provenance'),
      ...scorecard('Signed-Releases'),
    ],
  },
  {
    id: 'CI-13',
    title: 'Configure Dependabot for every ecosystem with a cooldown',
    summary: 'dependabot.yml covers github-actions, npm, pip/uv and docker (plus compose), each with a cooldown.',
    stops: 'stale dependencies and day-zero malicious releases',
    verify: 'All ecosystems are listed with a cooldown.',
    severity: 'medium',
    references: [...scorecard('Dependency-Update-Tool'), ...zizmor('dependabot-cooldown')],
  },
  {
    id: 'CI-14',
    title: 'Harden runners and block unexpected egress',
    summary:
      'step-security/harden-runner is the first step of every job, moving from audit mode to egress-policy: block with allowed-endpoints.',
    stops: 'exfiltration from CI runners',
    verify: 'harden-runner is the first step.',
    severity: 'medium',
    references: [doc('StepSecurity Harden-Runner docs', 'https://docs.stepsecurity.io/')],
  },
  {
    id: 'CI-15',
    title: 'Protect the default branch with rulesets and code owners',
    summary:
      'Rulesets require reviews (CODEOWNERS on .github/workflows, Dockerfiles and db/), required status checks and no force pushes.',
    stops: 'direct malicious pushes',
    verify: 'Checked through the GitHub API.',
    severity: 'high',
    references: [...scorecard('Branch-Protection', 'Code-Review')],
  },
  {
    id: 'CI-16',
    title: 'Install dependencies and tools only from lockfiles',
    summary: 'Install from lockfiles (npm ci, uv sync --locked or --require-hashes) with no ad-hoc installs.',
    stops: 'tool and dependency supply-chain attacks in CI',
    verify: 'grep over run steps finds no ad-hoc installs.',
    severity: 'medium',
    references: [...zizmor('adhoc-packages', 'unpinned-tools')],
  },
  {
    id: 'CI-17',
    title: 'Gate on zizmor, hadolint and actionlint and publish SECURITY.md',
    summary:
      'zizmor (with SARIF), hadolint and actionlint run as gates, SECURITY.md exists, and the Scorecard action runs weekly.',
    stops: 'security regressions and a missing disclosure path',
    verify: 'The steps and files are present.',
    severity: 'medium',
    references: [doc('zizmor docs', 'https://docs.zizmor.sh/'), ...scorecard('Security-Policy')],
  },
]);

const OPS_CONTROLS = family('OPS', [
  {
    id: 'OPS-01',
    title: 'Emit structured security events with a fixed schema',
    layer: 'api',
    summary:
      'Security events are JSON with ts (UTC ISO-8601), service, env, event (OWASP vocabulary: authn_login_fail[_max], authn_token_reuse, authz_fail, authz_admin, excess_rate_limit_exceeded, input_validation_fail), level, request_id or trace_id, sub (or a pseudonym), tenant_id, client_ip (from trusted proxies only), user_agent, method, route, resource_id, outcome and reason (expired, bad_signature, bad_aud, bad_iss, unknown_kid, alg_not_allowed, scope_missing, tenant_mismatch). Of a token only kid and jti are logged.',
    stops: 'authentication and authorization attacks going unrecorded (repudiation)',
    verify: 'Every 401 and 403 path emits a schema-valid event.',
    severity: 'medium',
    references: [
      doc('OWASP Logging Vocabulary Cheat Sheet', 'https://cheatsheetseries.owasp.org/cheatsheets/Logging_Vocabulary_Cheat_Sheet.html'),
      ...asvs('16.2.1', '16.2.2', '16.3.1', '16.3.2', '16.3.3'),
    ],
  },
  {
    id: 'OPS-02',
    title: 'Never log credentials, tokens, session IDs or full PII',
    layer: 'api',
    summary:
      'Never log passwords, access, refresh or ID tokens, Authorization, Cookie or Set-Cookie headers, session IDs, API keys, DSNs, keys, authentication request bodies, or full PII and card data.',
    stops: 'credential and personal data leakage through logs',
    verify: 'A redaction test plus a secret scan of sample logs.',
    severity: 'high',
    references: [
      doc('OWASP Logging Cheat Sheet', 'https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html'),
      ...asvs('16.2.5'),
    ],
  },
  {
    id: 'OPS-03',
    title: 'Ship logs off-host, append-only, injection-safe and time-synced',
    layer: 'containers',
    summary:
      'Encode log entries so they cannot be injected into, ship them off the host, retain them append-only, and synchronize clocks with NTP.',
    stops: 'log tampering, deletion and injection, and unusable timelines',
    verify: 'A logging driver is configured.',
    severity: 'medium',
    references: [...asvs('16.4.1', '16.4.2', '16.4.3', '16.2.2')],
  },
  {
    id: 'OPS-04',
    title: 'Collect CSP violation reports and alert on spikes',
    layer: 'web',
    summary: 'The CSP report-to directive points at a rate-limited collector that alerts on spikes.',
    stops: 'unnoticed XSS attempts and CSP regressions',
    verify: 'The CSP has a report directive.',
    severity: 'low',
    references: [...asvs('3.4.7')],
  },
  {
    id: 'OPS-05',
    title: 'Define starting alert thresholds for security events',
    summary:
      'Starting thresholds (heuristics, unconfirmed): 10 or more authentication failures per IP in 5 minutes; 5 or more per account in 15 minutes; any burst (more than 3 in 5 minutes) of bad_signature, alg_not_allowed or unknown_kid pages someone; authz_fail 20 or more per subject in 5 minutes; 5 or more rate-limit events per IP in 15 minutes; CSP reports at 5 times baseline; any RLS or permission denied error from app_user; 5xx above 2% over 5 minutes. Any workflow file change or unapproved deploy also alerts.',
    stops: 'attacks that are logged but never noticed',
    verify: 'An alert rules file is present.',
    severity: 'medium',
    // The row also cites "ASVS 16.3.x", which is a section rather than a requirement id.
    references: [...asvs('6.3.5'), doc('OWASP ASVS 5.0 section V16.3')],
  },
  {
    id: 'OPS-06',
    title: 'Maintain an incident runbook with containment steps for every layer',
    summary:
      'INCIDENT_RUNBOOK.md covers roles and contacts, a severity matrix, detection sources, triage, containment per layer (revoke IdP sessions; rotate the JWKS key, DB credentials, NEXT_SERVER_ACTIONS_ENCRYPTION_KEY, GitHub tokens and OIDC trust; disable workflows; block IPs), eradication, recovery from an attested digest, evidence preservation, communications with breach-notification clocks, and post-incident review.',
    stops: 'slow or improvised containment and lost evidence after a compromise',
    verify: 'INCIDENT_RUNBOOK.md has the required headings.',
    severity: 'medium',
    references: [doc('NIST SP 800-61r3'), ...asvs('13.1.4')],
  },
  {
    id: 'OPS-07',
    title: 'Publish /.well-known/security.txt as specified by RFC 9116',
    summary:
      'Serve /.well-known/security.txt (RFC 9116) over HTTPS as text/plain with the required Contact and Expires fields, and optionally Encryption, Policy, Preferred-Languages, Canonical, Acknowledgments, Hiring and CSAF.',
    stops: 'vulnerability reporters having no disclosure channel',
    verify: 'The file exists and Expires is in the future and at most 366 days away.',
    severity: 'low',
    references: [rfc(9116)],
  },
  {
    id: 'OPS-08',
    title: 'Keep a secrets inventory, a rotation schedule and CVE-fix SLAs',
    // Seed §8 "verify before release: confirm secrets and runtime configs match policy".
    seedSection: 8,
    summary: 'Keep an inventory of secrets with a rotation schedule, and set service-level deadlines for fixing CVEs.',
    stops: 'forgotten long-lived secrets and unpatched vulnerabilities',
    verify: 'SECRETS.md or SECURITY.md documents the inventory, the schedule and the SLAs.',
    severity: 'medium',
    references: [...asvs('13.1.4', '13.3.4', '15.1.1')],
  },
]);

/** The whole catalog, in catalog order: API, WEB, DB, CTR, CI, OPS. */
export const CONTROLS: readonly Control[] = Object.freeze([
  ...API_CONTROLS,
  ...WEB_CONTROLS,
  ...DB_CONTROLS,
  ...CTR_CONTROLS,
  ...CI_CONTROLS,
  ...OPS_CONTROLS,
]);

const BY_ID: ReadonlyMap<string, Control> = new Map(CONTROLS.map((c) => [c.id, c]));

/** The control with this ID (exact, e.g. 'API-01'), or undefined. */
export function getControl(id: string): Control | undefined {
  return BY_ID.get(id);
}

/** Controls implemented by any of the given layers, in catalog order. */
export function controlsForLayers(layers: readonly LayerId[]): Control[] {
  const wanted = new Set<LayerId>(layers);
  return CONTROLS.filter((c) => wanted.has(c.layer));
}
