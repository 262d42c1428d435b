"""The masking sweep: every route of the OpenAPI schema, in every format it answers in, read as every role that sees
personal data masked (督导, 驻村干部, 帮扶责任人) or not at all (运维, 管理员), after a household, a staff member, a
screening and a case through identification, assistance and a review were recorded with values the test chose. No
answer holds a full ID number, a phone, a birth date, a health or welfare detail or a cadre's free text; for 运维
and 管理员, no name either. The values are listed here, by hand: the test does not read the implementation's table of
what is personal."""

from __future__ import annotations

import io
import uuid
import zipfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from api.auth import issue_token
from api.main import create_app
from domain.campaigns.values import Milestone
from domain.discovery.alert_commands import AlertRecord
from domain.discovery.values import AlertKind
from domain.kernel.actors import Actor, Role
from domain.kernel.envelope import Envelope
from tests.domain.support import CaseDriver
from tests.integration.conftest import COUNTY, SECRET, TOWNSHIP, VILLAGE, Stack
from tests.integration.registry_support import household, id_number

pytestmark = pytest.mark.asyncio(loop_scope="session")
TOWNSHIP_ACTOR = Actor("township-1", Role.TOWNSHIP_REVIEWER, TOWNSHIP, "乡镇审核员")
MEDICAL = Actor("yb-1", Role.DEPARTMENT, COUNTY, "县医保局", department="medical_insurance")
MASKED_ROLES = {
    "inspector": Actor("inspector-1", Role.INSPECTOR, COUNTY, "督导"),
    "resident": Actor("resident-1", Role.RESIDENT_CADRE, VILLAGE, "驻村干部"),
    "helper": Actor("helper-1", Role.RESPONSIBLE_PERSON, TOWNSHIP, "陈帮扶"),
    "ops": Actor("ops-1", Role.OPS, COUNTY, "运维甲"),
    "admin": Actor("admin-1", Role.ADMIN, COUNTY, "管理员甲"),
    "department": MEDICAL,
}
NO_NAMES = {"ops", "admin", "department"}

NAMES = ("欧阳秀珍", "欧阳卫国")
BIRTHS = (date(1958, 4, 23), date(1984, 10, 9))
IDS = tuple(id_number(b, 930 + i) for i, b in enumerate(BIRTHS))
PHONE, STAFF_PHONE, HELPER_PHONE = "13912340000", "13711112222", "13800000000"
FREE_TEXT = ("SWEEP-REASON-分户另立", "SWEEP-SCREEN-尿毒症透析", "SWEEP-VISIT-每周透析三次", "SWEEP-PLAN-护理",
             "SWEEP-ALERT-住院自付")  # fmt: skip
STAFF_NAME, HELPER = "网格员扫描", "陈帮扶"
HEALTH_AND_WELFARE = ('"serious_illness"', "患大病", '"dibao"', "农村低保", '"illness"', "因病", "43210")


def personal_values(role: str) -> list[str]:
    values = [*IDS, PHONE, STAFF_PHONE, HELPER_PHONE, *(b.isoformat() for b in BIRTHS), *FREE_TEXT, *HEALTH_AND_WELFARE]
    if role in NO_NAMES:
        values += [*NAMES, STAFF_NAME, HELPER]
    return values


def text_of(response: httpx.Response) -> str:
    """What a person would read in an answer: the JSON or CSV text, or every part of an XLSX file."""
    if response.content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(response.content)) as z:
            return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    return response.content.decode("utf-8", "replace")


def around(text: str, value: str) -> str:
    at = text.index(value)
    return f"{value!r} in …{text[max(0, at - 150) : at + 60]}…"


