"""Access-token verification (API-01 … API-04).

- The algorithm allowlist comes from settings (asymmetric only); a token whose ``alg`` is not on it is
  refused before any key is looked at, and ``jwt.decode`` is given the allowlist, never the token's ``alg``.
- The key comes from the configured JWKS by ``kid`` only; its type (and curve, and its own ``alg`` if the
  JWK names one) must fit the token's algorithm. ``jku``, ``x5u``, ``x5c`` and ``jwk`` headers are ignored.
- ``iss``, ``aud``, ``exp`` and ``nbf`` are checked; ``exp``, ``iat`` and ``sub`` are required; the leeway
  is at most 60 seconds.
- Only access tokens are accepted: an ID token (``nonce``, ``at_hash`` or ``c_hash`` claims, or neither an
  ``at+jwt`` type nor a scope) is refused.

Every refusal raises ``TokenError`` with a reason code for the security log; the client only ever sees a
generic 401.

Verified-token cache (the precedent is Envoy's jwt_authn ``jwt_cache_config``): checking a signature costs
more CPU than the rest of a request, and a client sends the same access token until it expires. A token that
passed every check is remembered, keyed by the token text itself (a hit is the same text, compared in full by
the dictionary, so the same signature; no digest to compute on every request), for at most ``cache_seconds``
(60) and never past its ``exp`` (no leeway). What a hit skips is only the work whose answer cannot change:
parsing, the header checks, the signature and the static claim checks (``iss``, ``aud``, ``sub``, token type).
What it still does on every request:

- ``exp``, ``nbf`` and ``iat`` are checked against the clock again, with the same leeway;
- the key is looked up by ``kid`` again, so a stale key set is refreshed as before and a kid that left the set
  is refused (``unknown_kid``);
- an entry counts only under the key-set version it was verified with: a JWKS refresh that changes the set
  (a kid added, removed or re-keyed) empties the cache, so a retired key stops working exactly when it did
  without the cache;
- the route's scope check runs in app.security.auth on every request. The principal it derives from the claims
  (subject, tenant, scopes) depends on nothing else, so it is kept with the entry (``VerifiedToken.derived``);
  a token whose tenant is refused is refused again on every request (a refusal is never kept).

Refusals are never cached. The cache holds at most ``cache_entries`` (10,000) tokens, each at most
MAX_TOKEN_CHARS long and signed by the identity provider; the oldest goes first.
``verify_async`` is for the event loop: it hands the key lookup to the threadpool only when that lookup may
fetch the JWKS or wait for a fetch (app.security.jwks), so verification never blocks other requests.
"""

import base64
import json
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Optional, Sequence

import jwt
from jwt import exceptions as jwt_errors
from starlette.concurrency import run_in_threadpool

from app.security.jwks import JwksKeyStore, JwksUnavailable, SigningKey

MAX_TOKEN_CHARS = 8192
# The signature may be empty: an unsigned ("alg": "none") token is then refused for its algorithm.
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
_ACCESS_TOKEN_TYPES = ("at+jwt", "application/at+jwt")
_ID_TOKEN_CLAIMS = ("nonce", "at_hash", "c_hash")
_CURVES = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}
CACHE_ENTRIES = 10_000
CACHE_SECONDS = 60


@dataclass(frozen=True)
class VerifiedToken:
    claims: Dict[str, Any]  # shared by every request that presents the same token (cache): read it, never change it
    kid: str
    algorithm: str
    # What a caller derives from these claims alone, kept as long as the cache keeps the token (app.security.auth
    # keeps its Principal here, under its own key), so that a hit does not derive it again on every request.
    derived: Dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)


class TokenError(Exception):
    """The token is refused; ``reason`` is a code for the security log (never shown to the client)."""

    def __init__(self, reason: str, kid: Optional[str] = None, subject: Optional[str] = None):
        super().__init__(reason)
        self.reason = reason
        self.kid = kid
        # Set only when the signature verified (the token came from the identity provider) but a claim did
        # not: the subject is then authentic, and its failures can be counted per subject (OPS-05).
        self.subject = subject


