"""PostgreSQL's tables: the factory every process opens them through (creating them one process at a time), emptying
read models for a rebuild, and the base of the read models that own tables."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    InfrastructureFactory,
    ProcessRecorder,
    ShutDown,
    StoredEvent,
    Subscription,
    Tracking,
)
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresFactory,
    PostgresSubscription,
    PostgresTrackingRecorder,
)
from eventsourcing.projection import ProjectionRunner
from eventsourcing.utils import Environment
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

V = TypeVar("V", bound=PostgresTrackingRecorder)

DDL_LOCK = 0x64697869616E  # "dixian": the advisory lock under which tables are created

# The factory's topic, set as PERSISTENCE_MODULE by ``Settings.eventsourcing_env``: stored in no event, but named in
# every process's environment, so it moves only with that setting.
FACTORY_TOPIC = "domain.readmodels.schema:TakingTurns"


class ColumnArrays(PostgresApplicationRecorder):
    """The library's recorder, except that a save's events go to PostgreSQL as four arrays, one per column, rather
    than one array of the library's composite row type: the same rows, in the same order, under the same table lock
    and notification, in one statement. psycopg builds a composite array value by value in Python, which cost a
    county's roster import a tenth of its time; plain arrays it dumps in one pass."""

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.insert_events_statement = SQL(
            "INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%s::{id_type}[], %s::bigint[], %s::text[], %s::bytea[]) RETURNING notification_id"
        ).format(
            schema=Identifier(self.datastore.schema),
            table=Identifier(self.events_table_name),
            id_type=SQL(self.datastore.originator_id_type),
        )
        # Each read model follows some topics: its lag (/readyz, /metrics, `dixian ops`), the last position of its
        # topics (waits for a model) and its subscription's pulls ask for those topics after a position. Without this
        # index PostgreSQL walks every event after the position, and the case list's position lies before a county's
        # whole roster import (it follows none of the registry's events): a readiness probe scanned ~900,000 rows.
        self.sql_create_statements.append(
            SQL("CREATE INDEX IF NOT EXISTS {index} ON {schema}.{table} (topic, notification_id)").format(
                index=Identifier(f"{self.events_table_name}_topic_idx"),
                schema=Identifier(self.datastore.schema),
                table=Identifier(self.events_table_name),
            )
        )

    def subscribe(self, gt: int | None = None, topics: Sequence[str] = ()) -> Subscription[ApplicationRecorder]:
        return ReadToTheEnd(recorder=self, gt=gt, topics=topics)

    def _insert_stored_events(self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **_: Any) -> None:
        self._lock_table(curs)
        self._notify_channel(curs)
        curs.execute(
            self.insert_events_statement,
            (
                [e.originator_id for e in stored_events],
                [e.originator_version for e in stored_events],
                [e.topic for e in stored_events],
                [e.state for e in stored_events],
            ),
        )


class ReadToTheEnd(PostgresSubscription):
    """The library's subscription to some topics, except that each pull reads the log up to its last event at the
    time and then starts the next pull after it, whether or not any of those events were of its topics.

    The library's pull starts after the last event of its topics it received: a projection with no events in a long
    stretch of the log (the case list during a roster import, 200,000 households and their claims) read that whole
    stretch again after every append, a scan that grew with each one: the import of a 200,000-household county spent
    more CPU in PostgreSQL on these scans than on everything else it did (``python -m bench.bench_county``). Reading
    up to the log's last event is safe because its ids are handed out under the table lock, in commit order: an id
    at or below the last one visible is already visible, or belongs to a transaction that never committed. Every
    writer of Dixian appends through ``ColumnArrays`` under that lock (``Settings.eventsourcing_env`` never turns on
    the library's insert function, which takes none); a process writing the table another way would break this.

    A pull also runs every ``PULL_SECONDS`` without a notification: one that came before the subscription was
    listening (a projector starting while events are appended) would otherwise wait for the next append."""

    PULL_SECONDS = 1.0

    def _loop_on_pull(self) -> None:
        try:
            self._pull()
            while not self._has_been_stopped:
                self._has_been_notified.wait(timeout=self.PULL_SECONDS)
                self._pull()
        except BaseException as e:  # as the library's loop: the error is raised to the subscription's reader
            if self._thread_error is None:
                self._thread_error = e
            self.stop()

    @property
    def position(self) -> int:
        """Where the next pull starts: every event up to here has been read (and those of its topics handed on)."""
        return self._last_notification_id or 0

    def _pull(self) -> None:
        while not self._has_been_stopped:
            self._has_been_notified.clear()
            start = self._last_notification_id or 0
            end = self._recorder.max_notification_id() or 0
            if end <= start:
                break
            notifications = self._recorder.select_notifications(
                start=start, limit=self._select_limit, stop=end, topics=self._topics, inclusive_of_start=False
            )
            if notifications:
                try:
                    self._notifications_queue.put(notifications)
                except ShutDown:
                    break
            if len(notifications) < self._select_limit:
                self._last_notification_id = end  # nothing of its topics lies between its last event and the end
                break
            self._last_notification_id = notifications[-1].id


