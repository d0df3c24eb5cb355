"""The database contract (DB-05, API-06, API-15): one transaction per request that first sets the tenant
context with set_config(..., true); parameterised SQL; lazy pool; a privileged role is refused."""

import psycopg
import pytest
from psycopg_pool import PoolTimeout

from app.db import PrivilegedRoleError, check_session_role
from tests.conftest import TENANT_A, bearer


def transactions(log):
    """The statements of each transaction, in order."""
    found, current = [], None
    for entry in log:
        if entry[0] == "begin":
            current = []
        elif entry[0] in ("commit", "rollback"):
            found.append((entry[0], current))
            current = None
        elif entry[0] == "execute":
            assert current is not None, "a statement ran outside a transaction"
            current.append(entry[1:])
    return found


@pytest.mark.parametrize(
    "method, path, body",
    [("get", "/v1/projects", None), ("post", "/v1/projects", {"name": "n"})],
)
def test_one_transaction_per_request_that_sets_the_tenant_first(harness, make_token, method, path, body):
    token = make_token(tenant_id=TENANT_A)
    response = getattr(harness.client, method)(path, headers=bearer(token), **({"json": body} if body else {}))
    assert response.status_code in (200, 201), response.text
    found = transactions(harness.pool.log)
    assert len(found) == 1
    outcome, statements = found[0]
    assert outcome == "commit"
    first_sql, first_params = statements[0]
    assert first_sql == "select set_config('app.tenant_id', %s, true)"
    expected_tenant = TENANT_A if harness.app.state.settings.multi_tenant else harness.app.state.settings.fixed_tenant_id
    assert first_params == (expected_tenant,)
    assert len(statements) == 2
    assert harness.pool.log.count(("connect",)) == 1


def test_request_data_reaches_sql_only_as_parameters(harness, make_token):
    name = "x'); drop table app.projects; --"
    response = harness.client.post("/v1/projects", json={"name": name}, headers=bearer(make_token()))
    assert response.status_code == 201
    assert response.json()["name"] == name
    for _, statement, params in harness.pool.statements():
        assert name not in statement
    assert any(params and name in params for _, _, params in harness.pool.statements())


def test_app_starts_and_serves_without_a_database(harness, make_token):
    assert harness.client.get("/healthz").status_code == 200
    assert harness.client.get("/v1/me", headers=bearer(make_token())).status_code == 200
    assert harness.pool.created == 0  # the pool is created lazily, on the first database request


def test_database_outage_is_503(harness, make_token):
    harness.pool.fail_with = PoolTimeout("couldn't get a connection after 5.00 sec")
    response = harness.client.get("/v1/projects", headers=bearer(make_token()))
    assert response.status_code == 503
    assert response.json()["error"] == "service_unavailable"
    assert "5.00" not in response.text


def test_unknown_tenant_is_403(harness, make_token):
    harness.pool.fail_with = psycopg.errors.ForeignKeyViolation("insert or update violates foreign key constraint")
    response = harness.client.post("/v1/projects", json={"name": "n"}, headers=bearer(make_token()))
    assert response.status_code == 403
    assert "foreign key" not in response.text
    assert transactions(harness.pool.log)[0][0] == "rollback"


def test_real_database_url_is_not_connected_at_start_up(make_settings):
    from app.factory import create_app

    # 127.0.0.1:9 (discard) has no PostgreSQL; building and probing the app must not try it.
    app = create_app(make_settings())
    assert app.state.database.started is False


class RoleConnection:
    def __init__(self, row):
        self.row = row
        self.rolled_back = False

    def execute(self, sql):
        assert "rolbypassrls" in sql and "current_user" in sql
        return self

    def fetchone(self):
        return self.row

    def rollback(self):
        self.rolled_back = True


@pytest.mark.parametrize("row", [(True, False, False), (False, True, False), (False, False, True), None])
def test_privileged_database_role_is_refused(row):
    connection = RoleConnection(row)
    with pytest.raises(PrivilegedRoleError):
        check_session_role(connection)


def test_application_role_is_accepted():
    connection = RoleConnection((False, False, False))
    check_session_role(connection)
    assert connection.rolled_back  # the pool requires the connection back idle
