"""The monitoring case (监测对象案件) aggregate: one monitoring episode of one household.

Public methods are commands (``domain/cases/steps``): they check the rules of ``domain/cases/rules`` under the
case's pinned policy version and then trigger one event (``domain.cases.events``). Event ``apply`` methods only
record facts, so replaying a stored history never re-runs a rule (design.md).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.cases import events as ev
from domain.cases.rules.deadlines import check_clue_date, registration_due
from domain.cases.rules.identification import check_risks
from domain.cases.steps.assistance import AssistanceSteps
from domain.cases.steps.elimination import EliminationSteps
from domain.cases.steps.procedure import ProcedureSteps
from domain.cases.values import Source
from domain.kernel.actors import Actor
from domain.kernel.permissions import check_may_open
from domain.kernel.policy import PolicyVersions
from domain.kernel.time import local_date
from domain.kernel.topics import stored_as
from domain.registry.values import Risk


@stored_as("domain.case:MonitoringCase")
class MonitoringCase(ProcedureSteps, AssistanceSteps, EliminationSteps):
    """A household's case from the risk clue to identification, assistance, elimination and beyond."""

    def __init__(self) -> None:
        """State is set by ``CaseOpened.apply`` (an explicit ``__init__`` stops the library generating one)."""

    @classmethod
    def open(
        cls,
        *,
        case_id: UUID,
        actor: Actor,
        command_id: str,
        now: datetime,
        policies: PolicyVersions,
        household_number: str,
        household_head: str,
        village_code: str,
        township_code: str,
        county_code: str,
        source: Source,
        clue_date: date,
        reported_risks: list[Risk],
        comment: str = "",
        previous_case_id: str = "",
        registry_source: dict[str, Any] | None = None,
    ) -> MonitoringCase:
        """Record a risk clue: the case starts, pinned to the policy in force for its village on the clue date.
        Area codes are checked by the ledger, and whether the household must be registered (``registry_source``: the
        registry version read, None when it is not registered and is then to be by ``registration_due``)."""
        check_may_open(actor, village_code)
        check_clue_date(clue_date, local_date(now))
        check_risks(reported_risks, "reported_risks", required=False)
        policy = policies.in_force(village_code, clue_date)
        case: MonitoringCase = cls._create(
            ev.CaseOpened,
            id=case_id,
            actor=actor.as_dict(),
            command_id=command_id,
            occurred_at=now,
            comment=comment,
            household_number=household_number.strip(),
            household_head=household_head.strip(),
            village_code=village_code,
            township_code=township_code,
            county_code=county_code,
            source=source.value,
            clue_date=clue_date,
            reported_risks=[r.value for r in reported_risks],
            policy=policy.as_dict(),
            previous_case_id=previous_case_id,
            registry_source=registry_source,
            registration_due=None if registry_source else registration_due(local_date(now), policy),
        )
        return case
