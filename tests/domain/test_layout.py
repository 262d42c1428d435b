"""What import-linter cannot say (it forbids whole external packages only): in the domain, only the read models
speak to PostgreSQL, through psycopg or the library's PostgreSQL module."""

from __future__ import annotations

import ast
from pathlib import Path

import domain

SQL_MODULES = ("psycopg", "psycopg_pool", "eventsourcing.postgres")


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_only_the_read_models_import_psycopg_or_the_library_s_postgres_module() -> None:
    root = Path(domain.__file__).parent
    speaking_sql = {
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if any(m == s or m.startswith(f"{s}.") for m in imported_modules(path) for s in SQL_MODULES)
    }
    assert speaking_sql, "the read models speak SQL"
    assert {p for p in speaking_sql if not p.startswith("readmodels/")} == set()
