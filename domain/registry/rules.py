"""Rules of the household and staff registry: what a valid member, household and staff record is.

Sources: the national system's fields and value lists (domain.md §9), the seed plan's table 3-4 (one identity per
person) and GB 11643-1999 (the check character of the 18-character citizen ID number).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from domain.kernel.areas import CODE_LENGTH, AreaLevel, AreaTree
from domain.kernel.errors import RuleViolationError
from domain.registry.values import (
    Health,
    HouseholdType,
    LabourSkill,
    Relation,
    Schooling,
    Sex,
    SocialAssistance,
    StaffIdentity,
)

# GB 11643-1999: 17 digits weighted 2^(17-i) mod 11, the sum mod 11 picks the check character.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID18 = re.compile(r"^[1-9][0-9]{16}[0-9X]$")
# The national export accepts ID numbers of 18, 20 and 22 characters (domain.md §9: "lengths 18/20/22 accepted"):
# the 20- and 22-character forms are the 18-character number followed by 2 or 4 more digits (disability cards).
_ID_LONG = re.compile(r"^[1-9][0-9]{16}[0-9X]([0-9]{2}|[0-9]{4})$")
# Mainland mobile (11 digits from 1) or a landline with area code.
_PHONE = re.compile(r"^(1[3-9][0-9]{9}|0[1-9][0-9]{1,2}-?[0-9]{7,8})$")
HOUSEHOLD_NUMBER = re.compile(r"^[0-9A-Za-z-]{4,32}$")
STAFF_NUMBER = re.compile(r"^[0-9A-Za-z-]{2,32}$")
MAX_MEMBERS = 30
MAX_MIGRANT_MONTHS = 12  # 务工时长(月) within the year (domain.md §9)
EARLIEST_BIRTH = date(1900, 1, 1)
EARLIEST_EFFECTIVE = date(2020, 3, 1)  # the monitoring mechanism began in March 2020 (domain.md §1)
LABOUR_CAPABLE = frozenset({LabourSkill.ORDINARY, LabourSkill.SKILLED, LabourSkill.WEAK_OR_HALF})


def id_check_character(first17: str) -> str:
    if len(first17) != len(_ID_WEIGHTS):
        raise ValueError("the check character is computed over 17 digits")
    return _ID_CHECK[sum(map(operator.mul, map(int, first17), _ID_WEIGHTS)) % 11]


def person_key(id_number: str) -> str:
    """The person an ID number names: its 18-character citizen number (a 20/22-character disability card number is
    that number plus card digits, domain.md §9), so one person is one key whichever number a roster gives."""
    return id_number[:18]


def normalise_id_number(text: str) -> str:
    return text.strip().upper()


def id_number_problem(id_number: str, birth_date: date | None = None) -> str | None:
    """Why an ID number is not valid (or None): shape, embedded birth date, GB 11643 check character."""
    if not (_ID18.fullmatch(id_number) or _ID_LONG.fullmatch(id_number)):
        return "证件号码须为18位居民身份证号（或20/22位残疾人证号）"
    base = id_number[:18]
    if id_check_character(base[:17]) != base[17]:
        return "证件号码校验位错误（GB 11643）"
    try:
        embedded = date(int(base[6:10]), int(base[10:12]), int(base[12:14]))
    except ValueError:
        return "证件号码中的出生日期无效"
    if birth_date is not None and embedded != birth_date:
        return "出生日期与证件号码中的出生日期不符"  # neither date told: an error message names no personal value
    return None


def phone_problem(phone: str) -> str | None:
    if phone and not _PHONE.fullmatch(phone):
        return "联系电话须为11位手机号或带区号的固定电话"
    return None


@dataclass(frozen=True)
class Member:
    """家庭成员 with the fields of the national system (domain.md §9)."""

    name: str
    id_number: str
    relation: Relation
    sex: Sex
    birth_date: date
    health: Health
    labour_skill: LabourSkill
    schooling: Schooling = Schooling.NOT_IN_SCHOOL
    medical_insurance: bool = True  # 城乡居民/职工基本医疗保险
    social_assistance: SocialAssistance = SocialAssistance.NONE
    migrant_work_place: str = ""  # 务工所在地
    migrant_work_months: int = 0  # 务工时长(月)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "id_number": self.id_number,
            "relation": self.relation.value,
            "sex": self.sex.value,
            "birth_date": self.birth_date.isoformat(),
            "health": self.health.value,
            "labour_skill": self.labour_skill.value,
            "schooling": self.schooling.value,
            "medical_insurance": self.medical_insurance,
            "social_assistance": self.social_assistance.value,
            "migrant_work_place": self.migrant_work_place,
            "migrant_work_months": self.migrant_work_months,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Member:
        return cls(
            name=d["name"],
            id_number=d["id_number"],
            relation=Relation(d["relation"]),
            sex=Sex(d["sex"]),
            birth_date=date.fromisoformat(d["birth_date"]),
            health=Health(d["health"]),
            labour_skill=LabourSkill(d["labour_skill"]),
            schooling=Schooling(d["schooling"]),
            medical_insurance=bool(d["medical_insurance"]),
            social_assistance=SocialAssistance(d["social_assistance"]),
            migrant_work_place=d["migrant_work_place"],
            migrant_work_months=int(d["migrant_work_months"]),
        )

    @property
    def labour_capable(self) -> bool:
        return self.labour_skill in LABOUR_CAPABLE


def member_problems(m: Member, today: date) -> list[tuple[str, str, str]]:
    """(field, rule, message) for every rule a member breaks."""
    out: list[tuple[str, str, str]] = []
    if not m.name.strip() or len(m.name) > 50:
        out.append(("name", "required", "姓名不能为空且不超过50字"))
    problem = id_number_problem(m.id_number, m.birth_date)
    if problem:
        out.append(("id_number", "id_number", problem))
    if not EARLIEST_BIRTH <= m.birth_date <= today:
        out.append(("birth_date", "date_range", "出生日期须在1900-01-01与今天之间"))
    if not 0 <= m.migrant_work_months <= MAX_MIGRANT_MONTHS:
        out.append(("migrant_work_months", "range", "务工时长须为0到12个月"))
    if m.migrant_work_months > 0 and not m.migrant_work_place.strip():
        out.append(("migrant_work_place", "required", "有务工时长的须填写务工所在地"))
    if len(m.migrant_work_place) > 100:
        out.append(("migrant_work_place", "length", "务工所在地不超过100字"))
    return out


@dataclass(frozen=True)
class HouseholdRecord:
    """A household as registered: the unit of monitoring (glossary 农户 / 户)."""

    household_number: str
    household_type: str
    village_code: str
    address: str
    phone: str
    at_resettlement_site: bool
    members: tuple[Member, ...] = field(default_factory=tuple)

    def facts(self) -> dict[str, Any]:
        return {
            "household_type": self.household_type,
            "village_code": self.village_code,
            "address": self.address,
            "phone": self.phone,
            "at_resettlement_site": self.at_resettlement_site,
            "members": [m.as_dict() for m in self.members],
        }


def household_problems(h: HouseholdRecord, today: date, areas: AreaTree | None = None) -> list[tuple[str, str, str]]:
    """(field, rule, message) for every household-level rule broken (members checked by :func:`member_problems`);
    with ``areas``, also where it lives: a known village, and a relocation site's households marked as living there."""
    out: list[tuple[str, str, str]] = []
    if areas is not None:
        village = areas.get(h.village_code)
        if village is None or village.level is not AreaLevel.VILLAGE:
            out.append(("village_code", "known_village", f"未知的村代码 {h.village_code}"))
        elif village.resettlement_site and not h.at_resettlement_site:
            out.append(("at_resettlement_site", "resettlement_site", "安置点的农户须标记为居住在集中安置点"))
    if not HOUSEHOLD_NUMBER.fullmatch(h.household_number):
        out.append(("household_number", "format", "户编号须为4–32位字母、数字或连字符"))
    if h.household_type not in {t.value for t in HouseholdType}:
        out.append(("household_type", "value", "户类型应为 脱贫户 / 一般农户 / 脱贫不享受政策户"))
    if not h.members:
        out.append(("members", "required", "一户至少有一名家庭成员"))
    if len(h.members) > MAX_MEMBERS:
        out.append(("members", "range", f"一户不超过{MAX_MEMBERS}人"))
    heads = [m for m in h.members if m.relation is Relation.HEAD]
    if h.members and len(heads) != 1:
        out.append(("relation", "one_head", f"一户须有且只有一名户主（现有{len(heads)}名）"))
    ids = [person_key(m.id_number) for m in h.members]
    if len(ids) != len(set(ids)):
        out.append(("id_number", "unique_in_household", "同一户内证件号码重复"))
    problem = phone_problem(h.phone)
    if problem:
        out.append(("phone", "format", problem))
    if len(h.address) > 200:
        out.append(("address", "length", "住址不超过200字"))
    return out


