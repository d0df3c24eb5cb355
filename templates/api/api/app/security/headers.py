"""Security response headers (API-09), added to every response, errors included.

A JSON API renders no documents, so its CSP denies everything, including being framed. Responses are
never stored by shared or browser caches (``no-store``): they carry per-user data. HSTS belongs to the
TLS-terminating edge (reverse proxy or load balancer), which knows whether the connection was https.
"""

from typing import List, Tuple

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# Development only: FastAPI's /docs and /redoc pages load Swagger UI / ReDoc from a CDN with inline scripts.
DOCS_CSP = (
    "default-src 'none'; script-src 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src https://fonts.gstatic.com; img-src data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "connect-src 'self'; worker-src blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)

BASE_HEADERS: List[Tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    (b"cache-control", b"no-store"),
    (b"pragma", b"no-cache"),
]


def security_headers(docs_page: bool) -> List[Tuple[bytes, bytes]]:
    csp = DOCS_CSP if docs_page else API_CSP
    return BASE_HEADERS + [(b"content-security-policy", csp.encode("ascii"))]


def merge_headers(existing: List[Tuple[bytes, bytes]], added: List[Tuple[bytes, bytes]]) -> List[Tuple[bytes, bytes]]:
    """``existing`` with every header of ``added`` set (replacing a same-named header the app sent)."""
    names = {name.lower() for name, _ in added}
    return [(name, value) for name, value in existing if name.lower() not in names] + list(added)
