-- Fixtures of the policy tests: tenant A with two projects, tenant B with one. Run as the migrator after
-- cleanup.sql. The migrator's sessions act as the owner, and FORCE ROW LEVEL SECURITY binds the owner too, so each
-- tenant's rows are written in a transaction that sets that tenant, as the application does.
BEGIN;
SET LOCAL app.tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
INSERT INTO app.tenants (id, name) VALUES ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'policy test tenant A');
INSERT INTO app.projects (id, tenant_id, name) VALUES
  ('aaaaaaaa-0000-4000-8000-000000000001', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'A1'),
  ('aaaaaaaa-0000-4000-8000-000000000002', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'A2');
COMMIT;

BEGIN;
SET LOCAL app.tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
INSERT INTO app.tenants (id, name) VALUES ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'policy test tenant B');
INSERT INTO app.projects (id, tenant_id, name) VALUES
  ('bbbbbbbb-0000-4000-8000-000000000001', 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'B1');
COMMIT;
\echo 'ok - fixtures: tenant A with 2 projects, tenant B with 1'
