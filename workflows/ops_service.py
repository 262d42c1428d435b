"""Operations: cases past or near their business deadlines, counts by stage and area, projection lag, readiness.

Deadline views come from the case list read model (whose rows carry each case's next deadline); the lag is how far
each read model's tracking position trails the event store's notification log."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from domain.ledger import CaseLedger
from domain.policy import local_date
from domain.readmodel import CaseSummaryView
from domain.registry_readmodel import RegistryView
from domain.values import Actor, DeadlineKind, label
from workflows.case_workflow import CaseWorkflow
from workflows.contracts import CaseWorkflowState, workflow_id_for

MAX_ITEMS = 5000


STUCK_LIMIT = 2000  # workflows described per call (one RPC each)
RETRYING_ATTEMPTS = 3  # an activity on its third attempt or later is reported


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
                    "responsible_person": r["responsible_person"],
                }
            )
        by_kind: dict[str, int] = {}
        by_village: dict[str, int] = {}
        by_person: dict[str, int] = {}
        for item in items:
            by_kind[item["kind"]] = by_kind.get(item["kind"], 0) + 1
            by_village[item["village_code"]] = by_village.get(item["village_code"], 0) + 1
            if item["responsible_person"]:
                by_person[item["responsible_person"]] = by_person.get(item["responsible_person"], 0) + 1
        return {
            "as_of": now.isoformat(),
            "area_code": area_code,
            "by_kind": by_kind,
            "by_village": by_village,
            "by_responsible_person": by_person,
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

    # ----- stuck workflows --------------------------------------------------------------------------------------

    def _expected_workflows(self, area_code: str) -> list[dict[str, Any]]:
        """Cases that should have a running workflow: every case not closed (an eliminated case waits for its
        look-back)."""
        rows: list[dict[str, Any]] = []
        offset = 0
        while len(rows) < STUCK_LIMIT:
            page = self.summaries.search(area_prefix=area_code, filters={}, limit=500, offset=offset)
            rows += [r for r in page if r["stage"] != "closed"]
            if len(page) < 500:
                break
            offset += 500
        return rows[:STUCK_LIMIT]

    async def stuck(
        self, area_code: str, now: datetime, client: Client, ui_url: str | None, no_progress_days: int = 30
    ) -> dict[str, Any]:
        """Workflows that are not doing their job: none running for an open case, an activity failing again and
        again, a workflow whose view disagrees with the event store, or no progress for ``no_progress_days``."""
        items: list[dict[str, Any]] = []
        for row in self._expected_workflows(area_code):
            case_id = row["case_id"]
            wid = workflow_id_for(case_id)
            link = f"{ui_url.rstrip('/')}/namespaces/{client.namespace}/workflows/{wid}" if ui_url else ""

            def add(kind: str, detail: str, row: dict[str, Any] = row, wid: str = wid, link: str = link) -> None:
                items.append({"case_id": str(row["case_id"]), "workflow_id": wid, "village_code": row["village_code"],
                              "problem": kind, "detail": detail, "temporal_ui": link})  # fmt: skip

            try:
                description = await client.get_workflow_handle(wid).describe()
            except RPCError as e:
                if e.status is RPCStatusCode.NOT_FOUND:
                    add("no_running_workflow", "no workflow exists for this open case")
                    continue
                raise
            if description.status is not WorkflowExecutionStatus.RUNNING:
                status = description.status.name if description.status else "UNKNOWN"
                add("no_running_workflow", f"the workflow is {status}")
                continue
            for pending in description.raw_description.pending_activities:
                if pending.attempt >= RETRYING_ATTEMPTS:
                    failure = pending.last_failure.message if pending.HasField("last_failure") else ""
                    add("activity_retrying", f"{pending.activity_type.name}: attempt {pending.attempt}: {failure}")
            try:
                control = await client.get_workflow_handle(wid).query(CaseWorkflow.view)
            except Exception as e:  # a workflow task that keeps failing cannot answer either
                add("query_failed", f"the workflow does not answer ({type(e).__name__})")
                continue
            if control is not None and control.version != row["version"]:
                add("diverged", f"the workflow holds version {control.version}, the store {row['version']}")
            if row["stage"] != "eliminated" and now - row["updated_at"] > timedelta(days=no_progress_days):
                add("no_progress", f"nothing recorded since {row['updated_at'].isoformat()}")
        by_problem: dict[str, int] = {}
        for item in items:
            by_problem[item["problem"]] = by_problem.get(item["problem"], 0) + 1
        return {"as_of": now.isoformat(), "area_code": area_code, "by_problem": by_problem, "items": items}

    async def reconcile(
        self, area_code: str, actor: Actor, reason: str, now: datetime, client: Client, task_queue: str,
        ui_url: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """Restart the workflow of every open case that has none running; it adopts the case from the event store.
        Each restart is recorded with the operator and the reason."""
        report = await self.stuck(area_code, now, client, ui_url)
        restarted = []
        for item in report["items"]:
            if item["problem"] != "no_running_workflow":
                continue
            case_id = UUID(item["case_id"])
            try:
                await client.start_workflow(
                    CaseWorkflow.run,
                    CaseWorkflowState(case_id=case_id, adopt_existing=True),
                    id=item["workflow_id"],
                    task_queue=task_queue,
                )  # a workflow already running (another reconciler was first) raises: no second repair recorded
            except WorkflowAlreadyStartedError:
                continue
            self.ledger.record_repair(
                actor=actor, at=now, action="restart_workflow", case_id=str(case_id), reason=reason,
                detail=item["detail"],
            )  # fmt: skip
            restarted.append(item["case_id"])
        return {"restarted": restarted, "reported": report["by_problem"]}