class JwksUnreachable(Exception):
    """The key set is unavailable: the token cannot be checked right now (503, not 401)."""


@dataclass(frozen=True)
class _Presented:
    """A token that passed the checks made before any key is needed, and its cache entry if it has one."""

    token: str
    kid: str
    algorithm: str
    header: Dict[str, Any]
    cached: Optional["_CacheEntry"]


@dataclass(frozen=True)
class _CacheEntry:
    verified: VerifiedToken
    header: Dict[str, Any]
    key_set_version: int
    valid_until: float  # wall-clock seconds: min(exp, verified at + cache_seconds)


class VerifiedTokenCache:
    """Verified tokens by their text, bounded, oldest out first, emptied on a key-set change."""

    def __init__(self, max_entries: int, max_seconds: float):
        if max_entries < 1 or max_seconds <= 0:
            raise ValueError("the token cache needs a positive size and lifetime")
        self.max_entries = max_entries
        self.max_seconds = max_seconds
        self._lock = threading.Lock()  # verify() also runs in worker threads
        self._entries: "OrderedDict[bytes, _CacheEntry]" = OrderedDict()
        self._key_set_version = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, token: str) -> Optional[_CacheEntry]:
        return self._entries.get(token)

    def usable(self, entry: _CacheEntry, key_set_version: int, now: float) -> bool:
        """Whether a hit may stand for a verification made now with the key set at ``key_set_version``."""
        return entry.key_set_version == key_set_version and now < entry.valid_until

    def discard(self, token: str) -> None:
        with self._lock:
            self._entries.pop(token, None)

    def follow_key_set(self, key_set_version: int) -> None:
        """Empties the cache when a newer key set than the one its entries were verified with is in use."""
        if key_set_version > self._key_set_version:
            with self._lock:
                if key_set_version > self._key_set_version:
                    self._entries.clear()
                    self._key_set_version = key_set_version

    def put(self, token: str, entry: _CacheEntry, now: float) -> None:
        if now >= entry.valid_until:
            return
        with self._lock:
            if entry.key_set_version != self._key_set_version:
                return  # verified with a key of a set that has been replaced meanwhile: do not keep it
            self._entries[token] = entry
            self._entries.move_to_end(token)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


