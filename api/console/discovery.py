"""The discovery channels in the console: 部门预警 (a department's upload and its alerts' outcomes; the village's and
township's inbox and the verification form), 自主申报 (record an application, the township's answer), 走访清单 (the
day's or week's visit list, printable, and the one form that records a visit), and the household's own status page
(no sign-in, rate-limited like the API's).

Every read and write goes through the JSON API's own functions (``api.alerts``, ``api.applications``,
``api.visits``): the same scoping, refusals, idempotency and timers."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from functools import partial
from typing import Any, TypeVar

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile

from api import alerts as alert_api
from api import applications as application_api
from api import visits as visit_api
from api.console import forms
from api.console.routes import _KEY, ServicesDep, SessionDep, _check_csrf, _now, _page, refusal_zh
from api.deps import check_route, record_read
from api.errors import ApiProblem
from domain.discovery.rules import handled_late
from domain.discovery.values import AlertStatus
from domain.kernel.actors import Role
from domain.kernel.errors import DomainError, ErrorKind, NotFoundError
from domain.kernel.messages import message_zh
from domain.kernel.privacy import seen_by, sees
from domain.kernel.time import local_date
from workflows.discovery.alert_files import MAX_BYTES
from workflows.discovery.contracts import (
    AlertVerifyRequest,
    AnswerRequest,
    ApplicationRequest,
    StatusLookup,
    VisitRequest,
)
from workflows.registry.roster_files import RosterFileError, detect_format

router = APIRouter(prefix="/console", include_in_schema=False)
M = TypeVar("M", bound=BaseModel)


def _refused(request: Request, sess: Any, route: str) -> HTMLResponse | None:
    """A role the API confines elsewhere is refused here as there, in the same words."""
    try:
        check_route(sess.actor, route)
    except ApiProblem as e:
        return _page(request, "refused.html", 403, sess=sess, message=message_zh(e.rule, ErrorKind.FORBIDDEN))
    return None


def _key(form: Any) -> str:
    key = str(form.get("idempotency_key", ""))
    if not _KEY.match(key):
        raise ApiProblem("RuleViolationError", "表单已过期，请刷新页面后重试", field="idempotency_key", rule="format")
    return key


def _multi(form: Any) -> dict[str, list[str]]:
    return {k: [str(v) for v in form.getlist(k)] for k in form}


def _problem(e: Exception) -> ApiProblem:
    return ApiProblem.of(e) if isinstance(e, DomainError) else e  # type: ignore[return-value]


Page = Callable[..., Awaitable[Response]]  # (status, form, errors, message) → the form's page again


async def _submit(request: Request, sess: Any, model: type[M], data: dict[str, Any] | None,
                  act: Callable[[M, str], Awaitable[Any]], again: Page, passed: tuple[int, ...] = (403, 404, 503),
                  ) -> Any | Response:  # fmt: skip
    """A form sent: checked (CSRF, its key), read into the API's ``model``, and done by ``act`` with the user's
    command id; or the form's page ``again``, as typed, with each refusal at its field (statuses in ``passed`` go on
    to the console's refusal page). ``data``: the body as posted, when the caller adds to it."""
    form = await request.form()
    _check_csrf(sess, form)
    key = _key(form)
    try:
        body = model.model_validate(data if data is not None else forms.body_of(model, form, _multi(form)))
    except ValidationError as e:
        return await again(422, form, forms.field_errors(e), "请按提示修改后再提交。")
    try:
        return await act(body, f"{sess.actor.id}:{key}")
    except (ApiProblem, DomainError) as e:
        problem = _problem(e)
        if problem.status in passed:
            raise
        hint = refusal_zh(e, problem)
        return await again(problem.status, form, {problem.field: hint}, "未能记录：" + hint)


def _inputs(model: type[BaseModel], form: Any = None, errors: dict[str, str] | None = None) -> list[forms.Input]:
    items = forms.inputs(model)
    if form is not None:
        forms.refill(items, {k: str(form.get(k) or "") for k in form}, _multi(form), errors or {})
    return items


# ----- 部门预警 ------------------------------------------------------------------------------------------------------


@router.get("/alerts")
async def alerts(request: Request, sess: SessionDep, svc: ServicesDep) -> HTMLResponse:
    return await _alerts_page(request, sess, svc)


