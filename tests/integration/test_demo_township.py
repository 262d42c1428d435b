"""The issue's walk-through on the real stack: import the demo township from an XLSX file, screen its households
through the API as the demo's findings say, and watch exactly the households at risk become cases."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.campaigns.screening import assess
from domain.kernel.policy import PolicyVersions
from domain.registry.rules import HouseholdRecord
from tests.integration.conftest import TOWNSHIP, VILLAGE, Stack
from tests.integration.registry_support import CONTENT_TYPE
from worker.demo.township import demo_method, generate, roster_file

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_demo_township_imported_from_xlsx_and_screened_brings_every_household_at_risk_into_monitoring(
    stack: Stack,
) -> None:
    data = generate(240, seed=7, today=stack.today)
    r = await stack.http.post(
        "/households:import",
        content=roster_file(data, "xlsx"),
        headers={**stack.headers("township"), "Content-Type": CONTENT_TYPE["xlsx"]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["households"]["created"] == len(data.households) and r.json()["errors"] == []

    for s in data.staff:
        body = {"staff_number": s.staff_number, "name": s.name, "identity": s.identity.value, "area_code": s.area_code}
        r = await stack.http.post("/staff", json=body, headers=stack.headers("county", key=f"staff-{s.staff_number}"))
        assert r.status_code == 200, r.text
    r = await stack.http.post(
        "/campaigns",
        json={"name": "演示行动", "scope": [TOWNSHIP], "starts_on": stack.day(-2)},
        headers=stack.headers("township", key="demo-campaign"),
    )
    assert r.status_code == 201, r.text
    campaign = r.json()["campaign_id"]

    policy = PolicyVersions().in_force(VILLAGE, stack.today)

    def at_risk(h: HouseholdRecord) -> bool:
        return assess(data.findings[h.household_number], len(h.members), policy).at_risk

    # The village with the most households at risk; the township's reviewer screens it with one of its staff.
    code = max(
        {h.village_code for h in data.households},
        key=lambda v: sum(at_risk(h) for h in data.households if h.village_code == v),
    )
    village = [h for h in data.households if h.village_code == code]
    screener = next(s for s in data.staff if s.area_code == code)
    expected_cases = {h.household_number for h in village if at_risk(h)}
    for h in village:
        body = {
            "campaign_id": campaign,
            "screened_on": stack.day(0),
            "method": demo_method(h).value,
            "screener": screener.staff_number,
            "findings": data.findings[h.household_number].as_dict(),
        }
        r = await stack.http.post(
            f"/households/{h.household_number}/screenings",
            json=body,
            headers=stack.headers("township", key=f"screen-{h.household_number}"),
        )
        assert r.status_code == 201, r.text
    assert expected_cases, "the demo village should have households at risk"

    await stack.caught_up()
    r = await stack.http.get("/cases", params={"village_code": code, "limit": 200}, headers=stack.headers("township"))
    cases = r.json()["items"]
    assert {c["household_number"] for c in cases} == expected_cases
    assert {c["source"] for c in cases} == {"cadre_screening"} and {c["stage"] for c in cases} == {"identifying"}
    r = await stack.http.get("/screenings/not-monitored", headers=stack.headers("township"))
    assert r.json()["items"] == []

    coverage = (await stack.http.get(f"/campaigns/{campaign}/coverage", headers=stack.headers("township"))).json()
    assert coverage["totals"]["households"] == len(data.households)
    assert coverage["totals"]["screened_households"] == len(village)
    assert coverage["totals"]["at_risk"] == len(expected_cases)
    row = next(v for v in coverage["villages"] if v["village_code"] == code)
    assert row["screened_households"] == row["households"] == len(village)
    assert len(coverage["unscreened"]) == len(data.households) - len(village)
    # The campaign defaulted to the seed's milestones of the first spring on or after its start.
    view = (await stack.http.get(f"/campaigns/{campaign}", headers=stack.headers("township"))).json()
    start = stack.today - timedelta(days=2)
    year = start.year if start <= date(start.year, 3, 10) else start.year + 1
    assert view["milestones"] == {
        "screening_done": f"{year}-03-10",
        "procedures_done": f"{year}-03-25",
        "summary_done": f"{year}-03-30",
    }
