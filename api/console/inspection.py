"""督导/审计 (inspection) in the console: the findings board of an area, a case's history (business and recorded time,
the case at a version or a business date, what a person changed between two versions, its hash chain), the printable
dossier (档案) with the proofs that verify it offline, verification from a button, and the access log.

Every page reads through the JSON API's own functions with its scoping (each page names the API route it shows, and a
role confined elsewhere is refused as there), records the read in the access log as the API does, and shows personal
data as the reader's role may see it (``seen_by``)."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse

from api.cases import case_history
from api.console.charts import Bar, bars
from api.console.forms import FIELD_LABELS
from api.console.routes import ServicesDep, SessionDep, _check_csrf, _now, _page, beijing, refused_page
from api.deps import check_route, record_read
from api.errors import ApiProblem
from domain.audit.inspection import RULES, visible_to
from domain.cases.timeline import check_version, event_label, recorded_changes, version_on
from domain.cases.values import (
    Category,
    CountyDecision,
    DeliberationOutcome,
    EliminationMode,
    MeasureCategory,
    NoticeOutcome,
    Source,
    Stage,
    Status,
    TownshipDecision,
)
from domain.cases.view import responsible_user
from domain.kernel.actors import Actor, Role
from domain.kernel.errors import CaseNotFoundError, DamagedRecordError, DomainError, RuleViolationError
from domain.kernel.labels import Labelled, label_of
from domain.kernel.permissions import check_may_read_access_log
from domain.kernel.privacy import area_to_read, check_may_see, seen_by
from domain.kernel.steps import Step
from domain.kernel.time import local_date
from domain.registry.values import Guarantee, HouseholdType, Risk
from workflows.registry.roster_files import safe_cell

router = APIRouter(include_in_schema=False)
RULE_TITLES = {r.id: r.title for r in RULES}
RuleQuery = Annotated[str, Query(alias="rule", max_length=8)]  # an inspection rule's id (TI-01), not a refusal's
# A step's facts are kept under the step's name (facts.household_visit.…): said as the step's Chinese label.
STEP_FACTS = {s.value.replace("-", "_"): s.label for s in Step} | {"facts": "记录", "plan": "帮扶计划"}
SEVERITY = {"high": "严重", "medium": "一般"}
# What each approving event decided, in the words of its own step (the same value means different things: "pass").
DECIDED_BY: dict[str, type[Labelled]] = {
    "VillageDeliberationRecorded": DeliberationOutcome, "PublicNoticeClosed": NoticeOutcome,
    "TownshipReviewed": TownshipDecision, "CountyDecided": CountyDecision,
}  # fmt: skip


def decision_label(event_type: str, value: Any) -> str:
    enum = DECIDED_BY.get(event_type)
    return label_of(enum, value) if enum is not None and value else ""


def _area_name(svc: Any, code: str) -> str:
    return str(svc.registry.areas.name(code))


def _villages(svc: Any, area_code: str) -> list[tuple[str, str]]:
    """The villages of an area, (code, name), for a filter."""
    return sorted(
        (a.code, a.name) for a in svc.registry.areas.all() if len(a.code) == 12 and a.code.startswith(area_code)
    )


# ----- the findings board -------------------------------------------------------------------------------------------


async def _findings(request: Request, sess: Any, svc: Any, village: str, rule_id: str) -> list[dict[str, Any]]:
    """What the inspection rules find in the reader's area (or one village of it), as GET /audit/findings does."""
    actor: Actor = sess.actor
    check_route(actor, "/audit/findings")
    area = area_to_read(actor.area_code, village or None, "village")
    if rule_id and rule_id not in RULE_TITLES:
        raise ApiProblem("RuleViolationError", f"no inspection rule {rule_id}", field="rule", rule="known_rule")
    await record_read(svc, actor, request, what="findings", target=area, village_code="")
    found = visible_to(actor.role, await run_in_threadpool(svc.audit.findings, area, rule_id or None, _now()))
    items = [{**f, "village": _area_name(svc, f["village_code"]), "severity_label": SEVERITY.get(f["severity"], ""),
              "version": f["evidence"][0].get("version") if f["evidence"] else None}
             for f in found["items"]]  # fmt: skip
    items.sort(key=lambda f: (f["severity"] != "high", -(f["days_late"] or 0), f["rule"], f["village"]))
    return list(seen_by(actor.role, items))


