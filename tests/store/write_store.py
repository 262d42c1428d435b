"""Writes the stored-store fixture: a small event store as Dixian's code of the day wrote it, with what that code
read back from it, so that later code can be held against both (``tests/store/test_old_store.py``).

Run by hand, once per fixture, on the code whose store it records:

    PATH=.venv/bin:$PATH .venv/bin/python -m tests.store.write_store tests/store/<date>

Never rewrite a fixture that exists: it is the record of what an earlier release stored. The store covers every
kind of event (cases through identification, assistance, elimination, look-back and both rollback decisions; the
registry with ID-number claims released and reclaimed; a campaign; a village report through its sign-off; the
access log, a repair and a signed checkpoint), encrypted with the tests' cipher key (tests/conftest.py).
"""

from __future__ import annotations

import base64
import json
import shutil
import sys
import tempfile
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any
from uuid import UUID, uuid5

import psycopg
from psycopg.rows import dict_row

from domain.kernel.envelope import Envelope

KEY_SEED = bytes(range(32))  # the integration tests' audit key: the checkpoint's signature verifies with it
NAMESPACE = UUID("5d1f1d57-6a53-4c1b-9a53-0f2a7c2f5e10")
READ_MODEL_TABLES = (
    "case_summaries",
    "case_deadline_misses",
    "registry_households",
    "registry_screenings",
    "registry_open_cases",
    "registry_access",
    "registry_campaign_milestones",
    "registry_staff",
    "report_facts",
    "report_case_findings",
    "report_clock",
    "report_village_reports",
)


def plain(value: Any) -> Any:
    """JSON for whatever an aggregate or a view holds."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [plain(v) for v in value]
        return sorted(items, key=json.dumps) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (UUID, Decimal, datetime, date)):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if hasattr(value, "__dict__"):
        return plain(vars(value))
    return str(value)


def aggregate_state(aggregate: Any) -> dict[str, Any]:
    """An aggregate as read back: its class's stored topic and every attribute (pending events aside)."""
    from eventsourcing.utils import get_topic

    state = {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}
    return {"topic": get_topic(type(aggregate)), "state": plain(state)}


def connect(env: dict[str, str]) -> psycopg.Connection[dict[str, Any]]:
    from tests.conftest import connect as connect_to

    return connect_to(env, row_factory=dict_row, autocommit=True)


