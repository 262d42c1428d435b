"""Chinese labels in every answer (issue 19): beside each coded value of the domain's vocabularies, its label.

A field named in ``FIELDS`` whose value is a code of one of its vocabularies gets ``<field>_label`` beside it (a list
of codes gets ``<field>_labels``), unless the answer already carries one. Done once, for every JSON answer, after the
answer is masked for the reader's role: a withheld value has no code left to label, so a label never says what a
mask hides. Labels are read-only: a body taken from an answer and sent back may keep them, and the request contracts
drop them (``workflows.kernel.contracts.Strict``).

Stored records are never labelled: an event's payload, an exported event's fields and anything carrying a hash are
passed through byte for byte as the verifier recomputes them.
"""

from __future__ import annotations

from typing import Any

from domain.campaigns.values import Milestone, ScreeningMethod
from domain.cases import values as cv
from domain.kernel.actors import Role
from domain.kernel.areas import AreaLevel
from domain.kernel.calendars import DayCount
from domain.kernel.labels import Labelled
from domain.kernel.steps import Procedure, Step
from domain.registry import values as rv

# A field's name → the vocabularies its codes come from (a measure's ``category`` is a MeasureCategory, a case's a
# Category: the code tells which, and a code two of them share gets no label). ``decision``, ``outcome`` and
# ``action`` are left out: their codes (pass, reject, approve …) mean different things at different steps, and only
# the step knows which; the answers that need them say them (an approval's step, a case's status_label).
FIELDS: dict[str, tuple[type[Labelled], ...]] = {
    "household_type": (rv.HouseholdType,),
    "relation": (rv.Relation,),
    "sex": (rv.Sex,),
    "health": (rv.Health,),
    "labour_skill": (rv.LabourSkill,),
    "schooling": (rv.Schooling,),
    "social_assistance": (rv.SocialAssistance,),
    "identity": (rv.StaffIdentity,),
    "risks": (rv.Risk,),
    "reported_risks": (rv.Risk,),
    "new_risks": (rv.Risk,),
    "targets": (rv.Risk,),
    "unmet_guarantees": (rv.Guarantee,),
    "source": (cv.Source,),
    "category": (cv.Category, cv.MeasureCategory),
    "planned_categories": (cv.MeasureCategory,),
    "stage": (cv.Stage,),
    "status": (cv.Status, cv.MeasureStatus),  # a village report answers with its own status_label
    "mode": (cv.EliminationMode,),
    "kind": (cv.DeadlineKind, cv.FindingKind),
    "step": (Step,),
    "procedure": (Procedure,),
    "role": (Role,),
    "level": (AreaLevel,),
    "day_count": (DayCount,),
    "counted_in": (DayCount,),
    "method": (ScreeningMethod,),
    "milestone": (Milestone,),
}
# Keys whose values are stored records, passed through as stored (their hashes are recomputed from them).
STORED = frozenset({"payload", "fields", "state", "proofs"})


def _label(enums: tuple[type[Labelled], ...], code: object) -> str | None:
    """The label of ``code`` in the one vocabulary that has it (None when none has it, or several do)."""
    if not isinstance(code, str):
        return None
    found = [member.label for enum in enums for member in enum if member.value == code]
    return found[0] or None if len(found) == 1 else None


def with_labels(data: Any) -> Any:
    """``data`` (JSON-like) with a Chinese label beside every coded value it carries."""
    if isinstance(data, list):
        return [with_labels(v) for v in data]
    if not isinstance(data, dict) or "hash" in data:
        return data
    out: dict[str, Any] = {}
    for key, value in data.items():
        out[key] = value if key in STORED else with_labels(value)
        enums = FIELDS.get(key) if isinstance(key, str) else None
        if enums is None:
            continue
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            labels = [_label(enums, v) for v in value]
            if all(labels) and f"{key}_labels" not in data:
                out[f"{key}_labels"] = labels
        elif f"{key}_label" not in data:
            found = _label(enums, value)
            if found is not None:
                out[f"{key}_label"] = found
    return out
