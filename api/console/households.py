"""农户: the household list of the user's area (search by head name or household number), the household card
(members, screenings, open cases) and the screening form (排查), through the same use cases as the API: a screening
that finds the household at risk opens its case (干部排查), exactly once however often the form is sent."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import TypeAdapter, ValidationError

from api.console import forms
from api.console.routes import _KEY, ServicesDep, SessionDep, _check_csrf, _now, _page, refusal_zh, running_campaign
from api.deps import record_read
from api.errors import ApiProblem
from api.registry import record_screening
from domain.kernel.actors import Role
from domain.kernel.errors import DamagedRecordError, DomainError
from domain.kernel.labels import label_of
from domain.kernel.permissions import OPEN_ROLES
from domain.kernel.privacy import FULL_VIEW_ROLES, NO_PERSONAL_DATA_ROLES, seen_by, sees
from domain.kernel.time import local_date
from domain.registry.roster import COLUMNS
from domain.registry.values import Relation
from workflows.campaigns.contracts import FindingsBody, ScreeningRequest
from workflows.kernel.contracts import BusinessDate

router = APIRouter(prefix="/console/households", include_in_schema=False)
LISTED = 500  # households of the area read for a search (a village's; a township searches by name or number)


def _refusal(request: Request, sess: Any) -> HTMLResponse | None:
    """运维 and 管理员 see no household; a 帮扶责任人 reaches their own households through their cases ("一对一"), as
    in the API, never the area's list or another household's card."""
    if sess.actor.role in NO_PERSONAL_DATA_ROLES or sess.actor.role is Role.RESPONSIBLE_PERSON:
        message = f"{sess.actor.role.label}不查看农户名册。请从工作台进入您负责的案件。"
        return _page(request, "refused.html", 403, sess=sess, message=message)
    return None


def _village_names(svc: Any, rows: list[dict[str, Any]]) -> dict[str, str]:
    return {code: svc.registry.areas.name(code) for code in {r["village_code"] for r in rows}}


@router.get("")
async def households(request: Request, sess: SessionDep, svc: ServicesDep, q: str = "") -> HTMLResponse:
    refused = _refusal(request, sess)
    if refused is not None:
        return refused
    q = q.strip()[:40]
    rows = await run_in_threadpool(svc.registry.households, [sess.actor.area_code], LISTED, 0)
    found = [r for r in rows if not q or q in r["household_number"] or q in (r.get("head_name") or "")]
    await record_read(svc, sess.actor, request, what="household_list", target=sess.actor.area_code, village_code="")
    shown = seen_by(sess.actor.role, found[:100])
    return _page(request, "households.html", sess=sess, q=q, rows=shown, villages=_village_names(svc, shown),
                 searched="", id_search=sess.actor.role in FULL_VIEW_ROLES)  # fmt: skip


@router.post("/by-id-number")
async def by_id_number(request: Request, sess: SessionDep, svc: ServicesDep) -> Response:
    """A person's ID number finds their household, for the roles that see ID numbers and inside their area. Posted,
    never in a URL (a URL lands in proxies' and servers' logs); the access log records the search as a read of the
    household found, never the number."""
    refused = _refusal(request, sess)
    if refused is not None:
        return refused
    form = await request.form()
    _check_csrf(sess, form)
    id_number = str(form.get("id_number", "")).strip()[:40]
    found = None
    if sess.actor.role in FULL_VIEW_ROLES and id_number:
        found = await run_in_threadpool(svc.registry.household_by_id_number, sess.actor, id_number)
    number, village = found or ("", sess.actor.area_code)
    await record_read(svc, sess.actor, request, what="household_by_id_number", target=number, village_code=village)
    if found is not None:
        return RedirectResponse(f"/console/households/{number}", status_code=303)
    return _page(request, "households.html", 404, sess=sess, q="", rows=[], villages={}, id_search=True,
                 searched="没有找到该证件号码的农户，或不在您的辖区内。请核对号码。")  # fmt: skip


CHANGE_LABELS = {"registered": "登记", "changed": "变更", "screened": "排查"}
HOUSEHOLD_FIELDS = {c.key: c.header for c in COLUMNS if c.household_level} | {"members": "家庭成员"}


def _read_card(svc: Any, number: str) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """The household and what was recorded of it (one worker thread); None when there is no such household."""
    try:
        return svc.registry.household(number), svc.registry.household_changes(number)
    except DamagedRecordError:
        raise  # a damaged record is said as such (never as a household that does not exist)
    except DomainError:
        return None


async def _card(
    request: Request, sess: Any, svc: Any, number: str, status: int = 200, failed: dict[str, Any] | None = None,
    assessment: dict[str, Any] | None = None,
) -> HTMLResponse:  # fmt: skip
    refused = _refusal(request, sess)
    if refused is not None:
        return refused
    try:
        found = await run_in_threadpool(_read_card, svc, number)
    except DamagedRecordError as e:
        return _page(request, "refused.html", 409, sess=sess, message=refusal_zh(e, ApiProblem.of(e)))
    if found is None or not sees(sess.actor, found[0]["village_code"]):
        return _page(request, "refused.html", 404, sess=sess, message="没有找到该农户，或不在您的辖区内。")
    household, changes = found
    await record_read(svc, sess.actor, request, what="household", target=number, village_code=household["village_code"])
    household = {**household, "members": [{**m, "relation_label": label_of(Relation, m.get("relation"))}
                                          for m in household["members"]]}  # fmt: skip
    history = [{**c, "what_label": CHANGE_LABELS[c["what"]], "role_label": label_of(Role, c["actor_role"]),
                "field_labels": [HOUSEHOLD_FIELDS.get(f, f) for f in c["fields"]]} for c in changes]  # fmt: skip
    inputs = forms.inputs(ScreeningRequest) if sess.actor.role in OPEN_ROLES else []
    inputs = [i for i in inputs if i.name != "campaign_id"]
    if failed:
        forms.refill(inputs, failed["values"], failed["multi"], failed["fields"])
    return _page(
        request, "household.html", status, sess=sess, household=seen_by(sess.actor.role, household), inputs=inputs,
        key=failed["key"] if failed else uuid.uuid4().hex, message=failed["message"] if failed else "",
        done=request.query_params.get("done", "")[:40], changes=seen_by(sess.actor.role, history),
        village=svc.registry.areas.name(household["village_code"]), assessment=assessment,
    )  # fmt: skip


def _posted(form: Any, key: str) -> dict[str, Any]:
    """A posted screening form as the card shows it again: what was typed, and where it was refused."""
    multi = {k: [str(v) for v in form.getlist(k)] for k in form}
    return {"key": key, "values": {k: str(form.get(k) or "") for k in form}, "multi": multi, "fields": {},
            "message": ""}  # fmt: skip


@router.post("/{number}/assessment")
async def assessment(request: Request, number: str, sess: SessionDep, svc: ServicesDep) -> Response:
    """The risk assessment of the screening form as it stands, by the rule and policy the screening will be recorded
    with, written nowhere. Asked by the page's script as the cadre types (it answers the fragment), or by the form's
    评估风险 button without a script (it answers the card, the form kept as typed)."""
    form = await request.form()
    _check_csrf(sess, form)
    fragment = request.headers.get("X-Dixian-Fragment") == "1"
    posted = _posted(form, str(form.get("idempotency_key", "")) if _KEY.match(str(form.get("idempotency_key", "")))
                     else uuid.uuid4().hex)  # fmt: skip
    data = forms.body_of(ScreeningRequest, form, posted["multi"])
    result: dict[str, Any] = {}
    try:
        findings = FindingsBody.model_validate(data.get("findings", {}))
        screened_on = TypeAdapter(BusinessDate).validate_python(data.get("screened_on") or local_date(_now()))
        result = await run_in_threadpool(
            lambda: svc.campaigns.assess_screening(number, screened_on, findings, actor=sess.actor)
        )
    except ValidationError as e:
        posted["fields"] = {f"findings.{k}" if k in FindingsBody.model_fields else k: v
                            for k, v in forms.field_errors(e).items()}  # fmt: skip
        result = {"incomplete": "填写有误的项目改正后显示评估结果。"}
    except DomainError as e:
        problem = ApiProblem.of(e)
        if problem.status in (403, 404, 503):
            raise
        result = {"incomplete": refusal_zh(e, problem)}
    if fragment:
        return _page(request, "assessment.html", assessment=result)
    return await _card(request, sess, svc, number, 200, posted, assessment=result)


@router.get("/{number}")
async def household_card(request: Request, number: str, sess: SessionDep, svc: ServicesDep) -> HTMLResponse:
    return await _card(request, sess, svc, number)


def _campaign_of(svc: Any, actor: Any, number: str) -> dict[str, Any] | None:
    """The campaign whose screening runs in the household's village today, if the household is the user's to see
    (else the screening itself refuses it as unknown)."""
    try:
        household = svc.registry.household(number)
    except DomainError:
        return None
    if not sees(actor, household["village_code"]):
        return None
    return running_campaign(svc, household["village_code"], local_date(_now()))


@router.post("/{number}/screenings")
async def screen(request: Request, number: str, sess: SessionDep, svc: ServicesDep) -> Response:
    form = await request.form()
    _check_csrf(sess, form)
    key = str(form.get("idempotency_key", ""))
    if not _KEY.match(key):
        raise ApiProblem("RuleViolationError", "表单已过期，请刷新页面后重试", field="idempotency_key", rule="format")
    failed = _posted(form, key)
    data = forms.body_of(ScreeningRequest, form, failed["multi"])
    campaign = await run_in_threadpool(_campaign_of, svc, sess.actor, number)
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
        hint = refusal_zh(e, problem)
        failed["fields"] = {problem.field: hint}
        failed["message"] = "未能记录：" + hint
        return await _card(request, sess, svc, number, problem.status, failed)
    if result.case is not None:
        return RedirectResponse(f"/console/cases/{result.case['case_id']}?done=screening", status_code=303)
    return RedirectResponse(f"/console/households/{number}?done=screening", status_code=303)
