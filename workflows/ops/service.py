"""Operations: cases past or near their business deadlines, counts by stage and area, projection lag, readiness.

Deadline views come from the case list read model (whose rows carry each case's next deadline); the lag is how far
each read model's tracking position trails the event store's notification log."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.failure.v1 import Failure
from temporalio.api.workflowservice.v1 import GetWorkflowExecutionHistoryReverseRequest, ResetActivityRequest
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from domain.campaigns.values import Milestone
from domain.cases.values import DeadlineKind, Stage
from domain.kernel.actors import Actor
from domain.kernel.areas import contains, overlaps
from domain.kernel.errors import DomainError, ErrorKind
from domain.kernel.labels import label
from domain.kernel.privacy import unknown_case
from domain.kernel.time import end_of_day, local_date
from domain.ledger import Ledger
from domain.readmodels.cases import CaseSummaryProjection, CaseSummaryView
from domain.readmodels.registry import RegistryProjection, RegistryView
from domain.readmodels.reports import ReportProjection, ReportView
from domain.readmodels.schema import pending_of
from domain.reports.periods import PERIOD_DAYS, current_period
from workflows.cases.client import awaiting_opening
from workflows.cases.contracts import CaseWorkflowState, workflow_id_for
from workflows.cases.workflow import CaseWorkflow
from workflows.discovery.contracts import DeadlineKind as TimerKind
from workflows.discovery.contracts import deadline_workflow_id
from workflows.discovery.service import arm_deadline
from workflows.reports.service import plan_start

MAX_ITEMS = 5000
DUE_SOON_DAYS = 3  # 即将到期: a deadline this close (an ops choice: the at-risk board's default, the console's mark)
MILESTONE_MISSES_DAYS = 30  # how long a milestone's misses stay on the overdue list after its day (an ops choice)


def _days_late(due_at: datetime, now: datetime) -> int:
    """Calendar days (Asia/Shanghai) since a deadline that ends at ``due_at`` (the first day after it counts 1)."""
    return (local_date(now) - local_date(due_at)).days + 1 if due_at <= now else 0


STUCK_LIMIT = 2000  # workflows described per call (one RPC each)
RETRYING_ATTEMPTS = 3  # an activity on its third attempt or later is reported
TASK_FAILING_ATTEMPTS = 2  # a workflow task that failed once is retried at once; failing again, it is reported
REPAIRS = ("retry", "restart")
QUERY_TIMEOUT = timedelta(seconds=5)  # a workflow that cannot answer must not hold up the whole report
# A workflow running without the opening the store holds is an opening in flight for as long as its local activity
# may still be retried (workflows.cases.workflow._SCHEDULE_TO_CLOSE, 10 minutes), or one whose update was dropped
# (its caller gone before its worker finished). Past this, it is the second: repaired by restarting from the store.
OPENING_GRACE = timedelta(minutes=15)


async def failure_message(client: Client, failure: Failure) -> str:
    """The first line of a failure's message: sealed by the workers' converter (its message and stack trace moved
    into encoded attributes), opened with this client's."""
    copy = Failure()
    copy.CopyFrom(failure)
    try:
        message = str(await client.data_converter.decode_failure(copy))
    except Exception:  # sealed with another key, or not decodable: say what Temporal shows
        message = failure.message
    return message.splitlines()[0][:300] if message else ""


async def _last_task_failure(client: Client, workflow_id: str) -> str:
    """The message of the workflow's latest WorkflowTaskFailed event ("" if none among the last events)."""
    request = GetWorkflowExecutionHistoryReverseRequest(
        namespace=client.namespace, execution=WorkflowExecution(workflow_id=workflow_id), maximum_page_size=20
    )
    try:
        response = await client.workflow_service.get_workflow_execution_history_reverse(request)
    except RPCError:
        return ""
    for event in response.history.events:
        if event.HasField("workflow_task_failed_event_attributes"):
            return await failure_message(client, event.workflow_task_failed_event_attributes.failure)
    return ""


