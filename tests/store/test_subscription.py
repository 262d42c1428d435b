"""A projection's subscription to some topics (``ReadToTheEnd``): it hands on every event of its topics once, in the
log's order, however they are interleaved with others', and each pull starts where the last one ended, not after its
last event: a long stretch of other topics' events (a county's roster import, for the case list) is read once, not
again after every append."""

from __future__ import annotations

import json
import random
import threading
import time
from typing import Any

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from domain.ledger import Ledger
from domain.readmodels.schema import ColumnArrays, ReadToTheEnd, last_position_of, pending_of
from tests.conftest import connect


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
    return bool(condition())


def test_a_stretch_of_other_topics_is_read_once_and_the_next_pull_starts_after_it(ledger: Ledger) -> None:
    start = ledger.recorder.max_notification_id() or 0
    with ledger.recorder.subscribe(gt=start, topics=FOLLOWED) as subscription:
        assert isinstance(subscription, ReadToTheEnd)
        for batch in range(3):  # three appends, three notifications, none of the followed topic
            ledger.save(*(Other(batch * 100 + i) for i in range(100)))
        end = ledger.recorder.max_notification_id() or 0
        # With the library's subscription the position stayed at ``start``: each pull scanned the 300 events again.
        assert wait_for(lambda: subscription.position == end), (subscription.position, start, end)
        followed = Followed(1)
        ledger.save(followed)
        notification = next(subscription)
        assert notification.originator_id == followed.id and notification.id == end + 1
        assert wait_for(lambda: subscription.position == end + 1)


class SmallPulls(ReadToTheEnd):
    """A pull of at most three events: a few dozen followed events take many pulls, each starting where one ended."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._select_limit = 3


@pytest.mark.parametrize("subscription_class", [ReadToTheEnd, SmallPulls], ids=["pulls-of-500", "pulls-of-3"])
def test_every_followed_event_is_handed_on_once_in_order_while_others_are_written_at_once(
    ledger: Ledger, subscription_class: type[ReadToTheEnd]
) -> None:
    start = ledger.recorder.max_notification_id() or 0
    written: list[Followed] = []

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        for round_ in range(60):
            batch: list[Aggregate] = [Other(round_ * 10 + i) for i in range(rng.randint(0, 20))]
            if rng.random() < 0.5:
                mine = Followed(round_)
                written.append(mine)
                batch.insert(rng.randint(0, len(batch)), mine)
            ledger.save(*batch)

    subscription = subscription_class(recorder=ledger.recorder, gt=start, topics=FOLLOWED)
    with subscription:
        writers = [threading.Thread(target=writer, args=(seed,)) for seed in (7, 8)]
        for w in writers:
            w.start()
        for w in writers:
            w.join()
        # An event skipped would leave the reader waiting: stop the subscription after a while, so that it fails.
        timer = threading.Timer(20, subscription.stop)
        timer.start()
        try:
            received = [next(subscription) for _ in range(len(written))]
        finally:
            timer.cancel()
        stored = [n.id for n in ledger.recorder.select_notifications(start + 1, 10_000, topics=FOLLOWED)]
    assert [n.id for n in received] == stored  # the log's order, each once
    assert {n.originator_id for n in received} == {f.id for f in written}
    assert len(received) == len(written) > 3


def test_a_read_models_lag_is_counted_from_its_own_topics_rows_not_by_walking_the_log(
    ledger: Ledger, es_env: dict[str, str]
) -> None:
    """/readyz, /metrics and `dixian ops` count each model's events after its position: the case list's position lies
    before a county's whole roster import, and without the (topic, notification_id) index the count walked it all."""
    ledger.save(Followed(1))
    assert isinstance(ledger.recorder, ColumnArrays)
    table = ledger.recorder.events_table_name
    with connect(es_env, autocommit=True) as conn:
        conn.execute(
            f"INSERT INTO {table} (originator_id, originator_version, topic, state) "
            "SELECT gen_random_uuid(), 1, 'tests:Filler', '\\x00'::bytea FROM generate_series(1, 50000)"
        )
        conn.execute(f"ANALYZE {table}")
        for query, position in (
            (f"SELECT count(*) FROM {table} WHERE notification_id > %s AND topic = ANY(%s)", 0),
            (f"SELECT max(notification_id) FROM {table} WHERE notification_id <= %s AND topic = ANY(%s)", 10**9),
        ):
            explain = f"EXPLAIN (FORMAT JSON) {query}"
            row = conn.execute(explain, (position, FOLLOWED)).fetchone()
            assert row is not None and f"{table}_topic_idx" in json.dumps(row[0]), row
    assert pending_of(ledger.recorder, tuple(FOLLOWED), 0) == 1
    assert last_position_of(ledger.recorder, tuple(FOLLOWED), 10**9) == 1
