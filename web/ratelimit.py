"""Small in-process limiters (one server process; a restart forgets, which is acceptable)."""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

MAX_KEYS = 10_000  # idle keys are forgotten past this many, so the tables cannot grow without bound


class RateLimiter:
    """At most ``limit`` hits per ``window_s`` seconds for each key."""

    def __init__(self, limit: int, window_s: float):
        self.limit = limit
        self.window_s = window_s
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, *keys: str) -> float:
        """Seconds to wait before one more hit would be allowed for every key (0: go), counting nothing."""
        now = time.monotonic()
        with self._lock:
            return self._wait(keys, now)

    def hit(self, *keys: str) -> float:
        """Count one hit for every key; returns 0 if all are within the limit, else seconds to wait."""
        now = time.monotonic()
        with self._lock:
            wait = self._wait(keys, now)
            if wait:
                return wait
            for key in keys:
                self._hits.setdefault(key, deque()).append(now)
            if len(self._hits) > MAX_KEYS:
                for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window_s]:
                    del self._hits[key]
            return 0.0

    def _wait(self, keys: tuple[str, ...], now: float) -> float:
        waits = []
        for key in keys:
            hits = self._hits.get(key)
            while hits and hits[0] <= now - self.window_s:
                hits.popleft()
            if hits and len(hits) >= self.limit:
                waits.append(hits[0] + self.window_s - now)
        return max(1.0, max(waits)) if waits else 0.0

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()


class FailureThrottle:
    """Backs off password guessing without letting anyone lock an account out.

    Only failures count, per client address and account name together: past ``limit`` failures within
    ``window_s``, that client waits before trying that name again, twice as long after each further
    failure (``window_s / limit`` at first, at most ``max_wait_s``). A client that has not failed for a
    name is never made to wait for it, so guessing from elsewhere cannot keep the owner out; a success
    clears the client's failures for the name. One client failing for many names (``names_factor`` x
    ``limit`` failures in all) waits as well, for any name it has failed on.
    """

    def __init__(self, limit: int, window_s: float = 60.0, max_wait_s: float = 900.0, names_factor: int = 5):
        self.limit = max(1, limit)
        self.window_s = window_s
        self.max_wait_s = max_wait_s
        self.names_factor = names_factor
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._by_client: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait(self, client: str, name: str) -> float:
        """Seconds before ``client`` may try ``name`` again; 0 when it may now."""
        now = time.monotonic()
        with self._lock:
            failures = self._recent(self._failures, (client, name), now)
            if not failures:
                return 0.0
            waits = [self._backoff(failures, self.limit, now)]
            everything = self._recent(self._by_client, client, now)
            waits.append(self._backoff(everything, self.limit * self.names_factor, now))
            wait = max(waits)
            return max(1.0, wait) if wait > 0 else 0.0

    def failed(self, client: str, name: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._failures.setdefault((client, name), deque()).append(now)
            self._by_client.setdefault(client, deque()).append(now)
            if len(self._failures) > MAX_KEYS:
                self._forget_idle(now)

    def succeeded(self, client: str, name: str) -> None:
        with self._lock:
            self._failures.pop((client, name), None)

    def reset(self) -> None:
        with self._lock:
            self._failures.clear()
            self._by_client.clear()

    def _recent(self, table: dict, key, now: float) -> deque[float]:
        """The key's failures within the window, counting a longer window while it is backing off."""
        failures = table.get(key)
        if not failures:
            return deque()
        horizon = self.window_s + self.max_wait_s if len(failures) > self.limit else self.window_s
        while failures and failures[0] <= now - horizon:
            failures.popleft()
        return failures

    def _backoff(self, failures: deque[float], limit: int, now: float) -> float:
        if len(failures) < limit:
            return 0.0
        excess = len(failures) - limit
        delay = min(self.max_wait_s, (self.window_s / self.limit) * 2 ** min(excess, 30))
        return failures[-1] + delay - now

    def _forget_idle(self, now: float) -> None:
        idle = now - self.window_s - self.max_wait_s
        tables: tuple[dict[Any, deque[float]], ...] = (self._failures, self._by_client)  # keys of two kinds
        for table in tables:
            for key in [k for k, v in table.items() if not v or v[-1] <= idle]:
                del table[key]
