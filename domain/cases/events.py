"""The events of a monitoring case. Each records a fact; ``apply`` only writes that fact onto the case (no rules),
so a stored history always replays the same way whatever the policy says today.

Every event carries the actor, the command id, the business time (``occurred_at``) and a comment; the library's
``timestamp`` is the time it was recorded. Each class is stored under its pinned topic (``domain.events:Name``,
``domain.kernel.topics``): never change it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from domain.cases.rules.deadlines import missed_key
from domain.cases.rules.identification import PROCEDURES, ProcedureStatuses
from domain.cases.values import (
    Category,
    CountyDecision,
    DeadlineKind,
    DeliberationOutcome,
    LookBackOutcome,
    MeasureStatus,
    NoticeOutcome,
    Source,
    Status,
    TownshipDecision,
)
from domain.kernel.chain import ChainedCreated, ChainedEvent
from domain.kernel.steps import Procedure
from domain.kernel.time import local_date
from domain.kernel.topics import stored_as

if TYPE_CHECKING:
    from domain.cases.case import MonitoringCase


def _facts(event: CaseEvent) -> dict[str, Any]:
    """An event's payload and provenance, as kept on the case for its view."""
    skip = {"originator_id", "originator_version", "timestamp", "command_id", "prev_hash", "hash"}
    facts = {k: v for k, v in vars(event).items() if k not in skip}
    facts["recorded_at"] = event.timestamp
    facts["version"] = event.originator_version
    return facts


@stored_as("domain.events:CaseOpened")
class CaseOpened(ChainedCreated):
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
    previous_case_id: str  # the eliminated case whose look-back found a new risk ("" for a first case)
    # Where the household's facts came from when the case opened: the registry version read (domain.registry.figures
    # RegistryReading.source), or None for a household not registered (a self-application or an alert), which is
    # then to be registered by ``registration_due``. Cases opened before the registry was read carry neither.
    registry_source: dict[str, Any] | None = None
    registration_due: date | None = None

    def apply(self, case: MonitoringCase) -> None:
        if "registry_source" in vars(self):  # an older case keeps the state (and snapshots) it always had
            case.registry_source = dict(self.registry_source) if self.registry_source else None
            case.registration_due = self.registration_due
        case.household_number = self.household_number
        case.household_head = self.household_head
        case.village_code = self.village_code
        case.township_code = self.township_code
        case.county_code = self.county_code
        case.source = Source(self.source)
        case.clue_date = self.clue_date
        case.reported_risks = list(self.reported_risks)
        case.pinned_policy = dict(self.policy)
        case.previous_case_id = self.previous_case_id
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
        case.risks = []
        case.unmet_guarantees = []
        case.labour_capable_members = 0
        case.responsible_person = None
        case.responsible_history = []
        case.plan = None
        case.plan_made_on = None
        case.measures = {}
        case.first_measure_on = None
        case.findings = {}
        case.elimination = None
        case.elimination_history = []
        case.eliminated_on = None
        case.look_backs = []
        case.rollbacks = []
        case.new_case_id = None


class CaseEvent(ChainedEvent):
    actor: dict[str, str]
    command_id: str
    occurred_at: datetime
    comment: str

    # Whether this event's business date bounds the dates of later steps. The cross-check runs in parallel with the
    # village steps (domain.md §4.2 step 2), and the system's DeadlineMissed is dated by the clock, so neither may
    # push the village's chronology forward; nor may assistance records, which run alongside the procedures.
    sets_chronology: ClassVar[bool] = True

    def apply(self, case: MonitoringCase) -> None:
        case.command_versions[self.command_id] = self.originator_version
        if self.sets_chronology:
            case.last_business_date = max(case.last_business_date, local_date(self.occurred_at))
        self.apply_facts(case)

    def apply_facts(self, case: MonitoringCase) -> None:
        """Record the event's facts on the case (no rules here)."""


class ProcedureEvent(CaseEvent):
    """A step of the village-to-county procedure shared by identification and elimination."""

    procedure: str

    def put(self, case: MonitoringCase, key: str) -> None:
        facts = _facts(self)
        if self.procedure == Procedure.IDENTIFICATION:
            case.facts[key] = facts
        else:
            assert case.elimination is not None
            case.elimination[key] = facts

    @property
    def statuses(self) -> ProcedureStatuses:
        return PROCEDURES[Procedure(self.procedure)]

    def apply(self, case: MonitoringCase) -> None:
        super().apply(case)
        if self.procedure == Procedure.ELIMINATION and case.status is Status.MONITORED and case.elimination:
            # Refused at the village, township or county: the attempt is kept in the history, the case stays
            # monitored and may be proposed again.
            case.elimination_history.append(dict(case.elimination, outcome="refused", refused_by=type(self).__name__))
            case.elimination = None


