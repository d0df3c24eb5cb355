/**
 * Next.js family: inline true positives and negatives per control (also good patterns written unlike our
 * templates), robustness, the generated stack, one mutation per control of its web app, and a typical
 * open-source Next.js app written without this tool.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSecretName, nextjsFamily } from '../../src/check/checks/nextjs.js';
import { isCatchAll, parseByteSize } from '../../src/check/checks/nextjs/config.js';
import { developmentPolarity } from '../../src/check/checks/nextjs/evaluate.js';
import { nameWords } from '../../src/check/checks/nextjs/facts.js';
import { checkRepository } from '../../src/check/run.js';
import { removeDir } from '../support/cli.js';
import { generateProject } from '../support/project.js';
import { TYPICAL_APP, TYPICAL_APP_FINDINGS } from './fixtures/nextjs/typical-app.js';
import { lineOf, writeRepo } from './helpers.js';
import { mutator } from './mutation.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

const PACKAGE = '{ "name": "app", "private": true, "dependencies": { "next": "16.0.7", "react": "19.2.1" } }\n';

function run(files: Record<string, string>) {
  const dir = writeRepo(files);
  dirs.push(dir);
  return checkRepository(dir, [nextjsFamily]);
}

/** [file, line, column] of one control's findings in a Next.js app made of `files` (package.json added). */
function check(files: Record<string, string>, controlId: string) {
  return run({ 'package.json': PACKAGE, ...files })
    .findings.filter((f) => f.controlId === controlId)
    .map((f) => [f.file, f.line, f.column]);
}

function severities(files: Record<string, string>, controlId: string) {
  return run({ 'package.json': PACKAGE, ...files })
    .findings.filter((f) => f.controlId === controlId)
    .map((f) => f.severity);
}

describe('which files', () => {
  it('selects sources, manifests and env files, not tests, declarations or build output', () => {
    for (const yes of ['app/page.tsx', 'web/lib/server/db.ts', 'next.config.mjs', 'src/proxy.js', 'a/package.json', 'tsconfig.json', '.env.local', 'web/.env.example']) expect(nextjsFamily.selects(yes), yes).toBe(true);
    for (const no of ['types/next-env.d.ts', 'app/page.test.tsx', '__tests__/a.ts', 'test/x.ts', 'public/sw.js', 'lib/a.spec.ts', 'README.md', 'app/globals.css', 'vendor/x.min.js']) expect(nextjsFamily.selects(no), no).toBe(false);
  });
  it('checks only inside a Next.js app: package.json depending on next, or a next.config', () => {
    const secretRead = 'export const key = process.env.STRIPE_SECRET_KEY;\n';
    expect(run({ 'package.json': '{ "dependencies": { "express": "5" } }', 'lib/a.ts': secretRead }).findings).toEqual([]);
    expect(run({ 'web/next.config.js': 'module.exports = { poweredByHeader: false };\n', 'web/lib/a.ts': secretRead, 'tools/b.ts': secretRead }).findings.filter((f) => f.controlId === 'WEB-02').map((f) => f.file)).toEqual(['web/lib/a.ts']);
  });
});

describe('heuristics', () => {
  it('secret-like names, catch-all header sources, byte sizes and development conditions', () => {
    expect(['NEXT_PUBLIC_API_KEY', 'NEXT_PUBLIC_GITHUB_TOKEN', 'NEXT_PUBLIC_DB_PASSWORD', 'STRIPE_SECRET_KEY', 'NEXT_PUBLIC_PRIVATE_KEY_PEM'].filter(isSecretName)).toHaveLength(5);
    expect(['NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY', 'NEXT_PUBLIC_SUPABASE_ANON_KEY', 'NEXT_PUBLIC_VAPID_PUBLIC_KEY', 'NEXT_PUBLIC_KEYCLOAK_URL', 'NEXT_PUBLIC_APP_URL'].filter(isSecretName)).toEqual([]);
    expect(['/(.*)', '/:path*', '/:slug(.*)', '/((?!api|_next/static).*)'].every(isCatchAll)).toBe(true);
    expect(['/api/:path*', '/', '/about'].some(isCatchAll)).toBe(false);
    expect([parseByteSize('100kb'), parseByteSize('2 MB'), parseByteSize('512'), parseByteSize('lots')]).toEqual([102_400, 2_097_152, 512, undefined]);
    expect(["process.env.NODE_ENV==='development'", "process.env.NODE_ENV!=='production'", 'isDev', 'dev', 'phase===PHASE_DEVELOPMENT_SERVER'].map(developmentPolarity)).toEqual([1, 1, 1, 1, 1]);
    expect(["process.env.NODE_ENV==='production'", 'isProd', 'development.length>0', 'enabled'].map(developmentPolarity)).toEqual([-1, -1, 0, 0]);
    expect(['isSameOriginRequest', 'validateCSRFToken', 'getOriginalFile'].map(nameWords)).toEqual([['is', 'same', 'origin', 'request'], ['validate', 'csrf', 'token'], ['get', 'original', 'file']]);
  });
});

