"""走访清单: one list of the households a cadre must visit in a day or a week, joining every task that takes them to
the door (campaign screening, the identification's household visit, a department alert's verification, the
elimination visit, the look-back, the assistance plan and measures), so that one visit serves all of them.

Source: the seed plan §四(三) asks the villages to pack the work that needs a visit into one
(把需要进村入户开展的工作任务整合打包、统一部署、集中开展，避免重复进村入户). What to bring and ask for each task
follows the steps it serves: the screening/verification form 《防止返贫动态监测排查/核查表》 and the authorisation
《承诺授权书》 (domain.md §4.2 step 1), the elimination visit's three forms (domain.md §7 step 2), the look-back's
"稳定半年以上" (seed §二(三))."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.kernel.actors import Actor
from domain.kernel.chain import ChainedAggregate, ChainedCreated, ChainedEvent
from domain.kernel.envelope import Envelope
from domain.kernel.labels import Labelled
from domain.kernel.permissions import check_may_register
from domain.kernel.store import CommandSet
from domain.kernel.topics import stored_as


class VisitTask(Labelled):
    """Why a household is on a cadre's visit list."""

    SCREENING = "screening", "集中排查"
    HOUSEHOLD_VISIT = "household_visit", "识别入户核实"
    ALERT = "alert", "部门预警核实"
    ELIMINATION_VISIT = "elimination_visit", "风险消除入户核实"
    LOOK_BACK = "look_back", "风险消除回头看"
    ASSISTANCE = "assistance", "制定帮扶计划、落实帮扶措施"


# What to bring and what to ask for, per task (the sources above).
BRING_AND_ASK: dict[VisitTask, tuple[str, str]] = {
    VisitTask.SCREENING: (
        "《防止返贫动态监测排查/核查表》",
        "近12个月各项收入和生产经营支出；三保障和饮水安全；医疗、教育等刚性支出；有无突发困难",
    ),
    VisitTask.HOUSEHOLD_VISIT: (
        "《防止返贫动态监测排查/核查表》、《承诺授权书》",
        "核实收支、三保障和饮水、风险；农户愿意申请的，请其签署承诺授权书，拒签的记下理由",
    ),
    VisitTask.ALERT: (
        "部门预警信息（预警编号）",
        "核实部门推送的情况是否属实、对家庭生活的影响，留存核实依据（票据、证明、照片）",
    ),
    VisitTask.ELIMINATION_VISIT: (
        "风险消除三张表（家庭基本信息、帮扶措施、风险消除评估），不少于2人同行",
        "收入是否稳定超过监测范围、风险是否已消除，请农户认可签字",
    ),
    VisitTask.LOOK_BACK: (
        "《防止返贫动态监测排查/核查表》",
        "风险消除后是否稳定半年以上：收入、三保障和饮水、有无新的风险",
    ),
    VisitTask.ASSISTANCE: (
        "帮扶计划表、帮扶措施台账",
        "与农户商定帮扶计划，落实针对性帮扶措施（产业、就业、综合保障等）",
    ),
}


@dataclass(frozen=True)
class Task:
    """One reason to visit a household: its kind, what it refers to (a campaign, a case, an alert), and its day."""

    kind: VisitTask
    household_number: str
    village_code: str
    ref: str
    due_on: date | None
    label: str = ""  # e.g. the campaign's name


@dataclass
class Stop:
    """One household on the list, with every task that takes the cadre there."""

    household_number: str
    village_code: str
    address: str
    head_name: str
    tasks: list[Task] = field(default_factory=list)

    def as_dict(self, today: date) -> dict[str, Any]:
        due = [t.due_on for t in self.tasks if t.due_on is not None]
        return {
            "household_number": self.household_number, "village_code": self.village_code, "address": self.address,
            "head_name": self.head_name, "due_on": min(due).isoformat() if due else None,
            "overdue": bool(due) and min(due) < today,
            "tasks": [
                {"kind": t.kind.value, "label": t.kind.label, "ref": t.ref, "detail": t.label,
                 "due_on": t.due_on.isoformat() if t.due_on else None, "bring": BRING_AND_ASK[t.kind][0],
                 "ask": BRING_AND_ASK[t.kind][1]}
                for t in sorted(self.tasks, key=lambda t: list(VisitTask).index(t.kind))
            ],
        }  # fmt: skip


