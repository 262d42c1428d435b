"""The `dixian` command: `worker`, `api`, and `run` (the whole stack on embedded defaults), and the commands people run
beside it (`ops`, `report`, `audit`, `user`, …): each with a small pool and a short wait for a connection, ending in
one line and an exit status when refused or when the database is out of reach (``worker.cli.failures``)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import faulthandler
import functools
import importlib.util
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

import structlog
from pydantic import SecretStr, ValidationError

from domain.kernel.errors import DomainError
from worker.cli.failures import (
    EXIT_REFUSED,
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
    UnavailableError,
    refusal_line,
    unavailable_line,
)
from worker.cli.files import write_private
from worker.stack import ensure_port_free, ensure_search_attributes
from worker.supervisor import PostgresChild, ProcessChild, RestartPolicy, Supervisor, TemporalChild
from workflows.kernel.observability import configure_logging
from workflows.kernel.settings import CLI_POOL_SIZE, Settings, load_settings

RESTART_POLICY = RestartPolicy()  # how `dixian run` restarts a child that dies (worker.supervisor)
# Seconds `dixian run` gives a child to stop before it kills it: the API's requests may each wait up to
# api.cases.UPDATE_RPC_TIMEOUT (30 s) for a step's workflow; the worker's grace follows its own in-flight tasks'.
CHILD_GRACE_SECONDS = {"api": 35.0, "projector": 20.0}
WORKER_METRICS_PORT = 9464  # the embedded stack's worker metrics (the Prometheus exporter's customary port)
log = structlog.stdlib.get_logger(__name__)
Cleanup = Callable[[], Awaitable[None]]


def _print_tasks() -> None:
    """Where each asyncio task of this process waits (files, lines and functions: no values), to standard error."""
    for task in asyncio.all_tasks():
        print(f"--- task {task.get_name()}", file=sys.stderr)
        task.print_stack(file=sys.stderr)
    sys.stderr.flush()


async def until_signal(coro: Coroutine[Any, Any, None]) -> None:
    """Run `coro`; SIGINT/SIGTERM cancel it so it can shut down gracefully. `kill -USR2` prints where each of its
    tasks waits (and `kill -USR1`, main's faulthandler, where each thread is)."""
    task = asyncio.ensure_future(coro)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, task.cancel)
    loop.add_signal_handler(signal.SIGUSR2, _print_tasks)
    with contextlib.suppress(asyncio.CancelledError):
        await task


def cmd_worker(settings: Settings) -> int:
    """Temporal worker for case workflows and their activities until SIGINT/SIGTERM."""
    from worker.main import run_worker

    asyncio.run(until_signal(run_worker(settings)))
    return 0


def cmd_projector(settings: Settings, args: argparse.Namespace | None = None) -> int:
    """The read-model projection until SIGINT/SIGTERM: any number may run, one projects, the others stand by."""
    if args is not None and args.check:
        return check_projector(settings)
    from worker.main import run_projector

    asyncio.run(until_signal(run_projector(settings)))
    return 0


def check_projector(settings: Settings) -> int:
    """A liveness probe: 0 when this host's projector wrote its heartbeat within three lease periods (or 30 s)."""
    from worker.lease import heartbeat_age

    beat = heartbeat_age(settings.projector_heartbeat_file)
    limit = max(3 * settings.lease_seconds, 30.0)
    if beat is None:
        print(f"dixian projector: no heartbeat at {settings.projector_heartbeat_file}", file=sys.stderr)
        return 1
    role, age = beat
    if age > limit:
        print(f"dixian projector: the {role} projector's last heartbeat is {age:.0f} s old (> {limit:.0f} s)",
              file=sys.stderr)  # fmt: skip
        return 1
    print(f"{role}, heartbeat {age:.0f} s ago")
    return 0


def cmd_api(settings: Settings) -> int:
    """The HTTP API under uvicorn (the app is built by the `api.main:create_app` factory)."""
    import uvicorn

    uvicorn.run("api.main:create_app", factory=True, host=settings.api_host, port=settings.api_port, log_config=None)
    return 0


async def _spawn(role: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    # Own session: Ctrl-C in the terminal reaches only this supervisor, which stops children in order.
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "worker.cli", role, env=env, start_new_session=True
    )


async def _port_open(host: str, port: int, within: float = 60.0) -> bool:
    host = "127.0.0.1" if host in ("0.0.0.0", "") else host
    for _ in range(int(within / 0.25)):
        try:
            _, writer = await asyncio.open_connection(host, port)
        except OSError:
            await asyncio.sleep(0.25)
            continue
        writer.close()
        return True
    return False