# The topics each read model's projection follows, by read model.
PROJECTION_TOPICS = {
    "case_summaries": CaseSummaryProjection.topics,
    "registry": RegistryProjection.topics,
    "reports": ReportProjection.topics,
}


def lag_of(ledger: Ledger, name: str, view: Any) -> int:
    """Events stored that read model ``name`` has yet to fold: only those of its topics count (it tracks no other)."""
    return pending_of(ledger.recorder, PROJECTION_TOPICS[name], view.max_tracking_id(ledger.name) or 0)


class RepairNotApplicableError(DomainError):
    """A repair that cannot apply to the case as it stands (nothing to retry, no workflow to retry in)."""

    kind = ErrorKind.CONFLICT

    def __init__(self, message: str) -> None:
        super().__init__(message, field="action", rule="repair_applies")


# What each kind of trouble ``stuck`` reports is called where people read it (the console's board, `dixian ops`).
PROBLEM_LABELS: dict[str, str] = {
    "no_running_workflow": "没有运行中的工作流",
    "deadline_not_recorded": "申报或预警逾期未记录（计时未启动）",
    "workflow_task_failing": "工作流任务反复失败",
    "activity_retrying": "活动反复重试",
    "query_failed": "工作流不响应查询",
    "diverged": "工作流与事件库不一致",
    "opening_not_taken": "工作流未收到已记录的开案",
    "no_progress": "长期没有进展",
}
# Repaired by the reconciler itself: the event store holds the case, and its workflow is started again from it.
RESTARTED_BY_RECONCILE = ("no_running_workflow", "opening_not_taken")


