"""A case worker in a process of its own, for the crash tests: ``python -m tests.faults.worker_process``.

Configured by environment: ``FAULT_TEMPORAL`` (address), ``FAULT_TASK_QUEUE``, ``FAULT_ES_ENV`` (the eventsourcing env
as JSON) and ``FAULT_STALL_DIR``. A step whose Idempotency-Key has a file ``<key>.before`` or ``<key>.after`` in the
stall directory stops before or after its events are appended, once it has touched ``<key>.reached``: the test then
kills this process at exactly that point. With ``<key>.pause`` it waits a few seconds there instead (for a test
that stops the worker gracefully meanwhile). SIGTERM and SIGINT stop it as they stop `dixian worker`.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from temporalio.client import Client

from domain.cases.commands import CaseCommands
from domain.cases.view import CaseViewData
from domain.kernel.envelope import Envelope
from domain.ledger import Ledger
from tests.conftest import TEST_CONVERTER, TEST_VERIFIER
from worker.cli import until_signal
from worker.main import build_worker
from worker.national_sync import OutboxNationalSystem

STALL_DIR = Path(os.environ.get("FAULT_STALL_DIR", "."))
PAUSE_SECONDS = 4


class StallingCases(CaseCommands):
    def take_step(self, envelope: Envelope, *args: Any, **kwargs: Any) -> CaseViewData:
        key = envelope.command_id.split(":", 1)[-1]
        self._stall(key, "before")
        view = super().take_step(envelope, *args, **kwargs)
        self._stall(key, "after")
        return view

    @staticmethod
    def _stall(key: str, when: str) -> None:
        if (STALL_DIR / f"{key}.{when}").exists():
            (STALL_DIR / f"{key}.reached").touch()
            time.sleep(3600)  # until killed
        if when == "before" and (STALL_DIR / f"{key}.pause").exists():
            (STALL_DIR / f"{key}.reached").touch()
            time.sleep(PAUSE_SECONDS)


class StallingLedger(Ledger):
    def __init__(self, env: dict[str, str]) -> None:
        super().__init__(env)
        self.cases = StallingCases(self)


async def main() -> None:
    env: dict[str, str] = json.loads(os.environ["FAULT_ES_ENV"])
    client = await Client.connect(os.environ["FAULT_TEMPORAL"], data_converter=TEST_CONVERTER)
    ledger = StallingLedger(env)
    with ThreadPoolExecutor(max_workers=8) as pool:
        worker = build_worker(
            client, ledger, OutboxNationalSystem(env, None), os.environ["FAULT_TASK_QUEUE"], pool, TEST_VERIFIER, 8
        )
        print("worker ready", flush=True)
        await worker.run()


if __name__ == "__main__":
    asyncio.run(until_signal(main()))
