"""Audit routes: the signed checkpoints, and verification of a case, an area or the whole store."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict

from api.deps import ActorDep, AreaQuery, ServicesDep, record_read
from api.errors import ApiProblem
from domain.audit.inspection import BY_ID as RULE_IDS
from domain.audit.inspection import visible_to
from domain.kernel.errors import CaseNotFoundError, DamagedRecordError
from domain.kernel.permissions import check_may_read_access_log
from domain.kernel.privacy import area_to_read, check_may_see, unknown_case
from workflows.kernel.contracts import AreaCode

router = APIRouter(tags=["audit"])


class VerifyRequest(BaseModel):
    """What to verify: one case, every case and household of an area, or the whole store with its checkpoints."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"scope": "case", "case_id": "0f8e2b6c-3d4a-5b1e-9c7f-2a6d8e4b1c30"},
        {"scope": "area", "area_code": "990102101"},
        {"scope": "all"},
    ]})  # fmt: skip
    scope: Literal["case", "area", "all"]
    case_id: uuid.UUID | None = None
    area_code: AreaCode | None = None


@router.get("/audit/checkpoints", summary="Signed checkpoints over the event log, and the key that verifies them")
async def list_checkpoints(actor: ActorDep, svc: ServicesDep) -> dict[str, Any]:
    """Every signed checkpoint (a Merkle tree head over the event log) and the public keys that verify the
    checkpoints and the API's receipts (`X-Dixian-Receipt`) and dossiers. Any authenticated role but 帮扶责任人: they
    hold roots and signatures, no personal data."""
    del actor  # any authenticated user may see the checkpoints: they hold roots and signatures, no personal data
    return await run_in_threadpool(svc.audit.checkpoints)


@router.get(
    "/audit/checkpoints/consistency",
    summary="The consistency proof that checkpoint `second`'s tree head extends checkpoint `first`'s (RFC 9162 §2.1.4)",
)
async def checkpoint_consistency(
    actor: ActorDep,
    svc: ServicesDep,
    first: Annotated[int, Query(ge=1, le=10_000_000, description="the earlier checkpoint's number")],
    second: Annotated[int, Query(ge=1, le=10_000_000, description="the later checkpoint's number")],
) -> dict[str, Any]:
    """The hashes proving that the log at checkpoint `second` extends the log at checkpoint `first` unchanged, for a
    witness that keeps the heads. Any authenticated role but 帮扶责任人; 404 `known_checkpoints` unless
    `first` ≤ `second` are checkpoints with signed tree heads."""
    del actor  # heads and hashes only, like the checkpoints themselves
    try:
        return await run_in_threadpool(svc.audit.consistency, first, second)
    except LookupError as e:
        raise ApiProblem("NotFoundError", str(e), field="second", rule="known_checkpoints") from None


@router.post("/audit/verify", summary="Verify the hash chains (and checkpoints): the first break, or that all holds")
async def verify(body: VerifyRequest, actor: ActorDep, svc: ServicesDep) -> dict[str, Any]:
    """Recompute the hash chains of one case (`case_id`, 422 `required`; 404 `exists` outside the caller's area), of
    every case and household of an area (the caller's or one inside it: 403 `jurisdiction`), or of the whole store
    with its checkpoints (`all`: county level only, 403 `county_only`); answers where the first break lies, or that all
    holds. Any role but 运维, 管理员 and 帮扶责任人."""
    if body.scope == "case":
        if body.case_id is None:
            raise ApiProblem("RuleViolationError", "scope case needs case_id", field="case_id", rule="required")
        case_id = body.case_id
        try:
            village = (await run_in_threadpool(svc.queries.view, case_id, _now()))["area"]["village_code"]
        except CaseNotFoundError:
            raise ApiProblem.of(unknown_case()) from None
        except DamagedRecordError:  # a damaged case is verified all the same: where it lies, from the case list
            listed = await run_in_threadpool(svc.summaries.village_of, case_id)
            if listed is None:
                raise
            village = listed
        check_may_see(actor, village)
        return await run_in_threadpool(svc.audit.verify_case, case_id)
    if body.scope == "area":
        area = area_to_read(actor.area_code, body.area_code, "area_code")
        return await run_in_threadpool(svc.audit.verify_area, area)
    if len(actor.area_code) != 6:
        raise ApiProblem(
            "NotPermittedError", "the whole store is verified at county level", field="scope", rule="county_only"
        )
    return await run_in_threadpool(svc.audit.verify_all)


@router.get("/audit/findings", summary="排查规则: what the inspection rules find in an area, with the proving events")
async def findings(
    actor: ActorDep,
    svc: ServicesDep,
    request: Request,
    scope: AreaQuery = None,
    rule: Annotated[str | None, Query(pattern=r"^[A-Z]{2}-[0-9]{2}$", description="one rule id, e.g. TI-01")] = None,
) -> dict[str, Any]:
    """What the inspection rules (应纳未纳 NM-*, 识别超时 ID-01, 不及时 TI-*, 不精准 PR-*, 风险消除不规范 EL-*, 回头看
    LB-01, and the data-quality rules RG-01, RK-*, MS-*, CT-*) find in the caller's area or a part of it (403
    `jurisdiction`), every rule or one (422 `known_rule`), each finding with the events that prove it; the RK-*
    findings, which tell a household's recorded risks, only to the roles that see personal data. Any role but 运维,
    管理员 and 帮扶责任人; recorded in the access log."""
    area = area_to_read(actor.area_code, scope, "scope")
    if rule is not None and rule not in RULE_IDS:
        raise ApiProblem("RuleViolationError", f"no inspection rule {rule}", field="rule", rule="known_rule")
    await record_read(svc, actor, request, what="findings", target=area, village_code="")
    found = await run_in_threadpool(svc.audit.findings, area, rule, _now())
    return visible_to(actor.role, found)


@router.get("/audit/access", summary="访问记录: who read which case or household, when and why (inspectors)")
async def access_log(
    actor: ActorDep,
    svc: ServicesDep,
    reader: Annotated[str | None, Query(max_length=64, description="one reader's id")] = None,
    target: Annotated[str | None, Query(max_length=64, description="a case id or household number")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> dict[str, Any]:
    """访问记录: who read which case, household or list in the caller's area, when, by which path and for what stated
    purpose (`X-Purpose`), newest first, by reader or target. Inspectors (督导/审计) only (403 `inspector_only`)."""
    check_may_read_access_log(actor)
    rows = await run_in_threadpool(svc.registry.access, actor.area_code, reader, target, limit)
    return {"items": rows, "limit": limit}


def _now() -> datetime:
    return datetime.now(UTC)