class OpsService:
    def __init__(
        self, ledger: Ledger, summaries: CaseSummaryView, registry: RegistryView, reports: ReportView | None = None,
        plan_issued_on: date | None = None,
    ) -> None:  # fmt: skip
        self.ledger, self.summaries, self.registry, self.reports = ledger, summaries, registry, reports
        self.plan_issued_on = plan_issued_on

    def lag(self) -> dict[str, int]:
        """Events stored but not yet applied, per read model."""
        views: dict[str, Any] = {"case_summaries": self.summaries, "registry": self.registry}
        if self.reports is not None:
            views["reports"] = self.reports
        return {name: lag_of(self.ledger, name, view) for name, view in views.items()}

    def deadlines(self, area_code: str, now: datetime, within: timedelta = timedelta(0)) -> dict[str, Any]:
        """What is past due (``within`` 0), or due within ``within`` from now, inside the area: each open case's next
        statutory deadline, a village notice whose period has run out, and the screening campaign's milestones (one
        not yet recorded, or one that found work missing in a village), by kind, area and responsible person."""
        before = now + within
        today = local_date(now)
        rows = self.summaries.deadlines_before(area_prefix=area_code, before=before, limit=MAX_ITEMS + 1)
        items = [
            {
                "case_id": str(r["case_id"]),
                "area_code": r["village_code"],
                "village_code": r["village_code"],
                "township_code": r["township_code"],
                "stage": r["stage"],
                "status": r["status"],
                "kind": r["kind"],
                "kind_label": label(DeadlineKind(r["kind"])),
                "due_at": r["due_at"],
                "days_late": _days_late(r["due_at"], now),
                "missed_recorded": r["missed_recorded"],
                "responsible_person": r["responsible_person"],
            }
            for r in rows[:MAX_ITEMS]
        ]
        items += self._milestones(area_code, now, before, today)
        items.sort(key=lambda i: (i["due_at"], i.get("case_id") or i.get("campaign_id", "")))
        by_kind: dict[str, int] = {}
        by_village: dict[str, int] = {}
        by_person: dict[str, int] = {}
        for item in items:
            by_kind[item["kind"]] = by_kind.get(item["kind"], 0) + 1
            by_village[item["area_code"]] = by_village.get(item["area_code"], 0) + 1
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

    def _milestones(self, area_code: str, now: datetime, before: datetime, today: date) -> list[dict[str, Any]]:
        """Campaign milestones as deadline items: one not yet recorded once its day ends (the campaign workflow is
        late), and, for MILESTONE_MISSES_DAYS after it, each village where a recorded milestone found work missing."""
        rows = self.registry.milestones(
            area_prefix=area_code,
            due_before=local_date(before) if before > now else today,
            due_from=today - timedelta(days=MILESTONE_MISSES_DAYS),
        )
        items: list[dict[str, Any]] = []
        for r in rows:
            due_at = end_of_day(r["due_on"])
            base = {
                "campaign_id": r["campaign_id"], "campaign_name": r["name"], "milestone": r["milestone"],
                "kind": DeadlineKind.CAMPAIGN_MILESTONE.value, "kind_label": label(DeadlineKind.CAMPAIGN_MILESTONE),
                "milestone_label": label(Milestone(r["milestone"])), "due_at": due_at,
                "days_late": _days_late(due_at, now), "responsible_person": "",
            }  # fmt: skip
            if r["passed_at"] is None:
                if due_at < before:
                    for code in r["scope"]:
                        if overlaps(area_code, code):
                            area = code if contains(area_code, code) else area_code
                            items.append({**base, "area_code": area, "missed_recorded": False, "missing": None})
                continue
            for village, missing in (r["missing_by_village"] or {}).items():
                if contains(area_code, village):
                    items.append({**base, "area_code": village, "village_code": village, "missed_recorded": True,
                                  "missing": missing})  # fmt: skip
        return items

    def summary(self, area_code: str, now: datetime) -> dict[str, Any]:
        """Cases by stage and village, what is past due now, the deadlines missed in the current two-week statistics
        period (counted from the latest campaign covering the area, else the tables' default period), and the lag."""
        rows = self.summaries.counts(area_prefix=area_code)
        by_stage: dict[str, int] = {}
        for r in rows:
            by_stage[r["stage"]] = by_stage.get(r["stage"], 0) + int(r["cases"])
        today = local_date(now)
        counted_from, (first, last) = self._period(area_code, today)
        misses = {r["kind"]: int(r["misses"]) for r in self.summaries.misses(area_prefix=area_code, due_from=first,
                                                                             due_to=last)}  # fmt: skip
        past_due = self.deadlines(area_code, now)
        return {
            "as_of": now.isoformat(),
            "area_code": area_code,
            "cases_by_stage": by_stage,
            "by_village": [
                {"village_code": r["village_code"], "stage": r["stage"], "cases": r["cases"], "missed": r["overdue"]}
                for r in rows
            ],
            "past_due_now": past_due["by_kind"],
            "period": {"first_day": first, "last_day": last, "counted_from": counted_from},
            "deadline_misses_this_period": {"total": sum(misses.values()), "by_kind": misses},
            "projection_lag": self.lag(),
        }

    def _period(self, area_code: str, today: date) -> tuple[date | None, tuple[date, date]]:
        """The plan date the area's statistics periods count from (None: not known), and the period holding today."""
        counted_from = plan_start(self.registry, self.plan_issued_on, area_code, today)
        return counted_from, current_period(counted_from, today)

    def trends(self, area_code: str, now: datetime, periods: int = 8) -> list[dict[str, Any]]:
        """The last ``periods`` two-week statistics periods, oldest first, ending with the one of today (counted as
        ``summary`` counts it): the cases by stage at each period's last day, and the deadlines missed in it."""
        today = local_date(now)
        _, (first, last) = self._period(area_code, today)
        step = timedelta(days=PERIOD_DAYS)
        spans = [(first - step * k, last - step * k) for k in range(periods)][::-1]
        stages = self.summaries.stages_on(area_prefix=area_code, days=[min(b, today) for _, b in spans])
        out = []
        for a, b in spans:
            misses = self.summaries.misses(area_prefix=area_code, due_from=a, due_to=b)
            out.append({"first_day": a, "last_day": b, "stages": stages[min(b, today)],
                        "misses": sum(int(r["misses"]) for r in misses)})  # fmt: skip
        return out

    # ----- stuck workflows --------------------------------------------------------------------------------------

    def _expected_workflows(self, area_code: str) -> list[dict[str, Any]]:
        """Cases that should have a running workflow: every case not closed (an eliminated case waits for its
        look-back)."""
        rows: list[dict[str, Any]] = []
        offset = 0
        while len(rows) < STUCK_LIMIT:
            page = self.summaries.search(area_prefix=area_code, filters={}, limit=500, offset=offset)
            rows += [r for r in page if r["stage"] != Stage.CLOSED.value]
            if len(page) < 500:
                break
            offset += 500
        return rows[:STUCK_LIMIT]

    async def stuck(
        self, area_code: str, now: datetime, client: Client, ui_url: str | None, no_progress_days: int = 30
    ) -> dict[str, Any]:
        """Workflows that are not doing their job: none running for an open case, its workflow task failing, an
        activity failing again and again, a view that disagrees with the event store, or no progress for
        ``no_progress_days``."""
        items: list[dict[str, Any]] = []
        for row in self._expected_workflows(area_code):
            case_id = row["case_id"]
            wid = workflow_id_for(case_id)
            link = f"{ui_url.rstrip('/')}/namespaces/{client.namespace}/workflows/{wid}" if ui_url else ""

            def add(
                kind: str, detail: str, row: dict[str, Any] = row, wid: str = wid, link: str = link, **more: str
            ) -> None:
                items.append({"case_id": str(row["case_id"]), "workflow_id": wid, "village_code": row["village_code"],
                              "problem": kind, "detail": detail, "temporal_ui": link,
                              "responsible_person": row.get("responsible_person", ""), **more})  # fmt: skip

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
            task = description.raw_description.pending_workflow_task
            if description.raw_description.HasField("pending_workflow_task") and task.attempt >= TASK_FAILING_ATTEMPTS:
                # The workflow's own code fails (a bug, or a change that does not replay): it cannot answer a query.
                failure = await _last_task_failure(client, wid)
                add("workflow_task_failing", f"workflow task attempt {task.attempt}: {failure}")
                continue
            for pending in description.raw_description.pending_activities:
                if pending.attempt >= RETRYING_ATTEMPTS:
                    failure = (
                        await failure_message(client, pending.last_failure) if pending.HasField("last_failure") else ""
                    )
                    add("activity_retrying", f"{pending.activity_type.name}: attempt {pending.attempt}: {failure}")
            try:
                control = await client.get_workflow_handle(wid).query(CaseWorkflow.view, rpc_timeout=QUERY_TIMEOUT)
            except Exception as e:  # a workflow that cannot run its code cannot answer either
                add("query_failed", f"the workflow does not answer ({type(e).__name__})")
                continue
            if control is not None and control.version != row["version"]:
                add("diverged", f"the workflow holds version {control.version}, the store {row['version']}")
            if (
                control is None
                and now - description.start_time > OPENING_GRACE
                and await awaiting_opening(client, wid, description.run_id)
            ):
                held = f"the workflow runs without the opening the store holds (version {row['version']})"
                add("opening_not_taken", held, run_id=description.run_id)
            if row["stage"] != Stage.ELIMINATED.value and now - row["updated_at"] > timedelta(days=no_progress_days):
                add("no_progress", f"nothing recorded since {row['updated_at'].isoformat()}")
        by_problem: dict[str, int] = {}
        discovery = self.discovery_unrecorded(area_code, local_date(now))
        for item in [*items, *discovery]:
            by_problem[item["problem"]] = by_problem.get(item["problem"], 0) + 1
        return {"as_of": now.isoformat(), "area_code": area_code, "by_problem": by_problem, "items": items,
                "discovery": discovery}  # fmt: skip

    def discovery_unrecorded(self, area_code: str, today: date) -> list[dict[str, Any]]:
        """Self-applications and alerts still open past their day whose deadline's timer has recorded nothing (it
        never started, or failed): re-armed by ``reconcile``."""
        return [{
            "channel": r["channel"], "number": r["number"], "village_code": r["village_code"],
            "due_on": r["due_on"].isoformat(), "problem": "deadline_not_recorded",
            "detail": f"due {r['due_on'].isoformat()}: its timer recorded nothing",
            "workflow_id": deadline_workflow_id(TimerKind(r["channel"]), f"reconcile-{r['number']}"),
        } for r in self.registry.discovery_unrecorded(area_prefix=area_code, today=today)]  # fmt: skip

    async def reconcile(
        self, area_code: str, actor: Actor, reason: str, now: datetime, client: Client, task_queue: str,
        ui_url: str | None = None, command_id: str = "",
    ) -> dict[str, Any]:  # fmt: skip
        """Restart the workflow of every open case that has none running, or whose run waits for the opening the
        store holds (that run terminated first); it adopts the case from the event store. Each restart is recorded
        with the operator and the reason. ``attention``: what was reported and is not repaired now (by this
        reconcile, or by another one first)."""
        report = await self.stuck(area_code, now, client, ui_url)
        restarted = []
        handled: dict[str, int] = {}
        for item in report["items"]:
            kind = item["problem"]
            if kind not in RESTARTED_BY_RECONCILE:
                continue
            case_id = UUID(item["case_id"])
            if kind == "opening_not_taken":
                ended = await _end_run_without_opening(client, item["workflow_id"], item["run_id"],
                                                       f"restarted by {actor.id}: {reason}")  # fmt: skip
                if ended is None:
                    continue  # the run did not answer: left for an operator
                if not ended:
                    handled[kind] = handled.get(kind, 0) + 1  # it took its opening since, or another reconcile ended it
                    continue
            try:
                await client.start_workflow(
                    CaseWorkflow.run,
                    CaseWorkflowState.begin(case_id, adopt_existing=True),
                    id=item["workflow_id"],
                    task_queue=task_queue,
                )  # a workflow already running (another reconciler was first) raises: no second repair recorded
            except WorkflowAlreadyStartedError:
                handled[kind] = handled.get(kind, 0) + 1
                continue
            handled[kind] = handled.get(kind, 0) + 1
            self.ledger.ops.record_repair(
                actor=actor, at=now, action="restart_workflow", case_id=str(case_id), reason=reason,
                detail=item["detail"], command_id=command_id,
            )  # fmt: skip
            restarted.append(item["case_id"])
        rearmed = []
        for item in report["discovery"]:
            kind, number = TimerKind(item["channel"]), item["number"]
            if await _running_or_done(client, item["workflow_id"]):
                continue  # re-armed before (by another reconcile): nothing to repair, nothing to record
            await arm_deadline(client, task_queue, kind, f"reconcile-{number}", [number],
                               date.fromisoformat(item["due_on"]))  # fmt: skip
            if command_id and self.ledger.ops.repaired(command_id, number):
                continue
            self.ledger.ops.record_repair(
                actor=actor, at=now, action="rearm_deadline", case_id=number, reason=reason, detail=item["detail"],
                command_id=command_id,
            )  # fmt: skip
            rearmed.append(number)
        attention = {k: n - handled.get(k, 0) for k, n in report["by_problem"].items() if n > handled.get(k, 0)}
        return {"restarted": restarted, "rearmed": rearmed, "reported": report["by_problem"], "attention": attention}

    async def repair(
        self, case_id: UUID, action: str, area_code: str, actor: Actor, reason: str, now: datetime, client: Client,
        task_queue: str, command_id: str = "",
    ) -> dict[str, Any]:  # fmt: skip
        """One repair of one case's workflow, recorded with the operator and the reason:

        - ``retry``: run the case's retrying activities again now, from attempt 1 (Temporal's ResetActivity);
        - ``restart``: terminate the workflow if it runs and start it again from the event store, which is the truth
          (for a workflow task that keeps failing, a view that diverged, or a workflow gone).

        A case outside ``area_code`` is reported as unknown (NotFoundError); a repair that cannot apply to the case
        as it stands, RepairNotApplicableError.
        """
        rows = self.summaries.search(area_prefix=area_code, filters={"case_id": str(case_id)}, limit=1, offset=0)
        if not rows:
            raise unknown_case()
        row = rows[0]
        if command_id and self.ledger.ops.repaired(command_id, str(case_id)):
            # the same command again (a retry, a double click): done once already, nothing is done twice
            return {"case_id": str(case_id), "action": action, "repeated": True, "detail": "already done"}
        if action not in REPAIRS:
            raise RepairNotApplicableError(f"unknown repair {action!r}: one of {', '.join(REPAIRS)}")
        wid = workflow_id_for(case_id)
        handle = client.get_workflow_handle(wid)
        detail: str
        if action == "retry":
            try:
                description = await handle.describe()
            except RPCError as e:
                if e.status is RPCStatusCode.NOT_FOUND:
                    raise RepairNotApplicableError("the case has no workflow to retry in: restart it") from e
                raise
            pending = list(description.raw_description.pending_activities)
            if description.status is not WorkflowExecutionStatus.RUNNING or not pending:
                raise RepairNotApplicableError("the workflow has no activity waiting to be retried")
            for activity in pending:
                await client.workflow_service.reset_activity(
                    ResetActivityRequest(
                        namespace=client.namespace,
                        execution=WorkflowExecution(workflow_id=wid),
                        id=activity.activity_id,
                        identity=f"dixian:{actor.id}",
                    )
                )
            detail = ", ".join(f"{a.activity_type.name} (attempt {a.attempt})" for a in pending)
        else:
            terminated = ""
            try:
                description = await handle.describe()
                if description.status is WorkflowExecutionStatus.RUNNING:
                    await handle.terminate(reason=f"restarted by {actor.id}: {reason}")
                    terminated = f"terminated run {description.run_id}; "
            except RPCError as e:
                if e.status is not RPCStatusCode.NOT_FOUND:
                    raise
            await client.start_workflow(
                CaseWorkflow.run,
                CaseWorkflowState.begin(case_id, adopt_existing=True),
                id=wid,
                task_queue=task_queue,
            )
            detail = f"{terminated}started again from the event store at version {row['version']}"
        self.ledger.ops.record_repair(
            actor=actor, at=now, action=f"{action}_workflow" if action == "restart" else "retry_activity",
            case_id=str(case_id), reason=reason, detail=detail, command_id=command_id,
        )  # fmt: skip
        return {"case_id": str(case_id), "workflow_id": wid, "action": action, "detail": detail}


