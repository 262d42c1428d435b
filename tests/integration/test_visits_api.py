"""走访清单 over HTTP (issue 21): one list per cadre joining the campaign's screening, the identification's household
visit and the department alerts' verification, one stop per household; recording the visit once fills each task it
served (避免重复进村入户, seed plan §四(三))."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domain.campaigns.values import Milestone
from domain.discovery.alert_commands import AlertRecord
from domain.discovery.values import AlertKind
from domain.kernel.actors import Actor, Role
from domain.kernel.envelope import Envelope
from domain.registry.rules import StaffRecord
from domain.registry.values import StaffIdentity
from tests.integration.conftest import ACTORS, OTHER_VILLAGE, VILLAGE, Stack
from tests.integration.support import household_of, open_case, register

pytestmark = pytest.mark.asyncio(loop_scope="session")
TOWNSHIP_ACTOR = Actor("township-1", Role.TOWNSHIP_REVIEWER, "990102101", "乡镇审核员")


async def test_one_visit_fills_the_screening_the_household_visit_and_the_alert(stack: Stack) -> None:
    now, tag = datetime.now(UTC), uuid.uuid4().hex[:6]
    case = await open_case(stack, key=f"visit-{tag}", clue_offset=-1)  # waiting for its household visit
    number = case["household"]["household_number"]
    quiet = f"HH-VQ-{tag}"
    await register(stack, quiet)  # only the campaign's screening takes a cadre there
    stack.ledger.registry.register_staff(Envelope(TOWNSHIP_ACTOR, f"s-{tag}", now),
                                         StaffRecord(f"S-V{tag}", "走访员", StaffIdentity.GRID_WORKER, VILLAGE),
                                         reason="x")  # fmt: skip
    campaign = uuid.uuid4()
    stack.ledger.campaigns.start_campaign(
        Envelope(TOWNSHIP_ACTOR, f"camp-{tag}", now), campaign_id=campaign, name="走访测试攻坚", scope=[VILLAGE],
        starts_on=stack.today - timedelta(days=2),
        milestones={m: stack.today + timedelta(days=5 + i) for i, m in enumerate(Milestone)},
    )  # fmt: skip
    head = household_of(number)["members"][0]
    [alert] = stack.ledger.alerts.push(Envelope(ACTORS["medical"], f"al-{tag}", now), [AlertRecord(
        id_number=head["id_number"], name=head["name"], kind=AlertKind.MEDICAL_COST, occurred_on=stack.today,
        amount=Decimal("18000"))], via="api")  # fmt: skip
    assert alert.alert.status == "attached"  # the household has its open case: nothing to verify at the door
    await stack.caught_up()

    r = await stack.http.get("/visits?period=week", headers=stack.headers("cadre"))
    assert r.status_code == 200, r.text
    stops = {s["household_number"]: s for s in r.json()["stops"]}
    assert [t["kind"] for t in stops[number]["tasks"]] == ["screening", "household_visit"]  # one stop, two tasks
    assert stops[number]["tasks"][1]["bring"].startswith("《防止返贫动态监测排查/核查表》")
    assert [t["kind"] for t in stops[quiet]["tasks"]] == ["screening"]
    assert stops[quiet]["tasks"][0]["detail"] == "走访测试攻坚" and stops[quiet]["address"] == "一组"
    order = [s["village_code"] for s in r.json()["stops"]]
    assert order == sorted(order)  # by village, then natural village (the address)
    other = await stack.http.get("/visits", headers=stack.headers("other_cadre"))
    assert number not in other.text and quiet not in other.text
    r = await stack.http.get(f"/visits?area_code={OTHER_VILLAGE}", headers=stack.headers("cadre"))
    assert r.status_code == 403

    key = uuid.uuid4().hex
    body = {"household_number": number, "visited_on": stack.day(0), "screener": f"S-V{tag}",
            "visitors": ["李四", "王五"], "findings": {"wage_income": "8000", "medical_expenditure": "26000",
                                                     "risks": ["illness"]},
            "authorisation_signed": True, "authorisation_ref": f"承诺授权书-{tag}"}  # fmt: skip
    r = await stack.http.post("/visits", json=body, headers=stack.headers("cadre", key=key))
    assert r.status_code == 201, r.text
    served = {s["kind"]: s for s in r.json()["served"]}
    assert served["screening"]["ref"] == str(campaign) and served["household_visit"]["ref"] == case["case_id"]
    view = (await stack.http.get(f"/cases/{case['case_id']}", headers=stack.headers("cadre"))).json()
    assert view["status"] == "visit_verified"
    again = await stack.http.post("/visits", json=body, headers=stack.headers("cadre", key=key))
    assert again.json()["visit_id"] == r.json()["visit_id"]  # the same visit: nothing done twice
    after = (await stack.http.get(f"/cases/{case['case_id']}", headers=stack.headers("cadre"))).json()
    assert after["version"] == view["version"]
    await stack.caught_up()
    r = await stack.http.get("/visits?period=week", headers=stack.headers("cadre"))
    assert number not in {s["household_number"] for s in r.json()["stops"]}  # every task of its stop done
    r = await stack.http.post("/visits", json=body, headers=stack.headers("other_cadre"))
    assert r.status_code == 404  # another village's household: as if there were none


async def test_a_visit_finding_no_risk_verifies_the_alert_waiting_at_the_door(stack: Stack) -> None:
    now, tag = datetime.now(UTC), uuid.uuid4().hex[:6]
    number = f"HH-VA-{tag}"
    await register(stack, number)
    stack.ledger.registry.register_staff(Envelope(TOWNSHIP_ACTOR, f"s-{tag}", now),
                                         StaffRecord(f"S-A{tag}", "走访员", StaffIdentity.GRID_WORKER, VILLAGE),
                                         reason="x")  # fmt: skip
    head = household_of(number)["members"][0]
    [alert] = stack.ledger.alerts.push(Envelope(ACTORS["medical"], f"al-{tag}", now), [AlertRecord(
        id_number=head["id_number"], name=head["name"], kind=AlertKind.MEDICAL_COST, occurred_on=stack.today,
        amount=Decimal("9000"))], via="api")  # fmt: skip
    await stack.caught_up()
    stops = (await stack.http.get("/visits", headers=stack.headers("cadre"))).json()["stops"]
    mine = next(s for s in stops if s["household_number"] == number)
    assert [(t["kind"], t["ref"]) for t in mine["tasks"]] == [("alert", alert.alert.number)]
    body = {"household_number": number, "visited_on": stack.day(0), "screener": f"S-A{tag}", "visitors": ["李四"],
            "findings": {"wage_income": "90000", "medical_expenditure": "9000"}}  # fmt: skip
    r = await stack.http.post("/visits", json=body, headers=stack.headers("cadre"))
    assert r.status_code == 201, r.text
    assert {(s["kind"], s["result"]) for s in r.json()["served"]} == {("screening", "not_at_risk"),
                                                                       ("alert", "not_at_risk")}  # fmt: skip
    verified = (await stack.http.get(f"/alerts/{alert.alert.number}", headers=stack.headers("cadre"))).json()
    assert verified["status"] == "not_at_risk" and "走访" in verified["verification"]["evidence"]
    seen = (await stack.http.get(f"/alerts/{alert.alert.number}", headers=stack.headers("medical"))).json()
    assert seen["status_label"] == "经核实无返贫致贫风险" and "evidence" not in str(seen)


async def test_a_visit_finding_the_risk_opens_the_case_and_confirms_the_alert_and_a_retry_does_nothing_twice(
    stack: Stack,
) -> None:
    now, tag = datetime.now(UTC), uuid.uuid4().hex[:6]
    number = f"HH-VR-{tag}"
    await register(stack, number)
    stack.ledger.registry.register_staff(Envelope(TOWNSHIP_ACTOR, f"s-{tag}", now),
                                         StaffRecord(f"S-R{tag}", "走访员", StaffIdentity.GRID_WORKER, VILLAGE),
                                         reason="x")  # fmt: skip
    head = household_of(number)["members"][0]
    [alert] = stack.ledger.alerts.push(Envelope(ACTORS["medical"], f"al-{tag}", now), [AlertRecord(
        id_number=head["id_number"], name=head["name"], kind=AlertKind.MEDICAL_COST, occurred_on=stack.today,
        amount=Decimal("36000"))], via="api")  # fmt: skip
    await stack.caught_up()
    body = {"household_number": number, "visited_on": stack.day(0), "screener": f"S-R{tag}", "visitors": ["李四"],
            "findings": {"wage_income": "3000", "medical_expenditure": "36000", "risks": ["illness"]}}  # fmt: skip
    key = uuid.uuid4().hex
    r = await stack.http.post("/visits", json=body, headers=stack.headers("cadre", key=key))
    assert r.status_code == 201, r.text
    served = {s["kind"]: s for s in r.json()["served"]}
    assert served["screening"]["result"] == "at_risk" and served["alert"]["result"] == "risk_confirmed"
    case_id = served["open_case"]["ref"]
    verified = (await stack.http.get(f"/alerts/{alert.alert.number}", headers=stack.headers("cadre"))).json()
    assert (verified["status"], verified["verification"]["case_id"]) == ("confirmed", case_id)
    await stack.caught_up()
    screenings = len(
        (await stack.http.get(f"/households/{number}", headers=stack.headers("cadre"))).json()["screenings"]
    )
    again = await stack.http.post("/visits", json=body, headers=stack.headers("cadre", key=key))
    assert again.json() == r.json()  # the visit as recorded: no second screening, case or verification
    await stack.caught_up()
    household = (await stack.http.get(f"/households/{number}", headers=stack.headers("cadre"))).json()
    assert len(household["screenings"]) == screenings == 1 and household["open_cases"] == [case_id]