# ----- identification ------------------------------------------------------------------------------------------


@stored_as("domain.events:HouseholdVisitRecorded")
class HouseholdVisitRecorded(CaseEvent):
    visitors: list[str]
    household_type: str
    household_size: int
    labour_capable_members: int
    per_capita_net_income: Decimal
    rigid_expenditure: Decimal
    unmet_guarantees: list[str]
    risks: list[str]
    sudden_event: str
    authorisation_signed: bool
    authorisation_ref: str
    refusal_reason: str = ""  # why the household declined the authorisation ("" when signed, or recorded before)
    # Where household_type, household_size and labour_capable_members came from: a registry version as of the visit's
    # date, or typed (for a household not registered); None for visits recorded before the registry was read.
    figures_source: dict[str, Any] | None = None

    def apply_facts(self, case: MonitoringCase) -> None:
        case.facts["household_visit"] = _facts(self)
        case.risks = list(self.risks)
        case.unmet_guarantees = list(self.unmet_guarantees)
        case.labour_capable_members = self.labour_capable_members
        case.status = Status.VISIT_VERIFIED if self.authorisation_signed else Status.CLOSED_NOT_APPLIED


@stored_as("domain.events:CrossCheckRecorded")
class CrossCheckRecorded(CaseEvent):
    sets_chronology = False
    departments: list[str]
    consistent: bool
    findings: str
    verified_per_capita_net_income: Decimal | None

    def apply_facts(self, case: MonitoringCase) -> None:
        case.facts["cross_check"] = _facts(self)


@stored_as("domain.events:VillageDeliberationRecorded")
class VillageDeliberationRecorded(ProcedureEvent):
    participants: int
    outcome: str
    minutes_ref: str

    def apply_facts(self, case: MonitoringCase) -> None:
        self.put(case, "village_deliberation")
        passed = self.outcome == DeliberationOutcome.PASS
        case.status = self.statuses.deliberated if passed else self.statuses.rejected


@stored_as("domain.events:PublicNoticePosted")
class PublicNoticePosted(ProcedureEvent):
    start_date: date
    end_date: date
    location: str

    def apply_facts(self, case: MonitoringCase) -> None:
        self.put(case, "public_notice")
        facts = case.facts if self.procedure == Procedure.IDENTIFICATION else case.elimination
        assert facts is not None
        facts.pop("notice_objection", None)  # an objection belongs to the notice it was raised against
        case.objection_open = False
        case.status = self.statuses.notice_posted


@stored_as("domain.events:NoticeObjectionRaised")
class NoticeObjectionRaised(ProcedureEvent):
    objection: str
    raised_by: str

    def apply_facts(self, case: MonitoringCase) -> None:
        self.put(case, "notice_objection")
        case.objection_open = True
        case.status = self.statuses.notice_objected


@stored_as("domain.events:PublicNoticeClosed")
class PublicNoticeClosed(ProcedureEvent):
    outcome: str
    investigation: str

    def apply_facts(self, case: MonitoringCase) -> None:
        self.put(case, "public_notice_closed")
        case.objection_open = False
        case.status = {
            NoticeOutcome.NO_OBJECTION: self.statuses.notice_closed,
            NoticeOutcome.REDELIBERATE: self.statuses.verified,
            NoticeOutcome.REJECT: self.statuses.rejected,
        }[NoticeOutcome(self.outcome)]


@stored_as("domain.events:TownshipReviewed")
class TownshipReviewed(ProcedureEvent):
    decision: str
    reason: str

    def apply_facts(self, case: MonitoringCase) -> None:
        self.put(case, "township_review")
        case.status = {
            TownshipDecision.PASS: self.statuses.township_passed,
            TownshipDecision.RETURN: self.statuses.verified,
            TownshipDecision.REJECT: self.statuses.rejected,
        }[TownshipDecision(self.decision)]


@stored_as("domain.events:CountyDecided")
class CountyDecided(ProcedureEvent):
    decision: str
    category: str | None
    reason: str

    def apply_facts(self, case: MonitoringCase) -> None:
        self.put(case, "county_decision")
        approved = self.decision == CountyDecision.APPROVE
        if self.procedure == Procedure.IDENTIFICATION:
            case.decided_on = local_date(self.occurred_at)
            if approved:
                case.category = Category(str(self.category))
                case.identified_on = case.decided_on
        else:
            assert case.elimination is not None
            case.elimination["decided_on"] = local_date(self.occurred_at)
        case.status = self.statuses.county_approved if approved else self.statuses.rejected


