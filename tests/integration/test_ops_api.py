"""Operations over HTTP: late and soon-due cases, the summary, readiness and metrics."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.conftest import VILLAGE, Stack
from tests.integration.test_identification_api import open_case

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
    assert body["cases_by_stage"] == {"identifying": 3} and body["past_deadline_now"] == 1
    assert body["projection_lag"] == {"case_summaries": 0, "registry": 0}


async def test_ready_and_metrics_need_no_token_and_hold_no_personal_data(stack: Stack) -> None:
    await open_case(stack, key=f"m-{uuid.uuid4().hex[:8]}")
    await stack.caught_up()
    r = await stack.http.get("/readyz")
    assert r.status_code == 200 and r.json()["ready"] is True and r.json()["reasons"] == []
    r = await stack.http.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    text = r.text
    assert 'dixian_cases{stage="identifying"} 1' in text
    assert 'dixian_http_requests_total{method="POST",route="/cases",status="201"} ' in text
    assert 'dixian_projection_lag_events{read_model="case_summaries"} 0' in text
    assert "H-0001" not in text and "张三" not in text


async def test_a_workflow_terminated_behind_the_systems_back_is_found_and_restarted(stack: Stack) -> None:
    from temporalio.client import WorkflowExecutionStatus

    from tests.integration.test_identification_api import VISIT, ok
    from workflows.contracts import workflow_id_for

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
    with stack.db() as conn:
        row = conn.execute(
            "SELECT count(*) FROM cases_events WHERE topic LIKE %s AND convert_from(state, 'UTF8') LIKE %s",
            ("%RepairRecorded", f"%{case_id}%"),
        ).fetchone()
    assert row is not None and row[0] == 1  # the repair, with who and why


async def test_an_event_store_that_moved_on_without_the_workflow_is_reported(stack: Stack) -> None:
    from datetime import UTC, datetime

    from domain.values import Actor, Role, Step
    from tests.integration.test_identification_api import VISIT

    case_id = (await open_case(stack, key=f"div-{uuid.uuid4().hex[:8]}"))["case_id"]
    # A step appended straight to the ledger, past the workflow (as a restored backup or a bad migration might).
    from workflows.contracts import STEP_BODIES

    body = STEP_BODIES[Step.HOUSEHOLD_VISIT].model_validate({**VISIT, "occurred_at": stack.at(-11)})
    payload = {name: getattr(body, name) for name in type(body).model_fields}
    stack.ledger.take_step(
        case_id=uuid.UUID(case_id), step=Step.HOUSEHOLD_VISIT, action=None, command_id="behind-its-back",
        actor=Actor("cadre-1", Role.VILLAGE_CADRE, VILLAGE, "村干部甲"), now=datetime.now(UTC),
        expected_version=None, payload=payload,
    )  # fmt: skip
    await stack.caught_up()
    r = await stack.http.get("/ops/stuck", headers=stack.headers("township"))
    items = [i for i in r.json()["items"] if i["case_id"] == case_id]
    assert [i["problem"] for i in items] == ["diverged"]
    assert items[0]["detail"] == "the workflow holds version 1, the store 2"


async def test_a_case_with_no_progress_for_long_is_reported(stack: Stack) -> None:
    from datetime import UTC, datetime, timedelta

    from workflows.ops_service import OpsService

    case_id = (await open_case(stack, key=f"idle-{uuid.uuid4().hex[:8]}"))["case_id"]
    await stack.caught_up()
    assert stack.registry.summaries is not None
    ops = OpsService(stack.ledger, stack.registry.summaries, stack.registry.view)
    later = datetime.now(UTC) + timedelta(days=31)  # as it will be a month from now, if nothing happens
    report = await ops.stuck("990102", later, stack.temporal, None, no_progress_days=30)
    assert [(i["case_id"], i["problem"]) for i in report["items"]] == [(case_id, "no_progress")]
    assert (await ops.stuck("990102", datetime.now(UTC), stack.temporal, None))["items"] == []
