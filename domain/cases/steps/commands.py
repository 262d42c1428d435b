"""The commands of a case's steps, as data: what each step says besides who takes it, under which command id and
when (``domain.kernel.envelope.Envelope``). The aggregate's step methods take (envelope, command); the API's
request bodies (``workflows.cases.contracts``) become these, field by field, so that a checker sees a body match
its command."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from domain.cases import values as cv
from domain.kernel.steps import Step
from domain.registry.values import Guarantee, HouseholdType, Risk


@dataclass(frozen=True)
class RecordHouseholdVisit:
    """The command of ``MonitoringCase.record_household_visit``."""

    visitors: list[str]
    # Read from the registry as of the visit's date (domain.cases.rules.household); typed only for a household not
    # registered. None: take the registry's.
    household_type: HouseholdType | None
    household_size: int | None
    labour_capable_members: int | None
    per_capita_net_income: Decimal
    rigid_expenditure: Decimal
    unmet_guarantees: list[Guarantee]
    risks: list[Risk]
    sudden_event: str
    authorisation_signed: bool
    authorisation_ref: str
    comment: str = ""
    refusal_reason: str = ""  # the household declining the 承诺授权书: why, in its words (required then)


@dataclass(frozen=True)
class RecordCrossCheck:
    """The command of ``MonitoringCase.record_cross_check``."""

    departments: list[str]
    consistent: bool
    findings: str
    verified_per_capita_net_income: Decimal | None
    comment: str = ""


@dataclass(frozen=True)
class RecordVillageDeliberation:
    """The command of ``MonitoringCase.record_village_deliberation``."""

    participants: int
    outcome: cv.DeliberationOutcome
    minutes_ref: str
    comment: str = ""


@dataclass(frozen=True)
class PostPublicNotice:
    """The command of ``MonitoringCase.post_public_notice``."""

    start_date: date
    end_date: date
    location: str
    comment: str = ""


@dataclass(frozen=True)
class RaiseNoticeObjection:
    """The command of ``MonitoringCase.raise_notice_objection``."""

    objection: str
    raised_by: str
    comment: str = ""


@dataclass(frozen=True)
class ClosePublicNotice:
    """The command of ``MonitoringCase.close_public_notice``."""

    outcome: cv.NoticeOutcome
    investigation: str
    comment: str = ""


@dataclass(frozen=True)
class ReviewByTownship:
    """The command of ``MonitoringCase.review_by_township``."""

    decision: cv.TownshipDecision
    reason: str
    comment: str = ""


@dataclass(frozen=True)
class DecideByCounty:
    """The command of ``MonitoringCase.decide_by_county``."""

    decision: cv.CountyDecision
    category: cv.Category | None
    reason: str
    comment: str = ""


@dataclass(frozen=True)
class AnnounceResult:
    """The command of ``MonitoringCase.announce_result``."""

    location: str
    comment: str = ""


@dataclass(frozen=True)
class AssignResponsiblePerson:
    """The command of ``MonitoringCase.assign_responsible_person``."""

    name: str
    unit: str
    phone: str
    start_date: date
    user_id: str = ""
    comment: str = ""


@dataclass(frozen=True)
class MakeAssistancePlan:
    """The command of ``MonitoringCase.make_assistance_plan``."""

    summary: str
    planned_categories: list[cv.MeasureCategory]
    comment: str = ""


@dataclass(frozen=True)
class AddMeasure:
    """The command of ``MonitoringCase.add_measure``."""

    category: cv.MeasureCategory
    sub_item: str
    start_date: date
    responsible_unit: str
    funds: Decimal
    status: cv.MeasureStatus
    targets: list[Risk]
    comment: str = ""


@dataclass(frozen=True)
class ChangeMeasure:
    """The command of ``MonitoringCase.change_measure``."""

    measure_id: str
    sub_item: str | None
    start_date: date | None
    responsible_unit: str | None
    funds: Decimal | None
    comment: str = ""


@dataclass(frozen=True)
class ImplementMeasure:
    """The command of ``MonitoringCase.implement_measure``."""

    measure_id: str
    comment: str = ""


@dataclass(frozen=True)
class EndMeasure:
    """The command of ``MonitoringCase.end_measure``."""

    measure_id: str
    reason: str
    comment: str = ""


@dataclass(frozen=True)
class ReviewAssistance:
    """The command of ``MonitoringCase.review_assistance``."""

    findings: list[dict[str, Any]]
    comment: str = ""


@dataclass(frozen=True)
class RectifyFinding:
    """The command of ``MonitoringCase.rectify_finding``."""

    finding_id: str
    description: str
    measure_ids: list[str]
    comment: str = ""


@dataclass(frozen=True)
class ProposeElimination:
    """The command of ``MonitoringCase.propose_elimination``."""

    mode: cv.EliminationMode
    per_capita_net_income: Decimal
    unmet_guarantees: list[Guarantee]
    unresolved_rigid_expenditure: bool
    labour_capable_members: int | None  # from the registry as of the proposal's date; None: take the registry's
    evidence: str
    comment: str = ""


@dataclass(frozen=True)
class RecordEliminationVisit:
    """The command of ``MonitoringCase.record_elimination_visit``."""

    verifiers: list[str]
    information_form_ref: str
    measures_form_ref: str
    assessment_form_ref: str
    comment: str = ""


@dataclass(frozen=True)
class RecordLookBack:
    """The command of ``MonitoringCase.record_look_back``."""

    outcome: cv.LookBackOutcome
    evidence: str
    per_capita_net_income: Decimal | None
    unmet_guarantees: list[Guarantee]
    new_risks: list[Risk]
    comment: str = ""


@dataclass(frozen=True)
class RequestRollback:
    """The command of ``MonitoringCase.request_rollback``."""

    reason: str
    evidence: str
    document_ref: str
    comment: str = ""


@dataclass(frozen=True)
class DecideRollback:
    """The command of ``MonitoringCase.decide_rollback``."""

    decision: cv.RollbackDecision
    reason: str
    comment: str = ""


StepCommand = (
    RecordHouseholdVisit
    | RecordCrossCheck
    | RecordVillageDeliberation
    | PostPublicNotice
    | RaiseNoticeObjection
    | ClosePublicNotice
    | ReviewByTownship
    | DecideByCounty
    | AnnounceResult
    | AssignResponsiblePerson
    | MakeAssistancePlan
    | AddMeasure
    | ChangeMeasure
    | ImplementMeasure
    | EndMeasure
    | ReviewAssistance
    | RectifyFinding
    | ProposeElimination
    | RecordEliminationVisit
    | RecordLookBack
    | RequestRollback
    | DecideRollback
)

# Which command takes each step (with its action, for the steps that have actions: 村内公示 and 帮扶措施).
COMMANDS: dict[tuple[Step, str | None], type[StepCommand]] = {
    (Step.HOUSEHOLD_VISIT, None): RecordHouseholdVisit,
    (Step.CROSS_CHECK, None): RecordCrossCheck,
    (Step.VILLAGE_DELIBERATION, None): RecordVillageDeliberation,
    (Step.PUBLIC_NOTICE, cv.NoticeAction.POST): PostPublicNotice,
    (Step.PUBLIC_NOTICE, cv.NoticeAction.OBJECTION): RaiseNoticeObjection,
    (Step.PUBLIC_NOTICE, cv.NoticeAction.CLOSE): ClosePublicNotice,
    (Step.TOWNSHIP_REVIEW, None): ReviewByTownship,
    (Step.COUNTY_DECISION, None): DecideByCounty,
    (Step.ANNOUNCEMENT, None): AnnounceResult,
    (Step.RESPONSIBLE_PERSON, None): AssignResponsiblePerson,
    (Step.ASSISTANCE_PLAN, None): MakeAssistancePlan,
    (Step.MEASURES, cv.MeasureAction.ADD): AddMeasure,
    (Step.MEASURES, cv.MeasureAction.CHANGE): ChangeMeasure,
    (Step.MEASURES, cv.MeasureAction.IMPLEMENT): ImplementMeasure,
    (Step.MEASURES, cv.MeasureAction.END): EndMeasure,
    (Step.REVIEW, None): ReviewAssistance,
    (Step.RECTIFICATION, None): RectifyFinding,
    (Step.ELIMINATION_PROPOSAL, None): ProposeElimination,
    (Step.ELIMINATION_VISIT, None): RecordEliminationVisit,
    (Step.LOOK_BACK, None): RecordLookBack,
    (Step.ROLLBACK_REQUEST, None): RequestRollback,
    (Step.ROLLBACK_DECISION, None): DecideRollback,
}
