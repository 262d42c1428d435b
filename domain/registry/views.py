"""What a caller sees of the registry's records, and what a registration answers: typed once, for the commands, the
services and the API alike."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from typing_extensions import TypedDict


class HouseholdOutcome(TypedDict):
    household_number: str
    result: str  # created | changed | unchanged
    version: int


class StaffOutcome(TypedDict):
    staff_number: str
    result: str  # created | changed | unchanged
    version: int


class HouseholdView(TypedDict):
    household_number: str
    household_type: str
    village_code: str
    address: str
    phone: str
    at_resettlement_site: bool
    members: list[dict[str, Any]]
    demo: bool
    version: int
    registered_at: datetime
    updated_at: datetime
    open_cases: list[str]  # case ids
    screenings: list[dict[str, Any]]


class StaffView(TypedDict):
    staff_number: str
    name: str
    identity: str
    area_code: str
    phone: str
    demo: bool
    version: int
