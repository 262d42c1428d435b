"""Typed request bodies and inputs of the campaign: screenings and their findings, campaigns, and the campaign
workflow's inputs (strict: unknown fields refused)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.campaigns.values import Milestone, ScreeningMethod
from domain.registry.values import (
    Risk,
)
from workflows.kernel.contracts import AreaCode, BusinessDate, Money, ShortText, Strict, Text
from workflows.registry.contracts import StaffNumber


class FindingsBody(Strict):
    """排查情况: income of the past 12 months by component, 三保障 and water, rigid spending and risks
    (domain.md §5, §9)."""

    wage_income: Money = Field(default=Decimal(0), description="工资性收入（元/年）")
    business_income: Money = Field(default=Decimal(0), description="生产经营性收入（元/年）")
    property_income: Money = Field(default=Decimal(0), description="财产性收入（元/年）")
    transfer_income: Money = Field(default=Decimal(0), description="转移性收入（元/年）")
    production_costs: Money = Field(default=Decimal(0), description="生产经营性支出（元/年）")
    housing_unsafe: bool = Field(default=False, description="住房出现安全问题")
    child_out_of_school: bool = Field(default=False, description="义务教育阶段适龄儿童少年失学辍学")
    member_uninsured: bool = Field(default=False, description="有家庭成员未参加基本医疗保险")
    water_unsafe: bool = Field(default=False, description="饮水出现安全问题")
    medical_expenditure: Money = Field(default=Decimal(0), description="合规自付医疗支出（元/年）")
    schooling_expenditure: Money = Field(default=Decimal(0), description="教育支出（元/年）")
    risks: Annotated[tuple[Risk, ...], Field(max_length=5, description="致贫/返贫风险，最多5项")] = ()
    newly_applied_dibao: bool = Field(default=False, description="新识别或新申请低保")
    severe_covid_impact: bool = Field(default=False, description="新冠病毒感染对生活影响较大")


class ScreeningRequest(Strict):
    """排查: one visit or call of one household, in a campaign or on its own."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"screened_on": "2024-03-05", "method": "in_person", "screener": "S-101001-03",
         "findings": {"wage_income": "9600.00", "business_income": "3000.00", "transfer_income": "2400.00",
                      "production_costs": "1500.00", "medical_expenditure": "23000.00", "risks": ["illness"]},
         "comment": "户主住院，医疗支出较大"},
    ]})  # fmt: skip

    campaign_id: UUID | None = None
    screened_on: BusinessDate
    method: ScreeningMethod
    screener: StaffNumber = Field(description="工作人员编号（须在工作人员名册中）")
    findings: FindingsBody
    comment: Text = ""


class CampaignRequest(Strict):
    """百日攻坚 行动: a scope (a township, or villages) and the seed's milestones (defaults: 3-10, 3-25, 3-30 of the
    first spring on or after the start, seed plan §三)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"name": "玉坪乡2024年防止返贫监测帮扶百日攻坚行动", "scope": ["990102101"], "starts_on": "2024-02-26",
         "milestones": {"screening_done": "2024-03-10", "procedures_done": "2024-03-25",
                        "summary_done": "2024-03-30"}},
    ]})  # fmt: skip

    name: ShortText
    scope: Annotated[list[AreaCode], Field(min_length=1, max_length=200)]
    starts_on: BusinessDate
    milestones: dict[Milestone, BusinessDate] | None = None

    @model_validator(mode="after")
    def _complete(self) -> CampaignRequest:
        if self.milestones is not None and set(self.milestones) != set(Milestone):
            raise ValueError("milestones must name screening_done, procedures_done and summary_done")
        return self


class CampaignInput(BaseModel):
    """What the campaign workflow needs: its id and when each milestone falls (control data only)."""

    campaign_id: UUID
    milestones: dict[Milestone, date]


class MilestoneInput(BaseModel):
    campaign_id: UUID
    milestone: Milestone


def campaign_workflow_id(campaign_id: UUID) -> str:
    return f"campaign-{campaign_id}"
