"""Driving one case workflow directly (no API) on the time-skipping test server with a real PostgreSQL ledger."""

from __future__ import annotations

import contextlib
import uuid
from datetime import date, timedelta
from typing import Any

from temporalio.client import WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from domain.kernel.time import local_date
from domain.ledger import Ledger
from tests.conftest import TEST_COMMAND_KEY
from tests.scenarios import Move, walk
from workflows.cases.client import open_case, opening
from workflows.cases.contracts import CaseControl, CaseWorkflowState, OpenCaseInput, OpenCaseRequest, StepInput
from workflows.cases.signing import sign
from workflows.cases.workflow import CaseWorkflow
from workflows.kernel.contracts import ActorModel

CADRE = ActorModel(id="cadre-1", role="village_cadre", area_code="990102101001")
TOWNSHIP = ActorModel(id="township-1", role="township_reviewer", area_code="990102101")
COUNTY = ActorModel(id="county-1", role="county_approver", area_code="990102")


class Case:
    def __init__(self, env: WorkflowEnvironment, task_queue: str, ledger: Ledger) -> None:
        self.env, self.task_queue, self.ledger = env, task_queue, ledger
        self.case_id = uuid.uuid4()
        self.handle: WorkflowHandle[Any, Any] | None = None

    async def today(self) -> date:
        return local_date(await self.env.get_current_time())

    async def open(self, max_history_events: int = 2000, *, begun_before_issue_22: bool = False) -> CaseControl:
        today = await self.today()
        request = OpenCaseRequest(
            household_number=f"H-1{self.case_id.hex[:8]}",
            village_code="990102101001",
            source="self_application",
            clue_date=today,
        )
        state = CaseWorkflowState.begin(self.case_id, max_history_events=max_history_events)
        if begun_before_issue_22:  # the input as it was before it carried the search-attribute rule
            state = CaseWorkflowState(case_id=self.case_id, max_history_events=max_history_events)
        start = opening(state, self.task_queue)
        cmd = sign(
            OpenCaseInput(case_id=self.case_id, command_id="open", actor=CADRE, request=request), TEST_COMMAND_KEY
        )
        view = await open_case(self.env.client, cmd, start)
        self.handle = await start.workflow_handle()
        return view

    async def step(self, step: str, actor: ActorModel, **payload: Any) -> CaseControl:
        assert self.handle is not None
        cmd = sign(
            StepInput(case_id=self.case_id, step=step, command_id=str(uuid.uuid4()), actor=actor, payload=payload),
            TEST_COMMAND_KEY,
        )
        return await self.handle.execute_update(CaseWorkflow.advance, cmd)

    async def walk(self, moves: list[Move], first: date | None = None) -> CaseControl:
        """Take a walk (``tests.scenarios``) from ``first`` (today by default), virtual time moving on between days."""
        first = first or await self.today()
        done = 0

        async def wait_until(day: int) -> None:
            nonlocal done
            await self.env.sleep(timedelta(days=day - done))
            done = day

        return await walk(moves, first, lambda m, body: self.step(m.step, ACTORS[m.who], **body), wait_until)

    def event_types(self) -> list[str]:
        return [e["type"] for e in self.ledger.cases.event_records(self.case_id)]

    def missed(self) -> list[str]:
        return [
            e["payload"]["kind"] for e in self.ledger.cases.event_records(self.case_id) if e["type"] == "DeadlineMissed"
        ]


ACTORS = {"cadre": CADRE, "township": TOWNSHIP, "county": COUNTY}


async def stop_workflow(handle: WorkflowHandle[Any, Any] | None) -> None:
    """End a test's workflow: on the shared time-skipping server, a timer of a workflow whose worker is gone would
    hold virtual time still for the tests that follow."""
    if handle is not None:
        with contextlib.suppress(RPCError):
            await handle.terminate("test finished")
