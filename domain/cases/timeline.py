"""Replay for inspectors: a case's history as a readable timeline, the case as it stood at a moment or a version, and
what changed between two versions, field by field. Everything here is rebuilt from the stored events."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from domain.cases.queries import EventRecord
from domain.cases.values import DeadlineKind
from domain.cases.view import CaseViewData
from domain.kernel.actors import Role
from domain.kernel.areas import AreaTree
from domain.kernel.calendars import DayCount
from domain.kernel.errors import CaseNotFoundError, RuleViolationError
from domain.kernel.labels import label
from domain.kernel.steps import Procedure
from domain.kernel.time import local_date

# The Chinese name of each event (glossary.md), as a timeline shows it.
EVENT_LABELS: dict[str, str] = {
    "CaseOpened": "发现线索",
    "HouseholdVisitRecorded": "入户核实",
    "CrossCheckRecorded": "信息比对",
    "VillageDeliberationRecorded": "村内民主评议",
    "PublicNoticePosted": "村内公示",
    "NoticeObjectionRaised": "公示异议",
    "PublicNoticeClosed": "公示结束",
    "TownshipReviewed": "乡镇审核",
    "CountyDecided": "县级审定",
    "ResultAnnounced": "结果公告",
    "DeadlineMissed": "逾期",
    "ResponsiblePersonAssigned": "确定帮扶责任人",
    "AssistancePlanMade": "制定帮扶计划",
    "MeasureAdded": "新增帮扶措施",
    "MeasureChanged": "调整帮扶措施",
    "MeasureImplemented": "落实帮扶措施",
    "MeasureEnded": "结束帮扶措施",
    "AssistanceReviewed": "帮扶核查",
    "FindingRectified": "整改",
    "EliminationProposed": "风险消除申请",
    "EliminationVisitRecorded": "风险消除入户核实",
    "RiskEliminated": "风险消除公告",
    "LookBackRecorded": "回头看",
    "RollbackRequested": "申请风险消除回退",
    "EliminationRolledBack": "风险消除回退",
    "RollbackRefused": "不予回退",
}
_DEADLINE_STATUS = {
    "met": "按时完成",
    "met_late": "逾期完成",
    "missed": "逾期未完成",
    "open": "未到期",
    "closed": "不再适用",
}


def event_label(record: EventRecord) -> str:
    text = EVENT_LABELS.get(record["type"], str(record["type"]))
    if record["payload"].get("procedure") == Procedure.ELIMINATION.value:
        text += "（风险消除）"
    return text


def _actor(actor: dict[str, str], areas: AreaTree) -> dict[str, str]:
    area = areas.get(actor.get("area_code", ""))
    role = actor.get("role", "")
    return {
        "id": actor.get("id", ""),
        "name": actor.get("name", ""),
        "role": role,
        "role_label": label(Role(role)) if role in Role.__members__.values() else role,
        "area_code": actor.get("area_code", ""),
        "unit": area.name if area else "",
    }


def deadline_entries(view: CaseViewData) -> list[dict[str, Any]]:
    """Each deadline of the case as met (when), missed (by how many days), still open, or no longer applying, and
    the days its policy counts it in (自然日 or 工作日)."""
    count = DayCount(view["policy"].get("day_count", DayCount.CALENDAR.value))
    out = []
    for d in view["deadlines"]:
        if d["closed"]:
            status = "closed"
        elif d["met_on"] is not None:
            status = "met" if d["met_in_time"] else "met_late"
        else:
            status = "missed" if d["overdue"] else "open"
        out.append(
            {
                "kind": d["kind"],
                "label": label(DeadlineKind(d["kind"])),
                "due_date": d["due_date"],
                "status": status,
                "status_label": _DEADLINE_STATUS[status],
                "met_on": d["met_on"],
                "days_late": d["days_late"] if status in ("met_late", "missed") else 0,
                "counted_in": count.value,
                "counted_in_label": count.label,
            }
        )
    return out


def timeline(records: list[EventRecord], view: CaseViewData, areas: AreaTree) -> dict[str, Any]:
    """The events of a case in order, readable, and its deadlines; ``records`` as ``Ledger.event_records``."""
    entries = [
        {
            "version": r["version"],
            "type": r["type"],
            "label": event_label(r),
            "occurred_at": r["occurred_at"],
            "recorded_at": r["recorded_at"],
            "actor": _actor(r["actor"], areas),
            "comment": r["comment"],
            "command_id": r["command_id"],
            "hash": r["hash"],
            "payload": r["payload"],
        }
        for r in records
    ]
    return {
        "case_id": view["case_id"],
        "version": view["version"],
        "events": entries,
        "deadlines": deadline_entries(view),
    }


def version_at(records: list[EventRecord], moment: datetime) -> int:
    """The case's version as the system knew it at ``moment`` (the last event recorded by then)."""
    known = [r["version"] for r in records if r["recorded_at"] <= moment]
    if not known:
        raise CaseNotFoundError(f"the case did not exist yet at {moment.isoformat()}", field="at", rule="existed")
    return int(max(known))


