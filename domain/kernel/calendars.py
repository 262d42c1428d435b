"""How a policy counts the days of a time limit: calendar days (自然日, the national rule and the seed's), or working
days (工作日: Hainan's older rule gave identification 20 working days, domain.md §4.2), with China's public holidays
and adjusted working days (调休) as the State Council publishes them each year, from the maintained `chinesecalendar`
package. A working day it does not know (a year the State Council has not published yet) is refused, never guessed."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar

from domain.kernel.errors import RuleViolationError
from domain.kernel.labels import Labelled


class DayCount(Labelled):
    CALENDAR = "calendar", "自然日"
    WORKING = "working", "工作日"


def add_days(start: date, days: int, count: DayCount | str = DayCount.CALENDAR) -> date:
    """The last day of a time limit of ``days`` days from ``start`` (the start not counted): that many calendar days
    on, or the ``days``-th working day after ``start``."""
    if DayCount(count) is DayCount.CALENDAR:
        return start + timedelta(days=days)
    day, counted = start, 0
    try:
        while counted < days:
            day += timedelta(days=1)
            counted += bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        raise RuleViolationError(
            f"the working days after {start.isoformat()} are not published yet; count this policy in calendar days",
            field="policy",
            rule="working_days_known",
        ) from None
    return day
