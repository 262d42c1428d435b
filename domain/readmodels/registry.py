"""The registry read model: households, their latest screenings, their open cases and the staff, kept by a projection
of the event store (exactly once, tracked in the same transaction as each change), and the queries over it that the
screening campaign needs: coverage by village and method, the unscreened list, and 应纳未纳.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import singledispatchmethod
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from psycopg.sql import SQL, Composable, Composed, Identifier
from psycopg.types.json import Jsonb

from domain.audit.access_log import AccessRecorded, access_row
from domain.campaigns.campaign import CampaignStarted, MilestonePassed, missing_by_village
from domain.discovery.alerts import AlertOverdue, AlertReceived, AlertVerified
from domain.discovery.applications import ApplicationAnswered, ApplicationOverdue, ApplicationReceived
from domain.readmodels import areas
from domain.readmodels.schema import TablesView, clear_read_model, handled_topics, open_view
from domain.registry import household as hh
from domain.registry.rules import head_name

HOUSEHOLDS = "registry_households"
SCREENINGS = "registry_screenings"
OPEN_CASES = "registry_open_cases"
STAFF = "registry_staff"
ACCESS = "registry_access"
MILESTONES = "registry_campaign_milestones"
DISCOVERY = "registry_discovery"
# Where an application or alert is routed: its village, or the area above (the township_code column: the township,
# or the county for an alert on a person the registry does not hold and whose department named no place).
_ROUTED_TO = SQL("(CASE WHEN village_code <> '' THEN village_code ELSE township_code END)")
ANY_CAMPAIGN = "*"  # the screenings row that holds a household's latest screening in any campaign

_DDL = (
    # Before issue 21 the registry had no discovery table: a registry folded then is emptied once and folded again,
    # so the self-applications recorded before it are listed too (run the upgrade with the projector stopped).
    "DO $$ BEGIN IF to_regclass('{s}.registry_households') IS NOT NULL"
    " AND to_regclass('{s}.registry_discovery') IS NULL THEN"
    " DELETE FROM {s}.registry_households; DELETE FROM {s}.registry_screenings; DELETE FROM {s}.registry_open_cases;"
    " DELETE FROM {s}.registry_access; DELETE FROM {s}.registry_campaign_milestones; DELETE FROM {s}.registry_staff;"
    " DELETE FROM {s}.registry_tracking WHERE application_name <> '__migration__'; END IF; END $$",
    "CREATE TABLE IF NOT EXISTS {s}.registry_households ("
    " household_number text PRIMARY KEY, version int NOT NULL, village_code text NOT NULL,"
    " household_type text NOT NULL, persons int NOT NULL, head_name text NOT NULL,"
    " at_resettlement_site boolean NOT NULL, migrant boolean NOT NULL, demo boolean NOT NULL,"
    " registered_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)",
    "CREATE INDEX IF NOT EXISTS registry_households_village_idx ON {s}.registry_households (village_code)",
    "CREATE TABLE IF NOT EXISTS {s}.registry_screenings ("
    " campaign_id text NOT NULL, household_number text NOT NULL, screening_id text NOT NULL,"
    " screened_on date NOT NULL, method text NOT NULL, screener text NOT NULL, persons int NOT NULL,"
    " at_risk boolean NOT NULL, reasons text[] NOT NULL, case_id text NOT NULL, opens_case boolean NOT NULL,"
    " screenings int NOT NULL, PRIMARY KEY (campaign_id, household_number))",
    "CREATE TABLE IF NOT EXISTS {s}.registry_open_cases ("
    " household_number text PRIMARY KEY, open_cases text[] NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {s}.registry_access ("
    " id bigserial PRIMARY KEY, at timestamptz NOT NULL, actor_id text NOT NULL, actor_name text NOT NULL,"
    " role text NOT NULL, actor_area text NOT NULL, what text NOT NULL, target text NOT NULL,"
    " village_code text NOT NULL, purpose text NOT NULL, path text NOT NULL)",
    "CREATE INDEX IF NOT EXISTS registry_access_target_idx ON {s}.registry_access (target, at)",
    "CREATE TABLE IF NOT EXISTS {s}.registry_campaign_milestones ("
    " campaign_id text NOT NULL, milestone text NOT NULL, name text NOT NULL, scope text[] NOT NULL,"
    " starts_on date NOT NULL, due_on date NOT NULL, passed_at timestamptz, missing_by_village jsonb,"
    " demo boolean NOT NULL, PRIMARY KEY (campaign_id, milestone))",
    # 农户自主申报 and 部门筛查预警: one row per application or alert, codes and dates only (no personal value).
    "CREATE TABLE IF NOT EXISTS {s}.registry_discovery ("
    " channel text NOT NULL, number text NOT NULL, department text NOT NULL, what text NOT NULL,"
    " village_code text NOT NULL, township_code text NOT NULL, household_number text NOT NULL,"
    " status text NOT NULL, received_on date NOT NULL, due_on date, closed_on date, overdue_on date,"
    " outcome text NOT NULL, case_id text NOT NULL, matched boolean NOT NULL, via text NOT NULL,"
    " received_at timestamptz NOT NULL, stream_id uuid NOT NULL UNIQUE, pushed_by text NOT NULL,"
    " PRIMARY KEY (channel, number))",
    "CREATE INDEX IF NOT EXISTS registry_discovery_area_idx ON {s}.registry_discovery (township_code, village_code)",
    "CREATE TABLE IF NOT EXISTS {s}.registry_staff ("
    " staff_number text PRIMARY KEY, name text NOT NULL, identity text NOT NULL, area_code text NOT NULL,"
    " demo boolean NOT NULL)",
)


def _migrant(members: list[dict[str, Any]]) -> bool:
    return any(m["migrant_work_months"] > 0 or m["migrant_work_place"] for m in members)


class RegistryView(TablesView):
    """The registry tables plus their tracking table (``registry_tracking``)."""

    DDL = _DDL

    def _write(self, tracking: Tracking, statement: Composed | bytes, params: Mapping[str, Any]) -> None:
        with self.datastore.transaction(commit=True) as curs:
            self._insert_tracking(curs, tracking)  # first: a duplicate delivery fails here and rolls back
            curs.execute(statement, params)

    def _upsert(self, tracking: Tracking, table: str, key: str, row: dict[str, Any]) -> None:
        """Insert ``row`` or overwrite the row with the same ``key`` column."""
        columns = list(row)

        def statement() -> Composed:
            return SQL("INSERT INTO {0} ({1}) VALUES ({2}) ON CONFLICT ({3}) DO UPDATE SET {4}").format(
                self._t(table),
                SQL(", ").join(Identifier(c) for c in columns),
                SQL(", ").join(SQL("%({})s").format(SQL(c)) for c in columns),
                Identifier(key),
                SQL(", ").join(SQL("{0} = EXCLUDED.{0}").format(Identifier(c)) for c in columns if c != key),
            )

        self._write(tracking, self.rendered((table, key, *columns), statement), row)

    def upsert_household(self, tracking: Tracking, row: dict[str, Any]) -> None:
        self._upsert(tracking, HOUSEHOLDS, "household_number", row)

    def change_household(self, tracking: Tracking, number: str, version: int, changes: dict[str, Any]) -> None:
        sets: list[Composable] = [SQL("version = %(version)s"), SQL("updated_at = %(updated_at)s")]
        params: dict[str, Any] = {"number": number, "version": version, "updated_at": changes.pop("updated_at")}
        for column, value in changes.items():
            sets.append(SQL("{0} = %({1})s").format(Identifier(column), SQL(column)))
            params[column] = value
        statement = SQL("UPDATE {0} SET {1} WHERE household_number = %(number)s").format(
            self._t(HOUSEHOLDS), SQL(", ").join(sets)
        )
        self._write(tracking, statement, params)

    def record_screening(self, tracking: Tracking, row: dict[str, Any]) -> None:
        """The household's latest screening, once for its campaign and once across campaigns."""
        columns = list(row)
        # The latest is the one of the latest screening date (a backdated record never hides a newer one); the
        # count of screenings grows either way.
        insert = SQL(
            "INSERT INTO {0} ({1}) VALUES ({2}) ON CONFLICT (campaign_id, household_number) DO UPDATE SET "
            "screenings = {0}.screenings + 1, {3}"
        ).format(
            self._t(SCREENINGS),
            SQL(", ").join(Identifier(c) for c in [*columns, "screenings"]),
            SQL(", ").join([*(SQL("%({})s").format(SQL(c)) for c in columns), SQL("1")]),
            SQL(", ").join(
                SQL(
                    "{0} = CASE WHEN EXCLUDED.screened_on >= {1}.screened_on THEN EXCLUDED.{0} ELSE {1}.{0} END"
                ).format(Identifier(c), self._t(SCREENINGS))
                for c in columns
                if c != "campaign_id"
            ),
        )
        with self.datastore.transaction(commit=True) as curs:
            self._insert_tracking(curs, tracking)
            curs.execute(insert, row)
            if row["campaign_id"] != ANY_CAMPAIGN:
                curs.execute(insert, {**row, "campaign_id": ANY_CAMPAIGN})

    def open_case(self, tracking: Tracking, number: str, case_id: str) -> None:
        statement = SQL(
            "INSERT INTO {0} AS t (household_number, open_cases) VALUES (%(n)s, ARRAY[%(c)s]) "
            "ON CONFLICT (household_number) DO UPDATE SET open_cases = array_append(array_remove(t.open_cases, "
            "%(c)s), %(c)s)"
        ).format(self._t(OPEN_CASES))
        self._write(tracking, statement, {"n": number, "c": case_id})

    def end_case(self, tracking: Tracking, number: str, case_id: str) -> None:
        statement = SQL(
            "UPDATE {0} SET open_cases = array_remove(open_cases, %(c)s) WHERE household_number = %(n)s"
        ).format(self._t(OPEN_CASES))
        self._write(tracking, statement, {"n": number, "c": case_id})

    def upsert_staff(self, tracking: Tracking, row: dict[str, Any]) -> None:
        self._upsert(tracking, STAFF, "staff_number", row)

    def update_staff(self, tracking: Tracking, number: str, changes: dict[str, Any]) -> None:
        if not changes:
            self.insert_tracking(tracking)
            return
        sets = SQL(", ").join(SQL("{0} = %({1})s").format(Identifier(c), SQL(c)) for c in changes)
        statement = SQL("UPDATE {0} SET {1} WHERE staff_number = %(staff_number)s").format(self._t(STAFF), sets)
        self._write(tracking, statement, {**changes, "staff_number": number})

    def insert_access(self, tracking: Tracking, row: dict[str, Any]) -> None:
        columns = list(row)
        statement = SQL("INSERT INTO {0} ({1}) VALUES ({2})").format(
            self._t(ACCESS),
            SQL(", ").join(Identifier(c) for c in columns),
            SQL(", ").join(SQL("%({})s").format(SQL(c)) for c in columns),
        )
        self._write(tracking, statement, row)

    def start_campaign(self, tracking: Tracking, rows: list[dict[str, Any]]) -> None:
        statement = SQL(
            "INSERT INTO {0} (campaign_id, milestone, name, scope, starts_on, due_on, demo) VALUES (%(campaign_id)s, "
            "%(milestone)s, %(name)s, %(scope)s, %(starts_on)s, %(due_on)s, %(demo)s) ON CONFLICT DO NOTHING"
        ).format(self._t(MILESTONES))
        with self.datastore.transaction(commit=True) as curs:
            self._insert_tracking(curs, tracking)
            for row in rows:
                curs.execute(statement, row)

    def pass_milestone(
        self, tracking: Tracking, campaign_id: str, milestone: str, at: Any, missing: dict[str, int]
    ) -> None:
        statement = SQL(
            "UPDATE {0} SET passed_at = %(at)s, missing_by_village = %(missing)s "
            "WHERE campaign_id = %(campaign_id)s AND milestone = %(milestone)s"
        ).format(self._t(MILESTONES))
        params = {"at": at, "missing": Jsonb(missing), "campaign_id": campaign_id, "milestone": milestone}
        self._write(tracking, statement, params)

    def upsert_discovery(self, tracking: Tracking, row: dict[str, Any]) -> None:
        self._upsert_two(tracking, row)

    def _upsert_two(self, tracking: Tracking, row: dict[str, Any]) -> None:
        columns = list(row)

        def statement() -> Composed:
            return SQL("INSERT INTO {0} ({1}) VALUES ({2}) ON CONFLICT (channel, number) DO UPDATE SET {3}").format(
                self._t(DISCOVERY),
                SQL(", ").join(Identifier(c) for c in columns),
                SQL(", ").join(SQL("%({})s").format(SQL(c)) for c in columns),
                SQL(", ").join(
                    SQL("{0} = EXCLUDED.{0}").format(Identifier(c)) for c in columns if c not in ("channel", "number")
                ),
            )

        self._write(tracking, self.rendered((DISCOVERY, *columns), statement), row)

    def update_discovery(self, tracking: Tracking, stream_id: Any, changes: dict[str, Any]) -> None:
        """Change the row of an application's or alert's stream (its later events do not repeat the number)."""
        sets = SQL(", ").join(SQL("{0} = %({1})s").format(Identifier(c), SQL(c)) for c in changes)
        statement = SQL("UPDATE {0} SET {1} WHERE stream_id = %(stream_id)s").format(self._t(DISCOVERY), sets)
        self._write(tracking, statement, {**changes, "stream_id": stream_id})

    def clear(self) -> None:
        """Forget every row and the tracking position: the projection then rebuilds from the first event."""
        clear_read_model(self, [HOUSEHOLDS, SCREENINGS, OPEN_CASES, STAFF, ACCESS, MILESTONES, DISCOVERY])

    # ----- queries ----------------------------------------------------------------------------------------------

    def milestones(self, *, area_prefix: str, due_before: Any, due_from: Any) -> list[dict[str, Any]]:
        """Campaign milestones due in [due_from, due_before) whose campaign's scope overlaps the area (a scope code
        inside the area, or the area inside a scope code), with what each found missing once passed."""
        shared, params = areas.overlaps(area_prefix, Identifier("s", "code"))
        statement = SQL(
            "SELECT campaign_id, milestone, name, scope, starts_on, due_on, passed_at, missing_by_village, demo "
            "FROM {0} WHERE due_on >= %(f)s AND due_on < %(b)s AND EXISTS (SELECT 1 FROM unnest(scope) AS s(code) "
            "WHERE {1}) ORDER BY due_on, campaign_id, milestone"
        ).format(self._t(MILESTONES), shared)
        return self._query(statement, {**params, "f": due_from, "b": due_before})

    def latest_campaign_start(self, *, area_prefix: str, on_or_before: Any, within: bool = False) -> Any:
        """The start of the latest campaign covering the area (``within``: or held inside it) that has started by the
        day (None without one)."""
        code = Identifier("s", "code")
        covered, params = areas.overlaps(area_prefix, code) if within else areas.lies_in(area_prefix, code)
        statement = SQL(
            "SELECT max(starts_on) AS starts_on FROM {0} WHERE starts_on <= %(d)s AND EXISTS (SELECT 1 FROM "
            "unnest(scope) AS s(code) WHERE {1})"
        ).format(self._t(MILESTONES), covered)
        rows = self._query(statement, {**params, "d": on_or_before})
        return rows[0]["starts_on"] if rows else None

    def discovery(
        self, *, channel: str, area_prefix: str | None = None, department: str | None = None,
        pushed_within: str | None = None, status: str | None = None, limit: int = 100, offset: int = 0,
    ) -> list[dict[str, Any]]:  # fmt: skip
        """Applications or alerts, newest first: those routed into an area (by village, or by township for one
        routed to a township only), or a department's own, pushed by its account of an area (its county); of one
        status, if given."""
        where: list[Composable] = [SQL("channel = %(channel)s")]
        params: dict[str, Any] = {"channel": channel, "limit": limit, "offset": offset}
        if area_prefix is not None:
            inside, more = areas.contains(area_prefix, _ROUTED_TO)
            where.append(inside)
            params.update(more)
        if department is not None:
            where.append(SQL("department = %(department)s"))
            params["department"] = department
        if pushed_within is not None:
            pushed, more = areas.contains(pushed_within, Identifier("pushed_by"), key="pushed")
            where.append(pushed)
            params.update(more)
        if status is not None:
            where.append(SQL("status = %(status)s"))
            params["status"] = status
        statement = SQL(
            "SELECT channel, number, department, what, village_code, township_code, household_number, status, "
            "received_on, due_on, closed_on, overdue_on, outcome, case_id, matched, via, stream_id FROM {0} WHERE {1} "
            "ORDER BY received_at DESC, number LIMIT %(limit)s OFFSET %(offset)s"
        ).format(self._t(DISCOVERY), SQL(" AND ").join(where))
        return self._query(statement, params)

    def discovery_unrecorded(self, *, area_prefix: str, today: Any) -> list[dict[str, Any]]:
        """Applications and alerts routed into the area, still open past their day, their miss not recorded."""
        inside, params = areas.contains(area_prefix, _ROUTED_TO)
        statement = SQL(
            "SELECT channel, number, village_code, due_on FROM {0} WHERE {1} AND due_on < %(today)s "
            "AND closed_on IS NULL AND overdue_on IS NULL ORDER BY due_on, number"
        ).format(self._t(DISCOVERY), inside)
        return self._query(statement, {**params, "today": today})

    def discovery_counts(self, *, channel: str, area_prefix: str, received_from: Any, received_before: Any
                         ) -> list[dict[str, Any]]:  # fmt: skip
        """Per department (alerts) or route (applications) and status: how many reached the area in the period,
        how many were answered or verified by their day, late (``domain.discovery.rules.handled_late``'s twin), still
        waiting past it, and matched to no registered person."""
        inside, params = areas.contains(area_prefix, _ROUTED_TO)
        statement = SQL(
            "SELECT department, what, status, count(*) AS n,"
            " count(*) FILTER (WHERE closed_on IS NOT NULL AND due_on IS NOT NULL AND closed_on <= due_on) AS in_time,"
            " count(*) FILTER (WHERE due_on IS NOT NULL AND (closed_on > due_on OR overdue_on IS NOT NULL)) AS late,"
            " count(*) FILTER (WHERE closed_on IS NULL AND overdue_on IS NOT NULL) AS waiting_late,"
            " count(*) FILTER (WHERE NOT matched) AS unmatched"
            " FROM {0} WHERE channel = %(channel)s AND received_on >= %(f)s AND received_on < %(b)s AND {1}"
            " GROUP BY department, what, status ORDER BY department, what, status"
        ).format(self._t(DISCOVERY), inside)
        return self._query(statement, {**params, "channel": channel, "f": received_from, "b": received_before})

    @staticmethod
    def _within(column: str, prefixes: list[str]) -> tuple[Composed, dict[str, Any]]:
        """``column`` lies in one of the areas ``prefixes``."""
        return areas.contains_any(prefixes, Identifier(*column.split(".")))

    def households(self, *, area_prefixes: list[str], limit: int, offset: int) -> list[dict[str, Any]]:
        where, params = self._within("village_code", area_prefixes)
        statement = SQL(
            "SELECT household_number, version, village_code, household_type, persons, head_name, "
            "at_resettlement_site, migrant, demo, registered_at, updated_at FROM {0} WHERE {1} "
            "ORDER BY household_number LIMIT %(limit)s OFFSET %(offset)s"
        ).format(self._t(HOUSEHOLDS), where)
        return self._query(statement, {**params, "limit": limit, "offset": offset})

    def coverage(self, *, campaign_id: str, area_prefixes: list[str]) -> list[dict[str, Any]]:
        """Per village: households and persons in total and screened in the campaign, and screened by method."""
        where, params = self._within("h.village_code", area_prefixes)
        statement = SQL(
            "SELECT h.village_code, count(*) AS households, sum(h.persons) AS persons, "
            "count(s.household_number) AS screened_households, "
            "coalesce(sum(h.persons) FILTER (WHERE s.household_number IS NOT NULL), 0) AS screened_persons, "
            "count(*) FILTER (WHERE s.method = 'in_person') AS in_person, "
            "count(*) FILTER (WHERE s.method = 'phone') AS phone, "
            "count(*) FILTER (WHERE s.method = 'wechat') AS wechat, "
            "count(*) FILTER (WHERE s.at_risk) AS at_risk "
            "FROM {0} h LEFT JOIN {1} s ON s.household_number = h.household_number AND s.campaign_id = %(c)s "
            "WHERE {2} GROUP BY h.village_code ORDER BY h.village_code"
        ).format(self._t(HOUSEHOLDS), self._t(SCREENINGS), where)
        rows = self._query(statement, {**params, "c": campaign_id})
        for r in rows:
            r["persons"] = int(r["persons"] or 0)
            r["screened_persons"] = int(r["screened_persons"] or 0)
        return rows

    def unscreened(self, *, campaign_id: str, area_prefixes: list[str], limit: int) -> list[dict[str, Any]]:
        where, params = self._within("h.village_code", area_prefixes)
        statement = SQL(
            "SELECT h.household_number, h.village_code, h.head_name, h.persons, h.migrant, h.at_resettlement_site "
            "FROM {0} h WHERE {1} AND NOT EXISTS (SELECT 1 FROM {2} s WHERE s.household_number = h.household_number "
            "AND s.campaign_id = %(c)s) ORDER BY h.village_code, h.household_number LIMIT %(limit)s"
        ).format(self._t(HOUSEHOLDS), where, self._t(SCREENINGS))
        return self._query(statement, {**params, "c": campaign_id, "limit": limit})

    def not_monitored(self, *, area_prefixes: list[str], limit: int) -> list[dict[str, Any]]:
        """应纳未纳: households whose latest screening found them at risk, with no open case and no case opened
        from that screening (the case it should have opened is missing)."""
        where, params = self._within("h.village_code", area_prefixes)
        statement = SQL(
            "SELECT h.household_number, h.village_code, h.head_name, s.screening_id, s.screened_on, s.reasons, "
            "s.case_id FROM {0} h JOIN {1} s ON s.household_number = h.household_number AND s.campaign_id = %(any)s "
            "LEFT JOIN {2} o ON o.household_number = h.household_number "
            "WHERE {3} AND s.at_risk AND coalesce(cardinality(o.open_cases), 0) = 0 "
            "AND NOT EXISTS (SELECT 1 FROM {4} c WHERE c.case_id::text = s.case_id) "
            "ORDER BY s.screened_on, h.household_number LIMIT %(limit)s"
        ).format(
            self._t(HOUSEHOLDS),
            self._t(SCREENINGS),
            self._t(OPEN_CASES),
            where,
            SQL("{0}.{1}").format(Identifier(self.datastore.schema), Identifier("case_summaries")),
        )
        return self._query(statement, {**params, "any": ANY_CAMPAIGN, "limit": limit})

    def staff(self, *, area_prefixes: list[str], limit: int, offset: int) -> list[dict[str, Any]]:
        where, params = self._within("area_code", area_prefixes)
        statement = SQL(
            "SELECT staff_number, name, identity, area_code, demo FROM {0} WHERE {1} "
            "ORDER BY staff_number LIMIT %(limit)s OFFSET %(offset)s"
        ).format(self._t(STAFF), where)
        return self._query(statement, {**params, "limit": limit, "offset": offset})

    def cases_in_stage(self, *, area_prefixes: list[str], stage: str) -> list[dict[str, Any]]:
        """Cases of the case list read model in a stage within the areas (the two projections share a schema)."""
        where, params = self._within("village_code", area_prefixes)
        statement = SQL(
            "SELECT case_id::text AS case_id, household_number, village_code, status, clue_date FROM {0} "
            "WHERE {1} AND stage = %(stage)s ORDER BY clue_date, case_id"
        ).format(SQL("{0}.{1}").format(Identifier(self.datastore.schema), Identifier("case_summaries")), where)
        return self._query(statement, {**params, "stage": stage})

    def access(self, *, area_prefix: str, actor_id: str | None, target: str | None, limit: int) -> list[dict[str, Any]]:
        """Recorded reads of things inside an area (exports of a whole area included), newest first."""
        # A read of one thing lies where the thing does; an export of a whole area, where that area does.
        thing, params = areas.contains(area_prefix, Identifier("village_code"))
        area, _ = areas.contains(area_prefix, Identifier("target"))
        where: list[Composable] = [SQL("({0} OR (village_code = '' AND {1}))").format(thing, area)]
        params["limit"] = limit
        if actor_id is not None:
            where.append(SQL("actor_id = %(actor)s"))
            params["actor"] = actor_id
        if target is not None:
            where.append(SQL("target = %(target)s"))
            params["target"] = target
        statement = SQL(
            "SELECT at, actor_id, actor_name, role, actor_area, what, target, village_code, purpose, path FROM {0} "
            "WHERE {1} ORDER BY at DESC, id DESC LIMIT %(limit)s"
        ).format(self._t(ACCESS), SQL(" AND ").join(where))
        return self._query(statement, params)


