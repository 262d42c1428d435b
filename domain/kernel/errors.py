"""Domain errors. Each class is a kind of refusal (``ErrorKind``), declared once on the class; its name is the stable
error type that crosses Temporal (``ApplicationError.type``) and names the problem the API answers with, and the API
maps each kind to one HTTP status in one place (``api/errors.py``)."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar


class ErrorKind(StrEnum):
    """What a refusal means to the caller, whatever raised it."""

    INVALID = "invalid"  # a field breaks a rule: change it
    NOT_FOUND = "not_found"  # no such thing (or not in the caller's area)
    CONFLICT = "conflict"  # the state has moved on (version, step order, a duplicate): read it and retry
    FORBIDDEN = "forbidden"  # outside the caller's role or area, or a separation of duties
    UNAUTHENTICATED = "unauthenticated"  # who is calling is not known
    UNSUPPORTED = "unsupported"  # a media type that is not taken
    TOO_LARGE = "too_large"  # a body over the limit
    TOO_MANY = "too_many"  # too many requests from one caller, or for one record: wait and try again
    UNAVAILABLE = "unavailable"  # a part of the stack is down: retry later


# Every error class by its name (the type that crosses Temporal), with its kind: filled as the classes are defined.
KINDS: dict[str, ErrorKind] = {}


class DomainError(Exception):
    """Base of every error the domain (and the services above it) raises on purpose. ``violations`` lists every
    broken rule when there are several (an elimination proposal reports all failed criteria); ``field`` and ``rule``
    name the first. A subclass declares its ``kind``; one that does not is refused when it is defined."""

    kind: ClassVar[ErrorKind]
    # The problem type the API answers with, when a class is answered as a wider one (a report refused for its
    # cut-off is one of the refused report requests); None: the class's own name. Each names an error class
    # (tests/api/test_error_kinds.py).
    problem_type: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if not isinstance(getattr(cls, "kind", None), ErrorKind):
            raise TypeError(f"{cls.__name__} declares no ErrorKind: say what kind of refusal it is")
        if KINDS.get(cls.__name__, cls.kind) != cls.kind:
            raise TypeError(f"two error classes named {cls.__name__} of different kinds")
        KINDS[cls.__name__] = cls.kind

    def __init__(
        self, message: str, *, field: str = "", rule: str = "", violations: list[dict[str, str]] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.rule = rule
        self.violations = violations or [{"field": field, "rule": rule, "message": message}]

    def details(self) -> dict[str, object]:
        return {"field": self.field, "rule": self.rule, "violations": self.violations}


def kind_of(error_type: str) -> ErrorKind | None:
    """The kind of an error known by its type name (an ``ApplicationError.type`` from an activity); None if unknown."""
    return KINDS.get(error_type)


class CaseNotFoundError(DomainError):
    """No case with that id."""

    kind = ErrorKind.NOT_FOUND


class StepNotAllowedError(DomainError):
    """The step cannot be taken in the case's current stage."""

    kind = ErrorKind.CONFLICT


class VersionConflictError(DomainError):
    """The caller's expected version is not the case's current version."""

    kind = ErrorKind.CONFLICT


class CaseAlreadyExistsError(DomainError):
    """A case with that id exists and was opened by another command."""

    kind = ErrorKind.CONFLICT


class CaseClosedError(DomainError):
    """The case is closed: its workflow has finished and takes no further step."""

    kind = ErrorKind.CONFLICT


class RuleViolationError(DomainError):
    """The payload breaks a domain rule; ``field`` and ``rule`` name what and why."""

    kind = ErrorKind.INVALID


class NotPermittedError(DomainError):
    """The actor's role or area may not take this step on this case."""

    kind = ErrorKind.FORBIDDEN


class NotFoundError(DomainError):
    """No household, staff member or campaign with that key."""

    kind = ErrorKind.NOT_FOUND


class DuplicateIdNumberError(DomainError):
    """An ID number is already registered to a member of another household: flagged, never accepted."""

    kind = ErrorKind.CONFLICT


class CaseAlreadyOpenError(DomainError):
    """The household already has an open case; ``field`` is household_number."""

    kind = ErrorKind.CONFLICT


class DamagedRecordError(DomainError):
    """A stored event cannot be read, or its stream's hash chain does not hold at it: the record is not served."""

    kind = ErrorKind.CONFLICT


# The kernel's error types, those defined above (each retried by no activity: a refusal is the answer, not a
# failure). Taken when this module loads, not from KINDS as it grows, so that every process gives Temporal the same
# retry policies whatever else it imports; ``workflows.kernel.errors.domain_call`` marks every other refusal
# non-retryable itself.
ERROR_TYPES: tuple[str, ...] = tuple(sorted(KINDS))


def command_reused(command_id: str) -> RuleViolationError:
    """A command id seen before for another kind of change: the caller must send a new one."""
    return RuleViolationError(
        f"command {command_id} was already used for another kind of change; send a new Idempotency-Key",
        field="Idempotency-Key",
        rule="command_reused",
    )
