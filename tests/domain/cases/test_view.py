"""What a caller sees of a case: deadlines computed at a moment, labels, eligible categories, earlier versions."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from domain.cases.values import DeadlineKind, DeliberationOutcome
from domain.kernel.errors import CaseNotFoundError
from domain.kernel.time import SHANGHAI, end_of_day
from domain.ledger import Ledger
from domain.registry.household import household_cases_id
from domain.registry.values import HouseholdType
from tests.domain.support import DUE_DATE, NOW, VILLAGE_CADRE, CaseDriver, deadline, feb


def test_a_new_case_shows_its_identification_deadline(case: CaseDriver) -> None:
    view = case.open()

    [deadline] = view["deadlines"]
    assert deadline["kind"] == "identification"
    assert deadline["label"] == "识别认定时限"
    assert (deadline["due_date"], deadline["due_at"]) == (DUE_DATE, end_of_day(DUE_DATE))
    assert (deadline["met_on"], deadline["met_in_time"], deadline["closed"]) == (None, False, False)
    assert view["next_deadline"] == deadline


@pytest.mark.parametrize(
    ("now", "overdue", "days_late"),
    [
        (datetime(2026, 2, 20, 9, tzinfo=SHANGHAI), False, 0),
        (end_of_day(DUE_DATE) - timedelta(microseconds=1), False, 0),
        (end_of_day(DUE_DATE), True, 1),
        (datetime(2026, 2, 28, 23, 0, tzinfo=SHANGHAI), True, 3),
    ],
)
def test_an_open_deadline_is_overdue_from_the_end_of_its_due_day(
    case: CaseDriver, now: datetime, overdue: bool, days_late: int
) -> None:
    case.through("visit")

    view = case.view(now=now)

    [deadline] = view["deadlines"]
    assert (deadline["overdue"], deadline["days_late"]) == (overdue, days_late)
    assert view["overdue"] is overdue
    assert deadline["missed_recorded"] is False  # only the timer's DeadlineMissed event sets it


def test_a_closed_case_has_no_deadline_to_miss(case: CaseDriver) -> None:
    case.open()
    case.visit(authorisation_signed=False, authorisation_ref="", refusal_reason="不愿申请", risks=[])

    view = case.view(now=datetime(2026, 3, 20, tzinfo=SHANGHAI))

    [deadline] = view["deadlines"]
    assert (deadline["closed"], deadline["overdue"], deadline["days_late"]) == (True, False, 0)
    assert view["next_deadline"] is None
    assert view["overdue"] is False


def test_a_monitored_case_shows_its_deadline_met(case: CaseDriver) -> None:
    view = case.through("announcement")

    later = case.view(now=datetime(2026, 3, 20, tzinfo=SHANGHAI))
    identification = deadline(later, DeadlineKind.IDENTIFICATION)
    assert (identification["met_on"], identification["met_in_time"], identification["overdue"]) == (
        date(2026, 2, 23),
        True,
        False,
    )
    # Identified: the next deadline is the assistance plan's (identified 02-23 + 10 days), no longer identification.
    assert view["next_deadline"]["kind"] == "assistance_plan"
    assert view["next_deadline"]["due_date"] == date(2026, 3, 5)


def test_a_monitored_case_with_its_plan_and_measures_has_no_deadline_pending(case: CaseDriver) -> None:
    view = case.through("assisted")

    assert view["next_deadline"] is None
    assert view["overdue"] is False


@pytest.mark.parametrize(("decided_at", "days_late"), [(feb(25, 23), 0), (feb(27, 9), 2)])
def test_a_decided_deadline_counts_the_days_late_up_to_the_decision(
    case: CaseDriver, decided_at: datetime, days_late: int
) -> None:
    case.through("township_review")
    case.decide(occurred_at=decided_at)

    identification = deadline(case.view(now=datetime(2026, 3, 20, tzinfo=SHANGHAI)), DeadlineKind.IDENTIFICATION)

    assert (identification["days_late"], identification["overdue"]) == (days_late, False)


def test_the_view_labels_every_value_in_chinese(case: CaseDriver) -> None:
    view = case.open()

    assert (view["status_label"], view["stage_label"], view["source_label"]) == ("发现线索", "识别中", "干部排查")
    assert view["allowed_steps"] == [
        {"step": "household-visit", "label": "入户核实", "actions": [], "roles": ["resident_cadre", "village_cadre"]}
    ]
    assert view["category_label"] is None


@pytest.mark.parametrize(
    ("household_type", "income", "rigid", "eligible"),
    [
        (HouseholdType.ORDINARY, "6500", "300", ["marginal_at_risk", "sudden_hardship"]),
        (HouseholdType.FORMERLY_POOR, "6500", "300", ["unstable_formerly_poor", "sudden_hardship"]),
        (HouseholdType.ORDINARY, "9000", "0", []),
    ],
)
def test_the_view_lists_the_categories_the_household_fits_under_the_pinned_line(
    case: CaseDriver, household_type: HouseholdType, income: str, rigid: str, eligible: list[str]
) -> None:
    assert case.open(household_type=household_type)["eligible_categories"] == []

    view = case.visit(per_capita_net_income=Decimal(income), rigid_expenditure=Decimal(rigid))

    assert view["eligible_categories"] == eligible


def test_a_closed_case_lists_no_eligible_category(case: CaseDriver) -> None:
    case.through("visit")

    assert case.deliberate(outcome=DeliberationOutcome.FAIL)["eligible_categories"] == []


def test_an_earlier_version_of_the_case_can_be_viewed(case: CaseDriver, ledger: Ledger) -> None:
    case.through("deliberation")

    earlier = ledger.cases.view(case.case_id, NOW, version=2)

    assert (earlier["version"], earlier["status"]) == (2, "visit_verified")
    assert "village_deliberation" not in earlier["facts"]
    assert case.view()["version"] == 4


def test_the_facts_of_a_step_keep_who_did_it_and_when(case: CaseDriver) -> None:
    view = case.through("visit")

    visit = view["facts"]["household_visit"]
    assert visit["actor"]["id"] == VILLAGE_CADRE.id
    assert visit["occurred_at"] == feb(11)
    assert isinstance(visit["recorded_at"], datetime)
    assert visit["version"] == 2
    assert "command_id" not in visit
    assert view["opened_by"]["id"] == VILLAGE_CADRE.id


def test_an_unknown_case_is_not_found(ledger: Ledger) -> None:
    with pytest.raises(CaseNotFoundError) as excinfo:
        ledger.cases.view(uuid4(), NOW)
    assert excinfo.value.rule == "exists"


def test_the_events_of_an_unknown_case_or_of_another_record_are_not_found(case: CaseDriver) -> None:
    opened = case.open()
    assert [e["type"] for e in case.ledger.cases.event_records(case.case_id)] == ["CaseOpened"]
    index = household_cases_id(opened["household"]["household_number"])  # the household's open-case index
    assert list(case.ledger.stored_events(index))  # a stream of events, but not a case's
    for other in (uuid4(), index):
        with pytest.raises(CaseNotFoundError) as excinfo:
            case.ledger.cases.event_records(other)
        assert (excinfo.value.field, excinfo.value.rule) == ("case_id", "exists")


def test_an_open_notice_is_due_to_close_after_its_last_day_and_not_once_closed(case: CaseDriver) -> None:
    assert case.through("deliberation")["notice_due"] is None  # no notice posted yet
    case.post_notice()  # 2-14 to 2-18

    on_last_day = case.view(now=datetime(2026, 2, 18, 20, tzinfo=SHANGHAI))["notice_due"]
    assert (on_last_day["kind"], on_last_day["label"]) == ("notice", "公示期满待结束")
    assert (on_last_day["due_date"], on_last_day["due_at"]) == (date(2026, 2, 18), end_of_day(date(2026, 2, 18)))
    assert (on_last_day["overdue"], on_last_day["days_late"]) == (False, 0)
    two_days_on = case.view(now=datetime(2026, 2, 20, 9, tzinfo=SHANGHAI))["notice_due"]
    assert (two_days_on["overdue"], two_days_on["days_late"]) == (True, 2)
    # An objection keeps the notice open (its close waits for the investigation): still due.
    case.object()
    assert case.view(now=datetime(2026, 2, 20, 9, tzinfo=SHANGHAI))["notice_due"]["due_date"] == date(2026, 2, 18)


def test_the_elimination_notice_is_due_like_the_identification_notice(case: CaseDriver) -> None:
    case.through("elimination_deliberation")
    assert case.view(now=datetime(2026, 9, 4, tzinfo=SHANGHAI))["notice_due"] is None
    case.post_notice(
        occurred_at=datetime(2026, 9, 4, 10, tzinfo=SHANGHAI), start_date=date(2026, 9, 4), end_date=date(2026, 9, 10)
    )
    due = case.view(now=datetime(2026, 9, 12, 9, tzinfo=SHANGHAI))["notice_due"]
    assert (due["due_date"], due["days_late"]) == (date(2026, 9, 10), 2)
    case.close_notice(occurred_at=datetime(2026, 9, 12, 9, tzinfo=SHANGHAI))
    assert case.view(now=datetime(2026, 9, 12, 10, tzinfo=SHANGHAI))["notice_due"] is None


def test_a_case_as_it_stood_on_a_business_date_and_what_a_person_changed_between_versions(
    ledger: Ledger, case: CaseDriver
) -> None:
    from domain.cases.timeline import DERIVED_FIELDS, diff, recorded_changes, version_on

    case.open(now=feb(14))  # entered on the 14th, its clue found on the 10th (CLUE_DATE): opened in business time then
    case.visit(occurred_at=feb(11))
    case.cross_check(occurred_at=feb(12))
    records = ledger.cases.event_records(case.case_id)
    # in business time: the end of each day holds the events that happened by then, in their order
    assert [version_on(records, date(2026, 2, d)) for d in (10, 11, 12, 28)] == [1, 2, 3, 3]
    with pytest.raises(CaseNotFoundError) as e:
        version_on(records, date(2026, 2, 9))
    assert e.value.rule == "existed"

    before, after = (ledger.cases.view(case.case_id, feb(28), v) for v in (1, 2))
    changed = {c["field"].split(".")[0] for c in recorded_changes(before, after)}
    assert "facts" in changed and "status" in changed  # what the visit recorded
    assert not changed & DERIVED_FIELDS  # the steps now open, deadlines, labels follow from it and are left out
    assert {c["field"].split(".")[0] for c in diff(before, after)} & DERIVED_FIELDS  # the whole difference has them
