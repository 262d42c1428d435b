"""The campaign pages (百日攻坚) in a real browser, at a phone's size and a desktop's, over the real stack: a township
starts a campaign through the form (sent twice, it starts one); each role that may read campaigns sees the campaigns
over its area and each village's progress, whose numbers are the coverage API's; a campaign outside the user's area
is not found, and the roles the API refuses are refused here."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.async_api import Page
from temporalio.client import WorkflowExecutionStatus

from api.auth import issue_token
from domain.campaigns.rules import default_milestones
from domain.campaigns.values import Milestone
from domain.cases.values import case_id_for_command
from domain.kernel.actors import Actor, Role
from domain.kernel.envelope import Envelope
from domain.kernel.errors import NotFoundError
from domain.kernel.privacy import sees_personal_data
from domain.registry.rules import StaffRecord
from domain.registry.values import StaffIdentity
from tests.browser.conftest import SIZES, Console, seed_accounts, shot
from tests.integration.conftest import ACTORS, COUNTY, OTHER_VILLAGE, SECRET, TOWNSHIP, VILLAGE, Stack
from tests.integration.registry_support import HIGH_INCOME, LOW_INCOME, household
from workflows.campaigns.contracts import ScreeningRequest, campaign_workflow_id

pytestmark = pytest.mark.asyncio(loop_scope="session")

RESIDENT = Actor("resident-1", Role.RESIDENT_CADRE, VILLAGE, "驻村干部丁")
HELPER = Actor("helper-1", Role.RESPONSIBLE_PERSON, TOWNSHIP, "陈帮扶")
READERS = {  # every role that reads campaigns
    "township": ACTORS["township"],
    "county": ACTORS["county"],
    "cadre": ACTORS["cadre"],
    "resident": RESIDENT,
    "inspector": ACTORS["inspector"],
}


def bearer(actor: Actor) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(SECRET, actor)}", "Idempotency-Key": uuid.uuid4().hex}


async def rows_of(page: Page, selector: str) -> list[list[str]]:
    """A table's body as text, a list of cells a row (its header cell first)."""
    return [
        [(await cell.inner_text()).strip() for cell in await row.locator("th, td").all()]
        for row in await page.locator(f"{selector} tbody tr").all()
    ]


