"""督导/审计 in the browser: the findings board of the area (filter, picture, export), a case's history (business
and recorded time, the case at a version and at a business date, what a person changed, its chain), the printable
dossier printed to PDF by Chromium and read back, verification from a button, and the access log; a role that may
not see them is refused as the API refuses it."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
import uuid

import pytest
from pypdf import PdfReader

from domain.accounts.commands import AccountRecord
from tests.browser.conftest import SHOTS, Console, seed_accounts, shot
from tests.conftest import TEST_COMMAND_KEY
from tests.integration.conftest import ACTORS, AUDIT_KEY, COUNTY, VILLAGE
from tests.integration.support import open_case, walk_over_http
from tests.scenarios import REGISTERED_VISIT, identification
from workflows.audit.service import verify_export

pytestmark = pytest.mark.asyncio(loop_scope="session")

INSPECTOR = AccountRecord(user_id="inspector-1", name="督导员", role="inspector", area_code=COUNTY)
OPS = AccountRecord(user_id="ops-1", name="运维甲", role="ops", area_code=COUNTY)
# 识别认定 through to the announcement: the visit on the first day, a five-day notice, approved on the sixth.
IDENTIFIED = identification(
    visit=REGISTERED_VISIT, cross_check_day=1, notice_day=1, notice_days=5,
    bodies={"cross-check": {"departments": ["公安", "人社"]},
            "village-deliberation": {"participants": 15, "minutes_ref": "纪要-1"},
            "public-notice:post": {"location": "村务公开栏"}},
)  # fmt: skip


async def test_an_inspector_reads_the_findings_a_case_s_history_and_its_dossier(console: Console) -> None:
    stack = console.stack
    seed_accounts(console.stack, INSPECTOR, OPS)
    late = await open_case(stack, key=f"late-{uuid.uuid4().hex[:6]}", clue_offset=-20, household_head="迟办户")
    formerly_poor = {"kind": "formerly_poor", "size": 3, "labour": 1}  # registered so: identified 脱贫不稳定户
    done = (await open_case(stack, key=f"done-{uuid.uuid4().hex[:6]}", household_head="档案户",
                            household=formerly_poor))["case_id"]  # fmt: skip
    await walk_over_http(stack, done, IDENTIFIED, -11)
    await stack.caught_up()

    page = await console.page("desktop")
    await console.sign_in(page, INSPECTOR.name)
    await page.get_by_role("link", name="核查发现").click()
    await page.wait_for_url("**/console/inspection")
    board = await page.inner_text("#findings")
    assert "迟办户" in board and "ID-01" in board  # the household head (inspectors see names) and the rule
    row = page.locator("#findings tr", has_text="迟办户")
    assert "5" in await row.locator("td").nth(3).inner_text()  # due 15 days after the clue, 20 days ago: 5 days late
    assert await page.locator("#findings", has_text=VILLAGE).count() == 0  # villages by name, never a bare code
    figures = await page.inner_text("#by-rule table")
    assert "ID-01" in figures
    await shot(page, "inspection-board")
    # Filtered to one rule, and exported: the file says what the board says.
    await page.get_by_label("规则").select_option("ID-01")
    await page.get_by_role("button", name="筛选").click()
    await page.wait_for_url("**/console/inspection?*rule=ID-01*")
    shown = await page.locator("#findings tbody tr").count()
    async with page.expect_download() as download:
        await page.get_by_role("link", name="导出 CSV").click()
    rows = list(csv.reader(io.StringIO((await (await download.value).path()).read_text(encoding="utf-8-sig"))))
    assert rows[0][:4] == ["规则", "问题", "严重程度", "户主"] and len(rows) - 1 == shown
    assert all(r[0] == "ID-01" for r in rows[1:]) and any(r[3] == "迟办户" for r in rows[1:])

    # The case's history: the evidence link lands on the event that proves it.
    await page.locator("#findings tr", has_text="迟办户").get_by_role("link").click()
    await page.wait_for_url(f"**/console/cases/{late['case_id']}/history#v1")
    assert "哈希链完整" in await page.inner_text("#chain")

    await page.goto(f"{console.base}/console/cases/{done}/history")
    events = await page.inner_text("#events")
    assert "县级审定" in events and "审定纳入" in events and "结果公告" in events
    await page.get_by_label("按版本").fill("2")
    await page.get_by_role("button", name="查看").click()
    await page.wait_for_load_state()
    assert "按版本：第 2 版" in await page.inner_text("main"), await page.inner_text("main")
    await page.goto(f"{console.base}/console/cases/{done}/history")
    await page.get_by_label("或按业务日期").fill(stack.day(-11))  # the visit's day: opened and visited by then
    await page.get_by_role("button", name="查看").click()
    await page.wait_for_load_state()
    said = await page.inner_text("main")
    assert f"按业务日期 {stack.day(-11)}" in said and "至第 2 版" in said, said
    await page.get_by_label("从版本").fill("1")
    await page.get_by_label("到版本").fill("2")
    await page.get_by_role("button", name="比较").click()
    changes = await page.inner_text("#changes")
    assert "入户人员" in changes and "allowed_steps" not in changes and "deadlines" not in changes
    # an inspector reads what changed masked as everywhere: the risk (health) recorded at the visit is withheld
    risk_row = page.locator("#changes tr", has_text="风险类型").first
    assert "***" in await risk_row.inner_text() and "因病" not in changes
    await shot(page, "inspection-history")

    # The dossier, printed by the browser to PDF and read back: the household and every approval on paper.
    await page.goto(f"{console.base}/console/cases/{done}/dossier")
    await shot(page, "dossier")
    await page.emulate_media(media="print")
    pdf = SHOTS / "dossier.pdf"
    await page.pdf(path=str(pdf), format="A4", print_background=True)
    # (a CJK font maps some characters to their Kangxi radical forms: NFKC gives the text as typed)
    text = unicodedata.normalize("NFKC", "".join(p.extract_text() or "" for p in PdfReader(str(pdf)).pages))
    squeezed = "".join(text.split())
    # (some glyphs read back as radicals that even NFKC leaves apart — 户 as 戶, 民 as ⺠ — so the household is
    # checked by its number, and the approvals by words without them)
    number = (await stack.http.get(f"/cases/{done}", headers=stack.headers("county"))).json()["household"][
        "household_number"
    ]
    assert number in squeezed, text[:400]
    for approval in ("公示无异议", "乡镇审核", "审核通过", "乡镇审核员", "县级审定", "审定纳入", "县级审定员"):
        assert approval in squeezed, (approval, text[:800])
    assert squeezed.startswith("防止返贫监测对象档案"), text[:200]  # the console's bar and links are not printed
    async with page.expect_download() as download:
        await page.emulate_media(media="screen")
        await page.get_by_role("link", name="下载离线核验凭证").click()
    assert (await download.value).suggested_filename == f"dixian-proofs-{done}.json"
    # and it verifies offline, with the keys the inspector trusts (the checkpoints' and the API's), not the file's
    proofs = json.loads((await (await download.value).path()).read_text(encoding="utf-8"))
    report = verify_export(proofs, AUDIT_KEY.public_key, TEST_COMMAND_KEY.public_key)
    assert report["holds"] is True, report
    assert verify_export(proofs, AUDIT_KEY.public_key, AUDIT_KEY.public_key)["holds"] is False  # the wrong key

    # Verification from a button, and the access log saying who read this case.
    await page.goto(f"{console.base}/console/inspection/verify")
    await page.get_by_label("案件编号").fill(done)
    await page.get_by_role("button", name="核验此案件").click()
    assert "核验通过" in await page.inner_text("#report")
    await shot(page, "inspection-verify")
    await page.goto(f"{console.base}/console/inspection/access?target={done}")
    access = await page.inner_text("#access")
    assert "督导员" in access and "case_dossier" in access
    await shot(page, "inspection-access")
    phone = await console.page("phone")  # each of these pages at a phone's size too
    await console.sign_in(phone, INSPECTOR.name)
    for path, name in (
        ("/console/inspection", "inspection-board"), (f"/console/cases/{done}/history?diff_from=1&diff_to=2",
        "inspection-history"), (f"/console/cases/{done}/dossier", "dossier"),
        ("/console/inspection/verify", "inspection-verify"), ("/console/inspection/access", "inspection-access"),
    ):  # fmt: skip
        answer = await phone.goto(f"{console.base}{path}")
        assert answer is not None and answer.status == 200, path
        await shot(phone, name)

    # The village, the township and the county read the same pages for their own area (the access log stays the
    # inspectors').
    for who in ("cadre", "township", "county"):
        await console.sign_in(phone, who)
        for path, name in (("/console/inspection", f"inspection-board-{who}"),
                           (f"/console/cases/{done}/history", f"inspection-history-{who}"),
                           (f"/console/cases/{done}/dossier", f"dossier-{who}")):  # fmt: skip
            answer = await phone.goto(f"{console.base}{path}")
            assert answer is not None and answer.status == 200, (who, path)
            await shot(phone, name)
        answer = await phone.goto(f"{console.base}/console/inspection")
        assert "迟办户" in await phone.inner_text("#findings"), who  # the late case lies in all three areas

    # 运维 see no case: the board, a history and a dossier are refused as the API refuses them.
    other = await console.page("phone")
    await console.sign_in(other, OPS.name)
    assert await other.get_by_role("link", name="核查发现").count() == 0
    for path in ("/console/inspection", f"/console/cases/{done}/history", f"/console/cases/{done}/dossier"):
        answer = await other.goto(f"{console.base}{path}")
        assert answer is not None and answer.status == 403, path
        assert "档案户" not in await other.content()
    await shot(other, "inspection-refused")
    # A village cadre reads the board (their own village) but not the access log, which is the inspectors'.
    await console.sign_in(other, ACTORS["cadre"].name)
    answer = await other.goto(f"{console.base}/console/inspection/access")
    assert answer is not None and answer.status == 403
    assert console.foreign == [] and console.errors == [], (console.foreign, console.errors)
