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
    # 行业部门: a county sector department that pushes its data for screening (部门筛查预警, domain.md §4.1); it sees
    # its own alerts and their outcomes, nothing else (api.deps.CONFINED_TO).
    DEPARTMENT = "department", "行业部门"
    OPS = "ops", "运维"
    ADMIN = "admin", "管理员"
    SYSTEM = "system", "系统"


class Department(Labelled):
    """The county sector departments that push data for screening (部门筛查预警; the issue's list: medical insurance,
    civil affairs, education, housing, the disabled persons' federation, emergency management, human resources)."""

    MEDICAL_INSURANCE = "medical_insurance", "医疗保障局"
    CIVIL_AFFAIRS = "civil_affairs", "民政局"
    EDUCATION = "education", "教育局"
    HOUSING = "housing", "住房和城乡建设局"
    DISABLED_PERSONS = "disabled_persons", "残疾人联合会"
    EMERGENCY = "emergency", "应急管理局"
    HUMAN_RESOURCES = "human_resources", "人力资源和社会保障局"


@dataclass(frozen=True)
class Actor:
    """Who took a step: id, role and the area code they act for (empty for the system); a 行业部门's department."""

    id: str
    role: Role
    area_code: str
    name: str = ""
    department: str = ""  # a Department's value, for Role.DEPARTMENT only

    def as_dict(self) -> dict[str, str]:
        data = {"id": self.id, "role": self.role.value, "area_code": self.area_code, "name": self.name}
        if self.department:  # only a department's: every other actor is stored as before
            data["department"] = self.department
        return data

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> Actor:
        return cls(id=data["id"], role=Role(data["role"]), area_code=data["area_code"], name=data.get("name", ""),
                   department=data.get("department", ""))  # fmt: skip


def department_problem(role: Role, department: str) -> str | None:
    """Why a role and a department do not go together (None when they do): a 行业部门 names one known department,
    no other role names any."""
    if role is Role.DEPARTMENT:
        if department not in {d.value for d in Department}:
            return f"行业部门须注明部门：{', '.join(d.value for d in Department)} 之一"
    elif department:
        return "只有行业部门账号注明部门"
    return None


# A user id (a token's ``sub``, an account's id): letters, digits and . _ @ - (an identity provider's ids fit; no
# spaces, no markup). Tokens, accounts and requests all check it against this one pattern.
USER_ID = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
# The roles a person may hold (in a token or an account): the system's own identity is never handed to anyone.
PERSON_ROLES = frozenset(Role) - {Role.SYSTEM}

SYSTEM_ACTOR = Actor(id="system", role=Role.SYSTEM, area_code="", name="底线系统")
