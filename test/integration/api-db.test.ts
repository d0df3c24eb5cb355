/**
 * End to end: the generated FastAPI service (uvicorn, Debian 12's FastAPI) against the generated database on a
 * real PostgreSQL 15 server (generated init.sh, migrate.sh, pg_hba.conf and postgresql.conf, TLS verify-full),
 * with access tokens of two tenants signed by a key served from a real JWKS endpoint. Cross-tenant reads and
 * writes through the API must fail, and the rows in the database must carry the tenant of the token.
 */
import { generateKeyPairSync, sign as signBytes, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir } from '../support/cli.js';
import { startGeneratedDatabase } from '../support/generated-database.js';
import { freePort, postgresMissing, type PgCluster } from '../support/postgres.js';
import { generateProject, type GeneratedProject } from '../support/project.js';
import { skipOrFail } from '../support/tools.js';

const PYTHON = '/usr/bin/python3';
const ISSUER = 'https://idp.example.test/realms/demo';
const AUDIENCE = 'demo-app-api';
const TENANT_A = '6a0f6b0e-4d3e-4a55-9d43-1b0d4c1f0a01';
const TENANT_B = '6a0f6b0e-4d3e-4a55-9d43-1b0d4c1f0b02';
const APP_PASSWORD = 'app-password-e2e';
const MIGRATOR_PASSWORD = 'migrator-password-e2e';
const PREFIX = 'demo_app';

let project: GeneratedProject | undefined;
let cluster: PgCluster | undefined;
let jwks: Server | undefined;
let api: ResultPromise | undefined;
let apiLog = '';
let baseUrl = '';
let setupProblem: string | undefined;
let privateKey: KeyObject;

function base64url(value: Buffer | string): string {
  return Buffer.from(value).toString('base64url');
}

function token(claims: Record<string, unknown>): string {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'at+jwt', kid: 'e2e-key' }));
  const payload = base64url(JSON.stringify({ iss: ISSUER, aud: AUDIENCE, iat: now, nbf: now, exp: now + 300, ...claims }));
  const signature = signBytes('sha256', Buffer.from(`${header}.${payload}`), privateKey);
  return `${header}.${payload}.${base64url(signature)}`;
}

const alice = (): string => token({ sub: 'alice', tenant_id: TENANT_A, scope: 'projects:read projects:write' });
const bob = (): string => token({ sub: 'bob', tenant_id: TENANT_B, scope: 'projects:read projects:write' });
const bobReadOnly = (): string => token({ sub: 'bob', tenant_id: TENANT_B, scope: 'projects:read' });

async function call(method: string, route: string, bearer: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${baseUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as unknown) : undefined };
}

function rowsByTenant(): string[] {
  return cluster!
    .superSql('SELECT tenant_id || \':\' || name FROM app.projects ORDER BY name;', PREFIX)
    .trim()
    .split('\n')
    .filter(Boolean);
}

