"""统计报表 in the browser, over the real stack: every role the API lets read the tables sees the seed's four tables
(附件3-1 to 3-4) in the seed's layout, for the default two-week period, at a phone's size and a desktop's; the
帮扶责任人, whom the API refuses, is refused here too. The figures are the domain's, the files the API's. A village's
report is drafted, approved by its Party secretary and its committee director (two people, two capacities) and
submitted, each form recording once however often it is sent; the township then sees the village submitted, who
signed and when, and the tables summed from what was submitted."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from playwright.async_api import Page

from domain.accounts.commands import AccountRecord
from domain.kernel.envelope import Envelope
from domain.reports.periods import default_period
from domain.reports.tables import Table
from tests.browser.conftest import SIZES, Console, seed_accounts, shot
from tests.integration.conftest import ACTORS, COUNTY, TOWNSHIP, VILLAGE, Stack
from tests.integration.registry_support import household
from tests.integration.support import ok, open_case
from tests.scenarios import REGISTERED_VISIT, identification, walk
from workflows.reports.files import to_csv, to_xlsx

pytestmark = pytest.mark.asyncio(loop_scope="session")

RESIDENT = AccountRecord(user_id="resident-7", name="驻村干部庚", role="resident_cadre", area_code=VILLAGE)
HELPER = AccountRecord(user_id="helper-7", name="帮扶人辛", role="responsible_person", area_code=TOWNSHIP)
ADMIN = AccountRecord(user_id="admin-7", name="管理员壬", role="admin", area_code=COUNTY)
# Who reads the tables (the API's scoping: every role but 帮扶责任人), with where each one's page starts.
READERS = {
    "cadre": (ACTORS["cadre"].name, VILLAGE),
    "resident": (RESIDENT.name, VILLAGE),
    "township": (ACTORS["township"].name, TOWNSHIP),
    "county": (ACTORS["county"].name, COUNTY),
    "inspector": (ACTORS["inspector"].name, COUNTY),
    "ops": (ACTORS["ops"].name, COUNTY),
    "admin": (ADMIN.name, COUNTY),
}
SEED_3_1 = (["序号", "乡镇", "合计", "脱贫不稳定户", "边缘易致贫户", "突发严重困难户"], ["户数", "人数"] * 4)


async def people(stack: Stack) -> None:
    """The accounts the console fixture does not make: the village's director, a 驻村干部, the inspector, 运维, a
    管理员 and a 帮扶责任人."""
    seed_accounts(stack, RESIDENT, HELPER, ADMIN, ACTORS["director"], ACTORS["inspector"], ACTORS["ops"])


async def identified_today(stack: Stack) -> None:
    """A household of the village identified as a monitored object today (脱贫不稳定户, 3 persons), walked over the
    API from a visit five days ago; its steps at one minute past midnight, Shanghai, so that none lies ahead of now."""
    household = {"kind": "formerly_poor", "size": 3, "labour": 1}  # as the registry has it
    case_id = (await open_case(stack, key=f"rep-{uuid.uuid4().hex[:6]}", clue_offset=-6, household=household))[
        "case_id"
    ]
    moves = identification(visit=REGISTERED_VISIT, notice_days=5)
    first = stack.today - timedelta(days=5)

    async def take(move: Any, body: dict[str, Any]) -> dict[str, Any]:
        at = f"{first + timedelta(days=move.day)}T00:01:00+08:00"
        return await ok(stack, case_id, move.step, move.who, {**body, "occurred_at": at})

    view = await walk(moves, first, take)
    assert view["stage"] == "monitored", view


async def registered(stack: Stack) -> None:
    """Two households in the registry (table 3-4's 农户总数)."""
    now = datetime.now(UTC)
    for i, size in ((1, 4), (2, 2)):
        record = household(f"HH-REP-0{i}", VILLAGE, 70 + i, size=size)
        stack.ledger.registry.register_household(Envelope(ACTORS["township"], f"rep-reg-{i}", now), record,
                                                 reason="建档")  # fmt: skip


async def cells(page: Page, selector: str) -> list[str]:
    return [t.strip() for t in await page.locator(selector).all_inner_texts()]


async def test_each_role_that_may_read_the_tables_sees_them_in_the_seeds_layout(console: Console) -> None:
    stack = console.stack
    await people(stack)
    await identified_today(stack)
    await registered(stack)
    await stack.caught_up()
    first, last = default_period(stack.today)  # no campaign, no plan date: the default two-week period
    reports = stack.services.reports

    for who, (name, scope) in READERS.items():
        for size in SIZES:
            page = await console.page(size)
            await console.sign_in(page, name)
            answer = await page.goto(f"{console.base}/console/reports")
            assert answer is not None and answer.status == 200, (who, answer and answer.status)
            main = await page.inner_text("main")
            assert f"统计期 {first} 至 {last}" in main, (who, main[:200])
            for table in Table:
                assert await page.locator(f"#t{table.value} table.seed").count() == 1
            await shot(page, f"reports-{who}")
            # 3-1 as the seed prints it: two header rows (序号 and 乡镇 over both), the total row first, labelled
            # over 序号 and 乡镇; its figures the domain's for the area and the period.
            doc = reports.table(Table.NEW_OBJECTS, scope, reports.period(scope, None, stack.today))
            assert (doc["period"]["first_day"], doc["period"]["last_day"]) == (str(first), str(last))
            head = [await cells(page, f"#t3-1 thead tr:nth-child({n}) th") for n in (1, 2)]
            assert (head[0], head[1]) == SEED_3_1
            assert head == [[h["text"] for h in doc["headers"] if h["row"] == r] for r in (0, 1)]
            spans = await page.eval_on_selector_all(
                "#t3-1 thead th", "els => els.map(e => [e.textContent.trim(), e.rowSpan, e.colSpan])"
            )
            assert spans[:3] == [["序号", 2, 1], ["乡镇", 2, 1], ["合计", 1, 2]]
            total = await cells(page, "#t3-1 tbody tr:first-child > *")
            assert total == ["县合计", *map(str, doc["rows"][0]["values"])]
            assert doc["rows"][0]["values"] == [1, 3, 1, 3, 0, 0, 0, 0]  # the household identified today
            assert await page.locator("#t3-1 tbody tr:first-child th").get_attribute("colspan") == "2"
            rows = await page.locator("#t3-1 tbody tr").count()
            assert rows == len(doc["rows"])
            figures = reports.table(Table.SCREENING, scope, reports.period(scope, None, stack.today))
            assert "参与排查工作人员身份有重合的，只选一种身份。" in figures["note"]
            assert figures["note"] in await page.inner_text("#t3-4")
            if scope != VILLAGE:  # the staff above the villages (or townships) in their own labelled row, last
                above = figures["rows"][-1]
                assert above.get("above") and above["unit"].endswith("本级及上级人员")
                shown = await cells(page, "#t3-4 tbody tr:last-child > *")
                assert shown == ["", above["unit"], *map(str, above["values"])]
            # 农户总数: the two households registered here, six persons, and the one identified today (3 persons),
            # registered before its clue
            assert figures["rows"][0]["values"][1:3] == [3, 9]
            assert await cells(page, "#t3-4 tbody tr:first-child > *") == [
                "市合计", *map(str, figures["rows"][0]["values"])
            ]  # fmt: skip
            # The township and the county see which villages submitted; the village sees its sign-off.
            assert (await page.locator("#villages").count() == 1) is (scope != VILLAGE), who
            assert (await page.locator("#signoff").count() == 1) is (scope == VILLAGE), who
            if who in ("ops", "admin"):  # counts and statuses, never who signed
                assert "村干部甲" not in await page.content()
            await page.context.close()

    # The 帮扶责任人 reads their own households' cases and nothing else, as in the API.
    page = await console.page("phone")
    await console.sign_in(page, HELPER.name)
    answer = await page.goto(f"{console.base}/console/reports")
    assert answer is not None and answer.status == 403
    assert "帮扶责任人不查看统计报表" in await page.inner_text("main")
    await shot(page, "reports-refused")
    r = await stack.http.get("/reports/3-1", headers={"Authorization": page_token(stack, HELPER)})
    assert r.status_code == 403
    answer = await page.goto(f"{console.base}/console/reports/3-1/download?format=csv")
    assert answer is not None and answer.status == 403

    # Another village's figures are not the village cadre's to read, as in the API.
    await console.sign_in(page, ACTORS["cadre"].name)
    answer = await page.goto(f"{console.base}/console/reports?scope={TOWNSHIP}")
    assert answer is not None and answer.status == 403
    assert "未能显示报表：所涉区划不在您的辖区内" in await page.inner_text("main")

    # Reads are in the access log.
    await stack.caught_up()
    read = (await stack.http.get("/audit/access", headers=stack.headers("inspector"))).json()["items"]
    assert {("township-1", "reports"), ("ops-1", "reports")} <= {(x["actor_id"], x["what"]) for x in read}
    assert console.foreign == [] and console.errors == [], (console.foreign, console.errors)


def page_token(stack: Stack, record: AccountRecord) -> str:
    from api.auth import issue_token
    from domain.kernel.actors import Actor, Role
    from tests.integration.conftest import SECRET

    actor = Actor(record.user_id, Role(record.role), record.area_code, record.name)
    return f"Bearer {issue_token(SECRET, actor)}"


async def test_a_table_downloads_as_the_apis_csv_and_xlsx(console: Console) -> None:
    stack = console.stack
    await identified_today(stack)
    await stack.caught_up()
    first, last = default_period(stack.today)
    page = await console.page("desktop")
    await console.sign_in(page, ACTORS["township"].name)
    await page.goto(f"{console.base}/console/reports")
    files = {}
    for fmt, label in (("csv", "CSV"), ("xlsx", "Excel（XLSX）")):
        async with page.expect_download() as info:
            await page.locator("#t3-1 .files").get_by_role("link", name=label).click()
        download = await info.value
        assert download.suggested_filename == f"附件3-1_新增监测对象统计表_{TOWNSHIP}_{first}_{last}.{fmt}"
        files[fmt] = (await download.path()).read_bytes()

    # The same file the API serves (its bytes as of the cut-off it names), with its type and its two names.
    link = await page.locator("#t3-1 .files a", has_text="CSV").get_attribute("href")
    answer = await page.request.get(f"{console.base}{link}")
    assert answer.status == 200 and answer.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith(f'attachment; filename="report_3-1_{TOWNSHIP}_{first}_{last}.csv"; filename*=')
    assert (
        unquote(disposition.split("filename*=UTF-8''")[1])
        == f"附件3-1_新增监测对象统计表_{TOWNSHIP}_{first}_{last}.csv"
    )
    cutoff = int(answer.headers["x-dixian-cutoff"])
    reports = stack.services.reports
    doc = reports.table(Table.NEW_OBJECTS, TOWNSHIP, reports.period(TOWNSHIP, None, stack.today), cutoff)
    assert await answer.body() == to_csv(doc)
    api = await stack.http.get("/reports/3-1", params={"format": "csv", "cutoff": cutoff},
                               headers=stack.headers("township"))  # fmt: skip
    assert api.content == await answer.body() and api.headers["content-disposition"] == disposition
    rows = list(csv.reader(io.StringIO(files["csv"].decode("utf-8-sig"))))
    assert rows[:3] == [["附件3-1"], ["新增监测对象统计表"], [doc["filling_unit"]]]
    assert rows[5][1:] == ["县合计", "1", "3", "1", "3", "0", "0", "0", "0"]

    sheet = load_workbook(io.BytesIO(files["xlsx"])).active
    assert sheet is not None and sheet["A2"].value == "新增监测对象统计表" and sheet["B6"].value == "县合计"
    xlsx = await page.request.get(f"{console.base}{link.replace('format=csv', 'format=xlsx')}")
    assert xlsx.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert await xlsx.body() == to_xlsx(reports.table(Table.NEW_OBJECTS, TOWNSHIP, reports.period(
        TOWNSHIP, None, stack.today), int(xlsx.headers["x-dixian-cutoff"])))  # fmt: skip
    # A range of one's own: the page counts those days (the case identified today falls in them).
    await page.goto(f"{console.base}/console/reports")
    await page.locator("#picker summary").click()
    await page.get_by_label("起始日期").fill(str(first - timedelta(days=14)))
    await page.get_by_label("截止日期").fill(str(last))
    await page.get_by_role("button", name="查看").click()
    await page.wait_for_url("**/console/reports?*first=*")
    assert f"统计期 {first - timedelta(days=14)} 至 {last}" in await page.inner_text("main")
    assert "自定义起止日期。" in await page.inner_text("#picker")
    chosen = page.locator("#period option:checked")
    assert (await chosen.get_attribute("value")) == f"{first - timedelta(days=14)}..{last}"  # kept by the picker
    assert await cells(page, "#t3-1 tbody tr:first-child > *") == ["县合计", "1", "3", "1", "3", "0", "0", "0", "0"]
    await shot(page, "reports-range")
    # A range that runs backwards is refused in Chinese, and the page shows the current period instead.
    answer = await page.goto(f"{console.base}/console/reports?first={last}&last={first}")
    assert answer is not None and answer.status == 422
    assert "统计期间须从前往后" in await page.inner_text("main .error")
    assert f"统计期 {first} 至 {last}" in await page.inner_text("main")

    await stack.caught_up()
    read = (await stack.http.get("/audit/access", headers=stack.headers("inspector"))).json()["items"]
    files_read = [(x["what"], x["target"], x["path"]) for x in read if x["what"].startswith("report_file")]
    assert files_read == [("report_file", TOWNSHIP, "/console/reports/3-1/download")] * 4, read
    assert console.foreign == [] and console.errors == [], (console.foreign, console.errors)


async def form_fields(page: Page, form: str) -> dict[str, str]:
    names = await page.eval_on_selector_all(f"{form} input[type=hidden]", "els => els.map(e => [e.name, e.value])")
    return dict(names)


async def test_the_village_approves_twice_over_and_submits_and_the_township_sees_it(console: Console) -> None:
    stack = console.stack
    await people(stack)
    await identified_today(stack)
    await stack.caught_up()
    reports = stack.services.reports
    page = await console.page("phone")

    # The village cadre finds no report for the period yet and drafts it.
    await console.sign_in(page, ACTORS["cadre"].name)
    await page.goto(f"{console.base}/console/reports")
    assert "还没有生成本村报表" in await page.inner_text("#signoff")
    await page.locator("#draft").get_by_role("button", name="生成本期报表").click()
    await page.wait_for_url("**/console/reports?*done=drafted*")
    signoff = await page.inner_text("#signoff")
    assert "第 1 版" in signoff and "待审定" in signoff and "与下方报表一致" in signoff
    await shot(page, "reports-village-drafted")
    period = reports.period(VILLAGE, None, stack.today)
    report = reports.village_report(VILLAGE, period, ACTORS["cadre"])
    assert report is not None and report["tables"]["3-1"] == [1, 3, 1, 3, 0, 0, 0, 0]
    rid = uuid.UUID(report["report_id"])

    # Nobody holds the village's offices yet: no one may approve, and the page says how offices are registered.
    assert await page.locator("#approve").count() == 0
    assert "本村尚未登记村党组织书记和村委会主任" in await page.inner_text("#signoff")
    await shot(page, "reports-village-no-office")
    # The administrator registers them on the two cadres' accounts, in the console (用户管理).
    await console.sign_in(page, ADMIN.name)
    for cadre, office in ((ACTORS["cadre"], "party_secretary"), (ACTORS["director"], "committee_director")):
        await page.goto(f"{console.base}/console/admin/users")
        for field, value in (
            ("user_id", cadre.id),
            ("name", cadre.name),
            ("area_code", VILLAGE),
            ("reason", "村“两委”职务"),
        ):
            await page.locator(f"#u-{field}").fill(value)
        await page.locator("#u-role").select_option("village_cadre")
        await page.get_by_label("村职务").select_option(office)
        await page.locator("#user-form").get_by_role("button", name="保存").click()
        await page.wait_for_url("**/console/admin/users?done=saved")
    listed = await page.inner_text("main")
    assert "村职务：村党组织书记" in listed and "村职务：村委会主任" in listed
    await shot(page, "users-offices")

    # 村党组织书记 approves, offered only the office they hold; the same person as 村委会主任 is refused, in Chinese,
    # and nothing is recorded.
    await console.sign_in(page, ACTORS["cadre"].name)
    await page.goto(f"{console.base}/console/reports")
    offered = await page.eval_on_selector_all("#approve select option", "os => os.map(o => o.textContent.trim())")
    assert offered == ["请选择", "村党组织书记"]
    forged = {**await form_fields(page, "#approve"), "capacity": "committee_director", "idempotency_key": "forged-1"}
    await page.locator("#approve").get_by_label("审定身份").select_option(label="村党组织书记")
    await page.locator("#approve").get_by_role("button", name="审定第 1 版").click()
    await page.wait_for_url("**/console/reports?*done=approved*")
    assert "村党组织书记" in await page.inner_text("#signoff") and "村干部甲 已审定" in await page.inner_text(
        "#signoff"
    )
    refused = await page.request.post(f"{console.base}/console/reports/approvals", form=forged, max_redirects=0)
    assert "只有登记为本村该职务" in await refused.text()
    await page.set_content(await refused.text())
    await shot(page, "reports-village-refused")
    assert reports.stored_report(rid, ACTORS["cadre"])["version"] == 2  # drafted, approved once
    # Submitting before both have approved is refused (the form is not even offered yet).
    assert await page.locator("#submit").count() == 0

    # 村委会主任, a second person, approves; the form sent twice (a double click) records one approval.
    await console.sign_in(page, ACTORS["director"].name)
    await page.goto(f"{console.base}/console/reports")
    fields = {**await form_fields(page, "#approve"), "capacity": "committee_director"}
    url = f"{console.base}/console/reports/approvals"
    answers = [await page.request.post(url, form=fields, max_redirects=0) for _ in range(2)]
    assert [a.status for a in answers] == [303, 303]
    view = reports.stored_report(rid, ACTORS["cadre"])
    assert view["version"] == 3 and view["status"] == "approved"
    assert {c: a["id"] for c, a in view["approvals"].items()} == {
        "party_secretary": ACTORS["cadre"].id, "committee_director": ACTORS["director"].id
    }  # fmt: skip
    await page.goto(f"{console.base}/console/reports")
    assert "已审定" in await page.inner_text("#signoff")
    await shot(page, "reports-village-approved")

    # 上报, sent twice: one submission.
    fields = await form_fields(page, "#submit")
    url = f"{console.base}/console/reports/submission"
    answers = [await page.request.post(url, form=fields, max_redirects=0) for _ in range(2)]
    assert [a.status for a in answers] == [303, 303]
    view = reports.stored_report(rid, ACTORS["cadre"])
    assert view["version"] == 4 and view["status"] == "submitted" and view["submitted"]["id"] == "cadre-3"
    await page.goto(f"{console.base}/console/reports?done=submitted")
    assert "已上报乡镇" in await page.inner_text("main") and "已上报第 1 版" in await page.inner_text("#signoff")
    await shot(page, "reports-village-submitted")
    # A form without its CSRF token records nothing.
    refused = await page.request.post(url, form={**fields, "csrf": "x"}, max_redirects=0)
    assert refused.status == 403 and reports.stored_report(rid, ACTORS["cadre"])["version"] == 4
    await stack.caught_up()

    # The township sees the village submitted, who signed and when, and the tables of what was submitted.
    for size in SIZES:
        page = await console.page(size)
        await console.sign_in(page, ACTORS["township"].name)
        await page.goto(f"{console.base}/console/reports")
        heading = await page.inner_text("#villages h2")
        assert "已上报 1 / 16" in heading, heading
        row = await page.inner_text(f"#villages tr:has(a[href*='scope={VILLAGE}'])")
        assert "已上报" in row and "村干部甲" in row and "村主任丙" in row, row
        await shot(page, "reports-township-submissions")
        await page.get_by_label("数据口径").select_option(label="按各村已上报数")
        await page.get_by_role("button", name="查看").click()
        await page.wait_for_url("**/console/reports?*basis=submitted*")
        submitted = reports.submitted_table(Table.NEW_OBJECTS, TOWNSHIP, reports.period(TOWNSHIP, None, stack.today))
        assert submitted["submitted_villages"] == [VILLAGE]
        assert await cells(page, "#t3-1 tbody tr:first-child > *") == ["县合计", "1", "3", "1", "3", "0", "0", "0", "0"]
        other = await cells(page, "#t3-1 tbody tr:nth-child(3) > *")
        assert other[2:] == ["未上报"], other
        await shot(page, "reports-township-submitted-basis")
        await page.context.close()

    # New figures after the submission: the village drafts a second version, to be approved again by both; the
    # township still counts what was submitted.
    await identified_today(stack)
    await stack.caught_up()
    page = await console.page("phone")
    await console.sign_in(page, ACTORS["cadre"].name)
    await page.goto(f"{console.base}/console/reports")
    assert "第 1 版已上报。之后又有新的记录" in await page.inner_text("#signoff")
    assert await page.locator("#signoff details.version[open]").count() == 1  # the figures signed, shown open
    await shot(page, "reports-village-changed")
    await page.locator("#revise").get_by_label("修订原因").fill("补录一户")
    await page.locator("#revise").get_by_role("button", name="按最新数据重新生成").click()
    await page.wait_for_url("**/console/reports?*done=drafted*")
    signoff = await page.inner_text("#signoff")
    assert "第 2 版" in signoff and "待审定" in signoff and "已上报第 1 版" in signoff, signoff
    view = reports.stored_report(rid, ACTORS["cadre"])
    assert (view["revision"], view["approvals"], view["tables"]["3-1"][:2]) == (2, {}, [2, 6])
    await stack.caught_up()
    await console.sign_in(page, ACTORS["township"].name)
    await page.goto(f"{console.base}/console/reports?basis=submitted")
    row = await page.inner_text(f"#villages tr:has(a[href*='scope={VILLAGE}'])")
    assert "待审定（第 2 版）" in row and "第 1 版：村主任丙" in row, row
    assert await cells(page, "#t3-1 tbody tr:first-child > *") == ["县合计", "1", "3", "1", "3", "0", "0", "0", "0"]
    assert console.foreign == [] and console.errors == [], (console.foreign, console.errors)
