"""The household registry as event-sourced aggregates: households (农户), their screenings (排查), the staff who screen
them (工作人员), and two index aggregates that make cross-household rules hold under concurrency.

- ``Household``: registered with its members, changed only by events that name the actor and the reason, and
  screened (one ``HouseholdScreened`` per visit or call, with its findings and the risk assessment made then).
- ``IdNumberClaim``: one per ID number, saved in the same transaction as the household that claims it. Two
  households claiming one number conflict in the event store itself, so a duplicate is always flagged, never
  silently accepted (issue 4), even when two imports race.
- ``HouseholdCases``: one per household number, listing its open cases; saved with every case event that opens or
  ends a case, so a household never has two open cases.
- ``StaffMember``: a person of the screening with exactly one identity of the seed's table 3-4.

As for cases, ``apply`` only records facts; the rules run in the command methods (``domain.registry.rules``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.kernel.actors import Actor
from domain.kernel.chain import ChainedAggregate, ChainedCreated, ChainedEvent
from domain.kernel.topics import stored_as
from domain.registry.rules import head_name

HOUSEHOLD_NAMESPACE = UUID("0f6b7a4e-95a2-4c1e-8d38-7f2b1a9c5e01")
ID_NUMBER_NAMESPACE = UUID("3d2c9e71-64b8-4f0a-a1c5-2e8f7b6d4a02")
HOUSEHOLD_CASES_NAMESPACE = UUID("a71e5c08-2b94-4d6f-9e13-5c0d8b7f2a03")
STAFF_NAMESPACE = UUID("c4f81d2a-7e35-4b9c-8a60-1d9e3f5b7c04")


def household_id(household_number: str) -> UUID:
    return uuid5(HOUSEHOLD_NAMESPACE, household_number)


def id_claim_id(id_number: str) -> UUID:
    return uuid5(ID_NUMBER_NAMESPACE, id_number)


def household_cases_id(household_number: str) -> UUID:
    return uuid5(HOUSEHOLD_CASES_NAMESPACE, household_number)


def staff_id(staff_number: str) -> UUID:
    return uuid5(STAFF_NAMESPACE, staff_number)


class RegistryRecord(ChainedAggregate):
    """A registry record (household or staff member): facts changed only by events naming the actor and reason."""

    facts: dict[str, Any]
    demo: bool
    command_versions: dict[str, int]

    @classmethod
    def _register(
        cls,
        event_class: type[ChainedCreated],
        aggregate_id: UUID,
        key: dict[str, str],
        *,
        facts: dict[str, Any],
        actor: Actor,
        command_id: str,
        now: datetime,
        reason: str,
        demo: bool,
        **extra: Any,
    ) -> Any:
        return cls._create(
            event_class,
            id=aggregate_id,
            **key,
            actor=actor.as_dict(),
            command_id=command_id,
            occurred_at=now,
            reason=reason,
            facts=facts,
            demo=demo,
            **extra,
        )

    def _record_change(
        self,
        event_class: type[Aggregate.Event],
        key: dict[str, str],
        *,
        facts: dict[str, Any],
        actor: Actor,
        command_id: str,
        now: datetime,
        reason: str,
        **extra: Any,
    ) -> bool:
        """Record what differs from ``facts``, field by field, old and new; nothing when all is the same."""
        changes = {k: v for k, v in facts.items() if self.facts.get(k) != v}
        if not changes:
            return False
        self.trigger_event(
            event_class,
            **key,
            actor=actor.as_dict(),
            command_id=command_id,
            occurred_at=now,
            reason=reason,
            changes=changes,
            previous={k: self.facts.get(k) for k in changes},
            **extra,
        )
        return True


# ----- household ---------------------------------------------------------------------------------------------------


@stored_as("domain.household:HouseholdRegistered")
class HouseholdRegistered(ChainedCreated):
    actor: dict[str, str]
    command_id: str
    occurred_at: datetime
    reason: str
    household_number: str
    facts: dict[str, Any]
    demo: bool  # written by the demo generator, not real people
    # The day the facts hold from, when it is not the day they were recorded (a household registered late, after its
    # self-application); None: from the day recorded (and for every registration before effective dates).
    effective_on: date | None = None

    def apply(self, household: Household) -> None:
        household.household_number = self.household_number
        household.facts = dict(self.facts)
        household.demo = self.demo
        household.registered_by = dict(self.actor)
        household.command_versions = {self.command_id: self.originator_version}
        household.screenings = []


class HouseholdEvent(ChainedEvent):
    actor: dict[str, str]
    command_id: str
    occurred_at: datetime

    def apply(self, household: Household) -> None:
        household.command_versions[self.command_id] = self.originator_version
        self.apply_facts(household)

    def apply_facts(self, household: Household) -> None:
        """Record the event's facts (no rules here)."""


