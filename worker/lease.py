"""One active projector among any number: a PostgreSQL advisory lock, held on a connection of its own.

Every `dixian projector` process asks for the same session-level lock (``pg_try_advisory_lock``). The one that gets
it projects and signs checkpoints; the others wait as standbys, asking again every ``poll`` seconds. The lock belongs
to the holder's database session, so it is released the moment that session ends: the process exits or is killed
(its socket is closed by the kernel), or the server ends the session: a holder silent for three polls (frozen,
hung, or its machine gone) has its session ended by the server (``server_options``). A standby then takes over
within ``poll`` seconds of that. The holder checks its own session every ``poll`` seconds, and stops projecting the
moment it has lost it.

The lock is about doing the work once, not about correctness: each read model writes an event's rows and its tracking
record in one transaction, and a tracking record is unique per event, so two projectors folding the same event (a
holder whose session the server ended, not yet noticing) cannot both commit it; the read models stay exactly-once.

What the lock cannot see: a projector whose event loop still runs (so its session keeps speaking) while its folding
is stuck. Its heartbeat says it is alive; its lag (`GET /ops/stuck`, `dixian ops summary`) is what shows it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import psycopg
import structlog
from psycopg.conninfo import make_conninfo

log = structlog.stdlib.get_logger(__name__)

# The lock's key: one per database (a schema of its own shares the database's locks, so the schema is mixed in), in
# a class of advisory locks of its own (the two-number form), apart from any other advisory lock Dixian takes.
LOCK_NAME = "dixian.projector"
LEASE_LOCK_CLASS = 0x4C45  # "LE"
# Both ends of the session watch it. The client's keepalives end it on the holder's side when the network is cut;
# the server's (its tcp_keepalives_* and tcp_user_timeout, set for this session) end it on the server's side, and
# with it the lock, within about 30 s rather than the kernel's default two hours, when the holder's machine dies.
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3}


def server_options(poll: float) -> str:
    """The lease session's server-side settings: keepalives, and ``idle_session_timeout``: the holder speaks every
    ``poll`` seconds, so a holder that stops speaking (frozen, hung, its machine gone) loses the session, and the
    lock, after three of them (10 s at least)."""
    idle_ms = int(max(3 * poll, 10.0) * 1000)
    return (
        "-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3 "
        f"-c tcp_user_timeout=30000 -c idle_session_timeout={idle_ms}"
    )


class LeaseLostError(RuntimeError):
    """The session holding the projector's lock ended: another projector may be active now."""


RELEASE_SECONDS = 5.0  # the most a stopping projector waits for its lease's session to end


class ProjectorLease:
    """Hold the projector's lock: :meth:`held` waits until this process holds it, then yields an event set when
    the lock is lost."""

    def __init__(self, conninfo: str, schema: str = "", poll: float = 2.0, heartbeat: Path | None = None) -> None:
        self._conninfo = conninfo
        self._name = f"{LOCK_NAME}:{schema}" if schema else LOCK_NAME
        self.poll = poll
        self._heartbeat = heartbeat

    async def _try(self, conn: psycopg.AsyncConnection[tuple[object, ...]]) -> bool:
        row = await (
            await conn.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s))", (LEASE_LOCK_CLASS, self._name))
        ).fetchone()
        return bool(row and row[0])

    def beat(self, role: str) -> None:
        """Touch the heartbeat file (its content names the role: active or standby)."""
        if self._heartbeat is not None:
            self._heartbeat.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._heartbeat.write_text(f"{role} {time.time():.0f}\n", encoding="ascii")

    @asynccontextmanager
    async def held(self) -> AsyncIterator[asyncio.Event]:
        """Wait until this process holds the lock (as a standby meanwhile); yield an event set once it is lost."""
        said_standby = False
        while True:
            try:
                conninfo = make_conninfo(self._conninfo, **KEEPALIVES, options=server_options(self.poll))
                conn = await psycopg.AsyncConnection.connect(conninfo, autocommit=True)
            except psycopg.OperationalError as e:
                log.warning("projector_database_unavailable", error=str(e)[:200], retry_in_seconds=self.poll)
                await asyncio.sleep(self.poll)
                continue
            try:
                while not await self._try(conn):
                    if not said_standby:
                        log.info("projector_standby", lock=self._name, poll_seconds=self.poll)
                        said_standby = True
                    self.beat("standby")
                    await asyncio.sleep(self.poll)
            except psycopg.OperationalError as e:
                await conn.close()
                log.warning("projector_database_unavailable", error=str(e)[:200], retry_in_seconds=self.poll)
                await asyncio.sleep(self.poll)
                continue
            break
        log.info("projector_active", lock=self._name)
        self.beat("active")
        lost = asyncio.Event()
        watching = asyncio.create_task(self._watch(conn, lost))
        try:
            yield lost
        finally:
            # The session is closed first: that ends the lock and any check the watch has in flight, which a
            # cancelled psycopg query would otherwise wait for (it cancels on the server and waits for its answer).
            # Bounded throughout: a projector asked to stop must stop, whatever its lease's session is doing.
            watching.cancel()
            try:
                await asyncio.wait_for(conn.close(), RELEASE_SECONDS)
            except TimeoutError:
                log.warning("projector_lease_close_slow", waited_seconds=RELEASE_SECONDS)
            await asyncio.wait([watching], timeout=RELEASE_SECONDS)
            log.info("projector_lease_released", lock=self._name, watch_ended=watching.done())

    async def _watch(self, conn: psycopg.AsyncConnection[tuple[object, ...]], lost: asyncio.Event) -> None:
        while True:
            await asyncio.sleep(self.poll)
            try:
                await asyncio.wait_for(conn.execute("SELECT 1"), timeout=max(self.poll, 5.0))
            except (psycopg.Error, TimeoutError) as e:
                log.error("projector_lease_lost", lock=self._name, error=str(e)[:200])
                lost.set()
                return
            self.beat("active")


def heartbeat_age(path: Path, now: float | None = None) -> tuple[str, float] | None:
    """The role a projector last wrote to its heartbeat file and how many seconds ago (None without one)."""
    try:
        role, at = path.read_text(encoding="ascii").split()
        return role, (time.time() if now is None else now) - float(at)
    except (OSError, ValueError):
        return None
