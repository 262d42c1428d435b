"""Custom search attributes of case workflows: operational facts only, never personal data."""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

CASE_STAGE = SearchAttributeKey.for_keyword("CaseStage")
CASE_STATUS = SearchAttributeKey.for_keyword("CaseStatus")
CASE_CATEGORY = SearchAttributeKey.for_keyword("CaseCategory")
VILLAGE_CODE = SearchAttributeKey.for_keyword("VillageCode")
TOWNSHIP_CODE = SearchAttributeKey.for_keyword("TownshipCode")
COUNTY_CODE = SearchAttributeKey.for_keyword("CountyCode")
NEXT_DEADLINE = SearchAttributeKey.for_datetime("NextDeadline")
NEXT_DEADLINE_KIND = SearchAttributeKey.for_keyword("NextDeadlineKind")
OVERDUE = SearchAttributeKey.for_bool("Overdue")
LAST_PROGRESS_AT = SearchAttributeKey.for_datetime("LastProgressAt")

ALL = (
    CASE_STAGE,
    CASE_STATUS,
    CASE_CATEGORY,
    VILLAGE_CODE,
    TOWNSHIP_CODE,
    COUNTY_CODE,
    NEXT_DEADLINE,
    NEXT_DEADLINE_KIND,
    OVERDUE,
    LAST_PROGRESS_AT,
)
