"""Typed contracts between the API, the case workflow and its activities.

The request bodies of the API are these models (strict: unknown fields are refused), so one definition validates a
step at the edge and carries it through Temporal (pydantic data converter) to the activity."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from domain.cases import values as cv
from domain.cases.steps import commands as c
from domain.cases.view import CaseViewData
from domain.kernel.actors import Role
from domain.kernel.steps import Step
from domain.registry.values import Guarantee, HouseholdType, Risk
from workflows.kernel.contracts import (
    ActorModel,
    BusinessDate,
    BusinessTime,
    CountyCode,
    Money,
    Name,
    ShortText,
    SignedMoney,
    Strict,
    Text,
    TownshipCode,
    VillageCode,
)


class OpenCaseRequest(Strict):
    """发现线索: open a monitoring case from a risk clue."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"household_number": "HH-101001-0008", "household_head": "王建国", "village_code": "990102101001",
         "source": "self_application", "clue_date": "2024-03-04", "reported_risks": ["illness"],
         "comment": "户主突发重病住院，本人到村委会申报"},
    ]})  # fmt: skip

    household_number: Annotated[
        str, StringConstraints(min_length=1, max_length=40, strip_whitespace=True, pattern=r"^[^\x00-\x1f\x7f]*$")
    ]
    household_head: ShortText = ""
    village_code: VillageCode
    township_code: TownshipCode | None = None
    county_code: CountyCode | None = None
    source: cv.Source
    clue_date: BusinessDate
    reported_risks: Annotated[list[Risk], Field(max_length=11)] = []
    comment: Text = ""


class StepBody(Strict):
    """Fields every step has: when it happened (default: now) and a free comment. Each step's body becomes its
    domain command (``domain.cases.steps.commands``) field by field in ``to_command``; ``occurred_at`` goes into the
    command's envelope."""

    occurred_at: BusinessTime | None = None
    comment: Text = ""

    def to_command(self) -> c.StepCommand:
        raise NotImplementedError(f"{type(self).__name__} names no command")


class HouseholdVisitBody(StepBody):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"visitors": ["李明", "张敏"], "per_capita_net_income": "5200.00", "rigid_expenditure": "23000.00",
         "risks": ["illness"], "authorisation_signed": True, "authorisation_ref": "SQ-2024-0311",
         "occurred_at": "2024-03-06T10:30:00+08:00", "comment": "户主住院，自付医疗费约2.3万元"},
    ]})  # fmt: skip

    visitors: Annotated[list[Name], Field(min_length=1, max_length=10)]
    # The household's type, size and labour are read from the registry as of the visit's date; leave them out. Typed
    # only for a household not registered (then required); a typed figure that contradicts the registry is refused.
    household_type: HouseholdType | None = None
    household_size: Annotated[int, Field(ge=1, le=50)] | None = None
    labour_capable_members: Annotated[int, Field(ge=0, le=50)] | None = None  # 普通/技能/弱劳动力 (domain.md §9)
    per_capita_net_income: SignedMoney
    rigid_expenditure: Money = Decimal(0)
    unmet_guarantees: Annotated[list[Guarantee], Field(max_length=4)] = []
    risks: Annotated[list[Risk], Field(max_length=11)] = []
    sudden_event: Text = ""
    authorisation_signed: bool
    authorisation_ref: ShortText = ""
    refusal_reason: Text = ""  # required when the household declines (authorisation_signed false)

    def to_command(self) -> c.RecordHouseholdVisit:
        return c.RecordHouseholdVisit(
            visitors=self.visitors,
            household_type=self.household_type,
            household_size=self.household_size,
            labour_capable_members=self.labour_capable_members,
            per_capita_net_income=self.per_capita_net_income,
            rigid_expenditure=self.rigid_expenditure,
            unmet_guarantees=self.unmet_guarantees,
            risks=self.risks,
            sudden_event=self.sudden_event,
            authorisation_signed=self.authorisation_signed,
            authorisation_ref=self.authorisation_ref,
            refusal_reason=self.refusal_reason,
            comment=self.comment,
        )