def visit_list(tasks: list[Task], places: dict[str, tuple[str, str]], today: date) -> list[dict[str, Any]]:
    """One stop per household, ordered by village and natural village (the address, which the roster writes from
    the natural village or group down: 三组12号), then household number. ``places``: household → (address, head)."""
    stops: dict[str, Stop] = {}
    for task in tasks:
        address, head = places.get(task.household_number, ("", ""))
        stop = stops.setdefault(task.household_number, Stop(task.household_number, task.village_code, address, head))
        if not any(t.kind is task.kind and t.ref == task.ref for t in stop.tasks):
            stop.tasks.append(task)
    ordered = sorted(stops.values(), key=lambda s: (s.village_code, s.address, s.household_number))
    return [s.as_dict(today) for s in ordered]


# ----- the visit's record ---------------------------------------------------------------------------------------

_NAMESPACE = uuid5(NAMESPACE_URL, "https://dixian.example/visits")


def visit_id(actor_id: str, command_id: str) -> UUID:
    return uuid5(_NAMESPACE, f"{actor_id}:{command_id}")


@stored_as("domain.discovery:VisitPlanned")
class VisitPlanned(ChainedCreated):
    """A visit to a household, recorded before anything is done for it, with the tasks it will serve: the plan a
    retried request carries out again (the read models move on as each task is done, the plan does not)."""

    household_number: str
    village_code: str
    visited_on: date
    method: str
    screener: str
    visitors: list[str]
    tasks: list[dict[str, str]]  # kind, ref
    actor: dict[str, str]
    command_id: str
    occurred_at: datetime

    def apply(self, visit: VisitRecord) -> None:
        visit.facts = {
            "household_number": self.household_number, "village_code": self.village_code,
            "visited_on": self.visited_on, "method": self.method, "screener": self.screener,
            "visitors": list(self.visitors), "tasks": [dict(t) for t in self.tasks], "by": dict(self.actor),
        }  # fmt: skip
        visit.done = None


@stored_as("domain.discovery:VisitRecorded")
class VisitRecorded(ChainedEvent):
    """Every task the visit served, each with what it recorded (a screening, a case's step, an alert's
    verification), and those it could not serve (they need their own forms). The findings themselves are in the
    records it made, not repeated here."""

    served: list[dict[str, str]]  # kind, ref, result
    left: list[dict[str, str]]  # kind, ref: still to be done in the case
    occurred_at: datetime

    def apply(self, visit: VisitRecord) -> None:
        visit.done = {"served": [dict(s) for s in self.served], "left": [dict(s) for s in self.left]}


@stored_as("domain.discovery:VisitRecord")
class VisitRecord(ChainedAggregate):
    facts: dict[str, Any]
    done: dict[str, Any] | None

    def __init__(self) -> None:
        """State is set by ``VisitPlanned.apply``."""

    def view(self) -> dict[str, Any]:
        return {"visit_id": str(self.id), **_iso(self.facts), "recorded": self.done is not None,
                **(self.done or {"served": [], "left": []})}  # fmt: skip


class VisitCommands(CommandSet):
    def find(self, actor: Actor, command_id: str) -> VisitRecord | None:
        """The visit this command recorded or planned, if any."""
        return self.store.find(VisitRecord, visit_id(actor.id, command_id))

    def plan(self, envelope: Envelope, **fields: Any) -> VisitRecord:
        """Record the visit and the tasks it will serve, once per command (the same command again: the plan as
        it was)."""
        actor = envelope.actor
        visit = self.find(actor, envelope.command_id)
        if visit is None:
            check_may_register(actor, fields["village_code"])
            visit = VisitRecord._create(VisitPlanned, id=visit_id(actor.id, envelope.command_id),
                                        actor=actor.as_dict(), command_id=envelope.command_id,
                                        occurred_at=envelope.now, **fields)  # fmt: skip
            self.store.save_all(visit, field="household_number")
        return visit

    def complete(self, visit: VisitRecord, *, served: list[dict[str, str]], left: list[dict[str, str]],
                 now: datetime) -> dict[str, Any]:  # fmt: skip
        """What the visit served, once (a retry that finds it recorded answers it as it was)."""
        if visit.done is None:
            visit.trigger_event(VisitRecorded, served=served, left=left, occurred_at=now)
            self.store.save_all(visit, field="household_number")
        return visit.view()


def _iso(facts: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in facts.items()}


# The 三保障 and drinking water a screening's flags find not secured (seed plan §二(一): "三保障"和饮水安全), as the
# household visit records them (unmet_guarantees).
FLAG_GUARANTEES = {
    "child_out_of_school": "education",
    "member_uninsured": "medical",
    "housing_unsafe": "housing",
    "water_unsafe": "drinking_water",
}


def unmet_guarantees(findings: dict[str, Any]) -> list[str]:
    """The guarantees a visit's findings (a screening's, as ``ScreeningFindings.as_dict`` gives them) find unmet."""
    return [guarantee for flag, guarantee in FLAG_GUARANTEES.items() if findings.get(flag)]
