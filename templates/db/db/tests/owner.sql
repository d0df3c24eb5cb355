-- Row-level security binds the owner too (DB-03: FORCE ROW LEVEL SECURITY). Run as the migrator, whose sessions act
-- as the owner of every table. Each check raises 'FAIL: ...' and stops psql; "ok - ..." follows each one that passed.

DO $t$
BEGIN
  IF (SELECT count(*) FROM app.projects) <> 0 OR (SELECT count(*) FROM app.tenants) <> 0 THEN
    RAISE EXCEPTION 'FAIL: the table owner reads rows without a tenant: FORCE ROW LEVEL SECURITY is missing';
  END IF;
END
$t$;
\echo 'ok - the owner (migration job) without a tenant reads no rows: row-level security is forced on the owner'

DO $t$
BEGIN
  PERFORM set_config('app.tenant_id', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', true);
  IF (SELECT count(*) FROM app.projects WHERE tenant_id <> 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa') <> 0 THEN
    RAISE EXCEPTION 'FAIL: the table owner with tenant A reads rows of another tenant';
  END IF;
  IF (SELECT count(*) FROM app.projects) <> 2 THEN
    RAISE EXCEPTION 'FAIL: the table owner with tenant A does not read exactly the 2 fixture projects of A';
  END IF;
END
$t$;
\echo 'ok - the owner with tenant A reads only the rows of tenant A'