@router.get("/console/inspection")
async def board(
    request: Request, sess: SessionDep, svc: ServicesDep, village: str = "", rule_id: RuleQuery = ""
) -> HTMLResponse:
    try:
        items = await _findings(request, sess, svc, village[:12], rule_id[:8])
    except (ApiProblem, DomainError) as e:
        return refused_page(request, sess, e)
    counts: dict[str, int] = {}
    for f in items:
        counts[f["rule"]] = counts.get(f["rule"], 0) + 1
    picture = bars("按规则统计的发现问题", [Bar(f"{r} {RULE_TITLES[r].split('：')[0]}", n, short=r) for r, n in
                                           sorted(counts.items(), key=lambda c: -c[1])], unit="项",
                   value_head="问题数", chart_id="by-rule")  # fmt: skip
    query = f"village={village}&rule={rule_id}"
    return _page(request, "inspection.html", sess=sess, items=items, rules=RULES, village=village, chosen=rule_id,
                 villages=_villages(svc, sess.actor.area_code), picture=picture, query=query,
                 inspector=sess.actor.role is Role.INSPECTOR)  # fmt: skip


CSV_COLUMNS = ("规则", "问题", "严重程度", "户主", "户编号", "村", "逾期天数", "应完成日期", "说明", "案件", "证据版本")


