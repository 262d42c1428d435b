"""The statistics cycle of the 工作调度表 (seed plan §三(三) 定期调度: "各村要每两周上报工作调度表(附件1-4,统计周期从
方案印发之日起)"): two-week periods counted from the day the plan was issued."""

from __future__ import annotations

from datetime import date, timedelta

# 每两周 (seed plan §三(三)).
PERIOD_DAYS = 14


def period_containing(counted_from: date, day: date) -> tuple[date, date]:
    """The two-week period (first and last day, both included) counted from ``counted_from`` that holds ``day``.
    Before ``counted_from`` there is no period of that plan: ValueError."""
    if day < counted_from:
        raise ValueError(f"{day.isoformat()} lies before the statistics cycle starts ({counted_from.isoformat()})")
    start = counted_from + timedelta(days=(day - counted_from).days // PERIOD_DAYS * PERIOD_DAYS)
    return start, start + timedelta(days=PERIOD_DAYS - 1)


def trailing_period(day: date) -> tuple[date, date]:
    """Without a plan to count from: the two weeks ending with ``day``."""
    return day - timedelta(days=PERIOD_DAYS - 1), day


def cycle(counted_from: date, number: int) -> tuple[date, date]:
    """The ``number``-th two-week period (1 is the first) counted from ``counted_from``."""
    if number < 1:
        raise ValueError("the statistics cycles are numbered from 1")
    first = counted_from + timedelta(days=(number - 1) * PERIOD_DAYS)
    return first, first + timedelta(days=PERIOD_DAYS - 1)


def cycle_number(counted_from: date, day: date) -> int:
    """Which two-week period ``day`` falls in (1 for the first), counted from ``counted_from``."""
    period_containing(counted_from, day)  # refuses a day before the cycle starts
    return (day - counted_from).days // PERIOD_DAYS + 1
