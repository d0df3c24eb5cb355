#!/usr/bin/env bash
# Policy tests of the database: tenants are isolated by row-level security and the app role cannot escape it.
# Run against a database where db/init.sh and db/migrate.sh have run, and that serves the generated
# postgresql.conf and pg_hba.conf (TLS): a CI or throwaway database, never production. The tests write two
# fixture tenants and remove them at the end.
#
#   APP_DATABASE_URL       the app role over TLS (sslmode=verify-full)   required
#   MIGRATOR_DATABASE_URL  the migrator role (loads the fixtures)        required
#   ADMIN_DATABASE_URL     a superuser (pg_hba.conf, TLS, logging and password checks)   optional
#
# Keep passwords out of the URLs (they would show in the process list): use a password file (PGPASSFILE).
# Every check prints "ok - ..."; the first failure prints "FAIL: ..." and the script exits non-zero.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
app_url=${APP_DATABASE_URL:?set APP_DATABASE_URL to a connection URL of the app role}
migrator_url=${MIGRATOR_DATABASE_URL:?set MIGRATOR_DATABASE_URL to a connection URL of the migrator role}

# Query results go to /dev/null; \echo lines (the "ok - ..." lines) and errors are what the run shows.
run() {
  psql -X -q -v ON_ERROR_STOP=1 -o /dev/null -d "$1" -f "$here/$2"
}

cleanup() {
  run "$migrator_url" cleanup.sql || echo "run.sh: could not remove the fixtures" >&2
}

run "$migrator_url" cleanup.sql
trap cleanup EXIT
run "$migrator_url" fixtures.sql
run "$migrator_url" owner.sql
run "$app_url" isolation.sql
run "$app_url" escalation.sql
run "$app_url" catalog.sql
if [ -n "${ADMIN_DATABASE_URL:-}" ]; then
  run "$ADMIN_DATABASE_URL" server.sql
else
  echo "skip - server configuration checks (set ADMIN_DATABASE_URL to a superuser connection to run them)"
fi
echo "all policy tests passed"
