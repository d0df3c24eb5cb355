-- Tenant isolation (DB-03, DB-04, DB-05). Run as the app role, after fixtures.sql, on a connection of its own.
-- The tenant is set the way the API sets it: set_config('app.tenant_id', <tenant>, true) inside the transaction.
-- Each check raises 'FAIL: ...' and stops psql (ON_ERROR_STOP); "ok - ..." follows each check that passed.
-- Tenant A = aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa (projects A1, A2), tenant B = bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb (B1).

DO $t$
BEGIN
  IF (SELECT count(*) FROM app.projects) <> 0 OR (SELECT count(*) FROM app.tenants) <> 0 THEN
    RAISE EXCEPTION 'FAIL: without a tenant the app role reads rows';
  END IF;
END
$t$;
\echo 'ok - no tenant set: the app role reads no projects and no tenants, and gets no error'

DO $t$
BEGIN
  PERFORM set_config('app.tenant_id', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', true);
  IF (SELECT count(*) FROM app.projects WHERE tenant_id <> 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa') <> 0
     OR (SELECT count(*) FROM app.tenants WHERE id <> 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa') <> 0 THEN
    RAISE EXCEPTION 'FAIL: tenant A reads rows of another tenant';
  END IF;
  IF (SELECT array_agg(name ORDER BY name) FROM app.projects) IS DISTINCT FROM ARRAY['A1', 'A2'] THEN
    RAISE EXCEPTION 'FAIL: tenant A does not read exactly its projects A1 and A2';
  END IF;
  IF (SELECT count(*) FROM app.tenants) <> 1 THEN
    RAISE EXCEPTION 'FAIL: tenant A does not read exactly its own tenant row';
  END IF;
END
$t$;
\echo 'ok - tenant A reads exactly its own projects and tenant row'

DO $t$
BEGIN
  PERFORM set_config('app.tenant_id', 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', true);
  IF (SELECT array_agg(name ORDER BY name) FROM app.projects) IS DISTINCT FROM ARRAY['B1'] THEN
    RAISE EXCEPTION 'FAIL: tenant B does not read exactly its project B1';
  END IF;
END
$t$;
\echo 'ok - tenant B reads exactly its own project'

DO $t$
BEGIN
  PERFORM set_config('app.tenant_id', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', true);
  IF EXISTS (SELECT FROM app.projects WHERE id = 'bbbbbbbb-0000-4000-8000-000000000001')
     OR EXISTS (SELECT FROM app.tenants WHERE id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb') THEN
    RAISE EXCEPTION 'FAIL: tenant A reads a row of tenant B by its id';
  END IF;
END
$t$;
\echo 'ok - tenant A cannot read a row of tenant B, even by its id'

DO $t$
BEGIN
  PERFORM set_config('app.tenant_id', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', true);
  INSERT INTO app.projects (tenant_id, name) VALUES ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'planted by A');
  RAISE EXCEPTION 'FAIL: tenant A inserted a project into tenant B';
EXCEPTION WHEN insufficient_privilege THEN
  NULL;
END
$t$;
\echo 'ok - tenant A cannot insert a row into tenant B (WITH CHECK)'

DO $t$
BEGIN
  PERFORM set_config('app.tenant_id', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', true);
  UPDATE app.projects SET tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' WHERE id = 'aaaaaaaa-0000-4000-8000-000000000001';
  RAISE EXCEPTION 'FAIL: tenant A moved its project into tenant B';
EXCEPTION WHEN insufficient_privilege THEN
  NULL;
END
$t$;
\echo 'ok - tenant A cannot move its row into tenant B (WITH CHECK on UPDATE)'

DO $t$
DECLARE
  changed bigint;
BEGIN
  PERFORM set_config('app.tenant_id', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', true);
  UPDATE app.projects SET name = 'renamed by A' WHERE id = 'bbbbbbbb-0000-4000-8000-000000000001';
  GET DIAGNOSTICS changed = ROW_COUNT;
  IF changed <> 0 THEN
    RAISE EXCEPTION 'FAIL: tenant A updated % row(s) of tenant B', changed;
  END IF;
  DELETE FROM app.projects WHERE tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
  GET DIAGNOSTICS changed = ROW_COUNT;
  IF changed <> 0 THEN
    RAISE EXCEPTION 'FAIL: tenant A deleted % row(s) of tenant B', changed;
  END IF;
  PERFORM set_config('app.tenant_id', 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', true);
  IF (SELECT array_agg(name) FROM app.projects) IS DISTINCT FROM ARRAY['B1'] THEN
    RAISE EXCEPTION 'FAIL: the project of tenant B changed after tenant A tried to update and delete it';
  END IF;
END
$t$;
\echo 'ok - tenant A cannot update or delete rows of tenant B (0 rows affected)'

DO $t$
BEGIN
  INSERT INTO app.projects (tenant_id, name) VALUES ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'no tenant set');
  RAISE EXCEPTION 'FAIL: a project was inserted without a tenant set';
EXCEPTION WHEN insufficient_privilege THEN
  NULL;
END
$t$;
\echo 'ok - no tenant set: inserting a row is refused'

DO $t$
DECLARE
  planted uuid;
  changed bigint;
BEGIN
  PERFORM set_config('app.tenant_id', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', true);
  INSERT INTO app.projects (tenant_id, name) VALUES ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'A3') RETURNING id INTO planted;
  UPDATE app.projects SET name = 'A3 renamed' WHERE id = planted;
  GET DIAGNOSTICS changed = ROW_COUNT;
  IF changed <> 1 THEN
    RAISE EXCEPTION 'FAIL: tenant A cannot update its own row';
  END IF;
  DELETE FROM app.projects WHERE id = planted;
  GET DIAGNOSTICS changed = ROW_COUNT;
  IF changed <> 1 THEN
    RAISE EXCEPTION 'FAIL: tenant A cannot delete its own row';
  END IF;
END
$t$;
\echo 'ok - tenant A inserts, updates and deletes its own rows (the policies are not deny-all)'

BEGIN;
SELECT set_config('app.tenant_id', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', true);
DO $t$
BEGIN
  IF (SELECT count(*) FROM app.projects) <> 2 THEN
    RAISE EXCEPTION 'FAIL: inside its transaction tenant A does not read its 2 projects';
  END IF;
END
$t$;
COMMIT;
DO $t$
BEGIN
  IF coalesce(current_setting('app.tenant_id', true), '') <> '' THEN
    RAISE EXCEPTION 'FAIL: the tenant of the previous transaction is still set: %', current_setting('app.tenant_id', true);
  END IF;
  IF (SELECT count(*) FROM app.projects) <> 0 THEN
    RAISE EXCEPTION 'FAIL: the next transaction on the same connection reads the previous transaction''s tenant rows';
  END IF;
END
$t$;
\echo 'ok - a transaction-local tenant ends with its transaction: the next one on the connection reads nothing, without error'

BEGIN;
SELECT set_config('app.tenant_id', 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', true);
ROLLBACK;
DO $t$
BEGIN
  IF (SELECT count(*) FROM app.projects) <> 0 THEN
    RAISE EXCEPTION 'FAIL: a rolled-back transaction left its tenant set';
  END IF;
END
$t$;
\echo 'ok - a rolled-back transaction leaves no tenant behind'

SELECT set_config('app.tenant_id', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', false);
RESET app.tenant_id;
DO $t$
BEGIN
  IF (SELECT count(*) FROM app.projects) <> 0 THEN
    RAISE EXCEPTION 'FAIL: after RESET app.tenant_id rows are still visible';
  END IF;
END
$t$;
\echo 'ok - after RESET of the tenant the app role reads nothing, without error'

DO $t$
BEGIN
  PERFORM set_config('app.tenant_id', '', true);
  IF (SELECT count(*) FROM app.projects) <> 0 THEN
    RAISE EXCEPTION 'FAIL: an empty tenant reads rows';
  END IF;
END
$t$;
\echo 'ok - an empty tenant reads nothing, without error'

DO $t$
BEGIN
  PERFORM set_config('app.tenant_id', 'not-a-uuid', true);
  PERFORM count(*) FROM app.projects;
  RAISE EXCEPTION 'FAIL: a tenant that is not a UUID did not fail the query';
EXCEPTION WHEN invalid_text_representation THEN
  NULL;
END
$t$;
\echo 'ok - a tenant that is not a UUID fails the query instead of matching rows'
