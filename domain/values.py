"""Enumerations and small value objects of the monitoring domain.

Identifiers are English (see ../shared/glossary.md); every user-facing value has its Chinese label here, in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta, timezone
from enum import StrEnum

# Dates are calendar days in Asia/Shanghai (UTC+8 all year, no daylight saving), so a fixed offset is exact.
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")


class Source(StrEnum):
    """Discovery channel of a risk clue (监测方式, domain.md §4.1)."""

    SELF_APPLICATION = "self_application"
    CADRE_SCREENING = "cadre_screening"
    DEPARTMENT_ALERT = "department_alert"


class HouseholdType(StrEnum):
    """户类型 (domain.md §2, §9)."""

    FORMERLY_POOR = "formerly_poor"
    ORDINARY = "ordinary"
    FORMERLY_POOR_NO_BENEFITS = "formerly_poor_no_benefits"


class Category(StrEnum):
    """监测对象类别 (domain.md §2)."""

    UNSTABLE_FORMERLY_POOR = "unstable_formerly_poor"
    MARGINAL_AT_RISK = "marginal_at_risk"
    SUDDEN_HARDSHIP = "sudden_hardship"


class Risk(StrEnum):
    """返贫致贫风险类型 (domain.md §5)."""

    ILLNESS = "illness"
    SCHOOLING = "schooling"
    DISABILITY = "disability"
    NATURAL_DISASTER = "natural_disaster"
    ACCIDENT = "accident"
    FAILED_ENTERPRISE = "failed_enterprise"
    UNSTABLE_EMPLOYMENT = "unstable_employment"
    LACK_OF_LABOUR = "lack_of_labour"
    HOUSING_SAFETY = "housing_safety"
    WATER_SAFETY = "water_safety"
    OTHER = "other"


class Guarantee(StrEnum):
    """三保障 and drinking water: a value here names a guarantee that is *not* secured."""

    EDUCATION = "education"
    MEDICAL = "medical"
    HOUSING = "housing"
    DRINKING_WATER = "drinking_water"


class Role(StrEnum):
    """Who acts. The area level each role works at is in ``policy.ROLE_LEVEL``."""

    VILLAGE_CADRE = "village_cadre"
    TOWNSHIP_REVIEWER = "township_reviewer"
    COUNTY_APPROVER = "county_approver"
    INSPECTOR = "inspector"
    SYSTEM = "system"


class AreaLevel(StrEnum):
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"


class Step(StrEnum):
    """Identification steps (domain.md §4.2); the value is the API path segment."""

    HOUSEHOLD_VISIT = "household-visit"
    CROSS_CHECK = "cross-check"
    VILLAGE_DELIBERATION = "village-deliberation"
    PUBLIC_NOTICE = "public-notice"
    TOWNSHIP_REVIEW = "township-review"
    COUNTY_DECISION = "county-decision"
    ANNOUNCEMENT = "announcement"


class NoticeAction(StrEnum):
    POST = "post"
    OBJECTION = "objection"
    CLOSE = "close"


class NoticeOutcome(StrEnum):
    NO_OBJECTION = "no_objection"
    REDELIBERATE = "redeliberate"
    REJECT = "reject"


class DeliberationOutcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"


class TownshipDecision(StrEnum):
    PASS = "pass"
    RETURN = "return"
    REJECT = "reject"


class CountyDecision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class Stage(StrEnum):
    """Coarse stage of a case (glossary)."""

    IDENTIFYING = "identifying"
    MONITORED = "monitored"
    CLOSED = "closed"


class Status(StrEnum):
    """Fine-grained position inside a stage (domain.md §4.3)."""

    CLUE_REPORTED = "clue_reported"
    VISIT_VERIFIED = "visit_verified"
    DELIBERATED = "deliberated"
    NOTICE_POSTED = "notice_posted"
    NOTICE_OBJECTED = "notice_objected"
    NOTICE_CLOSED = "notice_closed"
    TOWNSHIP_PASSED = "township_passed"
    COUNTY_APPROVED = "county_approved"
    MONITORED = "monitored"
    CLOSED_NOT_APPLIED = "closed_not_applied"
    CLOSED_REJECTED = "closed_rejected"


class DeadlineKind(StrEnum):
    IDENTIFICATION = "identification"


LABELS: dict[StrEnum, str] = {
    Source.SELF_APPLICATION: "农户自主申报",
    Source.CADRE_SCREENING: "干部排查",
    Source.DEPARTMENT_ALERT: "部门筛查预警",
    HouseholdType.FORMERLY_POOR: "脱贫户",
    HouseholdType.ORDINARY: "一般农户",
    HouseholdType.FORMERLY_POOR_NO_BENEFITS: "脱贫不享受政策户",
    Category.UNSTABLE_FORMERLY_POOR: "脱贫不稳定户",
    Category.MARGINAL_AT_RISK: "边缘易致贫户",
    Category.SUDDEN_HARDSHIP: "突发严重困难户",
    Risk.ILLNESS: "因病",
    Risk.SCHOOLING: "因学",
    Risk.DISABILITY: "因残",
    Risk.NATURAL_DISASTER: "因自然灾害",
    Risk.ACCIDENT: "因意外事故",
    Risk.FAILED_ENTERPRISE: "因产业项目失败",
    Risk.UNSTABLE_EMPLOYMENT: "因务工就业不稳",
    Risk.LACK_OF_LABOUR: "缺劳动力",
    Risk.HOUSING_SAFETY: "因安全住房",
    Risk.WATER_SAFETY: "因安全饮水",
    Risk.OTHER: "其他",
    Guarantee.EDUCATION: "义务教育保障",
    Guarantee.MEDICAL: "基本医疗保障",
    Guarantee.HOUSING: "住房安全保障",
    Guarantee.DRINKING_WATER: "饮水安全保障",
    Role.VILLAGE_CADRE: "村干部/网格员",
    Role.TOWNSHIP_REVIEWER: "乡镇审核",
    Role.COUNTY_APPROVER: "县级审定",
    Role.INSPECTOR: "督导/审计",
    Role.SYSTEM: "系统",
    Step.HOUSEHOLD_VISIT: "入户核实",
    Step.CROSS_CHECK: "信息比对",
    Step.VILLAGE_DELIBERATION: "村内民主评议",
    Step.PUBLIC_NOTICE: "村内公示",
    Step.TOWNSHIP_REVIEW: "乡镇审核",
    Step.COUNTY_DECISION: "县级审定",
    Step.ANNOUNCEMENT: "结果公告",
    NoticeAction.POST: "张贴公示",
    NoticeAction.OBJECTION: "公示异议",
    NoticeAction.CLOSE: "公示结束",
    Stage.IDENTIFYING: "识别中",
    Stage.MONITORED: "风险未消除",
    Stage.CLOSED: "已关闭",
    Status.CLUE_REPORTED: "发现线索",
    Status.VISIT_VERIFIED: "已入户核实",
    Status.DELIBERATED: "已民主评议",
    Status.NOTICE_POSTED: "公示中",
    Status.NOTICE_OBJECTED: "公示有异议",
    Status.NOTICE_CLOSED: "公示结束",
    Status.TOWNSHIP_PASSED: "乡镇审核通过",
    Status.COUNTY_APPROVED: "县级审定通过",
    Status.MONITORED: "风险未消除",
    Status.CLOSED_NOT_APPLIED: "未申请（拒签承诺授权书）",
    Status.CLOSED_REJECTED: "不予纳入",
    DeadlineKind.IDENTIFICATION: "识别认定时限",
    AreaLevel.COUNTY: "县",
    AreaLevel.TOWNSHIP: "乡镇",
    AreaLevel.VILLAGE: "村",
    NoticeOutcome.NO_OBJECTION: "公示无异议",
    NoticeOutcome.REDELIBERATE: "重新评议",
    NoticeOutcome.REJECT: "不予纳入",
    DeliberationOutcome.PASS: "评议通过",
    DeliberationOutcome.FAIL: "评议未通过",
    TownshipDecision.PASS: "审核通过",
    TownshipDecision.RETURN: "退回村级",
    TownshipDecision.REJECT: "审核不通过",
    CountyDecision.APPROVE: "审定纳入",
    CountyDecision.REJECT: "不予纳入",
}


def label(value: StrEnum) -> str:
    """The Chinese label of an enumerated value."""
    return LABELS[value]


@dataclass(frozen=True)
class Actor:
    """Who took a step: id, role and the area code they act for (empty for the system)."""

    id: str
    role: Role
    area_code: str
    name: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "role": self.role.value, "area_code": self.area_code, "name": self.name}

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> Actor:
        return cls(id=data["id"], role=Role(data["role"]), area_code=data["area_code"], name=data.get("name", ""))


SYSTEM_ACTOR = Actor(id="system", role=Role.SYSTEM, area_code="", name="底线系统")
