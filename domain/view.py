"""What a caller sees of a case: its facts, its allowed next steps and its deadlines, computed at a moment."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from domain import policy as rules
from domain.areas import AreaTree
from domain.case import MonitoringCase
from domain.values import DeadlineKind, Source, Stage, label


def case_view(case: MonitoringCase, now: datetime, areas: AreaTree | None = None) -> dict[str, Any]:
    """The case view as plain data (dates, decimals and strings), the same for the API and the workflow."""
    policy = case.policy
    deadlines = _deadlines(case, now)
    pending = [d for d in deadlines if d["met_on"] is None and not d["closed"]]
    next_deadline = min(pending, key=lambda d: d["due_at"]) if pending else None
    village = areas.get(case.village_code) if areas else None
    view: dict[str, Any] = {
        "case_id": str(case.id),
        "version": case.version,
        "stage": case.stage.value,
        "stage_label": label(case.stage),
        "status": case.status.value,
        "status_label": label(case.status),
        "household": {"household_number": case.household_number, "household_head": case.household_head},
        "area": {
            "county_code": case.county_code,
            "township_code": case.township_code,
            "village_code": case.village_code,
            "village_name": village.name if village else "",
        },
        "source": case.source.value,
        "source_label": label(Source(case.source)),
        "clue_date": case.clue_date,
        "reported_risks": list(case.reported_risks),
        "policy": {
            "key": policy.key,
            "year": policy.year,
            "monitoring_line": policy.monitoring_line,
            "identification_days": policy.identification_days,
            "notice_min_days": policy.notice_min_days,
        },
        "category": case.category.value if case.category else None,
        "category_label": label(case.category) if case.category else None,
        "identified_on": case.identified_on,
        "eligible_categories": _eligible(case),
        "facts": {name: dict(facts) for name, facts in case.facts.items()},
        "allowed_steps": [
            {
                "step": a.step.value,
                "label": label(a.step),
                "actions": list(a.actions),
                "roles": [r.value for r in a.roles],
            }
            for a in case.allowed_steps()
        ],
        "deadlines": deadlines,
        "next_deadline": next_deadline,
        "overdue": any(d["overdue"] for d in deadlines),
        "opened_at": case.created_on,
        "updated_at": case.modified_on,
        "opened_by": dict(case.opened_by),
    }
    return view


def _eligible(case: MonitoringCase) -> list[str]:
    if "household_visit" not in case.facts or case.stage is Stage.CLOSED:
        return []
    return [c.value for c in rules.eligible_categories(case.household_facts(), case.policy)]


def _deadlines(case: MonitoringCase, now: datetime) -> list[dict[str, Any]]:
    due = rules.identification_due(case.clue_date, case.policy)
    met_on: date | None = case.decided_on  # the county decision, approve or reject, meets the deadline
    closed = met_on is None and case.stage is Stage.CLOSED  # closed before it (declined, village or township)
    open_now = met_on is None and not closed
    due_at = rules.end_of_day(due)
    kind = DeadlineKind.IDENTIFICATION
    return [
        {
            "kind": kind.value,
            "label": label(kind),
            "due_date": due,
            "due_at": due_at,
            "met_on": met_on,
            "met_in_time": met_on is not None and met_on <= due,
            "closed": closed,
            "missed_recorded": kind.value in case.missed_deadlines,
            "overdue": open_now and now >= due_at,
            "days_late": 0 if closed else max(0, ((met_on or rules.local_date(now)) - due).days),
        }
    ]
