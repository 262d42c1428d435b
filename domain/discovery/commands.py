"""The discovery context's commands: record a household's self-application and the township's answer, each once per
command id; and the household's own lookup of its application's status."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from domain.cases.rules.deadlines import EARLIEST_CLUE_DATE
from domain.cases.rules.identification import check_risks
from domain.discovery.applications import SelfApplication, application_id, application_number
from domain.discovery.values import ApplicationRoute, ApplicationStatus
from domain.kernel.actors import Actor, Role
from domain.kernel.areas import AreaLevel, contains
from domain.kernel.calendars import add_days
from domain.kernel.envelope import Envelope
from domain.kernel.errors import (
    NotFoundError,
    NotPermittedError,
    RuleViolationError,
    StepNotAllowedError,
    VersionConflictError,
)
from domain.kernel.permissions import check_jurisdiction, check_may_register
from domain.kernel.privacy import sees, unknown_household
from domain.kernel.store import CommandSet
from domain.kernel.time import local_date
from domain.registry.household import Household, household_id
from domain.registry.rules import id_number_problem, normalise_id_number
from domain.registry.values import Risk

_NUMBER_ATTEMPTS = 20  # numbers tried while one is taken by another command (ten digits: rare, never twenty times)

# Who answers a self-application: the township's account (domain.md §4.1: pushed to the 乡镇账号), or the county's.
ANSWER_ROLES = frozenset({Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER})


@dataclass(frozen=True)
class ApplicationRecord:
    """A self-application as the form or the call gives it."""

    village_code: str
    applicant_name: str
    applicant_id_number: str
    route: ApplicationRoute
    received_on: date
    reported_risks: list[Risk] = field(default_factory=list)
    household_number: str = ""
    authorised: bool = False
    comment: str = ""


class ApplicationCommands(CommandSet):
    def receive(self, envelope: Envelope, record: ApplicationRecord) -> dict[str, Any]:
        """Record a self-application (农户自主申报); the township must answer it by ``answer_due``."""
        actor, today = envelope.actor, local_date(envelope.now)
        area = self.store.areas.get(record.village_code)
        if area is None or area.level is not AreaLevel.VILLAGE:
            raise RuleViolationError(f"{record.village_code} 不是本系统中的村", field="village_code", rule="known_area")
        check_may_register(actor, record.village_code)
        for attempt in range(_NUMBER_ATTEMPTS):
            number = application_number(actor.id, envelope.command_id, attempt)
            done = self.store.find(SelfApplication, application_id(number))
            if done is None:
                break
            if envelope.command_id in done.command_versions and done.received_by == actor.id:
                return self.view(done, actor)  # the same command again: its application, as it is now
        else:
            raise VersionConflictError("申请编号冲突，请重新提交", field="application_number", rule="number_taken")
        _check_received_on(record.received_on, today)
        name, id_number = record.applicant_name.strip(), normalise_id_number(record.applicant_id_number)
        if not name or len(name) > 50 or any(ord(c) < 32 for c in name):
            raise RuleViolationError("申请人姓名不能为空且不超过50字", field="applicant_name", rule="required")
        problem = id_number_problem(id_number)
        if problem is not None:
            raise RuleViolationError(problem, field="applicant_id_number", rule="id_number")
        check_risks(list(record.reported_risks), "reported_risks", required=True)
        household = record.household_number.strip()
        if household:
            found = self.store.find(Household, household_id(household))
            if found is None or not sees(actor, found.village_code) or found.village_code != record.village_code:
                raise unknown_household(household)
        policy = self.store.policies.in_force(record.village_code, record.received_on, field="received_on")
        application = SelfApplication.receive(
            application_number=number, village_code=record.village_code, household_number=household,
            applicant={"name": name, "id_number": id_number}, route=record.route.value,
            received_on=record.received_on, reported_risks=[r.value for r in record.reported_risks],
            authorised=record.authorised, policy_key=policy.key,
            answer_due=add_days(record.received_on, policy.application_answer_days, policy.day_count),
            actor=actor, command_id=envelope.command_id, occurred_at=envelope.now, comment=record.comment.strip(),
        )  # fmt: skip
        self.store.save_all(application, field="application_number")
        return self.view(application, actor)

    def answer(
        self, envelope: Envelope, number: str, *, accept: bool, case_id: str = "", reason: str = ""
    ) -> dict[str, Any]:
        """The township's answer: accepted (with the case opened for it, source 农户自主申报, its clue date the
        application's day) or refused (with its reason). Once only; the same command again answers as before."""
        actor = envelope.actor
        application = self.get(number, actor)
        if envelope.command_id in application.command_versions:
            return self.view(application, actor)
        if actor.role not in ANSWER_ROLES:
            raise NotPermittedError("自主申报由乡镇（或县级）账号受理或不予受理", field="role", rule="answer_roles")
        check_jurisdiction(actor, application.facts["village_code"])
        if application.status != ApplicationStatus.RECEIVED.value:
            raise StepNotAllowedError("该申请已答复过", field="status", rule="answered_once")
        answered_on = local_date(envelope.now)
        if accept and not case_id:
            raise RuleViolationError("受理须开立监测案件", field="case_id", rule="required")
        if not accept and not reason.strip():
            raise RuleViolationError("不予受理须写明理由", field="reason", rule="required")
        application.answer_with(
            status=(ApplicationStatus.ACCEPTED if accept else ApplicationStatus.REFUSED).value,
            case_id=case_id if accept else "", reason=reason.strip(), answered_on=answered_on, actor=actor,
            command_id=envelope.command_id, now=envelope.now,
        )  # fmt: skip
        self.store.save_all(application, field="application_number")
        return self.view(application, actor)

    def record_overdue(self, number: str, actor: Actor, now: datetime) -> bool:
        """The answer deadline's timer: record it missed, once, if the application still waits (else nothing)."""
        application = self.store.find(SelfApplication, application_id(number))
        if application is None or not application.record_overdue(local_date(now), actor, now):
            return False
        self.store.save_all(application, field="application_number")
        return True

    def lookup(self, number: str, id_last_four: str) -> dict[str, Any]:
        """The household's own lookup: the status of its application, and nothing else, when the number and the last
        four characters of the applicant's ID number agree. One answer for a wrong number and a wrong ID number."""
        application = self.store.find(SelfApplication, application_id(number.strip().upper()))
        if application is None or len(id_last_four.strip()) != 4 or not application.matches(id_last_four):
            raise NotFoundError("没有找到该申请：请核对申请编号和身份证号后四位", field="application_number",
                                rule="exists")  # fmt: skip
        status = ApplicationStatus(application.status)
        answered = application.answer["answered_on"].isoformat() if application.answer else None
        return {"application_number": application.number, "status": status.value, "status_label": status.label,
                "received_on": application.facts["received_on"].isoformat(), "answered_on": answered}  # fmt: skip

    def view(self, application: SelfApplication, actor: Actor) -> dict[str, Any]:
        facts, status = application.facts, ApplicationStatus(application.status)
        return {
            "application_number": application.number, **{k: v for k, v in facts.items() if k != "policy_key"},
            "applicant": dict(application.applicant), "status": status.value, "status_label": status.label,
            "answer": dict(application.answer) if application.answer else None,
            "answered_late": application.answered_late(), "version": application.version,
        }  # fmt: skip

    def get(self, number: str, actor: Actor) -> SelfApplication:
        """The application of that number in the reader's area (one answer for a missing one and one elsewhere)."""
        application = self.store.find(SelfApplication, application_id(number.strip().upper()))
        if application is None or not contains(actor.area_code or "-", application.facts["village_code"]):
            raise NotFoundError(f"没有编号为 {number} 的申请，或它不在您的辖区内", field="application_number",
                                rule="exists")  # fmt: skip
        return application


def _check_received_on(received_on: date, today: date) -> None:
    if received_on > today:
        raise RuleViolationError("申请日期不能晚于今天", field="received_on", rule="not_in_future")
    if received_on < EARLIEST_CLUE_DATE:
        raise RuleViolationError("申请日期不能早于2020年3月1日（监测机制建立）", field="received_on",
                                 rule="after_mechanism_start")  # fmt: skip
