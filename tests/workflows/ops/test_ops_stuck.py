"""An activity that keeps failing is listed by /ops/stuck's service, with its attempt count and failure (time-skipping
server, real PostgreSQL; the national system is the one thing made to fail: it is Dixian's own port, not a mock of
PostgreSQL or Temporal)."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from domain.ledger import Ledger
from domain.readmodels.cases import open_summary_view
from domain.readmodels.registry import open_registry_view
from tests.conftest import TEST_VERIFIER
from tests.scenarios import identification
from tests.workflows.support import Case, stop_workflow
from worker.main import build_worker, projection_runner
from workflows.ops.service import OpsService

pytestmark = pytest.mark.asyncio(loop_scope="session")


class UnreachableNationalSystem:
    def send(self, case_id: str, version: int, status: str, record: dict[str, Any]) -> None:
        raise ConnectionError("全国防返贫监测信息系统 unreachable")


async def test_a_national_sync_that_keeps_failing_is_reported_with_its_attempts(
    ts_env: WorkflowEnvironment, es_env: dict[str, str]
) -> None:
    queue = f"stuck-{uuid.uuid4().hex[:8]}"
    ledger = Ledger(es_env)
    with ThreadPoolExecutor(max_workers=4) as pool, projection_runner(es_env) as projections:
        async with build_worker(ts_env.client, ledger, UnreachableNationalSystem(), queue, pool, TEST_VERIFIER):
            case = Case(ts_env, queue, ledger)
            try:
                await case.open()
                await case.walk(identification())  # monitored: the status goes to the national system
                await ts_env.sleep(timedelta(minutes=2))  # its retries back off: 1 s, 2 s, 4 s, …
                await asyncio.to_thread(projections.wait_for, ledger.recorder.max_notification_id())
                ops = OpsService(ledger, open_summary_view(es_env), open_registry_view(es_env))
                report = await ops.stuck("990102", datetime.now(UTC), ts_env.client, "http://ui.example")
                items = [i for i in report["items"] if i["case_id"] == str(case.case_id)]
                assert [i["problem"] for i in items] == ["activity_retrying"], report
                assert "sync_national: attempt" in items[0]["detail"] and "unreachable" in items[0]["detail"]
                assert items[0]["temporal_ui"].endswith(f"/workflows/case-{case.case_id}")
            finally:
                await stop_workflow(case.handle)
    ledger.close()
