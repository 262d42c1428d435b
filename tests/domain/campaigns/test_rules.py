"""The rules of the screening campaign (domain/campaigns/rules.py): the seed plan's three milestones (§三: 全面排查
by 3月10日, 履行程序 by 3月25日, 定期调度 by 3月30日), what a valid campaign is, and which villages it covers."""

from __future__ import annotations

from datetime import date

import pytest

from domain.campaigns.rules import (
    MAX_SCOPE,
    SEED_MILESTONES,
    campaign_problems,
    default_milestones,
    in_scope,
    seed_milestones,
)
from domain.campaigns.values import Milestone
from domain.kernel.areas import DEFAULT_AREAS, Area, AreaLevel, AreaTree
from tests.domain.registry_support import rules
from tests.domain.support import (
    COUNTY_CODE,
    OTHER_VILLAGE_CODE,
    RESETTLEMENT_SITE_CODE,
    TOWNSHIP_CODE,
    VILLAGE_CODE,
)

START = date(2026, 2, 15)


def problems(
    *,
    name: str = "防止返贫监测帮扶全面排查“百日攻坚”春季行动",
    scope: list[str] | None = None,
    starts_on: date = START,
    milestones: dict[Milestone, date] | None = None,
    areas: AreaTree = DEFAULT_AREAS,
) -> list[tuple[str, str]]:
    return rules(
        campaign_problems(
            name=name,
            scope=[TOWNSHIP_CODE] if scope is None else scope,
            starts_on=starts_on,
            milestones=seed_milestones(2026) if milestones is None else milestones,
            areas=areas,
        )
    )


# --- the seed's milestones ----------------------------------------------------------------------------------------


def test_the_seed_milestones_are_march_10_25_and_30() -> None:
    assert seed_milestones(2023) == {
        Milestone.SCREENING_DONE: date(2023, 3, 10),
        Milestone.PROCEDURES_DONE: date(2023, 3, 25),
        Milestone.SUMMARY_DONE: date(2023, 3, 30),
    }


@pytest.mark.parametrize("year", [2023, 2024, 2026, 2030])
def test_the_seed_milestones_fall_in_the_campaign_year_in_order(year: int) -> None:
    ms = seed_milestones(year)

    assert list(ms) == list(Milestone)
    assert [d.year for d in ms.values()] == [year] * 3
    assert list(ms.values()) == sorted(ms.values())


def test_the_seed_table_names_every_milestone() -> None:
    assert set(SEED_MILESTONES) == set(Milestone)


def test_the_seed_milestones_make_a_valid_campaign() -> None:
    assert problems() == []


# --- name ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["", "   ", "行" * 101])
def test_a_campaign_needs_a_name_of_at_most_100_characters(name: str) -> None:
    assert problems(name=name) == [("name", "required")]


def test_a_name_of_100_characters_is_accepted() -> None:
    assert problems(name="行" * 100) == []


# --- scope --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scope",
    [
        [TOWNSHIP_CODE],
        [COUNTY_CODE],
        [VILLAGE_CODE],
        [VILLAGE_CODE, OTHER_VILLAGE_CODE, RESETTLEMENT_SITE_CODE],
    ],
    ids=["township", "county", "village", "villages"],
)
def test_a_scope_of_known_areas_is_accepted(scope: list[str]) -> None:
    assert problems(scope=scope) == []


def test_a_scope_is_required() -> None:
    assert problems(scope=[]) == [("scope", "required")]


def test_a_scope_lists_at_most_200_areas() -> None:
    villages = [Area(f"{TOWNSHIP_CODE}{i:03d}", f"村{i}", AreaLevel.VILLAGE) for i in range(1, MAX_SCOPE + 2)]
    big = AreaTree(
        [Area(COUNTY_CODE, "县", AreaLevel.COUNTY), Area(TOWNSHIP_CODE, "乡", AreaLevel.TOWNSHIP), *villages]
    )
    codes = [v.code for v in villages]

    assert MAX_SCOPE == 200
    assert problems(scope=codes[:200], areas=big) == []
    assert problems(scope=codes[:201], areas=big) == [("scope", "required")]


