/** PostgreSQL family: inline true positives and negatives per control, the generated stack, and mutations of its db/ files. */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRepository } from '../../src/check/run.js';
import { removeDir } from '../support/cli.js';
import { generateProject } from '../support/project.js';
import { findingsFor, lineOf, writeRepo } from './helpers.js';
import { mutator } from './mutation.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

function check(files: Record<string, string>, controlId: string) {
  const dir = writeRepo(files);
  dirs.push(dir);
  return findingsFor(dir, controlId).map((f) => [f.file, f.line, f.column]);
}
const sql = (text: string, controlId: string, file = 'db/migrations/0001_x.up.sql') => check({ [file]: text }, controlId);

const GOOD_TABLE = `CREATE TABLE app.t (id int, tenant_id uuid);
ALTER TABLE app.t ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.t FORCE ROW LEVEL SECURITY;
CREATE POLICY p ON app.t USING (tenant_id = current_setting('app.tenant_id', true)::uuid) WITH CHECK (tenant_id = current_setting('app.tenant_id', true)::uuid);
`;

describe('DB-02 PUBLIC privileges', () => {
  it('flags GRANT TO PUBLIC and GRANT CREATE ON SCHEMA public', () => {
    expect(sql('-- x\nGRANT SELECT ON app.t TO PUBLIC;\nGRANT CREATE ON SCHEMA public TO app_user;\nALTER DEFAULT PRIVILEGES GRANT EXECUTE ON FUNCTIONS TO public;\n', 'DB-02')).toEqual([
      ['db/migrations/0001_x.up.sql', 2, 26],
      ['db/migrations/0001_x.up.sql', 3, 1],
      ['db/migrations/0001_x.up.sql', 4, 56],
    ]);
  });
  it('accepts REVOKE … FROM PUBLIC and grants to named roles, also on schema public', () => {
    expect(sql('REVOKE CREATE ON SCHEMA public FROM PUBLIC;\nGRANT USAGE ON SCHEMA public TO "reader";\nGRANT SELECT ON app.t TO app_user;\n', 'DB-02')).toEqual([]);
  });
});

describe('DB-03 row-level security', () => {
  it('flags a migration table without ENABLE or FORCE, and an app table outside migrations', () => {
    expect(sql('CREATE TABLE items (id int);\nALTER TABLE items ENABLE ROW LEVEL SECURITY;\n', 'DB-03')).toEqual([['db/migrations/0001_x.up.sql', 1, 14]]);
    expect(sql('SELECT 1;\n  CREATE TABLE IF NOT EXISTS app.notes (id int);\n', 'DB-03', 'db/schema.sql')).toEqual([['db/schema.sql', 2, 30]]);
  });
  it('accepts enabled and forced tables (quoted, unqualified ALTER), temp tables, and non-app tables outside migrations', () => {
    expect(sql(GOOD_TABLE, 'DB-03')).toEqual([]);
    expect(sql('CREATE TABLE "app"."T2" (id int);\nALTER TABLE IF EXISTS ONLY "T2" ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;\nCREATE TEMP TABLE scratch (id int);\n', 'DB-03')).toEqual([]);
    expect(sql('CREATE TABLE public.lookup (id int);\n', 'DB-03', 'db/seed.sql')).toEqual([]);
  });
});

