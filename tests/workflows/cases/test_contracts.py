"""Each step's API body becomes the domain command that step takes: the bodies of workflows/cases/contracts.py and the
commands of domain/cases/steps/commands.py name the same steps, actions and classes."""

from __future__ import annotations

import typing
from typing import Any

from domain.cases.steps.commands import COMMANDS
from domain.kernel.steps import Step
from workflows.cases.contracts import STEP_BODIES


def bodies_of(body: Any) -> list[type]:
    """The body classes behind a step's body type (a discriminated union for the steps with actions)."""
    if isinstance(body, type):
        return [body]
    return [c for arg in typing.get_args(body) for c in bodies_of(arg)]


def test_every_step_body_becomes_the_command_of_its_step_and_action() -> None:
    found = {}
    for step, body in STEP_BODIES.items():
        for cls in bodies_of(body):
            action = cls.model_fields["action"].annotation if "action" in cls.model_fields else None
            action_value = typing.get_args(action)[0] if action is not None else None
            found[(step, action_value)] = typing.get_type_hints(cls.to_command)["return"]
    assert found == COMMANDS
    assert {step for step, _ in COMMANDS} == set(Step)
