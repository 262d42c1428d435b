"""运维 sees operations views without names and repairs workflows, but no case, household or staff record."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.conftest import Stack
from tests.integration.support import open_case

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_ops_staff_see_workflow_health_but_no_personal_record(stack: Stack) -> None:
    await open_case(stack, key=f"ops-{uuid.uuid4().hex[:6]}", clue_offset=-20)  # late: on the overdue list
    await stack.caught_up()
    ops = stack.headers("ops")
    r = await stack.http.get("/ops/overdue", headers=ops)
    assert r.status_code == 200 and r.json()["items"]
    assert (await stack.http.get("/ops/stuck", headers=ops)).status_code == 200
    r = await stack.http.get("/reports/3-1", params={"period": "2026-02-01..2026-03-31"}, headers=ops)
    assert r.status_code == 200  # counts only
    for path in ("/cases", "/households", "/staff", "/audit/findings", "/notices", "/reports"):
        r = await stack.http.get(path, headers=ops)
        assert r.status_code == 403 and r.json()["errors"][0]["rule"] == "role_scope", path
    r = await stack.http.post("/ops/reconcile", json={"reason": "运维巡检"}, headers=ops)
    assert r.status_code == 200  # repairs are operations' work
