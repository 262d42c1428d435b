"""Typed request bodies of the registry: households, members and staff (strict: unknown fields refused). Households
mostly arrive as roster files (``workflows.registry.roster_files``), checked row by row by
``domain.registry.roster``."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

from domain.registry import values as rv
from workflows.kernel.contracts import AreaCode, BusinessDate, Name, ShortText, Strict, Text, VillageCode

StaffNumber = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z-]{2,32}$")]


Phone = Annotated[str, StringConstraints(max_length=20, pattern=r"^[0-9-]*$")]


class MemberBody(Strict):
    """家庭成员 (domain.md §9)."""

    name: Name
    id_number: Annotated[str, StringConstraints(pattern=r"^[0-9]{17}[0-9Xx]([0-9]{2}|[0-9]{4})?$")]
    relation: rv.Relation
    sex: rv.Sex
    birth_date: Annotated[date, Field(ge=date(1900, 1, 1), le=date(2099, 12, 31))]
    health: rv.Health
    labour_skill: rv.LabourSkill
    schooling: rv.Schooling = rv.Schooling.NOT_IN_SCHOOL
    medical_insurance: bool = True
    social_assistance: rv.SocialAssistance = rv.SocialAssistance.NONE
    migrant_work_place: ShortText = ""
    migrant_work_months: Annotated[int, Field(ge=0, le=12)] = 0


class HouseholdRequest(Strict):
    """农户: the whole household as it is now; what differs from the stored household is recorded with the reason."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"household_type": "formerly_poor", "village_code": "990102101001", "address": "玉坪村3组12号",
         "phone": "13800000000",
         "members": [
             {"name": "王建国", "id_number": "990102197803120030", "relation": "head", "sex": "male",
              "birth_date": "1978-03-12", "health": "serious_illness", "labour_skill": "weak_or_half"},
             {"name": "李秀英", "id_number": "990102198011050024", "relation": "spouse", "sex": "female",
              "birth_date": "1980-11-05", "health": "healthy", "labour_skill": "ordinary",
              "migrant_work_place": "浙江宁波", "migrant_work_months": 8},
             {"name": "王小明", "id_number": "990102200806200014", "relation": "child", "sex": "male",
              "birth_date": "2008-06-20", "health": "healthy", "labour_skill": "none",
              "schooling": "senior_secondary"},
         ],
         "reason": "2024年春季排查核实：户主患大病，劳动能力下降"},
    ]})  # fmt: skip

    household_type: rv.HouseholdType
    village_code: VillageCode
    address: ShortText = ""
    phone: Phone = ""
    at_resettlement_site: bool = False
    members: Annotated[list[MemberBody], Field(min_length=1, max_length=30)]
    reason: Text = Field(default="", description="变更原因 (required when the household is already registered)")
    effective_on: BusinessDate | None = Field(
        default=None,
        description="生效日期: the day these facts hold from, when earlier than today (a member who left last month, a "
        "household registered after its self-application); a case's steps read the registry by it. Default: today.",
    )


class StaffRequest(Strict):
    """参与排查工作人员: one identity of table 3-4 (身份有重合的，只选一种) and where they work."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"staff_number": "S-101001-03", "name": "张敏", "identity": "grid_worker", "area_code": "990102101001",
         "phone": "13700000000", "reason": "2024年春季排查新增网格员"},
    ]})  # fmt: skip

    staff_number: StaffNumber
    name: Name
    identity: rv.StaffIdentity
    area_code: AreaCode
    phone: Phone = ""
    effective_on: BusinessDate | None = Field(
        default=None,
        description="登记日期: the day they took part in the screening from, when entered later (not in the future, "
        "not before 2020-03); table 3-4 counts them from it. Default: the day recorded.",
    )
    reason: Text = ""