def head_name(members: Iterable[Mapping[str, Any]]) -> str:
    """The name of the household's head (户主) among its members as recorded, or "" when none is named."""
    return next((str(m["name"]) for m in members if m["relation"] == Relation.HEAD), "")


@dataclass(frozen=True)
class StaffRecord:
    """A person taking part in the screening, with exactly one identity of table 3-4
    (填表说明: 身份有重合的，只选一种)."""

    staff_number: str
    name: str
    identity: StaffIdentity
    area_code: str  # the village they screen (a township or county code for township or county staff)
    phone: str = ""


# Where each identity of table 3-4 works: county departments at the county, township cadres at the township (or a
# village they are posted to), the others in a village; a responsible person (帮扶责任人) may come from any level
# (domain.md §6: cadres of county, township and village units).
STAFF_LEVELS: dict[StaffIdentity, frozenset[AreaLevel]] = {
    StaffIdentity.COUNTY_DEPARTMENT: frozenset({AreaLevel.COUNTY, AreaLevel.TOWNSHIP, AreaLevel.VILLAGE}),
    StaffIdentity.TOWNSHIP_CADRE: frozenset({AreaLevel.TOWNSHIP, AreaLevel.VILLAGE}),
    StaffIdentity.VILLAGE_CADRE: frozenset({AreaLevel.VILLAGE}),
    StaffIdentity.RESIDENT_CADRE: frozenset({AreaLevel.VILLAGE}),
    StaffIdentity.VILLAGE_DOCTOR: frozenset({AreaLevel.VILLAGE}),
    StaffIdentity.GRID_WORKER: frozenset({AreaLevel.VILLAGE}),
    StaffIdentity.RESPONSIBLE_PERSON: frozenset({AreaLevel.COUNTY, AreaLevel.TOWNSHIP, AreaLevel.VILLAGE}),
}


