"""The report cycle's activity: draft the reports of the cycles that ended on a day, once the report facts have
followed the event store up to now."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import structlog
from pydantic import BaseModel
from temporalio import activity

from workflows.kernel.errors import domain_call
from workflows.reports.service import ReportService

log = structlog.get_logger("dixian.reports")


class DraftDueInput(BaseModel):
    day: date


class ReportActivities:
    def __init__(self, reports: ReportService) -> None:
        self.reports = reports

    @activity.defn(name="draft_due_reports")
    def draft_due(self, inp: DraftDueInput) -> list[str]:
        def run() -> list[str]:
            self._wait_for_facts()
            drafted = self.reports.draft_due(inp.day, datetime.now(UTC))
            log.info("reports_drafted", day=inp.day.isoformat(), reports=len(drafted))
            return drafted

        return domain_call(run)

    def _wait_for_facts(self, timeout: float = 60.0) -> None:
        """Until the report facts reach what the store held when the activity started (TimeoutError otherwise:
        Temporal retries the activity), so that a report is as of now."""
        target = self.reports.ledger.recorder.max_notification_id() or 0
        deadline = time.monotonic() + timeout
        while self.reports.position() < target:
            if time.monotonic() > deadline:
                raise TimeoutError(f"report facts at {self.reports.position()}, the store at {target}")
            time.sleep(0.2)
