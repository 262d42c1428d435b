"""A damaged record is never served and never a 500: an event that cannot be decrypted, or a ciphertext moved from
one case to another (it decrypts, but its hash chain does not hold), makes every read of that case a problem naming
the record and the version, while verification reports where it broke and the other cases read as before."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import connect
from tests.integration.conftest import Stack
from tests.integration.support import VISIT, ok, open_case
from tests.problems import problem

pytestmark = pytest.mark.asyncio(loop_scope="session")


def sql(stack: Stack, statement: str, *params: Any) -> None:
    with connect(stack.es_env, autocommit=True) as conn:
        conn.execute(statement, params)  # type: ignore[arg-type]


async def visited(stack: Stack) -> str:
    case_id = str((await open_case(stack))["case_id"])
    await ok(stack, case_id, "household-visit", "cadre", VISIT)
    return case_id


async def reads(stack: Stack, case_id: str) -> list[int]:
    paths = ["", "/events", "/timeline", "/state?version=2", "/dossier"]
    return [
        (await stack.http.get(f"/cases/{case_id}{p}", headers=stack.headers("township"))).status_code for p in paths
    ]


async def test_a_ciphertext_moved_from_another_case_is_refused_not_served(stack: Stack) -> None:
    a, b = await visited(stack), await visited(stack)
    # An insider copies B's household visit over A's: it decrypts (one key), but it is not A's second event.
    sql(stack, "UPDATE cases_events SET state = (SELECT state FROM cases_events WHERE originator_id = %s AND "
               "originator_version = 2) WHERE originator_id = %s AND originator_version = 2", b, a)  # fmt: skip

    r = await stack.http.get(f"/cases/{a}", headers=stack.headers("cadre"))
    body = problem(r, 409)
    assert body["type"].endswith("DamagedRecordError") and f"{a} is damaged at version 2" in body["detail"]
    assert await reads(stack, a) == [409] * 5
    assert (await stack.http.get(f"/cases/{b}", headers=stack.headers("cadre"))).status_code == 200

    r = await stack.http.post("/audit/verify", json={"scope": "case", "case_id": a}, headers=stack.headers("county"))
    assert r.status_code == 200, r.text
    assert r.json()["holds"] is False and r.json()["first_break"]["version"] == 2

    step = await stack.http.post(
        f"/cases/{a}/steps/cross-check", json={"departments": ["公安"], "consistent": True},
        headers=stack.headers("township"),
    )  # fmt: skip
    assert step.status_code in (409, 503) and step.status_code != 500  # nothing is added to a damaged record


async def test_an_event_that_cannot_be_decrypted_is_named_and_verification_reports_it(stack: Stack) -> None:
    case_id = await visited(stack)
    sql(stack, "UPDATE cases_events SET state = set_byte(state, 30, get_byte(state, 30) # 1) "
               "WHERE originator_id = %s AND originator_version = 2", case_id)  # fmt: skip

    body = problem(await stack.http.get(f"/cases/{case_id}", headers=stack.headers("cadre")), 409)
    assert "version 2" in body["detail"] and "cannot be read" in body["detail"]
    assert await reads(stack, case_id) == [409] * 5

    r = await stack.http.post(
        "/audit/verify", json={"scope": "case", "case_id": case_id}, headers=stack.headers("inspector")
    )
    report = r.json()
    assert r.status_code == 200 and report["holds"] is False
    assert (report["first_break"]["kind"], report["first_break"]["version"]) == ("altered", 2)

    r = await stack.http.get("/audit/findings", headers=stack.headers("inspector"))
    assert case_id in problem(r, 409)["detail"]  # the county's findings name the damaged case, never a 500
