"""Enumerations and small value objects of the monitoring domain.

Identifiers are English (see ../shared/glossary.md); every user-facing value has its Chinese label here, in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta, timezone
from enum import StrEnum
from typing import TypeVar
from uuid import UUID, uuid5

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
    RESIDENT_CADRE = "resident_cadre"
    RESPONSIBLE_PERSON = "responsible_person"
    TOWNSHIP_REVIEWER = "township_reviewer"
    COUNTY_APPROVER = "county_approver"
    INSPECTOR = "inspector"
    OPS = "ops"
    ADMIN = "admin"
    SYSTEM = "system"


class AreaLevel(StrEnum):
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"


class Step(StrEnum):
    """Steps of a case (glossary); the value is the API path segment. The village-to-county steps (deliberation,
    notice, township review, county decision, announcement) serve both identification and elimination."""

    HOUSEHOLD_VISIT = "household-visit"
    CROSS_CHECK = "cross-check"
    VILLAGE_DELIBERATION = "village-deliberation"
    PUBLIC_NOTICE = "public-notice"
    TOWNSHIP_REVIEW = "township-review"
    COUNTY_DECISION = "county-decision"
    ANNOUNCEMENT = "announcement"
    RESPONSIBLE_PERSON = "responsible-person"
    ASSISTANCE_PLAN = "assistance-plan"
    MEASURES = "measures"
    REVIEW = "review"
    RECTIFICATION = "rectification"
    ELIMINATION_PROPOSAL = "elimination-proposal"
    ELIMINATION_VISIT = "elimination-visit"
    LOOK_BACK = "look-back"
    ROLLBACK_REQUEST = "rollback-request"
    ROLLBACK_DECISION = "rollback-decision"


class Procedure(StrEnum):
    """The two village-to-county procedures a case goes through (domain.md §4.2, §7 "Procedure (mirrors
    identification)")."""

    IDENTIFICATION = "identification"
    ELIMINATION = "elimination"


class MeasureCategory(StrEnum):
    """The 14 measure categories of the national system (domain.md §6, code tables 100A39–100A55)."""

    INDUSTRY = "industry"
    EMPLOYMENT = "employment"
    FINANCE = "finance"
    PUBLIC_WELFARE_JOB = "public_welfare_job"
    HEALTH = "health"
    COMPULSORY_EDUCATION = "compulsory_education"
    EDUCATION = "education"
    COMPREHENSIVE_SECURITY = "comprehensive_security"
    HOUSING_SAFETY = "housing_safety"
    DRINKING_WATER_SAFETY = "drinking_water_safety"
    SOCIAL_ASSISTANCE = "social_assistance"
    RELOCATION = "relocation"
    LIVING_CONDITIONS = "living_conditions"
    INFRASTRUCTURE = "infrastructure"


class MeasureStatus(StrEnum):
    PLANNED = "planned"
    IMPLEMENTED = "implemented"
    ENDED = "ended"


class MeasureAction(StrEnum):
    ADD = "add"
    CHANGE = "change"
    IMPLEMENT = "implement"
    END = "end"


class FindingKind(StrEnum):
    """Review findings on a case's assistance (seed plan §二(二); domain.md §6 "Rectification of measures")."""

    NOT_TIMELY = "not_timely"
    NOT_PRECISE = "not_precise"
    NOT_COMPREHENSIVE = "not_comprehensive"
    NOT_EFFECTIVE = "not_effective"


class EliminationMode(StrEnum):
    """风险消除方式 (domain.md §7, code table dm_fxxcfs)."""

    ASSISTED = "assisted"
    NATURAL = "natural"


class LookBackOutcome(StrEnum):
    """回头看 (seed plan §二(三))."""

    STABLE = "stable"
    UNSTABLE = "unstable"
    NEW_RISK = "new_risk"


class RollbackDecision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


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
    ELIMINATING = "eliminating"
    ELIMINATED = "eliminated"
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
    ELIMINATION_PROPOSED = "elimination_proposed"
    ELIMINATION_VERIFIED = "elimination_verified"
    ELIMINATION_DELIBERATED = "elimination_deliberated"
    ELIMINATION_NOTICE_POSTED = "elimination_notice_posted"
    ELIMINATION_NOTICE_OBJECTED = "elimination_notice_objected"
    ELIMINATION_NOTICE_CLOSED = "elimination_notice_closed"
    ELIMINATION_TOWNSHIP_PASSED = "elimination_township_passed"
    ELIMINATION_COUNTY_APPROVED = "elimination_county_approved"
    ELIMINATED = "eliminated"
    ROLLBACK_REQUESTED = "rollback_requested"
    RE_ENTERED = "re_entered"
    CLOSED_NOT_APPLIED = "closed_not_applied"
    CLOSED_REJECTED = "closed_rejected"