def staff_problems(s: StaffRecord, areas: AreaTree | None = None) -> list[tuple[str, str, str]]:
    """(field, rule, message) for every rule of a staff record broken; with ``areas``, also a known area."""
    out: list[tuple[str, str, str]] = []
    if len(s.area_code) not in {CODE_LENGTH[level] for level in STAFF_LEVELS[s.identity]}:
        out.append(("area_code", "identity_level", f"{s.identity.value} 不在此级区划工作 ({s.area_code})"))
    if not STAFF_NUMBER.fullmatch(s.staff_number):
        out.append(("staff_number", "format", "工作人员编号须为2–32位字母、数字或连字符"))
    if not s.name.strip() or len(s.name) > 50:
        out.append(("name", "required", "姓名不能为空且不超过50字"))
    problem = phone_problem(s.phone)
    if problem:
        out.append(("phone", "format", problem))
    if areas is not None and areas.get(s.area_code) is None:
        out.append(("area_code", "known_area", f"未知的区划代码 {s.area_code}"))
    return out


def check_effective_on(effective_on: date | None, today: date) -> None:
    """The day a registry change holds from is not in the future, nor before the monitoring mechanism (2020-03)."""
    if effective_on is None:
        return
    if effective_on > today:
        raise RuleViolationError("生效日期不能晚于今天", field="effective_on", rule="not_in_future")
    if effective_on < EARLIEST_EFFECTIVE:
        raise RuleViolationError(
            "生效日期不能早于2020年3月1日（监测机制建立）", field="effective_on", rule="date_range"
        )


def raise_first(problems: list[tuple[str, str, str]]) -> None:
    """Raise a RuleViolationError naming the first problem and listing all of them."""
    if problems:
        f, rule, message = problems[0]
        raise RuleViolationError(
            message,
            field=f,
            rule=rule,
            violations=[{"field": pf, "rule": pr, "message": pm} for pf, pr, pm in problems],
        )
