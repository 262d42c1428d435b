"""The rules of the discovery channels besides the policy's time limits (``domain.kernel.policy``:
``application_answer_days``, ``alert_verify_days``): which department pushes which kind of alert, the risk each kind
points to, and what an alert must carry.

Source: domain.md §4.1 (部门筛查预警: sector departments push households at risk, township and village check them) and
issue 21, which lists the departments and what each knows that a cadre cannot see from the doorstep: out-of-pocket
medical cost after reimbursement (医保), a new disability certificate (残联), a child leaving school (教育), a house
rated unsafe (住建), a disaster loss (应急管理), a job loss (人社); civil affairs (民政) knows who applied for
temporary assistance or 低保. The risk each kind points to is the 返贫致贫风险类型 of domain.md §5 it names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.discovery.values import AlertKind
from domain.kernel.actors import Department
from domain.registry.values import Risk


@dataclass(frozen=True)
class AlertKindRule:
    department: Department
    risk: Risk
    amount_required: bool  # the kind is about money (a cost, a loss): the amount in yuan is part of the fact


ALERT_KINDS: dict[AlertKind, AlertKindRule] = {
    AlertKind.MEDICAL_COST: AlertKindRule(Department.MEDICAL_INSURANCE, Risk.ILLNESS, amount_required=True),
    AlertKind.SOCIAL_ASSISTANCE: AlertKindRule(Department.CIVIL_AFFAIRS, Risk.OTHER, amount_required=False),
    AlertKind.SCHOOL_DROPOUT: AlertKindRule(Department.EDUCATION, Risk.SCHOOLING, amount_required=False),
    AlertKind.UNSAFE_HOUSE: AlertKindRule(Department.HOUSING, Risk.HOUSING_SAFETY, amount_required=False),
    AlertKind.DISABILITY_CERTIFIED: AlertKindRule(Department.DISABLED_PERSONS, Risk.DISABILITY, amount_required=False),
    AlertKind.DISASTER_LOSS: AlertKindRule(Department.EMERGENCY, Risk.NATURAL_DISASTER, amount_required=True),
    AlertKind.JOB_LOSS: AlertKindRule(Department.HUMAN_RESOURCES, Risk.UNSTABLE_EMPLOYMENT, amount_required=False),
}


def kinds_of(department: Department) -> list[AlertKind]:
    """The kinds of alert a department pushes (its template's 预警类型)."""
    return [kind for kind, rule in ALERT_KINDS.items() if rule.department is department]


def handled_late(due_on: date | None, closed_on: date | None, overdue_on: date | None) -> bool:
    """Whether an application was answered, or an alert verified, after its day (the policy's
    ``application_answer_days``, ``alert_verify_days``), or its day was missed while it waits. Nothing due: never
    late. The figures' SQL twin: ``RegistryView.discovery_counts``."""
    if due_on is None:
        return False
    if closed_on is not None:
        return closed_on > due_on
    return overdue_on is not None
