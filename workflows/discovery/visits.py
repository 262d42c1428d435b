"""走访清单's use case: gather a cadre's visit tasks for a day or a week from the read models (campaigns' unscreened
households, cases whose next step is at the door, alerts waiting for verification) and make one stop per household
(``domain.discovery.visits``)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from domain.cases.values import DeadlineKind, Status
from domain.discovery.visits import Task, VisitTask, visit_list
from domain.kernel.actors import Actor, Role
from domain.kernel.envelope import Envelope
from domain.kernel.time import day_of_deadline, end_of_day
from domain.ledger import Ledger
from domain.readmodels.cases import CaseSummaryView
from domain.readmodels.registry import RegistryView
from domain.registry.rules import head_name

MOST = 2000  # tasks of each kind on one list: a village's, a township's week
# The case's next step at the door, by its status; and the deadlines that take the cadre there when they fall due.
AT_THE_DOOR = {Status.CLUE_REPORTED.value: VisitTask.HOUSEHOLD_VISIT,
               Status.ELIMINATION_PROPOSED.value: VisitTask.ELIMINATION_VISIT}  # fmt: skip
DUE_AT_THE_DOOR = {DeadlineKind.LOOK_BACK.value: VisitTask.LOOK_BACK,
                   DeadlineKind.ASSISTANCE_PLAN.value: VisitTask.ASSISTANCE,
                   DeadlineKind.MEASURES.value: VisitTask.ASSISTANCE,
                   DeadlineKind.MEASURES_FROM_CLUE.value: VisitTask.ASSISTANCE}  # fmt: skip


class VisitListService:
    def __init__(self, ledger: Ledger, view: RegistryView, summaries: CaseSummaryView) -> None:
        self.ledger, self.view, self.summaries = ledger, view, summaries

    def visit_list(self, actor: Actor, area: str, start: date, days: int, today: date) -> dict[str, Any]:
        """Every household ``actor`` must visit in ``area`` from ``start`` for ``days`` days (what falls due by the
        last day, and what is overdue): a 帮扶责任人's own cases only."""
        last = start + timedelta(days=days - 1)
        own = actor.id if actor.role is Role.RESPONSIBLE_PERSON else None
        tasks: list[Task] = []
        if own is None:
            tasks += self._screenings(area, last)
            tasks += self._alerts(area)
        for row in self.summaries.visit_cases(
            area_prefix=area, statuses=list(AT_THE_DOOR), kinds_due=list(DUE_AT_THE_DOOR), before=end_of_day(last),
            responsible_user=own, limit=MOST,
        ):  # fmt: skip
            kind = AT_THE_DOOR.get(row["status"]) or DUE_AT_THE_DOOR[row["next_deadline_kind"]]
            due = day_of_deadline(row["next_deadline"]) if row["next_deadline"] else None
            tasks.append(Task(kind, row["household_number"], row["village_code"], str(row["case_id"]), due))
        places = {n: self._place(n) for n in {t.household_number for t in tasks}}
        stops = visit_list(tasks, places, today)
        return {"area_code": area, "from": start.isoformat(), "to": last.isoformat(), "households": len(stops),
                "tasks": len(tasks), "stops": stops}  # fmt: skip

    def tasks_of(self, household_number: str, village_code: str, today: date) -> list[Task]:
        """Every task that waits at one household's door today: those of its weekly list (a visit serves them all;
        a look-back months away is not one yet)."""
        tasks = self._screenings(village_code, today) + self._alerts(village_code)
        for row in self.summaries.visit_cases(
            area_prefix=village_code, statuses=list(AT_THE_DOOR), kinds_due=list(DUE_AT_THE_DOOR),
            before=end_of_day(today + timedelta(days=6)), responsible_user=None, limit=MOST,
        ):  # fmt: skip
            if row["household_number"] == household_number:
                kind = AT_THE_DOOR.get(row["status"]) or DUE_AT_THE_DOOR[row["next_deadline_kind"]]
                tasks.append(Task(kind, household_number, village_code, str(row["case_id"]), None))
        return [t for t in tasks if t.household_number == household_number]

    def planned(self, actor: Actor, command_id: str) -> tuple[dict[str, Any], list[Task]] | None:
        """The visit this command planned (its record, and its tasks as planned), if any."""
        visit = self.ledger.visits.find(actor, command_id)
        if visit is None:
            return None
        facts = visit.facts
        tasks = [Task(VisitTask(t["kind"]), facts["household_number"], facts["village_code"], t["ref"], None)
                 for t in facts["tasks"]]  # fmt: skip
        return visit.view(), tasks

    def plan(self, envelope: Envelope, tasks: list[Task], **fields: Any) -> None:
        self.ledger.visits.plan(envelope, tasks=[{"kind": t.kind.value, "ref": t.ref} for t in tasks], **fields)

    def complete(self, envelope: Envelope, served: list[dict[str, str]], left: list[dict[str, str]]
                 ) -> dict[str, Any]:  # fmt: skip
        visit = self.ledger.visits.find(envelope.actor, envelope.command_id)
        assert visit is not None, "a visit is planned before it is completed"
        return self.ledger.visits.complete(visit, served=served, left=left, now=envelope.now)

    def _screenings(self, area: str, last: date) -> list[Task]:
        """The unscreened households of every campaign over the area whose screening is under way by ``last``."""
        out: list[Task] = []
        for m in self.view.milestones(area_prefix=area, due_before=date.max, due_from=date.min):
            if m["milestone"] != "screening_done" or m["passed_at"] is not None or m["starts_on"] > last:
                continue
            for h in self.view.unscreened(campaign_id=m["campaign_id"], area_prefixes=[area], limit=MOST):
                out.append(Task(VisitTask.SCREENING, h["household_number"], h["village_code"], m["campaign_id"],
                                m["due_on"], m["name"]))  # fmt: skip
        return out

    def _alerts(self, area: str) -> list[Task]:
        rows = self.view.discovery(channel="alert", area_prefix=area, status="pending", limit=MOST)
        # an alert on a person the registry does not hold is a stop of its own, under its number
        return [Task(VisitTask.ALERT, r["household_number"] or r["number"], r["village_code"], r["number"],
                     r["due_on"]) for r in rows]  # fmt: skip

    def _place(self, number: str) -> tuple[str, str]:
        """(address, head's name) of a registered household; ("", "") for one not registered."""
        household = self.ledger.registry.find_household(number)
        if household is None:
            return "", ""
        return str(household.get("address", "")), head_name(household["members"])
