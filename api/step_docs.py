"""What the interactive docs (/docs) say of each case step: what it records and refuses (``STEP_TEXT``), who takes it
(``domain.kernel.permissions.STEP_ROLES``) and the deadline it meets (``STEP_DEADLINES``, with the default policy's
lengths; a case keeps the policy version it was opened under)."""

from __future__ import annotations

from domain.cases.values import DeadlineKind
from domain.kernel.actors import Role
from domain.kernel.labels import label
from domain.kernel.permissions import STEP_ROLES
from domain.kernel.policy import PolicyVersions
from domain.kernel.steps import Step

_P = PolicyVersions().get("national@1")  # the built-in national version: its lengths are the defaults

STEP_TEXT: dict[Step, str] = {
    Step.HOUSEHOLD_VISIT: "The village's visit: income, risks and the signed 承诺授权书; the household's type, size "
    "and labour are read from the registry as of the visit's date (leave them out; a contradicting figure: 422 "
    "`registry_figure`), typed only for a household not registered (422 `typed_figures`). A household that declines "
    "to sign (`authorisation_signed: false`, with its `refusal_reason`) has not applied and the case closes. "
    "Refused: 422 `authorisation_reference`, `refusal_reason`, `risk_required`, `within_household`.",
    Step.CROSS_CHECK: "The departments' data compared with the visit; may be recorded again until the township "
    "review, which needs it. An inconsistent result describes its findings (422 `required`).",
    Step.VILLAGE_DELIBERATION: "The village's deliberation, minuted (422 `minuted` without `minutes_ref`); the "
    "outcome `fail` refuses the procedure. Serves identification and elimination alike.",
    Step.PUBLIC_NOTICE: f"Three actions: `post` (at least {_P.notice_min_days} days for identification, "
    f"{_P.elimination_notice_min_days} for elimination: 422 `notice_min_days`), `objection` (within the notice "
    "period: 422 `notice_period`), `close` (after the last day with `no_objection`; after an objection with "
    "`redeliberate` or `reject` and the investigation: 422 `objection`).",
    Step.TOWNSHIP_REVIEW: "`pass`, `return` (to the village) or `reject`; a return or a rejection states its reason "
    "(422 `required`). Open once the notice has closed (for an identification, with 信息比对 recorded). In an "
    "elimination, not by the household's own 帮扶责任人 (403 `separation_of_duties`).",
    Step.COUNTY_DECISION: "`approve` or `reject` (with a reason). Approving an identification names a category the "
    "household fits under the case's policy (422 `required`, `category_criteria`); an elimination keeps the case's "
    "category (422 `category_unchanged`). Not by the person who made the township review, nor in an elimination by "
    "the household's own 帮扶责任人 (403 `separation_of_duties`).",
    Step.ANNOUNCEMENT: "The township's announcement: after an identification's approval the household is monitored "
    "(风险未消除); after an elimination's, its risk is eliminated (风险已消除).",
    Step.RESPONSIBLE_PERSON: "One person at a time (一对一): a new assignment ends the previous one. `user_id` names "
    "their Dixian account: they then act for this household and may not approve its elimination. Refused: 422 "
    "`phone`, `within_case` (start between identification and today), `order`.",
    Step.ASSISTANCE_PLAN: "The household's plan (一户一案): its content and the measure categories planned; open "
    "once a 帮扶责任人 is assigned, and a later plan revises it.",
    Step.MEASURES: "Four actions: `add` (one of the 14 categories, planned or implemented; ids M1, M2, … in order), "
    "`change` (sub-item, start, unit or funds: 422 `no_change`), `implement`, `end` (with a reason). Refused: 422 "
    "`exists`, `measure_status`, `implemented_has_started`.",
    Step.REVIEW: "A review of the assistance: one or more findings (不及时, 不精准, 不全面, 成效不明显), each found "
    "between identification and the review (422 `within_case`); they are numbered F1, F2, … for 整改.",
    Step.RECTIFICATION: "Rectifies an open finding of a review (422 `open_finding`) by measures added or changed "
    "since it was found (422 `rectification_measures`).",
    Step.ELIMINATION_PROPOSAL: "The village proposes 风险消除 (帮扶消除 or 自然消除). Refused with every unmet "
    f"criterion listed in `errors` (422): `min_monitoring_period` ({_P.min_monitoring_months} months after "
    "identification), `measure_for_risk`, `income_above_line`, `three_guarantees`, `rigid_expenditure`, "
    "`whole_household_without_labour` (labour as the registry has it on the proposal's date; a typed count that "
    "contradicts it: 422 `registry_figure`).",
    Step.ELIMINATION_VISIT: f"The verification visit by a team of at least {_P.min_elimination_verifiers} people "
    "(422 `min_verifiers`), with the references of the three signed forms (422 `required`).",
    Step.LOOK_BACK: "The household is visited again after its elimination: `stable`, `unstable` (a rollback may then "
    "be requested) or `new_risk`, which opens a new case for the household, linked to this one (422 `risk_required`, "
    "`outcome`; 409 `one_open_case` while the household has another open case).",
    Step.ROLLBACK_REQUEST: "The township's written request to undo the elimination, after a look-back found the "
    "household unstable: reason, evidence and document reference (422 `written_request`).",
    Step.ROLLBACK_DECISION: "`approve`: the household is monitored again with its category and identification date "
    "(the elimination stays in the history); `reject` states its reason (422 `required`).",
}

# The statutory deadline each step meets (domain/cases/state.py ``deadline_states``): calendar days (Asia/Shanghai).
STEP_DEADLINES: dict[Step, str] = {
    Step.COUNTY_DECISION: f"{label(DeadlineKind.IDENTIFICATION)}: the identification's decision is due "
    f"{_P.identification_days} days after the clue date",
    Step.ASSISTANCE_PLAN: f"{label(DeadlineKind.ASSISTANCE_PLAN)}: the first plan is due {_P.plan_days} days after "
    "identification",
    Step.MEASURES: f"{label(DeadlineKind.MEASURES)}: a first implemented measure is due {_P.measures_days} days "
    f"after identification and {_P.measures_from_clue_days} days after the clue date",
    Step.ANNOUNCEMENT: f"{label(DeadlineKind.ELIMINATION)}: an elimination is announced within "
    f"{_P.elimination_days} days of its proposal",
    Step.LOOK_BACK: f"{label(DeadlineKind.LOOK_BACK)}: due {_P.look_back_months} months after the elimination",
}

STEP_COMMON = (
    "Send an `Idempotency-Key` (a retry returns the earlier result) and `If-Match` with the case's ETag (409 "
    "`version` if it has moved on). Refused: 409 `step_order` (not open now) or `case_closed`, 403 `step_roles` or "
    "`separation_of_duties`, 404 `exists` outside the caller's area (a 帮扶责任人: outside the households assigned "
    "to them), 422 `chronological_order` or `not_in_future` for `occurred_at`. Answers the case with its `ETag` and "
    "a signed `X-Dixian-Receipt`."
)


def step_description(step: Step) -> str:
    """The step's description in the schema: label, what it does, who takes it, its deadline, the common rules."""
    roles = ", ".join(f"{label(r)} (`{r.value}`)" for r in Role if r in STEP_ROLES[step])
    deadline = f" {STEP_DEADLINES[step]} (default policy)." if step in STEP_DEADLINES else ""
    return f"**{label(step)}**. {STEP_TEXT[step]}\n\nTaken by: {roles}.{deadline}\n\n{STEP_COMMON}"
