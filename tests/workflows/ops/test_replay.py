"""Recorded workflow histories replay against the current workflow code; a change that breaks determinism fails.

The histories in tests/workflows/histories were recorded by `python -m tests.workflows.record_histories`."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio import workflow

from workflows.campaigns.contracts import CampaignInput
from workflows.ops.replay import load_histories, replay

with workflow.unsafe.imports_passed_through():  # this module defines a workflow: the sandbox re-imports it
    from tests.conftest import TEST_CONVERTER

pytestmark = pytest.mark.asyncio(loop_scope="session")

HISTORIES = Path(__file__).parents[1] / "histories"
PLAINTEXT = HISTORIES / "plaintext"  # recorded before payloads were sealed


# Payloads Temporal itself must read, never sealed: search attributes (indexed: codes, stages and dates only) and
# the SDK's own marker records (which local activity, which attempt, a patch id).
UNSEALED = {"searchAttributes", "data", "patch-data"}


def payloads(value: Any) -> Iterator[dict[str, Any]]:
    """Every payload Dixian hands Temporal in a history in Temporal's JSON form (a dict with ``metadata`` and
    ``data``)."""
    if isinstance(value, dict):
        if "metadata" in value and "data" in value:
            yield value
            return
        for k, v in value.items():
            if k not in UNSEALED:
                yield from payloads(v)
    elif isinstance(value, list):
        for v in value:
            yield from payloads(v)


def encodings(directory: Path) -> set[str]:
    found = set()
    for path in directory.glob("*.json"):
        for p in payloads(json.loads(path.read_text(encoding="utf-8"))):
            found.add(base64.b64decode(p["metadata"]["encoding"]).decode())
    return found


@pytest.mark.parametrize("directory", [HISTORIES, PLAINTEXT], ids=["sealed", "plaintext"])
async def test_every_recorded_history_replays_on_the_current_code(directory: Path) -> None:
    histories = load_histories(directory)
    assert {h.workflow_id.split("-")[0] for h in histories} == {"case", "campaign"}
    results = await replay(histories, TEST_CONVERTER)
    assert [r.failure for r in results] == ["" for _ in histories], results


async def test_the_histories_are_of_both_kinds_sealed_and_from_before() -> None:
    # Recorded since payloads are sealed: nothing but ciphertext; recorded before: plaintext, still read.
    assert encodings(HISTORIES) == {"binary/encrypted"}
    assert "binary/encrypted" not in encodings(PLAINTEXT) and "json/plain" in encodings(PLAINTEXT)
    plain = [
        base64.b64decode(p["data"]) for f in PLAINTEXT.glob("case-*.json") for p in payloads(json.loads(f.read_text()))
    ]
    sealed = [
        base64.b64decode(p["data"]) for f in HISTORIES.glob("case-*.json") for p in payloads(json.loads(f.read_text()))
    ]
    assert any("李四".encode() in d for d in plain) and not any("李四".encode() in d for d in sealed)


@workflow.defn(name="CampaignWorkflow")
class ReorderedCampaign:
    """The campaign workflow as a careless change might make it: a timer before its first activity."""

    @workflow.run
    async def run(self, inp: CampaignInput) -> list[str]:
        await workflow.sleep(timedelta(seconds=1))
        return []


async def test_a_change_that_breaks_determinism_fails_the_replay() -> None:
    campaign = [h for h in load_histories(HISTORIES) if h.workflow_id.startswith("campaign-")]
    results = await replay(campaign, TEST_CONVERTER, workflows=[ReorderedCampaign])
    assert results[0].failure and "Nondeterminism" in results[0].failure
