"""A case knows its household from the registry (issue 19): opening looks it up, the visit and the elimination
proposal read its figures as of their business date, and a typed figure never overrides what the registry says."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from domain.cases.values import Source
from domain.kernel.errors import RuleViolationError
from domain.ledger import Ledger
from domain.registry.values import HouseholdType, LabourSkill
from tests.domain.support import NOW, CaseDriver, feb, household_members, seed_policy


def test_a_cadre_screening_cannot_open_a_case_on_a_household_not_in_the_registry(case: CaseDriver) -> None:
    with pytest.raises(RuleViolationError) as excinfo:
        case.open(registered=False)

    assert (excinfo.value.field, excinfo.value.rule) == ("household_number", "household_registered")
    assert case.ledger.registry.open_cases_of(f"HH-{case.case_id.hex[:8]}") == []


@pytest.mark.parametrize("source", [Source.SELF_APPLICATION, Source.DEPARTMENT_ALERT])
def test_a_self_application_or_an_alert_may_name_an_unregistered_household_to_be_registered_in_time(
    case: CaseDriver, source: Source
) -> None:
    view = case.open(registered=False, source=source)

    household = view["household"]
    assert household["registered"] is False
    # Policy.registration_days (15 by default) from the day the case was opened (NOW, 2026-03-01).
    assert household["registration_due"] == date(2026, 3, 16)
    assert seed_policy().registration_days == 15


def test_a_registered_households_case_records_the_registry_version_it_read_and_its_head(case: CaseDriver) -> None:
    view = case.open()

    household = view["household"]
    assert household["registered"] is True
    assert household["registration_due"] is None
    assert household["household_head"] == "成员0"  # the registry's head, not a name typed at opening
    assert household["registry_source"]["registry_version"] == 1


def test_a_head_typed_at_opening_that_contradicts_the_registry_is_refused(case: CaseDriver) -> None:
    case.register()

    with pytest.raises(RuleViolationError) as excinfo:
        case.open(household_head="张冒名")
    assert (excinfo.value.field, excinfo.value.rule) == ("household_head", "registry_head")
    assert "张冒名" not in str(excinfo.value) and "成员0" not in str(excinfo.value)  # no name in a refusal


def losing_a_worker_on(ledger: Ledger, day: int) -> CaseDriver:
    """A household of 4 registered on Feb 1 with 3 able to work; on Feb ``day`` the registry records that one of
    them lost the capacity to work. Its case is then opened (clue Feb 10)."""
    case = CaseDriver(ledger)
    members = household_members(case.case_id, 4, 3)
    case.register(members=members, now=feb(1))
    later = tuple(replace(m, labour_skill=LabourSkill.LOST) if i == 1 else m for i, m in enumerate(members))
    case.register(members=later, now=feb(day), reason="因病丧失劳动能力")
    case.open(now=NOW)
    return case


def test_the_visit_reads_the_household_as_the_registry_had_it_on_the_visit_date(ledger: Ledger) -> None:
    case = losing_a_worker_on(ledger, 20)  # after the visit's date: the visit of Feb 11 still reads 3

    visit = case.visit(occurred_at=feb(11))["facts"]["household_visit"]

    assert (visit["household_size"], visit["labour_capable_members"]) == (4, 3)
    assert visit["figures_source"]["registry_version"] == 1
    assert visit["figures_source"]["as_of"] == "2026-02-11"


def test_a_visit_dated_after_a_registry_change_reads_the_changed_household(ledger: Ledger) -> None:
    case = losing_a_worker_on(ledger, 5)

    visit = case.visit(occurred_at=feb(11))["facts"]["household_visit"]

    assert visit["labour_capable_members"] == 2
    assert visit["figures_source"]["registry_version"] == 2


@pytest.mark.parametrize(
    ("field", "typed"),
    [("household_size", 5), ("labour_capable_members", 3), ("household_type", HouseholdType.FORMERLY_POOR)],
)
def test_a_visit_typing_a_figure_that_contradicts_the_registry_is_refused(
    case: CaseDriver, field: str, typed: object
) -> None:
    case.open()

    with pytest.raises(RuleViolationError) as excinfo:
        case.visit(**{field: typed})
    assert (excinfo.value.field, excinfo.value.rule) == (field, "registry_figure")
    assert case.event_types() == ["CaseOpened"]


def test_a_household_registered_after_its_self_application_is_read_from_the_registry(case: CaseDriver) -> None:
    case.open(registered=False, source=Source.SELF_APPLICATION)
    case.register(members=household_members(case.case_id, 5, 1), now=NOW + timedelta(hours=1))

    visit = case.visit(
        household_type=None, household_size=None, labour_capable_members=None, now=NOW + timedelta(days=1)
    )
    figures = visit["facts"]["household_visit"]

    assert (figures["household_size"], figures["labour_capable_members"]) == (5, 1)
    assert figures["figures_source"]["from"] == "registry"


def test_a_correction_recorded_late_with_the_day_it_happened_is_read_by_a_step_of_that_day(ledger: Ledger) -> None:
    # Entered on 03-01 (补录), the visit of 02-11 found that one member could no longer work since 02-08: the registry
    # is corrected first, dated when it happened, and the visit reads it (a correction dated today would not be).
    case = CaseDriver(ledger)
    members = household_members(case.case_id, 4, 3)
    case.register(members=members, now=feb(1))
    case.open(now=NOW)
    later = tuple(replace(m, labour_skill=LabourSkill.LOST) if i == 1 else m for i, m in enumerate(members))
    with pytest.raises(RuleViolationError):
        case.visit(occurred_at=feb(11), labour_capable_members=2)  # the registry still says 3 for 02-11
    case.register(members=later, now=NOW, reason="因病丧失劳动能力", effective_on=date(2026, 2, 8))

    visit = case.visit(occurred_at=feb(11), labour_capable_members=2)["facts"]["household_visit"]

    assert visit["labour_capable_members"] == 2
    source = visit["figures_source"]
    assert (source["registry_version"], source["holds_from"], source["recorded_on"]) == (2, "2026-02-08", "2026-03-01")
    assert source["registered_after"] is False


def test_a_registry_change_cannot_hold_from_a_day_still_to_come(case: CaseDriver) -> None:
    with pytest.raises(RuleViolationError) as excinfo:
        case.register(effective_on=NOW.date() + timedelta(days=1))
    assert (excinfo.value.field, excinfo.value.rule) == ("effective_on", "not_in_future")
    assert case.ledger.registry.household_version(f"HH-{case.case_id.hex[:8]}") == 0
