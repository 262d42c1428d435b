"""The statistical tables 3-1 to 3-4 as documents: for a scope (village, township or county), a period and a cut-off
position of the event log, computed from the report facts (``domain.reports``), with the latest audit checkpoint at or
before the cut-off, so that anyone can recompute the same figures later and prove what they rest on."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain import audit
from domain.ledger import CaseLedger
from domain.policy.reporting import cycle, cycle_number
from domain.registry_readmodel import RegistryView
from domain.report_readmodel import ReportView
from domain.reports import (
    NOTES,
    TITLES,
    TOTAL_LABEL,
    Table,
    compute,
    filling_unit,
    headers,
    row_units,
)

_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
MAX_RANGE_DAYS = 3660


class ReportRequestError(ValueError):
    """A report that cannot be made as asked: ``field`` and ``rule`` name what to change."""

    def __init__(self, message: str, field: str, rule: str) -> None:
        super().__init__(message)
        self.field, self.rule = field, rule


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    cycle: int | None  # the two-week cycle's number, counted from ``counted_from``
    counted_from: date | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "first_day": self.first.isoformat(),
            "last_day": self.last.isoformat(),
            "cycle": self.cycle,
            "counted_from": self.counted_from.isoformat() if self.counted_from else None,
        }


class ReportService:
    def __init__(
        self, ledger: CaseLedger, view: ReportView, registry: RegistryView, plan_issued_on: date | None
    ) -> None:
        self.ledger, self.view, self.registry, self.plan_issued_on = ledger, view, registry, plan_issued_on

    def position(self) -> int:
        """How far the report facts have followed the event log: the latest cut-off a report can have."""
        return self.view.position(self.ledger.name)

    def counted_from(self, scope: str, today: date) -> date | None:
        """方案印发之日 for the scope: configured, or the start of the latest campaign covering it."""
        if self.plan_issued_on is not None:
            return self.plan_issued_on
        started: date | None = self.registry.latest_campaign_start(area_prefix=scope, on_or_before=today)
        return started

    def period(self, scope: str, spec: str | None, today: date) -> Period:
        """``spec``: a cycle number (1, 2, …), a range ``YYYY-MM-DD..YYYY-MM-DD``, or nothing for the cycle holding
        today."""
        m = _RANGE.match(spec or "")
        if m:
            try:
                first, last = date.fromisoformat(m.group(1)), date.fromisoformat(m.group(2))
            except ValueError as e:
                raise ReportRequestError(f"not a date: {e}", "period", "date") from e
            if last < first or (last - first).days > MAX_RANGE_DAYS:
                raise ReportRequestError(
                    f"a period runs forward and at most {MAX_RANGE_DAYS} days", "period", "period_range"
                )
            return Period(first, last, None, None)
        counted_from = self.counted_from(scope, today)
        if counted_from is None:
            raise ReportRequestError(
                "no plan date to count the two-week cycles from (no campaign covers this area and "
                "DIXIAN_PLAN_ISSUED_ON is not set): give the period as YYYY-MM-DD..YYYY-MM-DD",
                "period",
                "cycle_start",
            )
        if spec is None or spec == "":
            try:
                number = cycle_number(counted_from, today)
            except ValueError as e:
                raise ReportRequestError(str(e), "period", "cycle_start") from e
        elif spec.isdigit() and 0 < int(spec) <= 1000:
            number = int(spec)
        else:
            raise ReportRequestError(
                "period is a cycle number (1, 2, …) or a range YYYY-MM-DD..YYYY-MM-DD", "period", "period_format"
            )
        first, last = cycle(counted_from, number)
        return Period(first, last, number, counted_from)

    def table(self, table: Table, scope: str, period: Period, cutoff: int | None = None) -> dict[str, Any]:
        """The table as a document: its seed layout, its figures as of ``cutoff`` (default: as far as the facts go),
        and what it rests on (the cut-off and the latest signed checkpoint at or before it)."""
        position = self.position()
        if cutoff is None:
            cutoff = position
        elif cutoff > position:
            raise ReportRequestError(
                f"the report facts reach position {position} so far; a cut-off beyond it is not yet known",
                "cutoff",
                "cutoff_reached",
            )
        areas = self.ledger.areas
        try:
            units = row_units(areas, scope)
        except ValueError as e:
            raise ReportRequestError(str(e), "scope", "known_area") from e
        facts = self.view.facts(area_prefix=scope, up_to=cutoff)
        figures = compute(table, facts, units, period.first, period.last)
        annex, title = TITLES[table]
        area = areas.get(scope)
        return {
            "table": table.value,
            "annex": annex,
            "title": title,
            "filling_unit": filling_unit(areas, scope),
            "scope": {"code": scope, "name": area.name if area else scope, "level": area.level.value if area else ""},
            "period": period.as_dict(),
            "cutoff": {"position": cutoff, "checkpoint": self._checkpoint(cutoff)},
            "headers": [
                {"text": c.text, "row": c.row, "col": c.col, "rows": c.rows, "cols": c.cols} for c in headers(table)
            ],
            "rows": [
                {"no": "", "unit": TOTAL_LABEL[table], "code": scope, "values": figures.total},
                *({"no": i, "unit": u.name, "code": u.code, "values": v} for i, (u, v) in enumerate(figures.rows, 1)),
            ],
            "note": NOTES.get(table, ""),
        }

    def _checkpoint(self, cutoff: int) -> dict[str, Any] | None:
        made = [c for c in audit.checkpoints(self.ledger) if int(c["through"]) <= cutoff]
        if not made:
            return None
        last = made[-1]
        return {"number": last["number"], "through": last["through"], "root": last["root"], "key_id": last["key_id"]}
