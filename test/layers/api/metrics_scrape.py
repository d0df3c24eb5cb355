"""Drives a generated api (run from its api/ folder) through attack traffic and prints two scrapes of /metrics.

Uses the generated suite's own fixtures (real keys, a real JWKS server on 127.0.0.1, the fake pool), so the
counters come from the same code paths a deployment runs. Prints JSON: {"before": text, "after": text}.
"""

import json
import sys
import time

import jwt
import psycopg
from fastapi.testclient import TestClient

from app.db import Database
from app.factory import create_app
from app.settings import Settings
from app.tenancy import MULTI_TENANT
from tests.conftest import FakeClock, FakePool, JwksServer, Keys, base_env, bearer

SCRAPE_TOKEN = "s" * 48


def token(keys, key=None, **claims):
    now = int(time.time())
    payload = {"iss": "https://idp.test.example/", "aud": "test-api", "sub": "user-1", "iat": now, "nbf": now,
               "exp": now + 300, "scope": "projects:read", "tenant_id": "0b7f1c9e-2a4d-4e8f-9b1a-3c5d7e9f1a2b"}
    payload.update(claims)
    return jwt.encode(payload, key or keys.rsa1, algorithm="RS256", headers={"typ": "at+jwt", "kid": "rsa-1"})


def main() -> None:
    keys = Keys()
    server = JwksServer()
    server.document = keys.initial_jwks()
    pool = FakePool()
    try:
        env = base_env(server.url, MULTI_TENANT)
        env.update({"METRICS_TOKEN": SCRAPE_TOKEN, "AUTH_FAILURE_LIMIT": "1000"})
        settings = Settings.from_env(env, multi_tenant=MULTI_TENANT)
        app = create_app(settings, database=Database(settings, pool_factory=lambda _: pool), clock=FakeClock())
        client = TestClient(app)

        def scrape() -> str:
            response = client.get("/metrics", headers=bearer(SCRAPE_TOKEN))
            assert response.status_code == 200, response.status_code
            return response.text

        before = scrape()
        for _ in range(10):
            assert client.get("/healthz").status_code == 200
        for _ in range(5):  # forged: signed by a key the identity provider never published
            assert client.get("/v1/me", headers=bearer(token(keys, key=keys.attacker))).status_code == 401
        for _ in range(6):  # a real token of one subject, replayed against the wrong audience
            assert client.get("/v1/me", headers=bearer(token(keys, sub="user-stolen", aud="other-api"))).status_code == 401
        for _ in range(25):  # an authenticated caller probing a scope it lacks
            response = client.post("/v1/projects", headers=bearer(token(keys, sub="user-prober")), json={"name": "x"})
            assert response.status_code == 403, response.status_code
        pool.fail_with = psycopg.errors.InsufficientPrivilege("permission denied for table projects")
        assert client.get("/v1/projects", headers=bearer(token(keys))).status_code == 500
        pool.fail_with = RuntimeError("boom")
        assert client.get("/v1/projects", headers=bearer(token(keys))).status_code == 500
        pool.fail_with = None
        json.dump({"before": before, "after": scrape()}, sys.stdout)
    finally:
        server.close()


if __name__ == "__main__":
    main()
