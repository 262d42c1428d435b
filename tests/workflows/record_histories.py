"""Record the workflow histories that `make test` replays against the current workflow code.

Run by hand when a workflow change is *meant* to be incompatible (and is versioned with workflow.patched), never to
make a failing replay pass: `.venv/bin/python -m tests.workflows.record_histories`. It starts its own embedded
PostgreSQL and time-skipping server, runs a case through identification (with a missed deadline), assistance and
a campaign through its milestones, and writes each history to tests/workflows/histories/.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from domain.campaigns.values import Milestone
from domain.kernel.actors import Actor, Role
from domain.kernel.envelope import Envelope
from domain.kernel.time import local_date
from domain.ledger import Ledger
from domain.readmodels.cases import open_summary_view
from domain.readmodels.registry import open_registry_view
from tests.conftest import TEST_CONVERTER, TEST_VERIFIER
from tests.scenarios import identification
from tests.workflows.support import Case
from worker.main import build_worker, projection_runner
from worker.national_sync import OutboxNationalSystem
from worker.stack import EmbeddedPostgres, ensure_search_attributes, find_binary
from workflows.campaigns.contracts import CampaignInput, campaign_workflow_id
from workflows.campaigns.service import CampaignService
from workflows.campaigns.workflow import CampaignWorkflow
from workflows.kernel.settings import Settings
from workflows.ops.replay import save_history
from workflows.registry.service import RegistryService

OUT = Path(__file__).parent / "histories"


async def record() -> None:
    data = Path(tempfile.mkdtemp(prefix="dixian-record-"))
    pg = EmbeddedPostgres.start(data)
    try:
        env = Settings(database_url=pg.database_url).eventsourcing_env()
        async with await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=find_binary("temporal-test-server"), data_converter=TEST_CONVERTER
        ) as ts:
            await ensure_search_attributes(ts.client, "default")
            await _run(ts, env)
    finally:
        pg.stop()
        shutil.rmtree(data, ignore_errors=True)


async def _run(ts: WorkflowEnvironment, env: dict[str, str]) -> None:
    queue = f"record-{uuid.uuid4().hex[:8]}"
    ledger = Ledger(env)
    campaigns = CampaignService(RegistryService(ledger, open_registry_view(env), open_summary_view(env)))
    with ThreadPoolExecutor(max_workers=4) as pool, projection_runner(env):
        async with build_worker(
            ts.client, ledger, OutboxNationalSystem(env, None), queue, pool, TEST_VERIFIER, campaigns=campaigns
        ):
            today = local_date(await ts.get_current_time())
            actor = Actor("township-1", Role.TOWNSHIP_REVIEWER, "990102101", "乡镇")
            milestones = {m: today + timedelta(days=i + 1) for i, m in enumerate(Milestone)}
            campaign_id = uuid.UUID("00000000-0000-4000-8000-00000000c0de")
            ledger.campaigns.start_campaign(
                Envelope(actor, "record", datetime.now(UTC)), campaign_id=campaign_id, name="录制", scope=["990102101"], starts_on=today, milestones=milestones,
                )  # fmt: skip
            handle = await ts.client.start_workflow(
                CampaignWorkflow.run, CampaignInput(campaign_id=campaign_id, milestones=milestones),
                id=campaign_workflow_id(campaign_id), task_queue=queue,
            )  # fmt: skip
            try:
                await asyncio.wait_for(handle.result(), 60)
            except TimeoutError:
                desc = await handle.describe()
                print("STUCK", desc.raw_description.pending_activities)
                raise
            save_history(await ts.client.get_workflow_handle(campaign_workflow_id(campaign_id)).fetch_history(), OUT)
            case = Case(ts, queue, ledger)
            view = await case.open()
            await ts.sleep(timedelta(days=17))  # the identification deadline passes: DeadlineMissed
            await case.walk(identification())
            assert case.handle is not None and view.case_id
            save_history(await case.handle.fetch_history(), OUT)
            await case.handle.terminate("recorded")

    ledger.close()


if __name__ == "__main__":
    asyncio.run(record())
