"""农户自主申报: a household's own application to be monitored, as a cadre or a hotline operator records it from the
written form (《监测对象申请及承诺授权查询书》, signed and thumbprinted) or the phone, and the township's answer:
accepted (a case opens, its identification deadline counted from the application) or refused, with its reason,
within the policy's days (2, domain.md §4.1).

The applicant's name and ID number are personal data: they are kept in the application's events (encrypted at
rest, like every event) and never in a log or an error message. The household's status lookup compares the last four
characters of the ID number and reveals nothing else."""

from __future__ import annotations

import hmac
from datetime import date, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.discovery.rules import handled_late
from domain.kernel.actors import Actor
from domain.kernel.chain import ChainedAggregate, ChainedCreated, ChainedEvent
from domain.kernel.topics import stored_as

_NAMESPACE = uuid5(NAMESPACE_URL, "https://dixian.example/self-applications")


def application_number(actor_id: str, command_id: str, attempt: int = 0) -> str:
    """The application's number, told to the applicant: the same for a retried command, not guessable from another
    (ten digits derived from who recorded it and the command; the status lookup also wants the ID number's end).
    Ten digits can collide: the commands try ``attempt`` 1, 2, … while a number is another command's."""
    salt = f":{attempt}" if attempt else ""
    return f"SQ{uuid5(_NAMESPACE, f'{actor_id}:{command_id}{salt}').int % 10**10:010d}"


def application_id(number: str) -> UUID:
    return uuid5(_NAMESPACE, number)


@stored_as("domain.discovery:ApplicationReceived")
class ApplicationReceived(ChainedCreated):
    application_number: str
    village_code: str
    household_number: str  # "" : the household is not (yet) in the registry
    applicant: dict[str, str]  # name, id_number (personal data)
    route: str
    received_on: date  # the day the household applied: the identification deadline counts from it
    reported_risks: list[str]
    authorised: bool  # the authorisation to query (承诺授权) signed
    answer_due: date
    policy_key: str
    actor: dict[str, str]
    command_id: str
    occurred_at: datetime
    comment: str

    def apply(self, application: SelfApplication) -> None:
        application.number = self.application_number
        application.facts = {
            "village_code": self.village_code, "household_number": self.household_number,
            "route": self.route, "received_on": self.received_on, "reported_risks": list(self.reported_risks),
            "authorised": self.authorised, "answer_due": self.answer_due, "policy_key": self.policy_key,
        }  # fmt: skip
        application.applicant = dict(self.applicant)
        application.received_by = self.actor["id"]
        application.overdue_on = None
        application.status = "received"
        application.answer = None
        application.command_versions = {self.command_id: self.originator_version}


@stored_as("domain.discovery:ApplicationAnswered")
class ApplicationAnswered(ChainedEvent):
    """The township's answer: accepted, with the case it opened, or refused, with its reason."""

    status: str  # accepted | refused
    case_id: str  # "" when refused
    reason: str
    answered_on: date
    actor: dict[str, str]
    command_id: str
    occurred_at: datetime

    def apply(self, application: SelfApplication) -> None:
        application.status = self.status
        application.answer = {"status": self.status, "case_id": self.case_id, "reason": self.reason,
                              "answered_on": self.answered_on, "by": dict(self.actor)}  # fmt: skip
        application.command_versions[self.command_id] = self.originator_version


@stored_as("domain.discovery:ApplicationOverdue")
class ApplicationOverdue(ChainedEvent):
    """The township did not answer by the deadline: a finding (逾期未答复), recorded by the application's timer on the
    day after it."""

    due_on: date
    found_on: date
    actor: dict[str, str]
    occurred_at: datetime

    def apply(self, application: SelfApplication) -> None:
        application.overdue_on = self.found_on


@stored_as("domain.discovery:SelfApplication")
class SelfApplication(ChainedAggregate):
    number: str
    facts: dict[str, Any]
    applicant: dict[str, str]
    received_by: str
    overdue_on: date | None
    status: str
    answer: dict[str, Any] | None
    command_versions: dict[str, int]

    def __init__(self) -> None:
        """State is set by ``ApplicationReceived.apply``."""

    @classmethod
    def receive(cls, **fields: Any) -> SelfApplication:
        actor: Actor = fields.pop("actor")
        application: SelfApplication = cls._create(
            ApplicationReceived, id=application_id(fields["application_number"]), actor=actor.as_dict(), **fields
        )
        return application

    def answer_with(
        self, *, status: str, case_id: str, reason: str, answered_on: date, actor: Actor, command_id: str,
        now: datetime,
    ) -> None:  # fmt: skip
        self.trigger_event(
            ApplicationAnswered, status=status, case_id=case_id, reason=reason, answered_on=answered_on,
            actor=actor.as_dict(), command_id=command_id, occurred_at=now,
        )  # fmt: skip

    def record_overdue(self, found_on: date, actor: Actor, now: datetime) -> bool:
        """Record the missed answer deadline once, if the application still waits for its answer on ``found_on``."""
        due = self.facts["answer_due"]
        if self.status != "received" or self.overdue_on is not None or found_on <= due:
            return False
        self.trigger_event(ApplicationOverdue, due_on=due, found_on=found_on, actor=actor.as_dict(), occurred_at=now)
        return True

    def answered_late(self) -> bool:
        """Answered after its deadline, or its deadline missed while it waits."""
        answered_on = self.answer["answered_on"] if self.answer is not None else None
        return handled_late(self.facts["answer_due"], answered_on, self.overdue_on)

    def matches(self, id_last_four: str) -> bool:
        """Whether the applicant's ID number ends with these four characters (compared in constant time)."""
        end = self.applicant["id_number"][-4:].upper()
        return hmac.compare_digest(end.encode(), id_last_four.strip().upper().encode())
