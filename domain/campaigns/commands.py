"""The campaign's commands: start a campaign, record the screening of a household in it, schedule the look-backs of
eliminated cases and record what each milestone found missing; each exactly once per command id."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.campaigns import rules as campaign_rules
from domain.campaigns.campaign import Campaign
from domain.campaigns.screening import (
    ScreeningFindings,
    assess,
    findings_problems,
    method_problem,
    screening_date_problem,
)
from domain.campaigns.values import Milestone, ScreeningMethod, screening_open_command
from domain.campaigns.views import CampaignView
from domain.cases.values import case_id_for_command
from domain.kernel.areas import contains
from domain.kernel.envelope import Envelope
from domain.kernel.errors import NotFoundError, RuleViolationError, VersionConflictError, command_reused
from domain.kernel.permissions import check_may_import, check_may_register, check_may_run_campaign
from domain.kernel.privacy import sees, unknown_household
from domain.kernel.store import CommandSet, Store
from domain.kernel.time import local_date
from domain.registry.commands import RegistryCommands
from domain.registry.household import (
    Household,
    StaffMember,
    household_id,
    staff_id,
)
from domain.registry.rules import raise_first


class CampaignCommands(CommandSet):
    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self.registry = RegistryCommands(store)

    # ----- screening --------------------------------------------------------------------------------------------

    def record_screening(
        self,
        envelope: Envelope,
        *,
        household_number: str,
        campaign_id: UUID | None,
        screened_on: date,
        method: ScreeningMethod,
        screener: str,
        findings: ScreeningFindings,
        comment: str,
    ) -> dict[str, Any]:
        """Record one screening and its risk assessment. At risk without an open case, the record names the case it
        opens (its id derives from this command, so the caller's open is idempotent); with an open case, that one."""
        check_may_import(envelope.actor)  # the role first: what follows must not tell a household exists elsewhere
        household = self.store.find(Household, household_id(household_number))
        if household is None or not sees(envelope.actor, household.village_code):
            raise unknown_household(household_number)
        done = household.command_versions.get(envelope.command_id)
        if done is not None:
            earlier = next((s for s in household.screenings if s["version"] == done), None)
            if earlier is None:
                raise command_reused(envelope.command_id)
            return earlier
        village = household.village_code
        check_may_register(envelope.actor, village)
        staff = self.store.find(StaffMember, staff_id(screener))
        if staff is None:
            raise RuleViolationError(f"screener {screener} is not in the staff registry", field="screener",
                                     rule="registered_staff")  # fmt: skip
        if not contains(staff.facts["area_code"], village):
            raise RuleViolationError(
                f"screener {screener} works in {staff.facts['area_code']}, not in village {village}",
                field="screener",
                rule="screener_area",
            )
        campaign = None
        if campaign_id is not None:
            campaign = self._get_campaign(campaign_id)
            if not campaign_rules.in_scope(village, campaign.scope):
                raise RuleViolationError(
                    f"village {village} is outside the campaign's scope", field="campaign_id", rule="campaign_scope"
                )
        problems = findings_problems(findings)
        date_problem = screening_date_problem(
            screened_on, local_date(envelope.now), campaign.starts_on if campaign else None
        )
        if date_problem:
            problems.insert(0, ("screened_on", "date_range", date_problem))
        migrant = any(m["migrant_work_months"] > 0 or m["migrant_work_place"] for m in household.members)
        m_problem = method_problem(method, migrant)
        if m_problem:
            problems.append(("method", "remote_screening_for_migrants", m_problem))
        raise_first(problems)
        policy = self.store.policies.in_force(village, screened_on, field="screened_on")
        assessment = assess(findings, len(household.members), policy)
        open_cases = self.registry.open_cases_of(household_number)
        opens = assessment.at_risk and not open_cases
        if open_cases:
            case_id = open_cases[0]
        elif opens:
            case_id = str(case_id_for_command(screening_open_command(envelope.command_id, household_number)))
        else:
            case_id = ""
        record = {
            "screening_id": envelope.command_id,
            "campaign_id": str(campaign_id) if campaign_id else "",
            "household_number": household_number,
            "village_code": village,
            "screened_on": screened_on.isoformat(),
            "method": method.value,
            "screener": {"staff_number": screener, **{k: staff.facts[k] for k in ("name", "identity")}},
            "household_size": len(household.members),
            "persons": len(household.members),
            "findings": findings.as_dict(),
            "assessment": assessment.as_dict(),
            "case_id": case_id,
            "opens_case": opens,
            "comment": comment.strip(),
            "recorded_by": envelope.actor.as_dict(),
        }
        household.record_screening(
            screening=record, actor=envelope.actor, command_id=envelope.command_id, now=envelope.now
        )
        self.store.save_all(household, field="household_number")
        return household.screenings[-1]

    def assess_screening(
        self, actor: Any, *, household_number: str, screened_on: date, findings: ScreeningFindings
    ) -> dict[str, Any]:
        """The risk assessment a screening with these findings would record, by the same rule and policy, written
        nowhere: what the screening form shows as the cadre types. Findings that break a rule are refused as the
        screening would be."""
        check_may_import(actor)
        household = self.store.find(Household, household_id(household_number))
        if household is None or not sees(actor, household.village_code):
            raise unknown_household(household_number)
        raise_first(findings_problems(findings))
        policy = self.store.policies.in_force(household.village_code, screened_on, field="screened_on")
        return assess(findings, len(household.members), policy).as_dict()

    # ----- campaigns --------------------------------------------------------------------------------------------

    def start_campaign(
        self,
        envelope: Envelope,
        *,
        campaign_id: UUID,
        name: str,
        scope: list[str],
        starts_on: date,
        milestones: dict[Milestone, date],
        demo: bool = False,
    ) -> CampaignView:
        existing = self.store.find(Campaign, campaign_id)
        if existing is not None:
            if envelope.command_id in existing.command_versions:
                return existing.view()
            raise VersionConflictError(f"campaign {campaign_id} exists", field="campaign_id", rule="unique")
        raise_first(
            campaign_rules.campaign_problems(
                name=name,
                scope=scope,
                starts_on=starts_on,
                milestones=milestones,
                areas=self.store.areas,
                today=local_date(envelope.now),
            )
        )
        check_may_run_campaign(envelope.actor, scope)
        campaign = Campaign.start(
            campaign_id=campaign_id,
            actor=envelope.actor,
            command_id=envelope.command_id,
            now=envelope.now,
            name=name.strip(),
            scope=scope,
            starts_on=starts_on,
            milestones={m.value: d.isoformat() for m, d in milestones.items()},
            demo=demo,
        )
        self.store.save_all(campaign, field="campaign_id")
        return campaign.view()

    def campaign(self, campaign_id: UUID) -> CampaignView:
        return self._get_campaign(campaign_id).view()

    def pass_milestone(
        self, *, campaign_id: UUID, milestone: Milestone, missing: dict[str, Any], now: datetime
    ) -> CampaignView:
        campaign = self._get_campaign(campaign_id)
        escalated = sorted({self._above(code) for code in campaign.scope} - {""})
        campaign.pass_milestone(
            milestone=milestone.value,
            missing=missing,
            escalated_to=escalated,
            command_id=f"milestone:{milestone.value}",
            now=now,
        )
        self.store.save_all(campaign, field="campaign_id")
        return campaign.view()

    def schedule_look_backs(
        self,
        *,
        campaign_id: UUID,
        case_ids: list[str],
        due_on: date,
        now: datetime,
        villages: dict[str, str] | None = None,
    ) -> CampaignView:
        campaign = self._get_campaign(campaign_id)
        campaign.schedule_look_backs(
            case_ids=case_ids, villages=villages or {}, due_on=due_on, command_id="look-backs", now=now
        )
        self.store.save_all(campaign, field="campaign_id")
        return campaign.view()

    def _get_campaign(self, campaign_id: UUID) -> Campaign:
        campaign = self.store.find(Campaign, campaign_id)
        if campaign is None:
            raise NotFoundError(f"no campaign {campaign_id}", field="campaign_id", rule="exists")
        return campaign

    def _above(self, code: str) -> str:
        area = self.store.areas.get(code)
        return area.parent_code or "" if area else ""
