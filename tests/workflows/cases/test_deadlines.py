"""The identification deadline as a durable timer, in virtual time (time-skipping test server, real PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.worker import Replayer

from domain.kernel.time import local_date
from tests.conftest import TEST_CONVERTER
from tests.scenarios import VISIT, identification
from tests.workflows.support import CADRE, Case
from workflows.cases import search_attributes as sa
from workflows.cases.workflow import CaseWorkflow

pytestmark = pytest.mark.asyncio(loop_scope="session")


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

    missed = running.ledger.cases.event_records(running.case_id)[1]
    assert missed["payload"] == {"kind": "identification", "due_date": due}
    assert missed["actor"]["role"] == "system"
    view = await running.handle.query(CaseWorkflow.view)
    assert view is not None and view.overdue and view.deadlines[0].missed_recorded
    attrs = (await running.handle.describe()).typed_search_attributes
    assert attrs.get(sa.OVERDUE) is True

    # The late case can still be identified; its deadline shows met, late.
    await running.step("household-visit", CADRE, **VISIT)
    history = await running.handle.fetch_history()
    await Replayer(workflows=[CaseWorkflow], data_converter=TEST_CONVERTER).replay_workflow(history)


async def test_case_decided_in_time_gets_no_deadline_missed(running: Case) -> None:
    view = await running.open()
    view = await running.walk(identification(through="county-decision"), view.clue_date)
    assert view.deadlines[0].met_in_time
    await running.env.sleep(timedelta(days=20))
    missed = running.missed()
    assert "identification" not in missed
    # Identified but never announced, planned or assisted: the assistance deadlines are the ones missed.
    assert sorted(missed) == ["assistance_plan", "measures", "measures_from_clue"]
