"""Drill: rotate the application role's database password while a client keeps calling the api (OPS-06).

Rehearses the runbook's "Database credentials" containment against a real PostgreSQL: this api under uvicorn
on 127.0.0.1 reads its DATABASE_URL from a secret file, and a client lists projects without pause.

1. A new password is set for the application role (ALTER ROLE, as the administrator).
2. The secret file is replaced (atomically) with the URL holding the new password.
3. The api's pool opens every new connection with the file's current URL and retires its connections after
   DB_POOL_MAX_LIFETIME_SECONDS: the drill waits until no session of the role predates the rotation.
4. The old password no longer logs in; the new one does.

It passes when the client saw no failed request and every session of the role after the rotation was opened
with the new password, without restarting the api. The pool lifetime is shortened to 10 seconds here; in
production the switch completes within DB_POOL_MAX_LIFETIME_SECONDS (3600 by default).

    cd api && DRILL_DATABASE_URL='postgresql://<app role>:<password>@<host>/<db>?sslmode=verify-full&sslrootcert=...' \\
      DRILL_ADMIN_URL='host=/run/postgresql dbname=<db> user=postgres' python3 -m drills.database_credential_rotation

DRILL_ADMIN_URL must be allowed to ALTER ROLE the application role. The drill leaves the role with a new random
password, printed nowhere: set your own afterwards, through your secret store.
"""

import os
import secrets
import sys
import tempfile
import time
from datetime import datetime, timezone
from typing import Any, Dict, Optional

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from drills.harness import ApiServer, Client, IdentityProvider, print_report, tear_down

POOL_LIFETIME_SECONDS = 10
STEP_TIMEOUT_SECONDS = 6 * POOL_LIFETIME_SECONDS


def with_password(url: str, password: str) -> str:
    params = conninfo_to_dict(url)
    params["password"] = password
    return make_conninfo("", **params)


def write_secret(path: str, value: str) -> None:
    """Replaces the secret file in one rename, so the api never reads half a URL."""
    directory = os.path.dirname(path)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".rotating-")
    with os.fdopen(handle, "w") as stream:
        stream.write(value + "\n")
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def sessions_before(admin: Any, role: str, moment: datetime) -> int:
    row = admin.execute(
        "select count(*) from pg_stat_activity where usename = %s and backend_start < %s", (role, moment)
    ).fetchone()
    return int(row[0])


def logs_in(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=5):
            return True
    except psycopg.OperationalError:
        return False


def run_drill(database_url: str, admin_url: str) -> Dict[str, Any]:
    report: Dict[str, Any] = {"drill": "database credential rotation", "passed": False}
    role = str(conninfo_to_dict(database_url).get("user") or "")
    provider = IdentityProvider()
    api: Optional[ApiServer] = None
    client: Optional[Client] = None
    with tempfile.TemporaryDirectory(prefix="drill-secrets-") as secrets_dir:
        secret_file = os.path.join(secrets_dir, "database_url")
        write_secret(secret_file, database_url)
        try:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                provider.create_key("drill-key")
                provider.publish(["drill-key"])
                provider.sign_with("drill-key")
                api = ApiServer(
                    provider.jwks_uri,
                    {"DATABASE_URL_FILE": secret_file, "DB_POOL_MAX_LIFETIME_SECONDS": str(POOL_LIFETIME_SECONDS)},
                    path="/v1/projects",
                )
                client = Client(api, provider)
                client.start()
                time.sleep(1)  # normal traffic on the old password first
                report["requests_before_rotation"] = client.requests

                new_password = secrets.token_urlsafe(32)
                rotated_at = datetime.now(timezone.utc)
                admin.execute(
                    sql.SQL("alter role {} password {}").format(sql.Identifier(role), sql.Literal(new_password))
                )
                write_secret(secret_file, with_password(database_url, new_password))

                started = time.monotonic()
                while sessions_before(admin, role, rotated_at) > 0:
                    if time.monotonic() - started > STEP_TIMEOUT_SECONDS:
                        raise TimeoutError(f"sessions opened before the rotation remain after {STEP_TIMEOUT_SECONDS}s")
                    time.sleep(0.5)
                report["pool_switched_after_s"] = round(time.monotonic() - started, 2)
                time.sleep(1)  # traffic on the new password
                client.finish()
                report["sessions_after_rotation"] = int(
                    admin.execute("select count(*) from pg_stat_activity where usename = %s", (role,)).fetchone()[0]
                )
                report["old_password_logs_in"] = logs_in(database_url)
                report["new_password_logs_in"] = logs_in(with_password(database_url, new_password))
                report.update(client.report())
                report["passed"] = (
                    client.failed == 0
                    and report["requests_before_rotation"] > 0
                    and client.requests > report["requests_before_rotation"]
                    and report["sessions_after_rotation"] > 0
                    and not report["old_password_logs_in"]
                    and report["new_password_logs_in"]
                )
        except (TimeoutError, RuntimeError, psycopg.Error) as error:
            report["error"] = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
        finally:
            tear_down(client, api, provider)
    return report


def main() -> int:
    database_url = os.environ.get("DRILL_DATABASE_URL", "")
    admin_url = os.environ.get("DRILL_ADMIN_URL", "")
    if not database_url or not admin_url:
        sys.stderr.write("set DRILL_DATABASE_URL (the application role) and DRILL_ADMIN_URL (may ALTER ROLE it)\n")
        return 2
    return print_report(run_drill(database_url, admin_url))


if __name__ == "__main__":
    sys.exit(main())