async def _alerts_page(request: Request, sess: Any, svc: Any, message: str = "", pushed: Any = None,
                       status: int = 200) -> HTMLResponse:  # fmt: skip
    refused = _refused(request, sess, "/alerts")
    if refused is not None:
        return refused
    wanted = request.query_params.get("status", "")
    chosen = AlertStatus(wanted) if wanted in {s.value for s in AlertStatus} else None
    listing = await alert_api.alerts(sess.actor, svc, status=chosen, limit=200, offset=0)
    items = [{**i, "village": svc.registry.areas.name(i["village_code"] or i.get("township_code") or "")}
             if "village_code" in i else i for i in listing["items"]]  # fmt: skip
    department = sess.actor.role is Role.DEPARTMENT
    return _page(request, "alerts.html", status, sess=sess, items=items, department=department, message=message,
                 pushed=pushed, statuses=list(AlertStatus), chosen=wanted, key=uuid.uuid4().hex)  # fmt: skip


@router.post("/alerts")
async def upload_alerts(request: Request, sess: SessionDep, svc: ServicesDep) -> Response:
    form = await request.form()
    _check_csrf(sess, form)
    key = _key(form)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        message = "请选择预警文件（CSV 或 XLSX，按本部门模板填写）。"
        return await _alerts_page(request, sess, svc, message=message, status=422)
    data = await upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return await _alerts_page(request, sess, svc, message="文件超过 5 MB，请分成几个文件推送。", status=413)
    try:
        if sess.actor.role is not Role.DEPARTMENT:
            raise ApiProblem("NotPermittedError", "预警信息由行业部门账号推送", field="role", rule="department_only")
        fmt = detect_format(upload.content_type or "", upload.filename)
        name = upload.filename[:200]
        view, pushed = await run_in_threadpool(
            lambda: alert_api._service(svc).push_file(data, fmt, name, actor=sess.actor,
                                                      command_id=f"{sess.actor.id}:{key}", now=_now())
        )  # fmt: skip
        await alert_api._arm(svc, sess.actor, f"{sess.actor.id}:{key}", pushed)
    except RosterFileError as e:
        return await _alerts_page(request, sess, svc, message=f"文件无法读取：{e.message}", status=422)
    except (ApiProblem, DomainError) as e:
        problem = _problem(e)
        if problem.status in (403, 503):
            raise
        rows = [err["message"] for err in problem.errors[:20]]
        message = "未推送（整个文件未记录），请改正后重新上传：" + "；".join(rows or [refusal_zh(e, problem)])
        return await _alerts_page(request, sess, svc, message=message, status=problem.status)
    return await _alerts_page(request, sess, svc, pushed=view)


@router.get("/alerts/template.{fmt}")
async def alert_template(fmt: str, sess: SessionDep) -> Response:
    if fmt not in ("csv", "xlsx"):
        raise ApiProblem("NotFoundError", "模板只有 csv 和 xlsx 两种", field="format", rule="known_format")
    return await alert_api.template(sess.actor, fmt)  # type: ignore[arg-type]


async def _alert_page(request: Request, sess: Any, svc: Any, number: str, status: int = 200, form: Any = None,
                      errors: dict[str, str] | None = None, message: str = "") -> HTMLResponse:  # fmt: skip
    refused = _refused(request, sess, "/alerts/{alert_number}")
    if refused is not None:
        return refused
    try:
        alert = await alert_api.alert(number, sess.actor, svc, request)  # the read recorded there
    except NotFoundError:
        return _page(request, "refused.html", 404, sess=sess, message="没有找到该预警，或不在您的辖区内。")
    may_verify = alert.get("status") == "pending" and sess.actor.role is not Role.DEPARTMENT
    # what only an alert on a person the registry did not match (or routed to a township only) asks for
    unasked = ({"household_number", "household_head"} if alert.get("matched") else set()) | (
        {"village_code"} if alert.get("village_code") else set())  # fmt: skip
    inputs = [i for i in _inputs(AlertVerifyRequest, form, errors) if i.name not in unasked] if may_verify else []
    return _page(request, "alert.html", status, sess=sess, alert=seen_by(sess.actor.role, alert),
                 inputs=inputs, message=message,
                 key=str(form.get("idempotency_key")) if form is not None else uuid.uuid4().hex,
                 done=request.query_params.get("done", "")[:20])  # fmt: skip


@router.get("/alerts/{number}")
async def alert(request: Request, number: str, sess: SessionDep, svc: ServicesDep) -> HTMLResponse:
    return await _alert_page(request, sess, svc, number)


@router.post("/alerts/{number}/verify")
async def verify(request: Request, number: str, sess: SessionDep, svc: ServicesDep) -> Response:
    async def act(body: AlertVerifyRequest, command_id: str) -> Response:
        await alert_api.verify_alert(number, body, sess.actor, command_id, svc)
        return RedirectResponse(f"/console/alerts/{number}?done=verified", status_code=303)

    return await _submit(request, sess, AlertVerifyRequest, None, act,
                         partial(_alert_page, request, sess, svc, number))  # fmt: skip


