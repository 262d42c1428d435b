"""DiscoveryDeadlineWorkflow: the durable timer of a self-application's answer (2 days) or of the alerts of one push
(3 days: they share the day). It sleeps until the deadline's day has ended (Asia/Shanghai) and has the activity
record the deadline missed for each application or alert that still waits; one answered or verified in time records
nothing. The facts live in the aggregates: the workflow holds the numbers and the day only."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.kernel.errors import ERROR_TYPES
    from domain.kernel.time import end_of_day
    from workflows.discovery.activities import DiscoveryActivities
    from workflows.discovery.contracts import DiscoveryDeadline, OverdueInput

_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=list(ERROR_TYPES),
)


@workflow.defn(name="DiscoveryDeadlineWorkflow")
class DiscoveryDeadlineWorkflow:
    @workflow.run
    async def run(self, inp: DiscoveryDeadline) -> list[str]:
        """The numbers whose deadline was recorded missed."""
        wait = end_of_day(inp.due) - workflow.now()
        if wait > timedelta(0):
            await workflow.sleep(wait)
        missed: list[str] = []
        for start in range(0, len(inp.numbers), OverdueInput.MAX):
            missed += await workflow.execute_activity_method(
                DiscoveryActivities.record_overdue,
                OverdueInput(kind=inp.kind, numbers=inp.numbers[start : start + OverdueInput.MAX], now=workflow.now()),
                start_to_close_timeout=timedelta(minutes=5),
                retry_policy=_RETRY,
            )
        return missed
