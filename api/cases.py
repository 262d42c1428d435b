"""Case routes: open a case, take an identification step, read the case, its events and the case list.

Writes go to the case's workflow as updates (the update id is the command id, so a repeated Idempotency-Key returns
the earlier result); reads come from the event store (one case) or the read model (lists).
"""

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from types import UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

import structlog
from fastapi import APIRouter, Body, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.openapi.models import Example
from pydantic import BaseModel, ConfigDict, Field
from temporalio.client import (
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.deps import (
    ActorDep,
    CommandIdDep,
    ExpectedVersionDep,
    Services,
    ServicesDep,
    parse_case_id,
    record_read,
)
from api.errors import ApiProblem
from api.step_docs import step_description
from domain.cases.queries import EventRecord
from domain.cases.rules.deadlines import check_clue_date
from domain.cases.timeline import check_version, diff, event_label, version_at
from domain.cases.timeline import timeline as timeline_of
from domain.cases.values import Stage, Status, case_id_for_command
from domain.cases.view import CaseViewData, responsible_user
from domain.kernel.actors import Actor, Role
from domain.kernel.areas import LEVEL_CODE_PATTERN, AreaLevel
from domain.kernel.errors import RuleViolationError
from domain.kernel.labels import label
from domain.kernel.permissions import check_may_open
from domain.kernel.privacy import check_may_see, unknown_case
from domain.kernel.steps import Step
from domain.kernel.time import aware, local_date
from workflows.cases.client import open_case as open_through_workflow
from workflows.cases.client import opening, opening_lost
from workflows.cases.contracts import (
    STEP_BODIES,
    CaseControl,
    CaseWorkflowState,
    OpenCaseInput,
    OpenCaseRequest,
    StepInput,
    workflow_id_for,
)
from workflows.cases.signing import sign
from workflows.cases.workflow import CaseWorkflow
from workflows.kernel.contracts import ActorModel

router = APIRouter(tags=["cases"])

UPDATE_RPC_TIMEOUT = timedelta(seconds=30)
T = TypeVar("T")


class StoredEvent(BaseModel):
    model_config = ConfigDict(frozen=True)
    version: int
    type: str
    recorded_at: datetime
    occurred_at: datetime
    actor: dict[str, str]
    command_id: str
    comment: str
    prev_hash: str = Field(description='hash of the event before it in the case\'s stream ("" for the first)')
    hash: str = Field(description='SHA-256 of the event\'s canonical encoding ("" if stored before chaining)')
    payload: dict[str, Any]


class CaseSummary(BaseModel):
    model_config = ConfigDict(extra="ignore")

    case_id: uuid.UUID
    version: int
    stage: Stage
    status: Status
    county_code: str
    township_code: str
    village_code: str
    household_number: str
    source: str
    category: str | None
    clue_date: date
    next_deadline: datetime | None
    next_deadline_kind: str | None
    overdue: bool
    opened_at: datetime
    updated_at: datetime
    responsible_person: str = ""


class CaseList(BaseModel):
    items: list[CaseSummary]
    limit: int
    offset: int


def _now() -> datetime:
    return datetime.now(UTC)


def _actor_model(actor: Actor) -> ActorModel:
    return ActorModel(id=actor.id, role=actor.role, area_code=actor.area_code, name=actor.name)


RECEIPT_HEADER = "X-Dixian-Receipt"


async def _receipt(
    svc: Services, response: Response, view: CaseViewData, command_id: str, event_hash: str | None = None
) -> None:
    """The write's signed receipt (workflows.audit.service.AuditService.receipt): the version the case stands at
    after the command, and the hash of its event (read again unless the caller read it with the view)."""
    case_id, version = uuid.UUID(str(view["case_id"])), int(view["version"])
    if event_hash is None:
        event_hash = (await run_in_threadpool(svc.queries.acknowledged, case_id, _now(), version))[1]
    response.headers[RECEIPT_HEADER] = await run_in_threadpool(
        svc.audit.receipt, [(case_id, version, event_hash)], command_id, _now()
    )


def _with_etag(response: Response, view: CaseViewData) -> CaseViewData:
    response.headers["ETag"] = f'"{view["version"]}"'
    return view


async def _call_workflow(call: Callable[[], Awaitable[T]], handle: WorkflowHandle[Any, Any] | None = None) -> T:
    """Run a workflow call and turn Temporal's failures into problems the client can act on. ``handle`` is the case's
    workflow, asked whether it has finished when Temporal does not find the execution to update."""
    try:
        return await call()
    except WorkflowUpdateFailedError as e:
        cause = e.cause
        if isinstance(cause, ApplicationError):
            details = cause.details[0] if cause.details and isinstance(cause.details[0], dict) else {}
            raise ApiProblem(
                cause.type or "UnavailableError",
                cause.message,
                field=str(details.get("field", "")),
                rule=str(details.get("rule", "")),
                violations=list(details.get("violations") or []),
            ) from None
        raise ApiProblem(
            "UnavailableError", "the step could not be confirmed; read the case before sending it again"
        ) from None
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        # The update may still complete: the same Idempotency-Key then returns its result, exactly once.
        raise ApiProblem(
            "UnavailableError", "the step did not complete in time; retry with the same Idempotency-Key"
        ) from None
    except RPCError as e:
        if e.status is not RPCStatusCode.NOT_FOUND:
            raise ApiProblem("UnavailableError", "the workflow service is unavailable; retry later") from None
        if handle is not None and await _has_finished(handle):
            raise ApiProblem(
                "CaseClosedError",
                "the case is closed: no further step can be taken",
                field="case_id",
                rule="case_closed",
            ) from None
        raise ApiProblem.of(unknown_case()) from None


async def _has_finished(handle: WorkflowHandle[Any, Any]) -> bool:
    """Whether the workflow exists and has finished (Temporal answers NOT_FOUND both for an execution it does not
    know and for one that has completed)."""
    try:
        description = await handle.describe()
    except RPCError:
        return False
    return description.status is not WorkflowExecutionStatus.RUNNING


async def _view_at(svc: Services, control: CaseControl) -> CaseViewData:
    """The full view at the version the workflow answered with (the workflow itself holds no personal data)."""
    return await run_in_threadpool(svc.queries.view, control.case_id, _now(), control.version)


# ----- writes ----------------------------------------------------------------------------------------------------


@router.post("/cases", status_code=201, response_model=CaseViewData, summary="发现线索: open a monitoring case")
async def open_case(
    body: OpenCaseRequest, actor: ActorDep, command_id: CommandIdDep, svc: ServicesDep, response: Response
) -> CaseViewData:
    """Record a risk clue and open the household's case through its workflow; the first step is then 入户核实.
    Opened by 村干部/网格员, 乡镇审核 or 县级审定 for a village inside their area (403 `open_roles`,
    `jurisdiction`). Refused: 409 `one_open_case` (the household has an open case), 422 `known_village`,
    `not_in_future` or `after_mechanism_start` (`clue_date`), `area_nesting`, `household_village`,
    `household_registered` (a cadre's screening names a registered household; a self-application or an alert may
    name an unregistered one, to be registered within the policy's `registration_days`), `registry_head` (a head
    that is not the registry's: leave it empty). The same
    `Idempotency-Key` answers the same case (409 `command_reused` if it opened another household's); 201 with
    `Location`, `ETag` and a signed `X-Dixian-Receipt`."""
    view = await start_case(svc, actor, command_id, body)
    response.headers["Location"] = f"/cases/{view['case_id']}"
    await _receipt(svc, response, view, command_id)
    return _with_etag(response, view)


async def start_case(svc: Services, actor: Actor, command_id: str, body: OpenCaseRequest) -> CaseViewData:
    """Open a case through its workflow (update-with-start), exactly once per command id."""
    # Pre-check what the domain will check, so a refused open never starts a workflow.
    svc.registry.areas.village(body.village_code)
    check_may_open(actor, body.village_code)
    check_clue_date(body.clue_date, local_date(_now()))
    case_id = case_id_for_command(command_id)
    structlog.contextvars.bind_contextvars(case_id=str(case_id), workflow_id=workflow_id_for(case_id))
    # A repeated opening command is answered from the event store: its workflow may have moved on or finished.
    earlier = await run_in_threadpool(svc.queries.view_after_command, case_id, command_id, _now())
    cmd = sign(
        OpenCaseInput(case_id=case_id, command_id=command_id, actor=_actor_model(actor), request=body), svc.signer
    )
    start = opening(CaseWorkflowState.begin(case_id), svc.settings.task_queue)
    if earlier is not None:
        view = earlier
        if view["household"]["household_number"] != body.household_number.strip():
            raise ApiProblem(
                "CaseAlreadyExistsError",
                "this Idempotency-Key already opened a case of another household; send a new key",
                field="Idempotency-Key",
                rule="command_reused",
            )
        if await opening_lost(svc.temporal, case_id):  # stored, but its workflow never took it: hand it over again
            await _call_workflow(lambda: open_through_workflow(svc.temporal, cmd, start, UPDATE_RPC_TIMEOUT))
        return view
    control = await _call_workflow(lambda: open_through_workflow(svc.temporal, cmd, start, UPDATE_RPC_TIMEOUT))
    return await _view_at(svc, control)


async def take_step(
    step: Step,
    case_id: str,
    payload: BaseModel,
    actor: Actor,
    command_id: str,
    expected: int | None,
    svc: Services,
    response: Response,
) -> CaseViewData:
    cid = parse_case_id(case_id)
    # A step on a case outside the caller's area is refused by the workflow as one on a case that does not exist; a
    # 帮扶责任人's, on a household not assigned to them, here, in the same words: from the case list, or from the
    # case itself when the list has not caught up with it yet.
    if actor.role is Role.RESPONSIBLE_PERSON:
        listed = await run_in_threadpool(svc.summaries.listing, cid)
        if listed is not None:
            check_may_see(actor, listed["village_code"], listed["responsible_user"])
        else:
            view = await run_in_threadpool(svc.queries.view, cid, _now())
            check_may_see(actor, view["area"]["village_code"], responsible_user(view))
    cmd = sign(
        StepInput(
            case_id=cid,
            step=step,
            action=str(payload.action) if hasattr(payload, "action") else None,
            command_id=command_id,
            actor=_actor_model(actor),
            expected_version=expected,
            payload=payload.model_dump(mode="json"),
        ),
        svc.signer,
    )
    # The event store first: while PostgreSQL is down the step is refused at once (503), instead of waiting on the
    # workflow's retries until the update times out.
    await svc.database.check()
    handle = svc.temporal.get_workflow_handle_for(CaseWorkflow.run, workflow_id_for(cid))
    event_hash: str | None = None  # read with the view, for the receipt
    try:
        control = await _call_workflow(
            lambda: handle.execute_update(CaseWorkflow.advance, cmd, id=command_id, rpc_timeout=UPDATE_RPC_TIMEOUT),
            handle,
        )
        view, event_hash = await run_in_threadpool(svc.queries.acknowledged, control.case_id, _now(), control.version)
    except ApiProblem as problem:
        if problem.type != "CaseClosedError":
            raise
        # The workflow has finished: a repeated command that closed the case still gets its original result.
        earlier = await run_in_threadpool(svc.queries.view_after_command, cid, command_id, _now())
        if earlier is None:
            raise
        view = earlier
    await _receipt(svc, response, view, command_id, event_hash)
    return _with_etag(response, view)


def _action_examples(body_type: Any) -> dict[str, Example] | None:
    """The examples of a step with actions (a union of bodies, one per action) by action, to choose from in /docs;
    None for a step of one body, whose model's own example shows."""
    if get_origin(body_type) is not Annotated or get_origin(get_args(body_type)[0]) not in (Union, UnionType):
        return None
    examples: dict[str, Example] = {}
    for variant in get_args(get_args(body_type)[0]):
        action = get_args(variant.model_fields["action"].annotation)[0]
        extra = variant.model_config.get("json_schema_extra") or {}
        for value in extra.get("examples", [])[:1]:
            examples[action.value] = Example(summary=f"{action.value}: {label(action)}", value=value)
    return examples or None


def _step_route(step: Step, body_type: Any) -> None:
    async def endpoint(
        case_id: str,
        body: Annotated[body_type, Body(openapi_examples=_action_examples(body_type))],
        actor: ActorDep,
        command_id: CommandIdDep,
        expected: ExpectedVersionDep,
        svc: ServicesDep,
        response: Response,
    ) -> CaseViewData:
        return await take_step(step, case_id, body, actor, command_id, expected, svc, response)

    endpoint.__name__ = f"step_{step.name.lower()}"
    router.add_api_route(
        f"/cases/{{case_id}}/steps/{step.value}",
        endpoint,
        methods=["POST"],
        response_model=CaseViewData,
        summary=f"{label(step)}: {step.value}",
        description=step_description(step),
    )


for _step, _body in STEP_BODIES.items():
    _step_route(_step, _body)


# ----- reads -----------------------------------------------------------------------------------------------------


@router.get("/cases/{case_id}", response_model=CaseViewData, summary="The case now: facts, allowed steps, deadlines")
async def get_case(
    case_id: str, actor: ActorDep, svc: ServicesDep, request: Request, response: Response
) -> CaseViewData:
    """The case as it stands: household, facts of each step, the steps open now (with their roles), deadlines. Any
    role but 运维 and 管理员, for a case in their area (a 帮扶责任人: their own households'); otherwise 404 `exists`.
    The read is recorded in the access log (with the `X-Purpose` header, if sent); `ETag` is the case's version, for
    a step's `If-Match`. `household.fact_sources` says where each household fact came from (a registry version as
    of a date, or typed, by whom); `household.registry_now`, what the registry recorded since the case last read it."""
    cid = parse_case_id(case_id)
    view = await _seen(svc, actor, cid, request, "case")
    view["household"]["registry_now"] = await run_in_threadpool(svc.queries.registry_now, view, actor.role)
    return _with_etag(response, view)


@router.get("/cases/{case_id}/events", response_model=list[StoredEvent], summary="The case's stored events in order")
async def get_case_events(case_id: str, actor: ActorDep, svc: ServicesDep, request: Request) -> list[StoredEvent]:
    """Every stored event of the case, oldest first, with who recorded it, its payload and its place in the case's
    hash chain (`prev_hash`, `hash`). Read as `GET /cases/{case_id}` is: same roles, same 404 `exists`, recorded in the
    access log."""
    _, records = await _history(svc, actor, parse_case_id(case_id), request)
    return [StoredEvent.model_validate(r) for r in records]


async def _seen(svc: Services, actor: Actor, cid: uuid.UUID, request: Request, what: str) -> CaseViewData:
    """The case now, if it lies in the reader's area; the read is recorded in the access log."""
    view = await run_in_threadpool(lambda: svc.queries.view(cid, _now()))
    check_may_see(actor, view["area"]["village_code"], responsible_user(view))
    await record_read(svc, actor, request, what=what, target=str(cid), village_code=view["area"]["village_code"])
    return view


async def case_history(
    svc: Services, actor: Actor, case_id: str, request: Request
) -> tuple[CaseViewData, list[EventRecord]]:
    """The case now (``_seen``) and its stored events (the console's case card reads it this way too)."""
    return await _history(svc, actor, parse_case_id(case_id), request)


async def _history(
    svc: Services, actor: Actor, cid: uuid.UUID, request: Request
) -> tuple[CaseViewData, list[EventRecord]]:
    """The case now (``_seen``) and its stored events."""
    view = await _seen(svc, actor, cid, request, "case_history")
    return view, await run_in_threadpool(lambda: svc.queries.event_records(cid))


@router.get("/cases/{case_id}/timeline", summary="The case's history, readable: every event and every deadline")
async def get_timeline(case_id: str, actor: ActorDep, svc: ServicesDep, request: Request) -> dict[str, Any]:
    """The case's history for people: each event with its Chinese label, and each deadline met, missed or open.
    Read as `GET /cases/{case_id}` is: same roles, same 404 `exists`, recorded in the access log."""
    cid = parse_case_id(case_id)
    view, records = await _history(svc, actor, cid, request)
    return timeline_of(records, view, svc.registry.areas)


@router.get(
    "/cases/{case_id}/state", response_model=CaseViewData, summary="The case exactly as it stood at a time or version"
)
async def get_state(
    case_id: str,
    actor: ActorDep,
    svc: ServicesDep,
    request: Request,
    at: Annotated[
        datetime | None, Query(description="a moment (ISO 8601): the case as the system knew it then")
    ] = None,
    version: Annotated[int | None, Query(ge=1, le=1_000_000_000)] = None,
) -> CaseViewData:
    """The case as the system knew it at a moment (`at`) or at a version: give exactly one (422 `one_of`). Refused:
    422 `date_range` (`at` outside 2000–2099) or `version_range`; 404 `existed` when the case did not exist yet at
    `at`. Read as `GET /cases/{case_id}` is: same roles, recorded in the access log."""
    cid = parse_case_id(case_id)
    view, records = await _history(svc, actor, cid, request)
    if (at is None) == (version is None):
        raise ApiProblem("RuleViolationError", "give either at or version", field="at", rule="one_of")
    if at is not None:
        moment = aware(at)
        if not datetime(2000, 1, 1, tzinfo=UTC) <= moment <= datetime(2099, 12, 31, tzinfo=UTC):
            raise RuleViolationError("at must lie between 2000 and 2099", field="at", rule="date_range")
        version = version_at(records, moment)
    assert version is not None
    check_version(version, view["version"], "version")
    then = moment if at is not None else records[version - 1]["recorded_at"]
    return await run_in_threadpool(lambda: svc.queries.view(cid, then, version))


@router.get("/cases/{case_id}/diff", summary="What changed between two versions of the case, field by field")
async def get_diff(
    case_id: str,
    actor: ActorDep,
    svc: ServicesDep,
    request: Request,
    from_version: Annotated[int, Query(alias="from", ge=1, le=1_000_000_000)],
    to_version: Annotated[int, Query(alias="to", ge=1, le=1_000_000_000)],
) -> dict[str, Any]:
    """The fields that differ between versions `from` and `to` of the case, and the events between them (422
    `version_range` for a version the case does not have). Read as `GET /cases/{case_id}` is: same roles, recorded
    in the access log."""
    cid = parse_case_id(case_id)
    view, records = await _history(svc, actor, cid, request)
    check_version(from_version, view["version"], "from")
    check_version(to_version, view["version"], "to")
    # Both read at the later version's recorded time, so deadlines are compared on the same clock.
    then = records[max(from_version, to_version) - 1]["recorded_at"]
    before = await run_in_threadpool(lambda: svc.queries.view(cid, then, from_version))
    after = await run_in_threadpool(lambda: svc.queries.view(cid, then, to_version))
    events = [
        {"version": r["version"], "type": r["type"], "label": event_label(r)}
        for r in records
        if min(from_version, to_version) < r["version"] <= max(from_version, to_version)
    ]
    return {
        "case_id": str(cid),
        "from": from_version,
        "to": to_version,
        "events": events,
        "changes": jsonable_encoder(diff(before, after)),
    }


@router.get(
    "/cases/{case_id}/dossier",
    summary="The case's dossier: timeline, approvals by level, deadlines, findings, and the proofs to verify it",
)
async def get_dossier(case_id: str, actor: ActorDep, svc: ServicesDep, request: Request) -> dict[str, Any]:
    """Everything an inspector needs of one case: timeline, approvals at each level, deadlines met or missed, what the
    inspection rules find, and the proofs to verify it offline (events with hashes, paths to signed checkpoints, the
    public key). Read as `GET /cases/{case_id}` is: same roles, recorded in the access log."""
    cid = parse_case_id(case_id)
    await _seen(svc, actor, cid, request, "case_dossier")
    dossier: dict[str, Any] = jsonable_encoder(
        await run_in_threadpool(lambda: svc.audit.dossier(cid, _now(), actor.role))
    )
    return dossier


@router.get("/cases", response_model=CaseList, summary="Cases in the caller's area, filtered by area and stage")
async def list_cases(
    actor: ActorDep,
    svc: ServicesDep,
    request: Request,
    village_code: Annotated[str | None, Query(pattern=LEVEL_CODE_PATTERN[AreaLevel.VILLAGE])] = None,
    township_code: Annotated[str | None, Query(pattern=LEVEL_CODE_PATTERN[AreaLevel.TOWNSHIP])] = None,
    county_code: Annotated[str | None, Query(pattern=LEVEL_CODE_PATTERN[AreaLevel.COUNTY])] = None,
    stage: Stage | None = None,
    status: Status | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> CaseList:
    """The cases of the caller's area (a 帮扶责任人: those of the households assigned to them), latest opened first,
    filtered by area, stage and status, a page at a time; each with its next deadline and whether it is overdue.
    Any role but 运维 and 管理员 (403 `role_scope`); the read is recorded in the access log."""
    filters = {
        k: v
        for k, v in {
            "village_code": village_code,
            "township_code": township_code,
            "county_code": county_code,
            "stage": stage.value if stage else None,
            "status": status.value if status else None,
        }.items()
        if v is not None
    }
    if actor.role is Role.RESPONSIBLE_PERSON:  # their own households' cases only
        filters["responsible_user"] = actor.id
    await record_read(svc, actor, request, what="case_list", target=actor.area_code, village_code="")
    rows = await run_in_threadpool(
        lambda: svc.summaries.search(area_prefix=actor.area_code, filters=filters, limit=limit, offset=offset)
    )
    return CaseList(items=[CaseSummary.model_validate(r) for r in rows], limit=limit, offset=offset)
