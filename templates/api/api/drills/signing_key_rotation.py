"""Drill: rotate the identity provider's signing key while a client keeps calling the api (OPS-06, API-02).

Rehearses the runbook's "API signing keys" containment against the real service: this api served by uvicorn
on 127.0.0.1, a JWKS endpoint on 127.0.0.1 standing in for the identity provider, real RSA keys and tokens.

1. The identity provider publishes key ``old`` and signs with it; a client calls GET /v1/me without pause.
2. It publishes ``new`` beside ``old``; a probe signed with ``new`` is accepted once the api refetched the set.
3. It signs with ``new`` only; the client's next tokens carry the new kid.
4. It retires ``old`` from the set; after the api's next refresh a token signed with ``old`` is refused.

The drill passes when the client saw no failed request, the new key was accepted and the retired key is
refused. The timers are shortened (a 10-second cache, 1-second refetch bound); in production the api picks a
change up within JWKS_CACHE_SECONDS, so publish a new key at least that long before signing with it, and
expect a removed key to keep working for as long.

    cd api && python3 -m drills.signing_key_rotation      # prints a JSON report; exit status 0 = passed
"""

import sys
import time
import uuid
from typing import Any, Dict, Optional

import httpx

from drills.harness import (
    MIN_REFRESH_SECONDS,
    STEP_TIMEOUT_SECONDS,
    ApiServer,
    Client,
    IdentityProvider,
    print_report,
    tear_down,
)

def wait_for_status(api: ApiServer, token_factory: Any, expected: int) -> float:
    """Seconds until a probe gets ``expected`` (one probe per refetch bound), or raises after the step timeout."""
    started = time.monotonic()
    with httpx.Client(timeout=10) as http:
        while True:
            if api.status(http, token_factory()) == expected:
                return round(time.monotonic() - started, 2)
            if time.monotonic() - started > STEP_TIMEOUT_SECONDS:
                raise TimeoutError(f"no {expected} within {STEP_TIMEOUT_SECONDS}s")
            time.sleep(MIN_REFRESH_SECONDS + 0.1)


def run_drill() -> Dict[str, Any]:
    provider = IdentityProvider()
    api: Optional[ApiServer] = None
    client: Optional[Client] = None
    report: Dict[str, Any] = {"drill": "signing-key rotation", "passed": False}
    try:
        old, new = "drill-old-" + uuid.uuid4().hex[:8], "drill-new-" + uuid.uuid4().hex[:8]
        provider.create_key(old)
        provider.create_key(new)
        provider.publish([old])
        provider.sign_with(old)
        api = ApiServer(provider.jwks_uri)
        client = Client(api, provider)
        client.start()
        time.sleep(0.5)  # normal traffic on the old key first

        provider.publish([old, new])
        report["new_key_accepted_after_s"] = wait_for_status(api, lambda: provider.token(new), 200)
        provider.sign_with(new)
        time.sleep(0.5)  # the client's requests now carry the new kid

        provider.publish([new])
        # The api drops a retired key at its next refresh: its cache expiring, or (quicker here) a token with a
        # kid it has never seen, which makes it refetch the set within the refetch bound.
        def old_or_unknown() -> str:
            with httpx.Client(timeout=10) as http:
                api.status(http, provider.token(new, header_kid="drill-unknown-" + uuid.uuid4().hex[:8]))
            return provider.token(old)

        report["retired_key_refused_after_s"] = wait_for_status(api, old_or_unknown, 401)
        time.sleep(0.5)
        client.finish()
        with httpx.Client(timeout=10) as http:
            report["retired_key_status"] = api.status(http, provider.token(old))
            report["new_key_status"] = api.status(http, provider.token(new))
        report.update(client.report())
        report["client_requests_per_key"] = {"old": client.kids_used.get(old, 0), "new": client.kids_used.get(new, 0)}
        report["passed"] = (
            client.failed == 0
            and client.kids_used.get(old, 0) > 0
            and client.kids_used.get(new, 0) > 0
            and report["retired_key_status"] == 401
            and report["new_key_status"] == 200
        )
    except (TimeoutError, RuntimeError, httpx.HTTPError) as error:
        report["error"] = f"{type(error).__name__}: {error}"
    finally:
        tear_down(client, api, provider)
    return report


def main() -> int:
    return print_report(run_drill())


if __name__ == "__main__":
    sys.exit(main())
