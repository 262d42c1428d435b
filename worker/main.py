"""The worker processes: the Temporal worker for case workflows and their activities (`dixian worker`, any number)
and the read-model projection (`dixian projector`, any number: one active, the others standing by)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from eventsourcing import persistence as es_persistence
from eventsourcing.projection import ProjectionRunner
from temporalio.client import Client
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.worker import UnsandboxedWorkflowRunner, Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from domain.kernel.actors import SYSTEM_ACTOR
from domain.ledger import Ledger
from domain.readmodels.cases import CaseSummaryView, case_summary_projection, open_summary_view
from domain.readmodels.registry import RegistryProjection, RegistryView, open_registry_view
from domain.readmodels.reports import ReportView, open_report_view, report_projection
from domain.readmodels.schema import BatchingProjectionRunner, follower_env, last_position_of
from worker.lease import ProjectorLease
from worker.national_sync import OutboxNationalSystem, conninfo_from
from worker.stack import ensure_search_attributes
from workflows.audit.service import AuditService
from workflows.campaigns.activities import CampaignActivities
from workflows.campaigns.service import CampaignService
from workflows.campaigns.workflow import CampaignWorkflow
from workflows.cases.activities import CaseActivities, NationalSystem
from workflows.cases.signing import CommandVerifier
from workflows.cases.workflow import CaseWorkflow
from workflows.discovery.activities import DiscoveryActivities
from workflows.discovery.workflow import DiscoveryDeadlineWorkflow
from workflows.kernel import temporal
from workflows.kernel.observability import configure_logging
from workflows.kernel.settings import Settings
from workflows.ops.service import OpsService
from workflows.registry.service import RegistryService
from workflows.reports.activities import ReportActivities
from workflows.reports.service import ReportService
from workflows.reports.workflow import ReportCycleWorkflow, ensure_report_schedule

log = structlog.get_logger("dixian.worker")

# On SIGTERM a worker stops taking tasks and gives those in flight this long to finish (a step's local activity
# appends its events and returns) before they are cancelled; an orchestrator's grace period must be longer
# (deploy/: terminationGracePeriodSeconds 60, compose stop_grace_period 60s).
GRACEFUL_SHUTDOWN = timedelta(seconds=30)


def build_worker(
    client: Client,
    ledger: Ledger,
    national: NationalSystem,
    task_queue: str,
    executor: ThreadPoolExecutor,
    verifier: CommandVerifier,
    max_concurrent: int = 4,
    campaigns: CampaignService | None = None,
    reports: ReportService | None = None,
    sandboxed: bool = True,
) -> Worker:
    """The Temporal worker for case workflows (and, given their services, the campaign and report-cycle
    workflows); activities are synchronous and run on ``executor``, which must have at least ``max_concurrent``
    threads.

    ``sandboxed`` runs the workflows in Temporal's sandbox, which refuses a non-deterministic call (the clock, a
    random number, I/O) in workflow code. Every worker the tests build in process runs sandboxed, so every workflow
    path the suite takes is checked; `dixian worker` runs without it unless ``DIXIAN_WORKFLOW_SANDBOX`` says so,
    because the sandbox re-imports the workflow's module for every workflow it starts or brings back into its cache,
    which cost a third of the rate at which a worker opens cases (docs/benchmarks.md)."""
    activities = CaseActivities(ledger, national, verifier)
    campaign = CampaignActivities(campaigns) if campaigns is not None else None
    extra: list[Callable[..., Any]] = [campaign.schedule_look_backs, campaign.pass_milestone] if campaign else []
    workflows: list[type] = [CaseWorkflow, CampaignWorkflow] if campaign else [CaseWorkflow]
    extra.append(DiscoveryActivities(ledger).record_overdue)
    workflows.append(DiscoveryDeadlineWorkflow)
    if reports is not None:
        extra.append(ReportActivities(reports).draft_due)
        workflows.append(ReportCycleWorkflow)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=workflows,
        activities=[
            activities.open_case,
            activities.take_step,
            activities.record_deadline_missed,
            activities.load_case,
            activities.sync_national,
            *extra,
        ],
        activity_executor=executor,
        max_concurrent_activities=max_concurrent,
        max_concurrent_local_activities=max_concurrent,
        graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
        workflow_runner=SandboxedWorkflowRunner() if sandboxed else UnsandboxedWorkflowRunner(),
    )


class Projections:
    """The read-model projections run together: the case list, the registry and the report facts."""

    def __init__(self, runners: list[ProjectionRunner[Any, Any]], ledger: Ledger | None = None) -> None:
        self.runners = runners
        self.ledger = ledger  # to find each projection's last event at or before a position
        self.failed: int | None = None  # the runner whose error run_forever raised

    def run_forever(self) -> None:
        """Block until a runner stops (or fails: its error is raised here, and ``failed`` names its read model)."""
        while True:
            for i, runner in enumerate(self.runners):
                try:
                    runner.run_forever(timeout=0.5)  # raises the runner's error, if any
                except Exception:
                    self.failed = i
                    raise
                if runner.is_interrupted.is_set():
                    return

    def wait_for(self, notification_id: int | None, timeout: float = 30.0) -> None:
        """Block until every read model has applied the event store up to ``notification_id``."""
        for runner in self.runners:
            target = notification_id
            topics = runner.projection.topics
            if topics and notification_id and self.ledger is not None:
                # A projection following some topics tracks only their events: wait for its last one up to here.
                target = last_position_of(self.ledger.recorder, topics, notification_id)
                if not target:
                    continue
            runner.wait(target, timeout=timeout)

    def stop(self) -> None:
        for runner in self.runners:
            runner.stop()

    def positions(self) -> tuple[int | None, ...]:
        """Each read model's tracking position, as committed."""
        return tuple(runner.view.max_tracking_id(runner.app.name) for runner in self.runners)


