"""统计报表: the seed's four tables (附件3-1 to 3-4) for an area and a two-week period, in the seed's layout, with
their CSV and XLSX files; the village's sign-off of its report (经村支书、主任审定后，上报乡乡村振兴办公室, seed
§三(三)); and, for the township and the county, which villages have submitted and the tables summed from what they
submitted.

Everything goes through the same service as the JSON API (``workflows.reports.service``, ``api.reports``): the same
default period, the same scoping (who may read what is the API's own ``CONFINED_TO``), the same files, the same
commands with their rules and idempotency (each form carries its own key). Reads are recorded in the access log."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse

from api.console.routes import _KEY, ServicesDep, SessionDep, _check_csrf, _now, _page, refusal_zh
from api.deps import Services, record_read, route_allowed
from api.errors import ApiProblem
from api.reports import table_file
from domain.kernel.actors import Actor, Role
from domain.kernel.areas import AREA_CODE_PATTERN, AreaLevel, level_of
from domain.kernel.errors import DomainError
from domain.kernel.permissions import REPORT_DRAFT_ROLES
from domain.kernel.privacy import area_to_read
from domain.kernel.time import local_date
from domain.reports.tables import Table, row_units
from workflows.reports.files import provenance
from workflows.reports.service import CAPACITY_LABELS, STATUS_LABELS, Period, PeriodKind, ReportRequestError

router = APIRouter(prefix="/console/reports", include_in_schema=False)
RECENT = 8  # the two-week periods the picker offers: the current one and the seven before it
_AREA = re.compile(AREA_CODE_PATTERN)
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
Basis = Literal["events", "submitted"]
BASES = {"events": "按最新数据计算", "submitted": "按各村已上报数"}
DONE = {
    "drafted": "已生成本期报表，请核对后审定。",
    "approved": "已审定，已记录。",
    "submitted": "已上报乡镇，已记录。",
}


api_allows = route_allowed  # the console shows a role exactly what the API would give it


def sees_tables(actor: Actor) -> bool:
    return api_allows(actor.role, "/reports/{table}")


def sees_submissions(actor: Actor) -> bool:
    return api_allows(actor.role, "/reports/submissions")


def sees_stored(actor: Actor) -> bool:
    """Stored reports name who approved and who submitted: not for 运维, 管理员 or 帮扶责任人 (as ``GET /reports``)."""
    return api_allows(actor.role, "/reports/stored/{report_id}")


def _refused(request: Request, sess: Any, message: str, status: int = 403) -> HTMLResponse:
    return _page(request, "refused.html", status, sess=sess, message=message)


def period_label(period: Period, current: Period | None = None) -> str:
    """A period as a cadre reads it: its days, its cycle's number of the plan, and whether it is the current one."""
    days = f"{period.first.isoformat()} 至 {period.last.isoformat()}"
    if period.kind is PeriodKind.CUMULATIVE:
        return f"自方案印发之日累计至第{period.cycle}期 {days}"
    cycle = f"第{period.cycle}期 " if period.cycle else ""
    now = "（本期）" if current is not None and (period.first, period.last) == (current.first, current.last) else ""
    return f"{cycle}{days}{now}"


def period_note(period: Period) -> str:
    """How the period was chosen, said on the page (the rule behind the default: domain.reports.periods)."""
    if period.kind is PeriodKind.PLAN_CYCLE and period.counted_from is not None:
        return f"每两周一期，自方案印发之日 {period.counted_from.isoformat()} 起算。"
    if period.kind is PeriodKind.CUMULATIVE and period.counted_from is not None:
        return f"累计：自方案印发之日 {period.counted_from.isoformat()} 起至第{period.cycle}期末。"
    if period.kind is PeriodKind.DEFAULT_CYCLE:
        return "尚无方案印发日期（没有覆盖本地的排查行动），按默认两周周期统计：每期自周一起至第二周周日。"
    return "自定义起止日期。"


@dataclass
class Chosen:
    """What the page shows: the area, the period and the basis asked for (or their defaults)."""

    scope: str
    spec: str | None
    basis: Basis
    period: Period | None = None
    scopes: list[dict[str, str]] = field(default_factory=list)


