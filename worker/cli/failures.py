"""How a `dixian` command ends when it cannot do what was asked: one line on standard error, in Chinese first (what
happened, then what to do), and an exit status a script can tell apart. No traceback: a refusal or a full database is
not a bug.

Exit status: 0 done; 1 refused (a rule of the domain said no, or a check found a problem); 2 a usage error (a missing
or malformed option); 75 the database or Temporal cannot be reached or has no room now: try again later (EX_TEMPFAIL
of sysexits.h).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import psycopg
import psycopg_pool
from eventsourcing import persistence

from domain.kernel.errors import DomainError
from domain.kernel.messages import message_zh
from worker.national_sync import conninfo_from
from workflows.kernel.settings import Settings

EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 75
NEEDED = "所需数量见 dixian ops connections"


class UnavailableError(Exception):
    """The database or Temporal cannot serve the command now; ``str()`` is the line to print."""


def refusal_line(error: DomainError) -> str:
    """A refusal in one line: what it means and what to do (``message_zh``), then the field, rule and specifics."""
    said = message_zh(error.rule, error.kind, error.message)
    specifics = [f"{error.field}: {error.rule}" if error.field else error.rule]
    if error.message != said:
        specifics.append(" ".join(error.message.split()))
    detail = "；".join(s for s in specifics if s)
    return f"{said}（{detail}）" if detail else said


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def database_error(error: BaseException) -> BaseException | None:
    """The connection failure behind ``error`` (psycopg's, its pool's, or the eventsourcing library's wrapping of
    them), if that is what it is."""
    for e in _chain(error):
        if isinstance(e, psycopg.OperationalError | psycopg.InterfaceError):
            return e
        if isinstance(e, persistence.OperationalError | persistence.InterfaceError) and e.__cause__ is None:
            return e
    return None


def where(env: Mapping[str, str]) -> str:
    """The server an eventsourcing ``env`` points at, as a person reads it (no password)."""
    return f"{env.get('POSTGRES_HOST', '')}:{env.get('POSTGRES_PORT', '5432')}/{env.get('POSTGRES_DBNAME', '')}"


def database_line(error: BaseException, env: Mapping[str, str] | None, timeout: int) -> str:
    """One line for a failure to reach PostgreSQL: what happened (the server's words in brackets) and what to do.
    A pool that timed out does not say why: the server is asked once more, directly, and its answer is reported."""
    text = " ".join(str(error).split())
    low = text.lower()
    if isinstance(error, psycopg_pool.PoolTimeout) or "couldn't get a connection" in low:
        found = probe(env, timeout)
        if found is not None:
            return database_line(found, env, timeout)
        # The server answered the direct question: it has room again, the command may simply be run again.
        return (
            f"等待数据库连接超时（pool timeout）：{timeout} 秒内没有空出的连接。"
            f"请稍后重试；经常出现时，请调大 PostgreSQL 的 max_connections（{NEEDED}）。"
        )
    at = where(env) if env is not None else "PostgreSQL"
    if "too many clients" in low or "remaining connection slots" in low or "too many connections" in low:
        return (
            f"数据库连接已满（too many clients）：{at} 的连接已全部被占用。"
            f"请稍后重试；经常出现时，请调大 PostgreSQL 的 max_connections（{NEEDED}），或调小 POSTGRES_POOL_SIZE。"
        )
    if "connection refused" in low or "no such file or directory" in low:
        return (
            f"无法连接数据库（connection refused）：{at} 没有正在运行的 PostgreSQL。请先启动系统（make run），或检查 "
            "DATABASE_URL、POSTGRES_HOST 和 POSTGRES_PORT。"
        )
    if "timeout expired" in low or "timed out" in low:
        return f"连接数据库超时（timeout）：{at} 在 {timeout} 秒内没有应答。请检查网络和数据库的状态后重试。"
    if "password authentication failed" in low or "no password supplied" in low or ("role" in low and "exist" in low):
        return "数据库拒绝登录（authentication failed）：请检查 POSTGRES_USER 和 POSTGRES_PASSWORD（或 DATABASE_URL）。"
    if "database" in low and "does not exist" in low:
        return "数据库不存在（database does not exist）：请检查 POSTGRES_DBNAME（或 DATABASE_URL）。"
    if "starting up" in low or "shutting down" in low or "recovery" in low:
        return "数据库正在启动或关闭（starting up / shutting down）：请稍后重试。"
    if "closed the connection" in low or "terminating connection" in low or "connection is lost" in low:
        return "与数据库的连接中断（connection lost）：请稍后重试；数据库刚重启过的，再运行一次即可。"
    return f"数据库暂时不可用（{text[:160]}）：请稍后重试。"


def probe(env: Mapping[str, str] | None, timeout: int) -> psycopg.Error | None:
    """Connect once, directly, and say why that fails (None: it works)."""
    if env is None:
        return None
    try:
        with psycopg.connect(conninfo_from(env), connect_timeout=timeout, autocommit=True):
            return None
    except psycopg.Error as e:
        return e


NOT_RUNNING = (
    "找不到数据库（not configured）：内置系统没有在运行，也没有设置 DATABASE_URL 或 POSTGRES_HOST。"
    "请先启动系统（make run），或设置数据库的地址。"
)


TEMPORAL_NOT_RUNNING = (
    "找不到 Temporal（not configured）：内置系统没有在运行，也没有设置 TEMPORAL_ADDRESS。"
    "请先启动系统（make run），或设置 TEMPORAL_ADDRESS。"
)


def store_env(settings: Settings) -> dict[str, str]:
    """The eventsourcing env of a command, once PostgreSQL has answered a direct connection: a full or stopped
    server is reported at once (``UnavailableError``), before any pool waits for it."""
    if not settings.postgres_configured and not settings.embedded_url_file.exists():
        raise UnavailableError(NOT_RUNNING)
    env = settings.eventsourcing_env()
    failed = probe(env, settings.postgres_connect_timeout)
    if failed is not None:
        raise UnavailableError(database_line(failed, env, settings.postgres_connect_timeout))
    return env


def temporal_line(error: BaseException, address: str | None) -> str | None:
    """One line for a failure to reach Temporal (the SDK raises RuntimeError with the transport's words)."""
    for e in _chain(error):
        text = str(e)
        if isinstance(e, RuntimeError) and ("client connect" in text.lower() or "transport" in text.lower()):
            reason = "connection refused" if "refused" in text.lower() else "unreachable"
            return (
                f"无法连接 Temporal（{reason}）：{address or 'TEMPORAL_ADDRESS'} 没有应答。"
                "请先启动系统（make run），或检查 TEMPORAL_ADDRESS。"
            )
    return None


def unavailable_line(error: BaseException, settings: Settings) -> str | None:
    """The one line for ``error`` if it is the database or Temporal being out of reach (None: it is not)."""
    found = database_error(error)
    if found is not None:
        try:
            env: dict[str, str] | None = settings.eventsourcing_env()
        except (ValueError, OSError):
            env = None
        return database_line(found, env, settings.postgres_connect_timeout)
    return temporal_line(error, settings.temporal_address)
