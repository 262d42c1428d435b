"""A deterministic generator of synthetic, clearly fictional households, staff and screening findings, for demos and
benchmarks.

Everything is drawn from one ``random.Random(seed)``: the same (households, seed, areas, today) always gives the same
data. Every household number starts with ``DEMO-`` and every staff number with ``DEMO-S``; names are random
combinations of common family names and given-name characters, so no record describes a real person.

What the data imitates: the seed plan's township (15 villages and a relocation site, seeds/township-screening-plan.txt
§一), the national system's household and member fields (domain.md §9), the three household types (domain.md §2),
migrant households screened by phone or WeChat (seed §三(一)), the staff identities of table 3-4 (seed 附件3-4), and
findings that put a small share of households inside the 7,100 yuan line or into the plan's key groups (seed §二(一)).

Where a figure below has a source it is named; "general knowledge" marks a published national statistic that was not
re-checked here; "assumption" marks a figure chosen only to look plausible. None of them is policy.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Generic, TypeVar

from domain.campaigns.screening import ScreeningFindings, assess
from domain.campaigns.values import ScreeningMethod
from domain.kernel.areas import DEFAULT_AREAS, Area, AreaLevel, AreaTree
from domain.kernel.policy import PolicyRegistry
from domain.kernel.time import SHANGHAI
from domain.registry.roster import COLUMNS, record_rows
from domain.registry.rules import LABOUR_CAPABLE, HouseholdRecord, Member, StaffRecord, id_check_character
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
from workflows.roster_files import write_csv, write_xlsx

ROSTER_SHEET = "花名册"
HOUSEHOLD_PREFIX = "DEMO-"
STAFF_PREFIX = "DEMO-S"
_DEFAULT_ID_PREFIX = "990102"  # the fictional county of domain/areas.py
T = TypeVar("T")


@dataclass(frozen=True)
class DemoData:
    households: list[HouseholdRecord]
    staff: list[StaffRecord]
    findings: dict[str, ScreeningFindings]  # household_number -> plausible screening findings for that household


# ----- distributions -------------------------------------------------------------------------------------------

# Household size 1–7, mean ≈ 3.45. Assumption, in the range of registered rural households (户籍户) in poverty-
# monitoring rosters (3–4 people); the 2020 census's 2.62 people per household counts dwelling households, smaller.
_SIZE_WEIGHTS = ((1, 12), (2, 20), (3, 20), (4, 22), (5, 15), (6, 8), (7, 3))
# Household type (domain.md §2, §9). Assumption: ≈ 25% 脱贫户 in a village of a formerly poor county and a few
# 脱贫不享受政策户; households at a relocation site moved under 易地扶贫搬迁, which was for registered poor households
# (domain.md §2), so nearly all of them are formerly poor.
_TYPE_WEIGHTS_VILLAGE = (
    (HouseholdType.ORDINARY, 72),
    (HouseholdType.FORMERLY_POOR, 25),
    (HouseholdType.FORMERLY_POOR_NO_BENEFITS, 3),
)
_TYPE_WEIGHTS_SITE = (
    (HouseholdType.ORDINARY, 6),
    (HouseholdType.FORMERLY_POOR, 89),
    (HouseholdType.FORMERLY_POOR_NO_BENEFITS, 5),
)
# Income level of a household relative to the village (lognormal mean of log): formerly poor households earn less
# than their neighbours, those no longer receiving benefits about as much (assumption).
_PROSPERITY_MU = {
    HouseholdType.ORDINARY: 0.0,
    HouseholdType.FORMERLY_POOR: -0.1,
    HouseholdType.FORMERLY_POOR_NO_BENEFITS: 0.0,
}

# Family names with rough national frequencies in per mille (general knowledge: the Ministry of Public Security's
# 2020 household-registration name report lists 王, 李, 张, 刘, 陈 as the five commonest, about 30% together).
_SURNAMES = (
    ("王", 71), ("李", 70), ("张", 65), ("刘", 53), ("陈", 46), ("杨", 31), ("黄", 23), ("赵", 22), ("吴", 20),
    ("周", 19), ("徐", 13), ("孙", 13), ("马", 12), ("朱", 12), ("胡", 11), ("郭", 11), ("何", 10), ("高", 10),
    ("林", 10), ("罗", 9), ("郑", 9), ("梁", 9), ("谢", 8), ("宋", 7), ("唐", 7), ("许", 7), ("韩", 6), ("冯", 6),
    ("邓", 6), ("曹", 6), ("彭", 6), ("曾", 5), ("肖", 5), ("田", 5), ("董", 5), ("袁", 5), ("潘", 4), ("于", 4),
    ("蒋", 4), ("蔡", 4), ("余", 4), ("杜", 4), ("叶", 4), ("程", 4), ("苏", 3), ("魏", 3), ("吕", 3), ("丁", 3),
    ("任", 3), ("沈", 3), ("龙", 2), ("向", 2), ("谭", 2), ("廖", 2), ("覃", 2), ("雷", 2),
)  # fmt: skip
# Given-name characters by generation and sex (assumption: typical of names given before and after about 1980).
_GIVEN = {
    (False, Sex.MALE): "国建华明军平志刚海林成荣福德文东强勇富贵长生永春发金山光友学忠全",
    (False, Sex.FEMALE): "秀英兰芳华桂凤玉梅珍琴霞萍娥翠莲红菊花群云素淑彩香",
    (True, Sex.MALE): "伟涛鹏辉宇浩轩子俊磊超杰斌鑫航晨博豪睿泽然阳毅凯翔文明",
    (True, Sex.FEMALE): "婷雪琳欣怡佳悦梓涵诗雨静丽敏燕娟丹倩颖萱琪月晴妍蕾思",
}
_YOUNG_NAMES_FROM = 1980  # birth year from which the younger pool is used

# Health by age band: (upper age exclusive, P(disabled), P(serious illness), P(chronic illness)). Disability ≈ 6.3%
# of the population in the 2006 national sample survey of disability (general knowledge), fewer certified; chronic
# illness rises steeply with age (national health service surveys, general knowledge); the figures are assumptions
# in that shape. Serious illness (患大病) is rare.
_HEALTH_BANDS = (
    (15, 0.008, 0.002, 0.01),
    (45, 0.020, 0.004, 0.04),
    (60, 0.035, 0.010, 0.12),
    (70, 0.055, 0.015, 0.25),
    (200, 0.080, 0.020, 0.35),
)
# Members without basic medical insurance: participation is above 95% (general knowledge); assumption 0.15%.
_UNINSURED = 0.0015

# Migrant work (务工所在地, 务工时长, domain.md §9). General knowledge (NBS 农民工监测调查报告 2022): about 58% of rural
# migrant workers work outside their township, mostly in the eastern provinces, for 10 months a year on average,
# for about 4,600 yuan a month. Places and weights are assumptions in that shape.
_PLACES = (
    ("县城", 18), ("省城", 8), ("浙江宁波", 8), ("广东东莞", 8), ("广东深圳", 7), ("广东广州", 6), ("江苏苏州", 6),
    ("浙江杭州", 5), ("上海", 5), ("浙江义乌", 4), ("广东佛山", 4), ("福建泉州", 4), ("江苏昆山", 3),
    ("福建厦门", 3), ("北京", 3), ("新疆", 2),
)  # fmt: skip
_MONTHS = ((12, 40), (11, 8), (10, 10), (9, 7), (8, 6), (7, 5), (6, 9), (5, 4), (4, 4), (3, 4), (2, 2), (1, 1))
# Monthly wage by labour skill (yuan): around the NBS figure above (general knowledge), skilled higher (assumption).
_MONTHLY_WAGE = {LabourSkill.SKILLED: 5600, LabourSkill.ORDINARY: 4300, LabourSkill.WEAK_OR_HALF: 2800}

# Schooling expenditure a year per student (yuan): compulsory schooling is free of tuition, so meals, transport and
# materials; vocational secondary school is free of tuition; tuition and living costs for higher education, less
# state grants (国家助学金). Assumptions.
_SCHOOL_COST = {
    Schooling.PRESCHOOL: (500, 2000),
    Schooling.PRIMARY: (100, 600),
    Schooling.JUNIOR_SECONDARY: (200, 1000),
    Schooling.SENIOR_SECONDARY: (2000, 5000),
    Schooling.SECONDARY_VOCATIONAL: (1000, 3500),
    Schooling.HIGHER_VOCATIONAL: (5000, 12000),
    Schooling.UNDERGRADUATE: (7000, 15000),
}

# Sudden events of the past year (domain.md §2 突发严重困难; §5 risk list): per household per year (assumptions).
_SHOCKS = ((Risk.NATURAL_DISASTER, 0.010), (Risk.ACCIDENT, 0.004), (Risk.FAILED_ENTERPRISE, 0.004))
# Shortfalls of 三保障 and drinking water: rare after the 2020 targets were met (assumptions).
_HOUSING_UNSAFE = 0.003
_WATER_UNSAFE = 0.003
_OUT_OF_SCHOOL = 0.002  # per child of compulsory-school age
_COMPULSORY_AGE = (6, 14)  # nine years of compulsory schooling: primary 6–11, junior secondary 12–14
# Rural 低保 standard, yuan per person per year: the national average was about 7,000 in 2022 (general knowledge);
# assumption for this county.
_DIBAO_STANDARD = 7000
_NEWLY_APPLIED_DIBAO = 0.05  # share of 低保 households that were newly identified or applied this year

# Mobile number prefixes of the three carriers (general knowledge); most households give one (assumption: 92%).
_MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
    "156", "157", "158", "159", "166", "173", "176", "177", "178", "180", "181", "182", "183", "184", "185",
    "186", "187", "188", "189", "191", "198", "199",
)  # fmt: skip
_HAS_PHONE = 0.92

_STUDENT = frozenset(
    {
        Schooling.PRESCHOOL,
        Schooling.PRIMARY,
        Schooling.JUNIOR_SECONDARY,
        Schooling.SENIOR_SECONDARY,
        Schooling.SECONDARY_VOCATIONAL,
        Schooling.HIGHER_VOCATIONAL,
        Schooling.UNDERGRADUATE,
    }
)
_FULL_LABOUR = frozenset({LabourSkill.ORDINARY, LabourSkill.SKILLED})


class _Picker(Generic[T]):
    """Draws from a fixed weighted list with one random number (faster than ``random.choices`` in a hot loop)."""

    def __init__(self, weights: tuple[tuple[T, int], ...]) -> None:
        total = float(sum(w for _, w in weights))
        self.values = [v for v, _ in weights]
        self.bounds: list[float] = []
        acc = 0.0
        for _, w in weights:
            acc += w / total
            self.bounds.append(acc)
        self.bounds[-1] = 1.0

    def pick(self, rng: random.Random) -> T:
        r = rng.random()
        for value, bound in zip(self.values, self.bounds, strict=True):
            if r < bound:
                return value
        return self.values[-1]


_SIZE = _Picker(_SIZE_WEIGHTS)
_TYPE = {False: _Picker(_TYPE_WEIGHTS_VILLAGE), True: _Picker(_TYPE_WEIGHTS_SITE)}
_SURNAME = _Picker(_SURNAMES)
_PLACE = _Picker(_PLACES)
_MONTH = _Picker(_MONTHS)


# ----- people --------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Person:
    relation: Relation
    sex: Sex
    surname: str
    age: int  # the intended age; the exact age from the birth date is set in ``_person_facts``
    name: str = ""
    birth: date = date(2000, 1, 1)
    id_number: str = ""
    health: Health = Health.HEALTHY
    labour: LabourSkill = LabourSkill.NONE
    schooling: Schooling = Schooling.NOT_IN_SCHOOL
    insured: bool = True
    assistance: SocialAssistance = SocialAssistance.NONE
    place: str = ""
    months: int = 0


def _other(sex: Sex) -> Sex:
    return Sex.FEMALE if sex is Sex.MALE else Sex.MALE


def _sex(rng: random.Random, p_male: float = 0.5) -> Sex:
    return Sex.MALE if rng.random() < p_male else Sex.FEMALE


class _Families:
    """Household compositions (assumptions in the shape of rural households: nuclear families, empty-nest elderly
    couples, three generations with a married son, single elderly or unmarried men). Ages are in years; a spouse is
    within a few years of the head, children 20–40 years younger than their parents, parents 22–35 years older."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def surname(self, clans: list[str]) -> str:
        """A family name: one of the village's lineages half the time, else drawn by national frequency."""
        rng = self.rng
        if clans and rng.random() < 0.5:
            return clans[int(rng.random() * len(clans))]
        return _SURNAME.pick(rng)

    def children(self, parent_age: int, count: int, surname: str, relation: Relation) -> list[_Person]:
        rng = self.rng
        low, high = max(0, parent_age - 40), max(0, parent_age - 20)
        return [_Person(relation, _sex(rng, 0.52), surname, rng.randint(low, high)) for _ in range(count)]

    def build(self, size: int, clans: list[str]) -> list[_Person]:
        rng = self.rng
        surname = self.surname(clans)
        if size == 1:
            if rng.random() < 0.6:  # single elderly, more often widows
                return [_Person(Relation.HEAD, _sex(rng, 0.45), surname, rng.randint(60, 90))]
            return [_Person(Relation.HEAD, _sex(rng, 0.75), surname, rng.randint(25, 59))]
        r = rng.random()
        if size == 2:
            if r < 0.75:
                age = rng.randint(55, 86) if r < 0.55 else rng.randint(22, 54)
                return self.couple(age, surname)
            if r < 0.9:
                head = _Person(Relation.HEAD, _sex(rng, 0.6), surname, rng.randint(42, 80))
                return [head, *self.children(head.age, 1, surname, Relation.CHILD)]
            head = _Person(Relation.HEAD, _sex(rng, 0.8), surname, rng.randint(25, 55))
            return [head, self.parent(head)]
        if size >= 4 and r < 0.35:
            return self.three_generations(size, surname)
        return self.nuclear(size, surname)

    def couple(self, head_age: int, surname: str) -> list[_Person]:
        rng = self.rng
        head = _Person(Relation.HEAD, _sex(rng, 0.85), surname, head_age)
        gap = rng.randint(-2, 5)  # a wife is usually a little younger
        spouse_age = head_age - gap if head.sex is Sex.MALE else head_age + gap
        spouse = _Person(Relation.SPOUSE, _other(head.sex), self.surname([]), max(20, min(95, spouse_age)))
        return [head, spouse]

    def parent(self, head: _Person) -> _Person:
        rng = self.rng
        sex = _sex(rng, 0.35)  # a surviving single parent is more often the mother
        surname = head.surname if sex is Sex.MALE else self.surname([])
        return _Person(Relation.PARENT, sex, surname, min(98, head.age + rng.randint(22, 35)))

    def nuclear(self, size: int, surname: str) -> list[_Person]:
        rng = self.rng
        single_parent = rng.random() < 0.06
        adults = 1 if single_parent else 2
        rest = size - adults
        if rest <= 1:
            parents = 0
        elif rest == 2:
            parents = 1 if rng.random() < 0.2 else 0
        else:
            parents = (0, 0, 1, 1, 2)[int(rng.random() * 5)]
        children = rest - parents
        if children > 3:
            parents = min(2, parents + children - 3)
            children = rest - parents
        head_age = rng.randint(28, 55) if parents else rng.randint(24, 58)
        if single_parent:
            people = [_Person(Relation.HEAD, _sex(rng, 0.6), surname, head_age)]
        else:
            people = self.couple(head_age, surname)
        father = next((p for p in people if p.sex is Sex.MALE), people[0])
        people.extend(self.children(head_age, children, father.surname, Relation.CHILD))
        if parents == 2:
            people.append(
                _Person(Relation.PARENT, Sex.MALE, people[0].surname, min(98, head_age + rng.randint(24, 35)))
            )
            people.append(
                _Person(Relation.PARENT, Sex.FEMALE, self.surname([]), min(98, head_age + rng.randint(22, 33)))
            )
        elif parents == 1:
            people.append(self.parent(people[0]))
        return people

    def three_generations(self, size: int, surname: str) -> list[_Person]:
        rng = self.rng
        people = self.couple(rng.randint(50, 78), surname)
        head = people[0]
        line = head.surname if head.sex is Sex.MALE else people[1].surname
        son = _Person(Relation.CHILD, Sex.MALE, line, max(20, head.age - rng.randint(22, 32)))
        wife = _Person(Relation.CHILD_IN_LAW, Sex.FEMALE, self.surname([]), max(20, son.age + rng.randint(-4, 2)))
        people += [son, wife]
        grandchildren = size - 4
        extra = max(0, grandchildren - 3)
        for _ in range(extra):  # an unmarried younger child of the head
            people.append(_Person(Relation.CHILD, _sex(rng, 0.55), line, max(16, son.age - rng.randint(1, 10))))
        people.extend(self.children(son.age, grandchildren - extra, line, Relation.GRANDCHILD))
        return people


