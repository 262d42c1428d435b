"""Recorded workflow histories replay against the current workflow code; a change that breaks determinism fails.

The histories in tests/workflows/histories were recorded by `python -m tests.workflows.record_histories`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from temporalio import workflow

from workflows.campaigns.contracts import CampaignInput
from workflows.ops.replay import load_histories, replay

pytestmark = pytest.mark.asyncio(loop_scope="session")

HISTORIES = Path(__file__).parents[1] / "histories"


async def test_every_recorded_history_replays_on_the_current_code() -> None:
    histories = load_histories(HISTORIES)
    assert {h.workflow_id.split("-")[0] for h in histories} == {"case", "campaign"}
    results = await replay(histories)
    assert [r.failure for r in results] == ["" for _ in histories], results


@workflow.defn(name="CampaignWorkflow")
class ReorderedCampaign:
    """The campaign workflow as a careless change might make it: a timer before its first activity."""

    @workflow.run
    async def run(self, inp: CampaignInput) -> list[str]:
        await workflow.sleep(timedelta(seconds=1))
        return []


async def test_a_change_that_breaks_determinism_fails_the_replay() -> None:
    campaign = [h for h in load_histories(HISTORIES) if h.workflow_id.startswith("campaign-")]
    results = await replay(campaign, workflows=[ReorderedCampaign])
    assert results[0].failure and "Nondeterminism" in results[0].failure
