"""The schema as the engineer reading /docs sees it: every operation says what it does, and every JSON request body
shows an example that its route accepts, for each shape the body may take (each action of 村内公示 and 帮扶措施).

The schema is built from an app with settings only: building it reaches no service."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Annotated, Any, cast, get_args, get_origin

import pytest
from fastapi.routing import APIRoute
from pydantic import TypeAdapter, ValidationError

from api import accounts, alerts, applications, audit, campaigns, cases, codec, ops, registry, reports, visits
from api.deps import Services
from api.main import create_app
from domain.kernel.steps import Step
from workflows.cases.contracts import STEP_BODIES
from workflows.kernel.settings import Settings

JSON = "application/json"
STEP_PATH = "/cases/{case_id}/steps/"
# The routers of the JSON routes (api/main.py includes them without a prefix): a body they do not hold fails below.
ROUTERS = (cases, registry, campaigns, audit, ops, codec, reports, accounts, applications, alerts, visits)


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    app = create_app(cast(Services, SimpleNamespace(settings=Settings())))
    return app.openapi()


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, op) for path, ops_ in schema["paths"].items() for method, op in ops_.items()]


def adapter_of(method: str, path: str) -> TypeAdapter[Any]:
    """What the route validates its body with: a step's body type (``STEP_BODIES``), or the route's body model."""
    routes = [
        r for m in ROUTERS for r in m.router.routes if isinstance(r, APIRoute) and r.path == path
        and method.upper() in r.methods and r.body_field is not None
    ]  # fmt: skip
    assert len(routes) == 1, f"{method} {path}: not one route of {[m.__name__ for m in ROUTERS]} takes its body"
    annotation = routes[0].body_field.field_info.annotation  # type: ignore[union-attr]
    if path.startswith(STEP_PATH):
        body = STEP_BODIES[Step(path.removeprefix(STEP_PATH))]
        assert annotation == (get_args(body)[0] if get_origin(body) is Annotated else body), path
        return TypeAdapter(body)
    return TypeAdapter(annotation)


def resolve(schema: dict[str, Any], node: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ref = node.get("$ref")
    assert ref is not None, f"an inline body schema has no component to name it: {node}"
    name = ref.removeprefix("#/components/schemas/")
    return name, schema["components"]["schemas"][name]


def shown_examples(schema: dict[str, Any], media: dict[str, Any]) -> tuple[set[str], list[tuple[str, Any]]]:
    """The body's shapes (its component, or each variant of a union) and every example shown for it: on the media
    type (``example``, ``examples``) and on each shape's component (``examples``), each with where it is shown."""
    body = media["schema"]
    variants = [resolve(schema, v) for v in body.get("oneOf") or body.get("anyOf") or [body]]
    found: list[tuple[str, Any]] = []
    if "example" in media:
        found.append(("example", media["example"]))
    found += [(f"examples.{key}", e["value"]) for key, e in media.get("examples", {}).items()]
    for name, component in variants:
        found += [(f"{name}.examples[{i}]", e) for i, e in enumerate(component.get("examples", []))]
    return {name for name, _ in variants}, found


def test_every_operation_says_what_it_does(schema: dict[str, Any]) -> None:
    missing = [
        f"{method.upper()} {path}" for method, path, op in operations(schema) if not op.get("description", "").strip()
    ]
    assert not missing, missing


def test_every_json_body_shows_an_example_of_each_shape_that_its_route_accepts(schema: dict[str, Any]) -> None:
    bodies = [(m, p, op["requestBody"]["content"][JSON]) for m, p, op in operations(schema)
              if JSON in op.get("requestBody", {}).get("content", {})]  # fmt: skip
    assert len(bodies) >= len(STEP_BODIES) + 10  # the schema still lists the JSON writes
    for method, path, media in bodies:
        adapter = adapter_of(method, path)
        shapes, examples = shown_examples(schema, media)
        shown: set[str] = set()
        for where, example in examples:
            try:  # as FastAPI validates a decoded JSON body
                shown.add(type(adapter.validate_python(example)).__name__)
            except ValidationError as e:
                pytest.fail(f"{method.upper()} {path}: the example {where} is refused: {e}")
        assert shapes <= shown, f"{method.upper()} {path}: no valid example of {sorted(shapes - shown)}"
