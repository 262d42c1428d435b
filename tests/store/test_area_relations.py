"""The relations between areas (``domain.kernel.areas``) and their SQL twins (``domain.readmodels.areas``) agree, on
generated administrative trees, for every pair of codes: what Python says lies in an area, PostgreSQL says too."""

from __future__ import annotations

import random
from typing import Any

import psycopg
from psycopg.sql import SQL, Composed, Identifier

from domain.kernel import areas
from domain.readmodels import areas as sql
from tests.conftest import connect


def generated_tree(seed: int) -> list[str]:
    """The codes of a random tree: counties of 6 digits, townships of 9, villages of 12, each code starting with its
    parent's; siblings whose codes share leading digits (township 101 and 110, say), so a relation written as a
    loose prefix would be caught."""
    rng = random.Random(seed)
    codes: list[str] = []
    for county in rng.sample(range(100, 110), rng.randint(1, 3)):
        county_code = f"99{county:04d}"
        codes.append(county_code)
        for township in rng.sample([101, 110, 111, 102, 120], rng.randint(1, 4)):
            township_code = f"{county_code}{township:03d}"
            codes.append(township_code)
            villages = rng.sample([1, 10, 11, 100, 101, 201], rng.randint(0, 4))
            codes.extend(f"{township_code}{v:03d}" for v in villages)
    return codes


def selected(conn: psycopg.Connection[tuple[Any, ...]], condition: tuple[Composed, dict[str, Any]]) -> set[str]:
    where, params = condition
    rows = conn.execute(SQL("SELECT code FROM codes WHERE {0}").format(where), params).fetchall()
    return {r[0] for r in rows}


def test_each_relation_and_its_sql_twin_agree_on_generated_trees(es_env: dict[str, str]) -> None:
    code = Identifier("code")
    compared = 0
    with connect(es_env, autocommit=True) as conn:
        conn.execute("CREATE TABLE codes (code text PRIMARY KEY)")
        for seed in range(25):
            codes = generated_tree(seed)
            conn.execute("TRUNCATE codes")
            with conn.cursor() as cur:
                cur.executemany("INSERT INTO codes VALUES (%s)", [(c,) for c in codes])
            rng = random.Random(seed)
            for area in [*codes, ""]:
                assert selected(conn, sql.contains(area, code)) == {c for c in codes if areas.contains(area, c)}
                assert selected(conn, sql.lies_in(area, code)) == {c for c in codes if areas.contains(c, area)}
                assert selected(conn, sql.overlaps(area, code)) == {c for c in codes if areas.overlaps(area, c)}
                some = rng.sample(codes, min(len(codes), rng.randint(0, 3)))
                assert selected(conn, sql.contains_any(some, code)) == {
                    c for c in codes if any(areas.contains(a, c) for a in some)
                }
                compared += 4 * len(codes)
    assert compared > 10_000


def test_the_relations_read_as_the_tree_nests() -> None:
    county, township, village, neighbour = "990102", "990102101", "990102101001", "990102110"
    assert areas.contains(county, village) and areas.contains(township, village) and areas.contains(village, village)
    assert not areas.contains(village, township) and not areas.contains(neighbour, village)
    assert areas.contains("", village)  # the empty area (the system's, a national policy's) contains every code
    assert areas.overlaps(township, county) and areas.overlaps(county, township)
    assert not areas.overlaps(township, neighbour)


def test_a_scope_narrows_to_what_lies_in_an_area() -> None:
    scope = ["990102101", "990102110001"]
    assert areas.narrows(scope, "990102") == scope  # the whole scope lies in the county
    assert areas.narrows(scope, "990102101003") == ["990102101003"]  # a village of a township in scope
    assert areas.narrows(scope, "990102110") == ["990102110001"]  # the village in scope inside a township
    assert areas.narrows(scope, "990102102") == []  # nothing of the scope there
    assert areas.narrows(scope, "990102101") == ["990102101"]  # the township itself, once
