"""Objection, township return, rejections and every error class, over HTTP on the real stack."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.conftest import OTHER_VILLAGE, Stack
from tests.integration.support import VISIT, allowed, ok, open_case, step, to_notice_closed
from tests.problems import problem

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def event_types(stack: Stack, case_id: str) -> list[str]:
    r = await stack.http.get(f"/cases/{case_id}/events", headers=stack.headers("inspector"))
    return [e["type"] for e in r.json()]


async def test_objection_sends_case_back_to_deliberation_and_township_return_to_the_village(stack: Stack) -> None:
    case_id = (await open_case(stack, clue_offset=-14))["case_id"]
    await ok(stack, case_id, "household-visit", "cadre", {**VISIT, "occurred_at": stack.at(-13)})
    await ok(
        stack,
        case_id,
        "village-deliberation",
        "cadre",
        {"participants": 12, "outcome": "pass", "minutes_ref": "纪要-1", "occurred_at": stack.at(-13)},
    )
    await ok(
        stack,
        case_id,
        "public-notice",
        "cadre",
        {"action": "post", "start_date": stack.day(-13), "end_date": stack.day(-9), "occurred_at": stack.at(-13)},
    )
    view = await ok(
        stack,
        case_id,
        "public-notice",
        "cadre",
        {
            "action": "objection",
            "objection": "该户有经营性收入未申报",
            "raised_by": "村民",
            "occurred_at": stack.at(-12),
        },
    )
    assert view["status"] == "notice_objected"

    r = await step(
        stack,
        case_id,
        "public-notice",
        "cadre",
        {"action": "close", "outcome": "no_objection", "occurred_at": stack.at(-11)},
    )
    problem(r, 422, "outcome", "objection")
    view = await ok(
        stack,
        case_id,
        "public-notice",
        "cadre",
        {
            "action": "close",
            "outcome": "redeliberate",
            "investigation": "经核实收入已计入",
            "occurred_at": stack.at(-11),
        },
    )
    assert view["status"] == "visit_verified" and "village-deliberation" in allowed(view)

    await ok(
        stack,
        case_id,
        "village-deliberation",
        "cadre",
        {"participants": 14, "outcome": "pass", "minutes_ref": "纪要-2", "occurred_at": stack.at(-11)},
    )
    await ok(
        stack,
        case_id,
        "public-notice",
        "cadre",
        {"action": "post", "start_date": stack.day(-11), "end_date": stack.day(-7), "occurred_at": stack.at(-11)},
    )
    view = await ok(
        stack,
        case_id,
        "public-notice",
        "cadre",
        {"action": "close", "outcome": "no_objection", "occurred_at": stack.at(-6)},
    )
    # 信息比对 not yet recorded: the township review is not offered and is refused.
    assert "township-review" not in allowed(view)
    r = await step(stack, case_id, "township-review", "township", {"decision": "pass", "occurred_at": stack.at(-5)})
    problem(r, 409, "step", "step_order")
    await ok(
        stack,
        case_id,
        "cross-check",
        "county",
        {"departments": ["财政"], "consistent": True, "occurred_at": stack.at(-5)},
    )
    view = await ok(
        stack,
        case_id,
        "township-review",
        "township",
        {"decision": "return", "reason": "评议材料不全", "occurred_at": stack.at(-5)},
    )
    assert view["status"] == "visit_verified"
    assert await event_types(stack, case_id) == [
        "CaseOpened", "HouseholdVisitRecorded", "VillageDeliberationRecorded", "PublicNoticePosted",
        "NoticeObjectionRaised", "PublicNoticeClosed", "VillageDeliberationRecorded", "PublicNoticePosted",
        "PublicNoticeClosed", "CrossCheckRecorded", "TownshipReviewed",
    ]  # fmt: skip


async def test_county_rejection_closes_the_case_and_refuses_further_steps(stack: Stack) -> None:
    case_id = (await open_case(stack))["case_id"]
    await to_notice_closed(stack, case_id)
    await ok(stack, case_id, "township-review", "township", {"decision": "pass", "occurred_at": stack.at(-4)})
    r = await step(stack, case_id, "county-decision", "county", {"decision": "reject", "occurred_at": stack.at(-3)})
    problem(r, 422, "reason", "required")
    view = await ok(
        stack,
        case_id,
        "county-decision",
        "county",
        {"decision": "reject", "reason": "收入核实后高于监测范围", "occurred_at": stack.at(-3)},
    )
    assert view["stage"] == "closed" and view["status"] == "closed_rejected" and view["allowed_steps"] == []
    assert view["deadlines"][0]["met_on"] == stack.day(-3)
    r = await step(stack, case_id, "announcement", "township", {})
    problem(r, 409)


async def test_declined_authorisation_closes_the_case(stack: Stack) -> None:
    case_id = (await open_case(stack))["case_id"]
    view = await ok(
        stack,
        case_id,
        "household-visit",
        "cadre",
        {**VISIT, "authorisation_signed": False, "authorisation_ref": "", "refusal_reason": "不愿申请"},
    )
    assert view["status"] == "closed_not_applied" and view["stage"] == "closed"


async def test_category_the_household_does_not_fit_is_refused(stack: Stack) -> None:
    case_id = (await open_case(stack))["case_id"]
    await to_notice_closed(stack, case_id)
    await ok(stack, case_id, "township-review", "township", {"decision": "pass", "occurred_at": stack.at(-4)})
    # An ordinary household (一般农户) cannot be 脱贫不稳定户.
    r = await step(
        stack, case_id, "county-decision", "county", {"decision": "approve", "category": "unstable_formerly_poor"}
    )
    problem(r, 422, "category", "category_criteria")


async def test_error_classes(stack: Stack) -> None:
    view = await open_case(stack)
    case_id = view["case_id"]

    # 401: no token, a forged token.
    r = await stack.http.get(f"/cases/{case_id}")
    problem(r, 401, "Authorization")
    r = await stack.http.get(f"/cases/{case_id}", headers={"Authorization": "Bearer not-a-token"})
    problem(r, 401)
    # 404: unknown and malformed case ids, for reads and steps.
    problem(await stack.http.get(f"/cases/{uuid.uuid4()}", headers=stack.headers("cadre")), 404)
    problem(await stack.http.get("/cases/nonsense", headers=stack.headers("cadre")), 404)
    problem(await step(stack, str(uuid.uuid4()), "household-visit", "cadre", VISIT), 404)
    problem(await stack.http.post(f"/cases/{case_id}/steps/no-such-step", json={}, headers=stack.headers("cadre")), 404)
    # 409: a step not allowed now; a stale If-Match.
    problem(
        await step(
            stack, case_id, "county-decision", "county", {"decision": "approve", "category": "marginal_at_risk"}
        ),
        409,
        "step",
        "step_order",
    )
    problem(await step(stack, case_id, "household-visit", "cadre", VISIT, if_match='"7"'), 409, "If-Match", "version")
    # 422: invalid payloads name the field; a broken rule names field and rule.
    body = {k: v for k, v in VISIT.items() if k != "visitors"}
    problem(await step(stack, case_id, "household-visit", "cadre", body), 422, "visitors", "missing")
    problem(
        await step(stack, case_id, "household-visit", "cadre", {**VISIT, "unknown": 1}),
        422,
        "unknown",
        "extra_forbidden",
    )
    problem(
        await step(stack, case_id, "household-visit", "cadre", {**VISIT, "household_size": 0}), 422, "household_size"
    )
    r = await stack.http.post(
        f"/cases/{case_id}/steps/household-visit",
        content=b"{not json",
        headers={**stack.headers("cadre"), "Content-Type": "application/json"},
    )
    problem(r, 422)
    problem(
        await step(stack, case_id, "household-visit", "cadre", {**VISIT, "authorisation_ref": ""}),
        422,
        "authorisation_ref",
        "authorisation_reference",
    )
    problem(
        await step(stack, case_id, "household-visit", "cadre", {**VISIT, "occurred_at": stack.at(-20)}),
        422,
        "occurred_at",
        "chronological_order",
    )
    # 403: a role that may not take the step, an actor of another village.
    problem(await step(stack, case_id, "household-visit", "township", VISIT), 403, "role", "step_roles")
    problem(await step(stack, case_id, "household-visit", "other_cadre", VISIT), 404, "case_id", "exists")
    problem(
        await stack.http.get(f"/cases/{case_id}", headers=stack.headers("other_cadre")), 404
    )  # as unknown as a missing one
    # Opening: unknown village, another village, a future clue date.
    headers = stack.headers("cadre")
    base = {"household_number": "H-9", "source": "self_application", "clue_date": stack.day(0)}
    problem(
        await stack.http.post("/cases", json={**base, "village_code": OTHER_VILLAGE}, headers=headers),
        403,
        "area_code",
        "jurisdiction",
    )
    problem(
        await stack.http.post(
            "/cases", json={**base, "village_code": "990102101001", "clue_date": stack.day(2)}, headers=headers
        ),
        422,
        "clue_date",
        "not_in_future",
    )
    problem(
        await stack.http.post("/cases", json={**base, "village_code": "99010210100X"}, headers=headers),
        422,
        "village_code",
    )
    # None of the refused steps changed anything.
    r = await stack.http.get(f"/cases/{case_id}", headers=stack.headers("cadre"))
    assert r.json()["version"] == 1 and await event_types(stack, case_id) == ["CaseOpened"]


async def test_notice_shorter_than_policy_is_refused_naming_the_rule(stack: Stack) -> None:
    case_id = (await open_case(stack))["case_id"]
    await ok(stack, case_id, "household-visit", "cadre", {**VISIT, "occurred_at": stack.at(-11)})
    await ok(
        stack,
        case_id,
        "village-deliberation",
        "cadre",
        {"participants": 9, "outcome": "pass", "minutes_ref": "m", "occurred_at": stack.at(-10)},
    )
    r = await step(
        stack,
        case_id,
        "public-notice",
        "cadre",
        {"action": "post", "start_date": stack.day(-10), "end_date": stack.day(-7)},
    )
    problem(r, 422, "end_date", "notice_min_days")


async def test_repeated_idempotency_key_returns_the_same_result_and_appends_nothing(stack: Stack) -> None:
    first = await open_case(stack, key="open-1")
    again = await open_case(stack, key="open-1")
    assert again == first
    case_id = first["case_id"]
    a = await ok(stack, case_id, "household-visit", "cadre", {**VISIT, "occurred_at": stack.at(-11)}, key="visit-1")
    # Same key, different body: the first result stands (the key names the command, not the payload).
    b = await ok(stack, case_id, "household-visit", "cadre", {**VISIT, "household_size": 9}, key="visit-1")
    assert a == b and b["facts"]["household_visit"]["household_size"] == 4
    assert await event_types(stack, case_id) == ["CaseOpened", "HouseholdVisitRecorded"]
    # A bad key is refused.
    r = await step(stack, case_id, "cross-check", "cadre", {"departments": ["x"], "consistent": True}, key="has space")
    problem(r, 422, "Idempotency-Key", "format")
