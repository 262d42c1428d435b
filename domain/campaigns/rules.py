"""Rules of the screening campaign (百日攻坚 春季行动): its milestones and its scope.

Source: the seed plan §三: 全面排查 (3月10日前), 履行程序 (3月25日前), 定期调度 with the summary report (3月30日前).
The dates are the seed's defaults for a campaign year; each campaign may set its own.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.campaigns.values import Milestone
from domain.kernel.areas import AreaLevel, AreaTree, contains

# (month, day) of each milestone in the campaign's year (seed plan §三 (一)–(三)).
SEED_MILESTONES: dict[Milestone, tuple[int, int]] = {
    Milestone.SCREENING_DONE: (3, 10),
    Milestone.PROCEDURES_DONE: (3, 25),
    Milestone.SUMMARY_DONE: (3, 30),
}
MAX_SCOPE = 200


def seed_milestones(year: int) -> dict[Milestone, date]:
    return {m: date(year, month, day) for m, (month, day) in SEED_MILESTONES.items()}


def default_milestones(starts_on: date) -> dict[Milestone, date]:
    """The seed's milestones of the first spring on or after the start (a campaign started in November runs to the
    next March)."""
    year = starts_on.year
    if seed_milestones(year)[Milestone.SCREENING_DONE] < starts_on:
        year += 1
    return seed_milestones(year)


def campaign_problems(
    *,
    name: str,
    scope: list[str],
    starts_on: date,
    milestones: dict[Milestone, date],
    areas: AreaTree,
    today: date | None = None,
) -> list[tuple[str, str, str]]:
    """(field, rule, message) for every rule a campaign breaks: milestones in the seed's order, after the start;
    a scope of known townships or villages (a county campaign names its townships)."""
    out: list[tuple[str, str, str]] = []
    if not name.strip() or len(name) > 100:
        out.append(("name", "required", "行动名称不能为空且不超过100字"))
    if not scope or len(scope) > MAX_SCOPE:
        out.append(("scope", "required", f"范围须列出1–{MAX_SCOPE}个乡镇或村"))
    for code in scope:
        area = areas.get(code)
        if area is None or (area.level is AreaLevel.COUNTY and len(scope) > 1):
            out.append(("scope", "known_area", f"未知或不可组合的区划代码 {code}"))
    if len(set(scope)) != len(scope):
        out.append(("scope", "unique", "范围内区划重复"))
    elif not out and any(a != b and contains(a, b) for a in scope for b in scope):
        out.append(("scope", "no_overlap", "范围内区划不能互相包含"))
    missing = [m for m in Milestone if m not in milestones]
    if missing:
        out.append(("milestones", "required", "缺少节点 " + ", ".join(m.value for m in missing)))
        return out
    order = [milestones[m] for m in Milestone]
    if order[0] < starts_on:
        out.append(("milestones", "after_start", "全面排查节点不能早于行动开始日"))
    if order != sorted(order):
        out.append(("milestones", "order", "节点须按 全面排查 ≤ 履行程序 ≤ 定期调度 的顺序"))
    if today is not None and order[0] < today:
        # A milestone already past would be "passed" at once with today's figures: record a past campaign's
        # results some other way, never as if they had been observed on the day.
        out.append(("milestones", "not_past", "节点不能早于今天"))
    return out


def screening_running(milestones: list[dict[str, Any]], today: date) -> dict[str, Any] | None:
    """Of campaign milestones (rows with ``milestone``, ``starts_on``, ``due_on``), the 全面排查 one whose campaign has
    started and whose screening phase has not ended by ``today`` (seed §三(一): screening runs from the start to its
    milestone): a screening recorded then counts for that campaign."""
    running = [m for m in milestones if m["milestone"] == Milestone.SCREENING_DONE.value
               and m["starts_on"] <= today <= m["due_on"]]  # fmt: skip
    return running[0] if running else None


def in_scope(village_code: str, scope: list[str]) -> bool:
    return any(contains(code, village_code) for code in scope)


def behind_pace(*, screened: int, households: int, starts_on: date, due_on: date, today: date) -> bool:
    """Whether a village's 全面排查 is behind: fewer of its households screened than the share of the screening phase
    gone by (seed §三(一) asks for every household by the milestone; an even pace from the start to it is how the
    township sees early who will not make it — our rule, stated here, not the seed's). Counted in calendar days, the
    milestone's day included; a village with every household screened is never behind."""
    if households <= 0 or screened >= households:
        return False
    days = (due_on - starts_on).days + 1
    gone = min(max((today - starts_on).days + 1, 0), days)
    return screened * days < households * gone
