/**
 * Controls removed or weakened in the generated db files, one at a time, each with the failure the generated
 * policy tests must then report. A test proves its control only if it fails without it: the layer tests apply
 * each mutation, run the tests, and expect exactly that failure.
 */
import type { DbRoles } from '../../../src/layers/db/index.js';
import type { Mutation } from './generated.js';

const ROLES_SQL = 'db/init/010_roles.sql';
const SCHEMA_SQL = 'db/init/020_schema.sql';
const TENANTS_UP = 'db/migrations/0001_tenants.up.sql';
const PROJECTS_UP = 'db/migrations/0002_projects.up.sql';
const TENANT_EXPRESSION = "NULLIF(current_setting('app.tenant_id', true), '')::uuid";

/** Row-level security and policies: caught by owner.sql and isolation.sql (on PGlite and on a server). */
export const ISOLATION_MUTATIONS: Mutation[] = [
  {
    control: 'DB-04',
    name: 'policy without NULLIF: an empty tenant breaks the ::uuid cast',
    changes: [{ file: PROJECTS_UP, find: `USING (tenant_id = ${TENANT_EXPRESSION})`, replace: "USING (tenant_id = current_setting('app.tenant_id', true)::uuid)" }],
    expect: /invalid input syntax for type uuid: ""/,
  },
  {
    control: 'DB-04',
    name: 'policy without a tenant WITH CHECK (WITH CHECK (true))',
    changes: [{ file: PROJECTS_UP, find: `WITH CHECK (tenant_id = ${TENANT_EXPRESSION})`, replace: 'WITH CHECK (true)' }],
    expect: /FAIL: tenant A inserted a project into tenant B/,
  },
  {
    control: 'DB-04',
    name: 'policy that allows everything when no tenant is set',
    changes: [
      {
        file: PROJECTS_UP,
        find: `USING (tenant_id = ${TENANT_EXPRESSION})`,
        replace: `USING (current_setting('app.tenant_id', true) IS NULL OR tenant_id = ${TENANT_EXPRESSION})`,
      },
    ],
    expect: /FAIL: the table owner reads rows without a tenant/,
  },
  {
    control: 'DB-03',
    name: 'projects without FORCE ROW LEVEL SECURITY',
    changes: [{ file: PROJECTS_UP, find: 'ALTER TABLE app.projects FORCE ROW LEVEL SECURITY;', replace: '' }],
    expect: /FAIL: the table owner reads rows without a tenant: FORCE ROW LEVEL SECURITY is missing/,
  },
  {
    control: 'DB-03',
    name: 'projects without ENABLE ROW LEVEL SECURITY',
    changes: [{ file: PROJECTS_UP, find: 'ALTER TABLE app.projects ENABLE ROW LEVEL SECURITY;', replace: '' }],
    expect: /FAIL: the table owner reads rows without a tenant/,
  },
  {
    control: 'DB-03',
    name: 'tenants without row-level security',
    changes: [{ file: TENANTS_UP, find: 'ALTER TABLE app.tenants ENABLE ROW LEVEL SECURITY;\nALTER TABLE app.tenants FORCE ROW LEVEL SECURITY;', replace: '' }],
    expect: /FAIL: the table owner reads rows without a tenant/,
  },
];

