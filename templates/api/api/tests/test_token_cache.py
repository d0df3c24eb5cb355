"""Authentication that stays cheap without giving anything up: a JWKS fetch never holds up the event loop, and
the verified-token cache (app.security.tokens) skips only the signature work, never a check that depends on
the time, the key set or the route."""

import asyncio
import threading
import time
from typing import Any, Dict, List

import jwt
import pytest
from fastapi.testclient import TestClient

from starlette.requests import Request

from app.security import auth, tokens
from app.security.auth import Authenticator
from app.security.jwks import JwksKeyStore
from app.security.ratelimit import AuthFailureLimiter
from app.security.tokens import TokenError, TokenVerifier
from drills.harness import JwksEndpoint
from tests.conftest import AUDIENCE, ISSUER, TENANT_A, TENANT_B, bearer

STEP_SECONDS = 10


class WallClock:
    """Unix time the tests move, in either direction (a clock step back is what NTP may do)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


class GatedJwks(JwksEndpoint):
    """Serves ``document``, but each answer waits until the test opens the gate: a fetch stays in flight meanwhile."""

    def __init__(self, document: Dict[str, Any]) -> None:
        self.document = document
        self.gate = threading.Event()
        self.gate.set()

        def gated() -> Dict[str, Any]:
            self.gate.wait(STEP_SECONDS)
            return self.document

        super().__init__(gated)

    def wait_for_fetches(self, count: int) -> None:
        deadline = time.monotonic() + STEP_SECONDS
        while sum(1 for path in self.requests if path == "/jwks.json") < count:
            assert time.monotonic() < deadline, "the api did not fetch the JWKS"
            time.sleep(0.01)


class InThread(threading.Thread):
    """One request on a shared TestClient, from its own thread; ``status`` is None until it is answered."""

    def __init__(self, client: TestClient, path: str, headers: Dict[str, str]) -> None:
        super().__init__(daemon=True)
        self.client, self.path, self.headers = client, path, headers
        self.status = None

    def run(self) -> None:
        self.status = self.client.get(self.path, headers=self.headers).status_code


@pytest.fixture()
def gated_jwks(keys):
    endpoint = GatedJwks(keys.initial_jwks())
    yield endpoint
    endpoint.gate.set()
    endpoint.close()


@pytest.fixture()
def decodes(monkeypatch) -> List[str]:
    """Every token whose signature jwt.decode checks (a cache hit does not)."""
    checked: List[str] = []
    original = jwt.decode

    def counting(token: str, *args: Any, **kwargs: Any) -> Any:
        checked.append(token)
        return original(token, *args, **kwargs)

    monkeypatch.setattr(tokens.jwt, "decode", counting)
    return checked


@pytest.fixture()
def wall() -> WallClock:
    return WallClock()


@pytest.fixture()
def make_verifier(jwks, clock, wall):
    def build(**options: Any) -> TokenVerifier:
        store = JwksKeyStore(jwks.url, cache_seconds=300, min_refresh_seconds=30, timeout_seconds=5, clock=clock)
        return TokenVerifier(
            keys=store, issuer=ISSUER, audience=AUDIENCE, algorithms=["RS256", "ES256"], leeway_seconds=30,
            clock=wall, **options,
        )

    return build


# ---------------------------------------------------------------------------------------------------------
# The event loop
# ---------------------------------------------------------------------------------------------------------


def test_a_jwks_fetch_in_flight_does_not_hold_up_other_requests(make_harness, gated_jwks, make_token):
    harness = make_harness(OIDC_JWKS_URI=gated_jwks.url)
    gated_jwks.gate.clear()
    with TestClient(harness.app) as client:  # one event loop serves every request below
        me = InThread(client, "/v1/me", bearer(make_token()))
        me.start()
        gated_jwks.wait_for_fetches(1)  # the first token makes the api fetch the keys: held at the gate
        health = InThread(client, "/healthz", {})
        health.start()
        health.join(STEP_SECONDS / 2)
        answered_during_the_fetch = health.status
        gated_jwks.gate.set()
        me.join(STEP_SECONDS)
    assert answered_during_the_fetch == 200
    assert me.status == 200


def test_a_request_with_the_new_kid_waits_for_the_refetch_in_flight(make_harness, gated_jwks, make_token, keys):
    # Key rotation under load: while one request's unknown kid is being fetched, the next request with the same
    # new kid must get the refetched key, not a 401 because "a refetch was just attempted".
    harness = make_harness(OIDC_JWKS_URI=gated_jwks.url)
    with TestClient(harness.app) as client:
        assert client.get("/v1/me", headers=bearer(make_token())).status_code == 200
        gated_jwks.document = {"keys": gated_jwks.document["keys"] + [keys.jwk(keys.rsa2, "rsa-2", alg="RS256")]}
        harness.clock.advance(31)  # past JWKS_MIN_REFRESH_SECONDS
        gated_jwks.gate.clear()
        first = InThread(client, "/v1/me", bearer(make_token(key=keys.rsa2, kid="rsa-2")))
        first.start()
        gated_jwks.wait_for_fetches(2)
        second = InThread(client, "/v1/me", bearer(make_token(key=keys.rsa2, kid="rsa-2")))
        second.start()
        time.sleep(0.2)  # time enough for the second to be refused, were it not waiting
        gated_jwks.gate.set()
        first.join(STEP_SECONDS)
        second.join(STEP_SECONDS)
    assert (first.status, second.status) == (200, 200)
    assert sum(1 for path in gated_jwks.requests if path == "/jwks.json") == 2  # no thundering herd


# ---------------------------------------------------------------------------------------------------------
# The verified-token cache
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture(params=["verify", "verify_async"])
def verify(request):
    """Both ways in: ``verify`` (worker threads) and ``verify_async`` (the event loop, with its own hit path)."""
    if request.param == "verify":
        return lambda verifier, token: verifier.verify(token)
    return lambda verifier, token: asyncio.run(verifier.verify_async(token))


@pytest.fixture()
def cached(verify, make_verifier, make_token):
    """A verifier and a token it has just verified (and so cached), through the same entry point as the test."""
    verifier, token = make_verifier(), make_token()
    verify(verifier, token)
    return verifier, token

def test_a_repeated_token_is_verified_once(verify, make_verifier, make_token, decodes):
    verifier = make_verifier()
    token = make_token()
    first, second = verify(verifier, token), verify(verifier, token)
    assert second.claims == first.claims and second.kid == "rsa-1"
    assert decodes == [token]
    # A different token (another jti) is another entry: nothing is shared between tokens.
    verify(verifier, make_token())
    assert len(decodes) == 2


@pytest.mark.parametrize("token", ["é.b.c", "a.b.c\n", "a.b.c ", "a.b", "x" * 9000])
def test_a_token_of_the_wrong_shape_is_malformed_whatever_its_characters(verify, make_verifier, token):
    # The cache is looked up before the shape check: hashing must accept any text, and a miss still checks it.
    with pytest.raises(TokenError) as refused:
        verify(make_verifier(), token)
    assert refused.value.reason == "malformed"


def test_refusals_are_not_cached(verify, make_verifier, make_token, keys, decodes):
    verifier = make_verifier()
    forged = make_token(key=keys.attacker, kid="rsa-1")
    for _ in range(2):
        with pytest.raises(TokenError) as refused:
            verify(verifier, forged)
        assert refused.value.reason == "bad_signature"
    assert len(decodes) == 2 and len(verifier.cache) == 0


def test_an_expired_token_is_refused_even_when_cached(verify, make_verifier, make_token, wall):
    verifier = make_verifier()
    token = make_token(exp=int(wall.now) + 120)
    verify(verifier, token)
    wall.now += 120 + 31  # past exp and the 30 s leeway
    with pytest.raises(TokenError) as refused:
        verify(verifier, token)
    assert refused.value.reason == "expired"
    assert refused.value.subject == "user-1"


def test_a_cache_hit_checks_the_time_claims_again(verify, make_verifier, make_token, wall, decodes):
    # nbf 20 s ahead is inside the leeway: accepted and cached. After the clock steps back a minute, the same
    # entry is still fresh, but nbf is now beyond the leeway: the hit must refuse it, as a full check would.
    verifier = make_verifier()
    token = make_token(nbf=int(wall.now) + 20, iat=int(wall.now))
    verify(verifier, token)
    wall.now -= 60
    with pytest.raises(TokenError) as refused:
        verify(verifier, token)
    assert refused.value.reason == "not_yet_valid"
    assert decodes == [token]  # refused by the hit itself


def test_an_entry_ends_at_the_token_exp_then_the_token_is_checked_in_full(
    verify, make_verifier, make_token, wall, decodes
):
    verifier = make_verifier()
    token = make_token(exp=int(wall.now) + 20)
    verify(verifier, token)
    wall.now += 25  # past exp, inside the leeway: still valid, but only a full check may say so
    verify(verifier, token)
    assert decodes == [token, token]


def test_an_entry_lasts_at_most_the_cache_lifetime(verify, make_verifier, make_token, wall, decodes):
    verifier = make_verifier()
    token = make_token(exp=int(wall.now) + 3600)
    verify(verifier, token)
    wall.now += 59
    verify(verifier, token)
    assert len(decodes) == 1
    wall.now += 2  # 61 s after it was verified
    verify(verifier, token)
    assert len(decodes) == 2


def test_the_cache_is_bounded_and_drops_the_oldest_first(verify, make_verifier, make_token, decodes):
    verifier = make_verifier(cache_entries=3)
    issued = [make_token() for _ in range(5)]
    for token in issued:
        verify(verifier, token)
    assert len(verifier.cache) == 3
    verify(verifier, issued[-1])
    assert len(decodes) == 5  # the newest is still cached
    verify(verifier, issued[0])
    assert len(decodes) == 6  # the oldest was dropped: verified again


def test_a_rekeyed_kid_refuses_its_cached_tokens_after_the_refresh(verify, cached, make_token, keys, jwks, clock):
    # The identity provider publishes another key under the same kid: tokens of the old key must stop working
    # at the next refresh, exactly as without the cache.
    verifier, token = cached
    jwks.document = {"keys": [keys.jwk(keys.rsa2, "rsa-1", alg="RS256")]}
    clock.advance(301)  # past JWKS_CACHE_SECONDS: the next lookup refreshes the set
    with pytest.raises(TokenError) as refused:
        verify(verifier, token)
    assert refused.value.reason == "bad_signature"
    assert verify(verifier, make_token(key=keys.rsa2, kid="rsa-1")).kid == "rsa-1"


def test_a_key_set_change_empties_the_cache(verify, make_verifier, make_token, keys, jwks, clock):
    verifier = make_verifier()
    for _ in range(2):
        verify(verifier, make_token())
    assert len(verifier.cache) == 2
    jwks.document = {"keys": jwks.document["keys"] + [keys.jwk(keys.rsa2, "rsa-2", alg="RS256")]}
    clock.advance(301)
    verify(verifier, make_token(key=keys.ec1, kid="ec-1", alg="ES256"))  # refreshes: rsa-2 is new
    assert len(verifier.cache) == 1  # only the token verified after the change


def test_a_refresh_that_changes_nothing_keeps_the_cache(verify, make_verifier, make_token, jwks, clock, decodes):
    verifier = make_verifier()
    token = make_token()
    verify(verifier, token)
    clock.advance(301)
    verify(verifier, token)
    assert jwks.fetches() == 2
    assert decodes == [token]


def test_a_retired_kid_is_refused_after_the_refresh_even_when_cached(verify, cached, keys, jwks, clock):
    verifier, token = cached
    jwks.document = {"keys": [keys.jwk(keys.ec1, "ec-1", alg="ES256")]}
    clock.advance(301)
    with pytest.raises(TokenError) as refused:
        verify(verifier, token)
    assert refused.value.reason == "unknown_kid"


def test_a_kid_dropped_by_a_refresh_another_token_caused_is_refused_at_once_even_when_cached(
    verify, cached, make_token, keys, jwks, clock
):
    # A token with a kid the verifier does not know makes it refetch the set, which no longer holds rsa-1 (nor
    # that kid: refused before the cache learns of the new set). Right after, the set is fresh and a refetch is
    # not allowed yet: the key store alone answers "rsa-1 is unknown", and a cached rsa-1 token must be refused
    # then, not served from the cache.
    verifier, token = cached
    jwks.document = {"keys": [keys.jwk(keys.rsa2, "rsa-2", alg="RS256")]}
    clock.advance(31)  # past JWKS_MIN_REFRESH_SECONDS: an unknown kid may refetch
    for presented, kid in ((make_token(key=keys.rsa2, kid="rsa-3"), "rsa-3"), (token, "rsa-1")):
        with pytest.raises(TokenError) as refused:
            verify(verifier, presented)
        assert (refused.value.reason, refused.value.kid) == ("unknown_kid", kid)
    assert jwks.fetches() == 2


def test_a_token_longer_than_the_limit_is_refused_even_when_validly_signed(verify, make_verifier, make_token):
    token = make_token(padding="x" * tokens.MAX_TOKEN_CHARS)
    with pytest.raises(TokenError) as refused:
        verify(make_verifier(), token)
    assert refused.value.reason == "malformed"


def test_a_cached_token_without_the_route_scope_still_gets_403(harness, make_token, decodes):
    api = harness.client
    token = make_token(scope="projects:write")
    assert api.get("/v1/me", headers=bearer(token)).status_code == 200
    response = api.get("/v1/projects", headers=bearer(token))
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
    assert decodes == [token]  # the second request was a cache hit


def test_a_cached_token_with_a_bad_tenant_still_gets_403(make_harness, make_token, decodes):
    api = make_harness(multi_tenant=True).client
    token = make_token(tenant_id="not-a-uuid")
    assert [api.get("/v1/me", headers=bearer(token)).status_code for _ in range(2)] == [403, 403]
    assert decodes == [token]
    assert api.get("/v1/me", headers=bearer(make_token(tenant_id=TENANT_A))).status_code == 200


def test_the_principal_is_derived_once_per_cached_token_and_per_authenticator(make_verifier, make_token, monkeypatch):
    derivations: List[str] = []
    original = auth.token_scopes

    def counting(claims: Dict[str, Any]) -> frozenset:
        derivations.append(claims["jti"])
        return original(claims)

    monkeypatch.setattr(auth, "token_scopes", counting)
    verifier = make_verifier()
    shared = {"verifier": verifier, "limiter": AuthFailureLimiter(5, 60), "tenant_claim": "tenant_id"}
    multi = Authenticator(**shared, multi_tenant=True, fixed_tenant_id=None)
    single = Authenticator(**shared, multi_tenant=False, fixed_tenant_id=TENANT_B)
    token = make_token(tenant_id=TENANT_A)

    def principal(authenticator: Authenticator, presented: str) -> Any:
        return asyncio.run(authenticator.authenticate(_request(presented), []))

    first, again = principal(multi, token), principal(multi, token)
    assert again is first and first.tenant_id == TENANT_A and len(derivations) == 1
    # Another authenticator sharing the verifier derives its own: the tenant comes from its own settings.
    assert principal(single, token).tenant_id == TENANT_B and len(derivations) == 2
    assert principal(multi, make_token(tenant_id=TENANT_A)) is not first and len(derivations) == 3


def _request(token: str) -> Request:
    headers = [(b"authorization", f"Bearer {token}".encode())]
    return Request({"type": "http", "method": "GET", "path": "/v1/me", "headers": headers, "client": ("192.0.2.9", 1)})
