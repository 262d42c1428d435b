"""Stored names are contracts. An event class's topic is written into every event the class records, covered by the
event's hash (``domain.kernel.chain``) and filtered on by the projections; an aggregate class's topic is written into
its first event and into its snapshots. The library takes a class's topic from its module path unless the class says
otherwise (``eventsourcing.utils.construct_topic``: ``getattr(cls, "TOPIC", module:qualname)``), so moving a module
would change every name it stores from then on and leave the old ones unreadable.

So every class whose name is stored is pinned here to the name it was first stored under, whatever module holds it
now: ``@stored_as("domain.events:CaseOpened")``. Only concrete classes are pinned, never a base: ``TOPIC`` is read
with ``getattr``, so a subclass would inherit its base's name. The names in use are frozen by
``tests/store/test_topics.py``; a store written before the move reads back unchanged
(``tests/store/test_old_store.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from eventsourcing.utils import register_topic

T = TypeVar("T", bound=type)

# Every pinned class by its stored name.
STORED: dict[str, type] = {}


def stored_as(topic: str) -> Callable[[T], T]:
    """Pin the class to ``topic``: what it stores from now on, and what resolves to it when read back."""

    def pin(cls: T) -> T:
        if cls.__subclasses__():
            raise TypeError(f"{cls.__qualname__} has subclasses: pin concrete classes only (TOPIC is inherited)")
        if topic in STORED and STORED[topic] is not cls:
            raise TypeError(f"the stored name {topic} is taken by {STORED[topic].__qualname__}")
        setattr(cls, "TOPIC", topic)  # noqa: B010 (the library reads this attribute by name)
        register_topic(topic, cls)
        STORED[topic] = cls
        return cls

    return pin
