"""Operations over HTTP: late and soon-due cases, the summary, readiness and metrics."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from temporalio import workflow
from temporalio.worker import Worker

from domain.reports.periods import default_period
from tests.integration.conftest import COUNTY, VILLAGE, Stack
from tests.integration.support import open_case
from workflows.cases.contracts import CaseWorkflowState

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_late_and_soon_due_cases_are_listed_with_their_kind_and_days_late(stack: Stack) -> None:
    late = (await open_case(stack, key=f"late-{uuid.uuid4().hex[:8]}", clue_offset=-20))["case_id"]  # due 5 days ago
    soon = (await open_case(stack, key=f"soon-{uuid.uuid4().hex[:8]}", clue_offset=-13))["case_id"]  # due in 2 days
    fresh = (await open_case(stack, key=f"new-{uuid.uuid4().hex[:8]}", clue_offset=0))["case_id"]  # due in 15 days
    await stack.caught_up()

    r = await stack.http.get("/ops/overdue", headers=stack.headers("township"))
    assert r.status_code == 200, r.text
    items = {i["case_id"]: i for i in r.json()["items"]}
    assert set(items) == {late}
    assert (items[late]["kind"], items[late]["kind_label"], items[late]["days_late"]) == (
        "identification",
        "识别认定时限",
        5,
    )
    assert r.json()["by_kind"] == {"identification": 1} and r.json()["by_village"] == {VILLAGE: 1}

    r = await stack.http.get("/ops/at-risk", params={"within": "3d"}, headers=stack.headers("township"))
    assert {i["case_id"] for i in r.json()["items"]} == {late, soon}
    assert fresh not in {i["case_id"] for i in r.json()["items"]}
    r = await stack.http.get("/ops/at-risk", params={"within": "3w"}, headers=stack.headers("township"))
    assert r.status_code == 422
    r = await stack.http.get("/ops/overdue", headers=stack.headers("other_cadre"))
    assert r.json()["items"] == []  # another village's cases are not theirs to see
    r = await stack.http.get("/ops/overdue", params={"area_code": VILLAGE}, headers=stack.headers("other_cadre"))
    assert r.status_code == 403

    r = await stack.http.get("/ops/summary", headers=stack.headers("county"))
    body = r.json()
    assert body["cases_by_stage"] == {"identifying": 3} and body["past_due_now"] == {"identification": 1}
    # No campaign covers the area: the period is the tables' default one holding today (Monday to Sunday a week
    # later), and the late case's miss (due 5 days ago) counts in it if it falls inside.
    first, last = default_period(stack.today)
    missed_on = stack.today - timedelta(days=5)
    assert (body["period"]["first_day"], body["period"]["last_day"]) == (first.isoformat(), last.isoformat())
    assert body["period"]["counted_from"] is None
    inside = int(first <= missed_on <= last)
    assert body["deadline_misses_this_period"] == {"total": inside, "by_kind": {"identification": 1} if inside else {}}
    assert body["projection_lag"] == {"case_summaries": 0, "registry": 0, "reports": 0}

    # Over time (the ops board's pictures): the cases by stage at each two-week period's end, in business time (an
    # opening counts from its clue's date: 20, 13 and 0 days ago), and the deadlines missed in each period.
    trends = stack.services.ops.trends(COUNTY, datetime.now(UTC), periods=3)
    spans = [(first - timedelta(days=14 * k), last - timedelta(days=14 * k)) for k in (2, 1, 0)]
    assert [(t["first_day"], t["last_day"]) for t in trends] == spans
    opened = [stack.today - timedelta(days=d) for d in (20, 13, 0)]
    expected = [sum(1 for o in opened if o <= min(b, stack.today)) for _, b in spans]
    assert [t["stages"].get("identifying", 0) for t in trends] == expected
    assert [t["misses"] for t in trends] == [int(a <= missed_on <= b) for a, b in spans]
    # A plan issued after today (DIXIAN_PLAN_ISSUED_ON set ahead) has no period yet: the default one counts.
    ops, issued = stack.services.ops, stack.services.ops.plan_issued_on
    ops.plan_issued_on = stack.today + timedelta(days=7)
    try:
        assert ops.summary(COUNTY, datetime.now(UTC))["period"]["first_day"] == first
        assert ops.trends(COUNTY, datetime.now(UTC), periods=1)[0]["first_day"] == first
    finally:
        ops.plan_issued_on = issued


async def test_ready_and_metrics_need_no_token_and_hold_no_personal_data(stack: Stack) -> None:
    from tests.integration.support import VISIT, ok, step

    case_id = (await open_case(stack, key=f"m-{uuid.uuid4().hex[:8]}", clue_offset=-20))["case_id"]  # 5 days late
    await ok(stack, case_id, "household-visit", "cadre", {**VISIT, "occurred_at": stack.at(-11)})
    refused = await step(stack, case_id, "village-deliberation", "cadre", {"participants": 0, "outcome": "pass",
                         "minutes_ref": "m", "occurred_at": stack.at(-10)})  # fmt: skip
    assert refused.status_code == 422
    await stack.caught_up()
    r = await stack.http.get("/readyz")
    assert r.status_code == 200 and r.json()["ready"] is True and r.json()["reasons"] == []
    r = await stack.http.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    text = r.text
    assert 'dixian_cases{stage="identifying"} 1' in text
    assert 'dixian_http_requests_total{method="POST",route="/cases",status="201"} ' in text
    assert 'dixian_projection_lag_events{read_model="case_summaries"} 0' in text
    assert 'dixian_deadline_misses{kind="identification"} 1' in text
    # The step counters and histogram live for the process (the session): these steps are among them.
    for metric in ('dixian_case_steps_total{step="household-visit",outcome="recorded"} ',
                   'dixian_case_steps_total{step="village-deliberation",outcome="refused"} ',
                   'dixian_case_step_seconds_count{step="household-visit"} ',
                   'dixian_case_step_seconds_bucket{step="household-visit",le="+Inf"} '):  # fmt: skip
        assert metric in text, metric
    assert "H-0001" not in text and "张三" not in text


async def test_a_workflow_terminated_behind_the_systems_back_is_found_and_restarted(stack: Stack) -> None:
    from temporalio.client import WorkflowExecutionStatus

    from tests.integration.support import VISIT, ok
    from workflows.cases.contracts import workflow_id_for

    case_id = (await open_case(stack, key=f"stuck-{uuid.uuid4().hex[:8]}"))["case_id"]
    healthy = (await open_case(stack, key=f"fine-{uuid.uuid4().hex[:8]}"))["case_id"]
    await stack.caught_up()
    handle = stack.temporal.get_workflow_handle(workflow_id_for(uuid.UUID(case_id)))
    await handle.terminate("an operator's mistake")

    r = await stack.http.get("/ops/stuck", headers=stack.headers("township"))
    assert r.status_code == 200, r.text
    problems = [(i["case_id"], i["problem"]) for i in r.json()["items"]]
    assert problems == [(case_id, "no_running_workflow")] and healthy not in {c for c, _ in problems}
    assert "TERMINATED" in r.json()["items"][0]["detail"]

    r = await stack.http.post("/ops/reconcile", json={"reason": "重启误终止的流程"}, headers=stack.headers("cadre"))
    assert r.status_code == 403
    r = await stack.http.post("/ops/reconcile", json={"reason": "重启误终止的流程"}, headers=stack.headers("township"))
    assert r.status_code == 200 and r.json()["restarted"] == [case_id]
    described = await stack.temporal.get_workflow_handle(workflow_id_for(uuid.UUID(case_id))).describe()
    assert described.status is WorkflowExecutionStatus.RUNNING
    # The restarted workflow adopted the case and takes its next step.
    view = await ok(stack, case_id, "household-visit", "cadre", {**VISIT, "occurred_at": stack.at(-11)})
    assert view["version"] == 2
    await stack.caught_up()
    assert (await stack.http.get("/ops/stuck", headers=stack.headers("township"))).json()["items"] == []
    assert _repairs(stack, case_id) == ["restart_workflow"]  # the repair, with who and why


async def test_an_event_store_that_moved_on_without_the_workflow_is_reported(stack: Stack) -> None:
    from datetime import UTC, datetime

    from domain.kernel.actors import Actor, Role
    from domain.kernel.envelope import Envelope
    from domain.kernel.steps import Step
    from tests.integration.support import VISIT

    case_id = (await open_case(stack, key=f"div-{uuid.uuid4().hex[:8]}"))["case_id"]
    # A step appended straight to the ledger, past the workflow (as a restored backup or a bad migration might).
    from workflows.cases.contracts import STEP_BODIES

    body = STEP_BODIES[Step.HOUSEHOLD_VISIT].model_validate({**VISIT, "occurred_at": stack.at(-11)})
    actor = Actor("cadre-1", Role.VILLAGE_CADRE, VILLAGE, "村干部甲")
    envelope = Envelope(actor, "behind-its-back", datetime.now(UTC), body.occurred_at)
    stack.ledger.cases.take_step(envelope, uuid.UUID(case_id), body.to_command())
    await stack.caught_up()
    r = await stack.http.get("/ops/stuck", headers=stack.headers("township"))
    items = [i for i in r.json()["items"] if i["case_id"] == case_id]
    assert [i["problem"] for i in items] == ["diverged"]
    assert items[0]["detail"] == "the workflow holds version 1, the store 2"

    # Restarted from the event store, the workflow holds what the store holds.
    body = {"case_id": case_id, "action": "restart", "reason": "流程与事件库不一致，按事件库重建"}
    r = await stack.http.post("/ops/repairs", json=body, headers=stack.headers("township", key="restart-1"))
    assert r.status_code == 200, r.text
    assert r.json()["detail"].startswith("terminated run ") and r.json()["detail"].endswith("at version 2")
    handle = stack.temporal.get_workflow_handle(f"case-{case_id}")
    assert await _eventually(lambda: _version(handle), 2)
    r = await stack.http.get("/ops/stuck", headers=stack.headers("township"))
    assert [i for i in r.json()["items"] if i["case_id"] == case_id] == []
    assert _repairs(stack, case_id) == ["restart_workflow"]
    run = (await handle.describe()).run_id
    # The same request again (a timeout's retry, a double click): nothing is terminated or recorded twice.
    r = await stack.http.post("/ops/repairs", json=body, headers=stack.headers("township", key="restart-1"))
    assert r.status_code == 200 and r.json()["repeated"] is True, r.text
    assert (await handle.describe()).run_id == run and _repairs(stack, case_id) == ["restart_workflow"]
    r = await stack.http.post("/ops/repairs", json=body, headers={"Authorization": stack.headers("township")[
        "Authorization"]})  # fmt: skip
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_a_case_with_no_progress_for_long_is_reported(stack: Stack) -> None:
    from datetime import UTC, datetime, timedelta

    from workflows.ops.service import OpsService

    case_id = (await open_case(stack, key=f"idle-{uuid.uuid4().hex[:8]}"))["case_id"]
    await stack.caught_up()
    assert stack.registry.summaries is not None
    ops = OpsService(stack.ledger, stack.registry.summaries, stack.registry.view)
    later = datetime.now(UTC) + timedelta(days=31)  # as it will be a month from now, if nothing happens
    report = await ops.stuck("990102", later, stack.temporal, None, no_progress_days=30)
    assert [(i["case_id"], i["problem"]) for i in report["items"]] == [(case_id, "no_progress")]
    assert (await ops.stuck("990102", datetime.now(UTC), stack.temporal, None))["items"] == []


async def _version(handle: Any) -> int | None:
    from workflows.cases.workflow import CaseWorkflow

    control = await handle.query(CaseWorkflow.view)
    return None if control is None else int(control.version)


async def _eventually(probe: Callable[[], Awaitable[Any]], expected: Any, seconds: float = 30.0) -> bool:
    """Poll ``probe`` until it returns ``expected`` (False after ``seconds``): for what a real server does in time."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        try:
            if await probe() == expected:
                return True
        except Exception:  # not there yet (a workflow starting, a query before the first task)
            pass
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.2)


