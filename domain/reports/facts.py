"""What an event means for the statistical tables: the report facts it adds (``domain.reports.tables.Fact``), as
pure functions of the event, the position it was stored at and what the facts already held.

The report read model folds these into its tables and decides nothing itself (``domain.readmodels.reports``): a
rule about what counts lives here, beside the tables that count it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from domain.cases.case import MonitoringCase
from domain.cases.events import (
    AssistanceReviewed,
    CaseEvent,
    EliminationRolledBack,
    FindingRectified,
    ResultAnnounced,
    RiskEliminated,
    RollbackRequested,
)
from domain.cases.values import DeadlineKind, FindingKind
from domain.kernel.time import local_date
from domain.registry.household import (
    HouseholdChanged,
    HouseholdRegistered,
    HouseholdScreened,
    StaffChanged,
    StaffRegistered,
)
from domain.reports.tables import DERIVED, Fact, FactKind


@dataclass(frozen=True)
class Episode:
    """A derived finding from the day it holds (found) to the day it stops (rectified; None: still open)."""

    found_on: date
    rectified_on: date | None = None


@dataclass(frozen=True)
class DerivedFindings:
    """What the report facts hold of a case's derived findings: every 不及时 episode as the case's deadlines give it
    (by ``<kind>:<DERIVED><rule>`` ref) and every 不精准 episode as its measures' dates give it (by
    ``<ref>@<found on>``: a gap may close and come back). Kept per case by the read model, so that each event adds
    only what changed."""

    timely: Mapping[str, Episode] = field(default_factory=dict)
    precise: Mapping[str, Episode] = field(default_factory=dict)

    def as_json(self) -> dict[str, dict[str, list[str | None]]]:
        def episodes(m: Mapping[str, Episode]) -> dict[str, list[str | None]]:
            return {r: [e.found_on.isoformat(), e.rectified_on.isoformat() if e.rectified_on else None]
                    for r, e in sorted(m.items())}  # fmt: skip

        return {"timely": episodes(self.timely), "precise": episodes(self.precise)}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> DerivedFindings:
        def episodes(m: Mapping[str, list[str | None]]) -> dict[str, Episode]:
            return {r: Episode(_day(f), _day(e) if e else None) for r, (f, e) in m.items()}

        return cls(episodes(doc.get("timely", {})), episodes(doc.get("precise", {})))


def case_event_facts(
    event: CaseEvent, case: MonitoringCase, position: int, before: DerivedFindings
) -> tuple[list[Fact], DerivedFindings | None]:
    """The facts a case event adds (``case`` as it stood right after the event, ``position`` the event's in the
    log), and the case's derived findings after it (None when they did not change)."""
    subject, village = str(case.id), case.village_code
    day = local_date(event.occurred_at)
    visit = case.facts.get("household_visit")
    persons = int(visit["household_size"]) if visit else 0
    category = case.category.value if case.category else ""

    def fact(kind: FactKind, on: date, delta: int = 1, ref: str = "") -> Fact:
        return Fact(position, kind, subject, village, on, persons, category, delta, ref)

    facts: list[Fact] = []
    if isinstance(event, ResultAnnounced) and case.identified_on is not None:
        facts += [fact(FactKind.IDENTIFIED, case.identified_on), fact(FactKind.MONITORING, case.identified_on)]
    elif isinstance(event, RiskEliminated):
        facts.append(fact(FactKind.MONITORING, day, delta=-1))
    elif isinstance(event, EliminationRolledBack):
        facts.append(fact(FactKind.MONITORING, day))
    elif isinstance(event, RollbackRequested):
        facts.append(fact(FactKind.ROLLBACK_NEEDED, day))
    elif isinstance(event, AssistanceReviewed):
        facts += [
            fact(FactKind.FINDING_FOUND, _day(f["found_on"]), ref=f"{f['kind']}:{f['finding_id']}")
            for f in event.findings
        ]
    elif isinstance(event, FindingRectified):
        kind = case.findings[event.finding_id]["kind"]
        facts.append(fact(FactKind.FINDING_RECTIFIED, event.rectified_on, ref=f"{kind}:{event.finding_id}"))
    # The findings the events themselves show, dated by their rules and not by when the events were recorded or
    # folded: the same history gives the same facts whether it was entered as it happened or weeks later.
    after = DerivedFindings(timeliness(case), precision(case))
    for ref, kind, on, delta in [*_changes(before.timely, after.timely), *_changes(before.precise, after.precise)]:
        facts.append(fact(kind, on, delta, ref))
    return facts, (after if after != before else None)


def timeliness(case: MonitoringCase) -> dict[str, Episode]:
    """不及时, derived (``MonitoringCase.late_deadlines``): from the day after a deadline missed until the day it
    was met, by ``<kind>:<DERIVED><rule>`` ref."""
    return {f"{FindingKind.NOT_TIMELY.value}:{DERIVED}{d.kind.value}_deadline": Episode(missed_from, d.met_on)
            for d, missed_from in case.late_deadlines()}  # fmt: skip


