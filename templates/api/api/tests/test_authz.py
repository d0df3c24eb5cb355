"""Authorization: scopes (API-05), default-deny on every route, and the tenant that only the verified token
(or, single-tenant, the setting) decides (API-06, DB-05). Both tenancy modes are tested in every project."""

import pytest
from fastapi import Depends
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from app.security.auth import AUTH_DECISIONS, public
from app.security.policy import UndecidedRoutesError, check_routes, has_auth_decision
from app.tenancy import MULTI_TENANT
from tests.conftest import FIXED_TENANT, TENANT_A, TENANT_B, bearer, events_from

# ---------------------------------------------------------------------------------------------------------
# Scopes
# ---------------------------------------------------------------------------------------------------------


def test_missing_scope_is_403_with_insufficient_scope(api, make_token, capsys):
    token = make_token(scope="projects:write")
    response = api.get("/v1/projects", headers=bearer(token))
    assert response.status_code == 403
    challenge = response.headers["www-authenticate"]
    assert 'error="insufficient_scope"' in challenge and 'scope="projects:read"' in challenge
    assert response.json()["error"] == "forbidden"
    events = events_from(capsys.readouterr().err)
    assert any(event["event"] == "authz_fail" and event["reason"] == "scope_missing" for event in events)


def test_write_scope_does_not_imply_read_and_vice_versa(api, make_token):
    read_only = make_token(scope="projects:read")
    assert api.get("/v1/projects", headers=bearer(read_only)).status_code == 200
    assert api.post("/v1/projects", json={"name": "x"}, headers=bearer(read_only)).status_code == 403


def test_scopes_from_scp_list(api, make_token):
    token = make_token(omit=("scope",), scp=["projects:read"])
    assert api.get("/v1/projects", headers=bearer(token)).status_code == 200


def test_scope_lookalikes_do_not_match(api, make_token):
    for scope in ("projects:read:all", "projects", "PROJECTS:READ", "projects:readx"):
        assert api.get("/v1/projects", headers=bearer(make_token(scope=scope))).status_code == 403, scope


# ---------------------------------------------------------------------------------------------------------
# Default-deny
# ---------------------------------------------------------------------------------------------------------


def test_every_route_states_an_auth_decision(harness):
    routes = [route for route in harness.app.routes if isinstance(route, APIRoute)]
    assert routes
    for route in routes:
        assert has_auth_decision(route.dependant), route.path
    public_paths = sorted(
        route.path for route in routes if any(dep.call is public for dep in route.dependant.dependencies)
    )
    assert public_paths == ["/healthz"]
    # public, a token's principal, and the metrics scraper's credential: nothing else decides.
    assert len(AUTH_DECISIONS) == 3


def test_undecided_route_fails_the_startup_check(harness):
    @harness.app.get("/v1/undecided")
    def undecided():
        return {"leak": True}

    with pytest.raises(UndecidedRoutesError, match="/v1/undecided"):
        check_routes(harness.app)
    # Through the ASGI lifespan protocol, as uvicorn starts it: start-up fails.
    with pytest.raises(Exception, match="default-deny"):
        with TestClient(harness.app):
            pass
    # A server that skips the lifespan protocol still serves nothing.
    response = harness.client.get("/v1/undecided")
    assert response.status_code == 500
    assert "leak" not in response.text
    assert harness.client.get("/healthz").status_code == 500


def test_mounted_subapp_without_decision_is_refused(harness):
    from starlette.applications import Starlette

    harness.app.mount("/static", Starlette())
    with pytest.raises(UndecidedRoutesError, match="/static"):
        check_routes(harness.app)


def test_decided_route_added_later_is_served(harness):
    @harness.app.get("/v1/public-info", dependencies=[Depends(public)])
    def info():
        return {"ok": True}

    with TestClient(harness.app) as client:
        assert client.get("/v1/public-info").json() == {"ok": True}


# ---------------------------------------------------------------------------------------------------------
# Tenant: multi-tenant mode
# ---------------------------------------------------------------------------------------------------------


def set_tenant_params(pool):
    return [params for kind, statement, params in pool.statements() if statement.startswith("select set_config")]


def test_tenancy_mode_is_the_generated_one(make_settings):
    assert make_settings().multi_tenant is MULTI_TENANT


def test_multi_tenant_lists_only_the_token_tenant(make_harness, make_token):
    harness = make_harness(multi_tenant=True)
    harness.pool.add_project(TENANT_A, "alpha")
    harness.pool.add_project(TENANT_B, "bravo")
    response = harness.client.get("/v1/projects", headers=bearer(make_token(tenant_id=TENANT_A)))
    assert response.status_code == 200
    assert [project["name"] for project in response.json()] == ["alpha"]
    assert set(response.json()[0]) == {"id", "name", "created_at"}
    assert set_tenant_params(harness.pool) == [(TENANT_A,)]


