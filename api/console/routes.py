"""The console's pages: sign-in, the workbench (工作台) of cases waiting for the user, the case card with its
timeline and the forms of the steps the user may take now, and the step's submission.

A page reads and writes through the same functions as the JSON API (``api.cases``): the same scoping (another
village's case is unknown here too), the same access log, the same signed commands, receipts and idempotency (each
rendered form carries its own Idempotency-Key, so a double click or a resubmitted form records one step).
"""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, get_args

import structlog
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, TypeAdapter, ValidationError

from api.cases import case_history, take_step
from api.console import forms, session
from api.deps import Services, services
from api.errors import ApiProblem
from domain.campaigns.rules import behind_pace, screening_running
from domain.cases.rules.identification import NOTICE_STATUSES
from domain.cases.timeline import timeline as timeline_of
from domain.cases.values import MeasureStatus, NoticeOutcome
from domain.kernel.actors import Actor, Role
from domain.kernel.errors import DomainError, ErrorKind, kind_of
from domain.kernel.labels import label_of
from domain.kernel.messages import KIND_MESSAGES, message_zh
from domain.kernel.permissions import check_actor_level
from domain.kernel.privacy import NO_PERSONAL_DATA_ROLES, seen_by
from domain.kernel.steps import Step
from domain.kernel.time import SHANGHAI, local_date
from domain.registry.figures import CHANGE_LABELS
from domain.registry.values import Relation
from workflows.cases.contracts import STEP_BODIES
from workflows.ops.service import DUE_SOON_DAYS

router = APIRouter(prefix="/console", include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def beijing(moment: Any) -> str:
    """A recorded time as people read it: Beijing time to the minute."""
    if not moment:
        return ""
    when = datetime.fromisoformat(str(moment)) if not isinstance(moment, datetime) else moment
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


templates.env.filters["beijing"] = beijing
log = structlog.get_logger("dixian.console")

# Pages load their style sheet and their one script (console.js) from the console itself: no inline script, no other
# origin.
CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
HOME_CASES = 60  # open cases of the area read for the workbench, newest first
# Steps whose every choice cannot be taken back: the form asks for an explicit confirmation.
CONFIRMED = frozenset({Step.TOWNSHIP_REVIEW, Step.COUNTY_DECISION, Step.ELIMINATION_PROPOSAL, Step.ROLLBACK_DECISION})
CONFIRM_ALL = "确认提交（提交后不能撤销）"
# Forms with one such choice among others, and what their confirmation says: the household's refusal of the
# authorisation ends the identification; a notice closed with objections sends the case back or out.
CONFIRMED_CHOICE: dict[tuple[Step, str | None], str] = {
    (Step.HOUSEHOLD_VISIT, None): "农户拒签《承诺授权书》的，请勾选确认（拒签将结束本次认定，提交后不能撤销）",
    (Step.PUBLIC_NOTICE, "close"): "公示有异议（重新评议或不予纳入）的，请勾选确认（提交后不能撤销）",
}


def needs_confirmation(step: Step, action: str | None, values: dict[str, str]) -> bool:
    """Whether this submission makes a choice that cannot be taken back (and so must be confirmed)."""
    if step in CONFIRMED:
        return True
    if step is Step.HOUSEHOLD_VISIT:
        return values.get("authorisation_signed") == "false"
    if step is Step.PUBLIC_NOTICE and action == "close":
        return values.get("outcome", "") not in ("", NoticeOutcome.NO_OBJECTION.value)
    return False


class SignInRequired(Exception):
    """No valid session: the page sends the person to sign in."""


def _now() -> datetime:
    return datetime.now(UTC)


def _key(svc: Services) -> bytes:
    return session.session_key(svc.signer)


def _page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, {"request": request, **context}, status_code=status)
    response.headers["Content-Security-Policy"] = CSP
    return response


def dev_sign_in(svc: Services) -> bool:
    """Choosing a user from a list is for the embedded default only, never production or an identity provider."""
    return not svc.settings.production and svc.oidc is None and svc.token_secret is not None


async def current_session(request: Request, svc: Annotated[Services, Depends(services)]) -> session.Session:
    found = session.read(_key(svc), request.cookies.get(session.COOKIE), _now())
    if found is None:
        raise SignInRequired
    try:
        check_actor_level(found.actor)
        await run_in_threadpool(svc.accounts.check, found.actor, found.issued_at)
    except DomainError:
        raise SignInRequired from None
    structlog.contextvars.bind_contextvars(actor=found.actor.id, role=found.actor.role.value)
    request.state.actor_role = found.actor.role
    return found