def _repairs(stack: Stack, case_id: str) -> list[str]:
    """The repair actions recorded for a case, in order (read through the ledger: the store is encrypted)."""
    from domain.audit.checkpoints import entries
    from domain.ops.repairs import RepairRecorded

    found = [e.event for e in entries(stack.ledger) if isinstance(e.event, RepairRecorded)]
    return [f.action for f in found if f.case_id == case_id]


async def _stuck_problems(stack: Stack, case_id: str) -> list[str]:
    r = await stack.http.get("/ops/stuck", headers=stack.headers("township"))
    assert r.status_code == 200, r.text
    return [i["problem"] for i in r.json()["items"] if i["case_id"] == case_id]


async def test_an_open_notice_past_its_last_day_is_listed_until_it_is_closed(stack: Stack) -> None:
    from tests.integration.support import VISIT, ok

    case_id = (await open_case(stack, key=f"notice-{uuid.uuid4().hex[:8]}", clue_offset=-12))["case_id"]
    await ok(stack, case_id, "household-visit", "cadre", {**VISIT, "occurred_at": stack.at(-11)})
    await ok(stack, case_id, "village-deliberation", "cadre",
             {"participants": 15, "outcome": "pass", "minutes_ref": "纪要-1", "occurred_at": stack.at(-10)})  # fmt: skip
    notice = {"action": "post", "start_date": stack.day(-10), "end_date": stack.day(-6), "location": "村务公开栏",
              "occurred_at": stack.at(-10)}  # fmt: skip
    await ok(stack, case_id, "public-notice", "cadre", notice)
    await stack.caught_up()

    r = await stack.http.get("/ops/overdue", headers=stack.headers("cadre"))
    items = [i for i in r.json()["items"] if i["case_id"] == case_id]
    assert [(i["kind"], i["kind_label"], i["days_late"], i["missed_recorded"]) for i in items] == [
        ("notice", "公示期满待结束", 6, False)  # it ran through 6 days ago: its close is 6 days late
    ]
    assert r.json()["by_kind"] == {"notice": 1}
    await ok(stack, case_id, "public-notice", "cadre",
             {"action": "close", "outcome": "no_objection", "occurred_at": stack.at(-5)})  # fmt: skip
    await stack.caught_up()
    r = await stack.http.get("/ops/overdue", headers=stack.headers("cadre"))
    assert [i for i in r.json()["items"] if i["case_id"] == case_id] == []


