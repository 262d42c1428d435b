"""The tables as files in the seed's layout: merged header cells, the 合计 row first, 填报单位 and 填表说明; the same
document always gives the same bytes."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from domain.reports.tables import NOTES, TITLES, TOTAL_LABEL, Table, headers
from workflows.reports.files import to_csv, to_xlsx


def document(table: Table) -> dict[str, Any]:
    width = max(h.col + h.cols for h in headers(table))
    annex, title = TITLES[table]
    return {
        "table": table.value, "annex": annex, "title": title, "filling_unit": "填报单位：玉坪村村委会  (盖章)",
        "period": {"first_day": "2023-03-01", "last_day": "2023-03-14"},
        "cutoff": {"position": 42, "checkpoint": {"number": 3, "root": "ab" * 32, "through": 40, "key_id": "k"}},
        "headers": [{"text": h.text, "row": h.row, "col": h.col, "rows": h.rows, "cols": h.cols} for h in headers(table)],
        "rows": [{"no": "", "unit": TOTAL_LABEL[table], "code": "990102101", "values": list(range(width - 2))},
                 {"no": 1, "unit": "玉坪村", "code": "990102101001", "values": list(range(width - 2))}],
        "note": NOTES.get(table, ""),
    }  # fmt: skip


def test_the_seed_headers_of_each_table() -> None:
    texts = {t: [h.text for h in headers(t) if h.row == 0] for t in Table}
    assert texts[Table.NEW_OBJECTS] == ["序号", "乡镇", "合计", "脱贫不稳定户", "边缘易致贫户", "突发严重困难户"]
    assert texts[Table.ROLLBACKS] == texts[Table.NEW_OBJECTS]
    assert texts[Table.ASSISTANCE] == ["序号", "乡镇", "未消除风险总数", "排查帮扶\n措施不及时数量", "整改帮扶\n措施不及时数量",
                                       "排查帮扶\n措施不精准数量", "整改帮扶\n措施不精准数量", "排查帮扶\n成效不明显数量",
                                       "整改帮扶\n成效不明显数量"]  # fmt: skip
    assert texts[Table.SCREENING] == ["序号", "乡镇", "排查村个数", "农户总数", "排查农户数量", "参与排查工作人员情况"]
    second = [h.text for h in headers(Table.SCREENING) if h.row == 1]
    assert second == ["户数", "人数", "户数", "人数", "总人数", "县直部门人数", "乡镇干部人数", "村干部人数", "驻村干部人数",
                      "乡村医生人数", "网格员人数", "帮扶责任人人数"]  # fmt: skip
    assert [h.text for h in headers(Table.ASSISTANCE) if h.row == 1] == ["户数", "人数"] * 7
    assert TOTAL_LABEL[Table.NEW_OBJECTS] == "县合计" and TOTAL_LABEL[Table.SCREENING] == "市合计"  # as printed
    assert NOTES[Table.SCREENING] == "填表说明：参与排查工作人员身份有重合的，只选一种身份。"


@pytest.mark.parametrize("table", list(Table))
def test_the_workbook_has_the_seed_layout_with_merged_headers(table: Table) -> None:
    doc = document(table)
    sheet = load_workbook(io.BytesIO(to_xlsx(doc))).active
    assert sheet is not None
    assert (sheet["A1"].value, sheet["A2"].value, sheet["A3"].value) == (
        doc["annex"],
        doc["title"],
        doc["filling_unit"],
    )
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A4:A5", "B4:B5"} <= merged  # 序号 and 乡镇 span both header rows
    for h in headers(table):
        assert sheet.cell(4 + h.row, h.col + 1).value == h.text
    assert "C4:D4" in merged if table is not Table.SCREENING else "C4:C5" in merged
    assert (sheet["A6"].value, sheet["B6"].value, sheet["B7"].value) == (None, TOTAL_LABEL[table], "玉坪村")
    assert [c.value for c in sheet[6][2:]] == doc["rows"][0]["values"]
    tail = [sheet.cell(r, 1).value for r in range(8, 10)]
    assert (NOTES.get(table, "∅") in tail) is (table is Table.SCREENING)
    assert any(str(v).startswith("数据截至事件序号 42；审计检查点 第3号 abab") for v in tail if v)


def test_the_same_document_gives_the_same_bytes() -> None:
    doc = document(Table.ASSISTANCE)
    assert to_xlsx(doc) == to_xlsx(doc) and to_csv(doc) == to_csv(doc)


def test_the_csv_opens_in_a_spreadsheet_with_its_chinese() -> None:
    lines = to_csv(document(Table.NEW_OBJECTS)).decode("utf-8").split("\r\n")
    assert lines[0] == "\ufeff附件3-1" and lines[1] == "新增监测对象统计表"
    assert lines[3].startswith("序号,乡镇,合计,,脱贫不稳定户,,边缘易致贫户,,突发严重困难户")
    assert lines[4] == ",,户数,人数,户数,人数,户数,人数,户数,人数"
    assert lines[5] == ",县合计,0,1,2,3,4,5,6,7"


def test_a_row_without_figures_is_left_blank() -> None:
    doc = document(Table.NEW_OBJECTS)
    doc["rows"][1]["values"] = None  # a village that has not submitted, in a township's table of submitted reports
    assert to_csv(doc).decode("utf-8").split("\r\n")[6] == "1,玉坪村"
    sheet = load_workbook(io.BytesIO(to_xlsx(doc))).active
    assert sheet is not None and sheet["B7"].value == "玉坪村" and sheet["C7"].value is None
