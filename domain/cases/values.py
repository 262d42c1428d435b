"""The vocabulary of a monitoring case: where its clue came from, its category, its stages and statuses, the
outcomes of its steps, its measures and findings and its deadlines; each with its Chinese label (glossary)."""

from __future__ import annotations

from uuid import UUID, uuid5

from domain.kernel.labels import Labelled


class Source(Labelled):
    """Discovery channel of a risk clue (监测方式, domain.md §4.1)."""

    SELF_APPLICATION = "self_application", "农户自主申报"
    CADRE_SCREENING = "cadre_screening", "干部排查"
    DEPARTMENT_ALERT = "department_alert", "部门筛查预警"


class Category(Labelled):
    """监测对象类别 (domain.md §2)."""

    UNSTABLE_FORMERLY_POOR = "unstable_formerly_poor", "脱贫不稳定户"
    MARGINAL_AT_RISK = "marginal_at_risk", "边缘易致贫户"
    SUDDEN_HARDSHIP = "sudden_hardship", "突发严重困难户"


class MeasureCategory(Labelled):
    """The 14 measure categories of the national system (domain.md §6, code tables 100A39–100A55)."""

    INDUSTRY = "industry", "产业帮扶"
    EMPLOYMENT = "employment", "就业帮扶"
    FINANCE = "finance", "金融帮扶"
    PUBLIC_WELFARE_JOB = "public_welfare_job", "公益岗位帮扶"
    HEALTH = "health", "健康帮扶"
    COMPULSORY_EDUCATION = "compulsory_education", "义务教育保障"
    EDUCATION = "education", "教育帮扶"
    COMPREHENSIVE_SECURITY = "comprehensive_security", "综合保障"
    HOUSING_SAFETY = "housing_safety", "住房安全保障"
    DRINKING_WATER_SAFETY = "drinking_water_safety", "饮水安全保障"
    SOCIAL_ASSISTANCE = "social_assistance", "社会帮扶"
    RELOCATION = "relocation", "搬迁"
    LIVING_CONDITIONS = "living_conditions", "生产生活条件改善"
    INFRASTRUCTURE = "infrastructure", "基础设施建设"


class MeasureStatus(Labelled):
    PLANNED = "planned", "计划"
    IMPLEMENTED = "implemented", "已实施"
    ENDED = "ended", "已结束"


class MeasureAction(Labelled):
    ADD = "add", "新增措施"
    CHANGE = "change", "调整措施"
    IMPLEMENT = "implement", "措施实施"
    END = "end", "措施结束"


class FindingKind(Labelled):
    """Review findings on a case's assistance (seed plan §二(二); domain.md §6 "Rectification of measures")."""

    NOT_TIMELY = "not_timely", "不及时"
    NOT_PRECISE = "not_precise", "不精准"
    NOT_COMPREHENSIVE = "not_comprehensive", "不全面"
    NOT_EFFECTIVE = "not_effective", "成效不明显"


class EliminationMode(Labelled):
    """风险消除方式 (domain.md §7, code table dm_fxxcfs)."""

    ASSISTED = "assisted", "帮扶消除"
    NATURAL = "natural", "自然消除"


class LookBackOutcome(Labelled):
    """回头看 (seed plan §二(三))."""

    STABLE = "stable", "稳定"
    UNSTABLE = "unstable", "不稳定"
    NEW_RISK = "new_risk", "出现新风险"


class RollbackDecision(Labelled):
    APPROVE = "approve", "同意回退"
    REJECT = "reject", "不同意回退"


class NoticeAction(Labelled):
    POST = "post", "张贴公示"
    OBJECTION = "objection", "公示异议"
    CLOSE = "close", "公示结束"


class NoticeOutcome(Labelled):
    NO_OBJECTION = "no_objection", "公示无异议"
    REDELIBERATE = "redeliberate", "重新评议"
    REJECT = "reject", "不予纳入"


class DeliberationOutcome(Labelled):
    PASS = "pass", "评议通过"
    FAIL = "fail", "评议未通过"