async def _print_dev_tokens(env: dict[str, str]) -> None:
    try:
        spec = importlib.util.find_spec("api.devtokens")
    except ModuleNotFoundError:
        spec = None
    if spec is None:
        log.warning("stack.devtokens_missing", module="api.devtokens")
        return
    env = {**env, "POSTGRES_POOL_SIZE": str(CLI_POOL_SIZE)}  # a command beside the stack (the budget counts it so)
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "api.devtokens", env=env)
    await proc.wait()


async def _run_stack(settings: Settings) -> int:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    # SIGHUP too: the terminal `make run` was started in closed (an SSH session dropped). Its default would end
    # this process at once and leave every child running, each in a session of its own, with its pid file.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, stopping.set)
    cleanups: list[Cleanup] = []  # run in reverse: the children (last started first), then their files
    data_dir = settings.data_dir.resolve()
    supervisor = Supervisor(data_dir / "run", RESTART_POLICY)
    env = {**os.environ, "DIXIAN_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
    try:
        settings.check_production("run")
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        data_dir.chmod(0o700)  # keys, tokens, the databases: for this user alone
        ensure_port_free(settings.api_host, settings.api_port, "DIXIAN_API_PORT", "API")
        if not settings.temporal_address:
            ensure_port_free("127.0.0.1", settings.temporal_port, "DIXIAN_TEMPORAL_PORT", "Temporal gRPC")
            ensure_port_free("127.0.0.1", settings.temporal_ui_port, "DIXIAN_TEMPORAL_UI_PORT", "Temporal UI")
        if not settings.postgres_configured:
            # Room for every process's pools, and for `dixian` commands beside them (Settings.connection_budget).
            budget = settings.connection_budget()
            pg = PostgresChild(data_dir, budget.max_connections)
            await supervisor.start(pg)
            assert pg.server is not None
            env["DATABASE_URL"] = pg.server.database_url
            url_file = settings.model_copy(update={"data_dir": data_dir}).embedded_url_file
            write_private(url_file, env["DATABASE_URL"] + "\n")
            cleanups.append(lambda: asyncio.to_thread(url_file.unlink, True))
        if stopping.is_set():
            return 0
        if settings.temporal_address:
            await _register_external(settings)
        else:
            temporal_child = TemporalChild(
                data_dir, settings.temporal_port, settings.temporal_ui_port, settings.temporal_namespace
            )
            await supervisor.start(temporal_child)
            temporal = temporal_child.server
            assert temporal is not None
            env["TEMPORAL_ADDRESS"], env["TEMPORAL_UI_URL"] = temporal.address, temporal.ui_url
            address_file = data_dir / "temporal-address"  # for `dixian ops stuck|reconcile` while the stack runs
            write_private(address_file, temporal.address + "\n")
            cleanups.append(lambda: asyncio.to_thread(address_file.unlink, True))
            ui_file = data_dir / "temporal-ui-url"  # for the links `dixian ops stuck` prints
            write_private(ui_file, temporal.ui_url + "\n")
            cleanups.append(lambda: asyncio.to_thread(ui_file.unlink, True))
        # The workers check the API's commands with the public half of its key; they never hold the key itself.
        here = settings.model_copy(update={"data_dir": data_dir})
        env["DIXIAN_COMMAND_PUBLIC_KEY"] = here.command_public_key()
        env["DIXIAN_AUDIT_PUBLIC_KEY"] = here.audit_public_key()  # the API verifies checkpoints, never makes them
        if not settings.worker_metrics_address:  # the worker's activity and workflow task failures, for Prometheus
            ensure_port_free("127.0.0.1", WORKER_METRICS_PORT, "DIXIAN_WORKER_METRICS", "worker metrics")
            env["DIXIAN_WORKER_METRICS"] = f"127.0.0.1:{WORKER_METRICS_PORT}"
        await asyncio.to_thread(_create_tables, settings, env)
        demo = await asyncio.to_thread(_load_demo_if_empty, settings, env)
        if stopping.is_set():
            return 0
        from worker.main import GRACEFUL_SHUTDOWN

        for role in ("worker", "projector", "api"):
            # A worker is given longer than it gives its tasks in flight (worker.main.GRACEFUL_SHUTDOWN).
            grace = GRACEFUL_SHUTDOWN.total_seconds() + 15 if role == "worker" else CHILD_GRACE_SECONDS[role]
            spawn = functools.partial(_spawn, role, child_env(role, env))
            await supervisor.start(ProcessChild(role, spawn, grace))
        watching = asyncio.ensure_future(supervisor.run(stopping))
        stop_wait = asyncio.ensure_future(stopping.wait())
        ready = asyncio.ensure_future(_port_open(settings.api_host, settings.api_port))
        done, _ = await asyncio.wait([ready, stop_wait, watching], return_when=asyncio.FIRST_COMPLETED)
        if ready in done:
            if not ready.result():
                log.warning("stack.api_not_listening", port=settings.api_port, waited_s=60)
            _print_banner(settings, data_dir, env.get("TEMPORAL_UI_URL"), env.get("DIXIAN_WORKER_METRICS"), demo)
            await _print_dev_tokens(env)
        ready.cancel()
        stop_wait.cancel()
        if await watching:
            print(f"dixian: {supervisor.gave_up}", file=sys.stderr)
            return 1
        log.info("stack.shutdown_requested")
        return 0
    except Exception as exc:
        print(f"dixian: error: {exc}", file=sys.stderr)
        return 1
    finally:
        stopping.set()  # a child stopped from here on is not restarted
        cleanups.append(supervisor.stop)  # first: API, projector, worker, Temporal, PostgreSQL
        for cleanup in reversed(cleanups):
            try:
                await cleanup()
            except Exception:
                log.exception("stack.cleanup_failed")
        log.info("stack.stopped")


# The secrets each process kind needs besides the cipher key that opens the events (all need that): the API
# verifies tokens and signs commands, receipts and dossiers with its own key (checkpoints it only verifies, with the
# public half of the audit key), the projector signs checkpoints, the worker only checks commands (with the public
# key it is given). A child is given no other secret.
SECRETS_OF = {
    "api": {"DIXIAN_TOKEN_SECRET", "DIXIAN_COMMAND_KEY"},
    "projector": {"DIXIAN_AUDIT_KEY"},
    "worker": set(),
}
ALL_SECRETS = {"DIXIAN_TOKEN_SECRET", "DIXIAN_AUDIT_KEY", "DIXIAN_COMMAND_KEY"}


def child_env(role: str, env: dict[str, str]) -> dict[str, str]:
    """``env`` without the secrets a child of this role does not need."""
    return {k: v for k, v in env.items() if k not in ALL_SECRETS - SECRETS_OF[role]}


async def _register_external(settings: Settings) -> None:
    """Best effort: register Dixian's search attributes on a cluster given by TEMPORAL_ADDRESS."""
    from workflows.kernel import temporal

    assert settings.temporal_address
    try:
        client = await temporal.connect(
            settings.temporal_address, settings.temporal_namespace, settings.resolve_cipher_key()
        )
        await ensure_search_attributes(client, settings.temporal_namespace)
    except Exception as exc:
        log.warning("stack.search_attributes_not_registered", address=settings.temporal_address, error=str(exc))


def with_database_url(settings: Settings, env: dict[str, str]) -> Settings:
    """The settings with the database the stack's children are given (the embedded server's, once started)."""
    url = env.get("DATABASE_URL")
    return settings.model_copy(update={"database_url": SecretStr(url)}) if url else settings


def _create_tables(settings: Settings, env: dict[str, str]) -> None:
    """Create the event store's and the read models' tables before the processes that use them start together."""
    from domain.ledger import Ledger
    from domain.readmodels.cases import open_summary_view
    from domain.readmodels.registry import open_registry_view
    from domain.readmodels.reports import open_report_view

    local = with_database_url(settings, env)
    es_env = local.eventsourcing_env()  # also makes the development cipher key before any child reads it
    ledger = Ledger(es_env)
    try:
        first = ledger.recorder.select_notifications(0, 1)
        if first:
            ledger.mapper.to_domain_event(first[0])
    except ValueError as e:  # AES-GCM refuses the stored bytes
        raise RuntimeError(
            "the event store cannot be decrypted with this cipher key: it was written before events were encrypted, "
            "or with another DIXIAN_CIPHER_KEY (or <data dir>/cipher-key). Use the key it was written with; for the "
            "demo, remove the data directory to start afresh"
        ) from e
    finally:
        ledger.close()
    for view in (open_summary_view(es_env), open_registry_view(es_env), open_report_view(es_env)):
        view.datastore.close()  # made; the processes that use them open their own


def _load_demo_if_empty(settings: Settings, env: dict[str, str]) -> dict[str, int] | None:
    """The first start on an empty store loads a demo township, marked as demo data (DEMO-… numbers)."""
    from worker.cli.registry import DEMO_SEED, load_demo, store_is_empty

    if settings.demo_households <= 0:
        return None
    local = with_database_url(settings, env)
    if not store_is_empty(local):
        return None
    log.info("stack.loading_demo", households=settings.demo_households)
    return load_demo(local, settings.demo_households, DEMO_SEED, with_cases=True)


def _print_banner(
    settings: Settings, data_dir: Path, temporal_ui: str | None, worker_metrics: str | None, demo: dict[str, int] | None
) -> None:
    base = f"http://{settings.api_host}:{settings.api_port}"
    worker_line = f", http://{worker_metrics}/metrics (worker)" if worker_metrics else ""
    demo_line = (
        f"  Demo data    {demo['households']} households, {demo['staff']} staff, {demo['cases']} cases (DEMO-…, marked"
        " demo; their workflows start at the first reconcile: `dixian ops reconcile --reason …`)\n"
        if demo
        else ""
    )
    print(
        "\nDixian is running. Press Ctrl-C to stop.\n"
        f"  Console      {base}/console (控制台, in Chinese; sign in as a seeded user)\n"
        f"  API          {base}\n"
        f"  API docs     {base}/docs\n"
        f"  Operations   {base}/ops/overdue, {base}/ops/stuck (with a token), `dixian ops overdue|stuck|summary`\n"
        f"  Metrics      {base}/metrics (API){worker_line}\n"
        f"  Temporal UI  {temporal_ui or settings.temporal_ui_url or '(not known for this cluster)'}\n"
        f"  Data dir     {data_dir}\n"
        f"{demo_line}",
        flush=True,
    )


def cmd_token(settings: Settings, args: argparse.Namespace) -> int:
    """A development bearer token for a seeded user (the embedded default only; production uses its OIDC issuer)."""
    argv = [sys.executable, "-m", "api.devtokens", "--user", args.user, "--hours", str(args.hours)]
    env = {**os.environ, "POSTGRES_POOL_SIZE": str(settings.postgres_pool_size)}  # a command's pool, as this one's
    return subprocess.run(argv, check=False, env=env).returncode


def cmd_run(settings: Settings) -> int:
    """PostgreSQL + Temporal (embedded unless configured) + worker + projector + API; Ctrl-C stops all."""
    return asyncio.run(_run_stack(settings))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dixian",
        description="Dixian (底线) case workflow engine.",
        epilog="Exit status of a command: 0 done; 1 refused (the message says why and what to do) or a check failed; "
        "2 a usage error; 75 the database or Temporal is full, down or not running: try again later.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands = (("run", cmd_run), ("worker", cmd_worker), ("projector", cmd_projector), ("api", cmd_api))
    for name, func in commands:
        doc = (func.__doc__ or "").strip()
        server = sub.add_parser(name, help=doc, description=doc)
        server.set_defaults(func=func)
        if name == "projector":
            server.add_argument("--check", action="store_true", help=(check_projector.__doc__ or "").strip())
            server.set_defaults(wants_args=True)
    p = sub.add_parser("token", help=(cmd_token.__doc__ or "").strip(), description=cmd_token.__doc__)
    p.add_argument("--user", required=True, help="a seeded user: cadre-yuping, township-yuping, county-approver, …")
    p.add_argument("--hours", type=int, default=12, help="how long it is valid (1 to 168 hours; 12 by default)")
    p.set_defaults(func=cmd_token, wants_args=True)

    from worker.cli import accounts, audit, ops, registry, reports

    registry.add_commands(sub)
    accounts.add_commands(sub)
    ops.add_commands(sub)
    audit.add_commands(sub)
    reports.add_commands(sub)
    return parser


SERVERS = frozenset({"run", "worker", "projector", "api"})


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(map(str, x['loc']))}: {x['msg']}" for x in e.errors())
        print(f"配置有误（invalid settings）：{problems}。请按 README 的配置一节更正环境变量。", file=sys.stderr)
        sys.exit(EXIT_USAGE)
    if args.command in SERVERS and not getattr(args, "check", False):
        configure_logging(json=settings.log_format == "json")
        # `kill -USR1 <pid>` writes where every thread of a server is (files, lines and functions: no values) to
        # its standard error: for a process that does not stop, or stops doing its work.
        faulthandler.register(signal.SIGUSR1, all_threads=True)
        server: Callable[[Settings], int] = args.func
        sys.exit(server(settings))
    # A command does one thing at a time: a small pool, a short wait for a connection, and one line when the
    # database is full or down (the pool's own reconnection warnings would only repeat it).
    settings = settings.for_command()
    configure_logging(json=settings.log_format == "json")
    logging.getLogger("psycopg.pool").setLevel(logging.CRITICAL)
    sys.exit(run_command(args, settings))


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    """Run a command; a refusal, or the database or Temporal out of reach, ends it with one line on standard error
    and its exit status (``worker.cli.failures``); a malformed option, setting or file, with status 2. Anything else
    is a bug, and shows its traceback."""
    try:
        if getattr(args, "wants_args", False):
            return int(args.func(settings, args))
        func: Callable[[Settings], int] = args.func
        return func(settings)
    except UnavailableError as e:
        print(e, file=sys.stderr)
        return EXIT_UNAVAILABLE
    except DomainError as e:
        print(refusal_line(e), file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        return 130
    except Exception as e:
        line = unavailable_line(e, settings)
        if line is not None:
            print(line, file=sys.stderr)
            return EXIT_UNAVAILABLE
        if isinstance(e, ValueError | OSError):  # a malformed option or setting, a file that cannot be read or written
            print(f"dixian {args.command}: {e}", file=sys.stderr)
            return EXIT_USAGE
        raise


if __name__ == "__main__":
    main()
