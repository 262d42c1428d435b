"""Failures that are not the caller's fault: a failed opening leaves no running workflow, a transient database
error is retried inside the step and the step is recorded exactly once."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from temporalio.client import WithStartWorkflowOperation, WorkflowExecutionStatus, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from domain.ledger import CaseLedger
from domain.policy import local_date
from tests.workflows.support import CADRE, VISIT
from worker.main import build_worker
from worker.national_sync import OutboxNationalSystem
from workflows.case_workflow import CaseWorkflow
from workflows.contracts import CaseWorkflowState, OpenCaseInput, OpenCaseRequest, StepInput, workflow_id_for

pytestmark = pytest.mark.asyncio(loop_scope="session")


class FlakyLedger(CaseLedger):
    """Fails the first ``failures`` steps with a database-like error before doing the real work."""

    failures = 2

    def take_step(self, **kwargs: Any) -> dict[str, Any]:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("server closed the connection unexpectedly")
        return super().take_step(**kwargs)


async def open_case(env: WorkflowEnvironment, task_queue: str, case_id: uuid.UUID, request: OpenCaseRequest) -> None:
    start = WithStartWorkflowOperation(
        CaseWorkflow.run,
        CaseWorkflowState(case_id=case_id),
        id=workflow_id_for(case_id),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    cmd = OpenCaseInput(case_id=case_id, command_id=f"open-{case_id}", actor=CADRE, request=request)
    await env.client.execute_update_with_start_workflow(
        CaseWorkflow.open, cmd, start_workflow_operation=start, id=cmd.command_id
    )


async def test_a_refused_opening_ends_its_workflow_and_a_transient_failure_is_retried(
    ts_env: WorkflowEnvironment, es_env: dict[str, str]
) -> None:
    task_queue = f"failures-{uuid.uuid4().hex[:8]}"
    ledger = FlakyLedger(es_env)
    with ThreadPoolExecutor(max_workers=4) as pool:
        async with build_worker(ts_env.client, ledger, OutboxNationalSystem(es_env, None), task_queue, pool):
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
            step = StepInput(case_id=case_id, step="household-visit", command_id="visit-1", actor=CADRE, payload=VISIT)
            handle = ts_env.client.get_workflow_handle(workflow_id_for(case_id))
            view = await handle.execute_update(CaseWorkflow.advance, step, id="visit-1")
            assert view.status.value == "visit_verified" and ledger.failures == 0
            types = [e["type"] for e in ledger.event_records(case_id)]
            assert types == ["CaseOpened", "HouseholdVisitRecorded"]
    ledger.close()
