"""运维 in the browser: one board with what is late and what is stuck, names masked for the ops role, the pictures
with their numbers, and a repair from the board recorded with its reason; a role that may not repair is not offered
to, and a 帮扶责任人 is refused the board as the API refuses /ops."""

from __future__ import annotations

import uuid

import pytest

from domain.accounts.commands import AccountRecord
from tests.browser.conftest import SIZES, Console, seed_accounts, shot
from tests.browser.test_inspection import OPS
from tests.integration.conftest import ACTORS, TOWNSHIP
from tests.integration.support import open_case
from workflows.cases.contracts import workflow_id_for

pytestmark = pytest.mark.asyncio(loop_scope="session")

HELPER = AccountRecord(user_id="helper-ops", name="帮扶人庚", role="responsible_person", area_code=TOWNSHIP)


def _repairs(console: Console, case_id: str) -> list[tuple[str, str]]:
    """The repairs recorded for a case, (action, reason), read through the ledger (the store is encrypted)."""
    from domain.audit.checkpoints import entries
    from domain.ops.repairs import RepairRecorded

    found = [e.event for e in entries(console.stack.ledger) if isinstance(e.event, RepairRecorded)]
    return [(f.action, f.reason) for f in found if f.case_id == case_id]


async def test_the_ops_board_joins_lateness_and_trouble_and_a_repair_is_recorded_with_its_reason(
    console: Console,
) -> None:
    stack = console.stack
    seed_accounts(console.stack, OPS, HELPER)
    late = await open_case(stack, key=f"opslate-{uuid.uuid4().hex[:6]}", clue_offset=-20, household_head="逾期户")
    stuck = (await open_case(stack, key=f"opsstuck-{uuid.uuid4().hex[:6]}"))["case_id"]
    await stack.caught_up()
    await stack.temporal.get_workflow_handle(workflow_id_for(uuid.UUID(stuck))).terminate("an operator's mistake")

    for size in SIZES:
        page = await console.page(size)
        await console.sign_in(page, OPS.name)
        await page.get_by_role("link", name="运维看板").click()
        await page.wait_for_url("**/console/ops")
        overdue = await page.inner_text("#overdue")
        assert "识别认定时限" in overdue and "玉坪村" in overdue and late["case_id"][:8] in overdue
        assert "逾期户" not in await page.content()  # 运维 see no personal data
        assert "没有运行中的工作流" in await page.inner_text(f"#stuck-{stuck}")
        assert await page.locator("#stages table").count() == 1 and await page.locator("#misses table").count() == 1
        assert "系统就绪" in await page.inner_text("#ready")
        await shot(page, "ops-board")
        await page.context.close()

    # 运维 repair: a restart without a reason is refused and records nothing; with one, it is recorded with it.
    page = await console.page("desktop")
    await console.sign_in(page, OPS.name)
    await page.goto(f"{console.base}/console/ops")
    card = page.locator(f"#stuck-{stuck}")
    await card.get_by_role("button", name="从事件库重启").click()
    await page.wait_for_load_state()
    assert "请写明修复原因" in await page.inner_text("main")
    assert _repairs(console, stuck) == []
    await page.goto(f"{console.base}/console/ops")
    card = page.locator(f"#stuck-{stuck}")
    await card.get_by_label("修复原因").fill("误终止的流程，从事件库重启")
    form = {
        "csrf": await card.locator("input[name=csrf]").input_value(), "case_id": stuck, "action": "restart",
        "idempotency_key": await card.locator("input[name=idempotency_key]").input_value(),
        "reason": "误终止的流程，从事件库重启",
    }  # fmt: skip
    await card.get_by_role("button", name="从事件库重启").click()
    await page.wait_for_url("**/console/ops?done=restart")
    assert "已提交修复" in await page.inner_text("main")
    assert _repairs(console, stuck) == [("restart_workflow", "误终止的流程，从事件库重启")]
    # The same form sent again (a double click, a refresh): the workflow is not restarted twice.
    again = await page.request.post(f"{console.base}/console/ops/repairs", form=form, max_redirects=0)
    assert again.status == 303 and _repairs(console, stuck) == [("restart_workflow", "误终止的流程，从事件库重启")]
    await stack.caught_up()
    await page.goto(f"{console.base}/console/ops")
    assert await page.locator(f"#stuck-{stuck}").count() == 0  # running again
    await shot(page, "ops-repaired")

    # The township and the county read the board and may repair; a village cadre sees no ops board link; a
    # 帮扶责任人 is refused the board.
    for who in ("township", "county"):
        await console.sign_in(page, who)
        answer = await page.goto(f"{console.base}/console/ops")
        assert answer is not None and answer.status == 200
        assert "识别认定时限" in await page.inner_text("#overdue")
        assert await page.locator("#reconcile").count() == 1  # repairs offered
        await shot(page, f"ops-board-{who}")
    await console.sign_in(page, ACTORS["cadre"].name)
    assert await page.get_by_role("link", name="运维看板").count() == 0
    await console.sign_in(page, HELPER.name)
    answer = await page.goto(f"{console.base}/console/ops")
    assert answer is not None and answer.status == 403
    await shot(page, "ops-refused")
    assert console.foreign == [] and console.errors == [], (console.foreign, console.errors)
