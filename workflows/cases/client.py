"""Opening a case through its workflow, from outside it (the API, tests, benchmarks): an update-with-start of
``CaseWorkflow.open``, so that the workflow and the case's first event come to be together, once per command id.

Not imported by the workflow itself (it uses Temporal's client)."""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy

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