class DeadlineKind(StrEnum):
    IDENTIFICATION = "identification"
    ASSISTANCE_PLAN = "assistance_plan"
    MEASURES = "measures"
    MEASURES_FROM_CLUE = "measures_from_clue"
    ELIMINATION = "elimination"
    LOOK_BACK = "look_back"
    # Operational due dates the operations views list beside the statutory ones; the case workflow never records a
    # DeadlineMissed for them: a notice whose period has run out awaits its close (the next step of the procedure),
    # and a screening campaign's milestone is recorded by the campaign itself (MilestonePassed).
    NOTICE = "notice"
    CAMPAIGN_MILESTONE = "campaign_milestone"


class Sex(StrEnum):
    """性别."""

    MALE = "male"
    FEMALE = "female"


class Health(StrEnum):
    """健康状况 (domain.md §9, values seen in the national export)."""

    HEALTHY = "healthy"
    CHRONIC_ILLNESS = "chronic_illness"
    SERIOUS_ILLNESS = "serious_illness"
    DISABLED = "disabled"


class LabourSkill(StrEnum):
    """劳动技能 (domain.md §9, code table 100A14; glossary)."""

    ORDINARY = "ordinary"
    SKILLED = "skilled"
    WEAK_OR_HALF = "weak_or_half"
    LOST = "lost"
    NONE = "none"


class Relation(StrEnum):
    """与户主关系 (domain.md §9; the national code table 1010 is finer, these are its groups)."""

    HEAD = "head"
    SPOUSE = "spouse"
    CHILD = "child"
    CHILD_IN_LAW = "child_in_law"
    GRANDCHILD = "grandchild"
    PARENT = "parent"
    GRANDPARENT = "grandparent"
    SIBLING = "sibling"
    OTHER = "other"


class Schooling(StrEnum):
    """在校生状况 (domain.md §9, code table 100A12)."""

    NOT_IN_SCHOOL = "not_in_school"
    PRESCHOOL = "preschool"
    PRIMARY = "primary"
    JUNIOR_SECONDARY = "junior_secondary"
    SENIOR_SECONDARY = "senior_secondary"
    SECONDARY_VOCATIONAL = "secondary_vocational"
    HIGHER_VOCATIONAL = "higher_vocational"
    UNDERGRADUATE = "undergraduate"


class SocialAssistance(StrEnum):
    """享受低保 / 特困供养政策情况 (domain.md §9)."""

    NONE = "none"
    DIBAO = "dibao"
    TEKUN = "tekun"


class ScreeningMethod(StrEnum):
    """排查方式 (glossary; the seed's 二(一): 入户 for residents, 电话/微信 for migrant households)."""

    IN_PERSON = "in_person"
    PHONE = "phone"
    WECHAT = "wechat"


class StaffIdentity(StrEnum):
    """工作人员身份: the seed's table 3-4 columns (one identity per person, 填表说明)."""

    COUNTY_DEPARTMENT = "county_department"
    TOWNSHIP_CADRE = "township_cadre"
    VILLAGE_CADRE = "village_cadre"
    RESIDENT_CADRE = "resident_cadre"
    VILLAGE_DOCTOR = "village_doctor"
    GRID_WORKER = "grid_worker"
    RESPONSIBLE_PERSON = "responsible_person"


class Milestone(StrEnum):
    """The seed's three phases of the 百日攻坚 campaign (seed §三)."""

    SCREENING_DONE = "screening_done"
    PROCEDURES_DONE = "procedures_done"
    SUMMARY_DONE = "summary_done"