describe('DB-04 policies', () => {
  it('flags RLS without a policy, a policy without WITH CHECK, and permissive USING expressions', () => {
    expect(sql(GOOD_TABLE.replace(/CREATE POLICY[^\n]*\n/, ''), 'DB-04')).toEqual([['db/migrations/0001_x.up.sql', 2, 13]]);
    expect(sql(GOOD_TABLE.replace(/ WITH CHECK \(.*\);/, ';'), 'DB-04')).toEqual([['db/migrations/0001_x.up.sql', 4, 1]]);
    const weak = GOOD_TABLE.replace("USING (tenant_id", "USING (current_setting('app.tenant_id', true) IS NULL OR tenant_id");
    expect(sql(weak, 'DB-04')).toEqual([['db/migrations/0001_x.up.sql', 4, 33]]);
    expect(sql(`${GOOD_TABLE}CREATE POLICY open ON app.t FOR SELECT USING (true);\n`, 'DB-04')).toEqual([['db/migrations/0001_x.up.sql', 5, 47]]);
  });
  it('accepts FOR SELECT/DELETE with USING only, restrictive policies and NULLIF tenant policies', () => {
    const good = `${GOOD_TABLE}CREATE POLICY r ON app.t FOR SELECT USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY d ON app.t AS PERMISSIVE FOR DELETE TO app_user USING (tenant_id = current_setting('app.tenant_id')::uuid);
CREATE POLICY guard ON app.t AS RESTRICTIVE USING (true) WITH CHECK (true);\n`;
    expect(sql(good, 'DB-04')).toEqual([]);
  });
});

