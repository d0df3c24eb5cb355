"""Security events as JSON lines (OPS-01), with redaction (OPS-02, API-14).

One event is one JSON object on one line of the ``app.security`` logger: ``ts`` (UTC ISO-8601), ``service``,
``env``, ``event`` (OWASP logging vocabulary), ``level``, ``request_id``, ``sub``, ``tenant_id``,
``client_ip``, ``user_agent``, ``method``, ``route``, ``status``, ``outcome``, ``reason`` and the token's
``kid``/``jti``, never the token itself.

Redaction: a field whose name looks like a credential (authorization, cookie, token, password, secret,
session, api key, DSN) is replaced by ``[REDACTED]``, and so is any value that looks like a JWT, a bearer
credential or a connection string with a password. Values are truncated and JSON-encoded, so CR/LF and
other control characters cannot forge a log line.
"""

import json
import logging
import re
import sys
import traceback
from datetime import datetime, timezone
from typing import Any, Dict, Optional

from app.security.metrics import SECURITY_METRICS

SECURITY_LOGGER = "app.security"
ERROR_LOGGER = "app.errors"
REDACTED = "[REDACTED]"
MAX_VALUE_CHARS = 256
MAX_TRACEBACK_CHARS = 8000

# Field names whose values are credentials whatever they hold.
_SECRET_NAME = re.compile(r"authorization|cookie|token|passw|secret|session|api[_-]?key|dsn|credential", re.I)
# Values that are credentials whatever field holds them.
_SECRET_VALUE = re.compile(
    r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.?[A-Za-z0-9_-]*"  # a JWT (header always starts with eyJ)
    r"|\b(?:bearer|basic)\s+\S+"  # an Authorization value
    r"|\b[a-z][a-z0-9+.-]*://[^/\s:@]*:[^@\s]*@"  # user:password@ in a URL
    r"|\bpassword\s*=\s*\S+",  # password=... in a libpq string
    re.I,
)
# OPS-01 fields, in the order they are written.
FIELDS = (
    "ts",
    "level",
    "service",
    "env",
    "event",
    "outcome",
    "reason",
    "status",
    "request_id",
    "method",
    "route",
    "client_ip",
    "user_agent",
    "sub",
    "tenant_id",
    "kid",
    "jti",
    "resource_id",
)
_ALLOWED_NAMES = frozenset(FIELDS)


def redact_value(value: Any, limit: int = MAX_VALUE_CHARS) -> Any:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [redact_value(item, limit) for item in value[:50]]
    if isinstance(value, dict):
        return redact({str(key): item for key, item in list(value.items())[:50]})
    text = str(value)
    if _SECRET_VALUE.search(text):
        text = _SECRET_VALUE.sub(REDACTED, text) if limit > MAX_VALUE_CHARS else REDACTED
    if len(text) > limit:
        text = text[:limit] + "..."
    return text


def redact(fields: Dict[str, Any]) -> Dict[str, Any]:
    """The fields with every credential removed; names outside the schema that look secret are dropped to a marker."""
    clean: Dict[str, Any] = {}
    for name, value in fields.items():
        if name not in _ALLOWED_NAMES and _SECRET_NAME.search(name):
            clean[name] = REDACTED
        else:
            clean[name] = redact_value(value, MAX_TRACEBACK_CHARS if name == "traceback" else MAX_VALUE_CHARS)
    return clean


class JsonLineFormatter(logging.Formatter):
    """Formats a record as one JSON line: the record's ``security_event`` if it has one, else a plain entry."""

    def __init__(self, service: str, env: str):
        super().__init__()
        self._service = service
        self._env = env

    def format(self, record: logging.LogRecord) -> str:
        event = getattr(record, "security_event", None)
        if isinstance(event, dict):
            body = dict(event)
        else:
            body = {"event": "log", "message": record.getMessage()}
            if record.exc_info and record.exc_info[0] is not None:
                body["exception"] = record.exc_info[0].__name__
                body["traceback"] = "".join(traceback.format_exception(*record.exc_info))
            request_id = getattr(record, "request_id", None)
            if request_id:
                body["request_id"] = request_id
        body.setdefault("ts", _timestamp(record.created))
        body.setdefault("level", _level(record.levelno))
        body.setdefault("service", self._service)
        body.setdefault("env", self._env)
        ordered = {name: body.pop(name) for name in FIELDS if name in body}
        ordered.update(body)
        return json.dumps(redact(ordered), ensure_ascii=True, separators=(",", ":"), default=str)


def _timestamp(created: float) -> str:
    moment = datetime.fromtimestamp(created, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _level(levelno: int) -> str:
    if levelno >= logging.CRITICAL:
        return "CRITICAL"
    if levelno >= logging.ERROR:
        return "ERROR"
    if levelno >= logging.WARNING:
        return "WARN"
    return "INFO"


class StderrHandler(logging.StreamHandler):
    """A StreamHandler that writes to whatever ``sys.stderr`` is when a record is emitted."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def configure_logging(service: str, env: str) -> None:
    """Sends the security and error loggers to stderr as JSON lines (idempotent)."""
    for name in (SECURITY_LOGGER, ERROR_LOGGER):
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        for handler in list(logger.handlers):
            if isinstance(handler, StderrHandler):
                logger.removeHandler(handler)
        handler = StderrHandler()
        handler.setFormatter(JsonLineFormatter(service, env))
        logger.addHandler(handler)
        logger.propagate = True


def security_event(
    event: str,
    *,
    request: Any = None,
    outcome: str = "failure",
    reason: Optional[str] = None,
    status: Optional[int] = None,
    level: int = logging.WARNING,
    **fields: Any,
) -> Dict[str, Any]:
    """Logs one security event and returns it (redacted), for tests and callers."""
    body: Dict[str, Any] = {"event": event, "outcome": outcome}
    if reason is not None:
        body["reason"] = reason
    if status is not None:
        body["status"] = status
    if request is not None:
        body.update(request_fields(request))
    body.update({name: value for name, value in fields.items() if value is not None})
    clean = redact(body)
    SECURITY_METRICS.record_event(clean)  # the counters the alert rules of ops/prometheus read
    logging.getLogger(SECURITY_LOGGER).log(level, "%s %s", event, reason or outcome, extra={"security_event": clean})
    return clean


def request_fields(request: Any) -> Dict[str, Any]:
    """Who and what a request is about, for an event: never its headers, cookies or body."""
    scope = request.scope
    state = scope.get("state") or {}
    client = scope.get("client")
    route = scope.get("route")
    principal = state.get("principal")
    fields: Dict[str, Any] = {
        "request_id": state.get("request_id"),
        "method": scope.get("method"),
        "route": getattr(route, "path", None) or scope.get("path"),
        "client_ip": client[0] if client else None,
        "user_agent": request.headers.get("user-agent"),
    }
    if principal is not None:
        fields["sub"] = principal.sub
        fields["tenant_id"] = principal.tenant_id
    return fields
