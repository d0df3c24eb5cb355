"""Generic error responses (API-11): a JSON body with an error code and the request id, nothing else.

No exception text, stack trace, SQL or validation input ever reaches the client; the request id lets an
operator find the details in the server's logs.
"""

import logging
from typing import Any, Dict, Mapping, Optional

from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from app.security.events import ERROR_LOGGER, security_event

ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
    500: "internal_error",
    503: "service_unavailable",
}


def request_id_of(scope: Mapping[str, Any]) -> Optional[str]:
    state = scope.get("state") or {}
    return state.get("request_id")


def error_body(scope: Mapping[str, Any], status: int, **extra: Any) -> Dict[str, Any]:
    body: Dict[str, Any] = {"error": ERROR_CODES.get(status, "error"), "request_id": request_id_of(scope)}
    body.update(extra)
    return body


def error_response(
    scope: Mapping[str, Any], status: int, headers: Optional[Mapping[str, str]] = None, **extra: Any
) -> JSONResponse:
    return JSONResponse(error_body(scope, status, **extra), status_code=status, headers=dict(headers or {}))


async def http_exception_handler(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    return error_response(request.scope, exc.status_code, headers=getattr(exc, "headers", None))


async def validation_exception_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    # Where the input was wrong and how, never the input itself (it may hold personal data).
    fields = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error.get("loc", ()))
        fields.append({"loc": location[:200], "type": str(error.get("type", "invalid"))[:100]})
    security_event("input_validation_fail", request=request, reason="request_validation", status=422, level=logging.INFO)
    return error_response(request.scope, 422, fields=fields[:20])


async def unhandled_exception_handler(request: Request, exc: Exception) -> JSONResponse:
    # Normally the request-context middleware catches first; this is the last line behind it.
    logging.getLogger(ERROR_LOGGER).error(
        "unhandled %s", type(exc).__name__, exc_info=exc, extra={"request_id": request_id_of(request.scope)}
    )
    return error_response(request.scope, 500)


EXCEPTION_HANDLERS = {
    StarletteHTTPException: http_exception_handler,
    RequestValidationError: validation_exception_handler,
    Exception: unhandled_exception_handler,
}
