"""The discovery deadlines' durable timers on the time-skipping server: a self-application not answered within 2 days,
and a department alert not verified within 3, are recorded missed the day after; one answered or verified in time
records nothing. The timer holds numbers and a day only."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from temporalio.testing import WorkflowEnvironment

from domain.discovery.alert_commands import AlertRecord
from domain.discovery.commands import ApplicationRecord
from domain.discovery.values import AlertKind, AlertOutcome, ApplicationRoute
from domain.kernel.actors import Actor, Role
from domain.kernel.envelope import Envelope
from domain.kernel.time import local_date
from domain.ledger import Ledger
from domain.registry.values import Risk
from tests.conftest import TEST_VERIFIER
from tests.domain.registry_support import id_number
from tests.integration.registry_support import household
from worker.main import build_worker
from worker.national_sync import OutboxNationalSystem
from workflows.discovery.contracts import DeadlineKind, DiscoveryDeadline, deadline_workflow_id
from workflows.discovery.workflow import DiscoveryDeadlineWorkflow

pytestmark = pytest.mark.asyncio(loop_scope="session")

VILLAGE, TOWNSHIP = "990102101001", "990102101"
CADRE = Actor("cadre-1", Role.VILLAGE_CADRE, VILLAGE, "村干部")
TOWNSHIP_ACTOR = Actor("township-1", Role.TOWNSHIP_REVIEWER, TOWNSHIP, "乡镇")
MEDICAL = Actor("yb-1", Role.DEPARTMENT, "990102", "县医保局", department="medical_insurance")


async def _run(env: WorkflowEnvironment, ledger: Ledger, es_env: dict[str, str], inp: DiscoveryDeadline) -> list[str]:
    queue = f"discovery-{uuid.uuid4().hex[:8]}"
    with ThreadPoolExecutor(max_workers=4) as pool:
        async with build_worker(env.client, ledger, OutboxNationalSystem(es_env, None), queue, pool, TEST_VERIFIER):
            handle = await env.client.start_workflow(
                DiscoveryDeadlineWorkflow.run,
                inp,
                id=deadline_workflow_id(inp.kind, uuid.uuid4().hex),
                task_queue=queue,
            )
            return await handle.result()  # the server skips the days the timer sleeps


async def test_alerts_not_verified_in_three_days_are_recorded_missed_the_day_after(
    ts_env: WorkflowEnvironment, es_env: dict[str, str]
) -> None:
    ledger = Ledger(es_env)
    now = datetime.now(UTC)
    records = [household(f"HH-DL-{i}-{uuid.uuid4().hex[:4]}", VILLAGE, 60 + i) for i in range(2)]
    for r in records:
        ledger.registry.register_household(Envelope(CADRE, f"reg-{r.household_number}", now), r, reason="test")
    alerts = ledger.alerts.push(Envelope(MEDICAL, uuid.uuid4().hex, now), [
        AlertRecord(id_number=r.members[0].id_number, name=r.members[0].name, kind=AlertKind.MEDICAL_COST,
                    occurred_on=local_date(now) - timedelta(days=3), amount=Decimal("26000"))
        for r in records
    ], via="api")  # fmt: skip
    waiting, verified = (p.alert for p in alerts)
    ledger.alerts.verify(Envelope(CADRE, "v", now), verified.number, outcome=AlertOutcome.NOT_AT_RISK,
                         reason="已报销", evidence="入户核实")  # fmt: skip
    due = waiting.facts["verify_due"]
    assert due == local_date(now) + timedelta(days=3)  # policy alert_verify_days
    # the shared server's clock may be ahead already (earlier tests skipped it): the timer then fires at once
    found_on = max(due + timedelta(days=1), local_date(await ts_env.get_current_time()))
    missed = await _run(
        ts_env,
        ledger,
        es_env,
        DiscoveryDeadline(kind=DeadlineKind.ALERT, numbers=[waiting.number, verified.number], due=due),
    )
    assert missed == [waiting.number]
    again = ledger.alerts.get(waiting.number, CADRE)
    assert again.overdue_on in (found_on, found_on + timedelta(days=1)) and again.verified_late()
    assert ledger.alerts.get(verified.number, CADRE).overdue_on is None
    ledger.close()


async def test_an_application_not_answered_in_two_days_is_recorded_missed(
    ts_env: WorkflowEnvironment, es_env: dict[str, str]
) -> None:
    ledger = Ledger(es_env)
    now = datetime.now(UTC)
    view = ledger.applications.receive(Envelope(CADRE, uuid.uuid4().hex, now), ApplicationRecord(
        village_code=VILLAGE, applicant_name="刘大山", applicant_id_number=id_number(seq=321),
        route=ApplicationRoute.HOTLINE, received_on=local_date(now), reported_risks=[Risk.ILLNESS],
    ))  # fmt: skip
    number = str(view["application_number"])
    missed = await _run(ts_env, ledger, es_env, DiscoveryDeadline(kind=DeadlineKind.APPLICATION, numbers=[number],
                                                                  due=view["answer_due"]))  # fmt: skip
    assert missed == [number]
    late = ledger.applications.view(ledger.applications.get(number, TOWNSHIP_ACTOR), TOWNSHIP_ACTOR)
    assert late["answered_late"] is True and late["status"] == "received"
    ledger.close()
