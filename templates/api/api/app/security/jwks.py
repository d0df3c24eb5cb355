"""Signing keys, only from the configured JWKS URI (API-02).

The key set is fetched over https (http only for a loopback host, checked in settings), without
following redirects, with a timeout and a size limit, and cached for ``cache_seconds``. A token whose
``kid`` is not in the cache triggers a refetch (key rotation), but at most once every
``min_refresh_seconds``, so a stream of made-up kids cannot turn the API into a JWKS flooder. When the
JWKS endpoint is down, the keys already cached keep working. One refresh runs at a time (a lock): requests
that need the new set wait for it rather than fetching again.

The fetch is blocking I/O: ``get`` may wait on it and must run in a worker thread, never on the event loop.
``lookup_nowait`` answers from the cache when ``get`` would neither fetch nor wait (the common case), and says
so otherwise, so async code hands only those lookups to the threadpool. ``version`` changes whenever a refresh
changes the set (a kid added or removed, or a kid's key material changed), and every key carries the version
of the set it belongs to: caches of verification results key on it.

Only public signature keys are kept: RSA, EC and OKP keys with a ``kid``, ``use`` absent or ``sig``;
symmetric (``oct``) keys and private key material are ignored. Keys named by a token's own ``jku``,
``x5u`` or ``jwk`` header are never fetched or used: this module does not read token headers at all.
"""

import json
import logging
import threading
import time
from dataclasses import dataclass, replace
from typing import Callable, Dict, Optional, Tuple

import httpx
from jwt import PyJWK
from jwt.exceptions import PyJWTError

MAX_JWKS_BYTES = 256 * 1024
_PUBLIC_KEY_TYPES = ("RSA", "EC", "OKP")
_PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "k")

log = logging.getLogger("app.security.jwks")


class JwksUnavailable(Exception):
    """No key set could be obtained (and none is cached)."""


@dataclass(frozen=True)
class SigningKey:
    kid: str
    kty: str
    crv: Optional[str]
    alg: Optional[str]
    key: object
    # The JWK as published (canonical JSON): two refreshes hold the same key when their fingerprints match.
    fingerprint: str = ""
    key_set_version: int = 0  # JwksKeyStore.version of the set this key came with