SessionDep = Annotated[session.Session, Depends(current_session)]
ServicesDep = Annotated[Services, Depends(services)]


def _check_csrf(sess: session.Session, form: Any) -> None:
    if not secrets.compare_digest(str(form.get("csrf", "")), sess.csrf):
        raise ApiProblem("NotPermittedError", "表单已过期，请刷新页面后重试", field="csrf", rule="csrf")


# ----- sign-in ------------------------------------------------------------------------------------------------------


@router.get("/login")
async def login_page(request: Request, svc: ServicesDep) -> HTMLResponse:
    users: list[dict[str, Any]] = []
    if dev_sign_in(svc):
        everyone = await run_in_threadpool(svc.accounts.accounts, svc.registry.areas.county().code)
        users = [u for u in everyone if not u["disabled"]]
    from api.console.oidc import configured

    token = secrets.token_urlsafe(24)
    response = _page(request, "login.html", users=users, dev=dev_sign_in(svc), login_csrf=token, oidc=configured(svc),
                     message="")  # fmt: skip
    response.set_cookie(session.LOGIN_COOKIE, token, max_age=900, path=session.PATH, httponly=True, samesite="lax",
                        secure=svc.settings.production)  # fmt: skip
    return response


@router.post("/login")
async def login(request: Request, svc: ServicesDep) -> Response:
    form = await request.form()
    expected = request.cookies.get(session.LOGIN_COOKIE, "")
    if not expected or not secrets.compare_digest(str(form.get("login_csrf", "")), expected):
        return RedirectResponse("/console/login", status_code=303)
    if not dev_sign_in(svc):
        raise ApiProblem("NotPermittedError", "请通过统一身份认证登录", field="user_id", rule="identity_provider")
    actor = await run_in_threadpool(svc.accounts.active, str(form.get("user_id", "")))
    if actor is None:
        return RedirectResponse("/console/login", status_code=303)
    cookie, _ = session.issue(_key(svc), actor, _now())
    response = RedirectResponse("/console", status_code=303)
    response.set_cookie(session.COOKIE, cookie, max_age=int(session.TTL.total_seconds()), path=session.PATH,
                        httponly=True, samesite="lax", secure=svc.settings.production)  # fmt: skip
    response.delete_cookie(session.LOGIN_COOKIE, path=session.PATH)
    log.info("console_signed_in", actor=actor.id)
    return response


@router.post("/logout")
async def logout(request: Request, sess: SessionDep) -> Response:
    _check_csrf(sess, await request.form())
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(session.COOKIE, path=session.PATH)
    return response


# ----- the workbench ------------------------------------------------------------------------------------------------


def _days_left(due: date | None, today: date) -> int | None:
    """Calendar days from today to a deadline's day (negative: late), in Shanghai's calendar."""
    return None if due is None else (due - today).days


def area_cases(svc: Services, actor: Actor, now: datetime) -> list[tuple[dict[str, Any], Any]]:
    """The newest open cases of the user's area (a 帮扶责任人's own), each with its view now: read in one go, on one
    worker thread, by the workbench and the batch review alike."""
    filters = {"responsible_user": actor.id} if actor.role is Role.RESPONSIBLE_PERSON else {}
    rows = svc.summaries.search(area_prefix=actor.area_code, filters=filters, limit=HOME_CASES, offset=0)
    return [(row, svc.queries.view(uuid.UUID(str(row["case_id"])), now)) for row in rows]


def _waiting(actor: Actor, view: Any) -> list[str]:
    """The labels of the steps of this case the user's role may take now."""
    return [a["label"] for a in view["allowed_steps"] if actor.role.value in a["roles"]]


