"""What the API hands the discovery channels' use cases (``domain.discovery``)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from domain.campaigns.values import ScreeningMethod
from domain.discovery.alert_commands import AlertRecord
from domain.discovery.commands import ApplicationRecord
from domain.discovery.values import AlertKind, AlertOutcome, ApplicationRoute
from domain.registry.values import Risk
from workflows.campaigns.contracts import FindingsBody
from workflows.kernel.contracts import BusinessDate, Money, Name, ShortText, Strict, Text, VillageCode
from workflows.registry.contracts import StaffNumber

IdNumber = Annotated[str, StringConstraints(pattern=r"^[0-9]{17}[0-9Xx]([0-9]{2}|[0-9]{4})?$")]


class ApplicationRequest(Strict):
    """农户自主申报: a household's application as the written form (《监测对象申请及承诺授权查询书》) or the call
    gives it."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"village_code": "990102101001", "applicant_name": "刘大山", "applicant_id_number": "990102196805020071",
         "route": "written", "received_on": "2024-03-04", "reported_risks": ["illness"],
         "household_number": "HH-101001-0008", "authorised": True, "comment": "户主住院，家属到村委会递交申请书"},
    ]})  # fmt: skip

    village_code: VillageCode
    applicant_name: Name
    applicant_id_number: IdNumber
    route: ApplicationRoute = Field(description="written 书面申请, hotline 咨询服务电话, app 手机应用或小程序")
    received_on: BusinessDate = Field(description="申请日期: the identification deadline counts from it")
    reported_risks: Annotated[list[Risk], Field(min_length=1, max_length=11)]
    household_number: ShortText = Field(default="", description="户编号, when the household is in the registry")
    authorised: bool = Field(default=False, description="承诺授权 signed (the authorisation to query its data)")
    comment: Text = ""

    def record(self) -> ApplicationRecord:
        return ApplicationRecord(
            village_code=self.village_code, applicant_name=self.applicant_name,
            applicant_id_number=self.applicant_id_number, route=self.route, received_on=self.received_on,
            reported_risks=list(self.reported_risks), household_number=self.household_number,
            authorised=self.authorised, comment=self.comment,
        )  # fmt: skip


class AnswerRequest(Strict):
    """The township's answer: accept (a case opens, source 农户自主申报, its clue date the application's day) or
    refuse with the reason."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"accept": True, "household_number": "HH-101001-0031"},
        {"accept": False, "reason": "经核实，该户已纳入监测对象，无需重复申请"},
    ]})  # fmt: skip

    accept: bool
    reason: Text = Field(default="", description="不予受理的理由 (required when refusing)")
    household_number: ShortText = Field(
        default="", description="户编号 for a household the application named none for (required then)"
    )


class DeadlineKind(StrEnum):
    """What a discovery deadline's timer waits on: a self-application's answer or an alert's verification."""

    APPLICATION = "application"
    ALERT = "alert"


class DiscoveryDeadline(BaseModel):
    """A discovery deadline's timer (control data only: numbers and the day, no personal value)."""

    kind: DeadlineKind
    numbers: list[str]
    due: date


class OverdueInput(BaseModel):
    MAX: ClassVar[int] = 200  # numbers per activity: one activity's work stays short

    kind: DeadlineKind
    numbers: list[str]
    now: datetime  # the workflow's time (a time-skipping test's, too)


def deadline_workflow_id(kind: DeadlineKind, key: str) -> str:
    """One timer per application (its number) or per push of alerts (its command)."""
    return f"{kind.value}-deadline-{key}"


