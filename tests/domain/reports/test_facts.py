"""What each event means for the tables (domain/reports/facts.py), on cases and registry events in memory: the read
model only stores what these functions decide."""

from __future__ import annotations

from datetime import date

from domain.cases.case import MonitoringCase
from domain.cases.values import MeasureCategory
from domain.kernel.actors import Actor, Role
from domain.kernel.envelope import Envelope
from domain.ledger import Ledger
from domain.registry.household import household_id
from domain.registry.values import Risk
from domain.reports.facts import DerivedFindings, case_event_facts, household_changed, household_registered
from domain.reports.tables import DERIVED, FactKind, finding_episodes
from tests.domain.registry_support import family, household
from tests.domain.support import IDENTIFIED_ON, NOW, CaseDriver, mar


def facts_of_each_event(ledger: Ledger, case: CaseDriver) -> list[tuple[str, list[tuple[FactKind, str]]]]:
    """Each event of the case with the facts it adds, folded as the projection folds them."""
    state = DerivedFindings()
    out = []
    for event in ledger.stored_events(case.case_id):
        at: MonitoringCase = ledger.repository.get(case.case_id, version=event.originator_version)
        added, after = case_event_facts(event, at, event.originator_version, state)
        state = after or state
        out.append((type(event).__name__, [(f.kind, f.ref) for f in added]))
    return out


def derived_episodes(ledger: Ledger, case: CaseDriver) -> dict[str, tuple[date, date | None]]:
    """The case's derived findings as the tables count them from its facts: ref -> (found, rectified)."""
    state, facts = DerivedFindings(), []
    for event in ledger.stored_events(case.case_id):
        at: MonitoringCase = ledger.repository.get(case.case_id, version=event.originator_version)
        added, after = case_event_facts(event, at, event.originator_version, state)
        state = after or state
        facts += added
    return {ref: (found, end) for _, ref, found, end in finding_episodes(facts) if DERIVED in ref}


PLAN = f"not_timely:{DERIVED}assistance_plan_deadline"
MEASURES = f"not_timely:{DERIVED}measures_deadline"
FROM_CLUE = f"not_timely:{DERIVED}measures_from_clue_deadline"
NO_MEASURE = f"not_precise:{DERIVED}risk_without_measure"
NO_DEVELOPMENT = f"not_precise:{DERIVED}development_measure_required"


def test_an_announced_identification_counts_as_identified_and_monitored_on_its_decision_day(
    ledger: Ledger, case: CaseDriver
) -> None:
    case.through("monitored")
    [(name, added)] = [(n, a) for n, a in facts_of_each_event(ledger, case) if a]
    assert name == "ResultAnnounced" and added[:2] == [(FactKind.IDENTIFIED, ""), (FactKind.MONITORING, "")]
    announced = list(ledger.stored_events(case.case_id))[-1]
    at = ledger.repository.get(case.case_id)
    facts, _ = case_event_facts(announced, at, 99, DerivedFindings())
    assert {f.day for f in facts[:2]} == {IDENTIFIED_ON} and {f.position for f in facts} == {99}


def test_each_deadline_a_monitored_household_will_miss_is_found_the_day_after_it(
    ledger: Ledger, case: CaseDriver
) -> None:
    case.through("monitored")  # identified 02-23 from a clue of 02-10: nothing done for it yet
    # Plan due 03-05 (10 days), measures 03-10 (15 days), 03-07 from the clue (25 days); 不精准 judged from 03-11.
    assert derived_episodes(ledger, case) == {
        PLAN: (mar(6).date(), None), MEASURES: (mar(11).date(), None), FROM_CLUE: (mar(8).date(), None),
        NO_MEASURE: (mar(11).date(), None), NO_DEVELOPMENT: (mar(11).date(), None),
    }  # fmt: skip


def test_a_plan_made_late_is_found_the_day_after_its_deadline_and_rectified_the_day_it_was_made(
    ledger: Ledger, case: CaseDriver
) -> None:
    case.through("responsible_person")
    case.plan(occurred_at=mar(9))  # due 03-05
    assert derived_episodes(ledger, case)[PLAN] == (mar(6).date(), mar(9).date())


def test_deadlines_met_in_time_withdraw_the_findings_they_would_have_been(ledger: Ledger, case: CaseDriver) -> None:
    case.through("measures")  # plan 02-26, both measures implemented 02-27, one aimed at the illness
    assert derived_episodes(ledger, case) == {}
    facts = [f for _, added in facts_of_each_event(ledger, case) for f in added if DERIVED in f[1]]
    assert (FactKind.FINDING_FOUND, PLAN) in facts  # foreseen at the announcement, withdrawn by the plan


def test_a_household_counts_where_it_is_registered_and_again_only_when_it_moves_or_its_members_change(
    ledger: Ledger,
) -> None:
    county = Actor("c", Role.COUNTY_APPROVER, "990102")
    ledger.registry.register_household(Envelope(county, "r1", NOW), household("HH-1"), reason="登记")
    ledger.registry.register_household(Envelope(county, "r2", NOW), household("HH-1", address="玉坪村三组13号"), reason="改地址")  # fmt: skip
    ledger.registry.register_household(Envelope(county, "r3", NOW), household("HH-1", family()[:2]), reason="分户")  # fmt: skip
    registered, address, members = list(ledger.stored_events(household_id("HH-1")))
    first = household_registered(registered, 1)
    assert (first.kind, first.village_code, first.persons, first.day) == (
        FactKind.HOUSEHOLD,
        "990102101001",
        3,
        date(2026, 3, 1),
    )
    assert household_changed(address, 2, first) is None
    fewer = household_changed(members, 3, first)
    assert fewer is not None and (fewer.persons, fewer.village_code) == (2, "990102101001")


def test_imprecision_follows_the_measures_dates_whatever_order_they_were_entered_in(ledger: Ledger) -> None:
    """A health measure implemented 03-05 and an employment measure 03-08, entered in either order (补录 may
    backdate an assistance step to the identification): 缺发展类措施 from 03-05, when a measure was implemented and
    不精准 became judged, until 03-08; the same facts either way."""
    health = {"category": MeasureCategory.HEALTH, "targets": [Risk.ILLNESS], "occurred_at": mar(5)}
    work = {"category": MeasureCategory.EMPLOYMENT, "sub_item": "劳务输出", "responsible_unit": "乡人社所",
            "occurred_at": mar(8)}  # fmt: skip
    seen = []
    for order in ((health, work), (work, health)):
        case = CaseDriver(ledger)
        case.through("plan")
        for measure in order:
            case.add_measure(**measure, now=mar(9))
        seen.append(derived_episodes(ledger, case))
    assert seen[0] == seen[1]
    assert seen[0][NO_DEVELOPMENT] == (mar(5).date(), mar(8).date()) and NO_MEASURE not in seen[0]
