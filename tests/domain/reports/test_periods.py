"""The statistics cycle of the 工作调度表: every two weeks, counted from the day the plan was issued (seed §三(三))."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from domain.reports.periods import (
    DEFAULT_CYCLE_ANCHOR,
    PERIOD_DAYS,
    default_period,
    period_containing,
)


def test_the_cycle_is_two_weeks() -> None:
    assert PERIOD_DAYS == 14  # 每两周上报工作调度表


@pytest.mark.parametrize(
    ("day", "period"),
    [
        (date(2023, 2, 1), (date(2023, 2, 1), date(2023, 2, 14))),  # the plan's issue day opens the first period
        (date(2023, 2, 14), (date(2023, 2, 1), date(2023, 2, 14))),
        (date(2023, 2, 15), (date(2023, 2, 15), date(2023, 2, 28))),
        (date(2023, 3, 1), (date(2023, 3, 1), date(2023, 3, 14))),
    ],
)
def test_periods_are_counted_from_the_plans_issue_day(day: date, period: tuple[date, date]) -> None:
    assert period_containing(date(2023, 2, 1), day) == period


def test_a_day_before_the_plan_has_no_period_of_it() -> None:
    with pytest.raises(ValueError, match="before the statistics cycle"):
        period_containing(date(2023, 2, 1), date(2023, 1, 31))


# The default two-week period while no plan date is known (domain.reports.periods.DEFAULT_CYCLE_ANCHOR): a decision
# pinned here, so that a change of it is a change of these tests too.
def test_the_default_periods_are_counted_from_monday_2023_01_02() -> None:
    assert date(2023, 1, 2) == DEFAULT_CYCLE_ANCHOR
    assert DEFAULT_CYCLE_ANCHOR.isocalendar()[1:] == (1, 1)  # a Monday, opening ISO week 1


@pytest.mark.parametrize(
    ("day", "period"),
    [
        (date(2023, 1, 2), (date(2023, 1, 2), date(2023, 1, 15))),  # the anchor opens a period
        (date(2023, 1, 15), (date(2023, 1, 2), date(2023, 1, 15))),
        (date(2023, 1, 16), (date(2023, 1, 16), date(2023, 1, 29))),
        (date(2023, 1, 1), (date(2022, 12, 19), date(2023, 1, 1))),  # before the anchor too
        (date(2026, 1, 1), (date(2025, 12, 29), date(2026, 1, 11))),  # across a year's end
        (date(2026, 3, 20), (date(2026, 3, 9), date(2026, 3, 22))),
    ],
)
def test_the_default_period_is_monday_to_the_sunday_after_next(day: date, period: tuple[date, date]) -> None:
    assert default_period(day) == period


def test_every_day_lies_in_one_default_period_of_two_whole_weeks() -> None:
    day, seen = date(2022, 12, 1), set()
    while day < date(2027, 1, 31):
        first, last = default_period(day)
        assert first <= day <= last and first.isoweekday() == 1 and (last - first).days == PERIOD_DAYS - 1
        seen.add(first)
        day += timedelta(days=1)
    ordered = sorted(seen)
    assert all((b - a).days == PERIOD_DAYS for a, b in itertools.pairwise(ordered))  # they tile the calendar
