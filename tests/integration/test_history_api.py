"""Replay and time travel over HTTP: a case's timeline, the case at an earlier moment or version, and a diff."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest

from tests.conftest import TEST_COMMAND_KEY
from tests.integration.conftest import Stack
from tests.integration.support import VISIT, ok, open_case, to_notice_closed

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def a_case_past_its_notice(stack: Stack) -> tuple[str, datetime]:
    case_id = str((await open_case(stack, key=f"history-{uuid.uuid4().hex[:8]}", clue_offset=-12))["case_id"])
    await ok(stack, case_id, "household-visit", "cadre", {**VISIT, "occurred_at": stack.at(-11)})
    await asyncio.sleep(0.01)
    between = datetime.now(UTC)
    await asyncio.sleep(0.01)
    return case_id, between


async def test_the_timeline_reads_every_event_with_its_people_times_and_deadlines(stack: Stack) -> None:
    case_id = str((await open_case(stack, key=f"timeline-{uuid.uuid4().hex[:8]}", clue_offset=-12))["case_id"])
    await to_notice_closed(stack, case_id)
    r = await stack.http.get(f"/cases/{case_id}/timeline", headers=stack.headers("inspector"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert [e["label"] for e in body["events"]] == [
        "发现线索", "入户核实", "信息比对", "村内民主评议", "村内公示", "公示结束",
    ]  # fmt: skip
    assert [e["version"] for e in body["events"]] == list(range(1, 7))
    visit = body["events"][1]
    assert visit["actor"] == {
        "id": "cadre-1", "name": "村干部甲", "role": "village_cadre", "role_label": "村干部/网格员",
        "area_code": "990102101001", "unit": "玉坪村",
    }  # fmt: skip
    assert visit["occurred_at"].startswith(stack.day(-11)) and visit["recorded_at"] > visit["occurred_at"]
    assert len(visit["hash"]) == 64
    identification = next(d for d in body["deadlines"] if d["kind"] == "identification")
    assert identification["due_date"] == stack.day(3) and identification["status"] == "open"
    assert identification["label"] == "识别认定时限" and identification["status_label"] == "未到期"
    assert (identification["counted_in"], identification["counted_in_label"]) == ("calendar", "自然日")  # the seed's
    # Another village's cadre sees nothing of it.
    r = await stack.http.get(f"/cases/{case_id}/timeline", headers=stack.headers("other_cadre"))
    assert r.status_code == 404


async def test_the_case_at_an_earlier_moment_and_version(stack: Stack) -> None:
    case_id, between = await a_case_past_its_notice(stack)
    await ok(
        stack, case_id, "cross-check", "township",
        {"departments": ["公安"], "consistent": True, "occurred_at": stack.at(-10)},
    )  # fmt: skip
    at_moment = await stack.http.get(
        f"/cases/{case_id}/state", params={"at": between.isoformat()}, headers=stack.headers("inspector")
    )
    assert at_moment.status_code == 200, at_moment.text
    assert at_moment.json()["version"] == 2 and at_moment.json()["status"] == "visit_verified"
    assert "cross_check" not in at_moment.json()["facts"]
    at_version = await stack.http.get(f"/cases/{case_id}/state", params={"version": 1}, headers=stack.headers("cadre"))
    assert at_version.json()["version"] == 1 and at_version.json()["status"] == "clue_reported"
    now = await stack.http.get(f"/cases/{case_id}", headers=stack.headers("cadre"))
    assert now.json()["version"] == 3
    for params, rule in (
        ({"version": 9}, "version_range"),
        ({}, "one_of"),
        ({"at": "2001-01-01T00:00:00+08:00"}, "existed"),
        ({"at": "9999-12-31T23:00:00-12:00"}, "date_range"),
        ({"at": "2026-01-01T00:00:00+08:00", "version": 1}, "one_of"),
    ):
        r = await stack.http.get(f"/cases/{case_id}/state", params=params, headers=stack.headers("cadre"))
        assert r.status_code in (404, 422) and r.json()["errors"][0]["rule"] == rule, (params, r.text)


async def test_a_diff_names_what_changed_field_by_field(stack: Stack) -> None:
    case_id, _ = await a_case_past_its_notice(stack)
    r = await stack.http.get(f"/cases/{case_id}/diff", params={"from": 1, "to": 2}, headers=stack.headers("inspector"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["events"] == [{"version": 2, "type": "HouseholdVisitRecorded", "label": "入户核实"}]
    changes = {c["field"]: c for c in body["changes"]}
    assert changes["version"] == {"field": "version", "from": 1, "to": 2}
    assert changes["status"]["from"] == "clue_reported" and changes["status"]["to"] == "visit_verified"
    assert changes["labour_capable_members"]["to"] == 2  # the registry's (support.household_of), read by the visit
    assert "facts.household_visit.per_capita_net_income" in changes
    assert not any(c["field"].startswith("opened_by") for c in body["changes"])  # unchanged fields are not listed
    r = await stack.http.get(f"/cases/{case_id}/diff", params={"from": 1, "to": 7}, headers=stack.headers("inspector"))
    assert r.status_code == 422


async def test_the_dossier_holds_timeline_approvals_deadlines_findings_and_proofs(stack: Stack) -> None:
    from tests.integration.conftest import AUDIT_KEY
    from workflows.audit.service import verify_export

    case_id = str((await open_case(stack, key=f"dossier-{uuid.uuid4().hex[:8]}", clue_offset=-12))["case_id"])
    await to_notice_closed(stack, case_id)
    await ok(stack, case_id, "township-review", "township", {"decision": "pass", "occurred_at": stack.at(-4)})
    stack.audit.checkpoint(datetime.now(UTC))
    r = await stack.http.get(f"/cases/{case_id}/dossier", headers=stack.headers("inspector"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert [e["label"] for e in body["timeline"]][-1] == "乡镇审核"
    assert [(a["level"], a["step"], a["decision"]) for a in body["approvals"]] == [
        ("村", "村内民主评议", "pass"), ("村", "公示结束", "no_objection"), ("乡镇", "乡镇审核", "pass"),
    ]  # fmt: skip
    assert {d["kind"] for d in body["deadlines"]} == {"identification"}
    assert body["findings"] == [] and body["verification"]["holds"] is True
    verified = verify_export(body["proofs"], AUDIT_KEY.public_key, TEST_COMMAND_KEY.public_key)
    assert verified["holds"] is True and verified["content_masked"] > 0  # the inspector's proofs: chain and roots
    # The manifest is the API's statement, signed with its own key: the API holds no audit key to sign it with.
    assert body["proofs"]["manifest_public_key"] == TEST_COMMAND_KEY.public_key != AUDIT_KEY.public_key
    assert "manifest" in verify_export(body["proofs"], AUDIT_KEY.public_key)["problem"]
    county = (await stack.http.get(f"/cases/{case_id}/dossier", headers=stack.headers("county"))).json()
    assert (
        verify_export(county["proofs"], AUDIT_KEY.public_key, TEST_COMMAND_KEY.public_key)["content_masked"] == 0
    )  # every hash recomputed
    r = await stack.http.get(f"/cases/{case_id}/dossier", headers=stack.headers("other_cadre"))
    assert r.status_code == 404