@stored_as("domain.household:HouseholdChanged")
class HouseholdChanged(HouseholdEvent):
    household_number: str
    reason: str
    changes: dict[str, Any]  # field → new value
    previous: dict[str, Any]  # field → value before
    # The day the change happened, when it is recorded later (a member who left last month); None: the day recorded.
    effective_on: date | None = None

    def apply_facts(self, household: Household) -> None:
        household.facts.update(self.changes)


@stored_as("domain.household:HouseholdScreened")
class HouseholdScreened(HouseholdEvent):
    screening: dict[str, Any]  # the record: campaign, date, method, screener, findings, assessment, case_id

    def apply_facts(self, household: Household) -> None:
        household.screenings.append(dict(self.screening, version=self.originator_version))


@stored_as("domain.household:Household")
class Household(RegistryRecord):
    """农户: the unit of monitoring. Its id derives from the national household number."""

    household_number: str
    registered_by: dict[str, str]
    screenings: list[dict[str, Any]]

    def __init__(self) -> None:
        """State is set by ``HouseholdRegistered.apply``."""

    @classmethod
    def register(
        cls,
        *,
        household_number: str,
        facts: dict[str, Any],
        actor: Actor,
        command_id: str,
        now: datetime,
        reason: str,
        demo: bool = False,
        effective_on: date | None = None,
    ) -> Household:
        # effective_on always given (None too): a new event's hash covers every field it has
        household: Household = cls._register(
            HouseholdRegistered, household_id(household_number), {"household_number": household_number},
            facts=facts, actor=actor, command_id=command_id, now=now, reason=reason, demo=demo,
            effective_on=effective_on,
        )  # fmt: skip
        return household

    def change(
        self, *, facts: dict[str, Any], actor: Actor, command_id: str, now: datetime, reason: str,
        effective_on: date | None = None,
    ) -> bool:  # fmt: skip
        """Record what differs from ``facts``, field by field, and from which day it holds (``effective_on``, the
        day recorded when None); nothing when all is the same. True if changed."""
        key = {"household_number": self.household_number}
        return self._record_change(
            HouseholdChanged, key, facts=facts, actor=actor, command_id=command_id, now=now, reason=reason,
            effective_on=effective_on,
        )  # fmt: skip

    def record_screening(self, *, screening: dict[str, Any], actor: Actor, command_id: str, now: datetime) -> None:
        self.trigger_event(
            HouseholdScreened, actor=actor.as_dict(), command_id=command_id, occurred_at=now, screening=screening
        )

    @property
    def members(self) -> list[dict[str, Any]]:
        members: list[dict[str, Any]] = self.facts["members"]
        return members

    @property
    def village_code(self) -> str:
        return str(self.facts["village_code"])

    @property
    def head_name(self) -> str:
        return head_name(self.members)


# ----- ID number claims --------------------------------------------------------------------------------------------


@stored_as("domain.household:IdNumberClaimed")
class IdNumberClaimed(ChainedCreated):
    household_number: str
    command_id: str

    def apply(self, claim: IdNumberClaim) -> None:
        claim.household_number = self.household_number


@stored_as("domain.household:IdNumberReclaimed")
class IdNumberReclaimed(ChainedEvent):
    household_number: str
    command_id: str

    def apply(self, claim: IdNumberClaim) -> None:
        claim.household_number = self.household_number


@stored_as("domain.household:IdNumberReleased")
class IdNumberReleased(ChainedEvent):
    household_number: str
    command_id: str

    def apply(self, claim: IdNumberClaim) -> None:
        claim.household_number = ""


@stored_as("domain.household:IdNumberContested")
class IdNumberContested(ChainedEvent):
    """Another household, registered outside the area of the one who registered it, lists the same person. The
    registration was accepted (refusing it would tell the registrar that the person is registered elsewhere, and
    where); the county resolves which household the person belongs to."""

    household_number: str  # the household the number is registered to
    contested_by: str  # the household that lists the person too
    village_code: str  # that household's village
    id_number: str
    actor: dict[str, str]
    command_id: str
    occurred_at: datetime

    def apply(self, claim: IdNumberClaim) -> None:
        claim.__dict__["contested_by"] = [*claim.contesting, self.contested_by]


@stored_as("domain.household:IdNumberClaim")
class IdNumberClaim(ChainedAggregate):
    """Which household an ID number is registered to ("" once released), and which other households list the same
    person (contested, for the county to resolve)."""

    household_number: str

    def __init__(self) -> None:
        """State is set by ``IdNumberClaimed.apply``."""

    @classmethod
    def claim(cls, id_number: str, household_number: str, command_id: str) -> IdNumberClaim:
        claim: IdNumberClaim = cls._create(
            IdNumberClaimed, id=id_claim_id(id_number), household_number=household_number, command_id=command_id
        )
        return claim

    def reclaim(self, household_number: str, command_id: str) -> None:
        self.trigger_event(IdNumberReclaimed, household_number=household_number, command_id=command_id)

    def release(self, command_id: str) -> None:
        self.trigger_event(IdNumberReleased, household_number=self.household_number, command_id=command_id)

    @property
    def contesting(self) -> list[str]:
        """The households that list this person besides the one it is registered to (none for claims stored before
        contests were recorded)."""
        return list(self.__dict__.get("contested_by", []))

    def contest(self, *, id_number: str, household_number: str, village_code: str, actor: Actor, command_id: str,
                now: datetime) -> bool:  # fmt: skip
        """Record that ``household_number`` lists this person too; once per household."""
        if household_number in self.contesting:
            return False
        self.trigger_event(
            IdNumberContested, household_number=self.household_number, contested_by=household_number,
            village_code=village_code, id_number=id_number, actor=actor.as_dict(), command_id=command_id,
            occurred_at=now,
        )  # fmt: skip
        return True


