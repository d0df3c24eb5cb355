/**
 * The db layer on a real PostgreSQL server: a throwaway cluster (test/support/postgres.ts) serving the GENERATED
 * postgresql.conf and pg_hba.conf with a certificate made for the run. The generated commands do the work as a
 * user would: db/init.sh as the superuser over the Unix socket, db/migrate.sh as the migrator over
 * sslmode=verify-full, db/tests/run.sh with the app role over verify-full (isolation, escalation and catalog tests)
 * and the superuser (server checks). Plain TCP, another CA, a wrong password and the superuser over the network
 * are refused. Catalog queries check DB-01/02/03/04/06/07/08/09/10/11/15 independently of the generated tests, and every control removed
 * from the generated files, one at a time, makes the generated tests fail with the check that covers it.
 *
 * The database is prepared like one upgraded from PostgreSQL 14 (PUBLIC holds CREATE on schema public), so the
 * explicit REVOKE in db/init is what protects it, not PostgreSQL 15's default.
 */
import { chmodSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbRoles } from '../../../src/layers/db/index.js';
import { removeDir } from '../../support/cli.js';
import { postgresMissing, startCluster, type PgCluster, type PsqlResult } from '../../support/postgres.js';
import { generateProject } from '../../support/project.js';
import { skipOrFail } from '../../support/tools.js';
import { mutatedFiles, okLines, renderDb, type DbFiles, type Mutation } from './generated.js';
import { CONFIG_MUTATIONS, ISOLATION_MUTATIONS, privilegeMutations, type ConfigMutation } from './mutations.js';

const APP_PASSWORD = "app 'secret' pw";
const MIGRATOR_PASSWORD = 'migrator-secret-pw';

const skipReason = postgresMissing();
/** Set when the tools are there but the cluster would not start: a failure, never a skip. */
let startError: Error | undefined;
let cluster: PgCluster | undefined;
let projectDir: string | undefined;
let db: DbFiles;
let pgpass = '';
let appPasswordFile = '';
let migratorPasswordFile = '';

/** The cluster, or undefined after skipping (or failing, when tools are required) the test. */
function server(context: { skip: (note?: string) => void }): PgCluster | undefined {
  if (startError !== undefined) throw startError;
  if (cluster === undefined || projectDir === undefined) {
    skipOrFail(context, skipReason ?? 'the PostgreSQL cluster did not start');
    return undefined;
  }
  return cluster;
}

const generated = (file: string): string => path.join(projectDir ?? '', file);

function url(c: PgCluster, user: string): string {
  return `postgresql://${user}@127.0.0.1:${c.port}/${db.prefix}?sslmode=verify-full&sslrootcert=${encodeURIComponent(c.caFile)}`;
}

/** The superuser over the socket, as a URL (peer as root, the password from the pgpass file otherwise). */
function adminUrl(c: PgCluster): string {
  return `postgresql:///${db.prefix}?host=${encodeURIComponent(c.socketDir)}&port=${c.port}&user=${c.superuser}`;
}