@pytest.mark.parametrize("code", ["990102101099", "990102102", "990103", "", "abc"])
def test_an_unknown_area_in_the_scope_is_refused(code: str) -> None:
    assert problems(scope=[VILLAGE_CODE, code]) == [("scope", "known_area")]


def test_a_county_is_a_scope_on_its_own_not_combined_with_other_areas() -> None:
    assert problems(scope=[COUNTY_CODE]) == []
    assert problems(scope=[COUNTY_CODE, VILLAGE_CODE]) == [("scope", "known_area")]


def test_areas_inside_one_another_are_refused() -> None:
    # A township with one of its own villages would count that village twice and escalate the township to itself.
    assert problems(scope=[VILLAGE_CODE[:9], VILLAGE_CODE]) == [("scope", "no_overlap")]


def test_a_milestone_already_past_is_refused() -> None:
    start = date(2026, 3, 1)
    past = campaign_problems(
        name="行动", scope=[VILLAGE_CODE], starts_on=start, milestones=seed_milestones(2026), areas=DEFAULT_AREAS,
        today=date(2026, 3, 11),
    )  # fmt: skip
    assert [(f, r) for f, r, _ in past] == [("milestones", "not_past")]
    on_time = campaign_problems(
        name="行动", scope=[VILLAGE_CODE], starts_on=start, milestones=seed_milestones(2026), areas=DEFAULT_AREAS,
        today=date(2026, 3, 10),
    )  # fmt: skip
    assert on_time == []


def test_an_area_listed_twice_is_refused() -> None:
    assert problems(scope=[VILLAGE_CODE, VILLAGE_CODE]) == [("scope", "unique")]


# --- milestones ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("missing", list(Milestone))
def test_every_milestone_is_required(missing: Milestone) -> None:
    ms = {m: d for m, d in seed_milestones(2026).items() if m is not missing}

    found = campaign_problems(name="行动", scope=[TOWNSHIP_CODE], starts_on=START, milestones=ms, areas=DEFAULT_AREAS)

    assert rules(found) == [("milestones", "required")]
    assert missing.value in found[0][2]


def test_the_screening_milestone_is_not_before_the_start() -> None:
    assert problems(starts_on=date(2026, 3, 10)) == []
    assert problems(starts_on=date(2026, 3, 11)) == [("milestones", "after_start")]


@pytest.mark.parametrize(
    "dates",
    [
        (date(2026, 3, 25), date(2026, 3, 10), date(2026, 3, 30)),
        (date(2026, 3, 10), date(2026, 3, 30), date(2026, 3, 25)),
        (date(2026, 3, 30), date(2026, 3, 25), date(2026, 3, 10)),
    ],
)
def test_milestones_out_of_the_seeds_order_are_refused(dates: tuple[date, date, date]) -> None:
    ms = dict(zip(Milestone, dates, strict=True))

    assert problems(milestones=ms) == [("milestones", "order")]


def test_milestones_may_fall_on_the_same_day() -> None:
    day = date(2026, 3, 20)

    assert problems(milestones=dict.fromkeys(Milestone, day)) == []


def test_a_campaign_may_set_its_own_dates() -> None:
    ms = {
        Milestone.SCREENING_DONE: date(2026, 4, 30),
        Milestone.PROCEDURES_DONE: date(2026, 5, 20),
        Milestone.SUMMARY_DONE: date(2026, 6, 1),
    }

    assert problems(starts_on=date(2026, 4, 1), milestones=ms) == []


def test_every_problem_is_reported_at_once() -> None:
    ms = {
        Milestone.SCREENING_DONE: date(2026, 3, 25),
        Milestone.PROCEDURES_DONE: date(2026, 3, 10),
        Milestone.SUMMARY_DONE: date(2026, 3, 30),
    }

    found = problems(name="", scope=["990199", "990199"], starts_on=date(2026, 3, 26), milestones=ms)

    assert found == [
        ("name", "required"),
        ("scope", "known_area"),
        ("scope", "known_area"),
        ("scope", "unique"),
        ("milestones", "after_start"),
        ("milestones", "order"),
    ]