async def test_a_national_sync_that_keeps_failing_is_listed_and_retried_now(stack: Stack) -> None:
    from tests.integration.support import ok, to_notice_closed

    case_id = (await open_case(stack, key=f"sync-{uuid.uuid4().hex[:8]}"))["case_id"]
    stack.national.unreachable.add(case_id)
    await to_notice_closed(stack, case_id)
    await ok(stack, case_id, "township-review", "township", {"decision": "pass", "occurred_at": stack.at(-4)})
    await ok(stack, case_id, "county-decision", "county",
             {"decision": "approve", "category": "marginal_at_risk", "occurred_at": stack.at(-3)})  # fmt: skip
    await ok(stack, case_id, "announcement", "township", {"location": "村务公开栏", "occurred_at": stack.at(-2)})
    await stack.caught_up()
    # Its retries back off 1 s, 2 s: the third attempt comes within a few seconds.
    assert await _eventually(lambda: _stuck_problems(stack, case_id), ["activity_retrying"])
    r = await stack.http.get("/ops/stuck", headers=stack.headers("township"))
    item = next(i for i in r.json()["items"] if i["case_id"] == case_id)
    assert "sync_national: attempt" in item["detail"] and "unreachable" in item["detail"]

    stack.national.unreachable.discard(case_id)  # the national system is back
    body = {"case_id": case_id, "action": "retry", "reason": "国家系统已恢复，立即重试"}
    r = await stack.http.post("/ops/repairs", json=body, headers=stack.headers("cadre"))
    assert r.status_code == 403
    r = await stack.http.post("/ops/repairs", json=body, headers=stack.headers("township"))
    assert r.status_code == 200, r.text
    assert r.json()["detail"].startswith("sync_national (attempt ")

    def synced() -> int:
        with stack.db() as conn:
            row = conn.execute("SELECT count(*) FROM national_sync_outbox WHERE case_id = %s", (case_id,)).fetchone()
        return 0 if row is None else int(row[0])

    async def synced_async() -> int:
        return synced()

    assert await _eventually(synced_async, 1)
    assert await _eventually(lambda: _stuck_problems(stack, case_id), [])
    assert _repairs(stack, case_id) == ["retry_activity"]
    # Nothing left to retry: the repair says so and records nothing.
    r = await stack.http.post("/ops/repairs", json=body, headers=stack.headers("township"))
    assert r.status_code == 409 and r.json()["errors"][0]["rule"] == "repair_applies"
    assert _repairs(stack, case_id) == ["retry_activity"]