describe('DB-03 / DB-04 across migrations', () => {
  const repo = (files: Record<string, string>, controlId: string) => check(files, controlId);
  const CREATE = 'CREATE TABLE app.notes (id int, tenant_id uuid);\n';
  const ON = 'ALTER TABLE app.notes ENABLE ROW LEVEL SECURITY;\nALTER TABLE app.notes FORCE ROW LEVEL SECURITY;\n';
  const POLICY = "CREATE POLICY notes_tenant ON app.notes USING (tenant_id = current_setting('app.tenant_id', true)::uuid) WITH CHECK (tenant_id = current_setting('app.tenant_id', true)::uuid);\n";
  it('accepts row-level security and policies added by later migrations (ordered by version, numbers as numbers)', () => {
    const files = { 'db/migrations/0001_notes.up.sql': CREATE, 'db/migrations/0003_rls.up.sql': `-- later\n${ON}`, 'db/migrations/0010_policy.up.sql': POLICY };
    expect(repo(files, 'DB-03')).toEqual([]);
    expect(repo(files, 'DB-04')).toEqual([]);
    // Flyway: V10 runs after V2, so the DISABLE of V2 is undone.
    const flyway = { 'sql/migrations/V1__notes.sql': CREATE + ON + POLICY, 'sql/migrations/V2__off.sql': 'ALTER TABLE app.notes DISABLE ROW LEVEL SECURITY;\n', 'sql/migrations/V10__on.sql': 'ALTER TABLE app.notes ENABLE ROW LEVEL SECURITY;\n' };
    expect(repo(flyway, 'DB-03')).toEqual([]);
    // One directory per version (Prisma, diesel): versions are the directories.
    expect(repo({ 'prisma/migrations/20240101_init/migration.sql': CREATE, 'prisma/migrations/20240301_rls/migration.sql': ON + POLICY }, 'DB-03')).toEqual([]);
  });
  it('flags DISABLE / NO FORCE in a later up migration at that statement, also for a table created elsewhere', () => {
    const base = { 'db/migrations/0001_notes.up.sql': CREATE + ON + POLICY };
    expect(repo({ ...base, 'db/migrations/0004_off.up.sql': '-- debugging\nALTER TABLE app.notes DISABLE ROW LEVEL SECURITY;\n' }, 'DB-03')).toEqual([['db/migrations/0004_off.up.sql', 2, 1]]);
    expect(repo({ ...base, 'db/migrations/0004_off.up.sql': 'ALTER TABLE notes NO FORCE ROW LEVEL SECURITY;\n' }, 'DB-03')).toEqual([['db/migrations/0004_off.up.sql', 1, 1]]);
    expect(repo({ 'db/migrations/0007_orm_table.up.sql': '\n\nALTER TABLE public.users DISABLE ROW LEVEL SECURITY;\n' }, 'DB-03')).toEqual([['db/migrations/0007_orm_table.up.sql', 3, 1]]);
    // Outside migrations, only tables of schema app are in scope.
    expect(repo({ 'db/maintenance/off.sql': 'ALTER TABLE public.users DISABLE ROW LEVEL SECURITY;\nALTER TABLE app.notes NO FORCE ROW LEVEL SECURITY;\n' }, 'DB-03')).toEqual([['db/maintenance/off.sql', 2, 1]]);
  });
  it('accepts a backfill that turns RLS off and on in one migration, DISABLE in rollbacks and in dbmate down sections', () => {
    const base = { 'db/migrations/0001_notes.up.sql': CREATE + ON + POLICY };
    expect(repo({ ...base, 'db/migrations/0002_backfill.up.sql': 'ALTER TABLE app.notes DISABLE ROW LEVEL SECURITY;\nUPDATE app.notes SET tenant_id = tenant_id;\nALTER TABLE app.notes ENABLE ROW LEVEL SECURITY;\n' }, 'DB-03')).toEqual([]);
    expect(repo({ ...base, 'db/migrations/0001_notes.down.sql': 'ALTER TABLE app.notes DISABLE ROW LEVEL SECURITY;\nDROP TABLE app.notes;\n' }, 'DB-03')).toEqual([]);
    const dbmate = { 'db/migrations/20240101000000_notes.sql': `-- migrate:up\n${CREATE}${ON}${POLICY}\n-- migrate:down\nALTER TABLE app.notes DISABLE ROW LEVEL SECURITY;\nDROP POLICY notes_tenant ON app.notes;\n` };
    expect(repo(dbmate, 'DB-03')).toEqual([]);
    expect(repo(dbmate, 'DB-04')).toEqual([]);
  });
  it('a rollback that re-creates a table is checked on its own', () => {
    expect(repo({ 'db/migrations/0003_drop_notes.down.sql': CREATE }, 'DB-03')).toEqual([['db/migrations/0003_drop_notes.down.sql', 1, 14]]);
  });
  it('replays files of one directory by name (docker-entrypoint-initdb.d), not database test scripts', () => {
    expect(repo({ 'db/init/010_tables.sql': CREATE, 'db/init/020_rls.sql': ON + POLICY }, 'DB-03')).toEqual([]);
    expect(repo({ 'db/init/010_tables.sql': CREATE, 'db/other/020_rls.sql': ON + POLICY }, 'DB-03')).toEqual([['db/init/010_tables.sql', 1, 14]]);
    expect(repo({ 'db/tests/escalation.sql': 'ALTER TABLE app.notes DISABLE ROW LEVEL SECURITY;\n' }, 'DB-03')).toEqual([]);
  });
  it('DB-04: flags a later DROP POLICY that leaves an RLS table without policy, unless one is created again', () => {
    const base = { 'db/migrations/0001_notes.up.sql': CREATE + ON + POLICY };
    expect(repo({ ...base, 'db/migrations/0002_drop.up.sql': '\nDROP POLICY IF EXISTS notes_tenant ON app.notes;\n' }, 'DB-04')).toEqual([['db/migrations/0002_drop.up.sql', 2, 1]]);
    expect(repo({ ...base, 'db/migrations/0002_drop.up.sql': `DROP POLICY notes_tenant ON app.notes;\n${POLICY}` }, 'DB-04')).toEqual([]);
    expect(repo({ ...base, 'db/migrations/0002_drop.up.sql': 'DROP TABLE app.notes;\n' }, 'DB-04')).toEqual([]);
  });
});

describe('DB-05 tenant setting scope', () => {
  it('flags a session SET and set_config(…, false)', () => {
    expect(sql("SET app.tenant_id = 'a';\nSELECT set_config('app.tenant_id', 'a', false);\nSET SESSION app.user_id TO 'u';\n", 'DB-05', 'db/t.sql')).toEqual([
      ['db/t.sql', 1, 1],
      ['db/t.sql', 2, 8],
      ['db/t.sql', 3, 1],
    ]);
  });
  it('accepts SET LOCAL, set_config(…, true) and session settings of built-in parameters (pg_dump style)', () => {
    expect(sql("BEGIN;\nSET LOCAL app.tenant_id = 'a';\nSELECT set_config('app.tenant_id', 'a', true);\nSELECT pg_catalog.set_config('search_path', '', false);\nSET statement_timeout = 0;\nCOMMIT;\n", 'DB-05', 'db/t.sql')).toEqual([]);
  });
});

