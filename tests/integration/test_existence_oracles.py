"""Nothing tells a caller whether a record exists outside their area: a case, household or staff member of another
village, and a screening of another village's household, are answered exactly as ones that do not exist — the same
status, the same problem type, the same message."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from domain.kernel.actors import Actor, Role
from domain.kernel.envelope import Envelope
from domain.registry.rules import StaffRecord
from domain.registry.values import StaffIdentity
from tests.integration.conftest import VILLAGE, Stack
from tests.integration.registry_support import household
from tests.integration.support import open_case

pytestmark = pytest.mark.asyncio(loop_scope="session")
TOWNSHIP_ACTOR = Actor("township-1", Role.TOWNSHIP_REVIEWER, "990102101", "乡镇审核员")


def shape(response: Any, asked: str, instead: str) -> tuple[int, str, str, str]:
    """What a caller learns: status, type and message, in Chinese and in the refusal's own words (with the id they
    asked for put back as the other one)."""
    body = response.json()
    own = body.get("detail_en", "")
    return response.status_code, body["type"], body["detail"].replace(asked, instead), own.replace(asked, instead)


async def test_another_villages_records_are_as_unknown_as_records_that_do_not_exist(stack: Stack) -> None:
    now = datetime.now(UTC)
    stack.ledger.registry.register_household(
        Envelope(TOWNSHIP_ACTOR, "oracle-reg", now), household("HH-ORACLE-1", VILLAGE, 95), reason="x"
    )
    stack.ledger.registry.register_staff(
        Envelope(TOWNSHIP_ACTOR, "oracle-staff", now),
        StaffRecord("S-ORACLE", "网格员神谕", StaffIdentity.GRID_WORKER, VILLAGE, "13912345678"), reason="x",
    )  # fmt: skip
    case_id = str((await open_case(stack))["case_id"])
    await stack.caught_up()
    neighbour = stack.headers("other_cadre")
    missing_case = str(uuid.uuid4())
    pairs = [
        (f"/cases/{case_id}", f"/cases/{missing_case}", case_id, missing_case),
        (f"/cases/{case_id}/timeline", f"/cases/{missing_case}/timeline", case_id, missing_case),
        ("/households/HH-ORACLE-1", "/households/HH-NOBODY-1", "HH-ORACLE-1", "HH-NOBODY-1"),
        ("/staff/S-ORACLE", "/staff/S-NOBODY", "S-ORACLE", "S-NOBODY"),
    ]
    for existing, missing, asked, instead in pairs:
        there = await stack.http.get(existing, headers=neighbour)
        absent = await stack.http.get(missing, headers=neighbour)
        assert there.status_code == 404, (existing, there.text)
        assert shape(there, asked, instead) == shape(absent, instead, instead), existing
        assert (await stack.http.get(existing, headers=stack.headers("cadre"))).status_code == 200  # the own village

    await stack.caught_up()  # the case is listed: a step on it is judged before the workflow is asked
    cross_check = {"departments": ["公安"], "consistent": True}
    there = await stack.http.post(f"/cases/{case_id}/steps/cross-check", json=cross_check, headers=neighbour)
    absent = await stack.http.post(f"/cases/{missing_case}/steps/cross-check", json=cross_check, headers=neighbour)
    assert there.status_code == 404 and shape(there, case_id, missing_case) == shape(absent, missing_case, missing_case)

    screening = {"screened_on": stack.day(0), "method": "in_person", "screener": "S-OTHER",
                 "findings": {"wage_income": "90000"}}  # fmt: skip
    there = await stack.http.post("/households/HH-ORACLE-1/screenings", json=screening, headers=neighbour)
    absent = await stack.http.post("/households/HH-NOBODY-1/screenings", json=screening, headers=neighbour)
    assert shape(there, "HH-ORACLE-1", "HH-NOBODY-1") == shape(absent, "HH-NOBODY-1", "HH-NOBODY-1")
    assert there.status_code == 404
