"""Runtime configuration shared by the API and the worker processes.

Every value comes from the environment (or a `.env`-free default suitable for the embedded development stack).
Nothing is read at import time: call :func:`load_settings` in a composition root.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.kernel.areas import AREAS_ENV, AreaTree
from domain.readmodels.schema import FACTORY_TOPIC, follower_env, pool_env, pool_most, read_model_env
from workflows.kernel.keys import SigningKey

DEFAULT_TASK_QUEUE = "dixian-cases"


class Settings(BaseSettings):
    """Process settings. Environment variable names are given in ``validation_alias``."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    data_dir: Path = Field(default=Path(".dixian"), validation_alias="DIXIAN_DATA_DIR")
    environment: str = Field(default="development", validation_alias="DIXIAN_ENV")
    log_format: str = Field(default="console", validation_alias="DIXIAN_LOG_FORMAT")

    # PostgreSQL: DATABASE_URL wins; otherwise POSTGRES_* (the eventsourcing library's own names).
    # Secrets (a URL may carry a password) are SecretStr: no repr, log or traceback shows them.
    database_url: SecretStr | None = Field(default=None, validation_alias="DATABASE_URL")
    postgres_host: str | None = Field(default=None, validation_alias="POSTGRES_HOST")
    postgres_port: int = Field(default=5432, validation_alias="POSTGRES_PORT")
    postgres_dbname: str = Field(default="postgres", validation_alias="POSTGRES_DBNAME")
    postgres_user: str = Field(default="postgres", validation_alias="POSTGRES_USER")
    postgres_password: SecretStr = Field(default=SecretStr(""), validation_alias="POSTGRES_PASSWORD")
    postgres_schema: str = Field(default="", validation_alias="POSTGRES_SCHEMA")
    # The most connections a process's event-store pool holds (a fifth of them kept open); its read models' and its
    # outbox's follow from it. ``connection_budget`` adds up what every process may hold.
    postgres_pool_size: int = Field(default=10, ge=2, le=500, validation_alias="POSTGRES_POOL_SIZE")
    # How long a request waits for a pooled connection before it is answered 503 (PostgreSQL down or saturated);
    # the library's own default of 30 s would hold every request that long during an outage.
    postgres_connect_timeout: int = Field(default=5, ge=1, validation_alias="POSTGRES_CONNECT_TIMEOUT")

    # Temporal: TEMPORAL_ADDRESS set means "use that cluster, start nothing".
    temporal_address: str | None = Field(default=None, validation_alias="TEMPORAL_ADDRESS")
    temporal_namespace: str = Field(default="default", validation_alias="TEMPORAL_NAMESPACE")
    temporal_ui_url: str | None = Field(default=None, validation_alias="TEMPORAL_UI_URL")
    task_queue: str = Field(default=DEFAULT_TASK_QUEUE, validation_alias="DIXIAN_TASK_QUEUE")
    # Ports of the embedded Temporal dev server that `dixian run` starts when TEMPORAL_ADDRESS is unset.
    temporal_port: int = Field(default=7233, validation_alias="DIXIAN_TEMPORAL_PORT")
    temporal_ui_port: int = Field(default=8233, validation_alias="DIXIAN_TEMPORAL_UI_PORT")

    api_host: str = Field(default="127.0.0.1", validation_alias="DIXIAN_API_HOST")
    # An OIDC issuer whose tokens the API accepts (then only those): its JWKS URL, the audience Dixian's tokens name,
    # and the claims that carry the Dixian role and area code.
    oidc_issuer: str = Field(default="", validation_alias="DIXIAN_OIDC_ISSUER")
    oidc_jwks_url: str = Field(default="", validation_alias="DIXIAN_OIDC_JWKS_URL")
    oidc_audience: str = Field(default="", validation_alias="DIXIAN_OIDC_AUDIENCE")
    oidc_role_claim: str = Field(default="dixian_role", validation_alias="DIXIAN_OIDC_ROLE_CLAIM")
    oidc_area_claim: str = Field(default="dixian_area", validation_alias="DIXIAN_OIDC_AREA_CLAIM")
    # The console's sign-in with the issuer (authorization code with PKCE): its endpoints, the console's client (by
    # default the API's audience) and, for a confidential client, its secret; the console's public address, which
    # the issuer redirects back to (unset: the address the browser used).
    oidc_authorization_url: str = Field(default="", validation_alias="DIXIAN_OIDC_AUTHORIZATION_URL")
    oidc_token_url: str = Field(default="", validation_alias="DIXIAN_OIDC_TOKEN_URL")
    oidc_client_id: str = Field(default="", validation_alias="DIXIAN_OIDC_CLIENT_ID")
    oidc_client_secret: SecretStr | None = Field(default=None, validation_alias="DIXIAN_OIDC_CLIENT_SECRET")
    console_url: str = Field(default="", validation_alias="DIXIAN_CONSOLE_URL")
    # Browser origins allowed to call the API (comma-separated, e.g. https://dixian.example.gov.cn); none by default.
    cors_origins: str = Field(default="", validation_alias="DIXIAN_CORS_ORIGINS")
    api_port: int = Field(default=8000, validation_alias="DIXIAN_API_PORT")

    # The administrative tree (county → townships → villages and relocation sites) as a JSON list of
    # {"code", "name", "resettlement_site"?}; unset: the seed's township (domain/kernel/areas.py DEFAULT_AREAS).
    areas_file: Path | None = Field(default=None, validation_alias="DIXIAN_AREAS_FILE")

    # Ed25519 private seed (64 hex characters) signing audit checkpoints; generated in <data dir>/audit-key when
    # unset (refused in production, like the token secret). Checkpoints are made every so many seconds.
    audit_key: SecretStr | None = Field(default=None, validation_alias="DIXIAN_AUDIT_KEY")
    # Its public half (64 hex): all the API needs of it (it verifies checkpoints, it never makes them).
    audit_public: str | None = Field(default=None, validation_alias="DIXIAN_AUDIT_PUBLIC_KEY")
    # AES-256 key (base64) that encrypts every stored event and snapshot (ID numbers, phones, health details at rest).
    cipher_key: SecretStr | None = Field(default=None, validation_alias="DIXIAN_CIPHER_KEY")
    audit_anchor_path: Path | None = Field(default=None, validation_alias="DIXIAN_AUDIT_ANCHOR_FILE")
    # The external witness of the checkpoints: a file (in production on WORM storage or another institution's
    # mount) outside the data dir. Unset: the user's state folder, so that removing .dixian/ does not remove it.
    audit_witness_path: Path | None = Field(default=None, validation_alias="DIXIAN_AUDIT_WITNESS_FILE")
    # The detection window: events stored after the last signed checkpoint can be deleted by the database's
    # administrator without a trace, so one is signed this often while events flow (none when nothing was stored).
    checkpoint_seconds: int = Field(default=5, ge=1, le=3_600, validation_alias="DIXIAN_CHECKPOINT_SECONDS")
    # How often a standby projector asks for the lock, and the active one checks it still holds it (worker.lease):
    # a standby takes over within this many seconds of the active one's end.
    lease_seconds: float = Field(default=2.0, gt=0, le=60, validation_alias="DIXIAN_LEASE_SECONDS")

    # Where a worker serves the Temporal SDK's Prometheus metrics (activity failures, task latencies), e.g.
    # 127.0.0.1:9464; unset: none. The API serves Dixian's own at /metrics.
    worker_metrics_address: str | None = Field(default=None, validation_alias="DIXIAN_WORKER_METRICS")

    # Every worker restarts the missing workflows of open cases this often (0: only `dixian ops reconcile`).
    reconcile_seconds: int = Field(default=600, ge=0, le=86_400, validation_alias="DIXIAN_RECONCILE_SECONDS")
    # Run `dixian worker`'s workflows in Temporal's sandbox (worker.main.build_worker): safer against a
    # non-deterministic call slipping into workflow code, a third slower to open cases. The tests always use it.
    workflow_sandbox: bool = Field(default=False, validation_alias="DIXIAN_WORKFLOW_SANDBOX")

    # Households of the demo township `dixian run` loads the first time it starts on an empty store (0: none).
    demo_households: int = Field(default=1000, ge=0, le=300_000, validation_alias="DIXIAN_DEMO_HOUSEHOLDS")
    # 方案印发之日: the day the statistics cycles are counted from (seed §三(三)); unset, the latest campaign start.
    plan_issued_on: date | None = Field(default=None, validation_alias="DIXIAN_PLAN_ISSUED_ON")

    # Ed25519 seed (64 hex) with which the API signs every command it hands a case workflow; the workers check it
    # with the public half (64 hex). Both generated under data_dir when unset (refused in production).
    command_key: SecretStr | None = Field(default=None, validation_alias="DIXIAN_COMMAND_KEY")
    command_public: str | None = Field(default=None, validation_alias="DIXIAN_COMMAND_PUBLIC_KEY")

    # Secret for signing development bearer tokens (HS256). Generated under data_dir when unset.
    token_secret: SecretStr | None = Field(default=None, validation_alias="DIXIAN_TOKEN_SECRET")

    # Production talks to Temporal over TLS (TEMPORAL_TLS*, TEMPORAL_API_KEY: Temporal's own client variables, read
    # by workflows.kernel.temporal); a plaintext connection must be waived by name, e.g. for a sidecar on localhost.
    temporal_tls_waived: bool = Field(default=False, validation_alias="DIXIAN_TEMPORAL_TLS_WAIVED")

    @property
    def production(self) -> bool:
        return self.environment == "production"

    def production_problems(self, role: str) -> list[str]:
        """What makes this configuration unfit for production, for a process of ``role`` (api, worker, projector,
        run): weak or missing secrets, plaintext URLs, open CORS, Temporal without TLS. Empty outside production."""
        if not self.production:
            return []
        problems = _key_problems("DIXIAN_CIPHER_KEY", self.cipher_key, "base64", " (from the secret store)")
        if role in ("projector", "run"):
            problems += _key_problems("DIXIAN_AUDIT_KEY", self.audit_key, "hex", " (the projector signs checkpoints)")
        if role == "api" and not self.audit_public:
            problems.append("DIXIAN_AUDIT_PUBLIC_KEY must be set (the API verifies checkpoints with it)")
        if role in ("api", "run"):
            problems += self._api_problems()
            problems += _key_problems(
                "DIXIAN_COMMAND_KEY", self.command_key, "hex", " (the API signs commands with it)"
            )
        if role == "worker" and not self.command_public:
            problems.append("DIXIAN_COMMAND_PUBLIC_KEY must be set (the workers check the API's commands with it)")
        if self.temporal_address and not self.temporal_tls_waived and not temporal_tls_configured():
            problems.append(
                "Temporal is reached without TLS: set TEMPORAL_TLS=true (with TEMPORAL_TLS_CLIENT_CERT_PATH and "
                "TEMPORAL_TLS_CLIENT_KEY_PATH for mTLS) or TEMPORAL_API_KEY, or waive it with "
                "DIXIAN_TEMPORAL_TLS_WAIVED=true"
            )
        return problems

    def _api_problems(self) -> list[str]:
        problems: list[str] = []
        if self.oidc_issuer:
            urls = (("DIXIAN_OIDC_ISSUER", self.oidc_issuer), ("DIXIAN_OIDC_JWKS_URL", self.oidc_jwks_url),
                    ("DIXIAN_OIDC_AUTHORIZATION_URL", self.oidc_authorization_url or "https://"),
                    ("DIXIAN_OIDC_TOKEN_URL", self.oidc_token_url or "https://"),
                    ("DIXIAN_CONSOLE_URL", self.console_url or "https://"))  # fmt: skip
            for name, url in urls:
                if not url.startswith("https://"):
                    problems.append(f"{name} must be an https:// URL")
        elif not self.token_secret:
            problems.append("DIXIAN_TOKEN_SECRET must be set when no OIDC issuer (DIXIAN_OIDC_ISSUER) is")
        else:
            secret = self.token_secret.get_secret_value()
            if len(secret) < MIN_SECRET_CHARACTERS or len(set(secret)) < MIN_DISTINCT:
                problems.append(
                    f"DIXIAN_TOKEN_SECRET is weak: at least {MIN_SECRET_CHARACTERS} random characters "
                    "(`python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
                )
        for origin in filter(None, (o.strip() for o in self.cors_origins.split(","))):
            if origin == "*" or not origin.startswith("https://"):
                problems.append(f"DIXIAN_CORS_ORIGINS: {origin!r} is not an https:// origin")
        return problems

    def check_production(self, role: str) -> None:
        """Refuse to start a ``role`` process on a configuration unfit for production (every problem named)."""
        problems = self.production_problems(role)
        if problems:
            raise ValueError("refusing to start in production: " + "; ".join(problems))

    @property
    def audit_anchor_file(self) -> Path:
        """Where each signed checkpoint is also kept, outside the database (DIXIAN_AUDIT_ANCHOR_FILE)."""
        return self.audit_anchor_path or self.data_dir / "audit-checkpoints.jsonl"

    @property
    def audit_witness_file(self) -> Path:
        """DIXIAN_AUDIT_WITNESS_FILE, or one file per data dir under $XDG_STATE_HOME/dixian (~/.local/state)."""
        if self.audit_witness_path is not None:
            return self.audit_witness_path
        state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
        which = hashlib.sha256(str(self.data_dir.resolve()).encode()).hexdigest()[:12]
        return state / "dixian" / f"witness-{which}.jsonl"

    @property
    def audit_anchor_files(self) -> tuple[Path, ...]:
        """Where every signed checkpoint is also kept: beside the store, and with the witness."""
        return (self.audit_anchor_file, self.audit_witness_file)

    def audit_signing_key(self) -> SigningKey:
        """The checkpoint key: DIXIAN_AUDIT_KEY, or the development key in ``<data_dir>/audit-key``."""
        return self._signing_key(self.audit_key, "DIXIAN_AUDIT_KEY", "audit-key")

    def audit_public_key(self) -> str:
        """What the API verifies checkpoints with: DIXIAN_AUDIT_PUBLIC_KEY, or (development only) the public half
        of the checkpoint key."""
        if self.audit_public:
            return self.audit_public.strip().lower()
        if self.production:
            raise ValueError("DIXIAN_AUDIT_PUBLIC_KEY must be set when DIXIAN_ENV=production")
        return self.audit_signing_key().public_key

    def command_signing_key(self) -> SigningKey:
        """The API's key: DIXIAN_COMMAND_KEY, or the development key in ``<data_dir>/command-key``. It signs what
        the API hands out: the commands for the workflows, the receipts of writes, the manifests of dossiers."""
        return self._signing_key(self.command_key, "DIXIAN_COMMAND_KEY", "command-key")

    def _signing_key(self, given: SecretStr | None, variable: str, file: str) -> SigningKey:
        """A key given by ``variable``, or (never in production) the one generated in ``<data_dir>/<file>``."""
        if given:
            return SigningKey.from_hex(given.get_secret_value(), variable)
        if self.production:
            raise ValueError(f"{variable} must be set when DIXIAN_ENV=production")
        return SigningKey.from_hex(generated_secret(self.data_dir / file, lambda: os.urandom(32).hex()), file)

    def command_public_key(self) -> str:
        """What a worker checks commands with: DIXIAN_COMMAND_PUBLIC_KEY, or (development only) the public half of
        the development command key."""
        if self.command_public:
            return self.command_public.strip().lower()
        if self.production:
            raise ValueError("DIXIAN_COMMAND_PUBLIC_KEY must be set when DIXIAN_ENV=production")
        return self.command_signing_key().public_key

    def resolve_cipher_key(self) -> str:
        """DIXIAN_CIPHER_KEY, or the development key kept in `<data_dir>/cipher-key` (mode 0600), created on first
        use. Production must configure it (from its secret store): a generated key is refused there. Losing the key
        loses the data: back it up with the database."""
        if self.cipher_key:
            check_cipher_key(self.cipher_key.get_secret_value())
            return self.cipher_key.get_secret_value()
        if self.production:
            raise ValueError("DIXIAN_CIPHER_KEY must be set when DIXIAN_ENV=production")
        return generated_secret(self.data_dir / "cipher-key", lambda: base64.b64encode(os.urandom(32)).decode())

    def resolve_token_secret(self) -> str:
        """DIXIAN_TOKEN_SECRET, or the development secret kept in `<data_dir>/token-secret` (mode 0600), created
        on first use. Production must configure it: a generated secret is refused there."""
        if self.token_secret:
            return self.token_secret.get_secret_value()
        if self.production:
            raise ValueError("DIXIAN_TOKEN_SECRET must be set when DIXIAN_ENV=production")
        return generated_secret(self.data_dir / "token-secret", lambda: secrets.token_urlsafe(32))

    @property
    def projector_heartbeat_file(self) -> Path:
        """Touched by a projector every ``lease_seconds`` (naming it active or standby); read by
        `dixian projector --check`, a container's liveness probe. One per host (a container's own name), so that
        projectors sharing a data folder each have theirs."""
        return self.data_dir / "run" / f"projector-{socket.gethostname()}.heartbeat"

    @property
    def embedded_url_file(self) -> Path:
        """Where a running `dixian run` tells other commands (`dixian import`, `dixian demo`) its PostgreSQL URL."""
        return self.data_dir / "database-url"

    @property
    def postgres_configured(self) -> bool:
        return bool(self.database_url or self.postgres_host)

    def store_pool_env(self) -> dict[str, str]:
        """The event store's pool: ``postgres_pool_size`` connections at most, a fifth of them (at least one) kept
        open; the rest are opened on demand and closed again after ten idle minutes (the library's pool)."""
        most = self.postgres_pool_size
        return pool_env(max(1, most // 5), most)

    @property
    def activity_threads(self) -> int:
        """Activities a worker runs at once: each holds one connection of the event store's pool while it runs
        (and one of the national outbox's while it reports a change)."""
        return self.postgres_pool_size

    def for_command(self) -> Settings:
        """The settings of one `dixian` command beside a running stack: a small pool (``CLI_POOL_SIZE``: a command
        does one thing at a time, whatever the processes' POSTGRES_POOL_SIZE) and a short wait for a connection
        (``CLI_CONNECT_TIMEOUT``, unless POSTGRES_CONNECT_TIMEOUT is given), so that a full server is reported at
        once rather than waited out."""
        update = {"postgres_pool_size": CLI_POOL_SIZE}
        if "postgres_connect_timeout" not in self.model_fields_set:
            update["postgres_connect_timeout"] = CLI_CONNECT_TIMEOUT
        return self.model_copy(update=update)

    def connection_budget(self) -> ConnectionBudget:
        """What the stack may hold of PostgreSQL's connections with these settings, process by process, and the
        ``max_connections`` the embedded server is started with (``worker.stack.EmbeddedPostgres``)."""
        return ConnectionBudget.of(self.store_pool_env(), self.activity_threads, self.for_command().store_pool_env())

    def eventsourcing_env(self) -> dict[str, str]:
        """The environment the eventsourcing library reads to reach PostgreSQL."""
        host, port, dbname, user, password = (
            self.postgres_host,
            str(self.postgres_port),
            self.postgres_dbname,
            self.postgres_user,
            self.postgres_password.get_secret_value(),
        )
        url = self.database_url.get_secret_value() if self.database_url else None
        if not url and not host and self.embedded_url_file.exists():
            url = self.embedded_url_file.read_text().strip()  # the embedded server of a running `dixian run`
        if url:
            host, port, dbname, user, password = parse_database_url(url)
        if not host:
            raise ValueError(
                "PostgreSQL is not configured: set DATABASE_URL or POSTGRES_HOST, or start the embedded stack with "
                "`make run` (its server is found through <data dir>/database-url while it runs)"
            )
        env = {
            "PERSISTENCE_MODULE": FACTORY_TOPIC,  # the library's PostgreSQL factory, creating tables in turn
            "POSTGRES_HOST": host,
            "POSTGRES_PORT": port,
            "POSTGRES_DBNAME": dbname,
            "POSTGRES_USER": user,
            "POSTGRES_PASSWORD": password,
            **self.store_pool_env(),
            "POSTGRES_CONNECT_TIMEOUT": str(self.postgres_connect_timeout),
            "CREATE_TABLE": "y",
        }
        if self.postgres_schema:
            env["POSTGRES_SCHEMA"] = self.postgres_schema
        env["CIPHER_TOPIC"] = "eventsourcing.cryptography:AESCipher"  # events and snapshots encrypted at rest
        env["CIPHER_KEY"] = self.resolve_cipher_key()
        if self.areas_file is not None:
            text = self.areas_file.read_text(encoding="utf-8")
            AreaTree.from_records(json.loads(text))  # refuse a broken tree at start, not at the first request
            env[AREAS_ENV] = text
        return env


# ----- the connection budget --------------------------------------------------------------------------------------
# The pools each process of the stack opens, by kind (the sizes of each kind follow from the settings): the API and
# each worker open the event store and three read models (api/main.py ``connect_services``, worker/main.py
# ``worker_parts``), a worker also one outbox connection per running activity (worker/national_sync.py); the
# projector follows the store into three read models with a store and a view each (the case list's and the reports'
# projections read cases through a store of their own besides), looks up positions in one more store, and signs
# checkpoints with a store and two read models (worker/main.py ``projection_runner``, ``checkpoint_service``).
# tests/worker/test_connections.py opens each process's parts as the process does and checks them against this table.
STACK_POOLS: dict[str, dict[str, int]] = {
    "api": {"store": 1, "read_model": 3},
    "worker": {"store": 1, "read_model": 3, "outbox": 1},
    "projector": {"follower": 10, "follower_read_model": 2, "lease": 1},
}
# One `dixian` command opens at most the event store and three read models (`dixian ops`, `dixian audit export`).
COMMAND_POOLS = {"store": 1, "read_model": 3}
CLI_POOL_SIZE = 3  # a command's event-store pool: one connection kept, three at most (creating tables takes two)
CLI_CONNECT_TIMEOUT = 3  # seconds a command waits for a connection before it says the database is full or down
COMMANDS_AT_ONCE = 3  # `dixian` commands beside a running stack: an operator's, a script's, the first start's tokens
OTHER_SESSIONS = 10  # psql, pg_dump, a test's own connections, the server's superuser-reserved slots among them


@dataclass(frozen=True)
class ConnectionBudget:
    """The most connections each process of the stack may hold at once, one `dixian` command's, and the server's
    ``max_connections`` that leaves room for all of them together with ``COMMANDS_AT_ONCE`` commands and
    ``OTHER_SESSIONS`` other sessions. For an external PostgreSQL, Dixian's role needs ``max_connections`` (more with
    replicas: each API or worker process adds its own figure)."""

    processes: Mapping[str, int]
    command: int
    commands_at_once: int = COMMANDS_AT_ONCE
    other_sessions: int = OTHER_SESSIONS

    @classmethod
    def of(cls, store: Mapping[str, str], activity_threads: int, command_store: Mapping[str, str]) -> ConnectionBudget:
        """The budget for processes whose event-store pool is ``store`` and whose commands' is ``command_store``
        (the library's POSTGRES_POOL_SIZE and POSTGRES_MAX_OVERFLOW), through the same functions that size them."""
        most = {
            "store": pool_most(store),
            "read_model": pool_most(read_model_env(store)),
            "outbox": activity_threads,
            "follower": pool_most(follower_env(store)),
            "follower_read_model": pool_most(read_model_env(follower_env(store))),
            "lease": 1,  # the projector's lock (worker.lease): one connection held for as long as it projects
        }
        processes = {p: sum(n * most[kind] for kind, n in pools.items()) for p, pools in STACK_POOLS.items()}
        command_most = {"store": pool_most(command_store), "read_model": pool_most(read_model_env(command_store))}
        command = sum(n * command_most[kind] for kind, n in COMMAND_POOLS.items())
        return cls(processes, command)

    @property
    def stack(self) -> int:
        """What the stack's processes may hold together (one of each)."""
        return sum(self.processes.values())

    @property
    def max_connections(self) -> int:
        """The server's limit: the stack, the commands beside it, the other sessions."""
        return self.stack + self.commands_at_once * self.command + self.other_sessions


def parse_database_url(url: str) -> tuple[str, str, str, str, str]:
    """Split ``postgresql://user:pw@host:port/db?host=/socket/dir`` into (host, port, db, user, password)."""
    parts = urlparse(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"DATABASE_URL must start with postgresql://, got {parts.scheme!r}")
    query = parse_qs(parts.query)
    unread = sorted(set(query) - {"host", "port"})
    if unread:  # never dropped in silence: a TLS setting left out would connect without it
        raise ValueError(
            f"DATABASE_URL options other than host and port are not read ({', '.join(unread)}); set TLS through "
            "libpq's own variables, which every connection reads: PGSSLMODE=verify-full, PGSSLROOTCERT=<CA file>"
        )
    host = query.get("host", [parts.hostname or ""])[0]
    port = str(parts.port or query.get("port", ["5432"])[0])
    dbname = unquote(parts.path.lstrip("/")) or "postgres"
    user = unquote(parts.username or "postgres")
    password = unquote(parts.password or "")
    return host, port, dbname, user, password


def generated_secret(path: Path, make: Callable[[], str]) -> str:
    """A development secret kept in ``path`` (mode 0600), made on first use; processes of the stack starting together
    agree on the one made first."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(fd, "w") as out:
                out.write(make() + "\n")
    return path.read_text().strip()


# A secret drawn at random has about 30 distinct bytes in 32 (fewer than 12: about once in 10^20 draws); one typed
# by hand (all zeros, "aaaa…", a short word) has few. Production refuses secrets shorter or plainer than these.
MIN_SECRET_CHARACTERS = 32
MIN_DISTINCT = 12


def _key_problems(variable: str, key: SecretStr | None, encoding: str, use: str = "") -> list[str]:
    """Why a key is unfit for production: missing, or weak (see ``_weak_bytes``)."""
    if not key:
        return [f"{variable} must be set{use}"]
    weak = _weak_bytes(key.get_secret_value(), encoding)
    return [f"{variable} {weak}"] if weak is not None else []


def _weak_bytes(text: str, encoding: str) -> str | None:
    """Why a key given as base64 or hex text is unfit for production (fewer than 32 bytes, too few distinct)."""
    try:
        raw = base64.b64decode(text, validate=True) if encoding == "base64" else bytes.fromhex(text.strip())
    except ValueError:
        return f"must be {encoding}"
    if len(raw) < 32:
        return f"must be 32 random bytes, not {len(raw)}"
    if len(set(raw)) < MIN_DISTINCT:
        return "is not random (too few distinct bytes): generate it, never type it"
    return None


def temporal_tls_configured() -> bool:
    """Whether Temporal's own client configuration (TEMPORAL_TLS*, TEMPORAL_API_KEY, its config file) asks for TLS."""
    from workflows.kernel.temporal import security

    options = security()
    return bool(options.get("tls") or options.get("api_key"))


def check_cipher_key(key: str) -> None:
    """A cipher key is 16, 24 or 32 bytes in base64 (``dixian`` generates 32: AES-256)."""
    try:
        size = len(base64.b64decode(key, validate=True))
    except ValueError as e:
        raise ValueError("DIXIAN_CIPHER_KEY must be base64") from e
    if size not in (16, 24, 32):
        raise ValueError(f"DIXIAN_CIPHER_KEY must decode to 16, 24 or 32 bytes, not {size}")


def load_settings() -> Settings:
    return Settings()
