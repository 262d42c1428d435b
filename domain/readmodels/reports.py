"""The report read model: the facts the statistical tables count (``domain.reports.tables.Fact``), folded from the
events by a projection with tracking, each event applied exactly once and its facts written in the same transaction as
the tracking position. What each event means for the tables is decided in ``domain.reports.facts``; this module only
stores and reads. Facts are only ever added, each tagged with its event's notification id, so a table as of a cut-off
is the same whenever it is computed, and rebuilding from zero (``dixian projections rebuild``) gives the same facts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from functools import singledispatchmethod
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.projection import Projection
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier, Literal
from psycopg.types.json import Jsonb

from domain.cases.events import (
    CaseEvent,
)
from domain.kernel.time import local_date
from domain.readmodels import areas
from domain.readmodels.cases import CaseFolder
from domain.readmodels.schema import TablesView, clear_read_model, handled_topics, open_view
from domain.registry import household as hh
from domain.reports import facts
from domain.reports.facts import DerivedFindings
from domain.reports.tables import AS_OF_KINDS, Fact, FactKind
from domain.reports.village_report import (
    VillageReport,
    VillageReportDrafted,
    VillageReportEvent,
    VillageReportSubmitted,
)
from domain.store import EventStore

FACTS = "report_facts"
CASE_FINDINGS = "report_case_findings"
CLOCK = "report_clock"
VILLAGE_REPORTS = "report_village_reports"
_DDL = (
    "CREATE TABLE IF NOT EXISTS {s}.report_facts ("
    " position bigint NOT NULL, seq int NOT NULL, kind text NOT NULL, subject text NOT NULL,"
    " village_code text NOT NULL, day date NOT NULL, persons int NOT NULL, category text NOT NULL,"
    " delta int NOT NULL, ref text NOT NULL, PRIMARY KEY (position, seq))",
    "CREATE INDEX IF NOT EXISTS report_facts_kind_idx ON {s}.report_facts (kind, subject, position)",
    "CREATE TABLE IF NOT EXISTS {s}.report_case_findings (case_id text PRIMARY KEY, episodes jsonb NOT NULL)",
    # The day the log has reached at each position where it moved on (see ``ReportView.known_on``).
    "CREATE TABLE IF NOT EXISTS {s}.report_clock (position bigint PRIMARY KEY, day date NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {s}.report_village_reports ("
    " report_id text PRIMARY KEY, village_code text NOT NULL, first_day date NOT NULL, last_day date NOT NULL,"
    " revision int NOT NULL, status text NOT NULL, content_hash text NOT NULL, cutoff bigint NOT NULL,"
    " tables jsonb NOT NULL, submitted_tables jsonb, submitted_revision int, approvals jsonb NOT NULL,"
    " updated_at timestamptz NOT NULL)",
)
_COLUMNS = ("position", "seq", "kind", "subject", "village_code", "day", "persons", "category", "delta", "ref")


class ReportView(TablesView):
    """The report facts, the per-case memory of derived findings, the log's clock and the tracking table
    (``reports_tracking``)."""

    DDL = _DDL

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        # Issue 20 changed what a case's derived findings add to the facts (dated by their rules, not by when they
        # were noticed). A model folded before it, which kept its per-case memory in report_case_state, is emptied
        # once, by whichever process first opens it (processes take turns at this, TakingTurns), and the projection
        # folds it again from the first event. Upgrade with every process of the old version stopped: an old
        # projector still running would go on from its own position.
        schema = self.datastore.schema
        self.sql_create_statements.append(
            SQL(
                "DO $$ BEGIN IF to_regclass({old}) IS NOT NULL THEN "
                "DELETE FROM {s}.report_facts; DELETE FROM {s}.report_case_findings; DELETE FROM {s}.report_clock; "
                "DELETE FROM {s}.report_village_reports; "
                "DELETE FROM {s}.{tracking} WHERE application_name <> '__migration__'; "
                "DROP TABLE IF EXISTS {s}.report_case_state; END IF; END $$"
            ).format(
                old=Literal(f'"{schema}".report_case_state'),
                s=Identifier(schema),
                tracking=Identifier(self.tracking_table_name),
            )
        )

    def write(
        self, tracking: Tracking, facts: list[Fact], findings: tuple[str, DerivedFindings] | None, clock: date | None
    ) -> None:
        """Add an event's facts (and a case's derived findings, and the day the log reached when it moved on) with
        its tracking position, atomically."""
        insert = self.rendered(
            "insert_fact",
            lambda: SQL("INSERT INTO {0} ({1}) VALUES ({2})").format(
                self._t(FACTS),
                SQL(", ").join(Identifier(c) for c in _COLUMNS),
                SQL(", ").join(SQL("%({})s").format(SQL(c)) for c in _COLUMNS),
            ),
        )
        with self.datastore.transaction(commit=True) as curs:
            self._insert_tracking(curs, tracking)  # first: a duplicate delivery fails here and rolls back
            for seq, f in enumerate(facts):
                curs.execute(insert, {**_row(f), "seq": seq})
            if findings is not None:
                curs.execute(
                    SQL(
                        "INSERT INTO {0} (case_id, episodes) VALUES (%s, %s) "
                        "ON CONFLICT (case_id) DO UPDATE SET episodes = EXCLUDED.episodes"
                    ).format(self._t(CASE_FINDINGS)),
                    (findings[0], Jsonb(findings[1].as_json())),
                )
            self._advance(curs, tracking, clock)

    def _advance(self, curs: Cursor[DictRow], tracking: Tracking, clock: date | None) -> None:
        if clock is not None:
            curs.execute(SQL("INSERT INTO {0} (position, day) VALUES (%s, %s)").format(self._t(CLOCK)),
                         (tracking.notification_id, clock))  # fmt: skip

    def upsert_village_report(self, tracking: Tracking, row: dict[str, Any], clock: date | None) -> None:
        """The village report as of an event; ``submitted_tables`` keeps the last submitted figures through a later
        revision (the township counts what was submitted)."""
        columns = list(row)
        statement = SQL(
            "INSERT INTO {0} ({1}) VALUES ({2}) ON CONFLICT (report_id) DO UPDATE SET {3}, "
            "submitted_tables = coalesce(EXCLUDED.submitted_tables, {0}.submitted_tables), "
            "submitted_revision = coalesce(EXCLUDED.submitted_revision, {0}.submitted_revision)"
        ).format(
            self._t(VILLAGE_REPORTS),
            SQL(", ").join(Identifier(c) for c in columns),
            SQL(", ").join(SQL("%({})s").format(SQL(c)) for c in columns),
            SQL(", ").join(
                SQL("{0} = EXCLUDED.{0}").format(Identifier(c))
                for c in columns
                if c not in ("report_id", "submitted_tables", "submitted_revision")
            ),
        )
        with self.datastore.transaction(commit=True) as curs:
            self._insert_tracking(curs, tracking)
            curs.execute(statement, row)
            self._advance(curs, tracking, clock)

    def village_reports(
        self, *, area_prefix: str, first: date | None, last: date | None, limit: int
    ) -> list[dict[str, Any]]:
        """Stored village reports inside the area, for one period or all, latest period first."""
        inside, params = areas.contains(area_prefix, Identifier("village_code"))
        where = [inside]
        if first is not None and last is not None:
            where.append(SQL("first_day = %(f)s AND last_day = %(t)s").format())
        statement = SQL("SELECT * FROM {0} WHERE {1} ORDER BY last_day DESC, village_code LIMIT %(n)s").format(
            self._t(VILLAGE_REPORTS), SQL(" AND ").join(where)
        )
        return self._query(statement, {**params, "f": first, "t": last, "n": limit})

    def case_findings(self, case_id: str) -> DerivedFindings:
        rows = self._query(SQL("SELECT episodes FROM {0} WHERE case_id = %(c)s").format(self._t(CASE_FINDINGS)),
                           {"c": case_id})  # fmt: skip
        return DerivedFindings.from_json(rows[0]["episodes"]) if rows else DerivedFindings()

    def known_on(self, position: int) -> date | None:
        """The day the event log had reached at ``position``: the latest business or recording day of an event at or
        before it (None: no event yet, or a log folded before the clock was kept). A fact dated later, such as a
        deadline that will be missed unless something happens first, has not happened as of that position."""
        rows = self._query(SQL("SELECT max(day) AS day FROM {0} WHERE position <= %(p)s").format(self._t(CLOCK)),
                           {"p": position})  # fmt: skip
        day: date | None = rows[0]["day"] if rows else None
        return day

    def clock(self) -> date | None:
        """The day the log has reached as far as it is folded."""
        return self.known_on(2**63 - 1)

    def latest(self, kind: FactKind, subject: str) -> Fact | None:
        """The latest fact of a kind about a subject (a household's size and village, a person's identity)."""
        rows = self._query(
            SQL("SELECT * FROM {0} WHERE kind = %(k)s AND subject = %(s)s ORDER BY position DESC, seq DESC LIMIT 1")
            .format(self._t(FACTS)),
            {"k": kind.value, "s": subject},
        )  # fmt: skip
        return _fact(rows[0]) if rows else None

    def facts(
        self, *, area_prefix: str, up_to: int, kinds: Iterable[FactKind] = tuple(FactKind), as_of: date | None = None
    ) -> list[Fact]:
        """The facts of ``kinds`` inside the area (its code under the prefix: staff of the area itself or of an area
        below it) whose event is at or below position ``up_to``, in log order.

        With ``as_of``, the registry comes as ``compute`` counts it at the end of that day, summed in the database:
        each person of the staff by their latest fact up to then, and the households by village, one fact per village
        whose ``delta`` is the number of households there and ``persons`` their persons (a county has 200,000)."""
        wanted = {k.value for k in kinds}
        as_of_kinds = {k.value for k in AS_OF_KINDS} & wanted if as_of is not None else set()
        inside, params = areas.contains(area_prefix, Identifier("village_code"))
        params.update({"u": up_to, "k": sorted(wanted - as_of_kinds), "a": sorted(as_of_kinds), "d": as_of,
                       "h": FactKind.HOUSEHOLD.value})  # fmt: skip
        scope = "position <= %(u)s AND {1}"
        # Each household or person by their latest fact by then wherever it places them, then kept if that is inside
        # the area: one who moved away counts where they went, not where they were.
        latest = (
            "SELECT * FROM (SELECT DISTINCT ON (kind, subject) * FROM {0} WHERE position <= %(u)s "
            "AND kind = ANY(%(a)s) AND day <= %(d)s AND (kind, subject) IN (SELECT kind, subject FROM {0} WHERE "
            + scope
            + " AND kind = ANY(%(a)s)) ORDER BY kind, subject, position DESC, seq DESC) AS latest WHERE {1}"
        )
        statement = SQL(
            "SELECT position, seq, kind, subject, village_code, day, persons, category, delta, ref FROM {0} "
            "WHERE " + scope + " AND kind = ANY(%(k)s) "
            "UNION ALL SELECT position, seq, kind, subject, village_code, day, persons, category, delta, ref "
            "FROM (" + latest + ") AS staff WHERE kind <> %(h)s "
            "UNION ALL SELECT max(position), 0, %(h)s, 'village:' || village_code, village_code, max(day), "
            "sum(persons)::int, '', count(*)::int, '' FROM (" + latest + ") AS households WHERE kind = %(h)s "
            "GROUP BY village_code "
            "ORDER BY 1, 2"
        ).format(self._t(FACTS), inside)
        return [_fact(r) for r in self._query(statement, params)]

    def staff(self, numbers: Iterable[str], *, up_to: int, as_of: date) -> list[Fact]:
        """The staff facts of these people, each their latest at or below position ``up_to`` and by the end of day
        ``as_of``, wherever they are registered (3-4: the people above a township who screened in it)."""
        wanted = sorted(set(numbers))
        if not wanted:
            return []
        statement = SQL(
            "SELECT DISTINCT ON (subject) * FROM {0} WHERE kind = %(k)s AND subject = ANY(%(n)s) "
            "AND position <= %(u)s AND day <= %(d)s ORDER BY subject, position DESC, seq DESC"
        ).format(self._t(FACTS))
        rows = self._query(statement, {"k": FactKind.STAFF.value, "n": wanted, "u": up_to, "d": as_of})
        return [_fact(r) for r in rows]

    def position(self, application_name: str) -> int:
        return self.max_tracking_id(application_name) or 0

    def clear(self) -> None:
        """Forget every fact and the tracking position: the projection then rebuilds from the first event."""
        clear_read_model(self, [FACTS, CASE_FINDINGS, CLOCK, VILLAGE_REPORTS])


def _row(f: Fact) -> dict[str, Any]:
    return {
        "position": f.position, "kind": f.kind.value, "subject": f.subject, "village_code": f.village_code,
        "day": f.day, "persons": f.persons, "category": f.category, "delta": f.delta, "ref": f.ref,
    }  # fmt: skip


_KINDS = {k.value: k for k in FactKind}  # a lookup: FactKind(value) costs more than the rest of a row


def _fact(r: Mapping[str, Any]) -> Fact:
    return Fact(
        position=int(r["position"]), kind=_KINDS[r["kind"]], subject=r["subject"], village_code=r["village_code"],
        day=r["day"], persons=int(r["persons"]), category=r["category"], delta=int(r["delta"]), ref=r["ref"],
    )  # fmt: skip


class ReportProjection(Projection[ReportView]):
    """Derives report facts from case and registry events; built by :func:`report_projection`."""

    name = "reports"
    ledger_env: Mapping[str, str] | None = None

    def __init__(self, view: ReportView) -> None:
        super().__init__(view)
        self.ledger = EventStore(self.ledger_env)
        self.cases = CaseFolder(self.ledger)
        self._clock = view.clock()

    @contextmanager
    def _moving(self, e: Any) -> Iterator[date | None]:
        """The day the log reaches with ``e`` when it is later than any before (else None), to write with its facts:
        the later of the day it was recorded and its business day (a test's clock may run ahead of the recording
        one). Kept as the projection's own once written."""
        day = local_date(e.timestamp)
        occurred_at = getattr(e, "occurred_at", None)
        if isinstance(occurred_at, datetime):
            day = max(day, local_date(occurred_at))
        later = day if self._clock is None or day > self._clock else None
        yield later
        if later is not None:
            self._clock = later

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        if isinstance(domain_event, CaseEvent):
            self._case_event(domain_event, tracking)
        else:
            with self._moving(domain_event) as day:
                self.view.write(tracking, [], None, day)

    def _case_event(self, e: CaseEvent, tracking: Tracking) -> None:
        case = self.cases.at(e)
        added, after = facts.case_event_facts(e, case, tracking.notification_id, self.view.case_findings(str(case.id)))
        with self._moving(e) as day:
            self.view.write(tracking, added, (str(case.id), after) if after is not None else None, day)

    def _village_report(self, e: VillageReportDrafted | VillageReportEvent, tracking: Tracking) -> None:
        report: VillageReport = self.ledger.repository.get(e.originator_id, version=e.originator_version)
        submitted = isinstance(e, VillageReportSubmitted)
        row = {
            "report_id": str(report.id), "village_code": report.village_code, "first_day": report.first_day,
            "last_day": report.last_day, "revision": report.revision, "status": report.status.value,
            "content_hash": report.content_hash, "cutoff": report.cutoff, "tables": Jsonb(report.tables),
            "submitted_tables": Jsonb(report.tables) if submitted else None,
            "submitted_revision": report.revision if submitted else None,
            "approvals": Jsonb(report.approvals), "updated_at": e.timestamp,
        }  # fmt: skip
        with self._moving(e) as day:
            self.view.upsert_village_report(tracking, row, day)

    @process_event.register
    def _(self, e: VillageReportDrafted, tracking: Tracking) -> None:
        self._village_report(e, tracking)

    @process_event.register
    def _(self, e: VillageReportEvent, tracking: Tracking) -> None:
        self._village_report(e, tracking)

    @process_event.register
    def _(self, e: hh.HouseholdRegistered, tracking: Tracking) -> None:
        self._write(tracking, e, facts.household_registered(e, tracking.notification_id))

    @process_event.register
    def _(self, e: hh.HouseholdChanged, tracking: Tracking) -> None:
        before = self.view.latest(FactKind.HOUSEHOLD, e.household_number)
        self._write(tracking, e, facts.household_changed(e, tracking.notification_id, before))

    @process_event.register
    def _(self, e: hh.HouseholdScreened, tracking: Tracking) -> None:
        household = self.view.latest(FactKind.HOUSEHOLD, e.screening["household_number"])
        self._write(tracking, e, facts.household_screened(e, tracking.notification_id, household))

    @process_event.register
    def _(self, e: hh.StaffRegistered, tracking: Tracking) -> None:
        self._write(tracking, e, facts.staff_registered(e, tracking.notification_id))

    @process_event.register
    def _(self, e: hh.StaffChanged, tracking: Tracking) -> None:
        before = self.view.latest(FactKind.STAFF, e.staff_number)
        self._write(tracking, e, facts.staff_changed(e, tracking.notification_id, before))

    def _write(self, tracking: Tracking, e: Any, fact: Fact | None) -> None:
        with self._moving(e) as day:
            self.view.write(tracking, [fact] if fact is not None else [], None, day)


ReportProjection.topics = handled_topics(ReportProjection, CaseEvent)


def report_projection(env: Mapping[str, str]) -> type[ReportProjection]:
    """The projection class bound to the ledger environment (ProjectionRunner constructs it itself)."""
    return type("ReportProjection", (ReportProjection,), {"ledger_env": dict(env), "name": "reports"})


def open_report_view(env: Mapping[str, str]) -> ReportView:
    return open_view(ReportView, ReportProjection.name, env)
