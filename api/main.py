"""The HTTP edge of Dixian: `create_app()` is the factory uvicorn runs (`dixian api`)."""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import structlog
from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from pydantic import SecretStr

from api import (
    accounts,
    alerts,
    applications,
    audit,
    campaigns,
    cases,
    codec,
    docs,
    errors,
    ops,
    registry,
    reports,
    visits,
)
from api.auth import OidcVerifier
from api.cases import RECEIPT_HEADER
from api.console import routes as console
from api.deps import Services
from api.labels import with_labels
from api.limits import BodyLimit
from domain.cases.queries import CaseQueries
from domain.kernel.actors import Role
from domain.kernel.privacy import seen_by, sees_personal_data
from domain.kernel.store import Written, collecting
from domain.readmodels.cases import open_summary_view
from domain.readmodels.reports import open_report_view
from workflows.accounts.service import AccountService
from workflows.audit.service import AuditService
from workflows.campaigns.service import CampaignService
from workflows.kernel import temporal
from workflows.kernel.observability import configure_logging
from workflows.kernel.settings import Settings, load_settings
from workflows.ops.service import OpsService
from workflows.registry.service import RegistryService
from workflows.reports.service import ReportService

log = structlog.get_logger("dixian.api")


async def connect_services(settings: Settings) -> Services:
    if not settings.temporal_address:
        raise RuntimeError("TEMPORAL_ADDRESS is not set (use `dixian run` for the embedded stack)")
    settings.check_production("api")
    oidc = oidc_verifier(settings)
    # The embedded default's tokens are signed with a local secret; with an identity provider there is none.
    secret = None if oidc is not None else SecretStr(settings.resolve_token_secret())
    env = settings.eventsourcing_env()
    client = await temporal.connect(
        settings.temporal_address, settings.temporal_namespace, settings.resolve_cipher_key()
    )
    registry = RegistryService.connect(env)
    summaries = registry.summaries or open_summary_view(env)  # one pool for each read model, shared
    signer = settings.command_signing_key()  # the API's own key: commands, receipts, dossiers
    audit_service = AuditService(
        registry.ledger, summaries, registry.view, settings.audit_public_key(), signer=signer,
        anchor_files=settings.audit_anchor_files,
    )  # fmt: skip
    report_view = open_report_view(env)
    return Services(
        settings=settings,
        token_secret=secret,
        temporal=client,
        queries=CaseQueries(registry.ledger),  # one pool for the event store
        summaries=summaries,
        registry=registry,
        campaigns=CampaignService(registry),
        audit=audit_service,
        ops=OpsService(registry.ledger, summaries, registry.view, report_view, settings.plan_issued_on),
        reports=ReportService(registry.ledger, report_view, registry.view, settings.plan_issued_on),
        signer=signer,
        accounts=AccountService(registry.ledger),
        oidc=oidc,
    )


def oidc_verifier(settings: Settings) -> OidcVerifier | None:
    """The configured OIDC issuer's verifier; None for the embedded default (tokens signed with the local secret)."""
    if not settings.oidc_issuer:
        return None
    if not settings.oidc_jwks_url or not settings.oidc_audience:
        raise ValueError("DIXIAN_OIDC_ISSUER needs DIXIAN_OIDC_JWKS_URL and DIXIAN_OIDC_AUDIENCE")
    return OidcVerifier(
        settings.oidc_issuer, settings.oidc_jwks_url, settings.oidc_audience, settings.oidc_role_claim,
        settings.oidc_area_claim,
    )  # fmt: skip


_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
DOCS_PATHS = ("/docs", "/redoc")  # their pages set their own CSP (api/docs.py)
# Request headers a browser on an allowed origin may send (X-Namespace: the Temporal UI's, to the codec endpoint).
CORS_HEADERS = (
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "If-Match",
    "X-Purpose",
    "X-Request-Id",
    "X-Namespace",
)
# Answered even while the database is down: liveness, and the metrics and readiness that say what is wrong.
ALWAYS_ANSWERED = frozenset({"/healthz", "/readyz", "/metrics"})
# Answers not masked for a role that sees no personal data: user accounts, which the administrator (管理员) keeps,
# name the people who work in Dixian (their name, role, area and unit), and no household's data lies under them.
UNMASKED_PATHS = ("/admin/users",)
# Answers left as they are made: Temporal's sealed payloads, the API's own schema, signed checkpoints and proofs.
UNLABELLED_PATHS = ("/ops/temporal-codec", "/openapi.json", "/audit/checkpoints", "/healthz", "/readyz")


WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# How many records a receipt header lists at most; a larger write's receipt (an import's: one entry per household)
# is the ``receipt`` field of its JSON answer instead, as headers of many kilobytes are refused by clients and proxies.
RECEIPT_IN_HEADER = 50


async def _with_receipt(response: Response, svc: Services, written: Written, command_id: str) -> Response:
    """The answer of a write with the signed receipt for every event it wrote (AuditService.receipt)."""
    receipt = await asyncio.to_thread(svc.audit.receipt, list(written), command_id, datetime.now(UTC))
    if len(written) <= RECEIPT_IN_HEADER or not response.headers.get("content-type", "").startswith("application/json"):
        response.headers[RECEIPT_HEADER] = receipt
        return response
    body = json.loads(b"".join([chunk async for chunk in response.body_iterator]))  # type: ignore[attr-defined]
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    if isinstance(body, dict):
        body["receipt"] = receipt
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return Response(text, status_code=response.status_code, headers=headers, media_type="application/json")


