"""Opening a case through its workflow, from outside it (the API, tests, benchmarks): an update-with-start of
``CaseWorkflow.open``, so that the workflow and the case's first event come to be together, once per command id.

Not imported by the workflow itself (it uses Temporal's client)."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from temporalio.client import Client, WithStartWorkflowOperation, WorkflowExecutionStatus, WorkflowQueryFailedError
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError

from workflows.cases.contracts import CaseControl, CaseWorkflowState, OpenCaseInput, workflow_id_for
from workflows.cases.workflow import CaseWorkflow

Opening = WithStartWorkflowOperation[CaseWorkflow, CaseControl | None]


def opening(state: CaseWorkflowState, task_queue: str) -> Opening:
    """Start the case's workflow, or use the one already running under its id."""
    return WithStartWorkflowOperation(
        CaseWorkflow.run,
        state,
        id=workflow_id_for(state.case_id),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )


async def open_case(
    client: Client,
    cmd: OpenCaseInput,
    start: Opening,
    rpc_timeout: timedelta | None = None,
) -> CaseControl:
    """Send the opening command (its command id is the update id: a repeat returns the first result)."""
    return await client.execute_update_with_start_workflow(
        CaseWorkflow.open, cmd, start_workflow_operation=start, id=cmd.command_id, rpc_timeout=rpc_timeout
    )


LOOK_TIMEOUT = timedelta(seconds=5)  # a repeated opening is answered from the store; the look must not hold it up


async def opening_lost(client: Client, case_id: UUID) -> bool:
    """Whether the case's workflow is running without its opening: the opening's events were stored (by a worker
    that died before its workflow task completed) but the update never reached the workflow (the caller that
    admitted it had gone, so Temporal dropped it). Such a workflow would refuse every step; the same opening sent
    again completes it (the ledger answers with the stored result). False when unknown (the reconcile looks)."""
    handle = client.get_workflow_handle_for(CaseWorkflow.run, workflow_id_for(case_id))
    try:
        described = await handle.describe(rpc_timeout=LOOK_TIMEOUT)
    except RPCError:
        return False
    if described.status != WorkflowExecutionStatus.RUNNING:
        return False
    return bool(await awaiting_opening(client, workflow_id_for(case_id), described.run_id))


async def awaiting_opening(client: Client, workflow_id: str, run_id: str) -> bool | None:
    """Whether that run of a case workflow still waits for its opening (None: it does not answer)."""
    handle = client.get_workflow_handle_for(CaseWorkflow.run, workflow_id, run_id=run_id)
    try:
        return await handle.query(CaseWorkflow.awaiting_opening, rpc_timeout=LOOK_TIMEOUT)
    except (RPCError, WorkflowQueryFailedError):
        return None
