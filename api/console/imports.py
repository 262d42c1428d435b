"""导入农户花名册: the roster import page: the template to download, the upload, and the report row by row (what was
created, changed or left unchanged; every refused household with its rows and reasons, nothing of it written),
through the same import as `POST /households:import` and `dixian import`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from starlette.datastructures import UploadFile

from api.console.routes import ServicesDep, SessionDep, _check_csrf, _now, _page
from api.errors import ApiProblem
from domain.kernel.permissions import OPEN_ROLES
from domain.registry.roster import COLUMNS
from workflows.registry.roster_files import MAX_BYTES, RosterFileError, detect_format, template

router = APIRouter(prefix="/console", include_in_schema=False)
TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _may_import(sess: Any) -> None:
    if sess.actor.role not in OPEN_ROLES:
        raise ApiProblem(
            "NotPermittedError", "只有村、乡镇、县的经办人员可以导入花名册", field="role", rule="registry_role"
        )


@router.get("/import")
async def import_page(request: Request, sess: SessionDep) -> HTMLResponse:
    _may_import(sess)
    return _page(request, "import.html", sess=sess, report=None, message="")


@router.get("/import/template.{fmt}")
async def import_template(fmt: str, sess: SessionDep) -> Response:
    if fmt not in TYPES:
        raise ApiProblem("NotFoundError", "模板只有 csv 和 xlsx 两种", field="format", rule="known_format")
    disposition = f'attachment; filename="dixian-roster-template.{fmt}"'
    return Response(template(fmt), media_type=TYPES[fmt], headers={"Content-Disposition": disposition})


@router.post("/import")
async def upload(request: Request, sess: SessionDep, svc: ServicesDep) -> HTMLResponse:
    _may_import(sess)
    form = await request.form()
    _check_csrf(sess, form)
    upload = form.get("roster")
    if not isinstance(upload, UploadFile) or not upload.filename:
        message = "请选择花名册文件（CSV 或 XLSX）。"
        return _page(request, "import.html", 422, sess=sess, report=None, message=message)
    data = await upload.read(MAX_BYTES + 1)
    try:
        fmt = detect_format(upload.content_type or "", upload.filename)
        report = await run_in_threadpool(lambda: svc.registry.import_roster(data, fmt, actor=sess.actor, now=_now()))
    except RosterFileError as e:
        return _page(request, "import.html", 422, sess=sess, report=None, message=f"文件无法读取：{e}")
    if report["file_errors"]:
        message = "表头与模板不一致：" + report["file_errors"][0]["message"] + "。请下载模板，按模板的列填写。"
        return _page(request, "import.html", 422, sess=sess, report=None, message=message)
    columns = {c.key: c.header for c in COLUMNS}  # a refused row's field as the template's column names it
    return _page(request, "import.html", sess=sess, report=report, message="", columns=columns)