describe('WEB-01 server-only in the data access layer', () => {
  it("flags DAL modules without import 'server-only' and modules importing a database client", () => {
    expect(check({ 'lib/server/db.ts': 'export const x = 1;\n' }, 'WEB-01')).toEqual([['lib/server/db.ts', 1, 1]]);
    expect(check({ 'src/data/users.ts': '// Users.\n\nexport async function getUser() {}\n' }, 'WEB-01')).toEqual([['src/data/users.ts', 3, 1]]);
    expect(check({ 'lib/queries.server.ts': 'export {};\n' }, 'WEB-01')).toEqual([['lib/queries.server.ts', 1, 1]]);
    expect(check({ 'lib/prisma.ts': "import { z } from 'zod';\nimport { PrismaClient } from '@prisma/client';\nexport const db = new PrismaClient();\n" }, 'WEB-01')).toEqual([['lib/prisma.ts', 2, 1]]);
  });
  it("accepts 'server-only' (any quotes, after directives), 'use server' modules, types, route segments named data, server entries and tooling", () => {
    const files = {
      'lib/server/a.ts': '"use strict";\nimport "server-only";\nexport const a = 1;\n',
      'server/actions.ts': "'use server';\nexport async function act() {}\n",
      'data/types.ts': 'export interface User { id: string }\nexport type Id = string;\n',
      'app/data/page.tsx': 'export default function Page() { return null; }\n',
      'lib/db.ts': "import 'server-only';\nimport { drizzle } from 'drizzle-orm/node-postgres';\nexport const db = drizzle(process.env.DATABASE_URL!);\n",
      'app/api/users/route.ts': "import { PrismaClient } from '@prisma/client';\nexport async function GET() { return Response.json([]); }\n",
      'prisma/seed.ts': "import { PrismaClient } from '@prisma/client';\nnew PrismaClient();\n",
      'drizzle.config.ts': "import postgres from 'postgres';\nexport default {};\n",
    };
    expect(check(files, 'WEB-01')).toEqual([]);
  });
});

describe('WEB-02 secrets and the DAL stay on the server', () => {
  it('flags secret env reads outside the DAL, in client components, destructured or whole', () => {
    expect(check({ 'app/page.tsx': 'export default function Page() {\n  return <p>{process.env.STRIPE_SECRET_KEY}</p>;\n}\n' }, 'WEB-02')).toEqual([['app/page.tsx', 2, 14]]);
    expect(check({ 'components/map.tsx': "'use client';\nexport const Map = () => <div data-key={process.env['MAPS_KEY']} />;\n" }, 'WEB-02')).toEqual([['components/map.tsx', 2, 41]]);
    expect(check({ 'lib/config.ts': 'const { DATABASE_URL, NODE_ENV } = process.env;\nexport const settings = schema.parse(process.env);\n' }, 'WEB-02')).toEqual([
      ['lib/config.ts', 1, 9],
      ['lib/config.ts', 2, 38],
    ]);
  });
  it('flags a client component importing the DAL, a server-only module or a database client', () => {
    const files = {
      'lib/server/session.ts': "import 'server-only';\nexport async function getSession() { return null; }\n",
      'lib/queries.ts': "import 'server-only';\nexport async function listTodos() { return []; }\n",
      'components/nav.tsx': "'use client';\nimport { useState } from 'react';\nimport { getSession } from '@/lib/server/session';\nimport { listTodos } from '../lib/queries';\nimport { sql } from '@vercel/postgres';\nimport type { Session } from '@/data/session';\nexport function Nav() { return null; }\n",
    };
    expect(check(files, 'WEB-02')).toEqual([
      ['components/nav.tsx', 3, 1],
      ['components/nav.tsx', 4, 1],
      ['components/nav.tsx', 5, 1],
    ]);
  });
  it('accepts public and build variables, DAL and server entries, actions imported by clients, t3-env and Pages data functions', () => {
    const files = {
      'components/a.tsx': "'use client';\nimport { save } from './actions';\nexport const A = () => <a href={process.env.NEXT_PUBLIC_SITE_URL}>{process.env.NODE_ENV}</a>;\n",
      'components/actions.ts': "'use server';\nexport async function save() { return process.env.API_TOKEN; }\n",
      'lib/server/env.ts': "import 'server-only';\nexport const token = process.env.API_TOKEN;\n",
      'src/env.mjs': "import { createEnv } from '@t3-oss/env-nextjs';\nexport const env = createEnv({ runtimeEnv: { DATABASE_URL: process.env.DATABASE_URL } });\n",
      'app/api/hook/route.ts': 'export async function POST() { return new Response(process.env.WEBHOOK_SECRET ? null : null); }\n',
      'instrumentation.ts': 'export function register() { if (process.env.NEXT_RUNTIME === "nodejs") process.env.OTEL_KEY; }\n',
      'sentry.server.config.ts': 'export default { dsn: process.env.SENTRY_DSN };\n',
      'pages/account.tsx': 'export default function Account() { return null; }\nexport async function getServerSideProps() {\n  return { props: { plan: process.env.PLAN_SECRET } };\n}\n',
      'next.config.mjs': 'export default { env: {}, poweredByHeader: process.env.POWERED !== "1" };\n',
    };
    expect(check(files, 'WEB-02')).toEqual([]);
  });
});

describe('WEB-03 NEXT_PUBLIC_ secrets', () => {
  it('flags secret-named NEXT_PUBLIC_ variables in .env files, code and next.config env', () => {
    expect(check({ '.env.example': '# keys\nNEXT_PUBLIC_API_KEY=\n  export NEXT_PUBLIC_GITHUB_TOKEN="x"\nNEXT_PUBLIC_SITE_URL=https://example.com\n' }, 'WEB-03')).toEqual([
      ['.env.example', 2, 1],
      ['.env.example', 3, 10],
    ]);
    expect(check({ 'lib/a.ts': "export const a = process.env.NEXT_PUBLIC_DB_PASSWORD ?? '';\n" }, 'WEB-03')).toEqual([['lib/a.ts', 1, 18]]);
    expect(check({ 'next.config.mjs': "const config = {\n  env: {\n    STRIPE_SECRET_KEY: process.env.STRIPE_SECRET_KEY,\n    PUBLIC_URL: 'x',\n  },\n};\nexport default config;\n" }, 'WEB-03')).toEqual([['next.config.mjs', 3, 5]]);
  });
  it('accepts public-by-design names, comments and server variables', () => {
    const env = '# NEXT_PUBLIC_API_KEY=old\nNEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY=pk\nNEXT_PUBLIC_SUPABASE_ANON_KEY=a\nNEXT_PUBLIC_RECAPTCHA_SITE_KEY=s\nNEXT_PUBLIC_VAPID_PUBLIC_KEY=v\nNEXT_PUBLIC_KEYCLOAK_URL=u\nSTRIPE_SECRET_KEY=sk\n';
    expect(check({ '.env': env, 'app/page.tsx': 'export default () => process.env.NEXT_PUBLIC_MONKEY_MODE;\n' }, 'WEB-03')).toEqual([]);
  });
});

