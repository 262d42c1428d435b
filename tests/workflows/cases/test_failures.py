"""Failures that are not the caller's fault: a failed opening leaves no running workflow, a transient database
error is retried inside the step and the step is recorded exactly once."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from temporalio.client import WorkflowExecutionStatus, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from domain.cases.commands import CaseCommands
from domain.cases.view import CaseViewData
from domain.kernel.time import local_date
from domain.ledger import Ledger
from tests.conftest import TEST_COMMAND_KEY, TEST_VERIFIER, connect
from tests.scenarios import VISIT, identification
from tests.workflows.support import CADRE, Case, stop_workflow
from worker.main import build_worker
from worker.national_sync import OutboxNationalSystem
from workflows.cases.client import open_case as open_through_workflow
from workflows.cases.client import opening
from workflows.cases.contracts import CaseWorkflowState, OpenCaseInput, OpenCaseRequest, StepInput, workflow_id_for
from workflows.cases.signing import sign
from workflows.cases.workflow import CaseWorkflow

pytestmark = pytest.mark.asyncio(loop_scope="session")


class FlakyCases(CaseCommands):
    """Fails the first ``failures`` steps with a database-like error before doing the real work."""

    failures = 2

    def take_step(self, *args: Any, **kwargs: Any) -> CaseViewData:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("server closed the connection unexpectedly")
        return super().take_step(*args, **kwargs)


class FlakyLedger(Ledger):
    def __init__(self, env: dict[str, str]) -> None:
        super().__init__(env)
        self.cases = FlakyCases(self)


async def open_case(env: WorkflowEnvironment, task_queue: str, case_id: uuid.UUID, request: OpenCaseRequest) -> None:
    cmd = sign(
        OpenCaseInput(case_id=case_id, command_id=f"open-{case_id}", actor=CADRE, request=request), TEST_COMMAND_KEY
    )
    await open_through_workflow(env.client, cmd, opening(CaseWorkflowState.begin(case_id), task_queue))


async def test_a_refused_opening_ends_its_workflow_and_a_transient_failure_is_retried(
    ts_env: WorkflowEnvironment, es_env: dict[str, str]
) -> None:
    task_queue = f"failures-{uuid.uuid4().hex[:8]}"
    ledger = FlakyLedger(es_env)
    with ThreadPoolExecutor(max_workers=4) as pool:
        async with build_worker(
            ts_env.client, ledger, OutboxNationalSystem(es_env, None), task_queue, pool, TEST_VERIFIER
        ):
            today = local_date(await ts_env.get_current_time())
            bad = OpenCaseRequest(
                household_number="H-9",
                village_code="990102101001",
                source="self_application",
                clue_date=today,
                reported_risks=["illness", "illness"],  # refused by the aggregate, not by the schema
            )
            refused = uuid.uuid4()
            with pytest.raises(WorkflowUpdateFailedError) as excinfo:
                await open_case(ts_env, task_queue, refused, bad)
            assert isinstance(excinfo.value.cause, ApplicationError)
            assert excinfo.value.cause.type == "RuleViolationError"
            handle = ts_env.client.get_workflow_handle(workflow_id_for(refused))
            assert await handle.result() is None
            assert (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED

            good = bad.model_copy(update={"reported_risks": ["illness"]})
            case_id = uuid.uuid4()
            await open_case(ts_env, task_queue, case_id, good)
            step = sign(
                StepInput(case_id=case_id, step="household-visit", command_id="visit-1", actor=CADRE, payload=VISIT),
                TEST_COMMAND_KEY,
            )
            handle = ts_env.client.get_workflow_handle(workflow_id_for(case_id))
            view = await handle.execute_update(CaseWorkflow.advance, step, id="visit-1")
            assert view.status.value == "visit_verified" and ledger.cases.failures == 0
            types = [e["type"] for e in ledger.cases.event_records(case_id)]
            assert types == ["CaseOpened", "HouseholdVisitRecorded"]
            await stop_workflow(handle)
    ledger.close()


class FlakyNationalSystem(OutboxNationalSystem):
    """The national system is down for the first ``failures`` calls."""

    failures = 3

    def send(self, case_id: str, version: int, status: str, record: dict[str, Any]) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("national system unreachable")
        super().send(case_id, version, status, record)


async def test_a_failing_national_sync_neither_blocks_nor_loses_the_step(
    ts_env: WorkflowEnvironment, es_env: dict[str, str]
) -> None:
    from datetime import timedelta

    task_queue = f"sync-{uuid.uuid4().hex[:8]}"
    ledger = Ledger(es_env)
    national = FlakyNationalSystem(es_env, None)
    with ThreadPoolExecutor(max_workers=4) as pool:
        async with build_worker(ts_env.client, ledger, national, task_queue, pool, TEST_VERIFIER):
            case = Case(ts_env, task_queue, ledger)
            await case.open()
            view = await case.walk(identification(notice_days=5))
            # The announcement returns at once, whatever the national system does.
            assert view.stage.value == "monitored" and view.national_status.status == "monitored"

            await ts_env.sleep(timedelta(minutes=30))  # the retries' back-off, in virtual time
            with connect(es_env) as conn:
                rows = conn.execute(
                    "SELECT status, version FROM national_sync_outbox WHERE case_id = %s", (case.case_id,)
                ).fetchall()
            assert rows == [("monitored", view.national_status.version)] and national.failures == 0
            assert case.event_types().count("ResultAnnounced") == 1
            await stop_workflow(case.handle)
    ledger.close()
