"""Logs never carry a secret or a personal value: no locals in tracebacks, no data a library quoted into a message,
no secret in a settings object's repr. (tests/faults/test_log_leaks.py provokes real failures in each process.)"""

from __future__ import annotations

import json
import logging
from decimal import Decimal

import psycopg
import pytest
import structlog
from pydantic import BaseModel, SecretStr, ValidationError

from workflows.kernel.observability import configure_logging, redact_message
from workflows.kernel.settings import Settings

SECRET = "token-secret-that-must-never-be-logged-1234567890"
CIPHER = "c2VjcmV0LWNpcGhlci1rZXktbmV2ZXItbG9nZ2VkLTEyMzQ="
NAME, ID_NUMBER, INCOME = "王秀英", "990102197001010023", "4321.09"


class Income(BaseModel):
    amount: Decimal


def fail_with_personal_data() -> None:
    settings = Settings(token_secret=SecretStr(SECRET), cipher_key=SecretStr(CIPHER))
    member = {"name": NAME, "id_number": ID_NUMBER, "income": INCOME}
    raise RuntimeError(f"step failed for {len(member)} fields with {settings.environment} settings")


@pytest.fixture(autouse=True)
def restore_logging() -> object:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers, root.level = handlers, level
    structlog.reset_defaults()


def leaks(text: str) -> list[str]:
    escaped = json.dumps(NAME)[1:-1]
    return [v for v in (SECRET, CIPHER, NAME, escaped, ID_NUMBER, INCOME) if v in text]


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "console"])
def test_a_traceback_names_the_frames_and_never_their_locals(as_json: bool, capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(json=as_json)
    try:
        fail_with_personal_data()
    except RuntimeError:
        structlog.get_logger("dixian.test").exception("unhandled_error", case_id="c-1")
    try:
        raise psycopg.errors.NotNullViolation(
            f'null value in column "x"\nDETAIL:  Failing row contains ({NAME}, {ID_NUMBER}).'
        )
    except psycopg.Error:
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
    try:
        Income.model_validate({"amount": f"{NAME}{INCOME}"})
    except ValidationError:
        logging.getLogger("temporalio.activity").warning("Completing activity as failed", exc_info=True)
    err = capsys.readouterr().err

    assert "fail_with_personal_data" in err and "RuntimeError" in err  # where it failed is still told
    assert "NotNullViolation" in err and "ValidationError" in err
    assert leaks(err) == [], err


def test_a_settings_object_shows_no_secret() -> None:
    settings = Settings(
        token_secret=SecretStr(SECRET), cipher_key=SecretStr(CIPHER), audit_key=SecretStr("ab" * 32),
        database_url=SecretStr("postgresql://dixian:pg-password-never-logged@db/dixian"),
        postgres_password=SecretStr("pg-password-never-logged"),
    )  # fmt: skip
    shown = repr(settings) + str(settings) + repr(settings.model_dump())
    assert leaks(shown) == [] and "ab" * 32 not in shown and "pg-password-never-logged" not in shown
    assert settings.resolve_token_secret() == SECRET  # still there for the code that needs it


def test_messages_lose_the_data_libraries_quote_into_them() -> None:
    assert redact_message("boom\nDETAIL:  Key (id_number)=(1) already exists.\nCONTEXT: x") == (
        "boom\n<redacted>\n<redacted>"
    )
    text = "1 validation error\namount\n  Input should be a number [type=decimal_parsing, input_value='王', input_type=str]"
    assert "王" not in redact_message(text) and "input_type=str]" in redact_message(text)
