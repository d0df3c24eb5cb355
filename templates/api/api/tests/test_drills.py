"""The drills of drills/ run for real here (uvicorn on 127.0.0.1, a JWKS endpoint, real keys), and fail when
the api cannot follow the rotation they rehearse."""

from app.security.jwks import JwksKeyStore
from drills import signing_key_rotation


def test_signing_key_rotation_drill_passes_with_no_failed_request():
    report = signing_key_rotation.run_drill()
    assert report["passed"], report
    assert report["client_failed_requests"] == 0
    assert report["client_requests_per_key"]["old"] > 0
    assert report["client_requests_per_key"]["new"] > 0
    assert report["retired_key_status"] == 401
    assert report["new_key_status"] == 200


def test_signing_key_rotation_drill_fails_when_the_api_never_refreshes_its_keys(monkeypatch):
    original = JwksKeyStore._refresh

    def first_fetch_only(self, now, required):
        if self._keys:
            self._attempted_at = now
            return
        original(self, now, required)

    monkeypatch.setattr(JwksKeyStore, "_refresh", first_fetch_only)
    monkeypatch.setattr(signing_key_rotation, "STEP_TIMEOUT_SECONDS", 2)
    report = signing_key_rotation.run_drill()
    assert not report["passed"]
    assert "TimeoutError" in report["error"]
