"""The demo township: households village by village (the seed's 15 villages and relocation site unless another area
tree is given), their staff, the roster file they are imported from and how each was screened."""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from domain.campaigns.screening import ScreeningFindings, assess
from domain.campaigns.values import ScreeningMethod
from domain.kernel.areas import DEFAULT_AREAS, Area, AreaLevel, AreaTree
from domain.kernel.policy import PolicyVersions
from domain.kernel.time import SHANGHAI
from domain.registry.roster import COLUMNS, record_rows
from domain.registry.rules import HouseholdRecord, Member, StaffRecord
from domain.registry.values import (
    HouseholdType,
    StaffIdentity,
)
from worker.demo.findings import (
    HOUSING_UNSAFE,
    PROSPERITY_MU,
    WATER_UNSAFE,
    Money,
    apportion,
    draw_expenditure,
    draw_risks,
    draw_shock,
    earnings,
    out_of_school,
    transfers,
)
from worker.demo.people import (
    HAS_PHONE,
    SIZE,
    SURNAME,
    Families,
    Ids,
    Person,
    Picker,
    draw_phone,
    draw_sex,
    given_name,
    id_prefix,
    person_facts,
)
from workflows.registry.roster_files import write_csv, write_xlsx

ROSTER_SHEET = "花名册"


HOUSEHOLD_PREFIX = "DEMO-"


STAFF_PREFIX = "DEMO-S"


@dataclass(frozen=True)
class DemoData:
    households: list[HouseholdRecord]
    staff: list[StaffRecord]
    findings: dict[str, ScreeningFindings]  # household_number -> plausible screening findings for that household


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


_TYPE = {False: Picker(_TYPE_WEIGHTS_VILLAGE), True: Picker(_TYPE_WEIGHTS_SITE)}


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
    registry = PolicyVersions()
    records: list[HouseholdRecord] = []
    findings: dict[str, ScreeningFindings] = {}
    at_risk: dict[str, int] = {}
    for village, count in zip(villages, apportion(rng, households, villages), strict=True):
        policy = registry.in_force(village.code, today)
        place = _VillagePlace(village, [SURNAME.pick(rng) for _ in range(3)], 4 + int(rng.random() * 7))
        at_risk[village.code] = 0
        for sequence in range(1, count + 1):
            record, found = maker.household(place, sequence)
            if assess(found, len(record.members), policy).at_risk:
                found = replace(found, risks=draw_risks(maker.money, maker.people, found))
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
        self.families = Families(rng)
        self.ids = Ids(rng)
        self.people: list[Person] = []
        self.money = Money()

    def household(self, place: _VillagePlace, sequence: int) -> tuple[HouseholdRecord, ScreeningFindings]:
        rng, village = self.rng, place.area
        at_site = village.resettlement_site
        number = f"{HOUSEHOLD_PREFIX}{village.code}-{sequence:0{self.width}d}"
        household_type = _TYPE[at_site].pick(rng)
        people = self.families.build(SIZE.pick(rng), place.clans)
        prefix = id_prefix(village.code)
        for p in people:
            self.ids.assign(p, prefix, self.today_ordinal)
            p.name = p.surname + given_name(rng, p.sex, p.birth.year)
            person_facts(rng, p, self.today)
        prosperity = rng.lognormvariate(PROSPERITY_MU[household_type], 0.25)
        money = earnings(rng, people, prosperity, at_site)
        draw_shock(rng, money)
        newly_applied = transfers(rng, money, people, household_type)
        draw_expenditure(rng, money, people)
        findings = ScreeningFindings(
            wage_income=Decimal(money.wage),
            business_income=Decimal(money.business),
            property_income=Decimal(money.property),
            transfer_income=Decimal(money.transfer),
            production_costs=Decimal(money.costs),
            medical_expenditure=Decimal(money.medical),
            schooling_expenditure=Decimal(money.schooling),
            # Shortfalls of 三保障 and drinking water; a relocation site's flats are new and on mains water.
            housing_unsafe=not at_site and rng.random() < HOUSING_UNSAFE,
            water_unsafe=not at_site and rng.random() < WATER_UNSAFE,
            member_uninsured=not all(p.insured for p in people),
            child_out_of_school=any(out_of_school(p) for p in people),
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
            phone=draw_phone(rng) if rng.random() < HAS_PHONE else "",
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
    family = Families(rng)

    def add(identity: StaffIdentity, area_code: str) -> None:
        sex = draw_sex(rng, 0.6)
        age = 25 + int(rng.random() * 33)
        name = family.surname([]) + given_name(rng, sex, today.year - age)
        number = f"{STAFF_PREFIX}{len(out) + 1:05d}"
        out.append(StaffRecord(number, name, identity, area_code, phone=draw_phone(rng)))

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
