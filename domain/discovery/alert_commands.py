"""部门筛查预警's commands: a department pushes alerts (a file or the API), each matched by ID number to the registered
household and routed to its village, deduplicated (the same fact twice; a household already in an open case: the
alert is attached to that case); the village or township verifies each one once, by its deadline; the deadline's
timer records the alerts it finds still waiting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from domain.discovery.alerts import DepartmentAlert, alert_id, alert_id_of, alert_number_of
from domain.discovery.rules import ALERT_KINDS
from domain.discovery.values import OUTCOME_STATUS, AlertKind, AlertOutcome, AlertStatus
from domain.kernel.actors import Actor, Department, Role
from domain.kernel.areas import AreaLevel, contains, up_to
from domain.kernel.calendars import add_days
from domain.kernel.envelope import Envelope
from domain.kernel.errors import (
    NotFoundError,
    NotPermittedError,
    RuleViolationError,
    StepNotAllowedError,
    VersionConflictError,
)
from domain.kernel.permissions import OPEN_ROLES, check_actor_level
from domain.kernel.store import CommandSet
from domain.kernel.time import local_date
from domain.registry.household import (
    Household,
    HouseholdCases,
    IdNumberClaim,
    household_cases_id,
    household_id,
    id_claim_id,
)
from domain.registry.rules import id_number_problem, normalise_id_number, person_key

# Who verifies an alert: the village (its cadres and the resident team, who visit) and the township; the county too.
VERIFY_ROLES = frozenset({Role.VILLAGE_CADRE, Role.RESIDENT_CADRE, Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER})
MAX_ALERTS = 2000  # alerts in one push (a department's file of a fortnight; more: several files)
# Alerts saved per transaction. One transaction of 2,000 alerts stalls in the driver's pipeline (bench/bench_discovery:
# the client and the server each wait for the other to read); the roster import writes 100 households at a time for
# the same reason. A push that fails between two batches is sent again with its key: what was saved is answered as
# duplicates and the rest is saved.
SAVE_BATCH = 100
MAX_AMOUNT = Decimal("100000000")
_NUMBER_ATTEMPTS = 20


@dataclass(frozen=True)
class AlertRecord:
    """One alert as the department's file row or API item gives it."""

    id_number: str
    name: str
    kind: AlertKind
    occurred_on: date
    amount: Decimal | None = None
    details: str = ""
    reference: str = ""
    area_code: str = ""  # where the department knows the person lives (village or township), for one not registered


@dataclass(frozen=True)
class PushedAlert:
    """What a push did with one record: the alert it is, and whether it was new."""

    row: int
    alert: DepartmentAlert
    duplicate: bool


def _problems(i: int, r: AlertRecord, department: Department, county: str, today: date, store: Any
              ) -> list[dict[str, str]]:  # fmt: skip
    out: list[dict[str, str]] = []

    def bad(field: str, rule: str, message: str) -> None:
        out.append({"field": f"alerts[{i}].{field}", "rule": rule, "message": f"第{i + 1}条：{message}"})

    problem = id_number_problem(normalise_id_number(r.id_number))
    if problem is not None:
        bad("id_number", "id_number", problem)
    name = r.name.strip()
    if not name or len(name) > 50 or any(ord(c) < 32 for c in name):
        bad("name", "required", "姓名不能为空且不超过50字")
    rule = ALERT_KINDS[r.kind]
    if rule.department is not department:
        bad("kind", "department_kind", f"{r.kind.label}不是{department.label}推送的预警类型")
    if r.occurred_on > today:
        bad("occurred_on", "not_in_future", "发生日期不能晚于今天")
    elif (today - r.occurred_on).days > 366:
        bad("occurred_on", "recent", "发生日期须在一年之内")
    if rule.amount_required and (r.amount is None or r.amount <= 0):
        bad("amount", "amount_required", f"{r.kind.label}须填写金额（元）")
    elif r.amount is not None and not (0 <= r.amount < MAX_AMOUNT):
        bad("amount", "range", "金额须在0至1亿元之间")
    if len(r.details) > 500 or len(r.reference) > 64 or any(ord(c) < 32 for c in r.reference):
        bad("details", "length", "情况说明不超过500字，部门编号不超过64字")
    if r.area_code:
        area = store.areas.get(r.area_code)
        placed = area is not None and area.level in (AreaLevel.VILLAGE, AreaLevel.TOWNSHIP)
        if not placed or not contains(county, r.area_code):
            bad("area_code", "known_area", "所在村或乡镇代码不是本县的村或乡镇")
    return out


