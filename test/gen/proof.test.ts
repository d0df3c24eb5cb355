/**
 * The proof of issue 9: on a generated repository, `gen route invoices`, `gen table invoices` and
 * `gen action createInvoice` (and `gen page invoices`, `gen secret stripe-key`), then
 *  - the api test suite (pytest, Debian's /usr/bin/python3, as test/layers/api runs it) passes and has grown;
 *  - the migrations apply on a real PostgreSQL (db/init.sh, db/migrate.sh, as test/layers/db/server.test.ts),
 *    app.invoices is under ENABLE + FORCE row-level security (pg_class), and db/tests/run.sh passes with the
 *    new table's policy tests;
 *  - the web app's unit tests pass and `next build` passes (npm ci from the shipped lockfile, one build);
 *  - `checkRepository` reports no finding above low.
 * A missing tool skips its part with a one-line reason (fails under SECURE_STACK_REQUIRE_TOOLS=1).
 */
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { severityRank } from '../../src/check/finding.js';
import { checkRepository } from '../../src/check/run.js';
import { main } from '../../src/cli/main.js';
import { dbRoles } from '../../src/layers/db/index.js';
import { makeTempDir, removeDir } from '../support/cli.js';
import { postgresMissing, startCluster, type PgCluster } from '../support/postgres.js';
import { TEST_GENERATED_ON, generateProject } from '../support/project.js';
import { capturedIO } from '../support/streams.js';
import { skipOrFail } from '../support/tools.js';

const PYTHON = '/usr/bin/python3';
const PYTHON_ENV = { PATH: '/usr/bin:/bin', PYTHONDONTWRITEBYTECODE: '1', LANG: 'C.UTF-8' };
const NPM_CACHE = process.env.SECURE_STACK_NPM_CACHE ?? '/var/cache/secure-stack/npm';
/** The three, a page over the same resource (the one `next build` covers it too) and a secret (check covers it). */
const STEPS: Array<[string, string]> = [['route', 'invoices'], ['table', 'invoices'], ['action', 'createInvoice'], ['page', 'invoices'], ['secret', 'stripe-key']];

let dir: string;
let pristine: string;

beforeAll(async () => {
  dir = (await generateProject({ projectName: 'demo-app' })).dir;
  pristine = makeTempDir('secure-stack-gen-pristine-');
  cpSync(dir, pristine, { recursive: true });
  for (const [generator, name] of STEPS) {
    const io = capturedIO(dir);
    const exitCode = await main(['gen', generator, name, '--yes'], io);
    if (exitCode !== 0) throw new Error(`gen ${generator} ${name} failed (${exitCode}): ${io.stderr.text}`);
  }
}, 120_000);

afterAll(() => {
  for (const folder of [dir, pristine]) if (folder !== undefined) removeDir(folder);
});

async function pythonMissing(): Promise<string | undefined> {
  if (!existsSync(PYTHON)) return `${PYTHON} is missing (apt-get install python3)`;
  const probe = await execa(PYTHON, ['-c', 'import fastapi, jwt, cryptography, httpx, pytest, psycopg, psycopg_pool'], { env: PYTHON_ENV, extendEnv: false, reject: false });
  return probe.exitCode === 0 ? undefined : `Debian's Python packages for the api suite are missing: ${probe.stderr.split('\n').at(-1) ?? ''}`;
}

async function pytest(apiDir: string, ...args: string[]) {
  const result = await execa(PYTHON, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', ...args], {
    cwd: apiDir,
    env: PYTHON_ENV,
    extendEnv: false,
    reject: false,
    all: true,
    timeout: 180_000,
  });
  return { exitCode: result.exitCode ?? -1, output: String(result.all ?? '') };
}

