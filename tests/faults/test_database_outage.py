"""PostgreSQL stopped and started again under the running stack: while it is down the API answers 503 with
Retry-After and changes nothing; afterwards it recovers by itself (API, worker and projector) and nothing
acknowledged is lost."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from tests.faults.support import stored_commands, summary_version
from tests.integration.conftest import Stack, run_stack
from tests.integration.support import VISIT, ok, open_case, step
from worker.main import keep_projecting
from worker.stack import EmbeddedPostgres
from workflows.kernel.settings import Settings

pytestmark = pytest.mark.asyncio(loop_scope="session")

CROSS_CHECK = {"departments": ["公安"], "consistent": True}


class Server:
    """An embedded PostgreSQL of this test's own, which it may stop and start on the same data and socket."""

    def __init__(self) -> None:
        self.data_dir = Path(tempfile.mkdtemp(prefix="dixian-outage-pg-"))
        self.pg = EmbeddedPostgres.start(self.data_dir)

    def stop(self) -> None:
        self.pg.stop()

    def start(self) -> None:
        self.pg = EmbeddedPostgres.start(self.data_dir)


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.stop()
    shutil.rmtree(s.data_dir, ignore_errors=True)


@pytest_asyncio.fixture(loop_scope="session")
async def outage_stack(temporal_env: WorkflowEnvironment, server: Server) -> AsyncIterator[tuple[Stack, Server]]:
    # A short wait for a connection, so that each refusal during the outage comes within a couple of seconds.
    es_env = Settings(database_url=server.pg.database_url, postgres_connect_timeout=2).eventsourcing_env()
    async for stack in run_stack(temporal_env.client, es_env, projections=False):
        yield stack, server


async def until_ok(call: Any, within: float = 60.0) -> httpx.Response:
    deadline = time.monotonic() + within
    while True:
        r: httpx.Response = await call()
        if r.status_code < 500 or time.monotonic() > deadline:
            return r
        assert r.status_code == 503, r.text
        await asyncio.sleep(0.5)


def assert_unavailable(r: httpx.Response) -> None:
    assert r.status_code == 503, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert int(r.headers["Retry-After"]) > 0
    assert r.json()["type"].endswith("UnavailableError")


async def test_database_outage_is_503_then_recovers_and_loses_nothing(outage_stack: tuple[Stack, Server]) -> None:
    stack, server = outage_stack
    projector = asyncio.create_task(keep_projecting(stack.es_env, first_backoff=0.2))
    watching = asyncio.create_task(stack.services.database.watch(every=0.5))  # as the API's lifespan runs it
    try:
        case_id = (await open_case(stack, key="outage-open"))["case_id"]
        acked = ["outage-open"]
        await ok(stack, case_id, "household-visit", "cadre", VISIT, key="outage-visit")
        acked.append("outage-visit")
        await ok(stack, case_id, "cross-check", "township", CROSS_CHECK, key="outage-check-1")
        acked.append("outage-check-1")

        await asyncio.to_thread(server.stop)
        reader = stack.headers("township")
        assert_unavailable(await stack.http.get(f"/cases/{case_id}", headers=reader))
        assert_unavailable(await stack.http.get(f"/cases/{case_id}/events", headers=stack.headers("inspector")))
        assert_unavailable(await stack.http.get("/cases", headers=reader))
        refused = await step(stack, case_id, "cross-check", "township", CROSS_CHECK, key="outage-check-2")
        assert_unavailable(refused)
        assert (await stack.http.get("/readyz")).status_code == 503

        await asyncio.to_thread(server.start)
        # Recovers by itself: the same pools, the same worker, no restart of anything but PostgreSQL.
        r = await until_ok(lambda: stack.http.get(f"/cases/{case_id}", headers=reader))
        assert r.status_code == 200, r.text
        assert r.json()["version"] == 3
        # The refused step was never taken; sent again with its key it is taken now, once.
        r = await until_ok(lambda: step(stack, case_id, "cross-check", "township", CROSS_CHECK, key="outage-check-2"))
        assert r.status_code == 200, r.text
        acked.append("outage-check-2")
        again = await step(stack, case_id, "cross-check", "township", CROSS_CHECK, key="outage-check-2")
        assert again.status_code == 200 and again.json()["version"] == r.json()["version"] == 4

        counts = await asyncio.to_thread(stored_commands, stack, case_id)
        assert {command.split(":", 1)[1]: n for command, n in counts.items()} == dict.fromkeys(acked, 1)
        # The projector came back too, and its read model has every event.
        assert (await summary_version(stack, case_id, 4))["version"] == 4
    finally:
        for task in (projector, watching):
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
