"""The ``running`` fixture: a worker on the time-skipping server with a real ledger, and a case to drive."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from domain.ledger import Ledger
from tests.conftest import TEST_CONVERTER, TEST_VERIFIER
from tests.workflows.support import Case, stop_workflow
from worker.main import build_worker
from worker.national_sync import OutboxNationalSystem
from worker.stack import ensure_search_attributes, find_binary


@pytest_asyncio.fixture(loop_scope="session")
async def running(ts_env: WorkflowEnvironment, es_env: dict[str, str]) -> AsyncIterator[Case]:
    async for case in drive(ts_env, es_env):
        yield case


@pytest_asyncio.fixture(loop_scope="session")
async def running_alone(es_env: dict[str, str]) -> AsyncIterator[Case]:
    """A case on a time-skipping server of its own, for a test that moves virtual time by years."""
    async with await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=find_binary("temporal-test-server"), data_converter=TEST_CONVERTER
    ) as env:
        await ensure_search_attributes(env.client, "default")
        async for case in drive(env, es_env):
            yield case


async def drive(ts_env: WorkflowEnvironment, es_env: dict[str, str]) -> AsyncIterator[Case]:
    task_queue = f"deadline-{uuid.uuid4().hex[:8]}"
    ledger = Ledger(es_env)
    with ThreadPoolExecutor(max_workers=4) as pool:
        async with build_worker(
            ts_env.client, ledger, OutboxNationalSystem(es_env, None), task_queue, pool, TEST_VERIFIER
        ):
            case = Case(ts_env, task_queue, ledger)
            yield case
            await stop_workflow(case.handle)
    ledger.close()