def _age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


class _Ids:
    """Unique 18-character citizen ID numbers (GB 11643-1999): 6-digit address code, birth date, a 3-digit sequence
    (odd for men, even for women) and the check character."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.next: dict[tuple[str, int, Sex], int] = {}

    def assign(self, person: _Person, prefix: str, today_ordinal: int) -> None:
        rng = self.rng
        ordinal = today_ordinal - int((person.age + rng.random()) * 365.2425)
        while True:
            key = (prefix, ordinal, person.sex)
            k = self.next.get(key)
            if k is None:
                k = int(rng.random() * 200)  # start somewhere in the range, as real sequences do
            sequence = 2 * k + (1 if person.sex is Sex.MALE else 2)
            if sequence <= 999:
                break
            ordinal -= 1  # this day's sequences are used up: one day earlier
        self.next[key] = k + 1
        birth = date.fromordinal(ordinal)
        first17 = f"{prefix}{birth.year:04d}{birth.month:02d}{birth.day:02d}{sequence:03d}"
        person.birth = birth
        person.id_number = first17 + id_check_character(first17)


def _person_facts(rng: random.Random, p: _Person, today: date) -> None:
    """Health, labour skill, schooling, insurance and migrant work, consistent with age and with each other."""
    age = p.age = _age_on(p.birth, today)
    for upper, p_disabled, p_serious, p_chronic in _HEALTH_BANDS:
        if age < upper:
            r = rng.random()
            if r < p_disabled:
                p.health = Health.DISABLED
            elif r < p_disabled + p_serious:
                p.health = Health.SERIOUS_ILLNESS
            elif r < p_disabled + p_serious + p_chronic:
                p.health = Health.CHRONIC_ILLNESS
            break
    # Schooling by age (China's system: primary 6–11, junior secondary 12–14, senior or vocational 15–17, higher
    # 18–22). Enrolment shares are assumptions near the national rates (preschool ≈ 90%, senior secondary ≈ 90%,
    # higher education lower for rural youth than the national ≈ 60%).
    r = rng.random()
    if 3 <= age <= 5:
        p.schooling = Schooling.PRESCHOOL if r < 0.88 else Schooling.NOT_IN_SCHOOL
    elif _COMPULSORY_AGE[0] <= age <= _COMPULSORY_AGE[1] and r < _OUT_OF_SCHOOL:
        p.schooling = Schooling.NOT_IN_SCHOOL  # 失学辍学 (domain.md §5), flagged in the findings
    elif 6 <= age <= 11:
        p.schooling = Schooling.PRIMARY
    elif 12 <= age <= 14:
        p.schooling = Schooling.JUNIOR_SECONDARY
    elif 15 <= age <= 17:
        if r < 0.55:
            p.schooling = Schooling.SENIOR_SECONDARY
        elif r < 0.88:
            p.schooling = Schooling.SECONDARY_VOCATIONAL
    elif 18 <= age <= 22 and p.relation in (Relation.CHILD, Relation.GRANDCHILD):
        if r < 0.22:
            p.schooling = Schooling.HIGHER_VOCATIONAL
        elif r < 0.42:
            p.schooling = Schooling.UNDERGRADUATE
    # Labour skill (劳动技能, domain.md §9): children, students and the very old have none; serious illness and
    # disability take it away or halve it; working-age adults are mostly ordinary labour, some skilled (assumptions).
    r = rng.random()
    if age < 16 or p.schooling in _STUDENT or age >= 80:
        p.labour = LabourSkill.NONE
    elif p.health in (Health.SERIOUS_ILLNESS, Health.DISABLED):
        p.labour = LabourSkill.LOST if r < 0.6 else LabourSkill.WEAK_OR_HALF
    elif age >= 70:
        p.labour = LabourSkill.WEAK_OR_HALF if r < (0.35 if p.health is Health.HEALTHY else 0.15) else LabourSkill.NONE
    elif age >= 60:
        if p.health is Health.HEALTHY:
            p.labour = LabourSkill.ORDINARY if r < 0.4 else LabourSkill.WEAK_OR_HALF if r < 0.92 else LabourSkill.NONE
        else:
            p.labour = LabourSkill.WEAK_OR_HALF if r < 0.65 else LabourSkill.NONE
    elif p.health is Health.CHRONIC_ILLNESS:
        p.labour = LabourSkill.WEAK_OR_HALF if r < 0.5 else LabourSkill.ORDINARY
    else:
        p.labour = LabourSkill.SKILLED if r < 0.2 else LabourSkill.ORDINARY if r < 0.96 else LabourSkill.WEAK_OR_HALF
    p.insured = rng.random() >= _UNINSURED
    # Migrant work: about a third of labour-capable adults work away (general knowledge: 172 million of 296 million
    # rural migrant workers in 2022 left their township, NBS); younger and fully able adults more often (assumption).
    if p.labour in LABOUR_CAPABLE and age < 65:
        if p.labour is LabourSkill.WEAK_OR_HALF:
            chance = 0.08
        elif age < 18:
            chance = 0.3
        elif age <= 45:
            chance = 0.48
        elif age <= 55:
            chance = 0.3
        elif age < 60:
            chance = 0.15
        else:
            chance = 0.06
        if rng.random() < chance:
            p.place = _PLACE.pick(rng)
            p.months = _MONTH.pick(rng)


# ----- findings ------------------------------------------------------------------------------------------------


@dataclass
class _Money:
    wage: int = 0
    business: int = 0
    property: int = 0
    transfer: int = 0
    costs: int = 0
    medical: int = 0
    schooling: int = 0
    shock: Risk | None = None


def _earnings(rng: random.Random, people: list[_Person], prosperity: float, at_site: bool) -> _Money:
    """Income from work, farming and property (yuan, past 12 months), from the members' labour and migrant work.
    Amounts are assumptions, calibrated so that the median per-capita net income (≈ 16,000 yuan) is near the 2022
    figure for rural residents of formerly poor counties (about 15,000 yuan, general knowledge) and about 4% of
    households are at or below the seed plan's 7,100 yuan line; with rigid expenditure, shortfall flags and new
    低保 applications, `assess` finds about 8% of households at risk (measured over several seeds)."""
    m = _Money()
    for p in people:
        if p.labour not in LABOUR_CAPABLE or p.age >= 75:
            continue
        full = p.labour in _FULL_LABOUR
        if p.months:
            monthly = _MONTHLY_WAGE[p.labour] * (0.75 + 0.5 * rng.random()) * prosperity
            m.wage += int(monthly * p.months)
        elif p.age < 60 and full and rng.random() < (0.8 if at_site else 0.6):
            # Local work: day labour, a factory in the county or at the relocation site (扶贫车间).
            m.wage += int((16000 + 20000 * rng.random()) * prosperity)
        elif p.age < 65 and full:  # farming full-time: larger fields, livestock, cash crops
            m.business += int((18000 + 22000 * rng.random()) * prosperity * (0.3 if at_site else 1.0))
        elif rng.random() < 0.4:  # weak labour: a public-welfare job (公益性岗位, 300–700 yuan a month)
            m.wage += 12 * (300 + int(400 * rng.random()))
        # Everyone able to work tends the household's plot for the months at home; little land at a relocation site.
        share = (12 - p.months) / 12
        base = (3000 if full else 2500) * (0.5 + rng.random()) * prosperity * share
        m.business += int(base * (0.3 if at_site else 1.0))
    m.costs = int(m.business * (0.25 + 0.15 * rng.random()))
    # Property income: land transferred out (土地流转), dividends of collective enterprises (assumption).
    if rng.random() < (0.6 if at_site else 0.3):
        m.property += 200 + int(2800 * rng.random())
    return m


def _shock(rng: random.Random, m: _Money) -> None:
    """A sudden event of the past year cuts income (domain.md §2 突发严重困难户; magnitudes are assumptions)."""
    r = rng.random()
    acc = 0.0
    for risk, chance in _SHOCKS:
        acc += chance
        if r < acc:
            m.shock = risk
            if risk is Risk.NATURAL_DISASTER:
                m.business = int(m.business * 0.3)
            elif risk is Risk.FAILED_ENTERPRISE:
                m.costs = m.business + int(5000 + 20000 * rng.random())
            else:  # an accident: the main earner stops working for months and needs treatment
                m.wage = int(m.wage * 0.4)
                m.medical += 3000 + int(15000 * rng.random())
            return


def _transfers(rng: random.Random, m: _Money, people: list[_Person], household_type: HouseholdType) -> bool:
    """Pensions, disability allowances, support from children living elsewhere, 低保 and 特困 payments; whether the
    household newly applied for 低保. Sets each member's 低保/特困 status."""
    elderly = [p for p in people if p.age >= 60]
    allowances = 0
    for _ in elderly:
        allowances += 12 * (110 + int(90 * rng.random()))  # basic pension, ≈ 100–200 yuan a month (general knowledge)
    for p in people:
        if p.health is Health.DISABLED:
            allowances += 1200  # 困难残疾人生活补贴 / 重度残疾人护理补贴, ≈ 100 yuan a month (assumption)
    m.transfer += allowances
    if any(p.labour in LABOUR_CAPABLE for p in people):
        m.transfer += 200 + int(800 * rng.random())  # 耕地地力保护补贴, ≈ 100 yuan a mu (general knowledge)
    if household_type is HouseholdType.FORMERLY_POOR:
        m.transfer += int(1500 * rng.random())  # industry subsidies, ecological compensation (assumption)
    no_working_age = not any(p.labour in _FULL_LABOUR for p in people)
    if elderly and no_working_age and rng.random() < 0.9:
        m.transfer += len(elderly) * (4000 + int(6000 * rng.random()))  # 赡养费 from children living away (assumption)
    size = len(people)
    # Income as the 低保 test sees it: without pensions and disability allowances (common local practice; assumption).
    means = (m.wage + m.business + m.property + m.transfer - m.costs - allowances) / size
    weak = no_working_age or any(p.health in (Health.SERIOUS_ILLNESS, Health.DISABLED) for p in people)
    # 特困: single, no labour capacity, no one obliged to support them, no other means (assumption: most such people).
    alone = size == 1 and people[0].labour not in LABOUR_CAPABLE and people[0].age >= 60
    if alone and means < 3000 and rng.random() < 0.7:
        people[0].assistance = SocialAssistance.TEKUN
        m.transfer += 8000 + int(2000 * rng.random())  # ≥ 1.3 × the 低保 standard (assumption)
        return False
    # 低保 for low-income households, mostly those without labour or with serious illness or disability: rural 低保
    # covers about 7% of the rural population (general knowledge: ≈ 34 million in 2022); shares are assumptions.
    if means < _DIBAO_STANDARD:
        chance = 0.8 if weak else 0.5
    elif means < 9000:
        chance = 0.3 if weak else 0.05
    else:
        chance = 0.005
    if household_type is HouseholdType.FORMERLY_POOR_NO_BENEFITS or rng.random() >= chance:
        return False
    whole = rng.random() < 0.7  # 整户保, otherwise only the members who cannot work (分类施保)
    covered = [p for p in people if whole or p.labour not in _FULL_LABOUR] or people
    # 补差: each covered member receives the gap between the local standard and the household's means, at least a
    # minimum payment (assumption).
    gap = max(1200.0, _DIBAO_STANDARD - means)
    for p in covered:
        p.assistance = SocialAssistance.DIBAO
        m.transfer += int(gap * (0.9 + 0.2 * rng.random()))
    return rng.random() < _NEWLY_APPLIED_DIBAO


