"""The vocabulary of the household registry: household types, risks and the three guarantees a household's facts
name, its members' sex, health, labour, relation, schooling and assistance, and staff identities (table 3-4)."""

from __future__ import annotations

from domain.kernel.labels import Labelled


class HouseholdType(Labelled):
    """户类型 (domain.md §2, §9)."""

    FORMERLY_POOR = "formerly_poor", "脱贫户"
    ORDINARY = "ordinary", "一般农户"
    FORMERLY_POOR_NO_BENEFITS = "formerly_poor_no_benefits", "脱贫不享受政策户"


class Risk(Labelled):
    """返贫致贫风险类型 (domain.md §5)."""

    ILLNESS = "illness", "因病"
    SCHOOLING = "schooling", "因学"
    DISABILITY = "disability", "因残"
    NATURAL_DISASTER = "natural_disaster", "因自然灾害"
    ACCIDENT = "accident", "因意外事故"
    FAILED_ENTERPRISE = "failed_enterprise", "因产业项目失败"
    UNSTABLE_EMPLOYMENT = "unstable_employment", "因务工就业不稳"
    LACK_OF_LABOUR = "lack_of_labour", "缺劳动力"
    HOUSING_SAFETY = "housing_safety", "因安全住房"
    WATER_SAFETY = "water_safety", "因安全饮水"
    OTHER = "other", "其他"


class Guarantee(Labelled):
    """三保障 and drinking water: a value here names a guarantee that is *not* secured."""

    EDUCATION = "education", "义务教育保障"
    MEDICAL = "medical", "基本医疗保障"
    HOUSING = "housing", "住房安全保障"
    DRINKING_WATER = "drinking_water", "饮水安全保障"


class Sex(Labelled):
    """性别."""

    MALE = "male", "男"
    FEMALE = "female", "女"


class Health(Labelled):
    """健康状况 (domain.md §9, values seen in the national export)."""

    HEALTHY = "healthy", "健康"
    CHRONIC_ILLNESS = "chronic_illness", "长期慢性病"
    SERIOUS_ILLNESS = "serious_illness", "患大病"
    DISABLED = "disabled", "残疾"


class LabourSkill(Labelled):
    """劳动技能 (domain.md §9, code table 100A14; glossary)."""

    ORDINARY = "ordinary", "普通劳动力"
    SKILLED = "skilled", "技能劳动力"
    WEAK_OR_HALF = "weak_or_half", "弱劳动力或半劳动力"
    LOST = "lost", "丧失劳动力"
    NONE = "none", "无劳动力"


class Relation(Labelled):
    """与户主关系 (domain.md §9; the national code table 1010 is finer, these are its groups)."""

    HEAD = "head", "户主"
    SPOUSE = "spouse", "配偶"
    CHILD = "child", "子女"
    CHILD_IN_LAW = "child_in_law", "儿媳/女婿"
    GRANDCHILD = "grandchild", "孙子女"
    PARENT = "parent", "父母"
    GRANDPARENT = "grandparent", "祖父母"
    SIBLING = "sibling", "兄弟姐妹"
    OTHER = "other", "其他"


class Schooling(Labelled):
    """在校生状况 (domain.md §9, code table 100A12)."""

    NOT_IN_SCHOOL = "not_in_school", "非在校生"
    PRESCHOOL = "preschool", "学前教育"
    PRIMARY = "primary", "小学"
    JUNIOR_SECONDARY = "junior_secondary", "初中"
    SENIOR_SECONDARY = "senior_secondary", "高中"
    SECONDARY_VOCATIONAL = "secondary_vocational", "中职"
    HIGHER_VOCATIONAL = "higher_vocational", "高职"
    UNDERGRADUATE = "undergraduate", "本科及以上"


class SocialAssistance(Labelled):
    """享受低保 / 特困供养政策情况 (domain.md §9)."""

    NONE = "none", "未享受"
    DIBAO = "dibao", "农村低保"
    TEKUN = "tekun", "农村特困供养"


class StaffIdentity(Labelled):
    """工作人员身份: the seed's table 3-4 columns (one identity per person, 填表说明)."""

    COUNTY_DEPARTMENT = "county_department", "县直部门"
    TOWNSHIP_CADRE = "township_cadre", "乡镇干部"
    VILLAGE_CADRE = "village_cadre", "村干部"
    RESIDENT_CADRE = "resident_cadre", "驻村干部"
    VILLAGE_DOCTOR = "village_doctor", "乡村医生"
    GRID_WORKER = "grid_worker", "网格员"
    RESPONSIBLE_PERSON = "responsible_person", "帮扶责任人"