class RegistryProjection(Projection[RegistryView]):
    """Folds registry events into the registry tables, one event at a time (no aggregate is rebuilt)."""

    name = "registry"  # it follows the topics it folds (set below the class; domain/readmodels/schema.py)

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)

    @process_event.register
    def _(self, e: hh.HouseholdRegistered, tracking: Tracking) -> None:
        members = e.facts["members"]
        self.view.upsert_household(
            tracking,
            {
                "household_number": e.household_number,
                "version": e.originator_version,
                "village_code": e.facts["village_code"],
                "household_type": e.facts["household_type"],
                "persons": len(members),
                "head_name": head_name(members),
                "at_resettlement_site": e.facts["at_resettlement_site"],
                "migrant": _migrant(members),
                "demo": e.demo,
                "registered_at": e.timestamp,
                "updated_at": e.timestamp,
            },
        )

    @process_event.register
    def _(self, e: hh.HouseholdChanged, tracking: Tracking) -> None:
        changes: dict[str, Any] = {"updated_at": e.timestamp}
        for key in ("village_code", "household_type", "at_resettlement_site"):
            if key in e.changes:
                changes[key] = e.changes[key]
        if "members" in e.changes:
            members = e.changes["members"]
            changes["persons"] = len(members)
            changes["head_name"] = head_name(members)
            changes["migrant"] = _migrant(members)
        self.view.change_household(tracking, e.household_number, e.originator_version, changes)

    @process_event.register
    def _(self, e: hh.HouseholdScreened, tracking: Tracking) -> None:
        s = e.screening
        self.view.record_screening(
            tracking,
            {
                "campaign_id": s["campaign_id"] or ANY_CAMPAIGN,
                "household_number": s["household_number"],
                "screening_id": s["screening_id"],
                "screened_on": s["screened_on"],
                "method": s["method"],
                "screener": s["screener"]["staff_number"],
                "persons": s["persons"],
                "at_risk": s["assessment"]["at_risk"],
                "reasons": [r["rule"] for r in s["assessment"]["reasons"]],
                "case_id": s["case_id"],
                "opens_case": s["opens_case"],
            },
        )

    @process_event.register
    def _(self, e: hh.HouseholdCaseOpened, tracking: Tracking) -> None:
        self.view.open_case(tracking, e.household_number, e.case_id)

    @process_event.register
    def _(self, e: hh.HouseholdCaseEnded, tracking: Tracking) -> None:
        self.view.end_case(tracking, e.household_number, e.case_id)

    @process_event.register
    def _(self, e: AccessRecorded, tracking: Tracking) -> None:
        self.view.insert_access(tracking, access_row(e))

    @process_event.register
    def _(self, e: CampaignStarted, tracking: Tracking) -> None:
        rows = [
            {
                "campaign_id": str(e.originator_id),
                "milestone": milestone,
                "name": e.name,
                "scope": list(e.scope),
                "starts_on": e.starts_on,
                "due_on": date.fromisoformat(due_on),
                "demo": e.demo,
            }
            for milestone, due_on in e.milestones.items()
        ]
        self.view.start_campaign(tracking, rows)

    @process_event.register
    def _(self, e: MilestonePassed, tracking: Tracking) -> None:
        self.view.pass_milestone(
            tracking, str(e.originator_id), e.milestone, e.occurred_at, missing_by_village(e.missing)
        )

    @process_event.register
    def _(self, e: hh.StaffRegistered, tracking: Tracking) -> None:
        self.view.upsert_staff(tracking, {"staff_number": e.staff_number, **_staff_columns(e.facts), "demo": e.demo})

    @process_event.register
    def _(self, e: hh.StaffChanged, tracking: Tracking) -> None:
        self.view.update_staff(tracking, e.staff_number, _staff_columns(e.changes))

    # ----- 农户自主申报 and 部门筛查预警 -----

    @process_event.register
    def _(self, e: ApplicationReceived, tracking: Tracking) -> None:
        self.view.upsert_discovery(tracking, {
            "channel": "application", "number": e.application_number, "department": "", "what": e.route,
            "village_code": e.village_code, "township_code": e.village_code[:9],
            "household_number": e.household_number, "status": "received", "received_on": e.received_on,
            "due_on": e.answer_due, "closed_on": None, "overdue_on": None, "outcome": "", "case_id": "",
            "matched": bool(e.household_number), "via": e.route, "received_at": e.occurred_at,
            "stream_id": e.originator_id, "pushed_by": "",
        })  # fmt: skip

    @process_event.register
    def _(self, e: ApplicationAnswered, tracking: Tracking) -> None:
        self.view.update_discovery(tracking, e.originator_id, {
            "status": e.status, "closed_on": e.answered_on, "outcome": e.status, "case_id": e.case_id,
        })  # fmt: skip

    @process_event.register
    def _(self, e: ApplicationOverdue, tracking: Tracking) -> None:
        self.view.update_discovery(tracking, e.originator_id, {"overdue_on": e.found_on})

    @process_event.register
    def _(self, e: AlertReceived, tracking: Tracking) -> None:
        self.view.upsert_discovery(tracking, {
            "channel": "alert", "number": e.alert_number, "department": e.department, "what": e.kind,
            "village_code": e.village_code, "township_code": e.township_code,
            "household_number": e.household_number, "status": e.status, "received_on": e.received_on,
            "due_on": e.verify_due, "closed_on": None if e.status == "pending" else e.received_on, "overdue_on": None,
            "outcome": "", "case_id": e.case_id, "matched": bool(e.household_number), "via": e.via,
            "received_at": e.occurred_at, "stream_id": e.originator_id, "pushed_by": e.actor["area_code"],
        })  # fmt: skip

    @process_event.register
    def _(self, e: AlertVerified, tracking: Tracking) -> None:
        changes = {"status": e.status, "closed_on": e.verified_on, "outcome": e.outcome, "case_id": e.case_id}
        if e.household_number:
            changes["household_number"] = e.household_number
        self.view.update_discovery(tracking, e.originator_id, changes)

    @process_event.register
    def _(self, e: AlertOverdue, tracking: Tracking) -> None:
        self.view.update_discovery(tracking, e.originator_id, {"overdue_on": e.found_on})


RegistryProjection.topics = handled_topics(RegistryProjection)


def _staff_columns(facts: Mapping[str, Any]) -> dict[str, Any]:
    return {k: facts[k] for k in ("name", "identity", "area_code") if k in facts}


def open_registry_view(env: Mapping[str, str]) -> RegistryView:
    return open_view(RegistryView, RegistryProjection.name, env)