describe('DB-06 SECURITY DEFINER', () => {
  it('flags a definer function without SET search_path at SECURITY', () => {
    expect(sql("CREATE FUNCTION app.f() RETURNS int\n  LANGUAGE sql SECURITY DEFINER AS $$ SELECT 1 $$;\n", 'DB-06')).toEqual([['db/migrations/0001_x.up.sql', 2, 16]]);
  });
  it('accepts a pinned search_path (also empty) with EXECUTE revoked from PUBLIC, and SECURITY INVOKER', () => {
    expect(sql("CREATE OR REPLACE FUNCTION app.f() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$ SELECT 1 $$;\nREVOKE EXECUTE ON FUNCTION app.f() FROM PUBLIC;\nCREATE FUNCTION app.g() RETURNS int LANGUAGE sql SECURITY INVOKER AS 'SELECT 1';\n", 'DB-06')).toEqual([]);
  });
});

const DEFINER = "CREATE FUNCTION app.f() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, app, pg_temp AS $$ SELECT 1 $$;\n";

describe('DB-06 SECURITY DEFINER across files', () => {
  const db06 = (files: Record<string, string>) => {
    const dir = writeRepo(files);
    dirs.push(dir);
    return findingsFor(dir, 'DB-06').map((f) => [f.file, f.line, f.column, f.message]);
  };
  it('flags a pinned definer that PUBLIC may still execute, at SECURITY', () => {
    const [finding, ...rest] = db06({ 'db/migrations/0001_f.up.sql': DEFINER });
    expect(rest).toEqual([]);
    expect(finding?.slice(0, 3)).toEqual(['db/migrations/0001_f.up.sql', 1, 50]);
    expect(finding?.[3]).toMatch(/stays executable by PUBLIC/);
  });
  it('accepts EXECUTE revoked by another file: per function, for all functions of the schema, or by default privileges', () => {
    expect(db06({ 'db/migrations/0001_f.up.sql': DEFINER, 'db/migrations/0002_revoke.up.sql': 'REVOKE ALL ON FUNCTION app.f() FROM PUBLIC;\n' })).toEqual([]);
    expect(db06({ 'db/migrations/0001_f.up.sql': DEFINER, 'db/grants.sql': 'REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA app FROM PUBLIC;\n' })).toEqual([]);
    expect(db06({ 'db/migrations/0001_f.up.sql': DEFINER, 'db/init/020_schema.sql': 'ALTER DEFAULT PRIVILEGES FOR ROLE owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;\n' })).toEqual([]);
    expect(db06({ 'db/migrations/0001_f.up.sql': DEFINER, 'db/init/020_schema.sql': 'ALTER DEFAULT PRIVILEGES IN SCHEMA other REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;\n' })).toHaveLength(1);
  });
  const REVOKED = 'db/init/020_schema.sql';
  const revokeAll = { [REVOKED]: 'ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;\n' };
  it('follows ALTER FUNCTION in later migrations: SECURITY DEFINER without search_path, and a reset search_path', () => {
    const invoker = 'CREATE FUNCTION app.f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n';
    expect(db06({ ...revokeAll, 'db/migrations/0001_f.up.sql': invoker, 'db/migrations/0002_definer.up.sql': '-- now a definer\nALTER FUNCTION app.f() SECURITY DEFINER;\n' }).map((f) => f.slice(0, 3))).toEqual([['db/migrations/0002_definer.up.sql', 2, 24]]);
    expect(db06({ ...revokeAll, 'db/migrations/0001_f.up.sql': DEFINER, 'db/migrations/0002_reset.up.sql': 'ALTER FUNCTION app.f RESET search_path;\n' }).map((f) => f.slice(0, 3))).toEqual([['db/migrations/0002_reset.up.sql', 1, 1]]);
    // A definer function created elsewhere: the ALTER must pin search_path itself.
    expect(db06({ ...revokeAll, 'db/migrations/0005_definer.up.sql': 'ALTER ROUTINE app.g(int) SECURITY DEFINER;\n' }).map((f) => f.slice(0, 3))).toEqual([['db/migrations/0005_definer.up.sql', 1, 26]]);
  });
  it('accepts a definer pinned by a later ALTER FUNCTION, made invoker again, or dropped', () => {
    const unpinned = 'CREATE FUNCTION app.f() RETURNS int LANGUAGE sql SECURITY DEFINER AS $$ SELECT 1 $$;\n';
    expect(db06({ ...revokeAll, 'db/migrations/0001_f.up.sql': unpinned, 'db/migrations/0002_pin.up.sql': 'ALTER FUNCTION app.f() SET search_path = pg_catalog, pg_temp;\n' })).toEqual([]);
    expect(db06({ ...revokeAll, 'db/migrations/0001_f.up.sql': unpinned, 'db/migrations/0002_invoker.up.sql': 'ALTER FUNCTION app.f() SECURITY INVOKER;\n' })).toEqual([]);
    expect(db06({ ...revokeAll, 'db/migrations/0001_f.up.sql': unpinned, 'db/migrations/0002_drop.up.sql': 'DROP FUNCTION IF EXISTS app.f(), app.other();\n' })).toEqual([]);
    expect(db06({ ...revokeAll, 'db/migrations/0001_f.up.sql': 'ALTER FUNCTION app.g(int) SECURITY DEFINER SET search_path TO pg_catalog, pg_temp;\n' })).toEqual([]);
  });
});

