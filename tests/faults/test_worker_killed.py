"""The worker killed (SIGKILL) in the middle of a step's activity, before or after its events were appended: after a
new worker takes over the step completes exactly once; the client got either its success or a retryable 503, and
the same Idempotency-Key then returns the original result."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from tests.faults.support import stored_commands
from tests.integration.conftest import Stack, run_stack
from tests.integration.support import VISIT, open_case, step

pytestmark = pytest.mark.asyncio(loop_scope="session")

CROSS_CHECK = {"departments": ["公安"], "consistent": True}
ROOT = Path(__file__).resolve().parents[2]


@pytest_asyncio.fixture(loop_scope="session")
async def api_only(temporal_env: WorkflowEnvironment, es_env: dict[str, str]) -> AsyncIterator[Stack]:
    async for stack in run_stack(temporal_env.client, es_env, worker=False):
        yield stack


def spawn_worker(stack: Stack, stall_dir: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "FAULT_TEMPORAL": stack.temporal.service_client.config.target_host,
        "FAULT_TASK_QUEUE": stack.task_queue,
        "FAULT_ES_ENV": json.dumps(stack.es_env),
        "FAULT_STALL_DIR": str(stall_dir),
    }
    log = (stall_dir / "worker.log").open("ab")
    return subprocess.Popen([sys.executable, "-m", "tests.faults.worker_process"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)  # fmt: skip


async def until(predicate: object, within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.1)


async def retried(stack: Stack, case_id: str, key: str, first: httpx.Response) -> httpx.Response:
    r = first
    for _ in range(30):
        if r.status_code != 503:
            return r
        await asyncio.sleep(1)
        r = await step(stack, case_id, "cross-check", "township", CROSS_CHECK, key=key)
    return r


async def step_in_flight(stack: Stack, tmp_path: Path, key: str, marker: str) -> tuple[str, asyncio.Task[Any]]:
    """A case past its household visit, and its cross-check with ``key`` sent and held in the worker at ``marker``
    (a file the worker process reads: ``before``, ``after`` or ``pause``); the case id and the request's task."""
    case_id = str((await open_case(stack))["case_id"])
    r = await step(stack, case_id, "household-visit", "cadre", VISIT)
    assert r.status_code == 200, r.text
    (tmp_path / f"{key}.{marker}").touch()
    sending = asyncio.create_task(step(stack, case_id, "cross-check", "township", CROSS_CHECK, key=key))
    await until((tmp_path / f"{key}.reached").exists, 30, "the step never reached the worker")
    return case_id, sending


@pytest.mark.parametrize("when", ["before", "after"], ids=["before-append", "after-append"])
async def test_a_worker_killed_mid_step_loses_nothing_and_duplicates_nothing(
    api_only: Stack, tmp_path: Path, when: str
) -> None:
    stack = api_only
    first = spawn_worker(stack, tmp_path)
    second: subprocess.Popen[bytes] | None = None
    try:
        key = f"kill-{when}-{uuid.uuid4().hex[:8]}"
        case_id, sending = await step_in_flight(stack, tmp_path, key, when)
        first.kill()  # SIGKILL: no cleanup, no goodbye to Temporal
        first.wait()
        (tmp_path / f"{key}.{when}").unlink()
        second = spawn_worker(stack, tmp_path)

        answered = await sending
        assert answered.status_code in (200, 503), answered.text  # success, or retry with the same key
        done = await retried(stack, case_id, key, answered)
        assert done.status_code == 200, done.text
        assert done.json()["version"] == 3
        again = await step(stack, case_id, "cross-check", "township", CROSS_CHECK, key=key)
        assert again.status_code == 200 and again.json() == done.json()

        stored = await asyncio.to_thread(stored_commands, stack, case_id)
        assert stored[f"township-1:{key}"] == 1
        assert all(n == 1 for n in stored.values()) and len(stored) == 3, stored
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()


async def test_a_worker_stopped_with_sigterm_mid_step_finishes_the_step_and_exits_cleanly(
    api_only: Stack, tmp_path: Path
) -> None:
    """A rolling update: the orchestrator sends SIGTERM; the worker takes no new task, finishes the step in flight
    (its events appended once, the client answered 200 without a retry) and exits 0."""
    stack = api_only
    worker = spawn_worker(stack, tmp_path)
    try:
        key = f"term-{uuid.uuid4().hex[:8]}"
        case_id, sending = await step_in_flight(stack, tmp_path, key, "pause")
        worker.terminate()  # SIGTERM, while the step's activity is in flight
        answered = await sending
        assert answered.status_code == 200, answered.text
        assert answered.json()["version"] == 3
        assert await asyncio.to_thread(worker.wait, 60) == 0
        stored = await asyncio.to_thread(stored_commands, stack, case_id)
        assert stored[f"township-1:{key}"] == 1 and len(stored) == 3, stored
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