// ---- WEB-04 -------------------------------------------------------------------------------------

const GOOD_CONFIG = `/** @type {import('next').NextConfig} */
export default {
  poweredByHeader: false,
  async headers() {
    return [{ source: '/(.*)', headers: [
      { key: 'Strict-Transport-Security', value: 'max-age=63072000; includeSubDomains; preload' },
      { key: 'X-Content-Type-Options', value: 'nosniff' },
      { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
      { key: 'Permissions-Policy', value: 'camera=()' },
      { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
    ] }];
  },
};
`;

/** The Next.js CSP guide's proxy: one template literal, whitespace squeezed, 'unsafe-eval' in development. */
const GUIDE_PROXY = `import { NextResponse } from 'next/server'
import type { NextRequest } from 'next/server'

export function proxy(request: NextRequest) {
  const nonce = Buffer.from(crypto.randomUUID()).toString('base64')
  const isDev = process.env.NODE_ENV === 'development'
  const cspHeader = \`
    default-src 'self';
    script-src 'self' 'nonce-\${nonce}' 'strict-dynamic' \${isDev ? "'unsafe-eval'" : ''};
    style-src 'self' \${isDev ? "'unsafe-inline'" : \`'nonce-\${nonce}'\`};
    img-src 'self' blob: data:;
    object-src 'none';
    base-uri 'self';
    form-action 'self';
    frame-ancestors 'none';
    upgrade-insecure-requests;
    report-to csp;
\`
  const contentSecurityPolicyHeaderValue = cspHeader.replace(/\\s{2,}/g, ' ').trim()
  const requestHeaders = new Headers(request.headers)
  requestHeaders.set('x-nonce', nonce)
  requestHeaders.set('Content-Security-Policy', contentSecurityPolicyHeaderValue)
  const response = NextResponse.next({ request: { headers: requestHeaders } })
  response.headers.set('Content-Security-Policy', contentSecurityPolicyHeaderValue)
  return response
}
`;

/** A policy kept as an object of directives in a helper module, serialised with Object.entries. */
const OBJECT_CSP = `export const CSP_HEADER = 'Content-Security-Policy';

export function buildCsp(nonce: string, { dev = false } = {}) {
  const policy: Record<string, string[]> = {
    'default-src': ["'self'"],
    'script-src': ["'self'", \`'nonce-\${nonce}'\`, "'strict-dynamic'"].concat(dev ? ["'unsafe-eval'"] : []),
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'self'"],
    'report-uri': ['/api/csp'],
  };
  return Object.entries(policy)
    .map(([directive, sources]) => \`\${directive} \${sources.join(' ')}\`)
    .join('; ');
}
`;
const OBJECT_PROXY = `import { NextResponse, type NextRequest } from 'next/server';
import { buildCsp, CSP_HEADER } from './lib/security/csp';

export default function proxy(request: NextRequest) {
  const nonce = btoa(crypto.randomUUID());
  const response = NextResponse.next();
  response.headers.set(CSP_HEADER, buildCsp(nonce, { dev: process.env.NODE_ENV !== 'production' }));
  return response;
}
`;

