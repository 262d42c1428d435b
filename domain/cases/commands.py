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
from domain.cases.queries import EventRecord, case_of, event_records, view, view_after_command
from domain.cases.values import DeadlineKind, LookBackOutcome, MeasureAction, NoticeAction, Source, Stage
from domain.cases.view import CaseViewData, case_view
from domain.kernel.actors import SYSTEM_ACTOR, Actor
from domain.kernel.errors import (
    CaseAlreadyExistsError,
    CaseAlreadyOpenError,
    RuleViolationError,
    VersionConflictError,
)
from domain.kernel.steps import Step
from domain.kernel.store import Store
from domain.kernel.time import SHANGHAI, local_date
from domain.registry.household import Household, HouseholdCases, household_cases_id, household_id
from domain.registry.values import Risk

StepMethod = Callable[..., Any]

# (step, action) → the aggregate's command. Steps with actions: 村内公示 (post / objection / close) and 帮扶措施
# (add / change / implement / end).
_STEP_METHODS: dict[tuple[Step, str | None], StepMethod] = {
    (Step.HOUSEHOLD_VISIT, None): MonitoringCase.record_household_visit,
    (Step.CROSS_CHECK, None): MonitoringCase.record_cross_check,
    (Step.VILLAGE_DELIBERATION, None): MonitoringCase.record_village_deliberation,
    (Step.PUBLIC_NOTICE, NoticeAction.POST.value): MonitoringCase.post_public_notice,
    (Step.PUBLIC_NOTICE, NoticeAction.OBJECTION.value): MonitoringCase.raise_notice_objection,
    (Step.PUBLIC_NOTICE, NoticeAction.CLOSE.value): MonitoringCase.close_public_notice,
    (Step.TOWNSHIP_REVIEW, None): MonitoringCase.review_by_township,
    (Step.COUNTY_DECISION, None): MonitoringCase.decide_by_county,
    (Step.ANNOUNCEMENT, None): MonitoringCase.announce_result,
    (Step.RESPONSIBLE_PERSON, None): MonitoringCase.assign_responsible_person,
    (Step.ASSISTANCE_PLAN, None): MonitoringCase.make_assistance_plan,
    (Step.MEASURES, MeasureAction.ADD.value): MonitoringCase.add_measure,
    (Step.MEASURES, MeasureAction.CHANGE.value): MonitoringCase.change_measure,
    (Step.MEASURES, MeasureAction.IMPLEMENT.value): MonitoringCase.implement_measure,
    (Step.MEASURES, MeasureAction.END.value): MonitoringCase.end_measure,
    (Step.REVIEW, None): MonitoringCase.review_assistance,
    (Step.RECTIFICATION, None): MonitoringCase.rectify_finding,
    (Step.ELIMINATION_PROPOSAL, None): MonitoringCase.propose_elimination,
    (Step.ELIMINATION_VISIT, None): MonitoringCase.record_elimination_visit,
    (Step.LOOK_BACK, None): MonitoringCase.record_look_back,
    (Step.ROLLBACK_REQUEST, None): MonitoringCase.request_rollback,
    (Step.ROLLBACK_DECISION, None): MonitoringCase.decide_rollback,
}
_ACTION_STEPS = frozenset(step for step, action in _STEP_METHODS if action is not None)
# A new case opened by a look-back that found a new risk has an id derived from the old case and the command.
REENTRY_NAMESPACE = UUID("8b0b6c3e-2f4e-4f59-9d0e-1d3a5f0c7e21")


