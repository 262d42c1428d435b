"""Tamper evidence for stored events: every event of every aggregate carries the hash of the event before it in its
stream (``prev_hash``, "" for the first) and its own ``hash``, SHA-256 over a canonical encoding of everything else
it holds: its topic, aggregate id, version, recorded time and payload.

Altering a stored event changes what its hash covers; deleting one breaks the next one's ``prev_hash`` and the
version sequence; swapping two changes the versions their hashes cover. What a chain cannot show (the last events of
a stream cut off, or a whole stream rewritten with fresh hashes) the signed checkpoints over the notification log
show (``domain.audit``).

Events stored before chaining existed have no hash; verification reports them as unchained, never as valid.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

HASH_FIELD = "hash"
PREV_FIELD = "prev_hash"


def _plain(value: Any) -> Any:
    if isinstance(value, (UUID, Decimal)):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"cannot encode {type(value).__name__} canonically")


def canonical(topic: str, fields: Mapping[str, Any]) -> bytes:
    """The canonical encoding: sorted-key compact JSON of the topic and every field but the hash."""
    body = {k: v for k, v in fields.items() if k != HASH_FIELD}
    return json.dumps(
        {"topic": topic, "fields": body}, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_plain
    ).encode("utf-8")


def event_hash(topic: str, fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(topic, fields)).hexdigest()


def stored_hash(event: Any) -> str:
    """The hash an event carries ("" for one stored before chaining)."""
    return str(getattr(event, HASH_FIELD, "") or "")


def recomputed_hash(event: Any) -> str:
    """The hash of an event as read back from the store."""
    return event_hash(get_topic(type(event)), vars(event))


def _chained(event: Any, aggregate: Any) -> Any:
    """The aggregate an event produced, remembering the event's hash: the next event links to it."""
    if aggregate is not None:
        aggregate.chain_hash = stored_hash(event)
    return aggregate


class ChainedEvent(Aggregate.Event):
    prev_hash: str
    hash: str

    def mutate(self, aggregate: Any) -> Any:
        return _chained(self, super().mutate(aggregate))


class ChainedCreated(Aggregate.Created):
    prev_hash: str
    hash: str

    def mutate(self, aggregate: Any) -> Any:
        return _chained(self, super().mutate(aggregate))


class ChainedAggregate(Aggregate):
    """An aggregate whose events are chained. Its events must derive from ChainedEvent / ChainedCreated."""

    chain_hash: str

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None:
        kwargs = dict(kwargs)
        if kwargs.get("timestamp") is None:
            kwargs["timestamp"] = event_class.create_timestamp()
        kwargs[PREV_FIELD] = getattr(self, "chain_hash", "")
        fields = {**kwargs, "originator_id": self.id, "originator_version": self.version + 1}
        kwargs[HASH_FIELD] = event_hash(get_topic(event_class), fields)
        super().trigger_event(event_class, **kwargs)

    @classmethod
    def _create(cls, event_class: Any, *, id: Any = None, **kwargs: Any) -> Any:
        if id is None:
            raise TypeError("a chained aggregate is created with an explicit id")
        kwargs = dict(kwargs)
        if kwargs.get("timestamp") is None:
            kwargs["timestamp"] = event_class.create_timestamp()
        kwargs[PREV_FIELD] = ""
        fields = {
            **kwargs,
            "originator_id": id,
            "originator_version": cls.INITIAL_VERSION,
            "originator_topic": get_topic(cls),
        }
        kwargs[HASH_FIELD] = event_hash(get_topic(event_class), fields)
        return super()._create(event_class, id=id, **kwargs)


@dataclass(frozen=True)
class Break:
    """Where a stream's chain does not hold."""

    originator_id: str
    version: int
    kind: str  # altered | missing | broken_link | unchained
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"originator_id": self.originator_id, "version": self.version, "kind": self.kind, "detail": self.detail}


def decoded_events(app: Any, originator_id: Any, lte: int | None = None) -> tuple[list[Any], Break | None]:
    """A stream's stored events decoded one by one, up to the first that cannot be read (decrypted, decompressed,
    parsed): the events before it, and where it broke."""
    events: list[Any] = []
    for record in app.recorder.select_events(originator_id, lte=lte):
        try:
            events.append(app.mapper.to_domain_event(record))
        except Exception as e:  # an altered or foreign ciphertext, or bytes that are no event
            why = f"a stored event cannot be read ({type(e).__name__})"
            return events, Break(str(originator_id), int(record.originator_version), "altered", why)
    return events, None


def checked_stream(app: Any, originator_id: Any, lte: int | None = None) -> tuple[list[Any], Break | None]:
    """A stream's events as a read must have them: each decodable, each matching its stored hash and linked to the
    one before (a ciphertext moved from another stream breaks the link). Hashing costs little beside decrypting
    and decoding, which a read does anyway (docs/benchmarks.md)."""
    events, broken = decoded_events(app, originator_id, lte)
    if broken is None:
        _, broken = verify_stream(events)
    return events, broken


def verify_stream(events: Iterable[Any], rehash: Callable[[Any], str] | None = None) -> tuple[int, Break | None]:
    """Check one stream's events in version order: (events checked, the first break or None). ``rehash`` gives an
    event's hash from its content (by default :func:`recomputed_hash`, for events read from the store)."""
    rehash = rehash or recomputed_hash
    previous_hash = ""
    expected_version = 1
    count = 0
    for event in events:
        count += 1
        oid, version = str(event.originator_id), int(event.originator_version)
        if version != expected_version:
            what = f"version {expected_version} is missing" if version > expected_version else "a version repeats"
            return count, Break(oid, version, "missing", what)
        carried = stored_hash(event)
        if not carried:
            return count, Break(oid, version, "unchained", "stored before events were chained: no hash")
        if str(getattr(event, PREV_FIELD, "")) != previous_hash:
            return count, Break(oid, version, "broken_link", "prev_hash is not the hash of the event before")
        if rehash(event) != carried:
            return count, Break(oid, version, "altered", "the stored event does not match its hash")
        previous_hash = carried
        expected_version += 1
    return count, None
