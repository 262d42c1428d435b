"""Who may see what. Which records: those of the reader's own area (reads are scoped like writes). Which fields:
personal data in answers, by role: only what a role's work needs (个人信息保护法 第六条, 最小必要: processing is
limited to the minimum scope necessary for its purpose; domain.md §9 lists the national system's personal fields).

Village cadres visit the households, the township reviews and the county decides: they see ID numbers, phone numbers,
birth dates, health and welfare details and what cadres wrote in full. Inspectors (督导/审计) judge the process, not
the people: they see these masked, by what a field means (``MEANING``), in every shape an answer takes. Names stay
(a case is inspected by its household), as do codes and figures."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

from domain.kernel.actors import Actor, Role
from domain.kernel.areas import contains, overlaps
from domain.kernel.errors import CaseNotFoundError, NotFoundError, NotPermittedError

FULL_VIEW_ROLES = frozenset({Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER})
# Roles that see no case, household or staff record: 运维 (workflow health, no personal data), 管理员 (users and
# policy) and 行业部门 (its own alerts' outcomes). They reach only the routes in ``api`` that carry codes and counts
# (a department: its alerts), and what personal data those answers hold comes back masked, names too.
NO_PERSONAL_DATA_ROLES = frozenset({Role.OPS, Role.ADMIN, Role.DEPARTMENT})
MASK = "*"


class Meaning(Enum):
    """What a personal field is, whatever shape carries it."""

    ID_NUMBER = "id_number"
    PHONE = "phone"
    BIRTH_DATE = "birth_date"
    HEALTH = "health"  # 健康, illness, disability, medical costs, risks of illness or disability
    WELFARE = "welfare"  # 低保, 特困, medical insurance
    FREE_TEXT = "free_text"  # what a cadre typed about a person
    NAME = "name"


# What each personal field means, by the name it has in every answer: a view's or an event's key, a timeline's, the
# last segment of a diff's dotted path. One table: a field added to a view or an event is masked by adding it here
# (tests/integration/test_masking_sweep.py calls every route as every masked role).
MEANING: dict[str, Meaning] = {
    "id_number": Meaning.ID_NUMBER,
    "phone": Meaning.PHONE,
    "birth_date": Meaning.BIRTH_DATE,
    "health": Meaning.HEALTH,
    "medical_expenditure": Meaning.HEALTH,
    "risks": Meaning.HEALTH,  # 因病, 因残 … among them
    "reported_risks": Meaning.HEALTH,
    "new_risks": Meaning.HEALTH,
    "unmet_guarantees": Meaning.HEALTH,  # basic medical care among them
    "targets": Meaning.HEALTH,  # the risks a measure answers
    "social_assistance": Meaning.WELFARE,
    "newly_applied_dibao": Meaning.WELFARE,
    "medical_insurance": Meaning.WELFARE,
    "member_uninsured": Meaning.WELFARE,
    "comment": Meaning.FREE_TEXT,
    "reason": Meaning.FREE_TEXT,
    "refusal_reason": Meaning.FREE_TEXT,
    "objection": Meaning.FREE_TEXT,
    "investigation": Meaning.FREE_TEXT,
    "description": Meaning.FREE_TEXT,  # a review finding, a rectification
    "summary": Meaning.FREE_TEXT,  # an assistance plan's content
    "name": Meaning.NAME,
    "household_head": Meaning.NAME,
    "head_name": Meaning.NAME,
    "responsible_person": Meaning.NAME,
    "actor_name": Meaning.NAME,
    "visitors": Meaning.NAME,
    "verifiers": Meaning.NAME,
}
# Keys whose value is a mapping keyed by people's names (counts by responsible person).
KEYED_BY_NAME = frozenset({"by_responsible_person"})
MASK = "*"
WITHHELD = MASK * 3


def mask_id_number(value: str) -> str:
    """身份证号: the region (first 6) and the last 2 stay, so a record can still be told apart; with the birth date
    masked to its year, the number cannot be put back together (month, day and most of the serial stay unknown)."""
    return value[:6] + MASK * (len(value) - 8) + value[-2:] if len(value) > 8 else MASK * len(value)


def mask_phone(value: str) -> str:
    """电话: the first 3 and last 4 digits stay (138****1111)."""
    return value[:3] + MASK * (len(value) - 7) + value[-4:] if len(value) > 7 else MASK * len(value)


def mask_birth_date(value: str) -> str:
    """出生日期: the year stays (an age group, school age), the day does not (it is part of the ID number)."""
    return value[:4] + "-**-**" if len(value) >= 4 else WITHHELD


def _withheld(_: Any) -> str:
    """健康, 救助, free text: withheld entirely (sensitive personal information, 个人信息保护法 第二十八条)."""
    return WITHHELD


def _text(mask: Callable[[str], str]) -> Callable[[Any], str]:
    """A mask of text; any other value in its place is withheld."""
    return lambda v: mask(v) if isinstance(v, str) else WITHHELD


MASKERS: dict[Meaning, Callable[[Any], Any]] = {
    Meaning.ID_NUMBER: _text(mask_id_number),
    Meaning.PHONE: _text(mask_phone),
    Meaning.BIRTH_DATE: _text(mask_birth_date),
    Meaning.HEALTH: _withheld,
    Meaning.WELFARE: _withheld,
    Meaning.FREE_TEXT: _withheld,
}


def table_seen_by(
    role: Role, columns: list[str], rows: list[list[Any]], meanings: dict[str, Meaning]
) -> list[list[Any]]:
    """Rows of a table (a notice list) as ``role`` may see them: each column masked by what it means, or whole."""
    if sees_personal_data(role):
        return rows
    kinds, names = [meanings.get(c) for c in columns], not sees_names(role)
    return [[_mask_value(k, v, names) for k, v in zip(kinds, row, strict=True)] for row in rows]


def meaning_of(key: str) -> Meaning | None:
    """What a field means, by its key or by the last named segment of a dotted path (``household.members.0.phone``)."""
    for part in reversed(key.split(".")):
        if not part.isdigit():
            return MEANING.get(part)
    return None


def masked(data: Any, names: bool = False) -> Any:
    """``data`` (JSON-like) with every personal field masked by what it means, at any depth and in any shape (a
    diff's ``{"field": path, "from": …, "to": …}`` by its path); with ``names``, names too."""
    if isinstance(data, dict):
        field = data.get("field")
        changed = field if isinstance(field, str) and ("from" in data or "to" in data) else None  # a diff's entry
        out: dict[str, Any] = {}
        for k, v in data.items():
            if names and k in KEYED_BY_NAME and isinstance(v, dict):
                out[k] = {f"{WITHHELD}({i})": n for i, n in enumerate(v.values(), 1)}
            else:
                key = changed if changed is not None and k in ("from", "to") else k
                out[k] = _mask_value(meaning_of(key), v, names)
        if {"topic", "fields", "hash"} <= data.keys() and out["fields"] != data["fields"]:
            out["fields_masked"] = True  # an exported event: its hash cannot be recomputed from what is shown
        return out
    if isinstance(data, list):
        return [masked(v, names) for v in data]
    return data


def _mask_value(meaning: Meaning | None, value: Any, names: bool) -> Any:
    if value is None or value == "" or value == []:
        return value
    if meaning is Meaning.NAME:
        if isinstance(value, str):
            return WITHHELD if names else value
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return [WITHHELD] * len(value) if names else value
        return masked(value, names)  # a person as a record: {"name": …, "phone": …}
    if isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, dict) for v in value)):
        return masked(value, names)  # a record under the key (a summary of a case): its own fields say
    if meaning is Meaning.PHONE and isinstance(value, int):
        return value  # a count under "phone" (households screened by phone), not a number to call: numbers are text
    if meaning is not None:
        return MASKERS[meaning](value)
    return masked(value, names)