@router.get("/console/inspection/findings.csv")
async def board_csv(
    request: Request, sess: SessionDep, svc: ServicesDep, village: str = "", rule_id: RuleQuery = ""
) -> Response:
    """The board as a CSV file (UTF-8 with BOM, so a spreadsheet opens the Chinese as it is)."""
    try:
        items = await _findings(request, sess, svc, village[:12], rule_id[:8])
    except (ApiProblem, DomainError) as e:
        return refused_page(request, sess, e)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for f in items:  # a name typed as "=…" stays text in a spreadsheet, never a formula (safe_cell)
        writer.writerow([safe_cell(str(cell)) for cell in (
            f["rule"], f["title"], f["severity_label"], f["household_head"], f["household_number"], f["village"],
            "" if f["days_late"] is None else f["days_late"], f["due"] or "", f["detail"], f["case_id"] or "",
            " ".join(str(e.get("version", e.get("screening_id", ""))) for e in f["evidence"]),
        )])  # fmt: skip
    name = f"dixian-findings-{local_date(_now()).isoformat()}.csv"
    return Response(("\ufeff" + out.getvalue()).encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


# ----- a case's history ---------------------------------------------------------------------------------------------


def _state(view: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What a case was at some version, in the words a person uses."""
    person = view.get("responsible_person") or {}
    return [
        ("阶段", view["stage_label"]), ("状态", view["status_label"]), ("类别", view.get("category_label") or "未认定"),
        ("认定日期", str(view.get("identified_on") or "")), ("帮扶责任人", str(person.get("name", "")) or "未确定"),
        ("帮扶计划", "已制定" if view.get("plan") else "未制定"),
        ("帮扶措施", f"{len(view.get('measures') or [])} 项"), ("版本", str(view["version"])),
    ]  # fmt: skip


def _number(text: str, field: str) -> int:
    """A version asked for in a page's query: empty is none; anything but a whole number is refused naming it."""
    text = text.strip()
    if not text:
        return 0
    if not text.isdigit() or len(text) > 9:
        raise RuleViolationError(f"{field} must be a version number", field=field, rule="version_range")
    return int(text)


# The enumerations a changed field's value is one of, by the field's name: its value shown by its Chinese label.
VALUE_ENUMS: dict[str, type[Labelled]] = {
    "household_type": HouseholdType, "risks": Risk, "new_risks": Risk, "targets": Risk, "reported_risks": Risk,
    "unmet_guarantees": Guarantee, "stage": Stage, "status": Status, "category": Category, "source": Source,
    "planned_categories": MeasureCategory, "mode": EliminationMode,
}  # fmt: skip
# Bookkeeping inside a step's recorded facts (who, when recorded, which version): the timeline says it already.
BOOKKEEPING = frozenset({"actor", "recorded_at", "version", "command_id"})


def _shown(field: str, value: Any) -> str:
    """A changed value as a person reads it: labels for codes, 是/否, lists joined, — for nothing."""
    if value is None or value == {} or value == []:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(_shown(field, v) for v in value)
    enum = VALUE_ENUMS.get(field.split(".")[-1])
    return label_of(enum, value) if enum is not None else str(value)


def person_changes(before: Mapping[str, Any], after: Mapping[str, Any], role: Role) -> list[dict[str, Any]]:
    """What a person changed between two versions, as the history page shows it to ``role``: ``recorded_changes``
    masked as the role may see them (by each entry's field path) and only then put in words, without the facts'
    bookkeeping and the bare containers, each with its Chinese label."""
    out = []
    for c in seen_by(role, recorded_changes(before, after)):
        parts = c["field"].split(".")
        if BOOKKEEPING & set(parts[1:]) or (c["from"] in ({}, None) and c["to"] in ({}, None)):
            continue
        out.append({**c, "label": _label_of(c["field"]), "before": _shown(c["field"], c["from"]),
                    "after": _shown(c["field"], c["to"])})  # fmt: skip
    return out


def _label_of(path: str) -> str:
    """A changed field's dotted path as a person reads it: its last part's Chinese label where the forms have one."""
    parts = path.split(".")
    named = [STEP_FACTS.get(p) or FIELD_LABELS.get(p, p) for p in parts[-2:]]
    return " · ".join(named)


@router.get("/console/cases/{case_id}/history")
async def history(
    request: Request, case_id: str, sess: SessionDep, svc: ServicesDep, version: str = "", on: str = "",
    diff_from: str = "", diff_to: str = "",
) -> HTMLResponse:  # fmt: skip
    actor: Actor = sess.actor
    try:
        wanted, first, second = (_number(x, name) for x, name in ((version, "version"), (diff_from, "from"),
                                                                   (diff_to, "to")))  # fmt: skip
        check_route(actor, "/cases/{case_id}/timeline")
        view, records = await case_history(svc, actor, case_id, request)
        last = view["version"]
        state, state_said, at = None, "", 0
        if on:
            day = date.fromisoformat(on[:10])
            at = version_on(records, day)
            state_said = f"按业务日期 {day.isoformat()}：该日及以前发生的环节，至第 {at} 版"
        elif wanted:
            at = wanted
            check_version(at, last, "version")
            state_said = f"按版本：第 {at} 版（记录于北京时间 {beijing(records[at - 1]['recorded_at'])}）"
        if at:
            then = records[at - 1]["recorded_at"]
            state = _state(await run_in_threadpool(svc.queries.view, uuid.UUID(view["case_id"]), then, at))
        changes: list[dict[str, Any]] = []
        if first and second:
            check_version(first, last, "from")
            check_version(second, last, "to")
            then = records[max(first, second) - 1]["recorded_at"]
            cid = uuid.UUID(view["case_id"])
            before = await run_in_threadpool(svc.queries.view, cid, then, first)
            after = await run_in_threadpool(svc.queries.view, cid, then, second)
            changes = person_changes(before, after, actor.role)
        chain = await run_in_threadpool(svc.audit.verify_case, uuid.UUID(view["case_id"]))
    except ValueError:
        return refused_page(request, sess, ApiProblem("RuleViolationError", "a date", field="on", rule="format"))
    except (ApiProblem, DomainError) as e:
        unknown = isinstance(e, CaseNotFoundError) and e.rule == "exists"
        return refused_page(request, sess, e, 404 if unknown else None)
    events = [{**r, "label": event_label(r), "role_label": label_of(Role, r["actor"].get("role", "")),
               "decision": decision_label(r["type"], r["payload"].get("decision") or r["payload"].get("outcome"))}
              for r in records]  # fmt: skip
    return _page(
        request, "history.html", sess=sess, view=seen_by(actor.role, view), events=seen_by(actor.role, events),
        state=state, state_said=state_said, version=at, on=on, changes=changes,
        diff_from=first, diff_to=second, chain=chain, last=last,
    )  # fmt: skip


# ----- the dossier --------------------------------------------------------------------------------------------------


async def _dossier(request: Request, sess: Any, svc: Any, case_id: str) -> dict[str, Any]:
    actor: Actor = sess.actor
    check_route(actor, "/cases/{case_id}/dossier")
    try:
        cid = uuid.UUID(case_id)
    except ValueError:
        raise CaseNotFoundError("no such case", field="case_id", rule="exists") from None
    view = await run_in_threadpool(svc.queries.view, cid, _now())
    check_may_see(actor, view["area"]["village_code"], responsible_user(view))
    await record_read(svc, actor, request, what="case_dossier", target=str(cid),
                      village_code=view["area"]["village_code"])  # fmt: skip
    dossier: dict[str, Any] = jsonable_encoder(await run_in_threadpool(svc.audit.dossier, cid, _now(), actor.role))
    return seen_by(actor.role, dossier)  # type: ignore[no-any-return]


@router.get("/console/cases/{case_id}/dossier")
async def dossier(request: Request, case_id: str, sess: SessionDep, svc: ServicesDep) -> HTMLResponse:
    try:
        d = await _dossier(request, sess, svc, case_id)
    except (ApiProblem, DomainError) as e:
        return refused_page(request, sess, e)
    proofs = d["proofs"]
    mine = [e for e in proofs["events"] if e["originator_id"] == d["case_id"]]
    covered = [e for e in mine if "checkpoint" in e]
    checkpoint = next((c for c in proofs["checkpoints"] if covered and c["number"] == covered[-1]["checkpoint"]), None)
    for a in d["approvals"]:
        a["decision_label"] = decision_label(a["type"], a["decision"])
    area = d["area"]
    return _page(
        request, "dossier.html", sess=sess, d=d, last=mine[-1] if mine else None, checkpoint=checkpoint,
        covered=len(covered), events=len(mine), area=area, printed=local_date(_now()).isoformat(),
    )  # fmt: skip


@router.get("/console/cases/{case_id}/proofs.json")
async def proofs(request: Request, case_id: str, sess: SessionDep, svc: ServicesDep) -> Response:
    """The dossier's proofs as a file: `dixian audit verify proofs.json --public-key K --manifest-key M` checks it
    offline (the events, their chain, the Merkle paths to signed checkpoints, the signed manifest)."""
    try:
        d = await _dossier(request, sess, svc, case_id)
    except (ApiProblem, DomainError) as e:
        return refused_page(request, sess, e)
    body = json.dumps(d["proofs"], ensure_ascii=False, indent=1)
    disposition = f'attachment; filename="dixian-proofs-{d["case_id"]}.json"'
    return Response(body.encode("utf-8"), media_type="application/json", headers={"Content-Disposition": disposition})


# ----- verification and the access log ------------------------------------------------------------------------------


@router.get("/console/inspection/verify")
async def verify_page(request: Request, sess: SessionDep, svc: ServicesDep) -> HTMLResponse:
    try:
        check_route(sess.actor, "/audit/verify")
    except ApiProblem as e:
        return refused_page(request, sess, e)
    return _page(request, "verify.html", sess=sess, report=None, villages=_villages(svc, sess.actor.area_code),
                 county=len(sess.actor.area_code) == 6, scope="")  # fmt: skip


@router.post("/console/inspection/verify")
async def verify(request: Request, sess: SessionDep, svc: ServicesDep) -> HTMLResponse:
    """Verify the hash chains of one case, of an area, or (county) of the whole store with its checkpoints: as POST
    /audit/verify does, with its scoping."""
    form = await request.form()
    _check_csrf(sess, form)
    actor: Actor = sess.actor
    scope = str(form.get("scope", ""))
    try:
        check_route(actor, "/audit/verify")
        if scope == "case":
            cid = uuid.UUID(str(form.get("case_id", "")).strip())
            try:
                village = (await run_in_threadpool(svc.queries.view, cid, _now()))["area"]["village_code"]
            except DamagedRecordError:  # a damaged case is verified all the same: where it lies, from the case list
                listed: str | None = await run_in_threadpool(svc.summaries.village_of, cid)
                if listed is None:
                    raise
                village = listed
            check_may_see(actor, village)
            report = await run_in_threadpool(svc.audit.verify_case, cid)
        elif scope == "area":
            area = area_to_read(actor.area_code, str(form.get("area_code", "")) or None, "area_code")
            report = await run_in_threadpool(svc.audit.verify_area, area)
        elif scope == "all" and len(actor.area_code) == 6:
            report = await run_in_threadpool(svc.audit.verify_all)
        else:
            raise ApiProblem("NotPermittedError", "the whole store is verified at county level", field="scope",
                             rule="county_only")  # fmt: skip
    except ValueError:
        return refused_page(request, sess, CaseNotFoundError("no such case", field="case_id", rule="exists"), 404)
    except (ApiProblem, DomainError) as e:
        return refused_page(request, sess, e)
    return _page(request, "verify.html", sess=sess, report=report, villages=_villages(svc, actor.area_code),
                 county=len(actor.area_code) == 6, scope=scope)  # fmt: skip


@router.get("/console/inspection/access")
async def access(
    request: Request, sess: SessionDep, svc: ServicesDep, reader: str = "", target: str = ""
) -> HTMLResponse:
    try:
        check_route(sess.actor, "/audit/access")
        check_may_read_access_log(sess.actor)
    except (ApiProblem, DomainError) as e:
        return refused_page(request, sess, e)
    rows = await run_in_threadpool(svc.registry.access, sess.actor.area_code, reader[:64] or None,
                                   target[:64] or None, 300)  # fmt: skip
    rows = [{**r, "role_label": label_of(Role, r["role"]), "at_local": beijing(r["at"])} for r in rows]
    return _page(request, "access.html", sess=sess, rows=rows, reader=reader, target=target)
