"""The Temporal server killed (SIGKILL) and started again while steps are in flight: clients retry their 503s with
the same Idempotency-Key, and in the end every acknowledged step is in the event store exactly once."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.client import Client

from tests.conftest import TEST_CONVERTER
from tests.faults.support import stored_commands
from tests.integration.conftest import Stack, run_stack
from tests.integration.support import VISIT, ok, open_case, step
from worker.stack import TemporalDevServer

pytestmark = pytest.mark.asyncio(loop_scope="session")

CROSS_CHECK = {"departments": ["公安"], "consistent": True}


class Server:
    """A dev server on a SQLite file of this test's own, which it may kill and start again on the same ports."""

    def __init__(self, data_dir: Path, port: int, ui_port: int) -> None:
        self.data_dir, self.port, self.ui_port = data_dir, port, ui_port
        self.dev: TemporalDevServer | None = None

    async def start(self) -> None:
        self.dev = await TemporalDevServer.start(self.data_dir, port=self.port, ui_port=self.ui_port)

    def kill(self) -> None:
        assert self.dev is not None
        self.dev.process.kill()
        self.dev.process.wait()
        self.dev.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def restartable(
    es_env: dict[str, str], free_tcp_port_factory: Callable[[], int]
) -> AsyncIterator[tuple[Stack, Server]]:
    server = Server(Path(tempfile.mkdtemp(prefix="dixian-temporal-")), free_tcp_port_factory(), free_tcp_port_factory())
    await server.start()
    assert server.dev is not None
    client = await Client.connect(server.dev.address, data_converter=TEST_CONVERTER)
    try:
        async for stack in run_stack(client, es_env):
            yield stack, server
    finally:
        if server.dev is not None:
            server.dev.stop()
        shutil.rmtree(server.data_dir, ignore_errors=True)


async def test_temporal_killed_mid_steps_loses_and_duplicates_nothing(restartable: tuple[Stack, Server]) -> None:
    stack, server = restartable
    cases = [str((await open_case(stack))["case_id"]) for _ in range(8)]
    for case_id in cases:
        await ok(stack, case_id, "household-visit", "cadre", VISIT)
    acked: dict[str, list[str]] = {c: [] for c in cases}
    refusals: list[int] = []

    killed, restarted = asyncio.Event(), asyncio.Event()
    spanning: list[str] = []  # steps sent before the kill and answered after the restart
    probes = []  # the readiness probe's answers while the server is down

    async def client(case_id: str) -> None:
        i, after = 0, 0
        while after < 3:  # steps before, during and after the outage
            after += restarted.is_set()
            i += 1
            key = f"tk-{i}-{uuid.uuid4().hex[:8]}"
            for _ in range(90):  # a client retries a 503 with the same key (for at most about a minute and a half)
                sent_before_kill = not killed.is_set()
                r = await step(stack, case_id, "cross-check", "township", CROSS_CHECK, key=key)
                if sent_before_kill and restarted.is_set():
                    spanning.append(key)
                if r.status_code != 503:
                    break
                refusals.append(r.status_code)
                await asyncio.sleep(1)
            assert r.status_code == 200, r.text
            acked[case_id].append(key)

    async def chaos() -> None:
        await asyncio.sleep(1)  # steps are in flight
        await asyncio.to_thread(server.kill)
        killed.set()
        probes.append(await stack.http.get("/readyz"))  # while Temporal is down
        await asyncio.sleep(1)
        await server.start()
        restarted.set()

    await asyncio.gather(chaos(), *(client(c) for c in cases))
    # The client's RPCs ride out a short outage by themselves; a longer one would be answered 503.
    assert spanning or refusals, "the server was killed while no step was in flight: the test proved nothing"
    # Ops saw it: not ready while Temporal was down, with the gRPC status and a Retry-After; ready again after.
    [down] = probes
    assert down.status_code == 503 and down.headers["Retry-After"] == "5", down.text
    assert down.json()["reasons"] == ["Temporal does not answer (UNAVAILABLE)"], down.text
    await stack.caught_up()
    up = await stack.http.get("/readyz")
    assert up.status_code == 200 and up.json()["reasons"] == [], up.text
    for case_id in cases:
        stored = await asyncio.to_thread(stored_commands, stack, case_id)
        assert all(n == 1 for n in stored.values()), stored
        checks = {c.split(":", 1)[1] for c in stored if c.split(":", 1)[1].startswith("tk-")}
        assert checks == set(acked[case_id])
        view = (await stack.http.get(f"/cases/{case_id}", headers=stack.headers("township"))).json()
        assert view["version"] == 2 + len(acked[case_id])
