"""What the integration tests share to drive cases over HTTP: opening a case, taking a step, and the walks of
``tests.scenarios`` taken through the API with backdated business times."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from domain.registry.rules import id_check_character
from tests.integration.conftest import VILLAGE, Stack
from tests.scenarios import Move, identification, walk


def household_of(
    number: str,
    village: str = VILLAGE,
    size: int = 4,
    labour: int = 2,
    head: str = "张三",
    kind: str = "ordinary",
    ill: bool = True,
) -> dict[str, Any]:
    """The body that registers household ``number`` as VISIT finds it: a head with a chronic illness (因病), ``size``
    members of whom the first ``labour`` can work, the others children in school; ID numbers unique per number."""
    members = []
    for i in range(size):
        able = i < labour
        # each person their own: region, birth date and serial drawn from the number (no two households share one)
        k = int(uuid.uuid5(uuid.NAMESPACE_OID, f"{number}:{i}").hex[:15], 16)
        birth = date((1950 + k % 40) if able else (2010 + k % 8), 1 + k // 40 % 12, 1 + k // 480 % 28)
        first17 = f"{1 + k // 13440 % 9}{k // 120960 % 100000:05d}{birth:%Y%m%d}{k // 12096000000 % 1000:03d}"
        members.append({
            "name": head if i == 0 else f"成员{i}", "id_number": first17 + id_check_character(first17),
            "relation": "head" if i == 0 else "spouse" if able else "child", "sex": "male" if i % 2 == 0 else "female",
            "birth_date": birth.isoformat(), "health": "chronic_illness" if i == 0 and ill else "healthy",
            "labour_skill": "ordinary" if able else "none", "schooling": "not_in_school" if able else "primary",
        })  # fmt: skip
    return {"household_type": kind, "village_code": village, "address": "一组", "phone": "13800001111",
            "members": members, "reason": ""}  # fmt: skip


async def register(stack: Stack, number: str, **kw: Any) -> dict[str, Any]:
    r = await stack.http.put(f"/households/{number}", json=household_of(number, **kw), headers=stack.headers("cadre"))
    assert r.status_code == 200, r.text
    return dict(r.json())


async def open_case(
    stack: Stack,
    key: str | None = None,
    clue_offset: int = -12,
    household: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Open a case over HTTP; for a cadre's screening, of a household registered first if it is not (``household``:
    ``household_of``'s size, labour and kind; its head the ``household_head`` given, if one is)."""
    number = extra.pop("household_number", None) or f"H-0001-{key or uuid.uuid4().hex[:8]}"
    known = await stack.http.get(f"/households/{number}", headers=stack.headers("cadre"))
    if extra.get("source", "cadre_screening") == "cadre_screening" and known.status_code == 404:
        named = {"head": extra["household_head"]} if extra.get("household_head") else {}
        await register(stack, number, village=extra.get("village_code", VILLAGE), **named, **(household or {}))
    body = {
        "household_number": number,
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


VISIT = {  # type, size and labour: the registry's (household_of)
    "visitors": ["李四", "王五"],
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


async def lost_opening(stack: Stack, key: str) -> tuple[uuid.UUID, dict[str, Any]]:
    """What a worker killed mid-opening can leave when the request that admitted the opening has gone too (the
    fault the replica test met): the opening stored by its local activity under the key's command id, and the case's
    workflow running without it, Temporal having dropped the update with its caller. Returns the case id and the
    body that opened it, to send again."""
    from datetime import UTC, datetime

    from domain.cases.values import Source, case_id_for_command
    from domain.kernel.envelope import Envelope
    from tests.integration.conftest import ACTORS
    from workflows.cases.contracts import CaseWorkflowState, workflow_id_for
    from workflows.cases.workflow import CaseWorkflow

    command_id = f"{ACTORS['cadre'].id}:{key}"  # as api.deps.command_id scopes the key to its caller
    case_id = case_id_for_command(command_id)
    body = {"household_number": f"H-LOST-{key}", "village_code": VILLAGE, "source": "self_application",
            "clue_date": stack.today.isoformat()}  # fmt: skip
    await register(stack, body["household_number"])
    stack.ledger.cases.open_case(
        Envelope(ACTORS["cadre"], command_id, datetime.now(UTC)), case_id=case_id,
        household_number=body["household_number"], household_head="", village_code=VILLAGE,
        source=Source.SELF_APPLICATION, clue_date=stack.today, reported_risks=[],
    )  # fmt: skip
    await stack.temporal.start_workflow(
        CaseWorkflow.run, CaseWorkflowState.begin(case_id), id=workflow_id_for(case_id), task_queue=stack.task_queue
    )
    return case_id, body
