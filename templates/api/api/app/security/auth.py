"""Route auth decisions: ``public`` or ``require_principal`` (API-05, API-06, API-13).

Every route states one of them, and app.security.policy refuses to start an app with a route that
states neither (default-deny):

    @router.get("/healthz", dependencies=[Depends(public)])                     # public on purpose
    def me(principal: Principal = Security(require_principal)): ...            # any valid access token
    def projects(principal: Principal = Security(require_principal, scopes=["projects:read"])): ...

Use ``= Depends(...)`` / ``= Security(...)`` defaults, not ``Annotated[...]``: FastAPI releases before 0.95
silently read an ``Annotated`` dependency as a required query parameter.

The principal (subject, tenant, scopes) comes only from the verified token, or for a single-tenant
service from settings, never from the path, the body, the query or another header.

``require_principal`` is a coroutine: FastAPI runs it on the event loop, with no threadpool hop per request.
Nothing in it blocks: a JWKS fetch (or waiting for one) goes to the threadpool (app.security.tokens), and a
token already verified is answered from the verified-token cache, with its time and route checks made again.
"""

import hmac
import logging
import re
from dataclasses import dataclass
from typing import Any, Dict, FrozenSet, NoReturn, Optional, Sequence

from fastapi import HTTPException
from fastapi.security import SecurityScopes
from starlette.requests import Request

from app.security.events import security_event
from app.security.ratelimit import AuthFailureLimiter
from app.security.tokens import JwksUnreachable, TokenError, TokenVerifier, VerifiedToken, token_scopes

REALM = 'Bearer realm="api"'
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# Reasons that point at forged or misdirected tokens rather than a client that merely lost track of expiry.
_SUSPICIOUS = frozenset({"bad_signature", "alg_not_allowed", "unknown_kid", "key_alg_mismatch"})


@dataclass(frozen=True)
class Principal:
    sub: str
    tenant_id: str
    scopes: FrozenSet[str]
    kid: Optional[str] = None
    jti: Optional[str] = None


async def public() -> None:
    """Auth decision: this route is public on purpose (health checks). Use as ``dependencies=[Depends(public)]``.

    A coroutine, like ``require_principal``: it does nothing, so it should not cost a threadpool hop per request.
    """


async def require_principal(security_scopes: SecurityScopes, request: Request) -> Principal:
    """Auth decision: a valid access token, with every scope the route lists (``Security(..., scopes=[...])``)."""
    authenticator: Authenticator = request.app.state.authenticator
    return await authenticator.authenticate(request, security_scopes.scopes)


def require_metrics_token(request: Request) -> None:
    """Auth decision for the metrics scrape: the bearer credential METRICS_TOKEN(_FILE) holds; 404 when unset."""
    expected = request.app.state.settings.metrics_token
    if not expected:
        raise HTTPException(status_code=404)
    authenticator: Authenticator = request.app.state.authenticator
    authenticator.authenticate_static(request, expected)


AUTH_DECISIONS = (public, require_principal, require_metrics_token)


