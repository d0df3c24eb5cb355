/**
 * The db layer's generated files, read without a server: which files exist (and are executable), the api↔db
 * contract in the SQL (role names, tables, policies, grants), passwords only from psql variables, pg_hba.conf and
 * postgresql.conf rules, every SQL file parsed by the real PostgreSQL parser, shell scripts clean under
 * shellcheck, and role names derived from the project name. What the files DO is proven on PGlite
 * (pglite.test.ts) and on a real server (server.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadModule, parseSync } from 'libpg-query';
import { beforeAll, describe, expect, it } from 'vitest';
import { canSkip } from '../../support/tools.js';
import { renderDb, type DbFiles } from './generated.js';

const DB_FILES = [
  'db/README.md',
  'db/init.sh',
  'db/init/010_roles.sql',
  'db/init/020_schema.sql',
  'db/migrate.sh',
  'db/migrations/0001_tenants.down.sql',
  'db/migrations/0001_tenants.up.sql',
  'db/migrations/0002_projects.down.sql',
  'db/migrations/0002_projects.up.sql',
  'db/pg_hba.conf',
  'db/postgresql.conf',
  'db/tests/catalog.sql',
  'db/tests/cleanup.sql',
  'db/tests/escalation.sql',
  'db/tests/fixtures.sql',
  'db/tests/isolation.sql',
  'db/tests/owner.sql',
  'db/tests/run.sh',
  'db/tests/server.sql',
];
const SCRIPTS = ['db/init.sh', 'db/migrate.sh', 'db/tests/run.sh'];
const TENANT = "NULLIF(current_setting('app.tenant_id', true), '')::uuid";

let db: DbFiles;
beforeAll(async () => {
  db = await renderDb();
  await loadModule();
});

/** The SQL a psql script sends to the server: `\echo` lines dropped, `:'var'` replaced by a literal. */
function serverSql(script: string): string {
  return script
    .split('\n')
    .filter((line) => !line.startsWith('\\echo '))
    .join('\n')
    .replace(/:'[a-z_]+'/g, "'psql-variable'");
}

/** `key = value` lines of postgresql.conf, comments stripped, quotes removed. */
function confSettings(text: string): Map<string, string> {
  const settings = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\s*([a-z_.]+)\s*=\s*('(?:[^']|'')*'|[^\s#]+)/.exec(line);
    if (match) settings.set(match[1]!, match[2]!.replace(/^'(.*)'$/, '$1').replaceAll("''", "'"));
  }
  return settings;
}

