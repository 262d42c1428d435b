"""Risk elimination (风险消除, domain.md §7), look-back (回头看), rollback (回退) and re-entry (§8)."""

from __future__ import annotations

from domain.cases import events as ev
from domain.cases.rules.elimination import EliminationAssessment, elimination_violations
from domain.cases.rules.household import figures_from_registry
from domain.cases.rules.identification import check_risks
from domain.cases.state import CaseState, check_labour
from domain.cases.steps.commands import (
    DecideRollback,
    ProposeElimination,
    RecordEliminationVisit,
    RecordLookBack,
    RequestRollback,
)
from domain.cases.values import LookBackOutcome, RollbackDecision
from domain.kernel.envelope import Envelope
from domain.kernel.errors import RuleViolationError
from domain.kernel.policy import PolicyVersions
from domain.kernel.steps import Step
from domain.kernel.time import local_date
from domain.registry.figures import RegistryReading


class EliminationSteps(CaseState):
    def propose_elimination(
        self,
        envelope: Envelope,
        command: ProposeElimination,
        *,
        policies: PolicyVersions,
        registry: RegistryReading | None,
    ) -> None:
        """风险消除申请 from the village: refused, with every failed criterion, unless all criteria hold. Labour is the
        registry's as of the proposal (``registry``): a household registered with no labour capacity stays monitored
        whatever a proposal types (issue 19)."""
        self._check_step(Step.ELIMINATION_PROPOSAL, envelope)
        assert self.identified_on is not None  # a monitored case has been identified
        command, source = figures_from_registry(command, registry)
        assert command.labour_capable_members is not None
        size = registry.figures.size if registry else int(self.facts["household_visit"]["household_size"])
        check_labour(command.labour_capable_members, size)
        if not command.evidence.strip():
            raise RuleViolationError("state the evidence for elimination", field="evidence", rule="required")
        proposed_on = local_date(envelope.at)
        current = policies.in_force(self.village_code, proposed_on, field="occurred_at")
        assessment = EliminationAssessment(
            mode=command.mode,
            proposed_on=proposed_on,
            per_capita_net_income=command.per_capita_net_income,
            unmet_guarantees=command.unmet_guarantees,
            unresolved_rigid_expenditure=command.unresolved_rigid_expenditure,
            labour_capable_members=command.labour_capable_members,
        )
        violations = elimination_violations(
            assessment,
            identified_on=self.identified_on,
            risks=self.current_risks(),
            measures=self.measure_facts(),
            pinned=self.policy,
            current=current,
        )
        if violations:
            first = violations[0]
            raise RuleViolationError(
                "elimination criteria not met: " + "; ".join(v.message for v in violations),
                field=first.field,
                rule=first.rule,
                violations=[{"field": v.field, "rule": v.rule, "message": v.message} for v in violations],
            )
        self._trigger(
            ev.EliminationProposed,
            envelope,
            command.comment,
            mode=command.mode.value,
            per_capita_net_income=command.per_capita_net_income,
            monitoring_line=current.monitoring_line,
            line_policy=current.key,
            unmet_guarantees=sorted({g.value for g in command.unmet_guarantees}),
            unresolved_rigid_expenditure=command.unresolved_rigid_expenditure,
            labour_capable_members=command.labour_capable_members,
            evidence=command.evidence.strip(),
            figures_source=source,
        )

    def record_elimination_visit(self, envelope: Envelope, command: RecordEliminationVisit) -> None:
        """入户核实 for elimination by a team of at least N, with the three signed forms (domain.md §7 step 2)."""
        self._check_step(Step.ELIMINATION_VISIT, envelope)
        team = list(dict.fromkeys(v.strip() for v in command.verifiers if v.strip()))
        minimum = self.policy.min_elimination_verifiers
        if len(team) < minimum:
            raise RuleViolationError(
                f"the verification team has at least {minimum} different people",
                field="verifiers",
                rule="min_verifiers",
            )
        for field, ref in (
            ("information_form_ref", command.information_form_ref),
            ("measures_form_ref", command.measures_form_ref),
            ("assessment_form_ref", command.assessment_form_ref),
        ):
            if not ref.strip():
                raise RuleViolationError("each signed form is referenced", field=field, rule="required")
        self._trigger(
            ev.EliminationVisitRecorded,
            envelope,
            command.comment,
            verifiers=team,
            information_form_ref=command.information_form_ref.strip(),
            measures_form_ref=command.measures_form_ref.strip(),
            assessment_form_ref=command.assessment_form_ref.strip(),
        )

    def record_look_back(
        self,
        envelope: Envelope,
        command: RecordLookBack,
        *,
        new_case_id: str | None,
    ) -> None:
        """回头看 of an eliminated household (seed plan §二(三)): stable, unstable (→ rollback may be requested),
        or a new risk (→ a new case through the full identification, linked to this one; domain.md §8)."""
        self._check_step(Step.LOOK_BACK, envelope, not_before=self.eliminated_on or self.clue_date)
        if not command.evidence.strip():
            raise RuleViolationError("a look-back records its evidence", field="evidence", rule="required")
        check_risks(command.new_risks, "new_risks", required=command.outcome is LookBackOutcome.NEW_RISK)
        if command.outcome is not LookBackOutcome.NEW_RISK and command.new_risks:
            raise RuleViolationError("new risks mean outcome new_risk", field="new_risks", rule="outcome")
        if (command.outcome is LookBackOutcome.NEW_RISK) != (new_case_id is not None):
            raise RuleViolationError("a new risk opens a new case", field="new_risks", rule="re_entry")
        self._trigger(
            ev.LookBackRecorded,
            envelope,
            command.comment,
            outcome=command.outcome.value,
            evidence=command.evidence.strip(),
            per_capita_net_income=command.per_capita_net_income,
            unmet_guarantees=sorted({g.value for g in command.unmet_guarantees}),
            new_risks=[r.value for r in command.new_risks],
            new_case_id=new_case_id,
        )

    def request_rollback(self, envelope: Envelope, command: RequestRollback) -> None:
        """风险消除回退: the township's written request to the county (seed plan §三(二)), after a look-back found the
        household unstable (the step opens only then)."""
        self._check_step(Step.ROLLBACK_REQUEST, envelope)
        for field, value in (
            ("reason", command.reason),
            ("evidence", command.evidence),
            ("document_ref", command.document_ref),
        ):
            if not value.strip():
                raise RuleViolationError(f"a written request states its {field}", field=field, rule="written_request")
        self._trigger(
            ev.RollbackRequested,
            envelope,
            command.comment,
            reason=command.reason.strip(),
            evidence=command.evidence.strip(),
            document_ref=command.document_ref.strip(),
        )

    def decide_rollback(self, envelope: Envelope, command: DecideRollback) -> None:
        """The county executes or refuses the rollback. Approved: monitored again with the original category and
        identification date (domain.md §8, an inference there); the elimination stays in the history."""
        self._check_step(Step.ROLLBACK_DECISION, envelope)
        if command.decision is RollbackDecision.REJECT and not command.reason.strip():
            raise RuleViolationError("a refusal needs a reason", field="reason", rule="required")
        event = ev.EliminationRolledBack if command.decision is RollbackDecision.APPROVE else ev.RollbackRefused
        self._trigger(event, envelope, command.comment, reason=command.reason.strip())