class Authenticator:
    def __init__(
        self,
        *,
        verifier: TokenVerifier,
        limiter: AuthFailureLimiter,
        multi_tenant: bool,
        tenant_claim: str,
        fixed_tenant_id: Optional[str],
    ):
        if not multi_tenant and not fixed_tenant_id:
            raise ValueError("a single-tenant service needs a fixed tenant id")
        self.verifier = verifier
        self.limiter = limiter
        self.multi_tenant = multi_tenant
        self.tenant_claim = tenant_claim
        self.fixed_tenant_id = fixed_tenant_id

    async def authenticate(self, request: Request, required_scopes: Sequence[str]) -> Principal:
        client = self._admitted_client(request)
        token = self._bearer_token(request, client)
        try:
            verified = await self.verifier.verify_async(token)
        except TokenError as error:
            self._fail(
                request, client, error.reason, error.kid, challenge=f'{REALM}, error="invalid_token"', sub=error.subject
            )
        except JwksUnreachable:
            security_event(
                "authn_login_fail", request=request, reason="jwks_unavailable", status=503, level=logging.ERROR
            )
            raise HTTPException(status_code=503) from None

        # The principal depends on the claims and this authenticator's settings only: derived once per verified
        # token and kept with it in the verified-token cache. A tenant refusal is not kept: it raises every time.
        principal = verified.derived.get(self)
        if principal is None:
            principal = self._principal(request, verified)
            verified.derived[self] = principal
        # request.state.principal, written into the scope's state dict that request.state wraps (the security
        # events of this request name its subject) without building a State object on every request.
        request.scope.setdefault("state", {})["principal"] = principal

        if required_scopes and not principal.scopes.issuperset(required_scopes):
            missing = [scope for scope in required_scopes if scope not in principal.scopes]
            security_event(
                "authz_fail", request=request, reason="scope_missing", status=403, kid=principal.kid,
                jti=principal.jti, resource_id=" ".join(missing),
            )
            raise HTTPException(
                status_code=403,
                headers={"WWW-Authenticate": f'{REALM}, error="insufficient_scope", scope="{" ".join(required_scopes)}"'},
            )
        return principal

    def authenticate_static(self, request: Request, expected: str) -> None:
        """A fixed bearer credential (the metrics scraper's), compared in constant time, under the same limiter."""
        client = self._admitted_client(request)
        token = self._bearer_token(request, client)
        if not hmac.compare_digest(token.encode("utf-8"), expected.encode("utf-8")):
            self._fail(request, client, "bad_static_token", None, challenge=f'{REALM}, error="invalid_token"')

    def _principal(self, request: Request, verified: VerifiedToken) -> Principal:
        claims, kid = verified.claims, verified.kid
        jti = claims.get("jti") if isinstance(claims.get("jti"), str) else None
        tenant_id = self._tenant(request, claims, kid)
        return Principal(sub=claims["sub"], tenant_id=tenant_id, scopes=token_scopes(claims), kid=kid, jti=jti)

    def _admitted_client(self, request: Request) -> str:
        """The client's address, once the failure limiter lets it try again (429 with Retry-After until then)."""
        address = request.scope.get("client")  # what request.client reads, without building an Address
        client = address[0] if address else "unknown"
        retry_after = self.limiter.retry_after(client)
        if retry_after is not None:
            security_event("excess_rate_limit_exceeded", request=request, reason="auth_failures", status=429)
            raise HTTPException(status_code=429, headers={"Retry-After": str(retry_after)})
        return client

    def _bearer_token(self, request: Request, client: str) -> str:
        # What request.headers.getlist("authorization") returns, read from the ASGI scope, whose header names
        # the server has lower-cased (ASGI spec), without building a Headers object on every request.
        values = [value for name, value in request.scope["headers"] if name == b"authorization"]
        if not values:
            self._fail(request, client, "missing_token", None, challenge=REALM)
        token = _bearer_credential(values[0].decode("latin-1")) if len(values) == 1 else None
        if token is None:
            self._fail(request, client, "malformed_header", None, challenge=f'{REALM}, error="invalid_request"')
        return token

    def _tenant(self, request: Request, claims: Dict[str, Any], kid: Optional[str]) -> str:
        if not self.multi_tenant:
            return self.fixed_tenant_id  # type: ignore[return-value]
        value = claims.get(self.tenant_claim)
        reason = None
        if value is None:
            reason = "tenant_missing"
        elif not isinstance(value, str) or not _UUID.fullmatch(value):
            reason = "tenant_invalid"
        if reason is not None:
            security_event("authz_fail", request=request, reason=reason, status=403, sub=claims.get("sub"), kid=kid)
            raise HTTPException(status_code=403)
        # fullmatch admits only the hyphenated 8-4-4-4-12 hex form (not a trailing newline, which "$" lets
        # through), whose canonical text is its lower case: what str(uuid.UUID(value)) gives, without parsing.
        return value.lower()

    def _fail(
        self, request: Request, client: str, reason: str, kid: Optional[str], challenge: str, sub: Optional[str] = None
    ) -> NoReturn:
        level = logging.ERROR if reason in _SUSPICIOUS else logging.WARNING
        security_event("authn_login_fail", request=request, reason=reason, status=401, kid=kid, sub=sub, level=level)
        if self.limiter.record_failure(client):
            security_event("authn_login_fail_max", request=request, reason="auth_failure_limit", status=401)
        raise HTTPException(status_code=401, headers={"WWW-Authenticate": challenge})


def _bearer_credential(value: str) -> Optional[str]:
    """The token of an ``Authorization: Bearer <token>`` value, or None: the scheme in any case, one or more
    spaces, a token with no whitespace in it, optional trailing spaces (RFC 6750 §2.1). String methods, not a
    regular expression: the value is a whole access token, read on every request."""
    scheme, _, rest = value.partition(" ")
    if len(scheme) != 6 or scheme.lower() != "bearer":
        return None
    token = rest.strip(" ")
    # split() cuts at the same (Unicode) whitespace as the \s of a str regular expression.
    return token if token and token.split() == [token] else None
