"""The discovery channels in figures (issue 21's views): alerts by department (received, verified in time or late,
still waiting past their day, converted to cases, attached, found not at risk, sent back, matched to no one) and
self-applications (received, accepted or refused, answered within the 2 days or late). Counted from the registry's
rows of each (``RegistryView.discovery_counts``)."""

from __future__ import annotations

from typing import Any

from domain.discovery.values import ApplicationStatus
from domain.kernel.actors import Department

ALERT_COLUMNS = {
    "received": "收到", "pending": "待核实", "in_time": "按时核实", "late": "超时核实或逾期未核实",
    "waiting_late": "其中逾期未核实", "confirmed": "风险属实（纳入监测）", "attached": "已是监测对象",
    "not_at_risk": "无风险", "returned": "退回部门", "unmatched": "未匹配到农户",
}  # fmt: skip
APPLICATION_COLUMNS = {
    "received": "收到", "pending": "待受理", "accepted": "受理（纳入监测）", "refused": "不予受理",
    "in_time": "2天内答复", "late": "超时答复或逾期未答复", "waiting_late": "其中逾期未答复",
}  # fmt: skip


def _add(into: dict[str, int], row: dict[str, Any]) -> None:
    n = int(row["n"])
    into["received"] += n
    into[row["status"] if row["status"] != ApplicationStatus.RECEIVED.value else "pending"] += n
    for key in ("in_time", "late", "waiting_late"):
        into[key] += int(row[key])
    if "unmatched" in into:
        into["unmatched"] += int(row["unmatched"])


def alert_figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per department (every department a row, in their order) and in total."""
    blank = dict.fromkeys(ALERT_COLUMNS, 0)
    by = {d.value: dict(blank) for d in Department}
    for row in rows:
        _add(by[row["department"]], row)
    total = {k: sum(d[k] for d in by.values()) for k in ALERT_COLUMNS}
    return {
        "columns": ALERT_COLUMNS,
        "rows": [{"department": d.value, "department_label": d.label, **by[d.value]} for d in Department],
        "total": total,
    }


def application_figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    figures = dict.fromkeys(APPLICATION_COLUMNS, 0)
    for row in rows:
        _add(figures, row)
    return {"columns": APPLICATION_COLUMNS, "total": figures}
