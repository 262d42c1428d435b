"""部门筛查预警 over HTTP on the real stack (issue 21): a department's file in, matched by ID number to the registered
household, routed to its village, the deadline's durable timer armed, the village's verification opening the case
(source 部门筛查预警, the alert as its clue); the department sees outcomes only; the same fact pushed twice is one
alert."""

from __future__ import annotations

import io
import uuid
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from tests.integration.alert_support import XLSX, alert_file
from tests.integration.conftest import TOWNSHIP, VILLAGE, Stack
from tests.integration.support import household_of, register

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_department_file_is_matched_routed_timed_verified_and_opens_a_case(stack: Stack) -> None:
    number = f"HH-AL-{uuid.uuid4().hex[:6]}"
    await register(stack, number)
    head = household_of(number)["members"][0]
    template = await stack.http.get("/alerts/template", headers=stack.headers("medical"))
    assert template.status_code == 200
    assert "医疗费用个人负担较重" in str(list(load_workbook(io.BytesIO(template.content))["填写说明"].values))
    row = [head["id_number"], head["name"], "医疗费用个人负担较重", stack.day(-5), "23800", "住院自付", "YB-1", ""]
    bad = await stack.http.post("/alerts/files", content=alert_file([row, [*row[:3], "昨天", *row[4:]]]),
                                headers={**stack.headers("medical"), "Content-Type": XLSX})  # fmt: skip
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "row 3.occurred_on"
    assert head["id_number"] not in bad.text  # no personal value in a refusal

    key = uuid.uuid4().hex
    r = await stack.http.post("/alerts/files", content=alert_file([row]),
                              headers={**stack.headers("medical", key=key), "Content-Type": XLSX,
                                       "X-File-Name": quote("2024-03医保预警.xlsx")})  # fmt: skip
    assert r.status_code == 200, r.text
    [item] = r.json()["items"]
    assert (item["status"], item["duplicate"], item["verify_due"]) == ("pending", False, stack.day(3))
    assert number not in r.text and VILLAGE not in r.text  # the department learns nothing of the household
    alert_number = item["alert_number"]
    # the deadline's durable timer runs in Temporal, holding the numbers and the day only
    timers = [w async for w in stack.temporal.list_workflows("WorkflowType = 'DiscoveryDeadlineWorkflow'")]
    assert any(w.status is not None for w in timers)
    again = await stack.http.post("/alerts", headers=stack.headers("medical"), json={"alerts": [{
        "id_number": head["id_number"], "name": head["name"], "kind": "medical_cost", "occurred_on": stack.day(-5),
        "amount": "23800.00"}]})  # fmt: skip
    assert again.json()["items"][0] | {} and again.json()["duplicates"] == 1  # the same fact: the same alert
    assert again.json()["items"][0]["alert_number"] == alert_number

    # the department reads its own alert's outcome only; another department, nothing; and nothing else of Dixian
    assert (await stack.http.get(f"/alerts/{alert_number}", headers=stack.headers("education"))).status_code == 404
    r = await stack.http.get(f"/households/{number}", headers=stack.headers("medical"))
    assert r.status_code == 403 and r.json()["errors"][0]["rule"] == "department_scope"
    await stack.caught_up()
    listed = (await stack.http.get("/alerts", headers=stack.headers("medical"))).json()["items"]
    assert alert_number in [a["alert_number"] for a in listed] and "household_number" not in listed[0]
    inbox = (await stack.http.get("/alerts?status=pending", headers=stack.headers("cadre"))).json()["items"]
    mine = next(a for a in inbox if a["alert_number"] == alert_number)
    assert (mine["household_number"], mine["village_code"]) == (number, VILLAGE)
    assert alert_number not in str((await stack.http.get("/alerts", headers=stack.headers("other_cadre"))).json())

    summary = f"/discovery/summary?from={stack.day(0)}&to={stack.day(0)}"
    before = (await stack.http.get(summary, headers=stack.headers("township"))).json()["alerts"]
    verify = f"/alerts/{alert_number}/verify"
    r = await stack.http.post(verify, json={"outcome": "not_at_risk", "reason": "x", "evidence": "y"},
                              headers=stack.headers("medical"))  # fmt: skip
    assert r.status_code == 403
    vkey = uuid.uuid4().hex
    r = await stack.http.post(verify, json={"outcome": "risk_confirmed"}, headers=stack.headers("cadre", key=vkey))
    assert r.status_code == 200, r.text
    verified = r.json()
    assert (verified["status"], verified["verified_late"]) == ("confirmed", False)
    case_id = verified["verification"]["case_id"]
    again = await stack.http.post(verify, json={"outcome": "risk_confirmed"}, headers=stack.headers("cadre", key=vkey))
    assert again.json()["verification"]["case_id"] == case_id  # a retry opens no second case
    await stack.caught_up()
    after = (await stack.http.get(summary, headers=stack.headers("township"))).json()["alerts"]
    medical = [next(r for r in f["rows"] if r["department"] == "medical_insurance") for f in (before, after)]
    assert medical[1]["confirmed"] - medical[0]["confirmed"] == 1 and medical[1]["pending"] == medical[0]["pending"] - 1
    assert medical[1]["in_time"] - medical[0]["in_time"] == 1  # converted to a case, verified in time
    assert (await stack.http.get(summary, headers=stack.headers("medical"))).status_code == 403
    case = (await stack.http.get(f"/cases/{case_id}", headers=stack.headers("township"))).json()
    assert (case["source"], case["clue_date"]) == ("department_alert", stack.day(0))
    outcome = (await stack.http.get(f"/alerts/{alert_number}", headers=stack.headers("medical"))).json()
    assert (outcome["status"], outcome["status_label"]) == ("confirmed", "风险属实，已纳入监测")
    assert case_id not in str(outcome) and number not in str(outcome)

    # a second fact of the same household now lands in its open case: attached, nothing to verify
    r = await stack.http.post("/alerts", headers=stack.headers("medical"), json={"alerts": [{
        "id_number": head["id_number"], "name": head["name"], "kind": "medical_cost", "occurred_on": stack.day(-1),
        "amount": "5000"}]})  # fmt: skip
    assert r.json()["items"][0]["status"] == "attached"


