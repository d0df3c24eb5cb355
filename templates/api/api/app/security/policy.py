"""Default-deny (API-05): every route must state an auth decision, or the app refuses to start.

A route decides by depending on ``public`` or ``require_principal`` (directly or through another
dependency). Anything else mounted on the app (a sub-application, static files, a websocket route) has
no decision and is refused too. FastAPI's own /docs, /redoc and /openapi.json routes are the only
exception, and exist only when APP_ENV=development.

The check runs when the app is built, again at ASGI start-up, and before the first request after any
change to the route table (routes added after start-up are caught as well).
"""

from typing import Any, List

from fastapi.routing import APIRoute

from app.security.auth import AUTH_DECISIONS


class UndecidedRoutesError(RuntimeError):
    """Routes without an auth decision exist: the app must not serve."""


def undecided_routes(app: Any) -> List[str]:
    docs_paths = set()
    if app.openapi_url:
        docs_paths.add(app.openapi_url)
        for path in (app.docs_url, app.redoc_url):
            if path:
                docs_paths.add(path)
        if app.docs_url and app.swagger_ui_oauth2_redirect_url:
            docs_paths.add(app.swagger_ui_oauth2_redirect_url)
    problems = []
    for route in app.routes:
        path = getattr(route, "path", "?")
        if isinstance(route, APIRoute):
            if not has_auth_decision(route.dependant):
                problems.append(f"{','.join(sorted(route.methods or []))} {path}")
        elif path not in docs_paths:
            problems.append(f"{type(route).__name__} {path}")
    return problems


def has_auth_decision(dependant: Any) -> bool:
    stack = [dependant]
    while stack:
        current = stack.pop()
        if current.call in AUTH_DECISIONS:
            return True
        stack.extend(current.dependencies)
    return False


def check_routes(app: Any) -> None:
    problems = undecided_routes(app)
    if problems:
        raise UndecidedRoutesError(
            "default-deny: these routes state no auth decision (add dependencies=[Depends(public)] or "
            "Security(require_principal, scopes=[...])): " + "; ".join(problems)
        )
