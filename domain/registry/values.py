"""The vocabulary of the household registry: household types, risks and the three guarantees a household's facts
name, its members' sex, health, labour, relation, schooling and assistance, and staff identities (table 3-4)."""

from __future__ import annotations

from enum import StrEnum

from domain.kernel.labels import labelled


class HouseholdType(StrEnum):
    """户类型 (domain.md §2, §9)."""

    FORMERLY_POOR = "formerly_poor"
    ORDINARY = "ordinary"
    FORMERLY_POOR_NO_BENEFITS = "formerly_poor_no_benefits"


class Risk(StrEnum):
    """返贫致贫风险类型 (domain.md §5)."""

    ILLNESS = "illness"
    SCHOOLING = "schooling"
    DISABILITY = "disability"
    NATURAL_DISASTER = "natural_disaster"
    ACCIDENT = "accident"
    FAILED_ENTERPRISE = "failed_enterprise"
    UNSTABLE_EMPLOYMENT = "unstable_employment"
    LACK_OF_LABOUR = "lack_of_labour"
    HOUSING_SAFETY = "housing_safety"
    WATER_SAFETY = "water_safety"
    OTHER = "other"


class Guarantee(StrEnum):
    """三保障 and drinking water: a value here names a guarantee that is *not* secured."""

    EDUCATION = "education"
    MEDICAL = "medical"
    HOUSING = "housing"
    DRINKING_WATER = "drinking_water"


class Sex(StrEnum):
    """性别."""

    MALE = "male"
    FEMALE = "female"


class Health(StrEnum):
    """健康状况 (domain.md §9, values seen in the national export)."""

    HEALTHY = "healthy"
    CHRONIC_ILLNESS = "chronic_illness"
    SERIOUS_ILLNESS = "serious_illness"
    DISABLED = "disabled"


class LabourSkill(StrEnum):
    """劳动技能 (domain.md §9, code table 100A14; glossary)."""

    ORDINARY = "ordinary"
    SKILLED = "skilled"
    WEAK_OR_HALF = "weak_or_half"
    LOST = "lost"
    NONE = "none"


class Relation(StrEnum):
    """与户主关系 (domain.md §9; the national code table 1010 is finer, these are its groups)."""

    HEAD = "head"
    SPOUSE = "spouse"
    CHILD = "child"
    CHILD_IN_LAW = "child_in_law"
    GRANDCHILD = "grandchild"
    PARENT = "parent"
    GRANDPARENT = "grandparent"
    SIBLING = "sibling"
    OTHER = "other"


class Schooling(StrEnum):
    """在校生状况 (domain.md §9, code table 100A12)."""

    NOT_IN_SCHOOL = "not_in_school"
    PRESCHOOL = "preschool"
    PRIMARY = "primary"
    JUNIOR_SECONDARY = "junior_secondary"
    SENIOR_SECONDARY = "senior_secondary"
    SECONDARY_VOCATIONAL = "secondary_vocational"
    HIGHER_VOCATIONAL = "higher_vocational"
    UNDERGRADUATE = "undergraduate"


class SocialAssistance(StrEnum):
    """享受低保 / 特困供养政策情况 (domain.md §9)."""

    NONE = "none"
    DIBAO = "dibao"
    TEKUN = "tekun"


class StaffIdentity(StrEnum):
    """工作人员身份: the seed's table 3-4 columns (one identity per person, 填表说明)."""

    COUNTY_DEPARTMENT = "county_department"
    TOWNSHIP_CADRE = "township_cadre"
    VILLAGE_CADRE = "village_cadre"
    RESIDENT_CADRE = "resident_cadre"
    VILLAGE_DOCTOR = "village_doctor"
    GRID_WORKER = "grid_worker"
    RESPONSIBLE_PERSON = "responsible_person"


labelled(
    (HouseholdType.FORMERLY_POOR, "脱贫户"),
    (HouseholdType.ORDINARY, "一般农户"),
    (HouseholdType.FORMERLY_POOR_NO_BENEFITS, "脱贫不享受政策户"),
    (Risk.ILLNESS, "因病"),
    (Risk.SCHOOLING, "因学"),
    (Risk.DISABILITY, "因残"),
    (Risk.NATURAL_DISASTER, "因自然灾害"),
    (Risk.ACCIDENT, "因意外事故"),
    (Risk.FAILED_ENTERPRISE, "因产业项目失败"),
    (Risk.UNSTABLE_EMPLOYMENT, "因务工就业不稳"),
    (Risk.LACK_OF_LABOUR, "缺劳动力"),
    (Risk.HOUSING_SAFETY, "因安全住房"),
    (Risk.WATER_SAFETY, "因安全饮水"),
    (Risk.OTHER, "其他"),
    (Guarantee.EDUCATION, "义务教育保障"),
    (Guarantee.MEDICAL, "基本医疗保障"),
    (Guarantee.HOUSING, "住房安全保障"),
    (Guarantee.DRINKING_WATER, "饮水安全保障"),
    (Sex.MALE, "男"),
    (Sex.FEMALE, "女"),
    (Health.HEALTHY, "健康"),
    (Health.CHRONIC_ILLNESS, "长期慢性病"),
    (Health.SERIOUS_ILLNESS, "患大病"),
    (Health.DISABLED, "残疾"),
    (LabourSkill.ORDINARY, "普通劳动力"),
    (LabourSkill.SKILLED, "技能劳动力"),
    (LabourSkill.WEAK_OR_HALF, "弱劳动力或半劳动力"),
    (LabourSkill.LOST, "丧失劳动力"),
    (LabourSkill.NONE, "无劳动力"),
    (Relation.HEAD, "户主"),
    (Relation.SPOUSE, "配偶"),
    (Relation.CHILD, "子女"),
    (Relation.CHILD_IN_LAW, "儿媳/女婿"),
    (Relation.GRANDCHILD, "孙子女"),
    (Relation.PARENT, "父母"),
    (Relation.GRANDPARENT, "祖父母"),
    (Relation.SIBLING, "兄弟姐妹"),
    (Relation.OTHER, "其他"),
    (Schooling.NOT_IN_SCHOOL, "非在校生"),
    (Schooling.PRESCHOOL, "学前教育"),
    (Schooling.PRIMARY, "小学"),
    (Schooling.JUNIOR_SECONDARY, "初中"),
    (Schooling.SENIOR_SECONDARY, "高中"),
    (Schooling.SECONDARY_VOCATIONAL, "中职"),
    (Schooling.HIGHER_VOCATIONAL, "高职"),
    (Schooling.UNDERGRADUATE, "本科及以上"),
    (SocialAssistance.NONE, "未享受"),
    (SocialAssistance.DIBAO, "农村低保"),
    (SocialAssistance.TEKUN, "农村特困供养"),
    (StaffIdentity.COUNTY_DEPARTMENT, "县直部门"),
    (StaffIdentity.TOWNSHIP_CADRE, "乡镇干部"),
    (StaffIdentity.VILLAGE_CADRE, "村干部"),
    (StaffIdentity.RESIDENT_CADRE, "驻村干部"),
    (StaffIdentity.VILLAGE_DOCTOR, "乡村医生"),
    (StaffIdentity.GRID_WORKER, "网格员"),
    (StaffIdentity.RESPONSIBLE_PERSON, "帮扶责任人"),
)
