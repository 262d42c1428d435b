"""A monitoring case taken through identification over HTTP, on the real stack."""

from __future__ import annotations

import asyncio

import pytest

from tests.integration.conftest import COUNTY, TOWNSHIP, VILLAGE, Stack
from tests.integration.support import allowed, ok, open_case, to_notice_closed
from workflows.cases import search_attributes as sa
from workflows.cases.contracts import workflow_id_for

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_case_from_clue_to_announcement_is_monitored_with_every_step_stored(stack: Stack) -> None:
    view = await open_case(stack, key="open-happy")
    case_id = view["case_id"]
    assert view["status"] == "clue_reported" and allowed(view) == ["household-visit"]
    assert view["deadlines"][0]["due_date"] == stack.day(3)  # clue date + 15 days

    view = await to_notice_closed(stack, case_id)
    assert view["status"] == "notice_closed" and "township-review" in allowed(view)
    view = await ok(stack, case_id, "township-review", "township", {"decision": "pass", "occurred_at": stack.at(-4)})
    assert set(view["eligible_categories"]) == {"marginal_at_risk", "sudden_hardship"}
    view = await ok(
        stack,
        case_id,
        "county-decision",
        "county",
        {"decision": "approve", "category": "marginal_at_risk", "occurred_at": stack.at(-3)},
    )
    view = await ok(stack, case_id, "announcement", "township", {"location": "村务公开栏", "occurred_at": stack.at(-2)})

    assert view["stage"] == "monitored" and view["category_label"] == "边缘易致贫户"
    assert view["identified_on"] == stack.day(-3)
    assert view["deadlines"][0]["met_in_time"] is True and view["overdue"] is False

    r = await stack.http.get(f"/cases/{case_id}", headers=stack.headers("inspector"))
    assert (
        r.status_code == 200 and r.json()["version"] == view["version"] and r.headers["ETag"] == f'"{view["version"]}"'
    )

    r = await stack.http.get(f"/cases/{case_id}/events", headers=stack.headers("cadre"))
    types = [e["type"] for e in r.json()]
    assert types == [
        "CaseOpened", "HouseholdVisitRecorded", "CrossCheckRecorded", "VillageDeliberationRecorded",
        "PublicNoticePosted", "PublicNoticeClosed", "TownshipReviewed", "CountyDecided", "ResultAnnounced",
    ]  # fmt: skip
    first = r.json()[1]
    assert first["actor"]["role"] == "village_cadre" and first["actor"]["area_code"] == VILLAGE
    assert first["occurred_at"].startswith(stack.day(-11)) and first["recorded_at"] and first["command_id"]

    # The same events, read back from PostgreSQL itself, in version order.
    with stack.db() as conn:
        rows = conn.execute(
            "SELECT originator_version, topic FROM cases_events WHERE originator_id = %s ORDER BY originator_version",
            (case_id,),
        ).fetchall()
    assert [v for v, _ in rows] == list(range(1, 10))
    assert [t.rsplit(":", 1)[1] for _, t in rows] == types  # topics are domain.events:<event>

    # The workflow's search attributes follow the case (no personal data in them).
    desc = await stack.temporal.get_workflow_handle(workflow_id_for(view["case_id"])).describe()
    attrs = desc.typed_search_attributes
    assert attrs.get(sa.CASE_STAGE) == "monitored"
    assert (attrs.get(sa.VILLAGE_CODE), attrs.get(sa.TOWNSHIP_CODE), attrs.get(sa.COUNTY_CODE)) == (
        VILLAGE,
        TOWNSHIP,
        COUNTY,
    )

    # The list read model catches up and filters by area and stage.
    for _ in range(50):
        r = await stack.http.get("/cases", params={"stage": "monitored"}, headers=stack.headers("township"))
        if [c["case_id"] for c in r.json()["items"]] == [case_id]:
            break
        await asyncio.sleep(0.1)
    assert [c["case_id"] for c in r.json()["items"]] == [case_id]
    r = await stack.http.get("/cases", params={"stage": "monitored"}, headers=stack.headers("other_cadre"))
    assert r.json()["items"] == []