async def test_a_township_starts_a_campaign_through_the_form_and_a_double_submit_starts_one(console: Console) -> None:
    stack = console.stack
    page = await console.page("phone")
    await console.sign_in(page, ACTORS["township"])
    await page.goto(f"{console.base}/console/campaigns")
    assert "本辖区还没有百日攻坚行动" in await page.inner_text("main")
    await shot(page, "campaigns-empty")
    await page.get_by_role("link", name="发起百日攻坚行动").click()
    await page.wait_for_url("**/console/campaigns/new")
    # The seed's milestones of the coming spring, shown and changeable; the township's villages by their names.
    for milestone, day in default_milestones(stack.today).items():
        assert await page.locator(f"#c-{milestone.value}").input_value() == day.isoformat()
    scope = page.locator("#scope")
    assert await scope.get_by_label("玉坪乡（全乡）").is_checked()
    assert "青龙村" in await scope.inner_text() and VILLAGE not in await scope.inner_text()
    await shot(page, "campaign-new")

    # The township and one of its villages: refused at the scope, in Chinese, and nothing started.
    key = await page.locator("input[name=idempotency_key]").input_value()
    campaign_id = case_id_for_command(f"campaign:{ACTORS['township'].id}:{key}")  # as the API derives it
    await scope.get_by_label("玉坪村", exact=True).check()
    await page.get_by_role("button", name="发起行动").click()
    await page.wait_for_load_state()
    assert "不能互相包含" in await page.inner_text("#scope")
    await shot(page, "campaign-new-refused")
    with pytest.raises(NotFoundError):
        stack.services.campaigns.campaign(campaign_id)

    await page.locator("#scope").get_by_label("玉坪村", exact=True).uncheck()
    await page.get_by_role("button", name="发起行动").click()
    await page.wait_for_url(f"**/console/campaigns/{campaign_id}?done=started")  # the form's key, kept
    assert "行动已发起" in await page.inner_text("main")
    assert "请先导入农户花名册" in await page.inner_text("#no-roster")  # no household registered yet
    await shot(page, "campaign-started")
    started = stack.services.campaigns.campaign(campaign_id)
    assert started["scope"] == [TOWNSHIP] and started["started_by"]["id"] == ACTORS["township"].id
    assert started["milestones"] == {m.value: d.isoformat() for m, d in default_milestones(stack.today).items()}
    # Its clock (the campaign workflow) runs, as when started through the API.
    handle = stack.temporal.get_workflow_handle(campaign_workflow_id(campaign_id))
    assert (await handle.describe()).status is WorkflowExecutionStatus.RUNNING

    # The same form sent twice at once (a double click): one campaign, and both answers lead to it.
    await page.goto(f"{console.base}/console/campaigns/new")
    fields: dict[str, str | float | bool] = {
        "csrf": await page.locator("#campaign-form input[name=csrf]").input_value(),
        "idempotency_key": await page.locator("#campaign-form input[name=idempotency_key]").input_value(),
        "name": "玉坪乡排查行动（复查）",
        "scope": VILLAGE,
        "starts_on": stack.day(0),
    }
    url = f"{console.base}/console/campaigns"
    answers = await asyncio.gather(*(page.request.post(url, form=fields, max_redirects=0) for _ in range(2)))
    assert [a.status for a in answers] == [303, 303]
    assert answers[0].headers["location"] == answers[1].headers["location"]
    await stack.caught_up()
    over = stack.services.campaigns.campaigns_over(TOWNSHIP)
    year = default_milestones(stack.today)[Milestone.SCREENING_DONE].year
    assert sorted(c["name"] for c in over) == sorted([f"玉坪乡{year}年防止返贫监测帮扶百日攻坚行动", fields["name"]])
    for size in SIZES:
        page = await console.page(size)
        await console.sign_in(page, ACTORS["township"])
        await page.goto(f"{console.base}/console/campaigns")
        assert "玉坪乡排查行动（复查）" in await page.inner_text("#campaigns")
        await shot(page, "campaigns-started")
        # The county chooses among the whole county, its townships and their villages.
        await console.sign_in(page, ACTORS["county"])
        await page.goto(f"{console.base}/console/campaigns/new")
        scope = page.locator("#scope")
        assert await scope.get_by_label("示范县（全县）").is_checked()
        assert await scope.get_by_label("玉坪乡（全乡）").count() == 1 and "向阳村" in await scope.inner_text()
        await shot(page, "campaign-new-county")
        # A milestone left empty while the others are set is refused at its own input.
        await page.locator("#c-procedures_done").fill("")
        await page.get_by_role("button", name="发起行动").click()
        await page.wait_for_load_state()
        assert await page.locator("#milestones .field.invalid").count() == 1
        await shot(page, "campaign-new-county-refused")
    assert console.foreign == [] and console.errors == [], (console.foreign, console.errors)


