"""Commands on village reports (draft or revise, approve, submit), each once per command id."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any
from uuid import UUID

from domain.kernel.actors import Actor
from domain.kernel.envelope import Envelope
from domain.kernel.errors import NotFoundError
from domain.kernel.permissions import check_may_draft_report
from domain.kernel.privacy import sees
from domain.kernel.store import CommandSet, Store
from domain.reports.views import VillageReportView
from domain.reports.village_report import Capacity, VillageReport, VillageReportRevised, village_report_id


class ReportCommands(CommandSet):
    def __init__(self, store: Store, office_holders: Callable[[str], Mapping[str, str]]) -> None:
        """``office_holders``: who holds each office of a village now (``domain.accounts``, composed by the
        ledger: the two contexts do not import each other)."""
        super().__init__(store)
        self.office_holders = office_holders

    def draft_village_report(
        self,
        envelope: Envelope,
        *,
        village_code: str,
        first: date,
        last: date,
        tables: dict[str, list[int]],
        cutoff: int,
        checkpoint: dict[str, Any] | None,
        reason: str = "",
        only_new: bool = False,
    ) -> VillageReportView:
        """Draft the village's report for the period, or revise it when its figures changed (``only_new``: leave an
        existing report as it is, as the schedule does)."""
        self.store.areas.village(village_code)
        check_may_draft_report(envelope.actor, village_code)
        report = self.store.find(VillageReport, village_report_id(village_code, first, last))
        if report is None:
            report = VillageReport.draft(
                village_code=village_code, first=first, last=last, tables=tables, cutoff=cutoff,
                checkpoint=checkpoint, actor=envelope.actor, command_id=envelope.command_id, now=envelope.now,
            )  # fmt: skip
            self.store.save_all(report, field="village_code")
            return report.view()
        if only_new or envelope.command_id in report.command_versions:
            return report.view()
        if report.revise(tables=tables, cutoff=cutoff, checkpoint=checkpoint, reason=reason, actor=envelope.actor,
                         command_id=envelope.command_id, now=envelope.now):  # fmt: skip
            self.store.save_all(report, field="village_code")
        return report.view()

    def approve_village_report(
        self,
        envelope: Envelope,
        *,
        report_id: UUID,
        capacity: Capacity,
        content_hash: str,
    ) -> VillageReportView:
        report = self._village_report(report_id, envelope.actor)
        if envelope.command_id not in report.command_versions:
            report.approve(
                capacity=capacity,
                approved_hash=content_hash,
                actor=envelope.actor,
                holders=self.office_holders(report.village_code),
                command_id=envelope.command_id,
                now=envelope.now,
            )
            self.store.save_all(report, field="report_id")
        return report.view()

    def submit_village_report(
        self,
        envelope: Envelope,
        *,
        report_id: UUID,
    ) -> VillageReportView:
        report = self._village_report(report_id, envelope.actor)
        if envelope.command_id not in report.command_versions:
            report.submit(actor=envelope.actor, command_id=envelope.command_id, now=envelope.now)
            self.store.save_all(report, field="report_id")
        return report.view()

    def village_report(self, report_id: UUID, actor: Actor) -> VillageReportView:
        """The report, with every revision's corrections (column, old, new) and its reason, read from its stream as
        recorded (issue 20: a revision lists what it corrected)."""
        report = self._village_report(report_id, actor)
        view = report.view()
        view["corrections"] = [
            {"revision": e.revision, "reason": e.reason, "at": e.occurred_at, "corrections": dict(e.corrections)}
            for e in self.store.stored_events(report.id)
            if isinstance(e, VillageReportRevised)
        ]
        return view

    def _village_report(self, report_id: UUID, actor: Actor) -> VillageReport:
        report = self.store.find(VillageReport, report_id)
        if report is None or not sees(actor, report.village_code):
            raise NotFoundError("no village report with that id in your area", field="report_id", rule="exists")
        return report