@contextmanager
def projection_runner(env: Mapping[str, str]) -> Iterator[Projections]:
    """Follow the event store into the read models (exactly once each, resuming where each stopped)."""
    env = follower_env(env)
    with (
        BatchingProjectionRunner(
            application_class=Ledger,
            projection_class=case_summary_projection(env),
            view_class=CaseSummaryView,
            env=dict(env),
        ) as cases,
        BatchingProjectionRunner(
            application_class=Ledger,
            projection_class=RegistryProjection,
            view_class=RegistryView,
            env=dict(env),
        ) as registry,
        BatchingProjectionRunner(
            application_class=Ledger,
            projection_class=report_projection(env),
            view_class=ReportView,
            env=dict(env),
        ) as reports,
    ):
        ledger = Ledger(env)
        try:
            yield Projections([cases, registry, reports], ledger)
        finally:
            ledger.close()


async def connect_temporal(settings: Settings, attempts: int = 30, runtime: Runtime | None = None) -> Client:
    assert settings.temporal_address, "TEMPORAL_ADDRESS must be set"
    for attempt in range(1, attempts + 1):
        try:
            return await temporal.connect(
                settings.temporal_address, settings.temporal_namespace, settings.resolve_cipher_key(), runtime
            )
        except RuntimeError as e:
            if attempt == attempts:
                raise
            log.warning("temporal_connect_retry", attempt=attempt, error=str(e))
            await asyncio.sleep(1)
    raise AssertionError("unreachable")


@dataclass
class WorkerParts:
    """What a worker holds of PostgreSQL: the event store, three read models (through the services) and the national
    outbox (a connection per running activity); counted in ``workflows.kernel.settings.STACK_POOLS``."""

    ledger: Ledger
    national: OutboxNationalSystem
    registry: RegistryService
    reports: ReportService
    campaigns: CampaignService


def worker_parts(settings: Settings, env: Mapping[str, str]) -> WorkerParts:
    ledger = Ledger(env)
    national = OutboxNationalSystem(env, settings.data_dir / "national-sync.jsonl")
    registry = RegistryService(ledger, open_registry_view(env), open_summary_view(env))
    reports = ReportService(ledger, open_report_view(env), registry.view, settings.plan_issued_on)
    return WorkerParts(ledger, national, registry, reports, CampaignService(registry))