describe('WEB-04 nonce CSP', () => {
  it("accepts the Next.js guide's proxy and a policy built from an object of directives in another module", () => {
    expect(check({ 'next.config.mjs': GOOD_CONFIG, 'proxy.ts': GUIDE_PROXY }, 'WEB-04')).toEqual([]);
    expect(check({ 'next.config.mjs': GOOD_CONFIG, 'src/proxy.ts': OBJECT_PROXY, 'src/lib/security/csp.ts': OBJECT_CSP }, 'WEB-04')).toEqual([]);
    const placeholder = "const TEMPLATE = \"script-src 'nonce-{NONCE}' 'strict-dynamic'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; report-to r\";\nexport function proxy() {\n  const res = new Response();\n  res.headers.set('content-security-policy', TEMPLATE.replaceAll('{NONCE}', crypto.randomUUID()));\n  return res;\n}\n";
    expect(check({ 'next.config.mjs': GOOD_CONFIG, 'proxy.js': placeholder }, 'WEB-04')).toEqual([]);
  });
  it("flags 'unsafe-eval' outside development, missing strict-dynamic and directives, at the token that is written", () => {
    const prodEval = OBJECT_CSP.replace('.concat(dev ? ["\'unsafe-eval\'"] : [])', '.concat(["\'unsafe-eval\'"])');
    expect(check({ 'next.config.mjs': GOOD_CONFIG, 'src/proxy.ts': OBJECT_PROXY, 'src/lib/security/csp.ts': prodEval }, 'WEB-04')).toEqual([['src/lib/security/csp.ts', 6, 79]]);
    const inline = GUIDE_PROXY.replace("'strict-dynamic' ${", "'strict-dynamic' 'unsafe-inline' ${");
    expect(check({ 'next.config.mjs': GOOD_CONFIG, 'proxy.ts': inline }, 'WEB-04')).toEqual([['proxy.ts', 9, 57]]);
    expect(severities({ 'next.config.mjs': GOOD_CONFIG, 'proxy.ts': inline }, 'WEB-04')).toEqual(['medium']);
    const weak = GUIDE_PROXY.replace(" 'strict-dynamic'", '').replace("    object-src 'none';\n", '').replace("frame-ancestors 'none'", 'frame-ancestors *');
    expect(check({ 'next.config.mjs': GOOD_CONFIG, 'proxy.ts': weak }, 'WEB-04')).toEqual([
      ['proxy.ts', 7, 21],
      ['proxy.ts', 9, 5],
      ['proxy.ts', 14, 5],
    ]);
  });
  it('flags a constant nonce, a static next.config CSP with unsafe-inline, and no CSP at all', () => {
    const constant = GUIDE_PROXY.replace("Buffer.from(crypto.randomUUID()).toString('base64')", "'r4nd0m'");
    expect(check({ 'next.config.mjs': GOOD_CONFIG, 'proxy.ts': constant }, 'WEB-04')).toEqual([['proxy.ts', 9, 23]]);
    const staticCsp = GOOD_CONFIG.replace("{ key: 'X-Content-Type-Options', value: 'nosniff' },", "{ key: 'X-Content-Type-Options', value: 'nosniff' },\n      { key: 'Content-Security-Policy', value: \"default-src 'self'; script-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; report-uri /csp\" },");
    expect(check({ 'next.config.mjs': staticCsp }, 'WEB-04')).toEqual([
      ['next.config.mjs', 8, 69],
      ['next.config.mjs', 8, 87],
    ]);
    expect(severities({ 'next.config.mjs': staticCsp }, 'WEB-04')).toEqual(['high', 'high']);
    expect(check({ 'next.config.mjs': GOOD_CONFIG }, 'WEB-04')).toEqual([['next.config.mjs', 1, 1]]);
    expect(check({ 'app/page.tsx': 'export default () => null;\n' }, 'WEB-04')).toEqual([['package.json', 1, 53]]);
  });
  it('flags middleware.ts on Next.js 16 (not on 15) and a proxy.ts that exports no proxy', () => {
    const renamed = run({ 'package.json': PACKAGE, 'next.config.mjs': GOOD_CONFIG, 'src/middleware.ts': GUIDE_PROXY.replace('function proxy', 'function middleware') }).findings;
    expect(renamed.map((f) => [f.controlId, f.file, f.line, f.column, f.message])).toEqual([
      ['WEB-04', 'src/middleware.ts', 1, 1, 'middleware.ts is deprecated since Next.js 16: rename it to proxy.ts and its export to proxy'],
    ]);
    expect(run({ 'package.json': PACKAGE.replace('16.0.7', '^15.5.7'), 'next.config.mjs': GOOD_CONFIG, 'middleware.ts': GUIDE_PROXY.replace('function proxy', 'function middleware') }).findings).toEqual([]);
    expect(check({ 'next.config.mjs': GOOD_CONFIG, 'proxy.ts': GUIDE_PROXY.replace('export function proxy', 'export function handler') }, 'WEB-04')).toEqual([['proxy.ts', 1, 1]]);
  });
});

// ---- WEB-05 / WEB-10 -------------------------------------------------------------------------------

describe('WEB-05 route handlers authenticate', () => {
  it('flags handlers that reach the database, cookies or secrets without authenticating', () => {
    const files = {
      'lib/db.ts': "import 'server-only';\nimport { PrismaClient } from '@prisma/client';\nexport const db = new PrismaClient();\n",
      'app/api/users/route.ts': "import { db } from '@/lib/db';\n\nexport async function GET() {\n  return Response.json(await db.user.findMany());\n}\n",
      'app/api/me/route.ts': "import { cookies } from 'next/headers';\nconst handler = async () => Response.json({ token: (await cookies()).get('token')?.value });\nexport { handler as GET };\n",
      'app/api/key/route.ts': 'export const GET = () => new Response(process.env.MAPS_SECRET);\n',
    };
    expect(check(files, 'WEB-05')).toEqual([
      ['app/api/key/route.ts', 1, 14],
      ['app/api/me/route.ts', 3, 21],
      ['app/api/users/route.ts', 3, 23],
    ]);
  });
  it('accepts Auth.js, NextAuth v4, wrappers, a DAL that verifies inside, public handlers and sign-in flows', () => {
    const files = {
      'auth.ts': "import NextAuth from 'next-auth';\nexport const { auth, handlers } = NextAuth({ providers: [] });\n",
      'lib/dal.ts': "import 'server-only';\nimport { sql } from '@vercel/postgres';\nimport { auth } from '@/auth';\nexport async function getInvoices() {\n  const session = await auth();\n  if (!session) throw new Error('unauthorized');\n  return sql`select * from invoices where owner = ${session.user.id}`;\n}\n",
      'app/api/invoices/route.ts': "import { getInvoices } from '@/lib/dal';\nexport async function GET() { return Response.json(await getInvoices()); }\n",
      'app/api/v4/route.ts': "import { getServerSession } from 'next-auth';\nimport { cookies } from 'next/headers';\nexport async function GET() {\n  const session = await getServerSession(authOptions);\n  return Response.json({ theme: (await cookies()).get('theme'), session });\n}\n",
      'app/api/wrapped/route.ts': "import { withAuth } from '@/lib/with-auth';\nexport const GET = withAuth(async () => Response.json(process.env.SECRET));\n",
      'app/api/supabase/route.ts': "import { createClient } from '@/utils/supabase/server';\nexport async function GET() {\n  const supabase = await createClient();\n  const { data: { user } } = await supabase.auth.getUser();\n  return Response.json(user);\n}\n",
      'app/api/health/route.ts': "export const dynamic = 'force-dynamic';\nexport function GET() { return Response.json({ ok: true, at: Date.now() }); }\n",
      'app/api/auth/[...nextauth]/route.ts': "export { GET, POST } from '@/auth-handlers';\n",
      'app/api/webhooks/stripe/route.ts': 'export async function POST(req: Request) { return new Response(process.env.STRIPE_WEBHOOK_SECRET ? null : null); }\n',
    };
    expect(check(files, 'WEB-05')).toEqual([]);
  });
});

