"""The event store's own save and insert paths (``EventStore.save``, ``ColumnArrays``) store what the library's
would: a save's events in the order its aggregates were given, under consecutive notification ids, read back whole."""

from __future__ import annotations

from eventsourcing.domain import Aggregate, event

from domain.ledger import Ledger
from domain.readmodels.schema import ColumnArrays


class Note(Aggregate):
    def __init__(self, text: str) -> None:
        self.text = text

    @event("Edited")
    def edit(self, text: str) -> None:
        self.text = text


def test_a_save_stores_its_aggregates_events_in_order_through_the_column_arrays(ledger: Ledger) -> None:
    assert isinstance(ledger.recorder, ColumnArrays)  # the store's own insert, not the library's composite one
    first, second, third = Note("一"), Note("二"), Note("三")
    second.edit("二改")
    recordings = ledger.save(first, second, third)
    ids = [r.notification.id for r in recordings]
    assert [r.domain_event.originator_id for r in recordings] == [first.id, second.id, second.id, third.id]
    assert ids == list(range(ids[0], ids[0] + 4))  # consecutive: the log has no gap
    stored = ledger.recorder.select_notifications(ids[0], 4)
    assert [n.originator_id for n in stored] == [first.id, second.id, second.id, third.id]
    assert [n.originator_version for n in stored] == [1, 1, 2, 1]
    assert ledger.repository.get(second.id).text == "二改"
    assert ledger.save(None) == [] and ledger.recorder.max_notification_id() == ids[-1]