class CrossCheckBody(StepBody):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"departments": ["公安", "民政", "医保", "人社"], "consistent": True,
         "verified_per_capita_net_income": "5150.00", "occurred_at": "2024-03-08T15:00:00+08:00"},
    ]})  # fmt: skip

    departments: Annotated[list[Name], Field(min_length=1, max_length=20)]
    consistent: bool
    findings: Text = ""
    verified_per_capita_net_income: SignedMoney | None = None

    def to_command(self) -> c.RecordCrossCheck:
        return c.RecordCrossCheck(
            departments=self.departments,
            consistent=self.consistent,
            findings=self.findings,
            verified_per_capita_net_income=self.verified_per_capita_net_income,
            comment=self.comment,
        )


class VillageDeliberationBody(StepBody):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"participants": 15, "outcome": "pass", "minutes_ref": "玉坪村民主评议记录 2024-03",
         "occurred_at": "2024-03-11T19:30:00+08:00"},
    ]})  # fmt: skip

    participants: Annotated[int, Field(ge=1, le=1000)]
    outcome: cv.DeliberationOutcome
    minutes_ref: ShortText

    def to_command(self) -> c.RecordVillageDeliberation:
        return c.RecordVillageDeliberation(
            participants=self.participants, outcome=self.outcome, minutes_ref=self.minutes_ref, comment=self.comment
        )


class NoticePostBody(StepBody):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"action": "post", "start_date": "2024-03-12", "end_date": "2024-03-18", "location": "玉坪村村务公开栏",
         "occurred_at": "2024-03-12T09:00:00+08:00"},
    ]})  # fmt: skip

    action: Literal[cv.NoticeAction.POST]
    start_date: BusinessDate
    end_date: BusinessDate
    location: ShortText = ""

    def to_command(self) -> c.PostPublicNotice:
        return c.PostPublicNotice(
            start_date=self.start_date, end_date=self.end_date, location=self.location, comment=self.comment
        )


class NoticeObjectionBody(StepBody):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"action": "objection", "objection": "有村民反映该户配偶在外务工的收入未如实申报", "raised_by": "村民代表",
         "occurred_at": "2024-03-14T16:00:00+08:00"},
    ]})  # fmt: skip

    action: Literal[cv.NoticeAction.OBJECTION]
    objection: Text
    raised_by: ShortText = ""

    def to_command(self) -> c.RaiseNoticeObjection:
        return c.RaiseNoticeObjection(objection=self.objection, raised_by=self.raised_by, comment=self.comment)


class NoticeCloseBody(StepBody):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"action": "close", "outcome": "no_objection", "occurred_at": "2024-03-19T09:00:00+08:00"},
    ]})  # fmt: skip

    action: Literal[cv.NoticeAction.CLOSE]
    outcome: cv.NoticeOutcome
    investigation: Text = ""

    def to_command(self) -> c.ClosePublicNotice:
        return c.ClosePublicNotice(outcome=self.outcome, investigation=self.investigation, comment=self.comment)


PublicNoticeBody = Annotated[NoticePostBody | NoticeObjectionBody | NoticeCloseBody, Field(discriminator="action")]


class TownshipReviewBody(StepBody):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"decision": "pass", "occurred_at": "2024-03-19T14:00:00+08:00"},
    ]})  # fmt: skip

    decision: cv.TownshipDecision
    reason: Text = ""

    def to_command(self) -> c.ReviewByTownship:
        return c.ReviewByTownship(decision=self.decision, reason=self.reason, comment=self.comment)


class CountyDecisionBody(StepBody):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"decision": "approve", "category": "unstable_formerly_poor", "occurred_at": "2024-03-19T17:00:00+08:00"},
    ]})  # fmt: skip

    decision: cv.CountyDecision
    category: cv.Category | None = None
    reason: Text = ""

    def to_command(self) -> c.DecideByCounty:
        return c.DecideByCounty(
            decision=self.decision, category=self.category, reason=self.reason, comment=self.comment
        )


