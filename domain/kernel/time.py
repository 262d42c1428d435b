"""Time as the domain counts it: calendar days in Asia/Shanghai (developers' guide: "Dates are calendar days in
Asia/Shanghai"), the end of a day, a month later, and the clock skew tolerated from a client's device."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta, timezone

# Dates are calendar days in Asia/Shanghai (UTC+8 all year, no daylight saving), so a fixed offset is exact.
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")


# Tolerated clock skew between a client's device and the server when a client supplies a business time.
CLOCK_SKEW = timedelta(minutes=5)


def aware(moment: datetime) -> datetime:
    """A time as people give it: one given without a zone is Shanghai's."""
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def local_date(moment: datetime) -> date:
    """The calendar day in Asia/Shanghai of an aware datetime."""
    return moment.astimezone(SHANGHAI).date()


def end_of_day(day: date) -> datetime:
    """The instant a day ends in Asia/Shanghai: a deadline on ``day`` is missed from this instant on."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=SHANGHAI)


def day_of_deadline(due_at: datetime) -> date:
    """The day a deadline falls on, from the instant it is missed (``end_of_day``'s inverse)."""
    return local_date(due_at) - timedelta(days=1)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has fewer days (2023-08-31 + 6 → 2024-02-29)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
