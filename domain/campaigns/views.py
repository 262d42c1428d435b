"""What a caller sees of a campaign: typed once, for the commands, the services and the API alike."""

from __future__ import annotations

from typing import Any

from typing_extensions import TypedDict


class CampaignView(TypedDict):
    campaign_id: str
    name: str
    scope: list[str]  # area codes
    starts_on: str  # ISO date
    milestones: dict[str, str]  # milestone → its ISO date
    passed: dict[str, dict[str, Any]]  # milestone → what it found missing, escalated to whom, when
    look_backs: dict[str, Any] | None  # the eliminated cases scheduled for a look-back
    started_by: dict[str, str]
    version: int
    demo: bool
