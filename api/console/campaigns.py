"""百日攻坚: the campaigns over the user's area; one campaign's milestones (due when, recorded or not, what each found
missing) and its progress by village (households and persons screened, by 入户/电话/微信; at risk; cases in
identification; 应纳未纳), with the households not screened yet; and the form by which a township or the county
starts a campaign (seed plan §三: 全面排查, 履行程序, 定期调度).

Every read and write goes through the JSON API's own functions (``api.campaigns``): the same scoping (a campaign
outside the user's area is not found), the same access log, and the same idempotency: the form carries its own
Idempotency-Key and the campaign's id derives from it, so a form sent twice starts one campaign.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup
from pydantic import ValidationError

from api.campaigns import coverage, get_campaign, start_campaign
from api.console import charts, forms
from api.console.routes import _KEY, ServicesDep, SessionDep, _check_csrf, _now, _page, refusal_zh
from api.deps import Services, check_route, record_read
from api.errors import ApiProblem
from domain.campaigns.rules import behind_pace, default_milestones
from domain.campaigns.values import Milestone, ScreeningMethod
from domain.campaigns.views import CampaignView
from domain.cases.values import case_id_for_command
from domain.kernel.actors import Actor
from domain.kernel.areas import AreaLevel, contains
from domain.kernel.errors import DomainError, ErrorKind
from domain.kernel.messages import message_zh
from domain.kernel.permissions import check_may_run_campaign
from domain.kernel.privacy import seen_by
from domain.kernel.time import local_date
from workflows.campaigns.contracts import CampaignRequest

router = APIRouter(prefix="/console/campaigns", include_in_schema=False)
UNSCREENED_SHOWN = 1000  # households listed as not yet screened (the counts are whole)
NOT_FOUND = "没有找到该行动，或不在您的辖区内。"
LEVEL_WHOLE = {AreaLevel.COUNTY: "全县", AreaLevel.TOWNSHIP: "全乡"}
MISSING_KINDS = {  # what a milestone records as not done, by the seed's words
    "unscreened": "未排查农户",
    "look_backs_not_done": "回头看未完成",
    "cases_in_identification": "仍在识别中",
    "not_monitored": "应纳未纳",
}


# ----- who may see and start ------------------------------------------------------------------------------------


def _refusal(request: Request, sess: Any) -> HTMLResponse | None:
    """The roles the API confines elsewhere (运维, 管理员: no personal data; 帮扶责任人: their own households) are
    refused here as there, in the same words."""
    try:
        check_route(sess.actor, "/campaigns/{campaign_id}")
    except ApiProblem as e:
        return _page(request, "refused.html", 403, sess=sess, message=message_zh(e.rule, ErrorKind.FORBIDDEN))
    return None


def may_start(actor: Actor) -> bool:
    """Whether the user's role may start a campaign (the domain's rule, asked without a scope)."""
    try:
        check_may_run_campaign(actor, [])
    except DomainError:
        return False
    return True


def _name(svc: Any, code: str) -> str:
    return str(svc.registry.areas.name(code))


# ----- the list ---------------------------------------------------------------------------------------------------


def _phase(campaign: dict[str, Any], today: date) -> str:
    milestones = campaign["milestones"]
    if today < campaign["starts_on"]:
        return "未开始"
    if milestones and (all(m["passed_at"] for m in milestones) or today > milestones[-1]["due_on"]):
        return "已结束"
    running = next((m for m in milestones if today <= m["due_on"]), None)
    return f"{Milestone(running['milestone']).label}阶段" if running else "进行中"


@router.get("")
async def campaigns(request: Request, sess: SessionDep, svc: ServicesDep) -> HTMLResponse:
    refused = _refusal(request, sess)
    if refused is not None:
        return refused
    actor, today = sess.actor, local_date(_now())
    rows = await run_in_threadpool(svc.campaigns.campaigns_over, actor.area_code)
    await record_read(svc, actor, request, what="campaign_list", target=actor.area_code, village_code="")
    shown = []
    for c in rows:
        milestones = [{**m, "label": Milestone(m["milestone"]).label, "due": m["due_on"] < today}
                      for m in c["milestones"]]  # fmt: skip
        shown.append({**c, "milestones": milestones, "phase": _phase(c, today),
                      "scope_names": [_name(svc, code) for code in c["scope"]]})  # fmt: skip
    return _page(request, "campaigns.html", sess=sess, campaigns=shown, may_start=may_start(actor), today=today,
                 area_name=_name(svc, actor.area_code))  # fmt: skip


# ----- starting a campaign ----------------------------------------------------------------------------------------


def _scope_choices(svc: Any, actor: Actor) -> dict[str, Any]:
    """The areas of the user's area a campaign may cover, as the form offers them: the whole area, and each township
    (for the county) with its villages and relocation sites."""
    inside = sorted((a for a in svc.registry.areas.all() if contains(actor.area_code, a.code)), key=lambda a: a.code)
    own = next((a for a in inside if a.code == actor.area_code), None)
    townships = [a for a in inside if a.level is AreaLevel.TOWNSHIP]
    groups = [
        {"township": t if t.code != actor.area_code else None,
         "villages": [v for v in inside if v.level is AreaLevel.VILLAGE and contains(t.code, v.code)]}
        for t in townships
    ]  # fmt: skip
    whole = {"code": own.code, "name": f"{own.name}（{LEVEL_WHOLE.get(own.level, '全部')}）"} if own else None
    return {"whole": whole, "groups": [g for g in groups if g["township"] or g["villages"]]}


def _form_values(svc: Any, actor: Actor, today: date) -> dict[str, Any]:
    """A new form: the whole area, starting today, with the seed's milestones of the coming spring."""
    defaults = default_milestones(today)
    year = defaults[Milestone.SCREENING_DONE].year
    return {
        "name": f"{_name(svc, actor.area_code)}{year}年防止返贫监测帮扶百日攻坚行动",
        "scope": [actor.area_code],
        "starts_on": today.isoformat(),
        **{f"milestones.{m.value}": d.isoformat() for m, d in defaults.items()},
    }


