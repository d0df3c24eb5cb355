"""What the drills share: a stand-in identity provider, this api under uvicorn on 127.0.0.1, and a client.

Everything listens on 127.0.0.1 only. The identity provider's keys are created at run time and never written
to disk.
"""

import json
import socket
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional

import httpx
import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa

from app.factory import create_app
from app.settings import Settings
from app.tenancy import MULTI_TENANT

ISSUER = "https://idp.drill.invalid/"
AUDIENCE = "drill-api"
TENANT = "3f2b9c1e-6a4d-4c1b-9d2e-7a8b9c0d1e2f"
CACHE_SECONDS = 10
MIN_REFRESH_SECONDS = 1
STEP_TIMEOUT_SECONDS = 3 * CACHE_SECONDS


class JwksEndpoint:
    """A JWK Set served over HTTP on 127.0.0.1 from a thread (http is allowed for loopback JWKS URIs).

    GET /jwks.json answers ``status`` with ``document()`` as it is at that moment, a path in ``redirects`` answers
    302 to its target, anything else 404. Every path asked for is recorded in ``requests``.
    """

    def __init__(self, document: Callable[[], Dict[str, Any]]) -> None:
        self.status = 200
        self.redirects: Dict[str, str] = {}
        self.requests: List[str] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                endpoint.requests.append(self.path)
                if self.path in endpoint.redirects:
                    self.send_response(302)
                    self.send_header("Location", endpoint.redirects[self.path])
                    self.end_headers()
                    return
                body = json.dumps(document()).encode()
                self.send_response(endpoint.status if self.path == "/jwks.json" else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/jwks.json"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class IdentityProvider:
    """Signing keys and the JWKS document that publishes their public halves, on 127.0.0.1."""

    def __init__(self) -> None:
        self.keys: Dict[str, Any] = {}
        self.published: List[str] = []
        self.signing_kid = ""
        self._lock = threading.Lock()
        self.endpoint = JwksEndpoint(self.jwks)

    @property
    def jwks_uri(self) -> str:
        return self.endpoint.url

    def create_key(self, kid: str) -> None:
        self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def publish(self, kids: List[str]) -> None:
        with self._lock:
            self.published = list(kids)

    def sign_with(self, kid: str) -> None:
        with self._lock:
            self.signing_kid = kid

    def jwks(self) -> Dict[str, Any]:
        with self._lock:
            kids = list(self.published)
        keys = []
        for kid in kids:
            entry = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.keys[kid].public_key()))
            entry.update({"kid": kid, "use": "sig", "alg": "RS256"})
            keys.append(entry)
        return {"keys": keys}

    def token(self, kid: Optional[str] = None, header_kid: Optional[str] = None) -> str:
        with self._lock:
            kid = kid or self.signing_kid
        now = int(time.time())
        claims = {
            "iss": ISSUER, "aud": AUDIENCE, "sub": "drill-client", "iat": now, "exp": now + 300,
            "jti": uuid.uuid4().hex, "scope": "projects:read", "tenant_id": TENANT,
        }
        return jwt.encode(claims, self.keys[kid], algorithm="RS256", headers={"typ": "at+jwt", "kid": header_kid or kid})

    def close(self) -> None:
        self.endpoint.close()


class ApiServer:
    """This service under uvicorn on 127.0.0.1, configured for the drill's identity provider."""

    def __init__(self, jwks_uri: str, overrides: Optional[Dict[str, str]] = None, path: str = "/v1/me") -> None:
        self.path = path
        environ = {
            "APP_ENV": "production",
            "SERVICE_NAME": "drill-api",
            "OIDC_ISSUER": ISSUER,
            "OIDC_AUDIENCE": AUDIENCE,
            "OIDC_JWKS_URI": jwks_uri,
            "ALLOWED_HOSTS": "127.0.0.1",
            # /v1/me never opens the pool; the port is closed on purpose.
            "DATABASE_URL": "postgresql://drill_app@127.0.0.1:9/drill?sslmode=verify-full",
            "JWKS_CACHE_SECONDS": str(CACHE_SECONDS),
            "JWKS_MIN_REFRESH_SECONDS": str(MIN_REFRESH_SECONDS),
            "AUTH_FAILURE_LIMIT": "10000",
        }
        if not MULTI_TENANT:
            environ["APP_TENANT_ID"] = TENANT
        environ.update(overrides or {})
        if "DATABASE_URL_FILE" in environ:
            environ.pop("DATABASE_URL")
        app = create_app(Settings.from_env(environ))
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + STEP_TIMEOUT_SECONDS
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the api did not start")
            time.sleep(0.05)

    def status(self, client: httpx.Client, token: str) -> int:
        return client.get(f"{self.url}{self.path}", headers={"Authorization": f"Bearer {token}"}).status_code

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.socket.close()


class Client(threading.Thread):
    """A well-behaved client: always presents a fresh token from the identity provider's current key."""

    def __init__(self, api: ApiServer, provider: IdentityProvider) -> None:
        super().__init__(daemon=True)
        self.api = api
        self.provider = provider
        self.stop = threading.Event()
        self.statuses: Dict[int, int] = {}
        self.kids_used: Dict[str, int] = {}

    def run(self) -> None:
        with httpx.Client(timeout=10) as http:
            while not self.stop.is_set():
                kid = self.provider.signing_kid
                status = self.api.status(http, self.provider.token(kid))
                self.statuses[status] = self.statuses.get(status, 0) + 1
                self.kids_used[kid] = self.kids_used.get(kid, 0) + 1
                time.sleep(0.01)

    def finish(self) -> None:
        self.stop.set()
        self.join(timeout=10)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def failed(self) -> int:
        return sum(count for status, count in self.statuses.items() if status != 200)

    def report(self) -> Dict[str, Any]:
        """The client's part of a drill report: how many requests, how many failed, and each status's count."""
        return {
            "client_requests": self.requests,
            "client_failed_requests": self.failed,
            "client_statuses": {str(status): count for status, count in sorted(self.statuses.items())},
        }


def tear_down(client: Optional[Client], api: Optional[ApiServer], provider: IdentityProvider) -> None:
    """Stops what a drill started, whichever step it reached."""
    if client is not None:
        client.finish()
    if api is not None:
        api.close()
    provider.close()


def print_report(report: Dict[str, Any]) -> int:
    """Prints the report as JSON on stdout; the exit status: 0 when the drill passed."""
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0 if report["passed"] else 1
