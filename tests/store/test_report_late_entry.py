"""A report fact follows from a case's history whatever order and whenever its events were recorded (issue 20): one
scenario entered as it happened, with the deadline timers firing on their days, and the same scenario entered weeks
later (补录), the timers catching up at once, give the same four tables for every period. The findings derived from
the events are dated by their rules (the day after a missed deadline), not by when something was recorded."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from domain.cases.values import DeadlineKind, MeasureCategory, MeasureStatus
from domain.ledger import Ledger
from domain.registry.values import Risk
from domain.reports.tables import Table
from tests.conftest import fresh_database
from tests.domain.support import (
    OTHER_VILLAGE_CADRE,
    OTHER_VILLAGE_CODE,
    TOWNSHIP_CODE,
    VILLAGE_CADRE,
    VILLAGE_CODE,
    CaseDriver,
    at,
    feb,
    finding,
    mar,
)
from tests.store.test_report_tables import Scenario, rows
from workflows.reports.service import Period

CADRES = {VILLAGE_CODE: VILLAGE_CADRE, OTHER_VILLAGE_CODE: OTHER_VILLAGE_CADRE}
LATE = at(2026, 4, 20, 9)  # the day the late scenario is entered, and the day the live one has reached
# Every two-week period from February to April, a day, and the whole spring.
PERIODS = [Period(date(2026, 2, 1) + timedelta(days=14 * i), date(2026, 2, 14) + timedelta(days=14 * i), None, None)
           for i in range(6)] + [Period(date(2026, 3, 1), date(2026, 3, 7), None, None),
                                 Period(date(2026, 2, 1), date(2026, 4, 30), None, None)]  # fmt: skip

Step = Callable[[datetime], Any]  # a step of a case, given the moment it is entered


@dataclass
class Planned:
    at: datetime  # its business time
    case: CaseDriver
    step: Step


def identified(case: CaseDriver, village: str = VILLAGE_CODE, year: int = 2026) -> list[tuple[datetime, Step]]:
    """The identification path on the happy path's days: clue 02-10, county decision 02-23, announced 02-24."""
    cadre = {"actor": CADRES[village]}

    def on(day: int, hour: int = 10) -> datetime:
        return at(year, 2, day, hour)

    return [
        (on(10), lambda now: case.open(now=now, village_code=village, clue_date=on(10).date(), **cadre)),
        (on(11), lambda now: case.visit(now=now, occurred_at=on(11), **cadre)),
        (on(12), lambda now: case.cross_check(now=now, occurred_at=on(12))),
        (on(13), lambda now: case.deliberate(now=now, occurred_at=on(13), **cadre)),
        (on(14), lambda now: case.post_notice(now=now, occurred_at=on(14), start_date=on(14).date(),
                                              end_date=on(18).date(), **cadre)),
        (on(19, 9), lambda now: case.close_notice(now=now, occurred_at=on(19, 9), **cadre)),
        (on(20), lambda now: case.review(now=now, occurred_at=on(20))),
        (on(23), lambda now: case.decide(now=now, occurred_at=on(23))),
        (on(24), lambda now: case.announce(now=now, occurred_at=on(24))),
    ]  # fmt: skip


