"""The README lists every inspection rule with its source, as the code has it (issue 19)."""

from __future__ import annotations

from pathlib import Path

from domain.audit.inspection import RULES

README = Path(__file__).resolve().parents[3] / "README.md"


def test_the_readme_lists_every_inspection_rule_with_its_title_and_source() -> None:
    rows = {line.split("|")[1].strip(): line for line in README.read_text(encoding="utf-8").splitlines()
            if line.startswith("| ") and line.split("|")[1].strip()[:2].isalpha()}  # fmt: skip
    for rule in RULES:
        assert rule.id in rows, f"README lacks {rule.id}"
        assert rule.title in rows[rule.id] and rule.source.replace("|", "/") in rows[rule.id], rule.id