describe('db layer files', () => {
  it('generates db/ with its scripts executable, and nothing when the layer is not chosen', async () => {
    const files = db.project.files.filter((file) => file.path.startsWith('db/'));
    expect(files.map((file) => file.path)).toEqual(DB_FILES);
    expect(files.filter((file) => file.executable).map((file) => file.path)).toEqual(SCRIPTS);
    expect(files.every((file) => file.layer === 'db')).toBe(true);
    expect(Object.keys(db.project.manifest.files).filter((file) => file.startsWith('db/'))).toEqual(DB_FILES);
    const withoutDb = await renderDb({ layers: ['api', 'docs'] });
    expect(withoutDb.project.files.filter((file) => file.path.startsWith('db/'))).toEqual([]);
  });

  it('renders the same bytes twice', async () => {
    const again = await renderDb();
    expect(again.project.files.map((file) => [file.path, file.content.toString('utf8')])).toEqual(
      db.project.files.map((file) => [file.path, file.content.toString('utf8')]),
    );
  });

  it('every SQL file parses with the PostgreSQL parser', () => {
    const sqlFiles = DB_FILES.filter((file) => file.endsWith('.sql'));
    for (const file of sqlFiles) {
      const parsed = parseSync(serverSql(db.text(file))) as { stmts?: unknown[] };
      expect(parsed.stmts?.length ?? 0, file).toBeGreaterThan(0);
    }
  });

  it('passwords come only from the psql variables :app_password and :migrator_password', () => {
    for (const file of DB_FILES) {
      expect(db.text(file), file).not.toMatch(/PASSWORD\s+E?'/i);
    }
    const roles = db.text('db/init/010_roles.sql');
    expect(roles.match(/PASSWORD\s+[^\s;]+/g)).toEqual(["PASSWORD :'migrator_password'", "PASSWORD :'app_password'"]);
    expect(roles).toContain("SET password_encryption = 'scram-sha-256';");
  });

  it('roles follow the contract: owner NOLOGIN, migrator member of the owner, app NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT', () => {
    const roles = db.text('db/init/010_roles.sql');
    const { owner, migrator, app, readonly } = db.roles;
    expect(roles).toContain(`ALTER ROLE "${owner}" NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT;`);
    expect(roles).toContain(`ALTER ROLE "${readonly}" NOLOGIN `);
    expect(roles).toMatch(new RegExp(`ALTER ROLE "${migrator}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT\\s+PASSWORD`));
    expect(roles).toMatch(new RegExp(`ALTER ROLE "${app}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT\\s+PASSWORD`));
    expect(roles).toContain(`GRANT "${owner}" TO "${migrator}";`);
    expect(roles).not.toMatch(new RegExp(`GRANT [^;]* TO [^;]*"${app}"`));
    for (const setting of ['statement_timeout', 'idle_in_transaction_session_timeout', 'lock_timeout']) {
      expect(roles).toMatch(new RegExp(`ALTER ROLE "${app}" SET ${setting} = '\\d+m?s';`));
    }
  });

  it('tables, policies and grants follow the api↔db contract', () => {
    const tenants = db.text('db/migrations/0001_tenants.up.sql');
    const projects = db.text('db/migrations/0002_projects.up.sql');
    expect(tenants).toContain('CREATE TABLE app.tenants (\n  id uuid PRIMARY KEY,\n  name text NOT NULL,\n  created_at timestamptz NOT NULL DEFAULT now()\n);');
    expect(projects).toContain(
      'CREATE TABLE app.projects (\n  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),\n  tenant_id uuid NOT NULL REFERENCES app.tenants (id),\n' +
        '  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),\n  created_at timestamptz NOT NULL DEFAULT now()\n);',
    );
    expect(projects).toContain('CREATE INDEX projects_tenant_id_idx ON app.projects (tenant_id);');
    for (const [text, table, column] of [[tenants, 'tenants', 'id'], [projects, 'projects', 'tenant_id']] as const) {
      expect(text).toContain(`ALTER TABLE app.${table} ENABLE ROW LEVEL SECURITY;\nALTER TABLE app.${table} FORCE ROW LEVEL SECURITY;`);
      expect(text).toContain(`  USING (${column} = ${TENANT})\n  WITH CHECK (${column} = ${TENANT});`);
      expect(text).toContain(`REVOKE ALL ON app.${table} FROM PUBLIC;`);
      expect(text.trimEnd().endsWith('COMMIT;')).toBe(true);
    }
    expect(tenants.match(/^GRANT .*$/gm)).toEqual([`GRANT SELECT ON app.tenants TO "${db.roles.app}";`]);
    expect(projects.match(/^GRANT .*$/gm)).toEqual([`GRANT SELECT, INSERT, UPDATE, DELETE ON app.projects TO "${db.roles.app}";`]);
    expect(db.text('db/migrations/0002_projects.down.sql')).toContain('DROP TABLE app.projects;');
    expect(db.text('db/migrations/0001_tenants.down.sql')).toContain('DROP TABLE app.tenants;');
  });

  it('pg_hba.conf: TLS-only network access with SCRAM, no trust, password, md5 or plain host line', () => {
    const rules = db
      .text('db/pg_hba.conf')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
      .map((line) => line.trim().split(/\s+/));
    expect(rules).toEqual([
      ['local', 'all', 'postgres', 'peer'],
      ['local', 'all', 'all', 'scram-sha-256'],
      ['hostnossl', 'all', 'all', 'all', 'reject'],
      ['hostssl', db.prefix, `${db.roles.migrator},${db.roles.app}`, 'all', 'scram-sha-256'],
    ]);
  });

  it('postgresql.conf: SCRAM, TLS 1.2+, connection logging, no statement logging', () => {
    const settings = confSettings(db.text('db/postgresql.conf'));
    expect(Object.fromEntries(settings)).toMatchObject({
      password_encryption: 'scram-sha-256',
      ssl: 'on',
      ssl_min_protocol_version: 'TLSv1.2',
      log_connections: 'on',
      log_disconnections: 'on',
      log_statement: 'none',
      log_min_duration_statement: '-1',
      log_parameter_max_length: '0',
      log_parameter_max_length_on_error: '0',
    });
    const prefix = settings.get('log_line_prefix') ?? '';
    for (const escape of ['%m', '%u', '%d', '%r', '%a']) expect(prefix).toContain(escape);
    expect(db.text('db/postgresql.conf')).toMatch(/PostgreSQL 18 turns log_connections into a list/);
  });

  it('role names derive from the project name, up to the longest name allowed', async () => {
    for (const projectName of ['acme-portal', `a${'b'.repeat(38)}c`]) {
      const other = await renderDb({ projectName });
      const all = other.project.files.map((file) => file.content.toString('utf8')).join('\n');
      expect(all).not.toContain('demo_app');
      for (const role of Object.values(other.roles)) expect(all).toContain(`"${role}"`);
      expect(other.text('db/pg_hba.conf')).toContain(`hostssl    ${other.prefix}  ${other.roles.migrator},${other.roles.app}  all  scram-sha-256`);
    }
  });

  it('the README documents the commands, the roles and the migration runner', () => {
    const readme = db.text('db/README.md');
    for (const command of ['db/init.sh', 'db/migrate.sh up', 'db/tests/run.sh', 'migrate -path db/migrations']) expect(readme).toContain(command);
    for (const role of Object.values(db.roles)) expect(readme).toContain(`\`${role}\``);
    expect(readme).toContain('x-migrations-table=%22migrations%22.%22schema_migrations%22&x-migrations-table-quoted=1');
    expect(readme).toContain("SELECT set_config('app.tenant_id', $1, true)");
  });

  const shellcheckMissing = spawnSync('shellcheck', ['--version'], { stdio: 'ignore' }).status !== 0;
  it.skipIf(canSkip(shellcheckMissing))('the shell scripts pass bash -n and shellcheck', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'db-scripts-'));
    try {
      const files = SCRIPTS.map((script) => {
        const target = path.join(dir, script.replaceAll('/', '_'));
        writeFileSync(target, db.text(script));
        return target;
      });
      for (const file of files) {
        const syntax = spawnSync('bash', ['-n', file], { encoding: 'utf8' });
        expect(syntax.stderr, file).toBe('');
      }
      const lint = spawnSync('shellcheck', ['--shell=bash', '--severity=style', ...files], { encoding: 'utf8' });
      expect(lint.stdout + lint.stderr).toBe('');
      expect(lint.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
