"""The statistical tables over HTTP: JSON, CSV and XLSX, scoped to the caller's area, with clear refusals."""

from __future__ import annotations

import io
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from tests.domain.support import CaseDriver
from tests.integration.conftest import ACTORS, COUNTY, OTHER_VILLAGE, TOWNSHIP, VILLAGE, Stack
from tests.integration.test_accounts_api import ADMIN, bearer

pytestmark = pytest.mark.asyncio(loop_scope="session")
SPRING = "2026-02-01..2026-03-31"


async def test_a_table_comes_as_json_csv_and_xlsx_for_the_callers_area(stack: Stack) -> None:
    CaseDriver(stack.ledger).through("announcement")  # 边缘易致贫户, 3 persons, identified 2026-02-23 in village 1
    await stack.caught_up()

    r = await stack.http.get(
        "/reports/3-1", params={"scope": TOWNSHIP, "period": SPRING}, headers=stack.headers("township")
    )
    assert r.status_code == 200, r.text
    doc = r.json()
    assert (doc["annex"], doc["title"], doc["period"]["first_day"]) == ("附件3-1", "新增监测对象统计表", "2026-02-01")
    rows = {row["code"]: row["values"] for row in doc["rows"][1:]}
    assert doc["rows"][0]["unit"] == "县合计" and doc["rows"][0]["values"] == [1, 3, 0, 0, 1, 3, 0, 0]
    assert rows[VILLAGE] == [1, 3, 0, 0, 1, 3, 0, 0] and rows[OTHER_VILLAGE] == [0] * 8
    assert doc["cutoff"]["position"] == stack.ledger.recorder.max_notification_id()

    r = await stack.http.get("/reports/3-1", params={"period": SPRING, "format": "csv"}, headers=stack.headers("cadre"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith("\ufeff附件3-1".encode())
    assert "附件3-1_新增监测对象统计表_990102101001" in unquote(r.headers["content-disposition"])
    assert int(r.headers["x-dixian-cutoff"]) == doc["cutoff"]["position"]

    r = await stack.http.get(
        "/reports/3-4", params={"period": SPRING, "format": "xlsx"}, headers=stack.headers("county")
    )
    assert r.status_code == 200 and r.headers["content-type"].endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None and sheet["A2"].value == "全面排查工作开展情况统计表" and sheet["B6"].value == "市合计"


@pytest.mark.parametrize(
    ("who", "path", "params", "status", "problem", "field", "rule"),
    [
        ("other_cadre", "/reports/3-1", {"scope": VILLAGE, "period": SPRING}, 403, "NotPermittedError", "scope",
         "jurisdiction"),
        ("township", "/reports/3-1", {"period": "2026-03-31..2026-02-01"}, 422, "ReportRequestError", "period",
         "period_range"),
        # no campaign, no plan date configured: a cycle's number has nothing to count from
        ("township", "/reports/3-1", {"period": "2"}, 422, "ReportRequestError", "period", "cycle_start"),
        ("township", "/reports/3-1", {"period": "zwei"}, 422, "ReportRequestError", "period", "period_format"),
        # every refused report request is one problem type, whatever its status
        ("township", "/reports/3-1", {"period": SPRING, "cutoff": 10**12}, 409, "ReportRequestError", "cutoff",
         "cutoff_reached"),
        # the villages' submitted reports are as signed: a cut-off asked of them is refused, not ignored (issue 20)
        ("township", "/reports/3-1", {"period": SPRING, "basis": "submitted", "cutoff": 1}, 422, "RuleViolationError",
         "cutoff", "submitted_basis"),
        ("township", "/reports/3-5", {"period": SPRING}, 422, "ValidationError", "path.table", ""),
        ("township", "/reports/3-1", {"period": SPRING, "format": "pdf"}, 422, "ValidationError", "query.format", ""),
        ("township", "/reports/3-1", {"scope": "99010210", "period": SPRING}, 422, "ValidationError", "query.scope",
         ""),
    ],
)  # fmt: skip
async def test_a_table_asked_for_wrongly_is_refused_with_the_field_and_rule(
    stack: Stack, who: str, path: str, params: dict[str, object], status: int, problem: str, field: str, rule: str
) -> None:
    r = await stack.http.get(path, params=params, headers=stack.headers(who))
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"] == f"urn:dixian:problem:{problem}"
    error = r.json()["errors"][0]
    assert error["field"] == field and (not rule or error["rule"] == rule)


async def test_without_a_period_a_fresh_stack_answers_with_the_default_two_week_period(stack: Stack) -> None:
    from domain.reports.periods import default_period

    first, last = default_period(stack.today)  # no campaign, no plan date: Monday to the Sunday after next
    for path in ("/reports/3-1", "/reports/3-4", "/reports/submissions"):
        r = await stack.http.get(path, headers=stack.headers("township"))
        assert r.status_code == 200, (path, r.text)
        assert r.json()["period"] == {"first_day": first.isoformat(), "last_day": last.isoformat(), "cycle": None,
                                      "counted_from": None, "kind": "default_cycle"}  # fmt: skip
    r = await stack.http.get("/reports/3-1", params={"format": "csv"}, headers=stack.headers("ops"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    disposition = r.headers["content-disposition"]
    assert f'filename="report_3-1_{COUNTY}_{first}_{last}.csv"' in disposition
    assert unquote(disposition).endswith(f"附件3-1_新增监测对象统计表_{COUNTY}_{first}_{last}.csv")
    r = await stack.http.post("/reports", json={"village_code": VILLAGE}, headers=stack.headers("cadre"))
    assert r.status_code == 201 and r.json()["period"] == {"first_day": str(first), "last_day": str(last)}


async def test_a_village_report_is_approved_by_two_and_submitted_and_the_township_counts_only_submitted(
    stack: Stack,
) -> None:
    CaseDriver(stack.ledger).through("announcement")  # 1 household, 3 persons, in village 1
    await stack.caught_up()
    for who, village in (("cadre", VILLAGE), ("other_cadre", OTHER_VILLAGE)):
        r = await stack.http.post(
            "/reports", json={"village_code": village, "period": SPRING}, headers=stack.headers(who)
        )
        assert r.status_code == 201, r.text
    r = await stack.http.get("/reports/3-1", params={"scope": TOWNSHIP, "period": SPRING, "basis": "submitted"},
                             headers=stack.headers("township"))  # fmt: skip
    assert r.json()["rows"][0]["values"] is None and r.json()["submitted_villages"] == []  # nothing submitted yet
    report = (await stack.http.post("/reports", json={"village_code": VILLAGE, "period": SPRING},
                                    headers=stack.headers("cadre"))).json()  # fmt: skip
    assert report["tables"]["3-1"] == [1, 3, 0, 0, 1, 3, 0, 0] and report["revision"] == 1
    rid = report["report_id"]
    # The administrator registers who holds the village's two offices (村“两委”), on their accounts.
    for who, office in (("cadre", "party_secretary"), ("director", "committee_director")):
        a = ACTORS[who]
        r = await stack.http.put(f"/admin/users/{a.id}", headers=bearer(ADMIN), json={
            "name": a.name, "role": a.role.value, "area_code": a.area_code, "offices": [office], "reason": "村职务登记"})  # fmt: skip
        assert r.status_code == 200 and r.json()["offices_labels"] == [{"party_secretary": "村党组织书记",
                                                                        "committee_director": "村委会主任"}[office]], r.text  # fmt: skip

    r = await stack.http.post(f"/reports/stored/{rid}/submission", headers=stack.headers("cadre"))
    assert r.status_code == 409 and r.json()["errors"][0]["rule"] == "approved_before_submission"
    body = {"capacity": "party_secretary", "content_hash": report["content_hash"]}
    assert (
        await stack.http.post(f"/reports/stored/{rid}/approvals", json=body, headers=stack.headers("cadre"))
    ).status_code == 200
    r = await stack.http.post(f"/reports/stored/{rid}/approvals", json={**body, "capacity": "committee_director"},
                              headers=stack.headers("cadre"))  # fmt: skip
    assert (
        r.status_code == 403 and r.json()["errors"][0]["rule"] == "office_holder"
    )  # the secretary is not the director
    assert "村党组织书记或村委会主任" in r.json()["errors"][0]["message"]
    r = await stack.http.post(f"/reports/stored/{rid}/approvals", json={**body, "capacity": "committee_director"},
                              headers=stack.headers("director"))  # fmt: skip
    assert r.status_code == 200 and r.json()["status"] == "approved"
    r = await stack.http.post(f"/reports/stored/{rid}/submission", headers=stack.headers("director"))
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    await stack.caught_up()

    r = await stack.http.get("/reports/submissions", params={"scope": TOWNSHIP, "period": SPRING},
                             headers=stack.headers("township"))  # fmt: skip
    status = {v["village_code"]: v["status"] for v in r.json()["villages"]}
    assert status[VILLAGE] == "submitted" and status[OTHER_VILLAGE] == "draft" and r.json()["submitted"] == 1
    assert list(status.values()).count("missing") == len(status) - 2

    CaseDriver(stack.ledger).through("announcement")  # recorded after the submission: not in the submitted figures
    await stack.caught_up()
    r = await stack.http.get("/reports/3-1", params={"scope": TOWNSHIP, "period": SPRING, "basis": "submitted"},
                             headers=stack.headers("township"))  # fmt: skip
    doc = r.json()
    rows = {row["code"]: row["values"] for row in doc["rows"][1:]}
    assert doc["rows"][0]["values"] == [1, 3, 0, 0, 1, 3, 0, 0] and doc["submitted_villages"] == [VILLAGE]
    assert doc["cutoff"]["position"] is None and doc["cutoff"]["villages"][VILLAGE]["revision"] == 1
    assert rows[VILLAGE] == [1, 3, 0, 0, 1, 3, 0, 0] and rows[OTHER_VILLAGE] is None
    computed = await stack.http.get("/reports/3-1", params={"scope": TOWNSHIP, "period": SPRING},
                                    headers=stack.headers("township"))  # fmt: skip
    assert computed.json()["rows"][0]["values"][:2] == [2, 6]

    listed = (await stack.http.get("/reports", headers=stack.headers("township"))).json()["items"]
    assert {(i["village_code"], i["status"]) for i in listed} == {(VILLAGE, "submitted"), (OTHER_VILLAGE, "draft")}
    # A revision after submission: the new figures are a draft again; the township still counts what was submitted.
    r = await stack.http.post("/reports", json={"village_code": VILLAGE, "period": SPRING, "reason": "补录一户"},
                              headers=stack.headers("cadre"))  # fmt: skip
    assert r.json()["revision"] == 2 and r.json()["status"] == "draft" and r.json()["approvals"] == {}
    # ... and lists what it corrected, over HTTP: table, column, old, new, with its reason (issue 20)
    stored = await stack.http.get(f"/reports/stored/{r.json()['report_id']}", headers=stack.headers("township"))
    [revised] = stored.json()["corrections"]
    assert (revised["revision"], revised["reason"]) == (2, "补录一户")
    changed = revised["corrections"]["3-1"]
    assert changed and all({"column", "old", "new"} <= set(c) and c["old"] != c["new"] for c in changed)
    await stack.caught_up()
    r = await stack.http.get("/reports/3-1", params={"scope": TOWNSHIP, "period": SPRING, "basis": "submitted"},
                             headers=stack.headers("township"))  # fmt: skip
    assert r.json()["rows"][0]["values"] == [1, 3, 0, 0, 1, 3, 0, 0]


async def test_the_nightly_schedule_drafts_the_reports_of_the_cycle_that_ended(stack: Stack) -> None:
    import uuid
    from concurrent.futures import ThreadPoolExecutor
    from datetime import timedelta

    from temporalio.client import ScheduleCalendarSpec
    from temporalio.worker import Worker

    from domain.readmodels.registry import open_registry_view
    from domain.readmodels.reports import open_report_view
    from workflows.reports.activities import ReportActivities
    from workflows.reports.service import ReportService
    from workflows.reports.workflow import SCHEDULE_ID, ReportCycleInput, ReportCycleWorkflow, ensure_report_schedule

    plan = stack.today - timedelta(days=16)  # its first cycle ended three days ago: a night the schedule missed
    reports = ReportService(stack.ledger, open_report_view(stack.es_env), open_registry_view(stack.es_env), plan)
    queue = f"reports-{uuid.uuid4().hex[:8]}"
    with ThreadPoolExecutor(max_workers=2) as pool:
        async with Worker(stack.temporal, task_queue=queue, workflows=[ReportCycleWorkflow],
                          activities=[ReportActivities(reports).draft_due], activity_executor=pool):  # fmt: skip
            drafted = await stack.temporal.execute_workflow(
                ReportCycleWorkflow.run, ReportCycleInput(), id=f"report-cycle-{uuid.uuid4().hex[:6]}", task_queue=queue
            )
            villages = list(stack.ledger.areas.villages())
            assert len(drafted) == len(villages) == 16
            again = await stack.temporal.execute_workflow(
                ReportCycleWorkflow.run, ReportCycleInput(), id=f"report-cycle-{uuid.uuid4().hex[:6]}", task_queue=queue
            )
            assert again == drafted  # nothing drafted twice: the same reports, still revision 1
    await stack.caught_up()
    stored = reports.stored("990102101", None)
    assert len(stored) == 16 and {s["period"]["last_day"] for s in stored} == {str(stack.today - timedelta(days=3))}
    assert {s["revision"] for s in stored} == {1}

    await ensure_report_schedule(stack.temporal, queue)
    await ensure_report_schedule(stack.temporal, queue)  # a second worker finds it there
    described = await stack.temporal.get_schedule_handle(SCHEDULE_ID).describe()
    [calendar] = described.schedule.spec.calendars
    assert isinstance(calendar, ScheduleCalendarSpec)
    assert (calendar.hour[0].start, calendar.minute[0].start) == (16, 30)  # 00:30 in Asia/Shanghai
