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
"""

import base64
import json
import re
import time
from dataclasses import dataclass
from typing import Any, Dict, Optional, Sequence

import jwt
from jwt import exceptions as jwt_errors

from app.security.jwks import JwksKeyStore, JwksUnavailable, SigningKey

MAX_TOKEN_CHARS = 8192
# The signature may be empty: an unsigned ("alg": "none") token is then refused for its algorithm.
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
_ACCESS_TOKEN_TYPES = ("at+jwt", "application/at+jwt")
_ID_TOKEN_CLAIMS = ("nonce", "at_hash", "c_hash")
_CURVES = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}


@dataclass(frozen=True)
class VerifiedToken:
    claims: Dict[str, Any]
    kid: str
    algorithm: str


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


class TokenVerifier:
    def __init__(
        self,
        *,
        keys: JwksKeyStore,
        issuer: str,
        audience: str,
        algorithms: Sequence[str],
        leeway_seconds: int,
    ):
        if leeway_seconds > 60:
            raise ValueError("leeway must be at most 60 seconds")
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._algorithms = list(algorithms)
        self._leeway = leeway_seconds

    def verify(self, token: str) -> VerifiedToken:
        """The verified claims of ``token``, or TokenError."""
        if len(token) > MAX_TOKEN_CHARS or not _TOKEN_SHAPE.match(token):
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

        try:
            key = self._keys.get(kid)
        except JwksUnavailable:
            raise JwksUnreachable() from None
        if key is None:
            raise TokenError("unknown_kid", kid)
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
        return VerifiedToken(claims=claims, kid=kid, algorithm=algorithm)

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
        if claims["iat"] > time.time() + self._leeway:
            raise TokenError("not_yet_valid", kid)
        if any(name in claims for name in _ID_TOKEN_CLAIMS):
            raise TokenError("not_access_token", kid)
        typ = header.get("typ")
        typed_access_token = isinstance(typ, str) and typ.lower() in _ACCESS_TOKEN_TYPES
        if not typed_access_token and "scope" not in claims and "scp" not in claims:
            raise TokenError("not_access_token", kid)


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