def precision(case: MonitoringCase) -> dict[str, Episode]:
    """不精准, derived (``MonitoringCase.precision_gaps``), day by day by the case's own dates, whatever order its
    steps were recorded in: a gap holds from the first day it shows once judged (the day after targeted measures were
    due, or the day one was implemented; ``precision_judged``) until the day a measure closes it, and may come back.
    Keyed ``<ref>@<found on>``. Judged once the household is a monitored object; what held when the case left
    assistance (风险消除) stays open (a rollback brings it back to judgement)."""
    due = [d.due for d in case.deadline_states() if d.kind is DeadlineKind.MEASURES]
    identified_on = case.identified_on
    if not case.monitored_object() or not due or identified_on is None:
        return {}
    left_on = case.left_assistance_on()
    days = sorted({due[0] + timedelta(days=1)} | {d for d in case.measure_days() if d >= identified_on})
    out: dict[str, Episode] = {}
    open_on: dict[str, date] = {}
    for day in days:
        if left_on is not None and day > left_on:
            break
        if not case.precision_judged(day):
            continue
        holding = {f"{FindingKind.NOT_PRECISE.value}:{DERIVED}{f.rule}" for f in case.precision_gaps(day)}
        for ref in [r for r in open_on if r not in holding]:
            found = open_on.pop(ref)
            out[f"{ref}@{found.isoformat()}"] = Episode(found, day)
        for ref in sorted(holding - open_on.keys()):
            open_on[ref] = day
    out.update({f"{ref}@{found.isoformat()}": Episode(found) for ref, found in open_on.items()})
    return out


def _changes(before: Mapping[str, Episode], after: Mapping[str, Episode]) -> list[tuple[str, FactKind, date, int]]:
    """The facts that turn the episodes ``before`` into ``after`` (by key: a ref, or ``<ref>@<found on>``): first
    every episode withdrawn (its finding found with delta -1, which takes its rectification with it), then those
    added (found, and rectified when they are) or rectified. Withdrawals go first so that an episode of a ref moved
    to another day is not taken for the same finding found again while still open."""
    withdrawn: list[tuple[str, FactKind, date, int]] = []
    added: list[tuple[str, FactKind, date, int]] = []
    for key in sorted(before.keys() | after.keys()):
        old, new, ref = before.get(key), after.get(key), key.partition("@")[0]
        if old == new:
            continue
        if old is not None and (new is None or old.found_on != new.found_on or old.rectified_on is not None):
            withdrawn.append((ref, FactKind.FINDING_FOUND, old.found_on, -1))
            old = None
        if new is not None:
            if old is None:
                added.append((ref, FactKind.FINDING_FOUND, new.found_on, 1))
            if new.rectified_on is not None:
                added.append((ref, FactKind.FINDING_RECTIFIED, new.rectified_on, 1))
    return withdrawn + added


def _holds_from(event: HouseholdRegistered | HouseholdChanged | StaffRegistered | StaffChanged) -> date:
    """The business date of a registry record: the day its facts hold from when it states one (issue 20: registrations
    dated by their business date, as screenings are), else the day it was recorded."""
    return event.effective_on or local_date(event.occurred_at)


def household_registered(event: HouseholdRegistered, position: int) -> Fact:
    """A household counted where it is registered, with its persons, from its registration's business date."""
    return Fact(position, FactKind.HOUSEHOLD, event.household_number, event.facts["village_code"],
                _holds_from(event), persons=len(event.facts["members"]))  # fmt: skip


def household_changed(event: HouseholdChanged, position: int, before: Fact | None) -> Fact | None:
    """A household that moved or whose members changed counts anew (None: nothing the tables count changed)."""
    if "members" not in event.changes and "village_code" not in event.changes:
        return None
    village = event.changes.get("village_code", before.village_code if before else "")
    persons = len(event.changes["members"]) if "members" in event.changes else (before.persons if before else 0)
    return Fact(position, FactKind.HOUSEHOLD, event.household_number, village, _holds_from(event),
                persons=persons)  # fmt: skip


def household_screened(event: HouseholdScreened, position: int, household: Fact | None) -> Fact:
    """A screening counted in the household's village (as the facts last placed it), on its screening date, with the
    staff number of who screened it (``ref``: 3-4 counts the staff above a township who screened in it)."""
    s = event.screening
    village = household.village_code if household else ""
    screener = s.get("screener") or {}
    return Fact(position, FactKind.SCREENED, s["household_number"], village, _day(s["screened_on"]),
                persons=int(s["persons"]), ref=str(screener.get("staff_number", "")))  # fmt: skip


def staff_registered(event: StaffRegistered, position: int) -> Fact:
    """A staff member counted in their area by their identity (table 3-4), from their registration's business date."""
    return Fact(position, FactKind.STAFF, event.staff_number, event.facts["area_code"], _holds_from(event),
                category=event.facts["identity"])  # fmt: skip


def staff_changed(event: StaffChanged, position: int, before: Fact | None) -> Fact | None:
    """A staff member whose identity or area changed counts anew (None: nothing table 3-4 counts changed)."""
    if before is None or not ({"identity", "area_code"} & set(event.changes)):
        return None
    return Fact(position, FactKind.STAFF, event.staff_number, event.changes.get("area_code", before.village_code),
                _holds_from(event), category=event.changes.get("identity", before.category))  # fmt: skip


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
