"""The statistical tables over HTTP: JSON, CSV and XLSX, scoped to the caller's area, with clear refusals."""

from __future__ import annotations

import io
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from tests.domain.support import CaseDriver
from tests.integration.conftest import OTHER_VILLAGE, TOWNSHIP, VILLAGE, Stack

pytestmark = pytest.mark.asyncio(loop_scope="session")
SPRING = "2026-02-01..2026-03-31"


async def test_a_table_comes_as_json_csv_and_xlsx_for_the_callers_area(stack: Stack) -> None:
    CaseDriver(stack.ledger).through("announcement")  # 边缘易致贫户, 3 persons, identified 2026-02-23 in village 1
    await stack.caught_up()

    r = await stack.http.get(
        "/reports/3-1", params={"scope": TOWNSHIP, "period": SPRING}, headers=stack.headers("township")
    )
    assert r.status_code == 200, r.text
    doc = r.json()
    assert (doc["annex"], doc["title"], doc["period"]["first_day"]) == ("附件3-1", "新增监测对象统计表", "2026-02-01")
    rows = {row["code"]: row["values"] for row in doc["rows"][1:]}
    assert doc["rows"][0]["unit"] == "县合计" and doc["rows"][0]["values"] == [1, 3, 0, 0, 1, 3, 0, 0]
    assert rows[VILLAGE] == [1, 3, 0, 0, 1, 3, 0, 0] and rows[OTHER_VILLAGE] == [0] * 8
    assert doc["cutoff"]["position"] == stack.ledger.recorder.max_notification_id()

    r = await stack.http.get("/reports/3-1", params={"period": SPRING, "format": "csv"}, headers=stack.headers("cadre"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith("\ufeff附件3-1".encode())
    assert "附件3-1_新增监测对象统计表_990102101001" in unquote(r.headers["content-disposition"])
    assert int(r.headers["x-dixian-cutoff"]) == doc["cutoff"]["position"]

    r = await stack.http.get(
        "/reports/3-4", params={"period": SPRING, "format": "xlsx"}, headers=stack.headers("county")
    )
    assert r.status_code == 200 and r.headers["content-type"].endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None and sheet["A2"].value == "全面排查工作开展情况统计表" and sheet["B6"].value == "市合计"


@pytest.mark.parametrize(
    ("who", "path", "params", "status", "field", "rule"),
    [
        ("other_cadre", "/reports/3-1", {"scope": VILLAGE, "period": SPRING}, 403, "scope", "jurisdiction"),
        ("township", "/reports/3-1", {"period": "2026-03-31..2026-02-01"}, 422, "period", "period_range"),
        ("township", "/reports/3-1", {}, 422, "period", "cycle_start"),  # no campaign, no plan date configured
        ("township", "/reports/3-1", {"period": SPRING, "cutoff": 10**12}, 409, "cutoff", "cutoff_reached"),
        ("township", "/reports/3-5", {"period": SPRING}, 422, "path.table", ""),
        ("township", "/reports/3-1", {"period": SPRING, "format": "pdf"}, 422, "query.format", ""),
        ("township", "/reports/3-1", {"scope": "99010210", "period": SPRING}, 422, "query.scope", ""),
    ],
)
async def test_a_table_asked_for_wrongly_is_refused_with_the_field_and_rule(
    stack: Stack, who: str, path: str, params: dict[str, object], status: int, field: str, rule: str
) -> None:
    r = await stack.http.get(path, params=params, headers=stack.headers(who))
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    error = r.json()["errors"][0]
    assert error["field"] == field and (not rule or error["rule"] == rule)