def read_model_rows(env: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Every read-model table, rows as text, in a fixed order."""
    rows: dict[str, list[dict[str, Any]]] = {}
    with connect(env) as conn:
        for table in READ_MODEL_TABLES:
            found = conn.execute(f"SELECT * FROM {table}").fetchall()
            as_text = [{k: plain(v) for k, v in r.items()} for r in found]
            rows[table] = sorted(as_text, key=lambda r: json.dumps(r, sort_keys=True, ensure_ascii=False))
    return rows


def write(env: dict[str, str]) -> dict[str, Any]:
    """Write the store through the ledger; return what was written about it (ids by role, fixed moments)."""
    from domain.audit import checkpoints as audit
    from domain.campaigns.screening import ScreeningFindings
    from domain.campaigns.values import Milestone, ScreeningMethod
    from domain.cases.values import DeadlineKind, MeasureCategory, MeasureStatus, NoticeOutcome, RollbackDecision
    from domain.kernel.actors import Actor, Role
    from domain.kernel.steps import Step
    from domain.ledger import Ledger
    from domain.reports.village_report import Capacity
    from tests.domain.registry_support import family, household, member, staff
    from tests.domain.support import (
        COUNTY_APPROVER,
        NOW,
        TOWNSHIP_REVIEWER,
        VILLAGE_CADRE,
        VILLAGE_CODE,
        CaseDriver,
        at,
        feb,
        mar,
    )
    from workflows.kernel.keys import SigningKey

    county = Actor(id="county-op", role=Role.COUNTY_APPROVER, area_code="990102", name="县操作员")
    ledger = Ledger(env)
    ids: dict[str, Any] = {}
    try:
        # The registry: staff registered and changed; a household registered, then one member moved to another.
        ledger.registry.register_staff(Envelope(county, "staff-1", NOW), staff("S-001"), reason="首次登记")
        ledger.registry.register_staff(Envelope(county, "staff-2", NOW), staff("S-001", phone="13900139001"), reason="换号")  # fmt: skip
        a_family = family()
        ledger.registry.register_household(Envelope(county, "hh-a-1", NOW), household("HH-A", a_family), reason="花名册导入")  # fmt: skip
        ledger.registry.register_household(Envelope(county, "hh-a-2", NOW), household("HH-A", a_family[:2]), reason="子女分户")  # fmt: skip
        child = a_family[2]
        b_members = (member(10, name="刘小明之父"), child)
        ledger.registry.register_household(Envelope(county, "hh-b-1", NOW), household("HH-B", b_members, address="玉坪村三组14号"), reason="分户登记")  # fmt: skip

        # A campaign over the township, and a screening of HH-A in it.
        campaign_id = uuid5(NAMESPACE, "campaign")
        ids["campaign"] = str(campaign_id)
        ledger.campaigns.start_campaign(
            Envelope(county, "campaign-1", NOW), campaign_id=campaign_id, name="2026年春季百日攻坚", scope=["990102101"], starts_on=date(2026, 3, 1),
            milestones={Milestone.SCREENING_DONE: date(2026, 3, 10), Milestone.PROCEDURES_DONE: date(2026, 3, 25),
                        Milestone.SUMMARY_DONE: date(2026, 3, 30)},
            )  # fmt: skip
        findings = ScreeningFindings(wage_income=Decimal("36000"))
        ledger.campaigns.record_screening(
            Envelope(VILLAGE_CADRE, "screen-1", NOW), household_number="HH-A", campaign_id=campaign_id, screened_on=date(2026, 3, 1),
            method=ScreeningMethod.IN_PERSON, screener="S-001", findings=findings, comment="",
            )  # fmt: skip
        ledger.campaigns.schedule_look_backs(campaign_id=campaign_id, case_ids=[], due_on=date(2026, 3, 25), now=NOW)
        ledger.campaigns.pass_milestone(campaign_id=campaign_id, milestone=Milestone.SCREENING_DONE, missing={
            "unscreened": {"households": 1, "by_village_count": {"990102101002": 1}},
            "look_backs_not_done": [], "cases_in_identification": [], "not_monitored": [],
        },
                              now=at(2026, 3, 11))  # fmt: skip

        # Case 1 (HH-A, registered): the whole path to a rollback, with an objection, a missed deadline, measures
        # changed and ended, a review finding rectified.
        one = CaseDriver(ledger, uuid5(NAMESPACE, "case-1"))
        ids["case_rolled_back"] = str(one.case_id)
        one.open(household_number="HH-A", command_id="case-1-open")
        one.visit()
        one.cross_check()
        one.deliberate()
        one.post_notice()
        one.object()
        one.close_notice(outcome=NoticeOutcome.REDELIBERATE, investigation="经营性收入待核实", occurred_at=feb(16))
        one.deliberate(occurred_at=feb(16, 15), minutes_ref="PY-2026-02")
        one.post_notice(occurred_at=feb(17), start_date=date(2026, 2, 17), end_date=date(2026, 2, 21))
        one.close_notice(occurred_at=feb(22, 9))
        one.review(occurred_at=feb(22, 11))
        one.decide()
        one.announce()
        one.assign()
        one.record_missed(DeadlineKind.ASSISTANCE_PLAN, date(2026, 3, 5), mar(6))
        one.plan(occurred_at=mar(6))
        one.measures()
        one.change_measure("M1", funds=Decimal("1500"))
        one.add_measure(
            MeasureCategory.EDUCATION, status=MeasureStatus.PLANNED, sub_item="雨露计划", occurred_at=mar(1)
        )
        one.implement_measure("M3", occurred_at=mar(2))
        one.end_measure("M3", occurred_at=mar(3))
        one.review_assistance()
        one.add_measure(MeasureCategory.PUBLIC_WELFARE_JOB, sub_item="公益岗位", occurred_at=mar(11))
        one.rectify("F1", ["M4"])
        one.eliminate()
        one.look_back()
        one.request_rollback()
        one.decide_rollback()

        # Case 2 (an unregistered household): eliminated, a rollback requested and refused.
        two = CaseDriver(ledger, uuid5(NAMESPACE, "case-2"))
        ids["case_rollback_refused"] = str(two.case_id)
        two.through("rollback_request")
        two.decide_rollback(decision=RollbackDecision.REJECT, reason="回头看所列收入已恢复")

        # Case 3: closed at the household visit (the household declined to sign the authorisation).
        three = CaseDriver(ledger, uuid5(NAMESPACE, "case-3"))
        ids["case_closed"] = str(three.case_id)
        three.open(command_id="case-3-open")
        three.visit(authorisation_signed=False, authorisation_ref="", refusal_reason="不愿申请")

        # A village report drafted, revised, approved twice and submitted.
        tables = {"3-1": [1, 0, 0, 1], "3-2": [0, 1], "3-3": [0, 0, 0], "3-4": [1, 1]}
        report = ledger.reports.draft_village_report(
            Envelope(VILLAGE_CADRE, "report-1", NOW), village_code=VILLAGE_CODE, first=date(2026, 2, 1), last=date(2026, 2, 14), tables=tables, cutoff=10,
            checkpoint=None, )  # fmt: skip
        revised = {**tables, "3-2": [1, 1]}
        ledger.reports.draft_village_report(
            Envelope(VILLAGE_CADRE, "report-2", NOW), village_code=VILLAGE_CODE, first=date(2026, 2, 1), last=date(2026, 2, 14), tables=revised, cutoff=20,
            checkpoint=None, reason="补录一户",
        )  # fmt: skip
        report_id = UUID(str(report["report_id"]))
        ids["village_report"] = str(report_id)
        seen = ledger.reports.village_report(report_id, VILLAGE_CADRE)["content_hash"]
        secretary = Actor(id="vc-sec", role=Role.VILLAGE_CADRE, area_code=VILLAGE_CODE, name="村支书")
        director = Actor(id="vc-dir", role=Role.VILLAGE_CADRE, area_code=VILLAGE_CODE, name="村主任")
        ledger.reports.approve_village_report(Envelope(secretary, "approve-1", NOW), report_id=report_id, capacity=Capacity.PARTY_SECRETARY, content_hash=seen,
                                      )  # fmt: skip
        ledger.reports.approve_village_report(Envelope(director, "approve-2", NOW), report_id=report_id, capacity=Capacity.COMMITTEE_DIRECTOR, content_hash=seen,
                                      )  # fmt: skip
        ledger.reports.submit_village_report(
            Envelope(secretary, "submit-1", NOW),
            report_id=report_id,
        )

        # The access log, a repair, and a signed checkpoint over all of it.
        inspector = Actor(id="in-1", role=Role.INSPECTOR, area_code="990102", name="督导")
        ledger.audit.record_access(actor=inspector, at=NOW, what="case_history", target=str(one.case_id),
                             village_code=VILLAGE_CODE, purpose="季度抽查", path=f"/cases/{one.case_id}/events")  # fmt: skip
        ops = Actor(id="ops-1", role=Role.OPS, area_code="990102", name="运维甲")
        ledger.ops.record_repair(actor=ops, at=NOW, action="restart", case_id=str(two.case_id), reason="工作流卡住",
                             detail="restarted from the event store")  # fmt: skip
        made = audit.make_checkpoint(ledger, SigningKey(KEY_SEED).sign, NOW)
        assert made is not None
        del TOWNSHIP_REVIEWER, COUNTY_APPROVER, Step  # the drivers' defaults act for them
    finally:
        ledger.close()
    return ids


def read_back(env: dict[str, str], ids: dict[str, Any]) -> dict[str, Any]:
    """What the code of the day reads from the store: every aggregate, the case views and records, the audit."""
    from domain.audit import checkpoints as audit
    from domain.ledger import Ledger
    from tests.domain.support import NOW
    from workflows.kernel.keys import SigningKey, check

    ledger = Ledger(env)
    try:
        notifications = ledger.recorder.select_notifications(start=1, limit=10_000)
        originators = sorted({str(n.originator_id) for n in notifications})
        aggregates = {oid: aggregate_state(ledger.repository.get(UUID(oid))) for oid in originators}
        cases = {
            name: {
                "view": plain(ledger.cases.view(UUID(ids[name]), NOW)),
                "records": plain(ledger.cases.event_records(UUID(ids[name]))),
            }
            for name in ("case_rolled_back", "case_rollback_refused", "case_closed")
        }
        verified = audit.verify_log(ledger, check, SigningKey(KEY_SEED).public_key)
        households = {n: plain(ledger.registry.household(n)) for n in ("HH-A", "HH-B")}
    finally:
        ledger.close()
    return {
        "now": NOW.isoformat(),
        "ids": ids,
        "topics": sorted({n.topic for n in notifications}),
        "aggregates": aggregates,
        "cases": cases,
        "households": households,
        "verification": plain(verified),
    }


def project(env: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Every read model folded from the store from scratch, as the projector does."""
    from domain.ledger import Ledger
    from worker.main import projection_runner

    ledger = Ledger(env)
    try:
        last = ledger.recorder.max_notification_id()
    finally:
        ledger.close()
    with projection_runner(env) as runner:
        runner.wait_for(last, timeout=60)
    return read_model_rows(env)


def dump_rows(env: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """The store's own tables, byte for byte (the state column in base64)."""
    out: dict[str, list[dict[str, Any]]] = {}
    with connect(env) as conn:
        for table, order in (
            ("cases_events", "notification_id"),
            ("cases_snapshots", "originator_id, originator_version"),
        ):
            rows = conn.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
            out[table] = [
                {k: (base64.b64encode(v).decode() if isinstance(v, bytes) else plain(v)) for k, v in r.items()}
                for r in rows
            ]
    return out


def main(target: Path) -> None:
    from tests.conftest import TEST_CIPHER_KEY  # sets DIXIAN_CIPHER_KEY for the Settings below
    from worker.stack import EmbeddedPostgres
    from workflows.kernel.settings import Settings

    assert TEST_CIPHER_KEY
    if target.exists():
        raise SystemExit(f"{target} exists: a stored fixture is never rewritten")
    data_dir = Path(tempfile.mkdtemp(prefix="dixian-fixture-pg-"))
    server = EmbeddedPostgres.start(data_dir)
    try:
        env = Settings(database_url=server.database_url).eventsourcing_env()
        ids = write(env)
        expected = read_back(env, ids)
        expected["read_models"] = project(env)
        stored = dump_rows(env)
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    target.mkdir(parents=True)
    for table, rows in stored.items():
        with (target / f"{table}.jsonl").open("w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
    (target / "expected.json").write_text(
        json.dumps(expected, ensure_ascii=False, sort_keys=True, indent=1) + "\n", encoding="utf-8"
    )
    print(f"wrote {sum(len(r) for r in stored.values())} rows and what they read as to {target}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