def _expenditure(rng: random.Random, m: _Money, people: list[_Person]) -> None:
    """合规自付支出: out-of-pocket medical costs after insurance (large for serious illness) and schooling costs."""
    for p in people:
        if p.health is Health.SERIOUS_ILLNESS:
            m.medical += 3000 + int(30000 * rng.random() ** 2)  # assumption: many thousand, a quarter above 20,000
        elif p.health is Health.CHRONIC_ILLNESS:
            m.medical += 100 + int(1100 * rng.random())
        cost = _SCHOOL_COST.get(p.schooling)
        if cost is not None:
            m.schooling += cost[0] + int((cost[1] - cost[0]) * rng.random())


def _out_of_school(p: _Person) -> bool:
    return _COMPULSORY_AGE[0] <= p.age <= _COMPULSORY_AGE[1] and p.schooling is Schooling.NOT_IN_SCHOOL


def _lack_of_labour_valid(people: list[_Person]) -> bool:
    """缺劳动力 is invalid if every member has labour capacity or more than a quarter are ordinary or skilled labour
    (domain.md §5, Gzuwkj/fuping 4_11_009, 5_18_008)."""
    full = sum(1 for p in people if p.labour in _FULL_LABOUR)
    return any(p.labour not in LABOUR_CAPABLE for p in people) and full * 4 <= len(people)