describe('WEB-10 Origin check on cookie mutations', () => {
  it('flags mutating handlers on a cookie session without an Origin check', () => {
    const files = {
      'app/api/todos/route.ts': "import { auth } from '@/auth';\nexport async function GET() { await auth(); return Response.json([]); }\nexport async function DELETE() {\n  await auth();\n  return new Response(null, { status: 204 });\n}\n",
      'app/api/prefs/route.ts': "import { cookies } from 'next/headers';\nexport const PUT = async () => {\n  (await cookies()).set('theme', 'dark');\n  return new Response(null);\n};\n",
    };
    expect(check(files, 'WEB-10')).toEqual([
      ['app/api/prefs/route.ts', 2, 14],
      ['app/api/todos/route.ts', 3, 23],
    ]);
  });
  it('accepts an Origin or Sec-Fetch-Site check (inline or in a helper), bearer-token APIs and reads', () => {
    const files = {
      'lib/csrf.ts': "export function assertSameOrigin(req: Request) {\n  if (req.headers.get('Origin') !== process.env.APP_URL) throw new Error('csrf');\n}\n",
      'app/api/a/route.ts': "import { auth } from '@/auth';\nimport { assertSameOrigin } from '@/lib/csrf';\nexport async function POST(req: Request) { assertSameOrigin(req); await auth(); return new Response(); }\n",
      'app/api/b/route.ts': "import { getSession } from '@/lib/session';\nexport async function PATCH(req: Request) {\n  if (req.headers.get('sec-fetch-site') !== 'same-origin') return new Response(null, { status: 403 });\n  await getSession();\n  return new Response();\n}\n",
      'app/api/c/route.ts': "import { verifyToken } from '@/lib/jwt';\nexport async function POST(req: Request) {\n  const user = await verifyToken(req.headers.get('authorization'));\n  return Response.json(user);\n}\n",
    };
    expect(check(files, 'WEB-10')).toEqual([]);
  });
});

// ---- WEB-06 / WEB-08 ---------------------------------------------------------------------------------

describe('WEB-06 next.config security headers', () => {
  it('accepts a complete next.config.mjs, a config function, and headers set by the proxy', () => {
    expect(check({ 'next.config.mjs': GOOD_CONFIG }, 'WEB-06')).toEqual([]);
    const fn = "const { PHASE_DEVELOPMENT_SERVER } = require('next/constants');\nconst headers = [{ key: 'Strict-Transport-Security', value: 'max-age=31536000' }, { key: 'X-Content-Type-Options', value: 'nosniff' }, { key: 'Referrer-Policy', value: 'no-referrer' }, { key: 'Permissions-Policy', value: 'camera=()' }, { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' }];\nmodule.exports = (phase) => ({\n  poweredByHeader: phase === PHASE_DEVELOPMENT_SERVER,\n  headers: async () => [{ source: '/:path*', headers }],\n});\n";
    expect(check({ 'next.config.js': fn }, 'WEB-06')).toEqual([]);
    const proxy = "export function proxy() {\n  const res = new Response();\n  res.headers.set('Strict-Transport-Security', 'max-age=63072000');\n  res.headers.set('X-Content-Type-Options', 'nosniff');\n  res.headers.set('Referrer-Policy', 'same-origin');\n  res.headers.set('Permissions-Policy', 'geolocation=()');\n  res.headers.set('Cross-Origin-Opener-Policy', 'same-origin');\n  return res;\n}\n";
    expect(check({ 'next.config.ts': 'export default { poweredByHeader: false };\n', 'proxy.ts': proxy }, 'WEB-06')).toEqual([]);
  });
  it('flags poweredByHeader, missing or weak headers, and an app without next.config', () => {
    const partial = GOOD_CONFIG.replace('  poweredByHeader: false,\n', '').replace("      { key: 'Permissions-Policy', value: 'camera=()' },\n", '').replace('max-age=63072000', 'max-age=86400');
    expect(check({ 'next.config.mjs': partial }, 'WEB-06')).toEqual([
      ['next.config.mjs', 2, 16],
      ['next.config.mjs', 3, 9],
      ['next.config.mjs', 5, 50],
    ]);
    expect(check({ 'next.config.ts': "import type { NextConfig } from 'next';\nconst config: NextConfig = {\n  poweredByHeader: true,\n};\nexport default config;\n" }, 'WEB-06')).toEqual([
      ['next.config.ts', 2, 28],
      ['next.config.ts', 3, 3],
    ]);
    expect(check({ 'app/page.tsx': 'export default () => null;\n' }, 'WEB-06')).toEqual([['package.json', 1, 53]]);
  });
});

describe('WEB-08 Server Actions origins and body size', () => {
  const action = { 'app/actions.ts': "'use server';\nimport { auth } from '@/auth';\nexport async function ping() { await auth(); }\n" };
  it('flags wildcard-only origins, a huge body limit, and no explicit limit when the app has actions', () => {
    const config = "module.exports = {\n  experimental: {\n    serverActions: {\n      allowedOrigins: ['app.example.com', '*', 'https://**'],\n      bodySizeLimit: '50mb',\n    },\n  },\n};\n";
    expect(check({ 'next.config.js': config }, 'WEB-08')).toEqual([
      ['next.config.js', 4, 43],
      ['next.config.js', 4, 48],
      ['next.config.js', 5, 22],
    ]);
    expect(severities({ 'next.config.js': config }, 'WEB-08')).toEqual(['high', 'high', 'medium']);
    expect(check({ 'next.config.js': 'module.exports = {};\n', ...action }, 'WEB-08')).toEqual([['next.config.js', 1, 18]]);
    expect(severities({ 'next.config.js': 'module.exports = {};\n', ...action }, 'WEB-08')).toEqual(['low']);
  });
  it('accepts exact hosts with a limit, and no serverActions setting in an app without actions', () => {
    expect(check({ 'next.config.ts': "export default { serverActions: { allowedOrigins: ['my-proxy.com', '*.my-proxy.com'], bodySizeLimit: 2 * 1024 * 1024 } };\n", ...action }, 'WEB-08')).toEqual([]);
    expect(check({ 'next.config.ts': 'export default {};\n' }, 'WEB-08')).toEqual([]);
  });
});

