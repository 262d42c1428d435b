"""Who acts: a role (with its Chinese label) and the area code it acts for; the system acts as ``SYSTEM_ACTOR``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.kernel.labels import Labelled


class Role(Labelled):
    """Who acts. The area level each role works at is in ``domain.kernel.permissions.ROLE_LEVELS``."""

    VILLAGE_CADRE = "village_cadre", "村干部/网格员"
    RESIDENT_CADRE = "resident_cadre", "驻村干部"
    RESPONSIBLE_PERSON = "responsible_person", "帮扶责任人"
    TOWNSHIP_REVIEWER = "township_reviewer", "乡镇审核"
    COUNTY_APPROVER = "county_approver", "县级审定"
    INSPECTOR = "inspector", "督导/审计"
    OPS = "ops", "运维"
    ADMIN = "admin", "管理员"
    SYSTEM = "system", "系统"


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


# A user id (a token's ``sub``, an account's id): letters, digits and . _ @ - (an identity provider's ids fit; no
# spaces, no markup). Tokens, accounts and requests all check it against this one pattern.
USER_ID = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
# The roles a person may hold (in a token or an account): the system's own identity is never handed to anyone.
PERSON_ROLES = frozenset(Role) - {Role.SYSTEM}

SYSTEM_ACTOR = Actor(id="system", role=Role.SYSTEM, area_code="", name="底线系统")