async def _campaign_with_screenings(stack: Stack) -> tuple[uuid.UUID, uuid.UUID, dict[str, Any]]:
    """A township campaign whose 全面排查 is due today: in 玉坪村 four of five households screened (入户, 电话), two at
    risk (one case opened, one 应纳未纳); in 青龙村 one of two (微信). Its 全面排查 recorded as of now. And a second
    campaign over 青龙村 only."""
    now, today = datetime.now(UTC), stack.today
    homes = {
        "A": household("HH-CMP-001", VILLAGE, 201), "M": household("HH-CMP-002", VILLAGE, 202, migrant=True),
        "B": household("HH-CMP-003", VILLAGE, 203), "C": household("HH-CMP-004", VILLAGE, 204),
        "D": household("HH-CMP-005", VILLAGE, 205), "W": household("HH-CMP-011", OTHER_VILLAGE, 211, migrant=True),
        "F": household("HH-CMP-012", OTHER_VILLAGE, 212),
    }  # fmt: skip
    township = ACTORS["township"]
    for record in homes.values():
        stack.ledger.registry.register_household(Envelope(township, f"reg-{record.household_number}", now), record,
                                                 reason="建档")  # fmt: skip
    for number, area in (("S-CMP-1", VILLAGE), ("S-CMP-2", OTHER_VILLAGE)):
        stack.ledger.registry.register_staff(Envelope(township, f"staff-{number}", now),
                                             StaffRecord(number, "网格员", StaffIdentity.GRID_WORKER, area),
                                             reason="名册")  # fmt: skip
    campaign_id, other_id = uuid.uuid4(), uuid.uuid4()
    for cid, name, scope in ((campaign_id, "玉坪乡春季攻坚", TOWNSHIP), (other_id, "青龙村专项排查", OTHER_VILLAGE)):
        stack.ledger.campaigns.start_campaign(
            Envelope(township, f"camp-{cid}", now), campaign_id=cid, name=name, scope=[scope],
            starts_on=today - timedelta(days=10),
            milestones={Milestone.SCREENING_DONE: today, Milestone.PROCEDURES_DONE: today + timedelta(days=15),
                        Milestone.SUMMARY_DONE: today + timedelta(days=20)},
        )  # fmt: skip

    def body(method: str, findings: dict[str, Any], screener: str = "S-CMP-1") -> dict[str, Any]:
        return {"campaign_id": str(campaign_id), "screened_on": stack.day(0), "method": method,
                "screener": screener, "findings": findings}  # fmt: skip

    for who, letter, method, findings, screener in (
        ("cadre", "A", "in_person", HIGH_INCOME, "S-CMP-1"),
        ("cadre", "M", "phone", HIGH_INCOME, "S-CMP-1"),
        ("cadre", "B", "in_person", LOW_INCOME, "S-CMP-1"),  # at risk: its case opens (识别中)
        ("township", "W", "wechat", HIGH_INCOME, "S-CMP-2"),
    ):
        number = homes[letter].household_number
        r = await stack.http.post(f"/households/{number}/screenings", json=body(method, findings, screener),
                                  headers=stack.headers(who, key=f"scr-{letter}"))  # fmt: skip
        assert r.status_code == 201, r.text
    # C at risk, but its case never opened (as if the API stopped between the two): 应纳未纳.
    lost = ScreeningRequest.model_validate(body("in_person", LOW_INCOME))
    stack.services.campaigns.record_screening(homes["C"].household_number, lost, actor=ACTORS["cadre"],
                                              command_id="cadre-1:lost", now=now)  # fmt: skip
    await stack.caught_up()
    missing = stack.services.campaigns.milestone_findings(campaign_id, Milestone.SCREENING_DONE, today)
    stack.ledger.campaigns.pass_milestone(campaign_id=campaign_id, milestone=Milestone.SCREENING_DONE,
                                          missing=missing, now=datetime.now(UTC))  # fmt: skip
    await stack.caught_up()
    return campaign_id, other_id, homes


