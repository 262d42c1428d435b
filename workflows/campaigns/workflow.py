"""CampaignWorkflow: the 百日攻坚 campaign's clock. It schedules the look-backs of eliminated cases in scope, then
sleeps until the end of each milestone's day (Asia/Shanghai) and has the activity record what was not done by then.
The facts live in the Campaign aggregate; the workflow holds only the campaign id and the dates."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.kernel.errors import ERROR_TYPES
    from domain.kernel.time import end_of_day
    from workflows.campaigns.activities import CampaignActivities
    from workflows.campaigns.contracts import CampaignInput, MilestoneInput

_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=list(ERROR_TYPES),
)
_TIMEOUT = timedelta(minutes=5)


@workflow.defn(name="CampaignWorkflow")
class CampaignWorkflow:
    def __init__(self) -> None:
        self.passed: list[str] = []

    @workflow.run
    async def run(self, inp: CampaignInput) -> list[str]:
        await workflow.execute_activity_method(
            CampaignActivities.schedule_look_backs, inp, start_to_close_timeout=_TIMEOUT, retry_policy=_RETRY
        )
        for milestone, due in sorted(inp.milestones.items(), key=lambda item: item[1]):
            if milestone.value in self.passed:
                continue
            wait = end_of_day(due) - workflow.now()
            if wait > timedelta(0):
                await workflow.sleep(wait)
            await workflow.execute_activity_method(
                CampaignActivities.pass_milestone,
                MilestoneInput(campaign_id=inp.campaign_id, milestone=milestone),
                start_to_close_timeout=_TIMEOUT,
                retry_policy=_RETRY,
            )
            self.passed.append(milestone.value)
        return self.passed

    @workflow.query
    def milestones_passed(self) -> list[str]:
        return list(self.passed)
