"""What a caller sees of a village report: typed once, for the commands, the services and the API alike."""

from __future__ import annotations

from typing import Any, NotRequired

from typing_extensions import TypedDict


class VillageReportView(TypedDict):
    report_id: str
    village_code: str
    period: dict[str, str]  # first_day, last_day (ISO dates)
    revision: int
    status: str
    status_label: str
    tables: dict[str, list[int]]  # table → its figures for the village
    content_hash: str
    cutoff: dict[str, Any]  # the log position the figures are as of, and the checkpoint at or before it
    approvals: dict[str, Any]
    submitted: dict[str, Any] | None
    revisions: list[dict[str, Any]]
    version: int
    # GET /reports/stored/{id}: each revision's corrections {table: [{column, old, new}]} with its reason
    corrections: NotRequired[list[dict[str, Any]]]
