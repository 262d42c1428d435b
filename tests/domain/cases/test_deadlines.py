"""The time limits of a case and the dates a step may carry (domain/cases/rules/deadlines.py, domain/kernel/time.py):
calendar days in Asia/Shanghai, each limit from its policy value."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from domain.cases.rules import deadlines as deadlines
from domain.kernel.errors import RuleViolationError
from domain.kernel.policy import Policy
from domain.kernel.time import SHANGHAI, add_months, end_of_day, local_date
from tests.domain.support import NOW, seed_policy

# --- dates and deadlines ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "due"), [(15, date(2026, 2, 25)), (20, date(2026, 3, 2)), (10, date(2026, 2, 20))])
def test_identification_is_due_the_clue_date_plus_the_policy_days(days: int, due: date) -> None:
    assert deadlines.identification_due(date(2026, 2, 10), seed_policy(identification_days=days)) == due


@pytest.mark.parametrize(
    ("due", "changes", "start", "expected"),
    [
        (deadlines.plan_due, {}, date(2026, 2, 23), date(2026, 3, 5)),  # 10 days (2026 is not a leap year)
        (deadlines.plan_due, {"plan_days": 7}, date(2026, 2, 23), date(2026, 3, 2)),
        (deadlines.measures_due, {}, date(2026, 2, 23), date(2026, 3, 10)),  # 15 days
        (deadlines.measures_due, {"measures_days": 30}, date(2026, 2, 23), date(2026, 3, 25)),
        (deadlines.measures_from_clue_due, {}, date(2026, 2, 10), date(2026, 3, 7)),  # 25 days from the clue
        (deadlines.measures_from_clue_due, {"measures_from_clue_days": 20}, date(2026, 2, 10), date(2026, 3, 2)),
        (deadlines.elimination_due, {}, date(2026, 9, 1), date(2026, 10, 1)),  # 30 days from the proposal
        (deadlines.elimination_due, {"elimination_days": 45}, date(2026, 9, 1), date(2026, 10, 16)),
        (deadlines.look_back_due, {}, date(2026, 9, 15), date(2027, 3, 15)),  # 6 months after elimination
        (deadlines.look_back_due, {}, date(2026, 8, 31), date(2027, 2, 28)),
        (deadlines.look_back_due, {}, date(2023, 8, 31), date(2024, 2, 29)),
        (deadlines.look_back_due, {"look_back_months": 12}, date(2026, 9, 15), date(2027, 9, 15)),
    ],
    ids=lambda v: getattr(v, "__name__", str(v)),
)
def test_each_assistance_and_elimination_deadline_follows_its_policy_value(
    due: Callable[[date, Policy], date], changes: dict[str, int], start: date, expected: date
) -> None:
    assert due(start, seed_policy(**changes)) == expected


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 2, 23), 6, date(2026, 8, 23)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),  # the month's last day when it has fewer days
        (date(2023, 8, 31), 6, date(2024, 2, 29)),  # a leap year
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 7, 31), 6, date(2027, 1, 31)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),  # across the year end
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2026, 6, 30), 18, date(2027, 12, 30)),
        (date(2026, 5, 17), 0, date(2026, 5, 17)),
    ],
)
def test_adding_months_keeps_the_day_or_takes_the_last_day_of_a_shorter_month(
    day: date, months: int, expected: date
) -> None:
    assert add_months(day, months) == expected


def test_a_deadline_ends_at_midnight_after_its_day_in_shanghai() -> None:
    end = end_of_day(date(2026, 2, 25))

    assert end == datetime(2026, 2, 26, 0, 0, tzinfo=SHANGHAI)
    assert end == datetime(2026, 2, 25, 16, 0, tzinfo=UTC)
    assert local_date(end - timedelta(microseconds=1)) == date(2026, 2, 25)
    assert local_date(end) == date(2026, 2, 26)


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (datetime(2026, 2, 10, 15, 59, 59, tzinfo=UTC), date(2026, 2, 10)),
        (datetime(2026, 2, 10, 16, 0, tzinfo=UTC), date(2026, 2, 11)),
        (datetime(2026, 2, 11, 0, 0, tzinfo=SHANGHAI), date(2026, 2, 11)),
    ],
)
def test_a_moment_falls_on_its_calendar_day_in_shanghai(moment: datetime, day: date) -> None:
    assert local_date(moment) == day


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (date(2026, 3, 1), date(2026, 3, 5), 5),  # 公示期 3月1日至3月5日 is 5 days
        (date(2026, 3, 1), date(2026, 3, 4), 4),
        (date(2026, 3, 1), date(2026, 3, 1), 1),
        (date(2026, 2, 27), date(2026, 3, 3), 5),
    ],
)
def test_a_notice_counts_both_its_first_and_last_day(start: date, end: date, days: int) -> None:
    assert deadlines.notice_days(start, end) == days


@pytest.mark.parametrize("clue_date", [date(2026, 3, 1), date(2020, 3, 1), date(2023, 7, 15)])
def test_a_clue_from_the_mechanism_start_to_today_is_accepted(clue_date: date) -> None:
    deadlines.check_clue_date(clue_date, today=date(2026, 3, 1))


@pytest.mark.parametrize(
    ("clue_date", "rule"),
    [(date(2026, 3, 2), "not_in_future"), (date(2020, 2, 29), "after_mechanism_start")],
)
def test_a_clue_after_today_or_before_the_mechanism_is_refused(clue_date: date, rule: str) -> None:
    with pytest.raises(RuleViolationError) as excinfo:
        deadlines.check_clue_date(clue_date, today=date(2026, 3, 1))
    assert (excinfo.value.field, excinfo.value.rule) == ("clue_date", rule)


@pytest.mark.parametrize(
    "occurred_at",
    [NOW, NOW + timedelta(minutes=5), datetime(2026, 2, 20, 0, 0, tzinfo=SHANGHAI)],
)
def test_a_step_from_its_lower_bound_to_five_minutes_ahead_is_accepted(occurred_at: datetime) -> None:
    deadlines.check_step_time(occurred_at, not_before=date(2026, 2, 20), now=NOW)


def test_a_step_more_than_five_minutes_in_the_future_is_refused() -> None:
    with pytest.raises(RuleViolationError) as excinfo:
        deadlines.check_step_time(NOW + timedelta(minutes=5, microseconds=1), not_before=date(2026, 2, 20), now=NOW)
    assert (excinfo.value.field, excinfo.value.rule) == ("occurred_at", "not_in_future")


@pytest.mark.parametrize(
    "occurred_at",
    [
        datetime(2026, 2, 19, 23, 59, 59, tzinfo=SHANGHAI),
        datetime(2026, 2, 19, 15, 59, tzinfo=UTC),  # 23:59 in Shanghai
    ],
)
def test_a_step_dated_the_day_before_its_lower_bound_is_refused(occurred_at: datetime) -> None:
    with pytest.raises(RuleViolationError) as excinfo:
        deadlines.check_step_time(occurred_at, not_before=date(2026, 2, 20), now=NOW)
    assert (excinfo.value.field, excinfo.value.rule) == ("occurred_at", "chronological_order")


def test_the_lower_bound_is_compared_in_shanghai_time() -> None:
    # 16:00 UTC on the 19th is midnight on the 20th in Shanghai.
    deadlines.check_step_time(datetime(2026, 2, 19, 16, 0, tzinfo=UTC), not_before=date(2026, 2, 20), now=NOW)


def test_a_policy_that_counts_working_days_skips_weekends_and_holidays_and_works_the_adjusted_days() -> None:
    """Hainan's older rule: identification within 20 working days (domain.md §4.2). From Thursday 2026-09-24: the
    Mid-Autumn days (9-25 to 9-27) and National Day (10-01 to 10-07) are not counted, Saturday 10-10 (调休) is."""
    from dataclasses import replace

    working = replace(seed_policy(), identification_days=20, day_count="working")
    assert deadlines.identification_due(date(2026, 9, 24), working) == date(2026, 10, 29)
    assert deadlines.identification_due(date(2026, 9, 24), replace(working, day_count="calendar")) == date(2026, 10, 14)
    assert deadlines.plan_due(date(2026, 9, 24), replace(working, plan_days=1)) == date(2026, 9, 28)
    # a year whose holidays are not published yet is refused, never guessed
    with pytest.raises(RuleViolationError) as e:
        deadlines.identification_due(date(2099, 3, 1), working)
    assert e.value.rule == "working_days_known"