@router.get("")
async def home(request: Request, sess: SessionDep, svc: ServicesDep) -> Response:
    actor, now = sess.actor, _now()
    if actor.role is Role.DEPARTMENT:  # a department's work is its alerts
        return RedirectResponse("/console/alerts", status_code=303)
    today = local_date(now)
    items: list[dict[str, Any]] = []
    mine: list[dict[str, Any]] = []  # a 帮扶责任人's households, with their plans and measures due
    if actor.role not in NO_PERSONAL_DATA_ROLES:
        for row, view in await run_in_threadpool(area_cases, svc, actor, now):
            if actor.role is Role.RESPONSIBLE_PERSON:
                mine.append(_assisted(actor, row, view, today))
            steps = _waiting(actor, view)
            if not steps:
                continue
            nxt: dict[str, Any] = dict(view.get("next_deadline") or {})
            left = _days_left(nxt.get("due_date"), today)
            items.append({
                "case_id": str(row["case_id"]), "household": seen_by(actor.role, view["household"]),
                "village": row["village_code"], "stage_label": view["stage_label"], "steps": steps,
                "deadline_label": nxt.get("label", ""), "days_left": left,
                "overdue": left is not None and left < 0, "due_soon": left is not None and 0 <= left <= DUE_SOON_DAYS,
            })  # fmt: skip
    items.sort(key=lambda i: (i["days_left"] is None, i["days_left"] if i["days_left"] is not None else 0))
    campaign, unscreened = await run_in_threadpool(_unscreened, svc, actor, today)
    notices = await run_in_threadpool(_notices_running, svc, actor)
    villages = await run_in_threadpool(_villages_behind, svc, actor, campaign, today)
    return _page(request, "home.html", sess=sess, items=items, today=today, campaign=campaign, unscreened=unscreened,
                 notices=notices, villages=villages, mine=mine,
                 area_name=svc.registry.areas.name(actor.area_code))  # fmt: skip


def _villages_behind(svc: Services, actor: Actor, campaign: dict[str, Any] | None, today: date) -> list[dict[str, Any]]:
    """For the township: each village of the running campaign with households not yet screened, the least covered
    first, those behind the campaign's pace marked (domain.campaigns.rules.behind_pace)."""
    if campaign is None or actor.role is not Role.TOWNSHIP_REVIEWER:
        return []
    rows = svc.registry.view.coverage(campaign_id=str(campaign["campaign_id"]), area_prefixes=[actor.area_code])
    out = []
    for r in rows:
        households, screened = int(r["households"]), int(r["screened_households"])
        if screened >= households:
            continue
        out.append({
            "village": svc.registry.areas.name(r["village_code"]), "households": households,
            "screened": screened, "percent": 100 * screened // households,
            "behind": behind_pace(screened=screened, households=households, starts_on=campaign["starts_on"],
                                  due_on=campaign["due_on"], today=today),
        })  # fmt: skip
    return sorted(out, key=lambda v: (not v["behind"], v["percent"], v["village"]))


def _assisted(actor: Actor, row: dict[str, Any], view: Any, today: date) -> dict[str, Any]:
    """One of a 帮扶责任人's households: its case's stage, plan and measures, and every deadline still running with
    its days left (the plan within 10 days, the measures within 15: domain.cases.rules.deadlines)."""
    due = []
    for d in view["deadlines"]:
        if d["met_on"] is None and not d["closed"]:
            left = _days_left(d["due_date"], today)
            due.append({"label": d["label"], "days_left": left, "overdue": left is not None and left < 0,
                        "due_soon": left is not None and 0 <= left <= DUE_SOON_DAYS})  # fmt: skip
    return {
        "case_id": str(row["case_id"]), "household": seen_by(actor.role, view["household"]),
        "stage_label": view["stage_label"], "plan": bool(view["plan"]),
        "measures": sum(1 for m in view["measures"] if m.get("status") == MeasureStatus.IMPLEMENTED.value),
        "measures_total": len(view["measures"]), "due": sorted(due, key=lambda d: d["days_left"] or 0),
    }  # fmt: skip


def _notices_running(svc: Services, actor: Actor) -> list[dict[str, Any]]:
    """The village notices (公示) running in the area, identification and elimination alike, for the village and the
    township that watch them (the full list with its columns: /notices)."""
    if actor.role not in (Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER):
        return []
    found = []
    for procedure, statuses in NOTICE_STATUSES.items():
        for status in statuses:
            rows = svc.summaries.search(area_prefix=actor.area_code, filters={"status": status.value}, limit=50,
                                        offset=0)  # fmt: skip
            for r in rows:
                found.append({"case_id": str(r["case_id"]), "household_number": r["household_number"],
                              "village": svc.registry.areas.name(r["village_code"]), "procedure": procedure.label,
                              "status_label": status.label, "notice_due": r.get("notice_due")})  # fmt: skip
    return sorted(found, key=lambda n: (str(n["notice_due"] or ""), n["household_number"]))


def running_campaign(svc: Services, area_code: str, today: Any) -> dict[str, Any] | None:
    """The campaign whose 全面排查 (screening) phase is running over the area today, if any: a screening recorded in
    the console counts for it."""
    far = today + timedelta(days=3660)
    return screening_running(svc.registry.view.milestones(area_prefix=area_code, due_before=far, due_from=today), today)


UNSCREENED_SHOWN = 30  # households listed on the workbench; the household list has them all


