"""What Temporal keeps of a case is sealed, and the codec endpoint opens it for operations and the county alone,
each time recorded in the access log (the Temporal UI's "Data Encoder" points at it)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from google.protobuf import json_format
from temporalio.api.enums.v1 import EventType

from tests.integration.conftest import Stack
from tests.integration.support import VISIT, ok, open_case

pytestmark = pytest.mark.asyncio(loop_scope="session")
DECODE = "/ops/temporal-codec/decode"


async def sealed_visit(stack: Stack) -> list[dict[str, Any]]:
    """A case whose household visit was taken, and the payloads of its updates (opening, the visit) as Temporal
    holds them."""
    case_id = (await open_case(stack))["case_id"]
    await ok(stack, case_id, "household-visit", "cadre", VISIT)
    history = await stack.temporal.get_workflow_handle(f"case-{case_id}").fetch_history()
    accepted = [
        e.workflow_execution_update_accepted_event_attributes
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    ]
    payloads = [json_format.MessageToDict(p) for a in accepted for p in a.accepted_request.input.args.payloads]
    return payloads


def data_of(payloads: list[dict[str, Any]]) -> bytes:
    return b"".join(base64.b64decode(p.get("data", "")) for p in payloads)


async def test_ops_and_the_county_open_what_temporal_keeps_and_each_opening_is_recorded(stack: Stack) -> None:
    payloads = await sealed_visit(stack)
    assert "承诺授权书-2026-001".encode() not in data_of(payloads)  # sealed as Temporal keeps it
    assert {base64.b64decode(p["metadata"]["encoding"]) for p in payloads} == {b"binary/encrypted"}

    purpose = "排查卡住的入户核实".encode()  # raw UTF-8, as a browser or curl may send it
    for who in ("ops", "county"):
        r = await stack.http.post(
            DECODE, json={"payloads": payloads}, headers={**stack.headers(who), "X-Purpose": purpose}
        )
        assert r.status_code == 200, r.text
        opened = r.json()["payloads"]
        assert "承诺授权书-2026-001".encode() in data_of(opened)
        assert {base64.b64decode(p["metadata"]["encoding"]) for p in opened} == {b"json/plain"}

    for who in ("cadre", "township", "inspector"):
        r = await stack.http.post(DECODE, json={"payloads": payloads}, headers=stack.headers(who))
        assert r.status_code == 403 and r.json()["errors"][0]["rule"] in ("ops_or_county", "no_personal_data"), r.text

    await stack.caught_up()
    rows = (await stack.http.get("/audit/access", headers=stack.headers("inspector"))).json()["items"]
    openings = [(x["actor_id"], x["purpose"]) for x in rows if x["what"] == "temporal_payloads"]
    assert openings == [("county-1", "排查卡住的入户核实"), ("ops-1", "排查卡住的入户核实")]  # newest first


async def test_plaintext_passes_and_foreign_or_broken_payloads_are_refused(stack: Stack) -> None:
    payloads = await sealed_visit(stack)
    plain = {
        "metadata": {"encoding": base64.b64encode(b"json/plain").decode()},
        "data": base64.b64encode(b"1").decode(),
    }
    r = await stack.http.post(DECODE, json={"payloads": [plain]}, headers=stack.headers("ops"))
    assert r.status_code == 200 and r.json()["payloads"] == [plain]  # a history from before payloads were sealed

    altered = {**payloads[0], "data": base64.b64encode(b"\0" * 40).decode()}
    r = await stack.http.post(DECODE, json={"payloads": [altered]}, headers=stack.headers("ops"))
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "sealed_by_this_deployment"
    r = await stack.http.post(DECODE, json={"payloads": [{"metadata": 3}]}, headers=stack.headers("ops"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "payloads"
    r = await stack.http.post(DECODE, json={"payloads": []}, headers={})
    assert r.status_code == 401
