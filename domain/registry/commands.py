"""The registry's commands: households (with their ID-number claims) and staff, each exactly once per command id.

A household is saved in one transaction with the claims on its members' ID numbers, so that one person never belongs
to two households however the registrations race.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from domain.kernel.actors import Actor
from domain.kernel.areas import contains
from domain.kernel.envelope import Envelope
from domain.kernel.errors import DuplicateIdNumberError, RuleViolationError, command_reused
from domain.kernel.permissions import check_may_register
from domain.kernel.privacy import sees, sees_personal_data, unknown_household, unknown_staff
from domain.kernel.store import CommandSet
from domain.kernel.time import local_date
from domain.registry.figures import HouseholdHistory, household_history
from domain.registry.household import (
    Household,
    HouseholdCases,
    HouseholdChanged,
    HouseholdRegistered,
    HouseholdScreened,
    IdNumberClaim,
    IdNumberContested,
    StaffChanged,
    StaffMember,
    StaffRegistered,
    household_cases_id,
    household_id,
    id_claim_id,
    staff_id,
)
from domain.registry.rules import (
    HouseholdRecord,
    StaffRecord,
    check_effective_on,
    household_problems,
    member_problems,
    normalise_id_number,
    person_key,
    raise_first,
    staff_problems,
)
from domain.registry.views import HouseholdOutcome, HouseholdView, StaffOutcome, StaffView


class RegistryCommands(CommandSet):
    # ----- households ---------------------------------------------------------------------------------------------

    def register_household(
        self,
        envelope: Envelope,
        record: HouseholdRecord,
        *,
        reason: str,
        demo: bool = False,
        reason_required: bool = False,
        effective_on: date | None = None,
    ) -> HouseholdOutcome:
        """Register a household or record what changed in it. Returns ``{"household_number", "result", "version"}``
        with result ``created``, ``changed`` or ``unchanged``; refuses a household whose every rule does not hold,
        or whose member's ID number belongs to another household, writing nothing. ``effective_on``: the day the
        facts hold from, when earlier than today (a change recorded late; a case reads the registry by it)."""
        self.check_household(record, envelope.actor, local_date(envelope.now))
        check_effective_on(effective_on, local_date(envelope.now))
        number = record.household_number
        household = self.store.find(Household, household_id(number))
        if household is not None and envelope.command_id in household.command_versions:
            done = household.command_versions[envelope.command_id]
            if any(s["version"] == done for s in household.screenings):
                raise command_reused(envelope.command_id)
            return {"household_number": number, "result": "unchanged", "version": household.version}
        ids = [person_key(m.id_number) for m in record.members]
        claims = self._claims(number, record.village_code, ids, envelope)
        facts = record.facts()
        if household is None:
            household = _registered(record, envelope.actor, envelope.command_id, envelope.now, reason, demo,
                                    effective_on)  # fmt: skip
            result = "created"
        else:
            check_may_register(envelope.actor, household.village_code)  # the household's present village, too
            if reason_required and not reason.strip() and household.facts != facts:
                raise RuleViolationError(
                    "a change to a registered household needs its reason", field="reason", rule="required"
                )
            before = {person_key(m["id_number"]) for m in household.members}
            if household.facts != facts:
                self._check_forward(household.id, effective_on)
            if not household.change(
                facts=facts,
                actor=envelope.actor,
                command_id=envelope.command_id,
                now=envelope.now,
                reason=reason,
                effective_on=effective_on,
            ):
                return {"household_number": number, "result": "unchanged", "version": household.version}
            result = "changed"
            for gone in sorted(before - set(ids)):  # a member who left: the number is free for another household
                claim = self.store.find(IdNumberClaim, id_claim_id(gone))
                if claim is not None and claim.household_number == number:
                    claim.release(envelope.command_id)
                    claims.append(claim)
        self.store.save_all(household, *claims, field="household_number")
        return {"household_number": number, "result": result, "version": household.version}

    def register_new_households(
        self, batch: list[tuple[HouseholdRecord, str, date | None]], *, actor: Actor, now: datetime, reason: str,
        demo: bool,
    ) -> bool:  # fmt: skip
        """Register households that are all expected to be new, with their ID-number claims, in one transaction,
        reading nothing first. Each ``(record, command_id)`` must already have passed ``check_household``. If any
        household or claim exists already (or two in the batch claim one person), the store's uniqueness refuses
        the whole transaction: nothing is written and False says to take them one by one
        (``register_household``), which reports each conflict. Same events, same command ids as that path. Each
        entry: the record, its command id, and the day its facts hold from (None: the day recorded)."""
        aggregates: list[Aggregate] = []
        for record, command_id, effective_on in batch:
            aggregates.append(_registered(record, actor, command_id, now, reason, demo, effective_on))
            for m in record.members:
                aggregates.append(IdNumberClaim.claim(person_key(m.id_number), record.household_number, "claim"))
        try:
            self.store.save(*aggregates)
        except IntegrityError:
            return False
        return True

    def check_household(self, record: HouseholdRecord, actor: Actor, today: date) -> None:
        """Every rule of a household record, all reported at once (the import reports them per row)."""
        problems = household_problems(record, today, self.store.areas)
        for m in record.members:
            problems.extend(member_problems(m, today))
        raise_first(problems)
        check_may_register(actor, record.village_code)

    def _claims(
        self, household_number: str, village_code: str, id_numbers: list[str], envelope: Envelope
    ) -> list[IdNumberClaim]:
        """Claim each ID number for this household. A number held by another household of the registrar's area is
        refused, naming it. One held outside that area is not refused: the answer would tell the registrar that the
        person is registered elsewhere (an oracle on anyone's ID number); the household is registered as asked, the
        number stays with its household, and the conflict is recorded on it for the county to resolve
        (``IdNumberContested``, listed by ``id_number_conflicts``)."""
        claims: list[IdNumberClaim] = []
        actor = envelope.actor
        for index, id_number in enumerate(id_numbers):
            claim = self.store.find(IdNumberClaim, id_claim_id(id_number))
            if claim is None:
                claims.append(IdNumberClaim.claim(id_number, household_number, "claim"))
            elif claim.household_number == "":
                claim.reclaim(household_number, "claim")
                claims.append(claim)
            elif claim.household_number != household_number:
                other = self.store.find(Household, household_id(claim.household_number))
                if other is None or not contains(actor.area_code, other.village_code):
                    if claim.contest(
                        id_number=id_number, household_number=household_number, village_code=village_code,
                        actor=actor, command_id=envelope.command_id, now=envelope.now,
                    ):  # fmt: skip
                        claims.append(claim)
                    continue
                message = f"证件号码已登记在户 {claim.household_number}，同一人不能属于两户；请先从原户移出"
                raise DuplicateIdNumberError(
                    message,
                    field="id_number",
                    rule="unique_id_number",
                    violations=[
                        {"field": "id_number", "rule": "unique_id_number", "message": message, "member": str(index)}
                    ],
                )
        return claims

    def id_number_conflicts(self, contested: list[IdNumberContested]) -> list[dict[str, Any]]:
        """The conflicts recorded (``contested``, oldest first), each with whether it still stands: the number still
        registered to its household while the other household still lists the person."""
        out: list[dict[str, Any]] = []
        for e in contested:
            claim = self.store.find(IdNumberClaim, e.originator_id)
            holder = self.store.find(Household, household_id(e.household_number))
            contester = self.store.find(Household, household_id(e.contested_by))
            listed = contester is not None and e.id_number in {person_key(m["id_number"]) for m in contester.members}
            stands = claim is not None and claim.household_number == e.household_number and listed
            out.append({
                "id_number": e.id_number,
                "household_number": e.household_number,
                "village_code": holder.village_code if holder is not None else "",
                "contested_by": e.contested_by,
                "contested_by_village_code": e.village_code,
                "recorded_at": e.occurred_at,
                "recorded_by": e.actor.get("id", ""),
                "status": "open" if stands else "resolved",
                "status_label": "待县级核定" if stands else "已解决",
            })  # fmt: skip
        return out

    def household_version(self, household_number: str) -> int:
        """The household's version, 0 when it is not registered."""
        household = self.store.find(Household, household_id(household_number))
        return household.version if household is not None else 0

    def household(self, household_number: str) -> HouseholdView:
        found = self.find_household(household_number)
        if found is None:
            raise unknown_household(household_number)
        return found

    def find_household(self, household_number: str) -> HouseholdView | None:
        """The registered household of that number, or None (one read, not two)."""
        household = self.store.find(Household, household_id(household_number))
        if household is None:
            return None
        index = self.store.find(HouseholdCases, household_cases_id(household_number))
        facts = household.facts
        return {
            "household_number": household.household_number,
            "household_type": facts["household_type"],
            "village_code": facts["village_code"],
            "address": facts["address"],
            "phone": facts["phone"],
            "at_resettlement_site": facts["at_resettlement_site"],
            "members": list(facts["members"]),
            "demo": household.demo,
            "version": household.version,
            "registered_at": household.created_on,
            "updated_at": household.modified_on,
            "open_cases": list(index.open_cases) if index else [],
            "screenings": list(household.screenings),
        }

    def household_changes(self, household_number: str) -> list[dict[str, Any]]:
        """What was recorded of a household, oldest first: its registration, every change (the fields, who, when,
        why) and every screening, as the household card lists them. The stream's chain is checked as it is read."""
        found = []
        for event in self.store.stored_events(household_id(household_number)):
            if isinstance(event, HouseholdRegistered):
                what, fields = "registered", []
            elif isinstance(event, HouseholdChanged):
                what, fields = "changed", sorted(event.changes)
            elif isinstance(event, HouseholdScreened):
                what, fields = "screened", []
            else:
                continue
            found.append({
                "what": what, "fields": fields, "occurred_at": event.occurred_at, "version": event.originator_version,
                "actor_name": event.actor.get("name", ""), "actor_role": event.actor.get("role", ""),
                "reason": getattr(event, "reason", ""),
            })  # fmt: skip
        return found

    def household_by_id_number(self, actor: Actor, id_number: str) -> tuple[str, str] | None:
        """The number and village of the household a person of this ID number is registered to, for the roles that
        see ID numbers (privacy.FULL_VIEW_ROLES) and only inside their area: elsewhere, as unknown as a number never
        registered (no oracle of who lives where)."""
        if not sees_personal_data(actor.role):
            return None
        # claims are kept by the person (the 18-character citizen number a 20/22-character card begins with)
        claim = self.store.find(IdNumberClaim, id_claim_id(person_key(normalise_id_number(id_number))))
        if claim is None or not claim.household_number:
            return None
        household = self.store.find(Household, household_id(claim.household_number))
        if household is None or not sees(actor, household.village_code):
            return None
        return claim.household_number, household.village_code

    def household_history(self, household_number: str) -> HouseholdHistory | None:
        """The household's registry versions, screenings and open cases, for the inspection rules (None when the
        number was never registered)."""
        stream = household_id(household_number)
        events = list(self.store.stored_events(stream))
        if not events:
            return None
        return household_history(household_number, str(stream), events, self.open_cases_of(household_number))

    def open_cases_of(self, household_number: str) -> list[str]:
        index = self.store.find(HouseholdCases, household_cases_id(household_number))
        return list(index.open_cases) if index else []

    # ----- staff ------------------------------------------------------------------------------------------------

    def register_staff(
        self, envelope: Envelope, record: StaffRecord, *, reason: str, demo: bool = False,
        effective_on: date | None = None,
    ) -> StaffOutcome:  # fmt: skip
        """Register a person of the screening staff, or change them to ``record``. ``effective_on``: the day they
        took part from (登记日期), when entered later; table 3-4 counts them from it (issue 20)."""
        raise_first(staff_problems(record, self.store.areas))
        check_effective_on(effective_on, local_date(envelope.now))
        check_may_register(envelope.actor, record.area_code)
        facts = {
            "name": record.name.strip(),
            "identity": record.identity.value,
            "area_code": record.area_code,
            "phone": record.phone,
        }
        staff = self.store.find(StaffMember, staff_id(record.staff_number))
        if staff is not None:
            check_may_register(envelope.actor, staff.facts["area_code"])  # where they work now, too
            if envelope.command_id not in staff.command_versions and staff.facts != facts:
                self._check_forward(staff.id, effective_on)
        if staff is None:
            staff = StaffMember.register(
                staff_number=record.staff_number,
                facts=facts,
                actor=envelope.actor,
                command_id=envelope.command_id,
                now=envelope.now,
                reason=reason,
                demo=demo,
                effective_on=effective_on,
            )
            result = "created"
        elif envelope.command_id in staff.command_versions or not staff.change(
            facts=facts,
            actor=envelope.actor,
            command_id=envelope.command_id,
            now=envelope.now,
            reason=reason,
            effective_on=effective_on,
        ):
            return {"staff_number": record.staff_number, "result": "unchanged", "version": staff.version}
        else:
            result = "changed"
        self.store.save_all(staff, field="staff_number")
        return {"staff_number": record.staff_number, "result": result, "version": staff.version}

    def _check_forward(self, record_id: UUID, effective_on: date | None) -> None:
        """A change of a registry record holds from a day no earlier than its last registration or change (issue 20:
        the tables count a record as of a day by its latest change, so one record's business days run forward). Read
        only when a change states its day."""
        if effective_on is None:
            return
        days = [e.effective_on or local_date(e.occurred_at) for e in self.store.stored_events(record_id)
                if isinstance(e, (HouseholdRegistered, HouseholdChanged, StaffRegistered, StaffChanged))]  # fmt: skip
        if days and effective_on < max(days):
            raise RuleViolationError(
                f"生效日期不能早于该记录上一次登记或变更的生效日期（{max(days).isoformat()}）",
                field="effective_on", rule="after_previous_change",
            )  # fmt: skip

    def staff_member(self, staff_number: str) -> StaffView:
        staff = self.store.find(StaffMember, staff_id(staff_number))
        if staff is None:
            raise unknown_staff(staff_number)
        facts = staff.facts
        return {
            "staff_number": staff.staff_number, "name": facts["name"], "identity": facts["identity"],
            "area_code": facts["area_code"], "phone": facts["phone"], "demo": staff.demo, "version": staff.version,
        }  # fmt: skip


def _registered(
    record: HouseholdRecord, actor: Actor, command_id: str, now: datetime, reason: str, demo: bool,
    effective_on: date | None = None,
) -> Household:  # fmt: skip
    """A new household as the record has it (its first event, not yet saved)."""
    return Household.register(
        household_number=record.household_number,
        facts=record.facts(),
        actor=actor,
        command_id=command_id,
        now=now,
        reason=reason,
        demo=demo,
        effective_on=effective_on,
    )
