"""Replicas on one Temporal and one PostgreSQL, as production runs them: two `dixian api` processes behind a
round-robin client, three `dixian worker` processes on one task queue and a `dixian projector`. Under load one API
and one worker are killed (SIGKILL). Every request the client saw acknowledged is in the event store exactly once,
a request cut off is retried on the other API with its Idempotency-Key and lands once, and every case progresses.
No coordination of Dixian's own: Temporal hands out the tasks, PostgreSQL keeps each append once."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from api.auth import issue_token
from domain.cases.queries import CaseQueries
from domain.kernel.time import local_date
from domain.ledger import Ledger
from domain.readmodels.cases import open_summary_view
from domain.readmodels.registry import open_registry_view
from domain.readmodels.reports import open_report_view
from tests.conftest import free_port
from tests.integration.conftest import ACTORS, SECRET
from tests.integration.support import VISIT, open_case, step
from workflows.kernel.settings import Settings
from workflows.ops.service import OpsService

pytestmark = pytest.mark.asyncio(loop_scope="session")

REPO = Path(__file__).resolve().parents[2]
CASES = 12
CROSS_CHECK = {"departments": ["公安"], "consistent": True}


class RoundRobin:
    """An HTTP client spreading requests over the APIs in turn, as a load balancer does; a request cut off (the
    process died under it) or answered 503 is sent again, to the next API, with the same headers and so the same
    Idempotency-Key. It counts what was acknowledged (any answer but 503)."""

    def __init__(self, bases: list[str], mark: int) -> None:
        self.clients = [httpx.AsyncClient(base_url=b, timeout=90) for b in bases]
        self._turn = itertools.count()
        self.acknowledged = 0
        self.retried: Counter[str] = Counter()
        self.mark, self.reached = mark, asyncio.Event()  # set once ``mark`` requests were acknowledged

    async def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        deadline = time.monotonic() + 180
        while True:
            client = self.clients[next(self._turn) % len(self.clients)]
            try:
                r = await client.request(method, url, **kw)
                if r.status_code != 503:
                    self.acknowledged += 1
                    if self.acknowledged >= self.mark:
                        self.reached.set()
                    return r
                self.retried["503"] += 1
            except httpx.TransportError:
                self.retried["cut off"] += 1
            assert time.monotonic() < deadline, f"{method} {url} never answered"
            await asyncio.sleep(0.3)

    async def get(self, url: str, **kw: Any) -> httpx.Response:
        return await self.request("GET", url, **kw)

    async def post(self, url: str, **kw: Any) -> httpx.Response:
        return await self.request("POST", url, **kw)

    async def put(self, url: str, **kw: Any) -> httpx.Response:
        return await self.request("PUT", url, **kw)

    async def aclose(self) -> None:
        for c in self.clients:
            await c.aclose()


class Replicas:
    """What ``tests.integration.support`` needs of a stack: an HTTP client, headers and business dates."""

    def __init__(self, http: RoundRobin) -> None:
        self.http = http
        self.today = local_date(datetime.now(UTC))

    def headers(self, who: str, key: str | None = None) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {issue_token(SECRET, ACTORS[who])}",
            "Idempotency-Key": key or uuid.uuid4().hex,
        }

    def day(self, offset: int) -> str:
        return (self.today + timedelta(days=offset)).isoformat()


class Processes:
    def __init__(self, base_env: dict[str, str], logs: Path) -> None:
        self.base_env, self.logs = base_env, logs
        self.running: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, role: str, name: str, **extra: str) -> subprocess.Popen[bytes]:
        with (self.logs / f"{name}.log").open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "worker.cli", role], cwd=REPO, env={**self.base_env, **extra}, stdout=out,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.running.append((name, proc))
        return proc

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        for _, proc in self.running:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for _, proc in self.running:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest_asyncio.fixture(loop_scope="session")
async def processes(temporal_env: WorkflowEnvironment, es_env: dict[str, str], tmp_path: Path) -> AsyncIterator[Any]:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    settings = Settings(data_dir=data_dir)
    settings.command_signing_key(), settings.audit_signing_key()  # made once, before the processes read them
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "POSTGRES_", "TEMPORAL_"))}
    env |= {k: v for k, v in es_env.items() if k.startswith("POSTGRES_") and k != "POSTGRES_POOL_SIZE"}
    env |= {
        "DIXIAN_DATA_DIR": str(data_dir),
        "DIXIAN_LOG_FORMAT": "json",
        "DIXIAN_TOKEN_SECRET": SECRET,
        "TEMPORAL_ADDRESS": temporal_env.client.service_client.config.target_host,
        "DIXIAN_TASK_QUEUE": f"replicas-{uuid.uuid4().hex[:8]}",
        "DIXIAN_RECONCILE_SECONDS": "0",
    }
    Ledger(es_env).close()  # the event store's tables, before the processes start together
    procs = Processes(env, tmp_path)
    ports = [free_port(), free_port()]
    try:
        apis = [procs.start("api", f"api-{i}", DIXIAN_API_PORT=str(p)) for i, p in enumerate(ports)]
        workers = [procs.start("worker", f"worker-{i}") for i in range(3)]
        procs.start("projector", "projector")
        bases = [f"http://127.0.0.1:{p}" for p in ports]
        async with httpx.AsyncClient(timeout=5) as probe:
            for i, base in enumerate(bases):
                deadline = time.monotonic() + 60
                while True:
                    assert apis[i].poll() is None, procs.log(f"api-{i}")
                    try:
                        if (await probe.get(f"{base}/readyz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    assert time.monotonic() < deadline, procs.log(f"api-{i}")
                    await asyncio.sleep(0.2)
        yield bases, apis, workers, procs
    finally:
        procs.stop()


async def test_two_apis_and_three_workers_lose_and_double_nothing_when_one_of_each_is_killed(
    processes: Any, es_env: dict[str, str]
) -> None:
    bases, apis, workers, procs = processes
    http = RoundRobin(bases, mark=CASES * 2)
    replicas = Replicas(http)
    keys: dict[str, list[str]] = {}

    run = uuid.uuid4().hex[:8]  # a case's id derives from its opening's key: unique to this run on the shared server

    async def one_case(n: int) -> str:
        opened = await open_case(replicas, key=f"open-{run}-{n}")  # type: ignore[arg-type]
        case_id = str(opened["case_id"])
        keys[case_id] = [f"visit-{run}-{n}", f"cross-{run}-{n}"]
        r = await step(replicas, case_id, "household-visit", "cadre", VISIT, key=f"visit-{run}-{n}")  # type: ignore[arg-type]
        assert r.status_code == 200, r.text
        r = await step(replicas, case_id, "cross-check", "township", CROSS_CHECK, key=f"cross-{run}-{n}")  # type: ignore[arg-type]
        assert r.status_code == 200, r.text
        assert r.json()["version"] == 3
        return case_id

    async def kill_one_of_each() -> None:
        await http.reached.wait()  # registrations and openings under way, the steps in flight
        apis[0].send_signal(signal.SIGKILL)
        workers[0].send_signal(signal.SIGKILL)

    try:
        killing = asyncio.create_task(kill_one_of_each())
        case_ids = await asyncio.gather(*(one_case(n) for n in range(CASES)))
        await killing
        assert apis[0].wait(5) == -signal.SIGKILL and workers[0].wait(5) == -signal.SIGKILL
        assert len(set(case_ids)) == CASES
        assert http.retried["cut off"] > 0, http.retried  # the dead API stayed in the rotation: its requests went on

        # The same keys again, now all on the surviving API: the original answers, nothing appended.
        for n, case_id in enumerate(case_ids):
            again = await step(replicas, case_id, "cross-check", "township", CROSS_CHECK, key=f"cross-{run}-{n}")  # type: ignore[arg-type]
            assert again.status_code == 200 and again.json()["version"] == 3, again.text
    finally:
        await http.aclose()

    ledger = Ledger(es_env)
    try:
        queries = CaseQueries(ledger)
        for case_id in case_ids:
            records = await asyncio.to_thread(queries.event_records, UUID(case_id))
            per_command = Counter((r["command_id"], r["type"]) for r in records)
            assert all(n == 1 for n in per_command.values()), per_command  # no command's events stored twice
            assert [r["version"] for r in records] == [1, 2, 3]
            commands = {r["command_id"].split(":", 1)[-1] for r in records}
            assert set(keys[case_id]) <= commands, (commands, keys[case_id])
        # The projector folded every event once: one row per case, each at its last version.
        ops = OpsService(ledger, open_summary_view(es_env), open_registry_view(es_env), open_report_view(es_env))
        deadline = time.monotonic() + 60
        while any(ops.lag().values()):
            assert time.monotonic() < deadline, (ops.lag(), procs.log("projector"))
            await asyncio.sleep(0.2)
        rows = ops.summaries.search(area_prefix="", filters={}, limit=100, offset=0)
        assert sorted(str(r["case_id"]) for r in rows) == sorted(case_ids)
        assert {r["version"] for r in rows} == {3}
    finally:
        ledger.close()
    # The survivors carried on: the second API and the other workers are still up.
    assert apis[1].poll() is None and all(w.poll() is None for w in workers[1:])