async function setUp(): Promise<void> {
  const missing = postgresMissing();
  if (missing) {
    setupProblem = missing;
    return;
  }
  const probe = await execa(PYTHON, ['-c', 'import fastapi, uvicorn, psycopg, psycopg_pool, jwt, httpx'], { reject: false });
  if (probe.exitCode !== 0) {
    setupProblem = "Debian's python3-fastapi, python3-uvicorn, python3-psycopg(-pool), python3-jwt, python3-httpx are needed";
    return;
  }
  project = await generateProject({ projectName: 'demo-app', layers: ['api', 'db', 'docs'], oidcIssuer: ISSUER, oidcAudience: AUDIENCE });
  const database = await startGeneratedDatabase(project.dir, { database: PREFIX, appPassword: APP_PASSWORD, migratorPassword: MIGRATOR_PASSWORD });
  cluster = database.cluster;
  const c = cluster;
  c.superSql(`INSERT INTO app.tenants (id, name) VALUES ('${TENANT_A}', 'Tenant A'), ('${TENANT_B}', 'Tenant B');`, PREFIX);

  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  privateKey = keys.privateKey;
  const jwk = { ...keys.publicKey.export({ format: 'jwk' }), kid: 'e2e-key', alg: 'RS256', use: 'sig' };
  jwks = createServer((request, response) => {
    response.writeHead(request.url === '/jwks.json' ? 200 : 404, { 'content-type': 'application/json' });
    response.end(request.url === '/jwks.json' ? JSON.stringify({ keys: [jwk] }) : '{}');
  });
  await new Promise<void>((resolve) => jwks!.listen(0, '127.0.0.1', resolve));
  const jwksPort = (jwks.address() as AddressInfo).port;

  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  api = execa(PYTHON, ['-m', 'uvicorn', 'app.main:app', '--host', '127.0.0.1', '--port', String(port), '--no-access-log'], {
    cwd: path.join(project.dir, 'api'),
    extendEnv: false,
    env: {
      PATH: '/usr/bin:/bin',
      PYTHONDONTWRITEBYTECODE: '1',
      APP_ENV: 'production',
      OIDC_ISSUER: ISSUER,
      OIDC_AUDIENCE: AUDIENCE,
      OIDC_JWKS_URI: `http://127.0.0.1:${jwksPort}/jwks.json`,
      ALLOWED_HOSTS: '127.0.0.1',
      DATABASE_URL: database.appUrl,
    },
    reject: false,
    all: true,
  });
  api.all?.on('data', (chunk: Buffer) => {
    apiLog += chunk.toString();
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${baseUrl}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (api.exitCode !== undefined && api.exitCode !== null) throw new Error(`uvicorn exited: ${apiLog}`);
    if (Date.now() > deadline) throw new Error(`uvicorn did not start: ${apiLog}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  await setUp();
}, 120_000);

afterAll(async () => {
  api?.kill('SIGTERM');
  await api?.catch(() => undefined);
  await new Promise<void>((resolve) => (jwks ? jwks.close(() => resolve()) : resolve()));
  cluster?.stop();
  if (project) removeDir(project.dir);
});

function ready(context: { skip: (note?: string) => void }): boolean {
  if (setupProblem !== undefined) {
    skipOrFail(context, setupProblem);
    return false;
  }
  return true;
}

describe('the generated API on the generated database (PostgreSQL 15, TLS verify-full)', () => {
  it('each tenant sees and writes only its own projects', async (context) => {
    if (!ready(context)) return;
    const created = await call('POST', '/v1/projects', alice(), { name: 'alpha' });
    expect(created.status, apiLog.slice(-2000)).toBe(201);
    expect(created.json).toMatchObject({ name: 'alpha' });
    expect((await call('POST', '/v1/projects', bob(), { name: 'beta' })).status).toBe(201);

    const seenByAlice = await call('GET', '/v1/projects', alice());
    const seenByBob = await call('GET', '/v1/projects', bob());
    expect(seenByAlice.status).toBe(200);
    expect((seenByAlice.json as Array<{ name: string }>).map((row) => row.name)).toEqual(['alpha']);
    expect((seenByBob.json as Array<{ name: string }>).map((row) => row.name)).toEqual(['beta']);
    expect(rowsByTenant()).toEqual([`${TENANT_A}:alpha`, `${TENANT_B}:beta`]);
  });

  it('a tenant named in the query string or a header does not widen what a token sees', async (context) => {
    if (!ready(context)) return;
    const sneaky = await call('GET', `/v1/projects?tenant_id=${TENANT_A}`, bob(), undefined, { 'x-tenant-id': TENANT_A });
    expect(sneaky.status).toBe(200);
    expect((sneaky.json as Array<{ name: string }>).map((row) => row.name)).not.toContain('alpha');
  });

  it("a write that names another tenant in the body is refused and lands nowhere", async (context) => {
    if (!ready(context)) return;
    const before = rowsByTenant();
    const forged = await call('POST', '/v1/projects', bob(), { name: 'planted', tenant_id: TENANT_A });
    expect(forged.status).toBe(422);
    expect(rowsByTenant()).toEqual(before);
  });

  it('a token without the write scope cannot create, and nothing reaches the database', async (context) => {
    if (!ready(context)) return;
    const before = rowsByTenant();
    expect((await call('POST', '/v1/projects', bobReadOnly(), { name: 'nope' })).status).toBe(403);
    expect(rowsByTenant()).toEqual(before);
  });

  it('a token whose tenant has no row cannot create projects', async (context) => {
    if (!ready(context)) return;
    const stranger = token({ sub: 'mallory', tenant_id: '6a0f6b0e-4d3e-4a55-9d43-1b0d4c1f0c03', scope: 'projects:read projects:write' });
    const before = rowsByTenant();
    const result = await call('POST', '/v1/projects', stranger, { name: 'orphan' });
    expect(result.status).toBeGreaterThanOrEqual(400);
    expect(result.status).not.toBe(500);
    expect((await call('GET', '/v1/projects', stranger)).json).toEqual([]);
    expect(rowsByTenant()).toEqual(before);
  });

  it('/v1/me reports the subject and tenant from the verified token', async (context) => {
    if (!ready(context)) return;
    const me = await call('GET', '/v1/me', alice());
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ sub: 'alice', tenant_id: TENANT_A });
  });

  it('the API never logged a token', async (context) => {
    if (!ready(context)) return;
    const sample = alice();
    await call('GET', '/v1/projects', sample);
    expect(apiLog).not.toContain(sample.split('.')[2]);
    expect(apiLog).not.toContain(APP_PASSWORD);
  });
});
