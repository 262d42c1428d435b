"""A case's whole life over HTTP on the real stack: identification, assistance, elimination, look-back, rollback, a
second elimination; and a second household from elimination to re-entry as a new, linked case."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from temporalio.service import RPCError

from tests.integration.conftest import Stack
from tests.integration.support import VISIT, ok, open_case, step
from workflows.cases.contracts import workflow_id_for

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def village_to_county(stack: Stack, case_id: str, start: int, county_body: dict[str, Any]) -> dict[str, Any]:
    """Deliberation, a 7-day notice, township review, county decision and announcement, from day ``start``."""
    await ok(
        stack,
        case_id,
        "village-deliberation",
        "cadre",
        {"participants": 15, "outcome": "pass", "minutes_ref": f"纪要{start}", "occurred_at": stack.at(start)},
    )
    await ok(
        stack,
        case_id,
        "public-notice",
        "cadre",
        {
            "action": "post",
            "start_date": stack.day(start),
            "end_date": stack.day(start + 6),
            "occurred_at": stack.at(start),
        },
    )
    await ok(
        stack,
        case_id,
        "public-notice",
        "cadre",
        {"action": "close", "outcome": "no_objection", "occurred_at": stack.at(start + 7)},
    )
    await ok(stack, case_id, "township-review", "township", {"decision": "pass", "occurred_at": stack.at(start + 8)})
    await ok(stack, case_id, "county-decision", "county", {**county_body, "occurred_at": stack.at(start + 9)})
    return await ok(
        stack, case_id, "announcement", "township", {"location": "村务公开栏", "occurred_at": stack.at(start + 10)}
    )


async def identified_and_assisted(stack: Stack, key: str) -> str:
    """A case identified around day -390 and assisted: responsible person, plan, two implemented measures."""
    case_id = (await open_case(stack, key=key, clue_offset=-400))["case_id"]
    await ok(
        stack,
        case_id,
        "household-visit",
        "cadre",
        {**VISIT, "per_capita_net_income": "6000", "occurred_at": stack.at(-399)},
    )
    await ok(
        stack,
        case_id,
        "cross-check",
        "township",
        {"departments": ["人社", "医保"], "consistent": True, "occurred_at": stack.at(-399)},
    )
    view = await village_to_county(stack, case_id, -399, {"decision": "approve", "category": "marginal_at_risk"})
    assert view["stage"] == "monitored" and view["identified_on"] == stack.day(-390)

    person = {
        "name": "赵六",
        "unit": "县农业农村局",
        "phone": "13800000000",
        "start_date": stack.day(-389),
        "occurred_at": stack.at(-389),
    }
    await ok(stack, case_id, "responsible-person", "township", person)
    await ok(
        stack,
        case_id,
        "assistance-plan",
        "cadre",
        {"summary": "医疗救助+务工就业", "planned_categories": ["health", "employment"], "occurred_at": stack.at(-388)},
    )
    health = {
        "action": "add",
        "category": "health",
        "sub_item": "城乡居民基本医疗保险个人缴费补贴",
        "start_date": stack.day(-387),
        "responsible_unit": "县医保局",
        "funds": "380",
        "status": "implemented",
        "targets": ["illness"],
        "occurred_at": stack.at(-387),
    }
    await ok(stack, case_id, "measures", "cadre", health)
    work = {
        "action": "add",
        "category": "employment",
        "sub_item": "劳务输出",
        "start_date": stack.day(-386),
        "responsible_unit": "县人社局",
        "status": "planned",
        "occurred_at": stack.at(-386),
    }
    await ok(stack, case_id, "measures", "cadre", work)
    view = await ok(
        stack, case_id, "measures", "cadre", {"action": "implement", "measure_id": "M2", "occurred_at": stack.at(-380)}
    )
    deadlines = {d["kind"]: d for d in view["deadlines"]}
    assert deadlines["assistance_plan"]["met_on"] == stack.day(-388) and deadlines["assistance_plan"]["met_in_time"]
    assert deadlines["measures"]["met_on"] == stack.day(-387) and deadlines["measures_from_clue"]["met_in_time"]
    assert view["derived_findings"] == [], view["derived_findings"]
    return case_id


async def eliminate(stack: Stack, case_id: str, start: int, income: str) -> dict[str, Any]:
    proposal = {
        "mode": "assisted",
        "per_capita_net_income": income,
        "unresolved_rigid_expenditure": False,
        "labour_capable_members": 2,
        "evidence": "务工收入稳定，医保已缴",
        "occurred_at": stack.at(start),
    }
    await ok(stack, case_id, "elimination-proposal", "cadre", proposal)
    visit = {
        "verifiers": ["乡干部甲", "驻村干部乙"],
        "information_form_ref": "信息采集表-1",
        "measures_form_ref": "措施落实表-1",
        "assessment_form_ref": "评估表-1",
        "occurred_at": stack.at(start + 1),
    }
    await ok(stack, case_id, "elimination-visit", "township", visit)
    return await village_to_county(stack, case_id, start + 1, {"decision": "approve"})


async def national_statuses(stack: Stack, case_id: str, expected: int) -> list[str]:
    for _ in range(100):
        with stack.db() as conn:
            rows = conn.execute(
                "SELECT status FROM national_sync_outbox WHERE case_id = %s ORDER BY version", (case_id,)
            ).fetchall()
        if len(rows) >= expected:
            return [r[0] for r in rows]
        await asyncio.sleep(0.1)
    return [r[0] for r in rows]


async def test_a_case_is_eliminated_rolled_back_and_eliminated_again(stack: Stack) -> None:
    case_id = await identified_and_assisted(stack, "life-1")
    # A review finds the measures ineffective; a re-planned measure rectifies it.
    review = {
        "findings": [{"kind": "not_effective", "description": "务工收入未到位", "found_on": stack.day(-300)}],
        "occurred_at": stack.at(-300),
    }
    view = await ok(stack, case_id, "review", "township", review)
    assert [(f["finding_id"], f["kind_label"], f["rectified"]) for f in view["findings"]] == [
        ("F1", "成效不明显", None)
    ]
    await ok(
        stack,
        case_id,
        "measures",
        "cadre",
        {"action": "change", "measure_id": "M2", "funds": "1500", "occurred_at": stack.at(-295)},
    )
    view = await ok(
        stack,
        case_id,
        "rectification",
        "cadre",
        {"finding_id": "F1", "description": "增加务工补贴", "measure_ids": ["M2"], "occurred_at": stack.at(-294)},
    )
    assert view["findings"][0]["rectified"]["rectified_on"] == stack.day(-294)

    # Too early and too poor: every failed criterion is named.
    r = await step(
        stack,
        case_id,
        "elimination-proposal",
        "cadre",
        {
            "mode": "assisted",
            "per_capita_net_income": "7000",
            "unmet_guarantees": ["housing"],
            "unresolved_rigid_expenditure": True,
            "labour_capable_members": 2,
            "evidence": "x",
            "occurred_at": stack.at(-300),
        },
    )
    assert r.status_code == 422
    rules = {e["rule"] for e in r.json()["errors"]}
    assert rules == {"min_monitoring_period", "income_above_line", "three_guarantees", "rigid_expenditure"}

    view = await eliminate(stack, case_id, -200, "9000")
    assert (view["stage"], view["status"], view["eliminated_on"]) == ("eliminated", "eliminated", stack.day(-189))
    assert view["national_status"]["status"] == "eliminated"

    # 回头看 finds the household unstable; the township asks in writing, the county rolls the elimination back.
    await ok(
        stack,
        case_id,
        "look-back",
        "township",
        {
            "outcome": "unstable",
            "evidence": "务工中断，收入下降",
            "per_capita_net_income": "6500",
            "occurred_at": stack.at(-100),
        },
    )
    await ok(
        stack,
        case_id,
        "rollback-request",
        "township",
        {
            "reason": "收入不稳定",
            "evidence": "回头看记录",
            "document_ref": "乡政〔2026〕12号",
            "occurred_at": stack.at(-99),
        },
    )
    view = await ok(
        stack, case_id, "rollback-decision", "county", {"decision": "approve", "occurred_at": stack.at(-98)}
    )
    assert (view["stage"], view["category"], view["identified_on"]) == (
        "monitored",
        "marginal_at_risk",
        stack.day(-390),
    )
    assert view["eliminated_on"] is None and view["national_status"]["status"] == "rolled_back"

    view = await eliminate(stack, case_id, -60, "9500")
    assert view["stage"] == "eliminated" and len(view["elimination_history"]) == 2

    r = await stack.http.get(f"/cases/{case_id}/events", headers=stack.headers("inspector"))
    types = [e["type"] for e in r.json()]
    assert types.count("RiskEliminated") == 2 and types.count("EliminationRolledBack") == 1
    assert types.index("RollbackRequested") < types.index("EliminationRolledBack")
    procedures = [e["payload"]["procedure"] for e in r.json() if e["type"] == "CountyDecided"]
    assert procedures == ["identification", "elimination", "elimination"]
    assert await national_statuses(stack, case_id, 4) == ["monitored", "eliminated", "rolled_back", "eliminated"]

    # The case list names its responsible person (whom operations call about a late case).
    await stack.caught_up()
    listed = (await stack.http.get("/cases", params={"stage": "eliminated"}, headers=stack.headers("county"))).json()
    assert [c["responsible_person"] for c in listed["items"] if c["case_id"] == case_id] == ["赵六（县农业农村局）"]

    # The inspector's view of that whole life: timeline, an earlier state, a diff, the dossier, verification.
    timeline = (await stack.http.get(f"/cases/{case_id}/timeline", headers=stack.headers("inspector"))).json()
    labels = [e["label"] for e in timeline["events"]]
    assert labels.count("风险消除公告") == 2 and "风险消除回退" in labels and "县级审定（风险消除）" in labels
    first_elimination = next(e["version"] for e in timeline["events"] if e["type"] == "RiskEliminated")
    earlier = (
        await stack.http.get(
            f"/cases/{case_id}/state", params={"version": first_elimination}, headers=stack.headers("inspector")
        )
    ).json()
    assert earlier["stage"] == "eliminated" and len(earlier["elimination_history"]) == 1
    changes = (
        await stack.http.get(
            f"/cases/{case_id}/diff",
            params={"from": first_elimination, "to": len(types)},
            headers=stack.headers("inspector"),
        )
    ).json()["changes"]
    assert any(c["field"] == "elimination_history" for c in changes)
    dossier = (await stack.http.get(f"/cases/{case_id}/dossier", headers=stack.headers("inspector"))).json()
    levels = [(a["level"], a["procedure"]) for a in dossier["approvals"] if a["step"].startswith("县级审定")]
    assert levels == [("县", "identification"), ("县", "elimination"), ("县", "elimination")]
    assert dossier["verification"]["holds"] is True
    verified = await stack.http.post(
        "/audit/verify", json={"scope": "case", "case_id": case_id}, headers=stack.headers("inspector")
    )
    assert verified.json()["holds"] is True and verified.json()["events_checked"] == len(types)


async def test_a_new_risk_after_elimination_opens_a_new_linked_case(stack: Stack) -> None:
    case_id = await identified_and_assisted(stack, "life-2")
    await eliminate(stack, case_id, -200, "9000")
    view = await ok(
        stack,
        case_id,
        "look-back",
        "cadre",
        {
            "outcome": "new_risk",
            "evidence": "户主车祸致残",
            "new_risks": ["accident", "disability"],
            "occurred_at": stack.at(-20),
        },
        key="lb-1",
    )
    new_id = view["new_case_id"]
    assert view["status"] == "re_entered" and view["allowed_steps"] == [] and new_id

    r = await stack.http.get(f"/cases/{new_id}", headers=stack.headers("cadre"))
    new = r.json()
    assert (new["status"], new["previous_case_id"], new["clue_date"]) == ("clue_reported", case_id, stack.day(-20))
    assert new["reported_risks"] == ["accident", "disability"]
    assert new["household"]["household_number"] == view["household"]["household_number"]

    # The new case has a workflow of its own and goes through identification again.
    for _ in range(100):
        try:
            await stack.temporal.get_workflow_handle(workflow_id_for(new_id)).describe()
            break
        except RPCError:
            await asyncio.sleep(0.1)
    visited = await ok(
        stack, new_id, "household-visit", "cadre", {**VISIT, "risks": ["accident"], "occurred_at": stack.at(-19)}
    )
    assert visited["status"] == "visit_verified"
    # The look-back repeated with its key changes nothing and opens no third case.
    again = await step(
        stack,
        case_id,
        "look-back",
        "cadre",
        {"outcome": "new_risk", "evidence": "x", "new_risks": ["other"]},
        key="lb-1",
    )
    assert again.status_code == 200 and again.json()["new_case_id"] == new_id