def _choose(actor: Actor, scope: str, period: str, first: str, last: str, basis: str) -> Chosen:
    """The query as asked, checked as the API checks it: the area is the reader's or inside it (else NotPermitted,
    ``jurisdiction``); a custom range replaces the picked period."""
    if scope and not _AREA.match(scope):
        raise ApiProblem("RuleViolationError", "范围代码格式不对", field="scope", rule="format")
    area = area_to_read(actor.area_code, scope or None, "scope")
    first, last = first.strip()[:10], last.strip()[:10]
    spec = period.strip()[:40] or None
    if first or last:
        if not (_DAY.match(first) and _DAY.match(last)):
            raise ReportRequestError("give both days of a range as YYYY-MM-DD", "period", "date")
        spec = f"{first}..{last}"
    return Chosen(area, spec, "submitted" if basis == "submitted" else "events")


def _scopes(svc: Services, actor: Actor, scope: str) -> list[dict[str, str]]:
    """The areas the picker offers: the reader's own, the areas right under it, and under the one chosen."""
    areas = svc.registry.areas
    codes = [actor.area_code]
    for parent in dict.fromkeys([actor.area_code, scope]):
        if level_of(parent) not in (AreaLevel.VILLAGE, None):
            codes += [u.code for u in row_units(areas, parent)]
    out = []
    for code in dict.fromkeys(codes):
        area = areas.get(code)
        if area is not None:
            out.append({"code": code, "name": area.name, "level": area.level.label})
    return out


def _village_rows(svc: Services, actor: Actor, scope: str, period: Period) -> dict[str, Any]:
    """Which villages of the area have submitted their report for the period; for those who read stored reports,
    each report's approvals and submission (who, when), read from the ledger for a township or a village."""
    found = svc.reports.submissions(scope, period)
    detailed = sees_stored(actor) and level_of(scope) is not AreaLevel.COUNTY
    for v in found["villages"]:
        v["status_label"] = STATUS_LABELS.get(v["status"], v["status"])
        v["approvals"], v["submitted_by"] = {}, None
        if detailed and v["report_id"]:
            view = svc.reports.stored_report(uuid.UUID(str(v["report_id"])), actor)
            v["approvals"], v["submitted_by"] = view["approvals"], view["submitted"]
    return found


def _signoff(svc: Services, actor: Actor, village: str, period: Period, docs: list[dict[str, Any]]) -> dict[str, Any]:
    """The village's report for the period as stored now, what the reader may do with it, and whether its figures
    are the ones the page shows (a report approves the figures its signatories saw: its own)."""
    view = svc.reports.village_report(village, period, actor)
    signs = actor.role is Role.VILLAGE_CADRE and actor.area_code == village
    out: dict[str, Any] = {"report": view, "signs": signs, "drafts": actor.role in REPORT_DRAFT_ROLES}
    if view is None:
        return out
    shown = {d["table"]: d["rows"][-1]["values"] for d in docs}
    out["same"] = all(shown.get(t) == v for t, v in view["tables"].items())
    out["docs"] = [{**d, "rows": [{**r, "values": view["tables"][d["table"]]} for r in d["rows"]],
                    "provenance": ""} for d in docs]  # fmt: skip
    holders = svc.accounts.office_holders(village)  # offered: the offices the reader holds, not yet approved
    out["capacities"] = [(c, label) for c, label in CAPACITY_LABELS.items()
                         if c not in view["approvals"] and holders.get(c) == actor.id]  # fmt: skip
    out["holders"] = {c: holders.get(c, "") for c in CAPACITY_LABELS}
    out["status_label"] = STATUS_LABELS.get(view["status"], view["status"])
    return out


def _read(svc: Services, actor: Actor, chosen: Chosen) -> dict[str, Any]:
    """Everything the page shows, read on one worker thread."""
    reports, today = svc.reports, local_date(_now())
    period = reports.period(chosen.scope, chosen.spec, today)
    chosen.period = period
    chosen.scopes = _scopes(svc, actor, chosen.scope)
    docs = []
    for table in Table:
        if chosen.basis == "submitted":
            doc = reports.submitted_table(table, chosen.scope, period)
        else:
            doc = reports.table(table, chosen.scope, period)
        width = max(h["col"] + h["cols"] for h in doc["headers"]) - 2  # the figures' columns, after 序号 and 乡镇
        docs.append({**doc, "provenance": provenance(doc), "width": width})
    recent = reports.recent_periods(chosen.scope, today, RECENT)
    current = recent[0]
    same = [p for p in recent if (p.first, p.last) == (period.first, period.last)]
    if same:
        period = chosen.period = same[0]  # a range that is one of the two-week periods is shown as that period
    else:
        recent.insert(0, period)  # a range asked for, offered again as it is
    village = level_of(chosen.scope) is AreaLevel.VILLAGE
    asked = (period.first, period.last)
    periods = [{"spec": p.spec, "label": period_label(p, current), "selected": (p.first, p.last) == asked}
               for p in recent]  # fmt: skip
    return {
        "docs": docs,
        "periods": periods,
        "period_label": period_label(period),
        "period_note": period_note(period),
        "villages": _village_rows(svc, actor, chosen.scope, period)
        if sees_submissions(actor) and not village
        else None,
        "signoff": _signoff(svc, actor, chosen.scope, period, docs) if village and sees_stored(actor) else None,
    }


