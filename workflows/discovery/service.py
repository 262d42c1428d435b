"""The discovery channels' use cases for the API: self-applications (record one, read it, the township's answer once
the case it accepts is open) and department alerts (push them, by file or API; read them as a department or as the
area they are routed to; verify one); and arming their deadlines' durable timers."""

from __future__ import annotations

import contextlib
from datetime import date, datetime
from typing import Any

from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from domain.discovery.alert_commands import AlertRecord, PushedAlert
from domain.discovery.rules import handled_late
from domain.discovery.values import AlertKind, AlertOutcome, AlertStatus
from domain.discovery.views import alert_view, department_view, pushed_view
from domain.kernel.actors import Actor, Department, Role
from domain.kernel.envelope import Envelope
from domain.kernel.errors import NotPermittedError, RuleViolationError
from domain.kernel.privacy import WITHHELD, seen_by, sees_personal_data
from domain.ledger import Ledger
from domain.readmodels.registry import RegistryView
from workflows.discovery.alert_files import by_row, read_alerts
from workflows.discovery.contracts import (
    ApplicationRequest,
    DeadlineKind,
    DiscoveryDeadline,
    deadline_workflow_id,
)
from workflows.discovery.workflow import DiscoveryDeadlineWorkflow


async def arm_deadline(client: Client, task_queue: str, kind: DeadlineKind, key: str, numbers: list[str],
                       due: date) -> None:  # fmt: skip
    """Start the timer of ``numbers``' deadline, once per ``key``: a repeated request finds it running or done; one
    that failed, or was terminated, is started again."""
    if not numbers:
        return
    with contextlib.suppress(WorkflowAlreadyStartedError):  # armed before (a repeated request), and already fired
        await client.start_workflow(
            DiscoveryDeadlineWorkflow.run,
            DiscoveryDeadline(kind=kind, numbers=numbers, due=due),
            id=deadline_workflow_id(kind, key),
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        )


class ApplicationService:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def receive(self, body: ApplicationRequest, *, actor: Actor, command_id: str, now: datetime) -> dict[str, Any]:
        return self.ledger.applications.receive(Envelope(actor, command_id, now), body.record())

    def application(self, number: str, actor: Actor) -> dict[str, Any]:
        commands = self.ledger.applications
        return commands.view(commands.get(number, actor), actor)

    def answer(
        self, number: str, *, actor: Actor, command_id: str, now: datetime, accept: bool, case_id: str = "",
        reason: str = "",
    ) -> dict[str, Any]:  # fmt: skip
        return self.ledger.applications.answer(Envelope(actor, command_id, now), number, accept=accept,
                                               case_id=case_id, reason=reason)  # fmt: skip

    def lookup(self, number: str, id_last_four: str) -> dict[str, Any]:
        return self.ledger.applications.lookup(number, id_last_four)


class AlertService:
    def __init__(self, ledger: Ledger, view: RegistryView) -> None:
        self.ledger = ledger
        self.view = view

    def push(self, records: list[AlertRecord], *, actor: Actor, command_id: str, now: datetime, via: str,
             batch: str = "") -> tuple[dict[str, Any], list[PushedAlert]]:  # fmt: skip
        pushed = self.ledger.alerts.push(Envelope(actor, command_id, now), records, via=via, batch=batch)
        return pushed_view(pushed), pushed

    def push_file(self, data: bytes, fmt: str, name: str, *, actor: Actor, command_id: str, now: datetime
                  ) -> tuple[dict[str, Any], list[PushedAlert]]:  # fmt: skip
        if actor.role is not Role.DEPARTMENT or not actor.department:  # before reading a file it would not take
            raise NotPermittedError("预警信息由行业部门账号推送", field="role", rule="department_only")
        records, rows = read_alerts(data, fmt, Department(actor.department))
        try:
            return self.push(records, actor=actor, command_id=command_id, now=now, via="file", batch=name)
        except RuleViolationError as e:
            raise by_row(e, rows) from None

    def alert(self, number: str, actor: Actor) -> dict[str, Any]:
        alert = self.ledger.alerts.get(number, actor)
        if actor.role is Role.DEPARTMENT:
            return department_view(alert)
        return alert_view(alert) if sees_personal_data(actor.role) else _masked(alert_view(alert))

    def check_verify(self, number: str, *, actor: Actor, outcome: AlertOutcome, reason: str = "",
                     evidence: str = "") -> None:  # fmt: skip
        """Refuse a verification that ``verify`` would refuse, before the API opens a confirmed risk's case."""
        commands = self.ledger.alerts
        commands.check_verify(commands.get(number, actor), actor, outcome, reason=reason, evidence=evidence)

    def verify(self, number: str, *, actor: Actor, command_id: str, now: datetime, outcome: AlertOutcome,
               case_id: str = "", reason: str = "", evidence: str = "", household_number: str = ""
               ) -> dict[str, Any]:  # fmt: skip
        alert = self.ledger.alerts.verify(
            Envelope(actor, command_id, now), number, outcome=outcome, case_id=case_id, reason=reason,
            evidence=evidence, household_number=household_number,
        )  # fmt: skip
        return alert_view(alert)

    def alerts(self, actor: Actor, *, status: AlertStatus | None, limit: int, offset: int) -> dict[str, Any]:
        """A department's own alerts, or those routed into the reader's area: newest first, codes and dates only
        (a department's list names no household or village)."""
        department = actor.department if actor.role is Role.DEPARTMENT else None
        rows = self.view.discovery(
            channel="alert", area_prefix=None if department else actor.area_code, department=department,
            pushed_within=actor.area_code if department else None, status=status.value if status else None,
            limit=limit, offset=offset,
        )  # fmt: skip
        items = [_row(r, own=department is not None) for r in rows]
        if department is None and not sees_personal_data(actor.role):
            items = [_masked(i) for i in items]
        return {"items": items, "limit": limit, "offset": offset}


# What an alert tells of a person's health, money and circumstances: withheld from the roles that see no personal
# data (督导/审计, 驻村干部), as domain.kernel.privacy masks the registry's and the cases' (the keys are the alert's).
_PERSONAL_ALERT_KEYS = ("kind", "kind_label", "risk", "risk_label", "amount", "details")


def _masked(view: dict[str, Any]) -> dict[str, Any]:
    seen: dict[str, Any] = seen_by(Role.INSPECTOR, view)
    out = {k: (WITHHELD if k in _PERSONAL_ALERT_KEYS and v else v) for k, v in seen.items()}
    verification = out.get("verification")
    if isinstance(verification, dict):
        out["verification"] = {**verification, "reason": WITHHELD, "evidence": WITHHELD}
    return out


def _row(r: dict[str, Any], *, own: bool) -> dict[str, Any]:
    status, kind = AlertStatus(r["status"]), AlertKind(r["what"])
    late = handled_late(r["due_on"], r["closed_on"], r["overdue_on"])
    row = {
        "alert_number": r["number"], "kind": kind.value, "kind_label": kind.label, "status": status.value,
        "status_label": status.label, "received_on": r["received_on"].isoformat(),
        "verify_due": r["due_on"].isoformat() if r["due_on"] else None,
        "verified_on": r["closed_on"].isoformat() if r["closed_on"] else None, "late": late,
        "department": r["department"], "department_label": Department(r["department"]).label,
    }  # fmt: skip
    if not own:
        row.update({"village_code": r["village_code"], "township_code": r["township_code"],
                    "household_number": r["household_number"], "case_id": r["case_id"] or None,
                    "matched": r["matched"]})  # fmt: skip
    return row
