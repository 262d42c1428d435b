"""The assistance deadlines (10 / 15 days from identification, 25 from the clue), the six-month look-back and a case
living more than two years through continue-as-new — all in virtual time on the time-skipping test server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.api.common.v1 import Payload

from tests.conftest import TEST_CONVERTER
from tests.scenarios import VISIT, identification
from tests.workflows.support import CADRE, COUNTY, TOWNSHIP, Case
from workflows.cases.contracts import CaseControl
from workflows.cases.workflow import CaseWorkflow

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def identify(case: Case, max_history_events: int = 2000) -> CaseControl:
    """Open today and identify on day 6 (the notice runs days 0–4 and closes on day 5)."""
    view = await case.open(max_history_events)
    start = view.clue_date
    moves = identification(visit={**VISIT, "labour_capable_members": 2}, notice_days=5, decide_day=6)
    view = await case.walk(moves, start)
    assert view.identified_on == start + timedelta(days=6)
    return view


async def sleep_until_after(case: Case, day_offset: int, clue: object) -> None:
    """Sleep until the first hours of the day after clue + ``day_offset`` (Asia/Shanghai)."""
    from datetime import date, datetime, time

    from domain.kernel.time import SHANGHAI

    assert isinstance(clue, date)
    target = datetime.combine(clue + timedelta(days=day_offset + 1), time(1), tzinfo=SHANGHAI)
    await case.env.sleep(target - await case.env.get_current_time())


async def test_plan_and_measures_deadlines_are_missed_at_ten_fifteen_and_twenty_five_days(running: Case) -> None:
    view = await identify(running)
    clue = view.clue_date  # identified on clue + 6: plan due clue + 16, measures clue + 21, from the clue + 25
    await sleep_until_after(running, 15, clue)
    assert running.missed() == []
    await sleep_until_after(running, 16, clue)
    assert running.missed() == ["assistance_plan"]
    await sleep_until_after(running, 20, clue)
    assert running.missed() == ["assistance_plan"]
    await sleep_until_after(running, 21, clue)
    assert running.missed() == ["assistance_plan", "measures"]
    await sleep_until_after(running, 24, clue)
    assert running.missed() == ["assistance_plan", "measures"]
    await sleep_until_after(running, 25, clue)
    assert running.missed() == ["assistance_plan", "measures", "measures_from_clue"]
    due = {d.kind.value: d.due_date for d in (await running.handle.query(CaseWorkflow.view)).deadlines}  # type: ignore[union-attr]
    assert (due["assistance_plan"] - clue, due["measures"] - clue, due["measures_from_clue"] - clue) == (
        timedelta(days=16),
        timedelta(days=21),
        timedelta(days=25),
    )


async def assist(case: Case) -> None:
    today = (await case.today()).isoformat()
    await case.step(
        "responsible-person", TOWNSHIP, name="赵六", unit="县农业农村局", phone="13800000000", start_date=today
    )
    await case.step("assistance-plan", CADRE, summary="健康+就业", planned_categories=["health", "employment"])
    for category in ("health", "employment"):
        await case.step(
            "measures",
            CADRE,
            action="add",
            category=category,
            start_date=today,
            responsible_unit="县局",
            status="implemented",
        )


async def eliminate(case: Case) -> CaseControl:
    await case.step(
        "elimination-proposal",
        CADRE,
        mode="assisted",
        per_capita_net_income="9000",
        unresolved_rigid_expenditure=False,
        labour_capable_members=2,
        evidence="收入稳定",
    )
    await case.step(
        "elimination-visit",
        TOWNSHIP,
        verifiers=["甲", "乙"],
        information_form_ref="1",
        measures_form_ref="2",
        assessment_form_ref="3",
    )
    await case.step("village-deliberation", CADRE, participants=9, outcome="pass", minutes_ref="m-e")
    start = await case.today()
    end = start + timedelta(days=6)
    await case.step("public-notice", CADRE, action="post", start_date=start.isoformat(), end_date=end.isoformat())
    await case.env.sleep(timedelta(days=7))
    await case.step("public-notice", CADRE, action="close", outcome="no_objection")
    await case.step("township-review", TOWNSHIP, decision="pass")
    await case.step("county-decision", COUNTY, decision="approve")
    return await case.step("announcement", TOWNSHIP)


async def test_a_case_lives_two_years_through_elimination_look_back_rollback_and_continue_as_new(
    running_alone: Case,
) -> None:
    running = running_alone
    view = await identify(running, max_history_events=60)
    started = view.clue_date
    await assist(running)
    await running.env.sleep(timedelta(days=190))  # monitored for half a year (six calendar months)
    view = await eliminate(running)
    assert view.stage.value == "eliminated"
    eliminated_on = view.eliminated_on
    assert eliminated_on is not None

    # The six-month look-back: missed once, the day after it fell due.
    look_back_due = next(d for d in view.deadlines if d.kind.value == "look_back").due_date
    assert (look_back_due.year * 12 + look_back_due.month) - (eliminated_on.year * 12 + eliminated_on.month) == 6
    await sleep_until_after(running, (look_back_due - started).days - 1, started)
    assert "look_back" not in running.missed()
    await sleep_until_after(running, (look_back_due - started).days, started)
    assert running.missed().count("look_back") == 1

    await running.step("look-back", TOWNSHIP, outcome="unstable", evidence="收入下降")
    await running.step("rollback-request", TOWNSHIP, reason="不稳定", evidence="回头看", document_ref="乡政〔2027〕1号")
    view = await running.step("rollback-decision", COUNTY, decision="approve")
    assert (view.stage.value, view.category.value if view.category else None) == ("monitored", "unstable_formerly_poor")

    await running.env.sleep(timedelta(days=400))
    view = await eliminate(running)
    assert view.stage.value == "eliminated" and (await running.today() - started).days > 730

    assert running.handle is not None
    desc = await running.handle.describe()
    assert desc.raw_description.workflow_execution_info.first_run_id != desc.run_id, "expected continue-as-new"
    current = await running.handle.query(CaseWorkflow.view)
    assert current is not None and current.version == view.version and current.elimination_count == 2
    types = running.event_types()
    assert types.count("RiskEliminated") == 2 and "EliminationRolledBack" in types


async def test_no_personal_data_is_kept_in_workflow_results_or_state(running: Case) -> None:
    """Step inputs reach the history as update arguments, sealed like every payload; what the workflow itself
    records — activity results, update results, search attributes — is control data only, even opened."""
    await identify(running)
    await assist(running)
    assert running.handle is not None
    history = await running.handle.fetch_history()
    kept: list[Payload] = []
    for event in history.events:
        if event.HasField("marker_recorded_event_attributes"):  # local activity results
            for payloads in event.marker_recorded_event_attributes.details.values():
                kept += payloads.payloads
        if event.HasField("workflow_execution_update_completed_event_attributes"):
            kept += event.workflow_execution_update_completed_event_attributes.outcome.success.payloads
    assert TEST_CONVERTER.payload_codec is not None
    assert b"assistance_plan" not in b"".join(p.data for p in kept)  # as Temporal keeps them: sealed
    recorded = b"".join(p.data for p in await TEST_CONVERTER.payload_codec.decode(kept))
    assert b"assistance_plan" in recorded and b"990102101001" in recorded  # control data is there
    for personal in ("赵六", "13800000000", "李四", "H-1", "per_capita_net_income", "household_number"):
        assert personal.encode() not in recorded, personal
