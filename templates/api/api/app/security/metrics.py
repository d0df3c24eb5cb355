"""Counters for the alert rules of ops/prometheus (OPS-05), in Prometheus's text exposition format 0.0.4.

Written here rather than with prometheus_client: the format is a few lines of text, and the service keeps to
the packages every supported Debian release ships (python3-prometheus-client is not installed by default).

What is counted, and why each label is safe to keep:

- ``api_security_events_total{event, reason}``: every security event of app.security.events. Both labels are
  codes written in this service's source (the OWASP vocabulary and the reason codes), never request data.
- ``api_security_events_by_client_total{event, client_ip}`` for authentication failures and rate-limit
  events, and ``api_security_events_by_subject_total{event, sub}`` for authentication failures of tokens
  whose signature verified (expired, wrong audience…) and for authorization failures. These labels come from
  requests, so each metric keeps at most ``MAX_LABEL_VALUES`` distinct values; later ones are counted under
  ``client_ip="other"`` / ``sub="other"`` (an attacker rotating addresses still raises that series, and the
  per-client alerts fire on it). ``sub`` is the identity provider's subject identifier, as the security log
  already records it.
- ``api_http_responses_total{code_class}``: every response by class (``2xx`` … ``5xx``), for the 5xx ratio.
- ``api_db_permission_denied_total``: SQLSTATE 42501 (insufficient privilege, row-level security refusals
  included) raised to the application role.

Series the rules watch for "any" occurrence start at 0, so the first event is an increase Prometheus sees.
The counters live in this process: with several workers or replicas, scrape each one (the rules sum them).
"""

import threading
from typing import Dict, Iterable, List, Mapping, Optional, Tuple

# Starlette appends "; charset=utf-8" to a text/ media type.
CONTENT_TYPE = "text/plain; version=0.0.4"
MAX_LABEL_VALUES = 1000
OVERFLOW_LABEL = "other"
CLIENT_EVENTS = frozenset({"authn_login_fail", "excess_rate_limit_exceeded"})
SUBJECT_EVENTS = frozenset({"authn_login_fail", "authz_fail"})
# The (event, reason) pairs an alert fires on at their first occurrence: present from the start at 0.
WATCHED_EVENTS = (
    ("authn_login_fail", "bad_signature"),
    ("authn_login_fail", "alg_not_allowed"),
    ("authn_login_fail", "unknown_kid"),
    ("authz_admin", "db_role_privileged"),
)
CODE_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")

LabelSet = Tuple[Tuple[str, str], ...]


class Counter:
    """A counter family: one value per label set, with a bound on the distinct values of one label."""

    def __init__(self, name: str, help_text: str, bounded_label: Optional[str] = None):
        self.name = name
        self.help_text = help_text
        self.bounded_label = bounded_label
        self._values: Dict[LabelSet, float] = {}
        self._seen: set = set()

    def inc(self, labels: Mapping[str, str], amount: float = 1.0) -> None:
        labels = dict(labels)
        if self.bounded_label is not None:
            value = labels[self.bounded_label]
            if value not in self._seen:
                if len(self._seen) >= MAX_LABEL_VALUES:
                    labels[self.bounded_label] = OVERFLOW_LABEL
                else:
                    self._seen.add(value)
        key = tuple(sorted(labels.items()))
        self._values[key] = self._values.get(key, 0.0) + amount

    def value(self, **labels: str) -> float:
        return self._values.get(tuple(sorted(labels.items())), 0.0)

    def samples(self) -> List[Tuple[LabelSet, float]]:
        return sorted(self._values.items())


class SecurityMetrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.events = Counter("api_security_events_total", "Security events by OWASP event name and reason code.")
        self.events_by_client = Counter(
            "api_security_events_by_client_total",
            "Authentication failures and rate-limit events by client address.",
            bounded_label="client_ip",
        )
        self.events_by_subject = Counter(
            "api_security_events_by_subject_total",
            "Authentication failures of validly signed tokens and authorization failures, by subject.",
            bounded_label="sub",
        )
        self.responses = Counter("api_http_responses_total", "HTTP responses by status class.")
        self.db_permission_denied = Counter(
            "api_db_permission_denied_total", "Permission-denied errors (SQLSTATE 42501) raised to the application role."
        )
        for event, reason in WATCHED_EVENTS:
            self.events.inc({"event": event, "reason": reason}, 0)
        for code_class in CODE_CLASSES:
            self.responses.inc({"code_class": code_class}, 0)
        self.db_permission_denied.inc({}, 0)

    def record_event(self, event: Mapping[str, object]) -> None:
        """Counts one security event (its redacted fields, as app.security.events logged them)."""
        name = _label(event.get("event"), "unknown")
        with self._lock:
            self.events.inc({"event": name, "reason": _label(event.get("reason"), "")})
            client = event.get("client_ip")
            if name in CLIENT_EVENTS and client:
                self.events_by_client.inc({"event": name, "client_ip": _label(client, "")})
            subject = event.get("sub")
            if name in SUBJECT_EVENTS and subject:
                self.events_by_subject.inc({"event": name, "sub": _label(subject, "")})

    def record_response(self, status: int) -> None:
        code_class = f"{status // 100}xx" if 100 <= status <= 599 else "5xx"
        with self._lock:
            self.responses.inc({"code_class": code_class})

    def record_db_permission_denied(self) -> None:
        with self._lock:
            self.db_permission_denied.inc({})

    def families(self) -> Iterable[Counter]:
        return (self.events, self.events_by_client, self.events_by_subject, self.responses, self.db_permission_denied)

    def exposition(self) -> str:
        """Every counter in the text exposition format (one HELP and TYPE line per family)."""
        lines: List[str] = []
        with self._lock:
            for family in self.families():
                lines.append(f"# HELP {family.name} {_escape_help(family.help_text)}")
                lines.append(f"# TYPE {family.name} counter")
                for labels, value in family.samples():
                    lines.append(f"{family.name}{_format_labels(labels)} {_format_value(value)}")
        return "\n".join(lines) + "\n"


def _label(value: object, default: str) -> str:
    if value is None:
        return default
    return str(value)[:256]


def _escape_label_value(value: str) -> str:
    # The format's three escapes; every other character (quotes aside) may appear as is in UTF-8.
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _format_labels(labels: LabelSet) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{name}="{_escape_label_value(value)}"' for name, value in labels) + "}"


def _format_value(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


SECURITY_METRICS = SecurityMetrics()
