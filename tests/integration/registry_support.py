"""Small rosters for the registry tests: valid households built member by member, as CSV or XLSX bytes."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.registry.roster import COLUMNS, record_rows
from domain.registry.rules import HouseholdRecord, Member, id_check_character
from domain.registry.values import Health, HouseholdType, LabourSkill, Relation, Sex
from workflows.registry.roster_files import write_csv, write_xlsx


def id_number(birth: date, serial: int) -> str:
    first17 = f"990102{birth:%Y%m%d}{serial % 1000:03d}"
    return first17 + id_check_character(first17)


def household(
    number: str,
    village: str,
    serial: int,
    *,
    size: int = 3,
    migrant: bool = False,
    kind: HouseholdType = HouseholdType.ORDINARY,
) -> HouseholdRecord:
    members = []
    for i in range(size):
        birth = date(1970 + i * 15 % 50, 1 + i, 10 + i)
        members.append(
            Member(
                name=f"成员{number[-3:]}{i}",
                id_number=id_number(birth, serial * 10 + i),
                relation=Relation.HEAD if i == 0 else Relation.CHILD,
                sex=Sex.MALE if i % 2 == 0 else Sex.FEMALE,
                birth_date=birth,
                health=Health.HEALTHY,
                labour_skill=LabourSkill.ORDINARY,
                migrant_work_place="浙江宁波" if migrant and i == 0 else "",
                migrant_work_months=8 if migrant and i == 0 else 0,
            )
        )
    return HouseholdRecord(number, kind.value, village, f"{village[-3:]}村1组", "13800001111", False, tuple(members))


def rows_of(*records: HouseholdRecord) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for r in records:
        out.extend(record_rows(r))
    return out


def roster_bytes(rows: list[dict[str, str]], fmt: str) -> bytes:
    headers = [c.header for c in COLUMNS]
    table = [[row.get(c.key, "") for c in COLUMNS] for row in rows]
    if fmt == "csv":
        return write_csv(headers, table)
    return write_xlsx([("花名册", headers, table)])


CONTENT_TYPE = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

LOW_INCOME: dict[str, Any] = {"wage_income": "6000", "transfer_income": "3000"}  # 9,000 for 3: under the line
HIGH_INCOME: dict[str, Any] = {"wage_income": "60000", "business_income": "12000"}  # 24,000 a head
