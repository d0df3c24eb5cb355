"""Attacks on token verification (API-01 … API-04, API-13): each forged or misused token gets 401 and a
security event with the right reason, and valid tokens pass."""

import time

import jwt
import pytest

from app.security import auth
from tests.conftest import (
    AUDIENCE,
    ISSUER,
    TENANT_A,
    b64url,
    bearer,
    events_from,
    hs256_with_public_key,
    standard_claims,
    unsigned_token,
)


def reasons(capsys) -> list:
    return [event.get("reason") for event in events_from(capsys.readouterr().err)]


def expect_401(api, token: str) -> None:
    response = api.get("/v1/me", headers=bearer(token))
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert set(response.json()) == {"error", "request_id"}


def test_valid_rs256_token_is_accepted(api, make_token):
    response = api.get("/v1/me", headers=bearer(make_token()))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["sub"] == "user-1"
    assert body["scopes"] == ["projects:read", "projects:write"]


def test_valid_es256_token_is_accepted(api, make_token, keys):
    response = api.get("/v1/me", headers=bearer(make_token(key=keys.ec1, kid="ec-1", alg="ES256")))
    assert response.status_code == 200, response.text


def test_missing_authorization_header(api, capsys):
    response = api.get("/v1/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="api"'
    assert "missing_token" in reasons(capsys)


@pytest.mark.parametrize(
    "value",
    ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "bearer\tabc.def.ghi", "Token abc.def.ghi", "Bearer a b"],
)
def test_malformed_authorization_header(api, value):
    response = api.get("/v1/me", headers={"Authorization": value})
    assert response.status_code == 401
    assert "error=" in response.headers["www-authenticate"]


def test_bearer_scheme_in_any_case_with_extra_spaces_is_accepted(api, make_token):
    token = make_token()
    for value in (f"bearer {token}", f"BEARER   {token}", f"Bearer {token}  "):
        assert api.get("/v1/me", headers={"Authorization": value}).status_code == 200, value


@pytest.mark.parametrize(
    "value",
    [
        "Bearer abc.def.ghi\n",  # a trailing newline: "$" in a regular expression would have let it through
        "Bearer abc.def.ghi\t",
        "Bearer \tabc.def.ghi",
        "Bearer abc.def\x0b.ghi",
        "Bearer abc.def\x85.ghi",  # NEL and NO-BREAK SPACE are whitespace too (a header value is latin-1)
        "Bearer abc.def\xa0.ghi",
        "Bearerx abc.def.ghi",
        "Bearer",
        " Bearer abc.def.ghi",
        "Bearer  ",
    ],
)
def test_bearer_credential_refuses_whitespace_in_or_around_the_token(value):
    assert auth._bearer_credential(value) is None


def test_bearer_credential_reads_the_token():
    assert auth._bearer_credential("bEaReR  abc.def.ghi ") == "abc.def.ghi"


def test_two_authorization_headers_are_refused(api, make_token):
    token = make_token()
    response = api.get("/v1/me", headers=[("Authorization", f"Bearer {token}"), ("Authorization", f"Bearer {token}")])
    assert response.status_code == 401