class TakingTurns(PostgresFactory):
    """The library's PostgreSQL factory, except that tables are created one process at a time. Processes starting
    together on a fresh database (an API, a worker and the projector; replicas of each) would otherwise race on
    CREATE TYPE / TABLE / INDEX IF NOT EXISTS, and PostgreSQL refuses the loser with a duplicate type, a relation
    that "already exists" or "tuple concurrently updated". A session advisory lock, held on a connection of the
    pool while the recorder creates its tables on another, makes them take turns; the second finds them made."""

    application_recorder_class = ColumnArrays

    @contextmanager
    def _turn(self) -> Iterator[None]:
        if not self.env_create_table():
            yield
            return
        with self.datastore.get_connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (DDL_LOCK,))
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (DDL_LOCK,))

    def aggregate_recorder(self, purpose: str = "events") -> AggregateRecorder:
        with self._turn():
            return super().aggregate_recorder(purpose)

    def application_recorder(self) -> ApplicationRecorder:
        with self._turn():
            return super().application_recorder()

    def tracking_recorder(self, tracking_recorder_class: type[V] | None = None) -> V:
        with self._turn():
            return super().tracking_recorder(tracking_recorder_class)

    def process_recorder(self) -> ProcessRecorder:
        with self._turn():
            return super().process_recorder()


# ----- pool sizes ----------------------------------------------------------------------------------------------------
# Every pool is the library's: ``POSTGRES_POOL_SIZE`` connections kept open, ``POSTGRES_MAX_OVERFLOW`` more on demand
# (its defaults: 5 and 10). The stack's connection budget (``workflows.kernel.settings.ConnectionBudget``) adds up the
# most each pool may hold, through these same functions, so a pool that grows grows the embedded server's limit too.
LIBRARY_POOL_SIZE, LIBRARY_MAX_OVERFLOW = 5, 10
READ_MODEL_KEPT, READ_MODEL_MOST = 2, 4  # a read model's queries are short: four at once, and more wait their turn
FOLLOWER_KEPT, FOLLOWER_MOST = 1, 3  # one at a time; creating tables takes two at once (TakingTurns), one spare


def pool_env(kept: int, most: int) -> dict[str, str]:
    """The library's settings for a pool that keeps ``kept`` connections open and holds ``most`` at most."""
    return {"POSTGRES_POOL_SIZE": str(kept), "POSTGRES_MAX_OVERFLOW": str(most - kept)}


def pool_kept(env: Mapping[str, str]) -> int:
    """How many connections a pool opened with ``env`` keeps open."""
    return int(env.get("POSTGRES_POOL_SIZE") or LIBRARY_POOL_SIZE)


def pool_most(env: Mapping[str, str]) -> int:
    """The most connections a pool opened with ``env`` holds at once (kept and overflow)."""
    return pool_kept(env) + int(env.get("POSTGRES_MAX_OVERFLOW") or LIBRARY_MAX_OVERFLOW)


def read_model_env(env: Mapping[str, str]) -> dict[str, str]:
    """A read model's connections: few kept open (its writes are one at a time, its reads short), more on demand up
    to ``READ_MODEL_MOST``, never more than the pool of ``env`` it derives from (a follower's, the command line's)."""
    return {**env, **pool_env(min(READ_MODEL_KEPT, pool_kept(env)), min(READ_MODEL_MOST, pool_most(env)))}


