"""公示名单: the list a village posts while its notices run (identification: 拟纳入监测对象;
elimination: 拟标注风险消除), for villagers to raise objections. It names the household and why it is
proposed, and nothing a notice board must not carry: no ID number, phone, bank account or health detail
(个人信息保护法 第六条 最小必要; domain.md §4.2 notice template "如有异议，请从即日起5日内向村委会提出意见").
The risk types (因病, 因学, …) are the template's own column."""

from __future__ import annotations

from typing import Any

from domain.cases.view import CaseViewData
from domain.kernel.labels import label
from domain.kernel.privacy import Meaning
from domain.kernel.steps import Procedure
from domain.registry.values import Risk

TITLES = {Procedure.IDENTIFICATION: "拟纳入监测对象公示名单", Procedure.ELIMINATION: "拟标注风险消除监测对象公示名单"}
COLUMNS = ("序号", "户主姓名", "所在村", "家庭人口", "风险类型", "公示期", "公示地点")
# For the roles that see personal data masked (domain.kernel.privacy): risk types name illness and disability.
COLUMN_MEANINGS = {"户主姓名": Meaning.NAME, "风险类型": Meaning.HEALTH}


def notice_row(number: int, view: CaseViewData, procedure: Procedure) -> list[Any]:
    """One household's row, from its case view, with only the columns a notice board may show."""
    facts = view["facts"] if procedure is Procedure.IDENTIFICATION else (view["elimination"] or {})
    notice = facts.get("public_notice") or {}
    visit = view["facts"].get("household_visit") or {}
    risks = "、".join(label(Risk(r)) for r in view["risks"])
    period = f"{notice.get('start_date', '')}至{notice.get('end_date', '')}"
    return [number, view["household"]["household_head"], view["area"]["village_name"], visit.get("household_size", ""),
            risks, period, notice.get("location", "")]  # fmt: skip
