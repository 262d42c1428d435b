"""The ledger: the event store with every context's commands on it, the one writer of events.

One Application, one notification log, one transaction per save; the contexts' command sets are its parts, side by
side (``ledger.cases``, ``ledger.registry``, …), each seeing the store only through ``domain.kernel.store.Store``.
The workers and the command line write through it; the API never imports it (import-linter).
"""

from __future__ import annotations

from collections.abc import Mapping

from domain.accounts.commands import AccountCommands
from domain.audit.commands import AuditCommands
from domain.campaigns.commands import CampaignCommands
from domain.cases.commands import CaseCommands
from domain.discovery.alert_commands import AlertCommands
from domain.discovery.commands import ApplicationCommands
from domain.discovery.visits import VisitCommands
from domain.kernel.areas import AreaTree
from domain.kernel.policy import PolicyVersions
from domain.ops.commands import OpsCommands
from domain.registry.commands import RegistryCommands
from domain.reports.commands import ReportCommands
from domain.store import EventStore


class Ledger(EventStore):
    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        *,
        policies: PolicyVersions | None = None,
        areas: AreaTree | None = None,
    ) -> None:
        super().__init__(env, policies=policies, areas=areas)
        self.cases = CaseCommands(self)
        self.registry = RegistryCommands(self)
        self.campaigns = CampaignCommands(self)
        self.accounts = AccountCommands(self)
        self.reports = ReportCommands(self, self.accounts.office_holders)
        self.audit = AuditCommands(self)
        self.ops = OpsCommands(self)
        self.applications = ApplicationCommands(self)
        self.alerts = AlertCommands(self)
        self.visits = VisitCommands(self)
