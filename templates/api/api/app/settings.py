"""Settings, read once from the environment at start-up.

Every setting ``X`` may instead be read from the file named by ``X_FILE`` (Docker and Kubernetes secrets
are mounted as files); giving both is an error. A missing or unsafe value raises ``SettingsError`` with a
message that names the variable and never repeats a secret value, and the service refuses to start.

This module uses only the standard library (no pydantic-settings), so it behaves the same on every
FastAPI/pydantic generation the service supports.
"""

import ipaddress
import re
import uuid
from dataclasses import dataclass, field
from typing import Mapping, Optional, Tuple
from urllib.parse import urlsplit

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from app.tenancy import MULTI_TENANT

# Asymmetric JWS algorithms only (RFC 7518 / RFC 8037). HS*, "none" and anything else are refused.
ASYMMETRIC_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
)
MAX_LEEWAY_SECONDS = 60
MAX_SECRET_FILE_BYTES = 64 * 1024
MIN_METRICS_TOKEN_CHARS = 32
LOOPBACK_NAMES = ("localhost",)
# Roles that must never serve requests: they own the schema or may bypass row-level security.
PRIVILEGED_ROLE_SUFFIXES = ("_owner", "_migrator")
PRIVILEGED_ROLES = ("postgres",)

_CLAIM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:/-]{0,127}$")
_SERVICE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_HOST_PATTERN = re.compile(r"^(\*\.)?[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$|^\[[0-9A-Fa-f:.]+\]$")


class SettingsError(ValueError):
    """A setting is missing or unsafe. The message names the variable, never a secret value."""


