"""Every refusal has a kind, and every kind one status: a new error class cannot silently become a 503.

The kinds are derived from the classes (``domain.kernel.errors.KINDS`` fills itself as each class is defined), and
the API maps kinds, not names, to statuses (``api.errors.STATUS_BY_KIND``)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import api
import domain
import workflows
from api.errors import STATUS_BY_KIND, ApiProblem
from domain.kernel.errors import KINDS, DomainError, ErrorKind, NotPermittedError, kind_of
from tests.classes import descendants, import_all


def error_classes() -> set[type[DomainError]]:
    import_all(domain, workflows, api)
    return descendants(DomainError)


def test_every_error_class_has_a_kind_and_every_kind_a_status() -> None:
    classes = error_classes()
    assert len(classes) >= 15
    for cls in classes:
        # The path an error known only by its name takes (an activity's failure crossing Temporal).
        assert ApiProblem(cls.__name__, "x").status == STATUS_BY_KIND[cls.kind], cls.__name__
    assert set(STATUS_BY_KIND) == set(ErrorKind)


def test_a_class_answered_as_a_wider_type_names_an_error_class() -> None:
    classes = error_classes()
    answered_as = {cls.__name__: cls.problem_type for cls in classes if cls.problem_type is not None}
    assert answered_as["ReportCutoffError"] == "ReportRequestError"  # one problem type for every refused report
    for name, problem_type in answered_as.items():
        assert problem_type in KINDS, name


def test_a_class_that_names_no_kind_is_refused_when_defined() -> None:
    with pytest.raises(TypeError, match="declares no ErrorKind"):
        type("ForgottenError", (DomainError,), {})
    assert "ForgottenError" not in KINDS


def test_statuses_follow_the_kinds() -> None:
    assert [ApiProblem(name, "x").status for name in ("CaseNotFoundError", "VersionConflictError",
            "RuleViolationError", "NotPermittedError", "UnauthenticatedError", "UnavailableError")] == [
        404, 409, 422, 403, 401, 503,
    ]  # fmt: skip
    assert ApiProblem.of(NotPermittedError("outside", field="area_code", rule="jurisdiction")).status == 403
    assert kind_of("NoSuchError") is None


def test_every_problem_the_api_raises_by_name_names_an_error_class() -> None:
    import_all(domain, workflows, api)
    names = set()
    for path in Path(api.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "ApiProblem" and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    names.add(first.value)
    assert names, "the API raises problems by name"
    assert sorted(n for n in names if kind_of(n) is None) == []
