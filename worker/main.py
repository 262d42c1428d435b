"""The worker processes: the Temporal worker for case workflows and their activities (`dixian worker`, any number)
and the read-model projection (`dixian projector`, exactly one)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import structlog
from eventsourcing.projection import ProjectionRunner
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Worker

from domain.ledger import CaseLedger
from domain.readmodel import CaseSummaryView, case_summary_projection
from worker.national_sync import OutboxNationalSystem
from worker.stack import ensure_search_attributes
from workflows.activities import CaseActivities, NationalSystem
from workflows.case_workflow import CaseWorkflow
from workflows.observability import configure_logging
from workflows.settings import Settings

log = structlog.get_logger("dixian.worker")


def build_worker(
    client: Client,
    ledger: CaseLedger,
    national: NationalSystem,
    task_queue: str,
    executor: ThreadPoolExecutor,
    max_concurrent: int = 4,
) -> Worker:
    """The Temporal worker for case workflows; activities are synchronous and run on ``executor``, which must have
    at least ``max_concurrent`` threads."""
    activities = CaseActivities(ledger, national)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[CaseWorkflow],
        activities=[
            activities.open_case,
            activities.take_step,
            activities.record_deadline_missed,
            activities.load_case,
            activities.sync_national,
        ],
        activity_executor=executor,
        max_concurrent_activities=max_concurrent,
        max_concurrent_local_activities=max_concurrent,
    )


@contextmanager
def projection_runner(env: Mapping[str, str]) -> Iterator[ProjectionRunner[CaseLedger, CaseSummaryView]]:
    """Follow the event store into the case list read model (exactly once, resumes where it stopped)."""
    with ProjectionRunner(
        application_class=CaseLedger,
        projection_class=case_summary_projection(env),
        view_class=CaseSummaryView,
        env=dict(env),
    ) as runner:
        yield runner


async def connect_temporal(settings: Settings, attempts: int = 30) -> Client:
    assert settings.temporal_address, "TEMPORAL_ADDRESS must be set"
    for attempt in range(1, attempts + 1):
        try:
            return await Client.connect(
                settings.temporal_address,
                namespace=settings.temporal_namespace,
                data_converter=pydantic_data_converter,
            )
        except RuntimeError as e:
            if attempt == attempts:
                raise
            log.warning("temporal_connect_retry", attempt=attempt, error=str(e))
            await asyncio.sleep(1)
    raise AssertionError("unreachable")


async def run_worker(settings: Settings) -> None:
    """Run the Temporal worker until cancelled (Ctrl-C / SIGTERM). Any number of these may run on one task queue."""
    configure_logging(json=settings.log_format == "json")
    env = settings.eventsourcing_env()
    client = await connect_temporal(settings)
    try:
        await ensure_search_attributes(client, settings.temporal_namespace)
    except Exception as e:  # a managed namespace may refuse: its operators register them (README)
        log.warning("search_attributes_not_registered", error=str(e))
    ledger = CaseLedger(env)
    threads = max(2, settings.postgres_pool_size)  # each running activity holds one pooled connection
    try:
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="activity") as pool:
            national = OutboxNationalSystem(env, settings.data_dir / "national-sync.jsonl")
            worker = build_worker(client, ledger, national, settings.task_queue, pool, threads)
            log.info("worker_started", task_queue=settings.task_queue, temporal=settings.temporal_address)
            await worker.run()
    finally:
        ledger.close()
        log.info("worker_stopped")


async def run_projector(settings: Settings) -> None:
    """Keep the read models up to date until cancelled. Run exactly one: the tracking table admits one writer."""
    configure_logging(json=settings.log_format == "json")
    env = settings.eventsourcing_env()
    with projection_runner(env) as runner:
        log.info("projector_started", projection=CaseSummaryView.__name__)
        try:
            await asyncio.get_running_loop().run_in_executor(None, runner.run_forever)
        finally:
            runner.stop()
            log.info("projector_stopped")
