"""Separation of duties (不相容岗位分离) on a case: who may not take a step because of a step they took, or a role
they hold, on the same case. Checked with the case's own records; the role and area checks are in ``policy``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.values import Procedure, Role, Step

# The two approval levels of one procedure are two people: a county decision by the person who made the township
# review would approve their own work (domain.md §4.2 steps 4 and 5: the township reviews, the county approves).
# An elimination is not approved by the household's own responsible person, whose assistance it judges
# (domain.md §6 "一对一" responsibility; §7 the elimination procedure). Both are this project's reading of the
# separation the procedure's levels imply; neither is written as such in the sources.
APPROVAL_STEPS = (Step.TOWNSHIP_REVIEW, Step.COUNTY_DECISION)


def duty_conflict(
    step: Step,
    actor_id: str,
    procedure: Procedure | None,
    procedure_facts: Mapping[str, Any],
    responsible_person: Mapping[str, Any] | None,
    actor_role: Role | None = None,
) -> str | None:
    """Why ``actor_id`` may not take ``step`` on this case (None if they may). ``procedure_facts`` are the current
    procedure's records (identification's or elimination's), ``responsible_person`` the case's current one."""
    if step is Step.COUNTY_DECISION:
        review = procedure_facts.get("township_review")
        if review and review.get("actor", {}).get("id") == actor_id:
            return "the county decision is taken by someone other than the person who made the township review"
    responsible = (responsible_person or {}).get("user_id")
    if actor_role is Role.RESPONSIBLE_PERSON and (not responsible or responsible != actor_id):
        return "a responsible person acts only for the households assigned to them"
    if procedure is Procedure.ELIMINATION and step in APPROVAL_STEPS and responsible and responsible == actor_id:
        return "the household's responsible person does not approve the elimination of its risk"
    return None
