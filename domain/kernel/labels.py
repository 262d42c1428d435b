"""The Chinese label of every user-facing value (glossary: "the Chinese term as the user-facing label").

Each context names its own enumerations and registers their labels beside them (``labelled`` at the end of its
``values`` module), so a label lives with the value it names and this module knows no context.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

# Labels by (enum type, value): members of different enums share values ("identification", "pass"), and a StrEnum
# hashes and compares as its value, so a dict keyed by members would silently merge them.
LABELS: dict[tuple[type[StrEnum], str], str] = {}

E = TypeVar("E", bound=StrEnum)


def labelled(*pairs: tuple[StrEnum, str]) -> None:
    """Register the labels of some members (each once)."""
    for member, text in pairs:
        key = (type(member), member.value)
        if LABELS.get(key, text) != text:
            raise ValueError(f"{type(member).__name__}.{member.name} has two labels")
        LABELS[key] = text


def label(value: StrEnum) -> str:
    """The Chinese label of an enumerated value."""
    return LABELS[(type(value), value.value)]


def from_label(enum: type[E], text: str) -> E:
    """The member whose value or Chinese label is ``text`` (a roster may use either); ValueError otherwise."""
    text = text.strip()
    for member in enum:
        if text == member.value or text == LABELS[(enum, member.value)]:
            return member
    raise ValueError(text)
