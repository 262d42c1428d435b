"""The Chinese messages of refusals (domain/kernel/messages.py) stay true to the code: every rule raised anywhere in
domain, workflows, api and worker has its message, and every message belongs to a rule still raised (or to a pydantic
error type). The rules are found in the source with ``ast``, in every form the code passes a rule in."""

from __future__ import annotations

import ast
import re
import typing
from collections import defaultdict
from pathlib import Path

import pytest
from pydantic_core.core_schema import ErrorType

import domain
from domain.kernel.errors import ErrorKind
from domain.kernel.messages import (
    GENERIC_MESSAGE,
    KIND_MESSAGES,
    RULE_MESSAGES,
    VALIDATION_MESSAGES,
    message_zh,
    said_in_chinese,
)

ROOT = Path(domain.__file__).parent.parent
PACKAGES = ("domain", "workflows", "api", "worker")

# Callables that take a refusal's rule positionally: the rule's index among the positional arguments.
RULE_POSITION = {
    "Violation": 1,  # domain/cases/rules/elimination.py: (field, rule, message)
    "RowError": 3,  # domain/registry/roster.py: (row, household_number, field, rule, message)
    "ReportRequestError": 2,  # workflows/reports/service.py: (message, field, rule)
    "ReportCutoffError": 2,
    "_error": 3,  # workflows/cases/workflow.py: (type_, message, field, rule)
    "bad": 1,  # domain/discovery/alert_commands.py, workflows/discovery/alert_files.py: (field, rule, message)
}
# Callables with a parameter named ``rule`` that is not a refusal's rule: a review's findings and the inspection rules;
# or that reads one rather than raises it.
NOT_REFUSALS = {"Finding", "DerivedFindingData", "findings", "message_zh"}
# ``rule=<expression>`` sites that pass on a rule collected in another form (path, expression) → where it comes from.
PASSED_ON = {
    ("domain/accounts/commands.py", "rule"): "the (field, rule, message) tuples of _problems",
    ("domain/cases/steps/elimination.py", "first.rule"): "Violation(...) of elimination_violations",
    ("domain/registry/rules.py", "rule"): "raise_first: the (field, rule, message) tuples of the *_problems",
    ("workflows/accounts/service.py", "rule"): "the keys of _REFUSALS (UserAccount.refusal)",
    ("workflows/reports/service.py", "rule"): "ReportRequestError(message, field, rule)",
    ("api/cases.py", "str(details.get('rule', ''))"): "a domain error's rule, through Temporal",
    ("api/console/routes.py", "problem.rule"): "a logged refusal's rule",
    ("api/deps.py", "rule"): "the rules of CONFINED_TO",
    ("api/errors.py", "error.rule"): "a domain error's rule",
    ("api/registry.py", "first['rule']"): "RowError(...) of the roster's header problems",
    ("domain/discovery/alert_commands.py", "first['rule']"): "bad(field, rule, message) of an alert's problems",
    ("workflows/discovery/alert_files.py", "first['rule']"): "bad(field, rule, message) of an alert file's cells",
}


def _is_str(node: ast.AST | None) -> typing.TypeGuard[ast.Constant]:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def rules_in(source: str) -> dict[str, set[str]]:
    """Every rule name passed in ``source``, with the form it was passed in."""
    found: dict[str, set[str]] = defaultdict(set)
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            for kw in node.keywords:  # SomeError("…", field="…", rule="…"), ApiProblem(…, rule="…")
                if kw.arg == "rule" and _is_str(kw.value):
                    found[kw.value.value].add("keyword")
            position = RULE_POSITION.get(name or "")
            if position is not None and len(node.args) > position and _is_str(node.args[position]):
                found[node.args[position].value].add(f"positional {name}")
            if name in ("append", "insert"):  # problems.append((field, rule, message))
                for arg in node.args:
                    if isinstance(arg, ast.Tuple) and len(arg.elts) == 3 and _is_str(arg.elts[1]):
                        found[arg.elts[1].value].add("tuple")
        elif isinstance(node, ast.Dict):  # violations=[{"field": …, "rule": "…", "message": …}]
            for key, value in zip(node.keys, node.values, strict=True):
                if _is_str(key) and key.value == "rule" and _is_str(value):
                    found[value.value].add("dict")
        elif isinstance(node, ast.FunctionDef) and node.name == "refusal":  # UserAccount.refusal returns a rule
            for ret in ast.walk(node):
                if isinstance(ret, ast.Return) and _is_str(ret.value):
                    found[ret.value.value].add("refusal")
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = {t.id for t in targets if isinstance(t, ast.Name)}
            if "_REFUSALS" in names and isinstance(node.value, ast.Dict):  # rule → message of a refused token
                for key in node.value.keys:
                    if _is_str(key):
                        found[key.value].add("_REFUSALS")
            if names & {"_NO_PERSONAL_DATA", "CONFINED_TO"} and node.value is not None:  # (paths, why, rule)
                entries = node.value.values if isinstance(node.value, ast.Dict) else [node.value]
                for entry in entries:
                    if isinstance(entry, ast.Tuple) and entry.elts and _is_str(entry.elts[-1]):
                        found[entry.elts[-1].value].add("CONFINED_TO")
    return found


