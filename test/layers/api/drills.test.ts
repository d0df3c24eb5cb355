/**
 * The incident drills shipped with the generated api (api/drills/), run as their README says against the
 * generated service on Debian's /usr/bin/python3: the api is served by uvicorn on 127.0.0.1, a stand-in
 * identity provider publishes its JWKS on 127.0.0.1, and a client calls the api throughout. Signing-key
 * rotation must end with zero failed client requests, the new kid accepted and the retired key refused, in
 * both tenancy modes. Database credential rotation runs against the generated database on a throwaway
 * PostgreSQL (TLS verify-full): the password changes, the secret file is replaced, the api's pool moves to the
 * new password without a restart, the old password stops working, and the client never sees a failure.
 */
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir } from '../../support/cli.js';
import { startGeneratedDatabase } from '../../support/generated-database.js';
import { postgresMissing, type PgCluster } from '../../support/postgres.js';
import { generateProject, type GeneratedProject } from '../../support/project.js';
import { skipOrFail } from '../../support/tools.js';

const PYTHON = '/usr/bin/python3';
const CLEAN_ENV = { PATH: '/usr/bin:/bin', PYTHONDONTWRITEBYTECODE: '1', LANG: 'C.UTF-8' };
const MODULES = 'fastapi, jwt, cryptography, httpx, uvicorn, psycopg, psycopg_pool';

interface DrillReport {
  drill: string;
  passed: boolean;
  error?: string;
  client_requests: number;
  client_failed_requests: number;
  client_statuses: Record<string, number>;
  client_requests_per_key: { old: number; new: number };
  retired_key_status: number;
  new_key_status: number;
}

async function pythonMissing(): Promise<string | undefined> {
  if (!existsSync(PYTHON)) return `${PYTHON} is missing (apt-get install python3)`;
  const probe = await execa(PYTHON, ['-c', `import ${MODULES}`], { env: CLEAN_ENV, extendEnv: false, reject: false });
  return probe.exitCode === 0 ? undefined : `Debian's Python packages are missing (python3-fastapi python3-jwt python3-cryptography python3-httpx python3-uvicorn python3-psycopg python3-psycopg-pool): ${probe.stderr.split('\n').at(-1) ?? ''}`;
}

describe('the generated api drills', () => {
  let multi: GeneratedProject;
  let single: GeneratedProject;
  let missing: string | undefined;

  beforeAll(async () => {
    [multi, single] = await Promise.all([
      generateProject({ projectName: 'drill-multi', layers: ['api'], multiTenant: true }),
      generateProject({ projectName: 'drill-single', layers: ['api'], multiTenant: false }),
    ]);
    missing = await pythonMissing();
  });
  afterAll(() => {
    for (const project of [multi, single]) if (project) removeDir(project.dir);
  });

  for (const mode of ['multi-tenant', 'single-tenant'] as const) {
    it(`signing-key rotation: zero failed requests, new kid accepted, retired key refused (${mode})`, async (context) => {
      if (missing) return skipOrFail(context, missing);
      const project = mode === 'multi-tenant' ? multi : single;
      const run = await execa(PYTHON, ['-m', 'drills.signing_key_rotation'], {
        cwd: path.join(project.dir, 'api'),
        env: CLEAN_ENV,
        extendEnv: false,
        reject: false,
        timeout: 120_000,
      });
      const report = JSON.parse(run.stdout) as DrillReport;
      expect(report.passed, JSON.stringify(report)).toBe(true);
      expect(run.exitCode).toBe(0);
      expect(report.client_failed_requests).toBe(0);
      expect(report.client_statuses).toEqual({ '200': report.client_requests });
      // The client really ran on both keys: before the rotation and after it.
      expect(report.client_requests_per_key.old).toBeGreaterThan(0);
      expect(report.client_requests_per_key.new).toBeGreaterThan(0);
      expect(report.retired_key_status).toBe(401);
      expect(report.new_key_status).toBe(200);
      // The api logged the retired key's refusal as a security event, by its kid only.
      expect(run.stderr).toMatch(/"event":"authn_login_fail"[^\n]*"reason":"unknown_kid"[^\n]*"kid":"drill-old-[0-9a-f]{8}"/);
      expect(run.stderr).not.toMatch(/eyJ[A-Za-z0-9_-]+\.eyJ/);
    }, 150_000);
  }
});

describe('the database credential rotation drill', () => {
  const PREFIX = 'drill_db';
  const APP_PASSWORD = 'app-password-before-rotation';
  const MIGRATOR_PASSWORD = 'migrator-password-drill';
  let project: GeneratedProject | undefined;
  let cluster: PgCluster | undefined;
  let appUrl = '';
  let setupProblem: string | undefined;

  beforeAll(async () => {
    setupProblem = postgresMissing() ?? (await pythonMissing());
    if (setupProblem) return;
    project = await generateProject({ projectName: 'drill-db', layers: ['api', 'db', 'docs'] });
    // The helper opens the project directory to the postgres OS user, which runs the drill too.
    ({ cluster, appUrl } = await startGeneratedDatabase(project.dir, { database: PREFIX, appPassword: APP_PASSWORD, migratorPassword: MIGRATOR_PASSWORD }));
  }, 120_000);
  afterAll(() => {
    cluster?.stop();
    if (project) removeDir(project.dir);
  });

  it('the pool moves to the new password without a restart and the client sees no failure', async (context) => {
    if (setupProblem) return skipOrFail(context, setupProblem);
    const c = cluster!;
    const asRoot = process.getuid?.() === 0;
    // The drill runs as the database's OS user: its administrator logs in over the socket (peer as root).
    const run = c.runAsServerUser(PYTHON, ['-m', 'drills.database_credential_rotation'], {
      ...CLEAN_ENV,
      PATH: '/usr/bin:/bin:/usr/sbin:/sbin', // runuser (as root) lives in sbin
      PYTHONPATH: path.join(project!.dir, 'api'),
      DRILL_DATABASE_URL: appUrl,
      DRILL_ADMIN_URL: `host=${c.socketDir} port=${c.port} dbname=${PREFIX} user=${c.superuser}${asRoot ? '' : ` password=${c.superuserPassword}`}`,
    });
    expect(run.stdout, run.stderr.slice(-3000)).toMatch(/^\{/);
    const report = JSON.parse(run.stdout) as DrillReport & {
      requests_before_rotation: number;
      sessions_after_rotation: number;
      old_password_logs_in: boolean;
      new_password_logs_in: boolean;
    };
    expect(report.passed, `${JSON.stringify(report)}\n${run.stderr.slice(-3000)}`).toBe(true);
    expect(run.status).toBe(0);
    expect(report.client_failed_requests).toBe(0);
    expect(report.client_statuses).toEqual({ '200': report.client_requests });
    expect(report.requests_before_rotation).toBeGreaterThan(0);
    expect(report.client_requests).toBeGreaterThan(report.requests_before_rotation);
    expect(report.old_password_logs_in).toBe(false);
    expect(report.new_password_logs_in).toBe(true);
    // The server saw the role log in again, over TLS, after the rotation: new sessions, same process.
    expect(report.sessions_after_rotation).toBeGreaterThan(0);
    // Nothing printed the new password or a connection string with one.
    expect(run.stdout + run.stderr).not.toMatch(/postgresql:\/\/[^\s:@]+:[^@\s]+@/);
  }, 180_000);
});
