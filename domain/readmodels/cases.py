"""The case list read model: one row per case, kept by a projection of the event store, exactly once.

The row of a case is its view summarised at each event's version (the aggregate rebuilt at that version), written
in one transaction with the tracking position, so a crash never applies an event twice or skips one.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from functools import singledispatchmethod
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.projection import Projection
from psycopg.sql import SQL, Composable, Composed, Identifier

from domain.cases.case import MonitoringCase
from domain.cases.events import CaseEvent, CaseOpened, DeadlineMissed
from domain.cases.timeline import business_date
from domain.cases.view import CaseViewData, case_view, responsible_user
from domain.readmodels import areas
from domain.readmodels.schema import FollowerView, clear_read_model, open_view, topics_of
from domain.store import EventStore

TABLE = "case_summaries"
MISSES = "case_deadline_misses"
# Each event's stage of its case on the event's business date: the stage of any case on any day ("cases by stage
# over time"). Filled as events are projected: a deployment older than the table rebuilds the case list once
# (`dixian projections rebuild case_summaries`).
STAGES = "case_stages"
COLUMNS = (
    "case_id",
    "version",
    "stage",
    "status",
    "county_code",
    "township_code",
    "village_code",
    "household_number",
    "source",
    "category",
    "clue_date",
    "next_deadline",
    "next_deadline_kind",
    "overdue",
    "opened_at",
    "updated_at",
    "responsible_person",
    "notice_due",
    "responsible_user",
)


class CaseSummaryView(FollowerView):
    """Case list table plus its tracking table (``case_summaries_tracking``)."""

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)  # the factory names the tracking table after the projection
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {0}.{1} ("
                "case_id uuid PRIMARY KEY, version int NOT NULL, stage text NOT NULL, status text NOT NULL, "
                "county_code text NOT NULL, township_code text NOT NULL, village_code text NOT NULL, "
                "household_number text NOT NULL, source text NOT NULL, category text, clue_date date NOT NULL, "
                "next_deadline timestamptz, next_deadline_kind text, overdue boolean NOT NULL, "
                "opened_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)"
            ).format(Identifier(self.datastore.schema), Identifier(TABLE))
        )
        # Added after the first release: an existing table gets the column (rows fill in as their cases change).
        self.sql_create_statements.append(
            SQL("ALTER TABLE {0}.{1} ADD COLUMN IF NOT EXISTS responsible_person text NOT NULL DEFAULT ''").format(
                Identifier(self.datastore.schema), Identifier(TABLE)
            )
        )
        self.sql_create_statements.append(
            SQL("ALTER TABLE {0}.{1} ADD COLUMN IF NOT EXISTS notice_due timestamptz").format(
                Identifier(self.datastore.schema), Identifier(TABLE)
            )
        )
        # The responsible person's Dixian account: a 帮扶责任人 lists their own households' cases by it.
        self.sql_create_statements.append(
            SQL("ALTER TABLE {0}.{1} ADD COLUMN IF NOT EXISTS responsible_user text NOT NULL DEFAULT ''").format(
                Identifier(self.datastore.schema), Identifier(TABLE)
            )
        )
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {0}.{1} (case_id uuid NOT NULL, kind text NOT NULL, "
                "due_date date NOT NULL, village_code text NOT NULL, recorded_at timestamptz NOT NULL, "
                "PRIMARY KEY (case_id, kind, due_date))"
            ).format(Identifier(self.datastore.schema), Identifier(MISSES))
        )
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {0}.{1} (case_id uuid NOT NULL, version int NOT NULL, stage text NOT NULL, "
                "village_code text NOT NULL, on_date date NOT NULL, PRIMARY KEY (case_id, version))"
            ).format(Identifier(self.datastore.schema), Identifier(STAGES))
        )
        self.sql_create_statements.append(
            SQL("CREATE INDEX IF NOT EXISTS {0} ON {1}.{2} (village_code, on_date)").format(
                Identifier(f"{STAGES}_village_date_idx"), Identifier(self.datastore.schema), Identifier(STAGES)
            )
        )
        self.sql_create_statements.append(
            SQL("CREATE INDEX IF NOT EXISTS {0} ON {1}.{2} (village_code, stage)").format(
                Identifier(f"{TABLE}_village_stage_idx"), Identifier(self.datastore.schema), Identifier(TABLE)
            )
        )

    def upsert(
        self, tracking: Tracking, row: dict[str, Any], missed: dict[str, Any] | None = None, on_date: Any = None,
        met_in_time: list[tuple[str, Any]] | None = None,
    ) -> None:  # fmt: skip
        """Write the case's row as of an event; a DeadlineMissed event also adds its miss (``missed``); with
        ``on_date`` (the event's business date), the case's stage that day. A miss whose deadline the case has
        met in time after all (``met_in_time``: kind and due date; a case entered late, its steps dated when they
        happened) was no real miss: it is taken back, and only real misses are counted."""

        def statement() -> Composed:
            columns = SQL(", ").join(Identifier(c) for c in COLUMNS)
            values = SQL(", ").join(SQL("%({})s").format(SQL(c)) for c in COLUMNS)
            updates = SQL(", ").join(SQL("{0} = EXCLUDED.{0}").format(Identifier(c)) for c in COLUMNS[1:])
            return SQL(
                "INSERT INTO {0}.{1} ({2}) VALUES ({3}) "
                "ON CONFLICT (case_id) DO UPDATE SET {4} WHERE {0}.{1}.version < EXCLUDED.version"
            ).format(Identifier(self.datastore.schema), Identifier(TABLE), columns, values, updates)

        with self.datastore.transaction(commit=True) as curs:
            self._insert_tracking(curs, tracking)  # first: a duplicate delivery fails here and rolls back
            curs.execute(self.rendered("upsert", statement), row)
            if missed is not None:
                curs.execute(
                    SQL(
                        "INSERT INTO {0}.{1} (case_id, kind, due_date, village_code, recorded_at) "
                        "VALUES (%(case_id)s, %(kind)s, %(due_date)s, %(village_code)s, %(recorded_at)s) "
                        "ON CONFLICT DO NOTHING"
                    ).format(Identifier(self.datastore.schema), Identifier(MISSES)),
                    missed,
                )
            for kind, due_date in met_in_time or []:
                curs.execute(
                    SQL("DELETE FROM {0}.{1} WHERE case_id = %s AND kind = %s AND due_date = %s").format(
                        Identifier(self.datastore.schema), Identifier(MISSES)
                    ),
                    (row["case_id"], kind, due_date),
                )
            if on_date is not None:
                curs.execute(
                    SQL(
                        "INSERT INTO {0}.{1} (case_id, version, stage, village_code, on_date) "
                        "VALUES (%(case_id)s, %(version)s, %(stage)s, %(village_code)s, %(on_date)s) "
                        "ON CONFLICT DO NOTHING"
                    ).format(Identifier(self.datastore.schema), Identifier(STAGES)),
                    {**{k: row[k] for k in ("case_id", "version", "stage", "village_code")}, "on_date": on_date},
                )

    def clear(self) -> None:
        """Forget every row and the tracking position: the projection then rebuilds from the first event."""
        clear_read_model(self, [TABLE, MISSES, STAGES])

    def stages_on(self, *, area_prefix: str, days: list[Any]) -> dict[Any, dict[str, int]]:
        """For each day, the cases inside the area by the stage each was in at the end of that day (business time):
        the stage of its latest event on or before it; a case not yet opened then is not counted."""
        inside, params = areas.contains(area_prefix, Identifier("village_code"))
        statement = SQL(
            "SELECT stage, count(*) AS cases FROM (SELECT DISTINCT ON (case_id) case_id, stage FROM {0}.{1} "
            "WHERE {2} AND on_date <= %(day)s ORDER BY case_id, version DESC) latest GROUP BY stage"
        ).format(Identifier(self.datastore.schema), Identifier(STAGES), inside)
        out: dict[Any, dict[str, int]] = {}
        with self.datastore.transaction(commit=False) as curs:
            for day in days:
                curs.execute(statement, {**params, "day": day})
                out[day] = {str(r["stage"]): int(r["cases"]) for r in curs.fetchall()}
        return out

    def village_of(self, case_id: Any) -> str | None:
        """The village a listed case lies in (None: not listed, or not yet)."""
        row = self.listing(case_id)
        return str(row["village_code"]) if row else None

    def listing(self, case_id: Any) -> dict[str, Any] | None:
        """Where a listed case lies and whose it is (village, responsible person's account), or None."""
        statement = SQL("SELECT village_code, responsible_user FROM {0}.{1} WHERE case_id = %s").format(
            Identifier(self.datastore.schema), Identifier(TABLE)
        )
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(statement, (case_id,))
            row = curs.fetchone()
        return dict(row) if row else None

    def misses(self, *, area_prefix: str, due_from: Any, due_to: Any) -> list[dict[str, Any]]:
        """Recorded deadline misses inside the area whose due date lies in [due_from, due_to], counted by kind."""
        inside, params = areas.contains(area_prefix, Identifier("village_code"))
        statement = SQL(
            "SELECT kind, count(*) AS misses FROM {0}.{1} WHERE {2} "
            "AND due_date BETWEEN %(f)s AND %(t)s GROUP BY kind ORDER BY kind"
        ).format(Identifier(self.datastore.schema), Identifier(MISSES), inside)
        params.update({"f": due_from, "t": due_to})
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(statement, params)
            return [dict(r) for r in curs.fetchall()]

    def misses_total(self) -> list[dict[str, Any]]:
        """Every real deadline miss, counted by kind: recorded, and not met in time after all (a case entered late,
        its steps dated when they happened, takes back the misses its timers recorded on entry)."""
        statement = SQL("SELECT kind, count(*) AS misses FROM {0}.{1} GROUP BY kind ORDER BY kind").format(
            Identifier(self.datastore.schema), Identifier(MISSES)
        )
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(statement)
            return [dict(r) for r in curs.fetchall()]

    def search(
        self,
        *,
        area_prefix: str,
        filters: Mapping[str, str],
        limit: int,
        offset: int,
    ) -> list[dict[str, Any]]:
        """Cases inside ``area_prefix`` matching the equality ``filters`` (column → value), newest first."""
        inside, params = areas.contains(area_prefix, Identifier("village_code"))
        where: list[Composable] = [inside]
        params.update({"limit": limit, "offset": offset})
        for column, value in sorted(filters.items()):
            if column not in COLUMNS:
                raise ValueError(f"cannot filter on {column}")
            where.append(SQL("{0} = %({1})s").format(Identifier(column), SQL(column)))
            params[column] = value
        statement = SQL(
            "SELECT {0} FROM {1}.{2} WHERE {3} ORDER BY opened_at DESC, case_id LIMIT %(limit)s OFFSET %(offset)s"
        ).format(
            SQL(", ").join(Identifier(c) for c in COLUMNS),
            Identifier(self.datastore.schema),
            Identifier(TABLE),
            SQL(" AND ").join(where),
        )
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(statement, params)
            return [dict(r) for r in curs.fetchall()]

    def visit_cases(
        self, *, area_prefix: str, statuses: list[str], kinds_due: list[str], before: Any,
        responsible_user: str | None, limit: int,
    ) -> list[dict[str, Any]]:  # fmt: skip
        """Open cases whose next step is a visit to the household: in one of ``statuses`` (whenever due), or with a
        next deadline of one of ``kinds_due`` falling before ``before``; a 帮扶责任人's own only, if named."""
        inside, params = areas.contains(area_prefix, Identifier("village_code"))
        mine = SQL("AND responsible_user = %(user)s") if responsible_user is not None else SQL("")
        statement = SQL(
            "SELECT case_id, village_code, household_number, status, next_deadline, next_deadline_kind "
            "FROM {0}.{1} WHERE {2} AND stage <> 'closed' AND (status = ANY(%(statuses)s) OR "
            "(next_deadline_kind = ANY(%(kinds)s) AND next_deadline < %(before)s)) {3} "
            "ORDER BY village_code, household_number LIMIT %(limit)s"
        ).format(Identifier(self.datastore.schema), Identifier(TABLE), inside, mine)
        params.update({"statuses": statuses, "kinds": kinds_due, "before": before, "user": responsible_user,
                       "limit": limit})  # fmt: skip
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(statement, params)
            return [dict(r) for r in curs.fetchall()]

    def deadlines_before(self, *, area_prefix: str, before: Any, limit: int) -> list[dict[str, Any]]:
        """Open cases with a deadline falling before ``before`` (past ones first), inside the area: each case's next
        statutory deadline, and the end of a village notice still open, one row each (``due_at``, ``kind``)."""
        common = (
            "SELECT case_id, village_code, township_code, household_number, stage, status, {4} AS missed_recorded, "
            "responsible_person, {2} AS due_at, {3} AS kind FROM {0}.{1} WHERE {5} "
            "AND {2} < %(before)s AND stage <> 'closed'"
        )
        schema, table = Identifier(self.datastore.schema), Identifier(TABLE)
        inside, params = areas.contains(area_prefix, Identifier("village_code"))
        statement = SQL("{0} UNION ALL {1} ORDER BY due_at, case_id LIMIT %(limit)s").format(
            SQL(common).format(
                schema, table, Identifier("next_deadline"), Identifier("next_deadline_kind"), Identifier("overdue"),
                inside,
            ),
            SQL(common).format(schema, table, Identifier("notice_due"), SQL("'notice'"), SQL("false"), inside),
        )  # fmt: skip
        params.update({"before": before, "limit": limit})
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(statement, params)
            return [dict(r) for r in curs.fetchall()]

    def counts(self, *, area_prefix: str) -> list[dict[str, Any]]:
        """Cases by village and stage, with how many have a recorded missed deadline, inside the area."""
        inside, params = areas.contains(area_prefix, Identifier("village_code"))
        statement = SQL(
            "SELECT village_code, stage, count(*) AS cases, count(*) FILTER (WHERE overdue) AS overdue "
            "FROM {0}.{1} WHERE {2} GROUP BY village_code, stage "
            "ORDER BY village_code, stage"
        ).format(Identifier(self.datastore.schema), Identifier(TABLE), inside)
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(statement, params)
            return [dict(r) for r in curs.fetchall()]


class CaseFolder:
    """The case as it stood after each event, for the projections that need the whole case: folded from the case
    as it stood after the previous event when that is at hand (a projection receives each case's events in order),
    read from the store otherwise (the first event after a start, or a case pushed out of the ``size`` kept)."""

    def __init__(self, ledger: EventStore, size: int = 5000) -> None:
        self.ledger, self.size = ledger, size
        self._cases: OrderedDict[Any, MonitoringCase] = OrderedDict()

    def at(self, event: CaseEvent | CaseOpened) -> MonitoringCase:
        known = self._cases.pop(event.originator_id, None)
        case: MonitoringCase
        if isinstance(event, CaseOpened):
            case = event.mutate(None)
        elif known is not None and known.version == event.originator_version - 1:
            case = event.mutate(known)
        else:
            case = self.ledger.repository.get(event.originator_id, version=event.originator_version)
        self._cases[event.originator_id] = case
        if len(self._cases) > self.size:
            self._cases.popitem(last=False)
        return case


class CaseSummaryProjection(Projection[CaseSummaryView]):
    """Folds MonitoringCase events into ``case_summaries``; built by :func:`case_summary_projection`."""

    name = "case_summaries"
    topics = topics_of(CaseEvent, CaseOpened)
    ledger_env: Mapping[str, str] | None = None

    def __init__(self, view: CaseSummaryView) -> None:
        super().__init__(view)
        self.ledger = EventStore(self.ledger_env)
        self.cases = CaseFolder(self.ledger)

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        if isinstance(domain_event, (CaseEvent, CaseOpened)):
            case = self.cases.at(domain_event)
            missed = None
            if isinstance(domain_event, DeadlineMissed):
                missed = {
                    "case_id": case.id,
                    "kind": domain_event.kind,
                    "due_date": domain_event.due_date,
                    "village_code": case.village_code,
                    "recorded_at": domain_event.timestamp,
                }
            clue = domain_event.clue_date if isinstance(domain_event, CaseOpened) else None
            on_date = business_date(getattr(domain_event, "occurred_at", None) or domain_event.timestamp, clue)
            view = case_view(case, case.modified_on)  # once per event: the row and the misses met after all
            met = [(d["kind"], d["due_date"]) for d in view["deadlines"] if d["met_in_time"] and d["missed_recorded"]]
            self.view.upsert(tracking, summary_row(case, view), missed, on_date, met)
        else:
            self.view.insert_tracking(tracking)


def case_summary_projection(env: Mapping[str, str]) -> type[CaseSummaryProjection]:
    """The projection class bound to the ledger environment (ProjectionRunner constructs it itself)."""
    return type("CaseSummaryProjection", (CaseSummaryProjection,), {"ledger_env": dict(env), "name": "case_summaries"})


def summary_row(case: MonitoringCase, view: CaseViewData | None = None) -> dict[str, Any]:
    # The summary is as of the event, so "overdue" means a recorded missed deadline, not a clock reading.
    view = view or case_view(case, case.modified_on)
    nxt = view["next_deadline"]
    return {
        "case_id": case.id,
        "version": case.version,
        "stage": view["stage"],
        "status": view["status"],
        "county_code": case.county_code,
        "township_code": case.township_code,
        "village_code": case.village_code,
        "household_number": case.household_number,
        "source": view["source"],
        "category": view["category"],
        "clue_date": case.clue_date,
        "next_deadline": nxt["due_at"] if nxt else None,
        "next_deadline_kind": nxt["kind"] if nxt else None,
        "overdue": view["overdue_recorded"],
        "opened_at": case.created_on,
        "updated_at": case.modified_on,
        # The one-to-one responsible person (name and unit: who to call about a late case), "" before assignment.
        "responsible_person": _responsible(view["responsible_person"]),
        # The last instant of an open village notice: its close is owed from then (an operational due date).
        "notice_due": view["notice_due"]["due_at"] if view["notice_due"] else None,
        "responsible_user": responsible_user(view),
    }


def _responsible(person: Mapping[str, Any] | None) -> str:
    if not person:
        return ""
    return (
        f"{person.get('name', '')}（{person.get('unit', '')}）" if person.get("unit") else str(person.get("name", ""))
    )


def open_summary_view(env: Mapping[str, str]) -> CaseSummaryView:
    return open_view(CaseSummaryView, CaseSummaryProjection.name, env)
