"""The HTTP edge on its own, fast: what the API refuses before any service is asked (who is calling, the headers,
the body's shape, the area asked for), answered as problem+json naming the field and the rule.

The app runs over ``httpx.ASGITransport`` with a store in memory and no Temporal or PostgreSQL: every request here
must be refused or answered at the edge, so a request that reached a missing service would fail the test loudly
(the integration tests cover the same routes on the real stack)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any, cast

import httpx
import pytest
import pytest_asyncio
from pydantic import SecretStr

from api.auth import issue_token
from api.deps import Services
from api.limits import MAX_JSON_BYTES
from api.main import create_app
from api.ops import METRICS
from domain.cases.queries import CaseQueries
from domain.kernel.actors import Actor, Role
from domain.kernel.messages import RULE_MESSAGES, VALIDATION_MESSAGES
from domain.ledger import Ledger
from domain.store import EventStore
from tests.conftest import TEST_COMMAND_KEY
from tests.problems import problem
from tests.scenarios import VISIT
from workflows.accounts.service import AccountService
from workflows.kernel.settings import Settings
from workflows.registry.roster_files import MAX_BYTES as ROSTER_MAX_BYTES

pytestmark = pytest.mark.asyncio(loop_scope="session")

SECRET = "edge-test-secret-of-at-least-32-bytes!"
CADRE = Actor("cadre-1", Role.VILLAGE_CADRE, "990102101001", "村干部")
OPS = Actor("ops-1", Role.OPS, "990102", "运维")
PROBLEM = "application/problem+json"
CASE = "/cases/5c1f3a52-8d0e-4c57-9b1e-6f0d7d1c2a10"


@pytest_asyncio.fixture(loop_scope="session")
async def http() -> AsyncIterator[httpx.AsyncClient]:
    # Only what the edge itself uses is real (settings, the token secret, a case store in memory); nothing else
    # may be reached by a request these tests send.
    services = Services(
        settings=Settings(token_secret=SecretStr(SECRET)),
        token_secret=SecretStr(SECRET),
        temporal=cast(Any, None),
        queries=CaseQueries(EventStore()),
        summaries=cast(Any, None),
        registry=cast(Any, None),
        campaigns=cast(Any, None),
        audit=cast(Any, None),
        ops=cast(Any, None),
        reports=cast(Any, None),
        signer=TEST_COMMAND_KEY,
        accounts=AccountService(Ledger()),
    )
    transport = httpx.ASGITransport(app=create_app(services), raise_app_exceptions=True)
    # These tests read the refusals' exact English (a program's view); the Chinese default has its own tests below.
    async with httpx.AsyncClient(transport=transport, base_url="http://edge.test",
                                 headers={"Accept-Language": "en"}) as client:  # fmt: skip
        yield client


def bearer(actor: Actor, secret: str = SECRET) -> dict[str, str]:
    """A caller's headers: its token, and the Idempotency-Key every write carries (a read ignores it)."""
    return {"Authorization": f"Bearer {issue_token(secret, actor)}", "Idempotency-Key": uuid.uuid4().hex}


async def test_a_request_without_a_token_is_refused_naming_the_header(http: httpx.AsyncClient) -> None:
    body = problem(await http.get("/cases"), 401)
    assert body["errors"] == [{"field": "Authorization", "rule": "bearer", "message": "a bearer token is required"}]


async def test_a_refusal_is_said_in_chinese_unless_english_is_asked_for(http: httpx.AsyncClient) -> None:
    """What people read is Chinese first: the detail and each error's message say what the rule means and what to do
    next (domain.kernel.messages); the field and the rule stay the same for programs; English on request."""
    for language in ("", "zh-CN,zh;q=0.9", "fr-FR, en;q=0.5, zh;q=0.8"):
        r = await http.get("/households?area_code=990103", headers={**bearer(CADRE), "Accept-Language": language})
        body = problem(r, 403, "area_code", "jurisdiction")
        assert body["detail"] == RULE_MESSAGES["jurisdiction"] and body["title"] == "无权办理", language
        assert body["errors"][0]["message"] == RULE_MESSAGES["jurisdiction"]
        assert r.headers["Content-Language"] == "zh-CN"
    r = await http.get("/households?area_code=990103", headers={**bearer(CADRE), "Accept-Language": "en-GB,zh;q=0.5"})
    assert problem(r, 403)["detail"] == "area 990103 lies outside your area" and r.headers["Content-Language"] == "en"
    # a request body's refusal: pydantic's rule, the domain's Chinese words for it, field by field
    r = await http.post(f"{CASE}/steps/household-visit", json={**VISIT, "household_size": "四", "income": 1},
                        headers={**bearer(CADRE), "Accept-Language": "zh-CN"})  # fmt: skip
    errors = {e["field"]: e for e in problem(r, 422)["errors"]}
    assert errors["household_size"]["message"] == VALIDATION_MESSAGES["int_parsing"]
    assert errors["income"]["message"] == VALIDATION_MESSAGES["extra_forbidden"]
    assert "household_size：" + VALIDATION_MESSAGES["int_parsing"] in r.json()["detail"]