def test_multi_tenant_tenant_in_path_query_or_header_is_ignored(make_harness, make_token):
    harness = make_harness(multi_tenant=True)
    harness.pool.add_project(TENANT_B, "bravo")
    token = make_token(tenant_id=TENANT_A)
    response = harness.client.get(
        f"/v1/projects?tenant_id={TENANT_B}&tenant={TENANT_B}",
        headers={**bearer(token), "X-Tenant-ID": TENANT_B, "Tenant-Id": TENANT_B},
    )
    assert response.status_code == 200
    assert response.json() == []
    assert harness.client.get(f"/v1/tenants/{TENANT_B}/projects", headers=bearer(token)).status_code == 404
    assert set_tenant_params(harness.pool) == [(TENANT_A,)]


def test_multi_tenant_tenant_in_body_is_refused(make_harness, make_token):
    harness = make_harness(multi_tenant=True)
    response = harness.client.post(
        "/v1/projects", json={"name": "x", "tenant_id": TENANT_B}, headers=bearer(make_token(tenant_id=TENANT_A))
    )
    assert response.status_code == 422
    assert harness.pool.log == []


def test_multi_tenant_create_uses_the_token_tenant(make_harness, make_token):
    harness = make_harness(multi_tenant=True)
    response = harness.client.post("/v1/projects", json={"name": "new"}, headers=bearer(make_token(tenant_id=TENANT_A)))
    assert response.status_code == 201, response.text
    assert set(response.json()) == {"id", "name", "created_at"}
    assert [row["tenant_id"] for row in harness.pool.projects] == [TENANT_A]


@pytest.mark.parametrize(
    "tenant",
    [
        None,
        "not-a-uuid",
        42,
        ["0b7f1c9e-2a4d-4e8f-9b1a-3c5d7e9f1a2b"],
        "' or 1=1 --",
        "0b7f1c9e-2a4d-4e8f-9b1a-3c5d7e9f1a2b\n",
        "{0b7f1c9e-2a4d-4e8f-9b1a-3c5d7e9f1a2b}",
        "0b7f1c9e2a4d4e8f9b1a3c5d7e9f1a2b",
    ],
)
def test_multi_tenant_missing_or_invalid_tenant_is_403_before_any_query(make_harness, make_token, tenant, capsys):
    harness = make_harness(multi_tenant=True)
    token = make_token(omit=("tenant_id",)) if tenant is None else make_token(tenant_id=tenant)
    assert harness.client.get("/v1/projects", headers=bearer(token)).status_code == 403
    assert harness.client.get("/v1/me", headers=bearer(token)).status_code == 403
    assert harness.pool.log == []
    reasons = {event.get("reason") for event in events_from(capsys.readouterr().err)}
    assert reasons & {"tenant_missing", "tenant_invalid"}


def test_multi_tenant_uppercase_uuid_is_canonicalised(make_harness, make_token):
    harness = make_harness(multi_tenant=True)
    response = harness.client.get("/v1/me", headers=bearer(make_token(tenant_id=TENANT_A.upper())))
    assert response.json()["tenant_id"] == TENANT_A


def test_multi_tenant_custom_claim_name(make_harness, make_token):
    harness = make_harness(multi_tenant=True, OIDC_TENANT_CLAIM="https://example.com/tenant")
    token = make_token(omit=("tenant_id",), **{"https://example.com/tenant": TENANT_B})
    assert harness.client.get("/v1/me", headers=bearer(token)).json()["tenant_id"] == TENANT_B


# ---------------------------------------------------------------------------------------------------------
# Tenant: single-tenant mode
# ---------------------------------------------------------------------------------------------------------


def test_single_tenant_uses_the_fixed_tenant_and_ignores_the_claim(make_harness, make_token):
    harness = make_harness(multi_tenant=False)
    harness.pool.add_project(FIXED_TENANT, "ours")
    harness.pool.add_project(TENANT_B, "theirs")
    token = make_token(tenant_id=TENANT_B)
    assert harness.client.get("/v1/me", headers=bearer(token)).json()["tenant_id"] == FIXED_TENANT
    response = harness.client.get("/v1/projects", headers={**bearer(token), "X-Tenant-ID": TENANT_B})
    assert [project["name"] for project in response.json()] == ["ours"]
    assert set_tenant_params(harness.pool) == [(FIXED_TENANT,)]


def test_single_tenant_needs_no_tenant_claim(make_harness, make_token):
    harness = make_harness(multi_tenant=False)
    response = harness.client.post("/v1/projects", json={"name": "n"}, headers=bearer(make_token(omit=("tenant_id",))))
    assert response.status_code == 201
    assert [row["tenant_id"] for row in harness.pool.projects] == [FIXED_TENANT]
