"""The administrative tree (行政区划) Dixian serves, as configuration.

Codes follow the 12-digit statistical division code layout: 6 digits county, 3 township, 3 village, so that every
code starts with the code of the unit above it. The default tree is the seed plan's township (全乡15个行政村和易地搬迁
集中安置点, ../shared/seeds/township-screening-plan.txt §一); its names and codes are fictional (province "99" does not
exist) because the seed does not name the county.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.kernel.errors import RuleViolationError
from domain.kernel.labels import Labelled


class AreaLevel(Labelled):
    COUNTY = "county", "县"
    TOWNSHIP = "township", "乡镇"
    VILLAGE = "village", "村"


# The administrative tree as JSON records (``AreaTree.from_records``) in an eventsourcing environment; the settings
# put the content of DIXIAN_AREAS_FILE there, so every process (and the projections) reads the same tree.
AREAS_ENV = "DIXIAN_AREAS_JSON"

CODE_LENGTH = {AreaLevel.COUNTY: 6, AreaLevel.TOWNSHIP: 9, AreaLevel.VILLAGE: 12}
# What a code of each level looks like, and a code of any level: for request bodies and query parameters.
LEVEL_CODE_PATTERN = {level: f"^[0-9]{{{length}}}$" for level, length in CODE_LENGTH.items()}
AREA_CODE_PATTERN = r"^[0-9]{6}([0-9]{3}){0,2}$"


# ----- the relations between areas -----------------------------------------------------------------------------
# Codes nest by prefix: the county's code starts each of its townships' codes, a township's each of its villages'.
# These three functions are the only places that rule is written in Python; ``domain.readmodels.areas`` holds their
# SQL twins, and tests/store/test_area_relations.py holds each pair against the other on generated trees.


def contains(area: str, code: str) -> bool:
    """Whether the area of ``code`` lies in ``area`` (is it, or lies below it). The empty area contains every code:
    the system acts everywhere, and a national policy applies everywhere."""
    return code.startswith(area)


def overlaps(first: str, second: str) -> bool:
    """Whether two areas share ground: one lies in the other (a campaign's scope and a caller's area, say)."""
    return contains(first, second) or contains(second, first)


def up_to(code: str, level: AreaLevel) -> str:
    """The code of the area of ``level`` that ``code`` lies in (``code`` itself if its area is of that level or
    above): a village's township, say."""
    return code[: CODE_LENGTH[level]]


def narrows(scope: list[str], within: str) -> list[str]:
    """The part of ``scope`` (area codes) that lies in ``within``: the scope's codes inside it, and ``within`` itself
    where it lies below a code of the scope (a village's view of a township's campaign)."""
    inside = [code for code in scope if contains(within, code)]
    around = [within for code in scope if contains(code, within) and code != within]
    return sorted(set(inside + around))


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    level: AreaLevel
    resettlement_site: bool = False

    @property
    def parent_code(self) -> str | None:
        if self.level is AreaLevel.VILLAGE:
            return up_to(self.code, AreaLevel.TOWNSHIP)
        if self.level is AreaLevel.TOWNSHIP:
            return up_to(self.code, AreaLevel.COUNTY)
        return None


def level_of(code: str) -> AreaLevel | None:
    """The level a code of this length and shape denotes, or None for a malformed code."""
    if not code.isdigit():
        return None
    for level, length in CODE_LENGTH.items():
        if len(code) == length:
            return level
    return None


class AreaTree:
    """An immutable lookup over configured areas."""

    def __init__(self, areas: list[Area]) -> None:
        self._by_code = {a.code: a for a in areas}
        for area in areas:
            if level_of(area.code) is not area.level:
                raise ValueError(f"area code {area.code} does not match level {area.level}")
            parent = area.parent_code
            if parent is not None and parent not in self._by_code:
                raise ValueError(f"area {area.code} has no parent {parent} in the tree")

    def get(self, code: str) -> Area | None:
        return self._by_code.get(code)

    def name(self, code: str) -> str:
        """The area's name as people say it, or its code when the tree does not know it."""
        area = self._by_code.get(code)
        return area.name if area is not None else code

    def county(self) -> Area:
        """The county the tree serves (the first, should it list several)."""
        return next(a for a in self._by_code.values() if a.level is AreaLevel.COUNTY)

    def village(self, code: str) -> Area:
        """The village (or resettlement site) of that code; a case can only be opened in one."""
        area = self._by_code.get(code)
        if area is None or area.level is not AreaLevel.VILLAGE:
            raise RuleViolationError(f"unknown village code {code!r}", field="village_code", rule="known_village")
        return area

    def village_parents(self, village: Area) -> list[str]:
        """The codes above a village, nearest first (township, county)."""
        codes, parent = [], village.parent_code
        while parent is not None:
            codes.append(parent)
            parent = self._by_code[parent].parent_code
        return codes

    @classmethod
    def from_records(cls, records: list[dict[str, object]]) -> AreaTree:
        """A tree from configuration: ``[{"code", "name", "resettlement_site"?}, …]``; the level follows from the
        code's length (6 county, 9 township, 12 village or relocation site), parents must be listed."""
        areas = []
        for r in records:
            code, name = str(r.get("code", "")), str(r.get("name", "")).strip()
            level = level_of(code)
            if level is None or not name:
                raise ValueError(f"area {r!r}: a code of 6, 9 or 12 digits and a name are required")
            site = bool(r.get("resettlement_site", False))
            if site and level is not AreaLevel.VILLAGE:
                raise ValueError(f"area {code}: only a 12-digit code can be a relocation site")
            areas.append(Area(code, name, level, resettlement_site=site))
        if len({a.code for a in areas}) != len(areas):
            raise ValueError("an area code is listed twice")
        return cls(areas)

    def records(self) -> list[dict[str, object]]:
        return [
            {"code": a.code, "name": a.name, **({"resettlement_site": True} if a.resettlement_site else {})}
            for a in sorted(self._by_code.values(), key=lambda a: a.code)
        ]

    def villages(self) -> list[Area]:
        return [a for a in self._by_code.values() if a.level is AreaLevel.VILLAGE]

    def all(self) -> list[Area]:
        return list(self._by_code.values())


_COUNTY = "990102"
_TOWNSHIP = _COUNTY + "101"
_VILLAGE_NAMES = (
    "玉坪村", "青龙村", "白岩村", "河坝村", "新庄村", "石门村", "红岩村", "柳树村",
    "大坪村", "中心村", "桂花村", "龙潭村", "金竹村", "三合村", "向阳村",
)  # fmt: skip

DEFAULT_AREAS = AreaTree(
    [
        Area(_COUNTY, "示范县", AreaLevel.COUNTY),
        Area(_TOWNSHIP, "玉坪乡", AreaLevel.TOWNSHIP),
        *(Area(f"{_TOWNSHIP}{i:03d}", name, AreaLevel.VILLAGE) for i, name in enumerate(_VILLAGE_NAMES, 1)),
        Area(f"{_TOWNSHIP}201", "玉坪乡易地扶贫搬迁集中安置点", AreaLevel.VILLAGE, resettlement_site=True),
    ]
)
