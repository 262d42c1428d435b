"""Every endpoint, driven from the OpenAPI schema, called by a cadre of the neighbouring village about another
village's case, household, staff member, campaign and report: each answer is a refusal (403/404, or 422 for a body
the schema refuses first) or, for a list, only the caller's own area; none carries the other village's names,
numbers or codes, and no write changes the store."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from api.main import create_app
from domain.accounts.commands import AccountRecord
from domain.campaigns.values import Milestone
from domain.discovery.alert_commands import AlertRecord
from domain.discovery.commands import ApplicationRecord
from domain.discovery.values import AlertKind, ApplicationRoute
from domain.kernel.actors import SYSTEM_ACTOR, Actor, Role
from domain.kernel.envelope import Envelope
from domain.registry.rules import StaffRecord
from domain.registry.values import Risk, StaffIdentity
from tests.domain.registry_support import id_number
from tests.integration.conftest import ACTORS, VILLAGE, Stack
from tests.integration.registry_support import household, roster_bytes, rows_of
from tests.integration.support import VISIT, open_case

TOWNSHIP_ACTOR = Actor("township-1", Role.TOWNSHIP_REVIEWER, "990102101", "乡镇审核员")
APPLICANT = id_number(datetime(1968, 5, 2).date(), 77)
# A minimal body each write accepts as to its shape, so that the area is what is judged.
BODIES: dict[str, Any] = {
    "/cases/{case_id}/steps/household-visit": VISIT,
    "/households/{household_number}/screenings": {"screened_on": "2026-03-01", "method": "in_person",
                                                   "screener": "S-SWEEP", "per_capita_net_income": "9000"},
    "/reports/stored/{report_id}/approvals": {"capacity": "party_secretary", "content_hash": "0" * 64},
    # the caller's own form, naming the other village; an answer to the other village's application
    "/applications": {"village_code": VILLAGE, "applicant_name": "扫描申请人", "route": "written",
                      "applicant_id_number": "990102196805020071", "received_on": "2026-03-01",
                      "reported_risks": ["illness"]},
    "/applications/{application_number}/answer": {"accept": False, "reason": "x"},
    "/alerts/{alert_number}/verify": {"outcome": "not_at_risk", "reason": "x", "evidence": "y"},
    "/alerts": {"alerts": [{"id_number": "990102196805020071", "name": "某", "kind": "medical_cost",
                            "occurred_on": "2026-03-01", "amount": "1"}]},
}  # fmt: skip


def store_size(stack: Stack) -> int:
    return int(stack.ledger.recorder.max_notification_id() or 0)


@pytest.mark.asyncio(loop_scope="session")
async def test_a_neighbouring_cadre_learns_and_changes_nothing_of_another_village(stack: Stack) -> None:
    now = datetime.now(UTC)
    record = household("HH-SWEEP-1", VILLAGE, 91, size=2)
    stack.ledger.registry.register_household(Envelope(TOWNSHIP_ACTOR, "sweep-reg", now), record, reason="x")
    stack.ledger.registry.register_staff(Envelope(TOWNSHIP_ACTOR, "sweep-staff", now), StaffRecord("S-SWEEP", "排查员扫", StaffIdentity.GRID_WORKER, VILLAGE),
                                reason="x")  # fmt: skip
    campaign = uuid.uuid4()
    today = stack.today
    stack.ledger.campaigns.start_campaign(
        Envelope(TOWNSHIP_ACTOR, "sweep-camp", now), campaign_id=campaign, name="扫描村攻坚", scope=[VILLAGE], starts_on=today,
        milestones={m: today + timedelta(days=30 + i) for i, m in enumerate(Milestone)},
        )  # fmt: skip
    stack.ledger.accounts.add(Envelope(SYSTEM_ACTOR, "sweep-account", now), AccountRecord(
        user_id="cadre-sweep", name="扫描村干部", role="village_cadre", area_code=VILLAGE), reason="x")  # fmt: skip
    case = await open_case(stack, key=f"sweep-{uuid.uuid4().hex[:6]}")
    applied = stack.ledger.applications.receive(Envelope(TOWNSHIP_ACTOR, "sweep-application", now), ApplicationRecord(
        village_code=VILLAGE, applicant_name="扫描申请人", applicant_id_number=APPLICANT, route=ApplicationRoute.HOTLINE,
        received_on=today, reported_risks=[Risk.ILLNESS]))  # fmt: skip
    [alerted] = stack.ledger.alerts.push(Envelope(ACTORS["medical"], "sweep-alert", now), [AlertRecord(
        id_number=record.members[0].id_number, name=record.members[0].name, kind=AlertKind.MEDICAL_COST,
        occurred_on=today, amount=Decimal("30000"))], via="api")  # fmt: skip
    r = await stack.http.post("/reports", json={"village_code": VILLAGE, "period": "2026-02-01..2026-03-31"},
                              headers=stack.headers("cadre"))  # fmt: skip
    assert r.status_code == 201, r.text
    await stack.caught_up()
    ids = {"case_id": case["case_id"], "household_number": "HH-SWEEP-1", "staff_number": "S-SWEEP",
           "campaign_id": str(campaign), "report_id": r.json()["report_id"], "table": "3-1", "user_id": "cadre-sweep",
           "application_number": str(applied["application_number"]), "alert_number": alerted.alert.number}  # fmt: skip
    secrets = [case["case_id"], "HH-SWEEP-1", record.members[0].name, record.members[0].id_number, record.phone,
               "S-SWEEP", "排查员扫", "扫描村干部", str(campaign), "扫描村攻坚", r.json()["report_id"], VILLAGE,
               APPLICANT, str(applied["application_number"]), alerted.alert.number]  # fmt: skip

    schema = create_app(stack.services).openapi()
    before, checked = store_size(stack), 0
    for template, methods in schema["paths"].items():
        path = template
        for name, value in ids.items():
            path = path.replace("{" + name + "}", value)
        for method in methods:
            if template in ("/healthz", "/readyz", "/metrics", "/households/import-template", "/audit/checkpoints"):
                continue  # no area's data: counts, templates, signed roots
            params: dict[str, str] = {}
            if "{" not in template and method == "get":
                params = {"area_code": VILLAGE} if template.startswith(("/ops", "/cases")) else {"scope": VILLAGE}
            headers = stack.headers("other_cadre", key=f"sweep-{uuid.uuid4().hex[:8]}")
            if template == "/households:import":  # the caller's own file, naming a household of the other village
                roster = roster_bytes(rows_of(household("HH-SWEEP-1", VILLAGE, 91, size=2)), "csv")
                response = await stack.http.post(path, content=roster, headers={**headers, "Content-Type": "text/csv"})
                assert response.status_code == 200 and response.json()["households"]["rejected"] == 1, response.text
                assert {e["rule"] for e in response.json()["errors"]} == {"jurisdiction"}
                checked += 1
                continue
            body = BODIES.get(template, {})
            response = await stack.http.request(method.upper(), path, params=params, json=body, headers=headers)
            checked += 1
            text = response.text
            # What the caller named itself (a query value, an id in the path) may be echoed back in a refusal.
            named = set(params.values()) | {v for v in ids.values() if v in path}
            leaked = [s for s in secrets if s and s in text and s not in named]
            assert not leaked, f"{method.upper()} {template}: {leaked} in {text[:300]}"
            if response.status_code < 300:
                # a list, or a statistical table, of the caller's own area (what leaked of the other is checked above)
                assert method == "get" and ("{" not in template or template == "/reports/{table}"), (
                    f"{method.upper()} {template} answered {response.status_code}"
                )
            else:
                assert response.status_code in (403, 404, 409, 422), f"{method.upper()} {template}: {text[:300]}"
            # Without the other village named, a list is the caller's own.
            if method == "get" and "{" not in template:
                own = await stack.http.get(path, headers=stack.headers("other_cadre"))
                assert not [s for s in secrets if s in own.text], f"GET {template} (own area) shows another's"
    assert checked > 40
    await stack.caught_up()
    assert store_size(stack) - before == _reads_recorded(stack, before)  # only the reads were recorded


def _reads_recorded(stack: Stack, after: int) -> int:
    """Events appended since ``after`` that are access records (every read of personal data is recorded)."""
    from domain.audit.access_log import AccessRecorded
    from domain.audit.checkpoints import entries

    return sum(1 for e in entries(stack.ledger, after) if isinstance(e.event, AccessRecorded))


def test_the_sweep_covers_every_path_parameter_the_api_has() -> None:
    from types import SimpleNamespace

    from workflows.kernel.settings import Settings

    schema = create_app(SimpleNamespace(settings=Settings())).openapi()  # type: ignore[arg-type]
    names = {part[1:-1] for p in schema["paths"] for part in p.split("/") if part.startswith("{")}
    swept = {"case_id", "household_number", "staff_number", "campaign_id", "report_id", "table", "user_id",
             "application_number", "alert_number"}  # fmt: skip
    assert names <= swept, names
