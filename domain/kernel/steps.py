"""The steps people take on a case and the two village-to-county procedures they belong to: the acts the rest of the
domain (who may act, deadlines, reports, inspection) speaks of by the same names (glossary)."""

from __future__ import annotations

from domain.kernel.labels import Labelled


class Step(Labelled):
    """Steps of a case (glossary); the value is the API path segment. The village-to-county steps (deliberation,
    notice, township review, county decision, announcement) serve both identification and elimination."""

    HOUSEHOLD_VISIT = "household-visit", "入户核实"
    CROSS_CHECK = "cross-check", "信息比对"
    VILLAGE_DELIBERATION = "village-deliberation", "村内民主评议"
    PUBLIC_NOTICE = "public-notice", "村内公示"
    TOWNSHIP_REVIEW = "township-review", "乡镇审核"
    COUNTY_DECISION = "county-decision", "县级审定"
    ANNOUNCEMENT = "announcement", "结果公告"
    RESPONSIBLE_PERSON = "responsible-person", "确定帮扶责任人"
    ASSISTANCE_PLAN = "assistance-plan", "制定帮扶计划"
    MEASURES = "measures", "落实帮扶措施"
    REVIEW = "review", "帮扶核查"
    RECTIFICATION = "rectification", "整改"
    ELIMINATION_PROPOSAL = "elimination-proposal", "风险消除申请"
    ELIMINATION_VISIT = "elimination-visit", "风险消除入户核实"
    LOOK_BACK = "look-back", "回头看"
    ROLLBACK_REQUEST = "rollback-request", "风险消除回退申请"
    ROLLBACK_DECISION = "rollback-decision", "风险消除回退审定"


class Procedure(Labelled):
    """The two village-to-county procedures a case goes through (domain.md §4.2, §7 "Procedure (mirrors
    identification)")."""

    IDENTIFICATION = "identification", "识别认定"
    ELIMINATION = "elimination", "风险消除"
