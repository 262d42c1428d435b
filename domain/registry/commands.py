"""Registry commands of the ledger: households, staff, screenings and campaigns, each exactly once per command id.

Mixed into :class:`domain.ledger.CaseLedger` so that a household, its ID-number claims, its open-case index and its
cases live in one event store and are saved together where a rule spans them (one open case per household; one
household per ID number).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from domain.audit.access_log import Access
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
from domain.cases.values import case_id_for_command
from domain.kernel.actors import Actor
from domain.kernel.areas import AreaTree
from domain.kernel.errors import DuplicateIdNumberError, NotFoundError, RuleViolationError, VersionConflictError
from domain.kernel.policy import PolicyRegistry
from domain.kernel.time import local_date
from domain.ops.repairs import Repair
from domain.registry.household import (
    Household,
    HouseholdCases,
    IdNumberClaim,
    StaffMember,
    household_cases_id,
    household_id,
    id_claim_id,
    staff_id,
)
from domain.registry.rules import (
    HouseholdRecord,
    StaffRecord,
    check_may_register,
    check_may_run_campaign,
    household_problems,
    member_problems,
    person_key,
    raise_first,
    staff_problems,
)

A = TypeVar("A", bound=Aggregate)


class RegistryCommands(Application[UUID]):
    areas: AreaTree
    policies: PolicyRegistry

    # ----- households ---------------------------------------------------------------------------------------------

    def register_household(
        self,
        record: HouseholdRecord,
        *,
        actor: Actor,
        command_id: str,
        now: datetime,
        reason: str,
        demo: bool = False,
        reason_required: bool = False,
    ) -> dict[str, Any]:
        """Register a household or record what changed in it. Returns ``{"household_number", "result", "version"}``
        with result ``created``, ``changed`` or ``unchanged``; refuses a household whose every rule does not hold,
        or whose member's ID number belongs to another household, writing nothing."""
        self.check_household(record, actor, local_date(now))
        number = record.household_number
        household = self._find_as(Household, household_id(number))
        if household is not None and command_id in household.command_versions:
            done = household.command_versions[command_id]
            if any(s["version"] == done for s in household.screenings):
                raise _reused(command_id)
            return {"household_number": number, "result": "unchanged", "version": household.version}
        ids = [person_key(m.id_number) for m in record.members]
        claims = self._claims(number, ids, actor)
        facts = record.facts()
        if household is None:
            household = _registered(record, actor, command_id, now, reason, demo)
            result = "created"
        else:
            check_may_register(actor, household.village_code)  # the household's present village, too
            if reason_required and not reason.strip() and household.facts != facts:
                raise RuleViolationError(
                    "a change to a registered household needs its reason", field="reason", rule="required"
                )
            before = {person_key(m["id_number"]) for m in household.members}
            if not household.change(facts=facts, actor=actor, command_id=command_id, now=now, reason=reason):
                return {"household_number": number, "result": "unchanged", "version": household.version}
            result = "changed"
            for gone in sorted(before - set(ids)):  # a member who left: the number is free for another household
                claim = self._find_as(IdNumberClaim, id_claim_id(gone))
                if claim is not None and claim.household_number == number:
                    claim.release(command_id)
                    claims.append(claim)
        self._save_all(household, *claims)
        return {"household_number": number, "result": result, "version": household.version}

    def register_new_households(
        self, batch: list[tuple[HouseholdRecord, str]], *, actor: Actor, now: datetime, reason: str, demo: bool
    ) -> bool:
        """Register households that are all expected to be new, with their ID-number claims, in one transaction,
        reading nothing first. Each ``(record, command_id)`` must already have passed ``check_household``. If any
        household or claim exists already (or two in the batch claim one person), the store's uniqueness refuses
        the whole transaction: nothing is written and False says to take them one by one
        (``register_household``), which reports each conflict. Same events, same command ids as that path."""
        aggregates: list[Aggregate] = []
        for record, command_id in batch:
            aggregates.append(_registered(record, actor, command_id, now, reason, demo))
            for m in record.members:
                aggregates.append(IdNumberClaim.claim(person_key(m.id_number), record.household_number, "claim"))
        try:
            self.save(*aggregates)
        except IntegrityError:
            return False
        return True

    def check_household(self, record: HouseholdRecord, actor: Actor, today: date) -> None:
        """Every rule of a household record, all reported at once (the import reports them per row)."""
        problems = household_problems(record, today)
        for m in record.members:
            problems.extend(member_problems(m, today))
        village = self.areas.get(record.village_code)
        if village is None or village.parent_code is None or len(record.village_code) != 12:
            problems.append(("village_code", "known_village", f"未知的村代码 {record.village_code}"))
        elif record.at_resettlement_site != village.resettlement_site and village.resettlement_site:
            problems.append(("at_resettlement_site", "resettlement_site", "安置点的农户须标记为居住在集中安置点"))
        raise_first(problems)
        check_may_register(actor, record.village_code)

    def _claims(self, household_number: str, id_numbers: list[str], actor: Actor) -> list[IdNumberClaim]:
        """Claim each ID number for this household; a number held by another household is refused."""
        claims: list[IdNumberClaim] = []
        for index, id_number in enumerate(id_numbers):
            claim = self._find_as(IdNumberClaim, id_claim_id(id_number))
            if claim is None:
                claims.append(IdNumberClaim.claim(id_number, household_number, "claim"))
            elif claim.household_number == "":
                claim.reclaim(household_number, "claim")
                claims.append(claim)
            elif claim.household_number != household_number:
                other = self._find_as(Household, household_id(claim.household_number))
                where = (
                    f"户 {claim.household_number}"
                    if other is not None and other.village_code.startswith(actor.area_code)
                    else "本辖区以外的农户"
                )
                message = f"证件号码已登记在{where}，同一人不能属于两户；请先从原户移出"
                raise DuplicateIdNumberError(
                    message,
                    field="id_number",
                    rule="unique_id_number",
                    violations=[
                        {"field": "id_number", "rule": "unique_id_number", "message": message, "member": str(index)}
                    ],
                )
        return claims

    def household_version(self, household_number: str) -> int:
        """The household's version, 0 when it is not registered."""
        household = self._find_as(Household, household_id(household_number))
        return household.version if household is not None else 0

    def household(self, household_number: str) -> dict[str, Any]:
        household = self._find_as(Household, household_id(household_number))
        if household is None:
            raise NotFoundError(f"no household {household_number}", field="household_number", rule="exists")
        index = self._find_as(HouseholdCases, household_cases_id(household_number))
        return {
            "household_number": household.household_number,
            **household.facts,
            "demo": household.demo,
            "version": household.version,
            "registered_at": household.created_on,
            "updated_at": household.modified_on,
            "open_cases": list(index.open_cases) if index else [],
            "screenings": list(household.screenings),
        }

    def open_cases_of(self, household_number: str) -> list[str]:
        index = self._find_as(HouseholdCases, household_cases_id(household_number))
        return list(index.open_cases) if index else []

    # ----- staff ------------------------------------------------------------------------------------------------

    def register_staff(
        self, record: StaffRecord, *, actor: Actor, command_id: str, now: datetime, reason: str, demo: bool = False
    ) -> dict[str, Any]:
        problems = staff_problems(record)
        if self.areas.get(record.area_code) is None:
            problems.append(("area_code", "known_area", f"未知的区划代码 {record.area_code}"))
        raise_first(problems)
        check_may_register(actor, record.area_code)
        facts = {
            "name": record.name.strip(),
            "identity": record.identity.value,
            "area_code": record.area_code,
            "phone": record.phone,
        }
        staff = self._find_as(StaffMember, staff_id(record.staff_number))
        if staff is not None:
            check_may_register(actor, staff.facts["area_code"])  # where they work now, too
        if staff is None:
            staff = StaffMember.register(
                staff_number=record.staff_number,
                facts=facts,
                actor=actor,
                command_id=command_id,
                now=now,
                reason=reason,
                demo=demo,
            )
            result = "created"
        elif command_id in staff.command_versions or not staff.change(
            facts=facts, actor=actor, command_id=command_id, now=now, reason=reason
        ):
            return {"staff_number": record.staff_number, "result": "unchanged", "version": staff.version}
        else:
            result = "changed"
        self._save_all(staff, field="staff_number")
        return {"staff_number": record.staff_number, "result": result, "version": staff.version}

    def staff_member(self, staff_number: str) -> dict[str, Any]:
        staff = self._find_as(StaffMember, staff_id(staff_number))
        if staff is None:
            raise NotFoundError(f"no staff member {staff_number}", field="staff_number", rule="exists")
        return {"staff_number": staff.staff_number, **staff.facts, "demo": staff.demo, "version": staff.version}

    # ----- screening --------------------------------------------------------------------------------------------

    def record_screening(
        self,
        *,
        household_number: str,
        campaign_id: UUID | None,
        screened_on: date,
        method: ScreeningMethod,
        screener: str,
        findings: ScreeningFindings,
        comment: str,
        actor: Actor,
        command_id: str,
        now: datetime,
    ) -> dict[str, Any]:
        """Record one screening and its risk assessment. At risk without an open case, the record names the case it
        opens (its id derives from this command, so the caller's open is idempotent); with an open case, that one."""
        household = self._find_as(Household, household_id(household_number))
        if household is None:
            raise NotFoundError(f"no household {household_number}", field="household_number", rule="exists")
        done = household.command_versions.get(command_id)
        if done is not None:
            earlier = next((s for s in household.screenings if s["version"] == done), None)
            if earlier is None:
                raise _reused(command_id)
            return earlier
        village = household.village_code
        check_may_register(actor, village)
        staff = self._find_as(StaffMember, staff_id(screener))
        if staff is None:
            raise RuleViolationError(f"screener {screener} is not in the staff registry", field="screener",
                                     rule="registered_staff")  # fmt: skip
        if not village.startswith(staff.facts["area_code"]):
            raise RuleViolationError(
                f"screener {screener} works in {staff.facts['area_code']}, not in village {village}",
                field="screener",
                rule="screener_area",
            )
        campaign = None
        if campaign_id is not None:
            campaign = self._find_as(Campaign, campaign_id)
            if campaign is None:
                raise NotFoundError(f"no campaign {campaign_id}", field="campaign_id", rule="exists")
            if not campaign_rules.in_scope(village, campaign.scope):
                raise RuleViolationError(
                    f"village {village} is outside the campaign's scope", field="campaign_id", rule="campaign_scope"
                )
        problems = findings_problems(findings)
        date_problem = screening_date_problem(screened_on, local_date(now), campaign.starts_on if campaign else None)
        if date_problem:
            problems.insert(0, ("screened_on", "date_range", date_problem))
        migrant = any(m["migrant_work_months"] > 0 or m["migrant_work_place"] for m in household.members)
        m_problem = method_problem(method, migrant)
        if m_problem:
            problems.append(("method", "remote_screening_for_migrants", m_problem))
        raise_first(problems)
        policy = self.policies.in_force(village, screened_on, field="screened_on")
        assessment = assess(findings, len(household.members), policy)
        open_cases = self.open_cases_of(household_number)
        opens = assessment.at_risk and not open_cases
        if open_cases:
            case_id = open_cases[0]
        elif opens:
            case_id = str(case_id_for_command(screening_open_command(command_id, household_number)))
        else:
            case_id = ""
        record = {
            "screening_id": command_id,
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
            "recorded_by": actor.as_dict(),
        }
        household.record_screening(screening=record, actor=actor, command_id=command_id, now=now)
        self._save_all(household)
        return household.screenings[-1]

    # ----- campaigns --------------------------------------------------------------------------------------------

    def start_campaign(
        self,
        *,
        campaign_id: UUID,
        name: str,
        scope: list[str],
        starts_on: date,
        milestones: dict[Milestone, date],
        actor: Actor,
        command_id: str,
        now: datetime,
        demo: bool = False,
    ) -> dict[str, Any]:
        existing = self._find_as(Campaign, campaign_id)
        if existing is not None:
            if command_id in existing.command_versions:
                return existing.view()
            raise VersionConflictError(f"campaign {campaign_id} exists", field="campaign_id", rule="unique")
        raise_first(
            campaign_rules.campaign_problems(
                name=name,
                scope=scope,
                starts_on=starts_on,
                milestones=milestones,
                areas=self.areas,
                today=local_date(now),
            )
        )
        check_may_run_campaign(actor, scope)
        campaign = Campaign.start(
            campaign_id=campaign_id, actor=actor, command_id=command_id, now=now, name=name.strip(), scope=scope,
            starts_on=starts_on, milestones={m.value: d.isoformat() for m, d in milestones.items()}, demo=demo,
        )  # fmt: skip
        self._save_all(campaign, field="campaign_id")
        return campaign.view()

    def campaign(self, campaign_id: UUID) -> dict[str, Any]:
        campaign = self._find_as(Campaign, campaign_id)
        if campaign is None:
            raise NotFoundError(f"no campaign {campaign_id}", field="campaign_id", rule="exists")
        return campaign.view()

    def pass_milestone(
        self, *, campaign_id: UUID, milestone: Milestone, missing: dict[str, Any], now: datetime
    ) -> dict[str, Any]:
        campaign = self._get_campaign(campaign_id)
        escalated = sorted({self._above(code) for code in campaign.scope} - {""})
        campaign.pass_milestone(
            milestone=milestone.value,
            missing=missing,
            escalated_to=escalated,
            command_id=f"milestone:{milestone.value}",
            now=now,
        )
        self._save_all(campaign, field="campaign_id")
        return campaign.view()

    def schedule_look_backs(
        self,
        *,
        campaign_id: UUID,
        case_ids: list[str],
        due_on: date,
        now: datetime,
        villages: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        campaign = self._get_campaign(campaign_id)
        campaign.schedule_look_backs(
            case_ids=case_ids, villages=villages or {}, due_on=due_on, command_id="look-backs", now=now
        )
        self._save_all(campaign, field="campaign_id")
        return campaign.view()

    def _get_campaign(self, campaign_id: UUID) -> Campaign:
        campaign = self._find_as(Campaign, campaign_id)
        if campaign is None:
            raise NotFoundError(f"no campaign {campaign_id}", field="campaign_id", rule="exists")
        return campaign

    def _above(self, code: str) -> str:
        area = self.areas.get(code)
        return area.parent_code or "" if area else ""

    # ----- access log -------------------------------------------------------------------------------------------

    def record_access(
        self, *, actor: Actor, at: datetime, what: str, target: str, village_code: str, purpose: str, path: str
    ) -> None:
        """Append one read to the access log."""
        self.save(
            Access.record(
                actor=actor,
                at=at,
                what=what,
                target=target,
                village_code=village_code,
                purpose=purpose.strip()[:200],
                path=path,
            )
        )

    def record_repair(self, *, actor: Actor, at: datetime, action: str, case_id: str, reason: str, detail: str) -> None:
        """Record an operator's repair (who, when, what, why)."""
        self.save(Repair.record(actor=actor, at=at, action=action, case_id=case_id, reason=reason, detail=detail))

    # ----- helpers ----------------------------------------------------------------------------------------------

    def _find_as(self, cls: type[A], aggregate_id: UUID) -> A | None:
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        if not isinstance(aggregate, cls):
            return None
        return aggregate

    def _save_all(self, *aggregates: Aggregate, field: str = "household_number") -> None:
        try:
            self.save(*aggregates)
        except IntegrityError:
            raise VersionConflictError(
                "another change to the same record was saved first; read it and retry",
                field=field,
                rule="concurrent_change",
            ) from None


def _registered(
    record: HouseholdRecord, actor: Actor, command_id: str, now: datetime, reason: str, demo: bool
) -> Household:
    """A new household as the record has it (its first event, not yet saved)."""
    return Household.register(
        household_number=record.household_number,
        facts=record.facts(),
        actor=actor,
        command_id=command_id,
        now=now,
        reason=reason,
        demo=demo,
    )


def _reused(command_id: str) -> RuleViolationError:
    return RuleViolationError(
        f"command {command_id} was already used for another kind of change; send a new Idempotency-Key",
        field="Idempotency-Key",
        rule="command_reused",
    )
