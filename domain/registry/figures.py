"""What a case reads of its household in the registry: the household as it was registered on a business date, and
the figures a step needs counted from its members (domain.md §9: the national system's member fields).

A case never keeps its own copy of who lives in the household: its visit and its elimination proposal take the
household's size, type and labour from the registry as of the step's date, and record which registry version they
read (issue 19: "make the registry the source of a household's facts for its case").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Any

from domain.kernel.time import local_date
from domain.registry.household import HouseholdChanged, HouseholdRegistered, HouseholdScreened
from domain.registry.rules import LABOUR_CAPABLE, person_key
from domain.registry.values import Health, LabourSkill, Schooling

# 普通劳动力 and 技能劳动力: full labour, as fuping 5_18_008 counts it for 缺劳动力 (domain.md §5).
FULL_LABOUR = frozenset({LabourSkill.ORDINARY, LabourSkill.SKILLED})
ILL = frozenset({Health.CHRONIC_ILLNESS, Health.SERIOUS_ILLNESS})  # 因病 needs one (fuping 5_15_015)


@dataclass(frozen=True)
class HouseholdFigures:
    """Counts of a household's members, as the rules of a case and of inspection need them."""

    household_type: str
    size: int
    labour_capable: int  # 普通/技能/弱劳动力 (domain.md §9 劳动技能)
    full_labour: int  # 普通/技能劳动力
    ill: int  # 长期慢性病 or 患大病
    disabled: int
    students: int  # 在校生 of any level
    has_phone: bool

    @classmethod
    def of(cls, facts: Mapping[str, Any]) -> HouseholdFigures:
        members: list[Mapping[str, Any]] = list(facts.get("members", []))
        skills = [LabourSkill(m["labour_skill"]) for m in members]
        health = [Health(m["health"]) for m in members]
        return cls(
            household_type=str(facts.get("household_type", "")),
            size=len(members),
            labour_capable=sum(1 for s in skills if s in LABOUR_CAPABLE),
            full_labour=sum(1 for s in skills if s in FULL_LABOUR),
            ill=sum(1 for h in health if h in ILL),
            disabled=sum(1 for h in health if h is Health.DISABLED),
            students=sum(
                1 for m in members if Schooling(m.get("schooling", "not_in_school")) is not Schooling.NOT_IN_SCHOOL
            ),
            has_phone=bool(str(facts.get("phone", "")).strip()),
        )


@dataclass(frozen=True)
class RegistryVersion:
    """The household's facts as one registry event left them."""

    version: int
    recorded_on: date  # the day it was recorded (Asia/Shanghai)
    facts: dict[str, Any]
    changed: tuple[str, ...]  # the fields this version changed (every field for the registration)
    reason: str
    holds_from: date  # the day its facts hold from: its effective date if it states one, else the day recorded

    @property
    def figures(self) -> HouseholdFigures:
        return HouseholdFigures.of(self.facts)


@dataclass(frozen=True)
class RegistryReading:
    """The version a step read, for the business date it asked about. ``after_the_date``: the household was
    registered after that date, so its registration is what there is to read (a late registration says so)."""

    household_number: str
    as_of: date
    version: RegistryVersion
    after_the_date: bool

    @property
    def figures(self) -> HouseholdFigures:
        return self.version.figures

    def source(self) -> dict[str, Any]:
        """What a step records of where its household facts came from."""
        return {
            "from": "registry",
            "household_number": self.household_number,
            "registry_version": self.version.version,
            "as_of": self.as_of.isoformat(),
            "recorded_on": self.version.recorded_on.isoformat(),
            "holds_from": self.version.holds_from.isoformat(),
            # registered only after that date: its registration is what there was to read
            "registered_after": self.after_the_date,
        }


def registry_versions(events: Iterable[Any]) -> list[RegistryVersion]:
    """A household's stream (as stored, oldest first) as the versions of its facts; screenings change no fact."""
    out: list[RegistryVersion] = []
    facts: dict[str, Any] = {}
    for event in events:
        if isinstance(event, HouseholdRegistered):
            facts = dict(event.facts)
            changed = tuple(sorted(facts))
        elif isinstance(event, HouseholdChanged):
            facts = {**facts, **event.changes}
            changed = tuple(sorted(event.changes))
        else:
            continue
        recorded_on = local_date(event.occurred_at)
        out.append(
            RegistryVersion(event.originator_version, recorded_on, facts, changed, event.reason,
                            holds_from=event.effective_on or recorded_on)
        )  # fmt: skip
    return out


def reading_as_of(household_number: str, versions: list[RegistryVersion], day: date) -> RegistryReading | None:
    """The household as the registry has it for ``day``: the latest version holding by then (by its effective date, so
    a correction recorded late, dated when it happened, is read by a step of that day); its registration when it was
    registered later; None when it is not registered at all."""
    if not versions:
        return None
    known = [v for v in versions if v.holds_from <= day]
    return RegistryReading(household_number, day, known[-1] if known else versions[0], after_the_date=not known)


