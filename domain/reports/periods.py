"""The statistics cycle of the 工作调度表 (seed plan §三(三) 定期调度: "各村要每两周上报工作调度表(附件1-4,统计周期从
方案印发之日起)"): two-week periods counted from the day the plan was issued, and, while no plan date is known, the
default two-week periods (``default_period``). Periods are calendar days in Asia/Shanghai (the caller's ``day`` is
``domain.kernel.time.local_date``)."""

from __future__ import annotations

from datetime import date, timedelta

# 每两周 (seed plan §三(三)).
PERIOD_DAYS = 14

# The default cycle, a decision of ours (made with the console's reports page; neither the seed nor domain.md names a
# cycle without a plan): when no plan date is known for an area (no campaign covers it and DIXIAN_PLAN_ISSUED_ON is
# not set), or the configured one lies after the day asked for, the periods are still the seed's two weeks, counted
# from a fixed Monday: 2023-01-02, the Monday that opens ISO week 1 of 2023 (the seed's year: its monitoring line is
# 2023's). Every default period so runs Monday to Sunday of two whole weeks, the same periods for every area, every
# caller and every day they are asked on, before or after the anchor alike. Changing it moves every default period:
# tests/domain/reports/test_periods.py pins it.
DEFAULT_CYCLE_ANCHOR = date(2023, 1, 2)


def period_containing(counted_from: date, day: date) -> tuple[date, date]:
    """The two-week period (first and last day, both included) counted from ``counted_from`` that holds ``day``.
    Before ``counted_from`` there is no period of that plan: ValueError."""
    if day < counted_from:
        raise ValueError(f"{day.isoformat()} lies before the statistics cycle starts ({counted_from.isoformat()})")
    start = counted_from + timedelta(days=(day - counted_from).days // PERIOD_DAYS * PERIOD_DAYS)
    return start, start + timedelta(days=PERIOD_DAYS - 1)


def current_period(counted_from: date | None, day: date) -> tuple[date, date]:
    """The two-week period holding ``day``: of the plan's cycles once its date has come, else the default one."""
    if counted_from is not None and counted_from <= day:
        return period_containing(counted_from, day)
    return default_period(day)


def default_period(day: date) -> tuple[date, date]:
    """The default two-week period (``DEFAULT_CYCLE_ANCHOR``) that holds ``day``: Monday to the Sunday a week
    after. Defined for every day, also before the anchor."""
    start = DEFAULT_CYCLE_ANCHOR + timedelta(days=(day - DEFAULT_CYCLE_ANCHOR).days // PERIOD_DAYS * PERIOD_DAYS)
    return start, start + timedelta(days=PERIOD_DAYS - 1)


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
