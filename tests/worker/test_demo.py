"""The demo data generator (worker/demo/): deterministic, valid by every registry rule, readable back through the
roster import, and shaped like the seed township (15 villages and a relocation site, a minority of 脱贫户, a few
households at risk under the 7,100 yuan line)."""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from domain.campaigns.screening import assess, findings_problems
from domain.campaigns.values import ScreeningMethod
from domain.kernel.areas import DEFAULT_AREAS, Area, AreaLevel, AreaTree
from domain.kernel.policy import PolicyVersions
from domain.registry.roster import COLUMNS, read_roster
from domain.registry.rules import (
    HOUSEHOLD_NUMBER,
    LABOUR_CAPABLE,
    HouseholdRecord,
    Member,
    household_problems,
    member_problems,
    staff_problems,
)
from domain.registry.values import (
    Health,
    HouseholdType,
    LabourSkill,
    Relation,
    Risk,
    Schooling,
    Sex,
    SocialAssistance,
    StaffIdentity,
)
from tests.domain.registry_support import gb11643_check
from worker.demo.township import DemoData, demo_method, generate, roster_file
from workflows.registry.roster_files import read_table

TODAY = date(2023, 3, 1)  # the seed plan's spring campaign (seed §三: 全面排查 by 10 March)
SEED = 20230301
RELOCATION_SITE = "990102101201"


@pytest.fixture(scope="module")
def data() -> DemoData:
    return generate(2000, SEED, today=TODAY)


def members(data: DemoData) -> list[Member]:
    return [m for h in data.households for m in h.members]


def age(m: Member, today: date | None = None) -> int:
    today = today or TODAY
    b = m.birth_date
    return today.year - b.year - ((today.month, today.day) < (b.month, b.day))


def head(h: HouseholdRecord) -> Member:
    (only,) = [m for m in h.members if m.relation is Relation.HEAD]
    return only


# GB 11643-1999, written out independently of domain.registry.rules: weight of position i (from the left, 0-based)
# is 2^(17-i) mod 11; the check value is (12 - S mod 11) mod 11, with 10 written as X.
def test_the_independent_check_character_agrees_with_a_published_example() -> None:
    # The standard's example number 11010519491231002X.
    assert gb11643_check("11010519491231002") == "X"


# --- determinism ---------------------------------------------------------------------------------------------------


def test_the_same_arguments_give_identical_data() -> None:
    assert generate(300, 7, today=TODAY) == generate(300, 7, today=TODAY)


def test_different_seeds_give_different_data() -> None:
    a, b = generate(300, 7, today=TODAY), generate(300, 8, today=TODAY)

    assert {m.id_number for m in members(a)} != {m.id_number for m in members(b)}
    assert [h.members[0].name for h in a.households] != [h.members[0].name for h in b.households]
    assert a.findings != b.findings


def test_the_count_is_exact_and_zero_households_is_allowed() -> None:
    assert len(generate(37, 1, today=TODAY).households) == 37
    empty = generate(0, 1, today=TODAY)
    assert empty.households == [] and empty.findings == {}
    assert empty.staff  # the staff of the areas exist without households


# --- validity ------------------------------------------------------------------------------------------------------


def test_every_household_member_and_staff_record_passes_the_registry_rules(data: DemoData) -> None:
    assert len(data.households) == 2000
    for h in data.households:
        assert household_problems(h, TODAY) == [], h.household_number
        for m in h.members:
            assert member_problems(m, TODAY) == [], (h.household_number, m.name)
    for s in data.staff:
        assert staff_problems(s) == [], s.staff_number


def test_household_numbers_are_unique_demo_numbers_of_the_national_format(data: DemoData) -> None:
    numbers = [h.household_number for h in data.households]

    assert len(set(numbers)) == len(numbers)
    for n, h in zip(numbers, data.households, strict=True):
        assert HOUSEHOLD_NUMBER.match(n)
        assert n.startswith("DEMO-")
        assert h.village_code in n


