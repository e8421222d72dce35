"""A small in-process sliding-window limiter (one server process; restarts forget, which is acceptable)."""

from __future__ import annotations

import threading
import time
from collections import deque


class RateLimiter:
    """At most ``limit`` hits per ``window_s`` seconds for each key."""

    def __init__(self, limit: int, window_s: float):
        self.limit = limit
        self.window_s = window_s
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, *keys: str) -> float:
        """Count one hit for every key; returns 0 if all are within the limit, else seconds to wait."""
        now = time.monotonic()
        with self._lock:
            waits = []
            for key in keys:
                hits = self._hits.setdefault(key, deque())
                while hits and hits[0] <= now - self.window_s:
                    hits.popleft()
                if len(hits) >= self.limit:
                    waits.append(hits[0] + self.window_s - now)
            if waits:
                return max(1.0, max(waits))
            for key in keys:
                self._hits[key].append(now)
            if len(self._hits) > 10_000:  # forget idle keys so the table cannot grow without bound
                for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window_s]:
                    del self._hits[key]
            return 0.0

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()