# --- scope membership ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("village", "scope", "inside"),
    [
        (VILLAGE_CODE, [TOWNSHIP_CODE], True),
        (VILLAGE_CODE, [COUNTY_CODE], True),
        (VILLAGE_CODE, [VILLAGE_CODE], True),
        (RESETTLEMENT_SITE_CODE, [TOWNSHIP_CODE], True),
        (VILLAGE_CODE, [OTHER_VILLAGE_CODE], False),
        (VILLAGE_CODE, [OTHER_VILLAGE_CODE, VILLAGE_CODE], True),
        (VILLAGE_CODE, ["990102102"], False),
        (VILLAGE_CODE, ["990103"], False),
        (VILLAGE_CODE, [], False),
    ],
)
def test_a_village_is_in_scope_when_an_area_of_the_scope_contains_it(
    village: str, scope: list[str], inside: bool
) -> None:
    assert in_scope(village, scope) is inside


@pytest.mark.parametrize(
    ("starts_on", "year"),
    [(date(2023, 2, 20), 2023), (date(2023, 3, 10), 2023), (date(2023, 3, 11), 2024), (date(2026, 11, 28), 2027)],
)
def test_default_milestones_are_the_seeds_of_the_first_spring_from_the_start(starts_on: date, year: int) -> None:
    assert default_milestones(starts_on) == {
        Milestone.SCREENING_DONE: date(year, 3, 10),
        Milestone.PROCEDURES_DONE: date(year, 3, 25),
        Milestone.SUMMARY_DONE: date(year, 3, 30),
    }


def test_what_a_milestone_found_missing_is_counted_per_village() -> None:
    from domain.campaigns.campaign import missing_by_village

    missing = {
        "as_of": "2023-03-10",
        "unscreened": {"households": 3, "by_village_count": {"V1": 2, "V2": 1}, "by_village": {}},
        "look_backs_not_done": [{"case_id": "c1", "village_code": "V2"}],
        "cases_in_identification": [{"case_id": "c2", "village_code": "V3"}],
        "not_monitored": [{"household_number": "H1", "village_code": "V1"}],
    }
    assert missing_by_village(missing) == {"V1": 3, "V2": 2, "V3": 1}
    assert missing_by_village({"as_of": "2023-03-25", "unscreened": {"by_village_count": {"V1": 0}}}) == {}


def test_the_screening_phase_runs_from_the_campaign_s_start_to_its_milestone() -> None:
    from datetime import date

    from domain.campaigns.rules import screening_running

    rows = [
        {"milestone": "procedures_done", "starts_on": date(2023, 3, 1), "due_on": date(2023, 3, 25)},
        {"milestone": "screening_done", "starts_on": date(2023, 3, 1), "due_on": date(2023, 3, 10)},
    ]
    assert screening_running(rows, date(2023, 2, 28)) is None  # not started
    assert screening_running(rows, date(2023, 3, 1)) == rows[1]
    assert screening_running(rows, date(2023, 3, 10)) == rows[1]  # its last day
    assert screening_running(rows, date(2023, 3, 11)) is None  # the procedures follow: no screening counts for it


def test_a_village_is_behind_when_fewer_households_are_screened_than_the_share_of_the_phase_gone_by() -> None:
    from domain.campaigns.rules import behind_pace

    start, due = date(2027, 2, 1), date(2027, 2, 10)  # ten days, both included
    assert not behind_pace(screened=0, households=10, starts_on=start, due_on=due, today=date(2027, 1, 31))
    # day 1 of 10: a tenth is due
    assert behind_pace(screened=0, households=10, starts_on=start, due_on=due, today=start)
    assert not behind_pace(screened=1, households=10, starts_on=start, due_on=due, today=start)
    # day 5 of 10: half
    assert behind_pace(screened=4, households=10, starts_on=start, due_on=due, today=date(2027, 2, 5))
    assert not behind_pace(screened=5, households=10, starts_on=start, due_on=due, today=date(2027, 2, 5))
    # the milestone's day and after: all of them
    assert behind_pace(screened=9, households=10, starts_on=start, due_on=due, today=due)
    assert behind_pace(screened=9, households=10, starts_on=start, due_on=due, today=date(2027, 3, 1))
    assert not behind_pace(screened=10, households=10, starts_on=start, due_on=due, today=date(2027, 3, 1))
    assert not behind_pace(screened=0, households=0, starts_on=start, due_on=due, today=due)
