"""Over HTTP, a case knows its household from the registry (issue 19): an unregistered number is refused to a
cadre's screening, the case shows where each household fact came from, and what the registry recorded since."""

from __future__ import annotations

import uuid
from typing import Any

from tests.integration.conftest import Stack
from tests.integration.support import VISIT, household_of, ok, open_case


async def test_a_cadre_screening_of_an_unregistered_household_is_refused_in_chinese(stack: Stack) -> None:
    body = {"household_number": f"H-NOREG-{uuid.uuid4().hex[:6]}", "village_code": household_of("x")["village_code"],
            "source": "cadre_screening", "clue_date": stack.day(-1), "reported_risks": ["illness"]}  # fmt: skip
    r = await stack.http.post("/cases", json=body, headers=stack.headers("cadre"))
    assert r.status_code == 422
    assert r.json()["errors"][0]["rule"] == "household_registered" and "先登记" in r.json()["detail"]
    r = await stack.http.post("/cases", json={**body, "source": "self_application"}, headers=stack.headers("cadre"))
    assert r.status_code == 201 and r.json()["household"]["registered"] is False
    assert r.json()["household"]["registration_due"] is not None


async def test_the_case_shows_where_its_facts_came_from_and_what_the_registry_recorded_since(stack: Stack) -> None:
    number = f"H-SRC-{uuid.uuid4().hex[:6]}"
    case_id = (await open_case(stack, household_number=number, clue_offset=-3))["case_id"]
    await ok(stack, case_id, "household-visit", "cadre", {**VISIT, "occurred_at": stack.at(-2)})

    moved = household_of(number)
    moved["members"] = moved["members"][:3]  # the second child moved out
    moved["members"][1]["labour_skill"] = "lost"  # the spouse lost the capacity to work
    moved["reason"] = "次子外出落户；配偶因病丧失劳动能力"
    r = await stack.http.put(f"/households/{number}", json=moved, headers=stack.headers("cadre"))
    assert r.status_code == 200 and r.json()["result"] == "changed", r.text

    view = (await stack.http.get(f"/cases/{case_id}", headers=stack.headers("county"))).json()
    sources = {(s["fact"], s["step"]): s for s in view["household"]["fact_sources"]}
    assert sources[("household_head", "open")]["source_label"] == "农户信息库"
    size = sources[("household_size", "household-visit")]
    assert (size["source"], size["registry_version"], size["as_of"]) == ("registry", 1, stack.day(-2))
    now = view["household"]["registry_now"]
    assert (now["version"], now["read_version"]) == (2, 1)
    [change] = now["changes"]
    assert change["reason"] == moved["reason"]
    assert {(m["change"], m["relation"]) for m in change["members"]} == {("member_left", "child"),
                                                                         ("labour_lost", "spouse")}  # fmt: skip


async def test_every_answer_labels_its_codes_in_chinese_and_a_body_sent_back_with_them_is_taken(stack: Stack) -> None:
    number = f"H-LBL-{uuid.uuid4().hex[:6]}"
    case_id = (await open_case(stack, household_number=number, clue_offset=-3))["case_id"]
    view = await ok(stack, case_id, "household-visit", "cadre", {**VISIT, "occurred_at": stack.at(-2)})
    assert view["reported_risks_labels"] == ["因病"] and view["source_label"] == "干部排查"
    assert view["facts"]["household_visit"]["household_type_label"] == "一般农户"

    got = (await stack.http.get(f"/households/{number}", headers=stack.headers("cadre"))).json()
    head = got["members"][0]
    assert (head["relation_label"], head["health_label"], head["labour_skill_label"]) == ("户主", "长期慢性病",
                                                                                         "普通劳动力")  # fmt: skip
    assert got["household_type_label"] == "一般农户"
    # The household as answered, labels and all, sent back: the same household, nothing changed.
    body = {k: got[k] for k in ("household_type", "household_type_label", "village_code", "address", "phone")}
    body["members"] = [{k: v for k, v in m.items() if k != "medical_insurance"} for m in got["members"]]
    r = await stack.http.put(f"/households/{number}", json={**body, "reason": ""}, headers=stack.headers("cadre"))
    assert r.status_code == 200 and r.json()["result"] == "unchanged", r.text


async def test_a_finding_that_tells_a_households_risks_goes_only_to_the_roles_that_see_personal_data(
    stack: Stack,
) -> None:
    # registered with nobody ill, visited with the illness risk: RK-01
    number = f"H-RK-{uuid.uuid4().hex[:6]}"
    case_id = (await open_case(stack, household_number=number, clue_offset=-3, household={"ill": False}))["case_id"]
    await ok(stack, case_id, "household-visit", "cadre", {**VISIT, "occurred_at": stack.at(-2)})
    await stack.caught_up()

    def rk01(answer: dict[str, Any]) -> list[dict[str, Any]]:
        return [i for i in answer["items"] if i["rule"] == "RK-01" and i["case_id"] == case_id]

    county = (await stack.http.get("/audit/findings", params={"rule": "RK-01"}, headers=stack.headers("county"))).json()
    assert len(rk01(county)) == 1 and "withheld" not in county
    inspector = await stack.http.get("/audit/findings", params={"rule": "RK-01"}, headers=stack.headers("inspector"))
    assert inspector.status_code == 200 and rk01(inspector.json()) == [] and inspector.json()["withheld"] >= 1
    dossier = await stack.http.get(f"/cases/{case_id}/dossier", headers=stack.headers("inspector"))
    assert dossier.status_code == 200 and [f for f in dossier.json()["findings"] if f["rule"] == "RK-01"] == []
    dossier = await stack.http.get(f"/cases/{case_id}/dossier", headers=stack.headers("county"))
    assert [f["rule"] for f in dossier.json()["findings"] if f["rule"] == "RK-01"] == ["RK-01"]
