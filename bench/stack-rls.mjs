/**
 * What row-level security costs in the generated database: pgbench transactions per second of the API's
 * tenant-scoped query (BEGIN; set the transaction's tenant; one page of the tenant's projects; COMMIT) as the
 * generated app role, under the generated ENABLE + FORCE ROW LEVEL SECURITY policy, against the same script
 * as a role with BYPASSRLS on the same table (same rows, same index, same buffers, same settings): the only
 * difference is the policy.
 *
 * Set-up as a user would do it: a throwaway PostgreSQL (initdb as the postgres OS user when run as root)
 * serving the generated postgresql.conf and pg_hba.conf, db/init.sh as the superuser, db/migrate.sh up as the
 * migrator; then 100 tenants with 1,000 projects each (rows of all tenants interleaved on the heap, as
 * inserts from many tenants would leave them), VACUUM ANALYZE. Clients connect over the Unix socket (TCP is
 * off: listen_addresses=''; ssl is turned off on the command line since the socket never uses TLS), which
 * leaves out TLS and network cost that would dilute the measured overhead: the figure is an upper bound.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './lib.mjs';
import { cpuSeconds, freePort, interleavedRounds, overhead, summariseCpu, summariseField } from './stack-lib.mjs';

export const PG_BIN = '/usr/lib/postgresql/15/bin';
const PG_TOOLS = ['initdb', 'pg_ctl', 'postgres', 'psql', 'pgbench'];
export const RLS_OVERHEAD_TARGET = 0.1;
export const TENANTS = 100;
export const PROJECTS_PER_TENANT = 1000;

const IS_ROOT = process.getuid?.() === 0;

/** Why the RLS benchmark cannot run here, or undefined. */
export function rlsToolMissing() {
  const missing = PG_TOOLS.filter((tool) => !existsSync(path.join(PG_BIN, tool)));
  if (missing.length > 0) return `PostgreSQL 15 tools missing under ${PG_BIN}: ${missing.join(', ')} (apt-get install postgresql-15)`;
  if (spawnSync('bash', ['--version'], { stdio: 'ignore' }).status !== 0) return 'bash is missing (the generated db scripts need it)';
  if (IS_ROOT && spawnSync('id', ['-u', 'postgres'], { stdio: 'ignore' }).status !== 0) {
    return 'running as root but there is no postgres OS user to run the server';
  }
  return undefined;
}

/** The tenant ids of the data set: a fixed UUID pattern, so that pgbench can build one from a random number. */
export const tenantUuidSql = (numberSql) => `'00000000-0000-4000-8000-' || lpad(to_hex(${numberSql}), 12, '0')`;

/**
 * The pgbench script: one API request's database work. The tenant context is set exactly as the API's
 * Database.tenant_transaction sets it; the query is the API's list query (app/routes/projects.py) with the
 * tenant filter the index serves and a page size. The no-RLS run executes the same text.
 */
export function pgbenchScript() {
  return [
    `\\set tenant random(1, ${TENANTS})`,
    'BEGIN;',
    `SELECT set_config('app.tenant_id', ${tenantUuidSql(':tenant::int')}, true);`,
    `SELECT id, name, created_at FROM app.projects WHERE tenant_id = (${tenantUuidSql(':tenant::int')})::uuid ORDER BY created_at, id LIMIT 20;`,
    'COMMIT;',
    '',
  ].join('\n');
}

/** The figures of a pgbench run's report (PostgreSQL 15's wording). */
export function parsePgbenchOutput(text) {
  const number = (pattern) => {
    const match = pattern.exec(text);
    return match === null ? undefined : Number(match[1]);
  };
  const tps = number(/^tps = ([0-9.]+) \(without initial connection time\)$/m);
  if (tps === undefined) throw new Error(`no "tps = ..." line in pgbench's output:\n${text.slice(-2000)}`);
  return {
    tps,
    transactions: number(/^number of transactions actually processed: (\d+)/m),
    failed: number(/^number of failed transactions: (\d+)/m) ?? 0,
    latencyMs: number(/^latency average = ([0-9.]+) ms$/m),
  };
}

function osId(flag, user) {
  return Number(spawnSync('id', [flag, user], { encoding: 'utf8' }).stdout.trim());
}