def _new_page(
    request: Request, sess: Any, svc: Any, status: int = 200, *, values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None, message: str = "", key: str = "",
) -> HTMLResponse:  # fmt: skip
    today = local_date(_now())
    defaults = default_milestones(today)
    return _page(
        request, "campaign_new.html", status, sess=sess, choices=_scope_choices(svc, sess.actor),
        values=values or _form_values(svc, sess.actor, today), errors=errors or {}, message=message,
        key=key or uuid.uuid4().hex, milestones=[(m.value, m.label, defaults[m]) for m in Milestone],
    )  # fmt: skip


def _start_refused(request: Request, sess: Any) -> HTMLResponse | None:
    refused = _refusal(request, sess)
    if refused is None and not may_start(sess.actor):
        refused = _page(request, "refused.html", 403, sess=sess, message=message_zh("campaign_role"))
    return refused


@router.get("/new")
async def new_campaign(request: Request, sess: SessionDep, svc: ServicesDep) -> HTMLResponse:
    return _start_refused(request, sess) or _new_page(request, sess, svc)


def _posted(form: Any) -> dict[str, Any]:
    """What the form says, as the API's request body: milestones left empty take the seed's dates of the start."""
    milestones = {m.value: str(form.get(f"milestones.{m.value}") or "").strip() for m in Milestone}
    body: dict[str, Any] = {
        "name": str(form.get("name") or "").strip(),
        "scope": [str(v) for v in form.getlist("scope")],
        "starts_on": str(form.get("starts_on") or "").strip() or None,
    }
    if any(milestones.values()):
        body["milestones"] = {m: d or None for m, d in milestones.items()}
    return body


def _campaign_id(command_id: str) -> uuid.UUID:
    return case_id_for_command(f"campaign:{command_id}")  # as the API derives it (api.campaigns.start_campaign)


def _started(svc: Services, command_id: str) -> bool:
    """Whether the campaign of this command exists (started by a request sent at the same moment: its id derives
    from the user's own command id, so no one else's command can have started it)."""
    try:
        svc.campaigns.campaign(_campaign_id(command_id))
    except DomainError:
        return False
    return True


