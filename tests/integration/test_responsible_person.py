"""A 帮扶责任人 reads the households assigned to them and their cases, and nothing else of the township ("一对一", seed
plan §三(二)): another household's case is as unknown as a missing one, lists are theirs, other records refused, and
a token naming a county is refused."""

from __future__ import annotations

import uuid

import pytest
from starlette.concurrency import run_in_threadpool
from temporalio.testing import WorkflowEnvironment

from api.auth import issue_token
from domain.kernel.actors import Actor, Role
from tests.domain.support import CaseDriver
from tests.integration.conftest import COUNTY, SECRET, TOWNSHIP, Stack, run_stack
from tests.integration.support import VISIT, ok, open_case
from tests.integration.test_lifecycle import village_to_county

pytestmark = pytest.mark.asyncio(loop_scope="session")
HELPER = Actor("helper-7", Role.RESPONSIBLE_PERSON, TOWNSHIP, "陈帮扶")


def bearer(actor: Actor) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(SECRET, actor)}", "Idempotency-Key": uuid.uuid4().hex}


async def test_a_responsible_person_sees_only_their_own_households(stack: Stack) -> None:
    mine, theirs = CaseDriver(stack.ledger), CaseDriver(stack.ledger)
    mine.through("announcement")
    mine.assign(user_id=HELPER.id)
    theirs.through("announcement")
    theirs.assign(user_id="helper-8", name="李帮扶")
    await stack.caught_up()

    listed = (await stack.http.get("/cases", headers=bearer(HELPER))).json()["items"]
    assert [c["case_id"] for c in listed] == [str(mine.case_id)]
    assert (await stack.http.get(f"/cases/{mine.case_id}", headers=bearer(HELPER))).status_code == 200
    other = await stack.http.get(f"/cases/{theirs.case_id}", headers=bearer(HELPER))
    assert other.status_code == 404 and other.json()["type"].endswith("CaseNotFoundError")
    assert (await stack.http.get(f"/cases/{theirs.case_id}/timeline", headers=bearer(HELPER))).status_code == 404
    for path in ("/staff", "/households", "/audit/findings", "/notices", "/screenings/not-monitored"):
        refused = await stack.http.get(path, headers=bearer(HELPER))
        assert refused.status_code == 403 and refused.json()["errors"][0]["rule"] == "own_households", path

    county_wide = Actor("helper-9", Role.RESPONSIBLE_PERSON, COUNTY, "县直帮扶")
    r = await stack.http.get("/cases", headers=bearer(county_wide))
    assert r.status_code in (401, 403) and "township or village" in r.text


async def test_a_step_on_another_s_household_is_unknown_even_before_the_case_list_has_it(
    temporal_env: WorkflowEnvironment, es_env: dict[str, str]
) -> None:
    async for stack in run_stack(temporal_env.client, es_env, projections=False):  # the case list never catches up
        case_id = (await open_case(stack, key=f"rp-{uuid.uuid4().hex[:6]}", clue_offset=-30))["case_id"]
        await ok(stack, case_id, "household-visit", "cadre", {**VISIT, "occurred_at": stack.at(-29)})
        await ok(stack, case_id, "cross-check", "township",
                 {"departments": ["人社"], "consistent": True, "occurred_at": stack.at(-29)})  # fmt: skip
        await village_to_county(stack, case_id, -29, {"decision": "approve", "category": "marginal_at_risk"})
        person = {"name": "李帮扶", "unit": "县农业农村局", "phone": "13800000001", "start_date": stack.day(-19), "user_id": "helper-8",
                  "occurred_at": stack.at(-19)}  # fmt: skip
        await ok(stack, case_id, "responsible-person", "township", person)
        assert await run_in_threadpool(stack.services.summaries.listing, uuid.UUID(case_id)) is None

        plan = {"summary": "医疗救助", "planned_categories": ["health"], "occurred_at": stack.at(-18)}
        r = await stack.http.post(f"/cases/{case_id}/steps/assistance-plan", json=plan, headers=bearer(HELPER))
        assert r.status_code == 404 and r.json()["type"].endswith("CaseNotFoundError")  # as a missing case
        mine = Actor("helper-8", Role.RESPONSIBLE_PERSON, TOWNSHIP, "李帮扶")
        r = await stack.http.post(f"/cases/{case_id}/steps/assistance-plan", json=plan, headers=bearer(mine))
        assert r.status_code == 200, r.text