def scenario(ledger: Ledger) -> list[Planned]:
    """A: announced 02-24 and never given a responsible person, a plan or a measure (issue 20's example): 不及时 from
    03-06 (plan), 03-08 (measures, 25 days from the clue) and 03-11 (measures), 不精准 from 03-11.
    B: plan made 03-09 (due 03-05) and measures implemented 03-12 (due 03-10): both late, rectified the day made.
    C: plan and measures in time, one of them not yet implemented; a reviewer's 不精准 of 03-10 rectified 03-12.
    D: in village 2, plan in time and a measure planned but never implemented: 不精准 from 03-11, when no event
    happens to it at all."""
    a, b, c, d = (CaseDriver(ledger) for _ in range(4))
    plan: list[tuple[CaseDriver, datetime, Step]] = [(a, t, s) for t, s in identified(a)]
    plan += [(b, t, s) for t, s in identified(b)] + [
        (b, feb(25), lambda now: b.assign(now=now)),
        (b, mar(9), lambda now: b.plan(occurred_at=mar(9), now=now)),
        (b, mar(12), lambda now: b.add_measure(MeasureCategory.HEALTH, targets=[Risk.ILLNESS], occurred_at=mar(12),
                                               now=now)),
        (b, mar(12, 11), lambda now: b.add_measure(MeasureCategory.EMPLOYMENT, sub_item="劳务输出", responsible_unit="乡人社所",
                                                   occurred_at=mar(12, 11), now=now)),
    ]  # fmt: skip
    plan += [(c, t, s) for t, s in identified(c)] + [
        (c, feb(25), lambda now: c.assign(now=now)),
        (c, feb(26), lambda now: c.plan(now=now)),
        (c, feb(27), lambda now: c.add_measure(MeasureCategory.HEALTH, targets=[Risk.ILLNESS], now=now)),
        (c, feb(27, 11), lambda now: c.add_measure(MeasureCategory.EMPLOYMENT, sub_item="劳务输出",
                                                   responsible_unit="乡人社所", occurred_at=feb(27, 11), now=now)),
        (c, mar(10), lambda now: c.review_assistance([finding("not_precise", found_on=date(2026, 3, 10))], now=now)),
        (c, mar(11), lambda now: c.add_measure(MeasureCategory.PUBLIC_WELFARE_JOB, occurred_at=mar(11),
                                               start_date=date(2026, 3, 11), now=now)),
        (c, mar(12), lambda now: c.rectify("F1", ["M3"], now=now)),
    ]  # fmt: skip
    cadre = {"actor": OTHER_VILLAGE_CADRE}
    plan += [(d, t, s) for t, s in identified(d, OTHER_VILLAGE_CODE)] + [
        (d, feb(25), lambda now: d.assign(now=now)),
        (d, feb(26), lambda now: d.plan(now=now, **cadre)),
        (d, feb(27), lambda now: d.add_measure(MeasureCategory.HEALTH, targets=[Risk.ILLNESS],
                                               status=MeasureStatus.PLANNED, now=now, **cadre)),
    ]  # fmt: skip
    return [Planned(t, case, step) for case, t, step in plan]


def timers(cases: list[CaseDriver], until: datetime, fired_at: Callable[[datetime], datetime]) -> None:
    """Each case's workflow recording the deadlines it finds missed by ``until`` (``workflows.cases.workflow``:
    DeadlineMissed at the end of the due day, or at once for one already past), in the order they fall due."""
    while True:
        due = [
            (dl["due_at"], case, dl)
            for case in cases
            for dl in case.view(until)["deadlines"]
            if dl["met_on"] is None and not dl["closed"] and not dl["missed_recorded"] and dl["due_at"] <= until
        ]
        if not due:
            return
        moment, case, dl = min(due, key=lambda d: d[0])
        case.record_missed(DeadlineKind(dl["kind"]), dl["due_date"], fired_at(moment))


def live(ledger: Ledger) -> None:
    """Every step entered as it happened, the timers firing on their days in between."""
    opened: list[CaseDriver] = []
    for p in sorted(scenario(ledger), key=lambda p: p.at):
        timers(opened, p.at, lambda moment: moment)
        p.step(p.at)
        opened += [p.case] if p.case not in opened else []
    timers(opened, LATE, lambda moment: moment)


def late(ledger: Ledger) -> None:
    """Every case entered on LATE, one after another, its workflow catching up after each step."""
    for p in scenario(ledger):
        p.step(LATE)
        timers([p.case], LATE, lambda _: LATE)