# ----- a household's open cases ------------------------------------------------------------------------------------


@stored_as("domain.household:HouseholdCasesStarted")
class HouseholdCasesStarted(ChainedCreated):
    household_number: str

    def apply(self, index: HouseholdCases) -> None:
        index.household_number = self.household_number
        index.open_cases = []


@stored_as("domain.household:HouseholdCaseOpened")
class HouseholdCaseOpened(ChainedEvent):
    household_number: str
    case_id: str

    def apply(self, index: HouseholdCases) -> None:
        if self.case_id not in index.open_cases:
            index.open_cases.append(self.case_id)


@stored_as("domain.household:HouseholdCaseEnded")
class HouseholdCaseEnded(ChainedEvent):
    household_number: str
    case_id: str
    stage: str  # closed or eliminated

    def apply(self, index: HouseholdCases) -> None:
        if self.case_id in index.open_cases:
            index.open_cases.remove(self.case_id)


@stored_as("domain.household:HouseholdCases")
class HouseholdCases(ChainedAggregate):
    """The open cases of one household number (registered or not)."""

    household_number: str
    open_cases: list[str]

    def __init__(self) -> None:
        """State is set by ``HouseholdCasesStarted.apply``."""

    @classmethod
    def start(cls, household_number: str) -> HouseholdCases:
        index: HouseholdCases = cls._create(
            HouseholdCasesStarted, id=household_cases_id(household_number), household_number=household_number
        )
        return index

    def opened(self, case_id: str) -> None:
        if case_id not in self.open_cases:
            self.trigger_event(HouseholdCaseOpened, household_number=self.household_number, case_id=case_id)

    def ended(self, case_id: str, stage: str) -> None:
        if case_id in self.open_cases:
            self.trigger_event(HouseholdCaseEnded, household_number=self.household_number, case_id=case_id, stage=stage)


# ----- staff ---------------------------------------------------------------------------------------------------


@stored_as("domain.household:StaffRegistered")
class StaffRegistered(ChainedCreated):
    actor: dict[str, str]
    command_id: str
    occurred_at: datetime
    reason: str
    staff_number: str
    facts: dict[str, Any]  # name, identity, area_code, phone
    demo: bool
    effective_on: date | None = None  # 登记日期: the day they took part from, when entered later (issue 20)

    def apply(self, staff: StaffMember) -> None:
        staff.staff_number = self.staff_number
        staff.facts = dict(self.facts)
        staff.demo = self.demo
        staff.command_versions = {self.command_id: self.originator_version}


@stored_as("domain.household:StaffChanged")
class StaffChanged(ChainedEvent):
    staff_number: str
    actor: dict[str, str]
    command_id: str
    occurred_at: datetime
    reason: str
    changes: dict[str, Any]
    previous: dict[str, Any]
    effective_on: date | None = None  # the day the change holds from, when entered later (issue 20)

    def apply(self, staff: StaffMember) -> None:
        staff.command_versions[self.command_id] = self.originator_version
        staff.facts.update(self.changes)


@stored_as("domain.household:StaffMember")
class StaffMember(RegistryRecord):
    """A person taking part in the screening (参与排查工作人员)."""

    staff_number: str

    def __init__(self) -> None:
        """State is set by ``StaffRegistered.apply``."""

    @classmethod
    def register(
        cls,
        *,
        staff_number: str,
        facts: dict[str, Any],
        actor: Actor,
        command_id: str,
        now: datetime,
        reason: str,
        demo: bool = False,
        effective_on: date | None = None,
    ) -> StaffMember:
        # effective_on always given (None too): a new event's hash covers every field it has
        staff: StaffMember = cls._register(
            StaffRegistered, staff_id(staff_number), {"staff_number": staff_number},
            facts=facts, actor=actor, command_id=command_id, now=now, reason=reason, demo=demo,
            effective_on=effective_on,
        )  # fmt: skip
        return staff

    def change(
        self, *, facts: dict[str, Any], actor: Actor, command_id: str, now: datetime, reason: str,
        effective_on: date | None = None,
    ) -> bool:  # fmt: skip
        key = {"staff_number": self.staff_number}
        return self._record_change(
            StaffChanged, key, facts=facts, actor=actor, command_id=command_id, now=now, reason=reason,
            effective_on=effective_on,
        )  # fmt: skip