async def test_a_person_not_registered_is_verified_where_the_department_says_or_by_the_county(stack: Stack) -> None:
    stranger = "990102197501090771"  # a valid number registered nowhere
    from domain.registry.rules import id_check_character

    stranger = stranger[:17] + id_check_character(stranger[:17])
    r = await stack.http.post("/alerts", headers=stack.headers("education"), json={"alerts": [
        {"id_number": stranger, "name": "王某", "kind": "school_dropout", "occurred_on": stack.day(-3)},
        {"id_number": stranger, "name": "王某", "kind": "school_dropout", "occurred_on": stack.day(-2),
         "area_code": TOWNSHIP},
    ]})  # fmt: skip
    assert r.status_code == 200, r.text
    county, routed = r.json()["items"]
    assert county["status"] == routed["status"] == "pending"  # the answer tells the department nothing of the registry
    # no place named: the county's to verify (the township does not see it)
    assert (
        await stack.http.get(f"/alerts/{county['alert_number']}", headers=stack.headers("township"))
    ).status_code == 404
    r = await stack.http.post(f"/alerts/{county['alert_number']}/verify", headers=stack.headers("county"),
                              json={"outcome": "not_registered", "reason": "全县农户信息库中无此人"})  # fmt: skip
    assert r.status_code == 200 and r.json()["status"] == "returned"
    # routed to the township only: its village cadre does not see it, the township does and sends it back
    assert (
        await stack.http.get(f"/alerts/{routed['alert_number']}", headers=stack.headers("cadre"))
    ).status_code == 404
    r = await stack.http.post(f"/alerts/{routed['alert_number']}/verify", headers=stack.headers("township"),
                              json={"outcome": "not_registered", "reason": "经查该生户籍已迁出本乡"})  # fmt: skip
    assert r.status_code == 200 and r.json()["status"] == "returned"
    seen = (await stack.http.get(f"/alerts/{routed['alert_number']}", headers=stack.headers("education"))).json()
    assert seen["returned_reason"] == "经查该生户籍已迁出本乡"
    # both matched no registered person: the inspection rules find them (DC-03), each with its alert's stream
    await stack.caught_up()
    found = (await stack.http.get("/audit/findings?rule=DC-03", headers=stack.headers("inspector"))).json()
    numbers = {i["detail"].split(":")[0] for i in found["items"]}
    assert {county["alert_number"], routed["alert_number"]} <= numbers
    assert stranger not in str(found)
