#!/usr/bin/env bash
# Applies or reverts the migrations of db/migrations as the migrator role.
#
#   db/migrate.sh up        apply, in version order, every NNNN_name.up.sql above the recorded version
#   db/migrate.sh down      revert the recorded version with its NNNN_name.down.sql
#   db/migrate.sh version   print the recorded version
#
# Connection: DATABASE_URL (the migrator role, sslmode=verify-full), or the libpq environment. Keep the password
# out of the URL (it would show in the process list): use a password file (PGPASSFILE) or PGPASSWORD.
#
# Each file runs with `psql -v ON_ERROR_STOP=1 -f` and holds its own transaction. The version lives in
# migrations.schema_migrations (version bigint, dirty boolean), the table golang-migrate keeps with
#   -database "$DATABASE_URL&x-migrations-table=%22migrations%22.%22schema_migrations%22&x-migrations-table-quoted=1"
# so either tool can take over from the other. A version marked dirty (a migration failed half-way) stops both
# until someone has checked the database and set the version by hand (golang-migrate: force).
set -euo pipefail

dir="$(cd "$(dirname "$0")" && pwd)/migrations"
conn=()
if [ -n "${DATABASE_URL:-}" ]; then
  conn=(-d "$DATABASE_URL")
fi

sql() {
  psql -X -q -v ON_ERROR_STOP=1 "${conn[@]}" "$@"
}

# The version of a migration file: its leading digits, as a number.
version_of() {
  local name
  name=$(basename "$1")
  echo $((10#${name%%_*}))
}

set_version() {
  local version=$1 dirty=$2
  if [ "$version" -lt 0 ]; then
    sql -c 'DELETE FROM migrations.schema_migrations'
  else
    sql -c "BEGIN; DELETE FROM migrations.schema_migrations; INSERT INTO migrations.schema_migrations (version, dirty) VALUES ($version, $dirty); COMMIT;"
  fi
}

sql -c 'SET client_min_messages = warning; CREATE TABLE IF NOT EXISTS migrations.schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);'
state=$(sql -A -t -c 'SELECT version, dirty FROM migrations.schema_migrations')
current=-1
if [ -n "$state" ]; then
  current=${state%%|*}
  if [ "${state#*|}" = t ]; then
    echo "migrate.sh: version $current is dirty: a migration failed half-way. Check the database, then record the right version." >&2
    exit 1
  fi
fi

case "${1:-}" in
  up)
    applied=0
    for file in "$dir"/[0-9]*_*.up.sql; do
      [ -e "$file" ] || continue
      version=$(version_of "$file")
      if [ "$version" -gt "$current" ]; then
        set_version "$version" true
        sql -f "$file"
        set_version "$version" false
        current=$version
        applied=$((applied + 1))
        echo "applied $(basename "$file")"
      fi
    done
    echo "migrate.sh: $applied migration(s) applied, version $current"
    ;;
  down)
    if [ "$current" -lt 0 ]; then
      echo "migrate.sh: no migration to revert"
      exit 0
    fi
    target=-1
    down_file=
    for file in "$dir"/[0-9]*_*.up.sql; do
      [ -e "$file" ] || continue
      version=$(version_of "$file")
      if [ "$version" -lt "$current" ]; then
        target=$version
      elif [ "$version" -eq "$current" ]; then
        down_file=${file%.up.sql}.down.sql
      fi
    done
    if [ -z "$down_file" ] || [ ! -e "$down_file" ]; then
      echo "migrate.sh: no down migration for version $current" >&2
      exit 1
    fi
    if [ "$target" -ge 0 ]; then
      set_version "$target" true
    else
      set_version "$current" true
    fi
    sql -f "$down_file"
    set_version "$target" false
    echo "reverted $(basename "$down_file"), version $target"
    ;;
  version)
    if [ "$current" -lt 0 ]; then echo none; else echo "$current"; fi
    ;;
  *)
    echo "usage: db/migrate.sh up|down|version" >&2
    exit 2
    ;;
esac
