"""A department's alert file (CSV or XLSX, one template per department): rows of text in, ``AlertRecord``s out, every
row checked before any is pushed; and the template back out. Read like the roster (bounded, nothing evaluated)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from domain.discovery.alert_commands import MAX_ALERTS, AlertRecord
from domain.discovery.rules import kinds_of
from domain.discovery.values import AlertKind
from domain.kernel.actors import Department
from domain.kernel.errors import RuleViolationError
from workflows.registry.roster_files import read_table, write_csv, write_xlsx

MAX_BYTES = 5 * 1024 * 1024  # 2,000 rows of a few hundred bytes, with room
# The template's columns: (header, field, required, what to write).
COLUMNS: list[tuple[str, str, bool, str]] = [
    ("身份证号", "id_number", True, "18位居民身份证号，以文本格式填写"),
    ("姓名", "name", True, "与身份证一致"),
    ("预警类型", "kind", True, "本部门的预警类型之一（见下）"),
    ("发生日期", "occurred_on", True, "YYYY-MM-DD，一年之内"),
    ("金额（元）", "amount", False, "医疗自付费用、灾害损失等涉及金额的类型必填"),
    ("情况说明", "details", False, "不超过500字"),
    ("部门编号", "reference", False, "本部门的记录编号，便于对账"),
    ("所在村或乡镇代码", "area_code", False, "12位村代码或9位乡镇代码；身份证号不在农户信息库中时据此分派"),
]
HEADERS = [c[0] for c in COLUMNS]


def _kind(text: str) -> AlertKind | None:
    """The kind a cell names, by its label or value (another department's kind too: the push names that rule)."""
    return next((kind for kind in AlertKind if text in (kind.value, kind.label)), None)


def read_alerts(data: bytes, fmt: str, department: Department) -> tuple[list[AlertRecord], list[int]]:
    """The file's rows as alerts, with the file's row number of each, or a refusal naming every cell that cannot be
    read (by its row in the file)."""
    table = read_table(data, fmt, max_bytes=MAX_BYTES, max_rows=MAX_ALERTS + 10)
    missing = [h for h in HEADERS if h not in table.headers]
    if missing:
        raise RuleViolationError(f"表头与模板不符，缺少：{'、'.join(missing)}", field="body", rule="alert_template")
    at = {h: table.headers.index(h) for h in HEADERS}
    records: list[AlertRecord] = []
    rows: list[int] = []
    problems: list[dict[str, str]] = []
    for offset, row in enumerate(table.rows):
        if not any(cell.strip() for cell in row):
            continue
        number = table.first_row + offset
        cells = {field: (row[at[h]] if at[h] < len(row) else "").strip() for h, field, _, _ in COLUMNS}

        def bad(field: str, rule: str, message: str, number: int = number) -> None:
            problems.append({"field": f"row {number}.{field}", "rule": rule, "message": f"第{number}行：{message}"})

        for header, field, required, _ in COLUMNS:
            if required and not cells[field]:
                bad(field, "required", f"{header}必填")
        kind = _kind(cells["kind"]) if cells["kind"] else None
        if cells["kind"] and kind is None:
            bad("kind", "value", f"预警类型须为：{'、'.join(k.label for k in kinds_of(department))}")
        occurred: date | None = None
        if cells["occurred_on"]:
            try:
                occurred = date.fromisoformat(cells["occurred_on"][:10])
            except ValueError:
                bad("occurred_on", "format", "发生日期须为 YYYY-MM-DD")
        amount: Decimal | None = None
        if cells["amount"]:
            try:
                amount = Decimal(cells["amount"].replace(",", ""))
                if not amount.is_finite():
                    raise InvalidOperation
            except InvalidOperation:
                bad("amount", "format", "金额须为数字（元）")
        if kind is not None and occurred is not None and cells["id_number"] and cells["name"]:
            records.append(AlertRecord(
                id_number=cells["id_number"], name=cells["name"], kind=kind, occurred_on=occurred, amount=amount,
                details=cells["details"], reference=cells["reference"], area_code=cells["area_code"],
            ))  # fmt: skip
            rows.append(number)
    if problems:
        first = problems[0]
        raise RuleViolationError(first["message"], field=first["field"], rule=first["rule"], violations=problems)
    return records, rows


def by_row(error: RuleViolationError, rows: list[int]) -> RuleViolationError:
    """A push's refusal (naming ``alerts[i]``) said of the file's rows instead (``row N``, 第N行)."""
    out = []
    for v in error.violations:
        field, message = v["field"], v["message"]
        match = re.match(r"alerts\[(\d+)\]\.(.*)", field)
        if match and int(match[1]) < len(rows):
            i, row = int(match[1]), rows[int(match[1])]
            field = f"row {row}.{match[2]}"
            message = message.replace(f"第{i + 1}条：", f"第{row}行：", 1)
        out.append({"field": field, "rule": v["rule"], "message": message})
    first = out[0]
    return RuleViolationError(first["message"], field=first["field"], rule=first["rule"], violations=out)


def alert_template(department: Department, fmt: str) -> bytes:
    """The department's template: the header row, and (XLSX) a sheet saying what each column takes."""
    kinds = "、".join(f"{k.label}（{k.value}）" for k in kinds_of(department))
    notes = [[h, "是" if required else "否", what] for h, _, required, what in COLUMNS]
    notes.append(["预警类型", "", f"{department.label}：{kinds}"])
    if fmt == "csv":
        return write_csv(HEADERS, [])
    return write_xlsx([("预警信息", HEADERS, []), ("填写说明", ["列", "必填", "说明"], notes)])
