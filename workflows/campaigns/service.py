"""The campaign's use cases, shared by the API, the campaign workflow's activities and the command line: start a
campaign, record screenings, and the campaign's read-side questions (coverage, the unscreened list, 应纳未纳, what
each milestone found missing).

Screenings have no process to manage, so they are written through the ledger directly, exactly once per command id;
a case that a screening opens goes through its case workflow like any other (the API does that part).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from domain.campaigns.rules import default_milestones
from domain.campaigns.screening import ScreeningFindings
from domain.campaigns.values import Milestone
from domain.campaigns.views import CampaignView
from domain.cases.values import Stage
from domain.kernel.actors import Actor
from domain.kernel.areas import contains, narrows
from domain.kernel.envelope import Envelope
from domain.kernel.errors import NotFoundError
from domain.kernel.time import local_date
from domain.readmodels.cases import CaseSummaryProjection
from domain.readmodels.registry import RegistryProjection
from domain.readmodels.schema import last_position_of
from workflows.campaigns.contracts import CampaignRequest, FindingsBody, ScreeningRequest
from workflows.registry.service import RegistryService

UNSCREENED_LIMIT = 5000
MILESTONE_LIST_LIMIT = 2000  # household numbers listed per village in a MilestonePassed event (a county is 200k)


class CampaignService:
    """The campaign's use cases, on the registry's ledger and read models."""

    def __init__(self, registry: RegistryService) -> None:
        self.ledger = registry.ledger
        self.view = registry.view
        self.summaries = registry.summaries  # the case list read model, waited for with the registry's

    # ----- screening --------------------------------------------------------------------------------------------

    def record_screening(
        self, household_number: str, body: ScreeningRequest, *, actor: Actor, command_id: str, now: datetime
    ) -> dict[str, Any]:
        findings = screening_findings(body.findings)
        return self.ledger.campaigns.record_screening(
            Envelope(actor, command_id, now),
            household_number=household_number,
            campaign_id=body.campaign_id,
            screened_on=body.screened_on,
            method=body.method,
            screener=body.screener,
            findings=findings,
            comment=body.comment,
        )

    def assess_screening(
        self, household_number: str, screened_on: date, findings: FindingsBody, *, actor: Actor
    ) -> dict[str, Any]:
        """The assessment a screening of these findings would record (the same rule, the policy in force on the
        day), recorded nowhere: the screening form's preview."""
        return self.ledger.campaigns.assess_screening(
            actor, household_number=household_number, screened_on=screened_on, findings=screening_findings(findings)
        )

    def not_monitored(self, area_prefixes: list[str], limit: int) -> list[dict[str, Any]]:
        return self.view.not_monitored(area_prefixes=area_prefixes, limit=limit)

    # ----- campaigns --------------------------------------------------------------------------------------------

    def start_campaign(
        self, campaign_id: UUID, body: CampaignRequest, *, actor: Actor, command_id: str, now: datetime
    ) -> CampaignView:
        milestones = body.milestones or default_milestones(body.starts_on)
        return self.ledger.campaigns.start_campaign(
            Envelope(actor, command_id, now),
            campaign_id=campaign_id,
            name=body.name,
            scope=list(body.scope),
            starts_on=body.starts_on,
            milestones=dict(milestones),
        )

    def campaign(self, campaign_id: UUID) -> CampaignView:
        return self.ledger.campaigns.campaign(campaign_id)

    def coverage(self, campaign_id: UUID, within: str, limit: int = UNSCREENED_LIMIT) -> dict[str, Any]:
        """全面排查 coverage of a campaign, limited to the part of its scope inside ``within`` (the caller's area)."""
        campaign = self.ledger.campaigns.campaign(campaign_id)
        prefixes = narrows(campaign["scope"], within)
        if not prefixes:
            raise NotFoundError("no part of the campaign lies in your area", field="campaign_id", rule="exists")
        rows = self.view.coverage(campaign_id=str(campaign_id), area_prefixes=prefixes)
        totals = {k: sum(int(r[k]) for r in rows) for k in _COUNTS}
        unscreened = self.view.unscreened(campaign_id=str(campaign_id), area_prefixes=prefixes, limit=limit + 1)
        names = {a.code: a.name for a in self.ledger.areas.all()}
        return {
            "campaign_id": str(campaign_id),
            "name": campaign["name"],
            "scope": prefixes,
            "totals": totals,
            "villages": [{**r, "village_name": names.get(r["village_code"], "")} for r in rows],
            "unscreened": unscreened[:limit],
            "unscreened_truncated": len(unscreened) > limit,
        }

    def campaigns_over(self, area_code: str) -> list[dict[str, Any]]:
        """The campaigns whose scope shares ground with the area (a code of the scope inside it, or the area inside a
        code of the scope), the latest start first: each with its milestones in the seed's order, when each is due,
        whether and when it was recorded, and how much it found missing in the area's own villages."""
        rows = self.view.milestones(area_prefix=area_code, due_before=date.max, due_from=date.min)
        found: dict[str, dict[str, Any]] = {}
        for r in rows:
            campaign = found.setdefault(r["campaign_id"], {
                "campaign_id": r["campaign_id"], "name": r["name"], "scope": list(r["scope"]),
                "starts_on": r["starts_on"], "demo": r["demo"], "milestones": {},
            })  # fmt: skip
            missing = {v: int(n) for v, n in (r["missing_by_village"] or {}).items() if contains(area_code, v)}
            campaign["milestones"][r["milestone"]] = {
                "milestone": r["milestone"], "due_on": r["due_on"], "passed_at": r["passed_at"],
                "missing": sum(missing.values()), "missing_by_village": missing,
            }  # fmt: skip
        for campaign in found.values():
            by_name = campaign["milestones"]
            campaign["milestones"] = [by_name[m.value] for m in Milestone if m.value in by_name]
        return sorted(found.values(), key=lambda c: (c["starts_on"], c["name"], c["campaign_id"]), reverse=True)

    def procedures(self, campaign_id: UUID, within: str, limit: int = UNSCREENED_LIMIT) -> dict[str, Any]:
        """履行程序 as of now in the part of the campaign inside ``within`` (the caller's area): by village, the cases
        still in identification and the households at risk without a case (应纳未纳), counted whole, and those
        households (at most ``limit``): what the 履行程序 milestone records when it passes (``milestone_findings``)."""
        campaign = self.ledger.campaigns.campaign(campaign_id)
        prefixes = narrows(campaign["scope"], within)
        if not prefixes:
            raise NotFoundError("no part of the campaign lies in your area", field="campaign_id", rule="exists")
        identifying = self.view.cases_in_stage(area_prefixes=prefixes, stage=Stage.IDENTIFYING.value)
        not_monitored = self.view.not_monitored(area_prefixes=prefixes, limit=1_000_000)
        by_village: dict[str, dict[str, int]] = {}
        for key, rows in (("in_identification", identifying), ("not_monitored", not_monitored)):
            for r in rows:
                counts = by_village.setdefault(r["village_code"], {"in_identification": 0, "not_monitored": 0})
                counts[key] += 1
        return {
            "campaign_id": str(campaign_id),
            "scope": prefixes,
            "by_village": dict(sorted(by_village.items())),
            "not_monitored": not_monitored[:limit],
            "not_monitored_truncated": len(not_monitored) > limit,
        }

    def milestone_findings(self, campaign_id: UUID, milestone: Milestone, today: date) -> dict[str, Any]:
        """What was not done by a milestone: unscreened households by village (全面排查), cases still in
        identification and households at risk without a case (履行程序), and all of these for the summary."""
        campaign = self.ledger.campaigns.campaign(campaign_id)
        scope = campaign["scope"]
        missing: dict[str, Any] = {"as_of": today.isoformat()}
        if milestone in (Milestone.SCREENING_DONE, Milestone.SUMMARY_DONE):
            unscreened = self.view.unscreened(campaign_id=str(campaign_id), area_prefixes=scope, limit=1_000_000)
            by_village: dict[str, list[str]] = {}
            counts: dict[str, int] = {}
            for h in unscreened:
                counts[h["village_code"]] = counts.get(h["village_code"], 0) + 1
                if len(by_village.get(h["village_code"], [])) < MILESTONE_LIST_LIMIT:
                    by_village.setdefault(h["village_code"], []).append(h["household_number"])
            missing["unscreened"] = {
                "households": len(unscreened),
                "by_village_count": counts,
                "by_village": by_village,  # at most MILESTONE_LIST_LIMIT numbers a village; the counts are whole
            }
            look_backs = campaign["look_backs"] or {"case_ids": [], "villages": {}}
            missing["look_backs_not_done"] = [
                {"case_id": c, "village_code": look_backs["villages"].get(c, "")}
                for c in look_backs["case_ids"]
                if not self._looked_back_since(UUID(c), campaign["starts_on"])
            ]
        if milestone in (Milestone.PROCEDURES_DONE, Milestone.SUMMARY_DONE):
            identifying = self.view.cases_in_stage(area_prefixes=scope, stage=Stage.IDENTIFYING.value)
            not_monitored = self.view.not_monitored(area_prefixes=scope, limit=1_000_000)
            missing["cases_in_identification"] = [
                {"case_id": r["case_id"], "village_code": r["village_code"]} for r in identifying
            ]
            missing["not_monitored"] = [
                {"household_number": r["household_number"], "village_code": r["village_code"]} for r in not_monitored
            ]
        return missing

    def wait_for_read_models(self, timeout: float = 60.0) -> None:
        """Block until the read models have applied every event stored so far (TimeoutError otherwise: the
        activity fails and Temporal retries it), so that what a milestone records is as of now."""
        position = self.ledger.recorder.max_notification_id()
        following = ((self.view, RegistryProjection.topics), (self.summaries, CaseSummaryProjection.topics))
        for view, topics in following:
            # Each read model tracks only the events of its topics: wait for its last one up to here.
            target = last_position_of(self.ledger.recorder, topics, position) if position else 0
            if view is not None and target:
                view.wait(self.ledger.name, target, timeout=timeout)

    def _looked_back_since(self, case_id: UUID, since: str) -> bool:
        view = self.ledger.cases.view(case_id, datetime.now(UTC))
        start = date.fromisoformat(since)
        return any(local_date(lb["occurred_at"]) >= start for lb in view.get("look_backs", []))

    def eliminated_cases(self, campaign_id: UUID) -> list[dict[str, Any]]:
        campaign = self.ledger.campaigns.campaign(campaign_id)
        return self.view.cases_in_stage(area_prefixes=campaign["scope"], stage=Stage.ELIMINATED.value)


_COUNTS = (
    "households",
    "persons",
    "screened_households",
    "screened_persons",
    "in_person",
    "phone",
    "wechat",
    "at_risk",
)


def screening_findings(f: FindingsBody) -> ScreeningFindings:
    """The screening form's findings as the domain's value."""
    return ScreeningFindings(
        wage_income=f.wage_income,
        business_income=f.business_income,
        property_income=f.property_income,
        transfer_income=f.transfer_income,
        production_costs=f.production_costs,
        housing_unsafe=f.housing_unsafe,
        child_out_of_school=f.child_out_of_school,
        member_uninsured=f.member_uninsured,
        water_unsafe=f.water_unsafe,
        medical_expenditure=f.medical_expenditure,
        schooling_expenditure=f.schooling_expenditure,
        risks=tuple(f.risks),
        newly_applied_dibao=f.newly_applied_dibao,
        severe_covid_impact=f.severe_covid_impact,
    )
