"""公示名单: the households whose notice is running, with what a notice board may show and nothing more; as JSON,
CSV (formula-safe) or XLSX, only for the caller's area."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from domain.kernel.actors import Actor, Role
from domain.kernel.envelope import Envelope
from tests.domain.support import CaseDriver
from tests.integration.conftest import VILLAGE, Stack
from tests.integration.registry_support import household
from workflows.reports.files import notice_csv

TOWNSHIP = Actor("township-1", Role.TOWNSHIP_REVIEWER, "990102101", "乡镇审核员")


@pytest.mark.asyncio(loop_scope="session")
async def test_the_notice_list_names_the_household_and_why_and_nothing_private(stack: Stack) -> None:
    record = household("HH-NOTICE-1", VILLAGE, 71, size=3)
    stack.ledger.registry.register_household(Envelope(TOWNSHIP, "n-reg", datetime.now(UTC)), record, reason="x")
    posted, other = CaseDriver(stack.ledger), CaseDriver(stack.ledger)
    posted.open(household_number="HH-NOTICE-1")
    posted.through("notice", skip=("open",))  # 2026-02-14 to 02-18 at 村委会公示栏
    other.through("deliberation")  # no notice yet: not listed
    await stack.caught_up()

    r = await stack.http.get("/notices", headers=stack.headers("cadre"))
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["title"] == "拟纳入监测对象公示名单"
    assert doc["columns"] == ["序号", "户主姓名", "所在村", "家庭人口", "风险类型", "公示期", "公示地点"]
    head = record.members[0].name  # the registry's head: the case takes it from there
    [row] = [row for row in doc["rows"] if row[1] == head]
    assert row[2:] == [row[2], 3, "因病", "2026-02-14至2026-02-18", "村委会公示栏"] and row[2]
    for secret in (record.members[0].id_number, record.phone, "13800000000", "health", "id_number", "phone"):
        assert secret not in r.text, secret
    r = await stack.http.get("/notices", params={"format": "xlsx"}, headers=stack.headers("cadre"))
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None and sheet["A1"].value == "拟纳入监测对象公示名单" and sheet["B2"].value == "户主姓名"
    r = await stack.http.get("/notices", headers=stack.headers("other_cadre"))
    assert head not in r.text  # another village's list is its own
    r = await stack.http.get("/notices", params={"scope": VILLAGE}, headers=stack.headers("other_cadre"))
    assert r.status_code == 403


def test_a_name_that_looks_like_a_formula_stays_text_in_the_csv() -> None:
    doc = {"title": "拟纳入监测对象公示名单", "columns": ["序号", "户主姓名"], "rows": [[1, "=HYPERLINK('x')"]]}
    assert "1,'=HYPERLINK" in notice_csv(doc).decode("utf-8")
