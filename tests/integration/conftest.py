"""The whole stack in one process, on real parts: embedded PostgreSQL, the Temporal dev server, the worker (with
the projection) and the API app, reached over HTTP through httpx's ASGI transport."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
import psycopg
import pytest_asyncio
from pydantic import SecretStr
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.auth import issue_token
from api.deps import Services
from api.main import create_app
from domain.cases.queries import CaseQueries
from domain.kernel.actors import Actor, Role
from domain.kernel.time import local_date
from domain.ledger import Ledger
from domain.readmodels.cases import open_summary_view
from domain.readmodels.registry import open_registry_view
from domain.readmodels.reports import open_report_view
from tests.conftest import TEST_COMMAND_KEY, TEST_VERIFIER, connect
from worker.main import Projections, build_worker, projection_runner
from worker.national_sync import OutboxNationalSystem
from workflows.accounts.service import AccountService
from workflows.audit.service import AuditService
from workflows.campaigns.service import CampaignService
from workflows.kernel.keys import SigningKey
from workflows.kernel.settings import Settings
from workflows.ops.service import OpsService
from workflows.registry.service import RegistryService
from workflows.reports.service import ReportService

SECRET = "integration-test-secret-of-at-least-32-bytes"
AUDIT_KEY = SigningKey(bytes(range(32)))
VILLAGE = "990102101001"
OTHER_VILLAGE = "990102101002"
TOWNSHIP = "990102101"
COUNTY = "990102"

ACTORS = {
    "cadre": Actor("cadre-1", Role.VILLAGE_CADRE, VILLAGE, "村干部甲"),
    "other_cadre": Actor("cadre-2", Role.VILLAGE_CADRE, OTHER_VILLAGE, "村干部乙"),
    "director": Actor("cadre-3", Role.VILLAGE_CADRE, VILLAGE, "村主任丙"),
    "township": Actor("township-1", Role.TOWNSHIP_REVIEWER, TOWNSHIP, "乡镇审核员"),
    "county": Actor("county-1", Role.COUNTY_APPROVER, COUNTY, "县级审定员"),
    "inspector": Actor("inspector-1", Role.INSPECTOR, COUNTY, "督导"),
    "ops": Actor("ops-1", Role.OPS, COUNTY, "运维甲"),
    "medical": Actor("yb-1", Role.DEPARTMENT, COUNTY, "县医保局", department="medical_insurance"),
    "education": Actor("jy-1", Role.DEPARTMENT, COUNTY, "县教育局", department="education"),
}


class SwitchableNationalSystem:
    """The embedded national port, made unreachable for chosen cases (Dixian's own port: no mock of PostgreSQL or
    Temporal). A test adds a case id to ``unreachable`` to see a sync fail, and removes it to let it through."""

    def __init__(self, inner: OutboxNationalSystem) -> None:
        self.inner, self.unreachable = inner, set[str]()

    def send(self, case_id: str, version: int, status: str, record: dict[str, Any]) -> None:
        if case_id in self.unreachable:
            raise ConnectionError("全国防返贫监测信息系统 unreachable")
        self.inner.send(case_id, version, status, record)


@dataclass
class Stack:
    http: httpx.AsyncClient
    temporal: Client
    es_env: dict[str, str]
    ledger: Ledger
    today: date
    registry: RegistryService
    projections: Projections
    audit: AuditService
    national: SwitchableNationalSystem
    task_queue: str
    services: Services

    def db(self) -> psycopg.Connection[tuple[Any, ...]]:
        """A direct connection to the test's database, to look at what is stored."""
        return connect(self.es_env)

    async def caught_up(self) -> None:
        """Wait until the read models have applied every event stored so far."""
        await asyncio.to_thread(self.projections.wait_for, self.ledger.recorder.max_notification_id())

    def headers(self, who: str, key: str | None = None, if_match: str | None = None) -> dict[str, str]:
        # every write carries an Idempotency-Key (a fresh one unless the test names it); a read ignores it
        h = {"Authorization": f"Bearer {issue_token(SECRET, ACTORS[who])}", "Idempotency-Key": key or uuid.uuid4().hex}
        if if_match is not None:
            h["If-Match"] = if_match
        return h

    def day(self, offset: int) -> str:
        """A business date relative to today (Asia/Shanghai), as ISO text."""
        return (self.today + timedelta(days=offset)).isoformat()

    def at(self, offset: int) -> str:
        """A business time at 10:00 Shanghai on a day relative to today."""
        return f"{self.day(offset)}T10:00:00+08:00"


async def run_stack(
    temporal: Client, es_env: dict[str, str], *, projections: bool = True, worker: bool = True
) -> AsyncIterator[Stack]:
    """The stack; ``projections=False`` leaves the read models to the test (e.g. to run them as the projector process
    does, through a database outage), ``worker=False`` leaves the task queue to workers the test runs itself."""
    task_queue = f"test-{uuid.uuid4().hex[:8]}"
    settings = Settings(task_queue=task_queue, token_secret=SecretStr(SECRET))
    ledger = Ledger(es_env)
    summaries = open_summary_view(es_env)
    registry = RegistryService(ledger, open_registry_view(es_env), summaries)
    services = Services(
        settings=settings,
        token_secret=SecretStr(SECRET),
        temporal=temporal,
        queries=CaseQueries(ledger),
        summaries=summaries,
        registry=registry,
        campaigns=CampaignService(registry),
        audit=AuditService(
            ledger, summaries, registry.view, AUDIT_KEY.public_key, signer=TEST_COMMAND_KEY, checkpointer=AUDIT_KEY
        ),
        ops=OpsService(ledger, summaries, registry.view, open_report_view(es_env)),
        reports=ReportService(ledger, open_report_view(es_env), registry.view, None),
        signer=TEST_COMMAND_KEY,
        accounts=AccountService(ledger),
    )
    app = create_app(services)
    following = projection_runner(es_env) if projections else nullcontext(Projections([]))
    with ThreadPoolExecutor(max_workers=4) as pool, following as runner:
        worker_ledger = Ledger(es_env)
        worker_campaigns = CampaignService(RegistryService(worker_ledger, registry.view, services.summaries))
        national = SwitchableNationalSystem(OutboxNationalSystem(es_env, None))
        worker_reports = ReportService(worker_ledger, open_report_view(es_env), registry.view, None)
        in_process = build_worker(
            temporal,
            worker_ledger,
            national,
            task_queue,
            pool,
            TEST_VERIFIER,
            campaigns=worker_campaigns,
            reports=worker_reports,
        )
        async with in_process if worker else nullcontext():
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://dixian.test") as http:
                from datetime import UTC, datetime

                today = local_date(datetime.now(UTC))
                yield Stack(
                    http,
                    temporal,
                    es_env,
                    ledger,
                    today,
                    registry,
                    runner,
                    services.audit,
                    national,
                    task_queue,
                    services,
                )
    services.database.close()
    ledger.close()


@pytest_asyncio.fixture(loop_scope="session")
async def stack(temporal_env: WorkflowEnvironment, es_env: dict[str, str]) -> AsyncIterator[Stack]:
    async for s in run_stack(temporal_env.client, es_env):
        yield s
