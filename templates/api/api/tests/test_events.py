"""Security events (OPS-01) and redaction (OPS-02, API-14): schema-valid JSON lines for every refusal, and
no token, cookie, Authorization header or password in any log line."""

import json
import logging
import re
import time

from app.security.events import REDACTED, JsonLineFormatter, redact, security_event
from tests.conftest import bearer, events_from

ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
REQUIRED = {"ts", "level", "service", "env", "event", "outcome", "reason", "status", "request_id", "method", "route", "client_ip"}


def test_every_refusal_emits_a_schema_valid_event(make_harness, make_token, keys, capsys):
    api = make_harness(AUTH_FAILURE_LIMIT="100").client
    now = int(time.time())
    cases = {
        "expired": make_token(iat=now - 600, exp=now - 300),
        "bad_signature": make_token(key=keys.attacker, kid="rsa-1"),
        "bad_aud": make_token(aud="someone-else"),
        "unknown_kid": make_token(key=keys.attacker, kid="never-published"),
        "alg_not_allowed": make_token(alg="RS512"),
    }
    for token in cases.values():
        assert api.get("/v1/me", headers={**bearer(token), "User-Agent": "attack-suite"}).status_code == 401
    assert api.get("/v1/projects", headers=bearer(make_token(scope="other"))).status_code == 403

    events = events_from(capsys.readouterr().err)
    by_reason = {event.get("reason"): event for event in events}
    for reason in list(cases) + ["scope_missing"]:
        event = by_reason.get(reason)
        assert event is not None, f"no event with reason {reason}: {events}"
        assert REQUIRED <= set(event), set(REQUIRED) - set(event)
        assert ISO_UTC.match(event["ts"])
        assert event["service"] == "test-api" and event["env"] == "production"
        assert event["outcome"] == "failure"
        assert len(event["request_id"]) == 32
        assert event["client_ip"] == "testclient"
    assert by_reason["expired"]["event"] == "authn_login_fail"
    assert by_reason["expired"]["status"] == 401
    assert by_reason["expired"]["route"] == "/v1/me"
    assert by_reason["expired"]["user_agent"] == "attack-suite"
    assert by_reason["expired"]["kid"] == "rsa-1"
    assert by_reason["scope_missing"]["event"] == "authz_fail"
    assert by_reason["scope_missing"]["sub"] == "user-1"


def test_logs_never_contain_the_token(api, make_token, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    now = int(time.time())
    tokens = [make_token(), make_token(exp=now - 3600, iat=now - 7200), make_token(aud="x")]
    api.cookies.set("session", "cookie-secret-value")
    for token in tokens:
        api.get("/v1/me", headers={**bearer(token), "X-Api-Key": "key-secret-value"})
        api.get(f"/v1/me?access_token={token}")
    api.post("/v1/projects", json={"name": "x", "password": "hunter2"}, headers=bearer(tokens[0]))
    # Everything the app's loggers wrote (the test client's own httpx logger is not the app's).
    records = [record for record in caplog.records if record.name.startswith("app")]
    logged = capsys.readouterr().err + "\n".join(record.getMessage() for record in records)
    logged += "\n".join(json.dumps(getattr(record, "security_event", {})) for record in records)
    assert logged.strip(), "nothing was logged"
    for token in tokens:
        assert token not in logged
        for part in token.split("."):
            assert part not in logged
    for secret in ("cookie-secret-value", "key-secret-value", "hunter2", "Bearer "):
        assert secret not in logged


def test_redaction_of_fields_and_values():
    clean = redact(
        {
            "authorization": "Bearer abc",
            "Cookie": "session=1",
            "refresh_token": "r",
            "db_password": "p",
            "note": "token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln here",
            "dsn_like": "postgresql://app:pw@db/x",
            "route": "/v1/me",
        }
    )
    assert clean["authorization"] == clean["Cookie"] == clean["refresh_token"] == clean["db_password"] == REDACTED
    assert clean["note"] == REDACTED and clean["dsn_like"] == REDACTED
    assert clean["route"] == "/v1/me"


def test_log_injection_stays_on_one_line(api, capsys):
    api.get("/v1/me", headers={"User-Agent": 'x\r\n{"event":"forged"}\n'})
    err = capsys.readouterr().err
    events = events_from(err)
    assert not any(event.get("event") == "forged" for event in events)
    for line in err.splitlines():
        if line.startswith("{"):
            json.loads(line)


def test_formatter_writes_one_json_object_per_line():
    record = logging.LogRecord("app.security", logging.WARNING, __file__, 1, "m", (), None)
    record.security_event = {"event": "authz_fail", "reason": "scope_missing", "token": "eyJa.eyJb.c"}
    line = JsonLineFormatter("svc", "production").format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert data["level"] == "WARN" and data["service"] == "svc" and data["token"] == REDACTED
    assert list(data)[:2] == ["ts", "level"]


def test_security_event_helper_returns_what_it_logged(caplog):
    caplog.set_level(logging.INFO, logger="app.security")
    event = security_event("authz_fail", reason="scope_missing", status=403, sub="user-9", password="x")
    assert event["password"] == REDACTED
    assert caplog.records[-1].security_event == event