async def test_a_token_signed_by_someone_else_is_refused(http: httpx.AsyncClient) -> None:
    r = await http.get("/cases", headers=bearer(CADRE, "another-secret-of-at-least-32-bytes!!"))
    assert problem(r, 401)["errors"][0]["rule"] == "token"
    assert r.headers["WWW-Authenticate"] == "Bearer"


async def test_an_idempotency_key_of_the_wrong_shape_is_refused_before_the_step(http: httpx.AsyncClient) -> None:
    headers = {**bearer(CADRE), "Idempotency-Key": "has spaces"}
    body = problem(await http.post(f"{CASE}/steps/household-visit", json=VISIT, headers=headers), 422)
    assert (body["errors"][0]["field"], body["errors"][0]["rule"]) == ("Idempotency-Key", "format")


async def test_a_write_without_an_idempotency_key_is_refused_naming_the_header(http: httpx.AsyncClient) -> None:
    """Every write carries an Idempotency-Key: without one, a retried request would record the same change twice."""
    headers = {"Authorization": bearer(CADRE)["Authorization"]}
    body = problem(await http.post(f"{CASE}/steps/household-visit", json=VISIT, headers=headers), 422)
    assert (body["errors"][0]["field"], body["errors"][0]["rule"]) == ("Idempotency-Key", "required")
    schema = (await http.get("/openapi.json")).json()
    [key] = [p for p in schema["paths"]["/cases"]["post"]["parameters"] if p["name"].lower() == "idempotency-key"]
    assert key["required"] is True


async def test_a_step_body_with_an_unknown_field_names_it(http: httpx.AsyncClient) -> None:
    r = await http.post(f"{CASE}/steps/household-visit", json={**VISIT, "income": 1}, headers=bearer(CADRE))
    assert [(e["field"], e["rule"]) for e in problem(r, 422)["errors"]] == [("income", "extra_forbidden")]


async def test_a_case_id_that_is_no_uuid_is_an_unknown_case(http: httpx.AsyncClient) -> None:
    body = problem(await http.get("/cases/not-a-case", headers=bearer(CADRE)), 404)
    assert body["type"] == "urn:dixian:problem:CaseNotFoundError"


async def test_an_area_outside_the_callers_is_refused_naming_only_what_was_sent(http: httpx.AsyncClient) -> None:
    body = problem(await http.get("/households?area_code=990103", headers=bearer(CADRE)), 403)
    assert body["errors"][0] == {"field": "area_code", "rule": "jurisdiction",
                                 "message": "area 990103 lies outside your area"}  # fmt: skip


async def test_operations_staff_see_no_case(http: httpx.AsyncClient) -> None:
    assert problem(await http.get("/cases", headers=bearer(OPS)), 403)["errors"][0]["rule"] == "role_scope"


async def test_an_unknown_path_is_a_problem_too_and_every_answer_carries_the_security_headers(
    http: httpx.AsyncClient,
) -> None:
    r = await http.get("/no-such-route")
    problem(r, 404)
    assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["Cache-Control"] == "no-store"
    assert r.headers["X-Request-Id"]


async def test_the_schema_documents_every_refusal_as_problem_json(http: httpx.AsyncClient) -> None:
    schema = (await http.get("/openapi.json")).json()
    step = schema["paths"]["/cases/{case_id}/steps/household-visit"]["post"]["responses"]
    assert {"401", "403", "404", "409", "422", "503"} <= set(step)
    assert PROBLEM in step["422"]["content"]


async def test_a_step_with_actions_needs_one(http: httpx.AsyncClient) -> None:
    """村内公示 is posted, objected to or closed: a body naming none is refused at the edge (the domain's commands
    cannot even express it)."""
    r = await http.post(f"{CASE}/steps/public-notice", json={"start_date": "2026-02-14"}, headers=bearer(CADRE))
    [error] = problem(r, 422)["errors"]
    assert error["rule"] == "union_tag_not_found" and "action" in error["message"]


async def test_a_body_over_its_limit_is_refused_as_it_arrives(http: httpx.AsyncClient) -> None:
    big = {**VISIT, "comment": "x" * (MAX_JSON_BYTES + 1)}
    r = await http.post(f"{CASE}/steps/household-visit", json=big, headers=bearer(CADRE))
    assert problem(r, 413)["errors"] == [
        {"field": "body", "rule": "max_size", "message": "the request body is larger than 1 MiB"}
    ]
    roster = b"x" * (ROSTER_MAX_BYTES + 1)  # the roster import takes a file, up to its own limit
    headers = {**bearer(CADRE), "Content-Type": "text/csv"}
    assert problem(await http.post("/households:import", content=roster, headers=headers), 413)["type"].endswith(
        "PayloadTooLargeError"
    )

    async def chunks() -> AsyncIterator[bytes]:  # streamed without a Content-Length: counted all the same
        for _ in range(40):
            yield b" " * 65536

    r = await http.post(f"{CASE}/steps/household-visit", content=chunks(), headers={**bearer(CADRE), "Content-Type": "application/json"})  # fmt: skip
    assert r.status_code == 413


async def test_metrics_count_a_method_no_one_uses_under_one_label(http: httpx.AsyncClient) -> None:
    for i in range(20):
        await http.request(f"JUNK{i}", "/healthz")
    methods = {method for method, _, _ in METRICS.requests}
    assert "OTHER" in methods and not any(m.startswith("JUNK") for m in methods)
