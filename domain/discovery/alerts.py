"""部门筛查预警: a sector department's alert about a person (a medical cost, a disability certificate, a child leaving
school, an unsafe house, a disaster loss, a job loss), matched to the registered household by ID number, routed to the
household's village and township, and verified there within the policy's days (``alert_verify_days``).

The alert's number is derived from the fact itself (department and its county, ID number, kind, day and amount): the
same fact pushed twice is the same alert, told back as a duplicate, unless the first was sent back for correction.
The person's name and ID number and what the department wrote are personal data: they stay in the alert's events
(encrypted at rest, like every event) and never reach a log, an error message, a read model or the department's
view of the outcome."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.discovery.rules import handled_late
from domain.kernel.actors import Actor
from domain.kernel.chain import ChainedAggregate, ChainedCreated, ChainedEvent
from domain.kernel.topics import stored_as

_NAMESPACE = uuid5(NAMESPACE_URL, "https://dixian.example/department-alerts")


def alert_id_of(department: str, id_number: str, kind: str, occurred_on: date, amount: str) -> UUID:
    """One fact, one alert: what makes a pushed alert the same as one pushed before."""
    return uuid5(_NAMESPACE, f"{department}|{id_number}|{kind}|{occurred_on.isoformat()}|{amount}")


def alert_number_of(fact_id: UUID, attempt: int = 0) -> str:
    """The alert's number, for the department and the township to speak of it (says nothing of the person). Ten
    digits can collide: the commands try ``attempt`` 1, 2, … while a number is taken by another fact."""
    key = fact_id if attempt == 0 else uuid5(fact_id, str(attempt))
    return f"YJ{key.int % 10**10:010d}"


def alert_id(number: str) -> UUID:
    """The stream an alert's number names (a second namespace: the number is shorter than the fact's id)."""
    return uuid5(_NAMESPACE, f"number:{number}")


@stored_as("domain.discovery:AlertReceived")
class AlertReceived(ChainedCreated):
    alert_number: str
    fact_id: str  # alert_id_of(...): the fact, for telling a second push of it
    department: str
    kind: str
    person: dict[str, str]  # name, id_number (personal data)
    amount: str  # yuan, "" when the kind has none
    occurred_on: date  # when it happened, as the department records it
    details: str  # what the department wrote (personal data)
    reference: str  # the department's own number for the record
    via: str  # file | api
    batch: str  # the file's name, or ""
    received_on: date
    household_number: str  # the registered household the ID number belongs to; "" when none
    village_code: str  # where it is routed ("" when routed to a township, or to the county, only)
    township_code: str
    status: str  # pending | attached
    case_id: str  # the open case it was attached to
    verify_due: date | None
    policy_key: str
    actor: dict[str, str]
    command_id: str
    occurred_at: datetime

    def apply(self, alert: DepartmentAlert) -> None:
        alert.number = self.alert_number
        alert.fact_id = self.fact_id
        alert.facts = {
            "department": self.department, "kind": self.kind, "amount": self.amount, "occurred_on": self.occurred_on,
            "reference": self.reference, "via": self.via, "batch": self.batch, "received_on": self.received_on,
            "household_number": self.household_number, "village_code": self.village_code,
            "township_code": self.township_code, "verify_due": self.verify_due, "policy_key": self.policy_key,
            "received_by": dict(self.actor), "matched": bool(self.household_number),
        }  # fmt: skip
        alert.person = dict(self.person)
        alert.details = self.details
        alert.status = self.status
        alert.verification = (
            {"outcome": "", "case_id": self.case_id, "reason": "", "evidence": "", "verified_on": self.received_on,
             "by": dict(self.actor), "on_receipt": True}
            if self.status != "pending" else None
        )  # fmt: skip
        alert.overdue_on = None
        alert.command_versions = {self.command_id: self.originator_version}


@stored_as("domain.discovery:AlertVerified")
class AlertVerified(ChainedEvent):
    """The village's or township's verification: one of ``AlertOutcome``, with the case, the reason and what was
    checked."""

    outcome: str
    status: str
    case_id: str
    household_number: str
    reason: str
    evidence: str
    verified_on: date
    actor: dict[str, str]
    command_id: str
    occurred_at: datetime

    def apply(self, alert: DepartmentAlert) -> None:
        alert.status = self.status
        if self.household_number:
            alert.facts["household_number"] = self.household_number
        alert.verification = {
            "outcome": self.outcome, "case_id": self.case_id, "reason": self.reason, "evidence": self.evidence,
            "verified_on": self.verified_on, "by": dict(self.actor), "on_receipt": False,
        }  # fmt: skip
        alert.command_versions[self.command_id] = self.originator_version


@stored_as("domain.discovery:AlertOverdue")
class AlertOverdue(ChainedEvent):
    """The verification deadline passed with the alert not verified: a finding (核实不及时), recorded by its timer on
    the day after the deadline."""

    due_on: date
    found_on: date
    actor: dict[str, str]
    occurred_at: datetime

    def apply(self, alert: DepartmentAlert) -> None:
        alert.overdue_on = self.found_on


@stored_as("domain.discovery:DepartmentAlert")
class DepartmentAlert(ChainedAggregate):
    number: str
    fact_id: str
    facts: dict[str, Any]
    person: dict[str, str]
    details: str
    status: str
    verification: dict[str, Any] | None
    overdue_on: date | None
    command_versions: dict[str, int]

    def __init__(self) -> None:
        """State is set by ``AlertReceived.apply``."""

    @classmethod
    def receive(cls, **fields: Any) -> DepartmentAlert:
        actor: Actor = fields.pop("actor")
        alert: DepartmentAlert = cls._create(
            AlertReceived, id=alert_id(fields["alert_number"]), actor=actor.as_dict(), **fields
        )
        return alert

    def verify(self, **fields: Any) -> None:
        actor: Actor = fields.pop("actor")
        self.trigger_event(AlertVerified, actor=actor.as_dict(), **fields)

    def record_overdue(self, found_on: date, actor: Actor, now: datetime) -> bool:
        """Record the missed deadline once, if the alert still waits for its verification on ``found_on``."""
        due = self.facts["verify_due"]
        if self.status != "pending" or self.overdue_on is not None or due is None or found_on <= due:
            return False
        self.trigger_event(AlertOverdue, due_on=due, found_on=found_on, actor=actor.as_dict(), occurred_at=now)
        return True

    def verified_late(self) -> bool:
        """Verified after its deadline, or its deadline missed while it waits."""
        v = self.verification
        verified_on = v["verified_on"] if v is not None and not v["on_receipt"] else None
        return handled_late(self.facts["verify_due"], verified_on, self.overdue_on)
