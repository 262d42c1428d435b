"""Each projection subscribes to the topics of the events it folds, and to no fewer: an event class missing from its
topics would never reach it (the store filters by topic), so its read model would silently miss those events."""

from __future__ import annotations

import importlib
import pkgutil

import domain
from domain.cases import events
from domain.readmodels.cases import CaseSummaryProjection
from domain.readmodels.registry import RegistryProjection
from domain.readmodels.reports import ReportProjection
from domain.readmodels.schema import topics_of


def every_domain_module_imported() -> None:
    for info in pkgutil.walk_packages(domain.__path__, "domain."):
        importlib.import_module(info.name)


def subclasses(cls: type) -> set[type]:
    found, todo = set(), [cls]
    while todo:
        c = todo.pop()
        found.add(c)
        todo.extend(c.__subclasses__())
    return found


def test_the_case_list_follows_every_case_event() -> None:
    every_domain_module_imported()
    expected = subclasses(events.CaseEvent) | subclasses(events.CaseOpened)
    assert set(CaseSummaryProjection.topics) == set(topics_of(*expected))
    assert {"domain.events:CaseOpened", "domain.events:HouseholdVisitRecorded"} <= set(CaseSummaryProjection.topics)


def test_registry_and_reports_follow_every_event_they_fold_and_skip_the_rest() -> None:
    every_domain_module_imported()
    for projection, also in ((RegistryProjection, ()), (ReportProjection, (events.CaseEvent,))):
        handled = [c for c in projection.__dict__["process_event"].dispatcher.registry if c is not object]
        expected = set().union(*(subclasses(c) for c in (*handled, *also)))
        assert set(projection.topics) == set(topics_of(*expected)), projection.name
        # ID-number claims are in no read model: a county's roster writes several per household.
        assert "domain.household:IdNumberClaimed" not in projection.topics
    assert "domain.household:HouseholdRegistered" in RegistryProjection.topics
    assert "domain.events:ResultAnnounced" in ReportProjection.topics