/** Roles, privileges and definer functions: caught by escalation.sql, catalog.sql or server.sql on a real server. */
export function privilegeMutations(roles: DbRoles): Mutation[] {
  const q = (name: string): string => `"${name}"`;
  return [
    {
      control: 'DB-01',
      name: 'app role with BYPASSRLS',
      changes: [{ file: ROLES_SQL, find: 'NOBYPASSRLS NOINHERIT', replace: 'BYPASSRLS NOINHERIT' }],
      expect: /FAIL: without a tenant the app role reads rows/,
    },
    {
      control: 'DB-01',
      name: 'app role a member of the owner',
      changes: [{ file: ROLES_SQL, find: `GRANT ${q(roles.owner)} TO ${q(roles.migrator)};`, replace: `GRANT ${q(roles.owner)} TO ${q(roles.migrator)}, ${q(roles.app)};` }],
      expect: /FAIL: the app role became the owner/,
    },
    {
      control: 'DB-01',
      name: 'app role with CREATEROLE',
      changes: [{ file: ROLES_SQL, find: 'NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT', replace: 'CREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT' }],
      expect: /FAIL: the app role (granted itself the owner role|created a role)/,
    },
    {
      control: 'DB-01',
      name: 'app role with INHERIT',
      changes: [{ file: ROLES_SQL, find: 'NOBYPASSRLS NOINHERIT', replace: 'NOBYPASSRLS INHERIT' }],
      expect: /FAIL: \S+ must be LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION NOINHERIT/,
    },
    {
      control: 'DB-01',
      name: 'owner role that can log in',
      changes: [{ file: ROLES_SQL, find: `ALTER ROLE ${q(roles.owner)} NOLOGIN`, replace: `ALTER ROLE ${q(roles.owner)} LOGIN` }],
      expect: /FAIL: the owner role must be NOLOGIN NOSUPERUSER NOBYPASSRLS/,
    },
    {
      control: 'DB-02',
      name: 'PUBLIC keeps its privileges on the database (CONNECT, TEMPORARY)',
      changes: [{ file: SCHEMA_SQL, find: "EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());", replace: '' }],
      expect: /FAIL: the app role created a temporary table/,
    },
    {
      control: 'DB-02',
      name: 'PUBLIC keeps CREATE on schema public (a cluster upgraded from PostgreSQL 14 or older)',
      changes: [{ file: SCHEMA_SQL, find: 'REVOKE ALL ON SCHEMA public FROM PUBLIC;', replace: '' }],
      expect: /FAIL: the app role created a table in schema public/,
    },
    {
      control: 'DB-15',
      name: 'app role with CREATE on schema app',
      changes: [{ file: SCHEMA_SQL, find: `GRANT USAGE ON SCHEMA app TO ${q(roles.app)}`, replace: `GRANT USAGE, CREATE ON SCHEMA app TO ${q(roles.app)}` }],
      expect: /FAIL: the app role created a table in schema app/,
    },
    {
      control: 'DB-15',
      name: 'migrator sessions that do not act as the owner',
      changes: [{ file: ROLES_SQL, find: `ALTER ROLE ${q(roles.migrator)} SET role = '${roles.owner}';`, replace: '' }],
      expect: new RegExp(`migrations must run as ${roles.owner} \\(connect as ${roles.migrator}\\), not as ${roles.migrator}`),
    },
    {
      control: 'DB-15',
      name: 'app role granted every privilege on projects (TRUNCATE included)',
      changes: [{ file: PROJECTS_UP, find: `GRANT SELECT, INSERT, UPDATE, DELETE ON app.projects TO ${q(roles.app)};`, replace: `GRANT ALL ON app.projects TO ${q(roles.app)};` }],
      expect: /FAIL: the app role truncated app.projects/,
    },
    {
      control: 'DB-15',
      name: 'app role may insert tenants',
      changes: [{ file: TENANTS_UP, find: `GRANT SELECT ON app.tenants TO ${q(roles.app)};`, replace: `GRANT SELECT, INSERT ON app.tenants TO ${q(roles.app)};` }],
      expect: /FAIL: the app role must only SELECT app.tenants/,
    },
    {
      control: 'DB-10',
      name: 'app role without timeouts',
      changes: ['statement_timeout', 'idle_in_transaction_session_timeout', 'lock_timeout'].map((setting) => ({
        file: ROLES_SQL,
        find: `ALTER ROLE ${q(roles.app)} SET ${setting} =`,
        replace: `-- ALTER ROLE ${q(roles.app)} SET ${setting} =`,
      })),
      expect: /FAIL: the app role lacks statement_timeout, idle_in_transaction_session_timeout or lock_timeout/,
    },
    {
      control: 'DB-07',
      name: 'md5 password verifiers',
      changes: [{ file: ROLES_SQL, find: "SET password_encryption = 'scram-sha-256';", replace: "SET password_encryption = 'md5';" }],
      expect: /password authentication failed for user/,
    },
    {
      control: 'DB-06',
      name: 'a SECURITY DEFINER function without a pinned search_path',
      changes: [
        {
          file: PROJECTS_UP,
          find: '\nCOMMIT;',
          replace: "\nCREATE FUNCTION app.project_count() RETURNS bigint LANGUAGE sql SECURITY DEFINER AS 'SELECT count(*) FROM app.projects';\nCOMMIT;",
        },
      ],
      expect: /FAIL: SECURITY DEFINER functions without a pinned search_path or executable by PUBLIC: app.project_count\(\)/,
    },
    {
      control: 'DB-06',
      name: 'functions executable by PUBLIC by default (a pinned SECURITY DEFINER function then is)',
      changes: [
        { file: SCHEMA_SQL, find: `ALTER DEFAULT PRIVILEGES FOR ROLE ${q(roles.owner)} REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;`, replace: '' },
        {
          file: PROJECTS_UP,
          find: '\nCOMMIT;',
          replace:
            "\nCREATE FUNCTION app.project_count() RETURNS bigint LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, app, pg_temp AS 'SELECT count(*) FROM app.projects';\nCOMMIT;",
        },
      ],
      expect: /FAIL: SECURITY DEFINER functions without a pinned search_path or executable by PUBLIC: app.project_count\(\)/,
    },
    {
      control: 'DB-03',
      name: 'tenant table without its tenant_id index',
      changes: [{ file: PROJECTS_UP, find: 'CREATE INDEX projects_tenant_id_idx ON app.projects (tenant_id);', replace: '' }],
      expect: /FAIL: tenant tables without an index leading with tenant_id: app.projects/,
    },
  ];
}

/** A server configuration file weakened: caught by server.sql (and, for pg_hba.conf, by a plain TCP login). */
export interface ConfigMutation {
  control: string;
  name: string;
  file: 'db/postgresql.conf' | 'db/pg_hba.conf';
  find: string | RegExp;
  replace: string;
  expect: RegExp;
}

export const CONFIG_MUTATIONS: ConfigMutation[] = [
  {
    control: 'DB-08',
    name: 'pg_hba.conf admits connections without TLS',
    file: 'db/pg_hba.conf',
    find: /^hostnossl .*\n([\s\S]*)^hostssl /m,
    replace: '$1host    ',
    expect: /FAIL: pg_hba.conf lines that allow a connection without TLS or without SCRAM/,
  },
  {
    control: 'DB-09',
    name: 'TLS 1.0 allowed',
    file: 'db/postgresql.conf',
    find: "ssl_min_protocol_version = 'TLSv1.2'",
    replace: "ssl_min_protocol_version = 'TLSv1'",
    expect: /FAIL: ssl_min_protocol_version is TLSv1, not TLSv1.2 or later/,
  },
  {
    control: 'DB-11',
    name: 'connections not logged',
    file: 'db/postgresql.conf',
    find: 'log_connections = on',
    replace: 'log_connections = off',
    expect: /FAIL: connections and disconnections are not logged/,
  },
  {
    control: 'DB-11',
    name: 'every statement logged, with its data',
    file: 'db/postgresql.conf',
    find: "log_statement = 'none'",
    replace: "log_statement = 'all'",
    expect: /FAIL: statements or their parameters are logged/,
  },
];
