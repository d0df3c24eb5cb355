"""Host-header allowlist (API-08): Starlette's TrustedHostMiddleware, answering with the API's JSON error.

A request whose Host is not in ALLOWED_HOSTS (exact names, or ``*.example.com`` for subdomains) gets 400
before any route runs, so that no URL the API builds or logs can be steered by a forged Host header.
"""

import re
from typing import Sequence

from starlette.datastructures import Headers
from starlette.middleware.trustedhost import TrustedHostMiddleware

from app.security.errors import error_response


class TrustedHosts(TrustedHostMiddleware):
    def __init__(self, app, allowed_hosts: Sequence[str]):
        if not allowed_hosts or "*" in allowed_hosts:
            raise ValueError("allowed_hosts must list host names; '*' is refused")
        super().__init__(app, allowed_hosts=[host.lower() for host in allowed_hosts], www_redirect=False)

    def host_allowed(self, host: str) -> bool:
        for pattern in self.allowed_hosts:
            if host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:])):
                return True
        return False

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        values = Headers(scope=scope).getlist("host")
        host = host_name(values[0]) if len(values) == 1 else ""
        if host and self.host_allowed(host):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        await error_response(scope, 400)(scope, receive, send)


_HOST_HEADER = re.compile(r"^([a-z0-9](?:[a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?$")


def host_name(header: str) -> str:
    """The host of a Host header without its port, lower-cased ("[::1]:8000" -> "[::1]"), or "" when the
    header is not a plain host[:port] (userinfo, paths and other tricks are refused, not parsed around)."""
    match = _HOST_HEADER.match(header.strip().lower())
    return match.group(1) if match else ""