@stored_as("domain.events:ResultAnnounced")
class ResultAnnounced(CaseEvent):
    """结果公告 of an identification: the household is monitored (风险未消除)."""

    location: str

    def apply_facts(self, case: MonitoringCase) -> None:
        case.facts["announcement"] = _facts(self)
        case.status = Status.MONITORED


@stored_as("domain.events:DeadlineMissed")
class DeadlineMissed(CaseEvent):
    sets_chronology = False
    kind: str
    due_date: date

    def apply_facts(self, case: MonitoringCase) -> None:
        case.missed_deadlines[missed_key(self.kind, self.due_date)] = self.due_date


# ----- assistance ----------------------------------------------------------------------------------------------


@stored_as("domain.events:ResponsiblePersonAssigned")
class ResponsiblePersonAssigned(CaseEvent):
    sets_chronology = False
    name: str
    unit: str
    phone: str
    start_date: date
    user_id: str = ""  # the person's Dixian account, when they have one (events before it was recorded have none)

    def apply_facts(self, case: MonitoringCase) -> None:
        if case.responsible_person is not None:
            case.responsible_history.append(dict(case.responsible_person, end_date=self.start_date))
        case.responsible_person = _facts(self)


@stored_as("domain.events:AssistancePlanMade")
class AssistancePlanMade(CaseEvent):
    sets_chronology = False
    summary: str
    planned_categories: list[str]

    def apply_facts(self, case: MonitoringCase) -> None:
        case.plan = _facts(self)
        if case.plan_made_on is None:
            case.plan_made_on = local_date(self.occurred_at)


@stored_as("domain.events:MeasureAdded")
class MeasureAdded(CaseEvent):
    sets_chronology = False
    measure_id: str
    category: str
    sub_item: str
    start_date: date
    responsible_unit: str
    funds: Decimal
    status: str
    targets: list[str]

    def apply_facts(self, case: MonitoringCase) -> None:
        measure = _facts(self)
        implemented = self.status == MeasureStatus.IMPLEMENTED
        measure["was_implemented"] = implemented
        measure["implemented_on"] = local_date(self.occurred_at) if implemented else None
        case.measures[self.measure_id] = measure
        if implemented:
            _first_measure(case, local_date(self.occurred_at))


def _first_measure(case: MonitoringCase, implemented_on: date) -> None:
    """The first targeted measure is the earliest implemented by its date, whatever order the measures were recorded
    in (补录 may enter an earlier one later)."""
    if case.first_measure_on is None or implemented_on < case.first_measure_on:
        case.first_measure_on = implemented_on


@stored_as("domain.events:MeasureChanged")
class MeasureChanged(CaseEvent):
    sets_chronology = False
    measure_id: str
    changes: dict[str, Any]

    def apply_facts(self, case: MonitoringCase) -> None:
        case.measures[self.measure_id].update(self.changes)
        case.measures[self.measure_id]["changed_at"] = self.occurred_at


@stored_as("domain.events:MeasureImplemented")
class MeasureImplemented(CaseEvent):
    sets_chronology = False
    measure_id: str

    def apply_facts(self, case: MonitoringCase) -> None:
        measure = case.measures[self.measure_id]
        measure.update(status=MeasureStatus.IMPLEMENTED.value, was_implemented=True)
        measure["implemented_on"] = local_date(self.occurred_at)
        _first_measure(case, local_date(self.occurred_at))


@stored_as("domain.events:MeasureEnded")
class MeasureEnded(CaseEvent):
    sets_chronology = False
    measure_id: str
    reason: str

    def apply_facts(self, case: MonitoringCase) -> None:
        case.measures[self.measure_id].update(status=MeasureStatus.ENDED.value, ended_reason=self.reason)
        case.measures[self.measure_id]["ended_on"] = local_date(self.occurred_at)


@stored_as("domain.events:AssistanceReviewed")
class AssistanceReviewed(CaseEvent):
    sets_chronology = False
    findings: list[dict[str, Any]]  # finding_id, kind, description, found_on

    def apply_facts(self, case: MonitoringCase) -> None:
        for finding in self.findings:
            case.findings[finding["finding_id"]] = {
                **finding,
                "reviewer": dict(self.actor),
                "review_version": self.originator_version,
                "rectified": None,
            }


@stored_as("domain.events:FindingRectified")
class FindingRectified(CaseEvent):
    sets_chronology = False
    finding_id: str
    description: str
    measure_ids: list[str]
    rectified_on: date

    def apply_facts(self, case: MonitoringCase) -> None:
        case.findings[self.finding_id]["rectified"] = _facts(self)


