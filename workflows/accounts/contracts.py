"""What the API and the command line hand the accounts' use cases (``domain.accounts``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

from domain.accounts.commands import ACCOUNT_ROLES, AccountRecord
from domain.kernel.actors import USER_ID, Department
from domain.kernel.offices import VillageOffice
from workflows.kernel.contracts import AreaCode, Name, ShortText, Strict, Text

UserId = Annotated[str, StringConstraints(pattern=USER_ID.pattern)]
Office = Annotated[str, Field(json_schema_extra={"enum": [o.value for o in VillageOffice]})]
AccountRole = Annotated[str, Field(json_schema_extra={"enum": sorted(r.value for r in ACCOUNT_ROLES)})]


class AccountRequest(Strict):
    """用户账号: who the user is, their role and the area they act for."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"name": "张敏", "role": "village_cadre", "area_code": "990102101001", "unit": "玉坪村村民委员会",
         "reason": "新任网格员，开通账号"},
    ]})  # fmt: skip

    name: Name
    role: AccountRole = Field(description="角色: village_cadre 村干部/网格员, township_reviewer 乡镇审核, …")
    area_code: AreaCode
    unit: ShortText = Field(default="", description="工作单位")
    department: Annotated[str, Field(json_schema_extra={"enum": ["", *(d.value for d in Department)]})] = Field(
        default="", description="行业部门 (a department account's only): medical_insurance 医疗保障局, …"
    )
    offices: list[Office] | None = Field(
        default=None, max_length=2,
        description="村职务 (a village cadre's only): party_secretary 村党组织书记, committee_director 村委会主任; "
        "they sign the village's reports. Each office has one holder: take it from the old one first. Left out: "
        "the offices stay as they are; [] : none.",
    )  # fmt: skip
    reason: Text = Field(default="", description="新增或变更的原因 (required)")

    def record(self, user_id: str) -> AccountRecord:
        return AccountRecord(user_id=user_id, name=self.name, role=self.role, area_code=self.area_code, unit=self.unit,
                             department=self.department,
                             offices=None if self.offices is None else tuple(self.offices))  # fmt: skip


class AccountReason(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"reason": "调离原工作岗位"},
        {"reason": "复岗，重新启用账号"},
    ]})  # fmt: skip

    reason: Text = Field(description="停用或启用的原因 (required)")