async def test_each_reader_sees_the_villages_progress_as_the_coverage_api_counts_it(console: Console) -> None:
    stack = console.stack
    seed_accounts(stack, RESIDENT, ACTORS["inspector"])
    campaign_id, other_id, homes = await _campaign_with_screenings(stack)
    for who, actor in READERS.items():
        # The coverage as the API computes it for this reader (the service function its route calls).
        cov = stack.services.campaigns.coverage(campaign_id, actor.area_code)
        api = await stack.http.get(f"/campaigns/{campaign_id}/coverage", headers=bearer(actor))
        assert api.status_code == 200, api.text
        if sees_personal_data(actor.role):
            assert (api.json()["villages"], api.json()["totals"]) == (cov["villages"], cov["totals"])
        # (For 驻村干部 and 督导 the JSON answer's masking withholds the count of screenings by phone, its key "phone"
        # taken for a phone number; the page shows the count.)
        for size in SIZES:
            page = await console.page(size)
            await console.sign_in(page, actor)
            await page.goto(f"{console.base}/console/campaigns")
            assert "玉坪乡春季攻坚" in await page.inner_text("#campaigns")
            # The campaign over 青龙村 is listed for those whose area holds 青龙村 only.
            assert ("青龙村专项排查" in await page.inner_text("#campaigns")) is (actor.area_code != VILLAGE)
            await shot(page, f"campaigns-{who}")
            await page.get_by_role("link", name="玉坪乡春季攻坚").click()
            await page.wait_for_url(f"**/console/campaigns/{campaign_id}")
            await shot(page, f"campaign-{who}")
            main = await page.inner_text("main")
            assert VILLAGE not in main and OTHER_VILLAGE not in main  # villages by their names, never a bare code

            # The bars' numbers (the table under them) are the coverage API's, village by village.
            bars = await rows_of(page, "#coverage-bars table.chart-data")
            assert [row[:3] for row in bars] == [
                [v["village_name"], f"{v['screened_households']}户", f"{v['households']}户"] for v in cov["villages"]
            ]
            # So are the table's by village (with each village's cases in identification and 应纳未纳) and totals.
            table = await rows_of(page, "#by-village")
            opened = {VILLAGE: (1, 1), OTHER_VILLAGE: (0, 0)}
            assert [row[1:] for row in table[:-1]] == [
                [str(v[k]) for k in ("households", "persons", "screened_households", "screened_persons", "in_person",
                                     "phone", "wechat", "at_risk")] + [str(n) for n in opened[v["village_code"]]]
                for v in cov["villages"]
            ]  # fmt: skip
            assert [row[0].split()[0] for row in table[:-1]] == [v["village_name"] for v in cov["villages"]]
            t = cov["totals"]
            assert table[-1] == ["合计"] + [str(t[k]) for k in ("households", "persons", "screened_households",
                                 "screened_persons", "in_person", "phone", "wechat", "at_risk")] + ["1", "1"]  # fmt: skip

            # Not screened yet: by name, number and village; only the households of the reader's area.
            unscreened = await page.inner_text("#unscreened")
            expected = [homes[k] for k in ("D", "F") if homes[k].village_code.startswith(actor.area_code)]
            assert [h["household_number"] for h in cov["unscreened"]] == [r.household_number for r in expected]
            for h in cov["unscreened"]:
                record = next(r for r in homes.values() if r.household_number == h["household_number"])
                assert record.members[0].name in unscreened and h["household_number"] in unscreened
            for k in ("A", "M", "B", "C", "W"):
                assert homes[k].household_number not in unscreened
            assert homes["C"].members[0].name in await page.inner_text("#not-monitored")  # 应纳未纳
            # What 全面排查 found missing when it was recorded: the unscreened households, by village.
            recorded = await page.inner_text("#milestones")
            assert "已到期，有未完成" in recorded and "未排查农户" in recorded
            await page.context.close()

        if who == "cadre":  # village level: its own village only
            assert [v["village_code"] for v in cov["villages"]] == [VILLAGE]
            assert [h["household_number"] for h in cov["unscreened"]] == [homes["D"].household_number]
        if who == "township":
            assert cov["totals"]["screened_households"] == 5 and cov["totals"]["households"] == 7
            assert (cov["totals"]["in_person"], cov["totals"]["phone"], cov["totals"]["wechat"]) == (3, 1, 1)
            assert cov["totals"]["at_risk"] == 2

    # Reads are recorded in the access log as the API's are.
    logged = stack.services.registry.access(COUNTY, ACTORS["township"].id, None, 200)
    whats = {e["what"] for e in logged}
    assert {"campaign_list", "campaign", "coverage", "not_monitored_list"} <= whats

    # The campaign over 青龙村 is not found by 玉坪村's cadre, nor is a campaign that does not exist.
    page = await console.page("phone")
    await console.sign_in(page, ACTORS["cadre"])
    for cid in (str(other_id), str(uuid.uuid4()), "not-a-campaign"):
        answer = await page.goto(f"{console.base}/console/campaigns/{cid}")
        assert answer is not None and answer.status == 404, cid
        assert "没有找到该行动，或不在您的辖区内" in await page.inner_text("main")
    await shot(page, "campaign-not-found")
    api = await stack.http.get(f"/campaigns/{other_id}", headers=stack.headers("cadre"))
    assert api.status_code == 404  # as the API answers
    assert console.foreign == [] and console.errors == [], (console.foreign, console.errors)


