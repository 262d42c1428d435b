"""ReportCycleWorkflow: run by a Temporal Schedule every night; it has every village whose two-week statistics cycle
(seed §三(三) 每两周上报, counted from the plan's issue date) ended the day before get its report drafted and stored,
ready for the village's two signatures. A day may be given to draft a past cycle again (nothing is drafted twice)."""

from __future__ import annotations

import contextlib
from datetime import date, timedelta

from pydantic import BaseModel
from temporalio import workflow
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
)
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.kernel.errors import ERROR_TYPES
    from domain.kernel.time import local_date
    from workflows.reports.activities import DraftDueInput, ReportActivities

SCHEDULE_ID = "dixian-report-cycle"
_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5),
    maximum_interval=timedelta(minutes=10),
    non_retryable_error_types=list(ERROR_TYPES),
)


class ReportCycleInput(BaseModel):
    day: date | None = None  # the last day of the cycles to draft; None: yesterday (Asia/Shanghai)


@workflow.defn(name="ReportCycleWorkflow")
class ReportCycleWorkflow:
    @workflow.run
    async def run(self, inp: ReportCycleInput) -> list[str]:
        day = inp.day or local_date(workflow.now()) - timedelta(days=1)
        drafted: list[str] = await workflow.execute_activity_method(
            ReportActivities.draft_due,
            DraftDueInput(day=day),
            start_to_close_timeout=timedelta(minutes=30),
            retry_policy=_RETRY,
        )
        return drafted


async def ensure_report_schedule(client: Client, task_queue: str) -> None:
    """The nightly schedule, created once (a second worker finds it there): 00:30 in Asia/Shanghai, given as
    16:30 UTC (China keeps no summer time) so that the server needs no time-zone data."""
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            ReportCycleWorkflow.run, ReportCycleInput(), id="report-cycle", task_queue=task_queue
        ),
        spec=ScheduleSpec(calendars=[ScheduleCalendarSpec(hour=[ScheduleRange(16)], minute=[ScheduleRange(30)])]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(days=3)),
    )
    with contextlib.suppress(ScheduleAlreadyRunningError):
        await client.create_schedule(SCHEDULE_ID, schedule)