def _unscreened(svc: Services, actor: Actor, today: Any) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The campaign whose 全面排查 is still running in the user's area, and its households there not yet screened
    (for those who screen: village and township; 驻村干部)."""
    if actor.role not in (Role.VILLAGE_CADRE, Role.RESIDENT_CADRE, Role.TOWNSHIP_REVIEWER):
        return None, []
    campaign = running_campaign(svc, actor.area_code, today)
    if campaign is None:
        return None, []
    rows = svc.registry.view.unscreened(
        campaign_id=str(campaign["campaign_id"]), area_prefixes=[actor.area_code], limit=UNSCREENED_SHOWN
    )
    return campaign, seen_by(actor.role, rows)


# ----- the case card ------------------------------------------------------------------------------------------------


def _variants(step: Step) -> dict[str | None, type[BaseModel]]:
    """A step's body, or its bodies by action for a step of several (公示: post, objection, close; 措施: …)."""
    body = STEP_BODIES[step]
    union = get_args(body)[0] if get_args(body) else None
    if union is None or isinstance(body, type):
        return {None: body}
    out: dict[str | None, type[BaseModel]] = {}
    for variant in get_args(union):
        (literal,) = get_args(variant.model_fields["action"].annotation)
        out[str(literal.value)] = variant
    return out


