"""Who may see what. Which records: those of the reader's own area (reads are scoped like writes). Which fields:
personal data in answers, by role: only what a role's work needs (个人信息保护法 第六条, 最小必要: processing is
limited to the minimum scope necessary for its purpose; domain.md §9 lists the national system's personal fields).

Village cadres visit the households, the township reviews and the county decides: they see ID numbers, phone numbers
and health details in full. Inspectors (督导/审计) judge the process, not the people: they see these masked. Names
stay (a case is inspected by its household), as do codes and figures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.kernel.actors import Actor, Role
from domain.kernel.areas import contains, overlaps
from domain.kernel.errors import NotPermittedError

FULL_VIEW_ROLES = frozenset({Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER})
# Roles that see no case, household or staff record: 运维 (workflow health, no personal data) and 管理员 (users and
# policy). They reach only the routes in ``api`` that carry codes and counts.
NO_PERSONAL_DATA_ROLES = frozenset({Role.OPS, Role.ADMIN})
MASK = "*"


def mask_id_number(value: str) -> str:
    """身份证号: the region (first 6) and the last 4 stay, so a record can still be told apart."""
    return value[:6] + MASK * (len(value) - 10) + value[-4:] if len(value) > 10 else MASK * len(value)


def mask_phone(value: str) -> str:
    """电话: the first 3 and last 4 digits stay (138****1111)."""
    return value[:3] + MASK * (len(value) - 7) + value[-4:] if len(value) > 7 else MASK * len(value)


def mask_health(value: str) -> str:
    """健康状况: withheld entirely (a category of sensitive personal information, 个人信息保护法 第二十八条)."""
    return MASK * 3


# Keys whose values are masked wherever they appear in an answer (households, members, staff, responsible persons,
# events, timelines, dossiers).
MASKERS: dict[str, Callable[[str], str]] = {"id_number": mask_id_number, "phone": mask_phone, "health": mask_health}


# 运维 and 管理员 see no names either: the few answers they reach (operations views) name responsible persons.
NAME_KEYS = frozenset({"name", "household_head", "head_name", "responsible_person", "actor_name"})


def masked(data: Any, names: bool = False) -> Any:
    """``data`` (JSON-like) with every personal field masked, at any depth; with ``names``, names too."""
    if isinstance(data, dict):
        out = {}
        for k, v in data.items():
            if k in MASKERS and isinstance(v, str) and v:
                out[k] = MASKERS[k](v)
            elif names and k in NAME_KEYS and isinstance(v, str) and v:
                out[k] = MASK * 3
            else:
                out[k] = masked(v, names)
        return out
    if isinstance(data, list):
        return [masked(v, names) for v in data]
    return data


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


def check_may_see(actor: Actor, village_code: str) -> None:
    """A case (or what names it) is read only inside the reader's area."""
    if not sees(actor, village_code):
        raise NotPermittedError(
            f"area {actor.area_code or '(none)'} may not see a case outside it", field="area_code", rule="jurisdiction"
        )


def area_to_read(reader_area: str, requested: str | None, field: str) -> str:
    """The area a read or a list covers: the reader's own, or a part of it they name; any other area is refused,
    naming only what the reader sent."""
    area = requested or reader_area
    if not contains(reader_area, area):
        raise NotPermittedError(f"area {area} lies outside your area", field=field, rule="jurisdiction")
    return area
