"""Activities of the case workflow: thin adapters from workflow inputs to the ledger. They run as local activities in
the worker (the national-system sync as a regular one). Retrying is safe: the ledger records each command id once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

import structlog
from pydantic import TypeAdapter
from temporalio import activity

from domain.kernel.envelope import Envelope
from domain.ledger import Ledger
from workflows.cases.contracts import (
    STEP_BODIES,
    CaseControl,
    DeadlineInput,
    LoadCaseInput,
    NationalSyncInput,
    OpenCaseInput,
    StepBody,
    StepInput,
)
from workflows.cases.signing import CommandVerifier
from workflows.kernel.errors import domain_call

log = structlog.get_logger("dixian.activities")


_BODY_ADAPTERS = {step: TypeAdapter(body) for step, body in STEP_BODIES.items()}


class NationalSystem(Protocol):
    """The port to the national monitoring system (全国防返贫监测信息系统). ``send`` must be idempotent per
    (case id, version): Temporal retries it until it succeeds."""

    def send(self, case_id: str, version: int, status: str, record: dict[str, Any]) -> None: ...


class CaseActivities:
    def __init__(self, ledger: Ledger, national: NationalSystem, verifier: CommandVerifier) -> None:
        self.ledger = ledger
        self.national = national
        self.verifier = verifier  # a person's command is appended only if the API signed it

    @activity.defn(name="open_case")
    def open_case(self, cmd: OpenCaseInput) -> CaseControl:
        req = cmd.request
        self._bind(str(cmd.case_id), cmd.command_id, cmd.actor.id)
        domain_call(lambda: self.verifier.check(cmd))
        view = domain_call(
            lambda: self.ledger.cases.open_case(
                Envelope(cmd.actor.to_domain(), cmd.command_id, cmd.now or datetime.now(UTC)),
                case_id=cmd.case_id,
                household_number=req.household_number,
                household_head=req.household_head,
                village_code=req.village_code,
                township_code=req.township_code,
                county_code=req.county_code,
                source=req.source,
                clue_date=req.clue_date,
                reported_risks=list(req.reported_risks),
                comment=req.comment,
            )
        )
        log.info("case_opened", version=view["version"])
        return CaseControl.of(view)

    @activity.defn(name="take_step")
    def take_step(self, cmd: StepInput) -> CaseControl:
        self._bind(str(cmd.case_id), cmd.command_id, cmd.actor.id, step=cmd.step.value)
        domain_call(lambda: self.verifier.check(cmd))
        body: StepBody = _BODY_ADAPTERS[cmd.step].validate_python(cmd.payload)
        envelope = Envelope(cmd.actor.to_domain(), cmd.command_id, cmd.now or datetime.now(UTC), body.occurred_at)
        view = domain_call(
            lambda: self.ledger.cases.take_step(envelope, cmd.case_id, body.to_command(), cmd.expected_version)
        )
        log.info("step_taken", version=view["version"], status=view["status"])
        return CaseControl.of(view)

    @activity.defn(name="record_deadline_missed")
    def record_deadline_missed(self, cmd: DeadlineInput) -> CaseControl:
        self._bind(str(cmd.case_id), f"deadline:{cmd.kind.value}", "system")
        view = domain_call(
            lambda: self.ledger.cases.record_deadline_missed(
                case_id=cmd.case_id, kind=cmd.kind, due_date=cmd.due_date, now=cmd.now
            )
        )
        log.info("deadline_checked", kind=cmd.kind.value, due_date=cmd.due_date.isoformat())
        return CaseControl.of(view)

    @activity.defn(name="load_case")
    def load_case(self, cmd: LoadCaseInput) -> CaseControl:
        """The case's current view, read from the event store (a workflow adopting an existing case)."""
        self._bind(str(cmd.case_id), "load", "system")
        return CaseControl.of(domain_call(lambda: self.ledger.cases.view(cmd.case_id, cmd.now)))

    @activity.defn(name="sync_national")
    def sync_national(self, cmd: NationalSyncInput) -> None:
        """A regular (not local) activity: it may be slow or failing for long; Temporal retries it with backoff."""
        self._bind(str(cmd.case_id), f"sync:{cmd.version}", "system")
        view = domain_call(lambda: self.ledger.cases.view(cmd.case_id, datetime.now(UTC), cmd.version))
        record = {
            "case_id": str(cmd.case_id),
            "household_number": view["household"]["household_number"],
            "village_code": view["area"]["village_code"],
            "status": cmd.status,
            "category": view["category"],
            "identified_on": view["identified_on"].isoformat() if view["identified_on"] else None,
            "eliminated_on": view["eliminated_on"].isoformat() if view["eliminated_on"] else None,
            "version": cmd.version,
        }
        self.national.send(str(cmd.case_id), cmd.version, cmd.status, record)
        log.info("national_status_sent", status=cmd.status, version=cmd.version)

    @staticmethod
    def _bind(case_id: str, command_id: str, actor_id: str, **extra: str) -> None:
        info = activity.info()
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(
            case_id=case_id,
            workflow_id=info.workflow_id,
            actor=actor_id,
            command_id=command_id,
            activity=info.activity_type,
            attempt=info.attempt,
            **extra,
        )