describe('DB-07 md5 passwords', () => {
  it('flags md5 in postgresql.conf, SET password_encryption and literal md5 verifiers', () => {
    expect(check({ 'db/postgresql.conf': "# c\npassword_encryption='md5' # old\n" }, 'DB-07')).toEqual([['db/postgresql.conf', 2, 21]]);
    expect(sql(`SET password_encryption = md5;\nCREATE ROLE r LOGIN PASSWORD 'md5${'a'.repeat(32)}';\n`, 'DB-07', 'db/init/r.sql')).toEqual([['db/init/r.sql', 1, 27], ['db/init/r.sql', 2, 21]]);
  });
  it('accepts scram (also md5 overridden later in the file), SCRAM verifiers and psql variables', () => {
    expect(check({ 'postgresql.conf': 'password_encryption = md5\npassword_encryption scram-sha-256\n' }, 'DB-07')).toEqual([]);
    expect(sql("SET password_encryption = 'scram-sha-256';\nALTER ROLE r PASSWORD :'pw';\nCREATE ROLE s PASSWORD 'SCRAM-SHA-256$4096:abc';\n\\echo done\n", 'DB-07', 'db/init/r.sql')).toEqual([]);
  });
});

describe('DB-08 pg_hba.conf', () => {
  it('flags trust/password/md5 methods and plain host entries', () => {
    const hba = 'local all all trust\nhostssl all all 10.0.0.0 255.0.0.0 md5\nhost all all 0.0.0.0/0 scram-sha-256\nhostssl "all" all all password\n';
    expect(check({ 'pg_hba.conf': hba }, 'DB-08')).toEqual([['pg_hba.conf', 1, 15], ['pg_hba.conf', 2, 36], ['pg_hba.conf', 3, 1], ['pg_hba.conf', 4, 23]]);
  });
  it('accepts hostssl scram, cert, host … reject, local peer, comments and continuation lines', () => {
    const hba = '# TYPE DATABASE USER ADDRESS METHOD\nlocal all postgres peer\nhost all all ::/0 reject # no TLS\nhostssl app "app,ro" 10.0.0.0/8 \\\n  scram-sha-256\nhostssl all all all cert clientcert=verify-full\n';
    expect(check({ 'conf/pg_hba.conf': hba }, 'DB-08')).toEqual([]);
  });
});