@dataclass(frozen=True)
class Settings:
    app_env: str
    service_name: str
    oidc_issuer: str
    oidc_audience: str
    oidc_jwks_uri: str
    oidc_algorithms: Tuple[str, ...]
    oidc_leeway_seconds: int
    multi_tenant: bool
    oidc_tenant_claim: str
    fixed_tenant_id: Optional[str]
    cors_allowed_origins: Tuple[str, ...]
    allowed_hosts: Tuple[str, ...]
    database_url: str = field(repr=False)
    db_pool_max_size: int
    db_timeout_seconds: int
    jwks_cache_seconds: int
    jwks_min_refresh_seconds: int
    jwks_timeout_seconds: int
    max_body_bytes: int
    auth_failure_limit: int
    auth_failure_window_seconds: int
    # The bearer credential of the Prometheus scrape of /metrics; None leaves /metrics answering 404.
    metrics_token: Optional[str] = field(default=None, repr=False)
    # Where DATABASE_URL was read from, when it came from a file: each new pooled connection reads it again, so
    # a rotated password takes effect without a restart (see current_database_url).
    database_url_file: Optional[str] = None
    db_pool_max_lifetime_seconds: int = 3600

    def current_database_url(self) -> str:
        """DATABASE_URL as its secret file holds it now (checked like at start-up), or as read at start-up."""
        if self.database_url_file is None:
            return self.database_url
        value = _read_secret_file("DATABASE_URL", self.database_url_file)
        return _database_url(value, self.development)

    @property
    def development(self) -> bool:
        return self.app_env == "development"

    @classmethod
    def from_env(cls, environ: Mapping[str, str], multi_tenant: bool = MULTI_TENANT) -> "Settings":
        """Reads and checks every setting; raises SettingsError on the first problem."""
        env = _Environment(environ)
        app_env = "development" if env.optional("APP_ENV") == "development" else "production"
        development = app_env == "development"

        service_name = env.optional("SERVICE_NAME") or "api"
        if not _SERVICE_NAME.match(service_name):
            raise SettingsError("SERVICE_NAME must be letters, digits, '.', '_' or '-' (at most 64)")

        issuer = env.required("OIDC_ISSUER")
        _check_url("OIDC_ISSUER", issuer)
        audience = env.required("OIDC_AUDIENCE")
        if any(ch.isspace() for ch in audience):
            raise SettingsError("OIDC_AUDIENCE must not contain whitespace")
        jwks_uri = env.required("OIDC_JWKS_URI")
        _check_url("OIDC_JWKS_URI", jwks_uri)

        algorithms = tuple(_split_list(env.optional("OIDC_ALGORITHMS") or "RS256,ES256"))
        if not algorithms:
            raise SettingsError("OIDC_ALGORITHMS must name at least one algorithm")
        for algorithm in algorithms:
            if algorithm not in ASYMMETRIC_ALGORITHMS:
                raise SettingsError(
                    f"OIDC_ALGORITHMS: {algorithm!r} is not allowed; use asymmetric algorithms only "
                    f"({', '.join(ASYMMETRIC_ALGORITHMS)}); HS* and 'none' are refused"
                )
        leeway = env.integer("OIDC_LEEWAY_SECONDS", 30, 0, MAX_LEEWAY_SECONDS)

        tenant_claim = env.optional("OIDC_TENANT_CLAIM") or "tenant_id"
        if not _CLAIM_NAME.match(tenant_claim):
            raise SettingsError("OIDC_TENANT_CLAIM must be a claim name (letters, digits, '_', '.', ':', '/', '-')")
        fixed_tenant_id: Optional[str] = None
        if multi_tenant:
            if env.optional("APP_TENANT_ID"):
                raise SettingsError(
                    "APP_TENANT_ID is set, but this service is multi-tenant: the tenant comes from the "
                    f"verified token claim {tenant_claim!r}; remove APP_TENANT_ID"
                )
        else:
            fixed_tenant_id = _uuid("APP_TENANT_ID", env.required("APP_TENANT_ID"))

        origins = tuple(_split_list(env.optional("CORS_ALLOWED_ORIGINS") or ""))
        for origin in origins:
            _check_origin(origin, development)

        hosts = tuple(_split_list(env.required("ALLOWED_HOSTS")))
        if not hosts:
            raise SettingsError("ALLOWED_HOSTS must list at least one host name")
        for host in hosts:
            if host == "*":
                raise SettingsError(
                    "ALLOWED_HOSTS must not be '*': list the host names clients use (e.g. api.example.com)"
                )
            if not _HOST_PATTERN.match(host):
                raise SettingsError(f"ALLOWED_HOSTS: {host!r} is not a host name (a leading '*.' is allowed)")

        database_url = _database_url(env.required("DATABASE_URL"), development)

        metrics_token = env.optional("METRICS_TOKEN")
        if metrics_token is not None and len(metrics_token) < MIN_METRICS_TOKEN_CHARS:
            raise SettingsError(
                f"METRICS_TOKEN must be at least {MIN_METRICS_TOKEN_CHARS} characters "
                "(e.g. openssl rand -hex 32)"
            )

        return cls(
            app_env=app_env,
            service_name=service_name,
            oidc_issuer=issuer,
            oidc_audience=audience,
            oidc_jwks_uri=jwks_uri,
            oidc_algorithms=algorithms,
            oidc_leeway_seconds=leeway,
            multi_tenant=multi_tenant,
            oidc_tenant_claim=tenant_claim,
            fixed_tenant_id=fixed_tenant_id,
            cors_allowed_origins=origins,
            allowed_hosts=hosts,
            database_url=database_url,
            db_pool_max_size=env.integer("DB_POOL_MAX_SIZE", 10, 1, 100),
            db_timeout_seconds=env.integer("DB_TIMEOUT_SECONDS", 5, 1, 60),
            jwks_cache_seconds=env.integer("JWKS_CACHE_SECONDS", 300, 10, 86400),
            jwks_min_refresh_seconds=env.integer("JWKS_MIN_REFRESH_SECONDS", 30, 1, 3600),
            jwks_timeout_seconds=env.integer("JWKS_TIMEOUT_SECONDS", 5, 1, 30),
            max_body_bytes=env.integer("MAX_BODY_BYTES", 1024 * 1024, 1024, 64 * 1024 * 1024),
            auth_failure_limit=env.integer("AUTH_FAILURE_LIMIT", 10, 1, 10000),
            auth_failure_window_seconds=env.integer("AUTH_FAILURE_WINDOW_SECONDS", 60, 1, 86400),
            metrics_token=metrics_token,
            database_url_file=environ.get("DATABASE_URL_FILE") or None,
            db_pool_max_lifetime_seconds=env.integer("DB_POOL_MAX_LIFETIME_SECONDS", 3600, 10, 86400),
        )


