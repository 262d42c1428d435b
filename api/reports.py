"""The seed's statistical tables 附件3-1 to 3-4 for an area and a period, as JSON, CSV or XLSX.

Figures only (counts of households, persons and staff), scoped like every read: a caller sees the tables of their own
area or of an area inside it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Response
from fastapi.concurrency import run_in_threadpool

from api.deps import ActorDep, ServicesDep
from api.errors import ApiProblem
from domain.policy import local_date
from domain.reports import Table
from workflows.report_files import to_csv, to_xlsx
from workflows.report_service import ReportRequestError

router = APIRouter(tags=["reports"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TableParam = Literal["3-1", "3-2", "3-3", "3-4"]


def scope_of(actor_area: str, scope: str | None) -> str:
    area = scope or actor_area
    if not area.startswith(actor_area):
        raise ApiProblem("NotPermittedError", f"area {area} lies outside your area", field="scope", rule="jurisdiction")
    return area


@router.get(
    "/reports/{table}",
    summary="附件3-1…3-4: a statistical table for an area and a period (JSON, CSV or XLSX in the seed's layout)",
    response_model=None,
)
async def get_table(
    table: TableParam,
    actor: ActorDep,
    svc: ServicesDep,
    scope: Annotated[str | None, Query(pattern=r"^[0-9]{6}([0-9]{3}){0,2}$")] = None,
    period: Annotated[str | None, Query(max_length=40, description="a cycle number, or YYYY-MM-DD..YYYY-MM-DD")] = None,
    format: Annotated[Literal["json", "csv", "xlsx"], Query()] = "json",
    cutoff: Annotated[int | None, Query(ge=0, le=2**62, description="a position of the event log")] = None,
) -> dict[str, Any] | Response:
    area = scope_of(actor.area_code, scope)

    def make() -> dict[str, Any]:
        reports = svc.reports
        chosen = reports.period(area, period, local_date(datetime.now(UTC)))
        return reports.table(Table(table), area, chosen, cutoff)

    try:
        doc = await run_in_threadpool(make)
    except ReportRequestError as e:
        status = 409 if e.rule == "cutoff_reached" else 422
        raise ApiProblem("ReportRequestError", str(e), field=e.field, rule=e.rule, status=status) from e
    if format == "json":
        return doc
    body, media = (to_csv(doc), "text/csv; charset=utf-8") if format == "csv" else (to_xlsx(doc), XLSX)
    name = f"{doc['annex']}_{doc['title']}_{area}_{doc['period']['first_day']}_{doc['period']['last_day']}.{format}"
    return Response(
        body,
        media_type=media,
        headers={
            "Content-Disposition": f"attachment; filename=\"report.{format}\"; filename*=UTF-8''{quote(name)}",
            "X-Dixian-Cutoff": str(doc["cutoff"]["position"]),
        },
    )
