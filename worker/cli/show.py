"""What the command line prints for people: tables whose columns line up by display width (a Chinese character
takes two columns of a terminal), and every time in Asia/Shanghai (``2026-03-01 09:30``), as the people who read
them count time. Every table the command line prints goes through :func:`table`."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from domain.kernel.areas import AreaLevel, AreaTree
from domain.kernel.time import SHANGHAI, aware

GAP = "  "  # between two columns


def width(text: str) -> int:
    """The columns ``text`` takes in a terminal: two for a wide or full-width character (CJK, full-width
    punctuation), none for a combining mark or a format character, one for any other."""
    total = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        total += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return total


def pad(text: str, columns: int, right: bool = False) -> str:
    """``text`` filled with spaces to ``columns`` display columns, on the right (or on the left, for figures)."""
    fill = " " * max(0, columns - width(text))
    return fill + text if right else text + fill


def cell(value: Any) -> str:
    """A value as a table shows it: times in Asia/Shanghai, nothing for None, one line."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return when(value)
    if isinstance(value, date):
        return value.isoformat()
    return " ".join(str(value).split())


def _is_figure(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    """Lines of a table: the headers, a rule, then one line per row, every column as wide as its widest cell by
    display width. A column of figures is aligned right, any other left; a line ends without trailing spaces."""
    raw = [list(r) for r in rows]
    texts = [[cell(v) for v in r] for r in raw]
    columns = len(headers)
    widths = [max([width(headers[i]), *(width(r[i]) for r in texts)]) for i in range(columns)]
    right = [bool(raw) and all(_is_figure(r[i]) or r[i] in (None, "") for r in raw) for i in range(columns)]

    def line(values: Sequence[str]) -> str:
        return GAP.join(pad(v, widths[i], right[i]) for i, v in enumerate(values)).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(r) for r in texts)]


def when(moment: datetime | str) -> str:
    """A time in Asia/Shanghai to the minute, ``2026-03-01 09:30`` (one given without a zone is Shanghai's)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return aware(moment).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


# An ISO 8601 time with its zone, as services write them into messages ("nothing recorded since 2026-…+00:00").
_ISO_TIME = re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})")


def localized(text: str) -> str:
    """``text`` with every zoned ISO time in it written as a Shanghai time (``when``)."""
    return _ISO_TIME.sub(lambda m: when(m.group(0).replace("Z", "+00:00")), text)


def in_shanghai(value: Any) -> Any:
    """A JSON-bound value with its times in Asia/Shanghai: datetimes, and strings that are zoned ISO times, as ISO
    8601 with +08:00 (still machine-readable, and the same instant)."""
    if isinstance(value, datetime):
        return aware(value).astimezone(SHANGHAI).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and _ISO_TIME.fullmatch(value):
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(SHANGHAI).isoformat()
    if isinstance(value, dict):
        return {k: in_shanghai(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [in_shanghai(v) for v in value]
    return value


def place(areas: AreaTree, code: str | None) -> str:
    """An area as people know it: its name, with the township for a village (``玉坪乡 玉坪村``); the code for one
    the tree does not know."""
    if not code:
        return ""
    area = areas.get(code)
    if area is None:
        return code
    parent = areas.get(area.parent_code) if area.parent_code and area.level is AreaLevel.VILLAGE else None
    return f"{parent.name} {area.name}" if parent else area.name
