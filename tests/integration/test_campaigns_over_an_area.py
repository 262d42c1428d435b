"""The campaign's reads for an area (workflows.campaigns.service): the campaigns over an area with their milestones,
and 履行程序 as of now (cases in identification, 应纳未纳) by village, each scoped to the part of the campaign inside
the reader's area, as the coverage is."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.campaigns.values import Milestone
from domain.kernel.envelope import Envelope
from domain.kernel.errors import NotFoundError
from domain.registry.rules import StaffRecord
from domain.registry.values import StaffIdentity
from tests.integration.conftest import ACTORS, COUNTY, OTHER_VILLAGE, TOWNSHIP, VILLAGE, Stack
from tests.integration.registry_support import LOW_INCOME, household
from workflows.campaigns.contracts import ScreeningRequest

pytestmark = pytest.mark.asyncio(loop_scope="session")

A, B, C = (household(f"HH-OVER-{i}", VILLAGE, 120 + i) for i in range(3))
E = household("HH-OVER-9", OTHER_VILLAGE, 129)


def _register(stack: Stack) -> None:
    now = datetime.now(UTC)
    for record in (A, B, C, E):
        stack.ledger.registry.register_household(
            Envelope(ACTORS["township"], f"reg-{record.household_number}", now), record, reason="建档"
        )
    for number, area in (("S-OV-1", VILLAGE), ("S-OV-2", OTHER_VILLAGE)):
        stack.ledger.registry.register_staff(Envelope(ACTORS["township"], f"staff-{number}", now),
                                             StaffRecord(number, "网格员", StaffIdentity.GRID_WORKER, area),
                                             reason="名册")  # fmt: skip


def _start(stack: Stack, name: str, scope: list[str], starts_in: int) -> uuid.UUID:
    """A campaign started through the ledger (no clock of its own: the test records its milestones by hand)."""
    campaign_id, today = uuid.uuid4(), stack.today
    stack.ledger.campaigns.start_campaign(
        Envelope(ACTORS["township"], f"camp-{name}", datetime.now(UTC)), campaign_id=campaign_id, name=name,
        scope=scope, starts_on=today + timedelta(days=starts_in),
        milestones={m: today + timedelta(days=20 + i) for i, m in enumerate(Milestone)},
    )  # fmt: skip
    return campaign_id


def _screening(screener: str) -> ScreeningRequest:
    today = datetime.now(UTC).astimezone().date().isoformat()
    body = {"screened_on": today, "method": "in_person", "screener": screener, "findings": LOW_INCOME}
    return ScreeningRequest.model_validate(body)


async def _screen_over_http(stack: Stack, number: str, screener: str, key: str) -> dict[str, Any]:
    body = _screening(screener).model_dump(mode="json", exclude_none=True)
    r = await stack.http.post(f"/households/{number}/screenings", json=body,
                              headers=stack.headers("township", key=key))  # fmt: skip
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


async def test_the_campaigns_over_an_area_are_those_sharing_ground_with_it_with_their_milestones(stack: Stack) -> None:
    _register(stack)
    township = _start(stack, "全乡行动", [TOWNSHIP], 0)
    other = _start(stack, "乙村行动", [OTHER_VILLAGE], 1)
    await stack.caught_up()
    # The 全面排查 milestone recorded with what was missing: A, B, C in the village, E in the other.
    missing = stack.services.campaigns.milestone_findings(township, Milestone.SCREENING_DONE, stack.today)
    stack.ledger.campaigns.pass_milestone(
        campaign_id=township, milestone=Milestone.SCREENING_DONE, missing=missing, now=datetime.now(UTC)
    )
    await stack.caught_up()
    campaigns = stack.services.campaigns

    mine = campaigns.campaigns_over(VILLAGE)
    assert [c["campaign_id"] for c in mine] == [str(township)]  # the other village's campaign is not theirs
    (campaign,) = mine
    assert (campaign["name"], campaign["scope"], campaign["starts_on"]) == ("全乡行动", [TOWNSHIP], stack.today)
    assert [m["milestone"] for m in campaign["milestones"]] == [m.value for m in Milestone]
    screening_done, procedures_done, _ = campaign["milestones"]
    assert screening_done["passed_at"] is not None and procedures_done["passed_at"] is None
    assert screening_done["due_on"] == stack.today + timedelta(days=20)
    # What it found missing, counted in the reader's own villages only.
    assert (screening_done["missing"], screening_done["missing_by_village"]) == (3, {VILLAGE: 3})

    whole = campaigns.campaigns_over(TOWNSHIP)
    assert [c["campaign_id"] for c in whole] == [str(other), str(township)]  # the latest start first
    assert whole[1]["milestones"][0]["missing_by_village"] == {VILLAGE: 3, OTHER_VILLAGE: 1}
    assert [c["campaign_id"] for c in campaigns.campaigns_over(COUNTY)] == [str(other), str(township)]
    assert campaigns.campaigns_over(OTHER_VILLAGE)[1]["milestones"][0]["missing"] == 1
    assert campaigns.campaigns_over("990102102") == []  # another township


async def test_procedures_count_cases_in_identification_and_households_at_risk_without_a_case_by_village(
    stack: Stack,
) -> None:
    _register(stack)
    township = _start(stack, "全乡行动", [TOWNSHIP], 0)
    other = _start(stack, "乙村行动", [OTHER_VILLAGE], 0)
    # B and E at risk: their cases open (识别中). C at risk, but its case was never opened (应纳未纳).
    await _screen_over_http(stack, B.household_number, "S-OV-1", "b")
    await _screen_over_http(stack, E.household_number, "S-OV-2", "e")
    stack.services.campaigns.record_screening(C.household_number, _screening("S-OV-1"), actor=ACTORS["township"],
                                              command_id="township-1:c-lost", now=datetime.now(UTC))  # fmt: skip
    await stack.caught_up()
    campaigns = stack.services.campaigns

    village = campaigns.procedures(township, VILLAGE)
    assert village["scope"] == [VILLAGE]
    assert village["by_village"] == {VILLAGE: {"in_identification": 1, "not_monitored": 1}}
    assert [h["household_number"] for h in village["not_monitored"]] == [C.household_number]
    assert village["not_monitored"][0]["head_name"] == C.members[0].name

    whole = campaigns.procedures(township, TOWNSHIP)
    assert whole["by_village"] == {
        VILLAGE: {"in_identification": 1, "not_monitored": 1},
        OTHER_VILLAGE: {"in_identification": 1, "not_monitored": 0},
    }
    # The list is cut at the limit; the counts stay whole.
    cut = campaigns.procedures(township, TOWNSHIP, limit=0)
    assert cut["not_monitored"] == [] and cut["not_monitored_truncated"] is True
    assert cut["by_village"] == whole["by_village"]
    # The other village's campaign has no part in this village: not found, as its coverage is.
    with pytest.raises(NotFoundError):
        campaigns.procedures(other, VILLAGE)
    with pytest.raises(NotFoundError):
        campaigns.coverage(other, VILLAGE)
