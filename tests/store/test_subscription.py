"""A projection's subscription to some topics (``ReadToTheEnd``): it hands on every event of its topics once, in the
log's order, however they are interleaved with others', and each pull starts where the last one ended, not after its
last event: a long stretch of other topics' events (a county's roster import, for the case list) is read once, not
again after every append."""

from __future__ import annotations

import random
import threading
import time
from typing import Any

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from domain.ledger import Ledger
from domain.readmodels.schema import ReadToTheEnd


class Followed(Aggregate):
    def __init__(self, n: int) -> None:
        self.n = n


class Other(Aggregate):
    def __init__(self, n: int) -> None:
        self.n = n


FOLLOWED = [get_topic(Followed.Created)]


def wait_for(condition: Any, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_a_stretch_of_other_topics_is_read_once_and_the_next_pull_starts_after_it(ledger: Ledger) -> None:
    start = ledger.recorder.max_notification_id() or 0
    with ledger.recorder.subscribe(gt=start, topics=FOLLOWED) as subscription:
        assert isinstance(subscription, ReadToTheEnd)
        for batch in range(3):  # three appends, three notifications, none of the followed topic
            ledger.save(*(Other(batch * 100 + i) for i in range(100)))
        end = ledger.recorder.max_notification_id()
        # With the library's subscription the position stayed at ``start``: each pull scanned the 300 events again.
        assert wait_for(lambda: subscription.position == end), (subscription.position, start, end)
        followed = Followed(1)
        ledger.save(followed)
        notification = next(subscription)
        assert notification.originator_id == followed.id and notification.id == end + 1
        assert wait_for(lambda: subscription.position == end + 1)


def test_every_followed_event_is_handed_on_once_in_order_while_others_are_written_at_once(ledger: Ledger) -> None:
    start = ledger.recorder.max_notification_id() or 0
    rng = random.Random(7)
    written: list[Followed] = []

    def writer() -> None:
        for round_ in range(60):
            batch: list[Aggregate] = [Other(round_ * 10 + i) for i in range(rng.randint(0, 20))]
            if rng.random() < 0.5:
                mine = Followed(round_)
                written.append(mine)
                batch.insert(rng.randint(0, len(batch)), mine)
            ledger.save(*batch)

    with ledger.recorder.subscribe(gt=start, topics=FOLLOWED) as subscription:
        writers = [threading.Thread(target=writer) for _ in range(2)]
        for w in writers:
            w.start()
        for w in writers:
            w.join()
        received = [next(subscription) for _ in range(len(written))]
        stored = [
            n.id
            for n in ledger.recorder.select_notifications(start + 1, 10_000, topics=FOLLOWED)
            if n.originator_id in {f.id for f in written}
        ]
    assert [n.id for n in received] == stored  # the log's order, each once
    assert {n.originator_id for n in received} == {f.id for f in written}
    assert len(received) == len(written) > 0
