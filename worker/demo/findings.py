"""The demo's screening findings: a household's incomes by source, shocks, transfers, expenditures and the risks a
screener would note, drawn so that a small share falls inside the monitoring line or into the plan's key groups."""

from __future__ import annotations

import random
from dataclasses import dataclass

from domain.campaigns.screening import ScreeningFindings
from domain.kernel.areas import Area
from domain.registry.rules import LABOUR_CAPABLE
from domain.registry.values import (
    Health,
    HouseholdType,
    LabourSkill,
    Risk,
    Schooling,
    SocialAssistance,
)
from worker.demo.people import COMPULSORY_AGE, FULL_LABOUR, Person

# Income level of a household relative to the village (lognormal mean of log): formerly poor households earn less
# than their neighbours, those no longer receiving benefits about as much (assumption).
PROSPERITY_MU = {
    HouseholdType.ORDINARY: 0.0,
    HouseholdType.FORMERLY_POOR: -0.1,
    HouseholdType.FORMERLY_POOR_NO_BENEFITS: 0.0,
}


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
HOUSING_UNSAFE = 0.003


WATER_UNSAFE = 0.003


# Rural 低保 standard, yuan per person per year: the national average was about 7,000 in 2022 (general knowledge);
# assumption for this county.
_DIBAO_STANDARD = 7000


_NEWLY_APPLIED_DIBAO = 0.05  # share of 低保 households that were newly identified or applied this year


@dataclass
class Money:
    wage: int = 0
    business: int = 0
    property: int = 0
    transfer: int = 0
    costs: int = 0
    medical: int = 0
    schooling: int = 0
    shock: Risk | None = None


def earnings(rng: random.Random, people: list[Person], prosperity: float, at_site: bool) -> Money:
    """Income from work, farming and property (yuan, past 12 months), from the members' labour and migrant work.
    Amounts are assumptions, calibrated so that the median per-capita net income (≈ 16,000 yuan) is near the 2022
    figure for rural residents of formerly poor counties (about 15,000 yuan, general knowledge) and about 4% of
    households are at or below the seed plan's 7,100 yuan line; with rigid expenditure, shortfall flags and new
    低保 applications, `assess` finds about 8% of households at risk (measured over several seeds)."""
    m = Money()
    for p in people:
        if p.labour not in LABOUR_CAPABLE or p.age >= 75:
            continue
        full = p.labour in FULL_LABOUR
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


def draw_shock(rng: random.Random, m: Money) -> None:
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


def transfers(rng: random.Random, m: Money, people: list[Person], household_type: HouseholdType) -> bool:
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
    no_working_age = not any(p.labour in FULL_LABOUR for p in people)
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
    covered = [p for p in people if whole or p.labour not in FULL_LABOUR] or people
    # 补差: each covered member receives the gap between the local standard and the household's means, at least a
    # minimum payment (assumption).
    gap = max(1200.0, _DIBAO_STANDARD - means)
    for p in covered:
        p.assistance = SocialAssistance.DIBAO
        m.transfer += int(gap * (0.9 + 0.2 * rng.random()))
    return rng.random() < _NEWLY_APPLIED_DIBAO


def draw_expenditure(rng: random.Random, m: Money, people: list[Person]) -> None:
    """合规自付支出: out-of-pocket medical costs after insurance (large for serious illness) and schooling costs."""
    for p in people:
        if p.health is Health.SERIOUS_ILLNESS:
            m.medical += 3000 + int(30000 * rng.random() ** 2)  # assumption: many thousand, a quarter above 20,000
        elif p.health is Health.CHRONIC_ILLNESS:
            m.medical += 100 + int(1100 * rng.random())
        cost = _SCHOOL_COST.get(p.schooling)
        if cost is not None:
            m.schooling += cost[0] + int((cost[1] - cost[0]) * rng.random())


def out_of_school(p: Person) -> bool:
    return COMPULSORY_AGE[0] <= p.age <= COMPULSORY_AGE[1] and p.schooling is Schooling.NOT_IN_SCHOOL


def _lack_of_labour_valid(people: list[Person]) -> bool:
    """缺劳动力 is invalid if every member has labour capacity or more than a quarter are ordinary or skilled labour
    (domain.md §5, Gzuwkj/fuping 4_11_009, 5_18_008)."""
    full = sum(1 for p in people if p.labour in FULL_LABOUR)
    return any(p.labour not in LABOUR_CAPABLE for p in people) and full * 4 <= len(people)


def draw_risks(m: Money, people: list[Person], f: ScreeningFindings) -> tuple[Risk, ...]:
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


def apportion(rng: random.Random, total: int, villages: list[Area]) -> list[int]:
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
