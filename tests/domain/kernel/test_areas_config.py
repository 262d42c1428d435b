"""The administrative tree as configuration: the documented file is the default tree, and bad trees are refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from domain.kernel.areas import AREAS_ENV, DEFAULT_AREAS, AreaLevel, AreaTree
from domain.ledger import Ledger

DOCS = Path(__file__).resolve().parents[3] / "docs" / "areas-seed-township.json"


def test_the_documented_file_is_the_default_tree() -> None:
    tree = AreaTree.from_records(json.loads(DOCS.read_text(encoding="utf-8")))
    assert tree.records() == DEFAULT_AREAS.records()
    villages = tree.villages()
    assert len(villages) == 16  # the seed's 15 administrative villages and one relocation site
    assert [v.code for v in villages if v.resettlement_site] == ["990102101201"]


@pytest.mark.parametrize(
    "records",
    [
        [{"code": "99010", "name": "x"}],
        [{"code": "990102", "name": ""}],
        [{"code": "990102", "name": "县"}, {"code": "990102", "name": "县"}],
        [{"code": "990102", "name": "县"}, {"code": "990102101001", "name": "无乡之村"}],
        [{"code": "990102", "name": "县", "resettlement_site": True}],
    ],
)
def test_a_broken_tree_is_refused(records: list[dict[str, object]]) -> None:
    with pytest.raises(ValueError):
        AreaTree.from_records(records)


def test_the_ledger_reads_its_tree_from_the_environment() -> None:
    records = [
        {"code": "880101", "name": "别县"},
        {"code": "880101201", "name": "别乡"},
        {"code": "880101201005", "name": "别村"},
    ]
    ledger = Ledger({"PERSISTENCE_MODULE": "eventsourcing.popo", AREAS_ENV: json.dumps(records)})
    assert ledger.areas.village("880101201005").name == "别村"
    assert ledger.areas.get("880101").level is AreaLevel.COUNTY
    assert ledger.areas.get("990102") is None