def seen_by(role: Role, data: Any) -> Any:
    """``data`` as ``role`` may see it: whole, or masked (names too, for the roles that see none)."""
    return data if sees_personal_data(role) else masked(data, names=not sees_names(role))


def sees_personal_data(role: Role) -> bool:
    return role in FULL_VIEW_ROLES


def sees_names(role: Role) -> bool:
    return role not in NO_PERSONAL_DATA_ROLES


# ----- which records: reads are scoped like writes --------------------------------------------------------------


def sees(actor: Actor, code: str) -> bool:
    """Whether a record of the area ``code`` (a case's or household's village, a staff member's area) lies in the
    reader's area. Someone with no area sees none."""
    return bool(actor.area_code) and contains(actor.area_code, code)


def sees_any(actor: Actor, scope: list[str]) -> bool:
    """Whether the reader's area shares ground with a scope of areas (a campaign's): a code of it lies in theirs, or
    theirs lies in one of its codes."""
    return bool(actor.area_code) and any(overlaps(actor.area_code, code) for code in scope)


# A record outside the reader's area is answered exactly as one that does not exist (status, type, message), so that
# no answer tells whether, or where, a person, household, staff member or case is registered elsewhere.
UNKNOWN_CASE = "没有这个案件，或它不在您的辖区内"


def unknown_case() -> CaseNotFoundError:
    return CaseNotFoundError(UNKNOWN_CASE, field="case_id", rule="exists")


def unknown_household(number: str) -> NotFoundError:
    return NotFoundError(f"没有户编号为 {number} 的农户，或它不在您的辖区内", field="household_number", rule="exists")


def unknown_staff(number: str) -> NotFoundError:
    return NotFoundError(f"没有编号为 {number} 的工作人员，或其不在您的辖区内", field="staff_number", rule="exists")


def check_may_see(actor: Actor, village_code: str, responsible_user: str = "") -> None:
    """A case (or what names it) is read only inside the reader's area; outside it, it is unknown. A 帮扶责任人 reads
    only the cases of the households assigned to them (``responsible_user``: the account of the case's responsible
    person; "一对一", seed plan §三(二))."""
    if not sees(actor, village_code) or (actor.role is Role.RESPONSIBLE_PERSON and responsible_user != actor.id):
        raise unknown_case()


def area_to_read(reader_area: str, requested: str | None, field: str) -> str:
    """The area a read or a list covers: the reader's own, or a part of it they name; any other area is refused,
    naming only what the reader sent."""
    area = requested or reader_area
    if not contains(reader_area, area):
        raise NotPermittedError(f"area {area} lies outside your area", field=field, rule="jurisdiction")
    return area
