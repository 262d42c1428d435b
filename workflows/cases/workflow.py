"""CaseWorkflow: the process manager of one monitoring case.

It serialises the case's commands, rejects steps that are not allowed now (validators, nothing written), runs the
ledger activity that appends the events, keeps the deadline timer armed from the view the activity returned, and
keeps search attributes current. It decides nothing itself: every rule ran in the activity, and the workflow only
compares against the view's data (allowed steps, roles, area codes, deadlines), so policy changes never break replay.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar
from uuid import UUID

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey, SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError, WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from domain.kernel.errors import ERROR_TYPES
    from domain.kernel.privacy import UNKNOWN_CASE
    from workflows.cases import search_attributes as sa
    from workflows.cases.activities import CaseActivities
    from workflows.cases.contracts import (
        CaseControl,
        CaseWorkflowState,
        DeadlineControl,
        DeadlineInput,
        LoadCaseInput,
        NationalSyncInput,
        OpenCaseInput,
        StepInput,
        workflow_id_for,
    )

CommandT = TypeVar("CommandT")

# A step's append is short and idempotent: run it as a local activity (libraries.md §3d: ~35 ms less per step) and
# keep retrying transient failures for a while; domain errors are non-retryable.
_START_TO_CLOSE = timedelta(seconds=30)
_SCHEDULE_TO_CLOSE = timedelta(minutes=10)
_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    maximum_interval=timedelta(seconds=10),
    maximum_attempts=10,  # about a minute; a local activity's schedule-to-close alone does not stop its retries
    non_retryable_error_types=list(ERROR_TYPES),
)


async def _ledger_call(activity: Callable[[CaseActivities, CommandT], CaseControl], cmd: CommandT) -> CaseControl:
    """Run a ledger activity locally, with the timeouts and retries every case command shares."""
    return await workflow.execute_local_activity_method(
        activity,
        cmd,
        start_to_close_timeout=_START_TO_CLOSE,
        schedule_to_close_timeout=_SCHEDULE_TO_CLOSE,
        retry_policy=_RETRY,
    )


# workflow.patched id: search attributes written only when they change (see _upsert_search_attributes).
UPSERT_CHANGES_ONLY = "upsert-search-attributes-changes-only"


def _error(type_: str, message: str, field: str, rule: str) -> ApplicationError:
    return ApplicationError(message, {"field": field, "rule": rule}, type=type_, non_retryable=True)


@workflow.defn(name="CaseWorkflow")
class CaseWorkflow:
    @workflow.init
    def __init__(self, state: CaseWorkflowState) -> None:
        self.state = state
        self._lock = asyncio.Lock()
        self._changed = False
        self._open_failed = False
        self._sync_task: asyncio.Task[None] | None = None
        self._attempted_deadlines: set[str] = set()

    @workflow.run
    async def run(self, state: CaseWorkflowState) -> CaseControl | None:
        backoff = timedelta(seconds=30)
        while self.state.view is None and self.state.adopt_existing:
            try:
                await self._adopt()
            except (ActivityError, ApplicationError) as e:  # the store is unreachable: wait and try again
                workflow.logger.error("adopt_failed", extra={"case_id": str(self.state.case_id), "error": str(e)})
                await workflow.sleep(backoff)
                backoff = min(backoff * 2, timedelta(hours=1))
        await workflow.wait_condition(lambda: self.state.view is not None or self._open_failed)
        while True:
            view = self.state.view
            if view is None:  # the opening command failed: there is no case to manage
                return None
            self._sync_national_status(view)
            if view.finished:
                await self._finish(view)
                return self.state.view
            deadline = self._next_unrecorded_deadline(view)
            timeout = None if deadline is None else deadline.due_at - workflow.now()
            if deadline is not None and timeout is not None and timeout <= timedelta(0):
                await self._record_missed(deadline)
                continue
            self._changed = False
            try:
                await workflow.wait_condition(lambda: self._changed or self._should_continue_as_new(), timeout=timeout)
            except TimeoutError:
                continue  # the loop records the deadline, now due
            if self._should_continue_as_new():
                # Drain in-flight updates, then carry the state (view, processed command ids, synced version) into a
                # fresh history (libraries.md §1e). A sync still running is abandoned: the next run sends it again
                # from the synced version, and the national port is idempotent per (case, version).
                await workflow.wait_condition(lambda: workflow.all_handlers_finished() and not self._lock.locked())
                if not self.state.upserts_changes_only and workflow.patched(UPSERT_CHANGES_ONLY):
                    self.state.upserts_changes_only = True  # the next run knows the rule without the patch
                workflow.continue_as_new(self.state)

    def _should_continue_as_new(self) -> bool:
        info = workflow.info()
        return info.is_continue_as_new_suggested() or info.get_current_history_length() > self.state.max_history_events

    async def _adopt(self) -> None:
        """Take over a case already in the event store (re-entry, or a restart by operations)."""
        cmd = LoadCaseInput(case_id=self.state.case_id, now=workflow.now())
        view = await _ledger_call(CaseActivities.load_case, cmd)
        self._accept(view, None)

    async def _finish(self, view: CaseControl) -> None:
        await workflow.wait_condition(workflow.all_handlers_finished)
        if view.new_case_id is not None:
            # 风险再标注: the new case (already in the event store, linked to this one) gets its own workflow, which
            # lives on when this one completes.
            new_id = UUID(view.new_case_id)
            with contextlib.suppress(WorkflowAlreadyStartedError):  # started by an earlier run of this workflow
                await workflow.start_child_workflow(
                    CaseWorkflow.run,
                    CaseWorkflowState.begin(new_id, adopt_existing=True),
                    id=workflow_id_for(new_id),
                    parent_close_policy=ParentClosePolicy.ABANDON,
                )
        await self._drain_sync()
        await workflow.wait_condition(workflow.all_handlers_finished)

    def _sync_national_status(self, view: CaseControl) -> None:
        """Report each change of monitoring status, in order, to the national system in the background: retried
        until it succeeds, it never blocks or undoes a step (the step is already in the event store)."""
        if self._sync_task is not None and not self._sync_task.done():
            return  # the loop comes back here after the running sync
        pending = [t for t in view.national_transitions if t.version > self.state.synced_national_version]
        if not pending:
            return
        first = pending[0]
        cmd = NationalSyncInput(case_id=view.case_id, version=first.version, status=first.status)
        self._sync_task = asyncio.ensure_future(self._sync(cmd))

    async def _sync(self, cmd: NationalSyncInput) -> None:
        try:
            await workflow.execute_activity_method(
                CaseActivities.sync_national,
                cmd,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=10)),
            )
        except ActivityError as e:  # only a connector's non-retryable error gets here: log it, try again later
            workflow.logger.error("national_sync_failed", extra={"case_id": str(cmd.case_id), "error": str(e)})
            await workflow.sleep(timedelta(hours=1))
            return
        self.state.synced_national_version = max(self.state.synced_national_version, cmd.version)
        self._changed = True  # let the loop send the next change

    async def _drain_sync(self) -> None:
        while self._sync_task is not None and not self._sync_task.done():
            await self._sync_task
            if self.state.view is not None:
                self._sync_national_status(self.state.view)

    # ----- updates ----------------------------------------------------------------------------------------------

    @workflow.update
    async def open(self, cmd: OpenCaseInput) -> CaseControl:
        async with self._lock:
            # A repeat of the opening command (the validator lets only that through once open) is answered by the
            # ledger with the original result.
            cmd = cmd.model_copy(update={"now": workflow.now()})
            try:
                view = await _ledger_call(CaseActivities.open_case, cmd)
            except (ActivityError, ApplicationError) as e:
                self._open_failed = self.state.view is None
                raise await self._failed(e) from None
            self._accept(view, cmd.command_id)
            return view

    @open.validator
    def validate_open(self, cmd: OpenCaseInput) -> None:
        if self.state.view is not None and cmd.command_id not in self.state.processed_commands:
            raise _error("CaseAlreadyExistsError", f"case {cmd.case_id} already exists", "case_id", "unique")

    @workflow.update
    async def advance(self, cmd: StepInput) -> CaseControl:
        async with self._lock:
            # Commands queue here one at a time; the activity re-checks everything against the stored case.
            cmd = cmd.model_copy(update={"now": workflow.now()})
            try:
                view = await _ledger_call(CaseActivities.take_step, cmd)
            except (ActivityError, ApplicationError) as e:
                raise await self._failed(e) from None
            self._accept(view, cmd.command_id)
            return view

    @advance.validator
    def validate_advance(self, cmd: StepInput) -> None:
        view = self.state.view
        if view is None:
            raise _error("CaseNotFoundError", f"case {cmd.case_id} is not open", "case_id", "exists")
        # The area first: to a caller outside it the case is as unknown as one that does not exist (privacy).
        if cmd.actor.area_code not in view.jurisdiction():
            raise _error("CaseNotFoundError", UNKNOWN_CASE, "case_id", "exists")
        if cmd.command_id in self.state.processed_commands:
            return  # a repeated command: the activity returns its recorded result
        allowed = {a.step: a for a in view.allowed_steps}
        step = allowed.get(cmd.step)
        if step is None:
            raise _error(
                "StepNotAllowedError",
                f"step {cmd.step.value} is not allowed while the case is {view.status.value}",
                "step",
                "step_order",
            )
        if cmd.action is not None and step.actions and cmd.action not in step.actions:
            raise _error(
                "StepNotAllowedError",
                f"action {cmd.action} is not allowed while the case is {view.status.value}",
                "action",
                "step_order",
            )
        if cmd.actor.role not in step.roles:
            raise _error(
                "NotPermittedError",
                f"role {cmd.actor.role.value} may not take {cmd.step.value}",
                "role",
                "step_roles",
            )
        if cmd.expected_version is not None and cmd.expected_version != view.version:
            raise _error(
                "VersionConflictError",
                f"the case is at version {view.version}, not {cmd.expected_version}",
                "If-Match",
                "version",
            )

    @workflow.query
    def view(self) -> CaseControl | None:
        return self.state.view

    @workflow.query
    def awaiting_opening(self) -> bool:
        """Whether this run waits for the opening it was begun for (not one adopting a stored case) and has not
        received it: the reconcile restarts a run left so (``opening_not_taken``)."""
        return self.state.view is None and not self.state.adopt_existing and not self._open_failed

    # ----- internals ----------------------------------------------------------------------------------------------

    def _accept(self, view: CaseControl, command_id: str | None) -> None:
        if command_id is not None and command_id not in self.state.processed_commands:
            self.state.processed_commands.append(command_id)
        current = self.state.view
        if current is not None and view.version <= current.version:
            return  # a repeated command's earlier result: the case has moved on since
        self.state.view = view
        self._changed = True
        self._upsert_search_attributes(view)

    def _next_unrecorded_deadline(self, view: CaseControl) -> DeadlineControl | None:
        pending = [
            d
            for d in view.deadlines
            if d.met_on is None
            and not d.closed
            and not d.missed_recorded
            and f"{d.kind.value}:{d.due_date.isoformat()}@{view.version}" not in self._attempted_deadlines
        ]
        return min(pending, key=lambda d: d.due_at) if pending else None

    async def _record_missed(self, deadline: DeadlineControl) -> None:
        """Append DeadlineMissed through the ledger. Never raises: a failure is logged and tried again later, and
        each (kind, due date) is tried once per view version so that a disagreement cannot spin the loop."""
        assert self.state.view is not None
        key = f"{deadline.kind.value}:{deadline.due_date.isoformat()}@{self.state.view.version}"
        self._attempted_deadlines.add(key)
        cmd = DeadlineInput(
            case_id=self.state.case_id, kind=deadline.kind, due_date=deadline.due_date, now=workflow.now()
        )
        async with self._lock:
            try:
                view = await _ledger_call(CaseActivities.record_deadline_missed, cmd)
            except (ActivityError, ApplicationError) as e:
                workflow.logger.error("deadline_record_failed", extra={"case_id": str(cmd.case_id), "error": str(e)})
                view = None
        if view is None:
            await workflow.sleep(timedelta(minutes=5))
            self._attempted_deadlines.discard(key)
            return
        workflow.logger.info("deadline_checked", extra={"case_id": str(cmd.case_id), "kind": deadline.kind.value})
        self._accept(view, None)

    async def _failed(self, error: ActivityError | ApplicationError) -> ApplicationError:
        """The caller's error for a failed activity: the domain error itself, or "unavailable". A local activity's
        failure arrives as the ApplicationError itself, a regular one's wrapped in ActivityError. After an
        unexpected failure the event may or may not have been stored, so the view is reloaded from the ledger."""
        cause = error.cause if isinstance(error, ActivityError) else error
        if isinstance(cause, ApplicationError) and cause.type in ERROR_TYPES:
            return ApplicationError(cause.message, *cause.details, type=cause.type, non_retryable=True)
        workflow.logger.error("step_failed", extra={"case_id": str(self.state.case_id), "error": str(error)})
        if self.state.view is not None:
            with contextlib.suppress(ActivityError, ApplicationError):
                await self._adopt()
        return ApplicationError(
            "the step could not be confirmed; read the case to see whether it was recorded before sending it again",
            {"field": "", "rule": "unavailable"},
            type="UnavailableError",
            non_retryable=True,
        )

    def _upsert_search_attributes(self, view: CaseControl) -> None:
        """Keep the case's search attributes current. Only those that changed are written (each write is a
        visibility-store update on the server), and ``LastProgressAt`` is the time the case last moved: its stage,
        status, category, area, overdue flag or next deadline. A workflow begun since issue 22 knows the rule from
        its input, so asking costs it nothing; one begun before asks the patch marker (and one begun before the
        patch keeps the old rule, every attribute at every step, on replay). The patch marker cost each opening two
        of its eleven history events: the marker and the SDK's upsert of ``TemporalChangeVersion``."""
        nxt = view.next_deadline
        wanted: list[tuple[SearchAttributeKey[Any], Any]] = [
            (sa.CASE_STAGE, view.stage.value),
            (sa.CASE_STATUS, view.status.value),
            (sa.VILLAGE_CODE, view.area.village_code),
            (sa.TOWNSHIP_CODE, view.area.township_code),
            (sa.COUNTY_CODE, view.area.county_code),
            (sa.OVERDUE, view.overdue_recorded),
            (sa.CASE_CATEGORY, view.category.value if view.category else None),
            (sa.NEXT_DEADLINE, nxt.due_at if nxt else None),
            (sa.NEXT_DEADLINE_KIND, nxt.kind.value if nxt else None),
        ]
        if self.state.upserts_changes_only or workflow.patched(UPSERT_CHANGES_ONLY):
            current = workflow.info().typed_search_attributes
            wanted = [(key, value) for key, value in wanted if current.get(key) != value]
            if not wanted:
                return  # the case did not move: nothing to write
        updates: list[SearchAttributeUpdate[Any]] = [
            key.value_set(value) if value is not None else key.value_unset() for key, value in wanted
        ]
        updates.append(sa.LAST_PROGRESS_AT.value_set(workflow.now()))
        workflow.upsert_search_attributes(updates)