async def test_the_roles_the_api_refuses_are_refused_and_only_township_or_county_start_one(console: Console) -> None:
    stack = console.stack
    seed_accounts(stack, ACTORS["ops"], HELPER, ACTORS["inspector"])
    await stack.caught_up()
    campaign_id = uuid.uuid4()
    today = stack.today
    stack.ledger.campaigns.start_campaign(
        Envelope(ACTORS["township"], "camp-refused", datetime.now(UTC)), campaign_id=campaign_id, name="春季攻坚",
        scope=[TOWNSHIP], starts_on=today, milestones={m: today + timedelta(days=20 + i) for i, m in enumerate(Milestone)},
    )  # fmt: skip
    await stack.caught_up()
    for actor, rule_words in ((ACTORS["ops"], "不查看案件、农户"), (HELPER, "只能查看分配给自己的农户")):
        page = await console.page("phone")
        await console.sign_in(page, actor)
        for path in ("", f"/{campaign_id}", "/new"):
            answer = await page.goto(f"{console.base}/console/campaigns{path}")
            assert answer is not None and answer.status == 403, (actor.role, path)
            assert rule_words in await page.inner_text("main")
            assert "春季攻坚" not in await page.content()
        await shot(page, f"campaigns-refused-{actor.role.value}")
        api = await stack.http.get(f"/campaigns/{campaign_id}", headers=bearer(actor))
        assert api.status_code == 403  # as the API refuses them
        await page.context.close()

    # A village cadre and an inspector read campaigns but do not start them: no form, and a refusal if asked.
    for actor in (ACTORS["cadre"], ACTORS["inspector"]):
        page = await console.page("desktop")
        await console.sign_in(page, actor)
        await page.goto(f"{console.base}/console/campaigns")
        assert await page.get_by_role("link", name="发起百日攻坚行动").count() == 0
        answer = await page.goto(f"{console.base}/console/campaigns/new")
        assert answer is not None and answer.status == 403
        assert "只有乡镇或县级人员可以发起排查行动" in await page.inner_text("main")
        # Posted all the same (a form kept from elsewhere), it is refused as the API refuses it, and starts nothing.
        key = uuid.uuid4().hex
        csrf = await page.locator("header input[name=csrf]").input_value()
        form: dict[str, str | float | bool] = {
            "csrf": csrf, "idempotency_key": key, "name": "村里的行动", "scope": VILLAGE, "starts_on": stack.day(0),
        }  # fmt: skip
        posted = await page.request.post(f"{console.base}/console/campaigns", form=form, max_redirects=0)
        assert posted.status == 403 and "只有乡镇或县级人员可以发起排查行动" in await posted.text()
        with pytest.raises(NotFoundError):
            stack.services.campaigns.campaign(case_id_for_command(f"campaign:{actor.id}:{key}"))
        await shot(page, f"campaign-new-refused-{actor.role.value}")
        await page.context.close()
    assert console.foreign == [] and console.errors == [], (console.foreign, console.errors)
