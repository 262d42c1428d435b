"""What the discovery channels show: an alert in full to the village, township and county it is routed to; to its
department, the outcome and nothing of the household (no household number, village, case or what was found there)."""

from __future__ import annotations

from typing import Any

from domain.discovery.alert_commands import PushedAlert
from domain.discovery.alerts import DepartmentAlert
from domain.discovery.rules import ALERT_KINDS
from domain.discovery.values import AlertKind, AlertOutcome, AlertStatus
from domain.kernel.actors import Department


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def alert_view(alert: DepartmentAlert) -> dict[str, Any]:
    """The alert as the village, township or county verifying it reads it (personal fields masked by role above)."""
    facts, kind, status = alert.facts, AlertKind(alert.facts["kind"]), AlertStatus(alert.status)
    verification = alert.verification
    return {
        "alert_number": alert.number,
        "department": facts["department"], "department_label": Department(facts["department"]).label,
        "kind": kind.value, "kind_label": kind.label, "risk": ALERT_KINDS[kind].risk.value,
        "risk_label": ALERT_KINDS[kind].risk.label,
        "person": dict(alert.person), "amount": facts["amount"] or None, "occurred_on": _iso(facts["occurred_on"]),
        "details": alert.details, "reference": facts["reference"], "via": facts["via"], "batch": facts["batch"],
        "received_on": _iso(facts["received_on"]), "household_number": facts["household_number"],
        "village_code": facts["village_code"], "township_code": facts["township_code"],
        "matched": facts["matched"],
        "status": status.value, "status_label": status.label, "verify_due": _iso(facts["verify_due"]),
        "overdue_on": _iso(alert.overdue_on), "verified_late": alert.verified_late(),
        "verification": _verification(verification), "version": alert.version,
    }  # fmt: skip


def _verification(v: dict[str, Any] | None) -> dict[str, Any] | None:
    if v is None:
        return None
    outcome = AlertOutcome(v["outcome"]) if v["outcome"] else None
    return {
        "outcome": outcome.value if outcome else None, "outcome_label": outcome.label if outcome else None,
        "on_receipt": v["on_receipt"], "case_id": v["case_id"] or None, "reason": v["reason"],
        "evidence": v["evidence"], "verified_on": _iso(v["verified_on"]), "by": dict(v["by"]),
    }  # fmt: skip


def department_view(alert: DepartmentAlert) -> dict[str, Any]:
    """The alert as its department reads it: what it pushed (its own reference), where the alert stands, when it was
    verified and whether in time; the reason only when it was sent back (what to correct). Nothing of the
    household: not its number, village, case or what the visit found."""
    facts, kind, status = alert.facts, AlertKind(alert.facts["kind"]), AlertStatus(alert.status)
    v = alert.verification
    returned = status is AlertStatus.RETURNED
    return {
        "alert_number": alert.number, "reference": facts["reference"], "kind": kind.value, "kind_label": kind.label,
        "occurred_on": _iso(facts["occurred_on"]), "received_on": _iso(facts["received_on"]),
        "status": status.value, "status_label": status.label, "verify_due": _iso(facts["verify_due"]),
        "verified_on": _iso(v["verified_on"]) if v else None, "verified_late": alert.verified_late(),
        "returned_reason": v["reason"] if v and returned else None,
    }  # fmt: skip


def pushed_view(pushed: list[PushedAlert]) -> dict[str, Any]:
    """A push's answer to the department: per record its alert number, whether it was pushed before, where it
    stands; and the counts."""
    items = [{"row": p.row + 1, "duplicate": p.duplicate, **department_view(p.alert)} for p in pushed]
    counts: dict[str, int] = {}
    for item in items:
        counts[item["status"]] = counts.get(item["status"], 0) + 1
    return {"received": sum(not p.duplicate for p in pushed), "duplicates": sum(p.duplicate for p in pushed),
            "by_status": counts, "items": items}  # fmt: skip