# Labels by (enum type, value): members of different enums share values ("identification", "pass"), and a
# StrEnum hashes and compares as its value, so a dict keyed by members would silently merge them.
_LABEL_LIST: list[tuple[StrEnum, str]] = [
    (Source.SELF_APPLICATION, "农户自主申报"),
    (Source.CADRE_SCREENING, "干部排查"),
    (Source.DEPARTMENT_ALERT, "部门筛查预警"),
    (HouseholdType.FORMERLY_POOR, "脱贫户"),
    (HouseholdType.ORDINARY, "一般农户"),
    (HouseholdType.FORMERLY_POOR_NO_BENEFITS, "脱贫不享受政策户"),
    (Category.UNSTABLE_FORMERLY_POOR, "脱贫不稳定户"),
    (Category.MARGINAL_AT_RISK, "边缘易致贫户"),
    (Category.SUDDEN_HARDSHIP, "突发严重困难户"),
    (Risk.ILLNESS, "因病"),
    (Risk.SCHOOLING, "因学"),
    (Risk.DISABILITY, "因残"),
    (Risk.NATURAL_DISASTER, "因自然灾害"),
    (Risk.ACCIDENT, "因意外事故"),
    (Risk.FAILED_ENTERPRISE, "因产业项目失败"),
    (Risk.UNSTABLE_EMPLOYMENT, "因务工就业不稳"),
    (Risk.LACK_OF_LABOUR, "缺劳动力"),
    (Risk.HOUSING_SAFETY, "因安全住房"),
    (Risk.WATER_SAFETY, "因安全饮水"),
    (Risk.OTHER, "其他"),
    (Guarantee.EDUCATION, "义务教育保障"),
    (Guarantee.MEDICAL, "基本医疗保障"),
    (Guarantee.HOUSING, "住房安全保障"),
    (Guarantee.DRINKING_WATER, "饮水安全保障"),
    (Role.VILLAGE_CADRE, "村干部/网格员"),
    (Role.TOWNSHIP_REVIEWER, "乡镇审核"),
    (Role.COUNTY_APPROVER, "县级审定"),
    (Role.INSPECTOR, "督导/审计"),
    (Role.RESIDENT_CADRE, "驻村干部"),
    (Role.RESPONSIBLE_PERSON, "帮扶责任人"),
    (Role.OPS, "运维"),
    (Role.ADMIN, "管理员"),
    (Role.SYSTEM, "系统"),
    (Step.HOUSEHOLD_VISIT, "入户核实"),
    (Step.CROSS_CHECK, "信息比对"),
    (Step.VILLAGE_DELIBERATION, "村内民主评议"),
    (Step.PUBLIC_NOTICE, "村内公示"),
    (Step.TOWNSHIP_REVIEW, "乡镇审核"),
    (Step.COUNTY_DECISION, "县级审定"),
    (Step.ANNOUNCEMENT, "结果公告"),
    (NoticeAction.POST, "张贴公示"),
    (NoticeAction.OBJECTION, "公示异议"),
    (NoticeAction.CLOSE, "公示结束"),
    (Stage.IDENTIFYING, "识别中"),
    (Stage.MONITORED, "风险未消除"),
    (Stage.CLOSED, "已关闭"),
    (Status.CLUE_REPORTED, "发现线索"),
    (Status.VISIT_VERIFIED, "已入户核实"),
    (Status.DELIBERATED, "已民主评议"),
    (Status.NOTICE_POSTED, "公示中"),
    (Status.NOTICE_OBJECTED, "公示有异议"),
    (Status.NOTICE_CLOSED, "公示结束"),
    (Status.TOWNSHIP_PASSED, "乡镇审核通过"),
    (Status.COUNTY_APPROVED, "县级审定通过"),
    (Status.MONITORED, "风险未消除"),
    (Status.CLOSED_NOT_APPLIED, "未申请（拒签承诺授权书）"),
    (Status.CLOSED_REJECTED, "不予纳入"),
    (DeadlineKind.IDENTIFICATION, "识别认定时限"),
    (DeadlineKind.ASSISTANCE_PLAN, "帮扶计划时限"),
    (DeadlineKind.MEASURES, "帮扶措施时限"),
    (DeadlineKind.MEASURES_FROM_CLUE, "帮扶措施时限（自发现线索）"),
    (DeadlineKind.ELIMINATION, "风险消除程序时限"),
    (DeadlineKind.LOOK_BACK, "回头看时限"),
    (DeadlineKind.NOTICE, "公示期满待结束"),
    (DeadlineKind.CAMPAIGN_MILESTONE, "排查工作节点"),
    (Step.RESPONSIBLE_PERSON, "确定帮扶责任人"),
    (Step.ASSISTANCE_PLAN, "制定帮扶计划"),
    (Step.MEASURES, "落实帮扶措施"),
    (Step.REVIEW, "帮扶核查"),
    (Step.RECTIFICATION, "整改"),
    (Step.ELIMINATION_PROPOSAL, "风险消除申请"),
    (Step.ELIMINATION_VISIT, "风险消除入户核实"),
    (Step.LOOK_BACK, "回头看"),
    (Step.ROLLBACK_REQUEST, "风险消除回退申请"),
    (Step.ROLLBACK_DECISION, "风险消除回退审定"),
    (Procedure.IDENTIFICATION, "识别认定"),
    (Procedure.ELIMINATION, "风险消除"),
    (MeasureCategory.INDUSTRY, "产业帮扶"),
    (MeasureCategory.EMPLOYMENT, "就业帮扶"),
    (MeasureCategory.FINANCE, "金融帮扶"),
    (MeasureCategory.PUBLIC_WELFARE_JOB, "公益岗位帮扶"),
    (MeasureCategory.HEALTH, "健康帮扶"),
    (MeasureCategory.COMPULSORY_EDUCATION, "义务教育保障"),
    (MeasureCategory.EDUCATION, "教育帮扶"),
    (MeasureCategory.COMPREHENSIVE_SECURITY, "综合保障"),
    (MeasureCategory.HOUSING_SAFETY, "住房安全保障"),
    (MeasureCategory.DRINKING_WATER_SAFETY, "饮水安全保障"),
    (MeasureCategory.SOCIAL_ASSISTANCE, "社会帮扶"),
    (MeasureCategory.RELOCATION, "搬迁"),
    (MeasureCategory.LIVING_CONDITIONS, "生产生活条件改善"),
    (MeasureCategory.INFRASTRUCTURE, "基础设施建设"),
    (MeasureStatus.PLANNED, "计划"),
    (MeasureStatus.IMPLEMENTED, "已实施"),
    (MeasureStatus.ENDED, "已结束"),
    (MeasureAction.ADD, "新增措施"),
    (MeasureAction.CHANGE, "调整措施"),
    (MeasureAction.IMPLEMENT, "措施实施"),
    (MeasureAction.END, "措施结束"),
    (FindingKind.NOT_TIMELY, "不及时"),
    (FindingKind.NOT_PRECISE, "不精准"),
    (FindingKind.NOT_COMPREHENSIVE, "不全面"),
    (FindingKind.NOT_EFFECTIVE, "成效不明显"),
    (EliminationMode.ASSISTED, "帮扶消除"),
    (EliminationMode.NATURAL, "自然消除"),
    (LookBackOutcome.STABLE, "稳定"),
    (LookBackOutcome.UNSTABLE, "不稳定"),
    (LookBackOutcome.NEW_RISK, "出现新风险"),
    (RollbackDecision.APPROVE, "同意回退"),
    (RollbackDecision.REJECT, "不同意回退"),
    (Stage.ELIMINATING, "风险消除中"),
    (Stage.ELIMINATED, "风险已消除"),
    (Status.ELIMINATION_PROPOSED, "已申请风险消除"),
    (Status.ELIMINATION_VERIFIED, "风险消除已入户核实"),
    (Status.ELIMINATION_DELIBERATED, "风险消除已民主评议"),
    (Status.ELIMINATION_NOTICE_POSTED, "风险消除公示中"),
    (Status.ELIMINATION_NOTICE_OBJECTED, "风险消除公示有异议"),
    (Status.ELIMINATION_NOTICE_CLOSED, "风险消除公示结束"),
    (Status.ELIMINATION_TOWNSHIP_PASSED, "风险消除乡镇审核通过"),
    (Status.ELIMINATION_COUNTY_APPROVED, "风险消除县级审定通过"),
    (Status.ELIMINATED, "风险已消除"),
    (Status.ROLLBACK_REQUESTED, "已申请回退"),
    (Status.RE_ENTERED, "已重新纳入（新案件）"),
    (AreaLevel.COUNTY, "县"),
    (AreaLevel.TOWNSHIP, "乡镇"),
    (AreaLevel.VILLAGE, "村"),
    (NoticeOutcome.NO_OBJECTION, "公示无异议"),
    (NoticeOutcome.REDELIBERATE, "重新评议"),
    (NoticeOutcome.REJECT, "不予纳入"),
    (DeliberationOutcome.PASS, "评议通过"),
    (DeliberationOutcome.FAIL, "评议未通过"),
    (TownshipDecision.PASS, "审核通过"),
    (TownshipDecision.RETURN, "退回村级"),
    (TownshipDecision.REJECT, "审核不通过"),
    (CountyDecision.APPROVE, "审定纳入"),
    (CountyDecision.REJECT, "不予纳入"),
    (Sex.MALE, "男"),
    (Sex.FEMALE, "女"),
    (Health.HEALTHY, "健康"),
    (Health.CHRONIC_ILLNESS, "长期慢性病"),
    (Health.SERIOUS_ILLNESS, "患大病"),
    (Health.DISABLED, "残疾"),
    (LabourSkill.ORDINARY, "普通劳动力"),
    (LabourSkill.SKILLED, "技能劳动力"),
    (LabourSkill.WEAK_OR_HALF, "弱劳动力或半劳动力"),
    (LabourSkill.LOST, "丧失劳动力"),
    (LabourSkill.NONE, "无劳动力"),
    (Relation.HEAD, "户主"),
    (Relation.SPOUSE, "配偶"),
    (Relation.CHILD, "子女"),
    (Relation.CHILD_IN_LAW, "儿媳/女婿"),
    (Relation.GRANDCHILD, "孙子女"),
    (Relation.PARENT, "父母"),
    (Relation.GRANDPARENT, "祖父母"),
    (Relation.SIBLING, "兄弟姐妹"),
    (Relation.OTHER, "其他"),
    (Schooling.NOT_IN_SCHOOL, "非在校生"),
    (Schooling.PRESCHOOL, "学前教育"),
    (Schooling.PRIMARY, "小学"),
    (Schooling.JUNIOR_SECONDARY, "初中"),
    (Schooling.SENIOR_SECONDARY, "高中"),
    (Schooling.SECONDARY_VOCATIONAL, "中职"),
    (Schooling.HIGHER_VOCATIONAL, "高职"),
    (Schooling.UNDERGRADUATE, "本科及以上"),
    (SocialAssistance.NONE, "未享受"),
    (SocialAssistance.DIBAO, "农村低保"),
    (SocialAssistance.TEKUN, "农村特困供养"),
    (ScreeningMethod.IN_PERSON, "入户"),
    (ScreeningMethod.PHONE, "电话"),
    (ScreeningMethod.WECHAT, "微信"),
    (StaffIdentity.COUNTY_DEPARTMENT, "县直部门"),
    (StaffIdentity.TOWNSHIP_CADRE, "乡镇干部"),
    (StaffIdentity.VILLAGE_CADRE, "村干部"),
    (StaffIdentity.RESIDENT_CADRE, "驻村干部"),
    (StaffIdentity.VILLAGE_DOCTOR, "乡村医生"),
    (StaffIdentity.GRID_WORKER, "网格员"),
    (StaffIdentity.RESPONSIBLE_PERSON, "帮扶责任人"),
    (Milestone.SCREENING_DONE, "全面排查"),
    (Milestone.PROCEDURES_DONE, "履行程序"),
    (Milestone.SUMMARY_DONE, "定期调度"),
]
LABELS: dict[tuple[type[StrEnum], str], str] = {(type(member), member.value): text for member, text in _LABEL_LIST}


def label(value: StrEnum) -> str:
    """The Chinese label of an enumerated value."""
    return LABELS[(type(value), value.value)]


E = TypeVar("E", bound=StrEnum)


def from_label(enum: type[E], text: str) -> E:
    """The member whose value or Chinese label is ``text`` (a roster may use either); ValueError otherwise."""
    text = text.strip()
    for member in enum:
        if text == member.value or text == LABELS[(enum, member.value)]:
            return member
    raise ValueError(text)


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


# A case's id derives from the command that opened it, so a repeated opening command names the same case.
CASE_NAMESPACE = UUID("5c1f3a52-8d0e-4c57-9b1e-6f0d7d1c2a10")


def case_id_for_command(command_id: str) -> UUID:
    return uuid5(CASE_NAMESPACE, command_id)


def screening_open_command(screening_command_id: str, household_number: str) -> str:
    """The command id of the case a screening opens (its case id derives from it). It names the household, so one
    Idempotency-Key used for screenings of two households can never give them the same case."""
    return f"{screening_command_id}/open/{household_number}"


SYSTEM_ACTOR = Actor(id="system", role=Role.SYSTEM, area_code="", name="底线系统")