def test_id_numbers_are_unique_valid_and_embed_birth_date_and_sex(data: DemoData) -> None:
    everyone = members(data)
    ids = [m.id_number for m in everyone]

    assert len(set(ids)) == len(ids)
    for m in everyone:
        n = m.id_number
        assert re.fullmatch(r"[1-9][0-9]{16}[0-9X]", n), n
        assert n[:6] == "990102"  # the county's address code
        assert n[17] == gb11643_check(n[:17]), n
        assert n[6:14] == m.birth_date.strftime("%Y%m%d")
        assert (int(n[16]) % 2 == 1) == (m.sex is Sex.MALE)  # odd sequence for men, even for women


def test_every_household_has_findings_that_pass_the_screening_rules(data: DemoData) -> None:
    assert set(data.findings) == {h.household_number for h in data.households}
    for number, f in data.findings.items():
        assert findings_problems(f) == [], number
        assert len(f.risks) <= 5


# --- the roster file -----------------------------------------------------------------------------------------------


def test_the_csv_roster_reads_back_as_exactly_the_generated_households(data: DemoData) -> None:
    table = read_table(roster_file(data, "csv"), "csv")
    roster = read_roster(table.headers, table.rows, TODAY, table.first_row)

    assert table.headers == [c.header for c in COLUMNS]
    assert roster.file_errors == [] and roster.orphan_errors == []
    assert [e for g in roster.households for e in g.errors] == []
    assert [g.record for g in roster.households] == data.households
    assert roster.row_count == len(members(data))


def test_the_xlsx_roster_reads_back_as_exactly_the_generated_households() -> None:
    small = generate(40, 3, today=TODAY)
    content = roster_file(small, "xlsx")
    table = read_table(content, "xlsx")
    roster = read_roster(table.headers, table.rows, TODAY, table.first_row)

    assert load_workbook(io.BytesIO(content), read_only=True).sheetnames == ["花名册"]
    assert [e for g in roster.households for e in g.errors] == []
    assert [g.record for g in roster.households] == small.households


def test_an_unknown_roster_format_is_refused() -> None:
    with pytest.raises(ValueError):
        roster_file(generate(1, 1, today=TODAY), "pdf")


# --- areas ---------------------------------------------------------------------------------------------------------


def test_households_are_spread_over_every_village_and_the_relocation_site(data: DemoData) -> None:
    per_village = Counter(h.village_code for h in data.households)

    assert set(per_village) == {v.code for v in DEFAULT_AREAS.villages()}
    assert min(per_village.values()) >= 2000 / 16 * 0.3


def test_only_households_at_the_relocation_site_are_flagged_as_living_there(data: DemoData) -> None:
    site = [h for h in data.households if h.village_code == RELOCATION_SITE]

    assert site
    for h in data.households:
        assert h.at_resettlement_site is DEFAULT_AREAS.village(h.village_code).resettlement_site
    # 易地扶贫搬迁 moved registered poor households: nearly all of them are 脱贫户.
    formerly_poor = [h for h in site if h.household_type != HouseholdType.ORDINARY.value]
    assert len(formerly_poor) / len(site) > 0.7


def test_another_area_tree_gets_its_own_villages_numbers_and_address_codes() -> None:
    tree = AreaTree(
        [
            Area("990203", "另一县", AreaLevel.COUNTY),
            Area("990203101", "甲乡", AreaLevel.TOWNSHIP),
            Area("990203102", "乙乡", AreaLevel.TOWNSHIP),
            Area("990203101001", "东村", AreaLevel.VILLAGE),
            Area("990203102001", "西村", AreaLevel.VILLAGE),
        ]
    )
    d = generate(120, 5, areas=tree, today=TODAY)

    assert {h.village_code for h in d.households} == {"990203101001", "990203102001"}
    assert len({h.household_number for h in d.households}) == 120
    assert all(m.id_number.startswith("990203") for m in members(d))
    assert all(not h.at_resettlement_site for h in d.households)
    township_cadres = Counter(s.area_code for s in d.staff if s.identity is StaffIdentity.TOWNSHIP_CADRE)
    assert set(township_cadres) == {"990203101", "990203102"}


