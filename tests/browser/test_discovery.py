"""The discovery channels in a real browser over the real stack (issue 21): a department uploads its alert file and
sees outcomes only; the village verifies the alert; the cadre's visit list and the one form that records a visit; a
self-application recorded by the village and answered by the township; the household's own status page."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from playwright.async_api import Page

from domain.kernel.envelope import Envelope
from domain.registry.rules import StaffRecord
from domain.registry.values import StaffIdentity
from tests.browser.conftest import SIZES, Console, seed_accounts, shot
from tests.domain.registry_support import id_number
from tests.integration.alert_support import XLSX, alert_file
from tests.integration.conftest import ACTORS, VILLAGE
from tests.integration.registry_support import household

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _sign_in_department(console: Console, page: Page) -> None:
    await page.context.clear_cookies()
    await page.goto(f"{console.base}/console/login")
    await page.get_by_label(ACTORS["medical"].name, exact=False).check()
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url(f"{console.base}/console/alerts")


async def test_a_department_uploads_alerts_and_the_village_verifies_one(console: Console) -> None:
    stack, now, tag = console.stack, datetime.now(UTC), uuid.uuid4().hex[:4]
    seed_accounts(stack, ACTORS["medical"])
    record = household(f"HH-BA-{tag}", VILLAGE, 71)
    stack.ledger.registry.register_household(Envelope(ACTORS["township"], f"ba-{tag}", now), record, reason="x")
    head = record.members[0]
    page = await console.page("phone")
    await _sign_in_department(console, page)  # a department's console is its alerts
    nav = await page.inner_text("nav")
    assert "部门预警" in nav and "农户" not in nav and "统计报表" not in nav
    await shot(page, "alerts-department")

    bad = [head.id_number, head.name, "医疗费用个人负担较重", stack.day(-3), "", "", "", ""]  # no amount
    await page.set_input_files("#file", {"name": "yibao.xlsx", "mimeType": XLSX, "buffer": alert_file([bad])})
    await page.get_by_role("button", name="推送").click()
    await page.wait_for_load_state()
    assert "第2行" in await page.inner_text("[role=alert]") and "金额" in await page.inner_text("[role=alert]")
    assert head.id_number not in await page.content()  # a refusal names no personal value
    await shot(page, "alerts-department-refused")
    good = [head.id_number, head.name, "医疗费用个人负担较重", stack.day(-3), "28600", "住院自付", f"YB-{tag}", ""]
    await page.set_input_files("#file", {"name": "yibao.xlsx", "mimeType": XLSX, "buffer": alert_file([good])})
    await page.get_by_role("button", name="推送").click()
    await page.wait_for_load_state()
    pushed = await page.inner_text("#pushed")
    assert "新增 1 条" in pushed and "待核实" in pushed and record.household_number not in pushed
    await shot(page, "alerts-department-pushed")
    number = next(w for w in pushed.split() if w.startswith("YJ"))
    await stack.caught_up()

    # the village's inbox, the alert in full, the verification form
    await console.sign_in(page, "cadre")
    await page.goto(f"{console.base}/console/alerts?status=pending")
    assert number in await page.inner_text("#alerts")
    await shot(page, "alerts-inbox")
    await page.get_by_role("link", name=number).click()
    await page.wait_for_url(f"**/console/alerts/{number}")
    assert head.name in await page.inner_text("#alert")
    await page.get_by_label("核实结果").select_option(label="无返贫致贫风险")
    await page.get_by_role("button", name="提交核实结果").click()
    await page.wait_for_load_state()
    assert "理由" in await page.inner_text("#verify")  # refused at the form: the reason and evidence are needed
    await shot(page, "alert-verify-refused")
    await page.get_by_label("理由（无风险、退回部门时必填）").fill("大病保险二次报销后自付不足3千元")
    await page.get_by_label("核实依据", exact=False).fill("入户查看报销单据")
    await page.get_by_role("button", name="提交核实结果").click()
    await page.wait_for_url(f"**/console/alerts/{number}?done=verified")
    assert "经核实无返贫致贫风险" in await page.inner_text("main")
    await shot(page, "alert-verified")

    # the department reads the outcome, nothing of the household or the visit
    await _sign_in_department(console, page)
    await page.goto(f"{console.base}/console/alerts/{number}")
    main = await page.inner_text("main")
    assert "经核实无返贫致贫风险" in main and "报销单据" not in main and record.household_number not in main
    await shot(page, "alert-department-outcome")

    # the township's figures: by department, converted, in time or late
    await console.sign_in(page, "township")
    await page.goto(f"{console.base}/console/reports")
    await page.get_by_role("link", name="发现渠道统计（部门预警、自主申报）").click()
    await page.wait_for_url("**/console/discovery")
    row = await page.locator("#alerts-by-department tr", has_text="医疗保障局").inner_text()
    assert row.split()[1] != "0"  # received
    await shot(page, "discovery-summary")
    await page.goto(f"{console.base}/console/discovery?from={stack.day(0)}&to={stack.day(-1)}")
    assert "截止日期早于起始日期" in await page.inner_text("[role=alert]")
    assert console.errors == [] and console.foreign == []


async def test_the_visit_list_and_one_visit_recorded_through_its_form(console: Console) -> None:
    stack, now, tag = console.stack, datetime.now(UTC), uuid.uuid4().hex[:4]
    record = household(f"HH-BV-{tag}", VILLAGE, 73)
    stack.ledger.registry.register_household(Envelope(ACTORS["township"], f"bv-{tag}", now), record, reason="x")
    stack.ledger.registry.register_staff(Envelope(ACTORS["township"], f"bvs-{tag}", now),
                                         StaffRecord(f"S-BV{tag}", "走访员", StaffIdentity.GRID_WORKER, VILLAGE),
                                         reason="x")  # fmt: skip
    from decimal import Decimal

    from domain.discovery.alert_commands import AlertRecord
    from domain.discovery.values import AlertKind

    head = record.members[0]
    stack.ledger.alerts.push(Envelope(ACTORS["medical"], f"bva-{tag}", now), [AlertRecord(
        id_number=head.id_number, name=head.name, kind=AlertKind.MEDICAL_COST, occurred_on=stack.today,
        amount=Decimal("12000"))], via="api")  # fmt: skip
    await stack.caught_up()
    for size in SIZES:
        page = await console.page(size)
        await console.sign_in(page, "cadre")
        await page.goto(f"{console.base}/console/visits?period=week")
        stops = await page.inner_text("#stops")
        assert record.household_number in stops and "部门预警核实" in stops and "带：" in stops
        await shot(page, "visits-week")
    await page.emulate_media(media="print")
    await shot(page, "visits-week-print")
    await page.emulate_media(media="screen")
    await page.goto(f"{console.base}/console/visits/{record.household_number}")
    assert "部门预警核实" in await page.inner_text("#tasks")
    await page.get_by_label("走访人员编号（工作人员名册）").fill(f"S-BV{tag}")
    await page.get_by_label("走访人员姓名（每行一人）").fill("李四\n王五")
    await page.locator("[name='findings.wage_income']").fill("90000")
    await shot(page, "visit-form")
    await page.get_by_role("button", name="记录走访").click()
    await page.wait_for_load_state()
    served = await page.inner_text("#served")
    assert "排查：未发现风险" in served and "部门预警核实" in served
    await shot(page, "visit-done")
    assert console.errors == [] and console.foreign == []


async def test_a_self_application_is_recorded_answered_and_looked_up_by_the_household(console: Console) -> None:
    stack = console.stack
    applicant = id_number(seq=654)
    page = await console.page("phone")
    await console.sign_in(page, "cadre")
    await page.goto(f"{console.base}/console/applications")
    await page.locator("#application [name=village_code]").fill(VILLAGE)
    await page.get_by_label("申请人姓名").fill("刘大山")
    await page.get_by_label("申请人身份证号").fill(applicant)
    await page.get_by_label("申请方式").select_option(value="written")
    await page.locator("[name=received_on]").fill(stack.day(0))
    await page.locator("[name=reported_risks][value=illness]").check()
    await shot(page, "application-form")
    await page.get_by_role("button", name="登记申请").click()
    await page.wait_for_load_state()
    assert "已登记" in await page.inner_text("main")
    number = page.url.split("/")[-1].split("?")[0]
    await shot(page, "application-received")

    await console.sign_in(page, "township")
    await page.goto(f"{console.base}/console/applications/{number}")
    await page.locator("[name=accept][value=false]").check()
    await page.get_by_label("不予受理的理由（不予受理时必填）").fill("经核实家庭收入稳定，不符合监测范围")
    await page.get_by_role("button", name="提交答复").click()
    await page.wait_for_url(f"**/console/applications/{number}?done=answered")
    assert "不予受理" in await page.inner_text("main")
    await shot(page, "application-answered")

    await page.context.clear_cookies()  # the household: no account, no sign-in
    await page.goto(f"{console.base}/console/status")
    await page.get_by_label("申请编号").fill(number)
    await page.get_by_label("申请人身份证号后四位").fill(applicant[-4:])
    await page.get_by_role("button", name="查询").click()
    await page.wait_for_load_state()
    result = await page.inner_text("#result")
    assert "不予受理" in result and "刘大山" not in await page.content() and "收入" not in result
    await shot(page, "application-status")
    assert console.errors == [] and console.foreign == []
