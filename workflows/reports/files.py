"""A table document (``ReportService.table``) as CSV or XLSX in the seed's layout: 附件 number, title, 填报单位, the two
merged header rows, the 合计 row first, then one row per unit, and the 填表说明 where the seed has one. The bytes depend
only on the document: the same cut-off gives the same file (fixed zip times and document properties)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import datetime
from typing import Any

from workflows.registry.roster_files import safe_cell

PROVENANCE = "数据截至事件序号 {position}；审计检查点 {checkpoint}；统计期 {first}至{last}"
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_FIXED_DOC_TIME = datetime(2000, 1, 1)
_DOC_DATES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def provenance(doc: dict[str, Any]) -> str:
    if doc["cutoff"]["position"] is None:  # the villages' submitted figures, each as of its own report
        villages = doc["cutoff"].get("villages", {})
        listed = "、".join(f"{v}第{r['revision']}版" for v, r in villages.items()) or "无"
        return f"各村上报数：{listed}；统计期 {doc['period']['first_day']}至{doc['period']['last_day']}"
    checkpoint = doc["cutoff"]["checkpoint"]
    label = f"第{checkpoint['number']}号 {checkpoint['root']}" if checkpoint else "无"
    return PROVENANCE.format(
        position=doc["cutoff"]["position"],
        checkpoint=label,
        first=doc["period"]["first_day"],
        last=doc["period"]["last_day"],
    )


def _header_grid(doc: dict[str, Any]) -> list[list[str]]:
    width = max(h["col"] + h["cols"] for h in doc["headers"])
    grid = [[""] * width for _ in range(2)]
    for h in doc["headers"]:
        grid[h["row"]][h["col"]] = h["text"]
    return grid


def to_csv(doc: dict[str, Any]) -> bytes:
    """UTF-8 with a byte-order mark (so that spreadsheet programs read the Chinese), CRLF line ends; a merged header
    cell's text stands in its first column."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow([doc["annex"]])
    w.writerow([doc["title"]])
    w.writerow([doc["filling_unit"]])
    for row in _header_grid(doc):
        w.writerow(row)
    for r in doc["rows"]:
        w.writerow([r["no"], r["unit"], *(r["values"] or [])])  # no figures: a village that has not submitted
    if doc["note"]:
        w.writerow([doc["note"]])
    w.writerow([provenance(doc)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(doc: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    width = max(h["col"] + h["cols"] for h in doc["headers"])
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = doc["table"]
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.cell(1, 1, doc["annex"])
    ws.cell(2, 1, doc["title"]).font = Font(bold=True, size=16)
    ws.cell(2, 1).alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws.cell(3, 1, doc["filling_unit"])
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=width)
    top = 4
    for r in range(top, top + 2):
        for c in range(1, width + 1):
            ws.cell(r, c).border = box
    for h in doc["headers"]:
        cell = ws.cell(top + h["row"], h["col"] + 1, h["text"])
        cell.alignment, cell.font = centre, Font(bold=True)
        if h["rows"] > 1 or h["cols"] > 1:
            ws.merge_cells(
                start_row=top + h["row"], start_column=h["col"] + 1,
                end_row=top + h["row"] + h["rows"] - 1, end_column=h["col"] + h["cols"],
            )  # fmt: skip
    row = top + 2
    for r in doc["rows"]:
        for c, value in enumerate([r["no"], r["unit"], *(r["values"] or [])], start=1):
            cell = ws.cell(row, c, value if value != "" else None)
            cell.border, cell.alignment = box, Alignment(horizontal="center", vertical="center")
        row += 1
    if doc["note"]:
        ws.cell(row, 1, doc["note"])
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        row += 1
    ws.cell(row, 1, provenance(doc)).font = Font(size=9, color="666666")
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 16
    for c in range(3, width + 1):
        ws.column_dimensions[get_column_letter(c)].width = 10
    ws.row_dimensions[top].height = 36 if doc["table"] == "3-3" else 24
    _print_setup(ws, top, row, width)
    wb.properties.creator = "Dixian"
    wb.properties.created = wb.properties.modified = _FIXED_DOC_TIME
    buffer = io.BytesIO()
    wb.save(buffer)
    return _deterministic(buffer.getvalue())


def _print_setup(ws: Any, header_row: int, last_row: int, width: int) -> None:
    """As the table is printed, stamped and handed up (issue 20): landscape A4, one page wide, centred, the title and
    the two header rows repeated on every page, the print area the table itself."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.page import PageMargins

    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.5, header=0.2, footer=0.2)
    ws.print_title_rows = f"1:{header_row + 1}"
    ws.print_area = f"A1:{get_column_letter(width)}{last_row}"


def _deterministic(xlsx: bytes) -> bytes:
    """The same workbook as the same bytes: fixed entry times, and fixed document dates (openpyxl stamps the time
    of saving)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _DOC_DATES.sub(rb"\g<1>2000-01-01T00:00:00Z\2", data)
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, data)
    return out.getvalue()


def _cells(row: list[Any]) -> list[Any]:
    """Names and places as text a spreadsheet never runs as a formula (OWASP CSV injection)."""
    return [safe_cell(v) if isinstance(v, str) else v for v in row]


def notice_csv(doc: dict[str, Any]) -> bytes:
    """The 公示名单 as CSV (UTF-8 with a byte-order mark): title, columns, one row per household."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow([doc["title"]])
    w.writerow(doc["columns"])
    for row in doc["rows"]:
        w.writerow(_cells(row))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def notice_xlsx(doc: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "公示名单"
    ws.append([doc["title"]])
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.append(doc["columns"])
    for row in doc["rows"]:
        ws.append(_cells(row))
    wb.properties.created = wb.properties.modified = _FIXED_DOC_TIME
    buffer = io.BytesIO()
    wb.save(buffer)
    return _deterministic(buffer.getvalue())
