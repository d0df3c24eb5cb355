"""PostgreSQL access: one transaction per request, tenant context first (DB-05, API-06).

``Database.tenant_transaction(tenant_id)`` takes a pooled connection, opens ONE transaction, and runs
``select set_config('app.tenant_id', <tenant>, true)`` before anything else. ``true`` makes the setting
local to the transaction, so it ends with the commit or rollback and can never leak to the next request
that gets the same pooled connection. Row-level security policies in the database read it; a query
without it sees no rows.

The pool is created on first use (not at start-up), so the API starts, and /healthz and /v1/me answer,
while the database is unreachable. Each new connection is checked: a role that is a superuser, may
bypass row-level security, or owns the tables is refused, since row-level security would not bind it.
Queries are parameterised; no SQL is ever built from request data.
"""

import logging
import threading
import uuid
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Optional

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from app.security.events import security_event
from app.security.metrics import SECURITY_METRICS
from app.settings import Settings, SettingsError

SET_TENANT_SQL = "select set_config('app.tenant_id', %s, true)"
ROLE_CHECK_SQL = """
select r.rolsuper, r.rolbypassrls,
       coalesce((select pg_has_role(current_user, c.relowner, 'MEMBER')
                   from pg_class c where c.oid = to_regclass('app.projects')), false) as owns_tables
  from pg_roles r
 where r.rolname = current_user
"""

log = logging.getLogger("app.db")


class DatabaseUnavailable(Exception):
    """No connection could be had in time (the API answers 503)."""


class PrivilegedRoleError(RuntimeError):
    """The configured role would not be bound by row-level security."""


def check_session_role(conn: Any) -> None:
    """Pool ``configure`` hook: refuse a connection whose role escapes row-level security."""
    row = conn.execute(ROLE_CHECK_SQL).fetchone()
    conn.rollback()
    if row is None or any(row):
        security_event(
            "authz_admin",
            outcome="failure",
            reason="db_role_privileged",
            level=logging.CRITICAL,
            resource_id="DATABASE_URL",
        )
        raise PrivilegedRoleError(
            "the database role is a superuser, may bypass row-level security or owns the tables; "
            "connect as the application role"
        )


def secret_file_connection_class(settings: Settings) -> type:
    """A connection class that reads DATABASE_URL_FILE again for every new connection (credential rotation).

    Sessions already open keep their authentication; the pool replaces them after DB_POOL_MAX_LIFETIME_SECONDS,
    so once the secret file holds the new password every connection uses it within that time, with no restart.
    A file that cannot be read or fails the start-up checks leaves the value read at start-up in use, with a
    warning.
    """

    class SecretFileConnection(psycopg.Connection):
        @classmethod
        def connect(cls, conninfo: str = "", **kwargs: Any) -> Any:
            try:
                conninfo = settings.current_database_url()
            except SettingsError as error:
                log.warning("DATABASE_URL_FILE could not be read again, using the value read at start-up: %s", error)
            return super().connect(conninfo, **kwargs)

    return SecretFileConnection


def open_pool(settings: Settings) -> ConnectionPool:
    pool = ConnectionPool(
        settings.database_url,
        min_size=1,
        max_size=settings.db_pool_max_size,
        timeout=settings.db_timeout_seconds,
        max_lifetime=settings.db_pool_max_lifetime_seconds,
        open=False,
        name="api",
        configure=check_session_role,
        connection_class=secret_file_connection_class(settings),
        kwargs={"application_name": settings.service_name},
    )
    pool.open(wait=False)
    return pool


class Database:
    def __init__(self, settings: Settings, pool_factory: Optional[Callable[[Settings], Any]] = None):
        self._settings = settings
        self._pool_factory = pool_factory or open_pool
        self._pool: Any = None
        self._lock = threading.Lock()

    @property
    def started(self) -> bool:
        return self._pool is not None

    def pool(self) -> Any:
        with self._lock:
            if self._pool is None:
                self._pool = self._pool_factory(self._settings)
            return self._pool

    @contextmanager
    def tenant_transaction(self, tenant_id: str) -> Iterator[Any]:
        """A cursor (rows as dicts) inside one transaction whose tenant context is ``tenant_id``."""
        tenant = str(uuid.UUID(tenant_id))  # the tenant reaching SQL is always a canonical UUID
        try:
            with self.pool().connection(timeout=self._settings.db_timeout_seconds) as conn:
                with conn.transaction():
                    with conn.cursor(row_factory=dict_row) as cursor:
                        cursor.execute(SET_TENANT_SQL, (tenant,))
                        yield cursor
        except psycopg.errors.InsufficientPrivilege:
            # The application role was refused (a missing grant, a row-level security policy): the alert rules
            # page on any of these, whatever the route then answers.
            SECURITY_METRICS.record_db_permission_denied()
            raise
        except (PoolTimeout, psycopg.OperationalError) as error:
            log.warning("database unavailable: %s", type(error).__name__)
            raise DatabaseUnavailable() from None

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None