// ---- WEB-07 ------------------------------------------------------------------------------------------

describe('WEB-07 Server Actions authenticate and validate', () => {
  it('flags actions without authentication, without validation, or touching the database first', () => {
    const files = {
      'lib/db.ts': "import 'server-only';\nimport { drizzle } from 'drizzle-orm/vercel-postgres';\nexport const db = drizzle();\n",
      'app/posts/actions.ts': "'use server';\nimport { db } from '@/lib/db';\nimport { auth } from '@/auth';\n\nexport async function deletePost(id: string) {\n  await db.delete(posts).where(eq(posts.id, id));\n}\n\nexport const publish = async (formData: FormData) => {\n  const post = await db.query.posts.findFirst();\n  const session = await auth();\n  return schema.parse({ post, session });\n};\n",
    };
    expect(check(files, 'WEB-07')).toEqual([
      ['app/posts/actions.ts', 5, 23],
      ['app/posts/actions.ts', 9, 14],
    ]);
  });
  it("flags an inline 'use server' function in a component that does not validate", () => {
    const page = "import { auth } from '@/auth';\nexport default function Page() {\n  async function rename(formData: FormData) {\n    'use server';\n    await auth();\n    await save(formData.get('name'));\n  }\n  return <form action={rename} />;\n}\n";
    expect(check({ 'app/page.tsx': page }, 'WEB-07')).toEqual([['app/page.tsx', 3, 18]]);
  });
  it('accepts authentication and validation, also through a DAL function that receives the input, and sign-in actions', () => {
    const files = {
      'lib/server/todos.ts': "import 'server-only';\nimport { z } from 'zod';\nconst input = z.object({ title: z.string().max(100) });\nexport async function addTodo(raw: unknown) {\n  const { title } = input.parse(raw);\n  return title;\n}\n",
      'app/todos/actions.ts': "'use server';\nimport { currentUser } from '@clerk/nextjs/server';\nimport { addTodo } from '@/lib/server/todos';\nexport async function add(formData: FormData) {\n  const user = await currentUser();\n  if (!user) throw new Error('sign in');\n  return addTodo(Object.fromEntries(formData));\n}\nexport async function refresh() {\n  await currentUser();\n}\n",
      'app/login/actions.ts': "'use server';\nimport { signIn } from '@/auth';\nexport async function authenticate(_state: unknown, formData: FormData) {\n  await signIn('credentials', formData);\n}\n",
      'app/page.tsx': "import { auth } from '@/auth';\nimport * as v from 'valibot';\nexport default function Page() {\n  const save = async (data: FormData) => {\n    'use server';\n    const session = await auth();\n    v.parse(Schema, Object.fromEntries(data));\n  };\n  return <form action={save} />;\n}\n",
    };
    expect(check(files, 'WEB-07')).toEqual([]);
  });
});

// ---- WEB-11 / WEB-13 -------------------------------------------------------------------------------

describe('WEB-11 session cookies', () => {
  it('flags session-like cookies without httpOnly/secure/sameSite, with a domain, without __Host-, or living long', () => {
    const files = {
      'app/api/login/route.ts': "import { cookies } from 'next/headers';\nexport async function POST() {\n  const store = await cookies();\n  store.set('session', 'v', { httpOnly: true });\n  return new Response();\n}\n",
      'proxy.ts': "import { NextResponse } from 'next/server';\nexport function proxy() {\n  const response = NextResponse.next();\n  response.cookies.set({ name: '__Host-auth', value: 'x', httpOnly: false, secure: true, sameSite: 'none', path: '/', domain: 'example.com' });\n  return response;\n}\n",
      'lib/server/remember.ts': "import 'server-only';\nimport { cookies } from 'next/headers';\nconst opts = { httpOnly: true, secure: true, sameSite: 'strict' as const, path: '/', maxAge: 60 * 60 * 24 * 90 };\nexport async function remember(v: string) {\n  (await cookies()).set('__Host-remember', v, opts);\n}\n",
    };
    expect(check(files, 'WEB-11')).toEqual([
      ['app/api/login/route.ts', 4, 29],
      ['lib/server/remember.ts', 5, 47],
      ['proxy.ts', 4, 24],
    ]);
    expect(severities(files, 'WEB-11')).toEqual(['high', 'medium', 'high']);
  });
  it('accepts complete options (secure only outside development), non-session cookies, deletions and request cookies', () => {
    const files = {
      'lib/server/session.ts': "import 'server-only';\nimport { cookies } from 'next/headers';\nconst base = { httpOnly: true, sameSite: 'lax', path: '/' } as const;\nexport async function createSession(token: string, expiresAt: Date) {\n  const cookieStore = await cookies();\n  cookieStore.set('__Host-session', token, { ...base, secure: process.env.NODE_ENV === 'production', expires: expiresAt });\n  cookieStore.set('theme', 'dark');\n  cookieStore.set('__Host-session', '', { maxAge: 0 });\n  cookieStore.delete('session');\n}\n",
      'middleware.ts': "import { NextResponse, type NextRequest } from 'next/server';\nexport function middleware(request: NextRequest) {\n  request.cookies.set('session-hint', '1');\n  return NextResponse.next();\n}\n",
    };
    expect(check(files, 'WEB-11')).toEqual([]);
  });
});

