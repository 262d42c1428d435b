"""Households, staff, screenings and a campaign over HTTP on the real stack: import a roster, screen households,
watch an at-risk household become a case, see coverage and 应纳未纳."""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook

from domain.campaigns.values import Milestone, ScreeningMethod
from domain.kernel.actors import Actor, Role
from domain.registry.household import household_id
from domain.registry.roster import COLUMNS
from tests.integration.conftest import OTHER_VILLAGE, TOWNSHIP, VILLAGE, Stack
from tests.integration.registry_support import (
    CONTENT_TYPE,
    HIGH_INCOME,
    LOW_INCOME,
    household,
    roster_bytes,
    rows_of,
)
from workflows.campaigns.contracts import FindingsBody, ScreeningRequest

pytestmark = pytest.mark.asyncio(loop_scope="session")

A, B, C, D = (household(f"HH-{VILLAGE[-3:]}-{i:03d}", VILLAGE, i) for i in range(1, 5))
M = household(f"HH-{VILLAGE[-3:]}-009", VILLAGE, 9, migrant=True)
E = household(f"HH-{OTHER_VILLAGE[-3:]}-001", OTHER_VILLAGE, 21)


def rule(response: Any) -> str:
    """The rule a problem+json response names first."""
    return str(response.json()["errors"][0]["rule"])


def stored_events(stack: Stack) -> int:
    with stack.db() as conn:
        row = conn.execute("SELECT count(*) FROM cases_events").fetchone()
        assert row is not None
        return int(row[0])


async def import_roster(stack: Stack, rows: list[dict[str, str]], fmt: str = "xlsx", who: str = "township") -> Any:
    r = await stack.http.post(
        "/households:import",
        content=roster_bytes(rows, fmt),
        headers={**stack.headers(who), "Content-Type": CONTENT_TYPE[fmt]},
    )
    assert r.status_code == 200, r.text
    return r.json()


async def add_staff(stack: Stack, number: str = "S-001", area: str = VILLAGE) -> None:
    body = {"staff_number": number, "name": "网格员甲", "identity": "grid_worker", "area_code": area}
    r = await stack.http.post("/staff", json=body, headers=stack.headers("township", key=f"staff-{number}"))
    assert r.status_code == 200, r.text


def screening(findings: dict[str, Any], *, method: str = "in_person", campaign: str | None = None, **extra: Any) -> Any:
    body: dict[str, Any] = {
        "screened_on": datetime.now(UTC).astimezone().date().isoformat(),
        "method": method,
        "screener": "S-001",
        "findings": findings,
        **extra,
    }
    if campaign:
        body["campaign_id"] = campaign
    return body


async def screen(stack: Stack, number: str, body: dict[str, Any], key: str, who: str = "cadre") -> Any:
    return await stack.http.post(f"/households/{number}/screenings", json=body, headers=stack.headers(who, key=key))


async def test_the_template_has_the_roster_columns_in_order(stack: Stack) -> None:
    r = await stack.http.get("/households/import-template", params={"format": "xlsx"}, headers=stack.headers("cadre"))
    assert r.status_code == 200
    workbook = load_workbook(io.BytesIO(r.content), read_only=True)
    header = next(workbook["花名册"].iter_rows(values_only=True))
    assert list(header) == [c.header for c in COLUMNS]
    assert "填写说明" in workbook.sheetnames
    r = await stack.http.get("/households/import-template", params={"format": "csv"}, headers=stack.headers("cadre"))
    assert r.content.decode("utf-8-sig").strip() == ",".join(c.header for c in COLUMNS)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
async def test_import_reports_each_refused_row_and_a_second_import_changes_nothing(stack: Stack, fmt: str) -> None:
    good = rows_of(A, B, C)
    bad_id = rows_of(D)
    bad_id[1]["id_number"] = bad_id[1]["id_number"][:-1] + ("0" if bad_id[1]["id_number"][-1] != "0" else "1")
    # E's head carries A's ID number: the same person in two households is flagged, never accepted.
    dup = rows_of(E)
    dup[0]["id_number"] = good[0]["id_number"]
    rows = good + bad_id + dup
    report = await import_roster(stack, rows, fmt)
    assert report["households"] == {"total": 5, "created": 3, "changed": 0, "unchanged": 0, "rejected": 2}
    by_rule = {(e["row"], e["field"], e["rule"]) for e in report["errors"]}
    assert (2 + 9 + 1, "id_number", "id_number") in by_rule  # D's second member: row 2 + 9 earlier rows + 1
    assert (2 + 12, "id_number", "unique_id_number") in by_rule  # E's first row
    assert report["rejected_rows"] == sorted({e["row"] for e in report["errors"]})
    # Nothing of a rejected household was written; D's valid first member is not there either.
    missing = await stack.http.get(f"/households/{D.household_number}", headers=stack.headers("township"))
    assert missing.status_code == 404
    events = stored_events(stack)
    again = await import_roster(stack, rows, fmt)
    assert again["households"] == {"total": 5, "created": 0, "changed": 0, "unchanged": 3, "rejected": 2}
    assert stored_events(stack) == events


