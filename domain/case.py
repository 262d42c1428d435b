"""The monitoring case (监测对象案件) aggregate: one monitoring episode of one household.

Public methods are commands: they check the rules of ``domain.policy`` under the case's pinned policy version and
then trigger one event. Event ``apply`` methods only record facts, so replaying a stored history never re-runs a
rule (design.md). Every event carries the actor, the command id, the business time (``occurred_at``) and a comment;
the library's ``timestamp`` is the recorded time.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain import policy as rules
from domain.errors import RuleViolationError, StepNotAllowedError
from domain.policy import HouseholdFacts, Policy
from domain.values import (
    Actor,
    Category,
    CountyDecision,
    DeadlineKind,
    DeliberationOutcome,
    Guarantee,
    HouseholdType,
    NoticeAction,
    NoticeOutcome,
    Risk,
    Source,
    Stage,
    Status,
    Step,
    TownshipDecision,
)

CLOSED_STATUSES = frozenset({Status.CLOSED_NOT_APPLIED, Status.CLOSED_REJECTED})


def stage_of(status: Status) -> Stage:
    if status in CLOSED_STATUSES:
        return Stage.CLOSED
    if status is Status.MONITORED:
        return Stage.MONITORED
    return Stage.IDENTIFYING


class MonitoringCase(Aggregate):
    """State rebuilt from events; see ``domain.view`` for what callers see."""

    # ----- events ---------------------------------------------------------------------------------------------

    class CaseEvent(Aggregate.Event):
        actor: dict[str, str]
        command_id: str
        occurred_at: datetime
        comment: str

        # Whether this event's business date bounds the dates of later steps. The cross-check runs in parallel
        # with the village steps (domain.md §4.2 step 2) and the system's DeadlineMissed is dated by the clock, so
        # neither may push the village's chronology forward.
        sets_chronology: ClassVar[bool] = True

        def apply(self, case: MonitoringCase) -> None:
            case.command_versions[self.command_id] = self.originator_version
            if self.sets_chronology:
                case.last_business_date = max(case.last_business_date, rules.local_date(self.occurred_at))
            self.apply_facts(case)

        def apply_facts(self, case: MonitoringCase) -> None:
            """Record the event's facts on the case (no rules here)."""

    class CaseOpened(Aggregate.Created):
        actor: dict[str, str]
        command_id: str
        occurred_at: datetime
        comment: str
        household_number: str
        household_head: str
        village_code: str
        township_code: str
        county_code: str
        source: str
        clue_date: date
        reported_risks: list[str]
        policy: dict[str, Any]

        def apply(self, case: MonitoringCase) -> None:
            case.household_number = self.household_number
            case.household_head = self.household_head
            case.village_code = self.village_code
            case.township_code = self.township_code
            case.county_code = self.county_code
            case.source = Source(self.source)
            case.clue_date = self.clue_date
            case.reported_risks = list(self.reported_risks)
            case.pinned_policy = dict(self.policy)
            case.status = Status.CLUE_REPORTED
            case.command_versions = {self.command_id: self.originator_version}
            case.last_business_date = self.clue_date
            case.opened_by = dict(self.actor)
            case.facts = {}
            case.category = None
            case.identified_on = None
            case.decided_on = None
            case.missed_deadlines = {}
            case.objection_open = False

    class HouseholdVisitRecorded(CaseEvent):
        visitors: list[str]
        household_type: str
        household_size: int
        per_capita_net_income: Decimal
        rigid_expenditure: Decimal
        unmet_guarantees: list[str]
        risks: list[str]
        sudden_event: str
        authorisation_signed: bool
        authorisation_ref: str

        def apply_facts(self, case: MonitoringCase) -> None:
            case.facts["household_visit"] = _facts(self)
            case.status = Status.VISIT_VERIFIED if self.authorisation_signed else Status.CLOSED_NOT_APPLIED

    class CrossCheckRecorded(CaseEvent):
        sets_chronology = False
        departments: list[str]
        consistent: bool
        findings: str
        verified_per_capita_net_income: Decimal | None

        def apply_facts(self, case: MonitoringCase) -> None:
            case.facts["cross_check"] = _facts(self)

    class VillageDeliberationRecorded(CaseEvent):
        participants: int
        outcome: str
        minutes_ref: str

        def apply_facts(self, case: MonitoringCase) -> None:
            case.facts["village_deliberation"] = _facts(self)
            passed = self.outcome == DeliberationOutcome.PASS
            case.status = Status.DELIBERATED if passed else Status.CLOSED_REJECTED

    class PublicNoticePosted(CaseEvent):
        start_date: date
        end_date: date
        location: str

        def apply_facts(self, case: MonitoringCase) -> None:
            case.facts["public_notice"] = _facts(self)
            case.facts.pop("notice_objection", None)
            case.status = Status.NOTICE_POSTED

    class NoticeObjectionRaised(CaseEvent):
        objection: str
        raised_by: str

        def apply_facts(self, case: MonitoringCase) -> None:
            case.facts["notice_objection"] = _facts(self)
            case.objection_open = True
            case.status = Status.NOTICE_OBJECTED

    class PublicNoticeClosed(CaseEvent):
        outcome: str
        investigation: str

        def apply_facts(self, case: MonitoringCase) -> None:
            case.facts["public_notice_closed"] = _facts(self)
            case.objection_open = False
            case.status = {
                NoticeOutcome.NO_OBJECTION: Status.NOTICE_CLOSED,
                NoticeOutcome.REDELIBERATE: Status.VISIT_VERIFIED,
                NoticeOutcome.REJECT: Status.CLOSED_REJECTED,
            }[NoticeOutcome(self.outcome)]

    class TownshipReviewed(CaseEvent):
        decision: str
        reason: str

        def apply_facts(self, case: MonitoringCase) -> None:
            case.facts["township_review"] = _facts(self)
            case.status = {
                TownshipDecision.PASS: Status.TOWNSHIP_PASSED,
                TownshipDecision.RETURN: Status.VISIT_VERIFIED,
                TownshipDecision.REJECT: Status.CLOSED_REJECTED,
            }[TownshipDecision(self.decision)]

    class CountyDecided(CaseEvent):
        decision: str
        category: str | None
        reason: str

        def apply_facts(self, case: MonitoringCase) -> None:
            case.facts["county_decision"] = _facts(self)
            case.decided_on = rules.local_date(self.occurred_at)
            if self.decision == CountyDecision.APPROVE:
                case.category = Category(str(self.category))
                case.identified_on = case.decided_on
                case.status = Status.COUNTY_APPROVED
            else:
                case.status = Status.CLOSED_REJECTED

    class ResultAnnounced(CaseEvent):
        location: str

        def apply_facts(self, case: MonitoringCase) -> None:
            case.facts["announcement"] = _facts(self)
            case.status = Status.MONITORED

    class DeadlineMissed(CaseEvent):
        sets_chronology = False
        kind: str
        due_date: date

        def apply_facts(self, case: MonitoringCase) -> None:
            case.missed_deadlines[self.kind] = self.due_date

    # ----- state (set by the events above) ----------------------------------------------------------------------

    household_number: str
    household_head: str
    village_code: str
    township_code: str
    county_code: str
    source: Source
    clue_date: date
    reported_risks: list[str]
    pinned_policy: dict[str, Any]
    status: Status
    command_versions: dict[str, int]
    last_business_date: date
    opened_by: dict[str, str]
    facts: dict[str, dict[str, Any]]
    category: Category | None
    identified_on: date | None
    decided_on: date | None
    missed_deadlines: dict[str, date]
    objection_open: bool

    def __init__(self) -> None:
        """State is set by ``CaseOpened.apply``; the annotations above only declare it."""

    # ----- commands ---------------------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        *,
        case_id: UUID,
        actor: Actor,
        command_id: str,
        now: datetime,
        policies: rules.PolicyRegistry,
        household_number: str,
        household_head: str,
        village_code: str,
        township_code: str,
        county_code: str,
        source: Source,
        clue_date: date,
        reported_risks: list[Risk],
        comment: str = "",
    ) -> MonitoringCase:
        """Record a risk clue: the case starts, pinned to the policy in force for its village on the clue date.
        Area codes are checked by the ledger."""
        rules.check_may_open(actor, village_code)
        rules.check_clue_date(clue_date, rules.local_date(now))
        _check_risks(reported_risks, "reported_risks", required=False)
        if not household_number.strip():
            raise RuleViolationError("a household reference is required", field="household_number", rule="required")
        policy = policies.in_force(village_code, clue_date)
        case: MonitoringCase = cls._create(
            cls.CaseOpened,
            id=case_id,
            actor=actor.as_dict(),
            command_id=command_id,
            occurred_at=now,
            comment=comment,
            household_number=household_number.strip(),
            household_head=household_head.strip(),
            village_code=village_code,
            township_code=township_code,
            county_code=county_code,
            source=source.value,
            clue_date=clue_date,
            reported_risks=[r.value for r in reported_risks],
            policy=policy.as_dict(),
        )
        return case

    def record_household_visit(
        self,
        *,
        actor: Actor,
        command_id: str,
        occurred_at: datetime,
        now: datetime,
        visitors: list[str],
        household_type: HouseholdType,
        household_size: int,
        per_capita_net_income: Decimal,
        rigid_expenditure: Decimal,
        unmet_guarantees: list[Guarantee],
        risks: list[Risk],
        sudden_event: str,
        authorisation_signed: bool,
        authorisation_ref: str,
        comment: str = "",
    ) -> None:
        """入户核实. A household that declines to sign the 承诺授权书 has not applied: the case closes."""
        self._check_step(Step.HOUSEHOLD_VISIT, actor, occurred_at, now)
        if not [v for v in visitors if v.strip()]:
            raise RuleViolationError("at least one visitor must be named", field="visitors", rule="required")
        if household_size < 1:
            raise RuleViolationError("a household has at least one member", field="household_size", rule="minimum")
        if rigid_expenditure < 0:
            raise RuleViolationError("rigid expenditure cannot be negative", field="rigid_expenditure", rule="minimum")
        if authorisation_signed:
            # The signed 承诺授权书 is part of the file (domain.md §4.2 step 1, §11): its reference is required.
            if not authorisation_ref.strip():
                raise RuleViolationError(
                    "a signed authorisation letter needs its document reference",
                    field="authorisation_ref",
                    rule="authorisation_reference",
                )
            _check_risks(risks, "risks", required=True)
        else:
            _check_risks(risks, "risks", required=False)
        self._trigger(
            self.HouseholdVisitRecorded,
            actor,
            command_id,
            occurred_at,
            comment,
            visitors=[v.strip() for v in visitors if v.strip()],
            household_type=household_type.value,
            household_size=household_size,
            per_capita_net_income=per_capita_net_income,
            rigid_expenditure=rigid_expenditure,
            unmet_guarantees=sorted({g.value for g in unmet_guarantees}),
            risks=[r.value for r in risks],
            sudden_event=sudden_event.strip(),
            authorisation_signed=authorisation_signed,
            authorisation_ref=authorisation_ref.strip(),
        )

    def record_cross_check(
        self,
        *,
        actor: Actor,
        command_id: str,
        occurred_at: datetime,
        now: datetime,
        departments: list[str],
        consistent: bool,
        findings: str,
        verified_per_capita_net_income: Decimal | None,
        comment: str = "",
    ) -> None:
        """信息比对: may be recorded (again) any time after the visit and before the township review."""
        self._check_step(Step.CROSS_CHECK, actor, occurred_at, now, advance_date=False)
        if not [d for d in departments if d.strip()]:
            raise RuleViolationError("name the departments compared", field="departments", rule="required")
        if not consistent and not findings.strip():
            raise RuleViolationError(
                "an inconsistent cross-check must describe its findings", field="findings", rule="required"
            )
        self._trigger(
            self.CrossCheckRecorded,
            actor,
            command_id,
            occurred_at,
            comment,
            departments=[d.strip() for d in departments if d.strip()],
            consistent=consistent,
            findings=findings.strip(),
            verified_per_capita_net_income=verified_per_capita_net_income,
        )

    def record_village_deliberation(
        self,
        *,
        actor: Actor,
        command_id: str,
        occurred_at: datetime,
        now: datetime,
        participants: int,
        outcome: DeliberationOutcome,
        minutes_ref: str,
        comment: str = "",
    ) -> None:
        """村内民主评议, minuted (domain.md §4.2 step 3). A failed deliberation closes the case."""
        self._check_step(Step.VILLAGE_DELIBERATION, actor, occurred_at, now)
        if not minutes_ref.strip():
            raise RuleViolationError("the deliberation must be minuted", field="minutes_ref", rule="minuted")
        self._trigger(
            self.VillageDeliberationRecorded,
            actor,
            command_id,
            occurred_at,
            comment,
            participants=participants,
            outcome=outcome.value,
            minutes_ref=minutes_ref.strip(),
        )

    def post_public_notice(
        self,
        *,
        actor: Actor,
        command_id: str,
        occurred_at: datetime,
        now: datetime,
        start_date: date,
        end_date: date,
        location: str,
        comment: str = "",
    ) -> None:
        """村内公示 posted for at least the policy's days, not before the deliberation."""
        self._check_step(Step.PUBLIC_NOTICE, actor, occurred_at, now, action=NoticeAction.POST)
        if start_date < self.last_business_date:
            raise RuleViolationError(
                "the notice cannot start before the deliberation",
                field="start_date",
                rule="chronological_order",
            )
        minimum = self.policy.notice_min_days
        if end_date < start_date or rules.notice_days(start_date, end_date) < minimum:
            raise RuleViolationError(
                f"the village notice must run at least {minimum} days (policy {self.policy.key})",
                field="end_date",
                rule="notice_min_days",
            )
        self._trigger(
            self.PublicNoticePosted,
            actor,
            command_id,
            occurred_at,
            comment,
            start_date=start_date,
            end_date=end_date,
            location=location.strip(),
        )

    def raise_notice_objection(
        self,
        *,
        actor: Actor,
        command_id: str,
        occurred_at: datetime,
        now: datetime,
        objection: str,
        raised_by: str,
        comment: str = "",
    ) -> None:
        """An objection received during the notice: the 两委 must investigate before the notice can close."""
        self._check_step(Step.PUBLIC_NOTICE, actor, occurred_at, now, action=NoticeAction.OBJECTION)
        if not objection.strip():
            raise RuleViolationError("describe the objection", field="objection", rule="required")
        notice = self.facts["public_notice"]
        if not notice["start_date"] <= rules.local_date(occurred_at) <= notice["end_date"]:
            raise RuleViolationError(
                "an objection must be raised during the notice period", field="occurred_at", rule="notice_period"
            )
        self._trigger(
            self.NoticeObjectionRaised,
            actor,
            command_id,
            occurred_at,
            comment,
            objection=objection.strip(),
            raised_by=raised_by.strip(),
        )

    def close_public_notice(
        self,
        *,
        actor: Actor,
        command_id: str,
        occurred_at: datetime,
        now: datetime,
        outcome: NoticeOutcome,
        investigation: str,
        comment: str = "",
    ) -> None:
        """Close the notice: without objection once it has run its course; after an objection, by its outcome."""
        self._check_step(Step.PUBLIC_NOTICE, actor, occurred_at, now, action=NoticeAction.CLOSE)
        if self.objection_open:
            if outcome is NoticeOutcome.NO_OBJECTION:
                raise RuleViolationError(
                    "an objection was raised: close with redeliberate or reject",
                    field="outcome",
                    rule="objection",
                )
            if not investigation.strip():
                raise RuleViolationError(
                    "record the investigation of the objection", field="investigation", rule="required"
                )
        else:
            if outcome is not NoticeOutcome.NO_OBJECTION:
                raise RuleViolationError(
                    "no objection was raised: the only outcome is no_objection",
                    field="outcome",
                    rule="objection",
                )
            # The notice runs through its whole last day (如有异议…5日内提出, domain.md §4.2): it closes after it.
            end_date: date = self.facts["public_notice"]["end_date"]
            if occurred_at < rules.end_of_day(end_date):
                raise RuleViolationError(
                    f"the notice runs until the end of {end_date.isoformat()} and cannot close earlier",
                    field="occurred_at",
                    rule="notice_min_days",
                )
        self._trigger(
            self.PublicNoticeClosed,
            actor,
            command_id,
            occurred_at,
            comment,
            outcome=outcome.value,
            investigation=investigation.strip(),
        )

    def review_by_township(
        self,
        *,
        actor: Actor,
        command_id: str,
        occurred_at: datetime,
        now: datetime,
        decision: TownshipDecision,
        reason: str,
        comment: str = "",
    ) -> None:
        """乡镇审核 of a candidate whose notice drew no objection (domain.md §4.2 step 4)."""
        self._check_step(Step.TOWNSHIP_REVIEW, actor, occurred_at, now)
        if decision is not TownshipDecision.PASS and not reason.strip():
            raise RuleViolationError("a return or rejection needs a reason", field="reason", rule="required")
        self._trigger(
            self.TownshipReviewed,
            actor,
            command_id,
            occurred_at,
            comment,
            decision=decision.value,
            reason=reason,
        )

    def decide_by_county(
        self,
        *,
        actor: Actor,
        command_id: str,
        occurred_at: datetime,
        now: datetime,
        decision: CountyDecision,
        category: Category | None,
        reason: str,
        comment: str = "",
    ) -> None:
        """县级审定: approve with a category the household fits under the pinned policy, or reject."""
        self._check_step(Step.COUNTY_DECISION, actor, occurred_at, now)
        if decision is CountyDecision.APPROVE:
            if category is None:
                raise RuleViolationError("an approval names the category", field="category", rule="required")
            violation = rules.category_violation(category, self.household_facts(), self.policy)
            if violation is not None:
                raise RuleViolationError(violation, field="category", rule="category_criteria")
        else:
            if not reason.strip():
                raise RuleViolationError("a rejection needs a reason", field="reason", rule="required")
            category = None
        self._trigger(
            self.CountyDecided,
            actor,
            command_id,
            occurred_at,
            comment,
            decision=decision.value,
            category=category.value if category else None,
            reason=reason.strip(),
        )

    def announce_result(
        self,
        *,
        actor: Actor,
        command_id: str,
        occurred_at: datetime,
        now: datetime,
        location: str,
        comment: str = "",
    ) -> None:
        """结果公告 by the township: the household is now monitored (风险未消除)."""
        self._check_step(Step.ANNOUNCEMENT, actor, occurred_at, now)
        self._trigger(self.ResultAnnounced, actor, command_id, occurred_at, comment, location=location.strip())

    def record_deadline_missed(
        self, *, actor: Actor, command_id: str, now: datetime, kind: DeadlineKind, due_date: date
    ) -> bool:
        """Note that a deadline passed unmet. Returns False (and records nothing) when it is not missed."""
        due = self.pending_deadlines().get(kind)
        if due != due_date or now < rules.end_of_day(due_date) or kind.value in self.missed_deadlines:
            return False
        self._trigger(self.DeadlineMissed, actor, command_id, now, "", kind=kind.value, due_date=due_date)
        return True

    # ----- derived ----------------------------------------------------------------------------------------------

    @property
    def policy(self) -> Policy:
        """The policy version pinned when the case was opened, exactly as recorded in its first event."""
        return Policy.from_dict(self.pinned_policy)

    @property
    def stage(self) -> Stage:
        return stage_of(self.status)

    def household_facts(self) -> HouseholdFacts:
        visit = self.facts["household_visit"]
        income: Decimal = visit["per_capita_net_income"]
        verified = self.facts.get("cross_check", {}).get("verified_per_capita_net_income")
        return HouseholdFacts(
            household_type=HouseholdType(visit["household_type"]),
            household_size=int(visit["household_size"]),
            per_capita_net_income=verified if verified is not None else income,
            rigid_expenditure=visit["rigid_expenditure"],
            sudden_event=visit["sudden_event"],
        )

    def pending_deadlines(self) -> dict[DeadlineKind, date]:
        """Deadlines not yet met, by kind."""
        if self.stage is Stage.IDENTIFYING and self.status is not Status.COUNTY_APPROVED:
            return {DeadlineKind.IDENTIFICATION: rules.identification_due(self.clue_date, self.policy)}
        return {}

    def allowed_steps(self) -> list[rules.AllowedStep]:
        return rules.allowed_steps(self.status, "cross_check" in self.facts)

    # ----- helpers ----------------------------------------------------------------------------------------------

    def _check_step(
        self,
        step: Step,
        actor: Actor,
        occurred_at: datetime,
        now: datetime,
        *,
        action: NoticeAction | None = None,
        advance_date: bool = True,
    ) -> None:
        allowed = {a.step: a for a in self.allowed_steps()}
        if step not in allowed:
            hint = " (信息比对 must be recorded first)" if step is Step.TOWNSHIP_REVIEW else ""
            raise StepNotAllowedError(
                f"step {step.value} is not allowed while the case is {self.status.value}{hint}",
                field="step",
                rule="step_order",
            )
        if action is not None and action.value not in allowed[step].actions:
            raise StepNotAllowedError(
                f"notice action {action.value} is not allowed while the case is {self.status.value}",
                field="action",
                rule="step_order",
            )
        rules.check_may_take(actor, step, self.village_code)
        not_before = self.last_business_date if advance_date else self._visit_date()
        rules.check_step_time(occurred_at, not_before, now)

    def _visit_date(self) -> date:
        visit_at: datetime = self.facts["household_visit"]["occurred_at"]
        return rules.local_date(visit_at)

    def _trigger(
        self,
        event_class: type[CaseEvent],
        actor: Actor,
        command_id: str,
        occurred_at: datetime,
        comment: str,
        **payload: Any,
    ) -> None:
        self.trigger_event(
            event_class,
            actor=actor.as_dict(),
            command_id=command_id,
            occurred_at=occurred_at,
            comment=comment.strip(),
            **payload,
        )


def _facts(event: MonitoringCase.CaseEvent) -> dict[str, Any]:
    """An event's payload and provenance, as kept on the case for its view."""
    skip = {"originator_id", "originator_version", "timestamp", "command_id"}
    facts = {k: v for k, v in vars(event).items() if k not in skip}
    facts["recorded_at"] = event.timestamp
    facts["version"] = event.originator_version
    return facts


def _check_risks(risks: list[Risk], field: str, *, required: bool) -> None:
    if required and not risks:
        raise RuleViolationError("name at least one risk", field=field, rule="risk_required")
    if len(set(risks)) != len(risks):
        raise RuleViolationError("a risk is listed twice", field=field, rule="unique")
    if len(risks) > rules.MAX_RISKS:
        raise RuleViolationError(f"at most {rules.MAX_RISKS} risks per household", field=field, rule="max_risks")