class AnnouncementBody(StepBody):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"location": "玉坪乡人民政府公示栏", "occurred_at": "2024-03-20T09:00:00+08:00"},
    ]})  # fmt: skip

    location: ShortText = ""

    def to_command(self) -> c.AnnounceResult:
        return c.AnnounceResult(location=self.location, comment=self.comment)


class ResponsiblePersonBody(StepBody):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"name": "陈志远", "unit": "示范县农业农村局", "phone": "13900000000", "start_date": "2024-03-21",
         "user_id": "helper-chen", "occurred_at": "2024-03-21T10:00:00+08:00"},
    ]})  # fmt: skip

    name: Name
    unit: ShortText
    phone: Annotated[str, StringConstraints(min_length=6, max_length=20, pattern=r"^[0-9+ -]*$")]
    start_date: BusinessDate
    # Their Dixian account, if they have one: they may then not approve the elimination of this household's risk.
    user_id: Annotated[str, StringConstraints(max_length=64, pattern=r"^[\x21-\x7e]*$")] = ""

    def to_command(self) -> c.AssignResponsiblePerson:
        return c.AssignResponsiblePerson(
            name=self.name,
            unit=self.unit,
            phone=self.phone,
            start_date=self.start_date,
            user_id=self.user_id,
            comment=self.comment,
        )


class AssistancePlanBody(StepBody):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"summary": "申请医疗救助报销住院费用；为配偶安排公益性岗位；扶持发展小规模养殖",
         "planned_categories": ["health", "public_welfare_job", "industry"],
         "occurred_at": "2024-03-22T10:00:00+08:00"},
    ]})  # fmt: skip

    summary: Text
    planned_categories: Annotated[list[cv.MeasureCategory], Field(min_length=1, max_length=14)]

    def to_command(self) -> c.MakeAssistancePlan:
        return c.MakeAssistancePlan(
            summary=self.summary, planned_categories=self.planned_categories, comment=self.comment
        )


class MeasureAddBody(StepBody):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"action": "add", "category": "health", "sub_item": "医疗救助", "start_date": "2024-03-25",
         "responsible_unit": "示范县医疗保障局", "funds": "8000.00", "status": "implemented", "targets": ["illness"],
         "occurred_at": "2024-03-25T11:00:00+08:00"},
    ]})  # fmt: skip

    action: Literal[cv.MeasureAction.ADD]
    category: cv.MeasureCategory
    sub_item: ShortText = ""
    start_date: BusinessDate
    responsible_unit: ShortText
    funds: Money = Decimal(0)
    status: Literal[cv.MeasureStatus.PLANNED, cv.MeasureStatus.IMPLEMENTED] = cv.MeasureStatus.PLANNED
    targets: Annotated[list[Risk], Field(max_length=11)] = []

    def to_command(self) -> c.AddMeasure:
        return c.AddMeasure(
            category=self.category,
            sub_item=self.sub_item,
            start_date=self.start_date,
            responsible_unit=self.responsible_unit,
            funds=self.funds,
            status=self.status,
            targets=self.targets,
            comment=self.comment,
        )


MeasureId = Annotated[str, StringConstraints(pattern=r"^M[0-9]{1,4}$")]


class MeasureChangeBody(StepBody):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"action": "change", "measure_id": "M2", "responsible_unit": "玉坪乡人民政府", "funds": "3600.00",
         "comment": "公益岗位工资改由乡政府统一发放"},
    ]})  # fmt: skip

    action: Literal[cv.MeasureAction.CHANGE]
    measure_id: MeasureId
    sub_item: ShortText | None = None
    start_date: BusinessDate | None = None
    responsible_unit: ShortText | None = None
    funds: Money | None = None

    def to_command(self) -> c.ChangeMeasure:
        return c.ChangeMeasure(
            measure_id=self.measure_id,
            sub_item=self.sub_item,
            start_date=self.start_date,
            responsible_unit=self.responsible_unit,
            funds=self.funds,
            comment=self.comment,
        )


