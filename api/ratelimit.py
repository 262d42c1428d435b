"""Rates for the routes anyone may call without a token (the household's application status lookup): a sliding
window per key, kept in the process. Each API replica counts its own callers, so N replicas allow N times the rate;
the per-record limit is what stops guessing (an ID number's last four: 10,000 values), and it holds per replica."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class SlidingWindow:
    """At most ``most`` hits per key within ``seconds``; the oldest keys are forgotten past ``keys``."""

    def __init__(self, most: int, seconds: float, keys: int = 50_000, clock: Callable[[], float] = time.monotonic):
        self.most, self.seconds, self.keys, self.clock = most, seconds, keys, clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _window(self, key: str, now: float) -> deque[float]:
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= self.keys:  # forget the key seen longest ago (dicts keep insertion order)
                self._hits.pop(next(iter(self._hits)))
            hits = self._hits[key] = deque()
        while hits and hits[0] <= now - self.seconds:
            hits.popleft()
        return hits

    def allows(self, key: str) -> bool:
        """Whether ``key`` may go on, without counting a hit."""
        with self._lock:
            return len(self._window(key, self.clock())) < self.most

    def refund(self, key: str) -> None:
        """Take back the last hit of ``key`` (a lookup that succeeded does not count against its record)."""
        with self._lock:
            hits = self._hits.get(key)
            if hits:
                hits.pop()

    def hit(self, key: str) -> bool:
        """Count a hit for ``key``; False when it is over the rate (the hit is not counted then)."""
        with self._lock:
            now = self.clock()
            hits = self._window(key, now)
            if len(hits) >= self.most:
                return False
            hits.append(now)
            return True
