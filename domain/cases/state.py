"""The state of a monitoring case and what is derived from it: its stage, the steps open to it, its deadlines and
the findings the events themselves reveal. The commands are in ``domain/cases/steps``; the events in
``domain.cases.events``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from domain.cases.events import CaseEvent
from domain.cases.rules.assistance import Finding, MeasureFacts, precision_findings
from domain.cases.rules.deadlines import (
    check_step_time,
    elimination_due,
    identification_due,
    look_back_due,
    measures_due,
    measures_from_clue_due,
    plan_due,
)
from domain.cases.rules.identification import (
    NOTICE_STATUSES,
    AllowedStep,
    HouseholdFacts,
    StepContext,
    allowed_steps,
    procedure_of,
)
from domain.cases.values import (
    ENDED_STAGES,
    Category,
    DeadlineKind,
    FindingKind,
    LookBackOutcome,
    MeasureCategory,
    MeasureStatus,
    Source,
    Stage,
    Status,
)
from domain.kernel.actors import Actor
from domain.kernel.chain import ChainedAggregate
from domain.kernel.envelope import Envelope
from domain.kernel.errors import NotPermittedError, RuleViolationError, StepNotAllowedError
from domain.kernel.permissions import check_may_take, duty_conflict
from domain.kernel.policy import Policy
from domain.kernel.steps import Procedure, Step
from domain.kernel.time import local_date
from domain.registry.values import Guarantee, HouseholdType, Risk

# The deadlines whose miss is 不及时 (seed §二(二) 10天内制定帮扶计划, 15天内采取针对性帮扶措施; §三(二) 25天内落实).
TIMELY_DEADLINES = frozenset({DeadlineKind.ASSISTANCE_PLAN, DeadlineKind.MEASURES, DeadlineKind.MEASURES_FROM_CLUE})
CLOSED_STATUSES = frozenset({Status.CLOSED_NOT_APPLIED, Status.CLOSED_REJECTED})
ELIMINATED_STATUSES = frozenset({Status.ELIMINATED, Status.ROLLBACK_REQUESTED, Status.RE_ENTERED})


def stage_of(status: Status) -> Stage:
    if status in CLOSED_STATUSES:
        return Stage.CLOSED
    if status in ELIMINATED_STATUSES:
        return Stage.ELIMINATED
    if status is Status.MONITORED:
        return Stage.MONITORED
    proc = procedure_of(status)
    if proc is not None and proc.procedure is Procedure.ELIMINATION:
        return Stage.ELIMINATING
    return Stage.IDENTIFYING


@dataclass(frozen=True)
class DeadlineState:
    kind: DeadlineKind
    due: date
    met_on: date | None
    closed: bool  # no longer applies: the case left the path before meeting it


class CaseState(ChainedAggregate):
    """Attributes are set by the events' ``apply`` methods (``CaseOpened`` sets them all)."""

    household_number: str
    household_head: str
    village_code: str
    township_code: str
    county_code: str
    clue_date: date
    reported_risks: list[str]
    pinned_policy: dict[str, Any]
    previous_case_id: str
    command_versions: dict[str, int]
    last_business_date: date
    opened_by: dict[str, str]
    facts: dict[str, dict[str, Any]]
    identified_on: date | None
    decided_on: date | None
    missed_deadlines: dict[str, date]
    objection_open: bool
    risks: list[str]
    unmet_guarantees: list[str]
    labour_capable_members: int
    responsible_person: dict[str, Any] | None
    responsible_history: list[dict[str, Any]]
    plan: dict[str, Any] | None
    plan_made_on: date | None
    measures: dict[str, dict[str, Any]]
    first_measure_on: date | None
    findings: dict[str, dict[str, Any]]
    elimination: dict[str, Any] | None
    elimination_history: list[dict[str, Any]]
    eliminated_on: date | None
    look_backs: list[dict[str, Any]]
    rollbacks: list[dict[str, Any]]
    new_case_id: str | None

    # Enumerated state is kept as plain strings behind properties: a snapshot stores the aggregate's attributes as
    # JSON, where a StrEnum silently comes back as str (libraries.md §2i).
    _source: str
    _status: str
    _category: str | None
    # Set by CaseOpened; class defaults for a snapshot taken before they existed.
    registry_source: dict[str, Any] | None = None
    registration_due: date | None = None

    def __init__(self) -> None:
        """State is set by ``CaseOpened.apply``; the annotations above only declare it."""

    @property
    def source(self) -> Source:
        return Source(self._source)

    @source.setter
    def source(self, value: Source) -> None:
        self._source = Source(value).value

    @property
    def status(self) -> Status:
        return Status(self._status)

    @status.setter
    def status(self, value: Status) -> None:
        self._status = Status(value).value

    @property
    def category(self) -> Category | None:
        return Category(self._category) if self._category else None

    @category.setter
    def category(self, value: Category | None) -> None:
        self._category = Category(value).value if value else None

    # ----- derived ----------------------------------------------------------------------------------------------

    @property
    def policy(self) -> Policy:
        """The policy version pinned when the case was opened, exactly as recorded in its first event."""
        return Policy.from_dict(self.pinned_policy)

    @property
    def stage(self) -> Stage:
        return stage_of(self.status)

    def step_context(self) -> StepContext:
        # Only a look-back of the current elimination, after any refused rollback, can ground a rollback request.
        since = max([0] + [int(r["decision"]["version"]) for r in self.rollbacks if r["decision"] is not None])
        current = [
            lb
            for lb in self.look_backs
            if self.eliminated_on is not None
            and local_date(lb["occurred_at"]) >= self.eliminated_on
            and int(lb["version"]) > since
        ]
        last = current[-1] if current else None
        return StepContext(
            cross_checked="cross_check" in self.facts,
            has_responsible_person=self.responsible_person is not None,
            has_measures=bool(self.measures),
            has_open_findings=any(f["rectified"] is None for f in self.findings.values()),
            last_look_back_unstable=last is not None and last["outcome"] == LookBackOutcome.UNSTABLE,
        )

    def allowed_steps(self) -> list[AllowedStep]:
        return allowed_steps(self.status, self.step_context())

    def household_facts(self) -> HouseholdFacts:
        visit = self.facts["household_visit"]
        verified = self.facts.get("cross_check", {}).get("verified_per_capita_net_income")
        return HouseholdFacts(
            household_type=HouseholdType(visit["household_type"]),
            household_size=int(visit["household_size"]),
            per_capita_net_income=verified if verified is not None else visit["per_capita_net_income"],
            rigid_expenditure=visit["rigid_expenditure"],
            sudden_event=visit["sudden_event"],
        )

    def measure_facts(self, on: date | None = None) -> list[MeasureFacts]:
        """The measures as they stand, or as they stood at the end of day ``on`` by their own dates (added,
        implemented, ended), whatever order they were recorded in."""
        out = []
        for m_id, m in self.measures.items():
            status, was_implemented = MeasureStatus(m["status"]), bool(m["was_implemented"])
            if on is not None:
                if local_date(m["occurred_at"]) > on:
                    continue  # not yet added
                implemented_on, ended_on = m.get("implemented_on"), m.get("ended_on")
                was_implemented = implemented_on is not None and implemented_on <= on
                ended = ended_on is not None and ended_on <= on
                implemented = MeasureStatus.IMPLEMENTED if was_implemented else MeasureStatus.PLANNED
                status = MeasureStatus.ENDED if ended else implemented
            out.append(MeasureFacts(m_id, MeasureCategory(m["category"]), status, was_implemented))
        return out

    def measure_days(self) -> set[date]:
        """Every day a measure was added, implemented or ended: the days 不精准 can change."""
        days = set()
        for m in self.measures.values():
            days.add(local_date(m["occurred_at"]))
            days.update(d for d in (m.get("implemented_on"), m.get("ended_on")) if d is not None)
        return days

    def current_risks(self) -> list[Risk]:
        return [Risk(r) for r in self.risks]

    def current_unmet_guarantees(self) -> list[Guarantee]:
        return [Guarantee(g) for g in self.unmet_guarantees]

    def deadline_states(self) -> list[DeadlineState]:
        """Every deadline that applies to the case now, met or not (calendar days, Asia/Shanghai)."""
        policy, out = self.policy, []
        # Assistance deadlines no longer apply once the case has left assistance (closed, or eliminated); a rollback
        # brings them back.
        gone = self.stage in ENDED_STAGES
        out.append(
            DeadlineState(
                DeadlineKind.IDENTIFICATION,
                identification_due(self.clue_date, policy),
                self.decided_on,
                closed=self.decided_on is None and self.stage is Stage.CLOSED,
            )
        )
        if self.identified_on is not None:
            for kind, due, met_on in (
                (DeadlineKind.ASSISTANCE_PLAN, plan_due(self.identified_on, policy), self.plan_made_on),
                (DeadlineKind.MEASURES, measures_due(self.identified_on, policy), self.first_measure_on),
                (
                    DeadlineKind.MEASURES_FROM_CLUE,
                    measures_from_clue_due(self.clue_date, policy),
                    self.first_measure_on,
                ),
            ):
                out.append(DeadlineState(kind, due, met_on, closed=met_on is None and gone))
        if self.elimination is not None:
            # The elimination procedure ends with its announcement (RiskEliminated), not the county decision.
            proposed_on: date = self.elimination["proposed_on"]
            announced = self.elimination.get("announcement")
            out.append(
                DeadlineState(
                    DeadlineKind.ELIMINATION,
                    elimination_due(proposed_on, policy),
                    local_date(announced["occurred_at"]) if announced else None,
                    closed=False,
                )
            )
        if self.eliminated_on is not None:
            looked = [local_date(lb["occurred_at"]) for lb in self.look_backs]
            met = min((d for d in looked if d >= self.eliminated_on), default=None)
            out.append(DeadlineState(DeadlineKind.LOOK_BACK, look_back_due(self.eliminated_on, policy), met, False))
        return out

    def notice_due(self) -> date | None:
        """The last day of a village notice (公示) still open, identification's or elimination's: it runs through that
        day (如有异议…5日内提出, domain.md §4.2) and its close is owed from the next. None when no notice is open."""
        if self.status in NOTICE_STATUSES[Procedure.IDENTIFICATION]:
            notice = self.facts.get("public_notice")
        elif self.status in NOTICE_STATUSES[Procedure.ELIMINATION]:
            notice = (self.elimination or {}).get("public_notice")
        else:
            return None
        end: date | None = notice.get("end_date") if notice else None
        return end

    def pending_deadlines(self) -> dict[DeadlineKind, date]:
        """Deadlines not yet met, by kind."""
        return {d.kind: d.due for d in self.deadline_states() if d.met_on is None and not d.closed}

    def derived_findings(self, now: datetime) -> list[Finding]:
        """不及时 and 不精准 as the events show them on the day of ``now``, whether or not a reviewer recorded them."""
        if not self.assisted():
            return []
        today = local_date(now)
        found = [
            Finding(
                FindingKind.NOT_TIMELY,
                f"{d.kind.value}_deadline",
                f"{d.kind.value} due {d.due.isoformat()}, "
                + (f"met {d.met_on.isoformat()}" if d.met_on else "not met"),
                {"due_date": d.due.isoformat(), "met_on": d.met_on.isoformat() if d.met_on else ""},
            )
            for d, missed_from in self.late_deadlines()
            if d.met_on is not None or missed_from <= today  # met late, or still unmet once its day has passed
        ]
        if self.precision_judged(today):
            found += self.precision_gaps(today)
        return found

    def late_deadlines(self) -> list[tuple[DeadlineState, date]]:
        """不及时, derived (seed §二(二) 10天内制定帮扶计划, 15天内采取针对性帮扶措施; §三(二) 25天内落实): each plan or
        measures deadline not met by its day, with the day it is missed from (the day after it); met late, it holds
        until the day it is met (``met_on``). Judged once the household is a monitored object (结果公告): one that
        left assistance (风险消除) before a deadline passed never misses it; one that left after stays missed (a
        rollback brings the deadline back). The case view and the tables both read it."""
        if not self.monitored_object():
            return []
        left_on = self.left_assistance_on()
        out = []
        for d in self.deadline_states():
            if d.kind not in TIMELY_DEADLINES:
                continue
            missed_from = d.due + timedelta(days=1)
            if d.met_on is not None:
                if d.met_on > d.due:
                    out.append((d, missed_from))
            elif not d.closed or (left_on is not None and missed_from <= left_on):
                out.append((d, missed_from))
        return out

    def monitored_object(self) -> bool:
        """Identified and announced (结果公告): a monitored object, as it stays after its risk is eliminated."""
        return self.identified_on is not None and self.stage is not Stage.IDENTIFYING

    def left_assistance_on(self) -> date | None:
        """The day the case left assistance (风险消除, or closed), while it is out of it; None while assisted."""
        return (self.eliminated_on or self.last_business_date) if self.stage in ENDED_STAGES else None

    def assisted(self) -> bool:
        """An identified household being assisted (风险未消除, or its elimination under way): what 不及时 and 不精准
        are judged on."""
        return self.identified_on is not None and self.stage in (Stage.MONITORED, Stage.ELIMINATING)

    def precision_gaps(self, on: date | None = None) -> list[Finding]:
        """不精准 as the case stands (or stood at the end of day ``on``, by its measures' dates): what its risks,
        guarantees and labour call for that its measures do not give (whether it is judged yet is
        ``precision_judged``'s)."""
        return precision_findings(
            self.current_risks(), self.current_unmet_guarantees(), self.labour_capable_members, self.measure_facts(on)
        )

    def precision_judged(self, today: date) -> bool:
        """不精准 is judged once targeted measures are due (15天内采取针对性帮扶措施, seed §二(二)) or some were
        implemented by then: a case still inside that window with none yet is not imprecise."""
        if any(m.was_implemented for m in self.measure_facts(today)):
            return True
        return any(d.kind is DeadlineKind.MEASURES and today > d.due for d in self.deadline_states())

    # ----- helpers for the commands -----------------------------------------------------------------------------

    def _check_step(
        self, step: Step, envelope: Envelope, *, action: str | None = None, not_before: date | None = None
    ) -> None:
        """The step is open now, the actor may take it on this case, and its date is in order."""
        actor = envelope.actor
        allowed = {a.step: a for a in self.allowed_steps()}
        if step not in allowed:
            hint = " (信息比对 must be recorded first)" if step is Step.TOWNSHIP_REVIEW else ""
            raise StepNotAllowedError(
                f"step {step.value} is not allowed while the case is {self.status.value}{hint}",
                field="step",
                rule="step_order",
            )
        if action is not None and action not in allowed[step].actions:
            raise StepNotAllowedError(
                f"action {action} of {step.value} is not allowed while the case is {self.status.value}",
                field="action",
                rule="step_order",
            )
        check_may_take(actor, step, self.village_code)
        self._check_duties(step, actor)
        check_step_time(envelope.at, self.last_business_date if not_before is None else not_before, envelope.now)

    def _check_duties(self, step: Step, actor: Actor) -> None:
        """Separation of duties on this case (domain/kernel/permissions.py): refused with nothing recorded."""
        found = procedure_of(self.status)
        procedure = found.procedure if found is not None else None
        facts = (self.elimination or {}) if procedure is Procedure.ELIMINATION else self.facts
        conflict = duty_conflict(step, actor.id, procedure, facts, self.responsible_person, actor.role)
        if conflict is not None:
            raise NotPermittedError(conflict, field="actor", rule="separation_of_duties")

    def _trigger(self, event_class: type[CaseEvent], envelope: Envelope, comment: str, **payload: Any) -> None:
        self.trigger_event(
            event_class,
            actor=envelope.actor.as_dict(),
            command_id=envelope.command_id,
            occurred_at=envelope.at,
            comment=comment.strip(),
            **payload,
        )


def check_labour(labour_capable_members: int, household_size: int) -> None:
    """Members with labour capacity are counted among the household's members."""
    if not 0 <= labour_capable_members <= household_size:
        raise RuleViolationError(
            "members with labour capacity are between 0 and the household size",
            field="labour_capable_members",
            rule="within_household",
        )
