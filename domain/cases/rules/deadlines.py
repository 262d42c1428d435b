"""The time limits of a case, computed from its own dates under its pinned policy (in the days it counts: calendar
days, or working days with China's holidays; domain.kernel.calendars), in Asia/Shanghai,
and the checks on the dates a step may carry. Each limit names its source."""

from __future__ import annotations

from datetime import date, datetime

from domain.kernel.calendars import add_days
from domain.kernel.errors import RuleViolationError
from domain.kernel.policy import Policy
from domain.kernel.time import CLOCK_SKEW, add_months, local_date

# The monitoring mechanism was created in March 2020 (domain.md §1); no clue can predate it.
EARLIEST_CLUE_DATE = date(2020, 3, 1)


def missed_key(kind: str, due: date) -> str:
    """How a missed deadline is known on its case (one per kind and due date): recorded once, whatever retries."""
    return f"{kind}:{due.isoformat()}"


def identification_due(clue_date: date, policy: Policy) -> date:
    """Last day for the county decision: clue date + N days, calendar or working as the policy counts them
    (domain.md §4.2, seed plan §三(二))."""
    return add_days(clue_date, policy.identification_days, policy.day_count)


def plan_due(identified_on: date, policy: Policy) -> date:
    """帮扶计划 within N days of identification (seed plan §二(二): 10天内制定帮扶计划)."""
    return add_days(identified_on, policy.plan_days, policy.day_count)


def measures_due(identified_on: date, policy: Policy) -> date:
    """帮扶措施 within N days of identification (seed plan §二(二): 15天内采取针对性帮扶措施)."""
    return add_days(identified_on, policy.measures_days, policy.day_count)


def measures_from_clue_due(clue_date: date, policy: Policy) -> date:
    """帮扶措施 within N days of the clue (seed plan §三(二): 25天内落实针对性帮扶措施)."""
    return add_days(clue_date, policy.measures_from_clue_days, policy.day_count)


def elimination_due(proposed_on: date, policy: Policy) -> date:
    """The elimination procedure's own time limit, from the proposal (see ``Policy.elimination_days``)."""
    return add_days(proposed_on, policy.elimination_days, policy.day_count)


def registration_due(opened_on: date, policy: Policy) -> date:
    """An unregistered household's case is registered within N days of being opened (``Policy.registration_days``,
    issue 19: a policy value, no source names it)."""
    return add_days(opened_on, policy.registration_days, policy.day_count)


def elimination_eligible_from(identified_on: date, policy: Policy) -> date:
    """The earliest day a household's risk may be eliminated: stable for the policy's months after identification
    (seed plan §二(三) 稳定半年以上; domain.md §7)."""
    return add_months(identified_on, policy.min_monitoring_months)


def look_back_due(eliminated_on: date, policy: Policy) -> date:
    """回头看 of an eliminated household, half a year on (seed plan §二(三) 稳定半年以上)."""
    return add_months(eliminated_on, policy.look_back_months)


def notice_days(start: date, end: date) -> int:
    """Length of a notice in calendar days, both ends counted (公示期 3月1日至3月5日 is 5 days)."""
    return (end - start).days + 1


def check_clue_date(clue_date: date, today: date) -> None:
    if clue_date > today:
        raise RuleViolationError("the clue date cannot be in the future", field="clue_date", rule="not_in_future")
    if clue_date < EARLIEST_CLUE_DATE:
        raise RuleViolationError(
            f"the clue date cannot be before {EARLIEST_CLUE_DATE.isoformat()}, when the mechanism began",
            field="clue_date",
            rule="after_mechanism_start",
        )


def check_step_time(occurred_at: datetime, not_before: date, now: datetime) -> None:
    """A step happens on or after the case's last business date and not in the future."""
    if occurred_at > now + CLOCK_SKEW:
        raise RuleViolationError("the step cannot be dated in the future", field="occurred_at", rule="not_in_future")
    if local_date(occurred_at) < not_before:
        raise RuleViolationError(
            f"the step cannot be dated before {not_before.isoformat()}, the date of the case's previous step",
            field="occurred_at",
            rule="chronological_order",
        )