class MeasureImplementBody(StepBody):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"action": "implement", "measure_id": "M2"},
    ]})  # fmt: skip

    action: Literal[cv.MeasureAction.IMPLEMENT]
    measure_id: MeasureId

    def to_command(self) -> c.ImplementMeasure:
        return c.ImplementMeasure(measure_id=self.measure_id, comment=self.comment)


class MeasureEndBody(StepBody):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"action": "end", "measure_id": "M1", "reason": "医疗救助已全额拨付，措施完成"},
    ]})  # fmt: skip

    action: Literal[cv.MeasureAction.END]
    measure_id: MeasureId
    reason: Text

    def to_command(self) -> c.EndMeasure:
        return c.EndMeasure(measure_id=self.measure_id, reason=self.reason, comment=self.comment)


MeasuresBody = Annotated[
    MeasureAddBody | MeasureChangeBody | MeasureImplementBody | MeasureEndBody, Field(discriminator="action")
]


class FindingInput(Strict):
    kind: cv.FindingKind
    description: Text
    found_on: BusinessDate


class ReviewBody(StepBody):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"findings": [{"kind": "not_effective", "description": "公益岗位工资未按月发放，家庭收入未见明显增加",
                       "found_on": "2024-06-12"}],
         "occurred_at": "2024-06-12T15:00:00+08:00"},
    ]})  # fmt: skip

    findings: Annotated[list[FindingInput], Field(min_length=1, max_length=20)]

    def to_command(self) -> c.ReviewAssistance:
        return c.ReviewAssistance(findings=[f.model_dump(mode="python") for f in self.findings], comment=self.comment)


class RectificationBody(StepBody):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"finding_id": "F1", "description": "乡政府已按月发放岗位工资，并补发4—5月工资", "measure_ids": ["M2"]},
    ]})  # fmt: skip

    finding_id: Annotated[str, StringConstraints(pattern=r"^F[0-9]{1,4}$")]
    description: Text
    measure_ids: Annotated[list[MeasureId], Field(min_length=1, max_length=20)]

    def to_command(self) -> c.RectifyFinding:
        return c.RectifyFinding(
            finding_id=self.finding_id, description=self.description, measure_ids=self.measure_ids, comment=self.comment
        )


class EliminationProposalBody(StepBody):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"mode": "assisted", "per_capita_net_income": "9800.00", "unresolved_rigid_expenditure": False,
         "evidence": "户主康复后务工，配偶公益岗位收入稳定，医疗费用已由医保和救助解决",
         "occurred_at": "2024-09-23T10:00:00+08:00"},
    ]})  # fmt: skip

    mode: cv.EliminationMode
    per_capita_net_income: SignedMoney
    unmet_guarantees: Annotated[list[Guarantee], Field(max_length=4)] = []
    unresolved_rigid_expenditure: bool
    labour_capable_members: Annotated[int, Field(ge=0, le=50)] | None = None  # the registry's; see the visit
    evidence: Text

    def to_command(self) -> c.ProposeElimination:
        return c.ProposeElimination(
            mode=self.mode,
            per_capita_net_income=self.per_capita_net_income,
            unmet_guarantees=self.unmet_guarantees,
            unresolved_rigid_expenditure=self.unresolved_rigid_expenditure,
            labour_capable_members=self.labour_capable_members,
            evidence=self.evidence,
            comment=self.comment,
        )


