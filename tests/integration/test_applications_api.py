"""农户自主申报 over HTTP on the real stack (issue 21): recorded by the village, answered by the township within 2 days;
accepting opens the household's case through its workflow, its identification deadline counted from the day the
household applied."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from tests.domain.registry_support import id_number
from tests.integration.conftest import VILLAGE, Stack

pytestmark = pytest.mark.asyncio(loop_scope="session")
APPLICANT = id_number(date(1968, 5, 2), 7)


def application(stack: Stack, **change: object) -> dict[str, object]:
    return {"village_code": VILLAGE, "applicant_name": "刘大山", "applicant_id_number": APPLICANT, "route": "written",
            "received_on": stack.day(-1), "reported_risks": ["illness"], "authorised": True, **change}  # fmt: skip


async def test_an_application_is_accepted_into_a_case_counted_from_the_day_the_household_applied(stack: Stack) -> None:
    r = await stack.http.post("/applications", json=application(stack), headers=stack.headers("cadre", key="app-1"))
    assert r.status_code == 201, r.text
    number = r.json()["application_number"]
    assert r.headers["Location"] == f"/applications/{number}"
    assert (r.json()["status"], r.json()["answer_due"]) == ("received", stack.day(1))  # 2 days from the application
    again = await stack.http.post("/applications", json=application(stack), headers=stack.headers("cadre", key="app-1"))
    assert again.json()["application_number"] == number  # the same key: the same application

    answer = f"/applications/{number}/answer"
    r = await stack.http.post(answer, json={"accept": False, "reason": "x"}, headers=stack.headers("cadre"))
    assert r.status_code == 403 and r.json()["errors"][0]["rule"] == "answer_roles"
    r = await stack.http.post(answer, json={"accept": True}, headers=stack.headers("township"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "household_number"  # not registered: name it
    body = {"accept": True, "household_number": "HH-APP-0001"}
    r = await stack.http.post(answer, json=body, headers=stack.headers("township", key="accept-1"))
    assert r.status_code == 200, r.text
    accepted = r.json()
    assert accepted["status"] == "accepted" and accepted["answered_late"] is False
    case_id = accepted["answer"]["case_id"]
    again = await stack.http.post(answer, json=body, headers=stack.headers("township", key="accept-1"))
    assert again.json()["answer"]["case_id"] == case_id  # a retry opens no second case

    view = (await stack.http.get(f"/cases/{case_id}", headers=stack.headers("township"))).json()
    assert view["source"] == "self_application" and view["clue_date"] == stack.day(-1)
    identification = next(d for d in view["deadlines"] if d["kind"] == "identification")
    assert identification["due_date"] == (date.fromisoformat(stack.day(-1)) + timedelta(days=15)).isoformat()
    r = await stack.http.post(answer, json={"accept": False, "reason": "重复"}, headers=stack.headers("county"))
    assert r.status_code == 409 and r.json()["errors"][0]["rule"] == "answered_once"


async def test_an_application_is_refused_with_its_reason_and_seen_only_in_its_area(stack: Stack) -> None:
    r = await stack.http.post("/applications", json=application(stack, received_on=stack.day(0)),
                              headers=stack.headers("cadre"))  # fmt: skip
    number = r.json()["application_number"]
    other = await stack.http.get(f"/applications/{number}", headers=stack.headers("other_cadre"))
    assert other.status_code == 404
    ops = await stack.http.get(f"/applications/{number}", headers=stack.headers("ops"))  # 运维: no personal data
    assert ops.status_code == 403 and APPLICANT not in ops.text and "刘大山" not in ops.text
    answer = f"/applications/{number}/answer"
    r = await stack.http.post(answer, json={"accept": False}, headers=stack.headers("township"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = await stack.http.post(answer, json={"accept": False, "reason": "经核实收入稳定，不符合监测范围"},
                              headers=stack.headers("township"))  # fmt: skip
    assert r.status_code == 200 and r.json()["status"] == "refused" and r.json()["answer"]["case_id"] == ""
    r = await stack.http.post("/applications", json=application(stack, received_on=stack.day(1)),
                              headers=stack.headers("cadre"))  # fmt: skip
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "not_in_future"
    assert APPLICANT not in r.text


async def test_a_household_looks_up_its_application_without_a_token_and_cannot_guess_one(stack: Stack) -> None:
    r = await stack.http.post("/applications", json=application(stack), headers=stack.headers("cadre"))
    number = r.json()["application_number"]
    timers = [w async for w in stack.temporal.list_workflows(f"WorkflowId = 'application-deadline-{number}'")]
    assert len(timers) == 1  # the answer deadline's durable timer is armed with the application
    status = "/public/application-status"
    r = await stack.http.post(status, json={"application_number": number.lower(), "id_last_four": APPLICANT[-4:]})
    assert r.status_code == 200, r.text
    assert r.json() == {
        "application_number": number,
        "status": "received",
        "status_label": "待受理",
        "received_on": stack.day(-1),
        "answered_on": None,
    }  # nothing else
    wrong = "1234" if APPLICANT[-4:] != "1234" else "4321"
    for _ in range(5):  # a wrong ID number is answered as a wrong application number would be
        r = await stack.http.post(status, json={"application_number": number, "id_last_four": wrong})
        assert r.status_code == 404 and r.json()["errors"][0]["rule"] == "exists"
    r = await stack.http.post(status, json={"application_number": number, "id_last_four": APPLICANT[-4:]})
    assert r.status_code == 429 and r.headers["Retry-After"] == "3600"  # five misses: this number rests for an hour
    assert r.json()["errors"][0]["rule"] == "rate" and "过于频繁" in r.json()["detail"]
    r = await stack.http.post(status, json={"application_number": number, "id_last_four": "12"})
    assert r.status_code == 422  # malformed, refused before any lookup
    for _ in range(3):  # ten lookups a minute from one address in all: the next is refused whatever it names
        await stack.http.post(status, json={"application_number": "SQ0000000000", "id_last_four": "0000"})
    r = await stack.http.post(status, json={"application_number": "SQ0000000001", "id_last_four": "0000"})
    assert r.status_code == 429 and r.json()["errors"][0]["field"] == "address"


async def test_an_application_whose_timer_never_started_is_found_and_rearmed_by_the_reconcile(stack: Stack) -> None:
    import asyncio
    from datetime import UTC, datetime

    from domain.discovery.commands import ApplicationRecord
    from domain.discovery.values import ApplicationRoute
    from domain.kernel.envelope import Envelope
    from domain.registry.values import Risk
    from tests.integration.conftest import ACTORS

    # recorded straight into the store, as by an API that died before it armed the timer
    view = stack.ledger.applications.receive(
        Envelope(ACTORS["cadre"], uuid.uuid4().hex, datetime.now(UTC)),
        ApplicationRecord(village_code=VILLAGE, applicant_name="刘大山", applicant_id_number=id_number(seq=808),
                          route=ApplicationRoute.HOTLINE, received_on=stack.today - timedelta(days=5),
                          reported_risks=[Risk.ILLNESS]),
    )  # fmt: skip
    number = str(view["application_number"])
    await stack.caught_up()
    stuck = (await stack.http.get("/ops/stuck", headers=stack.headers("township"))).json()
    assert number in [d["number"] for d in stuck["discovery"] if d["problem"] == "deadline_not_recorded"]
    r = await stack.http.post("/ops/reconcile", json={"reason": "补启动申报计时"}, headers=stack.headers("township"))
    assert r.status_code == 200 and number in r.json()["rearmed"]
    for _ in range(100):  # the timer, its day long past, fires at once
        late = (await stack.http.get(f"/applications/{number}", headers=stack.headers("township"))).json()
        if late["answered_late"]:
            break
        await asyncio.sleep(0.1)
    assert late["answered_late"] is True and late["status"] == "received"
    await stack.caught_up()
    stuck = (await stack.http.get("/ops/stuck", headers=stack.headers("township"))).json()
    assert number not in [d["number"] for d in stuck["discovery"]]


async def test_the_lookup_limits_hold_across_api_replicas(stack: Stack) -> None:
    """Two API processes on one database count against the same limits: a caller cannot multiply the rate by
    spreading its lookups over the replicas behind a load balancer."""
    import httpx

    from api.main import create_app

    replica = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(stack.services)), base_url="http://b")
    status = "/public/application-status"
    async with replica:
        for i in range(10):  # ten lookups a minute from one address, whichever replica answers them
            client = stack.http if i % 2 == 0 else replica
            r = await client.post(status, json={"application_number": f"SQ{i:010d}", "id_last_four": "0000"})
            assert r.status_code == 404, r.text
        for client in (stack.http, replica):
            r = await client.post(status, json={"application_number": "SQ0000000099", "id_last_four": "0000"})
            assert r.status_code == 429 and r.json()["errors"][0]["field"] == "address"
    with stack.db() as conn:  # the caller's address is kept only as a digest
        keys = [k for (k,) in conn.execute("SELECT key FROM rate_hits").fetchall()]
    assert keys and not any("127.0.0.1" in k or "testclient" in k for k in keys)