# Member facts whose change matters to an open case (issue 19: a member dies or moves out, loses labour capacity; and
# what the rules of risk and measure read: health, schooling, work away from home, insurance).
MATTERING = ("members", "household_type", "phone")


def member_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What changed between two versions of the members, per person and without a personal value: who left or came
    (by relation), and for those who stayed, which of the mattering fields changed."""
    was = {person_key(m["id_number"]): m for m in before.get("members", [])}
    now = {person_key(m["id_number"]): m for m in after.get("members", [])}
    out: list[dict[str, Any]] = []
    for key, m in was.items():
        if key not in now:
            out.append({"change": "member_left", "relation": m["relation"]})
    for key, m in now.items():
        if key not in was:
            out.append({"change": "member_joined", "relation": m["relation"]})
            continue
        old = was[key]
        could, can = (LabourSkill(x["labour_skill"]) in LABOUR_CAPABLE for x in (old, m))
        if could != can:
            out.append({"change": "labour_lost" if could else "labour_gained", "relation": m["relation"]})
        for name in ("health", "schooling", "migrant_work_months", "medical_insurance"):
            if old.get(name) != m.get(name):
                out.append({"change": f"{name}_changed", "relation": m["relation"]})
    return out


@dataclass(frozen=True)
class HouseholdHistory:
    """What the inspection rules read of a case's household: its registry versions, its screenings and its open
    cases (all from its own streams, chains checked as read)."""

    household_number: str
    stream: str  # the household's stream id, for evidence
    versions: list[RegistryVersion]
    screenings: list[dict[str, Any]]
    open_cases: list[str]

    def as_of(self, day: date) -> RegistryVersion | None:
        """The version in force on ``day`` (the registration when registered later; None when never registered)."""
        reading = reading_as_of(self.household_number, self.versions, day)
        return reading.version if reading else None

    @property
    def latest(self) -> RegistryVersion | None:
        return self.versions[-1] if self.versions else None

    def latest_screening(self) -> dict[str, Any] | None:
        return max(self.screenings, key=lambda s: (s["screened_on"], s["version"]), default=None)


def household_history(
    household_number: str, stream: str, events: Iterable[Any], open_cases: list[str]
) -> HouseholdHistory:
    events = list(events)
    screenings = [dict(e.screening, version=e.originator_version) for e in events if isinstance(e, HouseholdScreened)]
    return HouseholdHistory(household_number, stream, registry_versions(events), screenings, open_cases)


# What each change is called where people read it.
CHANGE_LABELS = {
    "member_left": "减少（迁出或去世）", "member_joined": "新增", "labour_lost": "丧失劳动能力",
    "labour_gained": "恢复劳动能力", "health_changed": "健康状况变化", "schooling_changed": "在校情况变化",
    "migrant_work_months_changed": "务工情况变化", "medical_insurance_changed": "参保情况变化",
    "household_type": "户类型变更", "phone": "联系电话变更", "registered": "补登记",
}  # fmt: skip

# Changes that tell a member's health (privacy.HEALTH): said only to the roles that see personal data.
HEALTH_CHANGES = frozenset({"health_changed", "medical_insurance_changed"})


def registry_since(versions: list[RegistryVersion], read: int | None) -> dict[str, Any]:
    """What the registry recorded of the household after version ``read`` (the latest a case read; 0: every change
    after its registration; None: the case read none, so the registration itself is news): each later version with
    its date, reason and the member changes that matter to an open case (issue 19: a member dies or moves out, loses
    labour capacity), so the case shows them."""
    if not versions:
        return {"registered": False, "version": None, "read_version": read, "changes": []}
    changes = []
    for before, after in pairwise(versions):
        if read is not None and after.version <= read:
            continue
        members = member_changes(before.facts, after.facts)
        fields = [f for f in after.changed if f != "members" and f in MATTERING]
        if members or fields:
            changes.append(_change(after, members, fields))
    if read is None:  # registered after the case opened: the registration itself is news
        changes.insert(0, _change(versions[0], [], ["registered"]))
    return {"registered": True, "version": versions[-1].version, "read_version": read, "changes": changes}


def _change(version: RegistryVersion, members: list[dict[str, Any]], fields: list[str]) -> dict[str, Any]:
    return {"version": version.version, "recorded_on": version.recorded_on, "holds_from": version.holds_from,
            "reason": version.reason, "members": members, "fields": fields}  # fmt: skip


def without_health(since: dict[str, Any]) -> dict[str, Any]:
    changes = [
        {**c, "members": [m for m in c["members"] if m["change"] not in HEALTH_CHANGES]} for c in since["changes"]
    ]
    return {**since, "changes": [c for c in changes if c["members"] or c["fields"]]}