async def test_a_changed_roster_records_what_changed_with_who_and_why(stack: Stack) -> None:
    await import_roster(stack, rows_of(A))
    rows = rows_of(A)
    for row in rows:
        row["phone"] = "13912345678"
    report = await import_roster(stack, rows, "csv")
    assert report["households"]["changed"] == 1
    view = stack.registry.ledger.registry.household(A.household_number)
    assert view["phone"] == "13912345678" and view["version"] == 2
    changed = list(stack.ledger.events.get(household_id(A.household_number)))[-1]
    assert changed.changes == {"phone": "13912345678"} and changed.previous == {"phone": "13800001111"}
    assert changed.actor["id"] == "township-1" and changed.reason.startswith("导入花名册")


async def test_bad_files_are_refused_clearly(stack: Stack) -> None:
    headers = {**stack.headers("township"), "Content-Type": CONTENT_TYPE["xlsx"]}
    r = await stack.http.post("/households:import", content=b"not a zip", headers=headers)
    assert r.status_code == 422 and rule(r) == "roster_file"
    assert r.json()["type"] == "urn:dixian:problem:RuleViolationError"
    r = await stack.http.post(
        "/households:import", content=b"a,b\n1,2\n", headers={**headers, "Content-Type": "text/csv"}
    )
    assert r.status_code == 422 and rule(r) in ("known_column", "required_column")
    r = await stack.http.post("/households:import", content=b"{}", headers={**headers, "Content-Type": "text/json"})
    assert r.status_code == 415 and rule(r) == "roster_format"
    assert r.json()["type"] == "urn:dixian:problem:UnsupportedMediaError"
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_a_cadre_cannot_import_households_of_another_village(stack: Stack) -> None:
    report = await import_roster(stack, rows_of(E), "csv", who="cadre")
    assert report["households"]["rejected"] == 1
    assert report["errors"][0]["rule"] == "jurisdiction"


async def test_screening_opens_a_case_for_a_household_at_risk_once(stack: Stack) -> None:
    await import_roster(stack, rows_of(A, B, C, M))
    await add_staff(stack)
    r = await screen(stack, A.household_number, screening(HIGH_INCOME), key="s-a")
    assert r.status_code == 201, r.text
    assert r.json()["screening"]["assessment"]["at_risk"] is False and r.json()["case"] is None

    r = await screen(stack, B.household_number, screening(LOW_INCOME, comment="入户核实收入"), key="s-b")
    assert r.status_code == 201, r.text
    result = r.json()
    assert result["screening"]["assessment"]["at_risk"] is True
    assert "income_at_or_below_line" in [x["rule"] for x in result["screening"]["assessment"]["reasons"]]
    case = result["case"]
    assert case["case_id"] == result["screening"]["case_id"]
    assert case["source"] == "cadre_screening" and case["stage"] == "identifying"
    assert case["household"]["household_number"] == B.household_number

    # The same request again: the same screening and case, nothing new.
    events = stored_events(stack)
    again = await screen(stack, B.household_number, screening(LOW_INCOME, comment="入户核实收入"), key="s-b")
    assert again.json()["screening"] == result["screening"] and again.json()["case"]["case_id"] == case["case_id"]
    assert stored_events(stack) == events

    # A second at-risk screening refers to the open case instead of opening another.
    r = await screen(stack, B.household_number, screening(LOW_INCOME), key="s-b2")
    assert r.json()["screening"]["case_id"] == case["case_id"] and r.json()["screening"]["opens_case"] is False
    household_view = (await stack.http.get(f"/households/{B.household_number}", headers=stack.headers("cadre"))).json()
    assert household_view["open_cases"] == [case["case_id"]]
    assert [s["screening_id"] for s in household_view["screenings"]] == ["cadre-1:s-b", "cadre-1:s-b2"]

    # Opening a second case for the household by hand is refused.
    body = {
        "household_number": B.household_number,
        "village_code": VILLAGE,
        "source": "self_application",
        "clue_date": stack.day(0),
    }
    r = await stack.http.post("/cases", json=body, headers=stack.headers("cadre", key="second-open"))
    assert r.status_code == 409 and rule(r) == "one_open_case"