# --- people --------------------------------------------------------------------------------------------------------


def test_households_have_plausible_sizes_types_and_one_head(data: DemoData) -> None:
    sizes = [len(h.members) for h in data.households]
    types = Counter(h.household_type for h in data.households)

    assert min(sizes) >= 1 and max(sizes) <= 7
    assert 2.5 <= sum(sizes) / len(sizes) <= 4.5
    assert 0.15 <= types[HouseholdType.FORMERLY_POOR.value] / len(sizes) <= 0.45
    assert types[HouseholdType.ORDINARY.value] > len(sizes) / 2
    assert 0 < types[HouseholdType.FORMERLY_POOR_NO_BENEFITS.value] < len(sizes) * 0.1
    for h in data.households:
        assert [m.relation for m in h.members].count(Relation.HEAD) == 1


def test_relations_ages_and_sexes_fit_together(data: DemoData) -> None:
    same_surname = children = 0
    for h in data.households:
        boss = head(h)
        for m in h.members:
            if m.relation is Relation.SPOUSE:
                assert m.sex is not boss.sex
                assert abs(age(m) - age(boss)) <= 8
                assert age(m) >= 18
            elif m.relation is Relation.CHILD:
                assert age(boss) - age(m) >= 15
                children += 1
                same_surname += m.name[0] == boss.name[0]
            elif m.relation in (Relation.PARENT, Relation.GRANDPARENT):
                assert age(m) - age(boss) >= 15
            elif m.relation is Relation.GRANDCHILD:
                assert age(boss) - age(m) >= 30
            assert 2 <= len(m.name) <= 3
    # The family name is mostly shared by the head and the children.
    assert same_surname / children > 0.7


def test_schooling_labour_and_health_are_consistent_with_age(data: DemoData) -> None:
    for h in data.households:
        f = data.findings[h.household_number]
        for m in h.members:
            a = age(m)
            if 6 <= a <= 11:
                assert m.schooling in (Schooling.PRIMARY, Schooling.NOT_IN_SCHOOL)
            elif 12 <= a <= 14:
                assert m.schooling in (Schooling.JUNIOR_SECONDARY, Schooling.NOT_IN_SCHOOL)
            elif 15 <= a <= 17:
                assert m.schooling in (
                    Schooling.SENIOR_SECONDARY,
                    Schooling.SECONDARY_VOCATIONAL,
                    Schooling.NOT_IN_SCHOOL,
                )
            elif a < 3 or a > 22:
                assert m.schooling is Schooling.NOT_IN_SCHOOL
            if 6 <= a <= 14 and m.schooling is Schooling.NOT_IN_SCHOOL:
                assert f.child_out_of_school  # 失学辍学 is flagged
            if a < 16 or a >= 80 or m.schooling is not Schooling.NOT_IN_SCHOOL:
                assert m.labour_skill is LabourSkill.NONE
            if m.health in (Health.SERIOUS_ILLNESS, Health.DISABLED):
                assert m.labour_skill in (LabourSkill.LOST, LabourSkill.WEAK_OR_HALF, LabourSkill.NONE)
            if m.migrant_work_months:
                assert m.labour_skill in LABOUR_CAPABLE and m.migrant_work_place
            else:
                assert m.migrant_work_place == ""


