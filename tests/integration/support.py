"""What the integration tests share to drive cases over HTTP: opening a case, taking a step, and the walks of
``tests.scenarios`` taken through the API with backdated business times."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from tests.integration.conftest import VILLAGE, Stack
from tests.scenarios import Move, identification, walk


async def open_case(stack: Stack, key: str | None = None, clue_offset: int = -12, **extra: Any) -> dict[str, Any]:
    body = {
        "household_number": f"H-0001-{key or uuid.uuid4().hex[:8]}",
        "household_head": "张三",
        "village_code": VILLAGE,
        "source": "cadre_screening",
        "clue_date": stack.day(clue_offset),
        "reported_risks": ["illness"],
        **extra,
    }
    r = await stack.http.post("/cases", json=body, headers=stack.headers("cadre", key))
    assert r.status_code == 201, r.text
    return r.json()


async def step(stack: Stack, case_id: str, name: str, who: str, body: dict[str, Any], **hdr: Any) -> Any:
    return await stack.http.post(f"/cases/{case_id}/steps/{name}", json=body, headers=stack.headers(who, **hdr))


VISIT = {
    "visitors": ["李四", "王五"],
    "household_type": "ordinary",
    "household_size": 4,
    "labour_capable_members": 2,
    "per_capita_net_income": "6800",
    "rigid_expenditure": "12000",
    "unmet_guarantees": ["medical"],
    "risks": ["illness"],
    "authorisation_signed": True,
    "authorisation_ref": "承诺授权书-2026-001",
}


async def ok(stack: Stack, case_id: str, name: str, who: str, body: dict[str, Any], **hdr: Any) -> dict[str, Any]:
    r = await step(stack, case_id, name, who, body, **hdr)
    assert r.status_code == 200, r.text
    return r.json()


async def walk_over_http(stack: Stack, case_id: str, moves: list[Move], first_offset: int) -> dict[str, Any]:
    """Take a walk (``tests.scenarios``) through the API, each move dated ``first_offset`` + its day from today."""

    async def take(move: Move, body: dict[str, Any]) -> dict[str, Any]:
        occurred_at = stack.at(first_offset + move.day)
        return await ok(stack, case_id, move.step, move.who, {**body, "occurred_at": occurred_at})

    return await walk(moves, stack.today + timedelta(days=first_offset), take)


# The village's part of identification over HTTP, backdated: the visit 11 days ago, the cross-check, deliberation
# and a 5-day notice from 10 days ago, its close 5 days ago. The township review and county decision are each test's.
TO_NOTICE_CLOSED = identification(
    visit=VISIT,
    cross_check_day=1,
    notice_day=1,
    notice_days=5,
    through="public-notice",
    bodies={
        "cross-check": {"departments": ["公安", "人社"]},
        "village-deliberation": {"participants": 15, "minutes_ref": "纪要-1"},
        "public-notice:post": {"location": "村务公开栏"},
    },
)


async def to_notice_closed(stack: Stack, case_id: str) -> dict[str, Any]:
    return await walk_over_http(stack, case_id, TO_NOTICE_CLOSED, -11)


def allowed(view: dict[str, Any]) -> list[str]:
    return [a["step"] for a in view["allowed_steps"]]