def check_version(version: int, last: int, field: str) -> None:
    if not 1 <= version <= last:
        raise RuleViolationError(
            f"{field} must be a version of the case, 1 to {last}", field=field, rule="version_range"
        )


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict) and value:
        for key in sorted(value):
            _flatten(value[key], f"{prefix}.{key}" if prefix else str(key), out)
    else:
        out[prefix] = value


# Parts of a view that follow from the moment it is read, not from the case's events.
_CLOCK_FIELDS = ("as_of", "overdue", "next_deadline")


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What changed from one view to another, field by field (dotted paths; lists compared whole)."""
    a: dict[str, Any] = {}
    b: dict[str, Any] = {}
    _flatten({k: v for k, v in before.items() if k not in _CLOCK_FIELDS}, "", a)
    _flatten({k: v for k, v in after.items() if k not in _CLOCK_FIELDS}, "", b)
    changes = []
    for path in sorted(set(a) | set(b)):
        if a.get(path, _MISSING) != b.get(path, _MISSING):
            changes.append({"field": path, "from": a.get(path), "to": b.get(path)})
    return changes


_MISSING = object()


# What a view works out from the recorded facts (the steps open now, deadlines and their states, derived findings,
# labels, national statuses): a version's difference that a person made leaves these out (they follow).
DERIVED_FIELDS = frozenset({
    "version", "updated_at", "stage_label", "status_label", "category_label", "source_label", "allowed_steps",
    "deadlines", "derived_findings", "eligible_categories", "elimination_eligible_from", "national_transitions",
    "national_status", "finished", "overdue_recorded", "notice_due", "responsible_history", "elimination_history",
})  # fmt: skip


def recorded_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What a person changed between two views of a case: ``diff`` without what the view derives from it."""
    return diff(
        {k: v for k, v in before.items() if k not in DERIVED_FIELDS},
        {k: v for k, v in after.items() if k not in DERIVED_FIELDS},
    )


def business_date(occurred_at: datetime, clue_date: date | str | None = None) -> date:
    """The day an event happened in business time (Asia/Shanghai): an opening's is its clue's date (发现线索: what
    opening records happened then, whenever it was entered), any other event's its ``occurred_at``'s."""
    if clue_date:
        return clue_date if isinstance(clue_date, date) else date.fromisoformat(str(clue_date))
    return local_date(occurred_at)


def business_day(record: EventRecord) -> date:
    """``business_date`` of a stored event record."""
    clue = record["payload"].get("clue_date") if record["type"] == "CaseOpened" else None
    return business_date(record["occurred_at"], clue)


def version_on(records: list[EventRecord], day: date) -> int:
    """The case's version as it stood in business time at the end of ``day`` (Asia/Shanghai): the events, in their
    order, up to the first that happened after that day (whenever each was recorded)."""
    version = 0
    for r in records:
        if business_day(r) > day:
            break
        version = int(r["version"])
    if not version:
        raise CaseNotFoundError(f"nothing of the case had happened by {day.isoformat()}", field="on", rule="existed")
    return version
