"""Domain errors across Temporal: a refused command becomes a non-retryable ``ApplicationError`` whose type is the
domain error's class name, with the field and rule as details; anything else (a database hiccup) is raised as is,
so Temporal retries it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from temporalio.exceptions import ApplicationError, ApplicationErrorCategory

from domain.kernel.errors import DomainError

T = TypeVar("T")


def domain_call(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except DomainError as e:
        # A refused command is the expected answer to bad input, not a failure of the worker: BENIGN keeps the SDK
        # from logging it with a traceback as a failed activity.
        raise ApplicationError(
            e.message,
            e.details(),
            type=type(e).__name__,
            non_retryable=True,
            category=ApplicationErrorCategory.BENIGN,
        ) from e