def _forms(actor: Actor, view: Any, errors: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The forms of the steps this user may take now, each with its own Idempotency-Key."""
    out = []
    for allowed in view["allowed_steps"]:
        if actor.role.value not in allowed["roles"]:
            continue
        step = Step(allowed["step"])
        variants = _variants(step)
        for action in allowed["actions"] or [None]:
            model = variants.get(action) or variants.get(None)
            if model is None:
                continue
            failed = errors if errors and errors.get("step") == step.value and errors.get("action") == action else None
            inputs = forms.inputs(model)
            if failed:
                forms.refill(inputs, failed["values"], failed.get("multi", {}), failed["fields"])
            title = allowed["label"] + (f"：{_action_label(model, action)}" if action else "")
            out.append({
                "step": step.value, "action": action, "title": title, "inputs": inputs,
                "key": failed["key"] if failed else uuid.uuid4().hex,
                "confirm": CONFIRM_ALL if step in CONFIRMED else CONFIRMED_CHOICE.get((step, action), ""),
                "message": failed["message"] if failed else "",
            })  # fmt: skip
    return out


def _action_label(model: type[BaseModel], action: str) -> str:
    (literal,) = get_args(model.model_fields["action"].annotation)
    return str(getattr(literal, "label", action)) or action


async def _card(
    request: Request, sess: session.Session, svc: Services, case_id: str, status: int = 200,
    errors: dict[str, Any] | None = None, done: str = "",
) -> HTMLResponse:  # fmt: skip
    actor = sess.actor
    if actor.role in NO_PERSONAL_DATA_ROLES:
        raise ApiProblem("NotPermittedError", f"{actor.role.label}不查看案件", field="role", rule="role_scope")
    view, records = await case_history(svc, actor, case_id, request)
    story = timeline_of(records, view, svc.registry.areas)
    today = local_date(_now())
    deadlines = []
    for d in story["deadlines"]:
        left = _days_left(d["due_date"], today) if not d["met_on"] else None
        deadlines.append({**d, "days_left": left})
    since = seen_by(actor.role, await run_in_threadpool(svc.queries.registry_now, view, actor.role))
    return _page(
        request, "case.html", status, sess=sess, view=seen_by(actor.role, view), events=seen_by(actor.role,
        story["events"]), deadlines=deadlines, forms=_forms(actor, view, errors), done=done, registry_now=since,
        change_labels=CHANGE_LABELS, relation_label=lambda v: label_of(Relation, v),
    )  # fmt: skip


@router.get("/cases/{case_id}")
async def case_card(request: Request, case_id: str, sess: SessionDep, svc: ServicesDep, done: str = "") -> HTMLResponse:
    try:
        return await _card(request, sess, svc, case_id, done=done[:40])
    except (ApiProblem, DomainError) as e:
        problem = ApiProblem.of(e) if isinstance(e, DomainError) else e
        if problem.status == 503:
            raise
        # Another area's case is as unknown here as in the API: one message, whatever the reason.
        message = (
            "没有找到该案件，或不在您的辖区内。" if problem.status in (403, 404) else KIND_MESSAGES[ErrorKind.CONFLICT]
        )
        return _page(request, "refused.html", problem.status, sess=sess, message=message)


@router.post("/cases/{case_id}/steps/{step_name}")
async def submit_step(request: Request, case_id: str, step_name: str, sess: SessionDep, svc: ServicesDep) -> Response:
    form = await request.form()
    _check_csrf(sess, form)
    try:
        step = Step(step_name)
    except ValueError:
        raise ApiProblem("NotFoundError", "没有这个环节", field="step", rule="known_step") from None
    action = str(form.get("action", "")) or None
    key = str(form.get("idempotency_key", ""))
    if not _KEY.match(key):
        raise ApiProblem("RuleViolationError", "表单已过期，请刷新页面后重试", field="idempotency_key", rule="format")
    variants = _variants(step)
    model = variants.get(action) or variants.get(None)
    if model is None:
        raise ApiProblem("RuleViolationError", "没有这个操作", field="action", rule="known_action")
    values = {k: str(form.get(k) or "") for k in form}
    multi = {k: [str(v) for v in form.getlist(k)] for k in form}
    data = forms.body_of(model, form, multi)
    failed: dict[str, Any] = {"step": step.value, "action": action, "key": key, "values": values, "multi": multi,
                              "fields": {}, "message": ""}  # fmt: skip
    if needs_confirmation(step, action, values) and form.get("confirmed") != "yes":
        failed["fields"] = {"confirmed": "请确认"}
        failed["message"] = "此选择提交后不能撤销，请勾选表单下方的确认后再提交。"
        return await _card(request, sess, svc, case_id, 422, failed)
    try:
        body = TypeAdapter(STEP_BODIES[step]).validate_python(data)
    except ValidationError as e:
        failed["fields"] = forms.field_errors(e)
        failed["message"] = "请按提示修改后再提交。"
        return await _card(request, sess, svc, case_id, 422, failed)
    try:
        await take_step(step, case_id, body, sess.actor, f"{sess.actor.id}:{key}", None, svc, Response())
    except (ApiProblem, DomainError) as e:
        problem = ApiProblem.of(e) if isinstance(e, DomainError) else e
        if problem.status == 404:
            raise
        hint = refusal_zh(e, problem)
        at_field = problem.field in values or problem.field in {i.name for i in forms.inputs(model)}
        failed["fields"] = {problem.field: hint} if at_field else {}
        failed["message"] = hint if not at_field else "未能办理：" + hint + " 修改后请再提交。"
        # Nothing was recorded, but Temporal keeps the refused update's id: the corrected form is a new command.
        failed["key"] = uuid.uuid4().hex
        log.info("console_step_refused", step=step.value, rule=problem.rule, status=problem.status)
        return await _card(request, sess, svc, case_id, problem.status, failed)
    return RedirectResponse(f"/console/cases/{case_id}?done={step.value}", status_code=303)


def refused_page(
    request: Request, sess: session.Session, error: ApiProblem | DomainError, status: int | None = None, back: str = ""
) -> HTMLResponse:
    """A refusal as a page, in the domain's Chinese words (an unavailable part of the stack is raised: 503)."""
    problem = ApiProblem.of(error) if isinstance(error, DomainError) else error
    if problem.status == 503:
        raise problem
    return _page(request, "refused.html", status or problem.status, sess=sess, message=refusal_zh(error, problem),
                 back=back)  # fmt: skip


def refusal_zh(error: Exception, problem: ApiProblem) -> str:
    """A refusal said in Chinese to the person at the form: what the rule means and what to do next
    (domain.kernel.messages, the same words as the API's problem details)."""
    kind = error.kind if isinstance(error, DomainError) else kind_of(problem.type)
    return message_zh(problem.rule, kind, problem.detail)


def install(app: FastAPI) -> None:
    """The console's pages, its style sheet, and the sign-in its pages send a person to."""
    # their pages build on this module's
    from api.console import (
        admin,
        approvals,
        campaigns,
        discovery,
        households,
        imports,
        inspection,
        oidc,
        operations,
        reports,
    )

    app.include_router(router)
    app.include_router(discovery.public)
    for module in (oidc, approvals, admin, households, imports, reports, campaigns, inspection, operations, discovery):
        app.include_router(module.router)
    app.mount("/console/static", StaticFiles(directory=Path(__file__).parent / "static"), name="console-static")

    @app.exception_handler(SignInRequired)
    async def _sign_in(_: Request, __: SignInRequired) -> Response:
        return RedirectResponse("/console/login", status_code=303)

    @app.get("/", include_in_schema=False)
    async def _root() -> Response:
        return RedirectResponse("/console", status_code=303)


__all__ = ["install"]
