"""A damaged record is never served and never a 500: an event that cannot be decrypted, or a ciphertext moved from
one case to another (it decrypts, but its hash chain does not hold), makes every read of that case a problem naming
the record and the version, while verification reports where it broke and the other cases read as before."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from tests.conftest import TEST_COMMAND_KEY, connect
from tests.integration.conftest import Stack
from tests.integration.support import VISIT, ok, open_case
from tests.problems import problem
from worker.cli import main
from workflows.audit.service import read_receipt

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
    assert body["type"].endswith("DamagedRecordError") and f"{a} is damaged at version 2" in body["detail_en"]
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
    assert "version 2" in body["detail_en"] and "cannot be read" in body["detail_en"]
    assert await reads(stack, case_id) == [409] * 5

    r = await stack.http.post(
        "/audit/verify", json={"scope": "case", "case_id": case_id}, headers=stack.headers("inspector")
    )
    report = r.json()
    assert r.status_code == 200 and report["holds"] is False
    assert (report["first_break"]["kind"], report["first_break"]["version"]) == ("altered", 2)

    r = await stack.http.get("/audit/findings", headers=stack.headers("inspector"))
    assert case_id in problem(r, 409)["detail_en"]  # the county's findings name the damaged case, never a 500


async def test_a_write_answers_with_a_signed_receipt_that_outlives_a_deleted_tail(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = str((await open_case(stack))["case_id"])
    r = await stack.http.post(f"/cases/{case_id}/steps/household-visit", json=VISIT, headers=stack.headers("cadre"))
    assert r.status_code == 200, r.text
    receipt = r.headers["X-Dixian-Receipt"]
    claims = read_receipt(receipt, TEST_COMMAND_KEY.public_key)
    stored = stack.services.queries.event_records(uuid.UUID(case_id))
    assert claims is not None and claims["records"] == [[case_id, 2, stored[-1]["hash"]]]
    assert claims["command_id"].startswith("cadre-1:")
    assert read_receipt(receipt, "00" * 32) is None  # another key: not ours
    assert stack.audit.check_receipt(receipt)["stored"] is True

    # The administrator deletes the acknowledged step after it, before any checkpoint covered it: the store alone
    # no longer tells, the caller's receipt does.
    sql(stack, "DELETE FROM cases_events WHERE originator_id = %s AND originator_version = 2", case_id)
    found = stack.audit.check_receipt(receipt)
    assert found["signed"] is True and found["stored"] is False and "no longer stored" in found["problem"]

    monkeypatch.setattr("worker.cli.configure_logging", lambda **_: None)  # the command line says the same
    for key in ("POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_DBNAME", "POSTGRES_USER", "POSTGRES_PASSWORD"):
        monkeypatch.setenv(key, stack.es_env[key])
    monkeypatch.setenv("DIXIAN_AUDIT_KEY", bytes(range(32)).hex())
    monkeypatch.setenv("DIXIAN_COMMAND_PUBLIC_KEY", TEST_COMMAND_KEY.public_key)  # receipts are the API's
    capsys.readouterr()
    with pytest.raises(SystemExit) as done:
        main(["audit", "check-receipt", receipt])
    assert done.value.code == 1 and json.loads(capsys.readouterr().out)["stored"] is False
