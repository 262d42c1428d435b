"""What an event means for the statistical tables: the report facts it adds (``domain.reports.tables.Fact``), as
pure functions of the event, the position it was stored at and what the facts already held.

The report read model folds these into its tables and decides nothing itself (``domain.readmodels.reports``): a
rule about what counts lives here, beside the tables that count it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
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
from domain.cases.values import FindingKind, Stage
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
class FindingState:
    """What the report facts hold of a case's derived findings (不及时, 不精准): every one ever found (``seen``)
    and those found and not yet rectified (``open``), as ``<kind>:<DERIVED><rule>`` refs."""

    seen: frozenset[str] = field(default_factory=frozenset)
    open: frozenset[str] = field(default_factory=frozenset)


def case_event_facts(
    event: CaseEvent, case: MonitoringCase, position: int, before: FindingState
) -> tuple[list[Fact], FindingState | None]:
    """The facts a case event adds (``case`` as it stood right after the event, ``position`` the event's in the
    log), and the case's derived-finding state after it (None when it did not change)."""
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
    # Findings derived from the events. 不及时 (a plan or measures deadline passed unmet): found when it first holds,
    # rectified when the deadline is met, late (a deadline met late in the same step is found and rectified at once).
    # 不精准 (a risk without its measure, …): found whenever it starts to hold, rectified when it stops, while the case
    # is still being assisted. Derived refs carry DERIVED after the kind.
    timely_all, timely_open, precise_now = set(), set(), set()
    for f in case.derived_findings(event.occurred_at):  # as of the business time of the event
        ref = f"{f.kind.value}:{DERIVED}{f.rule}"
        if f.kind is FindingKind.NOT_TIMELY:
            timely_all.add(ref)
            if not f.evidence.get("met_on"):
                timely_open.add(ref)
        else:
            precise_now.add(ref)
    was_timely = {r for r in before.open if r.startswith(f"{FindingKind.NOT_TIMELY.value}:")}
    was_precise = before.open - was_timely
    new_timely = timely_all - before.seen
    started = new_timely | (precise_now - was_precise)
    facts += [fact(FactKind.FINDING_FOUND, day, ref=ref) for ref in sorted(started)]
    if case.stage in (Stage.MONITORED, Stage.ELIMINATING):
        closed = ((was_timely | new_timely) - timely_open) | (was_precise - precise_now)
        facts += [fact(FactKind.FINDING_RECTIFIED, day, ref=ref) for ref in sorted(closed)]
        now_open = frozenset(timely_open | precise_now)
    else:  # out of assistance nothing is derived: what was open stays open (a rollback brings it back)
        now_open = before.open
    after = FindingState(before.seen | timely_all, now_open)
    return facts, (after if (new_timely or before.open != now_open) else None)


def _holds_from(event: HouseholdRegistered | HouseholdChanged) -> date:
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
    """A screening counted in the household's village (as the facts last placed it), on its screening date."""
    s = event.screening
    village = household.village_code if household else ""
    return Fact(position, FactKind.SCREENED, s["household_number"], village, _day(s["screened_on"]),
                persons=int(s["persons"]))  # fmt: skip


def staff_registered(event: StaffRegistered, position: int) -> Fact:
    """A staff member counted in their area by their identity (table 3-4)."""
    return Fact(position, FactKind.STAFF, event.staff_number, event.facts["area_code"], local_date(event.occurred_at),
                category=event.facts["identity"])  # fmt: skip


def staff_changed(event: StaffChanged, position: int, before: Fact | None) -> Fact | None:
    """A staff member whose identity or area changed counts anew (None: nothing table 3-4 counts changed)."""
    if before is None or not ({"identity", "area_code"} & set(event.changes)):
        return None
    return Fact(position, FactKind.STAFF, event.staff_number, event.changes.get("area_code", before.village_code),
                local_date(event.occurred_at), category=event.changes.get("identity", before.category))  # fmt: skip


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
