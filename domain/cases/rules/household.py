"""The household a case is about: its facts come from the registry (issue 19), never from a figure typed at a step.

- A case on a household number the registry does not know is opened only from a self-application or a department
  alert (domain.md §4.1: the two channels that start from a person or a department's data, not from a cadre going
  through the registry's households); it is then to be registered by the policy's ``registration_days``.
- A step whose rules need the household's type, size or labour (the visit; the elimination proposal) reads them from
  the registry as of the step's business date. A figure typed that contradicts the registry is refused: the registry
  is corrected first (户信息变更, with its reason), then the step is taken. Only for a household not (yet) registered
  is a typed figure taken, and recorded as typed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

from domain.cases.steps.commands import ProposeElimination, RecordHouseholdVisit
from domain.cases.values import Source
from domain.kernel.errors import RuleViolationError
from domain.registry.figures import HouseholdFigures, RegistryReading
from domain.registry.values import HouseholdType

# The channels through which a household not in the registry may be reported (issue 19; domain.md §4.1 监测方式).
UNREGISTERED_SOURCES = frozenset({Source.SELF_APPLICATION, Source.DEPARTMENT_ALERT})

# What each step reads from the registry: the command's field → the figure it is.
READS: dict[type, dict[str, Callable[[HouseholdFigures], Any]]] = {
    RecordHouseholdVisit: {
        "household_type": lambda f: HouseholdType(f.household_type),
        "household_size": lambda f: f.size,
        "labour_capable_members": lambda f: f.labour_capable,
    },
    ProposeElimination: {"labour_capable_members": lambda f: f.labour_capable},
}

TYPED: dict[str, Any] = {"from": "typed"}  # the event's actor typed the figures

C = TypeVar("C", RecordHouseholdVisit, ProposeElimination)


def check_may_be_unregistered(source: Source) -> None:
    if source not in UNREGISTERED_SOURCES:
        raise RuleViolationError(
            "the household is not in the registry: register it first (a case from a cadre's screening is of a "
            "registered household; only a self-application or a department alert may name an unregistered one)",
            field="household_number",
            rule="household_registered",
        )


def check_head(typed: str, registered: str) -> None:
    """A head typed at opening agrees with the registry's (neither name is said: a refusal names no person)."""
    if typed.strip() and registered and typed.strip() != registered:
        raise RuleViolationError(
            "the head of household differs from the registry's: leave it empty to take the registry's, or correct "
            "the registry first",
            field="household_head",
            rule="registry_head",
        )


def figures_from_registry(command: C, reading: RegistryReading | None) -> tuple[C, dict[str, Any]]:
    """The command with its household figures as the registry had them on the step's date, and where they came from.
    Refused when a typed figure contradicts the registry, or when a figure is missing for an unregistered household."""
    reads = READS[type(command)]
    if reading is None:
        for name in reads:
            if getattr(command, name) is None:
                raise RuleViolationError(
                    f"{name} is required: the household is not in the registry", field=name, rule="typed_figures"
                )
        return command, dict(TYPED)
    values = {name: read(reading.figures) for name, read in reads.items()}
    for name, value in values.items():
        typed = getattr(command, name)
        if typed is not None and typed != value:
            raise RuleViolationError(
                f"{name} differs from the registry as of {reading.as_of.isoformat()} (registry version "
                f"{reading.version.version}): leave it out to take the registry's, or correct the registry first, "
                "with the date the change took effect",
                field=name,
                rule="registry_figure",
            )
    return replace(command, **values), reading.source()
