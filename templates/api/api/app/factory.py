"""Builds the FastAPI application with every control on. ``app.main`` calls it with the environment's settings;
tests call it with their own settings, database and clock.

Nothing here uses FastAPI's ``lifespan=`` (FastAPI before 0.95 silently ignores it): the database pool and
the JWKS cache start lazily on first use, and the start-up check runs as ASGI middleware.
"""

import logging
import os
from typing import Callable, Optional

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse

from app.db import Database, DatabaseUnavailable
from app.routes import health, me, metrics, projects
from app.security.auth import Authenticator
from app.security.context import RequestContextMiddleware
from app.security.errors import EXCEPTION_HANDLERS, error_response
from app.security.events import configure_logging, security_event
from app.security.hosts import TrustedHosts
from app.security.jwks import JwksKeyStore
from app.security.limits import BodySizeLimitMiddleware
from app.security.policy import check_routes
from app.security.ratelimit import AuthFailureLimiter
from app.security.tokens import TokenVerifier
from app.settings import Settings

DOCS_URL = "/docs"
REDOC_URL = "/redoc"
OPENAPI_URL = "/openapi.json"


async def database_unavailable_handler(request: Request, exc: DatabaseUnavailable) -> JSONResponse:
    security_event("service_unavailable", request=request, reason="database_unavailable", status=503, level=logging.ERROR)
    return error_response(request.scope, 503, headers={"Retry-After": "5"})


def create_app(
    settings: Optional[Settings] = None,
    *,
    database: Optional[Database] = None,
    clock: Optional[Callable[[], float]] = None,
) -> FastAPI:
    if settings is None:
        settings = Settings.from_env(os.environ)
    configure_logging(settings.service_name, settings.app_env)

    docs = settings.development  # API-12: no schema or docs pages outside development
    app = FastAPI(
        title=settings.service_name,
        version="0.1.0",
        debug=False,
        docs_url=DOCS_URL if docs else None,
        redoc_url=REDOC_URL if docs else None,
        openapi_url=OPENAPI_URL if docs else None,
        exception_handlers={**EXCEPTION_HANDLERS, DatabaseUnavailable: database_unavailable_handler},
    )
    app.state.settings = settings
    app.state.database = database if database is not None else Database(settings)
    keys = JwksKeyStore(
        settings.oidc_jwks_uri,
        cache_seconds=settings.jwks_cache_seconds,
        min_refresh_seconds=settings.jwks_min_refresh_seconds,
        timeout_seconds=settings.jwks_timeout_seconds,
        clock=clock,
    )
    app.state.jwks = keys
    app.state.authenticator = Authenticator(
        verifier=TokenVerifier(
            keys=keys,
            issuer=settings.oidc_issuer,
            audience=settings.oidc_audience,
            algorithms=settings.oidc_algorithms,
            leeway_seconds=settings.oidc_leeway_seconds,
        ),
        limiter=AuthFailureLimiter(settings.auth_failure_limit, settings.auth_failure_window_seconds, clock=clock),
        multi_tenant=settings.multi_tenant,
        tenant_claim=settings.oidc_tenant_claim,
        fixed_tenant_id=settings.fixed_tenant_id,
    )

    app.include_router(health.router)
    app.include_router(me.router)
    app.include_router(projects.router)
    app.include_router(metrics.router)

    # add_middleware puts each new middleware outside the previous ones: the last added runs first.
    app.add_middleware(BodySizeLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_allowed_origins),
        allow_credentials=False,  # the browser sends a bearer token, never cookies, to this API
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type"],
        expose_headers=["X-Request-ID"],
        max_age=600,
    )
    app.add_middleware(TrustedHosts, allowed_hosts=list(settings.allowed_hosts))
    app.add_middleware(RequestContextMiddleware, docs_paths=[DOCS_URL, REDOC_URL] if docs else [])

    check_routes(app)
    return app