describe('WEB-13 no per-user data in shared caches', () => {
  it("flags 'use cache' code that reads cookies, headers or the session, and cached authorized fetches", () => {
    const files = {
      'lib/server/profile.ts': "import 'server-only';\nimport { cookies } from 'next/headers';\nexport async function getProfile() {\n  'use cache';\n  const id = (await cookies()).get('uid')?.value;\n  return id;\n}\n",
      'app/dashboard/data.ts': "'use cache';\nimport { auth } from '@/auth';\nexport async function stats() { return (await auth())?.user; }\n",
      'lib/server/api.ts': "import 'server-only';\nexport async function getOrders(token: string) {\n  const headers = { Authorization: `Bearer ${token}` };\n  const a = await fetch('https://api.example.com/orders', { headers, next: { revalidate: 60 } });\n  const b = await fetch('https://api.example.com/me', { headers: new Headers({ authorization: token }) });\n  return [a, b];\n}\n",
    };
    expect(check(files, 'WEB-13')).toEqual([
      ['app/dashboard/data.ts', 1, 1],
      ['lib/server/api.ts', 4, 19],
      ['lib/server/api.ts', 5, 19],
      ['lib/server/profile.ts', 4, 3],
    ]);
    expect(severities(files, 'WEB-13')).toEqual(['high', 'high', 'low', 'high']);
  });
  it("accepts 'use cache: private', cached functions keyed by arguments, public fetches and no-store", () => {
    const files = {
      'lib/server/a.ts': "import 'server-only';\nimport { cookies } from 'next/headers';\nexport async function mine() {\n  'use cache: private';\n  return (await cookies()).get('uid');\n}\nexport async function posts(userId: string) {\n  'use cache';\n  return fetch(`https://api.example.com/users/${userId}/posts`, { next: { revalidate: 60 } });\n}\nexport async function me(token: string) {\n  return fetch('https://api.example.com/me', { headers: { Authorization: token }, cache: 'no-store' });\n}\n",
    };
    expect(check(files, 'WEB-13')).toEqual([]);
  });
});

// ---- Robustness ----------------------------------------------------------------------------------

describe('robustness', () => {
  it('a syntax error is a note with its place; the rest of the app is still checked', () => {
    const result = run({ 'package.json': PACKAGE, 'app/broken.tsx': "'use client';\nexport function A() {\n  return <div>{process.env.X</div>;\n}\n", 'app/page.tsx': 'export default () => process.env.SECRET;\n' });
    expect(result.notes.map((n) => [n.file, n.line])).toEqual([['app/broken.tsx', 3]]);
    expect(result.findings.filter((f) => f.controlId === 'WEB-02').map((f) => f.file)).toEqual(['app/page.tsx']);
  });
  it('malformed package.json, tsconfig and an unevaluable next.config are notes, not crashes', () => {
    const result = run({ 'package.json': '{ "dependencies": { "next": ', 'tsconfig.json': '{ "compilerOptions": { "paths": ', 'next.config.js': "module.exports = require('./config/next');\n", 'app/page.tsx': 'export default () => null;\n' });
    expect(result.notes.map((n) => [n.file, n.message.replace(/ \(.*\)/, '')])).toEqual([
      ['package.json', "not read: malformed package.json; the app's next version is unknown"],
      ['tsconfig.json', 'not read: malformed tsconfig.json; its import aliases are not resolved'],
      ['next.config.js', 'next.config was not fully evaluated statically: WEB-03/04/06/08 findings about it may be missing'],
    ]);
    expect(run({ 'package.json': '{ "dependencies": { "react": "19" } }', 'tsconfig.json': '{ oops', 'lib/a.ts': 'export {};\n' }).notes).toEqual([]);
  });
  it('columns count UTF-16 code units after non-ASCII text, as editors do', () => {
    expect(check({ 'app/page.tsx': "const label = 'déjà vu 😀';\nexport default () => [label, process.env.SECRET];\n" }, 'WEB-02')).toEqual([['app/page.tsx', 2, 30]]);
    expect(check({ 'app/page.tsx': "const label = 'déjà vu 😀'; const s = process.env.SECRET;\nexport default () => s;\n" }, 'WEB-02')).toEqual([['app/page.tsx', 1, 39]]);
  });
  it('recursive helpers and runaway conditions end without a crash', () => {
    const proxy = "function a(n: number): string { return n > 0 ? b(n - 1) : \"script-src 'self'\"; }\nfunction b(n: number): string { return a(n); }\nconst parts = [x1 ? 'a' : 'b', x2 ? 'a' : 'b', x3 ? 'a' : 'b', x4 ? 'a' : 'b', x5 ? 'a' : 'b', x6 ? 'a' : 'b'];\nexport function proxy() {\n  const r = new Response();\n  r.headers.set('Content-Security-Policy', a(depth) + parts.join(' '));\n  return r;\n}\n";
    const result = run({ 'package.json': PACKAGE, 'next.config.mjs': GOOD_CONFIG, 'proxy.ts': proxy });
    expect(result.findings.every((f) => f.controlId === 'WEB-04')).toBe(true);
    expect(result.notes.map((n) => n.file)).toEqual(['proxy.ts']);
  });
});

// ---- The generated stack ------------------------------------------------------------------------

let generated: string;
beforeAll(async () => {
  generated = (await generateProject({})).dir;
  dirs.push(generated);
});

const { mutateFile } = mutator({ source: () => generated, dirs, controls: /^WEB-/, families: [nextjsFamily] });

/** A mutant of the generated web app: its checked files must still all be understood (no note). */
function mutate(file: string, edit: (text: string) => string) {
  const mutant = mutateFile(file, edit);
  expect(mutant.result.notes.filter((n) => n.file.startsWith('web/'))).toEqual([]);
  return mutant;
}

