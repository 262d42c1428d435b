"""Replay of recorded workflow histories against the current workflow code: a change that would break the
determinism of running workflows fails here, before it is deployed (`dixian replay-check`)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from temporalio.client import Client, WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.worker import Replayer

from workflows.campaigns.workflow import CampaignWorkflow
from workflows.cases.workflow import CaseWorkflow

WORKFLOWS = [CaseWorkflow, CampaignWorkflow]


@dataclass(frozen=True)
class ReplayResult:
    workflow_id: str
    failure: str  # "" when the history replays

    def as_dict(self) -> dict[str, str]:
        return {"workflow_id": self.workflow_id, "failure": self.failure}


async def replay(
    histories: Iterable[WorkflowHistory], converter: DataConverter, workflows: list[type] | None = None
) -> list[ReplayResult]:
    """Replay each history with ``converter`` (the processes' own: it opens sealed payloads and passes plaintext
    ones of older histories through)."""
    replayer = Replayer(workflows=workflows or WORKFLOWS, data_converter=converter)
    out = []
    for history in histories:
        result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
        error = result.replay_failure
        out.append(ReplayResult(history.workflow_id, f"{type(error).__name__}: {error}" if error else ""))
    return out


def load_histories(directory: Path) -> list[WorkflowHistory]:
    """Histories saved as ``<workflow id>.json`` (Temporal's JSON form of a history)."""
    return [
        WorkflowHistory.from_json(path.stem, path.read_text(encoding="utf-8"))
        for path in sorted(directory.glob("*.json"))
    ]


async def recent_histories(client: Client, limit: int) -> list[WorkflowHistory]:
    """The histories of the most recently started Dixian workflows on the server."""
    query = "WorkflowType = 'CaseWorkflow' OR WorkflowType = 'CampaignWorkflow'"
    histories = []
    async for execution in client.list_workflows(query, limit=limit):
        handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
        histories.append(await handle.fetch_history())
    return histories


def save_history(history: WorkflowHistory, directory: Path) -> Path:
    path = directory / f"{history.workflow_id}.json"
    path.write_text(json.dumps(json.loads(history.to_json()), indent=1) + "\n", encoding="utf-8")
    return path
