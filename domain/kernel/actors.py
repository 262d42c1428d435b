"""Who acts: a role (with its Chinese label) and the area code it acts for; the system acts as ``SYSTEM_ACTOR``."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.kernel.labels import labelled


class Role(StrEnum):
    """Who acts. The area level each role works at is in ``policy.ROLE_LEVEL``."""

    VILLAGE_CADRE = "village_cadre"
    RESIDENT_CADRE = "resident_cadre"
    RESPONSIBLE_PERSON = "responsible_person"
    TOWNSHIP_REVIEWER = "township_reviewer"
    COUNTY_APPROVER = "county_approver"
    INSPECTOR = "inspector"
    OPS = "ops"
    ADMIN = "admin"
    SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    """Who took a step: id, role and the area code they act for (empty for the system)."""

    id: str
    role: Role
    area_code: str
    name: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "role": self.role.value, "area_code": self.area_code, "name": self.name}

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> Actor:
        return cls(id=data["id"], role=Role(data["role"]), area_code=data["area_code"], name=data.get("name", ""))


SYSTEM_ACTOR = Actor(id="system", role=Role.SYSTEM, area_code="", name="底线系统")


labelled(
    (Role.VILLAGE_CADRE, "村干部/网格员"),
    (Role.TOWNSHIP_REVIEWER, "乡镇审核"),
    (Role.COUNTY_APPROVER, "县级审定"),
    (Role.INSPECTOR, "督导/审计"),
    (Role.RESIDENT_CADRE, "驻村干部"),
    (Role.RESPONSIBLE_PERSON, "帮扶责任人"),
    (Role.OPS, "运维"),
    (Role.ADMIN, "管理员"),
    (Role.SYSTEM, "系统"),
)
