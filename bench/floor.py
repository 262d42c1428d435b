"""The floor of one case step (libraries.md §3d): an update whose handler inserts one row via a local activity.
In a module of its own so that Temporal's workflow sandbox imports nothing else."""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow

with workflow.unsafe.imports_passed_through():
    import psycopg

CONNINFO: dict[str, str] = {}


@activity.defn
def insert_row(n: int) -> int:
    with psycopg.connect(CONNINFO["dsn"], autocommit=True) as conn:
        conn.execute("INSERT INTO bench_floor (n, payload) VALUES (%s, %s)", (n, "x" * 200))
    return n


@workflow.defn
class FloorWorkflow:
    def __init__(self) -> None:
        self.done = False

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: self.done)

    @workflow.update
    async def step(self, n: int) -> int:
        result: int = await workflow.execute_local_activity(insert_row, n, start_to_close_timeout=timedelta(seconds=30))
        return result

    @step.validator
    def validate_step(self, n: int) -> None:
        if n < 0:
            raise ValueError("negative")

    @workflow.signal
    def finish(self) -> None:
        self.done = True
