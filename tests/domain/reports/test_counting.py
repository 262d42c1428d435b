"""The counting rules of the tables on hand-made facts: where a household that moved is counted, what the registry
held at the end of a period, and when a finding counts as found and as rectified."""

from __future__ import annotations

from datetime import date

from domain.reports.tables import DERIVED, Fact, FactKind, RowUnit, Table, compute

V1, V2 = RowUnit("990102101001", "一村"), RowUnit("990102101002", "二村")
MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def household(position: int, subject: str, unit: RowUnit, day: date, persons: int) -> Fact:
    return Fact(position, FactKind.HOUSEHOLD, subject, unit.code, day, persons=persons)


def test_a_household_that_moved_counts_once_where_it_lived_at_the_end_of_the_period() -> None:
    facts = [household(1, "H1", V1, date(2026, 2, 1), 3), household(9, "H1", V2, date(2026, 3, 20), 4)]
    march = compute(Table.SCREENING, facts, [V1, V2], *MARCH)
    assert march.total[1:3] == [1, 4] and [v[1:3] for _, v in march.rows] == [[0, 0], [1, 4]]
    february = compute(Table.SCREENING, facts, [V1, V2], date(2026, 2, 1), date(2026, 2, 28))
    assert february.total[1:3] == [1, 3] and [v[1:3] for _, v in february.rows] == [[1, 3], [0, 0]]


def test_a_household_or_person_registered_after_the_period_is_not_in_it() -> None:
    facts = [household(1, "H1", V1, date(2026, 4, 2), 3),
             Fact(2, FactKind.STAFF, "S1", V1.code, date(2026, 4, 2), category="grid_worker")]  # fmt: skip
    assert compute(Table.SCREENING, facts, [V1], *MARCH).total == [0] * 13
    assert compute(Table.SCREENING, facts, [V1], date(2026, 4, 1), date(2026, 4, 30)).total[:3] == [0, 1, 3]


def found(position: int, ref: str, day: date, subject: str = "C1") -> Fact:
    return Fact(position, FactKind.FINDING_FOUND, subject, V1.code, day, persons=2, ref=ref)


def rectified(position: int, ref: str, day: date, subject: str = "C1") -> Fact:
    return Fact(position, FactKind.FINDING_RECTIFIED, subject, V1.code, day, persons=2, ref=ref)


def assistance(facts: list[Fact]) -> list[int]:
    """The 不及时 and 不精准 columns of 3-3 (found households, persons, rectified households, persons)."""
    return compute(Table.ASSISTANCE, facts, [V1], *MARCH).total[2:10]


def test_a_finding_found_again_while_open_is_one_finding_rectified_once() -> None:
    ref = f"not_precise:{DERIVED}risk_without_measure"
    facts = [found(1, ref, date(2026, 3, 1)), found(2, ref, date(2026, 3, 2)), rectified(3, ref, date(2026, 3, 4))]
    assert assistance(facts) == [0, 0, 0, 0, 1, 2, 1, 2]


def test_a_finding_found_and_rectified_the_same_day_counts_as_both() -> None:
    facts = [found(3, "not_timely:F1", date(2026, 3, 5)), rectified(4, "not_timely:F1", date(2026, 3, 5))]
    assert assistance(facts) == [1, 2, 1, 2, 0, 0, 0, 0]


def test_a_case_counts_as_rectified_only_when_every_such_finding_is() -> None:
    facts = [found(1, "not_timely:F1", date(2026, 3, 1)), found(2, "not_timely:F2", date(2026, 3, 2)),
             rectified(3, "not_timely:F1", date(2026, 3, 3)), rectified(4, "not_timely:F2", date(2026, 4, 3))]  # fmt: skip
    assert assistance(facts)[:4] == [1, 2, 0, 0]  # F2 was rectified only in April
    april = compute(Table.ASSISTANCE, facts, [V1], date(2026, 3, 1), date(2026, 4, 30)).total[2:6]
    assert april == [1, 2, 1, 2]