class TokenVerifier:
    def __init__(
        self,
        *,
        keys: JwksKeyStore,
        issuer: str,
        audience: str,
        algorithms: Sequence[str],
        leeway_seconds: int,
        cache_entries: int = CACHE_ENTRIES,
        cache_seconds: float = CACHE_SECONDS,
        clock: Optional[Callable[[], float]] = None,
    ):
        if leeway_seconds > 60:
            raise ValueError("leeway must be at most 60 seconds")
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._algorithms = list(algorithms)
        self._leeway = leeway_seconds
        self._clock = clock or time.time  # wall clock: exp, nbf and iat are Unix times
        self.cache = VerifiedTokenCache(cache_entries, cache_seconds)

    def verify(self, token: str) -> VerifiedToken:
        """The verified claims of ``token``, or TokenError. May wait for a JWKS fetch: not on the event loop."""
        presented = self._present(_within_size(token))
        try:
            key = self._keys.get(presented.kid)
        except JwksUnavailable:
            raise JwksUnreachable() from None
        return self._verify_with_key(presented, key)

    async def verify_async(self, token: str) -> VerifiedToken:
        """``verify`` for the event loop: a key lookup that may fetch the JWKS or wait for a fetch runs in the
        threadpool; every other step (a cache hit, or the signature check) runs here, without a thread hop."""
        cached = self.cache.get(_within_size(token))
        if cached is not None:
            verified = self._reuse(cached)
            if verified is not None:
                return verified
        presented = self._present(token)
        answered, key = self._keys.lookup_nowait(presented.kid)
        if not answered:
            try:
                key = await run_in_threadpool(self._keys.get, presented.kid)
            except JwksUnavailable:
                raise JwksUnreachable() from None
        return self._verify_with_key(presented, key)

    def _reuse(self, cached: _CacheEntry) -> Optional[VerifiedToken]:
        """The cached verdict when the cache alone can stand for a verification made now (the steady state of a
        client reusing its token), else None and the full path decides: the key set has to be fetched or waited
        for, the kid has left it, the set changed since, or the entry outlived ``valid_until``. What a hit checks
        is what the full path checks on a hit; this only skips building the objects that path needs."""
        verified = cached.verified
        answered, key = self._keys.lookup_nowait(verified.kid)
        if not answered or key is None:
            return None
        now = self._clock()
        if not self.cache.usable(cached, key.key_set_version, now):
            return None
        self._check_times(verified.claims, verified.kid, now)
        return verified

    def _present(self, token: str) -> _Presented:
        """The checks that need no key: shape and header, unless the same token is cached."""
        cached = self.cache.get(token)
        if cached is not None:
            # The same text passed the shape and header checks below when it was cached.
            verified = cached.verified
            return _Presented(token, verified.kid, verified.algorithm, cached.header, cached)
        if not _TOKEN_SHAPE.fullmatch(token):
            raise TokenError("malformed")
        try:
            header = jwt.get_unverified_header(token)
        except jwt_errors.PyJWTError:
            raise TokenError("malformed") from None
        kid = header.get("kid")
        kid = kid if isinstance(kid, str) and len(kid) <= 256 else None
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm not in self._algorithms:
            raise TokenError("alg_not_allowed", kid)
        if kid is None:
            raise TokenError("missing_kid")
        typ = header.get("typ")
        if typ is not None and (not isinstance(typ, str) or typ.lower() not in ("jwt",) + _ACCESS_TOKEN_TYPES):
            raise TokenError("not_access_token", kid)
        return _Presented(token, kid, algorithm, header, None)

    def _verify_with_key(self, presented: _Presented, key: Optional[SigningKey]) -> VerifiedToken:
        """The rest of ``verify`` once the current key for the token's kid is known (after any refresh)."""
        kid, algorithm, header, token = presented.kid, presented.algorithm, presented.header, presented.token
        if key is None:
            raise TokenError("unknown_kid", kid)
        # The key carries the version of its set: a hit counts only when it was verified under that same set.
        self.cache.follow_key_set(key.key_set_version)
        now = self._clock()
        cached = presented.cached
        if cached is not None:
            if self.cache.usable(cached, key.key_set_version, now):
                self._check_times(cached.verified.claims, kid, now)
                return cached.verified
            self.cache.discard(token)  # outlived: verify the token again from scratch
        if not _key_fits(key, algorithm):
            raise TokenError("key_alg_mismatch", kid)

        try:
            claims = jwt.decode(
                token,
                key=key.key,
                algorithms=self._algorithms,
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={
                    "verify_signature": True,
                    "verify_exp": True,
                    "verify_nbf": True,
                    "verify_iat": True,
                    "verify_aud": True,
                    "verify_iss": True,
                    "require": ["exp", "iat", "sub"],
                },
            )
        # PyJWT checks the signature before any claim, so these four errors mean a validly signed token.
        except jwt_errors.ExpiredSignatureError:
            raise TokenError("expired", kid, _signed_subject(token)) from None
        except jwt_errors.ImmatureSignatureError:
            raise TokenError("not_yet_valid", kid, _signed_subject(token)) from None
        except jwt_errors.InvalidAudienceError:
            raise TokenError("bad_aud", kid, _signed_subject(token)) from None
        except jwt_errors.InvalidIssuerError:
            raise TokenError("bad_iss", kid, _signed_subject(token)) from None
        except jwt_errors.MissingRequiredClaimError:
            raise TokenError("missing_claim", kid) from None
        except jwt_errors.InvalidSignatureError:
            raise TokenError("bad_signature", kid) from None
        except jwt_errors.InvalidAlgorithmError:
            raise TokenError("alg_not_allowed", kid) from None
        except jwt_errors.DecodeError:
            raise TokenError("malformed", kid) from None
        except jwt_errors.PyJWTError:
            raise TokenError("invalid_claims", kid) from None
        except (ValueError, TypeError):
            raise TokenError("malformed", kid) from None

        self._check_claims(claims, header, kid)
        self._check_times(claims, kid, now)
        verified = VerifiedToken(claims=claims, kid=kid, algorithm=algorithm)
        valid_until = min(float(claims["exp"]), now + self.cache.max_seconds)
        self.cache.put(token, _CacheEntry(verified, header, key.key_set_version, valid_until), now)
        return verified

    def _check_times(self, claims: Dict[str, Any], kid: str, now: float) -> None:
        # What PyJWT checks at decode, again here: a cached token is not decoded, and its time moves on.
        subject = claims.get("sub")
        if claims["exp"] <= now - self._leeway:
            raise TokenError("expired", kid, subject)
        if "nbf" in claims and claims["nbf"] > now + self._leeway:
            raise TokenError("not_yet_valid", kid, subject)
        if claims["iat"] > now + self._leeway:
            raise TokenError("not_yet_valid", kid)

    def _check_claims(self, claims: Dict[str, Any], header: Dict[str, Any], kid: str) -> None:
        # Checks that do not depend on the PyJWT version in use.
        if claims.get("iss") != self._issuer:
            raise TokenError("bad_iss", kid)
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject or len(subject) > 256:
            raise TokenError("bad_sub", kid)
        for name in ("exp", "iat", "nbf"):
            if name in claims and (isinstance(claims[name], bool) or not isinstance(claims[name], (int, float))):
                raise TokenError("invalid_claims", kid)
        if any(name in claims for name in _ID_TOKEN_CLAIMS):
            raise TokenError("not_access_token", kid)
        typ = header.get("typ")
        typed_access_token = isinstance(typ, str) and typ.lower() in _ACCESS_TOKEN_TYPES
        if not typed_access_token and "scope" not in claims and "scp" not in claims:
            raise TokenError("not_access_token", kid)