class CaseCommands:
    def __init__(self, store: Store) -> None:
        self.store = store

    # ----- commands ---------------------------------------------------------------------------------------------

    def open_case(
        self,
        *,
        case_id: UUID,
        command_id: str,
        actor: Actor,
        now: datetime,
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
            if existing.command_versions.get(command_id) == 1:
                return view(self.store, case_id, now, 1)
            raise CaseAlreadyExistsError(f"case {case_id} already exists", field="case_id", rule="unique")
        village = self.store.areas.village(village_code)
        township = village.parent_code or ""
        county = self.store.areas.village_parents(village)[-1]
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
        household = self.store.find(Household, household_id(household_number))
        if household is not None:
            # A registered household: the case is of its village, and its head is known.
            if household.village_code != village_code:
                raise RuleViolationError(
                    f"household {household_number} is registered in village {household.village_code}",
                    field="village_code",
                    rule="household_village",
                )
            household_head = household_head.strip() or household.head_name
        index = self._household_cases(household_number)
        if index.open_cases:
            raise CaseAlreadyOpenError(
                f"household {household_number} already has an open case {index.open_cases[0]}",
                field="household_number",
                rule="one_open_case",
            )
        case = MonitoringCase.open(
            case_id=case_id,
            actor=actor,
            command_id=command_id,
            now=now,
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
        )
        index.opened(str(case_id))
        self.store.save(case, index)
        return case_view(case, now, self.store.areas)

    def take_step(
        self,
        *,
        case_id: UUID,
        step: Step,
        action: str | None,
        command_id: str,
        actor: Actor,
        now: datetime,
        expected_version: int | None,
        payload: dict[str, Any],
    ) -> CaseViewData:
        """Apply one step. ``payload`` holds the step's typed fields (and ``occurred_at``)."""
        case = case_of(self.store, case_id)
        done_at = case.command_versions.get(command_id)
        if done_at is not None:
            return (
                case_view(case, now, self.store.areas)
                if done_at == case.version
                else view(self.store, case_id, now, done_at)
            )
        if expected_version is not None and expected_version != case.version:
            raise VersionConflictError(
                f"the case is at version {case.version}, not {expected_version}",
                field="If-Match",
                rule="version",
            )
        stage_before = case.stage
        method = _STEP_METHODS.get((step, action if step in _ACTION_STEPS else None))
        if method is None:
            raise RuleViolationError(f"step {step.value} needs a valid action", field="action", rule="required")
        fields = dict(payload)
        occurred_at = fields.pop("occurred_at", None) or now
        if occurred_at.tzinfo is None:
            occurred_at = occurred_at.replace(tzinfo=SHANGHAI)  # a time without zone is local time
        if step is Step.ELIMINATION_PROPOSAL:
            fields["policies"] = self.store.policies  # the current year's line (domain.md §7)
        new_case: MonitoringCase | None = None
        if step is Step.LOOK_BACK:
            fields["new_case_id"] = None
            if fields.get("outcome") == LookBackOutcome.NEW_RISK:
                new_id = uuid5(REENTRY_NAMESPACE, f"{case_id}:{command_id}")
                fields["new_case_id"] = str(new_id)
        method(case, actor=actor, command_id=command_id, occurred_at=occurred_at, now=now, **fields)
        if case.new_case_id is not None and step is Step.LOOK_BACK:
            self._check_no_other_open_case(case)  # after the step's own rules: the pending event is discarded
            # 风险再标注: the household goes through identification again, as a new case linked to this one, saved
            # in the same transaction so that neither exists without the other (domain.md §8).
            new_case = MonitoringCase.open(
                case_id=UUID(case.new_case_id),
                actor=actor,
                command_id=f"re-entry:{case_id}",
                now=now,
                policies=self.store.policies,
                household_number=case.household_number,
                household_head=case.household_head,
                village_code=case.village_code,
                township_code=case.township_code,
                county_code=case.county_code,
                source=Source.CADRE_SCREENING,
                clue_date=local_date(occurred_at),
                reported_risks=list(fields["new_risks"]),
                comment=f"回头看发现新风险（原案件 {case_id}）",
                previous_case_id=str(case_id),
            )
        self.store.save(case, *([new_case] if new_case else []), *self._index_changes(case, stage_before, new_case))
        return case_view(case, now, self.store.areas)

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
        ended = stage in (Stage.CLOSED, Stage.ELIMINATED) and stage_before not in (Stage.CLOSED, Stage.ELIMINATED)
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
        command_id = f"deadline:{kind.value}:{due_date.isoformat()}"
        if command_id not in case.command_versions and case.record_deadline_missed(
            actor=SYSTEM_ACTOR, command_id=command_id, now=now, kind=kind, due_date=due_date
        ):
            self.store.save(case)
        return case_view(case, now, self.store.areas)

    # ----- reads ------------------------------------------------------------------------------------------------

    def view(self, case_id: UUID, now: datetime, version: int | None = None) -> CaseViewData:
        return view(self.store, case_id, now, version)

    def view_after_command(self, case_id: UUID, command_id: str, now: datetime) -> CaseViewData | None:
        return view_after_command(self.store, case_id, command_id, now)

    def event_records(self, case_id: UUID) -> list[EventRecord]:
        return event_records(self.store, case_id)