class _Environment:
    """Reads X from the environment or from the file named by X_FILE."""

    def __init__(self, environ: Mapping[str, str]):
        self._environ = environ

    def optional(self, name: str) -> Optional[str]:
        direct = self._environ.get(name)
        path = self._environ.get(f"{name}_FILE")
        if direct is not None and direct != "" and path:
            raise SettingsError(f"{name} and {name}_FILE are both set; set only one of them")
        if path:
            return _read_secret_file(name, path)
        if direct is None or direct.strip() == "":
            return None
        return direct.strip()

    def required(self, name: str) -> str:
        value = self.optional(name)
        if value is None:
            raise SettingsError(f"{name} is required (set {name}, or {name}_FILE to a file holding it)")
        return value

    def integer(self, name: str, default: int, minimum: int, maximum: int) -> int:
        raw = self.optional(name)
        if raw is None:
            return default
        if not re.fullmatch(r"[0-9]{1,9}", raw):
            raise SettingsError(f"{name} must be a whole number between {minimum} and {maximum}")
        value = int(raw)
        if not minimum <= value <= maximum:
            raise SettingsError(f"{name} must be between {minimum} and {maximum} (got {value})")
        return value


def _read_secret_file(name: str, path: str) -> str:
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_SECRET_FILE_BYTES + 1)
    except OSError as error:
        raise SettingsError(f"{name}_FILE: cannot read {path!r} ({error.strerror or 'error'})") from None
    if len(data) > MAX_SECRET_FILE_BYTES:
        raise SettingsError(f"{name}_FILE: {path!r} is larger than {MAX_SECRET_FILE_BYTES} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SettingsError(f"{name}_FILE: {path!r} is not UTF-8 text") from None
    value = text.strip()
    if value == "":
        raise SettingsError(f"{name}_FILE: {path!r} is empty")
    if "\n" in value or "\r" in value:
        raise SettingsError(f"{name}_FILE: {path!r} must hold a single line")
    return value


def _split_list(raw: str) -> list:
    return [item.strip() for item in raw.split(",") if item.strip()]


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_url(name: str, value: str) -> None:
    """An absolute https URL (http only on a loopback host), without credentials, query or fragment."""
    if any(ch.isspace() or ord(ch) < 0x21 or ord(ch) > 0x7E for ch in value):
        raise SettingsError(f"{name} must be a URL of printable ASCII without spaces")
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise SettingsError(f"{name} must be an absolute https:// URL")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise SettingsError(f"{name} must use https (http is accepted only for a loopback host such as 127.0.0.1)")
    if parts.username or parts.password:
        raise SettingsError(f"{name} must not contain credentials")
    if parts.query or parts.fragment:
        raise SettingsError(f"{name} must not contain a query or fragment")


def _check_origin(origin: str, development: bool) -> None:
    if origin == "*" or "*" in origin:
        raise SettingsError(
            "CORS_ALLOWED_ORIGINS must list exact origins: '*' (any origin) is refused, since it would "
            "let any site call the API with a user's credentials"
        )
    parts = urlsplit(origin)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise SettingsError(f"CORS_ALLOWED_ORIGINS: {origin!r} is not an origin such as https://app.example.com")
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        raise SettingsError(f"CORS_ALLOWED_ORIGINS: {origin!r} must be scheme://host[:port] with nothing after it")
    if parts.scheme == "http" and not (development or is_loopback_host(parts.hostname)):
        raise SettingsError(f"CORS_ALLOWED_ORIGINS: {origin!r} must use https outside development")


def _uuid(name: str, value: str) -> str:
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        raise SettingsError(f"{name} must be a UUID such as 3f2b9c1e-6a4d-4c1b-9d2e-7a8b9c0d1e2f") from None
    if str(parsed) != value.lower():
        raise SettingsError(f"{name} must be a UUID in its canonical form (8-4-4-4-12 hexadecimal digits)")
    return str(parsed)


def _database_url(raw: str, development: bool) -> str:
    """Checks DATABASE_URL and returns a libpq connection string with sslmode=verify-full outside development."""
    try:
        params = conninfo_to_dict(raw)
    except Exception:
        # psycopg's message may quote the string, password included: never repeat it.
        raise SettingsError("DATABASE_URL is not a valid PostgreSQL connection URL or string") from None
    user = str(params.get("user") or "")
    if user in PRIVILEGED_ROLES or user.endswith(PRIVILEGED_ROLE_SUFFIXES):
        raise SettingsError(
            f"DATABASE_URL connects as {user!r}: the API must connect as the application role "
            "(the one ending in _app), never as the owner, the migrator or a superuser"
        )
    sslmode = params.get("sslmode")
    if not development:
        if sslmode is None:
            params["sslmode"] = "verify-full"
        elif sslmode != "verify-full":
            raise SettingsError(
                f"DATABASE_URL: sslmode={sslmode} is not allowed outside development; use sslmode=verify-full "
                "(with sslrootcert=<CA file>)"
            )
    params.setdefault("connect_timeout", "5")
    return make_conninfo("", **params)

