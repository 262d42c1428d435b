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
