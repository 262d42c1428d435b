"""The two offices of a village that sign its reports (seed §三(三): 经村支书、主任审定): each held by one person at a
time, kept by an administrator with the user accounts (``domain.accounts.offices``) and checked when a village
report is approved (``domain.reports.village_report``)."""

from __future__ import annotations

from domain.kernel.labels import Labelled


class VillageOffice(Labelled):
    PARTY_SECRETARY = "party_secretary", "村党组织书记"  # 村支书 in the seed
    COMMITTEE_DIRECTOR = "committee_director", "村委会主任"  # 主任 in the seed