# ----- 自主申报 ------------------------------------------------------------------------------------------------------


@router.get("/applications")
async def applications(request: Request, sess: SessionDep, svc: ServicesDep) -> HTMLResponse:
    return await _applications_page(request, sess, svc)


async def _applications_page(request: Request, sess: Any, svc: Any, status: int = 200, form: Any = None,
                             errors: dict[str, str] | None = None, message: str = "") -> HTMLResponse:  # fmt: skip
    refused = _refused(request, sess, "/applications")
    if refused is not None:
        return refused
    rows = await run_in_threadpool(
        lambda: svc.registry.view.discovery(channel="application", area_prefix=sess.actor.area_code, limit=200)
    )
    items = [{**r, "village": svc.registry.areas.name(r["village_code"]),
              "late": handled_late(r["due_on"], r["closed_on"], r["overdue_on"])}
             for r in rows]  # fmt: skip
    inputs = _inputs(ApplicationRequest, form, errors)
    if form is None and sess.actor.role is Role.VILLAGE_CADRE:  # a village cadre records their own village's
        forms.refill(inputs, {"village_code": sess.actor.area_code}, {}, {})
    return _page(request, "applications.html", status, sess=sess, items=items, message=message,
                 inputs=inputs, today=local_date(_now()),
                 key=str(form.get("idempotency_key")) if form is not None else uuid.uuid4().hex)  # fmt: skip


@router.post("/applications")
async def record_application(request: Request, sess: SessionDep, svc: ServicesDep) -> Response:
    async def act(body: ApplicationRequest, command_id: str) -> Response:
        view = await application_api.receive_application(body, sess.actor, command_id, svc, Response())
        return RedirectResponse(f"/console/applications/{view['application_number']}?done=received", status_code=303)

    return await _submit(request, sess, ApplicationRequest, None, act,
                         partial(_applications_page, request, sess, svc), passed=(403, 503))  # fmt: skip


async def _application_page(request: Request, sess: Any, svc: Any, number: str, status: int = 200, form: Any = None,
                            errors: dict[str, str] | None = None, message: str = "") -> HTMLResponse:  # fmt: skip
    refused = _refused(request, sess, "/applications/{application_number}")
    if refused is not None:
        return refused
    try:
        app = await application_api.application(number, sess.actor, svc)
    except NotFoundError:
        return _page(request, "refused.html", 404, sess=sess, message="没有找到该申请，或不在您的辖区内。")
    await record_read(svc, sess.actor, request, what="application", target=number, village_code=app["village_code"])
    may_answer = app["status"] == "received" and sess.actor.role in (Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER)
    return _page(request, "application.html", status, sess=sess, app=seen_by(sess.actor.role, app),
                 inputs=_inputs(AnswerRequest, form, errors) if may_answer else [], message=message,
                 key=str(form.get("idempotency_key")) if form is not None else uuid.uuid4().hex,
                 done=request.query_params.get("done", "")[:20])  # fmt: skip


@router.get("/applications/{number}")
async def application(request: Request, number: str, sess: SessionDep, svc: ServicesDep) -> HTMLResponse:
    return await _application_page(request, sess, svc, number)


@router.post("/applications/{number}/answer")
async def answer(request: Request, number: str, sess: SessionDep, svc: ServicesDep) -> Response:
    async def act(body: AnswerRequest, command_id: str) -> Response:
        await application_api.answer_application(number, body, sess.actor, command_id, svc)
        return RedirectResponse(f"/console/applications/{number}?done=answered", status_code=303)

    return await _submit(request, sess, AnswerRequest, None, act,
                         partial(_application_page, request, sess, svc, number))  # fmt: skip


# ----- 走访清单 ------------------------------------------------------------------------------------------------------


@router.get("/visits")
async def visits(request: Request, sess: SessionDep, svc: ServicesDep) -> HTMLResponse:
    refused = _refused(request, sess, "/visits")
    if refused is not None:
        return refused
    period = "week" if request.query_params.get("period") == "week" else "day"
    try:
        on = date.fromisoformat(request.query_params.get("on", "")) if request.query_params.get("on") else None
    except ValueError:
        on = None
    listing = await visit_api.visit_list(sess.actor, svc, request, None, on, period)  # type: ignore[arg-type]
    stops = [{**s, "village": svc.registry.areas.name(s["village_code"]) if s["village_code"] else "（待分派）"}
             for s in listing["stops"]]  # fmt: skip
    return _page(request, "visits.html", sess=sess, listing=listing, stops=seen_by(sess.actor.role, stops),
                 period=period, may_record=sess.actor.role in visit_api.VISIT_ROLES,
                 area_name=svc.registry.areas.name(sess.actor.area_code))  # fmt: skip