@contextmanager
def entered(pg_url: str, enter: Callable[[Ledger], None]) -> Iterator[Scenario]:
    with fresh_database(pg_url) as env:
        ledger = Ledger(env)
        try:
            enter(ledger)
            s = Scenario(ledger, env)
            s.catch_up()
            yield s
        finally:
            ledger.close()


def tables(s: Scenario) -> dict[tuple[Table, str], dict[str, list[int]]]:
    reports = s.reports()
    return {(t, p.spec): rows(reports.table(t, TOWNSHIP_CODE, p)) for t in Table for p in PERIODS}


@pytest.fixture(scope="module")
def both(pg_url: str) -> Iterator[tuple[dict[tuple[Table, str], Any], dict[tuple[Table, str], Any]]]:
    with entered(pg_url, live) as as_it_happened, entered(pg_url, late) as weeks_later:
        yield tables(as_it_happened), tables(weeks_later)


def test_the_same_history_entered_live_or_weeks_later_gives_the_same_tables(both: Any) -> None:
    as_it_happened, weeks_later = both
    for key, figures in as_it_happened.items():
        assert weeks_later[key] == figures, key


def test_a_case_never_assisted_is_counted_not_timely_from_the_day_after_its_deadline(both: Any) -> None:
    for tables_of_one_entry in both:
        # 3-3's columns: 未消除 (户, 人), then found and rectified (户, 人) for 不及时, 不精准 and 成效不明显.
        spring = tables_of_one_entry[(Table.ASSISTANCE, "2026-02-01..2026-04-30")]["县合计"]
        assert spring[:2] == [4, 12]
        assert spring[2:6] == [3, 9, 1, 3]  # A and D never rectified; B's three deadlines all met by 03-12
        assert spring[6:10] == [4, 12, 2, 6]  # A and D never rectified, B on 03-12, C's reviewer finding on 03-12
        # The plan deadline of A and B (03-05) was missed on 03-06, D's first, 25 days from the clue, on 03-08: a
        # week ending 03-07 holds A and B, although B's plan came only on 03-09 and A's case was entered in April.
        assert tables_of_one_entry[(Table.ASSISTANCE, "2026-03-01..2026-03-07")]["县合计"][2:6] == [2, 6, 0, 0]
        first_half = tables_of_one_entry[(Table.ASSISTANCE, "2026-03-01..2026-03-14")]["县合计"]
        assert first_half[2:10] == [3, 9, 1, 3, 4, 12, 2, 6]


def test_a_deadline_the_log_has_not_yet_reached_is_not_counted_missed(es_env: dict[str, str]) -> None:
    """As of a cut-off, a table counts what had happened by the day the log had reached then: a plan deadline that
    the history so far will miss is foreseen in the facts, but counts only once the log has passed it. (In 2090, so
    that the recording clock, which also moves the log's day on, stays behind the business days.)"""
    ledger = Ledger(es_env)
    try:
        case = CaseDriver(ledger)
        for moment, step in identified(case, year=2090):  # announced 2090-02-24; the plan is due 03-05
            step(moment)
        s = Scenario(ledger, es_env)
        s.catch_up()
        reports, march = s.reports(), Period(date(2090, 3, 1), date(2090, 3, 14), None, None)
        announced = reports.position()
        assert rows(reports.table(Table.ASSISTANCE, TOWNSHIP_CODE, march))["县合计"][:4] == [1, 3, 0, 0]
        case.record_missed(DeadlineKind.ASSISTANCE_PLAN, date(2090, 3, 5), at(2090, 3, 6, 0))  # the timer fires
        s.catch_up()
        assert rows(reports.table(Table.ASSISTANCE, TOWNSHIP_CODE, march))["县合计"][:4] == [1, 3, 1, 3]
        # the first cut-off still gives what it gave: the same figures, whenever it is asked again
        before = reports.table(Table.ASSISTANCE, TOWNSHIP_CODE, march, cutoff=announced)
        assert rows(before)["县合计"][:4] == [1, 3, 0, 0]
    finally:
        ledger.close()