async def seed(stack: Stack) -> dict[str, str]:
    now = datetime.now(UTC)
    base = household("HH-PRIV-1", VILLAGE, 93, size=2)
    members = [
        {**m.as_dict(), "name": NAMES[i], "id_number": IDS[i], "birth_date": BIRTHS[i].isoformat(),
         "health": "serious_illness" if i == 0 else "healthy", "social_assistance": "dibao",
         "relation": "head" if i == 0 else "child"}
        for i, m in enumerate(base.members)
    ]  # fmt: skip
    for m in members:
        m.pop("medical_insurance", None)
    body = {"household_type": "ordinary", "village_code": VILLAGE, "address": "扫描村1组", "phone": PHONE,
            "members": members, "reason": ""}  # fmt: skip
    r = await stack.http.put("/households/HH-PRIV-1", json=body, headers=stack.headers("cadre", key="priv-1"))
    assert r.status_code == 200, r.text
    r = await stack.http.put(
        "/households/HH-PRIV-1", json={**body, "phone": PHONE, "address": "扫描村2组", "reason": FREE_TEXT[0]},
        headers=stack.headers("cadre", key="priv-2"),
    )  # fmt: skip
    assert r.status_code == 200, r.text
    staff = {"staff_number": "S-PRIV", "name": STAFF_NAME, "identity": "grid_worker", "area_code": VILLAGE,
             "phone": STAFF_PHONE}  # fmt: skip
    assert (await stack.http.post("/staff", json=staff, headers=stack.headers("township", key="priv-s"))).is_success
    screening = {"screened_on": stack.day(0), "method": "in_person", "screener": "S-PRIV", "comment": FREE_TEXT[1],
                 "findings": {"wage_income": "3000", "medical_expenditure": "43210", "schooling_expenditure": "1000"}}  # fmt: skip
    r = await stack.http.post(
        "/households/HH-PRIV-1/screenings", json=screening, headers=stack.headers("cadre", key="priv-sc")
    )
    assert r.status_code == 201, r.text
    case_id = r.json()["case"]["case_id"]

    driven = CaseDriver(stack.ledger)
    driven.through("measures", comment=FREE_TEXT[2])
    driven.review_assistance()
    stack.ledger.campaigns.start_campaign(
        Envelope(TOWNSHIP_ACTOR, "priv-camp", now), campaign_id=(campaign := uuid.uuid4()), name="扫描攻坚",
        scope=[VILLAGE], starts_on=stack.today,
        milestones={m: stack.today + timedelta(days=30 + i) for i, m in enumerate(Milestone)},
    )  # fmt: skip
    # a department's alert on the household's head (its details free text, its amount the medical cost above)
    [alert] = stack.ledger.alerts.push(Envelope(MEDICAL, "priv-alert", now), [AlertRecord(
        id_number=IDS[0], name=NAMES[0], kind=AlertKind.MEDICAL_COST, occurred_on=stack.today,
        amount=Decimal("43210"), details=FREE_TEXT[4])], via="api")  # fmt: skip
    period = f"{stack.today - timedelta(days=60)}..{stack.today}"
    r = await stack.http.post(
        "/reports", json={"village_code": VILLAGE, "period": period}, headers=stack.headers("cadre")
    )
    assert r.status_code == 201, r.text
    await stack.caught_up()
    return {"case_id": str(driven.case_id), "screened_case": case_id, "household_number": "HH-PRIV-1",
            "staff_number": "S-PRIV", "campaign_id": str(campaign), "report_id": r.json()["report_id"], "table": "3-1",
            "period": period, "alert_number": alert.alert.number}  # fmt: skip


def requests_of(schema: dict[str, Any], ids: dict[str, str]) -> list[tuple[str, dict[str, str]]]:
    """Every GET of the schema with its path filled in, in every format it answers in."""
    out: list[tuple[str, dict[str, str]]] = []
    for template, methods in schema["paths"].items():
        if "get" not in methods or template in ("/metrics", "/healthz", "/households/import-template"):
            continue
        path = template
        for name, value in ids.items():
            path = path.replace("{" + name + "}", value)
        query = {p["name"] for p in methods["get"].get("parameters", []) if p["in"] == "query"}
        params: dict[str, str] = {}
        if "period" in query:
            params["period"] = ids["period"]
        if template.endswith("/diff"):
            params |= {"from": "1", "to": "12"}
        if template.endswith("/state"):
            params["version"] = "6"
        formats = ["json", "csv", "xlsx"] if "format" in query else [""]
        for fmt in formats:
            out.append((path, {**params, **({"format": fmt} if fmt else {})}))
    return out


async def test_no_answer_of_any_route_shows_a_masked_role_what_it_may_not_see(stack: Stack) -> None:
    ids = await seed(stack)
    county_view = (await stack.http.get(f"/cases/{ids['case_id']}", headers=stack.headers("county"))).text
    assert FREE_TEXT[2] in county_view and HELPER_PHONE in county_view  # written, and shown to the county in full
    household_view = (await stack.http.get("/households/HH-PRIV-1", headers=stack.headers("county"))).text
    assert all(v in household_view for v in (*IDS, PHONE, BIRTHS[0].isoformat(), "serious_illness", "dibao"))

    schema = create_app(stack.services).openapi()
    answered = 0
    for role, actor in MASKED_ROLES.items():
        headers = {"Authorization": f"Bearer {issue_token(SECRET, actor)}"}
        for path, params in requests_of(schema, ids):
            response = await stack.http.get(path, params=params, headers=headers)
            assert response.status_code != 500, (role, path, response.text[:300])
            answered += response.status_code == 200
            text = text_of(response)
            leaked = [v for v in personal_values(role) if v in text]
            assert not leaked, f"{role} GET {path} {params}: " + " | ".join(around(text, v) for v in leaked)
    assert answered > 40  # the masked roles were answered, not only refused