class AlertItem(Strict):
    """One alert as a department pushes it over the API (the file's row, in JSON)."""

    id_number: IdNumber = Field(description="身份证号 (18位)")
    name: Name
    kind: AlertKind = Field(description="预警类型: one of the department's (GET /alerts/template lists them)")
    occurred_on: BusinessDate = Field(description="发生日期, within a year")
    amount: Money | None = Field(default=None, description="金额（元）: required for a cost or a loss")
    details: Text = Field(default="", description="情况说明 (at most 500 characters)")
    reference: ShortText = Field(default="", description="部门编号: the department's own record number")
    area_code: ShortText = Field(default="", description="所在村或乡镇代码, for a person the registry may not hold")

    def record(self) -> AlertRecord:
        return AlertRecord(
            id_number=self.id_number, name=self.name, kind=self.kind, occurred_on=self.occurred_on,
            amount=self.amount, details=self.details, reference=self.reference, area_code=self.area_code,
        )  # fmt: skip


class AlertPush(Strict):
    """部门筛查预警: a department's alerts, all checked before any is recorded."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"alerts": [{"id_number": "990102196805020071", "name": "刘大山", "kind": "medical_cost",
                     "occurred_on": "2024-03-02", "amount": "23800",
                     "details": "住院费用经基本医保、大病保险报销后个人自付", "reference": "YB-2024-0317"}]},
    ]})  # fmt: skip

    alerts: Annotated[list[AlertItem], Field(min_length=1, max_length=2000)]


class AlertVerifyRequest(Strict):
    """The village's or township's verification of an alert: one of four outcomes."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"outcome": "risk_confirmed"},
        {"outcome": "already_monitored", "case_id": "3f1c…"},
        {"outcome": "not_at_risk", "reason": "大病保险二次报销后自付不足3千元，家庭收入稳定",
         "evidence": "2024-03-05 入户核实，查看报销单据和务工收入证明"},
        {"outcome": "not_registered", "reason": "本村无此人，经查已迁往外县"},
    ]})  # fmt: skip

    outcome: AlertOutcome = Field(
        description="risk_confirmed 风险属实 (a case opens), already_monitored 已是监测对象 (with case_id), "
        "not_at_risk 无风险 (reason and evidence), not_registered 不在库 (reason; sent back to the department)"
    )
    case_id: ShortText = Field(default="", description="the household's open case (already_monitored)")
    reason: Text = ""
    evidence: Text = Field(default="", description="核实依据: what was checked, when and how")
    household_number: ShortText = Field(default="", description="户编号, for a person the registry did not match")
    household_head: ShortText = Field(default="", description="户主姓名, for a household not in the registry")
    village_code: VillageCode | None = Field(default=None, description="村, for an alert routed to a township only")


class StatusLookup(Strict):
    """A household's own lookup of its self-application: the number and the last four characters of the applicant's
    ID number."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"application_number": "SQ0123456789", "id_last_four": "0071"},
    ]})  # fmt: skip

    application_number: Annotated[str, StringConstraints(pattern=r"^[Ss][Qq][0-9]{10}$")]
    id_last_four: Annotated[str, StringConstraints(pattern=r"^[0-9]{3}[0-9Xx]$")]


class VisitRequest(Strict):
    """走访: one visit to a household, recorded once; it fills every task on the visit list it serves (the campaign's
    screening, the identification's household visit, a look-back, the department alerts' verification)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"household_number": "HH-101001-0008", "visited_on": "2024-03-05", "method": "in_person",
         "screener": "S-101001-03", "visitors": ["李明", "张敏"],
         "findings": {"wage_income": "9600.00", "transfer_income": "2400.00", "medical_expenditure": "23000.00",
                      "risks": ["illness"]},
         "authorisation_signed": True, "authorisation_ref": "SQ-2024-0311", "comment": "户主住院，医疗支出较大"},
    ]})  # fmt: skip

    household_number: ShortText
    visited_on: BusinessDate
    method: ScreeningMethod = ScreeningMethod.IN_PERSON
    screener: StaffNumber = Field(description="走访人的工作人员编号（须在工作人员名册中）")
    visitors: Annotated[list[Name], Field(min_length=1, max_length=10)]
    findings: FindingsBody
    authorisation_signed: bool = Field(default=False, description="承诺授权书 signed (a case's household visit)")
    authorisation_ref: ShortText = ""
    refusal_reason: Text = Field(default="", description="why the household declined to sign, if it did")
    comment: Text = ""
