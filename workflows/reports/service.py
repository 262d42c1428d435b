"""The statistical tables 3-1 to 3-4 as documents: for a scope (village, township or county), a period and a cut-off
position of the event log, computed from the report facts (``domain.reports``), with the latest audit checkpoint
before the cut-off (never one signed later), so that anyone can recompute the same figures later and prove what they
rest on."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from domain.audit import checkpoints as audit
from domain.kernel.actors import SYSTEM_ACTOR, Actor
from domain.kernel.areas import CODE_LENGTH, AreaLevel, contains, up_to
from domain.kernel.envelope import Envelope
from domain.kernel.errors import DomainError, ErrorKind, NotFoundError
from domain.ledger import Ledger
from domain.readmodels.registry import RegistryView
from domain.readmodels.reports import ReportProjection, ReportView
from domain.readmodels.schema import pending_of
from domain.reports.periods import PERIOD_DAYS, cycle, cycle_number, default_period
from domain.reports.tables import (
    ABOVE_LABEL,
    TABLE_KINDS,
    TITLES,
    TOTAL_LABEL,
    Fact,
    FactKind,
    Table,
    compute,
    filling_unit,
    headers,
    note,
    row_units,
)
from domain.reports.views import VillageReportView
from domain.reports.village_report import Capacity, ReportStatus, village_report_id

# What a page says of a village report's sign-off: the capacities that sign (seed §三(三) 经村支书、主任审定) and
# the statuses, with the status of a village that has no report for the period yet.
CAPACITY_LABELS = {c.value: c.label for c in Capacity}
STATUS_LABELS = {**{s.value: s.label for s in ReportStatus}, "missing": "未生成"}
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
MAX_RANGE_DAYS = 3660
CATCH_UP_DAYS = 3  # the schedule's catch-up window: a cycle that ended on a missed night is still drafted


def plan_start(registry: RegistryView, plan_issued_on: date | None, scope: str, today: date) -> date | None:
    """方案印发之日 for the scope, which the two-week statistics cycles count from: configured, or the start of the
    latest campaign covering it. A village counts from its township's plan, so that its cycles are the ones the
    township collects."""
    if plan_issued_on is not None:
        return plan_issued_on
    area = up_to(scope, AreaLevel.TOWNSHIP)
    started: date | None = registry.latest_campaign_start(area_prefix=area, on_or_before=today)
    if started is None and len(area) < CODE_LENGTH[AreaLevel.TOWNSHIP]:
        # a county whose townships each run their plan: it counts from the latest of them (the cycles its
        # townships' tables are collected in); issue 20
        started = registry.latest_campaign_start(area_prefix=area, on_or_before=today, within=True)
    return started


class ReportRequestError(DomainError):
    """A report that cannot be made as asked: ``field`` and ``rule`` name what to change."""

    kind = ErrorKind.INVALID

    def __init__(self, message: str, field: str, rule: str) -> None:
        super().__init__(message, field=field, rule=rule)


class ReportCutoffError(ReportRequestError):
    """A report asked as of a position the report facts have not reached yet: retry once they have."""

    kind = ErrorKind.CONFLICT
    problem_type = "ReportRequestError"


class PeriodKind(StrEnum):
    """How a period was chosen: a range asked for, a cycle of the plan, or the default two-week period."""

    RANGE = "range"  # YYYY-MM-DD..YYYY-MM-DD as asked
    PLAN_CYCLE = "plan_cycle"  # a two-week cycle counted from 方案印发之日 (``counted_from``)
    DEFAULT_CYCLE = "default_cycle"  # no plan date known yet: domain.reports.periods.default_period
    # from 方案印发之日 through the end of a cycle: the other reading of 统计周期从方案印发之日起 (seed §三(三))
    CUMULATIVE = "cumulative"


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    cycle: int | None  # the two-week cycle's number, counted from ``counted_from``
    counted_from: date | None
    kind: PeriodKind = PeriodKind.RANGE

    def as_dict(self) -> dict[str, Any]:
        return {
            "first_day": self.first.isoformat(),
            "last_day": self.last.isoformat(),
            "cycle": self.cycle,
            "counted_from": self.counted_from.isoformat() if self.counted_from else None,
            "kind": self.kind.value,
        }

    @property
    def spec(self) -> str:
        """The period as a caller asks for it again: the cycle's number, cumulative through it, or its range."""
        if self.kind is PeriodKind.CUMULATIVE:
            return f"cumulative:{self.cycle}"
        return str(self.cycle) if self.cycle else f"{self.first.isoformat()}..{self.last.isoformat()}"


# 3-4 summed from what the villages submitted: the row of the staff above them is no village's to sign.
SUBMITTED_ABOVE_NOTE = "3. 按各村已上报数汇总时，各村行为其已上报的数字，本级及上级人员一行按人员登记计算。"


