"""The seed plan's four statistical tables (附件3-1 to 3-4, ../shared/seeds/township-screening-plan.txt), computed from
report facts: small, append-only records the report projection derives from the events, each tagged with the position
of the event in the notification log. A table as of a cut-off position uses only the facts at or below it, so the same
cut-off always gives the same figures, and a later cut-off explains what changed for the same period.

Layout (headers, the 合计 row first, 填报单位, 填表说明) is the seed's; the rules of what each column counts are here,
each with its reading of the seed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from domain.cases.values import Category, FindingKind
from domain.kernel.areas import AreaLevel, AreaTree, contains
from domain.registry.values import StaffIdentity


class Table(StrEnum):
    NEW_OBJECTS = "3-1"
    ROLLBACKS = "3-2"
    ASSISTANCE = "3-3"
    SCREENING = "3-4"


class FactKind(StrEnum):
    IDENTIFIED = "identified"  # a case became a monitored object (结果公告): day = its identification date
    MONITORING = "monitoring"  # delta +1 when a case enters monitoring (identified, rollback approved), -1 on 风险消除
    ROLLBACK_NEEDED = "rollback_needed"  # the township's written rollback request (seed §三(二))
    FINDING_FOUND = "finding_found"  # a finding on a case's assistance, recorded by a reviewer or derived from events
    FINDING_RECTIFIED = "finding_rectified"  # that finding rectified (or, for a derived one, no longer true)
    HOUSEHOLD = "household"  # a household's registration or a change of its size: the latest per household counts
    SCREENED = "screened"  # a household screened (排查), with its persons at that screening
    STAFF = "staff"  # a person of the screening staff with their one identity: the latest per person counts


DERIVED = "~"  # marks a finding derived from the events (its ref names the rule), not recorded by a reviewer

# The registry's facts, as of a day (the latest per household or person by then), and the cases' facts.
AS_OF_KINDS = frozenset({FactKind.HOUSEHOLD, FactKind.STAFF})
_REGISTRY_KINDS = frozenset({FactKind.HOUSEHOLD, FactKind.SCREENED, FactKind.STAFF})
_CASE_KINDS = frozenset(FactKind) - _REGISTRY_KINDS
# The kinds each table's count reads (the others cannot change it), so that a county's 3-1 does not read its
# 200,000 households. 3-3 takes a case's persons from any of its facts, so it reads every case fact.
TABLE_KINDS: dict[Table, frozenset[FactKind]] = {
    Table.NEW_OBJECTS: frozenset({FactKind.IDENTIFIED}),
    Table.ROLLBACKS: frozenset({FactKind.ROLLBACK_NEEDED}),
    Table.ASSISTANCE: _CASE_KINDS,
    Table.SCREENING: _REGISTRY_KINDS,
}


@dataclass(frozen=True)
class Fact:
    position: int  # the notification id of the event the fact comes from
    kind: FactKind
    subject: str  # case id, household number or staff number
    village_code: str  # for staff: the code of the area they work for
    day: date
    persons: int = 0
    category: str = ""  # case category, or staff identity
    delta: int = 1
    ref: str = ""  # a finding: "<finding kind>:<key>"


# ----- layout (the seed's words) -----------------------------------------------------------------------------------

TITLES = {
    Table.NEW_OBJECTS: ("附件3-1", "新增监测对象统计表"),
    Table.ROLLBACKS: ("附件3-2", "需要回退监测对象统计表"),
    Table.ASSISTANCE: ("附件3-3", "未消除风险监测对象帮扶措施统计表"),
    Table.SCREENING: ("附件3-4", "全面排查工作开展情况统计表"),
}
# The seed labels the total row 县合计 in 3-1 to 3-3 and 市合计 in 3-4; kept as printed.
TOTAL_LABEL = {
    Table.NEW_OBJECTS: "县合计",
    Table.ROLLBACKS: "县合计",
    Table.ASSISTANCE: "县合计",
    Table.SCREENING: "市合计",
}
NOTES = {Table.SCREENING: "填表说明：参与排查工作人员身份有重合的，只选一种身份。"}
# 3-4 of a township or a county: the screening staff above its rows (issue 20). The seed counts 县直部门 and
# 乡镇干部 among the staff of its rows (参与排查工作人员情况) and one identity per person (填表说明), but its rows
# are places, and a township cadre or a county department's staff belongs to no village. So each person counts once,
# in the row of the area they are registered to work for; those registered to the table's own area, and those
# registered above it who screened a household in it within the period, count in one labelled row; 合计 is the sum
# of all rows.
ABOVE_LABEL = {AreaLevel.TOWNSHIP: "乡镇本级及上级人员", AreaLevel.COUNTY: "县本级及上级人员"}
ABOVE_NOTE = (
    "参与排查工作人员每人只计一次，计入其登记的工作地所在行；登记在{level}本级的人员，以及登记在上级、本期在本{level}"
    "排查过农户的人员，计入“{label}”行。合计为以上各行之和。"
)


def note(table: Table, level: AreaLevel | None) -> str:
    """The table's 填表说明: the seed's, and for a township's or county's 3-4 how the staff above its rows count."""
    seed = NOTES.get(table, "")
    if table is not Table.SCREENING or level not in ABOVE_LABEL:
        return seed
    above = ABOVE_NOTE.format(level=level.label, label=ABOVE_LABEL[level])
    return f"填表说明：1. {seed.removeprefix('填表说明：')}2. {above}"


PAIR = ("户数", "人数")
CATEGORY_COLUMNS = (
    ("合计", None),
    ("脱贫不稳定户", Category.UNSTABLE_FORMERLY_POOR),
    ("边缘易致贫户", Category.MARGINAL_AT_RISK),
    ("突发严重困难户", Category.SUDDEN_HARDSHIP),
)
# 3-3: the seed's column pairs, found by screening (排查) and rectified (整改) for three of the four finding kinds.
ASSISTANCE_FINDINGS = (
    (FindingKind.NOT_TIMELY, "措施不及时数量"),
    (FindingKind.NOT_PRECISE, "措施不精准数量"),
    (FindingKind.NOT_EFFECTIVE, "成效不明显数量"),
)
STAFF_COLUMNS = (
    ("县直部门人数", StaffIdentity.COUNTY_DEPARTMENT),
    ("乡镇干部人数", StaffIdentity.TOWNSHIP_CADRE),
    ("村干部人数", StaffIdentity.VILLAGE_CADRE),
    ("驻村干部人数", StaffIdentity.RESIDENT_CADRE),
    ("乡村医生人数", StaffIdentity.VILLAGE_DOCTOR),
    ("网格员人数", StaffIdentity.GRID_WORKER),
    ("帮扶责任人人数", StaffIdentity.RESPONSIBLE_PERSON),
)


@dataclass(frozen=True)
class HeaderCell:
    text: str
    row: int  # 0 or 1: the seed's headers have two rows
    col: int
    rows: int = 1
    cols: int = 1


def headers(table: Table) -> list[HeaderCell]:
    """The two header rows, as cells with their spans (序号 and 乡镇 span both rows, as in the seed)."""
    cells = [HeaderCell("序号", 0, 0, rows=2), HeaderCell("乡镇", 0, 1, rows=2)]
    col = 2
    groups: list[tuple[str, tuple[str, ...]]]
    if table in (Table.NEW_OBJECTS, Table.ROLLBACKS):
        groups = [(name, PAIR) for name, _ in CATEGORY_COLUMNS]
    elif table is Table.ASSISTANCE:
        groups = [("未消除风险总数", PAIR)]
        for _, words in ASSISTANCE_FINDINGS:
            groups += [(f"排查帮扶\n{words}", PAIR), (f"整改帮扶\n{words}", PAIR)]
    else:
        cells.append(HeaderCell("排查村个数", 0, col, rows=2))
        col += 1
        groups = [
            ("农户总数", PAIR),
            ("排查农户数量", PAIR),
            ("参与排查工作人员情况", ("总人数", *(name for name, _ in STAFF_COLUMNS))),
        ]
    for name, subs in groups:
        cells.append(HeaderCell(name, 0, col, cols=len(subs)))
        cells += [HeaderCell(sub, 1, col + i) for i, sub in enumerate(subs)]
        col += len(subs)
    return cells


# ----- rows ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowUnit:
    """A row of a table: a village (in a township's or a village's report) or a township (in a county's)."""

    code: str
    name: str


def row_units(areas: AreaTree, scope: str) -> list[RowUnit]:
    """The rows under the 合计 row: the villages of a township (and its relocation site), the townships of a county,
    or the one village of a village's report; in code order."""
    area = areas.get(scope)
    if area is None:
        raise ValueError(f"unknown area {scope}")
    if area.level is AreaLevel.VILLAGE:
        return [RowUnit(area.code, area.name)]
    child = AreaLevel.TOWNSHIP if area.level is AreaLevel.COUNTY else AreaLevel.VILLAGE
    units = [a for a in areas.all() if a.level is child and contains(scope, a.code)]
    return [RowUnit(a.code, a.name) for a in sorted(units, key=lambda a: a.code)]


@dataclass
class Figures:
    """One table's figures: the 合计 row and one row per unit, each a list of numbers in column order (after 序号
    and 乡镇)."""

    total: list[int]
    rows: list[tuple[RowUnit, list[int]]] = field(default_factory=list)
    above: list[int] | None = None  # 3-4 of a township or county: the staff above its rows (ABOVE_LABEL)


def compute(
    table: Table,
    facts: Iterable[Fact],
    units: list[RowUnit],
    first: date,
    last: date,
    known_on: date | None = None,
    above: Iterable[Fact] | None = None,
) -> Figures:
    """The figures of ``table`` for the period [first, last] (calendar days, both included) from ``facts`` (already
    limited to the cut-off and the scope), one row per unit and the 合计 row first.

    ``known_on`` is the day the log had reached at the cut-off (``ReportView.known_on``): a fact dated later (a
    deadline the history so far will miss tomorrow) has not happened yet as of the cut-off and is not counted.

    ``above`` (3-4 of a township or county) asks for the row of the staff above the units: the staff facts of the
    people registered above the scope who screened in it within the period; the staff of the scope itself (in
    ``facts``, in no unit) join them. 合计 is then the units and that row together."""
    facts = _as_of([f for f in facts if known_on is None or f.day <= known_on], last)
    if table is Table.SCREENING:
        facts = _latest_screenings(facts, first, last)
    by_unit: dict[str, list[Fact]] = {u.code: [] for u in units}
    rest: list[Fact] = []
    for f in facts:
        unit = next((u for u in units if contains(u.code, f.village_code)), None)
        (by_unit[unit.code] if unit is not None else rest).append(f)
    count = {
        Table.NEW_OBJECTS: _new_objects,
        Table.ROLLBACKS: _rollbacks,
        Table.ASSISTANCE: _assistance,
        Table.SCREENING: _screening,
    }[table]
    rows = [(u, count(by_unit[u.code], first, last)) for u in units]
    if above is None:
        return Figures(total=count(facts, first, last), rows=rows)
    higher = _as_of([f for f in above if known_on is None or f.day <= known_on], last)
    return Figures(total=count(facts + higher, first, last), rows=rows, above=count(rest + higher, first, last))


def _latest_screenings(facts: list[Fact], first: date, last: date) -> list[Fact]:
    """Each household screened within the period once, at its latest screening then (one screened in two villages
    after moving counts in the row it was last screened in, so that 合计 is the sum of the rows)."""
    latest: dict[str, Fact] = {}
    for f in facts:
        if f.kind is FactKind.SCREENED and first <= f.day <= last:
            kept = latest.get(f.subject)
            if kept is None or (f.day, f.position) >= (kept.day, kept.position):
                latest[f.subject] = f
    chosen = {id(f) for f in latest.values()}
    return [f for f in facts if f.kind is not FactKind.SCREENED or id(f) in chosen]


def _as_of(facts: list[Fact], last: date) -> list[Fact]:
    """Households and staff as the registry held them at the end of the period: each one's latest fact by then,
    counted where it was then (a household that moved counts once, in its new village)."""
    latest: dict[tuple[FactKind, str], Fact] = {}
    other: list[Fact] = []
    for f in facts:
        if f.kind in AS_OF_KINDS:
            if f.day <= last:
                latest[(f.kind, f.subject)] = f
        else:
            other.append(f)
    return other + sorted(latest.values(), key=lambda f: f.position)


def _by_category(facts: list[Fact]) -> list[int]:
    """户数 and 人数 for the total and each category; a case counts once (its latest fact in the list)."""
    latest = {f.subject: f for f in facts}
    out: list[int] = []
    for _, category in CATEGORY_COLUMNS:
        chosen = [f for f in latest.values() if category is None or f.category == category.value]
        out += [len(chosen), sum(f.persons for f in chosen)]
    return out


def _new_objects(facts: list[Fact], first: date, last: date) -> list[int]:
    """3-1 新增监测对象: cases identified (识别认定, their identification date) within the period, by category."""
    return _by_category([f for f in facts if f.kind is FactKind.IDENTIFIED and first <= f.day <= last])


def _rollbacks(facts: list[Fact], first: date, last: date) -> list[int]:
    """3-2 需要回退监测对象: eliminated cases the township asked to roll back (书面申请, seed §三(二)) within the
    period, by the category they were identified with; a case asked for twice counts once."""
    return _by_category([f for f in facts if f.kind is FactKind.ROLLBACK_NEEDED and first <= f.day <= last])


def _assistance(facts: list[Fact], first: date, last: date) -> list[int]:
    """3-3: 未消除风险总数 is the monitored objects whose risk is not eliminated at the end of the period. For each of
    不及时, 不精准 and 成效不明显: 排查 counts the cases with such a finding found within the period (recorded by a
    reviewer, or derived from the events: a plan or measures deadline missed, a risk without its measure, …); 整改
    counts those of them whose every such finding is rectified by the end of the period."""
    balance: dict[str, int] = {}
    persons: dict[str, int] = {}
    for f in facts:
        if f.kind is FactKind.MONITORING and f.day <= last:
            balance[f.subject] = balance.get(f.subject, 0) + f.delta
        if f.persons:
            persons[f.subject] = f.persons
    monitored = [s for s, n in balance.items() if n > 0]
    out = [len(monitored), sum(persons.get(s, 0) for s in monitored)]
    episodes = finding_episodes(facts)
    for kind, _ in ASSISTANCE_FINDINGS:
        found: dict[str, list[date | None]] = {}
        for subject, ref, found_on, rectified_on in episodes:
            if ref.startswith(f"{kind.value}:") and first <= found_on <= last:
                found.setdefault(subject, []).append(rectified_on)
        done = [s for s, ends in found.items() if all(end is not None and end <= last for end in ends)]
        out += [len(found), sum(persons.get(s, 0) for s in found), len(done), sum(persons.get(s, 0) for s in done)]
    return out


def finding_episodes(facts: list[Fact]) -> list[tuple[str, str, date, date | None]]:
    """Each finding from when it was found to when it was rectified (None: still open), in the order they were first
    found in the log. A finding found with delta -1 is withdrawn, its rectification with it: a derived one the later
    history shows never held (``domain.reports.facts``)."""
    episodes: dict[tuple[str, str, date], date | None] = {}  # (subject, ref, found on) -> rectified on
    open_on: dict[tuple[str, str], date] = {}
    for f in facts:
        key = (f.subject, f.ref)
        if f.kind is FactKind.FINDING_FOUND:
            if f.delta < 0:
                episodes.pop((*key, f.day), None)
                if open_on.get(key) == f.day:
                    del open_on[key]
            elif key not in open_on:  # found again while still open: the same finding goes on
                open_on[key] = f.day
                episodes[(*key, f.day)] = None
        elif f.kind is FactKind.FINDING_RECTIFIED and key in open_on:
            episodes[(*key, open_on.pop(key))] = f.day
    return [(s, r, found, end) for (s, r, found), end in episodes.items()]


def _screening(facts: list[Fact], first: date, last: date) -> list[int]:
    """3-4: 排查村个数, the villages where a household was screened within the period; 农户总数, the households in
    the registry at the end of the period and their persons; 排查农户数量, the households screened within the period
    with their persons at the latest such screening; 参与排查工作人员, the screening staff in the registry at the end
    of the period, each person once under their one identity (填表说明)."""
    # One each as of the period's end (or, read from the view, one per village with delta households in it).
    households = {f.subject: f for f in facts if f.kind is FactKind.HOUSEHOLD}
    screened = {f.subject: f for f in facts if f.kind is FactKind.SCREENED and first <= f.day <= last}
    staff = {f.subject: f for f in facts if f.kind is FactKind.STAFF}
    villages = {f.village_code for f in screened.values()}
    by_identity = [sum(1 for s in staff.values() if s.category == identity.value) for _, identity in STAFF_COLUMNS]
    return [
        len(villages),
        sum(f.delta for f in households.values()),
        sum(f.persons for f in households.values()),
        len(screened),
        sum(f.persons for f in screened.values()),
        sum(by_identity),
        *by_identity,
    ]


def filling_unit(areas: AreaTree, scope: str) -> str:
    """填报单位 as the seed prints it (“填报单位：        村委会  (盖章)”), the blank filled with the unit's name."""
    area = areas.get(scope)
    name = area.name if area else scope
    if area is not None and area.level is AreaLevel.VILLAGE and not area.resettlement_site:
        return f"填报单位：{name}村委会  (盖章)" if not name.endswith("村委会") else f"填报单位：{name}  (盖章)"
    return f"填报单位：{name}  (盖章)"
