"""Traps that fail silently on one FastAPI/pydantic generation and not the other. Each test here fails if the
code falls into one of them, on FastAPI 0.92/pydantic 1.10 as on FastAPI 0.115+/pydantic 2:

- ``Annotated[..., Depends()]``: before FastAPI 0.95 it silently becomes a required query parameter;
- ``FastAPI(lifespan=...)``: before 0.95 it is silently ignored, so nothing started there would run;
- pydantic 2's ``model_config``: pydantic 1 silently ignores it (extra keys would be accepted);
- pydantic-settings: absent where pydantic 1 is, so settings must not need it.
"""

import importlib
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import app
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from app.security.policy import has_auth_decision
from tests.conftest import bearer

API_DIR = Path(__file__).resolve().parents[1]
# Query parameters each route declares on purpose (none yet). A dependency misread as a query parameter shows up here.
DECLARED_QUERY_PARAMETERS = {}


def test_dependencies_are_not_misread_as_query_parameters(harness, make_token):
    for route in harness.app.routes:
        if not isinstance(route, APIRoute):
            continue
        names = [param.name for param in route.dependant.query_params]
        assert names == DECLARED_QUERY_PARAMETERS.get(route.path, []), (route.path, names)
        assert has_auth_decision(route.dependant)
    # And at run time: authenticated routes answer without any query parameter.
    assert harness.client.get("/v1/me", headers=bearer(make_token())).status_code == 200
    assert harness.client.get("/v1/projects", headers=bearer(make_token())).status_code == 200


def test_openapi_schema_has_no_stray_query_parameters(make_harness):
    schema = make_harness(APP_ENV="development").client.get("/openapi.json").json()
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            query = [param["name"] for param in operation.get("parameters", []) if param.get("in") == "query"]
            assert query == DECLARED_QUERY_PARAMETERS.get(path, []), (path, query)


def test_nothing_depends_on_the_lifespan_having_run(harness, make_token):
    # TestClient without "with" never sends the ASGI lifespan events: everything must still work,
    # the database pool being created on first use.
    client = TestClient(harness.app)
    assert client.get("/healthz").status_code == 200
    assert harness.pool.created == 0
    assert client.get("/v1/projects", headers=bearer(make_token())).status_code == 200
    assert harness.pool.created == 1
    assert client.get("/v1/projects", headers=bearer(make_token())).status_code == 200
    assert harness.pool.created == 1


def test_startup_check_runs_through_the_asgi_lifespan(harness):
    # The start-up check is ASGI middleware, so it runs on every FastAPI version (FastAPI(lifespan=...) would not).
    seen = []
    harness.app.router.routes.append(APIRoute("/v1/unchecked", lambda: seen.append(1)))
    try:
        with TestClient(harness.app):
            raise AssertionError("start-up should have failed")
    except RuntimeError as error:
        assert "default-deny" in str(error)
    assert seen == []


def test_request_models_forbid_unknown_keys(harness, make_token):
    token = make_token()
    extra = harness.client.post("/v1/projects", json={"name": "ok", "owner": "admin"}, headers=bearer(token))
    assert extra.status_code == 422
    assert extra.json()["error"] == "invalid_request"
    assert "admin" not in extra.text
    assert harness.pool.log == []


def test_request_models_bound_and_type_their_fields(harness, make_token):
    token = make_token()
    for body in ({"name": ""}, {"name": "a" * 201}, {"name": 123}, {"name": None}, {}, {"name": ["x"]}, {"name": "a\x00b"}):
        response = harness.client.post("/v1/projects", json=body, headers=bearer(token))
        assert response.status_code == 422, body
    assert harness.client.post("/v1/projects", json={"name": "a" * 200}, headers=bearer(token)).status_code == 201


def test_every_module_imports_without_optional_packages():
    # pydantic-settings (and anything else not installed) would fail here, not at the first request.
    for module in pkgutil.walk_packages(app.__path__, prefix="app."):
        if module.name == "app.main":
            continue  # builds the app from the environment; tested in test_settings
        importlib.import_module(module.name)
    assert "pydantic_settings" not in sys.modules


def test_app_code_raises_no_deprecation_warnings():
    # Deprecated APIs (pydantic 2's class Config, FastAPI's on_event, ...) are the next generation's silent breakage.
    script = r"""
import json, os, warnings
# Third-party packages first: warnings they raise about themselves are not the app's.
import fastapi, fastapi.testclient, starlette.middleware.cors, starlette.middleware.trustedhost, pydantic, jwt, httpx
import psycopg, psycopg_pool
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    from app.factory import create_app
    from app.settings import Settings
    env = {"OIDC_ISSUER": "https://idp.test.example/", "OIDC_AUDIENCE": "a",
           "OIDC_JWKS_URI": "https://idp.test.example/jwks", "ALLOWED_HOSTS": "testserver",
           "DATABASE_URL": "postgresql://demo_app_app@127.0.0.1:9/demo_app",
           "APP_TENANT_ID": "5a1e2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b"}
    from app.tenancy import MULTI_TENANT
    if MULTI_TENANT:
        env.pop("APP_TENANT_ID")
    create_app(Settings.from_env(env))
    from app.models import ProjectCreate
    ProjectCreate(name="x")
print(json.dumps([f"{w.category.__name__} {w.filename}:{w.lineno}: {w.message}" for w in caught]))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=API_DIR, capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