def follower_env(env: Mapping[str, str]) -> dict[str, str]:
    """A part of a process that does one thing at a time (a projection following the log, the checkpoints, the
    command line): one connection kept, two more at most (creating tables takes two at once). The projector's
    pools otherwise grew to 46 connections while catching up and kept them idle for ten minutes, leaving a
    `make run` stack no room under PostgreSQL's limit for the operator's `dixian` commands."""
    return {**env, **pool_env(FOLLOWER_KEPT, FOLLOWER_MOST)}


def open_view(cls: type[V], name: str, env: Mapping[str, str]) -> V:
    """A read model for queries (creates its tables if missing), configured like its projection ``name``."""
    factory = InfrastructureFactory[V].construct(env=Environment(name, read_model_env(env)))
    return factory.tracking_recorder(cls)


# The library's own row in a tracking table: it says the table is of the single-row kind. Deleted, the next process
# to open the table takes it for an old multi-row table and renames it away (eventsourcing.postgres).
TRACKING_MIGRATION_ROW = "__migration__"


def clear_read_model(view: PostgresTrackingRecorder, tables: list[str]) -> None:
    """Empty a read model's tables and its tracking position in one transaction: its projection then starts again
    from the first event (run it with the projector stopped: a running one would carry on from where it was)."""
    schema = Identifier(view.datastore.schema)
    with view.datastore.transaction(commit=True) as curs:
        for table in tables:
            curs.execute(SQL("DELETE FROM {0}.{1}").format(schema, Identifier(table)))
        curs.execute(SQL("DELETE FROM {0}.{1} WHERE application_name <> %s").format(
            schema, Identifier(view.tracking_table_name)), (TRACKING_MIGRATION_ROW,))  # fmt: skip


