"""Request-scoped dependencies: the caller's identity, the idempotency key, the If-Match version, app services."""

from __future__ import annotations

import contextlib
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import unquote

import structlog
from fastapi import Depends, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import SecretStr
from temporalio.client import Client

from api.auth import OidcVerifier, TokenError, issued_at, read_token
from api.errors import ApiProblem
from api.health import DatabaseGate
from domain.cases.queries import CaseQueries
from domain.kernel.actors import Actor, Role
from domain.kernel.areas import AREA_CODE_PATTERN
from domain.kernel.privacy import NO_PERSONAL_DATA_ROLES, unknown_case
from domain.readmodels.cases import CaseSummaryView
from workflows.accounts.service import AccountService
from workflows.audit.service import AuditService
from workflows.campaigns.service import CampaignService
from workflows.kernel.keys import SigningKey
from workflows.kernel.settings import Settings
from workflows.ops.service import OpsService
from workflows.registry.service import RegistryService
from workflows.reports.service import ReportService

_KEY = re.compile(r"^[\x21-\x7e]{1,100}$")  # printable ASCII without spaces; actor id (≤ 64) + key fit a command id
_ETAG = re.compile(r'^(W/)?"?([0-9]{1,9})"?$')


@dataclass
class Services:
    settings: Settings
    token_secret: SecretStr | None  # signs the embedded default's own tokens; None when an OIDC issuer does
    temporal: Client
    queries: CaseQueries
    summaries: CaseSummaryView
    registry: RegistryService
    campaigns: CampaignService
    audit: AuditService
    ops: OpsService
    reports: ReportService
    signer: SigningKey  # signs every command handed to a case workflow (workflows.cases.signing)
    accounts: AccountService  # a user's account refuses tokens it no longer stands behind (revocation)
    oidc: OidcVerifier | None = None  # set: only the issuer's tokens are accepted
    database: DatabaseGate = field(init=False)

    def __post_init__(self) -> None:
        self.database = DatabaseGate(self.queries.ping)


def services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


def current_actor(
    request: Request,
    svc: Annotated[Services, Depends(services)],
    authorization: Annotated[str | None, Header()] = None,
) -> Actor:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise ApiProblem("UnauthenticatedError", "a bearer token is required", field="Authorization", rule="bearer")
    try:
        token = authorization[7:].strip()
        if svc.oidc is not None:
            actor = svc.oidc.read(token)
        elif svc.token_secret is not None:
            actor = read_token(svc.token_secret.get_secret_value(), token)
        else:
            raise TokenError("no token issuer is configured")
    except TokenError as e:
        raise ApiProblem(
            "UnauthenticatedError", f"invalid bearer token: {e}", field="Authorization", rule="token"
        ) from None
    svc.accounts.check(actor, issued_at(token))  # disabled, or changed since the token was issued: 401
    structlog.contextvars.bind_contextvars(actor=actor.id, role=actor.role.value)
    request.state.actor_role = actor.role  # the answer's personal fields are masked for roles that do not need them
    check_route(actor, getattr(request.scope.get("route"), "path", ""))
    return actor


def route_allowed(role: Role, route: str) -> bool:
    """Whether the API serves ``route`` (a route's path, e.g. ``/reports/{table}``) to ``role`` (``CONFINED_TO``)."""
    confined = CONFINED_TO.get(role)
    return confined is None or any(route == p or route.startswith(p + "/") for p in confined[0])


def check_route(actor: Actor, route: str) -> None:
    """Refuse a role confined to some routes (``CONFINED_TO``) anything else: the API's route, or the API route a
    console page shows (the page enforces what the API does)."""
    if not route_allowed(actor.role, route):
        _, why, rule = CONFINED_TO[actor.role]
        raise ApiProblem("NotPermittedError", why, field="role", rule=rule)