async def _answered(response: Response, role: Role | None, labels: bool) -> Response:
    """The JSON answer as ``role`` may see it (domain/kernel/privacy.py: personal fields masked by meaning; None: as
    it is), then, with ``labels``, the Chinese label beside each coded value (api/labels.py: after masking, so that
    no label says what a mask withholds)."""
    if not response.headers.get("content-type", "").startswith("application/json"):
        return response  # files carry figures only (reports); problem+json names no personal value
    iterator = getattr(response, "body_iterator", None)  # streamed by the app; a receipt's is already whole
    body = b"".join([chunk async for chunk in iterator]) if iterator is not None else bytes(response.body)
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    data = json.loads(body)
    data = data if role is None else seen_by(role, data)
    text = json.dumps(with_labels(data) if labels else data, ensure_ascii=False, separators=(",", ":"))
    return Response(text, status_code=response.status_code, headers=headers, media_type="application/json")


def security_headers(production: bool) -> dict[str, str]:
    """Sent with every response: no sniffing, no framing, no referrer, nothing cached (responses hold personal
    data); HTTPS only in production (behind its TLS proxy)."""
    headers = {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    }
    if production:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


def create_app(services: Services | None = None) -> FastAPI:
    """Build the app. Tests pass ready services; `dixian api` lets the lifespan connect them from settings."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if services is None:
            settings = load_settings()
            configure_logging(json=settings.log_format == "json")
            app.state.services = await connect_services(settings)
            log.info("api_started", temporal=settings.temporal_address)
        svc: Services = app.state.services
        watching = asyncio.create_task(svc.database.watch())
        try:
            yield
        finally:
            watching.cancel()
            svc.database.close()

    app = FastAPI(
        title="底线 Dixian",
        summary="防止返贫监测帮扶: monitoring cases from clue to county decision, with a full audit trail",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by api/docs.py from the API itself, not a CDN
        redoc_url=None,
    )
    if services is not None:
        app.state.services = services  # set now: test transports do not run the lifespan
    errors.install(app)
    app.include_router(cases.router)
    app.include_router(registry.router)
    app.include_router(campaigns.router)
    app.include_router(audit.router)
    app.include_router(ops.router)
    app.include_router(codec.router)
    app.include_router(reports.router)
    app.include_router(accounts.router)
    app.include_router(applications.router)
    app.include_router(alerts.router)
    app.include_router(visits.router)
    console.install(app)
    docs.install(app)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
            app.openapi_schema = docs.with_bearer(errors.document_problems(schema))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/healthz", tags=["ops"], summary="The API process is up")
    async def healthz() -> dict[str, str]:
        """Liveness, without a token: the process answers. Whether PostgreSQL and Temporal do is `/readyz`."""
        return {"status": "ok"}

    settings = services.settings if services is not None else load_settings()
    headers = security_headers(production=settings.production)
    app.add_middleware(BodyLimit)
    if settings.cors_origins:  # closed unless origins are configured
        app.add_middleware(
            CORSMiddleware,
            allow_origins=[o.strip() for o in settings.cors_origins.split(",") if o.strip()],
            allow_methods=["GET", "POST", "PUT"],
            allow_headers=list(CORS_HEADERS),
            expose_headers=["ETag", "X-Request-Id", "X-Dixian-Cutoff", "X-Dixian-Receipt", "Retry-After"],
        )

    @app.middleware("http")
    async def request_context(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        given = request.headers.get("X-Request-Id", "")
        request_id = given if _REQUEST_ID.match(given) else str(uuid.uuid4())  # never a caller's text unchecked
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id, method=request.method, path=request.url.path)
        started = time.perf_counter()
        svc: Services | None = getattr(request.app.state, "services", None)
        written: Written = []
        if svc is not None and svc.database.down and request.url.path not in ALWAYS_ANSWERED:
            response: Response = errors.problem(503, "UnavailableError", errors.DATABASE_DOWN,
                                                english=errors.english(request))  # fmt: skip
        elif request.method in WRITE_METHODS:
            with collecting() as written:  # every event this request saves, for its receipt
                response = await call_next(request)
        else:
            response = await call_next(request)
        if written and svc is not None and response.status_code < 300 and RECEIPT_HEADER not in response.headers:
            command = getattr(request.state, "command_id", None) or f"request:{request_id}"
            response = await _with_receipt(response, svc, written, command)
        role = getattr(request.state, "actor_role", None)
        masks = role is not None and not sees_personal_data(role) and not request.url.path.startswith(UNMASKED_PATHS)
        labels = not request.url.path.startswith(UNLABELLED_PATHS)
        if masks or labels:
            response = await _answered(response, role if masks else None, labels)
        ops.observe(request, response.status_code, started)
        response.headers["X-Request-Id"] = request_id
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith(DOCS_PATHS):  # the interactive docs load their script and styles
            response.headers.setdefault("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
        log.info("request", status=response.status_code, ms=round((time.perf_counter() - started) * 1000, 1))
        return response

    return app