# A village report drafted by hand while the report facts trail the store by more events than this is refused: the
# projector folds a few events behind at most in normal running, a whole log after an upgrade.
DRAFT_MAX_BEHIND = 1000


class ReportService:
    def __init__(self, ledger: Ledger, view: ReportView, registry: RegistryView, plan_issued_on: date | None) -> None:
        self.ledger, self.view, self.registry, self.plan_issued_on = ledger, view, registry, plan_issued_on

    def position(self) -> int:
        """How far the report facts have followed the event log: the latest cut-off a report can have."""
        return self.view.position(self.ledger.name)

    def counted_from(self, scope: str, today: date) -> date | None:
        return plan_start(self.registry, self.plan_issued_on, scope, today)

    def period(self, scope: str, spec: str | None, today: date) -> Period:
        """``spec``: a cycle number (1, 2, …), a range ``YYYY-MM-DD..YYYY-MM-DD``, or nothing for the period holding
        today: the plan's cycle, or, while no plan date is known (or it lies after today), the default two-week
        period (``domain.reports.periods.default_period``), so that asking without a period always answers."""
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
        if spec and spec.startswith("cumulative"):
            return self._cumulative(scope, spec.removeprefix("cumulative"), today)
        if spec and not (spec.isascii() and spec.isdigit() and 0 < int(spec) <= 1000):
            raise ReportRequestError(
                "period is a cycle number (1, 2, …) or a range YYYY-MM-DD..YYYY-MM-DD", "period", "period_format"
            )
        counted_from = self.counted_from(scope, today)
        if not spec:
            if counted_from is None or today < counted_from:
                first, last = default_period(today)
                return Period(first, last, None, None, PeriodKind.DEFAULT_CYCLE)
            number = cycle_number(counted_from, today)
        elif counted_from is None:
            raise ReportRequestError(
                "no plan date to count the two-week cycles from (no campaign covers this area and "
                "DIXIAN_PLAN_ISSUED_ON is not set): give the period as YYYY-MM-DD..YYYY-MM-DD",
                "period",
                "cycle_start",
            )
        else:
            number = int(spec)
        first, last = cycle(counted_from, number)
        return Period(first, last, number, counted_from, PeriodKind.PLAN_CYCLE)

    def _cumulative(self, scope: str, through: str, today: date) -> Period:
        """``cumulative`` (through the cycle holding today) or ``cumulative:N`` (through cycle N): from 方案印发之日 to
        the cycle's last day, the cumulative reading of 统计周期从方案印发之日起."""
        number_text = through.removeprefix(":")
        if through and not (through.startswith(":") and number_text.isascii() and number_text.isdigit()
                            and 0 < int(number_text) <= 1000):  # fmt: skip
            raise ReportRequestError("a cumulative period is cumulative or cumulative:N", "period", "period_format")
        counted_from = self.counted_from(scope, today)
        if counted_from is None or (not through and today < counted_from):
            raise ReportRequestError(
                "no plan date to count from (no campaign covers this area and DIXIAN_PLAN_ISSUED_ON is not set): "
                "give the period as YYYY-MM-DD..YYYY-MM-DD", "period", "cycle_start",
            )  # fmt: skip
        number = int(number_text) if through else cycle_number(counted_from, today)
        _, last = cycle(counted_from, number)
        return Period(counted_from, last, number, counted_from, PeriodKind.CUMULATIVE)

    def recent_periods(self, scope: str, today: date, count: int) -> list[Period]:
        """The period holding today (as ``period`` chooses it with no spec) and the ``count - 1`` before it, newest
        first: the plan's cycles down to its first, or the default two-week periods."""
        current = self.period(scope, None, today)
        out = [current]
        while len(out) < count:
            last = out[-1]
            if last.cycle is not None and last.counted_from is not None:
                if last.cycle == 1:
                    break
                first, end = cycle(last.counted_from, last.cycle - 1)
                out.append(Period(first, end, last.cycle - 1, last.counted_from, PeriodKind.PLAN_CYCLE))
            else:
                first = last.first - timedelta(days=PERIOD_DAYS)
                out.append(Period(first, first + timedelta(days=PERIOD_DAYS - 1), None, None, last.kind))
        return out

    def table(self, table: Table, scope: str, period: Period, cutoff: int | None = None) -> dict[str, Any]:
        """The table as a document: its seed layout, its figures as of ``cutoff`` (default: as far as the facts go),
        and what it rests on (the cut-off and the latest signed checkpoint before it)."""
        position = self.position()
        if cutoff is None:
            cutoff = position
        elif cutoff > position:
            raise ReportCutoffError(
                f"the report facts reach position {position} so far; a cut-off beyond it is not yet known",
                "cutoff",
                "cutoff_reached",
            )
        areas = self.ledger.areas
        try:
            units = row_units(areas, scope)
        except ValueError as e:
            raise ReportRequestError(str(e), "scope", "known_area") from e
        facts = self.view.facts(area_prefix=scope, up_to=cutoff, kinds=TABLE_KINDS[table], as_of=period.last)
        area = areas.get(scope)
        level = area.level if area else None
        above = (
            self._staff_above(scope, facts, period, cutoff)
            if table is Table.SCREENING and level in ABOVE_LABEL
            else None
        )
        figures = compute(table, facts, units, period.first, period.last, self.view.known_on(cutoff), above)
        annex, title = TITLES[table]
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
                *(
                    [{"no": "", "unit": ABOVE_LABEL[level], "code": scope, "values": figures.above, "above": True}]
                    if figures.above is not None and level is not None
                    else []
                ),
            ],
            "note": note(table, level),
        }

    def _staff_above(self, scope: str, facts: list[Fact], period: Period, cutoff: int) -> list[Fact]:
        """The people registered above ``scope`` who screened a household in it within the period: their latest staff
        facts (3-4's row of the staff above a township's villages or a county's townships, ``ABOVE_LABEL``)."""
        screeners = {f.ref for f in facts if f.kind is FactKind.SCREENED and f.ref
                     and period.first <= f.day <= period.last}  # fmt: skip
        staff = self.view.staff(screeners, up_to=cutoff, as_of=period.last)
        return [f for f in staff if contains(f.village_code, scope) and f.village_code != scope]

    # ----- village reports and their sign-off ---------------------------------------------------------------------

    def village_figures(self, village: str, period: Period) -> tuple[dict[str, list[int]], int, dict[str, Any] | None]:
        """The village's row of each of the four tables, as of one cut-off (the facts' position now)."""
        cutoff = self.position()
        tables = {t.value: self.table(t, village, period, cutoff)["rows"][0]["values"] for t in Table}
        return tables, cutoff, self._checkpoint(cutoff)

    def draft(
        self, village: str, period: Period, actor: Actor, command_id: str, now: datetime, reason: str = "",
        only_new: bool = False,
    ) -> VillageReportView:  # fmt: skip
        """Draft (or revise, if its figures changed) the village's report for the period. Refused while the report
        facts are far behind the store (a model being folded again after an upgrade): its figures would be partial,
        and a revision once recorded stays in the log."""
        behind = pending_of(self.ledger.recorder, ReportProjection.topics, self.position())
        if behind > DRAFT_MAX_BEHIND:
            raise ReportCutoffError(
                f"the report facts are {behind} events behind the store: draft again once they have caught up",
                "cutoff", "facts_behind",
            )  # fmt: skip
        tables, cutoff, checkpoint = self.village_figures(village, period)
        return self.ledger.reports.draft_village_report(
            Envelope(actor, command_id, now),
            village_code=village,
            first=period.first,
            last=period.last,
            tables=tables,
            cutoff=cutoff,
            checkpoint=checkpoint,
            reason=reason,
            only_new=only_new,
        )

    def draft_due(self, day: date, now: datetime, catch_up_days: int = CATCH_UP_DAYS) -> list[str]:
        """The schedule's work: every village whose two-week cycle ended on ``day`` (or on one of the
        ``catch_up_days`` before it, for nights the schedule missed) gets its report drafted, once: a report
        already there is left as it is (revising one is a person's decision)."""
        drafted = []
        for village in sorted(self.ledger.areas.villages(), key=lambda a: a.code):
            counted_from = self.counted_from(village.code, day)
            if counted_from is None:
                continue
            for back in range(catch_up_days, -1, -1):
                ended = day - timedelta(days=back)
                if ended < counted_from:
                    continue
                number = cycle_number(counted_from, ended)
                first, last = cycle(counted_from, number)
                if last != ended:
                    continue
                period = Period(first, last, number, counted_from, PeriodKind.PLAN_CYCLE)
                view = self.draft(village.code, period, SYSTEM_ACTOR, f"schedule:{village.code}:{first}:{last}",
                                  now, only_new=True)  # fmt: skip
                drafted.append(view["report_id"])
        return drafted

    def approve(
        self, report_id: UUID, capacity: str, content_hash: str, actor: Actor, command_id: str, now: datetime
    ) -> VillageReportView:
        return self.ledger.reports.approve_village_report(
            Envelope(actor, command_id, now),
            report_id=report_id,
            capacity=Capacity(capacity),
            content_hash=content_hash,
        )

    def submit(self, report_id: UUID, actor: Actor, command_id: str, now: datetime) -> VillageReportView:
        return self.ledger.reports.submit_village_report(
            Envelope(actor, command_id, now),
            report_id=report_id,
        )

    def stored_report(self, report_id: UUID, actor: Actor) -> VillageReportView:
        return self.ledger.reports.village_report(report_id, actor)

    def village_report(self, village: str, period: Period, actor: Actor) -> VillageReportView | None:
        """The village's report for exactly this period as stored now (not as the read model has it yet), or None
        when there is none (or the village is not the reader's)."""
        try:
            return self.ledger.reports.village_report(village_report_id(village, period.first, period.last), actor)
        except NotFoundError:
            return None

    def stored(self, scope: str, period: Period | None, limit: int = 1000) -> list[dict[str, Any]]:
        rows = self.view.village_reports(
            area_prefix=scope, first=period.first if period else None, last=period.last if period else None,
            limit=limit,
        )  # fmt: skip
        return [
            {
                "report_id": r["report_id"], "village_code": r["village_code"],
                "period": {"first_day": r["first_day"].isoformat(), "last_day": r["last_day"].isoformat()},
                "revision": r["revision"], "status": r["status"], "content_hash": r["content_hash"],
                "cutoff": r["cutoff"], "approvals": r["approvals"], "submitted_revision": r["submitted_revision"],
                "updated_at": r["updated_at"].isoformat(),
            }
            for r in rows
        ]  # fmt: skip

    def submissions(self, scope: str, period: Period) -> dict[str, Any]:
        """For a township (or county): which villages have submitted their report for the period, and which not."""
        rows = {r["village_code"]: r for r in self.view.village_reports(
            area_prefix=scope, first=period.first, last=period.last, limit=100_000)}  # fmt: skip
        villages = []
        for village in sorted(self.ledger.areas.villages(), key=lambda a: a.code):
            if not contains(scope, village.code):
                continue
            r = rows.get(village.code)
            villages.append({
                "village_code": village.code, "name": village.name,
                "status": r["status"] if r else "missing", "revision": r["revision"] if r else None,
                "submitted_revision": r["submitted_revision"] if r else None,
                "report_id": r["report_id"] if r else None,
            })  # fmt: skip
        submitted = [v["village_code"] for v in villages if v["submitted_revision"] is not None]
        return {"scope": scope, "period": period.as_dict(), "villages": villages, "submitted": len(submitted),
                "of": len(villages)}  # fmt: skip

    def submitted_table(self, table: Table, scope: str, period: Period) -> dict[str, Any]:
        """The township's (or county's) table summing only the villages' submitted figures: a village that has not
        submitted shows no figures and adds nothing."""
        doc = self.table(table, scope, period)
        rows = {r["village_code"]: r for r in self.view.village_reports(
            area_prefix=scope, first=period.first, last=period.last, limit=100_000)}  # fmt: skip
        submitted = {v: r for v, r in rows.items() if r["submitted_tables"]}
        figures = {v: r["submitted_tables"][table.value] for v, r in submitted.items()}
        total: list[int] | None = None
        for row in doc["rows"][1:]:
            if not row.get("above"):  # the staff above the villages: from the registry, as no village signs them
                mine = [f for v, f in figures.items() if contains(row["code"], v)]
                row["values"] = [sum(col) for col in zip(*mine, strict=True)] if mine else None
            if row["values"] is not None:
                total = row["values"] if total is None else [a + b for a, b in zip(total, row["values"], strict=True)]
        doc["rows"][0]["values"] = total
        doc["basis"] = "submitted"
        if any(r.get("above") for r in doc["rows"]):
            doc["note"] += SUBMITTED_ABOVE_NOTE
        # The figures rest on each village's own cut-off, not on one of the whole log.
        doc["cutoff"] = {"position": None, "checkpoint": None,
                         "villages": {v: {"revision": r["submitted_revision"], "content_hash": r["content_hash"]
                                          if r["revision"] == r["submitted_revision"] else None}
                                      for v, r in sorted(submitted.items())}}  # fmt: skip
        doc["submitted_villages"] = sorted(figures)
        return doc

    def _checkpoint(self, cutoff: int) -> dict[str, Any] | None:
        """The latest signed checkpoint through a position *before* the cut-off. Every checkpoint signed from now on
        goes through the log's end, at or after the cut-off, so the one named never changes and the same cut-off gives
        the same file for ever (issue 20: one signed later through exactly the cut-off changed every file's
        provenance)."""
        made = [c for c in audit.checkpoints(self.ledger) if int(c["through"]) < cutoff]
        if not made:
            return None
        last = made[-1]
        return {"number": last["number"], "through": last["through"], "root": last["root"], "key_id": last["key_id"]}
