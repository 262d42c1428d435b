"""The screening campaign (百日攻坚 行动) aggregate: its scope, its milestones, and what each milestone found
missing when it passed. The campaign workflow drives it; the facts live here."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.campaigns.views import CampaignView
from domain.kernel.actors import Actor
from domain.kernel.chain import ChainedAggregate, ChainedCreated, ChainedEvent
from domain.kernel.topics import stored_as


@stored_as("domain.campaign:CampaignStarted")
class CampaignStarted(ChainedCreated):
    actor: dict[str, str]
    command_id: str
    occurred_at: datetime
    name: str
    scope: list[str]
    starts_on: date
    milestones: dict[str, str]  # milestone → ISO date
    demo: bool

    def apply(self, campaign: Campaign) -> None:
        campaign.name = self.name
        campaign.scope = list(self.scope)
        campaign.starts_on = self.starts_on
        campaign.milestones = dict(self.milestones)
        campaign.started_by = dict(self.actor)
        campaign.command_versions = {self.command_id: self.originator_version}
        campaign.passed = {}
        campaign.look_backs = None
        campaign.demo = self.demo


class CampaignEvent(ChainedEvent):
    command_id: str
    occurred_at: datetime

    def apply(self, campaign: Campaign) -> None:
        campaign.command_versions[self.command_id] = self.originator_version
        self.apply_facts(campaign)

    def apply_facts(self, campaign: Campaign) -> None:
        """Record the facts (no rules here)."""


@stored_as("domain.campaign:MilestonePassed")
class MilestonePassed(CampaignEvent):
    milestone: str
    due_on: date
    missing: dict[str, Any]  # what was not done by the milestone (unscreened households, cases in identification…)
    escalated_to: list[str]  # the area codes above the scope that were told

    def apply_facts(self, campaign: Campaign) -> None:
        campaign.passed[self.milestone] = {
            "due_on": self.due_on.isoformat(),
            "recorded_at": self.occurred_at.isoformat(),
            "missing": self.missing,
            "escalated_to": list(self.escalated_to),
            "version": self.originator_version,
        }


def missing_by_village(missing: dict[str, Any]) -> dict[str, int]:
    """What a milestone found missing, counted per village: unscreened households, look-backs not done, cases still in
    identification and households at risk without a case, added up."""
    counts: dict[str, int] = dict(missing.get("unscreened", {}).get("by_village_count", {}))
    for key in ("look_backs_not_done", "cases_in_identification", "not_monitored"):
        for item in missing.get(key, []):
            counts[item["village_code"]] = counts.get(item["village_code"], 0) + 1
    return {village: n for village, n in sorted(counts.items()) if n}


@stored_as("domain.campaign:LookBacksScheduled")
class LookBacksScheduled(CampaignEvent):
    """排查已消除风险监测对象稳定情况 (seed §二(三)): every case eliminated in scope when the campaign starts gets a
    回头看 due by the screening milestone."""

    case_ids: list[str]
    villages: dict[str, str]  # case id → village code, so each level sees its own part
    due_on: date

    def apply_facts(self, campaign: Campaign) -> None:
        campaign.look_backs = {
            "case_ids": list(self.case_ids),
            "villages": dict(self.villages),
            "due_on": self.due_on.isoformat(),
        }


@stored_as("domain.campaign:Campaign")
class Campaign(ChainedAggregate):
    name: str
    scope: list[str]
    starts_on: date
    milestones: dict[str, str]
    started_by: dict[str, str]
    command_versions: dict[str, int]
    passed: dict[str, dict[str, Any]]
    look_backs: dict[str, Any] | None
    demo: bool

    def __init__(self) -> None:
        """State is set by ``CampaignStarted.apply``."""

    @classmethod
    def start(
        cls,
        *,
        campaign_id: UUID,
        actor: Actor,
        command_id: str,
        now: datetime,
        name: str,
        scope: list[str],
        starts_on: date,
        milestones: dict[str, str],
        demo: bool = False,
    ) -> Campaign:
        campaign: Campaign = cls._create(
            CampaignStarted,
            id=campaign_id,
            actor=actor.as_dict(),
            command_id=command_id,
            occurred_at=now,
            name=name,
            scope=scope,
            starts_on=starts_on,
            milestones=milestones,
            demo=demo,
        )
        return campaign

    def pass_milestone(
        self, *, milestone: str, missing: dict[str, Any], escalated_to: list[str], command_id: str, now: datetime
    ) -> None:
        if milestone in self.passed:
            return
        self.trigger_event(
            MilestonePassed,
            command_id=command_id,
            occurred_at=now,
            milestone=milestone,
            due_on=date.fromisoformat(self.milestones[milestone]),
            missing=missing,
            escalated_to=escalated_to,
        )

    def schedule_look_backs(
        self, *, case_ids: list[str], villages: dict[str, str], due_on: date, command_id: str, now: datetime
    ) -> None:
        if self.look_backs is None:
            self.trigger_event(
                LookBacksScheduled,
                command_id=command_id,
                occurred_at=now,
                case_ids=case_ids,
                villages=villages,
                due_on=due_on,
            )

    def view(self) -> CampaignView:
        return {
            "campaign_id": str(self.id),
            "name": self.name,
            "scope": list(self.scope),
            "starts_on": self.starts_on.isoformat(),
            "milestones": dict(self.milestones),
            "passed": dict(self.passed),
            "look_backs": self.look_backs,
            "started_by": dict(self.started_by),
            "version": self.version,
            "demo": self.demo,
        }
