"""A village's report for one statistics period (the four tables' figures for the village) and its sign-off, as the
seed requires (§三(三) 定期调度: "经村支书、主任审定后，上报乡乡村振兴办公室"): drafted → approved by the village Party
secretary and by the village committee director, two different people → submitted to the township. A report whose
figures change is a new revision: it names what changed and needs both approvals again."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.kernel.actors import Actor, Role
from domain.kernel.chain import ChainedAggregate, ChainedCreated, ChainedEvent
from domain.kernel.errors import NotPermittedError, StepNotAllowedError, VersionConflictError
from domain.kernel.labels import Labelled
from domain.kernel.offices import VillageOffice
from domain.kernel.topics import stored_as
from domain.reports.views import VillageReportView

# Who signs a village report (seed §三(三) 经村支书、主任审定): the holders of the village's two offices.
Capacity = VillageOffice


class ReportStatus(Labelled):
    DRAFT = "draft", "待审定"
    APPROVED = "approved", "已审定"
    SUBMITTED = "submitted", "已上报"


def village_report_id(village_code: str, first: date, last: date) -> UUID:
    return uuid5(NAMESPACE_URL, f"dixian:village-report:{village_code}:{first.isoformat()}:{last.isoformat()}")


def content_hash(tables: dict[str, list[int]]) -> str:
    """SHA-256 over the figures (canonical JSON): what an approval vouches for."""
    return hashlib.sha256(json.dumps(tables, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def corrections(before: dict[str, list[int]], after: dict[str, list[int]]) -> dict[str, list[dict[str, int]]]:
    """What a revision changes: per table, each column whose figure differs, with the old and the new figure."""
    out: dict[str, list[dict[str, int]]] = {}
    for table in sorted(set(before) | set(after)):
        old, new = before.get(table, []), after.get(table, [])
        diffs = [
            {"column": i, "old": old[i] if i < len(old) else 0, "new": new[i] if i < len(new) else 0}
            for i in range(max(len(old), len(new)))
            if (old[i] if i < len(old) else 0) != (new[i] if i < len(new) else 0)
        ]
        if diffs:
            out[table] = diffs
    return out


@stored_as("domain.village_report:VillageReportDrafted")
class VillageReportDrafted(ChainedCreated):
    actor: dict[str, str]
    command_id: str
    occurred_at: datetime
    village_code: str
    first_day: date
    last_day: date
    tables: dict[str, list[int]]  # table (3-1 …) → the village's figures, in column order
    content_hash: str
    cutoff: int  # the event-log position the figures are as of
    checkpoint: dict[str, Any] | None  # the latest signed checkpoint at or before the cut-off

    def apply(self, report: VillageReport) -> None:
        report.village_code, report.first_day, report.last_day = self.village_code, self.first_day, self.last_day
        report.revision, report.status = 1, ReportStatus.DRAFT
        report.tables, report.content_hash = dict(self.tables), self.content_hash
        report.cutoff, report.checkpoint = self.cutoff, self.checkpoint
        report.approvals, report.revisions = {}, []
        report.command_versions = {self.command_id: self.originator_version}


class VillageReportEvent(ChainedEvent):
    actor: dict[str, str]
    command_id: str
    occurred_at: datetime

    def apply(self, report: VillageReport) -> None:
        report.command_versions[self.command_id] = self.originator_version
        self.apply_facts(report)

    def apply_facts(self, report: VillageReport) -> None:
        """Record the facts."""


@stored_as("domain.village_report:VillageReportRevised")
class VillageReportRevised(VillageReportEvent):
    """New figures for the same village and period: what changed is named, and the approvals start again."""

    revision: int
    tables: dict[str, list[int]]
    content_hash: str
    cutoff: int
    checkpoint: dict[str, Any] | None
    corrections: dict[str, list[dict[str, int]]]
    reason: str

    def apply_facts(self, report: VillageReport) -> None:
        report.revisions.append(
            {"revision": report.revision, "status": report.status.value, "content_hash": report.content_hash,
             "tables": report.tables, "cutoff": report.cutoff, "approvals": report.approvals}
        )  # fmt: skip
        report.revision, report.status = self.revision, ReportStatus.DRAFT
        report.tables, report.content_hash = dict(self.tables), self.content_hash
        report.cutoff, report.checkpoint, report.approvals = self.cutoff, self.checkpoint, {}


@stored_as("domain.village_report:VillageReportApproved")
class VillageReportApproved(VillageReportEvent):
    capacity: str
    content_hash: str

    def apply_facts(self, report: VillageReport) -> None:
        report.approvals[self.capacity] = {**self.actor, "at": self.occurred_at.isoformat()}
        if all(c.value in report.approvals for c in Capacity):
            report.status = ReportStatus.APPROVED


@stored_as("domain.village_report:VillageReportSubmitted")
class VillageReportSubmitted(VillageReportEvent):
    content_hash: str

    def apply_facts(self, report: VillageReport) -> None:
        report.status = ReportStatus.SUBMITTED
        report.submitted = {**self.actor, "at": self.occurred_at.isoformat(), "revision": report.revision}


@stored_as("domain.village_report:VillageReport")
class VillageReport(ChainedAggregate):
    village_code: str
    first_day: date
    last_day: date
    revision: int
    status: ReportStatus
    tables: dict[str, list[int]]
    content_hash: str
    cutoff: int
    checkpoint: dict[str, Any] | None
    approvals: dict[str, dict[str, str]]
    revisions: list[dict[str, Any]]
    command_versions: dict[str, int]
    submitted: dict[str, Any] | None = None

    def __init__(self) -> None:
        """State is set by ``VillageReportDrafted.apply``."""

    @classmethod
    def draft(
        cls, *, village_code: str, first: date, last: date, tables: dict[str, list[int]], cutoff: int,
        checkpoint: dict[str, Any] | None, actor: Actor, command_id: str, now: datetime,
    ) -> VillageReport:  # fmt: skip
        report: VillageReport = cls._create(
            VillageReportDrafted, id=village_report_id(village_code, first, last), actor=actor.as_dict(),
            command_id=command_id, occurred_at=now, village_code=village_code, first_day=first, last_day=last,
            tables=tables, content_hash=content_hash(tables), cutoff=cutoff, checkpoint=checkpoint,
        )  # fmt: skip
        return report

    def revise(
        self, *, tables: dict[str, list[int]], cutoff: int, checkpoint: dict[str, Any] | None, reason: str,
        actor: Actor, command_id: str, now: datetime,
    ) -> bool:  # fmt: skip
        """A new revision if the figures differ (True); the same figures change nothing (False)."""
        if content_hash(tables) == self.content_hash:
            return False
        self.trigger_event(
            VillageReportRevised, actor=actor.as_dict(), command_id=command_id, occurred_at=now,
            revision=self.revision + 1, tables=tables, content_hash=content_hash(tables), cutoff=cutoff,
            checkpoint=checkpoint, corrections=corrections(self.tables, tables), reason=reason,
        )  # fmt: skip
        return True

    def approve(
        self, *, capacity: Capacity, approved_hash: str, actor: Actor, holders: Mapping[str, str], command_id: str,
        now: datetime,
    ) -> None:  # fmt: skip
        """审定 by one of the two signatories, for the figures they saw: the holder of the office of ``capacity`` in
        this village (``holders``: office -> user id, as the administrator registered them). One person holding both
        offices (书记、主任一肩挑) approves in both capacities."""
        self._check_village_cadre(actor)
        if self.status is not ReportStatus.DRAFT:
            raise StepNotAllowedError(
                f"the report is {self.status.value}: only a draft is approved", field="status", rule="report_status"
            )
        if holders.get(capacity.value) != actor.id:
            raise NotPermittedError(
                f"only the village's registered {capacity.value} approves as {capacity.value}",
                field="capacity", rule="office_holder",
            )  # fmt: skip
        if approved_hash != self.content_hash:
            raise VersionConflictError(
                "the figures changed since you read them: read the report again", field="content_hash",
                rule="current_figures",
            )  # fmt: skip
        if capacity.value in self.approvals:
            raise StepNotAllowedError(
                f"already approved as {capacity.value}", field="capacity", rule="approved_once_per_capacity"
            )
        self.trigger_event(
            VillageReportApproved, actor=actor.as_dict(), command_id=command_id, occurred_at=now,
            capacity=capacity.value, content_hash=approved_hash,
        )  # fmt: skip

    def submit(self, *, actor: Actor, command_id: str, now: datetime) -> None:
        """上报 to the township's rural revitalisation office, once both have approved."""
        self._check_village_cadre(actor)
        if self.status is not ReportStatus.APPROVED:
            raise StepNotAllowedError(
                "a report is submitted once the Party secretary and the committee director have approved it "
                f"(it is {self.status.value})",
                field="status",
                rule="approved_before_submission",
            )
        self.trigger_event(
            VillageReportSubmitted, actor=actor.as_dict(), command_id=command_id, occurred_at=now,
            content_hash=self.content_hash,
        )  # fmt: skip

    def _check_village_cadre(self, actor: Actor) -> None:
        if actor.role is not Role.VILLAGE_CADRE or actor.area_code != self.village_code:
            raise NotPermittedError(
                "a village report is approved and submitted by the village's own cadres", field="role",
                rule="village_signs",
            )  # fmt: skip

    def view(self) -> VillageReportView:
        return {
            "report_id": str(self.id),
            "village_code": self.village_code,
            "period": {"first_day": self.first_day.isoformat(), "last_day": self.last_day.isoformat()},
            "revision": self.revision,
            "status": self.status.value,
            "status_label": self.status.label,
            "tables": self.tables,
            "content_hash": self.content_hash,
            "cutoff": {"position": self.cutoff, "checkpoint": self.checkpoint},
            "approvals": self.approvals,
            "submitted": self.submitted,
            "revisions": self.revisions,
            "version": self.version,
        }
