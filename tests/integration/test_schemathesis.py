"""Property-based requests from the OpenAPI schema (schemathesis), a few per operation and per role, against the API
served on a real port over the real stack: no answer is a 5xx, and every answer has a documented status, content
type and shape."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.main import create_app
from tests.conftest import free_port
from tests.integration.conftest import Stack

pytestmark = pytest.mark.asyncio(loop_scope="session")
EXAMPLES = 3  # per operation and role: bounded, so the suite stays fast
ROLES = ("cadre", "township", "county", "inspector")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def exercise(schema: Any, base_url: str, tokens: dict[str, str]) -> tuple[int, list[str]]:
    """Run the examples; return how many requests were sent and the failures, each with its operation."""
    sent, failures = 0, []

    def run(operation: Any, role: str, token: str) -> None:
        @hypothesis_settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                             phases=[Phase.generate], suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(case=operation.as_strategy())
        def one(case: Any) -> None:
            nonlocal sent
            headers = {"Authorization": f"Bearer {token}"} if "Authorization" not in (case.headers or {}) else {}
            response = case.call(base_url=base_url, headers=headers, timeout=30)
            sent += 1
            try:
                case.validate_response(response, checks=CHECKS)
            except Exception as e:  # collected: one report for the whole run
                failures.append(f"{operation.label} as {role}: {str(e).splitlines()[0:8]}")

        one()

    for result in schema.get_all_operations():
        for role, token in tokens.items():
            run(result.ok(), role, token)
    return sent, failures


async def test_generated_requests_get_no_server_error_and_documented_answers(stack: Stack) -> None:
    app = create_app(stack.services)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn exposes a flag, not an event)
        await asyncio.sleep(0.05)
    try:
        schema = schemathesis.openapi.from_dict(app.openapi())
        tokens = {role: stack.headers(role)["Authorization"].removeprefix("Bearer ") for role in ROLES}
        sent, failures = await asyncio.to_thread(exercise, schema, f"http://127.0.0.1:{port}", tokens)
    finally:
        server.should_exit = True
        await serving
    print(f"schemathesis: {sent} requests")
    assert sent > 100
    assert failures == [], "\n".join(failures[:40])