# ----- elimination, look-back, rollback ------------------------------------------------------------------------


@stored_as("domain.events:EliminationProposed")
class EliminationProposed(CaseEvent):
    mode: str
    per_capita_net_income: Decimal
    monitoring_line: Decimal
    line_policy: str
    unmet_guarantees: list[str]
    unresolved_rigid_expenditure: bool
    labour_capable_members: int
    evidence: str
    figures_source: dict[str, Any] | None = None  # as for the visit: where labour_capable_members came from

    def apply_facts(self, case: MonitoringCase) -> None:
        case.elimination = {
            "proposal": _facts(self),
            "proposed_on": local_date(self.occurred_at),
            "mode": self.mode,
            "decided_on": None,
        }
        # The proposal's own figures stay with the proposal: if the elimination is refused, the household's facts
        # from identification still drive the assistance rules.
        case.status = Status.ELIMINATION_PROPOSED


@stored_as("domain.events:EliminationVisitRecorded")
class EliminationVisitRecorded(CaseEvent):
    verifiers: list[str]
    information_form_ref: str
    measures_form_ref: str
    assessment_form_ref: str

    def apply_facts(self, case: MonitoringCase) -> None:
        assert case.elimination is not None
        case.elimination["elimination_visit"] = _facts(self)
        case.status = Status.ELIMINATION_VERIFIED


@stored_as("domain.events:RiskEliminated")
class RiskEliminated(CaseEvent):
    """结果公告 of an elimination: 风险已消除, by its mode."""

    mode: str
    location: str

    def apply_facts(self, case: MonitoringCase) -> None:
        assert case.elimination is not None
        case.elimination["announcement"] = _facts(self)
        case.eliminated_on = local_date(self.occurred_at)
        case.elimination_history.append(dict(case.elimination, outcome="eliminated"))
        case.status = Status.ELIMINATED


@stored_as("domain.events:LookBackRecorded")
class LookBackRecorded(CaseEvent):
    outcome: str
    evidence: str
    per_capita_net_income: Decimal | None
    unmet_guarantees: list[str]
    new_risks: list[str]
    new_case_id: str | None

    def apply_facts(self, case: MonitoringCase) -> None:
        case.look_backs.append(_facts(self))
        if self.outcome == LookBackOutcome.NEW_RISK:
            case.new_case_id = self.new_case_id
            case.status = Status.RE_ENTERED


@stored_as("domain.events:RollbackRequested")
class RollbackRequested(CaseEvent):
    reason: str
    evidence: str
    document_ref: str

    def apply_facts(self, case: MonitoringCase) -> None:
        case.rollbacks.append({"request": _facts(self), "decision": None})
        case.status = Status.ROLLBACK_REQUESTED


@stored_as("domain.events:EliminationRolledBack")
class EliminationRolledBack(CaseEvent):
    """风险消除回退 approved by the county: monitored again, original category and identification date kept."""

    reason: str

    def apply_facts(self, case: MonitoringCase) -> None:
        case.rollbacks[-1]["decision"] = dict(_facts(self), approved=True)
        case.eliminated_on = None
        case.elimination = None
        case.status = Status.MONITORED


@stored_as("domain.events:RollbackRefused")
class RollbackRefused(CaseEvent):
    reason: str

    def apply_facts(self, case: MonitoringCase) -> None:
        case.rollbacks[-1]["decision"] = dict(_facts(self), approved=False)
        case.status = Status.ELIMINATED


# Which events start each statutory deadline's clock, and which meet it (the case's state follows the same events:
# its clue date, identification, plan, first implemented measure, elimination and look-backs). A measure meets its
# deadlines only once implemented (``MeasureAdded`` with status implemented, or ``MeasureImplemented``).
DEADLINE_CLOCKS: dict[
    DeadlineKind, tuple[tuple[type[ChainedEvent | ChainedCreated], ...], tuple[type[CaseEvent], ...]]
] = {
    DeadlineKind.IDENTIFICATION: ((CaseOpened,), (CountyDecided,)),
    DeadlineKind.ASSISTANCE_PLAN: ((CountyDecided,), (AssistancePlanMade,)),
    DeadlineKind.MEASURES: ((CountyDecided,), (MeasureAdded, MeasureImplemented)),
    DeadlineKind.MEASURES_FROM_CLUE: ((CaseOpened,), (MeasureAdded, MeasureImplemented)),
    DeadlineKind.LOOK_BACK: ((RiskEliminated,), (LookBackRecorded,)),
}
