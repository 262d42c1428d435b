"""The household roster (农户花名册) as imported: one row per member, the household's fields repeated on each of its
rows. This module turns rows of text into household records and says, row by row, what is wrong; reading CSV and
XLSX files is the job of ``workflows.registry.roster_files``.

The columns follow the national system's household and member fields (domain.md §9). Each column is known by its
Chinese header (as in the template) or by its English key; enumerated values may be given as the Chinese label or
the English value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from domain.kernel.errors import RuleViolationError
from domain.kernel.labels import Labelled, from_label, label
from domain.registry.rules import (
    HouseholdRecord,
    Member,
    check_effective_on,
    household_problems,
    member_problems,
    normalise_id_number,
)
from domain.registry.values import Health, HouseholdType, LabourSkill, Relation, Schooling, Sex, SocialAssistance

# A county's roster: about 100k–300k households (design.md "Scale") of 3–4 members, one row per member.
MAX_ROWS = 1_200_000
MAX_CELL = 200


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    household_level: bool
    help: str


COLUMNS: tuple[Column, ...] = (
    Column("household_number", "户编号", True, True, "全国防返贫监测信息系统的户编号，4–32位字母、数字或连字符"),
    Column("household_type", "户类型", True, True, "脱贫户 / 一般农户 / 脱贫不享受政策户"),
    Column("village_code", "村代码", True, True, "12位行政村（或集中安置点）代码"),
    Column("address", "住址", False, True, "不超过200字"),
    Column("phone", "联系电话", False, True, "11位手机号或带区号的固定电话"),
    Column("at_resettlement_site", "是否居住在易地搬迁集中安置点", False, True, "是 / 否，默认否"),
    Column(
        "effective_on",
        "登记日期",
        False,
        True,
        "YYYY-MM-DD：该户信息自哪天起成立（补录时填写实际日期，统计表按此日期计数），不晚于导入当天；默认导入当天",
    ),
    Column("name", "姓名", True, False, "家庭成员姓名"),
    Column("id_number", "证件号码", True, False, "18位居民身份证号（或20/22位残疾人证号），须为文本格式"),
    Column("relation", "与户主关系", True, False, " / ".join(label(r) for r in Relation)),
    Column("sex", "性别", True, False, "男 / 女"),
    Column("birth_date", "出生日期", True, False, "YYYY-MM-DD，须与证件号码一致"),
    Column("health", "健康状况", True, False, " / ".join(label(h) for h in Health)),
    Column("labour_skill", "劳动技能", True, False, " / ".join(label(s) for s in LabourSkill)),
    Column("schooling", "在校生状况", False, False, " / ".join(label(s) for s in Schooling) + "，默认非在校生"),
    Column("medical_insurance", "是否参加基本医疗保险", False, False, "是 / 否，默认是"),
    Column(
        "social_assistance", "低保特困", False, False, " / ".join(label(s) for s in SocialAssistance) + "，默认未享受"
    ),
    Column("migrant_work_place", "务工所在地", False, False, "外出务工的填写务工所在地"),
    Column("migrant_work_months", "务工时长（月）", False, False, "0–12，默认0"),
)
BY_NAME: dict[str, Column] = {c.key: c for c in COLUMNS} | {c.header: c for c in COLUMNS}
HOUSEHOLD_KEYS = tuple(c.key for c in COLUMNS if c.household_level)

_YES = {"是", "yes", "true", "1", "y"}
_NO = {"否", "no", "false", "0", "n", ""}


@dataclass(frozen=True)
class RowError:
    row: int  # the row number in the file (the header is row 1)
    household_number: str
    field: str
    rule: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "household_number": self.household_number,
            "field": self.field,
            "rule": self.rule,
            "message": self.message,
        }


@dataclass
class HouseholdRows:
    """One household's rows, parsed: the record (if every row parsed) and the errors, by row."""

    household_number: str
    rows: list[int] = field(default_factory=list)
    record: HouseholdRecord | None = None
    errors: list[RowError] = field(default_factory=list)
    effective_on: date | None = None  # 登记日期: the day its facts hold from, when entered later


@dataclass
class Roster:
    households: list[HouseholdRows]
    file_errors: list[RowError]  # the file as a whole (headers, size): nothing is imported
    orphan_errors: list[RowError]  # rows without a household number
    row_count: int


