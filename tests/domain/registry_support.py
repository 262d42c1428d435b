"""Builders for the registry tests: real ID numbers, members, households and staff of the seed township.

The GB 11643-1999 check character is computed here from the standard's definition (ISO 7064 MOD 11-2: weight
2^(17-i) mod 11, check value (12 - sum mod 11) mod 11, 10 written "X"), independently of the code under test.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from domain.registry.rules import HouseholdRecord, Member, StaffRecord
from domain.registry.values import Health, LabourSkill, Relation, Sex, StaffIdentity
from tests.domain.support import VILLAGE_CODE

REGION = "990102"  # the seed county's code (fictional province 99) as the ID number's address code
HEAD_BIRTH = date(1970, 5, 6)


def gb11643_check(first17: str) -> str:
    """The check character of the first 17 digits of a citizen ID number (GB 11643-1999, ISO 7064 MOD 11-2)."""
    assert len(first17) == 17 and first17.isdigit()
    total = sum(int(digit) * pow(2, 18 - position, 11) for position, digit in enumerate(first17, start=1))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def id_number(birth: date = HEAD_BIRTH, seq: int = 1, region: str = REGION) -> str:
    """A valid 18-character ID number of someone born on ``birth``; ``seq`` (1–999) tells people apart."""
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + gb11643_check(first17)


def wrong_check(number: str) -> str:
    """``number`` with its 18th character replaced by one that is not its check character."""
    right = number[17]
    wrong = "0" if right != "0" else "1"
    return number[:17] + wrong + number[18:]


def member(
    seq: int = 1, relation: Relation = Relation.HEAD, birth: date = HEAD_BIRTH, name: str = "", **kw: Any
) -> Member:
    """A healthy member of ordinary labour whose ID number matches the birth date."""
    values: dict[str, Any] = {
        "name": name or f"成员{seq}",
        "id_number": id_number(birth, seq),
        "relation": relation,
        "sex": Sex.MALE,
        "birth_date": birth,
        "health": Health.HEALTHY,
        "labour_skill": LabourSkill.ORDINARY,
    }
    values.update(kw)
    return Member(**values)


def family(first_seq: int = 1) -> tuple[Member, ...]:
    """Head, spouse and a child in school: three members with ID numbers ``first_seq`` … ``first_seq + 2``."""
    return (
        member(first_seq, Relation.HEAD, name="刘大山"),
        member(first_seq + 1, Relation.SPOUSE, date(1972, 8, 9), name="王秀兰", sex=Sex.FEMALE),
        member(first_seq + 2, Relation.CHILD, date(2012, 3, 15), name="刘小明", labour_skill=LabourSkill.NONE),
    )


def household(
    number: str = "HH-0001",
    members: tuple[Member, ...] | None = None,
    *,
    village_code: str = VILLAGE_CODE,
    **kw: Any,
) -> HouseholdRecord:
    values: dict[str, Any] = {
        "household_number": number,
        "household_type": "ordinary",
        "village_code": village_code,
        "address": "玉坪村三组12号",
        "phone": "13800138000",
        "at_resettlement_site": False,
        "members": family() if members is None else members,
    }
    values.update(kw)
    return HouseholdRecord(**values)


def staff(
    number: str = "S-001",
    area_code: str = VILLAGE_CODE,
    identity: StaffIdentity = StaffIdentity.VILLAGE_CADRE,
    **kw: Any,
) -> StaffRecord:
    values: dict[str, Any] = {
        "staff_number": number,
        "name": "张网格",
        "identity": identity,
        "area_code": area_code,
        "phone": "13900139000",
    }
    values.update(kw)
    return StaffRecord(**values)


def yuan(text: str | int) -> Decimal:
    return Decimal(str(text))


def rules(problems: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """(field, rule) of each problem, in order."""
    return [(f, r) for f, r, _ in problems]
