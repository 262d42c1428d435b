"""Registry routes: the roster import and its template, households, staff, screenings and 应纳未纳.

Every read and write is scoped to the caller's area (area codes nest by prefix). A screening that finds the
household at risk opens its case through the case workflow, exactly once per Idempotency-Key.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from api.cases import start_case
from api.deps import ActorDep, AreaQuery, CommandIdDep, ServicesDep, record_read
from api.errors import ApiProblem
from domain.campaigns.values import screening_open_command
from domain.cases.values import Source
from domain.cases.view import CaseViewData, responsible_user
from domain.kernel.actors import Actor, Role
from domain.kernel.errors import CaseAlreadyOpenError
from domain.kernel.privacy import area_to_read, sees, unknown_household, unknown_staff
from domain.registry.rules import head_name
from domain.registry.views import HouseholdView, StaffView
from workflows.campaigns.contracts import ScreeningRequest
from workflows.cases.contracts import OpenCaseRequest
from workflows.registry.contracts import HouseholdRequest, StaffRequest
from workflows.registry.roster_files import CSV_TYPE, MAX_BYTES, XLSX_TYPE, detect_format, template

router = APIRouter(tags=["registry"])


def _now() -> datetime:
    return datetime.now(UTC)


# ----- roster --------------------------------------------------------------------------------------------------


class ImportReport(BaseModel):
    file: dict[str, Any]
    file_errors: list[dict[str, Any]]
    households: dict[str, int]
    persons_accepted: int
    rejected_rows: list[int]
    errors: list[dict[str, Any]]  # the first 1,000
    errors_total: int
    demo: bool


@router.get(
    "/households/import-template",
    summary="农户花名册模板: the roster template (CSV or XLSX, one row per member)",
    response_class=Response,
    responses={200: {"content": {CSV_TYPE: {}, XLSX_TYPE: {}}}},
)
async def import_template(actor: ActorDep, format: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "xlsx") -> Response:
    """The empty roster with the template's header row, as XLSX or CSV: fill it in (one row per family member) and
    send it to `POST /households:import`. Any role but 运维, 管理员 and 帮扶责任人."""
    data = template(format)
    media = CSV_TYPE if format == "csv" else XLSX_TYPE
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="dixian-roster-template.{format}"'},
    )


@router.post(
    "/households:import",
    response_model=ImportReport,
    summary="导入农户花名册: import a roster (body: the CSV or XLSX file); a per-row report of what was refused",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                CSV_TYPE: {"schema": {"type": "string", "format": "binary"}},
                XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def import_households(request: Request, actor: ActorDep, svc: ServicesDep) -> ImportReport:
    """Import a roster filled in from `GET /households/import-template`: the file itself is the body, with
    `Content-Type: text/csv` or the XLSX type (415 otherwise), at most 20 MiB (413 `max_size`). Every row is checked;
    each household goes in whole or not at all, and the report lists each refused row with its field and rule; the
    same file again changes nothing. By 村干部/网格员, 乡镇审核 or 县级审定 (403 `registry_role`), for households of
    their area; 422 when the header row does not match the template. The signed receipt is the `X-Dixian-Receipt`
    header, or the answer's `receipt` field when the import wrote more than 50 records."""
    fmt = detect_format(request.headers.get("content-type", ""))
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BYTES:
        raise ApiProblem("PayloadTooLargeError", "the roster is larger than 20 MiB", field="body", rule="max_size")
    data = await request.body()  # api.limits refuses it once more than MAX_BYTES arrive
    report = await run_in_threadpool(lambda: svc.registry.import_roster(data, fmt, actor=actor, now=_now()))
    if report["file_errors"]:
        first = report["file_errors"][0]
        raise ApiProblem(
            "RuleViolationError",
            "the roster's header row does not match the template: " + first["message"],
            field=first["field"],
            rule=first["rule"],
            violations=[{k: str(v) for k, v in e.items()} for e in report["file_errors"]],
        )
    return ImportReport.model_validate(report)


# ----- households --------------------------------------------------------------------------------------------


class HouseholdSummary(BaseModel):
    household_number: str
    version: int
    village_code: str
    household_type: str
    persons: int
    head_name: str
    at_resettlement_site: bool
    migrant: bool
    demo: bool
    registered_at: datetime
    updated_at: datetime


class HouseholdList(BaseModel):
    items: list[HouseholdSummary]
    limit: int
    offset: int


def _scope(actor_area: str, area_code: str | None) -> list[str]:
    """The area a list covers: the caller's own, or a part of it they name."""
    return [area_to_read(actor_area, area_code, "area_code")]


