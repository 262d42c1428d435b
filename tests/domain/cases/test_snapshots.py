"""Snapshots change nothing: a case read through snapshots equals the case replayed from its events, at every
version (the aggregate's enumerated state survives the JSON of a snapshot)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import ClassVar

from domain.cases.case import MonitoringCase
from domain.cases.values import Stage
from domain.kernel.time import SHANGHAI
from domain.ledger import Ledger
from tests.domain.support import CaseDriver


class SnapshotEveryThird(Ledger):
    snapshotting_intervals: ClassVar = {MonitoringCase: 3}


class NoSnapshots(Ledger):
    snapshotting_intervals: ClassVar = {}


def test_views_through_snapshots_equal_views_replayed_from_events(tmp_path: Path) -> None:
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "cases.sqlite")}
    with_snapshots = SnapshotEveryThird(env)
    case = CaseDriver(with_snapshots)
    case.through("rolled_back")
    snapshots = list(with_snapshots.snapshots.get(case.case_id)) if with_snapshots.snapshots else []
    assert len(snapshots) >= 5, "the case should have been snapshotted along the way"

    replayed = NoSnapshots({**env, "IS_SNAPSHOTTING_ENABLED": "n"})
    now = datetime(2027, 6, 1, 9, tzinfo=SHANGHAI)
    last = with_snapshots.cases.view(case.case_id, now)["version"]
    for version in range(1, last + 1):
        assert with_snapshots.cases.view(case.case_id, now, version) == replayed.cases.view(
            case.case_id, now, version
        ), version
    latest: MonitoringCase = with_snapshots.repository.get(case.case_id)
    assert latest.stage is Stage.MONITORED and latest.category is not None
    with_snapshots.close()
    replayed.close()
