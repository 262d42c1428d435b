"""The four tables from a scripted scenario on real PostgreSQL: figures counted by hand here, a cut-off that gives the
same bytes later, a projection stopped half-way and resumed, and a rebuild from zero."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import Tracking

from domain.accounts.commands import AccountRecord
from domain.campaigns.screening import ScreeningFindings
from domain.campaigns.values import ScreeningMethod
from domain.cases.values import Category, DeadlineKind, MeasureCategory
from domain.kernel.actors import Actor, Role
from domain.kernel.envelope import Envelope
from domain.kernel.time import SHANGHAI
from domain.ledger import Ledger
from domain.readmodels.registry import open_registry_view
from domain.readmodels.reports import open_report_view, report_projection
from domain.readmodels.schema import read_model_env
from domain.registry.rules import StaffRecord
from domain.registry.values import StaffIdentity
from domain.reports.tables import Table
from domain.reports.village_report import Capacity
from tests.domain.support import (
    COUNTY_APPROVER,
    COUNTY_CODE,
    OTHER_VILLAGE_CADRE,
    OTHER_VILLAGE_CODE,
    TOWNSHIP_CODE,
    TOWNSHIP_REVIEWER,
    VILLAGE_CADRE,
    VILLAGE_CODE,
    CaseDriver,
    finding,
    mar,
)
from tests.integration.registry_support import household
from worker.main import projection_runner
from workflows.reports.files import to_csv, to_xlsx
from workflows.reports.service import Period, ReportService

V1, V2, T = VILLAGE_CODE, OTHER_VILLAGE_CODE, TOWNSHIP_CODE
SPRING = Period(date(2026, 2, 1), date(2026, 3, 31), None, None)
AUTUMN = Period(date(2026, 10, 1), date(2026, 10, 31), None, None)
ROLLBACK_WEEKS = Period(date(2027, 3, 1), date(2027, 3, 14), None, None)


@dataclass
class Scenario:
    ledger: Ledger
    env: dict[str, str]

    def reports(self) -> ReportService:
        return ReportService(self.ledger, open_report_view(self.env), open_registry_view(self.env), None)

    def catch_up(self) -> None:
        with projection_runner(self.env) as projections:
            projections.wait_for(self.ledger.recorder.max_notification_id())


def registry_part(ledger: Ledger) -> None:
    """Three households (3, 2 and 4 persons), two screened in March 2026; four staff, each with one identity."""
    now = datetime(2026, 2, 1, 9, tzinfo=SHANGHAI)
    for number, village, size in (("HH-R-1", V1, 3), ("HH-R-2", V1, 2), ("HH-R-3", V2, 4)):
        ledger.registry.register_household(Envelope(TOWNSHIP_REVIEWER, f"reg-{number}", now), household(number, village, int(number[-1]), size=size), reason="花名册")  # fmt: skip
    for number, identity, area in (
        ("S-001", StaffIdentity.VILLAGE_CADRE, V1),
        ("S-002", StaffIdentity.GRID_WORKER, V1),
        ("S-003", StaffIdentity.GRID_WORKER, V2),
        ("S-004", StaffIdentity.TOWNSHIP_CADRE, T),
    ):
        ledger.registry.register_staff(Envelope(TOWNSHIP_REVIEWER, f"staff-{number}", now), StaffRecord(number, f"工作人员{number[-1]}", identity, area), reason="排查力量")  # fmt: skip
    for number, screener, day in (("HH-R-1", "S-002", date(2026, 3, 1)), ("HH-R-3", "S-003", date(2026, 3, 2))):
        ledger.campaigns.record_screening(
            Envelope(TOWNSHIP_REVIEWER, f"screen-{number}", datetime.combine(day, datetime.min.time(), UTC)), household_number=number, campaign_id=None, screened_on=day, method=ScreeningMethod.IN_PERSON,
            screener=screener, findings=ScreeningFindings(wage_income=Decimal(90000)), comment="",
            )  # fmt: skip


def case_part(ledger: Ledger) -> dict[str, CaseDriver]:
    """A: village 1, 3 persons, 边缘易致贫户, a reviewer's 不及时 finding (03-10) rectified 03-12.
    B: village 2, 2 persons, 突发严重困难户, no plan: its plan deadline (03-05) and measures deadline (03-10) missed,
    so 不及时 from 03-06 and 不精准 (a risk without its measure) from 03-11, neither rectified.
    C: village 1, 3 persons, 边缘易致贫户, eliminated 2026-09-15, found unstable and asked back 2027-03-12."""
    a, b, c = CaseDriver(ledger), CaseDriver(ledger), CaseDriver(ledger)
    a.through("assisted")
    a.review_assistance([finding("not_timely", found_on=date(2026, 3, 10))], occurred_at=mar(10))
    a.add_measure(MeasureCategory.PUBLIC_WELFARE_JOB, occurred_at=mar(11), start_date=date(2026, 3, 11))
    a.rectify("F1", ["M3"], occurred_at=mar(12))

    b.open(actor=OTHER_VILLAGE_CADRE, village_code=V2, household_size=2)
    b.visit(actor=OTHER_VILLAGE_CADRE, sudden_event="房屋失火")
    b.cross_check()
    b.deliberate(actor=OTHER_VILLAGE_CADRE)
    b.post_notice(actor=OTHER_VILLAGE_CADRE)
    b.close_notice(actor=OTHER_VILLAGE_CADRE)
    b.review()
    b.decide(category=Category.SUDDEN_HARDSHIP)
    b.announce()
    b.record_missed(DeadlineKind.ASSISTANCE_PLAN, date(2026, 3, 5), mar(6))
    b.record_missed(DeadlineKind.MEASURES, date(2026, 3, 10), mar(11))

    c.through("rollback_request")
    return {"A": a, "B": b, "C": c}


@pytest.fixture
def scenario(es_env: dict[str, str]) -> Iterator[Scenario]:
    ledger = Ledger(es_env)
    registry_part(ledger)
    case_part(ledger)
    yield Scenario(ledger, es_env)
    ledger.close()


def rows(doc: dict[str, Any]) -> dict[str, list[int]]:
    """The figures by row: the 合计 row under its label, the others under their area code."""
    return {r["unit"] if r["no"] == "" else r["code"]: r["values"] for r in doc["rows"]}


def test_the_four_tables_agree_with_a_hand_count(scenario: Scenario) -> None:
    scenario.catch_up()
    reports = scenario.reports()

    t31 = rows(reports.table(Table.NEW_OBJECTS, T, SPRING))
    # 合计 (A, B, C), 脱贫不稳定户 (none), 边缘易致贫户 (A, C), 突发严重困难户 (B): households and persons.
    assert t31["县合计"] == [3, 8, 0, 0, 2, 6, 1, 2]
    assert t31[V1] == [2, 6, 0, 0, 2, 6, 0, 0] and t31[V2] == [1, 2, 0, 0, 0, 0, 1, 2]
    assert sum(1 for code in t31 if code.startswith(T)) == 16  # every village and the relocation site has its row
    assert rows(reports.table(Table.NEW_OBJECTS, T, AUTUMN))["县合计"] == [0] * 8

    assert rows(reports.table(Table.ROLLBACKS, T, SPRING))["县合计"] == [0] * 8
    assert rows(reports.table(Table.ROLLBACKS, T, ROLLBACK_WEEKS))["县合计"] == [1, 3, 0, 0, 1, 3, 0, 0]  # C

    t33 = rows(reports.table(Table.ASSISTANCE, T, SPRING))
    # 未消除 A, B, C; 不及时 found A (recorded) and B (derived), rectified A; 不精准 found B; 成效不明显 none.
    assert t33["县合计"] == [3, 8, 2, 5, 1, 3, 1, 2, 0, 0, 0, 0, 0, 0]
    assert t33[V2] == [1, 2, 1, 2, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0]
    assert rows(reports.table(Table.ASSISTANCE, T, AUTUMN))["县合计"] == [2, 5] + [0] * 12  # C was eliminated

    t34 = rows(reports.table(Table.SCREENING, T, SPRING))
    # villages screened, households and persons (all, screened), staff: total, 县直, 乡镇, 村干部, 驻村, 村医, 网格员, 责任人.
    # All households: the registry part's 3 (9 persons) and the three cases' own, registered before their clues
    # (A and C in V1, 3 persons each; B in V2, 2 persons).
    assert t34["市合计"] == [2, 6, 17, 2, 7, 4, 0, 1, 1, 0, 0, 2, 0]
    assert t34[V1] == [1, 4, 11, 1, 3, 2, 0, 0, 1, 0, 0, 1, 0]
    assert t34[V2] == [1, 2, 6, 1, 4, 1, 0, 0, 0, 0, 0, 1, 0]

    village = reports.table(Table.NEW_OBJECTS, V1, SPRING)
    assert [r["unit"] for r in village["rows"]] == ["县合计", village["scope"]["name"]]
    assert village["filling_unit"] == f"填报单位：{village['scope']['name']}村委会  (盖章)"


def test_a_cut_off_gives_the_same_figures_and_bytes_after_the_log_moved_on(scenario: Scenario) -> None:
    scenario.catch_up()
    reports = scenario.reports()
    before = reports.table(Table.NEW_OBJECTS, T, SPRING)
    cutoff = before["cutoff"]["position"]
    csv_before, xlsx_before = to_csv(before), to_xlsx(before)

    late = CaseDriver(scenario.ledger)  # identified in the spring period, recorded after the first report
    late.through("announcement")
    scenario.catch_up()

    again = reports.table(Table.NEW_OBJECTS, T, SPRING, cutoff=cutoff)
    assert again == before and to_csv(again) == csv_before and to_xlsx(again) == xlsx_before
    now = reports.table(Table.NEW_OBJECTS, T, SPRING)
    assert now["cutoff"]["position"] > cutoff and rows(now)["县合计"][:2] == [4, 11]


def test_a_projection_stopped_half_way_and_a_rebuild_from_zero_give_the_same_tables(es_env: dict[str, str]) -> None:
    ledger = Ledger(es_env)
    try:
        registry_part(ledger)
        half = ledger.recorder.max_notification_id()
        case_part(ledger)
        scenario = Scenario(ledger, es_env)
        assert half is not None
        # The report projection as a projector leaves it when stopped right after the registry's events.
        projection = report_projection(read_model_env(es_env))(view=open_report_view(es_env))
        for n in ledger.recorder.select_notifications(None, 1_000_000, stop=half, topics=projection.topics):
            projection.process_event(ledger.mapper.to_domain_event(n), Tracking(ledger.name, n.id))
        reports = scenario.reports()
        assert 0 < reports.position() < ledger.recorder.max_notification_id()
        scenario.catch_up()  # resumed where it stopped
        resumed = {(t, p): reports.table(t, T, p) for t in Table for p in (SPRING, ROLLBACK_WEEKS)}

        open_report_view(es_env).clear()
        assert reports.position() == 0
        scenario.catch_up()
        rebuilt = {(t, p): reports.table(t, T, p) for t in Table for p in (SPRING, ROLLBACK_WEEKS)}
        assert rebuilt == resumed
        # the library's own row survives a rebuild, so the next process opens the tables as they are: without it, it
        # takes them for an old kind and renames them away, and the second rebuild's process fails on the name
        for _ in range(2):
            open_report_view(es_env).clear()
            again = open_report_view(es_env)
            assert again.max_tracking_id("__migration__") == 1
            scenario.catch_up()
        assert again.max_tracking_id(ledger.name) == reports.position() > 0
        assert rows(rebuilt[(Table.ASSISTANCE, SPRING)])["县合计"] == [3, 8, 2, 5, 1, 3, 1, 2, 0, 0, 0, 0, 0, 0]
        assert rows(rebuilt[(Table.ROLLBACKS, ROLLBACK_WEEKS)])["县合计"] == [1, 3, 0, 0, 1, 3, 0, 0]
    finally:
        ledger.close()


def test_periods_count_two_week_cycles_from_the_plan_date_or_take_a_range(scenario: Scenario) -> None:
    from workflows.reports.service import PeriodKind, ReportRequestError

    reports = scenario.reports()
    # No plan date: the default two-week period holding today (domain.reports.periods.default_period), Monday to
    # Sunday; a cycle's number needs a plan to count from.
    default = reports.period(T, None, date(2026, 3, 20))
    assert (default.first, default.last, default.cycle) == (date(2026, 3, 9), date(2026, 3, 22), None)
    assert default.kind is PeriodKind.DEFAULT_CYCLE and default.as_dict()["kind"] == "default_cycle"
    assert [p.first for p in reports.recent_periods(T, date(2026, 3, 20), 3)] == [
        date(2026, 3, 9), date(2026, 2, 23), date(2026, 2, 9)
    ]  # fmt: skip
    with pytest.raises(ReportRequestError) as no_plan:
        reports.period(T, "2", date(2026, 3, 20))
    assert no_plan.value.rule == "cycle_start"
    span = reports.period(T, "2026-02-01..2026-03-31", date(2026, 3, 20))
    assert (span.first, span.last, span.cycle) == (date(2026, 2, 1), date(2026, 3, 31), None)
    planned = ReportService(scenario.ledger, reports.view, reports.registry, date(2026, 2, 1))
    for bad, rule in (("2026-03-31..2026-02-01", "period_range"), ("2026-02-30..2026-03-01", "date"),
                      ("two", "period_format"), ("0", "period_format"), ("²", "period_format"),
                      ("١٢", "period_format")):  # fmt: skip
        with pytest.raises(ReportRequestError) as refused:
            planned.period(T, bad, date(2026, 3, 20))
        assert refused.value.rule == rule

    current = planned.period(T, None, date(2026, 3, 20))
    assert (current.first, current.last, current.cycle) == (date(2026, 3, 15), date(2026, 3, 28), 4)
    assert current.kind is PeriodKind.PLAN_CYCLE and current.spec == "4"
    assert [p.cycle for p in planned.recent_periods(T, date(2026, 3, 20), 6)] == [4, 3, 2, 1]  # down to the first
    before = planned.period(T, None, date(2026, 1, 20))  # a plan issued after the day asked for: the default
    assert (before.first, before.kind) == (date(2026, 1, 12), PeriodKind.DEFAULT_CYCLE)
    third = planned.period(T, "3", date(2026, 3, 20))
    assert (third.first, third.last) == (date(2026, 3, 1), date(2026, 3, 14))
    assert third.first - timedelta(days=14) == planned.period(T, "2", date(2026, 3, 20)).first


def test_a_county_counts_the_cycles_of_its_townships_plan(scenario: Scenario) -> None:
    # Issue 20: the county's tables sum its townships', so with no campaign over the whole county it counts the
    # two-week cycles from the latest township plan inside it (before: 422 cycle_start).
    from uuid import uuid4

    from domain.campaigns.values import Milestone
    from workflows.reports.service import PeriodKind, ReportRequestError

    county = T[:6]
    with pytest.raises(ReportRequestError) as before:
        scenario.reports().period(county, "1", date(2026, 3, 20))
    assert before.value.rule == "cycle_start"
    scenario.ledger.campaigns.start_campaign(
        Envelope(COUNTY_APPROVER, "campaign-t", datetime(2026, 3, 1, 9, tzinfo=SHANGHAI)), campaign_id=uuid4(),
        name="2026年春季百日攻坚", scope=[T], starts_on=date(2026, 3, 2),
        milestones={Milestone.SCREENING_DONE: date(2026, 3, 10), Milestone.PROCEDURES_DONE: date(2026, 3, 25),
                    Milestone.SUMMARY_DONE: date(2026, 3, 30)},
    )  # fmt: skip
    scenario.catch_up()
    reports = scenario.reports()
    first = reports.period(county, "1", date(2026, 3, 20))
    assert (first.first, first.last, first.kind) == (date(2026, 3, 2), date(2026, 3, 15), PeriodKind.PLAN_CYCLE)
    assert reports.period(T, "1", date(2026, 3, 20)).first == date(2026, 3, 2)  # the township's own, the same


def test_a_household_registered_late_counts_from_the_day_its_registration_holds_from(scenario: Scenario) -> None:
    # Issue 20: registrations are dated by their business date, as screenings are. Both households are recorded on
    # 04-01; the one whose registration holds from 02-05 counts in the spring's table 3-4, the other does not.
    scenario.catch_up()
    before = rows(scenario.reports().table(Table.SCREENING, T, SPRING))["市合计"][1:3]
    recorded = datetime(2026, 4, 1, 9, tzinfo=SHANGHAI)
    for number, serial, effective_on in (("HH-LATE-1", 81, date(2026, 2, 5)), ("HH-LATE-2", 82, None)):
        scenario.ledger.registry.register_household(
            Envelope(TOWNSHIP_REVIEWER, f"reg-{number}", recorded), household(number, V1, serial, size=2),
            reason="补登记", effective_on=effective_on,
        )  # fmt: skip
    scenario.catch_up()
    after = rows(scenario.reports().table(Table.SCREENING, T, SPRING))["市合计"][1:3]
    assert after == [before[0] + 1, before[1] + 2]


def test_a_checkpoint_signed_later_through_exactly_the_cut_off_changes_no_byte(scenario: Scenario) -> None:
    from domain.audit import checkpoints as audit
    from workflows.kernel.keys import SigningKey

    scenario.catch_up()
    reports = scenario.reports()
    before = reports.table(Table.NEW_OBJECTS, T, SPRING)
    cutoff = before["cutoff"]["position"]
    assert cutoff == scenario.ledger.recorder.max_notification_id()  # nothing after the case events: through = cut-off
    made = audit.make_checkpoint(scenario.ledger, SigningKey(bytes(range(32))).sign, datetime.now(UTC))
    assert made is not None and int(made["through"]) == cutoff
    scenario.catch_up()

    again = reports.table(Table.NEW_OBJECTS, T, SPRING, cutoff=cutoff)
    assert to_csv(again) == to_csv(before) and to_xlsx(again) == to_xlsx(before)


def test_a_cumulative_period_runs_from_the_plan_date_through_a_cycle(scenario: Scenario) -> None:
    # The other reading of 统计周期从方案印发之日起 (seed §三(三)), offered beside the separate cycles (issue 20).
    from workflows.reports.service import PeriodKind, ReportRequestError

    planned = ReportService(scenario.ledger, scenario.reports().view, scenario.reports().registry, date(2026, 2, 1))
    through_now = planned.period(T, "cumulative", date(2026, 3, 20))  # cycle 4 holds 03-20
    assert (through_now.first, through_now.last, through_now.cycle) == (date(2026, 2, 1), date(2026, 3, 28), 4)
    assert through_now.kind is PeriodKind.CUMULATIVE and through_now.spec == "cumulative:4"
    second = planned.period(T, "cumulative:2", date(2026, 3, 20))
    assert (second.first, second.last) == (date(2026, 2, 1), date(2026, 2, 28))
    # as many as the separate cycles up to it: 3-1 over cycles 1 and 2 together
    scenario.catch_up()
    one, two = (planned.table(Table.NEW_OBJECTS, T, planned.period(T, n, date(2026, 3, 20))) for n in ("1", "2"))
    both = planned.table(Table.NEW_OBJECTS, T, second)
    assert rows(both)["县合计"] == [a + b for a, b in zip(rows(one)["县合计"], rows(two)["县合计"], strict=True)]
    for bad in ("cumulative:0", "cumulative:x", "cumulatively"):
        with pytest.raises(ReportRequestError) as refused:
            planned.period(T, bad, date(2026, 3, 20))
        assert refused.value.rule == "period_format"
    with pytest.raises(ReportRequestError) as no_plan:
        scenario.reports().period(T, "cumulative", date(2026, 3, 20))
    assert no_plan.value.rule == "cycle_start"


def test_a_report_model_folded_before_issue_20_is_folded_again_once(scenario: Scenario) -> None:
    from tests.conftest import connect

    scenario.catch_up()
    reports = scenario.reports()
    figures = {t: reports.table(t, T, SPRING) for t in Table}
    with connect(scenario.env, autocommit=True) as conn:  # as the code before issue 20 left it, with a stray fact
        conn.execute("CREATE TABLE report_case_state (case_id text PRIMARY KEY, seen text[], open text[])")
        conn.execute("INSERT INTO report_facts SELECT position, seq + 100, kind, 'stray', village_code, day, persons,"
                     " category, delta, ref FROM report_facts WHERE kind = 'identified' LIMIT 1")  # fmt: skip
    assert rows(reports.table(Table.NEW_OBJECTS, T, SPRING))["县合计"][0] == 4
    assert open_report_view(scenario.env).position(scenario.ledger.name) == 0  # emptied on opening
    with connect(scenario.env) as conn:
        assert conn.execute("SELECT to_regclass('report_case_state')").fetchone() == (None,)
    scenario.catch_up()
    assert {t: reports.table(t, T, SPRING) for t in Table} == figures
    open_report_view(scenario.env)  # and only once
    assert reports.position() > 0


def test_every_total_of_3_4_is_the_sum_of_its_rows_and_the_row_of_the_staff_above_them(scenario: Scenario) -> None:
    """A township cadre (S-004) belongs to no village, and a county department's staff member (S-005, registered to
    the county) screened a household of village 1: each counts once, in the labelled row above the villages, and in
    the county's table in the row above its townships (issue 20)."""
    now = datetime(2026, 3, 3, 9, tzinfo=SHANGHAI)
    scenario.ledger.registry.register_staff(Envelope(COUNTY_APPROVER, "staff-S-005", now), StaffRecord("S-005", "县局干部", StaffIdentity.COUNTY_DEPARTMENT, COUNTY_CODE), reason="县直部门包村")  # fmt: skip
    scenario.ledger.campaigns.record_screening(
        Envelope(TOWNSHIP_REVIEWER, "screen-HH-R-2", now), household_number="HH-R-2", campaign_id=None,
        screened_on=date(2026, 3, 3), method=ScreeningMethod.IN_PERSON, screener="S-005",
        findings=ScreeningFindings(wage_income=Decimal(90000)), comment="",
    )  # fmt: skip
    scenario.catch_up()
    reports = scenario.reports()

    def check(doc: dict[str, Any]) -> dict[str, list[int]]:
        total, *rest = doc["rows"]
        assert total["values"] == [sum(col) for col in zip(*(r["values"] for r in rest if r["values"]), strict=True)]
        assert "合计为以上各行之和。" in doc["note"]
        return rows(doc)

    township = check(reports.table(Table.SCREENING, T, SPRING))
    # staff: total, 县直, 乡镇, 村干部, 驻村, 村医, 网格员, 责任人 — S-004 and S-005 above the villages
    assert township["乡镇本级及上级人员"] == [0, 0, 0, 0, 0, 2, 1, 1, 0, 0, 0, 0, 0]
    assert township["市合计"][5:] == [5, 1, 1, 1, 0, 0, 2, 0]
    assert check(reports.table(Table.SCREENING, T, AUTUMN))["乡镇本级及上级人员"][5:7] == [1, 0]  # S-005 screened none
    county = check(reports.table(Table.SCREENING, COUNTY_CODE, SPRING))
    assert county[T][5:] == [4, 0, 1, 1, 0, 0, 2, 0] and county["县本级及上级人员"][5:] == [1, 1, 0, 0, 0, 0, 0, 0]
    village = reports.table(Table.SCREENING, V1, SPRING)  # a village's table counts its own people only
    assert len(village["rows"]) == 2 and village["note"] == "填表说明：参与排查工作人员身份有重合的，只选一种身份。"

    # Summed from what the villages submitted: the row above them is counted from the registry, as no village signs it.
    draft = reports.draft(V1, SPRING, VILLAGE_CADRE, "draft-v1", now)
    director = Actor(id="vd-1", role=Role.VILLAGE_CADRE, area_code=V1, name="村主任")
    for who, office in ((VILLAGE_CADRE, "party_secretary"), (director, "committee_director")):
        scenario.ledger.accounts.add(Envelope(Actor(id="ad-1", role=Role.ADMIN, area_code=COUNTY_CODE), f"office-{who.id}", now), AccountRecord(user_id=who.id, name=who.name or who.id, role=who.role.value, area_code=V1, offices=(office,)), reason="村职务")  # fmt: skip
    for who, capacity in ((VILLAGE_CADRE, Capacity.PARTY_SECRETARY), (director, Capacity.COMMITTEE_DIRECTOR)):
        reports.approve(UUID(draft["report_id"]), capacity, draft["content_hash"], who, f"approve-{capacity}", now)
    reports.submit(UUID(draft["report_id"]), VILLAGE_CADRE, "submit-v1", now)
    scenario.catch_up()
    as_submitted = reports.submitted_table(Table.SCREENING, T, SPRING)
    submitted = check(as_submitted)
    assert submitted[V1] == township[V1] and submitted[V2] is None
    assert submitted["乡镇本级及上级人员"] == township["乡镇本级及上级人员"]
    assert as_submitted["note"].endswith("按人员登记计算。")