async def run_worker(settings: Settings) -> None:
    """Run the Temporal worker until cancelled (Ctrl-C / SIGTERM). Any number of these may run on one task queue."""
    configure_logging(json=settings.log_format == "json")
    settings.check_production("worker")
    env = settings.eventsourcing_env()
    runtime = None
    if settings.worker_metrics_address:
        # The SDK's own Prometheus metrics: activity and workflow task failures, latencies, schedule-to-start, …
        runtime = Runtime(
            telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=settings.worker_metrics_address))
        )
    client = await connect_temporal(settings, runtime=runtime)
    try:
        await ensure_search_attributes(client, settings.temporal_namespace)
    except Exception as e:  # a managed namespace may refuse: its operators register them (README)
        log.warning("search_attributes_not_registered", error=str(e))
    parts = worker_parts(settings, env)
    threads = settings.activity_threads  # each running activity holds one pooled connection
    try:
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="activity") as pool:
            registry = parts.registry
            verifier = CommandVerifier(settings.command_public_key())
            worker = build_worker(
                client, parts.ledger, parts.national, settings.task_queue, pool, verifier, threads, parts.campaigns,
                parts.reports, sandboxed=settings.workflow_sandbox,
            )  # fmt: skip
            try:
                await ensure_report_schedule(client, settings.task_queue)
            except Exception as e:  # reported; the reports can still be drafted by hand (POST /reports)
                log.warning("report_schedule_not_created", error=str(e))
            log.info("worker_started", task_queue=settings.task_queue, temporal=settings.temporal_address)
            reconciling = None
            if settings.reconcile_seconds:
                assert registry.summaries is not None
                ops = OpsService(parts.ledger, registry.summaries, registry.view)
                reconciling = asyncio.create_task(run_reconcile(ops, client, settings))
            try:
                await worker.run()
            finally:
                if reconciling is not None:
                    reconciling.cancel()
    finally:
        parts.ledger.close()
        log.info("worker_stopped")


def checkpoint_service(settings: Settings, env: Mapping[str, str]) -> AuditService:
    """The projector's checkpoints: a store and two read models of its own, each holding one connection at a time."""
    return AuditService.connect(
        follower_env(env), settings.audit_signing_key(), anchor_files=settings.audit_anchor_files
    )