def header_problems(headers: list[str]) -> list[RowError]:
    out: list[RowError] = []
    seen: set[str] = set()
    for h in headers:
        column = BY_NAME.get(h.strip())
        if column is None:
            out.append(RowError(1, "", h, "known_column", f"未知的列“{h}”；请使用模板中的列名"))
        elif column.key in seen:
            out.append(RowError(1, "", h, "unique_column", f"列“{column.header}”重复"))
        else:
            seen.add(column.key)
    for c in COLUMNS:
        if c.required and c.key not in seen:
            out.append(RowError(1, "", c.key, "required_column", f"缺少必填列“{c.header}”"))
    return out


def _enum(enum: type[Labelled]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            return from_label(enum, text)
        except ValueError:
            allowed = " / ".join(label(m) for m in enum)
            raise ValueError(f"“{text}”不是有效值，应为 {allowed}") from None

    return parse


def _bool(text: str) -> bool:
    t = text.strip().lower()
    if t in _YES:
        return True
    if t in _NO:
        return False
    raise ValueError(f"“{text}”应为 是 或 否")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise ValueError(f"“{text}”不是 YYYY-MM-DD 格式的日期") from None


def _months(text: str) -> int:
    t = text.strip() or "0"
    if not t.isdigit():
        raise ValueError(f"“{text}”应为0–12的整数")
    return int(t)


def _text(text: str) -> str:
    return text.strip()


_PARSERS: dict[str, Callable[[str], Any]] = {
    "household_number": _text,
    "household_type": _enum(HouseholdType),
    "village_code": _text,
    "address": _text,
    "phone": _text,
    "at_resettlement_site": _bool,
    "effective_on": _date,
    "name": _text,
    "id_number": normalise_id_number,
    "relation": _enum(Relation),
    "sex": _enum(Sex),
    "birth_date": _date,
    "health": _enum(Health),
    "labour_skill": _enum(LabourSkill),
    "schooling": _enum(Schooling),
    "medical_insurance": _bool,
    "social_assistance": _enum(SocialAssistance),
    "migrant_work_place": _text,
    "migrant_work_months": _months,
}
_DEFAULTS = {
    "address": "",
    "phone": "",
    "at_resettlement_site": False,
    "effective_on": None,
    "schooling": Schooling.NOT_IN_SCHOOL,
    "medical_insurance": True,
    "social_assistance": SocialAssistance.NONE,
    "migrant_work_place": "",
    "migrant_work_months": 0,
}


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # C0 and C1 control characters, DEL


def _control_free(text: str) -> bool:
    return _CONTROL.search(text) is None


def parse_row(cells: Mapping[str, str], row: int) -> tuple[dict[str, Any], list[RowError]]:
    """One row's values by column key, and what is wrong with them."""
    number = cells.get("household_number", "").strip()
    values: dict[str, Any] = {}
    errors: list[RowError] = []
    for c in COLUMNS:
        raw = cells.get(c.key, "")
        if len(raw) > MAX_CELL or not _control_free(raw):
            errors.append(RowError(row, number, c.key, "text", f"“{c.header}”过长或含控制字符"))
            continue
        if not raw.strip():
            if c.required:
                errors.append(RowError(row, number, c.key, "required", f"“{c.header}”为必填项"))
            else:
                values[c.key] = _DEFAULTS[c.key]
            continue
        try:
            values[c.key] = _PARSERS[c.key](raw)
        except ValueError as e:
            errors.append(RowError(row, number, c.key, "value", f"{c.header}：{e}"))
    return values, errors


def member_of(values: Mapping[str, Any]) -> Member:
    return Member(
        name=values["name"],
        id_number=values["id_number"],
        relation=values["relation"],
        sex=values["sex"],
        birth_date=values["birth_date"],
        health=values["health"],
        labour_skill=values["labour_skill"],
        schooling=values["schooling"],
        medical_insurance=values["medical_insurance"],
        social_assistance=values["social_assistance"],
        migrant_work_place=values["migrant_work_place"],
        migrant_work_months=values["migrant_work_months"],
    )


def read_roster(headers: list[str], rows: Iterable[list[str]], today: date, first_row: int = 2) -> Roster:
    """Parse and check a roster: every row checked, households grouped by number (rows need not be adjacent).

    A row whose 户编号 is empty continues the household of the row above (a merged 户编号 cell, or the number given
    on the head's row only); its empty household-level cells are that row's. Rows before any numbered row belong
    to no household and are reported."""
    file_errors = header_problems(headers)
    if file_errors:
        return Roster([], file_errors, [], 0)
    keys = [BY_NAME[h.strip()].key for h in headers]
    groups: dict[str, HouseholdRows] = {}
    parsed: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    orphans: list[RowError] = []
    count = 0
    above: dict[str, str] | None = None  # the household-level cells of the last numbered row
    for index, cells in enumerate(rows, start=first_row):
        if not any(str(c).strip() for c in cells):
            continue  # blank line
        count += 1
        if count > MAX_ROWS:
            return Roster([], [RowError(index, "", "", "max_rows", f"一个文件不超过{MAX_ROWS}行")], [], count)
        by_key = {k: (str(cells[i]) if i < len(cells) else "") for i, k in enumerate(keys)}
        if not by_key.get("household_number", "").strip():
            if above is None:
                orphans.append(RowError(index, "", "household_number", "required", "“户编号”为必填项"))
                continue
            for key in HOUSEHOLD_KEYS:
                if not by_key.get(key, "").strip():
                    by_key[key] = above.get(key, "")
        else:
            above = {key: by_key.get(key, "") for key in HOUSEHOLD_KEYS}
        values, errors = parse_row(by_key, index)
        number = by_key["household_number"].strip()
        group = groups.setdefault(number, HouseholdRows(number))
        group.rows.append(index)
        group.errors.extend(errors)
        parsed.setdefault(number, []).append((index, values))
    for number, group in groups.items():
        if group.errors:
            continue
        _build(group, parsed[number], today)
    return Roster(list(groups.values()), [], orphans, count)


def _build(group: HouseholdRows, rows: list[tuple[int, dict[str, Any]]], today: date) -> None:
    first_row, first = rows[0]
    for row, values in rows[1:]:
        for key in HOUSEHOLD_KEYS:
            if values[key] != first[key]:
                group.errors.append(
                    RowError(
                        row,
                        group.household_number,
                        key,
                        "household_consistent",
                        f"同一户的“{BY_NAME[key].header}”须与第{first_row}行一致",
                    )
                )
    if group.errors:
        return
    members = tuple(member_of(values) for _, values in rows)
    record = HouseholdRecord(
        household_number=group.household_number,
        household_type=first["household_type"].value,
        village_code=first["village_code"],
        address=first["address"],
        phone=first["phone"],
        at_resettlement_site=first["at_resettlement_site"],
        members=members,
    )
    for (row, _), member in zip(rows, members, strict=True):
        for f, rule, message in member_problems(member, today):
            group.errors.append(RowError(row, group.household_number, f, rule, message))
    for f, rule, message in household_problems(record, today):
        group.errors.append(RowError(first_row, group.household_number, f, rule, message))
    try:
        check_effective_on(first["effective_on"], today)
    except RuleViolationError as e:
        group.errors.append(RowError(first_row, group.household_number, "effective_on", e.rule, e.message))
    if not group.errors:
        group.record, group.effective_on = record, first["effective_on"]


def record_rows(record: HouseholdRecord) -> list[dict[str, str]]:
    """A household as roster rows (column key → text), the inverse of :func:`read_roster` (used by the demo)."""
    rows = []
    for m in record.members:
        rows.append(
            {
                "household_number": record.household_number,
                "household_type": label(HouseholdType(record.household_type)),
                "village_code": record.village_code,
                "address": record.address,
                "phone": record.phone,
                "at_resettlement_site": "是" if record.at_resettlement_site else "否",
                "effective_on": "",
                "name": m.name,
                "id_number": m.id_number,
                "relation": label(m.relation),
                "sex": label(m.sex),
                "birth_date": m.birth_date.isoformat(),
                "health": label(m.health),
                "labour_skill": label(m.labour_skill),
                "schooling": label(m.schooling),
                "medical_insurance": "是" if m.medical_insurance else "否",
                "social_assistance": label(m.social_assistance),
                "migrant_work_place": m.migrant_work_place,
                "migrant_work_months": str(m.migrant_work_months),
            }
        )
    return rows