@router.post("")
async def start(request: Request, sess: SessionDep, svc: ServicesDep) -> Response:
    form = await request.form()
    _check_csrf(sess, form)
    refused = _start_refused(request, sess)
    if refused is not None:
        return refused
    key = str(form.get("idempotency_key", ""))
    if not _KEY.match(key):
        raise ApiProblem("RuleViolationError", "表单已过期，请刷新页面后重试", field="idempotency_key", rule="format")
    values: dict[str, Any] = {k: str(form.get(k) or "") for k in form}
    values["scope"] = [str(v) for v in form.getlist("scope")]
    try:
        body = CampaignRequest.model_validate(_posted(form))
    except ValidationError as e:
        errors = forms.field_errors(e)
        if any(k.startswith("milestones.") for k in errors):
            errors.pop("milestones", None)  # said at the milestone's own input
        return _new_page(request, sess, svc, 422, values=values, errors=errors, key=key,
                         message="请按提示修改后再提交。")  # fmt: skip
    command_id = f"{sess.actor.id}:{key}"
    try:
        # The API's own use case: the campaign's id derives from this form's key, so sending it again answers the
        # same campaign (and starts its clock once).
        campaign = await start_campaign(body, sess.actor, command_id, svc, Response())
    except (ApiProblem, DomainError) as e:
        problem = ApiProblem.of(e) if isinstance(e, DomainError) else e
        if problem.status == 409 and await run_in_threadpool(_started, svc, command_id):
            # The same form sent twice at once: the other request started it.
            return RedirectResponse(f"/console/campaigns/{_campaign_id(command_id)}?done=started", status_code=303)
        hint = refusal_zh(e, problem)
        if problem.field == "role":
            return _page(request, "refused.html", problem.status, sess=sess, message=hint)
        at_field = problem.field in ("name", "scope", "starts_on", "milestones")
        # Nothing was started (or, unavailable, the campaign is kept and its clock starts when this is sent again):
        # the same key either way.
        message = "未能发起，请按提示修改后再提交。" if at_field else "未能发起：" + hint
        return _new_page(request, sess, svc, problem.status, values=values, key=key, message=message,
                         errors={problem.field: hint} if at_field else {})  # fmt: skip
    return RedirectResponse(f"/console/campaigns/{campaign['campaign_id']}?done=started", status_code=303)


# ----- one campaign -----------------------------------------------------------------------------------------------


def _village_rows(svc: Any, cov: dict[str, Any], open_work: dict[str, Any], campaign: CampaignView,
                  today: date) -> list[dict[str, Any]]:  # fmt: skip
    """Each village of the coverage (the API's numbers, untouched) with its cases in identification and 应纳未纳, and
    whether its screening is behind the campaign's pace (domain.campaigns.rules.behind_pace)."""
    due = date.fromisoformat(campaign["milestones"][Milestone.SCREENING_DONE.value])
    starts = date.fromisoformat(campaign["starts_on"])
    rows, seen = [], set()
    for v in cov["villages"]:
        code, households, screened = v["village_code"], int(v["households"]), int(v["screened_households"])
        seen.add(code)
        rows.append({
            **v, "name": v["village_name"] or _name(svc, code), **_open_counts(open_work, code),
            "percent": 100 * screened // households if households else 0,
            "behind": behind_pace(screened=screened, households=households, starts_on=starts, due_on=due, today=today),
        })  # fmt: skip
    for code in open_work["by_village"]:  # a village with a case but no household in the roster yet
        if code not in seen:
            rows.append({"village_code": code, "name": _name(svc, code), "households": 0, "persons": 0,
                         "screened_households": 0, "screened_persons": 0, "in_person": 0, "phone": 0, "wechat": 0,
                         "at_risk": 0, "percent": 0, "behind": False, **_open_counts(open_work, code)})  # fmt: skip
    return rows


def _open_counts(open_work: dict[str, Any], code: str) -> dict[str, int]:
    counts = open_work["by_village"].get(code, {})
    return {"in_identification": counts.get("in_identification", 0), "not_monitored": counts.get("not_monitored", 0)}


def _bars(rows: list[dict[str, Any]]) -> Markup:
    return charts.bars(
        "各村全面排查进度（已排查户数/总户数）",
        [charts.Bar(r["name"], r["screened_households"], of=r["households"],
                    note=f"{r['percent']}%" + ("，落后进度" if r["behind"] else ""))
         for r in rows if r["households"]],
        unit="户", value_head="已排查", chart_id="coverage-bars",
    )  # fmt: skip


