"""The department alerts' push and the visit list against their floors, on one embedded PostgreSQL, side by side.

- Push: a department's file of 2,000 alerts on registered people (the demo county's) through `AlertCommands.push`
  (every row checked, each matched by ID number to its household and its open cases, deduplicated, hash-chained,
  encrypted, appended 100 to a transaction), against inserting the very rows it stored with raw psycopg, in one
  transaction, into a copy of the events table. The same file pushed again (every row answered as a duplicate,
  nothing written) is timed too.
- Visit list: a village's week (`VisitListService.visit_list`: every household a campaign over the village has not
  screened, and the alerts at their doors, each stop with its address and head read from the registry), against a
  raw read of the village's household rows.

Run: `make bench` (or `python -m bench.bench_discovery`; `BENCH_ALERTS=N` for another size).
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg

from bench.support import embedded_postgres, median_ms, raw_reinsert
from domain.campaigns.values import Milestone
from domain.discovery.alert_commands import AlertRecord
from domain.discovery.values import AlertKind
from domain.kernel.actors import Actor, Role
from domain.kernel.envelope import Envelope
from domain.kernel.time import local_date
from domain.ledger import Ledger
from domain.readmodels.cases import open_summary_view
from domain.readmodels.registry import open_registry_view
from worker.demo.township import generate
from worker.main import projection_runner
from worker.national_sync import conninfo_from
from workflows.discovery.visits import VisitListService
from workflows.kernel.observability import configure_logging

ALERTS = int(os.environ.get("BENCH_ALERTS", "2000"))
COUNTY = Actor("bench-county", Role.COUNTY_APPROVER, "990102", "县")
MEDICAL = Actor("bench-medical", Role.DEPARTMENT, "990102", "县医保局", department="medical_insurance")


def main() -> dict[str, Any]:
    configure_logging(json=True, level="WARNING")
    with embedded_postgres("discovery") as env:
        ledger = Ledger(env)
        try:
            return _run(env, ledger)
        finally:
            ledger.close()


def _run(env: dict[str, str], ledger: Ledger) -> dict[str, Any]:
    now = datetime.now(UTC)
    records = generate(ALERTS, 21, today=local_date(now)).households  # the demo county's, spread over its villages
    for chunk in range(0, ALERTS, 100):
        batch: list[tuple[Any, str, Any]] = [(r, f"bd-reg-{r.household_number}", None)
                                             for r in records[chunk : chunk + 100]]  # fmt: skip
        assert ledger.registry.register_new_households(batch, actor=COUNTY, now=now, reason="bench", demo=False)
    village = max({r.village_code for r in records}, key=lambda v: sum(r.village_code == v for r in records))
    alerts = [AlertRecord(id_number=r.members[0].id_number, name=r.members[0].name, kind=AlertKind.MEDICAL_COST,
                          occurred_on=local_date(now) - timedelta(days=3), amount=Decimal("20000") + i,
                          details="住院自付", reference=f"YB-{i}") for i, r in enumerate(records)]  # fmt: skip
    first = ledger.recorder.max_notification_id() or 0
    started = time.perf_counter()
    ledger.alerts.push(Envelope(MEDICAL, "bd-push", now), alerts, via="file")
    push_s = time.perf_counter() - started
    started = time.perf_counter()
    again = ledger.alerts.push(Envelope(MEDICAL, "bd-push-again", now), alerts, via="file")
    again_s = time.perf_counter() - started
    assert all(p.duplicate for p in again)
    conninfo = conninfo_from(env)
    pushed, raw_s = raw_reinsert(conninfo, first, "bench_raw_alerts", one_transaction=True)

    campaign = uuid.uuid4()
    ledger.campaigns.start_campaign(
        Envelope(COUNTY, "bd-camp", now), campaign_id=campaign, name="基准攻坚", scope=[village],
        starts_on=local_date(now) - timedelta(days=1),
        milestones={m: local_date(now) + timedelta(days=10 + i) for i, m in enumerate(Milestone)},
    )  # fmt: skip
    with projection_runner(env) as projections:
        projections.wait_for(ledger.recorder.max_notification_id(), timeout=600)
        view, summaries = open_registry_view(env), open_summary_view(env)
        service = VisitListService(ledger, view, summaries)
        today = local_date(now)
        cadre = Actor("bench-cadre", Role.VILLAGE_CADRE, village, "村干部")
        list_ms = median_ms(lambda: service.visit_list(cadre, village, today, 7, today), 5)
        stops = service.visit_list(cadre, village, today, 7, today)["households"]
        with psycopg.connect(conninfo) as conn:
            query = "SELECT * FROM registry_households WHERE village_code = %s ORDER BY household_number"
            raw_ms = median_ms(lambda: conn.execute(query, (village,)).fetchall(), 5)
    return {
        "alerts": ALERTS, "events": pushed,
        "push_s": round(push_s, 2), "push_again_s": round(again_s, 2), "raw_insert_s": round(raw_s, 3),
        "push_vs_raw": round(push_s / raw_s, 1), "push_alerts_per_s": round(ALERTS / push_s),
        "visit_list_stops": stops, "visit_list_ms": round(list_ms, 1), "raw_households_read_ms": round(raw_ms, 2),
        "visit_list_vs_raw": round(list_ms / raw_ms, 1),
    }  # fmt: skip


def report(r: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [
        (f"push {r['alerts']} alerts (again, all duplicates: {r['push_again_s']} s)", f"{r['raw_insert_s']} s",
         f"{r['push_s']} s ({r['push_alerts_per_s']}/s)", f"{r['push_vs_raw']}×"),
        (f"visit list, a village's week ({r['visit_list_stops']} stops)", f"{r['raw_households_read_ms']} ms",
         f"{r['visit_list_ms']} ms", f"{r['visit_list_vs_raw']}×"),
    ]  # fmt: skip


if __name__ == "__main__":
    from bench.support import print_rows

    print_rows(report(main()))