def _within_size(token: str) -> str:
    """``token``, unless it is longer than MAX_TOKEN_CHARS (refused before it is looked up, parsed or kept)."""
    if len(token) > MAX_TOKEN_CHARS:
        raise TokenError("malformed")
    return token


def _signed_subject(token: str) -> Optional[str]:
    """The ``sub`` of a token whose signature jwt.decode has just verified (call it only after that check)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, TypeError):
        return None
    subject = claims.get("sub") if isinstance(claims, dict) else None
    return subject if isinstance(subject, str) and 0 < len(subject) <= 256 else None


def _key_fits(key: SigningKey, algorithm: str) -> bool:
    if key.alg is not None and key.alg != algorithm:
        return False
    if algorithm.startswith(("RS", "PS")):
        return key.kty == "RSA"
    if algorithm.startswith("ES"):
        return key.kty == "EC" and key.crv == _CURVES.get(algorithm)
    if algorithm == "EdDSA":
        return key.kty == "OKP" and key.crv in ("Ed25519", "Ed448")
    return False


def token_scopes(claims: Dict[str, Any]) -> frozenset:
    """Scopes from ``scope`` (space-separated string) and ``scp`` (a list, or a space-separated string)."""
    scopes = set()
    scope = claims.get("scope")
    if isinstance(scope, str):
        scopes.update(scope.split())
    scp = claims.get("scp")
    if isinstance(scp, str):
        scopes.update(scp.split())
    elif isinstance(scp, list):
        scopes.update(item for item in scp if isinstance(item, str) and item and " " not in item)
    return frozenset(scopes)
