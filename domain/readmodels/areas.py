"""The SQL twins of the relations between areas (``domain.kernel.areas``): the same rules, for read-model queries.

Each returns a condition and its parameters, to be joined into a statement with others. Codes are compared with
``left()``, never ``LIKE``, so that no character of a caller's code can widen the match. ``key`` names the parameters,
so that several conditions can go into one statement. tests/store/test_area_relations.py holds each twin against its
Python function on generated trees.
"""

from __future__ import annotations

from typing import Any

from psycopg.sql import SQL, Composable, Composed


def contains(area: str, code: Composable, key: str = "area") -> tuple[Composed, dict[str, Any]]:
    """``code`` (a column or an expression) lies in ``area``: ``domain.kernel.areas.contains(area, code)``."""
    condition = SQL("left({0}, %({1})s) = %({2})s").format(code, SQL(f"{key}_len"), SQL(key))
    return condition, {f"{key}_len": len(area), key: area}


def contains_any(areas: list[str], code: Composable, key: str = "area") -> tuple[Composed, dict[str, Any]]:
    """``code`` lies in one of ``areas`` (none: nothing does)."""
    if not areas:
        return SQL("false").format(), {}
    conditions: list[Composable] = []
    params: dict[str, Any] = {}
    for i, area in enumerate(areas):
        condition, more = contains(area, code, f"{key}{i}")
        conditions.append(condition)
        params.update(more)
    return SQL("({0})").format(SQL(" OR ").join(conditions)), params


def lies_in(code: str, area: Composable, key: str = "code") -> tuple[Composed, dict[str, Any]]:
    """``code`` lies in the area ``area`` (a column or an expression): ``contains(area, code)`` with the area in the
    table."""
    return SQL("left(%({0})s, length({1})) = {1}").format(SQL(key), area), {key: code}


def overlaps(area: str, other: Composable, key: str = "area") -> tuple[Composed, dict[str, Any]]:
    """``area`` and ``other`` (a column or an expression) share ground: ``domain.kernel.areas.overlaps``."""
    inside, params = contains(area, other, key)
    around, _ = lies_in(area, other, key)
    return SQL("({0} OR {1})").format(inside, around), params
