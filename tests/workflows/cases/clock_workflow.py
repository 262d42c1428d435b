"""A workflow that reads the clock, as workflow code must never do (tests/workflows/cases/test_sandbox.py). In a
module of its own, so that Temporal's sandbox imports nothing else with it."""

from __future__ import annotations

import datetime

from temporalio import workflow


@workflow.defn(name="ReadsTheClock")
class ReadsTheClock:
    @workflow.run
    async def run(self) -> str:
        return datetime.datetime.now().isoformat()
