"""No input produces a 5xx, and a refused request changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from temporalio.service import RPCError, RPCStatusCode

from api.auth import issue_token
from domain.cases.values import case_id_for_command
from domain.kernel.actors import Actor, Role
from tests.integration.conftest import SECRET, Stack
from tests.integration.support import VISIT, open_case
from workflows.cases.contracts import workflow_id_for

pytestmark = pytest.mark.asyncio(loop_scope="session")

BAD_VISITS: list[Any] = [
    None,
    [],
    "visit",
    42,
    {},
    {**VISIT, "household_size": 10**30},
    {**VISIT, "household_size": "four"},
    {**VISIT, "per_capita_net_income": "NaN"},
    {**VISIT, "per_capita_net_income": "1e400"},
    {**VISIT, "per_capita_net_income": 1.5e308},
    {**VISIT, "visitors": ["\u0000"]},
    {**VISIT, "visitors": ["李四\u0007"]},
    {**VISIT, "visitors": ["x" * 10_000]},
    {**VISIT, "visitors": [None]},
    {**VISIT, "sudden_event": "a\u0000b"},
    {**VISIT, "risks": ["illness"] * 12},
    {**VISIT, "risks": ["illness", "illness"]},
    {**VISIT, "risks": ["bad-luck"]},
    {**VISIT, "household_type": {"$ne": 1}},
    {**VISIT, "occurred_at": "0001-01-01T00:00:00Z"},
    {**VISIT, "occurred_at": "9999-12-31T23:59:59Z"},
    {**VISIT, "occurred_at": "2026-02-30T10:00:00"},
    {**VISIT, "occurred_at": "not a time"},
    {**VISIT, "authorisation_signed": "maybe"},
    {**VISIT, "comment": "x" * 100_000},
]


@pytest.mark.parametrize("body", BAD_VISITS)
async def test_hostile_step_bodies_are_refused_with_a_problem(stack: Stack, body: Any) -> None:
    case_id = (await open_case(stack))["case_id"]
    r = await stack.http.post(f"/cases/{case_id}/steps/household-visit", json=body, headers=stack.headers("cadre"))
    assert 400 <= r.status_code < 500, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["status"] == r.status_code
    events = await stack.http.get(f"/cases/{case_id}/events", headers=stack.headers("cadre"))
    assert [e["type"] for e in events.json()] == ["CaseOpened"]


BAD_NOTICES: list[Any] = [
    {"action": "post", "start_date": "2026-01-01", "end_date": "9999-12-31"},
    {"action": "post", "start_date": "0001-01-01", "end_date": "2026-01-05"},
    {"action": "launch"},
    {"start_date": "2026-01-01", "end_date": "2026-01-05"},
]


@pytest.mark.parametrize("body", BAD_NOTICES)
async def test_hostile_notice_bodies_are_refused(stack: Stack, body: Any) -> None:
    case_id = (await open_case(stack))["case_id"]
    r = await stack.http.post(f"/cases/{case_id}/steps/public-notice", json=body, headers=stack.headers("cadre"))
    assert r.status_code in (409, 422), r.text


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("GET", "/cases?limit=0", {}),
        ("GET", "/cases?limit=abc", {}),
        ("GET", "/cases?stage=nowhere", {}),
        ("GET", "/cases?village_code=1%27%20OR%201=1", {}),
        ("GET", "/cases/%00", {}),
        ("GET", "/cases/" + "9" * 5000, {}),
        ("POST", "/cases", {"Idempotency-Key": "k" * 500}),
        ("POST", "/cases", {"Content-Type": "text/plain"}),
        ("DELETE", "/cases", {}),
        ("GET", "/households/%00", {}),
        ("GET", "/households/" + "9" * 5000, {}),
        ("GET", "/households?area_code=1%27", {}),
        ("GET", "/households?area_code=990103", {}),
        ("PUT", "/households/H-0001", {}),
        ("POST", "/households/H-0001/screenings", {}),
        ("POST", "/households:import", {"Content-Type": "text/csv"}),
        ("POST", "/households:import", {"Content-Type": "application/zip"}),
        ("GET", "/households/import-template?format=pdf", {}),
        ("POST", "/staff", {}),
        ("GET", "/staff/%E4%B8%AD", {}),
        ("GET", "/screenings/not-monitored?limit=-1", {}),
        ("POST", "/campaigns", {}),
        ("GET", "/campaigns/not-a-uuid", {}),
        ("GET", "/campaigns/00000000-0000-0000-0000-000000000000/coverage", {}),
        ("GET", "/campaigns/00000000-0000-0000-0000-000000000000/coverage?limit=-5", {}),
    ],
)
async def test_hostile_requests_get_4xx(stack: Stack, method: str, path: str, headers: dict[str, str]) -> None:
    r = await stack.http.request(method, path, headers={**stack.headers("cadre"), **headers}, content=b"{}")
    assert 400 <= r.status_code < 500, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_hostile_open_bodies_start_no_workflow(stack: Stack) -> None:
    for body in (
        {
            "household_number": "\u0000",
            "village_code": "990102101001",
            "source": "cadre_screening",
            "clue_date": "2026-01-01",
        },
        {
            "household_number": "H",
            "village_code": "990102101001",
            "source": "cadre_screening",
            "clue_date": "1999-01-01",
        },
        {
            "household_number": "H",
            "village_code": "990102101999",
            "source": "cadre_screening",
            "clue_date": "2026-01-01",
        },
        {"household_number": "H", "village_code": "990102101001", "source": "rumour", "clue_date": "2026-01-01"},
    ):
        r = await stack.http.post("/cases", json=body, headers=stack.headers("cadre", key="hostile-open"))
        assert r.status_code in (403, 422), r.text
    case_id = case_id_for_command("cadre-1:hostile-open")
    with pytest.raises(RPCError) as excinfo:
        await stack.temporal.get_workflow_handle(workflow_id_for(case_id)).describe()
    assert excinfo.value.status is RPCStatusCode.NOT_FOUND


@pytest.mark.parametrize(
    "actor",
    [
        Actor("inspector-x", Role.INSPECTOR, ""),  # no area: would scope nothing
        Actor("inspector-x", Role.INSPECTOR, "9_"),  # a LIKE wildcard is no area code
        Actor("x" * 300, Role.VILLAGE_CADRE, "990102101001"),  # an over-long subject
        Actor("cadre\n1", Role.VILLAGE_CADRE, "990102101001"),
    ],
)
async def test_tokens_with_malformed_claims_are_refused(stack: Stack, actor: Actor) -> None:
    token = issue_token(SECRET, actor)
    r = await stack.http.get("/cases", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401, r.text


async def test_an_over_long_idempotency_key_is_a_422_not_a_500(stack: Stack) -> None:
    r = await stack.http.post(
        "/cases",
        json={
            "household_number": "H",
            "village_code": "990102101001",
            "source": "cadre_screening",
            "clue_date": stack.day(0),
        },
        headers=stack.headers("cadre", key="k" * 150),
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "Idempotency-Key"
