"""Each projection subscribes to the topics of the events it folds, and to no fewer: an event class missing from its
topics would never reach it (the store filters by topic), so its read model would silently miss those events."""

from __future__ import annotations

import domain
from domain.cases import events
from domain.readmodels.cases import CaseSummaryProjection
from domain.readmodels.registry import RegistryProjection
from domain.readmodels.reports import ReportProjection
from domain.readmodels.schema import topics_of
from tests.classes import family, import_all


def test_the_case_list_follows_every_case_event() -> None:
    import_all(domain)
    expected = family(events.CaseEvent) | family(events.CaseOpened)
    assert set(CaseSummaryProjection.topics) == set(topics_of(*expected))
    assert {"domain.events:CaseOpened", "domain.events:HouseholdVisitRecorded"} <= set(CaseSummaryProjection.topics)


def test_registry_and_reports_follow_every_event_they_fold_and_skip_the_rest() -> None:
    import_all(domain)
    for projection, also in ((RegistryProjection, ()), (ReportProjection, (events.CaseEvent,))):
        handled = [c for c in projection.__dict__["process_event"].dispatcher.registry if c is not object]
        expected = set().union(*(family(c) for c in (*handled, *also)))
        assert set(projection.topics) == set(topics_of(*expected)), projection.name
        # ID-number claims are in no read model: a county's roster writes several per household.
        assert "domain.household:IdNumberClaimed" not in projection.topics
    assert "domain.household:HouseholdRegistered" in RegistryProjection.topics
    assert "domain.events:ResultAnnounced" in ReportProjection.topics
