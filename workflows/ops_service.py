"""Operations: cases past or near their business deadlines, counts by stage and area, projection lag, readiness.

Deadline views come from the case list read model (whose rows carry each case's next deadline); the lag is how far
each read model's tracking position trails the event store's notification log."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from domain.ledger import CaseLedger
from domain.policy import local_date
from domain.readmodel import CaseSummaryView
from domain.registry_readmodel import RegistryView
from domain.values import DeadlineKind, label

MAX_ITEMS = 5000


class OpsService:
    def __init__(self, ledger: CaseLedger, summaries: CaseSummaryView, registry: RegistryView) -> None:
        self.ledger, self.summaries, self.registry = ledger, summaries, registry

    def lag(self) -> dict[str, int]:
        """Events stored but not yet applied, per read model."""
        top = self.ledger.recorder.max_notification_id() or 0
        return {
            "case_summaries": top - (self.summaries.max_tracking_id(self.ledger.name) or 0),
            "registry": top - (self.registry.max_tracking_id(self.ledger.name) or 0),
        }

    def deadlines(self, area_code: str, now: datetime, within: timedelta = timedelta(0)) -> dict[str, Any]:
        """Open cases past their next deadline (``within`` 0) or due within ``within`` from now, by kind and area."""
        rows = self.summaries.deadlines_before(area_prefix=area_code, before=now + within, limit=MAX_ITEMS + 1)
        today = local_date(now)
        items = []
        for r in rows[:MAX_ITEMS]:
            due = r["next_deadline"]
            late = (today - local_date(due)).days + 1 if due <= now else 0  # the due day ends at midnight
            items.append(
                {
                    "case_id": str(r["case_id"]),
                    "village_code": r["village_code"],
                    "township_code": r["township_code"],
                    "stage": r["stage"],
                    "status": r["status"],
                    "kind": r["next_deadline_kind"],
                    "kind_label": label(DeadlineKind(r["next_deadline_kind"])),
                    "due_at": due,
                    "days_late": late,
                    "missed_recorded": r["overdue"],
                }
            )
        by_kind: dict[str, int] = {}
        by_village: dict[str, int] = {}
        for item in items:
            by_kind[item["kind"]] = by_kind.get(item["kind"], 0) + 1
            by_village[item["village_code"]] = by_village.get(item["village_code"], 0) + 1
        return {
            "as_of": now.isoformat(),
            "area_code": area_code,
            "by_kind": by_kind,
            "by_village": by_village,
            "items": items,
            "truncated": len(rows) > MAX_ITEMS,
        }

    def summary(self, area_code: str, now: datetime) -> dict[str, Any]:
        rows = self.summaries.counts(area_prefix=area_code)
        by_stage: dict[str, int] = {}
        for r in rows:
            by_stage[r["stage"]] = by_stage.get(r["stage"], 0) + int(r["cases"])
        overdue = self.summaries.deadlines_before(area_prefix=area_code, before=now, limit=MAX_ITEMS)
        return {
            "as_of": now.isoformat(),
            "area_code": area_code,
            "cases_by_stage": by_stage,
            "by_village": [
                {"village_code": r["village_code"], "stage": r["stage"], "cases": r["cases"], "missed": r["overdue"]}
                for r in rows
            ],
            "past_deadline_now": len(overdue),
            "projection_lag": self.lag(),
        }
