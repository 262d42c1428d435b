"""The identification deadline as a durable timer, in virtual time (time-skipping test server, real PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

import pytest
import pytest_asyncio
from temporalio.client import WithStartWorkflowOperation, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from domain.ledger import CaseLedger
from domain.policy import local_date
from worker.main import build_worker
from worker.national_sync import OutboxNationalSystem
from workflows import search_attributes as sa
from workflows.case_workflow import CaseWorkflow
from workflows.contracts import (
    ActorModel,
    CaseView,
    CaseWorkflowState,
    OpenCaseInput,
    OpenCaseRequest,
    StepInput,
    workflow_id_for,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")

CADRE = ActorModel(id="cadre-1", role="village_cadre", area_code="990102101001")
TOWNSHIP = ActorModel(id="township-1", role="township_reviewer", area_code="990102101")
COUNTY = ActorModel(id="county-1", role="county_approver", area_code="990102")


class Case:
    def __init__(self, env: WorkflowEnvironment, task_queue: str, ledger: CaseLedger) -> None:
        self.env, self.task_queue, self.ledger = env, task_queue, ledger
        self.case_id = uuid.uuid4()
        self.handle: WorkflowHandle[Any, Any] | None = None

    async def today(self) -> date:
        return local_date(await self.env.get_current_time())

    async def open(self, max_history_events: int = 2000) -> CaseView:
        today = await self.today()
        request = OpenCaseRequest(
            household_number="H-1", village_code="990102101001", source="self_application", clue_date=today
        )
        start = WithStartWorkflowOperation(
            CaseWorkflow.run,
            CaseWorkflowState(case_id=self.case_id, max_history_events=max_history_events),
            id=workflow_id_for(self.case_id),
            task_queue=self.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
        cmd = OpenCaseInput(case_id=self.case_id, command_id="open", actor=CADRE, request=request)
        view = await self.env.client.execute_update_with_start_workflow(
            CaseWorkflow.open, cmd, start_workflow_operation=start, id="open"
        )
        self.handle = await start.workflow_handle()
        return view

    async def step(self, step: str, actor: ActorModel, **payload: Any) -> CaseView:
        assert self.handle is not None
        cmd = StepInput(case_id=self.case_id, step=step, command_id=str(uuid.uuid4()), actor=actor, payload=payload)
        return await self.handle.execute_update(CaseWorkflow.advance, cmd)

    def event_types(self) -> list[str]:
        return [e["type"] for e in self.ledger.event_records(self.case_id)]

    def missed(self) -> list[str]:
        return [e["payload"]["kind"] for e in self.ledger.event_records(self.case_id) if e["type"] == "DeadlineMissed"]


@pytest_asyncio.fixture(loop_scope="session")
async def running(ts_env: WorkflowEnvironment, es_env: dict[str, str]) -> AsyncIterator[Case]:
    task_queue = f"deadline-{uuid.uuid4().hex[:8]}"
    ledger = CaseLedger(es_env)
    with ThreadPoolExecutor(max_workers=4) as pool:
        async with build_worker(
            ts_env.client, CaseLedger(es_env), OutboxNationalSystem(es_env, None), task_queue, pool
        ):
            yield Case(ts_env, task_queue, ledger)
    ledger.close()


VISIT = {
    "visitors": ["李四"],
    "household_type": "formerly_poor",
    "household_size": 3,
    "labour_capable_members": 1,
    "per_capita_net_income": "5000",
    "risks": ["illness"],
    "authorisation_signed": True,
    "authorisation_ref": "A-1",
}


async def test_case_left_for_fifteen_days_gets_deadline_missed_once(running: Case) -> None:
    view = await running.open()
    due = view.deadlines[0].due_date
    assert due == view.clue_date + timedelta(days=15)
    assert running.handle is not None

    await running.env.sleep(timedelta(days=15))  # the last day (Asia/Shanghai) has begun but not ended
    assert local_date(await running.env.get_current_time()) == due
    assert running.event_types() == ["CaseOpened"]
    await running.env.sleep(timedelta(days=2))
    assert running.event_types() == ["CaseOpened", "DeadlineMissed"]
    await running.env.sleep(timedelta(days=20))
    assert running.event_types() == ["CaseOpened", "DeadlineMissed"], "a missed deadline is recorded once"

    missed = running.ledger.event_records(running.case_id)[1]
    assert missed["payload"] == {"kind": "identification", "due_date": due}
    assert missed["actor"]["role"] == "system"
    view = await running.handle.query(CaseWorkflow.view)
    assert view is not None and view.overdue and view.deadlines[0].missed_recorded
    attrs = (await running.handle.describe()).typed_search_attributes
    assert attrs.get(sa.OVERDUE) is True

    # The late case can still be identified; its deadline shows met, late.
    await running.step("household-visit", CADRE, **VISIT)
    history = await running.handle.fetch_history()
    await Replayer(workflows=[CaseWorkflow], data_converter=pydantic_data_converter).replay_workflow(history)


async def test_case_decided_in_time_gets_no_deadline_missed(running: Case) -> None:
    view = await running.open()
    start = view.clue_date
    await running.step("household-visit", CADRE, **VISIT)
    await running.step("cross-check", TOWNSHIP, departments=["公安"], consistent=True)
    await running.step("village-deliberation", CADRE, participants=11, outcome="pass", minutes_ref="m-1")
    end = start + timedelta(days=6)
    await running.step("public-notice", CADRE, action="post", start_date=start.isoformat(), end_date=end.isoformat())
    await running.env.sleep(timedelta(days=7))
    await running.step("public-notice", CADRE, action="close", outcome="no_objection")
    await running.step("township-review", TOWNSHIP, decision="pass")
    view = await running.step("county-decision", COUNTY, decision="approve", category="unstable_formerly_poor")
    assert view.deadlines[0].met_in_time
    await running.env.sleep(timedelta(days=20))
    missed = [
        e["payload"]["kind"] for e in running.ledger.event_records(running.case_id) if e["type"] == "DeadlineMissed"
    ]
    assert "identification" not in missed
    # Identified but never announced, planned or assisted: the assistance deadlines are the ones missed.
    assert sorted(missed) == ["assistance_plan", "measures", "measures_from_clue"]
