"""Domain errors. The class name is the stable error type the API maps to HTTP (see api/errors.py)."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the domain raises on purpose. ``violations`` lists every broken rule when there are
    several (an elimination proposal reports all failed criteria); ``field`` and ``rule`` name the first."""

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


class CaseNotFoundError(DomainError):
    """No case with that id."""


class StepNotAllowedError(DomainError):
    """The step cannot be taken in the case's current stage (HTTP 409)."""


class VersionConflictError(DomainError):
    """The caller's expected version is not the case's current version (HTTP 409)."""


class CaseAlreadyExistsError(DomainError):
    """A case with that id exists and was opened by another command (HTTP 409)."""


class RuleViolationError(DomainError):
    """The payload breaks a domain rule (HTTP 422); ``field`` and ``rule`` name what and why."""


class NotPermittedError(DomainError):
    """The actor's role or area may not take this step on this case (HTTP 403)."""


class NotFoundError(DomainError):
    """No household, staff member or campaign with that key (HTTP 404)."""


class DuplicateIdNumberError(DomainError):
    """An ID number is already registered to a member of another household (HTTP 409): flagged, never accepted."""


class CaseAlreadyOpenError(DomainError):
    """The household already has an open case (HTTP 409); ``field`` is household_number."""


ERROR_TYPES: tuple[str, ...] = (
    CaseNotFoundError.__name__,
    StepNotAllowedError.__name__,
    VersionConflictError.__name__,
    CaseAlreadyExistsError.__name__,
    RuleViolationError.__name__,
    NotPermittedError.__name__,
    NotFoundError.__name__,
    DuplicateIdNumberError.__name__,
    CaseAlreadyOpenError.__name__,
)


def command_reused(command_id: str) -> RuleViolationError:
    """A command id seen before for another kind of change: the caller must send a new one."""
    return RuleViolationError(
        f"command {command_id} was already used for another kind of change; send a new Idempotency-Key",
        field="Idempotency-Key",
        rule="command_reused",
    )