class AlertCommands(CommandSet):
    def push(self, envelope: Envelope, records: list[AlertRecord], *, via: str, batch: str = "") -> list[PushedAlert]:
        """Record a department's alerts: every record is checked first, and one that breaks a rule refuses the push
        with every problem named by its row, nothing recorded. A fact pushed before is told back as a duplicate."""
        actor, today = envelope.actor, local_date(envelope.now)
        if actor.role is not Role.DEPARTMENT:
            raise NotPermittedError("预警信息由行业部门账号推送", field="role", rule="department_only")
        check_actor_level(actor)
        department = Department(actor.department)
        if not records:
            raise RuleViolationError("没有预警信息", field="alerts", rule="required")
        if len(records) > MAX_ALERTS:
            raise RuleViolationError(f"一次最多推送{MAX_ALERTS}条", field="alerts", rule="length")
        problems = [
            p for i, r in enumerate(records) for p in _problems(i, r, department, actor.area_code, today, self.store)
        ]
        if problems:
            first = problems[0]
            raise RuleViolationError(first["message"], field=first["field"], rule=first["rule"], violations=problems)
        policy = self.store.policies.in_force(actor.area_code, today, field="alerts")
        due = add_days(today, policy.alert_verify_days, policy.day_count)
        out: list[PushedAlert] = []
        new: dict[str, DepartmentAlert] = {}
        for i, r in enumerate(records):
            id_number = normalise_id_number(r.id_number)
            amount = "" if r.amount is None else str(r.amount.quantize(Decimal("0.01")))
            fact = alert_id_of(f"{department.value}@{actor.area_code}", person_key(id_number), r.kind.value,
                               r.occurred_on, amount)  # fmt: skip
            earlier = new.get(str(fact)) or self._find_fact(fact)
            if earlier is not None:
                out.append(PushedAlert(i, earlier, duplicate=True))
                continue
            number = self._free_number(fact, {a.number for a in new.values()})
            household, village, township, status, case_id = self._route(person_key(id_number), r.area_code,
                                                                        actor.area_code)  # fmt: skip
            alert = DepartmentAlert.receive(
                alert_number=number, fact_id=str(fact), department=department.value, kind=r.kind.value,
                person={"name": r.name.strip(), "id_number": id_number}, amount=amount, occurred_on=r.occurred_on,
                details=r.details.strip(), reference=r.reference.strip(), via=via, batch=batch[:200],
                received_on=today, household_number=household, village_code=village, township_code=township,
                status=status.value, case_id=case_id,
                verify_due=due if status is AlertStatus.PENDING else None, policy_key=policy.key, actor=actor,
                command_id=envelope.command_id, occurred_at=envelope.now,
            )  # fmt: skip
            new[str(fact)] = alert
            out.append(PushedAlert(i, alert, duplicate=False))
        alerts = list(new.values())
        for start in range(0, len(alerts), SAVE_BATCH):  # every record checked above: only the store can refuse now
            self.store.save_all(*alerts[start : start + SAVE_BATCH], field="alerts")
        return out

    def _find_fact(self, fact: Any) -> DepartmentAlert | None:
        """The alert this fact was pushed as before, unless it was sent back (a department corrects and pushes a
        sent-back alert again: that is a new alert, under the fact's next number)."""
        for attempt in range(_NUMBER_ATTEMPTS):
            found = self.store.find(DepartmentAlert, alert_id(alert_number_of(fact, attempt)))
            if found is None:
                return None
            if found.fact_id == str(fact) and found.status != AlertStatus.RETURNED.value:
                return found
        return None

    def _free_number(self, fact: Any, taken: set[str]) -> str:
        """The fact's first number neither stored nor ``taken`` by another alert of this push."""
        for attempt in range(_NUMBER_ATTEMPTS):
            number = alert_number_of(fact, attempt)
            if number not in taken and self.store.find(DepartmentAlert, alert_id(number)) is None:
                return number
        raise VersionConflictError("预警编号冲突，请重新推送", field="alerts", rule="number_taken")

    def _route(self, person: str, area_code: str, county: str) -> tuple[str, str, str, AlertStatus, str]:
        """(household, village, township, status, case): the registered household of the person, routed to its
        village; attached at once to its open case, if it has one; a person not registered, to the village or
        township the department named, or with none named to the county, to verify (never sent back at once: the
        push's answer does not tell the department who is registered)."""
        claim = self.store.find(IdNumberClaim, id_claim_id(person))
        number = claim.household_number if claim is not None else ""
        household = self.store.find(Household, household_id(number)) if number else None
        if household is not None:
            village = household.village_code
            township = up_to(village, AreaLevel.TOWNSHIP)
            index = self.store.find(HouseholdCases, household_cases_id(number))
            if index is not None and index.open_cases:
                return number, village, township, AlertStatus.ATTACHED, index.open_cases[0]
            return number, village, township, AlertStatus.PENDING, ""
        area = self.store.areas.get(area_code) if area_code else None
        if area is not None and area.level is AreaLevel.VILLAGE:
            return "", area_code, up_to(area_code, AreaLevel.TOWNSHIP), AlertStatus.PENDING, ""
        return "", "", area_code or county, AlertStatus.PENDING, ""

    def verify(
        self, envelope: Envelope, number: str, *, outcome: AlertOutcome, case_id: str = "", reason: str = "",
        evidence: str = "", household_number: str = "",
    ) -> DepartmentAlert:  # fmt: skip
        """The village's or township's verification, once: risk confirmed (with the case opened for it), already
        monitored (with the household's open case), not at risk (with the reason and what was checked), not in the
        registry (with the reason: sent back to the department). The same command again answers as before."""
        actor = envelope.actor
        alert = self.get(number, actor)
        if envelope.command_id in alert.command_versions:
            return alert
        self.check_verify(alert, actor, outcome, reason=reason, evidence=evidence)
        facts = alert.facts
        household = facts["household_number"] or household_number.strip()
        reason, evidence = reason.strip(), evidence.strip()
        if outcome in (AlertOutcome.RISK_CONFIRMED, AlertOutcome.ALREADY_MONITORED) and not case_id:
            raise RuleViolationError("须注明监测案件", field="case_id", rule="required")
        if outcome is AlertOutcome.ALREADY_MONITORED:
            index = self.store.find(HouseholdCases, household_cases_id(household)) if household else None
            if index is None or case_id not in index.open_cases:
                raise RuleViolationError("该户没有这个在监测的案件：请核对户编号和案件", field="case_id",
                                         rule="open_case_of_household")  # fmt: skip
        alert.verify(
            outcome=outcome.value, status=OUTCOME_STATUS[outcome].value,
            case_id=case_id if outcome in (AlertOutcome.RISK_CONFIRMED, AlertOutcome.ALREADY_MONITORED) else "",
            household_number=household if not facts["household_number"] else "", reason=reason, evidence=evidence,
            verified_on=local_date(envelope.now), actor=actor, command_id=envelope.command_id,
            occurred_at=envelope.now,
        )  # fmt: skip
        self.store.save_all(alert, field="alert_number")
        return alert

    def check_verify(self, alert: DepartmentAlert, actor: Actor, outcome: AlertOutcome, *, reason: str = "",
                     evidence: str = "") -> None:  # fmt: skip
        """What a verification must satisfy before anything is done for it (the API opens a confirmed risk's case
        only after this): the role (a confirmed risk opens a case: 村干部/网格员, 乡镇 or 县 only), the alert still
        waiting, the reason and evidence its outcome needs."""
        if actor.role not in VERIFY_ROLES:
            raise NotPermittedError("预警信息由村、乡镇（或县级）经办人员核实", field="role", rule="verify_roles")
        check_actor_level(actor)
        if outcome is AlertOutcome.RISK_CONFIRMED and actor.role not in OPEN_ROLES:  # the alert is in their area
            raise NotPermittedError("风险属实须开立监测案件，由村干部/网格员或乡镇、县级办理", field="role",
                                    rule="open_roles")  # fmt: skip
        if alert.status != AlertStatus.PENDING.value:
            raise StepNotAllowedError("该预警已核实或已处理", field="status", rule="verified_once")
        reason, evidence = reason.strip(), evidence.strip()
        if outcome is AlertOutcome.NOT_AT_RISK and (not reason or not evidence):
            raise RuleViolationError("核实无风险须写明理由和核实依据", field="evidence" if reason else "reason",
                                     rule="required")  # fmt: skip
        if outcome is AlertOutcome.NOT_REGISTERED:
            if alert.facts["matched"]:
                raise RuleViolationError("该身份证号已在农户信息库中登记，不能以“不在库”退回", field="outcome",
                                         rule="registered")  # fmt: skip
            if not reason:
                raise RuleViolationError("退回部门须写明理由", field="reason", rule="required")
        if len(reason) > 500 or len(evidence) > 2000:
            raise RuleViolationError("理由不超过500字，核实依据不超过2000字", field="reason", rule="length")

    def record_overdue(self, number: str, actor: Actor, now: datetime) -> bool:
        """The verification deadline's timer: record it missed, once, if the alert still waits (else nothing)."""
        alert = self.store.find(DepartmentAlert, alert_id(number))
        if alert is None or not alert.record_overdue(local_date(now), actor, now):
            return False
        self.store.save_all(alert, field="alert_number")
        return True

    def get(self, number: str, actor: Actor) -> DepartmentAlert:
        """The alert of that number as ``actor`` may reach it: a department its own, the others one routed into
        their area (one answer for a missing one and one out of reach)."""
        alert = self.store.find(DepartmentAlert, alert_id(number.strip().upper()))
        if alert is None or not reaches(actor, alert):
            raise NotFoundError(f"没有编号为 {number} 的预警，或它不在您的辖区内", field="alert_number", rule="exists")
        return alert


def reaches(actor: Actor, alert: DepartmentAlert) -> bool:
    """A department reaches its own alerts; a person of an area, those routed into it (a township's, to any of its
    villages; one routed to a township only, from the township up)."""
    facts = alert.facts
    if actor.role is Role.DEPARTMENT:
        return actor.department == facts["department"] and contains(actor.area_code, facts["received_by"]["area_code"])
    place = facts["village_code"] or facts["township_code"]
    return bool(place) and bool(actor.area_code) and contains(actor.area_code, place)
