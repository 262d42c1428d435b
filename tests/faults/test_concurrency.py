"""Concurrent writers on the real stack: two cadres racing for one case, and a burst of steps from many clients.
Whatever the interleaving, a step the API acknowledged is in the event store exactly once, and a step it refused is
not there at all."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from typing import Any

import httpx
import pytest

from tests.faults.support import stored_commands
from tests.integration.conftest import ACTORS, Stack
from tests.integration.support import VISIT, ok, open_case, step

pytestmark = pytest.mark.asyncio(loop_scope="session")

DELIBERATION = {"participants": 15, "outcome": "pass", "minutes_ref": "纪要-1"}
CROSS_CHECK = {"departments": ["公安"], "consistent": True}


async def checked_case(stack: Stack) -> str:
    """A case whose next step is the village deliberation (version 3)."""
    case_id = str((await open_case(stack))["case_id"])
    await ok(stack, case_id, "household-visit", "cadre", VISIT)
    await ok(stack, case_id, "cross-check", "township", CROSS_CHECK)
    return case_id


@pytest.mark.parametrize("if_match", [True, False], ids=["with-if-match", "without-if-match"])
async def test_two_cadres_advancing_one_case_at_once_never_both_win(stack: Stack, if_match: bool) -> None:
    for _ in range(4):  # several races, so that both orders of arrival are likely to be seen
        case_id = await checked_case(stack)
        keys = {"cadre": f"race-{uuid.uuid4().hex}", "director": f"race-{uuid.uuid4().hex}"}
        hdr = {"if_match": '"3"'} if if_match else {}
        answers = await asyncio.gather(
            *(
                step(stack, case_id, "village-deliberation", who, DELIBERATION, key=key, **hdr)
                for who, key in keys.items()
            )
        )
        statuses = sorted(r.status_code for r in answers)
        assert statuses[0] == 200 and statuses[1] in (409, 412), [r.text for r in answers]
        loser = next(r for r in answers if r.status_code != 200)
        assert loser.headers["content-type"].startswith("application/problem+json")
        assert loser.json()["errors"][0]["rule"] in ("version", "step_order")
        winner = next(r for r in answers if r.status_code == 200).json()
        assert winner["version"] == 4
        stored = await asyncio.to_thread(stored_commands, stack, case_id)
        won = [k for who, k in keys.items() if f"{ACTORS[who].id}:{k}" in stored]
        assert len(won) == 1, stored
        assert all(n == 1 for n in stored.values())


async def send_until_answered(stack: Stack, case_id: str, key: str, within: int = 20) -> httpx.Response:
    """A client that retries a 503 with the same Idempotency-Key, as the API asks it to."""
    for _ in range(within):
        r = await step(stack, case_id, "cross-check", "township", CROSS_CHECK, key=key)
        if r.status_code != 503:
            return r
        await asyncio.sleep(1)
    return r


async def test_a_burst_of_steps_from_many_clients_is_stored_exactly_once(stack: Stack) -> None:
    cases_n, steps_n, clients = 100, 500, 32
    opening = asyncio.Semaphore(clients)

    async def opened() -> str:
        async with opening:
            case_id = str((await open_case(stack))["case_id"])
            await ok(stack, case_id, "household-visit", "cadre", VISIT)
            return case_id

    cases = await asyncio.gather(*(opened() for _ in range(cases_n)))
    work: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    for i in range(steps_n):
        work.put_nowait((cases[i % cases_n], f"burst-{i}-{uuid.uuid4().hex[:8]}"))
    acked: list[tuple[str, str]] = []
    answers: Counter[int] = Counter()

    async def client() -> None:
        while not work.empty():
            case_id, key = work.get_nowait()
            r = await send_until_answered(stack, case_id, key)
            answers[r.status_code] += 1
            if r.status_code == 200:
                acked.append((case_id, key))

    await asyncio.gather(*(client() for _ in range(clients)))
    assert answers == {200: steps_n}, answers

    per_case: dict[str, list[str]] = {}
    for case_id, key in acked:
        per_case.setdefault(case_id, []).append(key)
    stored_checks = 0
    for case_id in cases:
        stored = await asyncio.to_thread(stored_commands, stack, case_id)
        assert all(n == 1 for n in stored.values()), stored
        checks = {c.split(":", 1)[1] for c in stored if c.split(":", 1)[1].startswith("burst-")}
        assert checks == set(per_case.get(case_id, [])), case_id
        stored_checks += len(checks)
    assert stored_checks == len(acked) == steps_n
    # The case's version counts its events: open, visit, then one per acknowledged check.
    views: list[Any] = [
        (await stack.http.get(f"/cases/{c}", headers=stack.headers("township"))).json() for c in cases[:10]
    ]
    assert [v["version"] for v in views] == [2 + len(per_case[c]) for c in cases[:10]]
