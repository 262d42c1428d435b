"""Typed request bodies of the registry: households, members and staff (strict: unknown fields refused). Households
mostly arrive as roster files (``workflows.registry.roster_files``), checked row by row by
``domain.registry.roster``."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field, StringConstraints

from domain.registry import values as rv
from workflows.kernel.contracts import AreaCode, Name, ShortText, Strict, Text, VillageCode

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

    household_type: rv.HouseholdType
    village_code: VillageCode
    address: ShortText = ""
    phone: Phone = ""
    at_resettlement_site: bool = False
    members: Annotated[list[MemberBody], Field(min_length=1, max_length=30)]
    reason: Text = Field(default="", description="变更原因 (required when the household is already registered)")


class StaffRequest(Strict):
    """参与排查工作人员: one identity of table 3-4 (身份有重合的，只选一种) and where they work."""

    staff_number: StaffNumber
    name: Name
    identity: rv.StaffIdentity
    area_code: AreaCode
    phone: Phone = ""
    reason: Text = ""