class TownshipDecision(Labelled):
    PASS = "pass", "审核通过"
    RETURN = "return", "退回村级"
    REJECT = "reject", "审核不通过"


class CountyDecision(Labelled):
    APPROVE = "approve", "审定纳入"
    REJECT = "reject", "不予纳入"


class Stage(Labelled):
    """Coarse stage of a case (glossary)."""

    IDENTIFYING = "identifying", "识别中"
    MONITORED = "monitored", "风险未消除"
    ELIMINATING = "eliminating", "风险消除中"
    ELIMINATED = "eliminated", "风险已消除"
    CLOSED = "closed", "已关闭"


# The stages in which a case is no longer open: it is not the household's open case any more and its assistance
# deadlines no longer apply; a rollback (回退, domain.md §8) brings an eliminated case back.
ENDED_STAGES = frozenset({Stage.CLOSED, Stage.ELIMINATED})


class Status(Labelled):
    """Fine-grained position inside a stage (domain.md §4.3)."""

    CLUE_REPORTED = "clue_reported", "发现线索"
    VISIT_VERIFIED = "visit_verified", "已入户核实"
    DELIBERATED = "deliberated", "已民主评议"
    NOTICE_POSTED = "notice_posted", "公示中"
    NOTICE_OBJECTED = "notice_objected", "公示有异议"
    NOTICE_CLOSED = "notice_closed", "公示结束"
    TOWNSHIP_PASSED = "township_passed", "乡镇审核通过"
    COUNTY_APPROVED = "county_approved", "县级审定通过"
    MONITORED = "monitored", "风险未消除"
    ELIMINATION_PROPOSED = "elimination_proposed", "已申请风险消除"
    ELIMINATION_VERIFIED = "elimination_verified", "风险消除已入户核实"
    ELIMINATION_DELIBERATED = "elimination_deliberated", "风险消除已民主评议"
    ELIMINATION_NOTICE_POSTED = "elimination_notice_posted", "风险消除公示中"
    ELIMINATION_NOTICE_OBJECTED = "elimination_notice_objected", "风险消除公示有异议"
    ELIMINATION_NOTICE_CLOSED = "elimination_notice_closed", "风险消除公示结束"
    ELIMINATION_TOWNSHIP_PASSED = "elimination_township_passed", "风险消除乡镇审核通过"
    ELIMINATION_COUNTY_APPROVED = "elimination_county_approved", "风险消除县级审定通过"
    ELIMINATED = "eliminated", "风险已消除"
    ROLLBACK_REQUESTED = "rollback_requested", "已申请回退"
    RE_ENTERED = "re_entered", "已重新纳入（新案件）"
    CLOSED_NOT_APPLIED = "closed_not_applied", "未申请（拒签承诺授权书）"
    CLOSED_REJECTED = "closed_rejected", "不予纳入"


class DeadlineKind(Labelled):
    IDENTIFICATION = "identification", "识别认定时限"
    ASSISTANCE_PLAN = "assistance_plan", "帮扶计划时限"
    MEASURES = "measures", "帮扶措施时限"
    MEASURES_FROM_CLUE = "measures_from_clue", "帮扶措施时限（自发现线索）"
    ELIMINATION = "elimination", "风险消除程序时限"
    LOOK_BACK = "look_back", "回头看时限"
    # Operational due dates the operations views list beside the statutory ones; the case workflow never records a
    # DeadlineMissed for them: a notice whose period has run out awaits its close (the next step of the procedure),
    # and a screening campaign's milestone is recorded by the campaign itself (MilestonePassed).
    NOTICE = "notice", "公示期满待结束"
    CAMPAIGN_MILESTONE = "campaign_milestone", "排查工作节点"


# A case's id derives from the command that opened it, so a repeated opening command names the same case.
CASE_NAMESPACE = UUID("5c1f3a52-8d0e-4c57-9b1e-6f0d7d1c2a10")


def case_id_for_command(command_id: str) -> UUID:
    return uuid5(CASE_NAMESPACE, command_id)
