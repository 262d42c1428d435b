"""Assistance of a monitored household (帮扶, domain.md §6; seed plan §二(二)): the one-to-one responsible person,
the plan, the measures, reviews and their rectification."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from domain.cases import events as ev
from domain.cases.rules.identification import check_risks
from domain.cases.state import CaseState
from domain.cases.steps.commands import (
    AddMeasure,
    AssignResponsiblePerson,
    ChangeMeasure,
    EndMeasure,
    ImplementMeasure,
    MakeAssistancePlan,
    RectifyFinding,
    ReviewAssistance,
)
from domain.cases.values import FindingKind, MeasureAction, MeasureStatus
from domain.kernel.envelope import Envelope
from domain.kernel.errors import RuleViolationError
from domain.kernel.steps import Step
from domain.kernel.time import local_date

_PHONE = re.compile(r"^\+?[0-9][0-9 -]{5,19}$")


class AssistanceSteps(CaseState):
    def _identified_on(self) -> date:
        """The lower bound of assistance dates. Before identification the steps are not open at all, which
        ``_check_step`` reports; the clue date only stands in until then."""
        return self.identified_on or self.clue_date

    def assign_responsible_person(self, envelope: Envelope, command: AssignResponsiblePerson) -> None:
        """帮扶责任人: one person at a time ("一对一", seed plan §三(二)); a new assignment ends the previous one."""
        self._check_step(Step.RESPONSIBLE_PERSON, envelope, not_before=self._identified_on())
        for field, value in (("name", command.name), ("unit", command.unit)):
            if not value.strip():
                raise RuleViolationError(f"the responsible person's {field} is required", field=field, rule="required")
        if not _PHONE.match(command.phone.strip()):
            raise RuleViolationError("a reachable phone number is required", field="phone", rule="phone")
        if not self._identified_on() <= command.start_date <= local_date(envelope.now):
            raise RuleViolationError(
                "the assignment starts between identification and today", field="start_date", rule="within_case"
            )
        current = self.responsible_person
        if current is not None and command.start_date < current["start_date"]:
            raise RuleViolationError(
                "a new responsible person cannot start before the current one", field="start_date", rule="order"
            )
        self._trigger(
            ev.ResponsiblePersonAssigned,
            envelope,
            command.comment,
            name=command.name.strip(),
            unit=command.unit.strip(),
            phone=command.phone.strip(),
            start_date=command.start_date,
            user_id=command.user_id.strip(),
        )

    def make_assistance_plan(self, envelope: Envelope, command: MakeAssistancePlan) -> None:
        """帮扶计划 (一户一案): needs a responsible person (open step only then); a later plan revises it."""
        self._check_step(Step.ASSISTANCE_PLAN, envelope, not_before=self._identified_on())
        if not command.summary.strip():
            raise RuleViolationError("the plan needs its content", field="summary", rule="required")
        if not command.planned_categories:
            raise RuleViolationError("the plan names its measures", field="planned_categories", rule="required")
        self._trigger(
            ev.AssistancePlanMade,
            envelope,
            command.comment,
            summary=command.summary.strip(),
            planned_categories=sorted({c.value for c in command.planned_categories}),
        )

    def add_measure(self, envelope: Envelope, command: AddMeasure) -> None:
        """A measure of one of the 14 categories; added as planned or already implemented."""
        self._check_step(
            Step.MEASURES,
            envelope,
            action=MeasureAction.ADD.value,
            not_before=self._identified_on(),
        )
        if command.status is MeasureStatus.ENDED:
            raise RuleViolationError("a new measure is planned or implemented", field="status", rule="measure_status")
        if not command.responsible_unit.strip():
            raise RuleViolationError("name the responsible unit", field="responsible_unit", rule="required")
        if command.funds < 0:
            raise RuleViolationError("funds cannot be negative", field="funds", rule="minimum")
        if command.status is MeasureStatus.IMPLEMENTED and command.start_date > local_date(envelope.at):
            raise RuleViolationError(
                "an implemented measure has started", field="start_date", rule="implemented_has_started"
            )
        check_risks(command.targets, "targets", required=False)
        self._trigger(
            ev.MeasureAdded,
            envelope,
            command.comment,
            measure_id=f"M{len(self.measures) + 1}",
            category=command.category.value,
            sub_item=command.sub_item.strip(),
            start_date=command.start_date,
            responsible_unit=command.responsible_unit.strip(),
            funds=command.funds,
            status=command.status.value,
            targets=[t.value for t in command.targets],
        )

    def change_measure(self, envelope: Envelope, command: ChangeMeasure) -> None:
        """Re-plan a measure (its sub-item, start date, unit or funds), e.g. as a rectification."""
        self._check_step(
            Step.MEASURES,
            envelope,
            action=MeasureAction.CHANGE.value,
            not_before=self._identified_on(),
        )
        measure = self._measure(command.measure_id)
        if measure["status"] == MeasureStatus.ENDED:
            raise RuleViolationError("an ended measure cannot change", field="measure_id", rule="measure_status")
        changes: dict[str, Any] = {
            k: v
            for k, v in {
                "sub_item": command.sub_item.strip() if command.sub_item is not None else None,
                "start_date": command.start_date,
                "responsible_unit": command.responsible_unit.strip() if command.responsible_unit is not None else None,
                "funds": command.funds,
            }.items()
            if v is not None and v != measure.get(k)
        }
        if not changes:
            raise RuleViolationError("nothing to change", field="measure_id", rule="no_change")
        if "funds" in changes and changes["funds"] < 0:
            raise RuleViolationError("funds cannot be negative", field="funds", rule="minimum")
        self._trigger(
            ev.MeasureChanged,
            envelope,
            command.comment,
            measure_id=command.measure_id,
            changes=changes,
        )

    def implement_measure(self, envelope: Envelope, command: ImplementMeasure) -> None:
        self._check_step(
            Step.MEASURES,
            envelope,
            action=MeasureAction.IMPLEMENT.value,
            not_before=self._identified_on(),
        )
        if self._measure(command.measure_id)["status"] != MeasureStatus.PLANNED:
            raise RuleViolationError(
                "only a planned measure can be implemented", field="measure_id", rule="measure_status"
            )
        self._trigger(
            ev.MeasureImplemented,
            envelope,
            command.comment,
            measure_id=command.measure_id,
        )

    def end_measure(self, envelope: Envelope, command: EndMeasure) -> None:
        self._check_step(
            Step.MEASURES,
            envelope,
            action=MeasureAction.END.value,
            not_before=self._identified_on(),
        )
        if self._measure(command.measure_id)["status"] == MeasureStatus.ENDED:
            raise RuleViolationError("the measure has already ended", field="measure_id", rule="measure_status")
        if not command.reason.strip():
            raise RuleViolationError("say why the measure ends", field="reason", rule="required")
        self._trigger(
            ev.MeasureEnded,
            envelope,
            command.comment,
            measure_id=command.measure_id,
            reason=command.reason.strip(),
        )

    def review_assistance(self, envelope: Envelope, command: ReviewAssistance) -> None:
        """帮扶核查: findings 不及时 / 不精准 / 不全面 / 成效不明显, each with the date it was found
        (seed plan §二(二))."""
        self._check_step(Step.REVIEW, envelope, not_before=self._identified_on())
        if not command.findings:
            raise RuleViolationError("a review records at least one finding", field="findings", rule="required")
        recorded = []
        for i, finding in enumerate(command.findings):
            kind = FindingKind(finding["kind"])
            found_on: date = finding["found_on"]
            if not self._identified_on() <= found_on <= local_date(envelope.at):
                raise RuleViolationError(
                    "a finding is found between identification and the review",
                    field=f"findings.{i}.found_on",
                    rule="within_case",
                )
            if not str(finding.get("description", "")).strip():
                raise RuleViolationError("describe the finding", field=f"findings.{i}.description", rule="required")
            recorded.append(
                {
                    "finding_id": f"F{len(self.findings) + i + 1}",
                    "kind": kind.value,
                    "description": str(finding["description"]).strip(),
                    "found_on": found_on,
                }
            )
        self._trigger(ev.AssistanceReviewed, envelope, command.comment, findings=recorded)

    def rectify_finding(self, envelope: Envelope, command: RectifyFinding) -> None:
        """整改: a finding is rectified by measures added or re-planned since it was found, on a date of its own."""
        self._check_step(Step.RECTIFICATION, envelope, not_before=self._identified_on())
        finding = self.findings.get(command.finding_id)
        if finding is None or finding["rectified"] is not None:
            raise RuleViolationError(f"no open finding {command.finding_id!r}", field="finding_id", rule="open_finding")
        if not command.description.strip():
            raise RuleViolationError("describe the rectification", field="description", rule="required")
        if not command.measure_ids:
            raise RuleViolationError(
                "a rectification names the measures added or changed", field="measure_ids", rule="required"
            )
        found_on: date = finding["found_on"]
        for m_id in command.measure_ids:
            measure = self._measure(m_id)
            touched = [local_date(measure["occurred_at"])]
            if "changed_at" in measure:
                touched.append(local_date(measure["changed_at"]))
            if max(touched) < found_on:
                raise RuleViolationError(
                    f"measure {m_id} was neither added nor changed since the finding ({found_on.isoformat()})",
                    field="measure_ids",
                    rule="rectification_measures",
                )
        rectified_on = local_date(envelope.at)
        if rectified_on < found_on:
            raise RuleViolationError("a rectification follows its finding", field="occurred_at", rule="order")
        self._trigger(
            ev.FindingRectified,
            envelope,
            command.comment,
            finding_id=command.finding_id,
            description=command.description.strip(),
            measure_ids=list(dict.fromkeys(command.measure_ids)),
            rectified_on=rectified_on,
        )

    def _measure(self, measure_id: str) -> dict[str, Any]:
        measure = self.measures.get(measure_id)
        if measure is None:
            raise RuleViolationError(f"no measure {measure_id!r}", field="measure_id", rule="exists")
        return measure
