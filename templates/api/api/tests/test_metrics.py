"""The /metrics scrape (OPS-05): not public, and counting exactly what the alert rules of ops/prometheus read."""

import re
import time
from typing import Dict

import psycopg
import pytest

from app.security import metrics as metrics_module
from app.security.metrics import SecurityMetrics
from app.settings import SettingsError
from tests.conftest import bearer

METRICS_TOKEN = "m" * 40
# One sample line of the text exposition format 0.0.4: name, optional {labels}, value.
_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*\})? (\S+)$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')


def parse_exposition(text: str) -> Dict[tuple, float]:
    """Every sample as {(name, ((label, value), ...)): value}; fails on any line outside the format."""
    samples: Dict[tuple, float] = {}
    assert text.endswith("\n")
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            continue
        match = _SAMPLE.match(line)
        assert match is not None, line
        labels = tuple(
            sorted((name, value.replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\"))
                   for name, value in _LABEL.findall(match.group(2) or ""))
        )
        samples[(match.group(1), labels)] = float(match.group(3))
    return samples


def value(samples: Dict[tuple, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture()
def scraper(make_harness):
    harness = make_harness(METRICS_TOKEN=METRICS_TOKEN)

    def scrape() -> Dict[tuple, float]:
        response = harness.client.get("/metrics", headers=bearer(METRICS_TOKEN))
        assert response.status_code == 200, response.text
        return parse_exposition(response.text)

    harness.scrape = scrape
    return harness


def test_metrics_answer_404_when_no_scrape_token_is_configured(api):
    assert api.get("/metrics").status_code == 404
    assert api.get("/metrics", headers=bearer(METRICS_TOKEN)).status_code == 404


def test_metrics_need_the_scrape_token(scraper):
    for headers in ({}, bearer("x" * 40), bearer(METRICS_TOKEN + "x"), {"Authorization": f"Basic {METRICS_TOKEN}"}):
        response = scraper.client.get("/metrics", headers=headers)
        assert response.status_code == 401, headers
        assert "api_security_events_total" not in response.text
    response = scraper.client.get("/metrics", headers=bearer(METRICS_TOKEN))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert response.headers["x-content-type-options"] == "nosniff"


def test_guessing_the_scrape_token_is_rate_limited_and_counted(scraper):
    before = scraper.scrape()
    statuses = [scraper.client.get("/metrics", headers=bearer("guess" * 8)).status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    scraper.clock.advance(61)
    after = scraper.scrape()
    fails = value(after, "api_security_events_by_client_total", event="authn_login_fail", client_ip="testclient")
    assert fails - value(before, "api_security_events_by_client_total", event="authn_login_fail", client_ip="testclient") == 5
    limited = value(after, "api_security_events_by_client_total", event="excess_rate_limit_exceeded", client_ip="testclient")
    assert limited - value(before, "api_security_events_by_client_total", event="excess_rate_limit_exceeded", client_ip="testclient") == 1


def test_the_series_the_rules_page_on_exist_before_the_first_event(scraper):
    fresh = parse_exposition(SecurityMetrics().exposition())
    for reason in ("bad_signature", "alg_not_allowed", "unknown_kid"):
        assert (("api_security_events_total", (("event", "authn_login_fail"), ("reason", reason)))) in fresh
    assert ("api_db_permission_denied_total", ()) in fresh
    for code_class in ("2xx", "4xx", "5xx"):
        assert ("api_http_responses_total", (("code_class", code_class),)) in fresh


def test_forged_tokens_are_counted_by_reason_and_client(scraper, make_token, keys):
    before = scraper.scrape()
    assert scraper.client.get("/v1/me", headers=bearer(make_token(key=keys.attacker))).status_code == 401
    assert scraper.client.get("/v1/me", headers=bearer(make_token(kid="no-such-kid"))).status_code == 401
    after = scraper.scrape()
    for reason in ("bad_signature", "unknown_kid"):
        key = dict(event="authn_login_fail", reason=reason)
        assert value(after, "api_security_events_total", **key) - value(before, "api_security_events_total", **key) == 1
    client = dict(event="authn_login_fail", client_ip="testclient")
    assert value(after, "api_security_events_by_client_total", **client) - value(
        before, "api_security_events_by_client_total", **client
    ) == 2


def test_a_forged_token_never_gives_its_subject_a_series(scraper, make_token, keys):
    scraper.client.get("/v1/me", headers=bearer(make_token(key=keys.attacker, sub="victim-forged")))
    assert not any(dict(labels).get("sub") == "victim-forged" for _, labels in scraper.scrape())


def test_validly_signed_refused_tokens_and_authz_failures_are_counted_per_subject(scraper, make_token):
    before = scraper.scrape()
    now = int(time.time())
    expired = make_token(sub="user-expired", iat=now - 7200, nbf=now - 7200, exp=now - 3600)
    assert scraper.client.get("/v1/me", headers=bearer(expired)).status_code == 401
    assert scraper.client.get("/v1/me", headers=bearer(make_token(sub="user-expired", aud="other-api"))).status_code == 401
    no_scope = make_token(sub="user-nosy", scope="profile")
    assert scraper.client.get("/v1/projects", headers=bearer(no_scope)).status_code == 403
    after = scraper.scrape()

    def delta(**labels: str) -> float:
        return value(after, "api_security_events_by_subject_total", **labels) - value(
            before, "api_security_events_by_subject_total", **labels
        )

    assert delta(event="authn_login_fail", sub="user-expired") == 2
    assert delta(event="authz_fail", sub="user-nosy") == 1


def test_responses_are_counted_by_class_including_unhandled_errors(scraper, make_token):
    before = scraper.scrape()
    scraper.pool.fail_with = RuntimeError("boom")
    assert scraper.client.get("/v1/projects", headers=bearer(make_token())).status_code == 500
    scraper.pool.fail_with = None
    assert scraper.client.get("/healthz").status_code == 200
    after = scraper.scrape()
    for code_class in ("5xx", "2xx"):
        labels = dict(code_class=code_class)
        # The first scrape's own 200 is counted too: it was answered before `after` was read.
        expected = 1 if code_class == "5xx" else 2
        assert value(after, "api_http_responses_total", **labels) - value(before, "api_http_responses_total", **labels) == expected


def test_database_permission_denied_is_counted(scraper, make_token):
    before = value(scraper.scrape(), "api_db_permission_denied_total")
    scraper.pool.fail_with = psycopg.errors.InsufficientPrivilege("permission denied for table projects")
    assert scraper.client.get("/v1/projects", headers=bearer(make_token())).status_code == 500
    scraper.pool.fail_with = None
    assert value(scraper.scrape(), "api_db_permission_denied_total") - before == 1


def test_request_data_in_labels_cannot_break_the_format():
    registry = SecurityMetrics()
    hostile = 'a"b\\c\nd} 1\nforged_metric 99'
    registry.record_event({"event": "authz_fail", "reason": "scope_missing", "sub": hostile, "client_ip": "x"})
    samples = parse_exposition(registry.exposition())
    assert value(samples, "api_security_events_by_subject_total", event="authz_fail", sub=hostile) == 1
    assert not any(name == "forged_metric" for name, _ in samples)


def test_request_labels_are_bounded(monkeypatch):
    monkeypatch.setattr(metrics_module, "MAX_LABEL_VALUES", 3)
    registry = SecurityMetrics()
    for number in range(10):
        registry.record_event({"event": "authn_login_fail", "reason": "bad_signature", "client_ip": f"10.0.0.{number}"})
    samples = parse_exposition(registry.exposition())
    clients = {dict(labels)["client_ip"] for name, labels in samples if name == "api_security_events_by_client_total"}
    assert clients == {"10.0.0.0", "10.0.0.1", "10.0.0.2", "other"}
    assert value(samples, "api_security_events_by_client_total", event="authn_login_fail", client_ip="other") == 7


def test_a_short_scrape_token_is_refused(make_settings):
    with pytest.raises(SettingsError, match="METRICS_TOKEN must be at least 32"):
        make_settings(METRICS_TOKEN="short")

