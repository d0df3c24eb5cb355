"""Per-client limit on authentication failures (API-13), in memory.

A client (its IP address as the ASGI server reports it: behind a proxy, run uvicorn with
``--proxy-headers --forwarded-allow-ips=<proxy address>`` so that only the trusted proxy's
X-Forwarded-For is believed) may fail authentication ``limit`` times in a window of ``window`` seconds;
after that every authenticated request from it gets 429 with ``Retry-After`` until the window ends.

The state lives in this process: with several workers or replicas each counts separately, so put a
shared limit at the edge (reverse proxy or API gateway) as well.
"""

import math
import threading
import time
from typing import Callable, Dict, Optional, Tuple

MAX_TRACKED_CLIENTS = 10_000


class AuthFailureLimiter:
    def __init__(self, limit: int, window_seconds: int, clock: Optional[Callable[[], float]] = None):
        if limit < 1 or window_seconds < 1:
            raise ValueError("limit and window must be positive")
        self.limit = limit
        self.window = float(window_seconds)
        self._clock = clock or time.monotonic
        self._lock = threading.Lock()
        # client -> (window start, failures in that window)
        self._clients: Dict[str, Tuple[float, int]] = {}

    def retry_after(self, client: str) -> Optional[int]:
        """Seconds until the client may try again, or None when it is not limited."""
        if not self._clients:
            return None  # nobody has failed lately: the path of every authenticated request takes no lock
        now = self._clock()
        with self._lock:
            entry = self._clients.get(client)
            if entry is None:
                return None
            start, failures = entry
            if now - start >= self.window:
                del self._clients[client]
                return None
            if failures < self.limit:
                return None
            return max(1, int(math.ceil(start + self.window - now)))

    def record_failure(self, client: str) -> bool:
        """Counts one failure; True when this failure reached the limit (the client is now blocked)."""
        now = self._clock()
        with self._lock:
            start, failures = self._clients.get(client, (now, 0))
            if now - start >= self.window:
                start, failures = now, 0
            failures += 1
            if client not in self._clients and len(self._clients) >= MAX_TRACKED_CLIENTS:
                self._evict(now)
            self._clients[client] = (start, failures)
            return failures == self.limit

    def _evict(self, now: float) -> None:
        expired = [key for key, (start, _) in self._clients.items() if now - start >= self.window]
        for key in expired:
            del self._clients[key]
        if len(self._clients) >= MAX_TRACKED_CLIENTS:
            # Still full: forget the oldest windows first (they are the closest to expiring anyway).
            for key, _ in sorted(self._clients.items(), key=lambda item: item[1][0])[: MAX_TRACKED_CLIENTS // 10]:
                del self._clients[key]