def _sources() -> list[tuple[str, str]]:
    return [
        (str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"))
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    ]


def collect() -> dict[str, set[str]]:
    """Every rule raised in domain, workflows, api and worker, with where (path and form)."""
    found: dict[str, set[str]] = defaultdict(set)
    for path, source in _sources():
        for rule, forms in rules_in(source).items():
            found[rule].update(f"{path}: {form}" for form in forms)
    return dict(found)


RULES = collect()
PYDANTIC_TYPES = frozenset(typing.get_args(ErrorType))
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


# ----- (a) every rule raised has its message --------------------------------------------------------------------


def test_the_collector_finds_the_rules_in_every_form_the_code_passes_them() -> None:
    assert len(RULES) > 100, f"only {len(RULES)} rules found: has the collector stopped seeing a form?"
    expected = {
        "notice_min_days": "domain/cases/steps/procedure.py: keyword",
        "min_monitoring_period": "domain/cases/rules/elimination.py: positional Violation",
        "identity_level": "domain/registry/rules.py: tuple",
        "remote_screening_for_migrants": "domain/campaigns/commands.py: tuple",
        "known_column": "domain/registry/roster.py: positional RowError",
        "period_format": "workflows/reports/service.py: positional ReportRequestError",
        "cutoff_reached": "workflows/reports/service.py: positional ReportCutoffError",
        "step_order": "workflows/cases/workflow.py: positional _error",
        "unavailable": "workflows/cases/workflow.py: dict",
        "account_disabled": "workflows/accounts/service.py: _REFUSALS",
        "token_before_change": "domain/accounts/accounts.py: refusal",
        "own_households": "api/deps.py: CONFINED_TO",
        "role_scope": "api/deps.py: CONFINED_TO",
        "bearer": "api/deps.py: keyword",
        "known_format": "worker/cli/reports.py: positional ReportRequestError",
    }
    for rule, where in expected.items():
        assert where in RULES.get(rule, set()), f"{rule} not found at {where}"


def test_a_new_rule_in_the_code_is_found_and_has_no_message_until_one_is_written() -> None:
    source = (
        'raise RuleViolationError("x", field="f", rule="brand_new_rule")\n'
        'out.append(("f", "brand_new_tuple_rule", f"{x}"))\n'
        'found.append(Violation("f", "brand_new_violation", "m"))\n'
    )
    found = rules_in(source)
    assert {"brand_new_rule", "brand_new_tuple_rule", "brand_new_violation"} <= set(found)
    assert not {"brand_new_rule", "brand_new_tuple_rule", "brand_new_violation"} & set(RULE_MESSAGES)


def test_every_rule_raised_has_a_chinese_message() -> None:
    missing = {rule: sorted(where)[:3] for rule, where in RULES.items() if rule not in RULE_MESSAGES}
    assert not missing, f"write a message in domain/kernel/messages.py RULE_MESSAGES for: {missing}"


def test_every_rule_passed_through_a_variable_comes_from_a_form_the_collector_reads() -> None:
    """A rule handed on in a variable is found where it is written (a tuple, a Violation, a dict): a new way of
    passing rules must be taught to the collector, or its rules would go unseen."""
    passed = set()
    for path, source in _sources():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call):
                for kw in node.keywords:
                    if kw.arg == "rule" and not _is_str(kw.value):
                        passed.add((path, ast.unparse(kw.value)))
    assert passed - set(PASSED_ON) == set(), "teach rules_in the form these rules come in, and list them in PASSED_ON"