describe('robustness', () => {
  it('malformed SQL and pg_hba.conf become notes, comment-only files are fine', () => {
    const dir = writeRepo({ 'db/bad.sql': '-- é\nCREATE TABLE (;\n', 'db/empty.sql': '-- nothing\n', 'pg_hba.conf': 'hots all all all md5\n' });
    dirs.push(dir);
    const result = checkRepository(dir);
    expect(result.findings).toEqual([]);
    expect(result.notes.map((n) => [n.file, n.line])).toEqual([['db/bad.sql', 2], ['pg_hba.conf', 1]]);
  });
  it('columns count characters after non-ASCII text', () => {
    expect(sql('-- déjà vu — ok\nGRANT SELECT ON app.t TO PUBLIC;\n', 'DB-02')).toEqual([['db/migrations/0001_x.up.sql', 2, 26]]);
  });
});

// ---- The generated stack ----------------------------------------------------------------------------

let generated: string;
beforeAll(async () => {
  generated = (await generateProject({ cloud: 'aws' })).dir;
  dirs.push(generated);
});

const { mutateFile, mutateRepo } = mutator({ source: () => generated, dirs, controls: /^DB-/ });

const migration = (body: string) => `-- 0003: a later migration. Run by the migrator.\nBEGIN;\n\n${body}\nCOMMIT;\n`;
const LATER = 'db/migrations/0003_later.up.sql';

const TENANTS = 'db/migrations/0001_tenants.up.sql';
const PROJECTS = 'db/migrations/0002_projects.up.sql';

describe('generated full stack', () => {
  it('has no DB finding and no note for its db/ files', () => {
    const result = checkRepository(generated);
    expect(result.findings.filter((f) => f.controlId.startsWith('DB-'))).toEqual([]);
    expect(result.notes.filter((n) => n.file.startsWith('db/'))).toEqual([]);
  });
  it('DB-02: schema public CREATE granted', () => {
    const { text, found } = mutateFile('db/init/020_schema.sql', (t) => t.replace('REVOKE ALL ON SCHEMA public FROM PUBLIC;', 'GRANT CREATE ON SCHEMA public TO PUBLIC;'));
    expect(found).toEqual([['DB-02', 'db/init/020_schema.sql', lineOf(text, 'GRANT CREATE ON SCHEMA public')]]);
  });
  it('DB-03: FORCE removed from projects', () => {
    const { text, found } = mutateFile(PROJECTS, (t) => t.replace('ALTER TABLE app.projects FORCE ROW LEVEL SECURITY;\n', ''));
    expect(found).toEqual([['DB-03', PROJECTS, lineOf(text, 'CREATE TABLE app.projects')]]);
  });
  it('DB-04: a fail-open USING on tenants', () => {
    const { text, found } = mutateFile(TENANTS, (t) => t.replace("USING (id = NULLIF", "USING (current_setting('app.tenant_id', true) IS NULL OR id = NULLIF"));
    expect(found).toEqual([['DB-04', TENANTS, lineOf(text, 'USING (current_setting')]]);
  });
  it('DB-05: a session-level tenant SET in a migration', () => {
    const { text, found } = mutateFile(PROJECTS, (t) => t.replace('\nCOMMIT;', "\nSET app.tenant_id = 'x';\nCOMMIT;"));
    expect(found).toEqual([['DB-05', PROJECTS, lineOf(text, 'SET app.tenant_id')]]);
  });
  it('DB-06: a SECURITY DEFINER function without search_path in a migration', () => {
    const fn = 'CREATE FUNCTION app.project_count() RETURNS bigint LANGUAGE sql SECURITY DEFINER AS $$ SELECT count(*) FROM app.projects $$;\n';
    const { text, found } = mutateFile(PROJECTS, (t) => t.replace('\nCOMMIT;', () => `\n${fn}COMMIT;`));
    expect(found).toEqual([['DB-06', PROJECTS, lineOf(text, 'CREATE FUNCTION app.project_count')]]);
  });
  it('DB-07: password_encryption = md5 in postgresql.conf', () => {
    const { text, found } = mutateFile('db/postgresql.conf', (t) => t.replace("password_encryption = 'scram-sha-256'", "password_encryption = 'md5'"));
    expect(found).toEqual([['DB-07', 'db/postgresql.conf', lineOf(text, "password_encryption = 'md5'")]]);
  });
  it('DB-08: hostnossl reject becomes host scram', () => {
    const { text, found } = mutateFile('db/pg_hba.conf', (t) => t.replace(/hostnossl(\s+all\s+all\s+all\s+)reject/, 'host$1scram-sha-256'));
    expect(found).toEqual([['DB-08', 'db/pg_hba.conf', lineOf(text, 'host  ')]]);
  });
});