async def run_projector(settings: Settings) -> None:
    """Keep the read models up to date until cancelled. Any number may run: one holds the projector's lock and
    projects (and signs checkpoints), the others stand by and take over when it stops or dies (``worker.lease``)."""
    configure_logging(json=settings.log_format == "json")
    settings.check_production("projector")
    env = settings.eventsourcing_env()
    lease = ProjectorLease(
        conninfo_from(env), env.get("POSTGRES_SCHEMA", ""), settings.lease_seconds, settings.projector_heartbeat_file
    )
    while True:
        async with lease.held() as lost:
            audit = checkpoint_service(settings, env)
            signing = threading.Lock()  # held while a checkpoint is being made (in a thread of its own)
            checkpoints = asyncio.create_task(run_checkpoints(audit, settings.checkpoint_seconds, signing))
            projecting = asyncio.create_task(keep_projecting(env))
            losing = asyncio.create_task(lost.wait())
            try:
                await asyncio.wait([projecting, losing], return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (checkpoints, projecting, losing):
                    task.cancel()
                try:
                    await asyncio.gather(checkpoints, losing, return_exceptions=True)
                    with contextlib.suppress(asyncio.CancelledError):
                        await projecting  # re-raises what stopped it, but for the lease lost
                finally:
                    # A checkpoint already being made finishes before its store closes (and before a standby may
                    # make the next): cancelling its task does not stop its thread.
                    await asyncio.to_thread(signing.acquire)
                    signing.release()
                    audit.ledger.close()
                    log.info("projector_stopped")
        # The lock was lost (its session ended): stand by again, and resume from the tracking records if it returns.


def _unless_cancelled(error: BaseException) -> None:
    """Raise CancelledError when this task is being cancelled. A runner stopped by the cancellation may raise its
    thread's error (the database session ended under it) in place of CancelledError; caught as an outage, it would
    start the projections again: a projector that had lost its lease would go on folding beside the new holder."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError from error


def _constraint_of(error: BaseException) -> str:
    """The name of the constraint behind a database error (psycopg's diagnostics, down its chain of causes)."""
    seen: BaseException | None = error
    for _ in range(10):
        if seen is None:
            break
        name = getattr(getattr(seen, "diag", None), "constraint_name", None)
        if name:
            return str(name)
        seen = seen.__cause__ or seen.__context__
    return ""


PROJECTED = ("case_summaries", RegistryProjection.name, "reports")  # projection_runner's read models, in its order


class ProjectionRefused(RuntimeError):
    """A read model refuses an event (a constraint its projection breaks), again at the same position: folding it
    once more would fail the same way. The process stops, loudly, for an operator (`dixian projections`)."""


async def keep_projecting(env: Mapping[str, str], first_backoff: float = 1.0) -> None:
    """Run the projections until cancelled. While PostgreSQL is down they stop with its error; they are started
    again (with backoff) and resume from their tracking records, so an outage needs no operator. A read model that
    refuses a batch is tried once more from its tracking position: another projector that folded the same events
    first (one whose lease had lapsed, not yet knowing it) has moved the position on by then, and the retry goes on
    from there; at the same position again, the event itself is refused, and ProjectionRefused stops the process."""
    backoff = first_backoff
    refused_at: tuple[int, int | None] | None = None  # the read model that refused a batch, and its position then
    while True:
        refused: tuple[int, int | None] | None = None
        try:
            with projection_runner(env) as runner:
                log.info("projector_started", projections=list(PROJECTED))
                backoff = first_backoff
                positions = await asyncio.to_thread(runner.positions)
                try:
                    await asyncio.get_running_loop().run_in_executor(None, runner.run_forever)
                    return
                finally:
                    runner.stop()
                    if runner.failed is not None:
                        refused = (runner.failed, positions[runner.failed])
        except (es_persistence.OperationalError, es_persistence.InterfaceError, es_persistence.InternalError) as e:
            # InternalError: the library's name for a session the server ended mid-transaction (a projector frozen
            # past idle_in_transaction_session_timeout, resumed): an outage of this process's own, not a fault.
            _unless_cancelled(e)
            log.warning("projector_database_unavailable", error=str(e)[:200], retry_in_seconds=backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 30.0)
        except es_persistence.IntegrityError as e:
            _unless_cancelled(e)
            # Never the error's text in a log: a constraint's message quotes the row (personal data); its name will do.
            constraint = _constraint_of(e)
            if refused is not None and refused == refused_at:
                view = PROJECTED[refused[0]]
                log.error("projection_refused", view=view, after=refused[1], constraint=constraint)
                # Not chained to the database's error, whose message quotes the refused row.
                where = "from the start" if refused[1] is None else f"after {refused[1]}"
                raise ProjectionRefused(
                    f"the {view} read model refuses the events {where} ({constraint or 'a constraint'})"
                ) from None
            refused_at = refused
            log.warning("projector_lost_a_race", constraint=constraint, retry_in_seconds=backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 30.0)


async def run_reconcile(ops: OpsService, client: Client, settings: Settings) -> None:
    """Restart missing case workflows every so often (each restart is recorded as a repair by the system)."""
    county = next(a.code for a in ops.ledger.areas.all() if a.parent_code is None)
    while True:
        await asyncio.sleep(settings.reconcile_seconds)
        try:
            done = await ops.reconcile(
                county, SYSTEM_ACTOR, "periodic reconcile (worker)", datetime.now(UTC), client, settings.task_queue
            )
        except Exception as e:  # reported and tried again next time; never stops the worker
            log.warning("reconcile_failed", error=str(e))
            continue
        if done["restarted"]:
            log.warning("workflows_restarted", cases=done["restarted"])
        attention = done["attention"]
        if attention:  # not repaired automatically: an operator decides (GET /ops/stuck, POST /ops/repairs)
            log.warning("workflows_need_attention", problems=attention)


async def run_checkpoints(audit: AuditService, every_seconds: int, signing: threading.Lock | None = None) -> None:
    """Sign a checkpoint over what was stored since the last one, every so often (the active projector runs one of
    these; a concurrent one elsewhere would only lose the race to append to the audit log). ``signing`` is held
    while one is being made."""
    held = signing or threading.Lock()

    def make(now: datetime) -> Any:
        with held:
            return audit.checkpoint(now)

    while True:
        await asyncio.sleep(every_seconds)
        try:
            made = await asyncio.to_thread(make, datetime.now(UTC))
        except Exception as e:  # a failed checkpoint is retried next time; it must never stop the projector
            log.warning("checkpoint_failed", error=str(e))
            continue
        if made is not None:
            log.info("checkpoint_made", number=made["number"], through=made["through"], events=made["events"])