class EliminationVisitBody(StepBody):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"verifiers": ["李明", "赵刚"], "information_form_ref": "XC-2024-017-1", "measures_form_ref": "XC-2024-017-2",
         "assessment_form_ref": "XC-2024-017-3", "occurred_at": "2024-09-25T14:00:00+08:00"},
    ]})  # fmt: skip

    verifiers: Annotated[list[Name], Field(min_length=1, max_length=10)]
    information_form_ref: ShortText
    measures_form_ref: ShortText
    assessment_form_ref: ShortText

    def to_command(self) -> c.RecordEliminationVisit:
        return c.RecordEliminationVisit(
            verifiers=self.verifiers,
            information_form_ref=self.information_form_ref,
            measures_form_ref=self.measures_form_ref,
            assessment_form_ref=self.assessment_form_ref,
            comment=self.comment,
        )


class LookBackBody(StepBody):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"outcome": "stable", "evidence": "回头看入户走访：户主已康复务工，配偶公益岗位收入稳定",
         "per_capita_net_income": "10200.00"},
    ]})  # fmt: skip

    outcome: cv.LookBackOutcome
    evidence: Text
    per_capita_net_income: SignedMoney | None = None
    unmet_guarantees: Annotated[list[Guarantee], Field(max_length=4)] = []
    new_risks: Annotated[list[Risk], Field(max_length=11)] = []

    def to_command(self) -> c.RecordLookBack:
        return c.RecordLookBack(
            outcome=self.outcome,
            evidence=self.evidence,
            per_capita_net_income=self.per_capita_net_income,
            unmet_guarantees=self.unmet_guarantees,
            new_risks=self.new_risks,
            comment=self.comment,
        )


class RollbackRequestBody(StepBody):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"reason": "回头看发现户主旧病复发，家庭收入低于监测范围", "evidence": "回头看记录及住院票据",
         "document_ref": "玉坪乡政府请示 YP-HF-017"},
    ]})  # fmt: skip

    reason: Text
    evidence: Text
    document_ref: ShortText

    def to_command(self) -> c.RequestRollback:
        return c.RequestRollback(
            reason=self.reason, evidence=self.evidence, document_ref=self.document_ref, comment=self.comment
        )


class RollbackDecisionBody(StepBody):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"decision": "approve", "reason": "经核实该户返贫风险未消除，同意回退"},
    ]})  # fmt: skip

    decision: cv.RollbackDecision
    reason: Text = ""

    def to_command(self) -> c.DecideRollback:
        return c.DecideRollback(decision=self.decision, reason=self.reason, comment=self.comment)


STEP_BODIES: dict[Step, Any] = {
    Step.HOUSEHOLD_VISIT: HouseholdVisitBody,
    Step.CROSS_CHECK: CrossCheckBody,
    Step.VILLAGE_DELIBERATION: VillageDeliberationBody,
    Step.PUBLIC_NOTICE: PublicNoticeBody,
    Step.TOWNSHIP_REVIEW: TownshipReviewBody,
    Step.COUNTY_DECISION: CountyDecisionBody,
    Step.ANNOUNCEMENT: AnnouncementBody,
    Step.RESPONSIBLE_PERSON: ResponsiblePersonBody,
    Step.ASSISTANCE_PLAN: AssistancePlanBody,
    Step.MEASURES: MeasuresBody,
    Step.REVIEW: ReviewBody,
    Step.RECTIFICATION: RectificationBody,
    Step.ELIMINATION_PROPOSAL: EliminationProposalBody,
    Step.ELIMINATION_VISIT: EliminationVisitBody,
    Step.LOOK_BACK: LookBackBody,
    Step.ROLLBACK_REQUEST: RollbackRequestBody,
    Step.ROLLBACK_DECISION: RollbackDecisionBody,
}


class OpenCaseInput(Strict):
    case_id: UUID
    command_id: ShortText
    actor: ActorModel
    request: OpenCaseRequest
    now: datetime | None = None  # set by the workflow (its clock), never by the API
    signed_at: datetime | None = None  # when the API signed it (workflows.cases.signing)
    signature: str = ""  # the API's Ed25519 signature over every other field but ``now``


