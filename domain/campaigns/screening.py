"""The screening (排查) rules: what a screening finds, how per-capita net income is computed, and when a household is
at risk and must be brought into monitoring (应纳尽纳).

Sources: the seed plan §二(一) (the line of 7,100 yuan as reference; 三保障 and drinking water; the key groups: income
below the line, 三保障/饮水 shortfalls, households hit hard by COVID-19, newly identified or newly applying 低保
households, households with large rigid spending on illness, disability or schooling) and §三(一) (入户 for residents,
电话/微信 for migrant households); domain.md §2 (identification is a composite test of income, 合规自付支出,
突出困难问题 and the household's own ability to cope), §5 (risk list, at most 5, consistency of flags and risks),
§9 (income components: 工资性 / 生产经营性 / 财产性 / 转移性收入, 生产经营性支出, 家庭人均纯收入).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from domain.campaigns.values import ScreeningMethod
from domain.cases.rules.identification import MAX_RISKS
from domain.kernel.policy import Policy
from domain.registry.values import Risk

MAX_AMOUNT = Decimal("10000000")  # yuan a year; anything larger is a typing error
CENT = Decimal("0.01")


@dataclass(frozen=True)
class ScreeningFindings:
    """What one screening found (排查情况), in yuan for the past 12 months (domain.md §2 income window)."""

    wage_income: Decimal = Decimal(0)  # 工资性收入
    business_income: Decimal = Decimal(0)  # 生产经营性收入
    property_income: Decimal = Decimal(0)  # 财产性收入
    transfer_income: Decimal = Decimal(0)  # 转移性收入
    production_costs: Decimal = Decimal(0)  # 生产经营性支出
    housing_unsafe: bool = False  # 住房出现安全问题
    child_out_of_school: bool = False  # 义务教育阶段适龄儿童少年失学辍学
    member_uninsured: bool = False  # 有家庭成员未参加基本医疗保险
    water_unsafe: bool = False  # 饮水出现安全问题
    medical_expenditure: Decimal = Decimal(0)  # 合规自付医疗支出
    schooling_expenditure: Decimal = Decimal(0)  # 教育支出
    risks: tuple[Risk, ...] = ()  # 致贫/返贫风险 1–5 the screener found
    newly_applied_dibao: bool = False  # 新识别和新申请的低保户
    severe_covid_impact: bool = False  # 新冠病毒感染对生活影响较大

    def as_dict(self) -> dict[str, Any]:
        def money(value: Decimal) -> str:
            return str(value + 0)  # "-0" is 0

        return {
            "wage_income": money(self.wage_income),
            "business_income": money(self.business_income),
            "property_income": money(self.property_income),
            "transfer_income": money(self.transfer_income),
            "production_costs": money(self.production_costs),
            "housing_unsafe": self.housing_unsafe,
            "child_out_of_school": self.child_out_of_school,
            "member_uninsured": self.member_uninsured,
            "water_unsafe": self.water_unsafe,
            "medical_expenditure": money(self.medical_expenditure),
            "schooling_expenditure": money(self.schooling_expenditure),
            "risks": [r.value for r in self.risks],
            "newly_applied_dibao": self.newly_applied_dibao,
            "severe_covid_impact": self.severe_covid_impact,
        }

    @property
    def net_income(self) -> Decimal:
        """家庭纯收入: the four income components less production costs (domain.md §9)."""
        return (
            self.wage_income + self.business_income + self.property_income + self.transfer_income
        ) - self.production_costs

    @property
    def rigid_expenditure(self) -> Decimal:
        return self.medical_expenditure + self.schooling_expenditure


def per_capita(amount: Decimal, household_size: int) -> Decimal:
    """家庭人均纯收入 = 家庭纯收入 / 家庭人口数, to the fen (domain.md §9)."""
    return (amount / household_size).quantize(CENT, rounding=ROUND_HALF_UP)


def findings_problems(f: ScreeningFindings) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    for name in (
        "wage_income",
        "business_income",
        "property_income",
        "transfer_income",
        "production_costs",
        "medical_expenditure",
        "schooling_expenditure",
    ):
        value: Decimal = getattr(f, name)
        if not Decimal(0) <= value <= MAX_AMOUNT:
            out.append((name, "range", f"{name} must be between 0 and {MAX_AMOUNT} yuan"))
    if len(f.risks) > MAX_RISKS:
        out.append(("risks", "max_risks", f"at most {MAX_RISKS} risks per household (domain.md §5)"))
    if len(set(f.risks)) != len(f.risks):
        out.append(("risks", "unique", "a risk is listed twice"))
    return out


def method_problem(method: ScreeningMethod, has_migrant_member: bool) -> str | None:
    """入户 for households living in the village or at the relocation site; 电话/微信 only where members work away
    and a visit is not possible
    (seed plan §三(一): 对已外出务工、上门排查确实存在困难的农户，要通过电话、微信等方式)."""
    if method is not ScreeningMethod.IN_PERSON and not has_migrant_member:
        return "电话、微信排查只用于有外出务工成员的农户；在村常住农户须入户排查"
    return None


def screening_date_problem(screened_on: date, today: date, campaign_start: date | None) -> str | None:
    if screened_on > today:
        return "排查日期不能晚于今天"
    if campaign_start is not None and screened_on < campaign_start:
        return f"排查日期早于行动开始日 {campaign_start.isoformat()}"
    return None


@dataclass(frozen=True)
class Assessment:
    at_risk: bool
    reasons: tuple[tuple[str, str], ...]  # (rule id, 中文说明)
    per_capita_net_income: Decimal
    monitoring_line: Decimal
    policy: str
    risks: tuple[Risk, ...]  # what a case opened from this screening reports

    def as_dict(self) -> dict[str, Any]:
        return {
            "at_risk": self.at_risk,
            "reasons": [{"rule": r, "message": m} for r, m in self.reasons],
            "per_capita_net_income": str(self.per_capita_net_income),
            "monitoring_line": str(self.monitoring_line),
            "policy": self.policy,
            "risks": [r.value for r in self.risks],
        }


# A shortfall flag implies a risk (domain.md §5 consistency checks: water unsafe requires 因安全饮水, a member
# uninsured requires 因病; housing unsafe is 因安全住房; a child out of school is 因学).
FLAG_RISKS: dict[str, Risk] = {
    "housing_unsafe": Risk.HOUSING_SAFETY,
    "water_unsafe": Risk.WATER_SAFETY,
    "member_uninsured": Risk.ILLNESS,
    "child_out_of_school": Risk.SCHOOLING,
}
FLAG_LABELS = {
    "housing_unsafe": "住房出现安全问题",
    "water_unsafe": "饮水出现安全问题",
    "member_uninsured": "有家庭成员未参加基本医疗保险",
    "child_out_of_school": "义务教育阶段适龄儿童少年失学辍学",
}


def assess(f: ScreeningFindings, household_size: int, policy: Policy) -> Assessment:
    """Whether the household is at risk under ``policy`` and why (every reason, not only the first)."""
    line = policy.monitoring_line
    income = per_capita(f.net_income, household_size)
    reasons: list[tuple[str, str]] = []
    derived: list[Risk] = []  # risks a flag or spending requires come first: the cap of 5 never drops them
    # 收入低于7100元 (seed §二(一)); at or below the line is inside the monitoring range (domain.md §2: "within").
    if income <= line:
        reasons.append(("income_at_or_below_line", f"人均纯收入 {income} 元不高于监测范围 {line} 元"))
    # "三保障"和饮水安全动态保障存在短板弱项 (seed §二(一)).
    for flag, risk in FLAG_RISKS.items():
        if getattr(f, flag):
            reasons.append((f"shortfall_{flag}", FLAG_LABELS[flag]))
            derived.append(risk)
    # 因病、因残、因学等刚性支出较大 (seed §二(一)); the amount is configuration (Policy.rigid_expenditure_alert).
    if f.rigid_expenditure > policy.rigid_expenditure_alert:
        reasons.append(
            ("rigid_expenditure", f"刚性支出 {f.rigid_expenditure} 元高于预警标准 {policy.rigid_expenditure_alert} 元")
        )
        if f.medical_expenditure > 0:
            derived.append(Risk.ILLNESS)
        if f.schooling_expenditure > 0:
            derived.append(Risk.SCHOOLING)
    # Income less compliant out-of-pocket spending, per person (domain.md §2: the composite test includes 合规自付支出).
    after = per_capita(f.net_income - f.rigid_expenditure, household_size)
    if f.rigid_expenditure > 0 and income > line and after <= line:
        reasons.append(("income_after_rigid_expenditure", f"扣除刚性支出后人均收入 {after} 元不高于监测范围 {line} 元"))
    if f.newly_applied_dibao:
        reasons.append(("newly_applied_dibao", "新识别或新申请低保"))
    if f.severe_covid_impact:
        reasons.append(("severe_covid_impact", "新冠病毒感染对生活影响较大"))
    if f.risks:
        reasons.append(("risk_found", "排查发现返贫致贫风险"))
    unique: list[Risk] = []
    for r in [*derived, *f.risks]:
        if r not in unique:
            unique.append(r)
    return Assessment(
        at_risk=bool(reasons),
        reasons=tuple(reasons),
        per_capita_net_income=income,
        monitoring_line=line,
        policy=policy.key,
        risks=tuple(unique[:MAX_RISKS]),
    )
