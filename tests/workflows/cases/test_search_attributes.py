"""A case's search attributes: written at its opening, then only those that changed, and no patch marker for a
workflow begun now (the rule is in its input); a workflow begun before still asks the patch, as it did."""

from __future__ import annotations

from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.worker import Replayer

from tests.conftest import TEST_CONVERTER
from tests.scenarios import VISIT, identification
from tests.workflows.support import CADRE, Case
from workflows.cases import search_attributes as sa
from workflows.cases.contracts import CaseWorkflowState, workflow_id_for
from workflows.cases.workflow import UPSERT_CHANGES_ONLY, CaseWorkflow

pytestmark = pytest.mark.asyncio(loop_scope="session")

PATCH_ATTRIBUTE = "TemporalChangeVersion"  # the SDK's own record of the patches a workflow took


async def history(case: Case) -> list[HistoryEvent]:
    assert case.handle is not None
    return list((await case.handle.fetch_history()).events)


def upserted(events: list[HistoryEvent]) -> list[set[str]]:
    """The names each upsert of search attributes wrote, in order."""
    return [
        set(e.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields)
        for e in events
        if e.event_type == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES
    ]


def patch_markers(events: list[HistoryEvent]) -> list[Any]:
    return [
        e
        for e in events
        if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
        and e.marker_recorded_event_attributes.marker_name == "core_patch"
    ]


async def test_a_case_begun_now_writes_its_attributes_at_opening_then_only_what_changed(running: Case) -> None:
    await running.open()
    events = await history(running)
    assert upserted(events) == [
        {"CaseStage", "CaseStatus", "VillageCode", "TownshipCode", "CountyCode", "Overdue", "NextDeadline",
         "NextDeadlineKind", "LastProgressAt"}
    ]  # fmt: skip
    assert patch_markers(events) == []

    await running.step("household-visit", CADRE, **VISIT)
    events = await history(running)
    assert patch_markers(events) == [] and all(PATCH_ATTRIBUTE not in names for names in upserted(events))
    # The visit moves the case's status on; its stage, area, overdue flag and deadline stay as they were.
    assert upserted(events)[1] == {"CaseStatus", "LastProgressAt"}
    assert running.handle is not None
    attrs = (await running.handle.describe()).typed_search_attributes
    assert attrs.get(sa.VILLAGE_CODE) == "990102101001" and attrs.get(sa.CASE_STAGE) is not None
    await Replayer(workflows=[CaseWorkflow], data_converter=TEST_CONVERTER).replay_workflow(
        await running.handle.fetch_history()
    )


async def test_a_case_begun_before_the_rule_was_in_its_input_asks_the_patch(running: Case) -> None:
    await running.open(begun_before_issue_22=True)
    await running.step("household-visit", CADRE, **VISIT)
    events = await history(running)
    assert len(patch_markers(events)) == 1
    assert UPSERT_CHANGES_ONLY.encode() in patch_markers(events)[0].SerializeToString()
    assert upserted(events)[-1] == {"CaseStatus", "LastProgressAt"}
    assert running.handle is not None
    await Replayer(workflows=[CaseWorkflow], data_converter=TEST_CONVERTER).replay_workflow(
        await running.handle.fetch_history()
    )


async def test_a_case_begun_before_takes_the_rule_into_its_input_when_it_continues_as_new(running: Case) -> None:
    view = await running.open(max_history_events=20, begun_before_issue_22=True)
    await running.walk(identification(through="county-decision"), view.clue_date)
    handle = running.env.client.get_workflow_handle(workflow_id_for(running.case_id))
    described = await handle.describe()
    first_run = described.raw_description.workflow_execution_info.first_run_id
    assert described.run_id != first_run, "expected continue-as-new"
    latest = await handle.fetch_history()
    given = latest.events[0].workflow_execution_started_event_attributes.input.payloads
    state = (await TEST_CONVERTER.decode(list(given), [CaseWorkflowState]))[0]
    assert state.upserts_changes_only and state.view is not None
    assert patch_markers(list(latest.events)) == []
    first = await running.env.client.get_workflow_handle(
        workflow_id_for(running.case_id), run_id=first_run
    ).fetch_history()
    assert len(patch_markers(list(first.events))) == 1
    for history in (first, latest):
        await Replayer(workflows=[CaseWorkflow], data_converter=TEST_CONVERTER).replay_workflow(history)