function toolEnv(c: PgCluster): Record<string, string> {
  return { PATH: `${c.bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, PGPASSFILE: pgpass };
}

/** db/tests/run.sh as the OS user of the server (so the superuser's peer login over the socket works). */
function runPolicyTests(c: PgCluster): PsqlResult {
  return c.runAsServerUser(generated('db/tests/run.sh'), [], {
    ...toolEnv(c),
    APP_DATABASE_URL: url(c, db.roles.app),
    MIGRATOR_DATABASE_URL: url(c, db.roles.migrator),
    ADMIN_DATABASE_URL: adminUrl(c),
  });
}

const printed = (result: PsqlResult): string[] => result.stdout.split('\n').filter((line) => line !== '');

/** One row of `sql` run by the superuser in the application's database, split on '|'. */
function superRow(c: PgCluster, sql: string): string[] {
  return c.superSql(sql, db.prefix).trim().split('|');
}

beforeAll(async () => {
  db = await renderDb();
  if (skipReason !== undefined) return;
  const project = await generateProject({ layers: ['db'] });
  projectDir = project.dir;
  // The postgres OS user runs init.sh and run.sh, so it must be able to read the generated repository.
  chmodSync(projectDir, 0o755);
  try {
    cluster = await startCluster({
      postgresqlConf: readFileSync(generated('db/postgresql.conf'), 'utf8'),
      pgHba: readFileSync(generated('db/pg_hba.conf'), 'utf8'),
      database: db.prefix,
    });
  } catch (error) {
    startError = error as Error;
    return;
  }
  cluster.superSql('GRANT CREATE ON SCHEMA public TO PUBLIC;', db.prefix);
  appPasswordFile = cluster.writePrivateFile('app_password', `${APP_PASSWORD}\n`);
  migratorPasswordFile = cluster.writePrivateFile('migrator_password', `${MIGRATOR_PASSWORD}\n`);
  const escape = (value: string): string => value.replaceAll('\\', '\\\\').replaceAll(':', '\\:');
  pgpass = cluster.writePrivateFile(
    'pgpass',
    [
      `*:*:*:${db.roles.app}:${escape(APP_PASSWORD)}`,
      `*:*:*:${db.roles.migrator}:${escape(MIGRATOR_PASSWORD)}`,
      `*:*:*:${cluster.superuser}:${escape(cluster.superuserPassword)}`,
      '',
    ].join('\n'),
  );
}, 120_000);

afterAll(() => {
  cluster?.stop();
  if (projectDir !== undefined) removeDir(projectDir);
});

describe('db on a real PostgreSQL server, with the generated commands', () => {
  it('db/init.sh (superuser over the socket, passwords from files) sets up roles; a second run resets what was loosened', (context) => {
    const c = server(context);
    if (c === undefined) return;
    const { app, owner, migrator } = db.roles;
    for (let run = 0; run < 2; run++) {
      if (run === 1) {
        // Loosened by hand between the runs: the second run puts the privilege model back.
        c.superSql(`GRANT ${owner} TO ${app}; ALTER ROLE ${app} BYPASSRLS INHERIT; ALTER ROLE ${owner} LOGIN;`);
      }
      const result = c.runAsServerUser(generated('db/init.sh'), [adminUrl(c)], {
        ...toolEnv(c),
        APP_PASSWORD_FILE: appPasswordFile,
        MIGRATOR_PASSWORD_FILE: migratorPasswordFile,
      });
      expect(result.stderr, `run ${run + 1}`).toBe('');
      expect(result.stdout).toContain('roles, schemas and privileges are in place');
      expect(result.status).toBe(0);
    }
    expect(
      c
        .superSql(`SELECT rolname, rolcanlogin, rolbypassrls, rolinherit FROM pg_roles WHERE rolname LIKE '${db.prefix}\\_%' ORDER BY 1;`)
        .trim()
        .split('\n'),
    ).toEqual([`${app}|t|f|f`, `${migrator}|t|f|t`, `${owner}|f|f|t`, `${db.roles.readonly}|f|f|t`]);
    expect(c.superSql(`SELECT count(*) FROM pg_auth_members WHERE member = '${app}'::regrole OR roleid = '${app}'::regrole;`).trim()).toBe('0');
  });

  it('db/migrate.sh (the migrator over verify-full) applies, reverts and re-applies; golang-migrate bookkeeping', (context) => {
    const c = server(context);
    if (c === undefined) return;
    const migrate = (action: string): PsqlResult => c.runAsServerUser(generated('db/migrate.sh'), [action], { ...toolEnv(c), DATABASE_URL: url(c, db.roles.migrator) });
    const steps = ['up', 'up', 'version', 'down', 'version', 'up', 'version'].map((action) => {
      const result = migrate(action);
      expect(result.stderr, `migrate.sh ${action}`).toBe('');
      expect(result.status, `migrate.sh ${action}`).toBe(0);
      return result.stdout.trim();
    });
    expect(steps).toEqual([
      'applied 0001_tenants.up.sql\napplied 0002_projects.up.sql\nmigrate.sh: 2 migration(s) applied, version 2',
      'migrate.sh: 0 migration(s) applied, version 2',
      '2',
      'reverted 0002_projects.down.sql, version 1',
      '1',
      'applied 0002_projects.up.sql\nmigrate.sh: 1 migration(s) applied, version 2',
      '2',
    ]);
    // golang-migrate's table (x-migrations-table="migrations"."schema_migrations"), owned by the owner like the rest.
    expect(
      c.superSql(
        `SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod) || CASE WHEN attnotnull THEN ' not null' ELSE '' END, ', ' ORDER BY attnum),
                (SELECT relowner::regrole::text FROM pg_class WHERE oid = 'migrations.schema_migrations'::regclass),
                (SELECT version || ' ' || dirty FROM migrations.schema_migrations)
         FROM pg_attribute WHERE attrelid = 'migrations.schema_migrations'::regclass AND attnum > 0;`,
        db.prefix,
      ).trim(),
    ).toBe(`version bigint not null, dirty boolean not null|${db.roles.owner}|2 false`);
  });

  it('db/tests/run.sh passes: every isolation, escalation, catalog and server check prints ok', (context) => {
    const c = server(context);
    if (c === undefined) return;
    const result = runPolicyTests(c);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const expected = ['fixtures.sql', 'owner.sql', 'isolation.sql', 'escalation.sql', 'catalog.sql', 'server.sql'].flatMap((file) =>
      okLines(readFileSync(generated(`db/tests/${file}`), 'utf8')),
    );
    expect(printed(result)).toEqual([...expected, 'all policy tests passed']);
    // At least 12 attacks of a compromised application, each refused.
    expect(okLines(readFileSync(generated('db/tests/escalation.sql'), 'utf8')).length).toBeGreaterThanOrEqual(12);
    // The fixtures are gone again (superuser: no row-level security).
    expect(superRow(c, 'SELECT count(*) FROM app.projects; ')).toEqual(['0']);
  });

  it('a connection without TLS is rejected for every role, even with the right password', (context) => {
    const c = server(context);
    if (c === undefined) return;
    for (const [user, password] of [
      [db.roles.app, APP_PASSWORD],
      [db.roles.migrator, MIGRATOR_PASSWORD],
      [c.superuser, c.superuserPassword],
    ] as const) {
      const result = c.psql({ user, password, via: 'tcp', sslmode: 'disable', database: db.prefix, sql: 'SELECT 1;' });
      expect(result.status, user).not.toBe(0);
      expect(result.stderr).toMatch(/pg_hba\.conf rejects connection .* no encryption/);
    }
  });

  it('over TLS: the app role connects with verify-full; another CA, a wrong password and the superuser are refused', (context) => {
    const c = server(context);
    if (c === undefined) return;
    const ok = c.psql({ user: db.roles.app, password: APP_PASSWORD, via: 'tcp', database: db.prefix, sql: 'SELECT 1;' });
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    const otherCa = c.psql({ user: db.roles.app, password: APP_PASSWORD, via: 'tcp', sslrootcert: c.otherCaFile, database: db.prefix, sql: 'SELECT 1;' });
    expect(otherCa.stderr).toMatch(/certificate verify failed/);
    const wrongPassword = c.psql({ user: db.roles.app, password: 'not the password', via: 'tcp', database: db.prefix, sql: 'SELECT 1;' });
    expect(wrongPassword.stderr).toMatch(/password authentication failed for user/);
    const superuser = c.psql({ user: c.superuser, password: c.superuserPassword, via: 'tcp', database: db.prefix, sql: 'SELECT 1;' });
    expect(superuser.stderr).toMatch(/no pg_hba\.conf entry for host "127\.0\.0\.1", user "[^"]+", database "[^"]+", SSL encryption/);
    const otherDatabase = c.psql({ user: db.roles.app, password: APP_PASSWORD, via: 'tcp', database: 'postgres', sql: 'SELECT 1;' });
    expect(otherDatabase.stderr).toMatch(/no pg_hba\.conf entry/);
  });

  it('the server log records who connected, from where, over which TLS, and holds no password or row data', (context) => {
    const c = server(context);
    if (c === undefined) return;
    const log = c.log();
    expect(log).toMatch(
      new RegExp(
        `\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} UTC \\[\\d+\\] ${db.roles.app}@${db.prefix} 127\\.0\\.0\\.1\\(\\d+\\) psql LOG:  disconnection`,
      ),
    );
    expect(log).toMatch(new RegExp(`connection authorized: user=${db.roles.app} database=${db.prefix} application_name=psql SSL enabled \\(protocol=TLSv1\\.[23]`));
    for (const secret of [APP_PASSWORD, MIGRATOR_PASSWORD, 'policy test tenant A', 'planted by A']) expect(log).not.toContain(secret);
  });
});

describe('catalog checks on the server (independent of the generated tests)', () => {
  const CATALOG: Array<{ control: string; what: string; sql: (d: DbFiles) => string; expected: string }> = [
    {
      control: 'DB-01',
      what: 'app role: no superuser, BYPASSRLS, CREATEDB, CREATEROLE, INHERIT; member of nothing; owner NOLOGIN',
      sql: ({ roles }) => `SELECT rolsuper, rolbypassrls, rolcreatedb, rolcreaterole, rolinherit, rolcanlogin,
          pg_has_role('${roles.app}', '${roles.owner}', 'MEMBER'), pg_has_role('${roles.app}', '${roles.migrator}', 'MEMBER'),
          (SELECT count(*) FROM pg_auth_members WHERE member = '${roles.app}'::regrole),
          (SELECT rolcanlogin FROM pg_roles WHERE rolname = '${roles.owner}'),
          pg_has_role('${roles.migrator}', '${roles.owner}', 'MEMBER')
        FROM pg_roles WHERE rolname = '${roles.app}';`,
      expected: 'f|f|f|f|f|t|f|f|0|f|t',
    },
    {
      control: 'DB-02',
      what: 'no CREATE in public (despite the PostgreSQL 14-style grant), no TEMPORARY or CREATE on the database, nothing for PUBLIC',
      sql: ({ roles }) => `SELECT has_schema_privilege('${roles.app}', 'public', 'CREATE'),
          has_database_privilege('${roles.app}', current_database(), 'TEMPORARY'),
          has_database_privilege('${roles.app}', current_database(), 'CREATE'),
          (SELECT count(*) FROM pg_database d, aclexplode(d.datacl) a WHERE d.datname = current_database() AND a.grantee = 0),
          (SELECT count(*) FROM pg_namespace n, aclexplode(n.nspacl) a WHERE n.nspname IN ('public', 'app', 'migrations') AND a.grantee = 0);`,
      expected: 'f|f|f|0|0',
    },
    {
      control: 'DB-03',
      what: 'every table in schema app has ENABLE and FORCE ROW LEVEL SECURITY',
      sql: () => `SELECT count(*), count(*) FILTER (WHERE relrowsecurity AND relforcerowsecurity)
        FROM pg_class WHERE relnamespace = 'app'::regnamespace AND relkind IN ('r', 'p');`,
      expected: '2|2',
    },
    {
      control: 'DB-04',
      what: 'one permissive FOR ALL policy per table, USING and WITH CHECK on the NULLIF tenant expression',
      sql: () => `SELECT string_agg(tablename || ':' || cmd || ':' || permissive || ':' || (qual = with_check)::text || ':' || qual, ' ; ' ORDER BY tablename)
        FROM pg_policies WHERE schemaname = 'app';`,
      expected:
        "projects:ALL:PERMISSIVE:true:(tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid) ; " +
        "tenants:ALL:PERMISSIVE:true:(id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid)",
    },
    {
      control: 'DB-06',
      what: 'no SECURITY DEFINER function without search_path; functions of the owner are not executable by PUBLIC by default',
      sql: ({ roles }) => `SELECT (SELECT count(*) FROM pg_proc p WHERE p.prosecdef AND p.pronamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
            AND NOT coalesce(p.proconfig::text LIKE '%search_path=%', false)),
          (SELECT count(*) FROM pg_default_acl d WHERE d.defaclrole = '${roles.owner}'::regrole AND d.defaclobjtype = 'f'
            AND d.defaclnamespace = 0 AND NOT EXISTS (SELECT FROM aclexplode(d.defaclacl) a WHERE a.grantee = 0));`,
      expected: '0|1',
    },
    {
      control: 'DB-07',
      what: 'password_encryption is scram-sha-256 and no verifier is md5',
      sql: () => `SELECT current_setting('password_encryption'), (SELECT count(*) FROM pg_authid WHERE rolpassword LIKE 'md5%'),
          (SELECT count(*) FROM pg_authid WHERE rolpassword LIKE 'SCRAM-SHA-256$%');`,
      expected: 'scram-sha-256|0|3',
    },
    {
      control: 'DB-08',
      what: 'pg_hba.conf: hostssl + scram-sha-256 for the app and migrator only, hostnossl reject, no trust/md5/password',
      sql: () => `SELECT string_agg(type || ' ' || array_to_string(database, ',') || ' ' || array_to_string(user_name, ',') || ' ' || auth_method, ' ; ' ORDER BY line_number)
        FROM pg_hba_file_rules;`,
      expected: 'local all postgres peer ; local all all scram-sha-256 ; hostnossl all all reject ; hostssl demo_app demo_app_migrator,demo_app_app scram-sha-256',
    },
    {
      control: 'DB-09',
      what: 'ssl = on, ssl_min_protocol_version = TLSv1.2',
      sql: () => `SELECT current_setting('ssl'), current_setting('ssl_min_protocol_version');`,
      expected: 'on|TLSv1.2',
    },
    {
      control: 'DB-10',
      what: 'app role statement, idle-in-transaction and lock timeouts',
      sql: ({ roles }) => `SELECT array_to_string(rolconfig, ',') FROM pg_roles WHERE rolname = '${roles.app}';`,
      expected: 'statement_timeout=5s,idle_in_transaction_session_timeout=15s,lock_timeout=2s,search_path=app',
    },
    {
      control: 'DB-11',
      what: 'connection logging, log_line_prefix with %m %u %d %r %a, no statement logging',
      sql: () => `SELECT current_setting('log_connections'), current_setting('log_disconnections'), current_setting('log_line_prefix'),
          current_setting('log_statement'), current_setting('log_min_duration_statement'), current_setting('log_parameter_max_length_on_error');`,
      expected: 'on|on|%m [%p] %q%u@%d %r %a |none|-1|0',
    },
    {
      control: 'DB-15',
      what: 'no CREATE in schema app for the app role; every object in app owned by the owner; app privileges as the contract says',
      sql: ({ roles }) => `SELECT has_schema_privilege('${roles.app}', 'app', 'CREATE'),
          (SELECT count(*) FROM pg_class WHERE relnamespace = 'app'::regnamespace AND relowner <> '${roles.owner}'::regrole),
          (SELECT string_agg(table_name || ' ' || privilege_type, ', ' ORDER BY table_name, privilege_type)
             FROM information_schema.role_table_grants WHERE grantee = '${roles.app}');`,
      expected: 'f|0|projects DELETE, projects INSERT, projects SELECT, projects UPDATE, tenants SELECT',
    },
  ];

  it.for(CATALOG.map((check) => [`${check.control}: ${check.what}`, check] as const))('%s', ([, check], context) => {
    const c = server(context);
    if (c === undefined) return;
    expect(c.superSql(check.sql(db), db.prefix).trim()).toBe(check.expected);
  });
});

/** A fresh database and roles, the given init and migration files applied with plain `psql -f`, then run.sh. */
function deploy(c: PgCluster, files: Record<string, string>): { stage: string; result: PsqlResult } {
  c.superSql(
    `DROP DATABASE IF EXISTS ${db.prefix} WITH (FORCE);
     DROP ROLE IF EXISTS ${db.roles.app}, ${db.roles.migrator}, ${db.roles.readonly}, ${db.roles.owner};
     CREATE DATABASE ${db.prefix};`,
  );
  c.superSql('GRANT CREATE ON SCHEMA public TO PUBLIC;', db.prefix);
  const text = (file: string): string => files[file] ?? db.text(file);
  for (const file of db.list('db/init', '.sql')) {
    const result = c.psql({
      user: c.superuser,
      password: c.superuserPassword,
      via: 'socket',
      database: db.prefix,
      vars: { app_password: APP_PASSWORD, migrator_password: MIGRATOR_PASSWORD },
      sql: text(file),
    });
    if (result.status !== 0) return { stage: file, result };
  }
  for (const file of db.list('db/migrations', '.up.sql')) {
    const result = c.psql({ user: db.roles.migrator, password: MIGRATOR_PASSWORD, via: 'tcp', database: db.prefix, sql: text(file) });
    if (result.status !== 0) return { stage: file, result };
  }
  return { stage: 'db/tests/run.sh', result: runPolicyTests(c) };
}

describe('every control removed from the generated files makes the generated tests fail', () => {
  it('control: the unchanged files, applied with plain psql -f, pass the policy tests', (context) => {
    const c = server(context);
    if (c === undefined) return;
    const { stage, result } = deploy(c, {});
    expect(result.stderr, stage).toBe('');
    expect(stage).toBe('db/tests/run.sh');
    expect(result.status).toBe(0);
  });

  const configCases = CONFIG_MUTATIONS.map((mutation) => [`${mutation.control} removed: ${mutation.name}`, mutation] as const);
  it.for(configCases)('%s → server.sql fails', ([, mutation], context) => {
    const c = server(context);
    if (c === undefined) return;
    const original = db.text(mutation.file);
    const weakened = applyConfig(original, mutation);
    const target = mutation.file === 'db/pg_hba.conf' ? 'pg_hba.conf' : 'secure-stack.conf';
    c.replaceConfig(target, weakened);
    try {
      const result = c.psql({ user: c.superuser, password: c.superuserPassword, via: 'socket', database: db.prefix, sql: db.text('db/tests/server.sql') });
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(mutation.expect);
      if (mutation.file === 'db/pg_hba.conf') {
        // The plain TCP login that the real configuration rejects now gets in.
        const plain = c.psql({ user: db.roles.app, password: APP_PASSWORD, via: 'tcp', sslmode: 'disable', database: db.prefix, sql: 'SELECT 1;' });
        expect(plain.stderr).toBe('');
      }
    } finally {
      c.replaceConfig(target, original);
    }
  });

  const cases = [...ISOLATION_MUTATIONS, ...privilegeMutations(dbRoles('demo_app'))].map(
    (mutation) => [`${mutation.control} removed: ${mutation.name}`, mutation] as const,
  );
  it.for(cases)('%s → the policy tests fail', ([, mutation], context) => {
    const c = server(context);
    if (c === undefined) return;
    const { stage, result } = deploy(c, mutatedFiles(db, mutation as Mutation));
    expect(result.status, `${stage} passed although the control was removed`).not.toBe(0);
    expect(`${stage}: ${result.stderr}`).toMatch(mutation.expect);
  });
});

function applyConfig(text: string, mutation: ConfigMutation): string {
  if (typeof mutation.find === 'string') {
    if (text.split(mutation.find).length !== 2) throw new Error(`mutation "${mutation.name}": ${mutation.find} is not in ${mutation.file} exactly once`);
    return text.replace(mutation.find, () => mutation.replace);
  }
  if (!mutation.find.test(text)) throw new Error(`mutation "${mutation.name}": ${String(mutation.find)} does not match ${mutation.file}`);
  return text.replace(mutation.find, mutation.replace);
}