def test_a_finding_withdrawn_is_no_finding_and_takes_its_rectification_with_it() -> None:
    plan = f"not_timely:{DERIVED}assistance_plan_deadline"
    withdrawn = Fact(3, FactKind.FINDING_FOUND, "C1", V1.code, date(2026, 3, 6), persons=2, delta=-1, ref=plan)
    facts = [found(1, plan, date(2026, 3, 6)), rectified(2, plan, date(2026, 3, 9))]
    assert assistance(facts)[:4] == [1, 2, 1, 2]
    assert assistance([*facts, withdrawn])[:4] == [0, 0, 0, 0]
    assert assistance([*facts, withdrawn, found(4, plan, date(2026, 3, 6))])[:4] == [1, 2, 0, 0]  # found anew


def test_a_fact_dated_after_the_day_the_log_had_reached_has_not_happened_yet() -> None:
    plan = f"not_timely:{DERIVED}assistance_plan_deadline"
    facts = [found(1, plan, date(2026, 3, 6))]
    assert compute(Table.ASSISTANCE, facts, [V1], *MARCH, known_on=date(2026, 3, 5)).total[2:4] == [0, 0]
    assert compute(Table.ASSISTANCE, facts, [V1], *MARCH, known_on=date(2026, 3, 6)).total[2:4] == [1, 2]


def every_kind() -> list[Fact]:
    """A month of facts of every kind in two villages."""
    d = date(2026, 3, 10)
    return [
        household(1, "H1", V1, date(2026, 2, 1), 3),
        household(2, "H2", V1, date(2026, 2, 1), 5),
        household(3, "H3", V2, date(2026, 2, 1), 2),
        Fact(4, FactKind.SCREENED, "H1", V1.code, d, persons=3),
        Fact(5, FactKind.STAFF, "S1", V1.code, date(2026, 2, 1), category="grid_worker"),
        Fact(6, FactKind.IDENTIFIED, "C1", V1.code, d, persons=3, category="unstable_formerly_poor"),
        Fact(6, FactKind.MONITORING, "C1", V1.code, d, persons=3, category="unstable_formerly_poor"),
        Fact(7, FactKind.ROLLBACK_NEEDED, "C2", V2.code, d, persons=2, category="marginal_at_risk"),
        found(8, "not_timely:~plan", d),
        rectified(9, "not_timely:~plan", date(2026, 3, 12)),
    ]


def test_each_table_reads_only_the_kinds_it_counts_and_needs_every_one_of_them() -> None:
    from domain.reports.tables import TABLE_KINDS

    facts = every_kind()
    for table, kinds in TABLE_KINDS.items():
        figures = compute(table, facts, [V1, V2], *MARCH)
        assert compute(table, [f for f in facts if f.kind in kinds], [V1, V2], *MARCH) == figures, table
        if table is not Table.ASSISTANCE:  # 3-3 reads every case fact, some only for a case's persons
            for kind in kinds:
                without = [f for f in facts if f.kind in kinds - {kind}]
                assert compute(table, without, [V1, V2], *MARCH) != figures, (table, kind)


def test_households_summed_by_village_count_as_the_households_themselves() -> None:
    facts = every_kind()
    per_village = [f for f in facts if f.kind is not FactKind.HOUSEHOLD] + [
        Fact(2, FactKind.HOUSEHOLD, f"village:{V1.code}", V1.code, date(2026, 2, 1), persons=8, delta=2),
        Fact(3, FactKind.HOUSEHOLD, f"village:{V2.code}", V2.code, date(2026, 2, 1), persons=2, delta=1),
    ]
    one_by_one = compute(Table.SCREENING, facts, [V1, V2], *MARCH)
    assert compute(Table.SCREENING, per_village, [V1, V2], *MARCH) == one_by_one
    assert one_by_one.total[:5] == [1, 3, 10, 1, 3]
