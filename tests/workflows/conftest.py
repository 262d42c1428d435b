"""The ``running`` fixture: a worker on the time-skipping server with a real ledger, and a case to drive."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from domain.ledger import CaseLedger
from tests.workflows.support import Case, stop_workflow
from worker.main import build_worker
from worker.national_sync import OutboxNationalSystem


@pytest_asyncio.fixture(loop_scope="session")
async def running(ts_env: WorkflowEnvironment, es_env: dict[str, str]) -> AsyncIterator[Case]:
    task_queue = f"deadline-{uuid.uuid4().hex[:8]}"
    ledger = CaseLedger(es_env)
    with ThreadPoolExecutor(max_workers=4) as pool:
        async with build_worker(
            ts_env.client, CaseLedger(es_env), OutboxNationalSystem(es_env, None), task_queue, pool
        ):
            case = Case(ts_env, task_queue, ledger)
            yield case
            await stop_workflow(case.handle)
    ledger.close()