async def _end_run_without_opening(client: Client, workflow_id: str, run_id: str, reason: str) -> bool | None:
    """End that run (not a later one: another reconcile may have started it) if it still waits for its opening.
    True: ended; False: it took its opening, or it had ended; None: it does not answer."""
    waiting = await awaiting_opening(client, workflow_id, run_id)
    if not waiting:
        return None if waiting is None and await _runs(client, workflow_id, run_id) else False
    handle = client.get_workflow_handle_for(CaseWorkflow.run, workflow_id, run_id=run_id)
    try:
        await handle.terminate(reason=reason)
    except RPCError as e:
        if e.status is RPCStatusCode.NOT_FOUND:
            return False  # ended in between (another reconcile)
        raise
    return True


async def _runs(client: Client, workflow_id: str, run_id: str) -> bool:
    try:
        description = await client.get_workflow_handle(workflow_id, run_id=run_id).describe()
    except RPCError:
        return False
    return description.status is WorkflowExecutionStatus.RUNNING


async def _running_or_done(client: Client, workflow_id: str) -> bool:
    """Whether a workflow of that id runs or has completed (not: none, or one that failed or was stopped)."""
    try:
        description = await client.get_workflow_handle(workflow_id).describe()
    except RPCError as e:
        if e.status is RPCStatusCode.NOT_FOUND:
            return False
        raise
    return description.status in (WorkflowExecutionStatus.RUNNING, WorkflowExecutionStatus.COMPLETED)