# The routes a role is confined to (a path and what lies under it); every other route answers 403. 运维 and 管理员:
# operations views and repairs, the statistical tables (counts), the signed checkpoints. 帮扶责任人: their own cases
# (the list filtered to them, each case, its steps) and households ("一对一", seed plan §三(二)). 行业部门: its
# alerts (部门筛查预警), their outcomes and nothing of the households.
_NO_PERSONAL_DATA = (
    ("/ops", "/reports/{table}", "/reports/submissions", "/audit/checkpoints", "/discovery/summary"),
    "a {role} sees no case, household or staff record",
    "role_scope",
)
CONFINED_TO: dict[Role, tuple[tuple[str, ...], str, str]] = {
    **{role: (_NO_PERSONAL_DATA[0], _NO_PERSONAL_DATA[1].format(role=role.value), _NO_PERSONAL_DATA[2])
       for role in NO_PERSONAL_DATA_ROLES},
    Role.ADMIN: (
        (*_NO_PERSONAL_DATA[0], "/admin"),
        "a 管理员 keeps user accounts and sees no case, household or staff record",
        "role_scope",
    ),
    Role.DEPARTMENT: (
        ("/alerts",),
        "a 行业部门 pushes its alerts and reads their outcomes, nothing else",
        "department_scope",
    ),
    Role.RESPONSIBLE_PERSON: (
        ("/cases", "/households/{household_number}", "/visits"),
        "a 帮扶责任人 reads the households assigned to them, their cases and their visit list, nothing else",
        "own_households",
    ),
}  # fmt: skip


def command_id(
    request: Request,
    actor: Annotated[Actor, Depends(current_actor)],
    idempotency_key: Annotated[str | None, Header()] = None,
) -> str:
    """The command id of a write: the caller's Idempotency-Key scoped to the caller. Every write needs one: without
    it, a retried request (a timeout, a double click) would record the same thing twice, with no undo but a
    correction of its own."""
    if idempotency_key is None:
        raise ApiProblem(
            "RuleViolationError",
            "an Idempotency-Key header is required on every write (a new one per change; the same one to retry it)",
            field="Idempotency-Key",
            rule="required",
        )
    if not _KEY.match(idempotency_key):
        raise ApiProblem(
            "RuleViolationError",
            "Idempotency-Key must be 1–100 printable ASCII characters without spaces",
            field="Idempotency-Key",
            rule="format",
        )
    cid = f"{actor.id}:{idempotency_key}"
    structlog.contextvars.bind_contextvars(command_id=cid)
    request.state.command_id = cid  # named by the write's receipt
    return cid


def expected_version(if_match: Annotated[str | None, Header()] = None) -> int | None:
    if if_match is None or if_match.strip() == "*":
        return None
    m = _ETAG.match(if_match.strip())
    if m is None:
        raise ApiProblem(
            "RuleViolationError", 'If-Match must be a case version ETag such as "3"', field="If-Match", rule="format"
        )
    return int(m.group(2))


def parse_case_id(case_id: str) -> uuid.UUID:
    try:
        parsed = uuid.UUID(case_id)
    except ValueError:
        raise ApiProblem.of(unknown_case()) from None
    structlog.contextvars.bind_contextvars(case_id=str(parsed), workflow_id=f"case-{parsed}")
    return parsed


MAX_PURPOSE = 200  # characters of a reader's stated purpose kept in the access log


def header_text(value: str) -> str:
    """A header's text as the caller meant it: percent-encoded UTF-8 (headers are ASCII), or raw UTF-8 bytes, which
    the server hands over as Latin-1 characters."""
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        value = value.encode("latin-1").decode("utf-8")
    return unquote(value)


async def record_read(
    svc: Services, actor: Actor, request: Request, *, what: str, target: str, village_code: str
) -> None:
    """Record that ``actor`` read ``target`` (domain.md §11: an audit log for every view and export). A read that
    cannot be recorded is not served."""
    purpose = header_text(request.headers.get("X-Purpose", ""))[:MAX_PURPOSE]
    try:
        await run_in_threadpool(
            lambda: svc.registry.record_access(
                actor, what=what, target=target, village_code=village_code, purpose=purpose,
                path=request.url.path, now=datetime.now(UTC),
            )
        )  # fmt: skip
    except Exception:
        structlog.get_logger("dixian.api").exception("access_not_recorded", what=what)
        raise ApiProblem("UnavailableError", "the read could not be recorded in the access log; retry") from None


ServicesDep = Annotated[Services, Depends(services)]
ActorDep = Annotated[Actor, Depends(current_actor)]
CommandIdDep = Annotated[str, Depends(command_id)]
ExpectedVersionDep = Annotated[int | None, Depends(expected_version)]
# An area code in a query: the caller's area or a part of it (area_within checks which).
AreaQuery = Annotated[str | None, Query(pattern=AREA_CODE_PATTERN, description="an area code (行政区划代码)")]
