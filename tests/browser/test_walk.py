"""The whole field and approval path in the browser, as the people do it, each signed in as themselves: a village
cadre screens a household and finds it at risk (the assessment shown as they type), its case opens; a 驻村干部
records the household visit; the village cadre cross-checks, deliberates and posts and closes the notice; the
township reviews; a different county officer approves; the township announces the result (结果公告) and assigns
the 帮扶责任人, who finds the household on their own workbench and records its plan and its first measure. No JSON
anywhere; every step is checked in the event store, recorded once, by whom it should be."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from playwright.async_api import Page

from domain.accounts.commands import AccountRecord
from domain.kernel.envelope import Envelope
from domain.registry.rules import StaffRecord
from domain.registry.values import StaffIdentity
from tests.browser.conftest import Console, seed_accounts, shot
from tests.integration.conftest import ACTORS, TOWNSHIP, VILLAGE
from tests.integration.registry_support import household

pytestmark = pytest.mark.asyncio(loop_scope="session")

RESIDENT = AccountRecord(user_id="resident-1", name="驻村干部丁", role="resident_cadre", area_code=VILLAGE)
HELPER = AccountRecord(user_id="helper-2", name="帮扶人戊", role="responsible_person", area_code=TOWNSHIP)


async def submit(page: Page, form: str, case_id: str, step: str, name: str) -> None:
    """Send the form and expect the case card again, the step recorded."""
    await page.locator(form).get_by_role("button", name="提交").click()
    await page.wait_for_url(f"**/console/cases/{case_id}?done={step}")
    await shot(page, name)


async def test_the_whole_path_from_screening_to_the_first_measure_in_the_browser(console: Console) -> None:
    stack = console.stack
    now = datetime.now(UTC)
    seed_accounts(stack, RESIDENT, HELPER)
    head = household("HH-WALK-01", VILLAGE, 61, size=3)
    stack.ledger.registry.register_household(Envelope(ACTORS["township"], "walk-reg", now), head, reason="建档")
    stack.ledger.registry.register_staff(
        Envelope(ACTORS["township"], "walk-staff", now),
        StaffRecord("S-WALK-1", "网格员己", StaffIdentity.GRID_WORKER, VILLAGE), reason="名册",
    )  # fmt: skip
    await stack.caught_up()
    day, at = stack.day, (lambda n, hm="10:00": f"{stack.day(n)}T{hm}")

    # 排查: the village cadre types what they found; the assessment follows as they type, computed by the server.
    page = await console.page("phone")
    await console.sign_in(page, ACTORS["cadre"].name)
    await page.goto(f"{console.base}/console/households/HH-WALK-01")
    form = page.locator("#screening")
    await form.get_by_label("排查日期").fill(day(-12))
    await form.get_by_label("排查方式").select_option(label="入户")
    await form.get_by_label("排查人员").fill("S-WALK-1")
    await form.get_by_label("工资性收入（元/年）").fill("60000")  # 20,000 yuan a person: above the line
    await page.locator("#assessment", has_text="未发现风险").wait_for()
    await form.get_by_label("工资性收入（元/年）").fill("6000")  # 2,000 a person: at risk
    await page.locator("#assessment", has_text="存在返贫致贫风险").wait_for()
    assert "人均纯收入 2000" in await page.inner_text("#assessment")
    await shot(page, "walk-screening-assessed")
    assert stack.ledger.registry.household_version("HH-WALK-01") == 1  # the preview wrote nothing
    await form.get_by_role("button", name="记录排查").click()
    await page.wait_for_url("**/console/cases/*?done=screening")
    case_id = page.url.split("/cases/")[1].split("?")[0]

    # 入户核实 by the 驻村干部 of the village.
    await console.sign_in(page, RESIDENT.name)
    await page.goto(f"{console.base}/console/cases/{case_id}")
    assert await page.locator("#step-village-deliberation").count() == 0  # the village committee's, not theirs
    visit = page.locator("#step-household-visit")
    await visit.get_by_label("入户人员").fill("驻村干部丁\n网格员己")
    # type, size and labour left empty: the registry's, as of the visit's date
    await visit.get_by_label("家庭人均纯收入（元/年）").fill("2000")
    await visit.get_by_label("因病").check()
    await visit.locator("fieldset", has_text="已签《承诺授权书》").get_by_label("否").check()
    await visit.get_by_label("发生时间").fill(at(-11))
    # The household refusing the authorisation ends the identification: asked to confirm, nothing recorded.
    await visit.get_by_role("button", name="提交").click()
    await page.wait_for_load_state()
    assert "提交后不能撤销" in await page.inner_text("#step-household-visit")
    assert "HouseholdVisitRecorded" not in [r["type"] for r in stack.ledger.cases.event_records(uuid.UUID(case_id))]
    visit = page.locator("#step-household-visit")
    await visit.locator("fieldset", has_text="已签《承诺授权书》").get_by_label("是").check()
    await visit.get_by_label("授权书编号").fill("授权-2026-061")
    await submit(page, "#step-household-visit", case_id, "household-visit", "walk-visit")

    # 信息比对, 村级评议, 公示 (posted, then closed) by the village cadre.
    await console.sign_in(page, ACTORS["cadre"].name)
    await page.goto(f"{console.base}/console/cases/{case_id}")
    check = page.locator("#step-cross-check")
    await check.get_by_label("比对部门").fill("人社\n医保\n民政")
    await check.locator("fieldset", has_text="信息比对一致").get_by_label("是").check()
    await check.get_by_label("发生时间").fill(at(-11, "15:00"))
    await submit(page, "#step-cross-check", case_id, "cross-check", "walk-cross-check")
    deliberation = page.locator("#step-village-deliberation")
    await deliberation.get_by_label("参会人数").fill("12")
    await deliberation.get_by_label("结果").select_option(label="评议通过")
    await deliberation.get_by_label("会议记录编号").fill("评议纪要-061")
    await deliberation.get_by_label("发生时间").fill(at(-10))
    await submit(page, "#step-village-deliberation", case_id, "village-deliberation", "walk-deliberation")
    notice = page.locator("#step-public-notice-post")
    await notice.get_by_label("开始日期").fill(day(-10))
    await notice.get_by_label("结束日期").fill(day(-6))
    await notice.get_by_label("公示地点").fill("村务公开栏")
    await notice.get_by_label("发生时间").fill(at(-10, "11:00"))
    await submit(page, "#step-public-notice-post", case_id, "public-notice", "walk-notice-posted")
    close = page.locator("#step-public-notice-close")
    await close.get_by_label("结果").select_option(label="公示无异议")
    await close.get_by_label("发生时间").fill(at(-5))
    await submit(page, "#step-public-notice-close", case_id, "public-notice", "walk-notice-closed")

    # 乡镇审核, then 县级审定 by a different officer, then 结果公告 by the township.
    await console.sign_in(page, ACTORS["township"].name)
    await page.goto(f"{console.base}/console/cases/{case_id}")
    review = page.locator("#step-township-review")
    await review.get_by_label("结论").select_option(label="审核通过")
    await review.get_by_label("发生时间").fill(at(-4))
    await review.get_by_label("确认提交").check()
    await submit(page, "#step-township-review", case_id, "township-review", "walk-township-review")
    await console.sign_in(page, ACTORS["county"].name)
    await page.goto(f"{console.base}/console/cases/{case_id}")
    decision = page.locator("#step-county-decision")
    await decision.get_by_label("结论").select_option(label="审定纳入")
    await decision.get_by_label("类别").select_option(label="边缘易致贫户")
    await decision.get_by_label("发生时间").fill(at(-3))
    await decision.get_by_label("确认提交").check()
    await submit(page, "#step-county-decision", case_id, "county-decision", "walk-county-decision")
    await console.sign_in(page, ACTORS["township"].name)
    await page.goto(f"{console.base}/console/cases/{case_id}")
    announcement = page.locator("#step-announcement")
    await announcement.get_by_label("公示地点").fill("乡镇政务公开栏")
    await announcement.get_by_label("发生时间").fill(at(-3, "16:00"))
    await submit(page, "#step-announcement", case_id, "announcement", "walk-announcement")

    # 结对帮扶: the township names the 帮扶责任人 (with their account, so the household is theirs on the console).
    person = page.locator("#step-responsible-person")
    await person.get_by_label("姓名").fill(HELPER.name)
    await person.get_by_label("工作单位").fill("乡农业服务中心")
    await person.get_by_label("联系电话").fill("13800000000")
    await person.get_by_label("开始日期").fill(day(-2))
    await person.get_by_label("系统账号").fill(HELPER.user_id)
    await person.get_by_label("发生时间").fill(at(-2))
    await submit(page, "#step-responsible-person", case_id, "responsible-person", "walk-responsible-person")
    await stack.caught_up()

    # The 帮扶责任人 finds the household on their workbench, the plan due, and records the plan and a measure.
    await console.sign_in(page, HELPER.name)
    assisted = await page.inner_text("#assisted")
    assert "帮扶计划：未制定" in assisted and "剩" in assisted, assisted
    await shot(page, "walk-home-responsible-person")
    await page.locator("#assisted a").first.click()
    await page.wait_for_url(f"**/console/cases/{case_id}")
    plan = page.locator("#step-assistance-plan")
    await plan.get_by_label("帮扶计划内容").fill("安排公益岗位，落实医疗救助。")
    await plan.get_by_label("健康帮扶").check()
    await plan.get_by_label("公益岗位帮扶").check()
    await plan.get_by_label("发生时间").fill(at(-1))
    await submit(page, "#step-assistance-plan", case_id, "assistance-plan", "walk-plan")
    measure = page.locator("#step-measures-add")
    await measure.get_by_label("类别").select_option(label="健康帮扶")
    await measure.get_by_label("具体措施").fill("大病医疗救助")
    await measure.get_by_label("开始日期").fill(day(-1))
    await measure.get_by_label("责任单位").fill("县医保局")
    await measure.get_by_label("状态").select_option(label="已实施")
    await measure.get_by_label("因病").check()
    await submit(page, "#step-measures-add", case_id, "measures", "walk-measure")
    await stack.caught_up()
    await page.goto(f"{console.base}/console")
    assert "帮扶计划：已制定" in await page.inner_text("#assisted")
    await shot(page, "walk-home-after")

    records = stack.ledger.cases.event_records(uuid.UUID(case_id))
    taken = [(r["type"], r["actor"]["id"]) for r in records if r["actor"]["id"] != "system"]
    expected_actors = {
        "HouseholdVisitRecorded": RESIDENT.user_id, "CrossCheckRecorded": ACTORS["cadre"].id,
        "VillageDeliberationRecorded": ACTORS["cadre"].id, "TownshipReviewed": ACTORS["township"].id,
        "CountyDecided": ACTORS["county"].id, "ResultAnnounced": ACTORS["township"].id,
        "ResponsiblePersonAssigned": ACTORS["township"].id, "AssistancePlanMade": HELPER.user_id,
        "MeasureAdded": HELPER.user_id,
    }  # fmt: skip
    for event, actor in expected_actors.items():
        assert [a for t, a in taken if t == event] == [actor], (event, taken)
    # The same pages at a desktop's size: the workbench, the case card and the household card.
    desk = await console.page("desktop")
    await console.sign_in(desk, HELPER.name)
    await shot(desk, "walk-home-responsible-person")
    await desk.goto(f"{console.base}/console/cases/{case_id}")
    await shot(desk, "walk-measure")
    await console.sign_in(desk, ACTORS["cadre"].name)
    await desk.goto(f"{console.base}/console/households/HH-WALK-01")
    await shot(desk, "walk-screening-assessed")
    assert console.foreign == [] and console.errors == [], (console.foreign, console.errors)
