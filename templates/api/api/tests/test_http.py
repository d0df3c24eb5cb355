"""HTTP-level controls: security headers (API-09), CORS (API-07), trusted hosts (API-08), body limit (API-10),
generic errors (API-11), docs off in production (API-12) and the auth-failure rate limit (API-13)."""

from fastapi import Depends

from app.security.auth import public
from tests.conftest import ALLOWED_ORIGIN, bearer, events_from

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
}


def assert_security_headers(response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert len(response.headers["x-request-id"]) == 32


def test_security_headers_on_authenticated_responses(api, make_token):
    response = api.get("/v1/me", headers=bearer(make_token()))
    assert response.status_code == 200
    assert_security_headers(response)


def test_security_headers_on_errors_and_public_routes(api):
    for response in (api.get("/healthz"), api.get("/v1/me"), api.get("/nowhere")):
        assert_security_headers(response)


def test_health_is_public_and_needs_no_database(harness):
    response = harness.client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert harness.pool.created == 0


def test_cors_allows_the_configured_origin_only(api):
    preflight = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"}
    allowed = api.options("/v1/me", headers={"Origin": ALLOWED_ORIGIN, **preflight})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "access-control-allow-credentials" not in allowed.headers
    methods = {method.strip() for method in allowed.headers["access-control-allow-methods"].split(",")}
    assert methods <= {"GET", "POST", "OPTIONS", "HEAD"}
    assert "DELETE" not in methods

    denied = api.options("/v1/me", headers={"Origin": "https://evil.example", **preflight})
    assert denied.status_code >= 400
    assert "access-control-allow-origin" not in denied.headers

    simple = api.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in simple.headers


def test_cors_refuses_unlisted_methods_and_headers(api):
    response = api.options(
        "/v1/projects",
        headers={"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "DELETE"},
    )
    assert response.status_code >= 400
    response = api.options(
        "/v1/projects",
        headers={"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "x-tenant-id"},
    )
    assert response.status_code >= 400


def test_foreign_host_is_refused(api):
    for host in ("evil.example", "testserver.evil.example", "testserver:80@evil.example", "testserver/x", "[::1]"):
        response = api.get("/healthz", headers={"Host": host})
        assert response.status_code == 400, host
        assert response.json()["error"] == "bad_request"
        assert response.json()["request_id"] == response.headers["x-request-id"]
    assert api.get("/healthz", headers={"Host": "TestServer:8000"}).status_code == 200


def test_oversize_body_with_content_length_is_413(api, make_token):
    body = b'{"name": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    response = api.post("/v1/projects", content=body, headers={**bearer(make_token()), "Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"


def test_oversize_streamed_body_is_413(harness, make_token):
    def chunks():
        yield b'{"name": "'
        for _ in range(40):
            yield b"a" * 65536
        yield b'"}'

    response = harness.client.post(
        "/v1/projects", content=chunks(), headers={**bearer(make_token()), "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert harness.pool.statements() == []


def test_small_streamed_body_passes(harness, make_token):
    def chunks():
        yield b'{"name": '
        yield b'"streamed"}'

    response = harness.client.post(
        "/v1/projects", content=chunks(), headers={**bearer(make_token()), "Content-Type": "application/json"}
    )
    assert response.status_code == 201, response.text


def test_handler_exception_is_a_generic_500_with_request_id(harness, capsys):
    @harness.app.get("/boom", dependencies=[Depends(public)])
    def boom():
        raise RuntimeError("secret detail: password=hunter2 at /srv/app/internal.py")

    response = harness.client.get("/boom")
    assert response.status_code == 500
    body = response.json()
    assert body == {"error": "internal_error", "request_id": response.headers["x-request-id"]}
    assert "hunter2" not in response.text and "Traceback" not in response.text
    assert_security_headers(response)
    logged = capsys.readouterr().err
    errors = [event for event in events_from(logged) if event.get("exception") == "RuntimeError"]
    assert errors and errors[0]["request_id"] == body["request_id"]
    assert "hunter2" not in logged


def test_not_found_and_method_not_allowed_are_generic(api):
    missing = api.get("/etc/passwd")
    assert missing.status_code == 404
    assert missing.json() == {"error": "not_found", "request_id": missing.headers["x-request-id"]}
    wrong = api.delete("/healthz")
    assert wrong.status_code == 405
    assert wrong.json()["error"] == "method_not_allowed"


def test_docs_are_404_in_production(api):
    for path in ("/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"):
        assert api.get(path).status_code == 404, path


def test_docs_exist_in_development(make_harness):
    client = make_harness(APP_ENV="development").client
    assert client.get("/openapi.json").status_code == 200
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "frame-ancestors 'none'" in docs.headers["content-security-policy"]


def test_auth_failure_burst_is_rate_limited(harness, make_token, capsys):
    api = harness.client
    for _ in range(5):  # AUTH_FAILURE_LIMIT in the test settings
        assert api.get("/v1/me", headers=bearer("garbage.token.value")).status_code == 401
    limited = api.get("/v1/me", headers=bearer("garbage.token.value"))
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert limited.json()["error"] == "too_many_requests"
    # While limited, even a valid token waits: the limit is per client, not per token.
    assert api.get("/v1/me", headers=bearer(make_token())).status_code == 429
    # Public routes are not limited.
    assert api.get("/healthz").status_code == 200
    events = [event["event"] for event in events_from(capsys.readouterr().err)]
    assert "authn_login_fail_max" in events and "excess_rate_limit_exceeded" in events
    # After the window, the client may try again.
    harness.clock.advance(61)
    assert api.get("/v1/me", headers=bearer(make_token())).status_code == 200


def test_rate_limit_is_per_client():
    from app.security.ratelimit import AuthFailureLimiter

    now = [0.0]
    limiter = AuthFailureLimiter(3, 60, clock=lambda: now[0])
    for _ in range(3):
        limiter.record_failure("198.51.100.7")
    assert limiter.retry_after("198.51.100.7") == 60
    assert limiter.retry_after("203.0.113.9") is None
    now[0] = 45.2
    assert limiter.retry_after("198.51.100.7") == 15
    now[0] = 60.0
    assert limiter.retry_after("198.51.100.7") is None


def test_successful_requests_do_not_count_towards_the_limit(api, make_token):
    for _ in range(12):
        assert api.get("/v1/me", headers=bearer(make_token())).status_code == 200
