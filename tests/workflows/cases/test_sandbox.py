"""Every worker the tests build runs its workflows in Temporal's sandbox, so the suite checks every workflow path it
takes against non-deterministic calls; `dixian worker` runs without it unless DIXIAN_WORKFLOW_SANDBOX says so."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from domain.ledger import Ledger
from tests.conftest import TEST_VERIFIER
from tests.workflows.cases.clock_workflow import ReadsTheClock
from worker.main import build_worker
from worker.national_sync import OutboxNationalSystem
from workflows.kernel.settings import Settings


def runner_of(worker: Worker) -> object:
    return worker.config()["workflow_runner"]


async def test_test_workers_are_sandboxed_and_the_sandbox_refuses_the_clock(
    temporal_env: WorkflowEnvironment, es_env: dict[str, str]
) -> None:
    ledger = Ledger(es_env)
    with ThreadPoolExecutor(max_workers=2) as pool:
        national = OutboxNationalSystem(es_env, None)
        tested = build_worker(temporal_env.client, ledger, national, "q-sandbox", pool, TEST_VERIFIER, 2)
        assert isinstance(runner_of(tested), SandboxedWorkflowRunner)
        plain = build_worker(temporal_env.client, ledger, national, "q", pool, TEST_VERIFIER, 2, sandboxed=False)
        assert isinstance(runner_of(plain), UnsandboxedWorkflowRunner)
        # The same runner a test worker uses refuses a workflow that reads the clock.
        async with Worker(temporal_env.client, task_queue="q-clock", workflows=[ReadsTheClock],
                          workflow_runner=runner_of(tested)):  # fmt: skip
            with pytest.raises(WorkflowFailureError):
                await temporal_env.client.execute_workflow(
                    ReadsTheClock.run,
                    id="reads-the-clock",
                    task_queue="q-clock",
                    execution_timeout=timedelta(seconds=5),
                )
    ledger.close()
    assert Settings().workflow_sandbox is False
    assert Settings(DIXIAN_WORKFLOW_SANDBOX="true").workflow_sandbox is True  # type: ignore[call-arg]