@workflow.defn(name="CaseWorkflow", sandboxed=False)
class BrokenCaseWorkflow:
    """A CaseWorkflow whose code fails on every workflow task, as a bad deployment would."""

    @workflow.run
    async def run(self, state: CaseWorkflowState) -> None:
        raise RuntimeError("a bug in this build of the case workflow")


async def test_a_workflow_task_that_keeps_failing_is_listed_and_restarted_on_good_code(stack: Stack) -> None:
    from datetime import UTC, datetime

    from domain.cases.values import Source
    from domain.kernel.actors import Actor, Role
    from domain.kernel.envelope import Envelope

    case_id = uuid.uuid4()
    stack.ledger.cases.open_case(
        Envelope(Actor("cadre-1", Role.VILLAGE_CADRE, VILLAGE, "村干部甲"), f"broken-{case_id}", datetime.now(UTC)), case_id=case_id, household_number=f"H-BROKEN-{case_id.hex[:6]}", household_head="", village_code=VILLAGE,
        source=Source.SELF_APPLICATION, clue_date=stack.today, reported_risks=[],
    )  # fmt: skip
    await stack.caught_up()
    broken_queue = f"broken-{uuid.uuid4().hex[:8]}"
    async with Worker(stack.temporal, task_queue=broken_queue, workflows=[BrokenCaseWorkflow]):
        await stack.temporal.start_workflow(
            "CaseWorkflow", CaseWorkflowState(case_id=case_id, adopt_existing=True), id=f"case-{case_id}",
            task_queue=broken_queue,
        )  # fmt: skip
        assert await _eventually(lambda: _stuck_problems(stack, str(case_id)), ["workflow_task_failing"])
    r = await stack.http.get("/ops/stuck", headers=stack.headers("township"))
    item = next(i for i in r.json()["items"] if i["case_id"] == str(case_id))
    assert "a bug in this build of the case workflow" in item["detail"]

    body = {"case_id": str(case_id), "action": "restart", "reason": "新版本已部署，重启流程"}
    r = await stack.http.post("/ops/repairs", json=body, headers=stack.headers("county"))
    assert r.status_code == 200, r.text
    handle = stack.temporal.get_workflow_handle(f"case-{case_id}")
    assert await _eventually(lambda: _version(handle), 1)  # the stack's worker runs it, adopted from the store
    assert await _eventually(lambda: _stuck_problems(stack, str(case_id)), [])
    assert _repairs(stack, str(case_id)) == ["restart_workflow"]


