"""Request-body size limit (API-10) as pure ASGI middleware.

FastAPI releases before ``max_body_size`` existed have no limit of their own, so this works on every
version: a declared Content-Length above the limit gets 413 before the body is read, and a body sent
without one (chunked) is counted as it streams and cut off with 413 as soon as it passes the limit. Keep
a limit at the reverse proxy as well (``client_max_body_size`` in nginx).
"""

import logging
from typing import Any, Awaitable, Callable, Dict

from app.security.errors import error_response
from app.security.events import security_event

Message = Dict[str, Any]


class BodyTooLarge(Exception):
    """Raised into the application when the streamed body passes the limit."""


class BodySizeLimitMiddleware:
    def __init__(self, app: Any, max_body_bytes: int):
        if max_body_bytes < 1:
            raise ValueError("max_body_bytes must be positive")
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Dict[str, Any], receive: Callable[[], Awaitable[Message]], send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        lengths = [value for name, value in scope.get("headers", []) if name.lower() == b"content-length"]
        if lengths:
            if len(lengths) > 1 or not lengths[0].strip().isdigit() or len(lengths[0].strip()) > 18:
                await error_response(scope, 400)(scope, receive, send)
                return
            if int(lengths[0]) > self.max_body_bytes:
                await self._too_large(scope, receive, send, declared=True)
                return

        received = 0
        exceeded = False
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    exceeded = True
                    raise BodyTooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if exceeded and not response_started:
                return  # the application's answer to a cut-off body is replaced by 413 below
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except BodyTooLarge:
            pass
        except Exception:
            if not exceeded:
                raise
        if exceeded and not response_started:
            await self._too_large(scope, receive, send, declared=False)

    async def _too_large(self, scope: Dict[str, Any], receive: Any, send: Any, declared: bool) -> None:
        state = scope.get("state") or {}
        client = scope.get("client")
        security_event(
            "input_validation_fail",
            reason="body_too_large",
            status=413,
            level=logging.INFO,
            request_id=state.get("request_id"),
            method=scope.get("method"),
            route=scope.get("path"),
            client_ip=client[0] if client else None,
        )
        await error_response(scope, 413, headers={"Connection": "close"})(scope, receive, send)