async def _visit_form(request: Request, sess: Any, svc: Any, number: str, status: int = 200, form: Any = None,
                      errors: dict[str, str] | None = None, message: str = "") -> HTMLResponse:  # fmt: skip
    refused = _refused(request, sess, "/visits")
    if refused is not None:
        return refused
    household = await run_in_threadpool(lambda: svc.registry.find_household(number))
    if household is None or not sees(sess.actor, household["village_code"]):
        return _page(request, "refused.html", 404, sess=sess, message="没有找到该农户，或不在您的辖区内。")
    items = [i for i in _inputs(VisitRequest, form, errors) if i.name != "household_number"]
    if form is None:
        forms.refill(items, {"visited_on": local_date(_now()).isoformat(), "method": "in_person"}, {}, {})
    tasks = await run_in_threadpool(
        lambda: visit_api._visits(svc).tasks_of(number, household["village_code"], local_date(_now()))
    )
    return _page(request, "visit.html", status, sess=sess, number=number, inputs=items, message=message,
                 tasks=[{"label": t.kind.label, "ref": t.ref} for t in tasks],
                 key=str(form.get("idempotency_key")) if form is not None else uuid.uuid4().hex)  # fmt: skip


@router.get("/visits/{number}")
async def visit_form(request: Request, number: str, sess: SessionDep, svc: ServicesDep) -> HTMLResponse:
    return await _visit_form(request, sess, svc, number)


@router.post("/visits/{number}")
async def record_visit(request: Request, number: str, sess: SessionDep, svc: ServicesDep) -> Response:
    form = await request.form()
    data = {**forms.body_of(VisitRequest, form, _multi(form)), "household_number": number}

    async def act(body: VisitRequest, command_id: str) -> Response:
        done = await visit_api.record_visit(body, sess.actor, command_id, svc)
        return _page(request, "visit_done.html", sess=sess, visit=done, number=number)

    return await _submit(request, sess, VisitRequest, data, act,
                         partial(_visit_form, request, sess, svc, number))  # fmt: skip


# ----- 发现渠道统计 ---------------------------------------------------------------------------------------------------


@router.get("/discovery")
async def discovery_summary(request: Request, sess: SessionDep, svc: ServicesDep) -> HTMLResponse:
    refused = _refused(request, sess, "/discovery/summary")
    if refused is not None:
        return refused
    days: dict[str, date | None] = {}
    for name in ("from", "to"):
        try:
            days[name] = date.fromisoformat(request.query_params.get(name, ""))
        except ValueError:
            days[name] = None  # an unreadable day: the default period
    try:
        summary = await alert_api.discovery_summary(sess.actor, svc, None, days["from"], days["to"])
    except ApiProblem:  # the period ends before it starts: the default period, said
        summary = await alert_api.discovery_summary(sess.actor, svc, None, None, None)
        return _page(request, "discovery_summary.html", 422, sess=sess, summary=summary,
                     message="截止日期早于起始日期，下面是本月的统计。",
                     area_name=svc.registry.areas.name(sess.actor.area_code))  # fmt: skip
    return _page(request, "discovery_summary.html", sess=sess, summary=summary,
                 area_name=svc.registry.areas.name(sess.actor.area_code))  # fmt: skip


# ----- the household's own status page (no sign-in) -----------------------------------------------------------------

public = APIRouter(prefix="/console", include_in_schema=False)


@public.get("/status")
async def status_page(request: Request) -> HTMLResponse:
    return _page(request, "status.html", sess=None, result=None, message="")


@public.post("/status")
async def status_lookup(request: Request, svc: ServicesDep) -> HTMLResponse:
    form = await request.form()
    values = {"application_number": str(form.get("application_number") or "").strip(),
              "id_last_four": str(form.get("id_last_four") or "").strip()}  # fmt: skip
    try:
        body = StatusLookup.model_validate(values)
        result = await application_api.application_status(body, request, svc)
    except ValidationError:
        return _page(request, "status.html", 422, sess=None, result=None, values=values,
                     message="请填写申请编号（SQ 加 10 位数字）和申请人身份证号的后四位。")  # fmt: skip
    except (ApiProblem, DomainError) as e:
        problem = _problem(e)
        return _page(request, "status.html", problem.status, sess=None, result=None, values=values,
                     message=refusal_zh(e, problem))  # fmt: skip
    return _page(request, "status.html", sess=None, result=result, values=values, message="")
