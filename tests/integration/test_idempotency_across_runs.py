"""An Idempotency-Key keeps its meaning after the workflow continued-as-new, after the case's workflow closed, and
when the opening it stored never reached its workflow."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from tests.conftest import dev_server
from tests.integration.conftest import Stack, run_stack
from tests.integration.support import VISIT, lost_opening, ok, open_case, to_notice_closed
from workflows.cases.contracts import workflow_id_for
from workflows.cases.workflow import CaseWorkflow

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def short_history_env() -> AsyncIterator[WorkflowEnvironment]:
    """A dev server that suggests continue-as-new after a few dozen history events."""
    async with await dev_server("--dynamic-config-value", "limit.historyCount.suggestContinueAsNew=20") as env:
        yield env


@pytest_asyncio.fixture(loop_scope="session")
async def short_stack(short_history_env: WorkflowEnvironment, es_env: dict[str, str]) -> AsyncIterator[Stack]:
    async for s in run_stack(short_history_env.client, es_env):
        yield s


async def events(stack: Stack, case_id: str) -> list[str]:
    r = await stack.http.get(f"/cases/{case_id}/events", headers=stack.headers("inspector"))
    return [e["type"] for e in r.json()]


async def test_repeated_key_after_continue_as_new_returns_the_original_result(short_stack: Stack) -> None:
    stack = short_stack
    first_open = await open_case(stack, key="can-open")
    case_id = first_open["case_id"]
    visit = await ok(
        stack, case_id, "household-visit", "cadre", {**VISIT, "occurred_at": stack.at(-11)}, key="can-visit"
    )
    await to_notice_closed_after_visit(stack, case_id)
    handle = stack.temporal.get_workflow_handle(workflow_id_for(case_id))
    desc = await handle.describe()
    assert desc.raw_description.workflow_execution_info.first_run_id != desc.run_id, "expected continue-as-new"

    before = await events(stack, case_id)
    again = await ok(stack, case_id, "household-visit", "cadre", {**VISIT, "household_size": 7}, key="can-visit")
    assert again == visit
    assert await open_case(stack, key="can-open") == first_open
    assert await events(stack, case_id) == before


async def to_notice_closed_after_visit(stack: Stack, case_id: str) -> None:
    # Enough updates to pass the lowered continue-as-new threshold.
    for i in range(3):
        await ok(
            stack,
            case_id,
            "cross-check",
            "township",
            {"departments": [f"部门{i}"], "consistent": True, "occurred_at": stack.at(-10)},
        )
    await ok(
        stack,
        case_id,
        "village-deliberation",
        "cadre",
        {"participants": 15, "outcome": "pass", "minutes_ref": "纪要-1", "occurred_at": stack.at(-10)},
    )
    await ok(
        stack,
        case_id,
        "public-notice",
        "cadre",
        {"action": "post", "start_date": stack.day(-10), "end_date": stack.day(-6), "occurred_at": stack.at(-10)},
    )
    await ok(
        stack,
        case_id,
        "public-notice",
        "cadre",
        {"action": "close", "outcome": "no_objection", "occurred_at": stack.at(-5)},
    )


async def test_repeated_key_of_the_step_that_closed_the_case_returns_its_result(short_stack: Stack) -> None:
    stack = short_stack
    case_id = (await open_case(stack))["case_id"]
    await to_notice_closed(stack, case_id)
    await ok(stack, case_id, "township-review", "township", {"decision": "pass", "occurred_at": stack.at(-4)})
    body = {"decision": "reject", "reason": "不符合条件", "occurred_at": stack.at(-3)}
    closed = await ok(stack, case_id, "county-decision", "county", body, key="reject-1")
    assert closed["stage"] == "closed"
    await stack.temporal.get_workflow_handle(workflow_id_for(case_id)).result()  # the workflow has completed
    assert await ok(stack, case_id, "county-decision", "county", body, key="reject-1") == closed
    assert (await events(stack, case_id)).count("CountyDecided") == 1


async def test_an_opening_its_workflow_never_took_is_handed_over_when_it_is_sent_again(stack: Stack) -> None:
    key = f"lost-{uuid.uuid4().hex[:8]}"
    case_id, body = await lost_opening(stack, key)
    handle = stack.temporal.get_workflow_handle_for(CaseWorkflow.run, workflow_id_for(case_id))
    assert await handle.query(CaseWorkflow.view) is None  # every step would be refused as "not open"

    r = await stack.http.post("/cases", json=body, headers=stack.headers("cadre", key))
    assert r.status_code == 201, r.text
    assert r.json()["case_id"] == str(case_id) and r.json()["version"] == 1
    taken = await handle.query(CaseWorkflow.view)
    assert taken is not None and taken.version == 1
    await ok(stack, str(case_id), "household-visit", "cadre", VISIT)
    assert await events(stack, str(case_id)) == ["CaseOpened", "HouseholdVisitRecorded"]