def _query(chosen: Chosen) -> str:
    """The page's own address for the same area, period and basis (where a form sends the person back)."""
    from urllib.parse import urlencode

    params = {"scope": chosen.scope, "period": chosen.period.spec if chosen.period else chosen.spec or "",
              "basis": chosen.basis}  # fmt: skip
    return urlencode({k: v for k, v in params.items() if v})


async def _show(
    request: Request, sess: Any, svc: Services, chosen: Chosen, status: int = 200, message: str = "", done: str = ""
) -> HTMLResponse:
    try:
        data = await run_in_threadpool(_read, svc, sess.actor, chosen)
    except (ApiProblem, DomainError) as e:
        problem = ApiProblem.of(e) if isinstance(e, DomainError) else e
        if problem.status == 503:
            raise
        hint = "未能显示报表：" + refusal_zh(e, problem)
        if problem.field == "period" and chosen.spec:  # a period asked for wrongly: the current one, and why
            chosen.spec = None
            return await _show(request, sess, svc, chosen, problem.status, hint)
        return _refused(request, sess, hint, problem.status)
    # A read of a whole area lies where the area does (as the API's 公示名单): the inspectors of it find it.
    await record_read(svc, sess.actor, request, what="reports", target=chosen.scope, village_code=chosen.scope)
    return _page(
        request, "reports.html", status, sess=sess, chosen=chosen, query=_query(chosen), bases=BASES,
        capacity_labels=CAPACITY_LABELS,
        area_name=svc.registry.areas.name(chosen.scope), message=message, done=DONE.get(done, ""),
        key=uuid.uuid4().hex, key2=uuid.uuid4().hex, key3=uuid.uuid4().hex, **data,
    )  # fmt: skip


@router.get("")
async def reports_page(
    request: Request, sess: SessionDep, svc: ServicesDep, scope: str = "", period: str = "", first: str = "",
    last: str = "", basis: str = "events", done: str = "",
) -> HTMLResponse:  # fmt: skip
    if not sees_tables(sess.actor):
        return _refused(request, sess, f"{sess.actor.role.label}不查看统计报表。请从工作台进入您负责的案件。")
    try:
        chosen = _choose(sess.actor, scope, period, first, last, basis)
    except (ApiProblem, DomainError) as e:
        problem = ApiProblem.of(e) if isinstance(e, DomainError) else e
        return _refused(request, sess, "未能显示报表：" + refusal_zh(e, problem), problem.status)
    return await _show(request, sess, svc, chosen, done=done[:20])


@router.get("/{table}/download")
async def download(
    request: Request, table: str, sess: SessionDep, svc: ServicesDep, format: str = "csv", scope: str = "",
    period: str = "", basis: str = "events",
) -> Response:  # fmt: skip
    """The table as the API's file (``api.reports.table_file``): the same bytes, type and name, for the session."""
    if not sees_tables(sess.actor):
        return _refused(request, sess, f"{sess.actor.role.label}不查看统计报表。")
    if table not in {t.value for t in Table} or format not in ("csv", "xlsx"):
        return _refused(request, sess, "没有这个报表文件。", 404)
    try:
        chosen = _choose(sess.actor, scope, period, "", "", basis)

        def make() -> dict[str, Any]:
            reports = svc.reports
            chosen.period = reports.period(chosen.scope, chosen.spec, local_date(_now()))
            if chosen.basis == "submitted":
                return reports.submitted_table(Table(table), chosen.scope, chosen.period)
            return reports.table(Table(table), chosen.scope, chosen.period)

        doc = await run_in_threadpool(make)
    except (ApiProblem, DomainError) as e:
        problem = ApiProblem.of(e) if isinstance(e, DomainError) else e
        if problem.status == 503:
            raise
        return _refused(request, sess, "未能下载报表：" + refusal_zh(e, problem), problem.status)
    await record_read(svc, sess.actor, request, what="report_file", target=chosen.scope,
                      village_code=chosen.scope)  # fmt: skip
    return table_file(doc, chosen.scope, "csv" if format == "csv" else "xlsx")