/** Environment for PostgreSQL's client programs: nothing inherited from the caller's PG* variables. */
function clientEnv(extra) {
  return { PATH: `${PG_BIN}:/usr/bin:/bin:/usr/sbin:/sbin`, HOME: tmpdir(), LANG: 'C.UTF-8', PGSYSCONFDIR: '/nonexistent', PGCONNECT_TIMEOUT: '10', ...extra };
}

/**
 * A throwaway cluster serving the generated configuration, reachable only over a private Unix socket.
 * Registers its own stop-and-remove with `cleanup`.
 */
async function startCluster(projectDir, cleanup) {
  const dir = mkdtempSync(path.join(tmpdir(), 'secure-stack-bench-pg-'));
  let started = false;
  const dataDir = path.join(dir, 'data');
  const socketDir = path.join(dir, 'socket');
  const logFile = path.join(dir, 'server.log');
  const serverUser = IS_ROOT ? 'postgres' : userInfo().username;
  const owner = IS_ROOT ? { uid: osId('-u', 'postgres'), gid: osId('-g', 'postgres') } : undefined;
  const port = await freePort();
  /** Runs a program as the OS user the server runs as (so that the superuser's peer login works). */
  const asServerUser = (command, args, env = {}) => {
    const [program, argv] = IS_ROOT ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
    const result = spawnSync(program, argv, { cwd: dir, env: clientEnv(env), encoding: 'utf8', maxBuffer: 64 << 20 });
    return { status: result.status ?? -1, stdout: result.stdout ?? '', stderr: result.stderr ?? String(result.error ?? '') };
  };
  const must = (what, result) => {
    if (result.status !== 0) throw new Error(`${what} failed (${result.status}): ${result.stderr}${result.stdout}`);
    return result.stdout;
  };
  const pgCtl = (...args) => asServerUser(path.join(PG_BIN, 'pg_ctl'), ['-D', dataDir, '-w', '-s', '-t', '60', ...args]);
  const writeOwned = (file, text, mode = 0o600) => {
    writeFileSync(file, text, { mode });
    if (owner) chownSync(file, owner.uid, owner.gid);
  };
  cleanup.add('throwaway PostgreSQL', () => {
    if (started) pgCtl('-m', 'immediate', 'stop');
    rmSync(dir, { recursive: true, force: true });
  });

  chmodSync(dir, 0o755);
  mkdirSync(socketDir, { mode: 0o700 });
  if (owner) for (const owned of [dir, socketDir]) chownSync(owned, owner.uid, owner.gid);
  must('initdb', asServerUser(path.join(PG_BIN, 'initdb'), ['-D', dataDir, '-U', serverUser, '--auth=peer', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8']));

  const generatedConf = readFileSync(path.join(projectDir, 'db/postgresql.conf'), 'utf8');
  let generatedHba = readFileSync(path.join(projectDir, 'db/pg_hba.conf'), 'utf8');
  // The generated pg_hba.conf lets the postgres OS user in by peer; a non-root run's server user is someone else.
  if (serverUser !== 'postgres') generatedHba = `local all ${serverUser} peer\n${generatedHba}`;
  writeOwned(path.join(dataDir, 'secure-stack.conf'), generatedConf);
  writeOwned(path.join(dataDir, 'pg_hba.conf'), generatedHba);
  const mainConf = path.join(dataDir, 'postgresql.conf');
  writeOwned(mainConf, `${readFileSync(mainConf, 'utf8')}\ninclude 'secure-stack.conf'\n`);

  // Command-line settings win over the configuration files: socket only, and no TLS certificate needed.
  const serverOptions = `-c listen_addresses='' -c port=${port} -c unix_socket_directories=${socketDir} -c ssl=off`;
  const startResult = pgCtl('-l', logFile, '-o', serverOptions, 'start');
  if (startResult.status !== 0) {
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
    throw new Error(`the throwaway PostgreSQL did not start: ${startResult.stderr}\n${log.slice(-2000)}`);
  }
  started = true;
  const postmasterPid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const version = must('postgres --version', asServerUser(path.join(PG_BIN, 'postgres'), ['--version'])).trim();

  const connection = { PGHOST: socketDir, PGPORT: String(port) };
  return {
    dir,
    version,
    connection,
    postmasterPid,
    asServerUser,
    must,
    writeOwned,
    /** psql as the superuser (peer, over the socket); returns unaligned, tuples-only output. */
    superSql: (sql, database) =>
      must('superuser psql', asServerUser(path.join(PG_BIN, 'psql'), ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', database, '-c', sql], { ...connection, PGUSER: serverUser })),
    /** psql as a login role with its password, over the socket. */
    roleSql: (role, password, database, sql) => {
      const result = spawnSync(path.join(PG_BIN, 'psql'), ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', database, '-f', '-'], {
        env: clientEnv({ ...connection, PGUSER: role, PGPASSWORD: password }),
        input: sql,
        encoding: 'utf8',
      });
      return must(`psql as ${role}`, { status: result.status ?? -1, stdout: result.stdout ?? '', stderr: result.stderr ?? '' });
    },
  };
}

/** The database and role names the generator derives from the project name (the built modules say how). */
async function generatedNames(projectName) {
  const { deriveNames } = await import(pathToFileURL(path.join(REPO_ROOT, 'dist/answers/names.js')).href);
  const { dbRoles } = await import(pathToFileURL(path.join(REPO_ROOT, 'dist/layers/db/index.js')).href);
  const database = deriveNames(projectName).dbPrefix;
  return { database, roles: dbRoles(database) };
}

/** Runs the generated db/init.sh and db/migrate.sh, loads the data set and adds the BYPASSRLS comparison role. */
async function prepareDatabase(cluster, projectDir, projectName) {
  const { database, roles } = await generatedNames(projectName);
  const passwords = { app: randomBytes(18).toString('hex'), migrator: randomBytes(18).toString('hex'), bypass: randomBytes(18).toString('hex') };
  const bypassRole = `${database}_bench_bypassrls`;
  cluster.superSql(`CREATE DATABASE "${database}"`, 'postgres');

  // The password files must be readable by the OS user that runs init.sh (the server's, for its peer login).
  const appPasswordFile = path.join(cluster.dir, 'app.pw');
  const migratorPasswordFile = path.join(cluster.dir, 'migrator.pw');
  cluster.writeOwned(appPasswordFile, passwords.app);
  cluster.writeOwned(migratorPasswordFile, passwords.migrator);
  cluster.must(
    'db/init.sh',
    cluster.asServerUser(path.join(projectDir, 'db/init.sh'), [], {
      ...cluster.connection,
      PGUSER: IS_ROOT ? 'postgres' : userInfo().username,
      APP_PASSWORD_FILE: appPasswordFile,
      MIGRATOR_PASSWORD_FILE: migratorPasswordFile,
    }),
  );
  const migrate = spawnSync(path.join(projectDir, 'db/migrate.sh'), ['up'], {
    env: clientEnv({ ...cluster.connection, PGUSER: roles.migrator, PGPASSWORD: passwords.migrator, PGDATABASE: database }),
    encoding: 'utf8',
  });
  cluster.must('db/migrate.sh up', { status: migrate.status ?? -1, stdout: migrate.stdout ?? '', stderr: migrate.stderr ?? '' });

  // The superuser is not bound by row-level security, so it can load every tenant's rows.
  cluster.superSql(
    [
      `INSERT INTO app.tenants (id, name) SELECT (${tenantUuidSql('n')})::uuid, 'tenant ' || n FROM generate_series(1, ${TENANTS}) AS n;`,
      `INSERT INTO app.projects (tenant_id, name, created_at)
         SELECT (${tenantUuidSql(`1 + i % ${TENANTS}`)})::uuid, 'project ' || i, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 second'
         FROM generate_series(1, ${TENANTS * PROJECTS_PER_TENANT}) AS i;`,
    ].join('\n'),
    database,
  );
  // psql -c runs its statements in one transaction, where VACUUM is refused: a call of its own.
  cluster.superSql('VACUUM ANALYZE app.tenants, app.projects;', database);

  // The comparison role: what the app role may do on app.projects, with the same per-role settings, but
  // BYPASSRLS, so the policy is not applied (FORCE only concerns the table's owner; BYPASSRLS skips it too).
  const appSettings = cluster
    .superSql(
      `SELECT unnest(s.setconfig) FROM pg_db_role_setting s WHERE s.setrole = '${roles.app}'::regrole AND s.setdatabase = 0`,
      database,
    )
    .trim()
    .split('\n')
    .filter((line) => line !== '');
  cluster.superSql(
    [
      `CREATE ROLE "${bypassRole}" LOGIN BYPASSRLS NOINHERIT NOSUPERUSER PASSWORD '${passwords.bypass}';`,
      `GRANT CONNECT ON DATABASE "${database}" TO "${bypassRole}";`,
      `GRANT USAGE ON SCHEMA app TO "${bypassRole}";`,
      `GRANT SELECT ON app.projects TO "${bypassRole}";`,
      ...appSettings.map((setting) => {
        const [name, ...value] = setting.split('=');
        return `ALTER ROLE "${bypassRole}" SET ${name} = '${value.join('=').replaceAll("'", "''")}';`;
      }),
    ].join('\n'),
    database,
  );
  return { database, roles, passwords, bypassRole };
}

/** Checks that the two roles differ in exactly what is measured, and records both query plans. */
function verifyRoles(cluster, db) {
  const visible = (role, password) =>
    cluster
      .roleSql(
        role,
        password,
        db.database,
        `SELECT count(*) FROM app.projects;
         BEGIN; SELECT set_config('app.tenant_id', ${tenantUuidSql(1)}, true) \\g /dev/null
         SELECT count(*) FROM app.projects; COMMIT;`,
      )
      .trim()
      .split('\n')
      .map(Number);
  const [appWithoutTenant, appWithTenant] = visible(db.roles.app, db.passwords.app);
  const [bypassWithoutTenant, bypassWithTenant] = visible(db.bypassRole, db.passwords.bypass);
  const total = TENANTS * PROJECTS_PER_TENANT;
  if (appWithoutTenant !== 0 || appWithTenant !== PROJECTS_PER_TENANT) {
    throw new Error(`the app role sees ${appWithoutTenant} rows without a tenant and ${appWithTenant} with one: row-level security is not in force`);
  }
  if (bypassWithoutTenant !== total || bypassWithTenant !== total) {
    throw new Error(`the BYPASSRLS role sees ${bypassWithoutTenant}/${bypassWithTenant} of ${total} rows: it does not bypass row-level security`);
  }
  const forced = cluster.superSql("SELECT relrowsecurity AND relforcerowsecurity FROM pg_class WHERE oid = 'app.projects'::regclass", db.database).trim();
  if (forced !== 't') throw new Error('app.projects does not have ENABLE and FORCE ROW LEVEL SECURITY');

  // pgbench -M prepared runs the statement with a parameter; after five executions PostgreSQL may switch to a
  // generic plan, so both the plan for a known tenant and the generic one are recorded.
  const statement = pgbenchScript().split('\n')[3].replaceAll(':tenant::int', () => '$1').replace(/;$/, '');
  const plan = (role, password) => {
    const lines = cluster
      .roleSql(
        role,
        password,
        db.database,
        [
          `PREPARE tenant_page(int) AS ${statement};`,
          `BEGIN; SELECT set_config('app.tenant_id', ${tenantUuidSql(1)}, true) \\g /dev/null`,
          'EXPLAIN (COSTS OFF) EXECUTE tenant_page(1);',
          "SELECT '--' \\g",
          'SET LOCAL plan_cache_mode = force_generic_plan;',
          'EXPLAIN (COSTS OFF) EXECUTE tenant_page(1);',
          'COMMIT;',
        ].join('\n'),
      )
      .trimEnd()
      .split('\n')
      .map((line) => line.trimEnd());
    const separator = lines.indexOf('--');
    return { custom: lines.slice(0, separator), generic: lines.slice(separator + 1) };
  };
  return { rls: plan(db.roles.app, db.passwords.app), noRls: plan(db.bypassRole, db.passwords.bypass) };
}

/**
 * Measures pgbench tps of the script as the app role (FORCE RLS) and as the BYPASSRLS role, interleaved,
 * with the same clients, threads and duration.
 */
export async function benchmarkRls({ projectDir, projectName, clients, threads, seconds, warmUpSeconds, rounds, cleanup, log }) {
  const cluster = await startCluster(projectDir, cleanup);
  const db = await prepareDatabase(cluster, projectDir, projectName);
  const plans = verifyRoles(cluster, db);
  const scriptFile = path.join(cluster.dir, 'tenant-page.sql');
  writeFileSync(scriptFile, pgbenchScript(), { mode: 0o644 });

  const pgbench = async (role, password, duration) => {
    // -M prepared: psycopg (the API's driver) prepares a statement once it has run five times.
    const args = ['-n', '-M', 'prepared', '-f', scriptFile, '-c', String(clients), '-j', String(threads), '-T', String(duration), db.database];
    const cpuBefore = cpuSeconds(cluster.postmasterPid, { withChildren: true });
    const result = spawnSync(path.join(PG_BIN, 'pgbench'), args, {
      env: clientEnv({ ...cluster.connection, PGUSER: role, PGPASSWORD: password }),
      encoding: 'utf8',
      timeout: (duration + 60) * 1000,
    });
    // The backends of pgbench's connections end after it exits; once the postmaster has reaped them their
    // CPU time shows in its cutime/cstime.
    await sleep(300);
    const cpuAfter = cpuSeconds(cluster.postmasterPid, { withChildren: true });
    if (result.status !== 0) throw new Error(`pgbench as ${role} failed (${result.status ?? result.error}): ${result.stderr}${result.stdout}`);
    const report = parsePgbenchOutput(result.stdout);
    if (report.failed > 0) throw new Error(`pgbench as ${role}: ${report.failed} failed transactions:\n${result.stderr.slice(-2000)}`);
    const cpuMicroseconds =
      cpuBefore === undefined || cpuAfter === undefined || !report.transactions ? undefined : ((cpuAfter - cpuBefore) / report.transactions) * 1e6;
    return { tps: report.tps, cpuMicroseconds };
  };
  const variants = [
    { name: 'rls', role: db.roles.app, password: db.passwords.app },
    { name: 'noRls', role: db.bypassRole, password: db.passwords.bypass },
  ];
  const samples = await interleavedRounds(variants, rounds, {
    warmUp: (variant) => pgbench(variant.role, variant.password, warmUpSeconds),
    measure: async (variant) => {
      const sample = await pgbench(variant.role, variant.password, seconds);
      const cpu = sample.cpuMicroseconds === undefined ? '' : `, server CPU ${sample.cpuMicroseconds.toFixed(0)} µs/transaction`;
      log(`  rls ${variant.name.padEnd(6)} ${sample.tps.toFixed(0)} transactions/s${cpu}`);
      return sample;
    },
  });
  const cpu = summariseCpu(samples);
  const { rls, noRls } = summariseField(samples, 'tps');
  const rlsOverhead = overhead(rls.median, noRls.median);
  return {
    status: 'measured',
    what:
      "pgbench tps of BEGIN; set_config('app.tenant_id', <tenant>, true); a page of 20 of the tenant's projects; COMMIT " +
      'as the generated app role under FORCE ROW LEVEL SECURITY vs a BYPASSRLS role on the same table; overhead = 1 - tps(rls)/tps(no rls)',
    postgres: cluster.version,
    data: { tenants: TENANTS, projectsPerTenant: PROJECTS_PER_TENANT, rows: TENANTS * PROJECTS_PER_TENANT },
    connection: 'Unix socket (no TLS), generated postgresql.conf and pg_hba.conf, SCRAM login',
    load: { tool: 'pgbench -M prepared', clients, threads, secondsPerRound: seconds, warmUpSeconds, rounds },
    roles: { rls: db.roles.app, noRls: db.bypassRole },
    script: pgbenchScript(),
    plans,
    transactionsPerSecond: { rls, noRls },
    // CPU time of the server's processes per transaction: what each costs, largely independent of other load.
    serverCpuMicrosecondsPerTransaction: cpu,
    // 1 - cpu(no rls)/cpu(rls): the throughput overhead a CPU-bound server would show.
    cpuOverhead: cpu === null ? null : overhead(cpu.noRls.median, cpu.rls.median),
    rlsOverhead,
    target: RLS_OVERHEAD_TARGET,
    withinTarget: rlsOverhead <= RLS_OVERHEAD_TARGET,
  };
}