@router.get(
    "/households/id-conflicts",
    summary="证件号码冲突: one person listed by two households, recorded when the registrar could not be told (the "
    "first household lies outside their area), for the county to resolve",
)
async def id_number_conflicts(actor: ActorDep, svc: ServicesDep, request: Request) -> dict[str, Any]:
    """ID numbers listed by two households, where either lies in the caller's area: recorded instead of refused when
    the registrar could not be told (the first household lies outside their area), for the county to decide where
    the person belongs. 县级审定 and 督导/审计 only (403 `county_or_inspector`); recorded in the access log."""
    items = await run_in_threadpool(svc.registry.id_number_conflicts, actor)
    await record_read(svc, actor, request, what="id_conflicts", target=actor.area_code, village_code="")
    return {"items": items}


@router.get("/households", response_model=HouseholdList, summary="农户: households in the caller's area")
async def list_households(
    actor: ActorDep,
    svc: ServicesDep,
    request: Request,
    area_code: AreaQuery = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> HouseholdList:
    """The households of the caller's area or a part of it (403 `jurisdiction`), a page at a time: type, size, head
    of household, whether they live at a resettlement site or work away. Any role but 运维, 管理员 and 帮扶责任人;
    recorded in the access log."""
    scope = _scope(actor.area_code, area_code)
    await record_read(svc, actor, request, what="household_list", target=scope[0], village_code="")
    rows = await run_in_threadpool(svc.registry.households, scope, limit, offset)
    return HouseholdList(items=[HouseholdSummary.model_validate(r) for r in rows], limit=limit, offset=offset)


@router.put(
    "/households/{household_number}",
    summary="农户: register one household, or record what changed in it (field by field, with the reason)",
)
async def put_household(
    household_number: str, body: HouseholdRequest, actor: ActorDep, command_id: CommandIdDep, svc: ServicesDep
) -> dict[str, Any]:
    """Register the household `household_number` with all its members, or record what changed in it, field by field,
    with the `reason` (422 `required`); answers `created`, `changed` or `unchanged`. By 村干部/网格员, 乡镇审核 or
    县级审定 for a village in their area (403 `registry_role`, `jurisdiction`). Refused: 422 with every rule broken
    listed (`id_number`, `one_head`, `known_village`, …); 409 `unique_id_number` when a member belongs to another
    household of the caller's area. With `Idempotency-Key`; answers with a signed `X-Dixian-Receipt`."""
    return await run_in_threadpool(
        lambda: svc.registry.put_household(household_number, body, actor=actor, command_id=command_id, now=_now())
    )


@router.get("/households/{household_number}", summary="农户: one household, its members, screenings and open cases")
async def get_household(household_number: str, actor: ActorDep, svc: ServicesDep, request: Request) -> HouseholdView:
    """One household: its members, its screenings and its open cases. Any role but 运维 and 管理员, for a household
    of their area (a 帮扶责任人: one assigned to them); otherwise 404 `exists`, as for one that does not exist.
    Recorded in the access log."""
    household = await run_in_threadpool(lambda: svc.registry.household(household_number))
    if not sees(actor, household["village_code"]):  # out of the area: as unknown as one that does not exist
        raise unknown_household(household_number)
    if actor.role is Role.RESPONSIBLE_PERSON and not await _assigned(svc, actor, household["open_cases"]):
        raise unknown_household(household_number)  # a 帮扶责任人 reads their own households only
    await record_read(
        svc, actor, request, what="household", target=household_number, village_code=household["village_code"]
    )
    return household


async def _assigned(svc: ServicesDep, actor: Actor, case_ids: list[str]) -> bool:
    """Whether one of the household's open cases has ``actor`` as its responsible person."""
    for case_id in case_ids:
        view = await run_in_threadpool(svc.queries.view, uuid.UUID(str(case_id)), _now())
        if responsible_user(view) == actor.id:
            return True
    return False


# ----- staff ---------------------------------------------------------------------------------------------------


@router.post("/staff", status_code=200, summary="参与排查工作人员: register a staff member, or record a change")
async def register_staff(body: StaffRequest, actor: ActorDep, command_id: CommandIdDep, svc: ServicesDep) -> Any:
    """Register a person who takes part in the screening (table 3-4: one identity each), or record what changed;
    answers `created`, `changed` or `unchanged`. By 村干部/网格员, 乡镇审核 or 县级审定 for an area of theirs (403
    `registry_role`, `jurisdiction`); refused 422 `identity_level` (the identity does not work at that level),
    `known_area`, `format`. With `Idempotency-Key`; answers with a signed `X-Dixian-Receipt`."""
    return await run_in_threadpool(
        lambda: svc.registry.register_staff(body, actor=actor, command_id=command_id, now=_now())
    )


@router.get("/staff", summary="参与排查工作人员 in the caller's area")
async def list_staff(
    actor: ActorDep,
    svc: ServicesDep,
    request: Request,
    area_code: AreaQuery = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """The staff working in the caller's area or a part of it (403 `jurisdiction`), a page at a time. Any role but
    运维, 管理员 and 帮扶责任人; recorded in the access log (the list holds phone numbers)."""
    scope = _scope(actor.area_code, area_code)
    rows = await run_in_threadpool(svc.registry.staff, scope, limit, offset)
    await record_read(svc, actor, request, what="staff_list", target=scope[0], village_code="")  # phones
    return {"items": rows, "limit": limit, "offset": offset}


@router.get("/staff/{staff_number}", summary="参与排查工作人员: one staff member")
async def get_staff(staff_number: str, actor: ActorDep, svc: ServicesDep, request: Request) -> StaffView:
    """One staff member, if they work in the caller's area (404 `exists` otherwise). Any role but 运维, 管理员 and
    帮扶责任人; recorded in the access log."""
    staff = await run_in_threadpool(lambda: svc.registry.staff_member(staff_number))
    if not sees(actor, staff["area_code"]):  # as in the list: staff working inside the area
        raise unknown_staff(staff_number)
    await record_read(svc, actor, request, what="staff", target=staff_number, village_code=staff["area_code"])
    return staff


# ----- screening -------------------------------------------------------------------------------------------------


class ScreeningResult(BaseModel):
    screening: dict[str, Any]
    case: CaseViewData | None


@router.post(
    "/households/{household_number}/screenings",
    status_code=201,
    response_model=ScreeningResult,
    summary="排查: record a screening; a household at risk without an open case gets one (干部排查)",
)
async def record_screening(
    household_number: str, body: ScreeningRequest, actor: ActorDep, command_id: CommandIdDep, svc: ServicesDep
) -> ScreeningResult:
    """Record a screening (排查) of the household: income by component, 三保障 and water, rigid spending, risks. The
    assessment is recorded with it; a household found at risk without an open case gets one (source 干部排查),
    answered in `case`. By 村干部/网格员, 乡镇审核 or 县级审定 for a household of their area (403 `registry_role`;
    404 `exists`); refused 422 `registered_staff`, `screener_area`, `campaign_scope`, `date_range`,
    `remote_screening_for_migrants`. With `Idempotency-Key` (a retry opens no second case); 201 with a signed
    `X-Dixian-Receipt`."""
    record = await run_in_threadpool(
        lambda: svc.campaigns.record_screening(household_number, body, actor=actor, command_id=command_id, now=_now())
    )
    case = await open_from_screening(svc, actor, command_id, household_number, record)
    return ScreeningResult(screening=record, case=case)


async def open_from_screening(
    svc: Any, actor: Actor, command_id: str, household_number: str, record: dict[str, Any]
) -> CaseViewData | None:
    """The case a screening found at risk opens (source 干部排查), once per screening command; None when it opens
    none (not at risk, or the household has its open case already)."""
    if not record["opens_case"]:
        return None  # an open case it refers to is read at /cases/{id}
    household = await run_in_threadpool(lambda: svc.registry.household(household_number))
    request = OpenCaseRequest(
        household_number=household_number,
        household_head=head_name(household["members"]),
        village_code=record["village_code"],
        source=Source.CADRE_SCREENING,
        clue_date=date.fromisoformat(record["screened_on"]),
        reported_risks=list(record["assessment"]["risks"]),
        comment="排查发现风险：" + "；".join(r["message"] for r in record["assessment"]["reasons"])[:1900],
    )
    try:
        return await start_case(svc, actor, screening_open_command(command_id, household_number), request)
    except ApiProblem as problem:
        if problem.type != CaseAlreadyOpenError.__name__:
            raise  # the screening is kept and listed as 应纳未纳 until the same request is sent again
    return None


@router.get(
    "/screenings/not-monitored",
    summary="应纳未纳: households whose latest screening found them at risk but who have no case",
)
async def not_monitored(
    actor: ActorDep,
    svc: ServicesDep,
    request: Request,
    area_code: AreaQuery = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> dict[str, Any]:
    """应纳未纳: households of the caller's area or a part of it (403 `jurisdiction`) whose latest screening found them
    at risk but who have no case; send the screening again (same `Idempotency-Key`) to open it. Any role but 运维,
    管理员 and 帮扶责任人; recorded in the access log."""
    scope = _scope(actor.area_code, area_code)
    await record_read(svc, actor, request, what="not_monitored_list", target=scope[0], village_code="")
    rows = await run_in_threadpool(svc.campaigns.not_monitored, scope, limit)
    return {"items": rows, "limit": limit}