class FollowerView(PostgresTrackingRecorder):
    """A read model's tables: each event's rows and its tracking record are written in one transaction, committed
    without waiting for the disk (``synchronous_commit`` off, for these transactions only). A crash may lose the
    last few of them, rows and tracking together, never one without the other: the projection then folds those
    events again from its durable tracking position. The event store itself always commits synchronously."""

    def _insert_tracking(self, curs: Cursor[DictRow], tracking: Tracking) -> None:
        curs.execute("SET LOCAL synchronous_commit TO OFF")  # every write transaction of a view starts here
        super()._insert_tracking(curs, tracking)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Fold several events in one transaction: while it is open, every transaction this view begins on this
        thread (its writes, its tracking records, the reads its folding makes) is that one, committed at the end, or
        rolled back whole. Rows and tracking still go together; a crash or an error loses the batch, never part of
        it, and its events are folded again from the tracking position. Other threads keep their own transactions."""
        datastore = self.datastore
        plain = datastore.transaction
        owner = threading.get_ident()
        with plain(commit=True) as curs:

            @contextmanager
            def joined(commit: bool = False) -> Iterator[Cursor[DictRow]]:
                if threading.get_ident() != owner:
                    with plain(commit=commit) as own:
                        yield own
                else:
                    yield curs

            datastore.transaction = joined  # type: ignore[method-assign]
            try:
                yield
            finally:
                del datastore.transaction  # the class's method again

    def rendered(self, key: Hashable, build: Callable[[], Composed]) -> bytes:
        """A write statement composed once and kept as bytes: composing it for every event costs more than running
        it."""
        cache: dict[Hashable, bytes] = self.__dict__.setdefault("_rendered", {})
        statement = cache.get(key)
        if statement is None:
            statement = cache[key] = build().as_bytes(None)
        return statement


class TablesView(FollowerView):
    """A read model's own tables (``DDL``, with ``{s}`` for the schema) beside its tracking table, and the helpers
    its queries share."""

    DDL: tuple[str, ...] = ()

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        schema = Identifier(self.datastore.schema)
        for ddl in self.DDL:
            self.sql_create_statements.append(SQL(ddl).format(s=schema))

    def _t(self, table: str) -> Composed:
        return SQL("{0}.{1}").format(Identifier(self.datastore.schema), Identifier(table))

    def _query(self, statement: Composed, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        with self.datastore.transaction(commit=False) as curs:
            c: Cursor[DictRow] = curs
            c.execute(statement, params)
            return [dict(r) for r in c.fetchall()]


# ----- projections that follow some topics only ---------------------------------------------------------------------
# A projection subscribes to the topics it folds (the library filters them in the database), so the events it has no
# use for (ID-number claims, most of a county's log) are never read, decoded or tracked by it. Its tracking position
# then advances only on its own events: "caught up to N" means caught up to its last event at or before N.


def topics_of(*classes: type) -> tuple[str, ...]:
    """The stored topics of ``classes`` and every subclass of them (class names are the topics, never renamed)."""
    from eventsourcing.utils import get_topic

    found: set[type] = set()
    todo = list(classes)
    while todo:
        cls = todo.pop()
        if cls not in found:
            found.add(cls)
            todo.extend(cls.__subclasses__())
    return tuple(sorted(get_topic(c) for c in found))


def handled_topics(projection: type, *also: type) -> tuple[str, ...]:
    """The topics a projection folds: the event classes its ``process_event`` dispatches on, and ``also``."""
    registry = projection.__dict__["process_event"].dispatcher.registry
    return topics_of(*also, *(c for c in registry if c is not object))


def _one_number(recorder: ApplicationRecorder, query: str, params: tuple[Any, ...]) -> int:
    assert isinstance(recorder, PostgresApplicationRecorder), "projections follow a PostgreSQL store"
    datastore = recorder.datastore
    statement = SQL(query).format(Identifier(datastore.schema), Identifier(recorder.events_table_name))
    with datastore.transaction(commit=False) as curs:
        curs.execute(statement, params)
        row = curs.fetchone()
    return int(row["n"] or 0) if row else 0


def last_position_of(recorder: ApplicationRecorder, topics: tuple[str, ...], upto: int) -> int:
    """The notification id of the last event of ``topics`` at or before ``upto`` (0 if there is none)."""
    query = "SELECT max(notification_id) AS n FROM {0}.{1} WHERE notification_id <= %s AND topic = ANY(%s)"
    return _one_number(recorder, query, (upto, list(topics)))


def pending_of(recorder: ApplicationRecorder, topics: tuple[str, ...], after: int) -> int:
    """How many events of ``topics`` were stored after position ``after`` (a projection's lag)."""
    query = "SELECT count(*) AS n FROM {0}.{1} WHERE notification_id > %s AND topic = ANY(%s)"
    return _one_number(recorder, query, (after, list(topics)))


# ----- folding in batches -------------------------------------------------------------------------------------------
# The library's runner folds one event per transaction: a commit, and a round trip for it, per event. This one folds
# what the subscription already holds, up to BATCH events, in one transaction of the view (FollowerView.batch), and
# waits for the next event only when none is left: a busy log is folded in batches, a quiet one event by event.
BATCH = 200


def _ready(subscription: Any) -> bool:
    """Whether the subscription can give its next event without waiting (it pulls the log in chunks of 500)."""
    inner = subscription.subscription  # the library's ListenNotifySubscription
    return bool(inner._notifications_index < len(inner._notifications) or not inner._notifications_queue.empty())


class BatchingProjectionRunner(ProjectionRunner[Any, Any]):
    """``ProjectionRunner`` folding up to ``BATCH`` events a transaction (the view must be a ``FollowerView``)."""

    @staticmethod
    def _process_events_loop(
        subscription: Any, projection: Any, is_stopping: threading.Event, runner: weakref.ReferenceType[Any]
    ) -> None:
        view: FollowerView = projection.view
        try:
            for first in subscription:
                with view.batch():
                    projection.process_event(*first)
                    folded = 1
                    while folded < BATCH and _ready(subscription):
                        projection.process_event(*next(subscription))
                        folded += 1
        except StopIteration:
            pass  # stopped while a batch was being gathered: rolled back, folded again next time
        except BaseException as e:
            held = runner()
            if held is not None:
                held._thread_error = e
        finally:
            is_stopping.set()
