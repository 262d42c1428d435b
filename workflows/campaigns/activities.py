"""Activities of the campaign workflow: schedule the look-backs and record what each milestone found missing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import structlog
from temporalio import activity

from domain.campaigns.values import Milestone
from domain.kernel.time import local_date
from workflows.campaigns.contracts import CampaignInput, MilestoneInput
from workflows.campaigns.service import CampaignService
from workflows.kernel.errors import domain_call

log = structlog.get_logger("dixian.campaign")


class CampaignActivities:
    def __init__(self, campaigns: CampaignService) -> None:
        self.campaigns = campaigns

    @activity.defn(name="schedule_look_backs")
    def schedule_look_backs(self, inp: CampaignInput) -> int:
        """对所有已标注"风险消除"监测对象开展"回头看" (seed §二(三)): every case eliminated in scope, due by the
        screening milestone. Recorded once; a retry changes nothing."""

        def run() -> int:
            self.campaigns.wait_for_read_models()
            cases = self.campaigns.eliminated_cases(inp.campaign_id)
            due = inp.milestones[Milestone.SCREENING_DONE]
            self.campaigns.ledger.campaigns.schedule_look_backs(
                campaign_id=inp.campaign_id,
                case_ids=[c["case_id"] for c in cases],
                villages={c["case_id"]: c["village_code"] for c in cases},
                due_on=due,
                now=datetime.now(UTC),
            )
            return len(cases)

        return domain_call(run)

    @activity.defn(name="pass_milestone")
    def pass_milestone(self, inp: MilestoneInput) -> dict[str, Any]:
        """Record what was not done by the milestone, exactly once, and escalate it to the level above."""

        def run() -> dict[str, Any]:
            now = datetime.now(UTC)
            today: date = local_date(now)
            self.campaigns.wait_for_read_models()  # the findings are as of every event stored until now
            missing = self.campaigns.milestone_findings(inp.campaign_id, inp.milestone, today)
            view = self.campaigns.ledger.campaigns.pass_milestone(
                campaign_id=inp.campaign_id, milestone=inp.milestone, missing=missing, now=now
            )
            passed = view["passed"][inp.milestone.value]
            counts = _counts(passed["missing"])
            if any(counts.values()):
                # The escalation: a warning the township's and county's dashboards and log alerts pick up, naming
                # what is missing (counts only: the lists hold household numbers, kept in the event).
                log.warning(
                    "campaign_milestone_missed",
                    campaign_id=str(inp.campaign_id),
                    milestone=inp.milestone.value,
                    escalated_to=passed["escalated_to"],
                    **counts,
                )
            return {"milestone": inp.milestone.value, **counts}

        return domain_call(run)


def _counts(missing: dict[str, Any]) -> dict[str, int]:
    return {
        "unscreened": int(missing.get("unscreened", {}).get("households", 0)),
        "look_backs_not_done": len(missing.get("look_backs_not_done", [])),
        "cases_in_identification": len(missing.get("cases_in_identification", [])),
        "not_monitored": len(missing.get("not_monitored", [])),
    }