describe('after gen route invoices, gen table invoices, gen action createInvoice', () => {
  it('the api test suite passes and has grown by the new route tests', async (context) => {
    const missing = await pythonMissing();
    if (missing) return skipOrFail(context, missing);
    const before = await pytest(path.join(pristine, 'api'), '--collect-only');
    const collectedBefore = Number(/(\d+) tests? collected/.exec(before.output)?.[1] ?? NaN);
    const after = await pytest(path.join(dir, 'api'));
    expect(after.exitCode, after.output.slice(-4000)).toBe(0);
    const summary = after.output.trim().split('\n').at(-1) ?? '';
    const passed = Number(/(\d+) passed/.exec(summary)?.[1] ?? 0);
    expect(summary).not.toMatch(/failed|error|skipped/);
    expect(collectedBefore).toBeGreaterThan(20);
    expect(passed).toBeGreaterThanOrEqual(collectedBefore + 15);
    expect(after.output).not.toContain('test_invoices.py F');
  }, 240_000);

  it('the migrations apply on a real PostgreSQL, app.invoices is under FORCE row-level security, and the policy tests pass', async (context) => {
    const missing = postgresMissing();
    if (missing) return skipOrFail(context, missing);
    const roles = dbRoles('demo_app');
    chmodSync(dir, 0o755);
    let cluster: PgCluster | undefined;
    try {
      cluster = await startCluster({
        postgresqlConf: readFileSync(path.join(dir, 'db/postgresql.conf'), 'utf8'),
        pgHba: readFileSync(path.join(dir, 'db/pg_hba.conf'), 'utf8'),
        database: 'demo_app',
      });
      const c = cluster;
      const appPasswordFile = c.writePrivateFile('app_password', 'app-secret-pw\n');
      const migratorPasswordFile = c.writePrivateFile('migrator_password', 'migrator-secret-pw\n');
      const pgpass = c.writePrivateFile(
        'pgpass',
        [`*:*:*:${roles.app}:app-secret-pw`, `*:*:*:${roles.migrator}:migrator-secret-pw`, `*:*:*:${c.superuser}:${c.superuserPassword.replaceAll(':', '\\:')}`, ''].join('\n'),
      );
      const env = { PATH: `${c.bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, PGPASSFILE: pgpass };
      const url = (user: string): string => `postgresql://${user}@127.0.0.1:${c.port}/demo_app?sslmode=verify-full&sslrootcert=${encodeURIComponent(c.caFile)}`;
      const adminUrl = `postgresql:///demo_app?host=${encodeURIComponent(c.socketDir)}&port=${c.port}&user=${c.superuser}`;

      const init = c.runAsServerUser(path.join(dir, 'db/init.sh'), [adminUrl], { ...env, APP_PASSWORD_FILE: appPasswordFile, MIGRATOR_PASSWORD_FILE: migratorPasswordFile });
      expect(init.status, init.stderr + init.stdout).toBe(0);
      const migrate = c.runAsServerUser(path.join(dir, 'db/migrate.sh'), ['up'], { ...env, DATABASE_URL: url(roles.migrator) });
      expect(migrate.status, migrate.stderr + migrate.stdout).toBe(0);
      expect(migrate.stdout).toContain('applied 0003_invoices.up.sql');

      expect(c.superSql("SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'app.invoices'::regclass;", 'demo_app').trim()).toBe('t|t');
      expect(c.superSql("SELECT count(*) FROM pg_policies WHERE schemaname = 'app' AND tablename = 'invoices';", 'demo_app').trim()).toBe('1');

      const policyTests = c.runAsServerUser(path.join(dir, 'db/tests/run.sh'), [], {
        ...env,
        APP_DATABASE_URL: url(roles.app),
        MIGRATOR_DATABASE_URL: url(roles.migrator),
        ADMIN_DATABASE_URL: adminUrl,
      });
      expect(policyTests.status, policyTests.stderr + policyTests.stdout).toBe(0);
      for (const check of [
        'ok - app.invoices: without a tenant nothing is read and nothing can be written',
        'ok - app.invoices: each tenant reads exactly its own rows, even by id',
        'ok - app.invoices: tenant A cannot insert a row into tenant B (WITH CHECK)',
        'ok - app.invoices: tenant A cannot update or delete a row of tenant B',
        'ok - app.invoices: the app role cannot TRUNCATE',
        'ok - every table in schema app has row-level security enabled and forced',
        'all policy tests passed',
      ]) {
        expect(policyTests.stdout).toContain(check);
      }
      // The policy test rolls back: no row of it stays behind.
      expect(c.superSql('SELECT count(*) FROM app.invoices;', 'demo_app').trim()).toBe('0');

      const down = c.runAsServerUser(path.join(dir, 'db/migrate.sh'), ['down'], { ...env, DATABASE_URL: url(roles.migrator) });
      expect(down.status, down.stderr + down.stdout).toBe(0);
      expect(c.superSql("SELECT to_regclass('app.invoices') IS NULL;", 'demo_app').trim()).toBe('t');
    } finally {
      cluster?.stop();
    }
  }, 240_000);

  it('the web unit tests pass and next build passes', async (context) => {
    const registry = await execa('npm', ['view', 'next@16', 'version', '--json'], { reject: false, timeout: 30_000 }).then(
      (result) => result.exitCode === 0,
      () => false,
    );
    if (!registry) return skipOrFail(context, 'the npm registry is unreachable (npm ci of the web app needs it)');
    mkdirSync(NPM_CACHE, { recursive: true });
    const web = path.join(dir, 'web');
    const env = { ...process.env, npm_config_cache: NPM_CACHE, npm_config_fund: 'false', npm_config_audit: 'false', NEXT_TELEMETRY_DISABLED: '1' };
    const run = async (args: string[], extra: Record<string, string> = {}) => {
      const result = await execa('npm', args, { cwd: web, env: { ...env, ...extra }, reject: false, all: true, timeout: 400_000 });
      return { exitCode: result.exitCode ?? -1, output: String(result.all ?? '') };
    };
    const install = await run(['ci', '--no-audit', '--no-fund', '--prefer-offline']);
    expect(install.exitCode, install.output.slice(-3000)).toBe(0);
    const unit = await run(['test']);
    expect(unit.exitCode, unit.output.slice(-3000)).toBe(0);
    expect(unit.output).toContain('createInvoice: authenticates and authorizes before it validates or calls the API');
    const build = await run(['run', 'build'], { APP_ORIGIN: 'http://127.0.0.1:3000' });
    expect(build.exitCode, build.output.slice(-4000)).toBe(0);
  }, 900_000);

  it('the edited shell scripts still parse (bash -n)', async () => {
    for (const script of ['db/tests/run.sh', 'scripts/make-secrets.sh']) {
      const result = await execa('bash', ['-n', path.join(dir, script)], { reject: false });
      expect(result.exitCode, `${script}: ${result.stderr}`).toBe(0);
    }
  });

  it('check reports no finding above low', () => {
    const result = checkRepository(dir, { now: new Date(`${TEST_GENERATED_ON}T12:00:00Z`) });
    const serious = result.findings.filter((finding) => severityRank(finding.severity) > severityRank('low'));
    expect(serious.map((finding) => `${finding.controlId} ${finding.file}:${finding.line} ${finding.message}`)).toEqual([]);
    const pristineResult = checkRepository(pristine, { now: new Date(`${TEST_GENERATED_ON}T12:00:00Z`) });
    expect(result.findings.length).toBe(pristineResult.findings.length);
  });
});
