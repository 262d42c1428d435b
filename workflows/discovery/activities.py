"""The discovery deadlines' activity: record a self-application's answer or an alert's verification missed, once, if
it still waits (a retry, or a timer firing after the answer, records nothing)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

import structlog
from temporalio import activity

from domain.kernel.actors import SYSTEM_ACTOR, Actor
from domain.kernel.errors import VersionConflictError
from domain.ledger import Ledger
from workflows.discovery.contracts import DeadlineKind, OverdueInput
from workflows.kernel.errors import domain_call

log = structlog.get_logger("dixian.discovery")


class DiscoveryActivities:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    @activity.defn(name="record_discovery_overdue")
    def record_overdue(self, inp: OverdueInput) -> list[str]:
        record = (
            self.ledger.applications.record_overdue
            if inp.kind is DeadlineKind.APPLICATION
            else self.ledger.alerts.record_overdue
        )
        missed = [n for n in inp.numbers if domain_call(partial(_once, record, n, inp.now))]
        log.info("discovery_deadline_checked", kind=inp.kind.value, checked=len(inp.numbers), missed=len(missed))
        return missed


def _once(record: Callable[[str, Actor, datetime], bool], number: str, now: datetime) -> bool:
    """Record one deadline, read again when an answer landed at the same moment (the store refuses the second
    writer): then the answer is there and nothing is missed, or the deadline is recorded on a fresh read."""
    for _ in range(3):
        try:
            return record(number, SYSTEM_ACTOR, now)
        except VersionConflictError:
            continue
    raise RuntimeError(f"{number}: kept changing while its deadline was recorded")  # retried by Temporal