def _risks(m: _Money, people: list[_Person], f: ScreeningFindings) -> tuple[Risk, ...]:
    """The risks a screener would record for a household found at risk, consistent with its facts (domain.md §5):
    因病 needs a seriously or chronically ill member, 因残 a disabled one, 因学 a student, 缺劳动力 the labour rule
    above, 因务工就业不稳 someone able to work; a shortfall flag brings its own risk. At most 5."""
    out: list[Risk] = []
    if f.housing_unsafe:
        out.append(Risk.HOUSING_SAFETY)
    if f.water_unsafe:
        out.append(Risk.WATER_SAFETY)
    if m.shock is not None:
        out.append(m.shock)
    ill = any(p.health in (Health.SERIOUS_ILLNESS, Health.CHRONIC_ILLNESS) for p in people)
    if ill and (m.medical >= 3000 or f.member_uninsured):
        out.append(Risk.ILLNESS)
    if any(p.health is Health.DISABLED for p in people):
        out.append(Risk.DISABILITY)
    if f.child_out_of_school or m.schooling >= 8000:
        out.append(Risk.SCHOOLING)
    if _lack_of_labour_valid(people):
        out.append(Risk.LACK_OF_LABOUR)
    able = any(p.labour in LABOUR_CAPABLE for p in people)
    if able and any(0 < p.months <= 6 for p in people):
        out.append(Risk.UNSTABLE_EMPLOYMENT)
    if not out:
        out.append(Risk.OTHER)
    unique: list[Risk] = []
    for r in out:
        if r not in unique:
            unique.append(r)
    return tuple(unique[:5])


