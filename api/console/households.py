"""农户: the household list of the user's area (search by head name or household number), the household card
(members, screenings, open cases) and the screening form (排查), through the same use cases as the API: a screening
that finds the household at risk opens its case (干部排查), exactly once however often the form is sent."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from api.console import forms
from api.console.routes import _KEY, RULE_HINTS, ServicesDep, SessionDep, _check_csrf, _now, _page, running_campaign
from api.deps import record_read
from api.errors import ApiProblem
from api.registry import record_screening
from domain.kernel.actors import Role
from domain.kernel.errors import DomainError
from domain.kernel.permissions import OPEN_ROLES
from domain.kernel.privacy import NO_PERSONAL_DATA_ROLES, seen_by, sees
from domain.kernel.time import local_date
from domain.registry.values import Relation
from workflows.campaigns.contracts import ScreeningRequest

router = APIRouter(prefix="/console/households", include_in_schema=False)
LISTED = 500  # households of the area read for a search (a village's; a township searches by name or number)
SCREENING_MESSAGES = {
    "registered_staff": "工作人员编号不在名册中，请核对",
    "screener_area": "该工作人员不在本户所在的村或乡镇工作",
    "campaign_scope": "该农户不在本次行动的范围内",
    "method": "电话、微信排查只用于有外出务工成员的农户",
}


def _label(enum: Any, value: Any) -> str:
    try:
        return str(enum(value).label)
    except ValueError:
        return str(value or "")


def _refusal(request: Request, sess: Any) -> HTMLResponse | None:
    """运维 and 管理员 see no household; a 帮扶责任人 reaches their own households through their cases ("一对一"), as
    in the API, never the area's list or another household's card."""
    if sess.actor.role in NO_PERSONAL_DATA_ROLES or sess.actor.role is Role.RESPONSIBLE_PERSON:
        message = f"{sess.actor.role.label}不查看农户名册。请从工作台进入您负责的案件。"
        return _page(request, "refused.html", 403, sess=sess, message=message)
    return None


@router.get("")
async def households(request: Request, sess: SessionDep, svc: ServicesDep, q: str = "") -> HTMLResponse:
    refused = _refusal(request, sess)
    if refused is not None:
        return refused
    q = q.strip()[:40]
    rows = await run_in_threadpool(svc.registry.households, [sess.actor.area_code], LISTED, 0)
    found = [r for r in rows if not q or q in r["household_number"] or q in (r.get("head_name") or "")]
    await record_read(svc, sess.actor, request, what="household_list", target=sess.actor.area_code, village_code="")
    return _page(request, "households.html", sess=sess, q=q, rows=seen_by(sess.actor.role, found[:100]))


async def _card(
    request: Request, sess: Any, svc: Any, number: str, status: int = 200, failed: dict[str, Any] | None = None
) -> HTMLResponse:
    refused = _refusal(request, sess)
    if refused is not None:
        return refused
    try:
        household = await run_in_threadpool(svc.registry.household, number)
    except DomainError:
        household = None
    if household is None or not sees(sess.actor, household["village_code"]):
        return _page(request, "refused.html", 404, sess=sess, message="没有找到该农户，或不在您的辖区内。")
    await record_read(svc, sess.actor, request, what="household", target=number, village_code=household["village_code"])
    household = {**household, "members": [{**m, "relation_label": _label(Relation, m.get("relation"))}
                                          for m in household["members"]]}  # fmt: skip
    inputs = forms.inputs(ScreeningRequest) if sess.actor.role in OPEN_ROLES else []
    inputs = [i for i in inputs if i.name != "campaign_id"]
    if failed:
        for item in inputs:
            item.error = failed["fields"].get(item.name, "")
            item.value = failed["values"].get(item.name, item.value)
    return _page(
        request, "household.html", status, sess=sess, household=seen_by(sess.actor.role, household), inputs=inputs,
        key=failed["key"] if failed else uuid.uuid4().hex, message=failed["message"] if failed else "",
        done=request.query_params.get("done", "")[:40],
    )  # fmt: skip


@router.get("/{number}")
async def household_card(request: Request, number: str, sess: SessionDep, svc: ServicesDep) -> HTMLResponse:
    return await _card(request, sess, svc, number)


@router.post("/{number}/screenings")
async def screen(request: Request, number: str, sess: SessionDep, svc: ServicesDep) -> Response:
    form = await request.form()
    _check_csrf(sess, form)
    key = str(form.get("idempotency_key", ""))
    if not _KEY.match(key):
        raise ApiProblem("RuleViolationError", "表单已过期，请刷新页面后重试", field="idempotency_key", rule="format")
    values = {k: str(form.get(k) or "") for k in form}
    failed: dict[str, Any] = {"key": key, "values": values, "fields": {}, "message": ""}
    data = forms.body_of(ScreeningRequest, form, {k: [str(v) for v in form.getlist(k)] for k in form})
    household = await run_in_threadpool(svc.registry.household, number)
    campaign = await run_in_threadpool(running_campaign, svc, household["village_code"], local_date(_now()))
    if campaign is not None:
        data["campaign_id"] = str(campaign["campaign_id"])  # the screening counts for the campaign running there
    try:
        body = ScreeningRequest.model_validate(data)
    except ValidationError as e:
        failed["fields"], failed["message"] = forms.field_errors(e), "请按提示修改后再提交。"
        return await _card(request, sess, svc, number, 422, failed)
    try:
        result = await record_screening(number, body, sess.actor, f"{sess.actor.id}:{key}", svc)
    except (ApiProblem, DomainError) as e:
        problem = ApiProblem.of(e) if isinstance(e, DomainError) else e
        if problem.status in (403, 404, 503):
            raise
        hint = SCREENING_MESSAGES.get(problem.rule) or RULE_HINTS.get(problem.rule) or problem.detail
        failed["fields"] = {problem.field: hint}
        failed["message"] = "未能记录：" + hint
        return await _card(request, sess, svc, number, problem.status, failed)
    if result.case is not None:
        return RedirectResponse(f"/console/cases/{result.case['case_id']}?done=screening", status_code=303)
    return RedirectResponse(f"/console/households/{number}?done=screening", status_code=303)