describe('cross-file mutations of the generated migrations', () => {
  it('DB-03: FORCE moved from 0002 to a new 0003 migration is still clean', () => {
    const { found } = mutateRepo((dir) => {
      const file = path.join(dir, PROJECTS);
      const text = readFileSync(file, 'utf8');
      writeFileSync(file, text.replace('ALTER TABLE app.projects FORCE ROW LEVEL SECURITY;\n', ''));
      writeFileSync(path.join(dir, LATER), migration('ALTER TABLE app.projects FORCE ROW LEVEL SECURITY;\n'));
    });
    expect(found).toEqual([]);
  });
  it('DB-03: a later migration that disables row-level security on projects', () => {
    const text = migration('ALTER TABLE app.projects DISABLE ROW LEVEL SECURITY;\n');
    expect(mutateRepo((dir) => writeFileSync(path.join(dir, LATER), text)).found).toEqual([['DB-03', LATER, lineOf(text, 'DISABLE')]]);
    // The rollback of that migration may turn it back on: it is not part of the up path.
    expect(mutateRepo((dir) => writeFileSync(path.join(dir, 'db/migrations/0002_projects.down.sql'), migration('ALTER TABLE app.projects DISABLE ROW LEVEL SECURITY;\nDROP TABLE app.projects;\n'))).found).toEqual([]);
  });
  it('DB-04: a later migration that drops the projects policy', () => {
    const text = migration('DROP POLICY projects_tenant_isolation ON app.projects;\n');
    expect(mutateRepo((dir) => writeFileSync(path.join(dir, LATER), text)).found).toEqual([['DB-04', LATER, lineOf(text, 'DROP POLICY')]]);
  });
  it('DB-06: a pinned SECURITY DEFINER function is clean through the default privileges of db/init; without them it is a finding', () => {
    const text = migration('CREATE FUNCTION app.project_count() RETURNS bigint LANGUAGE sql STABLE SECURITY DEFINER\n  SET search_path = pg_catalog, app, pg_temp\n  AS $$ SELECT count(*) FROM app.projects $$;\n');
    expect(mutateRepo((dir) => writeFileSync(path.join(dir, LATER), text)).found).toEqual([]);
    const { found } = mutateRepo((dir) => {
      writeFileSync(path.join(dir, LATER), text);
      const schema = path.join(dir, 'db/init/020_schema.sql');
      const original = readFileSync(schema, 'utf8');
      const edited = original.replace(/^ALTER DEFAULT PRIVILEGES FOR ROLE \S+ REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;\n/m, '');
      expect(edited).not.toBe(original);
      writeFileSync(schema, edited);
    });
    expect(found).toEqual([['DB-06', LATER, lineOf(text, 'SECURITY DEFINER')]]);
  });
});