async def test_a_workflow_left_without_its_stored_opening_is_listed_after_a_grace_and_restarted(stack: Stack) -> None:
    from domain.kernel.actors import SYSTEM_ACTOR
    from tests.integration.support import lost_opening
    from workflows.ops.service import OPENING_GRACE

    case_id, _ = await lost_opening(stack, f"grace-{uuid.uuid4().hex[:8]}")
    await stack.caught_up()
    ops, now = stack.services.ops, datetime.now(UTC)

    async def problems(at: datetime) -> list[str]:
        items = (await ops.stuck(COUNTY, at, stack.temporal, None))["items"]
        return [i["problem"] for i in items if i["case_id"] == str(case_id)]

    # Within the grace it may be an opening in flight (its local activity retrying): not touched.
    assert await problems(now) == []
    later = now + OPENING_GRACE + timedelta(minutes=1)
    assert await problems(later) == ["opening_not_taken"]
    done = await ops.reconcile(COUNTY, SYSTEM_ACTOR, "periodic reconcile (test)", later, stack.temporal,
                               stack.task_queue)  # fmt: skip
    assert str(case_id) in done["restarted"] and "opening_not_taken" not in done["attention"]
    handle = stack.temporal.get_workflow_handle(f"case-{case_id}")
    assert await _eventually(lambda: _version(handle), 1)  # adopted from the store
    assert await problems(later) == []  # the new run adopts the stored case: it waits for no opening
    again = await ops.reconcile(COUNTY, SYSTEM_ACTOR, "periodic reconcile (test)", later, stack.temporal,
                                stack.task_queue)  # fmt: skip
    assert str(case_id) not in again["restarted"]
    assert _repairs(stack, str(case_id)) == ["restart_workflow"]


