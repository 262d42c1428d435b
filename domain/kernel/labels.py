"""The Chinese label of every user-facing value (glossary: "the Chinese term as the user-facing label").

An enumeration of the domain's vocabulary is a ``Labelled`` StrEnum: each member is written with its value and its
label, ``SELF_APPLICATION = "self_application", "农户自主申报"``, so a label lives on the value it names. The value is
what is stored and sent; the label is what people read.
"""

from __future__ import annotations

import functools
from enum import StrEnum
from typing import TypeVar


class Labelled(StrEnum):
    """A StrEnum whose members carry their Chinese label."""

    label: str

    def __new__(cls, value: str, label: str = "") -> Labelled:  # Risk("illness") looks a member up by value
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


E = TypeVar("E", bound=Labelled)


def label(value: Labelled) -> str:
    """The Chinese label of an enumerated value."""
    return value.label


def label_of(enum: type[Labelled], value: object) -> str:
    """The Chinese label of a stored value of ``enum`` (the value itself when the enumeration does not know it)."""
    try:
        return enum(str(value)).label
    except ValueError:
        return str(value or "")


def from_label(enum: type[E], text: str) -> E:
    """The member whose value or Chinese label is ``text`` (a roster may use either); ValueError otherwise."""
    text = text.strip()
    member: E | None = _by_value_or_label(enum).get(text)
    if member is None:
        raise ValueError(text)
    return member


@functools.cache
def _by_value_or_label(enum: type[E]) -> dict[str, E]:
    """Each member by its value and by its label (the first member to claim a text keeps it, as a scan would)."""
    found: dict[str, E] = {}
    for member in enum:
        found.setdefault(member.value, member)
        found.setdefault(member.label, member)
    return found