@pytest.mark.parametrize("garbage", ["not-a-jwt", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.e30.AAAA", "x" * 9000])
def test_garbage_tokens(api, garbage):
    expect_401(api, garbage)


def test_alg_none_is_refused(api, capsys):
    token = unsigned_token({"alg": "none", "typ": "at+jwt", "kid": "rsa-1"}, standard_claims())
    expect_401(api, token)
    assert "alg_not_allowed" in reasons(capsys)


def test_hs256_signed_with_the_rsa_public_key_is_refused(api, keys, capsys):
    token = hs256_with_public_key(keys.rsa1.public_key(), standard_claims(), kid="rsa-1")
    expect_401(api, token)
    assert "alg_not_allowed" in reasons(capsys)


def test_hs256_with_a_symmetric_key_from_the_jwks_is_refused(api, capsys):
    token = jwt.encode(standard_claims(), "shared-secret-0123456789abcdef", algorithm="HS256", headers={"kid": "hmac-1"})
    expect_401(api, token)
    assert "alg_not_allowed" in reasons(capsys)


def test_asymmetric_algorithm_outside_the_allowlist_is_refused(api, make_token, capsys):
    expect_401(api, make_token(alg="RS384"))
    assert "alg_not_allowed" in reasons(capsys)


def test_key_not_in_the_jwks_is_refused(api, make_token, keys, capsys):
    # Signed by the attacker's key but naming a kid the JWKS has.
    expect_401(api, make_token(key=keys.attacker, kid="rsa-1"))
    assert "bad_signature" in reasons(capsys)


def test_tampered_payload_is_refused(api, make_token, capsys):
    header, _, signature = make_token().split(".")
    forged = b64url(b'{"iss":"%s","aud":"%s","sub":"admin","iat":%d,"exp":%d,"scope":"projects:write","tenant_id":"%s"}' % (
        ISSUER.encode(), AUDIENCE.encode(), int(time.time()), int(time.time()) + 300, TENANT_A.encode()))
    expect_401(api, f"{header}.{forged}.{signature}")
    assert "bad_signature" in reasons(capsys)


def test_ec_token_naming_an_rsa_key_is_refused(api, make_token, keys, capsys):
    expect_401(api, make_token(key=keys.ec1, kid="rsa-1", alg="ES256"))
    assert "key_alg_mismatch" in reasons(capsys)


def test_unknown_kid_refetches_the_jwks_at_a_bounded_rate(harness, make_token, keys, capsys):
    api, jwks = harness.client, harness.jwks
    assert api.get("/v1/me", headers=bearer(make_token())).status_code == 200
    assert jwks.fetches() == 1
    # Right after a fetch, an unknown kid does not trigger another one.
    expect_401(api, make_token(key=keys.attacker, kid="attacker-0"))
    assert jwks.fetches() == 1
    # Past JWKS_MIN_REFRESH_SECONDS, the attacker's unknown kid causes one refetch, then 401.
    harness.clock.advance(31)
    expect_401(api, make_token(key=keys.attacker, kid="attacker-1"))
    assert jwks.fetches() == 2
    assert "unknown_kid" in reasons(capsys)
    # A burst of made-up kids within the refresh interval triggers no further fetches.
    for index in range(3):
        expect_401(api, make_token(key=keys.attacker, kid=f"attacker-{index + 2}"))
    assert jwks.fetches() == 2
    harness.clock.advance(31)
    expect_401(api, make_token(key=keys.attacker, kid="attacker-9"))
    assert jwks.fetches() == 3


def test_rotated_key_is_picked_up_by_the_unknown_kid_refetch(harness, make_token, keys):
    api, jwks = harness.client, harness.jwks
    assert api.get("/v1/me", headers=bearer(make_token())).status_code == 200
    jwks.document = {"keys": jwks.document["keys"] + [keys.jwk(keys.rsa2, "rsa-2", alg="RS256")]}
    harness.clock.advance(31)  # past JWKS_MIN_REFRESH_SECONDS, well within the cache lifetime
    assert api.get("/v1/me", headers=bearer(make_token(key=keys.rsa2, kid="rsa-2"))).status_code == 200
    assert jwks.fetches() == 2
    # Cached now: no further fetch.
    assert api.get("/v1/me", headers=bearer(make_token(key=keys.rsa2, kid="rsa-2"))).status_code == 200
    assert jwks.fetches() == 2


def test_jku_header_is_never_followed(api, make_token, keys, jwks, capsys):
    # The attacker signs with its own key and points jku (and x5u) at a key set it controls.
    attacker_url = f"http://127.0.0.1:{jwks.port}/attacker-jwks.json"
    token = make_token(key=keys.attacker, kid="attacker-1", headers={"jku": attacker_url, "x5u": attacker_url})
    expect_401(api, token)
    assert "/attacker-jwks.json" not in jwks.requests
    assert "unknown_kid" in reasons(capsys)


def test_embedded_jwk_header_is_ignored(api, make_token, keys, capsys):
    embedded = keys.jwk(keys.attacker, "rsa-1")
    expect_401(api, make_token(key=keys.attacker, kid="rsa-1", headers={"jwk": embedded}))
    assert "bad_signature" in reasons(capsys)


def test_expired_token_is_refused(api, make_token, capsys):
    now = int(time.time())
    expect_401(api, make_token(iat=now - 600, nbf=now - 600, exp=now - 120))
    assert "expired" in reasons(capsys)


def test_leeway_is_bounded(api, make_token):
    now = int(time.time())
    # Expired 10 s ago: inside the 30 s leeway.
    assert api.get("/v1/me", headers=bearer(make_token(iat=now - 300, exp=now - 10))).status_code == 200
    # Expired 61 s ago: outside any allowed leeway.
    assert api.get("/v1/me", headers=bearer(make_token(iat=now - 300, exp=now - 61))).status_code == 401


def test_nbf_in_the_future_is_refused(api, make_token, capsys):
    expect_401(api, make_token(nbf=int(time.time()) + 300))
    assert "not_yet_valid" in reasons(capsys)


def test_iat_in_the_future_is_refused(api, make_token):
    expect_401(api, make_token(iat=int(time.time()) + 300))


def test_wrong_issuer_is_refused(api, make_token, capsys):
    expect_401(api, make_token(iss="https://evil.example/"))
    assert "bad_iss" in reasons(capsys)


def test_issuer_prefix_is_not_enough(api, make_token):
    expect_401(api, make_token(iss=ISSUER.rstrip("/")))


def test_wrong_audience_is_refused(api, make_token, capsys):
    expect_401(api, make_token(aud="another-api"))
    assert "bad_aud" in reasons(capsys)


def test_audience_list_must_contain_this_api(api, make_token):
    assert api.get("/v1/me", headers=bearer(make_token(aud=["other", AUDIENCE]))).status_code == 200
    expect_401(api, make_token(aud=["other", "third"]))


@pytest.mark.parametrize("claim", ["sub", "exp", "iat", "aud", "iss"])
def test_required_claim_missing(api, make_token, claim):
    expect_401(api, make_token(omit=(claim,)))


def test_non_string_subject_is_refused(api, make_token):
    expect_401(api, make_token(sub=12345))


def test_id_token_is_not_an_access_token(api, make_token, capsys):
    id_token = make_token(headers={"typ": "JWT"}, omit=("scope",), nonce="n-0S6_WzA2Mj", at_hash="77QmUPtjPfzWtF2AnpK9RQ")
    expect_401(api, id_token)
    assert "not_access_token" in reasons(capsys)


def test_token_with_id_token_claims_is_refused_even_with_scopes(api, make_token):
    for claim in ("nonce", "at_hash", "c_hash"):
        expect_401(api, make_token(**{claim: "value"}))


def test_token_without_type_or_scope_is_not_an_access_token(api, make_token):
    expect_401(api, make_token(headers={"typ": "JWT"}, omit=("scope",)))


def test_token_in_the_query_string_is_ignored(api, make_token):
    token = make_token()
    for name in ("access_token", "token", "jwt"):
        response = api.get(f"/v1/me?{name}={token}")
        assert response.status_code == 401


def test_token_in_a_cookie_is_ignored(api, make_token):
    api.cookies.set("access_token", make_token())
    assert api.get("/v1/me").status_code == 401


def test_jwks_outage_before_any_fetch_is_503_not_401(harness, make_token, capsys):
    harness.jwks.status = 500
    response = harness.client.get("/v1/me", headers=bearer(make_token()))
    assert response.status_code == 503
    assert "jwks_unavailable" in reasons(capsys)


def test_jwks_outage_after_a_fetch_keeps_the_cached_keys(harness, make_token):
    api = harness.client
    assert api.get("/v1/me", headers=bearer(make_token())).status_code == 200
    harness.jwks.status = 500
    harness.clock.advance(301)  # the cache is stale, the refetch fails: the known keys still verify
    assert api.get("/v1/me", headers=bearer(make_token())).status_code == 200
    assert harness.jwks.fetches() == 2


def test_key_removed_from_the_jwks_stops_working_after_the_cache_lifetime(harness, make_token, keys):
    api, jwks = harness.client, harness.jwks
    assert api.get("/v1/me", headers=bearer(make_token())).status_code == 200
    jwks.document = {"keys": [keys.jwk(keys.ec1, "ec-1", alg="ES256")]}  # the IdP revokes rsa-1
    harness.clock.advance(299)
    assert api.get("/v1/me", headers=bearer(make_token())).status_code == 200  # still cached
    harness.clock.advance(2)  # past JWKS_CACHE_SECONDS (300)
    expect_401(api, make_token())
    assert api.get("/v1/me", headers=bearer(make_token(key=keys.ec1, kid="ec-1", alg="ES256"))).status_code == 200


def test_jwks_redirects_are_not_followed(make_harness, make_token, jwks):
    harness = make_harness(OIDC_JWKS_URI=f"http://127.0.0.1:{jwks.port}/redirect")
    assert harness.client.get("/v1/me", headers=bearer(make_token())).status_code == 503
    assert jwks.fetches() == 0


def test_jwks_keeps_only_public_signature_keys(keys):
    from app.security.jwks import parse_jwks

    private_rsa = keys.jwk(keys.rsa2, "private-1")
    private_rsa.update(d=b64url(b"\x01" * 32))
    document = {
        "keys": [
            keys.jwk(keys.rsa1, "rsa-1"),
            {"kty": "oct", "kid": "hmac-1", "k": b64url(b"0123456789abcdef0123456789abcdef")},
            private_rsa,
            keys.jwk(keys.ec1, "enc-1", use="enc"),
            {"kty": "RSA", "kid": "broken", "n": "AQAB", "e": "AQAB", "alg": "HS256"},
            "not-a-key",
        ]
    }
    import json

    assert sorted(parse_jwks(json.dumps(document).encode())) == ["rsa-1"]
    with pytest.raises(ValueError):
        parse_jwks(b'{"keys": [{"kty": "oct", "kid": "k", "k": "AAAA"}]}')
