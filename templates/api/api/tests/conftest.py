"""Test fixtures: real keys, a real JWKS server on 127.0.0.1, tokens, settings, and a fake database.

Keys are generated at test time with ``cryptography`` (none are committed). The JWKS is served over HTTP
from a thread (http is allowed for loopback JWKS URIs), so fetching, caching and the unknown-kid refetch
run for real. The database is a fake psycopg pool that records every statement and applies the tenant
context the way the row-level security policies do; the real PostgreSQL is exercised end to end elsewhere.
"""

import base64
import hashlib
import hmac
import json
import time
import uuid
from contextlib import contextmanager
from typing import Any, Dict, List, Optional

import jwt
import psycopg
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi.testclient import TestClient

from app.factory import create_app
from app.settings import Settings
from app.tenancy import MULTI_TENANT
from drills.harness import JwksEndpoint

ISSUER = "https://idp.test.example/"
AUDIENCE = "test-api"
TENANT_A = "0b7f1c9e-2a4d-4e8f-9b1a-3c5d7e9f1a2b"
TENANT_B = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
FIXED_TENANT = "5a1e2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b"
ALLOWED_ORIGIN = "https://app.test.example"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class Keys:
    """Signing keys: two RSA and one EC in the JWKS (one RSA added later, for rotation), one attacker key."""

    def __init__(self) -> None:
        self.rsa1 = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.rsa2 = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec1 = ec.generate_private_key(ec.SECP256R1())
        self.attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    @staticmethod
    def jwk(private_key: Any, kid: str, **extra: Any) -> Dict[str, Any]:
        public = private_key.public_key()
        if isinstance(public, rsa.RSAPublicKey):
            data = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(public))
        else:
            data = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(public))
            # PyJWT 2.6 drops leading zero bytes of a coordinate (one key in 128), which RFC 7518 forbids and its
            # own from_jwk refuses: write both at the curve's full length, as identity providers do.
            numbers, size = public.public_numbers(), (public.curve.key_size + 7) // 8
            data.update(x=b64url(numbers.x.to_bytes(size, "big")), y=b64url(numbers.y.to_bytes(size, "big")))
        data.update({"kid": kid, "use": "sig"}, **extra)
        return data

    def initial_jwks(self) -> Dict[str, Any]:
        return {
            "keys": [
                self.jwk(self.rsa1, "rsa-1", alg="RS256"),
                self.jwk(self.ec1, "ec-1", alg="ES256"),
                # A symmetric key in the set must never become a verification key.
                {"kty": "oct", "kid": "hmac-1", "k": b64url(b"shared-secret-0123456789abcdef")},
            ]
        }


class JwksServer(JwksEndpoint):
    """Serves the JWK Set the test puts in ``document`` (the drills' endpoint), and counts the fetches."""

    def __init__(self) -> None:
        self.document: Dict[str, Any] = {"keys": []}
        super().__init__(lambda: self.document)
        self.redirects["/redirect"] = "/jwks.json"  # redirects must not be followed

    def fetches(self) -> int:
        return sum(1 for path in self.requests if path == "/jwks.json")


