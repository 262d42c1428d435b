"""The commands of monitoring cases: open a case, take a step, record a missed deadline; each get → one aggregate
command → save, exactly once per command id: a command id the case has already recorded returns the view as it stood
after that command and appends nothing (retries of activities, repeated Idempotency-Keys, replays after
continue-as-new all land here).

A case is saved in one transaction with what its rules span: the household's open-case index (one open case per
household) and, for a look-back that finds a new risk, the new case it opens.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid5

from domain.cases.case import MonitoringCase
from domain.cases.queries import CaseReads, case_of, view_at
from domain.cases.rules.deadlines import missed_key
from domain.cases.rules.household import check_head, check_may_be_unregistered
from domain.cases.steps import commands as c
from domain.cases.values import ENDED_STAGES, DeadlineKind, LookBackOutcome, Source, Stage
from domain.cases.view import CaseViewData, case_view
from domain.kernel.actors import SYSTEM_ACTOR
from domain.kernel.envelope import Envelope
from domain.kernel.errors import (
    CaseAlreadyExistsError,
    CaseAlreadyOpenError,
    RuleViolationError,
    VersionConflictError,
)
from domain.kernel.privacy import sees
from domain.kernel.store import CommandSet, Reader
from domain.kernel.time import local_date
from domain.registry.figures import RegistryReading, reading_as_of
from domain.registry.household import HouseholdCases, household_cases_id
from domain.registry.rules import head_name
from domain.registry.values import Risk

# The command of each step → the aggregate's method that takes it. A proposal and a look-back take more than their
# command (the policies in force; the id of the case a new risk opens), and the visit and the proposal read the
# registry: ``take_step`` calls those itself.
StepMethod = Callable[[MonitoringCase, Envelope, Any], None]
_STEP_METHODS: dict[type, StepMethod] = {
    c.RecordCrossCheck: MonitoringCase.record_cross_check,
    c.RecordVillageDeliberation: MonitoringCase.record_village_deliberation,
    c.PostPublicNotice: MonitoringCase.post_public_notice,
    c.RaiseNoticeObjection: MonitoringCase.raise_notice_objection,
    c.ClosePublicNotice: MonitoringCase.close_public_notice,
    c.ReviewByTownship: MonitoringCase.review_by_township,
    c.DecideByCounty: MonitoringCase.decide_by_county,
    c.AnnounceResult: MonitoringCase.announce_result,
    c.AssignResponsiblePerson: MonitoringCase.assign_responsible_person,
    c.MakeAssistancePlan: MonitoringCase.make_assistance_plan,
    c.AddMeasure: MonitoringCase.add_measure,
    c.ChangeMeasure: MonitoringCase.change_measure,
    c.ImplementMeasure: MonitoringCase.implement_measure,
    c.EndMeasure: MonitoringCase.end_measure,
    c.ReviewAssistance: MonitoringCase.review_assistance,
    c.RectifyFinding: MonitoringCase.rectify_finding,
    c.RecordEliminationVisit: MonitoringCase.record_elimination_visit,
    c.RequestRollback: MonitoringCase.request_rollback,
    c.DecideRollback: MonitoringCase.decide_rollback,
}
# A new case opened by a look-back that found a new risk has an id derived from the old case and the command.
REENTRY_NAMESPACE = UUID("8b0b6c3e-2f4e-4f59-9d0e-1d3a5f0c7e21")


class CaseCommands(CommandSet, CaseReads):
    def reader(self) -> Reader:
        return self.store

    # ----- commands ---------------------------------------------------------------------------------------------

    def open_case(
        self,
        envelope: Envelope,
        *,
        case_id: UUID,
        household_number: str,
        household_head: str,
        village_code: str,
        source: Source,
        clue_date: date,
        reported_risks: list[Risk],
        township_code: str | None = None,
        county_code: str | None = None,
        comment: str = "",
    ) -> CaseViewData:
        existing = self.store.find(MonitoringCase, case_id)
        if existing is not None:
            if existing.command_versions.get(envelope.command_id) == 1:
                return view_at(self.store, existing, 1, envelope.now)
            raise CaseAlreadyExistsError(f"case {case_id} already exists", field="case_id", rule="unique")
        village = self.store.areas.village(village_code)
        township, county = self.store.areas.village_parents(village)
        for field, given, expected in (
            ("township_code", township_code, township),
            ("county_code", county_code, county),
        ):
            if given is not None and given != expected:
                raise RuleViolationError(
                    f"{field} {given!r} does not contain village {village_code}",
                    field=field,
                    rule="area_nesting",
                )
        household_number = household_number.strip()
        if not household_number:
            raise RuleViolationError("a household reference is required", field="household_number", rule="required")
        versions = self.registry_versions(household_number)  # one read of the household's stream
        reading = reading_as_of(household_number, versions, clue_date)  # the version the case records
        if reading is None:
            check_may_be_unregistered(source)  # self-application or alert only, to be registered by a deadline
        else:
            # A registered household: the case is of the village it lives in now, and its head is the registry's.
            registered_in = str(versions[-1].facts["village_code"])
            if registered_in != village_code:
                # Where it is registered is said only to a reader of that area (no answer tells where a household
                # outside the caller's area lives).
                where = f"in village {registered_in}" if sees(envelope.actor, registered_in) else (
                    f"outside village {village_code}")  # fmt: skip
                raise RuleViolationError(
                    f"household {household_number} is registered {where}", field="village_code",
                    rule="household_village",
                )  # fmt: skip
            registered_head = head_name(reading.version.facts["members"])
            check_head(household_head, registered_head)
            household_head = registered_head or household_head.strip()
        index = self._household_cases(household_number)
        if index.open_cases:
            # the open case is named to a reader of its area only
            existing_case = self.store.find(MonitoringCase, UUID(str(index.open_cases[0])))
            shown = existing_case is not None and sees(envelope.actor, existing_case.village_code)
            raise CaseAlreadyOpenError(
                f"household {household_number} already has an open case" + (f" {index.open_cases[0]}" if shown else ""),
                field="household_number",
                rule="one_open_case",
            )
        case = MonitoringCase.open(
            case_id=case_id,
            actor=envelope.actor,
            command_id=envelope.command_id,
            now=envelope.now,
            policies=self.store.policies,
            household_number=household_number,
            household_head=household_head,
            village_code=village_code,
            township_code=township,
            county_code=county,
            source=source,
            clue_date=clue_date,
            reported_risks=reported_risks,
            comment=comment,
            registry_source=reading.source() if reading else None,
        )
        index.opened(str(case_id))
        self.store.save(case, index)
        return case_view(case, envelope.now, self.store.areas)

    def take_step(
        self, envelope: Envelope, case_id: UUID, command: c.StepCommand, expected_version: int | None = None
    ) -> CaseViewData:
        """Apply one step's command to the case, once per command id."""
        now = envelope.now
        case = case_of(self.store, case_id)
        done_at = case.command_versions.get(envelope.command_id)
        if done_at is not None:
            return view_at(self.store, case, done_at, now)
        if expected_version is not None and expected_version != case.version:
            raise VersionConflictError(
                f"the case is at version {case.version}, not {expected_version}",
                field="If-Match",
                rule="version",
            )
        stage_before = case.stage
        new_case: MonitoringCase | None = None
        if isinstance(command, c.RecordHouseholdVisit):
            case.record_household_visit(envelope, command, registry=self._reading(case.household_number, envelope))
        elif isinstance(command, c.ProposeElimination):
            case.propose_elimination(  # the current year's line, the registry's labour
                envelope, command, policies=self.store.policies, registry=self._reading(case.household_number, envelope)
            )
        elif isinstance(command, c.RecordLookBack):
            reentry = command.outcome is LookBackOutcome.NEW_RISK
            new_id = str(uuid5(REENTRY_NAMESPACE, f"{case_id}:{envelope.command_id}")) if reentry else None
            case.record_look_back(envelope, command, new_case_id=new_id)
            if case.new_case_id is not None:
                new_case = self._reentry(case, envelope, command)
        else:
            _STEP_METHODS[type(command)](case, envelope, command)
        self.store.save(case, *([new_case] if new_case else []), *self._index_changes(case, stage_before, new_case))
        return case_view(case, now, self.store.areas)

    def _reentry(self, case: MonitoringCase, envelope: Envelope, look_back: c.RecordLookBack) -> MonitoringCase:
        """风险再标注: the household goes through identification again, as a new case linked to this one, saved in the
        same transaction so that neither exists without the other (domain.md §8)."""
        assert case.new_case_id is not None
        self._check_no_other_open_case(case)  # after the step's own rules: the pending event is discarded
        reading = self._reading(case.household_number, envelope)
        registered = reading.source() if reading else None
        return MonitoringCase.open(
            case_id=UUID(case.new_case_id),
            actor=envelope.actor,
            command_id=f"re-entry:{case.id}",
            now=envelope.now,
            policies=self.store.policies,
            household_number=case.household_number,
            household_head=case.household_head,
            village_code=case.village_code,
            township_code=case.township_code,
            county_code=case.county_code,
            # a cadre's look-back found it; a household still not registered keeps the channel it came by
            source=Source.CADRE_SCREENING if registered else case.source,
            clue_date=local_date(envelope.at),
            reported_risks=list(look_back.new_risks),
            comment=f"回头看发现新风险（原案件 {case.id}）",
            previous_case_id=str(case.id),
            registry_source=registered,
        )

    def _reading(self, household_number: str, envelope: Envelope) -> RegistryReading | None:
        """The household as the registry has it for the step's business date (None when it is not registered)."""
        return reading_as_of(household_number, self.registry_versions(household_number), local_date(envelope.at))

    def _check_no_other_open_case(self, case: MonitoringCase, index: HouseholdCases | None = None) -> None:
        """One open case per household: a re-entry or a rollback may not give the household a second one."""
        index = index or self._household_cases(case.household_number)
        others = [c for c in index.open_cases if c != str(case.id)]
        if others:
            raise CaseAlreadyOpenError(
                f"household {case.household_number} already has an open case {others[0]}; handle the risk there",
                field="household_number",
                rule="one_open_case",
            )

    def _household_cases(self, household_number: str) -> HouseholdCases:
        index = self.store.find(HouseholdCases, household_cases_id(household_number))
        return index if index is not None else HouseholdCases.start(household_number)

    def _index_changes(
        self, case: MonitoringCase, stage_before: Stage, new_case: MonitoringCase | None
    ) -> list[HouseholdCases]:
        """Keep the household's open cases in step with the case's stage, saved in the same transaction."""
        stage = case.stage
        ended = stage in ENDED_STAGES and stage_before not in ENDED_STAGES
        reopened = stage_before is Stage.ELIMINATED and stage is not Stage.ELIMINATED  # 回退
        if not (ended or reopened or new_case):
            return []
        index = self._household_cases(case.household_number)
        if ended:
            index.ended(str(case.id), stage.value)
        if reopened:
            self._check_no_other_open_case(case, index)
            index.opened(str(case.id))
        if new_case is not None:
            index.opened(str(new_case.id))
        return [index] if index.pending_events else []

    def record_deadline_missed(
        self, *, case_id: UUID, kind: DeadlineKind, due_date: date, now: datetime
    ) -> CaseViewData:
        """Append DeadlineMissed once if the deadline is still unmet; the command id makes retries harmless."""
        case = case_of(self.store, case_id)
        command_id = f"deadline:{missed_key(kind.value, due_date)}"
        if command_id not in case.command_versions and case.record_deadline_missed(
            actor=SYSTEM_ACTOR, command_id=command_id, now=now, kind=kind, due_date=due_date
        ):
            self.store.save(case)
        return case_view(case, now, self.store.areas)
