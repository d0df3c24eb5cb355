"""The outermost middleware: request id, security headers, the error boundary and the default-deny gate.

- Every request gets a fresh random id (``X-Request-ID`` response header, ``request_id`` in error bodies
  and security events). An id sent by the client is not trusted.
- Every response, errors included, gets the security headers of app.security.headers.
- An exception that escapes a route is logged (with the request id, never the request's headers) and
  answered with a generic 500 JSON body (API-11).
- Routes without an auth decision stop the app: at ASGI start-up the startup fails, and (for servers or
  tests that skip the lifespan protocol) every request is refused with 500 until they are fixed.
"""

import logging
import uuid
from typing import Any, Callable, Dict, Optional, Sequence

from app.security.errors import error_response
from app.security.events import ERROR_LOGGER
from app.security.headers import merge_headers, security_headers
from app.security.metrics import SECURITY_METRICS
from app.security.policy import check_routes

Message = Dict[str, Any]


class RequestContextMiddleware:
    def __init__(self, app: Any, *, docs_paths: Sequence[str] = ()):
        self.app = app
        self.docs_paths = frozenset(docs_paths)
        self._checked_routes: Optional[tuple] = None
        self._route_problem: Optional[str] = None

    async def __call__(self, scope: Dict[str, Any], receive: Callable, send: Callable) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, self._startup_gate(scope, receive, send), send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        request_id = uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        added = security_headers(scope.get("path") in self.docs_paths) + [(b"x-request-id", request_id.encode())]
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                SECURITY_METRICS.record_response(int(message.get("status", 500)))
                message = dict(message)
                message["headers"] = merge_headers(list(message.get("headers") or []), added)
            await send(message)

        problem = self._route_check(scope.get("app"))
        if problem is not None:
            logging.getLogger(ERROR_LOGGER).error(problem, extra={"request_id": request_id})
            await error_response(scope, 500)(scope, receive, send_with_headers)
            return

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            logging.getLogger(ERROR_LOGGER).error(
                "unhandled %s in %s %s", type(exc).__name__, scope.get("method"), scope.get("path"),
                exc_info=exc, extra={"request_id": request_id},
            )
            if started:
                raise  # part of the response is out: let the server abort the connection
            await error_response(scope, 500)(scope, receive, send_with_headers)

    def _route_check(self, app: Any) -> Optional[str]:
        if app is None:
            return None
        routes = tuple(id(route) for route in app.routes)
        if routes != self._checked_routes:
            try:
                check_routes(app)
                self._route_problem = None
            except RuntimeError as error:
                self._route_problem = str(error)
            self._checked_routes = routes
        return self._route_problem

    def _startup_gate(self, scope: Dict[str, Any], receive: Callable, send: Callable) -> Callable:
        async def gated_receive() -> Message:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._checked_routes = None
                problem = self._route_check(scope.get("app"))
                if problem is not None:
                    await send({"type": "lifespan.startup.failed", "message": problem})
                    raise RuntimeError(problem)
            return message

        return gated_receive
