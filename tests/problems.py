"""Reading a refusal as a client does: an application/problem+json answer of the status, naming the field and rule."""

from __future__ import annotations

from typing import Any

import httpx


def problem(r: httpx.Response, status: int, field: str | None = None, rule: str | None = None) -> dict[str, Any]:
    """The problem+json body of ``r``, which must be a refusal of ``status`` (naming ``field`` and ``rule``, if
    given, in one of its errors)."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["status"] == status and body["detail"]
    if field is not None or rule is not None:
        assert any(
            (field is None or e["field"] == field) and (rule is None or e["rule"] == rule) for e in body["errors"]
        ), body
    return body
