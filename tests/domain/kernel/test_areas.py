"""The configured administrative tree (domain/kernel/areas.py): the seed township's villages and resettlement site."""

from __future__ import annotations

import pytest

from domain.kernel.areas import CODE_LENGTH, DEFAULT_AREAS, Area, AreaLevel, AreaTree, level_of, up_to

TOWNSHIP = "990102101"


def test_the_seed_township_has_fifteen_villages_and_one_resettlement_site() -> None:
    # 全乡15个行政村和易地搬迁集中安置点 (seed plan §一).
    villages = [a for a in DEFAULT_AREAS.villages() if a.parent_code == TOWNSHIP]

    assert len([a for a in villages if not a.resettlement_site]) == 15
    assert [a.code for a in villages if a.resettlement_site] == ["990102101201"]
    assert len({a.name for a in villages}) == 16


def test_the_default_tree_is_one_county_with_one_township() -> None:
    levels = [a.level for a in DEFAULT_AREAS.all()]

    assert levels.count(AreaLevel.COUNTY) == 1
    assert levels.count(AreaLevel.TOWNSHIP) == 1
    assert DEFAULT_AREAS.get(TOWNSHIP).name == "玉坪乡"
    assert (DEFAULT_AREAS.county().code, DEFAULT_AREAS.county().name) == ("990102", "示范县")


@pytest.mark.parametrize(
    ("code", "level", "expected"),
    [
        ("990102101001", AreaLevel.TOWNSHIP, TOWNSHIP),  # a village's township
        ("990102101001", AreaLevel.COUNTY, "990102"),
        ("990102101001", AreaLevel.VILLAGE, "990102101001"),
        (TOWNSHIP, AreaLevel.TOWNSHIP, TOWNSHIP),
        ("990102", AreaLevel.TOWNSHIP, "990102"),  # a county lies in no township: itself
    ],
)
def test_up_to_names_the_area_of_a_level_a_code_lies_in(code: str, level: AreaLevel, expected: str) -> None:
    assert up_to(code, level) == expected


@pytest.mark.parametrize("area", DEFAULT_AREAS.all(), ids=lambda a: a.code)
def test_every_code_nests_in_its_parent(area: Area) -> None:
    assert level_of(area.code) is area.level
    assert len(area.code) == CODE_LENGTH[area.level]
    if area.parent_code is not None:
        parent = DEFAULT_AREAS.get(area.parent_code)
        assert parent is not None
        assert area.code.startswith(parent.code)
        assert len(parent.code) < len(area.code)


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("990102", AreaLevel.COUNTY),
        ("990102101", AreaLevel.TOWNSHIP),
        ("990102101001", AreaLevel.VILLAGE),
        ("99010210", None),
        ("9901021010011", None),
        ("99010210100A", None),
        ("", None),
    ],
)
def test_the_length_of_a_code_gives_its_level(code: str, level: AreaLevel | None) -> None:
    assert level_of(code) is level


def test_a_tree_refuses_a_village_without_its_township() -> None:
    with pytest.raises(ValueError, match="no parent"):
        AreaTree([Area("990102", "县", AreaLevel.COUNTY), Area("990102101001", "村", AreaLevel.VILLAGE)])


def test_a_tree_refuses_a_code_of_the_wrong_length_for_its_level() -> None:
    with pytest.raises(ValueError, match="does not match level"):
        AreaTree([Area("990102101", "县", AreaLevel.COUNTY)])


def test_an_unknown_code_is_not_in_the_tree() -> None:
    assert DEFAULT_AREAS.get("990102101099") is None