class JwksKeyStore:
    def __init__(
        self,
        uri: str,
        *,
        cache_seconds: int,
        min_refresh_seconds: int,
        timeout_seconds: int,
        clock: Optional[Callable[[], float]] = None,
    ):
        self.uri = uri
        self.cache_seconds = cache_seconds
        self.min_refresh_seconds = min_refresh_seconds
        self.timeout_seconds = timeout_seconds
        self._clock = clock or time.monotonic
        self._lock = threading.Lock()
        self._keys: Dict[str, SigningKey] = {}
        self._fetched_at: Optional[float] = None  # last successful fetch
        self._attempted_at: Optional[float] = None  # last attempt, successful or not
        self.fetch_count = 0
        self.version = 0

    def get(self, kid: str) -> Optional[SigningKey]:
        """The key for ``kid``, refreshing the set when it is stale or (rate-bounded) when ``kid`` is unknown.

        Blocks while a refresh runs (this call's or another thread's): call it from a worker thread.
        """
        with self._lock:
            now = self._clock()
            if self._fetched_at is None or now - self._fetched_at >= self.cache_seconds:
                if self._may_attempt(now):
                    self._refresh(now, required=not self._keys)
            key = self._keys.get(kid)
            if key is None and self._may_attempt(now):
                self._refresh(now, required=False)
                key = self._keys.get(kid)
            if key is None and not self._keys:
                raise JwksUnavailable("no signing keys are available")
            return key

    def lookup_nowait(self, kid: str) -> Tuple[bool, Optional[SigningKey]]:
        """``(True, key or None)`` when the cache alone answers what ``get`` would; ``(False, None)`` when ``get``
        has to run: the set is missing or stale and may be refreshed, ``kid`` is unknown and a refetch is allowed,
        or a refresh is running (its result may hold ``kid``). Never blocks, never fetches.
        """
        # Read the attempt time before looking at the lock: a refresh that starts after the lock was seen free
        # has then not updated it yet, so it can only make this answer "ask get()".
        attempted_at = self._attempted_at
        if self._lock.locked():
            return False, None
        keys, fetched_at, now = self._keys, self._fetched_at, self._clock()
        may_attempt = attempted_at is None or now - attempted_at >= self.min_refresh_seconds
        if not keys or fetched_at is None:
            return False, None
        if now - fetched_at >= self.cache_seconds and may_attempt:
            return False, None
        key = keys.get(kid)
        if key is None and may_attempt:
            return False, None
        return True, key

    def _may_attempt(self, now: float) -> bool:
        return self._attempted_at is None or now - self._attempted_at >= self.min_refresh_seconds

    def _refresh(self, now: float, required: bool) -> None:
        self._attempted_at = now
        try:
            keys = parse_jwks(self._fetch())
        except (JwksUnavailable, ValueError) as error:
            log.warning("JWKS refresh from %s failed: %s", self.uri, error)
            if required:
                raise JwksUnavailable(str(error)) from None
            return
        if _fingerprints(keys) != _fingerprints(self._keys):
            self.version += 1
            self._keys = {kid: replace(key, key_set_version=self.version) for kid, key in keys.items()}
        # else: the same keys; the objects (and the version) already cached results were filed under stay
        self._fetched_at = now

    def _fetch(self) -> bytes:
        self.fetch_count += 1
        try:
            with httpx.stream(
                "GET",
                self.uri,
                timeout=self.timeout_seconds,
                follow_redirects=False,
                headers={"Accept": "application/json, application/jwk-set+json"},
            ) as response:
                if response.status_code != 200:
                    raise JwksUnavailable(f"JWKS endpoint answered HTTP {response.status_code}")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body.extend(chunk)
                    if len(body) > MAX_JWKS_BYTES:
                        raise JwksUnavailable(f"JWKS document is larger than {MAX_JWKS_BYTES} bytes")
                return bytes(body)
        except httpx.HTTPError as error:
            raise JwksUnavailable(f"JWKS endpoint unreachable ({type(error).__name__})") from None


def _fingerprints(keys: Dict[str, SigningKey]) -> Dict[str, str]:
    return {kid: key.fingerprint for kid, key in keys.items()}


def parse_jwks(document: bytes) -> Dict[str, SigningKey]:
    """The usable public signature keys of a JWK Set, by kid. Raises ValueError when there are none."""
    try:
        data = json.loads(document)
    except ValueError:
        raise ValueError("JWKS document is not JSON") from None
    entries = data.get("keys") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ValueError("JWKS document has no 'keys' list")
    keys: Dict[str, SigningKey] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        kid, kty, use = entry.get("kid"), entry.get("kty"), entry.get("use")
        if not isinstance(kid, str) or not kid or kty not in _PUBLIC_KEY_TYPES:
            continue
        if use not in (None, "sig") or any(member in entry for member in _PRIVATE_MEMBERS):
            continue
        alg = entry.get("alg")
        crv = entry.get("crv")
        try:
            key = PyJWK(entry).key
        except (PyJWTError, ValueError, TypeError, KeyError):
            continue
        if kid in keys:
            continue  # a duplicated kid is ambiguous: keep the first, as most libraries do
        keys[kid] = SigningKey(
            kid=kid,
            kty=kty,
            crv=crv if isinstance(crv, str) else None,
            alg=alg if isinstance(alg, str) else None,
            key=key,
            fingerprint=json.dumps(entry, sort_keys=True, separators=(",", ":")),
        )
    if not keys:
        raise ValueError("JWKS document holds no usable public signature key")
    return keys
