"""The discovery channels' vocabularies, with their Chinese labels."""

from __future__ import annotations

from domain.kernel.labels import Labelled


class ApplicationRoute(Labelled):
    """How a household applied (domain.md §4.1 农户自主申报)."""

    WRITTEN = "written", "书面申请（监测对象申请及承诺授权查询书）"
    HOTLINE = "hotline", "咨询服务电话"
    APP = "app", "手机应用或小程序"


class ApplicationStatus(Labelled):
    RECEIVED = "received", "待受理"
    ACCEPTED = "accepted", "已受理"
    REFUSED = "refused", "不予受理"


class ApplicationFinding(Labelled):
    """What the answer deadline of a self-application finds."""

    UNANSWERED = "unanswered", "逾期未答复"


class AlertKind(Labelled):
    """What a department's alert says happened to a person (部门筛查预警): each kind is pushed by one department
    (``ALERT_KINDS``)."""

    MEDICAL_COST = "medical_cost", "医疗费用个人负担较重"
    SOCIAL_ASSISTANCE = "social_assistance", "申请临时救助或低保"
    SCHOOL_DROPOUT = "school_dropout", "学生失学辍学"
    UNSAFE_HOUSE = "unsafe_house", "住房鉴定为危房"
    DISABILITY_CERTIFIED = "disability_certified", "新办残疾人证"
    DISASTER_LOSS = "disaster_loss", "自然灾害或意外事故损失"
    JOB_LOSS = "job_loss", "失业或务工就业不稳"


class AlertStatus(Labelled):
    """Where a department's alert stands."""

    PENDING = "pending", "待核实"
    CONFIRMED = "confirmed", "风险属实，已纳入监测"
    ATTACHED = "attached", "已是监测对象，已并入案件"
    NOT_AT_RISK = "not_at_risk", "经核实无返贫致贫风险"
    RETURNED = "returned", "未在农户信息库中找到，已退回部门"


class AlertOutcome(Labelled):
    """The township's or village's verification of an alert (the issue's four outcomes)."""

    RISK_CONFIRMED = "risk_confirmed", "风险属实（纳入监测）"
    ALREADY_MONITORED = "already_monitored", "已是监测对象（并入案件）"
    NOT_AT_RISK = "not_at_risk", "无返贫致贫风险"
    NOT_REGISTERED = "not_registered", "不在农户信息库中（退回部门）"


OUTCOME_STATUS = {
    AlertOutcome.RISK_CONFIRMED: AlertStatus.CONFIRMED,
    AlertOutcome.ALREADY_MONITORED: AlertStatus.ATTACHED,
    AlertOutcome.NOT_AT_RISK: AlertStatus.NOT_AT_RISK,
    AlertOutcome.NOT_REGISTERED: AlertStatus.RETURNED,
}
