"""The walks many tests need, written once: a case identified through the village-to-county procedure (visit,
cross-check, deliberation, notice, township review, county decision, announcement), as data, and one way to take a
walk whatever drives the case (a workflow in virtual time, or the API with backdated business times).

A walk is a list of moves; each says on which day after the walk's first day it happens, which step, who takes it
(``cadre``, ``township`` or ``county``) and the step's body. Dates inside a body are written as ``Day(n)`` and made
into the calendar date of that day by whoever takes the walk.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVar

T = TypeVar("T")

# 入户核实 of a formerly-poor household at risk through illness, its authorisation signed.
VISIT: dict[str, Any] = {
    "visitors": ["李四"],
    "household_type": "formerly_poor",
    "household_size": 3,
    "labour_capable_members": 1,
    "per_capita_net_income": "5000",
    "risks": ["illness"],
    "authorisation_signed": True,
    "authorisation_ref": "A-1",
}


# The same visit of a registered household: its type, size and labour are the registry's, not typed.
REGISTERED_VISIT: dict[str, Any] = {
    k: v for k, v in VISIT.items() if k not in ("household_type", "household_size", "labour_capable_members")
}


@dataclass(frozen=True)
class Day:
    """A date in a body: the walk's first day plus ``offset`` days."""

    offset: int


@dataclass(frozen=True)
class Move:
    day: int  # days after the walk's first day
    step: str  # the API path segment of the step
    who: str  # cadre | township | county
    body: Mapping[str, Any]

    def body_on(self, first: date) -> dict[str, Any]:
        """The body with each ``Day`` made a calendar date (ISO text) counted from ``first``."""
        return {
            k: (first + timedelta(days=v.offset)).isoformat() if isinstance(v, Day) else v for k, v in self.body.items()
        }


def identification(
    *,
    visit: Mapping[str, Any] = VISIT,
    visit_day: int = 0,
    cross_check_day: int | None = None,
    notice_day: int = 0,
    notice_days: int = 7,
    decide_day: int | None = None,
    category: str = "unstable_formerly_poor",
    through: str = "announcement",
    bodies: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Move]:
    """识别认定 from the visit to the announcement (or to the step ``through``): the visit, cross-check and deliberation
    on their days, a notice of ``notice_days`` days posted on ``notice_day`` and closed the day after it ends, the
    township's review that day, the county's approval (on ``decide_day``, by default the same day) and the
    announcement with it. ``bodies`` adds to a step's body, by step (``"cross-check"``) or by step and action
    (``"public-notice:post"``)."""
    close = notice_day + notice_days
    decide = close if decide_day is None else decide_day
    moves = [
        Move(visit_day, "household-visit", "cadre", visit),
        Move(
            visit_day if cross_check_day is None else cross_check_day,
            "cross-check",
            "township",
            {"departments": ["公安"], "consistent": True},
        ),
        Move(
            notice_day, "village-deliberation", "cadre", {"participants": 11, "outcome": "pass", "minutes_ref": "m-1"}
        ),
        Move(
            notice_day,
            "public-notice",
            "cadre",
            {"action": "post", "start_date": Day(notice_day), "end_date": Day(close - 1)},
        ),
        Move(close, "public-notice", "cadre", {"action": "close", "outcome": "no_objection"}),
        Move(close, "township-review", "township", {"decision": "pass"}),
        Move(decide, "county-decision", "county", {"decision": "approve", "category": category}),
        Move(decide, "announcement", "township", {}),
    ]
    last = max(i for i, m in enumerate(moves) if m.step == through)
    extra = bodies or {}
    return [
        Move(
            m.day,
            m.step,
            m.who,
            {**m.body, **extra.get(m.step, {}), **extra.get(f"{m.step}:{m.body.get('action')}", {})},
        )
        for m in moves[: last + 1]
    ]


async def walk(
    moves: list[Move],
    first: date,
    take: Callable[[Move, dict[str, Any]], Awaitable[T]],
    wait_until: Callable[[int], Awaitable[None]] | None = None,
) -> T:
    """Take the moves in order: ``take(move, body)`` each, the body's dates counted from ``first``; before a move on
    a later day, ``wait_until(day)`` (virtual time moving on, for a workflow). Returns what the last move returned."""
    if not moves:
        raise ValueError("a walk has at least one move")
    day, result = 0, None
    for move in moves:
        if wait_until is not None and move.day > day:
            await wait_until(move.day)
        day = max(day, move.day)
        result = await take(move, move.body_on(first))
    assert result is not None
    return result
