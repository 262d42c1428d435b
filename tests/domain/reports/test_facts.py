"""What each event means for the tables (domain/reports/facts.py), on cases and registry events in memory: the read
model only stores what these functions decide."""

from __future__ import annotations

from datetime import date

from domain.cases.case import MonitoringCase
from domain.kernel.actors import Actor, Role
from domain.kernel.envelope import Envelope
from domain.ledger import Ledger
from domain.registry.household import household_id
from domain.reports.facts import FindingState, case_event_facts, household_changed, household_registered
from domain.reports.tables import DERIVED, FactKind
from tests.domain.registry_support import family, household
from tests.domain.support import IDENTIFIED_ON, NOW, CaseDriver, mar


def facts_of_each_event(ledger: Ledger, case: CaseDriver) -> list[tuple[str, list[tuple[FactKind, str]]]]:
    """Each event of the case with the facts it adds, folded as the projection folds them."""
    state = FindingState()
    out = []
    for event in ledger.stored_events(case.case_id):
        at: MonitoringCase = ledger.repository.get(case.case_id, version=event.originator_version)
        added, after = case_event_facts(event, at, event.originator_version, state)
        state = after or state
        out.append((type(event).__name__, [(f.kind, f.ref) for f in added]))
    return out


def test_an_announced_identification_counts_as_identified_and_monitored_on_its_decision_day(
    ledger: Ledger, case: CaseDriver
) -> None:
    case.through("monitored")
    [(name, added)] = [(n, a) for n, a in facts_of_each_event(ledger, case) if a]
    assert name == "ResultAnnounced" and added == [(FactKind.IDENTIFIED, ""), (FactKind.MONITORING, "")]
    announced = list(ledger.stored_events(case.case_id))[-1]
    at = ledger.repository.get(case.case_id)
    facts, _ = case_event_facts(announced, at, 99, FindingState())
    assert {f.day for f in facts} == {IDENTIFIED_ON} and {f.position for f in facts} == {99}


def test_a_plan_made_late_is_found_not_timely_and_rectified_at_once(ledger: Ledger, case: CaseDriver) -> None:
    case.through("responsible_person")
    case.plan(occurred_at=mar(9))  # due 03-05
    plan_facts = dict(facts_of_each_event(ledger, case))["AssistancePlanMade"]
    ref = f"not_timely:{DERIVED}assistance_plan_deadline"
    assert (FactKind.FINDING_FOUND, ref) in plan_facts and (FactKind.FINDING_RECTIFIED, ref) in plan_facts


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