describe('generated full stack', () => {
  it('has no WEB finding and no note for its web app', () => {
    const result = checkRepository(generated);
    expect(result.findings.filter((f) => f.controlId.startsWith('WEB-'))).toEqual([]);
    expect(result.notes.filter((n) => n.file.startsWith('web/'))).toEqual([]);
  });
  it("WEB-01: import 'server-only' removed from the API client", () => {
    const { found } = mutate('web/lib/server/api.ts', (t) => t.replace(/^import ["']server-only["'];\n/, ''));
    expect(found).toEqual([['WEB-01', 'web/lib/server/api.ts', 1]]);
  });
  it('WEB-02: a page renders a server variable', () => {
    const { text, found } = mutate('web/app/page.tsx', (t) => t.replace('<h1>{SITE_TITLE}</h1>', '<h1>{SITE_TITLE}</h1>\n      <p>{process.env.API_BASE_URL}</p>'));
    expect(found).toEqual([['WEB-02', 'web/app/page.tsx', lineOf(text, 'process.env.API_BASE_URL')]]);
  });
  it('WEB-03: a NEXT_PUBLIC_ token in .env.example', () => {
    const { text, found } = mutate('web/.env.example', (t) => `${t}NEXT_PUBLIC_API_TOKEN=changeme\n`);
    expect(found).toEqual([['WEB-03', 'web/.env.example', lineOf(text, 'NEXT_PUBLIC_API_TOKEN')]]);
  });
  it("WEB-04: 'unsafe-eval' in production", () => {
    const { text, found } = mutate('web/lib/csp.ts', (t) => t.replace(/\.\.\.\(development \? \["'unsafe-eval'"\] : \[\]\),/, `"'unsafe-eval'",`));
    expect(found).toEqual([['WEB-04', 'web/lib/csp.ts', lineOf(text, `"'unsafe-eval'"`)]]);
  });
  it('WEB-05: the health handler reports configuration without authentication', () => {
    const { text, found } = mutate('web/app/api/health/route.ts', (t) =>
      `import { serverEnv } from "@/lib/server/env";\n${t.replace(/status: "ok"/, 'status: "ok", api: serverEnv().API_BASE_URL.host')}`,
    );
    expect(found).toEqual([['WEB-05', 'web/app/api/health/route.ts', lineOf(text, 'export function GET')]]);
  });
  it('WEB-06: poweredByHeader: false removed', () => {
    const { text, found } = mutate('web/next.config.ts', (t) => t.replace(/\n\s*poweredByHeader: false,/, ''));
    expect(found).toEqual([['WEB-06', 'web/next.config.ts', lineOf(text, 'const nextConfig: NextConfig = {')]]);
  });
  it('WEB-07: a new Server Action without authentication or validation', () => {
    const added = '\nexport async function renameProjectAction(formData: FormData) {\n  revalidatePath(`/projects/${String(formData.get("id"))}`);\n}\n';
    const { text, found } = mutate('web/app/projects/actions.ts', (t) => t + added);
    expect(found).toEqual([['WEB-07', 'web/app/projects/actions.ts', lineOf(text, 'export async function renameProjectAction')]]);
  });
  it('WEB-08: a wildcard Server Actions origin', () => {
    const { text, found } = mutate('web/next.config.ts', (t) => t.replace('allowedOrigins: allowedActionOrigins(),', 'allowedOrigins: ["*"],'));
    expect(found).toEqual([['WEB-08', 'web/next.config.ts', lineOf(text, 'allowedOrigins: ["*"]')]]);
  });
  it('WEB-10: the Origin check removed from the projects POST', () => {
    const { text, found } = mutate('web/app/api/projects/route.ts', (t) => t.replace(/\n\s*if \(!isSameOriginRequest\(request\)\)\s*return json\(\{ error: "cross_origin_request" \}, 403\);/, ''));
    expect(found).toEqual([['WEB-10', 'web/app/api/projects/route.ts', lineOf(text, 'export async function POST')]]);
  });
  it('WEB-11: the session cookie made readable by scripts', () => {
    const { text, found } = mutate('web/lib/server/session.ts', (t) => t.replace('cookieOptions(maxAge),', '{ ...cookieOptions(maxAge), httpOnly: false },'));
    expect(found).toEqual([['WEB-11', 'web/lib/server/session.ts', lineOf(text, 'httpOnly: false')]]);
  });
  it('WEB-13: the authorized API call revalidated instead of no-store', () => {
    const { text, found } = mutate('web/lib/server/api.ts', (t) => t.replace('cache: "no-store",', 'next: { revalidate: 60 },'));
    expect(found).toEqual([['WEB-13', 'web/lib/server/api.ts', lineOf(text, 'await fetch(')]]);
  });
});

describe('a typical Next.js app not generated here', () => {
  it('has exactly the expected findings', () => {
    const result = run(TYPICAL_APP);
    expect(result.notes).toEqual([]);
    expect(result.findings.map((f) => [f.controlId, f.file, f.line, f.column])).toEqual(TYPICAL_APP_FINDINGS);
    const message = (controlId: string) => result.findings.filter((f) => f.controlId === controlId).map((f) => f.message);
    expect(message('WEB-07')).toEqual(['Server Action createProject does not validate its input with a schema: it is a public POST endpoint']);
    expect(message('WEB-02')).toEqual(['process.env.STRIPE_SECRET_KEY is read in a Client Component: server variables are not available in the browser, and this one belongs in the data access layer']);
    expect(message('WEB-11')).toEqual(['the "workspace-token" cookie is not httpOnly, has no __Host- prefix']);
    expect(message('WEB-04')).toEqual([
      "the CSP lacks object-src 'none', base-uri 'self', form-action 'self', frame-ancestors 'none', report-to",
      "script-src lacks a per-request 'nonce-…' source and 'strict-dynamic': injected scripts can run wherever the policy allows a host or inline code",
      "script-src allows 'unsafe-inline': any injected inline script runs",
    ]);
  });
});