def test_health_labour_and_assistance_have_plausible_shares(data: DemoData) -> None:
    everyone = members(data)
    health = Counter(m.health for m in everyone)
    working_age = [m for m in everyone if 16 <= age(m) < 60 and m.labour_skill in LABOUR_CAPABLE]
    migrants = [m for m in working_age if m.migrant_work_months > 0]
    elderly = [m for m in everyone if age(m) >= 65]
    young = [m for m in everyone if 18 <= age(m) < 45]

    assert health[Health.HEALTHY] / len(everyone) > 0.75
    assert 0 < health[Health.SERIOUS_ILLNESS] < health[Health.CHRONIC_ILLNESS]
    assert 0 < health[Health.DISABLED] / len(everyone) < 0.08
    chronic = Health.CHRONIC_ILLNESS
    assert sum(m.health is chronic for m in elderly) / len(elderly) > sum(m.health is chronic for m in young) / len(
        young
    )
    assert 0.25 <= len(migrants) / len(working_age) <= 0.45
    adults = [m for m in everyone if 20 <= age(m) < 60 and m.health is Health.HEALTHY]
    assert sum(m.labour_skill is LabourSkill.ORDINARY for m in adults) / len(adults) > 0.6
    assert any(m.labour_skill is LabourSkill.SKILLED for m in adults)
    assert 0 < sum(not m.medical_insurance for m in everyone) < len(everyone) * 0.01
    dibao = [h for h in data.households if any(m.social_assistance is SocialAssistance.DIBAO for m in h.members)]
    tekun = [m for m in everyone if m.social_assistance is SocialAssistance.TEKUN]
    assert 0.02 < len(dibao) / len(data.households) < 0.2
    assert len(tekun) < len(dibao)
    for m in tekun:
        assert age(m) >= 60


def test_contact_details_look_real(data: DemoData) -> None:
    phones = [h.phone for h in data.households if h.phone]

    assert len(phones) / len(data.households) > 0.8
    assert all(re.fullmatch(r"1[3-9][0-9]{9}", p) for p in phones)
    for h in data.households:
        village = DEFAULT_AREAS.village(h.village_code)
        assert h.address.startswith(village.name)
        if not h.at_resettlement_site:
            assert re.fullmatch(re.escape(village.name) + r"[0-9]+组[0-9]+号", h.address)


# --- findings ------------------------------------------------------------------------------------------------------