class FakeClock:
    """Monotonic time the tests move forward (JWKS refresh interval, rate-limit windows)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeCursor:
    def __init__(self, connection: "FakeConnection"):
        self.connection = connection
        self.rows: List[Dict[str, Any]] = []

    def __enter__(self) -> "FakeCursor":
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def execute(self, sql: str, params: Any = None) -> None:
        statement = " ".join(sql.split())
        pool = self.connection.pool
        pool.log.append(("execute", statement, params))
        if not self.connection.in_transaction:
            raise AssertionError("statement outside a transaction: " + statement)
        if pool.fail_with is not None:
            raise pool.fail_with
        if statement.startswith("select set_config('app.tenant_id', %s, true)"):
            self.connection.tenant = params[0]
            self.rows = [{"set_config": params[0]}]
        elif statement.startswith("select id, name, created_at from app.projects"):
            # What FORCE ROW LEVEL SECURITY does: only rows of the transaction's tenant, none without one.
            self.rows = [row for row in pool.projects if row["tenant_id"] == self.connection.tenant]
            self.rows = [{key: row[key] for key in ("id", "name", "created_at")} for row in self.rows]
        elif statement.startswith("insert into app.projects"):
            tenant, name = params
            if tenant != self.connection.tenant:
                raise psycopg.errors.InsufficientPrivilege("new row violates row-level security policy")
            row = {"id": uuid.uuid4(), "tenant_id": tenant, "name": name, "created_at": "2026-01-02T03:04:05+00:00"}
            pool.projects.append(row)
            self.rows = [{key: row[key] for key in ("id", "name", "created_at")}]
        else:
            raise AssertionError("unexpected SQL: " + statement)

    def fetchall(self) -> List[Dict[str, Any]]:
        return list(self.rows)

    def fetchone(self) -> Optional[Dict[str, Any]]:
        return self.rows[0] if self.rows else None


class FakeConnection:
    def __init__(self, pool: "FakePool"):
        self.pool = pool
        self.in_transaction = False
        self.tenant: Optional[str] = None

    @contextmanager
    def transaction(self):
        self.pool.log.append(("begin",))
        self.in_transaction = True
        try:
            yield
        except BaseException:
            self.pool.log.append(("rollback",))
            raise
        else:
            self.pool.log.append(("commit",))
        finally:
            self.in_transaction = False
            self.tenant = None  # set_config(..., true) ends with the transaction

    def cursor(self, row_factory: Any = None) -> FakeCursor:
        return FakeCursor(self)


class FakePool:
    """Stands in for psycopg_pool.ConnectionPool: records statements, keeps projects per tenant."""

    def __init__(self) -> None:
        self.log: List[tuple] = []
        self.projects: List[Dict[str, Any]] = []
        self.fail_with: Optional[BaseException] = None
        self.created = 0

    @contextmanager
    def connection(self, timeout: Optional[float] = None):
        self.log.append(("connect",))
        yield FakeConnection(self)

    def statements(self) -> List[tuple]:
        return [entry for entry in self.log if entry[0] == "execute"]

    def add_project(self, tenant: str, name: str) -> None:
        self.projects.append(
            {"id": uuid.uuid4(), "tenant_id": tenant, "name": name, "created_at": "2026-01-01T00:00:00+00:00"}
        )


@pytest.fixture(scope="session")
def keys() -> Keys:
    return Keys()


@pytest.fixture(scope="session")
def jwks_server():
    server = JwksServer()
    yield server
    server.close()


@pytest.fixture()
def jwks(jwks_server: JwksServer, keys: Keys) -> JwksServer:
    jwks_server.document = keys.initial_jwks()
    jwks_server.status = 200
    jwks_server.requests.clear()
    return jwks_server


@pytest.fixture()
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture()
def pool() -> FakePool:
    return FakePool()


def base_env(jwks_url: str, multi_tenant: bool) -> Dict[str, str]:
    env = {
        "APP_ENV": "production",
        "SERVICE_NAME": "test-api",
        "OIDC_ISSUER": ISSUER,
        "OIDC_AUDIENCE": AUDIENCE,
        "OIDC_JWKS_URI": jwks_url,
        "ALLOWED_HOSTS": "testserver",
        "CORS_ALLOWED_ORIGINS": ALLOWED_ORIGIN,
        "DATABASE_URL": "postgresql://demo_app_app@127.0.0.1:9/demo_app",
        "AUTH_FAILURE_LIMIT": "5",
        "AUTH_FAILURE_WINDOW_SECONDS": "60",
        "JWKS_MIN_REFRESH_SECONDS": "30",
    }
    if not multi_tenant:
        env["APP_TENANT_ID"] = FIXED_TENANT
    return env


@pytest.fixture()
def make_settings(jwks: JwksServer):
    def build(multi_tenant: bool = MULTI_TENANT, **overrides: Optional[str]) -> Settings:
        env = base_env(jwks.url, multi_tenant)
        for name, value in overrides.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return Settings.from_env(env, multi_tenant=multi_tenant)

    return build


class Harness:
    """An app built from test settings, its client, and the fakes behind it."""

    def __init__(self, app: Any, pool: FakePool, clock: FakeClock, jwks: JwksServer):
        self.app = app
        self.client = TestClient(app)
        self.pool = pool
        self.clock = clock
        self.jwks = jwks


@pytest.fixture()
def make_harness(make_settings, pool: FakePool, clock: FakeClock, jwks: JwksServer):
    from app.db import Database

    def build(multi_tenant: bool = MULTI_TENANT, **overrides: Optional[str]) -> Harness:
        settings = make_settings(multi_tenant=multi_tenant, **overrides)

        def pool_factory(_settings: Settings) -> FakePool:
            pool.created += 1
            return pool

        app = create_app(settings, database=Database(settings, pool_factory=pool_factory), clock=clock)
        return Harness(app, pool, clock, jwks)

    return build


@pytest.fixture()
def harness(make_harness) -> Harness:
    return make_harness()


@pytest.fixture()
def api(harness: Harness) -> TestClient:
    return harness.client


@pytest.fixture()
def make_token(keys: Keys):
    def build(
        key: Any = None,
        kid: Optional[str] = "rsa-1",
        alg: str = "RS256",
        omit: tuple = (),
        headers: Optional[Dict[str, Any]] = None,
        **claims: Any,
    ) -> str:
        now = int(time.time())
        payload: Dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "user-1",
            "iat": now,
            "nbf": now,
            "exp": now + 300,
            "jti": uuid.uuid4().hex,
            "scope": "projects:read projects:write",
            "tenant_id": TENANT_A,
        }
        payload.update(claims)
        for name in omit:
            payload.pop(name, None)
        header: Dict[str, Any] = {"typ": "at+jwt"}
        if kid is not None:
            header["kid"] = kid
        header.update(headers or {})
        return jwt.encode(payload, key if key is not None else keys.rsa1, algorithm=alg, headers=header)

    return build


def unsigned_token(header: Dict[str, Any], payload: Dict[str, Any], signature: bytes = b"") -> str:
    return ".".join(
        [b64url(json.dumps(header).encode()), b64url(json.dumps(payload).encode()), b64url(signature)]
    )


def hs256_with_public_key(public_key: Any, payload: Dict[str, Any], kid: str) -> str:
    """The classic alg-confusion forgery: HS256, keyed with the RSA public key's PEM text."""
    pem = public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    signing_input = ".".join(
        [b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode()), b64url(json.dumps(payload).encode())]
    )
    signature = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url(signature)


def bearer(token: str) -> Dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def standard_claims(**claims: Any) -> Dict[str, Any]:
    now = int(time.time())
    payload = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-1",
        "iat": now,
        "exp": now + 300,
        "scope": "projects:read projects:write",
        "tenant_id": TENANT_A,
    }
    payload.update(claims)
    return payload


def events_from(text: str) -> List[Dict[str, Any]]:
    """The JSON security events among captured stderr lines."""
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                found.append(json.loads(line))
            except ValueError:
                continue
    return found