class StepInput(Strict):
    case_id: UUID
    step: Step
    action: str | None = None  # 村内公示 and 帮扶措施 have actions
    command_id: ShortText
    actor: ActorModel
    expected_version: int | None = None
    payload: dict[str, Any]  # the step body in JSON form; the activity re-validates it with STEP_BODIES
    now: datetime | None = None  # set by the workflow (its clock), never by the API
    signed_at: datetime | None = None  # when the API signed it (workflows.cases.signing)
    signature: str = ""  # the API's Ed25519 signature over every other field but ``now``


class DeadlineInput(Strict):
    case_id: UUID
    kind: cv.DeadlineKind
    due_date: date
    now: datetime


class ControlModel(BaseModel):
    """What the case workflow keeps of a case: control data, never personal facts (see ``CaseControl``)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class AllowedStepControl(ControlModel):
    step: Step
    label: str
    actions: list[str]
    roles: list[Role]


class DeadlineControl(ControlModel):
    kind: cv.DeadlineKind
    label: str
    due_date: date
    due_at: datetime
    met_on: date | None
    met_in_time: bool
    closed: bool
    missed_recorded: bool
    overdue: bool
    days_late: int


class AreaControl(ControlModel):
    county_code: str
    township_code: str
    village_code: str
    village_name: str


class NationalStatus(ControlModel):
    status: Literal["monitored", "eliminated", "rolled_back", "closed"]
    version: int


class CaseControl(ControlModel):
    """What the workflow keeps of a case: control data only — no names, incomes or other personal facts travel
    through Temporal's history. The API answers with the full ``CaseView`` read from the event store at
    ``version``."""

    case_id: UUID
    version: int
    stage: cv.Stage
    status: cv.Status
    area: AreaControl
    category: cv.Category | None
    clue_date: date
    identified_on: date | None = None
    eliminated_on: date | None = None
    elimination_count: int = 0
    allowed_steps: list[AllowedStepControl]
    deadlines: list[DeadlineControl]
    next_deadline: DeadlineControl | None
    overdue: bool
    overdue_recorded: bool = False
    national_status: NationalStatus | None = None
    national_transitions: list[NationalStatus] = []
    new_case_id: str | None = None
    finished: bool = False

    def jurisdiction(self) -> tuple[str, str, str]:
        return (self.area.county_code, self.area.township_code, self.area.village_code)

    @classmethod
    def of(cls, view: CaseViewData) -> CaseControl:
        """The control part of a full view (``domain.cases.view``)."""
        return cls.model_validate({**view, "elimination_count": len(view["elimination_history"])})


class CaseWorkflowState(BaseModel):
    """What a case workflow carries across continue-as-new."""

    case_id: UUID
    view: CaseControl | None = None
    processed_commands: list[str] = []
    # Adopt a case that already exists in the event store (a re-entry case, or a workflow restarted by operations)
    # instead of waiting for its opening command.
    adopt_existing: bool = False
    synced_national_version: int = 0
    # Continue-as-new when the history grows past this many events (or when the server suggests it, earlier).
    max_history_events: int = 2000
    # Search attributes written only when they change, known from the input (see CaseWorkflow's
    # _upsert_search_attributes). Every workflow begun since issue 22 carries True (``begin``); one begun before
    # carries False and asks Temporal's patch marker instead, as it did when it was begun.
    upserts_changes_only: bool = False

    @classmethod
    def begin(cls, case_id: UUID, *, adopt_existing: bool = False, **rest: Any) -> CaseWorkflowState:
        """The input of a case workflow begun now."""
        return cls(case_id=case_id, adopt_existing=adopt_existing, upserts_changes_only=True, **rest)


class NationalSyncInput(Strict):
    """The activity reads the record to send from the event store at ``version``."""

    case_id: UUID
    version: int
    status: str


class LoadCaseInput(Strict):
    case_id: UUID
    now: datetime


def workflow_id_for(case_id: UUID) -> str:
    return f"case-{case_id}"
