"""The Chinese label of every user-facing value (glossary: "the Chinese term as the user-facing label").

An enumeration of the domain's vocabulary is a ``Labelled`` StrEnum: each member is written with its value and its
label, ``SELF_APPLICATION = "self_application", "农户自主申报"``, so a label lives on the value it names. The value is
what is stored and sent; the label is what people read.
"""

from __future__ import annotations

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
    for member in enum:
        if text in (member.value, member.label):
            return member
    raise ValueError(text)