# ----- generation ----------------------------------------------------------------------------------------------


def _apportion(rng: random.Random, total: int, villages: list[Area]) -> list[int]:
    """Households per village: villages differ in size (assumption: 0.5–1.5 × the mean), counted out by largest
    remainder so that the counts add up to ``total``."""
    weights = [0.5 + rng.random() for _ in villages]
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    counts = [int(x) for x in raw]
    order = sorted(range(len(villages)), key=lambda i: (counts[i] - raw[i], i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _id_prefix(village_code: str) -> str:
    county = village_code[:6]
    return county if county.isdigit() and county[0] != "0" else _DEFAULT_ID_PREFIX


def _phone(rng: random.Random) -> str:
    return _MOBILE_PREFIXES[int(rng.random() * len(_MOBILE_PREFIXES))] + f"{int(rng.random() * 100_000_000):08d}"


def _given_name(rng: random.Random, sex: Sex, birth_year: int) -> str:
    pool = _GIVEN[(birth_year >= _YOUNG_NAMES_FROM, sex)]
    first = pool[int(rng.random() * len(pool))]
    if rng.random() < 0.2:
        return first
    return first + pool[int(rng.random() * len(pool))]


def generate(households: int, seed: int, areas: AreaTree = DEFAULT_AREAS, today: date | None = None) -> DemoData:
    """``households`` synthetic households spread over every village (and relocation site) of ``areas``, the staff
    who screen them, and plausible findings of a screening of each. ``today`` defaults to today in Asia/Shanghai;
    pass it for output that does not change with the date."""
    if households < 0:
        raise ValueError("households must be 0 or more")
    today = today or datetime.now(SHANGHAI).date()
    rng = random.Random(seed)
    villages = sorted(areas.villages(), key=lambda a: a.code)
    if households and not villages:
        raise ValueError("the area tree has no village")
    maker = _Households(rng, today, width=max(5, len(str(households))))
    registry = PolicyRegistry()
    records: list[HouseholdRecord] = []
    findings: dict[str, ScreeningFindings] = {}
    at_risk: dict[str, int] = {}
    for village, count in zip(villages, _apportion(rng, households, villages), strict=True):
        policy = registry.in_force(village.code, today)
        place = _VillagePlace(village, [_SURNAME.pick(rng) for _ in range(3)], 4 + int(rng.random() * 7))
        at_risk[village.code] = 0
        for sequence in range(1, count + 1):
            record, found = maker.household(place, sequence)
            if assess(found, len(record.members), policy).at_risk:
                found = replace(found, risks=_risks(maker.money, maker.people, found))
                at_risk[village.code] += 1
            records.append(record)
            findings[record.household_number] = found
    return DemoData(households=records, staff=_staff(rng, areas, villages, at_risk, today), findings=findings)


@dataclass(frozen=True)
class _VillagePlace:
    area: Area
    clans: list[str]  # the village's dominant lineages (宗族): half the heads carry one of them (assumption)
    groups: int  # 村民小组 (assumption: 4–10 a village)


class _Households:
    """Makes one household at a time; keeps the last one's people and money for the risk list."""

    def __init__(self, rng: random.Random, today: date, width: int) -> None:
        self.rng = rng
        self.today = today
        self.today_ordinal = today.toordinal()
        self.width = width
        self.families = _Families(rng)
        self.ids = _Ids(rng)
        self.people: list[_Person] = []
        self.money = _Money()

    def household(self, place: _VillagePlace, sequence: int) -> tuple[HouseholdRecord, ScreeningFindings]:
        rng, village = self.rng, place.area
        at_site = village.resettlement_site
        number = f"{HOUSEHOLD_PREFIX}{village.code}-{sequence:0{self.width}d}"
        household_type = _TYPE[at_site].pick(rng)
        people = self.families.build(_SIZE.pick(rng), place.clans)
        prefix = _id_prefix(village.code)
        for p in people:
            self.ids.assign(p, prefix, self.today_ordinal)
            p.name = p.surname + _given_name(rng, p.sex, p.birth.year)
            _person_facts(rng, p, self.today)
        prosperity = rng.lognormvariate(_PROSPERITY_MU[household_type], 0.25)
        money = _earnings(rng, people, prosperity, at_site)
        _shock(rng, money)
        newly_applied = _transfers(rng, money, people, household_type)
        _expenditure(rng, money, people)
        findings = ScreeningFindings(
            wage_income=Decimal(money.wage),
            business_income=Decimal(money.business),
            property_income=Decimal(money.property),
            transfer_income=Decimal(money.transfer),
            production_costs=Decimal(money.costs),
            medical_expenditure=Decimal(money.medical),
            schooling_expenditure=Decimal(money.schooling),
            # Shortfalls of 三保障 and drinking water; a relocation site's flats are new and on mains water.
            housing_unsafe=not at_site and rng.random() < _HOUSING_UNSAFE,
            water_unsafe=not at_site and rng.random() < _WATER_UNSAFE,
            member_uninsured=not all(p.insured for p in people),
            child_out_of_school=any(_out_of_school(p) for p in people),
            newly_applied_dibao=newly_applied,
        )
        if at_site:
            address = (
                f"{village.name}{1 + int(rng.random() * 12)}栋{1 + int(rng.random() * 3)}单元"
                f"{1 + int(rng.random() * 6)}0{1 + int(rng.random() * 4)}室"
            )
        else:
            address = f"{village.name}{1 + int(rng.random() * place.groups)}组{1 + int(rng.random() * 150)}号"
        record = HouseholdRecord(
            household_number=number,
            household_type=household_type.value,
            village_code=village.code,
            address=address,
            phone=_phone(rng) if rng.random() < _HAS_PHONE else "",
            at_resettlement_site=at_site,
            members=tuple(
                Member(
                    name=p.name,
                    id_number=p.id_number,
                    relation=p.relation,
                    sex=p.sex,
                    birth_date=p.birth,
                    health=p.health,
                    labour_skill=p.labour,
                    schooling=p.schooling,
                    medical_insurance=p.insured,
                    social_assistance=p.assistance,
                    migrant_work_place=p.place,
                    migrant_work_months=p.months,
                )
                for p in people
            ),
        )
        self.people, self.money = people, money
        return record, findings


def _staff(
    rng: random.Random, areas: AreaTree, villages: list[Area], at_risk: dict[str, int], today: date
) -> list[StaffRecord]:
    """The people of the seed's table 3-4, one identity each (填表说明): per village 2–4 村干部, 1–2 网格员, 1 乡村医生
    and 帮扶责任人 enough for its households at risk (one-to-one, seed §三(二); assumption: a person helps up to 4
    households, at least 2 a village); per township 3–6 乡镇干部 and 驻村干部 posted to some of its villages; per
    county 1–2 县直部门. Counts are assumptions."""
    out: list[StaffRecord] = []
    family = _Families(rng)

    def add(identity: StaffIdentity, area_code: str) -> None:
        sex = _sex(rng, 0.6)
        age = 25 + int(rng.random() * 33)
        name = family.surname([]) + _given_name(rng, sex, today.year - age)
        number = f"{STAFF_PREFIX}{len(out) + 1:05d}"
        out.append(StaffRecord(number, name, identity, area_code, phone=_phone(rng)))

    everything = sorted(areas.all(), key=lambda a: a.code)
    for county in (a for a in everything if a.level is AreaLevel.COUNTY):
        for _ in range(1 + int(rng.random() * 2)):
            add(StaffIdentity.COUNTY_DEPARTMENT, county.code)
    for township in (a for a in everything if a.level is AreaLevel.TOWNSHIP):
        for _ in range(3 + int(rng.random() * 4)):
            add(StaffIdentity.TOWNSHIP_CADRE, township.code)
        own = [v for v in villages if v.parent_code == township.code]
        posted = [v for v in own if rng.random() < 0.4] or own[:1]  # 驻村第一书记 / 工作队员 in some villages
        for village in posted:
            add(StaffIdentity.RESIDENT_CADRE, village.code)
    for village in villages:
        for _ in range(2 + int(rng.random() * 3)):
            add(StaffIdentity.VILLAGE_CADRE, village.code)
        for _ in range(1 + int(rng.random() * 2)):
            add(StaffIdentity.GRID_WORKER, village.code)
        add(StaffIdentity.VILLAGE_DOCTOR, village.code)
        for _ in range(max(2, -(-at_risk.get(village.code, 0) // 4))):
            add(StaffIdentity.RESPONSIBLE_PERSON, village.code)
    return out


# ----- outputs -------------------------------------------------------------------------------------------------


def roster_file(data: DemoData, fmt: str) -> bytes:
    """The households as a roster file (one row per member, Chinese headers) that the roster import reads back."""
    headers = [c.header for c in COLUMNS]
    rows = [[row[c.key] for c in COLUMNS] for record in data.households for row in record_rows(record)]
    if fmt == "csv":
        return write_csv(headers, rows)
    if fmt == "xlsx":
        return write_xlsx([(ROSTER_SHEET, headers, rows)])
    raise ValueError(f"unknown roster format {fmt!r}: csv or xlsx")


def demo_method(record: HouseholdRecord) -> ScreeningMethod:
    """How a demo screening reaches the household (seed plan §三(一)): in person, unless members work away and
    nobody who could answer for the household is at home (everyone left behind has no labour capacity: children,
    students, the very old), then by phone or WeChat. The choice between the two is a stable function of the
    household number (assumption: WeChat three times in five)."""
    away = [m for m in record.members if m.migrant_work_months > 0]
    at_home = [m for m in record.members if m.migrant_work_months == 0]
    if not away or any(m.labour_capable for m in at_home):
        return ScreeningMethod.IN_PERSON
    return ScreeningMethod.WECHAT if zlib.crc32(record.household_number.encode()) % 5 < 3 else ScreeningMethod.PHONE