def test_a_sane_share_of_households_is_at_risk_under_the_seed_line(data: DemoData) -> None:
    registry = PolicyVersions()
    assessments = [
        assess(data.findings[h.household_number], len(h.members), registry.in_force(h.village_code, TODAY))
        for h in data.households
    ]
    at_risk = [a for a in assessments if a.at_risk]

    assert {a.monitoring_line for a in assessments} == {Decimal("7100")}
    assert 0.02 <= len(at_risk) / len(assessments) <= 0.20
    below = [a for a in assessments if a.per_capita_net_income <= a.monitoring_line]
    assert 0 < len(below) <= len(at_risk)
    median = sorted(a.per_capita_net_income for a in assessments)[len(assessments) // 2]
    assert Decimal(10000) < median < Decimal(25000)


def test_risks_are_listed_only_for_households_at_risk_and_fit_the_household(data: DemoData) -> None:
    registry = PolicyVersions()
    for h in data.households:
        f = data.findings[h.household_number]
        policy = registry.in_force(h.village_code, TODAY)
        unlisted = assess(replace(f, risks=()), len(h.members), policy)
        health = {m.health for m in h.members}
        assert len(set(f.risks)) == len(f.risks) <= 5
        if not unlisted.at_risk:
            assert f.risks == ()
            continue
        assert f.risks
        if Risk.ILLNESS in f.risks:
            assert health & {Health.SERIOUS_ILLNESS, Health.CHRONIC_ILLNESS}
        if Risk.DISABILITY in f.risks:
            assert Health.DISABLED in health
        if Risk.LACK_OF_LABOUR in f.risks:
            full = sum(m.labour_skill in (LabourSkill.ORDINARY, LabourSkill.SKILLED) for m in h.members)
            assert not all(m.labour_capable for m in h.members) and full * 4 <= len(h.members)
        if Risk.UNSTABLE_EMPLOYMENT in f.risks:
            assert any(m.labour_capable for m in h.members)
        if f.housing_unsafe:
            assert Risk.HOUSING_SAFETY in f.risks
        if f.water_unsafe:
            assert Risk.WATER_SAFETY in f.risks


def test_incomes_and_expenditures_follow_the_members(data: DemoData) -> None:
    flags = Counter[str]()
    for h in data.households:
        f = data.findings[h.household_number]
        if any(m.migrant_work_months for m in h.members):
            assert f.wage_income > 0
        if not any(m.labour_capable for m in h.members):
            assert f.wage_income == 0
        if any(m.social_assistance is not SocialAssistance.NONE for m in h.members):
            assert f.transfer_income > 0
        assert f.member_uninsured == (not all(m.medical_insurance for m in h.members))
        if f.medical_expenditure > 20000:  # large medical spending comes from serious illness (or an accident)
            assert Health.SERIOUS_ILLNESS in {m.health for m in h.members} or Risk.ACCIDENT in f.risks
        if not any(m.schooling is not Schooling.NOT_IN_SCHOOL for m in h.members):
            assert f.schooling_expenditure == 0
        if h.at_resettlement_site:
            assert not f.housing_unsafe and not f.water_unsafe
        for name in ("housing_unsafe", "water_unsafe", "member_uninsured", "newly_applied_dibao"):
            flags[name] += getattr(f, name)
    # A few households with each shortfall, not many.
    for name, count in flags.items():
        assert count < len(data.households) * 0.03, name
    assert flags["housing_unsafe"] + flags["water_unsafe"] > 0
    assert any(f.medical_expenditure > 20000 for f in data.findings.values())


# --- screening method ----------------------------------------------------------------------------------------------


def test_phone_or_wechat_only_for_households_with_a_member_working_away(data: DemoData) -> None:
    methods = Counter[ScreeningMethod]()
    for h in data.households:
        method = demo_method(h)
        methods[method] += 1
        if not any(m.migrant_work_months > 0 for m in h.members):
            assert method is ScreeningMethod.IN_PERSON
    assert methods[ScreeningMethod.IN_PERSON] > len(data.households) / 2
    assert methods[ScreeningMethod.PHONE] > 0 and methods[ScreeningMethod.WECHAT] > 0


def test_a_household_with_someone_at_home_able_to_answer_is_visited() -> None:
    d = generate(400, 11, today=TODAY)
    for h in d.households:
        if any(m.migrant_work_months == 0 and m.labour_capable for m in h.members):
            assert demo_method(h) is ScreeningMethod.IN_PERSON
    assert demo_method(d.households[0]) == demo_method(d.households[0])


# --- staff ---------------------------------------------------------------------------------------------------------


def test_staff_cover_every_village_with_one_identity_each(data: DemoData) -> None:
    numbers = [s.staff_number for s in data.staff]
    assert len(set(numbers)) == len(numbers)
    assert all(n.startswith("DEMO-S") for n in numbers)

    by_area = Counter((s.area_code, s.identity) for s in data.staff)
    for village in DEFAULT_AREAS.villages():
        assert 2 <= by_area[(village.code, StaffIdentity.VILLAGE_CADRE)] <= 4
        assert 1 <= by_area[(village.code, StaffIdentity.GRID_WORKER)] <= 2
        assert by_area[(village.code, StaffIdentity.VILLAGE_DOCTOR)] == 1
        assert by_area[(village.code, StaffIdentity.RESPONSIBLE_PERSON)] >= 2
    township = [s for s in data.staff if s.identity is StaffIdentity.TOWNSHIP_CADRE]
    resident = [s for s in data.staff if s.identity is StaffIdentity.RESIDENT_CADRE]
    county = [s for s in data.staff if s.identity is StaffIdentity.COUNTY_DEPARTMENT]
    assert len(township) >= 2 and {s.area_code for s in township} == {"990102101"}
    assert resident and all(DEFAULT_AREAS.village(s.area_code) for s in resident)
    assert 1 <= len(county) <= 2 and {s.area_code for s in county} == {"990102"}
    assert all(re.fullmatch(r"1[3-9][0-9]{9}", s.phone) for s in data.staff)