def _milestones(svc: Any, campaign: CampaignView, today: date) -> list[dict[str, Any]]:
    """Each milestone: its day, whether it has passed and been recorded, and what it found missing by village."""
    out = []
    for m in Milestone:
        due = date.fromisoformat(campaign["milestones"][m.value])
        passed = campaign["passed"].get(m.value)
        villages: dict[str, dict[str, int]] = {}
        kinds: list[str] = []
        if passed is not None:
            missing = passed["missing"]
            kinds = [k for k in MISSING_KINDS if k in missing]
            for village, n in missing.get("unscreened", {}).get("by_village_count", {}).items():
                villages.setdefault(village, {})["unscreened"] = int(n)
            for k in ("look_backs_not_done", "cases_in_identification", "not_monitored"):
                for item in missing.get(k, []):
                    counts = villages.setdefault(item["village_code"], {})
                    counts[k] = counts.get(k, 0) + 1
        out.append({
            "label": m.label, "due_on": due, "days_left": (due - today).days, "passed": passed,
            "kinds": [(k, MISSING_KINDS[k]) for k in kinds],
            "totals": {k: sum(c.get(k, 0) for c in villages.values()) for k in kinds},
            "villages": [{"name": _name(svc, code), **counts} for code, counts in sorted(villages.items())],
        })  # fmt: skip
    return out


def _read(svc: Services, campaign_id: str, area: str) -> dict[str, Any]:
    return svc.campaigns.procedures(uuid.UUID(campaign_id), area, UNSCREENED_SHOWN)


@router.get("/{campaign_id}")
async def campaign_page(request: Request, campaign_id: str, sess: SessionDep, svc: ServicesDep) -> HTMLResponse:
    refused = _refusal(request, sess)
    if refused is not None:
        return refused
    actor, today = sess.actor, local_date(_now())
    try:
        campaign = await get_campaign(campaign_id, actor, svc, request)  # scoped and recorded as the API's
        cov = await coverage(campaign_id, actor, svc, request, UNSCREENED_SHOWN)
        open_work = await run_in_threadpool(_read, svc, campaign["campaign_id"], actor.area_code)
    except (ApiProblem, DomainError) as e:
        problem = ApiProblem.of(e) if isinstance(e, DomainError) else e
        if problem.status != 404:
            raise
        return _page(request, "refused.html", 404, sess=sess, message=NOT_FOUND)
    # The 应纳未纳 list names households: recorded as the API's list of them is.
    await record_read(svc, actor, request, what="not_monitored_list", target=actor.area_code, village_code="")
    rows = _village_rows(svc, cov, open_work, campaign, today)
    totals = {**cov["totals"], "in_identification": sum(r["in_identification"] for r in rows),
              "not_monitored": sum(r["not_monitored"] for r in rows)}  # fmt: skip
    names = {r["village_code"]: r["name"] for r in rows}
    unscreened = seen_by(actor.role, cov["unscreened"])
    by_village: dict[str, list[dict[str, Any]]] = {}
    for h in unscreened:
        by_village.setdefault(h["village_code"], []).append(h)
    look_backs = campaign["look_backs"]
    started_by = seen_by(actor.role, campaign["started_by"])
    return _page(
        request, "campaign.html", sess=sess, campaign=campaign, today=today,
        done=request.query_params.get("done", "")[:20],
        scope_names=[_name(svc, c) for c in campaign["scope"]], own_part=[_name(svc, c) for c in cov["scope"]],
        milestones=_milestones(svc, campaign, today), rows=rows, totals=totals, bars=_bars(rows),
        unscreened=[(names.get(code) or _name(svc, code), hs) for code, hs in by_village.items()],
        unscreened_count=len(unscreened), unscreened_truncated=cov["unscreened_truncated"],
        not_monitored=seen_by(actor.role, open_work["not_monitored"]), names=names,
        not_monitored_truncated=open_work["not_monitored_truncated"],
        look_backs=len(look_backs["case_ids"]) if look_backs else None,
        look_backs_due=look_backs["due_on"] if look_backs else "", started_by=started_by,
        methods=[(m.value, m.label) for m in ScreeningMethod],
    )  # fmt: skip
