"""走访清单 (seed plan §四(三): 避免重复进村入户): every task at one household's door is one stop, stops ordered by
village and natural village, each task saying what to bring and ask."""

from __future__ import annotations

from datetime import date

from domain.discovery.visits import BRING_AND_ASK, FLAG_GUARANTEES, Task, VisitTask, unmet_guarantees, visit_list
from domain.registry.values import Guarantee

TODAY = date(2026, 3, 10)
V1, V2 = "990102101001", "990102101002"


def test_tasks_at_one_door_are_one_stop_ordered_by_village_and_natural_village() -> None:
    tasks = [
        Task(VisitTask.ALERT, "HH-3", V2, "YJ1", date(2026, 3, 12)),
        Task(VisitTask.HOUSEHOLD_VISIT, "HH-1", V1, "case-1", date(2026, 3, 9)),
        Task(VisitTask.SCREENING, "HH-1", V1, "camp", date(2026, 3, 15), "百日攻坚"),
        Task(VisitTask.SCREENING, "HH-1", V1, "camp", date(2026, 3, 15), "百日攻坚"),  # the same task twice: once
        Task(VisitTask.SCREENING, "HH-2", V1, "camp", date(2026, 3, 15)),
    ]
    places = {"HH-1": ("五组8号", "刘大山"), "HH-2": ("二组3号", "王秀兰"), "HH-3": ("一组1号", "张三")}
    stops = visit_list(tasks, places, TODAY)
    assert [s["household_number"] for s in stops] == ["HH-2", "HH-1", "HH-3"]  # 二组 before 五组, then the next village
    first = stops[1]
    assert [t["kind"] for t in first["tasks"]] == ["screening", "household_visit"]  # in the list's order of kinds
    assert (first["due_on"], first["overdue"], first["head_name"]) == ("2026-03-09", True, "刘大山")
    assert stops[0]["overdue"] is False


def test_every_kind_of_task_says_what_to_bring_and_what_to_ask() -> None:
    assert set(BRING_AND_ASK) == set(VisitTask)
    assert all(bring and ask for bring, ask in BRING_AND_ASK.values())
    assert "承诺授权书" in BRING_AND_ASK[VisitTask.HOUSEHOLD_VISIT][0]  # domain.md §4.2 step 1
    assert "不少于2人" in BRING_AND_ASK[VisitTask.ELIMINATION_VISIT][0]  # domain.md §7 step 2


def test_a_visits_flags_become_the_guarantees_the_household_visit_records_unmet() -> None:
    assert set(FLAG_GUARANTEES.values()) == {g.value for g in Guarantee}  # 三保障 and drinking water, each once
    assert unmet_guarantees({"housing_unsafe": True, "water_unsafe": False, "member_uninsured": True}) == [
        "medical",
        "housing",
    ]
