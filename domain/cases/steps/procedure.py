"""Identification (识别认定, domain.md §4.2) and the village-to-county steps it shares with elimination (§7:
deliberation, notice with objections, township review, county decision, announcement)."""

from __future__ import annotations

from datetime import date, datetime

from domain.cases import events as ev
from domain.cases.rules.deadlines import missed_key, notice_days
from domain.cases.rules.household import figures_from_registry
from domain.cases.rules.identification import category_violation, check_authorisation, procedure_of
from domain.cases.state import CaseState, check_labour
from domain.cases.steps.commands import (
    AnnounceResult,
    ClosePublicNotice,
    DecideByCounty,
    PostPublicNotice,
    RaiseNoticeObjection,
    RecordCrossCheck,
    RecordHouseholdVisit,
    RecordVillageDeliberation,
    ReviewByTownship,
)
from domain.cases.values import (
    CountyDecision,
    DeadlineKind,
    NoticeAction,
    NoticeOutcome,
    TownshipDecision,
)
from domain.kernel.actors import Actor
from domain.kernel.envelope import Envelope
from domain.kernel.errors import RuleViolationError
from domain.kernel.steps import Procedure, Step
from domain.kernel.time import end_of_day, local_date
from domain.registry.figures import RegistryReading


class ProcedureSteps(CaseState):
    def _procedure(self) -> Procedure:
        proc = procedure_of(self.status)
        assert proc is not None, "checked by _check_step: the step is open only inside a procedure"
        return proc.procedure

    def _notice(self) -> dict[str, object]:
        facts = self.facts if self._procedure() is Procedure.IDENTIFICATION else (self.elimination or {})
        notice: dict[str, object] = facts["public_notice"]
        return notice

    def record_household_visit(
        self, envelope: Envelope, command: RecordHouseholdVisit, *, registry: RegistryReading | None
    ) -> None:
        """入户核实. A household that declines to sign the 承诺授权书 has not applied: the case closes. The household's
        type, size and labour are the registry's as of the visit (``registry``; typed only when not registered)."""
        self._check_step(Step.HOUSEHOLD_VISIT, envelope)
        if not [v for v in command.visitors if v.strip()]:
            raise RuleViolationError("at least one visitor must be named", field="visitors", rule="required")
        command, source = figures_from_registry(command, registry)
        assert command.household_size is not None and command.labour_capable_members is not None
        assert command.household_type is not None
        if command.household_size < 1:
            raise RuleViolationError("a household has at least one member", field="household_size", rule="minimum")
        check_labour(command.labour_capable_members, command.household_size)
        if command.rigid_expenditure < 0:
            raise RuleViolationError("rigid expenditure cannot be negative", field="rigid_expenditure", rule="minimum")
        check_authorisation(
            signed=command.authorisation_signed, reference=command.authorisation_ref,
            refusal_reason=command.refusal_reason, risks=command.risks,
        )  # fmt: skip
        self._trigger(
            ev.HouseholdVisitRecorded,
            envelope,
            command.comment,
            visitors=[v.strip() for v in command.visitors if v.strip()],
            household_type=command.household_type.value,
            household_size=command.household_size,
            labour_capable_members=command.labour_capable_members,
            per_capita_net_income=command.per_capita_net_income,
            rigid_expenditure=command.rigid_expenditure,
            unmet_guarantees=sorted({g.value for g in command.unmet_guarantees}),
            risks=[r.value for r in command.risks],
            sudden_event=command.sudden_event.strip(),
            authorisation_signed=command.authorisation_signed,
            authorisation_ref=command.authorisation_ref.strip(),
            refusal_reason="" if command.authorisation_signed else command.refusal_reason.strip(),
            figures_source=source,
        )

    def record_cross_check(self, envelope: Envelope, command: RecordCrossCheck) -> None:
        """信息比对: may be recorded (again) any time after the visit and before the township review."""
        visit_at: datetime = (
            self.facts["household_visit"]["occurred_at"] if "household_visit" in self.facts else envelope.now
        )
        self._check_step(Step.CROSS_CHECK, envelope, not_before=local_date(visit_at))
        if not [d for d in command.departments if d.strip()]:
            raise RuleViolationError("name the departments compared", field="departments", rule="required")
        # The county approves "taking the cross-check results into account" (domain.md §4.2 step 5): a discrepancy
        # must therefore be written down.
        if not command.consistent and not command.findings.strip():
            raise RuleViolationError(
                "an inconsistent cross-check must describe its findings", field="findings", rule="required"
            )
        self._trigger(
            ev.CrossCheckRecorded,
            envelope,
            command.comment,
            departments=[d.strip() for d in command.departments if d.strip()],
            consistent=command.consistent,
            findings=command.findings.strip(),
            verified_per_capita_net_income=command.verified_per_capita_net_income,
        )

    def record_village_deliberation(self, envelope: Envelope, command: RecordVillageDeliberation) -> None:
        """村内民主评议, minuted (domain.md §4.2 step 3; §7 step 3). A failed deliberation refuses the procedure."""
        self._check_step(Step.VILLAGE_DELIBERATION, envelope)
        if not command.minutes_ref.strip():
            raise RuleViolationError("the deliberation must be minuted", field="minutes_ref", rule="minuted")
        self._trigger(
            ev.VillageDeliberationRecorded,
            envelope,
            command.comment,
            procedure=self._procedure().value,
            participants=command.participants,
            outcome=command.outcome.value,
            minutes_ref=command.minutes_ref.strip(),
        )

    def post_public_notice(self, envelope: Envelope, command: PostPublicNotice) -> None:
        """村内公示 for at least the policy's days for this procedure, not before the deliberation."""
        self._check_step(Step.PUBLIC_NOTICE, envelope, action=NoticeAction.POST.value)
        if command.start_date < self.last_business_date:
            raise RuleViolationError(
                "the notice cannot start before the deliberation", field="start_date", rule="chronological_order"
            )
        procedure = self._procedure()
        minimum = self.policy.notice_days_for(procedure)
        if command.end_date < command.start_date or notice_days(command.start_date, command.end_date) < minimum:
            raise RuleViolationError(
                f"the {procedure.value} notice must run at least {minimum} days (policy {self.policy.key})",
                field="end_date",
                rule="notice_min_days",
            )
        self._trigger(
            ev.PublicNoticePosted,
            envelope,
            command.comment,
            procedure=procedure.value,
            start_date=command.start_date,
            end_date=command.end_date,
            location=command.location.strip(),
        )

    def raise_notice_objection(self, envelope: Envelope, command: RaiseNoticeObjection) -> None:
        """An objection received during the notice: the 两委 must investigate before the notice can close."""
        self._check_step(Step.PUBLIC_NOTICE, envelope, action=NoticeAction.OBJECTION.value)
        if not command.objection.strip():
            raise RuleViolationError("describe the objection", field="objection", rule="required")
        notice = self._notice()
        start, end = notice["start_date"], notice["end_date"]
        assert isinstance(start, date) and isinstance(end, date)
        # "如有异议，请从即日起5日内向村委会提出意见" (notice template, domain.md §4.2):
        # objections belong to the notice period.
        if not start <= local_date(envelope.at) <= end:
            raise RuleViolationError(
                "an objection must be raised during the notice period", field="occurred_at", rule="notice_period"
            )
        self._trigger(
            ev.NoticeObjectionRaised,
            envelope,
            command.comment,
            procedure=self._procedure().value,
            objection=command.objection.strip(),
            raised_by=command.raised_by.strip(),
        )

    def close_public_notice(self, envelope: Envelope, command: ClosePublicNotice) -> None:
        """Close the notice: without objection once it has run its course; after an objection, by its outcome."""
        self._check_step(Step.PUBLIC_NOTICE, envelope, action=NoticeAction.CLOSE.value)
        if self.objection_open:
            if command.outcome is NoticeOutcome.NO_OBJECTION:
                raise RuleViolationError(
                    "an objection was raised: close with redeliberate or reject", field="outcome", rule="objection"
                )
            if not command.investigation.strip():
                raise RuleViolationError(
                    "record the investigation of the objection", field="investigation", rule="required"
                )
        else:
            if command.outcome is not NoticeOutcome.NO_OBJECTION:
                raise RuleViolationError(
                    "no objection was raised: the only outcome is no_objection", field="outcome", rule="objection"
                )
            # The notice runs through its whole last day (如有异议…5日内提出, domain.md §4.2): it closes after it.
            end_date = self._notice()["end_date"]
            assert isinstance(end_date, date)
            if envelope.at < end_of_day(end_date):
                raise RuleViolationError(
                    f"the notice runs until the end of {end_date.isoformat()} and cannot close earlier",
                    field="occurred_at",
                    rule="notice_min_days",
                )
        self._trigger(
            ev.PublicNoticeClosed,
            envelope,
            command.comment,
            procedure=self._procedure().value,
            outcome=command.outcome.value,
            investigation=command.investigation.strip(),
        )

    def review_by_township(self, envelope: Envelope, command: ReviewByTownship) -> None:
        """乡镇审核 of a candidate whose notice drew no objection (domain.md §4.2 step 4; §7 step 4)."""
        self._check_step(Step.TOWNSHIP_REVIEW, envelope)
        # Administrative decisions against the applicant state their reasons (the township returns or rejects in
        # writing, seed plan §三(二); domain.md §4.2 step 4); so does the county below.
        if command.decision is not TownshipDecision.PASS and not command.reason.strip():
            raise RuleViolationError("a return or rejection needs a reason", field="reason", rule="required")
        self._trigger(
            ev.TownshipReviewed,
            envelope,
            command.comment,
            procedure=self._procedure().value,
            decision=command.decision.value,
            reason=command.reason.strip(),
        )

    def decide_by_county(self, envelope: Envelope, command: DecideByCounty) -> None:
        """县级审定: identification approves with a category the household fits under the pinned policy;
        elimination approves the proposal as made. Either may reject, with a reason."""
        category = command.category
        self._check_step(Step.COUNTY_DECISION, envelope)
        procedure = self._procedure()
        if command.decision is CountyDecision.APPROVE and procedure is Procedure.IDENTIFICATION:
            if category is None:
                raise RuleViolationError("an approval names the category", field="category", rule="required")
            violation = category_violation(category, self.household_facts(), self.policy)
            if violation is not None:
                raise RuleViolationError(violation, field="category", rule="category_criteria")
        elif command.decision is CountyDecision.APPROVE:
            if category is not None and category is not self.category:
                raise RuleViolationError(
                    "an elimination keeps the case's category", field="category", rule="category_unchanged"
                )
            category = self.category
        else:
            if not command.reason.strip():
                raise RuleViolationError("a rejection needs a reason", field="reason", rule="required")
            category = None
        self._trigger(
            ev.CountyDecided,
            envelope,
            command.comment,
            procedure=procedure.value,
            decision=command.decision.value,
            category=category.value if category else None,
            reason=command.reason.strip(),
        )

    def announce_result(self, envelope: Envelope, command: AnnounceResult) -> None:
        """结果公告 by the township: identified → monitored (风险未消除); elimination → 风险已消除."""
        self._check_step(Step.ANNOUNCEMENT, envelope)
        if self._procedure() is Procedure.IDENTIFICATION:
            self._trigger(
                ev.ResultAnnounced,
                envelope,
                command.comment,
                location=command.location.strip(),
            )
        else:
            assert self.elimination is not None
            self._trigger(
                ev.RiskEliminated,
                envelope,
                command.comment,
                mode=self.elimination["mode"],
                location=command.location.strip(),
            )

    def record_deadline_missed(
        self, *, actor: Actor, command_id: str, now: datetime, kind: DeadlineKind, due_date: date
    ) -> bool:
        """Note that a deadline passed unmet. Returns False (and records nothing) when it is not missed."""
        due = self.pending_deadlines().get(kind)
        key = missed_key(kind.value, due_date)
        if due != due_date or now < end_of_day(due_date) or key in self.missed_deadlines:
            return False
        self._trigger(ev.DeadlineMissed, Envelope(actor, command_id, now), "", kind=kind.value, due_date=due_date)
        return True