async def test_bad_screenings_are_refused_and_change_nothing(stack: Stack) -> None:
    await import_roster(stack, rows_of(A, M))
    await add_staff(stack)
    await add_staff(stack, "S-002", OTHER_VILLAGE)
    events = stored_events(stack)
    cases: list[tuple[str, dict[str, Any], str, int, str]] = [
        (A.household_number, screening(LOW_INCOME, method="phone"), "cadre", 422, "remote_screening_for_migrants"),
        (A.household_number, screening(LOW_INCOME, screener="S-404"), "cadre", 422, "registered_staff"),
        (A.household_number, screening(LOW_INCOME, screener="S-002"), "cadre", 422, "screener_area"),
        (A.household_number, screening(LOW_INCOME), "other_cadre", 404, "exists"),  # as unknown as a missing household
        ("HH-NOPE-1", screening(LOW_INCOME), "cadre", 404, "exists"),
        (A.household_number, screening({"risks": ["illness"] * 6}), "cadre", 422, ""),
        (A.household_number, screening({"wage_income": "-1"}), "cadre", 422, ""),
        (A.household_number, {**screening(LOW_INCOME), "screened_on": "2999-01-01"}, "cadre", 422, ""),
        (A.household_number, {**screening(LOW_INCOME), "extra": 1}, "cadre", 422, ""),
        (A.household_number, screening(LOW_INCOME, campaign=str(uuid.uuid4())), "cadre", 404, "exists"),
    ]
    for i, (number, body, who, status, expected_rule) in enumerate(cases):
        r = await screen(stack, number, body, key=f"bad-{i}", who=who)
        assert r.status_code == status, (i, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        if expected_rule:
            assert rule(r) == expected_rule, (i, r.text)
    assert stored_events(stack) == events
    # A migrant household may be screened by phone.
    r = await screen(stack, M.household_number, screening(HIGH_INCOME, method=ScreeningMethod.WECHAT), key="m")
    assert r.status_code == 201, r.text


async def test_coverage_and_the_unscreened_list_follow_the_campaign(stack: Stack) -> None:
    await import_roster(stack, rows_of(A, B, C, M, E))
    await add_staff(stack)
    today = datetime.now(UTC).astimezone().date()
    body = {
        "name": "百日攻坚春季行动",
        "scope": [TOWNSHIP],
        "starts_on": (today - timedelta(days=3)).isoformat(),
        "milestones": {
            "screening_done": (today + timedelta(days=30)).isoformat(),
            "procedures_done": (today + timedelta(days=45)).isoformat(),
            "summary_done": (today + timedelta(days=50)).isoformat(),
        },
    }
    r = await stack.http.post("/campaigns", json=body, headers=stack.headers("township", key="camp"))
    assert r.status_code == 201, r.text
    campaign = r.json()["campaign_id"]
    assert r.json()["milestones"]["screening_done"] == body["milestones"]["screening_done"]
    refused = await stack.http.post("/campaigns", json=body, headers=stack.headers("cadre", key="camp-cadre"))
    assert refused.status_code == 403

    await screen(stack, A.household_number, screening(HIGH_INCOME, campaign=campaign), key="c-a")
    await screen(stack, M.household_number, screening(HIGH_INCOME, method="phone", campaign=campaign), key="c-m")
    await screen(stack, B.household_number, screening(HIGH_INCOME), key="outside")  # not in the campaign
    await stack.caught_up()

    r = await stack.http.get(f"/campaigns/{campaign}/coverage", headers=stack.headers("township"))
    assert r.status_code == 200, r.text
    cov = r.json()
    assert cov["totals"]["households"] == 5 and cov["totals"]["screened_households"] == 2
    assert cov["totals"]["persons"] == 15 and cov["totals"]["screened_persons"] == 6
    assert (cov["totals"]["in_person"], cov["totals"]["phone"], cov["totals"]["wechat"]) == (1, 1, 0)
    village = next(v for v in cov["villages"] if v["village_code"] == VILLAGE)
    assert (village["households"], village["screened_households"], village["village_name"]) == (4, 2, "玉坪村")
    assert {h["household_number"] for h in cov["unscreened"]} == {
        B.household_number,
        C.household_number,
        E.household_number,
    }
    # A village cadre sees their own village only.
    mine = (await stack.http.get(f"/campaigns/{campaign}/coverage", headers=stack.headers("cadre"))).json()
    assert mine["totals"]["households"] == 4 and mine["scope"] == [VILLAGE]


async def test_a_household_at_risk_without_a_case_is_listed_until_its_case_opens(stack: Stack) -> None:
    await import_roster(stack, rows_of(A, C))
    await add_staff(stack)
    cadre = Actor("cadre-1", Role.VILLAGE_CADRE, VILLAGE, "村干部甲")
    # The screening is recorded but its case is not opened (as if the API stopped between the two).
    request = ScreeningRequest.model_validate(screening(LOW_INCOME))
    record = stack.services.campaigns.record_screening(
        C.household_number, request, actor=cadre, command_id="cadre-1:lost", now=datetime.now(UTC)
    )
    assert record["opens_case"] is True
    await stack.caught_up()
    r = await stack.http.get("/screenings/not-monitored", headers=stack.headers("township"))
    assert [h["household_number"] for h in r.json()["items"]] == [C.household_number]
    # Sending the same request again opens the case it names, and the list empties.
    again = await screen(stack, C.household_number, screening(LOW_INCOME), key="lost")
    assert again.json()["case"]["case_id"] == record["case_id"]
    await stack.caught_up()
    r = await stack.http.get("/screenings/not-monitored", headers=stack.headers("township"))
    assert r.json()["items"] == []
    # Another village's cadre sees none of it.
    r = await stack.http.get("/screenings/not-monitored", headers=stack.headers("other_cadre"))
    assert r.json()["items"] == []


async def test_findings_body_refuses_unknown_fields() -> None:
    with pytest.raises(ValueError):
        FindingsBody.model_validate({"income": 1})


def household_body(record: Any, reason: str = "") -> dict[str, Any]:
    return {
        "household_type": record.household_type,
        "village_code": record.village_code,
        "address": record.address,
        "phone": record.phone,
        "members": [{k: v for k, v in m.as_dict().items() if k not in ("medical_insurance",)} for m in record.members],
        "reason": reason,
    }


async def test_one_household_is_registered_and_changed_with_a_reason(stack: Stack) -> None:
    url = f"/households/{A.household_number}"
    r = await stack.http.put(url, json=household_body(A), headers=stack.headers("cadre", key="put-1"))
    assert r.status_code == 200, r.text
    assert r.json()["result"] == "created" and len(r.json()["household"]["members"]) == 3

    moved_out = household_body(A)
    moved_out["members"] = moved_out["members"][:2]
    r = await stack.http.put(url, json=moved_out, headers=stack.headers("cadre", key="put-2"))
    assert r.status_code == 422 and rule(r) == "required"  # a change without its reason

    moved_out["reason"] = "次子外出落户"
    r = await stack.http.put(url, json=moved_out, headers=stack.headers("cadre", key="put-3"))
    assert r.status_code == 200 and r.json()["result"] == "changed"
    change = list(stack.ledger.events.get(household_id(A.household_number)))[-1]
    assert (
        change.reason == "次子外出落户" and len(change.previous["members"]) == 3 and len(change.changes["members"]) == 2
    )

    # The member who left may now be registered in another household; a member of A may not.
    other = household_body(E)
    left = household_body(A)["members"]
    other["members"][1] = left[2]
    r = await stack.http.put(
        f"/households/{E.household_number}", json=other, headers=stack.headers("township", key="p4")
    )
    assert r.status_code == 200, r.text
    other["members"][2] = {**left[0], "relation": "parent"}
    other["reason"] = "x"
    r = await stack.http.put(
        f"/households/{E.household_number}", json=other, headers=stack.headers("township", key="p5")
    )
    assert r.status_code == 409 and rule(r) == "unique_id_number"

    r = await stack.http.put(url, json=moved_out, headers=stack.headers("other_cadre", key="put-6"))
    assert r.status_code == 403
    r = await stack.http.put(url, json={**moved_out, "members": []}, headers=stack.headers("cadre", key="put-7"))
    assert r.status_code == 422
    r = await stack.http.put("/households/%E4%B8%AD", json=household_body(A), headers=stack.headers("cadre", key="p8"))
    assert r.status_code == 422 and rule(r) == "format"


async def test_rows_without_a_household_number_continue_the_household_above(stack: Stack) -> None:
    rows = rows_of(A)
    for row in rows[1:]:  # a merged 户编号 cell: the number and the household's cells only on the head's row
        for key in ("household_number", "household_type", "village_code", "address", "phone"):
            row[key] = ""
    orphan = rows_of(B)[0] | {"household_number": ""}
    report = await import_roster(stack, [orphan, *rows], "csv")
    assert report["households"] == {"total": 1, "created": 1, "changed": 0, "unchanged": 0, "rejected": 0}
    assert [(e["row"], e["rule"]) for e in report["errors"]] == [(2, "required")]  # the row before any number
    assert len(stack.registry.ledger.registry.household(A.household_number)["members"]) == 3


async def test_a_member_moving_between_households_of_one_file_moves_whatever_the_order(stack: Stack) -> None:
    await import_roster(stack, rows_of(A, B))
    a_rows, b_rows = rows_of(A), rows_of(B)
    mover = a_rows.pop()  # A's third member joins B
    b_rows.append(mover | {k: b_rows[0][k] for k in ("household_number", "address", "phone")} | {"relation": "其他"})
    report = await import_roster(stack, b_rows + a_rows, "csv")  # B (which claims the member) first
    assert report["households"]["changed"] == 2 and report["households"]["rejected"] == 0, report["errors"]
    assert len(stack.registry.ledger.registry.household(B.household_number)["members"]) == 4
    events = stored_events(stack)
    again = await import_roster(stack, b_rows + a_rows, "csv")
    assert again["households"]["unchanged"] == 2 and stored_events(stack) == events


async def test_one_key_for_screenings_of_two_households_never_shares_a_case(stack: Stack) -> None:
    await import_roster(stack, rows_of(A, B))
    await add_staff(stack)
    first = (await screen(stack, A.household_number, screening(LOW_INCOME), key="same")).json()
    second = (await screen(stack, B.household_number, screening(LOW_INCOME), key="same")).json()
    assert first["case"]["household"]["household_number"] == A.household_number
    assert second["case"]["household"]["household_number"] == B.household_number
    assert first["case"]["case_id"] != second["case"]["case_id"]


async def test_an_import_report_lists_at_most_a_thousand_errors_and_counts_them_all(stack: Stack) -> None:
    rows = [row | {"household_number": f"HH-BAD-{i:04d}", "birth_date": "1899-01-01"} for i, row in
            enumerate(rows_of(*(household(f"HH-X-{i:04d}", VILLAGE, 300 + i, size=1) for i in range(1200))))]  # fmt: skip
    report = await import_roster(stack, rows, "csv")
    assert report["households"]["rejected"] == 1200
    assert len(report["errors"]) == 1000 and report["errors_total"] >= 1200


async def test_an_inspector_may_not_import(stack: Stack) -> None:
    r = await stack.http.post(
        "/households:import",
        content=roster_bytes(rows_of(A), "csv"),
        headers={**stack.headers("inspector"), "Content-Type": CONTENT_TYPE["csv"]},
    )
    assert r.status_code == 403 and rule(r) == "registry_role"


async def test_a_village_sees_only_its_own_part_of_what_a_milestone_found_missing(stack: Stack) -> None:
    await import_roster(stack, rows_of(A, B, E))
    await add_staff(stack)
    today = datetime.now(UTC).astimezone().date()
    body = {
        "name": "行动",
        "scope": [TOWNSHIP],
        "starts_on": today.isoformat(),
        "milestones": {m: (today + timedelta(days=20 + i)).isoformat() for i, m in enumerate(
            ("screening_done", "procedures_done", "summary_done"))},
    }  # fmt: skip
    campaign = (await stack.http.post("/campaigns", json=body, headers=stack.headers("township", key="own"))).json()
    cid = uuid.UUID(campaign["campaign_id"])
    # A case in identification in village 001 (B's), and the summary milestone recorded as of now.
    await screen(stack, B.household_number, screening(LOW_INCOME), key="b-risk")
    await stack.caught_up()
    # The campaign's workflow first schedules its look-backs on the campaign; the milestones recorded by hand here
    # come after it, as the workflow's own would (else the two saves race for the same version).
    for _ in range(300):
        if stack.services.campaigns.campaign(cid)["look_backs"] is not None:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the campaign's workflow did not schedule its look-backs within 30 s")
    for milestone in Milestone:
        missing = stack.services.campaigns.milestone_findings(cid, milestone, today)
        stack.registry.ledger.campaigns.pass_milestone(
            campaign_id=cid, milestone=milestone, missing=missing, now=datetime.now(UTC)
        )

    whole = (await stack.http.get(f"/campaigns/{cid}", headers=stack.headers("township"))).json()
    summary = whole["passed"]["summary_done"]["missing"]
    assert summary["unscreened"]["by_village_count"] == {VILLAGE: 2, OTHER_VILLAGE: 1}
    assert [c["village_code"] for c in summary["cases_in_identification"]] == [VILLAGE]

    theirs = (await stack.http.get(f"/campaigns/{cid}", headers=stack.headers("other_cadre"))).json()
    summary = theirs["passed"]["summary_done"]["missing"]
    assert summary["unscreened"] == {
        "households": 1,
        "by_village_count": {OTHER_VILLAGE: 1},
        "by_village": {OTHER_VILLAGE: [E.household_number]},
    }
    assert summary["cases_in_identification"] == [] and summary["not_monitored"] == []
    assert A.household_number not in json.dumps(theirs) and B.household_number not in json.dumps(theirs)


async def test_a_backdated_screening_never_hides_a_newer_one(stack: Stack) -> None:
    await import_roster(stack, rows_of(C))
    await add_staff(stack)
    cadre = Actor("cadre-1", Role.VILLAGE_CADRE, VILLAGE, "村干部甲")
    today = datetime.now(UTC).astimezone().date()
    newer = ScreeningRequest.model_validate(screening(LOW_INCOME))  # at risk today, its case not opened
    stack.services.campaigns.record_screening(
        C.household_number, newer, actor=cadre, command_id="cadre-1:n", now=datetime.now(UTC)
    )
    older = ScreeningRequest.model_validate(
        {**screening(HIGH_INCOME), "screened_on": (today - timedelta(days=9)).isoformat()}
    )
    stack.services.campaigns.record_screening(
        C.household_number, older, actor=cadre, command_id="cadre-1:o", now=datetime.now(UTC)
    )
    await stack.caught_up()
    r = await stack.http.get("/screenings/not-monitored", headers=stack.headers("cadre"))
    assert [h["household_number"] for h in r.json()["items"]] == [C.household_number]  # the newer one counts
    assert r.json()["items"][0]["screening_id"] == "cadre-1:n"


async def test_households_and_staff_entered_late_count_from_their_registration_date(stack: Stack) -> None:
    """Issue 20: the roster's 登记日期 column and the staff form's `effective_on` date a registration by its business
    day; table 3-4 counts them from it, as it counts screenings from theirs. A date in the future is refused on its
    row, and the rest of the file goes in."""
    rows = rows_of(B) + rows_of(C)
    for row in rows:
        row["effective_on"] = "2026-02-05" if row["household_number"] == B.household_number else "2999-01-01"
    report = await import_roster(stack, rows)
    assert report["households"]["created"] == 1 and report["households"]["rejected"] == 1
    assert {(e["field"], e["rule"]) for e in report["errors"]} == {("effective_on", "not_in_future")}
    for number, effective_on in (("S-LATE-1", "2026-02-06"), ("S-LATE-2", None)):
        body = {"staff_number": number, "name": "网格员乙", "identity": "grid_worker", "area_code": VILLAGE,
                **({"effective_on": effective_on} if effective_on else {})}  # fmt: skip
        r = await stack.http.post("/staff", json=body, headers=stack.headers("township"))
        assert r.status_code == 200, r.text
    later = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    r = await stack.http.post("/staff", json={"staff_number": "S-LATE-3", "name": "网格员丙", "identity": "grid_worker",
                              "area_code": VILLAGE, "effective_on": later}, headers=stack.headers("township"))  # fmt: skip
    assert r.status_code == 422 and rule(r) == "not_in_future"
    await stack.caught_up()
    r = await stack.http.get("/reports/3-4", params={"scope": VILLAGE, "period": "2026-02-01..2026-02-28"},
                             headers=stack.headers("township"))  # fmt: skip
    village = r.json()["rows"][1]["values"]
    # 农户总数: B alone (C was refused; others in this store were recorded today); staff: S-LATE-1 alone, a 网格员
    assert village[1] == 1 and village[2] == len(B.members)
    assert village[5] == 1 and village[5 + 6] == 1
