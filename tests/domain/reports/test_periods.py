"""The statistics cycle of the 工作调度表: every two weeks, counted from the day the plan was issued (seed §三(三))."""

from __future__ import annotations

from datetime import date

import pytest

from domain.reports.periods import PERIOD_DAYS, period_containing, trailing_period


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


def test_without_a_plan_the_period_is_the_two_weeks_ending_today() -> None:
    assert trailing_period(date(2023, 3, 14)) == (date(2023, 3, 1), date(2023, 3, 14))
