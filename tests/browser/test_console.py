"""The console in a real browser (Chromium through Playwright), at a phone's size and a desktop's, over the real
stack served on a port: people sign in as themselves, find the case waiting for them, take its steps through the
forms, and are refused where the API refuses them. No request leaves the console's origin, no page logs an error,
every page has a title and every input a label. Screenshots of each page go to build/screenshots/."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from domain.accounts.commands import AccountRecord
from domain.campaigns.values import Milestone
from domain.kernel.envelope import Envelope
from domain.kernel.time import local_date
from domain.registry.rules import StaffRecord
from domain.registry.values import StaffIdentity
from tests.browser.conftest import SHOTS, SIZES, Console, seed_accounts, shot
from tests.integration.conftest import ACTORS, COUNTY, OTHER_VILLAGE, VILLAGE
from tests.integration.registry_support import household, roster_bytes, rows_of
from tests.integration.support import TO_NOTICE_CLOSED, household_of, open_case, to_notice_closed, walk_over_http

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_cadre_finds_the_case_waiting_and_records_the_household_visit(console: Console) -> None:
    stack = console.stack
    case_id = (await open_case(stack, key=f"console-{uuid.uuid4().hex[:6]}"))["case_id"]
    await stack.caught_up()
    for size in SIZES:
        page = await console.page(size)
        await page.goto(f"{console.base}/console")  # not signed in: sent to sign in
        assert page.url.endswith("/console/login")
        await shot(page, "login")
        await console.sign_in(page, "cadre")
        await shot(page, "home")
        assert "待我办理（1）" in await page.inner_text("main") and "入户核实" in await page.inner_text("main")
        await page.get_by_role("link", name="张三").click()
        await page.wait_for_url(f"**/console/cases/{case_id}")
        await shot(page, "case")
        await page.context.close()

    page = await console.page("phone")
    await console.sign_in(page, "cadre")
    await page.goto(f"{console.base}/console/cases/{case_id}")
    visit = page.locator("#step-household-visit")
    # A form sent without what the step needs is refused at the fields, in Chinese, and records nothing.
    before = len(stack.ledger.cases.event_records(uuid.UUID(case_id)))
    await visit.get_by_role("button", name="提交").click()
    await page.wait_for_load_state()
    assert "请按提示修改后再提交" in await page.inner_text("main") and "必填" in await page.inner_text("main")
    await shot(page, "case-refused")
    assert len(stack.ledger.cases.event_records(uuid.UUID(case_id))) == before

    visit = page.locator("#step-household-visit")
    await visit.get_by_label("入户人员").fill("李四\n王五")
    # type, size and labour are left empty: the household is registered, the registry says them
    await visit.get_by_label("家庭人均纯收入（元/年）").fill("6800")
    await visit.locator("fieldset", has_text="已签《承诺授权书》").get_by_label("是").check()
    await visit.get_by_role("button", name="提交").click()
    await page.wait_for_load_state()
    # The domain's own rule, said at its field in Chinese: a signed letter needs its reference.
    ref = page.locator("#step-household-visit .field", has_text="授权书编号")
    assert "须填写《承诺授权书》编号" in await ref.inner_text()
    await shot(page, "case-rule-refused")
    assert len(stack.ledger.cases.event_records(uuid.UUID(case_id))) == before
    visit = page.locator("#step-household-visit")
    await visit.get_by_label("授权书编号").fill("承诺授权书-2026-001")
    await visit.get_by_label("因病").check()
    await visit.get_by_role("button", name="提交").click()
    await page.wait_for_url(f"**/console/cases/{case_id}?done=household-visit")
    assert "已办理，已记录" in await page.inner_text("main")
    assert "入户核实" in await page.inner_text("ol.timeline")
    await shot(page, "case-visited")
    records = stack.ledger.cases.event_records(uuid.UUID(case_id))
    assert [r["type"] for r in records][-1] == "HouseholdVisitRecorded" and records[-1]["actor"]["id"] == "cadre-1"
    assert (records[-1]["payload"]["household_size"], records[-1]["payload"]["labour_capable_members"]) == (4, 2)
    sources = await page.locator("ul.sources").inner_text()
    assert "家庭人口数 · 入户核实：农户信息库（第 1 版" in sources and "户主 · 发现线索：农户信息库" in sources

    # The registry records that the second child moved out: the case shows it, with its reason.
    number = str(records[0]["payload"]["household_number"])
    moved = household_of(number)
    moved["members"], moved["reason"] = moved["members"][:3], "次子外出落户"
    r = await stack.http.put(f"/households/{number}", json=moved, headers=stack.headers("cadre"))
    assert r.status_code == 200 and r.json()["result"] == "changed", r.text
    await page.goto(f"{console.base}/console/cases/{case_id}")
    changes = await page.locator("ul.registry-changes").inner_text()
    assert "（第 2 版）子女：减少（迁出或去世）" in changes and "次子外出落户" in changes
    await shot(page, "case-registry-changed")

    # The same form sent twice (a double click, a refresh) records one step: it carries its own Idempotency-Key.
    check = page.locator("#step-cross-check")
    fields = {
        "csrf": await check.locator("input[name=csrf]").input_value(),
        "idempotency_key": await check.locator("input[name=idempotency_key]").input_value(),
        "departments": "人社\n医保",
        "consistent": "true",
    }
    url = f"{console.base}/console/cases/{case_id}/steps/cross-check"
    answers = [await page.request.post(url, form=fields, max_redirects=0) for _ in range(2)]
    assert [a.status for a in answers] == [303, 303]
    types = [r["type"] for r in stack.ledger.cases.event_records(uuid.UUID(case_id))]
    assert types.count("CrossCheckRecorded") == 1

    # Another village's cadre pasting the case's address is told what the API says: no such case here.
    other = await console.page("desktop")
    await console.sign_in(other, "other_cadre")
    answer = await other.goto(f"{console.base}/console/cases/{case_id}")
    assert answer is not None and answer.status == 404
    assert "没有找到该案件，或不在您的辖区内" in await other.inner_text("main")
    await shot(other, "refused")
    assert "张三" not in await other.content()

    # Signed out, the case is out of reach again.
    await page.get_by_role("button", name="退出").click()
    await page.goto(f"{console.base}/console/cases/{case_id}")
    assert page.url.endswith("/console/login")

    assert console.foreign == [], console.foreign
    assert console.errors == [], console.errors
    assert ACTORS["other_cadre"].area_code == OTHER_VILLAGE


async def test_the_township_and_a_different_county_officer_approve_with_confirmation(console: Console) -> None:
    stack = console.stack
    case_id = (await open_case(stack, key=f"approve-{uuid.uuid4().hex[:6]}"))["case_id"]
    await to_notice_closed(stack, case_id)  # visit, cross-check, deliberation and notice through the API
    posted = (await open_case(stack, key=f"notice-{uuid.uuid4().hex[:6]}"))["case_id"]
    await walk_over_http(stack, posted, TO_NOTICE_CLOSED[:-1], -3)  # its notice, posted two days ago, still runs
    await stack.caught_up()

    township = await console.page("phone")
    await console.sign_in(township, "township")
    assert "乡镇审核" in await township.inner_text("main")
    running = await township.inner_text("#notices")
    assert "公示中（1）" in await township.inner_text("main") and "识别认定" in running and "公示中" in running
    await shot(township, "home-township")
    await township.goto(f"{console.base}/console/cases/{case_id}")
    review = township.locator("#step-township-review")
    await review.get_by_label("结论").select_option(label="审核通过")
    await review.get_by_role("button", name="提交").click()  # an approval is not taken back: asked to confirm
    await township.wait_for_load_state()
    assert "提交后不能撤销" in await township.inner_text("#step-township-review")
    assert "TownshipReviewed" not in [r["type"] for r in stack.ledger.cases.event_records(uuid.UUID(case_id))]
    review = township.locator("#step-township-review")
    await review.get_by_label("结论").select_option(label="审核通过")
    await review.get_by_label("确认提交").check()
    await review.get_by_role("button", name="提交").click()
    await township.wait_for_url(f"**/console/cases/{case_id}?done=township-review")
    await shot(township, "case-reviewed")

    county = await console.page("desktop")
    await console.sign_in(county, "county")
    await county.goto(f"{console.base}/console/cases/{case_id}")
    decision = county.locator("#step-county-decision")
    await decision.get_by_label("结论").select_option(label="审定纳入")
    await decision.get_by_label("类别").select_option(label="边缘易致贫户")
    await decision.get_by_label("确认提交").check()
    await shot(county, "case-county")
    await decision.get_by_role("button", name="提交").click()
    await county.wait_for_url(f"**/console/cases/{case_id}?done=county-decision")
    assert "边缘易致贫户" in await county.inner_text("dl.facts")
    records = stack.ledger.cases.event_records(uuid.UUID(case_id))
    decided = [r for r in records if r["type"] in ("TownshipReviewed", "CountyDecided")]
    assert [(r["type"], r["actor"]["id"]) for r in decided] == [
        ("TownshipReviewed", "township-1"), ("CountyDecided", "county-1"),
    ]  # fmt: skip
    assert console.foreign == [] and console.errors == [], (console.foreign, console.errors)


async def test_the_administrator_keeps_accounts_and_a_disabled_user_is_out_at_once(console: Console) -> None:
    stack = console.stack
    admin = AccountRecord(user_id="admin-1", name="县管理员", role="admin", area_code=COUNTY)
    seed_accounts(stack, admin)
    cadre = await console.page("phone")
    await console.sign_in(cadre, "cadre")

    page = await console.page("desktop")
    await page.goto(f"{console.base}/console/login")
    await page.get_by_label("县管理员").check()
    await page.get_by_role("button", name="登录").click()
    await page.get_by_role("link", name="用户管理").first.click()
    await page.wait_for_url("**/console/admin/users")
    await shot(page, "users")

    form = page.locator("#user-form")
    await form.get_by_label("账号").fill("cadre-9")
    await form.get_by_label("姓名").fill("村干部九")
    await form.get_by_label("角色").select_option(label="乡镇审核")  # a township role with a village's code
    await form.get_by_label("区划代码").fill(VILLAGE)
    await form.get_by_label("原因").fill("新任")
    await form.get_by_role("button", name="保存").click()
    await page.wait_for_load_state()
    assert "该角色须对应相应级别的区划" in await page.inner_text("#user-form")
    assert stack.ledger.accounts.find("cadre-9") is None
    form = page.locator("#user-form")
    await form.get_by_label("角色").select_option(label="村干部/网格员")
    await form.get_by_role("button", name="保存").click()
    await page.wait_for_url("**/console/admin/users?done=saved")
    assert "村干部九" in await page.inner_text("main")

    # The cadre signed in on a phone is stopped at their next page once disabled.
    switch = page.locator("form.switch[action$='/cadre-1/disable']")
    await switch.get_by_label("停用原因").fill("调离")
    await switch.get_by_role("button", name="停用").click()
    await page.wait_for_url("**/console/admin/users?done=disable")
    await shot(page, "users-disabled")
    account = stack.ledger.accounts.find("cadre-1")
    assert account is not None and account.disabled
    await cadre.goto(f"{console.base}/console")
    assert cadre.url.endswith("/console/login")
    assert "村干部甲" not in await cadre.inner_text("main")  # and not offered to sign in with either
    assert console.foreign == [] and console.errors == [], (console.foreign, console.errors)


async def test_the_api_docs_work_offline_with_an_authorize_button(console: Console) -> None:
    page = await console.page("desktop")
    await page.goto(f"{console.base}/docs")
    await page.get_by_role("button", name="Authorize").wait_for()
    assert "底线" in await page.title()
    await page.get_by_text("入户核实: household-visit").first.wait_for()
    await shot(page, "docs")
    await page.goto(f"{console.base}/redoc")
    await page.get_by_text("household-visit").first.wait_for(state="attached")
    assert console.foreign == [], console.foreign  # no CDN: every script and style comes from the API


async def test_a_cadre_screens_a_household_at_risk_and_its_case_opens(console: Console) -> None:
    stack = console.stack
    now = datetime.now(UTC)
    record = household("HH-CON-001", VILLAGE, 71, size=3)
    stack.ledger.registry.register_household(Envelope(ACTORS["township"], "con-reg", now), record, reason="建档")
    stack.ledger.registry.register_staff(
        Envelope(ACTORS["township"], "con-staff", now), StaffRecord("S-CON-1", "网格员丙", StaffIdentity.GRID_WORKER, VILLAGE),
        reason="名册",
    )  # fmt: skip
    today = local_date(now)
    stack.ledger.campaigns.start_campaign(
        Envelope(ACTORS["township"], "con-camp", now), campaign_id=uuid.uuid4(), name="春季攻坚", scope=[VILLAGE],
        starts_on=today - timedelta(days=5), milestones={m: today + timedelta(days=30 + i) for i, m in enumerate(Milestone)},
    )  # fmt: skip
    await stack.caught_up()
    page = await console.page("phone")
    await console.sign_in(page, "cadre")
    assert record.members[0].name in await page.inner_text("#unscreened")  # the campaign's households left to screen
    await shot(page, "home-campaign")
    await page.get_by_role("link", name="农户").click()
    await page.get_by_label("户主姓名或户编号").fill(record.members[0].name)
    await page.get_by_role("button", name="查找", exact=True).click()
    await shot(page, "households")
    assert VILLAGE not in await page.inner_text("ul.cases")  # the village by its name, not its code
    # A member's ID number finds the household: posted, never in a URL, and in the access log without the number.
    await page.get_by_label("家庭成员证件号码").fill(record.members[1].id_number)
    await page.get_by_role("button", name="按证件号码查找").click()
    await page.wait_for_url("**/console/households/HH-CON-001")
    await stack.caught_up()
    logged = stack.services.registry.access(VILLAGE[:6], ACTORS["cadre"].id, None, 100)
    assert [e["target"] for e in logged if e["what"] == "household_by_id_number"] == ["HH-CON-001"]
    assert record.members[1].id_number not in str(logged)
    await page.goto(f"{console.base}/console/households?q={record.members[0].name}")
    await page.get_by_role("link", name=record.members[0].name).click()
    await page.wait_for_url("**/console/households/HH-CON-001")
    changes = await page.inner_text("#changes")
    assert "登记" in changes and "乡镇审核员" in changes and "建档" in changes  # who, what and why

    form = page.locator("#screening")
    await form.get_by_label("排查日期").fill(stack.day(-1))
    await form.get_by_label("排查方式").select_option(label="入户")
    await form.get_by_label("排查人员").fill("S-CON-1")
    await form.get_by_label("工资性收入（元/年）").fill("6000")  # 2,000 yuan a person: under the line
    await shot(page, "household")
    await form.get_by_role("button", name="记录排查").click()
    await page.wait_for_url("**/console/cases/*?done=screening")
    assert "识别中" in await page.inner_text("dl.facts")
    await shot(page, "case-opened")
    opened = uuid.UUID(page.url.split("/cases/")[1].split("?")[0])
    first = stack.ledger.cases.event_records(opened)[0]
    assert first["type"] == "CaseOpened" and first["payload"]["source"] == "cadre_screening"  # 干部排查
    await stack.caught_up()
    await page.goto(f"{console.base}/console")
    assert record.members[0].name not in await page.inner_text("#unscreened")  # screened in the campaign
    assert console.foreign == [] and console.errors == [], (console.foreign, console.errors)


async def test_a_township_imports_a_roster_and_reads_what_was_refused_row_by_row(console: Console) -> None:
    good, bad = household("HH-IMP-001", VILLAGE, 81), household("HH-IMP-002", VILLAGE, 82)
    rows = rows_of(good, bad)
    rows[-1]["birth_date"] = "1899-01-01"  # HH-IMP-002's last member: refused, and the household with it
    roster = SHOTS.parent / "roster-import.csv"
    roster.parent.mkdir(parents=True, exist_ok=True)
    roster.write_bytes(roster_bytes(rows, "csv"))

    page = await console.page("phone")
    await console.sign_in(page, "township")
    await page.goto(f"{console.base}/console/households")
    await page.get_by_role("link", name="导入农户花名册").click()
    async with page.expect_download() as download:
        await page.get_by_role("link", name="Excel 模板（.xlsx）").click()
    assert (await download.value).suggested_filename == "dixian-roster-template.xlsx"
    await page.get_by_label("花名册文件").set_input_files(str(roster))
    await page.get_by_role("button", name="导入").click()
    await page.wait_for_load_state()
    result = await page.inner_text("#result")
    assert "新登记\n1 户" in result and "未登记\n1 户" in result, result
    assert "HH-IMP-002" in await page.inner_text("ul.errors")
    await shot(page, "import")
    assert console.stack.ledger.registry.household_version("HH-IMP-001") == 1
    assert console.stack.ledger.registry.household_version("HH-IMP-002") == 0  # nothing of it written
    assert console.foreign == [] and console.errors == [], (console.foreign, console.errors)


async def test_the_township_reviews_several_cases_in_one_screen_each_its_own_step(console: Console) -> None:
    stack = console.stack
    ids = []
    for n in range(2):
        case_id = (await open_case(stack, key=f"batch-{n}-{uuid.uuid4().hex[:6]}", household_head=f"批量{n}"))[
            "case_id"
        ]
        await to_notice_closed(stack, case_id)
        ids.append(case_id)
    await stack.caught_up()
    page = await console.page("desktop")
    await console.sign_in(page, "township")
    await page.get_by_role("link", name="批量审核").click()
    await page.wait_for_url("**/console/approvals")
    await page.get_by_label("批量0 的结论").select_option(label="审核通过")  # 批量1 is left for later
    await page.get_by_role("button", name="提交选定的结论").click()
    await page.wait_for_load_state()
    assert "请勾选“确认提交”" in await page.inner_text("main")  # not taken back: asked to confirm, nothing recorded
    await page.get_by_label("批量0 的结论").select_option(label="审核通过")
    await page.get_by_label("确认提交").check()
    await shot(page, "approvals")
    await page.get_by_role("button", name="提交选定的结论").click()
    await page.wait_for_load_state()
    assert "已记录" in await page.inner_text("#results")
    reviewed = [
        [r["type"] for r in stack.ledger.cases.event_records(uuid.UUID(c))].count("TownshipReviewed") for c in ids
    ]
    assert reviewed == [1, 0]
    assert "批量1" in await page.inner_text("#batch") and "批量0" not in await page.inner_text("#batch")
    assert console.foreign == [] and console.errors == [], (console.foreign, console.errors)


async def test_a_responsible_person_is_not_shown_the_area_s_households(console: Console) -> None:
    stack = console.stack
    record = household("HH-RP-001", VILLAGE, 91, size=2)
    stack.ledger.registry.register_household(Envelope(ACTORS["township"], "rp-reg", datetime.now(UTC)), record,
                                             reason="建档")  # fmt: skip
    helper = AccountRecord(
        user_id="helper-1", name="陈帮扶", role="responsible_person", area_code=ACTORS["township"].area_code
    )
    seed_accounts(stack, helper)
    await stack.caught_up()
    page = await console.page("phone")
    await page.goto(f"{console.base}/console/login")
    await page.get_by_label("陈帮扶").check()
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url(f"{console.base}/console")
    assert await page.get_by_role("link", name="农户").count() == 0
    for path in ("/console/households", "/console/households/HH-RP-001"):
        answer = await page.goto(f"{console.base}{path}")
        assert answer is not None and answer.status == 403, path
        assert record.members[0].name not in await page.content()  # "一对一": only through their own cases
    assert console.foreign == [] and console.errors == [], (console.foreign, console.errors)