# ----- the village's sign-off --------------------------------------------------------------------------------------


async def _form(request: Request, sess: Any, route: str) -> tuple[Any, str, Chosen]:
    """A sign-off form: its CSRF token and Idempotency-Key checked, and the API's own refusal of a role it confines
    (运维, 管理员, 帮扶责任人) before anything else."""
    if not api_allows(sess.actor.role, route):
        raise ApiProblem("NotPermittedError", f"{sess.actor.role.label}不办理村级报表", field="role", rule="role_scope")
    form = await request.form()
    _check_csrf(sess, form)
    key = str(form.get("idempotency_key", ""))
    if not _KEY.match(key):
        raise ApiProblem("RuleViolationError", "表单已过期，请刷新页面后重试", field="idempotency_key", rule="format")
    chosen = _choose(sess.actor, str(form.get("scope", "")), str(form.get("period", "")), "", "", "events")
    return form, key, chosen


async def _act(request: Request, sess: Any, svc: Services, chosen: Chosen, done: str, action: Any) -> Response:
    """Run a sign-off command; on success back to the page (303), else the page again with the refusal in
    Chinese and nothing recorded."""
    try:
        await run_in_threadpool(action)
    except (ApiProblem, DomainError) as e:
        problem = ApiProblem.of(e) if isinstance(e, DomainError) else e
        if problem.status == 503:
            raise
        return await _show(request, sess, svc, chosen, problem.status, "未能办理：" + refusal_zh(e, problem))
    return RedirectResponse(f"/console/reports?{_query(chosen)}&done={done}#signoff", status_code=303)


def _report_id(form: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(form.get("report_id", "")))
    except ValueError:
        raise ApiProblem("NotFoundError", "没有找到该报表", field="report_id", rule="exists") from None


@router.post("/drafts")
async def draft(request: Request, sess: SessionDep, svc: ServicesDep) -> Response:
    """生成 (or, with new figures, 重新生成) the village's report for the period: ``POST /reports``."""
    form, key, chosen = await _form(request, sess, "/reports")
    reason = str(form.get("reason", "")).strip()[:500]

    def run() -> None:
        chosen.period = svc.reports.period(chosen.scope, chosen.spec, local_date(_now()))
        svc.reports.draft(chosen.scope, chosen.period, sess.actor, f"{sess.actor.id}:{key}", _now(), reason=reason)

    return await _act(request, sess, svc, chosen, "drafted", run)


@router.post("/approvals")
async def approve(request: Request, sess: SessionDep, svc: ServicesDep) -> Response:
    """审定 in the capacity chosen, of the figures shown (their hash): ``POST /reports/stored/{id}/approvals``."""
    form, key, chosen = await _form(request, sess, "/reports/stored/{report_id}/approvals")
    report_id, capacity = _report_id(form), str(form.get("capacity", ""))
    content_hash = str(form.get("content_hash", ""))

    def run() -> None:
        chosen.period = svc.reports.period(chosen.scope, chosen.spec, local_date(_now()))
        if capacity not in CAPACITY_LABELS:
            raise ApiProblem("RuleViolationError", "请选择审定身份（村党组织书记或村委会主任）", field="capacity",
                             rule="required")  # fmt: skip
        svc.reports.approve(report_id, capacity, content_hash, sess.actor, f"{sess.actor.id}:{key}", _now())

    return await _act(request, sess, svc, chosen, "approved", run)


@router.post("/submission")
async def submit(request: Request, sess: SessionDep, svc: ServicesDep) -> Response:
    """上报 to the township once both have approved: ``POST /reports/stored/{id}/submission``."""
    form, key, chosen = await _form(request, sess, "/reports/stored/{report_id}/submission")
    report_id = _report_id(form)

    def run() -> None:
        chosen.period = svc.reports.period(chosen.scope, chosen.spec, local_date(_now()))
        svc.reports.submit(report_id, sess.actor, f"{sess.actor.id}:{key}", _now())

    return await _act(request, sess, svc, chosen, "submitted", run)
