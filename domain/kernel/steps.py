"""The steps people take on a case and the two village-to-county procedures they belong to: the acts the rest of the
domain (who may act, deadlines, reports, inspection) speaks of by the same names (glossary)."""

from __future__ import annotations

from enum import StrEnum

from domain.kernel.labels import labelled


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


labelled(
    (Step.HOUSEHOLD_VISIT, "入户核实"),
    (Step.CROSS_CHECK, "信息比对"),
    (Step.VILLAGE_DELIBERATION, "村内民主评议"),
    (Step.PUBLIC_NOTICE, "村内公示"),
    (Step.TOWNSHIP_REVIEW, "乡镇审核"),
    (Step.COUNTY_DECISION, "县级审定"),
    (Step.ANNOUNCEMENT, "结果公告"),
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
)