def test_every_callable_taking_a_rule_positionally_is_known() -> None:
    taking = set()
    for _, source in _sources():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ClassDef):
                fields = [
                    s.target.id for s in node.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
                ]
                init = next((s for s in node.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
                params = [a.arg for a in init.args.posonlyargs + init.args.args] if init else []
                if "rule" in fields or "rule" in params:
                    taking.add(node.name)
            elif (
                isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                and node.name != "__init__"
                and "rule" in [a.arg for a in node.args.posonlyargs + node.args.args]
            ):
                taking.add(node.name)
    assert taking - set(RULE_POSITION) - NOT_REFUSALS == set(), "add it to RULE_POSITION (or NOT_REFUSALS)"


# ----- (b) every message is Chinese, a sentence or two, and names no one -----------------------------------------

ALL_MESSAGES = [
    *(("rule", k, v) for k, v in RULE_MESSAGES.items()),
    *(("validation", k, v) for k, v in VALIDATION_MESSAGES.items()),
    *(("kind", k.value, v) for k, v in KIND_MESSAGES.items()),
    ("generic", "", GENERIC_MESSAGE),
]


@pytest.mark.parametrize(("table", "key", "message"), ALL_MESSAGES, ids=[f"{t}:{k}" for t, k, _ in ALL_MESSAGES])
def test_every_message_is_one_or_two_chinese_sentences(table: str, key: str, message: str) -> None:
    assert CJK.search(message), f"{table} {key}: not Chinese"
    assert said_in_chinese(message), f"{table} {key}: reads as English"
    assert message.endswith(("。", "？", "！")), f"{table} {key}: not a finished sentence"
    assert 1 <= sum(message.count(mark) for mark in "。？！") <= 2, f"{table} {key}: one or two sentences"
    assert "{" not in message and "}" not in message, f"{table} {key}: a placeholder (no personal data in messages)"
    assert message == message.strip()


def test_every_kind_of_refusal_has_its_message() -> None:
    assert set(KIND_MESSAGES) == set(ErrorKind)


# ----- (c) which message a refusal gets -----------------------------------------------------------------------------


def test_a_chinese_original_is_kept_with_its_specifics() -> None:
    original = "一户须有且只有一名户主（现有2名）"
    assert message_zh("one_head", ErrorKind.INVALID, original) == original
    # a code or a value named in a Chinese sentence keeps it Chinese
    coded = "village_cadre 不在此级区划工作 (990102101)"
    assert message_zh("identity_level", ErrorKind.INVALID, coded) == coded


def test_an_english_original_is_replaced_by_the_rule_s_message() -> None:
    original = "the identification notice must run at least 5 days (policy national@1)"
    assert message_zh("notice_min_days", ErrorKind.INVALID, original) == RULE_MESSAGES["notice_min_days"]
    # a Chinese term quoted in an English sentence does not make it Chinese
    quoted = "user accounts are kept by an administrator (管理员)"
    assert message_zh("admin_only", ErrorKind.FORBIDDEN, quoted) == RULE_MESSAGES["admin_only"]
    assert message_zh("exists", ErrorKind.NOT_FOUND) == RULE_MESSAGES["exists"]


def test_a_pydantic_error_type_gets_its_message() -> None:
    said = message_zh("string_too_long", None, "String should have at most 50 characters")
    assert said == VALIDATION_MESSAGES["string_too_long"]


def test_an_unknown_rule_falls_back_to_its_kind_then_to_a_generic_sentence() -> None:
    assert message_zh("no_such_rule", ErrorKind.CONFLICT, "something moved") == KIND_MESSAGES[ErrorKind.CONFLICT]
    assert message_zh("", ErrorKind.UNAVAILABLE, "") == KIND_MESSAGES[ErrorKind.UNAVAILABLE]
    assert message_zh("no_such_rule") == GENERIC_MESSAGE


def test_not_found_does_not_tell_whether_the_thing_exists_outside_the_caller_s_area() -> None:
    for message in (KIND_MESSAGES[ErrorKind.NOT_FOUND], RULE_MESSAGES["exists"], RULE_MESSAGES["known_account"]):
        assert "没有找到" in message
        assert "或不在您的辖区内" in message  # the same answer for "no such thing" and "not in your area"
        for telling in ("存在", "已登记", "无权", "权限", "其他辖区", "另一"):
            assert telling not in message, message
    assert (
        message_zh("no_such_rule", ErrorKind.NOT_FOUND, "no account 'x' in your area")
        == KIND_MESSAGES[ErrorKind.NOT_FOUND]
    )


def test_the_tables_do_not_overlap() -> None:
    assert set(RULE_MESSAGES).isdisjoint(VALIDATION_MESSAGES)


# ----- (d) no message outlives its rule -------------------------------------------------------------------------


def test_every_rule_message_belongs_to_a_rule_still_raised() -> None:
    unused = sorted(set(RULE_MESSAGES) - set(RULES))
    assert not unused, f"no code raises these rules any more: remove their messages {unused}"


def test_every_validation_message_is_of_a_pydantic_error_type() -> None:
    unknown = sorted(set(VALIDATION_MESSAGES) - PYDANTIC_TYPES)
    assert not unknown, f"not pydantic error types: {unknown}"


def test_the_pydantic_types_a_request_commonly_fails_with_have_messages() -> None:
    needed = {
        "missing", "extra_forbidden", "string_too_short", "string_too_long", "string_pattern_mismatch", "string_type",
        "int_parsing", "int_type", "decimal_parsing", "decimal_type", "decimal_max_digits", "decimal_max_places",
        "float_parsing", "greater_than", "greater_than_equal", "less_than", "less_than_equal", "too_short", "too_long",
        "list_type", "bool_parsing", "bool_type", "date_parsing", "date_from_datetime_parsing", "date_type",
        "datetime_parsing", "datetime_from_date_parsing", "timezone_aware", "uuid_parsing", "uuid_type", "enum",
        "literal_error", "union_tag_invalid", "union_tag_not_found", "model_type", "dict_type", "json_invalid",
        "value_error", "assertion_error",
    }  # fmt: skip
    assert needed <= set(VALIDATION_MESSAGES)
