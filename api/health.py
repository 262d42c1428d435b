"""The database gate: while PostgreSQL is unreachable the API refuses at once with 503 and Retry-After, instead of
holding each request through the store's own retries (about 20 s), and it lets requests through again by itself as
soon as the database answers.

A watcher probing every few seconds, or any request that meets a connection error, closes the gate
(``mark_down``); a probe then tries the database every ``interval`` seconds and opens it again. A step checks the
database first (``check``), so that it is never handed to its workflow while the event store cannot record it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import structlog

from api.errors import DATABASE_DOWN, DATABASE_UNAVAILABLE, ApiProblem

log = structlog.get_logger("dixian.api")


class DatabaseGate:
    def __init__(self, probe: Callable[[], None], interval: float = 0.5) -> None:
        self._probe = probe
        self.interval = interval
        self.down_since: float | None = None
        self.watching = False
        self._recovering: asyncio.Task[None] | None = None

    @property
    def down(self) -> bool:
        return self.down_since is not None

    async def check(self) -> None:
        """Refuse (503) while the database is known to be down. Without a watcher running (a test's app), probe it
        now; with one, its latest probe stands (within ``every`` seconds of an outage), and a step costs no probe."""
        if self.down:
            raise ApiProblem("UnavailableError", DATABASE_DOWN)
        if not self.watching and not await self._answers():
            raise ApiProblem("UnavailableError", DATABASE_DOWN)

    async def _answers(self) -> bool:
        """Probe the database now; closes the gate if it does not answer."""
        try:
            await asyncio.to_thread(self._probe)
        except DATABASE_UNAVAILABLE as e:
            self.mark_down(e)
            return False
        return True

    async def watch(self, every: float = 2.0) -> None:
        """Probe the database every ``every`` seconds while it is up, so that an outage closes the gate before a
        request has to wait for it (run by the API's lifespan)."""
        self.watching = True
        try:
            await self._watch(every)
        finally:
            self.watching = False

    async def _watch(self, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            if not self.down:
                await self._answers()

    def mark_down(self, error: Exception) -> None:
        if self.down:
            return
        self.down_since = time.monotonic()
        log.warning("database_down", error=str(error)[:200])
        self._recovering = asyncio.get_running_loop().create_task(self._recover())

    async def _recover(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await asyncio.to_thread(self._probe)
            except DATABASE_UNAVAILABLE:
                continue
            assert self.down_since is not None
            log.info("database_up", down_seconds=round(time.monotonic() - self.down_since, 1))
            self.down_since = None
            return

    def close(self) -> None:
        if self._recovering is not None:
            self._recovering.cancel()
