"""The seed's statistical tables 附件3-1 to 3-4 for an area and a period, as JSON, CSV or XLSX.

Figures only (counts of households, persons and staff), scoped like every read: a caller sees the tables of their own
area or of an area inside it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, StringConstraints

from api.deps import ActorDep, AreaQuery, CommandIdDep, ServicesDep, record_read
from api.errors import ApiProblem
from domain.cases.notices import COLUMN_MEANINGS as NOTICE_MEANINGS
from domain.cases.notices import COLUMNS as NOTICE_COLUMNS
from domain.cases.notices import TITLES as NOTICE_TITLES
from domain.cases.notices import notice_row
from domain.cases.rules.identification import NOTICE_STATUSES
from domain.kernel.privacy import area_to_read, table_seen_by
from domain.kernel.steps import Procedure
from domain.kernel.time import local_date
from domain.reports.tables import Table
from domain.reports.views import VillageReportView
from workflows.kernel.contracts import VillageCode
from workflows.reports.files import notice_csv, notice_xlsx, to_csv, to_xlsx

router = APIRouter(tags=["reports"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TableParam = Literal["3-1", "3-2", "3-3", "3-4"]


def scope_of(actor_area: str, scope: str | None) -> str:
    return area_to_read(actor_area, scope, "scope")


PeriodQuery = Annotated[
    str | None,
    Query(
        max_length=40,
        description="a cycle number, cumulative[:N] (from the plan date through cycle N), or "
        "YYYY-MM-DD..YYYY-MM-DD; none: the two-week period of today",
    ),
]
ScopeQuery = AreaQuery


def _now() -> datetime:
    return datetime.now(UTC)


class DraftRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"village_code": "990102101001", "period": "2024-03-01..2024-03-14",
         "reason": "补录3月8日的入户核实后重新生成"},
        {"village_code": "990102101001", "period": "2"},
    ]})  # fmt: skip
    village_code: VillageCode
    period: Annotated[str | None, StringConstraints(max_length=40)] = None
    reason: Annotated[str, StringConstraints(max_length=500, strip_whitespace=True)] = ""


class ApprovalRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"capacity": "party_secretary",
         "content_hash": "9f2c4e7a1b3d5f60718293a4b5c6d7e8f90123456789abcdef0123456789abcd"},
    ]})  # fmt: skip
    capacity: Literal["party_secretary", "committee_director"]
    content_hash: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


@router.get("/reports", summary="Stored village reports (drafted by the schedule or by hand) in your area")
async def list_reports(
    actor: ActorDep, svc: ServicesDep, scope: ScopeQuery = None, period: PeriodQuery = None
) -> dict[str, Any]:
    """The village reports stored for the caller's area or a part of it (403 `jurisdiction`), of every period or of
    one (`period`: a two-week cycle's number or `YYYY-MM-DD..YYYY-MM-DD`; 422 `period_format`, `period_range`,
    `cycle_start`), with their revision, status and approvals. Any role but 运维, 管理员 and 帮扶责任人."""
    area = scope_of(actor.area_code, scope)

    def find() -> dict[str, Any]:
        chosen = svc.reports.period(area, period, local_date(_now())) if period else None
        return {"scope": area, "items": svc.reports.stored(area, chosen)}

    return await run_in_threadpool(find)


@router.post("/reports", status_code=201, summary="Draft a village's report for a period (or revise it)")
async def draft_report(
    body: DraftRequest, actor: ActorDep, svc: ServicesDep, command: CommandIdDep
) -> VillageReportView:
    """Draft the village's report (its row of the four tables) for a period, by default the current two-week
    cycle, from the events recorded so far; sent again, it becomes a new revision if the figures changed. By
    村干部/网格员, 乡镇审核 or 县级审定 (403 `report_roles`) for a village in their area (403 `jurisdiction`). With
    `Idempotency-Key`; 201 with a signed `X-Dixian-Receipt`."""
    village = scope_of(actor.area_code, body.village_code)

    def draft() -> VillageReportView:
        chosen = svc.reports.period(village, body.period, local_date(_now()))
        return svc.reports.draft(village, chosen, actor, command, _now(), reason=body.reason)

    return await run_in_threadpool(draft)


@router.get("/reports/submissions", summary="Which villages have submitted their report for a period")
async def submissions(
    actor: ActorDep, svc: ServicesDep, scope: ScopeQuery = None, period: PeriodQuery = None
) -> dict[str, Any]:
    """For a township or the county: each village of the area with its report's status for the period (default: the
    current two-week cycle), and how many have submitted. Any role but 帮扶责任人 (403 `jurisdiction` outside the
    caller's area)."""
    area = scope_of(actor.area_code, scope)
    return await run_in_threadpool(
        lambda: svc.reports.submissions(area, svc.reports.period(area, period, local_date(_now())))
    )


@router.get("/reports/stored/{report_id}", summary="A stored village report: figures, revisions, approvals")
async def stored_report(report_id: UUID, actor: ActorDep, svc: ServicesDep) -> VillageReportView:
    """One village report: its figures, revisions with their corrections, approvals and submission. Any role but
    运维, 管理员 and 帮扶责任人, for a village in their area (404 `exists` otherwise)."""
    return await run_in_threadpool(lambda: svc.reports.stored_report(report_id, actor))


@router.post("/reports/stored/{report_id}/approvals", summary="审定: the Party secretary's or the director's approval")
async def approve_report(
    report_id: UUID, body: ApprovalRequest, actor: ActorDep, svc: ServicesDep, command: CommandIdDep
) -> VillageReportView:
    """审定 by the holder of the village's office of `capacity`, 村党组织书记 (`party_secretary`) or 村委会主任
    (`committee_director`), as the administrator registered it on the accounts (`offices` of
    `PUT /admin/users/{user_id}`): a 村干部 of the report's own village (403 `village_signs`) holding that office (403
    `office_holder`; one person holding both, 一肩挑, approves in both), of the figures they read: `content_hash` is
    the report's current hash (409 `current_figures`). Refused: 409 `report_status` (not a draft),
    `approved_once_per_capacity`. With `Idempotency-Key`; answers with a signed `X-Dixian-Receipt`."""
    return await run_in_threadpool(
        lambda: svc.reports.approve(report_id, body.capacity, body.content_hash, actor, command, _now())
    )


@router.post("/reports/stored/{report_id}/submission", summary="上报: submit an approved report to the township")
async def submit_report(report_id: UUID, actor: ActorDep, svc: ServicesDep, command: CommandIdDep) -> VillageReportView:
    """上报 the report to the township once both signatories have approved it (409 `approved_before_submission`), by
    a 村干部 of its village (403 `village_signs`). No body; with `Idempotency-Key`; answers with a signed
    `X-Dixian-Receipt`."""
    return await run_in_threadpool(lambda: svc.reports.submit(report_id, actor, command, _now()))


@router.get(
    "/notices",
    summary="公示名单: households whose village notice is running (name, village, size, risk types; no ID number, "
    "phone, bank account or health detail)",
    response_model=None,
    responses={200: {"content": {"application/json": {}, "text/csv": {}, XLSX: {}}}},
)
async def public_notice_list(
    actor: ActorDep,
    svc: ServicesDep,
    request: Request,
    scope: ScopeQuery = None,
    procedure: Annotated[Literal["identification", "elimination"], Query()] = "identification",
    format: Annotated[Literal["json", "csv", "xlsx"], Query()] = "json",
) -> dict[str, Any] | Response:
    """公示名单 of the households whose identification or elimination notice is running in the caller's area or a
    part of it (403 `jurisdiction`), as JSON, CSV or XLSX. Any role but 运维, 管理员 and 帮扶责任人 (inspectors see
    personal columns masked); the read is recorded in the access log."""
    area = scope_of(actor.area_code, scope)
    kind = Procedure(procedure)

    def rows() -> list[list[Any]]:
        views = []
        for status in NOTICE_STATUSES[kind]:
            for r in svc.summaries.search(area_prefix=area, filters={"status": status.value}, limit=5000, offset=0):
                views.append(svc.queries.view(r["case_id"], _now()))
        views.sort(key=lambda v: (v["area"]["village_code"], v["household"]["household_head"], v["case_id"]))
        return [notice_row(i, v, kind) for i, v in enumerate(views, 1)]

    found = await run_in_threadpool(rows)
    found = table_seen_by(actor.role, list(NOTICE_COLUMNS), found, NOTICE_MEANINGS)
    await record_read(svc, actor, request, what="public_notice_list", target=area, village_code=area)
    doc = {"title": NOTICE_TITLES[kind], "scope": area, "procedure": kind.value, "columns": list(NOTICE_COLUMNS),
           "rows": found}  # fmt: skip
    if format == "json":
        return doc
    body, media = (notice_csv(doc), "text/csv; charset=utf-8") if format == "csv" else (notice_xlsx(doc), XLSX)
    name = f"{doc['title']}_{area}.{format}"
    disposition = f"attachment; filename=\"notices.{format}\"; filename*=UTF-8''{quote(name)}"
    return Response(body, media_type=media, headers={"Content-Disposition": disposition})


@router.get(
    "/reports/{table}",
    summary="附件3-1…3-4: a statistical table for an area and a period (JSON, CSV or XLSX in the seed's layout)",
    response_model=None,
    responses={200: {"content": {"application/json": {}, "text/csv": {}, XLSX: {}}}},
)
async def get_table(
    table: TableParam,
    actor: ActorDep,
    svc: ServicesDep,
    scope: ScopeQuery = None,
    period: PeriodQuery = None,
    format: Annotated[Literal["json", "csv", "xlsx"], Query()] = "json",
    cutoff: Annotated[int | None, Query(ge=0, le=2**62, description="a position of the event log")] = None,
    basis: Annotated[
        Literal["events", "submitted"], Query(description="events: computed now; submitted: the villages' reports")
    ] = "events",
) -> dict[str, Any] | Response:
    """A statistical table of the seed (附件3-1 to 3-4) for the caller's area or a part of it (403 `jurisdiction`)
    and a period (default: the plan's current two-week cycle, or while no plan date is known the default two-week
    period, Monday to Sunday: `period.kind` is `default_cycle`): computed from the events up to `cutoff` (default: as
    far as the report facts go; 409 `cutoff_reached` beyond), or summing the villages' submitted reports
    (`basis=submitted`, which takes no `cutoff`: 422 `submitted_basis`). Counts only: any role but
    帮扶责任人. A CSV or XLSX file names its cut-off in
    `X-Dixian-Cutoff`."""
    area = scope_of(actor.area_code, scope)
    if basis == "submitted" and cutoff is not None:
        # the villages' reports are what they signed: no position of the log to compute them to (issue 20)
        raise ApiProblem("RuleViolationError", "a cutoff is for basis=events; the submitted reports are as signed",
                         field="cutoff", rule="submitted_basis")  # fmt: skip

    def make() -> dict[str, Any]:
        reports = svc.reports
        chosen = reports.period(area, period, local_date(_now()))
        if basis == "submitted":
            return reports.submitted_table(Table(table), area, chosen)
        return reports.table(Table(table), area, chosen, cutoff)

    doc = await run_in_threadpool(make)
    if format == "json":
        return doc
    return table_file(doc, area, format)


def table_file(doc: dict[str, Any], area: str, format: Literal["csv", "xlsx"]) -> Response:
    """A table document as its CSV or XLSX file, named for the table, the area and the period: an ASCII name for
    every client and the Chinese one in ``filename*`` (RFC 6266). The console serves its downloads through this too."""
    body, media = (to_csv(doc), "text/csv; charset=utf-8") if format == "csv" else (to_xlsx(doc), XLSX)
    first, last = doc["period"]["first_day"], doc["period"]["last_day"]
    name = f"{doc['annex']}_{doc['title']}_{area}_{first}_{last}.{format}"
    ascii_name = f"report_{doc['table']}_{area}_{first}_{last}.{format}"
    return Response(
        body,
        media_type=media,
        headers={
            "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}",
            "X-Dixian-Cutoff": str(doc["cutoff"]["position"] or ""),
        },
    )
