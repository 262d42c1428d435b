"""The campaign's clock on the time-skipping server: each milestone passing records what was not done by then."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from temporalio.testing import WorkflowEnvironment

from domain.campaigns.screening import ScreeningFindings
from domain.campaigns.values import Milestone, ScreeningMethod
from domain.cases.values import Source
from domain.kernel.actors import Actor, Role
from domain.kernel.envelope import Envelope
from domain.kernel.time import end_of_day, local_date
from domain.ledger import Ledger
from domain.readmodels.cases import open_summary_view
from domain.readmodels.registry import open_registry_view
from domain.registry.rules import StaffRecord
from domain.registry.values import StaffIdentity
from tests.conftest import TEST_VERIFIER
from tests.integration.registry_support import household
from worker.main import build_worker, projection_runner
from worker.national_sync import OutboxNationalSystem
from workflows.campaigns.contracts import CampaignInput, campaign_workflow_id
from workflows.campaigns.service import CampaignService
from workflows.campaigns.workflow import CampaignWorkflow
from workflows.ops.service import OpsService
from workflows.registry.service import RegistryService

pytestmark = pytest.mark.asyncio(loop_scope="session")

VILLAGE, OTHER, TOWNSHIP, COUNTY = "990102101001", "990102101002", "990102101", "990102"
TOWNSHIP_ACTOR = Actor("township-1", Role.TOWNSHIP_REVIEWER, TOWNSHIP, "乡镇")
CADRE = Actor("cadre-1", Role.VILLAGE_CADRE, VILLAGE, "村干部")


async def test_milestones_record_unscreened_households_and_cases_still_in_identification(
    ts_env: WorkflowEnvironment, es_env: dict[str, str]
) -> None:
    ledger = Ledger(es_env)
    registry = RegistryService(ledger, open_registry_view(es_env))
    now = datetime.now(UTC)
    a, b, c = (household(f"HH-CAMP-{i}", VILLAGE, 40 + i) for i in range(3))
    d = household("HH-CAMP-9", OTHER, 49)
    for record in (a, b, c, d):
        ledger.registry.register_household(Envelope(TOWNSHIP_ACTOR, f"reg-{record.household_number}", now), record, reason="test")  # fmt: skip
    ledger.registry.register_staff(
        Envelope(TOWNSHIP_ACTOR, "s", now), StaffRecord("S-1", "网格员", StaffIdentity.GRID_WORKER, VILLAGE), reason="test",
    )  # fmt: skip
    virtual_today = local_date(await ts_env.get_current_time())
    real_today = local_date(now)
    starts_on = min(virtual_today, real_today) - timedelta(days=2)
    milestones = {
        Milestone.SCREENING_DONE: virtual_today + timedelta(days=1),
        Milestone.PROCEDURES_DONE: virtual_today + timedelta(days=2),
        Milestone.SUMMARY_DONE: virtual_today + timedelta(days=3),
    }
    campaign_id = uuid.uuid4()
    ledger.campaigns.start_campaign(
        Envelope(TOWNSHIP_ACTOR, "camp", now), campaign_id=campaign_id, name="百日攻坚", scope=[TOWNSHIP], starts_on=starts_on, milestones=milestones,
        )  # fmt: skip
    # a and d are screened in the campaign; b and c are not. c has a case still in identification.
    ledger.registry.register_staff(
        Envelope(TOWNSHIP_ACTOR, "s2", now), StaffRecord("S-2", "网格员乙", StaffIdentity.GRID_WORKER, OTHER), reason="test",
    )  # fmt: skip
    for record, screener in ((a, "S-1"), (d, "S-2")):
        ledger.campaigns.record_screening(
            Envelope(TOWNSHIP_ACTOR, f"screen-{record.household_number}", now), household_number=record.household_number, campaign_id=campaign_id, screened_on=starts_on,
            method=ScreeningMethod.IN_PERSON, screener=screener, findings=ScreeningFindings(wage_income=Decimal(90000)),
            comment="", )  # fmt: skip
    case_id = uuid.uuid4()
    ledger.cases.open_case(
        Envelope(CADRE, "open-c", now), case_id=case_id, household_number=c.household_number,
        household_head="", village_code=VILLAGE, source=Source.CADRE_SCREENING, clue_date=real_today,
        reported_risks=[],
    )  # fmt: skip

    task_queue = f"campaign-{uuid.uuid4().hex[:8]}"
    with ThreadPoolExecutor(max_workers=4) as pool, projection_runner(es_env) as projections:
        await asyncio.to_thread(projections.wait_for, ledger.recorder.max_notification_id())
        ops = OpsService(ledger, open_summary_view(es_env), registry.view)
        clock = await ts_env.get_current_time()
        # Not yet passed: each milestone is due soon, for the township and for each village inside it.
        soon = ops.deadlines(VILLAGE, clock, timedelta(days=4))["items"]
        assert [
            (i["kind"], i["milestone"], i["area_code"], i["missed_recorded"]) for i in soon if "milestone" in i
        ] == [("campaign_milestone", m.value, VILLAGE, False) for m in Milestone]
        assert not [i for i in ops.deadlines(TOWNSHIP, clock)["items"] if "milestone" in i]  # none past due yet
        worker_ledger = Ledger(es_env)
        worker = build_worker(
            ts_env.client, worker_ledger, OutboxNationalSystem(es_env, None), task_queue, pool, TEST_VERIFIER,
            campaigns=CampaignService(RegistryService(worker_ledger, registry.view, open_summary_view(es_env))),
        )  # fmt: skip
        async with worker:
            passed = await ts_env.client.execute_workflow(
                CampaignWorkflow.run,
                CampaignInput(campaign_id=campaign_id, milestones=milestones),
                id=campaign_workflow_id(campaign_id),
                task_queue=task_queue,
            )
        worker_ledger.close()
        await asyncio.to_thread(projections.wait_for, ledger.recorder.max_notification_id())
        # Passed: the overdue list names each village where a milestone found work missing, with how much.
        after = end_of_day(milestones[Milestone.SUMMARY_DONE]) + timedelta(hours=1)
        late = [i for i in ops.deadlines(TOWNSHIP, after)["items"] if "milestone" in i]
        assert [(i["milestone"], i["area_code"], i["missing"], i["days_late"]) for i in late] == [
            ("screening_done", VILLAGE, 2, 3),  # b and c unscreened
            ("procedures_done", VILLAGE, 1, 2),  # c's case still in identification
            ("summary_done", VILLAGE, 3, 1),
        ]
        assert all(i["missed_recorded"] and i["kind_label"] == "排查工作节点" for i in late)
        assert not [i for i in ops.deadlines(OTHER, after)["items"] if "milestone" in i]  # d was screened
    assert passed == [m.value for m in Milestone]

    view = ledger.campaigns.campaign(campaign_id)
    screening = view["passed"]["screening_done"]
    assert screening["due_on"] == milestones[Milestone.SCREENING_DONE].isoformat()
    assert screening["missing"]["unscreened"] == {
        "households": 2,
        "by_village_count": {VILLAGE: 2},
        "by_village": {VILLAGE: [b.household_number, c.household_number]},
    }
    assert screening["escalated_to"] == [COUNTY]  # the township's campaign escalates to its county
    procedures = view["passed"]["procedures_done"]
    assert procedures["missing"]["cases_in_identification"] == [{"case_id": str(case_id), "village_code": VILLAGE}]
    assert "unscreened" not in procedures["missing"]
    summary = view["passed"]["summary_done"]
    assert summary["missing"]["unscreened"]["households"] == 2
    assert summary["missing"]["cases_in_identification"] == procedures["missing"]["cases_in_identification"]
    assert view["look_backs"] == {
        "case_ids": [],
        "villages": {},
        "due_on": milestones[Milestone.SCREENING_DONE].isoformat(),
    }
    # Each milestone was recorded once, in order, after the one before.
    versions = [view["passed"][m.value]["version"] for m in Milestone]
    assert versions == sorted(versions) and len(set(versions)) == 3
    ledger.close()