def test_a_household_or_person_who_moved_counts_only_where_they_went(scenario: Scenario) -> None:
    """The registry as of a day places each household and person by their latest record, wherever it is: one who moved
    from village 1 to village 2 is no longer in village 1's own table (the read model once took the latest record
    *inside* the area asked for), and a household screened in both villages counts once, where last screened."""
    reports = scenario.reports()
    scenario.catch_up()
    before = {v: rows(reports.table(Table.SCREENING, v, SPRING))["市合计"] for v in (V1, V2)}
    moved_on = datetime(2026, 3, 20, 9, tzinfo=SHANGHAI)
    scenario.ledger.registry.register_household(Envelope(TOWNSHIP_REVIEWER, "move-HH-R-1", moved_on), household("HH-R-1", V2, 1, size=3), reason="迁居邻村")  # fmt: skip
    scenario.ledger.registry.register_staff(Envelope(TOWNSHIP_REVIEWER, "move-S-002", moved_on), StaffRecord("S-002", "工作人员2", StaffIdentity.GRID_WORKER, V2), reason="调往邻村")  # fmt: skip
    scenario.ledger.campaigns.record_screening(
        Envelope(TOWNSHIP_REVIEWER, "screen-again-HH-R-1", moved_on), household_number="HH-R-1", campaign_id=None,
        screened_on=date(2026, 3, 20), method=ScreeningMethod.IN_PERSON, screener="S-003",
        findings=ScreeningFindings(wage_income=Decimal(90000)), comment="",
    )  # fmt: skip
    scenario.catch_up()
    after = {v: rows(reports.table(Table.SCREENING, v, SPRING))["市合计"] for v in (V1, V2)}
    # 农户总数 (households, persons) and staff in total: HH-R-1 (3 persons) and S-002 went from village 1 to 2
    assert after[V1][1:3] == [before[V1][1] - 1, before[V1][2] - 3] and after[V1][5] == before[V1][5] - 1
    assert after[V2][1:3] == [before[V2][1] + 1, before[V2][2] + 3] and after[V2][5] == before[V2][5] + 1
    township = reports.table(Table.SCREENING, T, SPRING)
    total, *units = township["rows"]
    assert total["values"] == [sum(col) for col in zip(*(u["values"] for u in units), strict=True)]
    assert rows(township)[V1][3] == 0 and rows(township)[V2][3] == 2  # HH-R-1 last screened in village 2


def test_a_village_report_is_not_drafted_from_facts_far_behind_the_store(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After an upgrade the report model is folded again from the first event; a report drafted by hand meanwhile
    would record partial figures for good, so it is refused until the facts have caught up."""
    from workflows.reports import service
    from workflows.reports.service import ReportCutoffError

    monkeypatch.setattr(service, "DRAFT_MAX_BEHIND", 5)  # the scenario's log is short; a county's is not
    reports = scenario.reports()
    now = datetime(2026, 4, 1, 9, tzinfo=SHANGHAI)
    with pytest.raises(ReportCutoffError) as behind:
        reports.draft(V1, SPRING, VILLAGE_CADRE, "draft-early", now)
    assert behind.value.rule == "facts_behind"
    drafted = ["domain.village_report:VillageReportDrafted"]
    assert not list(scenario.ledger.recorder.select_notifications(1, 1000, topics=drafted))  # nothing recorded
    scenario.catch_up()
    assert reports.draft(V1, SPRING, VILLAGE_CADRE, "draft-late", now)["revision"] == 1
    assert len(list(scenario.ledger.recorder.select_notifications(1, 1000, topics=drafted))) == 1
