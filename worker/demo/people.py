"""The demo's people: names from common family names and given-name characters, families of plausible shapes, ages,
valid but fictional ID numbers (a fictional region), phones, health, labour and schooling."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from domain.registry.rules import LABOUR_CAPABLE, id_check_character
from domain.registry.values import (
    Health,
    LabourSkill,
    Relation,
    Schooling,
    Sex,
    SocialAssistance,
)

T = TypeVar("T")


# Household size 1–7, mean ≈ 3.45. Assumption, in the range of registered rural households (户籍户) in poverty-
# monitoring rosters (3–4 people); the 2020 census's 2.62 people per household counts dwelling households, smaller.
_SIZE_WEIGHTS = ((1, 12), (2, 20), (3, 20), (4, 22), (5, 15), (6, 8), (7, 3))


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


# Mobile number prefixes of the three carriers (general knowledge); most households give one (assumption: 92%).
_MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
    "156", "157", "158", "159", "166", "173", "176", "177", "178", "180", "181", "182", "183", "184", "185",
    "186", "187", "188", "189", "191", "198", "199",
)  # fmt: skip


HAS_PHONE = 0.92


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


FULL_LABOUR = frozenset({LabourSkill.ORDINARY, LabourSkill.SKILLED})


_DEFAULT_ID_PREFIX = "990102"  # the fictional county of domain/kernel/areas.py

# Migrant work (务工所在地, 务工时长, domain.md §9). General knowledge (NBS 农民工监测调查报告 2022): about 58% of rural
# migrant workers work outside their township, mostly in the eastern provinces, for 10 months a year on average,
# for about 4,600 yuan a month. Places and weights are assumptions in that shape.
_PLACES = (
    ("县城", 18), ("省城", 8), ("浙江宁波", 8), ("广东东莞", 8), ("广东深圳", 7), ("广东广州", 6), ("江苏苏州", 6),
    ("浙江杭州", 5), ("上海", 5), ("浙江义乌", 4), ("广东佛山", 4), ("福建泉州", 4), ("江苏昆山", 3),
    ("福建厦门", 3), ("北京", 3), ("新疆", 2),
)  # fmt: skip

_MONTHS = ((12, 40), (11, 8), (10, 10), (9, 7), (8, 6), (7, 5), (6, 9), (5, 4), (4, 4), (3, 4), (2, 2), (1, 1))

_OUT_OF_SCHOOL = 0.002  # per child of compulsory-school age

COMPULSORY_AGE = (6, 14)  # nine years of compulsory schooling: primary 6–11, junior secondary 12–14


class Picker(Generic[T]):
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


_PLACE = Picker(_PLACES)
_MONTH = Picker(_MONTHS)


SIZE = Picker(_SIZE_WEIGHTS)


SURNAME = Picker(_SURNAMES)


@dataclass(slots=True)
class Person:
    relation: Relation
    sex: Sex
    surname: str
    age: int  # the intended age; the exact age from the birth date is set in ``person_facts``
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


def draw_sex(rng: random.Random, p_male: float = 0.5) -> Sex:
    return Sex.MALE if rng.random() < p_male else Sex.FEMALE


class Families:
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
        return SURNAME.pick(rng)

    def children(self, parent_age: int, count: int, surname: str, relation: Relation) -> list[Person]:
        rng = self.rng
        low, high = max(0, parent_age - 40), max(0, parent_age - 20)
        return [Person(relation, draw_sex(rng, 0.52), surname, rng.randint(low, high)) for _ in range(count)]

    def build(self, size: int, clans: list[str]) -> list[Person]:
        rng = self.rng
        surname = self.surname(clans)
        if size == 1:
            if rng.random() < 0.6:  # single elderly, more often widows
                return [Person(Relation.HEAD, draw_sex(rng, 0.45), surname, rng.randint(60, 90))]
            return [Person(Relation.HEAD, draw_sex(rng, 0.75), surname, rng.randint(25, 59))]
        r = rng.random()
        if size == 2:
            if r < 0.75:
                age = rng.randint(55, 86) if r < 0.55 else rng.randint(22, 54)
                return self.couple(age, surname)
            if r < 0.9:
                head = Person(Relation.HEAD, draw_sex(rng, 0.6), surname, rng.randint(42, 80))
                return [head, *self.children(head.age, 1, surname, Relation.CHILD)]
            head = Person(Relation.HEAD, draw_sex(rng, 0.8), surname, rng.randint(25, 55))
            return [head, self.parent(head)]
        if size >= 4 and r < 0.35:
            return self.three_generations(size, surname)
        return self.nuclear(size, surname)

    def couple(self, head_age: int, surname: str) -> list[Person]:
        rng = self.rng
        head = Person(Relation.HEAD, draw_sex(rng, 0.85), surname, head_age)
        gap = rng.randint(-2, 5)  # a wife is usually a little younger
        spouse_age = head_age - gap if head.sex is Sex.MALE else head_age + gap
        spouse = Person(Relation.SPOUSE, _other(head.sex), self.surname([]), max(20, min(95, spouse_age)))
        return [head, spouse]

    def parent(self, head: Person) -> Person:
        rng = self.rng
        sex = draw_sex(rng, 0.35)  # a surviving single parent is more often the mother
        surname = head.surname if sex is Sex.MALE else self.surname([])
        return Person(Relation.PARENT, sex, surname, min(98, head.age + rng.randint(22, 35)))

    def nuclear(self, size: int, surname: str) -> list[Person]:
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
            people = [Person(Relation.HEAD, draw_sex(rng, 0.6), surname, head_age)]
        else:
            people = self.couple(head_age, surname)
        father = next((p for p in people if p.sex is Sex.MALE), people[0])
        people.extend(self.children(head_age, children, father.surname, Relation.CHILD))
        if parents == 2:
            people.append(Person(Relation.PARENT, Sex.MALE, people[0].surname, min(98, head_age + rng.randint(24, 35))))
            people.append(
                Person(Relation.PARENT, Sex.FEMALE, self.surname([]), min(98, head_age + rng.randint(22, 33)))
            )
        elif parents == 1:
            people.append(self.parent(people[0]))
        return people

    def three_generations(self, size: int, surname: str) -> list[Person]:
        rng = self.rng
        people = self.couple(rng.randint(50, 78), surname)
        head = people[0]
        line = head.surname if head.sex is Sex.MALE else people[1].surname
        son = Person(Relation.CHILD, Sex.MALE, line, max(20, head.age - rng.randint(22, 32)))
        wife = Person(Relation.CHILD_IN_LAW, Sex.FEMALE, self.surname([]), max(20, son.age + rng.randint(-4, 2)))
        people += [son, wife]
        grandchildren = size - 4
        extra = max(0, grandchildren - 3)
        for _ in range(extra):  # an unmarried younger child of the head
            people.append(Person(Relation.CHILD, draw_sex(rng, 0.55), line, max(16, son.age - rng.randint(1, 10))))
        people.extend(self.children(son.age, grandchildren - extra, line, Relation.GRANDCHILD))
        return people


def _age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


class Ids:
    """Unique 18-character citizen ID numbers (GB 11643-1999): 6-digit address code, birth date, a 3-digit sequence
    (odd for men, even for women) and the check character."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.next: dict[tuple[str, int, Sex], int] = {}

    def assign(self, person: Person, prefix: str, today_ordinal: int) -> None:
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


def person_facts(rng: random.Random, p: Person, today: date) -> None:
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
    elif COMPULSORY_AGE[0] <= age <= COMPULSORY_AGE[1] and r < _OUT_OF_SCHOOL:
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


def id_prefix(village_code: str) -> str:
    county = village_code[:6]
    return county if county.isdigit() and county[0] != "0" else _DEFAULT_ID_PREFIX


def draw_phone(rng: random.Random) -> str:
    return _MOBILE_PREFIXES[int(rng.random() * len(_MOBILE_PREFIXES))] + f"{int(rng.random() * 100_000_000):08d}"


def given_name(rng: random.Random, sex: Sex, birth_year: int) -> str:
    pool = _GIVEN[(birth_year >= _YOUNG_NAMES_FROM, sex)]
    first = pool[int(rng.random() * len(pool))]
    if rng.random() < 0.2:
        return first
    return first + pool[int(rng.random() * len(pool))]
