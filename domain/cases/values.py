"""The vocabulary of a monitoring case: where its clue came from, its category, its stages and statuses, the
outcomes of its steps, its measures and findings and its deadlines; each with its Chinese label (glossary)."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID, uuid5

from domain.kernel.labels import labelled


class Source(StrEnum):
    """Discovery channel of a risk clue (监测方式, domain.md §4.1)."""

    SELF_APPLICATION = "self_application"
    CADRE_SCREENING = "cadre_screening"
    DEPARTMENT_ALERT = "department_alert"


class Category(StrEnum):
    """监测对象类别 (domain.md §2)."""

    UNSTABLE_FORMERLY_POOR = "unstable_formerly_poor"
    MARGINAL_AT_RISK = "marginal_at_risk"
    SUDDEN_HARDSHIP = "sudden_hardship"


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


# A case's id derives from the command that opened it, so a repeated opening command names the same case.
CASE_NAMESPACE = UUID("5c1f3a52-8d0e-4c57-9b1e-6f0d7d1c2a10")


def case_id_for_command(command_id: str) -> UUID:
    return uuid5(CASE_NAMESPACE, command_id)


labelled(
    (Source.SELF_APPLICATION, "农户自主申报"),
    (Source.CADRE_SCREENING, "干部排查"),
    (Source.DEPARTMENT_ALERT, "部门筛查预警"),
    (Category.UNSTABLE_FORMERLY_POOR, "脱贫不稳定户"),
    (Category.MARGINAL_AT_RISK, "边缘易致贫户"),
    (Category.SUDDEN_HARDSHIP, "突发严重困难户"),
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
)