async def test_a_repair_of_an_unknown_case_or_a_bad_action_changes_nothing(stack: Stack) -> None:
    unknown = {"case_id": str(uuid.uuid4()), "action": "restart", "reason": "x"}
    r = await stack.http.post("/ops/repairs", json=unknown, headers=stack.headers("township"))
    assert r.status_code == 404 and r.json()["errors"][0]["field"] == "case_id"
    case_id = (await open_case(stack, key=f"bad-{uuid.uuid4().hex[:8]}"))["case_id"]
    for body in ({"case_id": case_id, "action": "delete", "reason": "x"}, {"case_id": case_id, "action": "restart"}):
        r = await stack.http.post("/ops/repairs", json=body, headers=stack.headers("township"))
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert _repairs(stack, case_id) == []


async def test_a_case_entered_late_with_its_steps_dated_in_time_counts_no_miss(stack: Stack) -> None:
    """补录: a case entered today with its clue 20 days ago has its identification deadline (5 days ago) recorded as
    missed at once; its steps, entered next and dated when they happened, met it in time. The recorded miss stays
    in its history, but metrics and the ops views count real misses only."""
    from tests.integration.support import VISIT, walk_over_http
    from tests.scenarios import identification

    case_id = (await open_case(stack, key=f"late-entry-{uuid.uuid4().hex[:6]}", clue_offset=-20))["case_id"]

    async def recorded() -> bool:
        return "DeadlineMissed" in [r["type"] for r in stack.ledger.cases.event_records(uuid.UUID(case_id))]

    assert await _eventually(recorded, True)
    await stack.caught_up()
    assert _misses_of(stack, case_id) == ["identification"]  # the timer's miss, counted while nothing says otherwise
    moves = identification(visit=VISIT, category="marginal_at_risk", cross_check_day=1, notice_day=1, notice_days=5, bodies={
        "cross-check": {"departments": ["公安"]}, "village-deliberation": {"participants": 9, "minutes_ref": "纪要"}})  # fmt: skip
    await walk_over_http(stack, case_id, moves, -19)  # visit 19 days ago … decided 13 days ago: due 5 days ago
    await stack.caught_up()
    view = (await stack.http.get(f"/cases/{case_id}", headers=stack.headers("county"))).json()
    [ident] = [d for d in view["deadlines"] if d["kind"] == "identification"]
    assert ident["met_in_time"] is True and ident["missed_recorded"] is True  # judged by business dates; recorded
    # no real miss of the identification (the plan, due 3 days ago and not made, is one, and counts)
    assert "identification" not in _misses_of(stack, case_id)
    r = await stack.http.get("/ops/overdue", headers=stack.headers("county"))
    assert [i["kind"] for i in r.json()["items"] if i.get("case_id") == case_id] == ["assistance_plan"]  # real


def _misses_of(stack: Stack, case_id: str) -> list[str]:
    """The kinds of the misses the ops views and metrics count for one case (the case list's table of misses)."""
    view = stack.services.summaries
    with view.datastore.transaction(commit=False) as curs:
        curs.execute(f"SELECT kind FROM {view.datastore.schema}.case_deadline_misses WHERE case_id = %s ORDER BY kind",
                     (case_id,))  # fmt: skip
        return [str(r["kind"]) for r in curs.fetchall()]
