"""Every error the API returns is application/problem+json (RFC 9457) naming the field and the rule."""

from __future__ import annotations

from typing import Any

import psycopg
import psycopg_pool
import structlog
from eventsourcing import persistence as es_persistence
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.kernel.errors import DomainError, ErrorKind, kind_of
from domain.kernel.messages import message_zh, said_in_chinese

log = structlog.get_logger("dixian.api")

PROBLEM = "application/problem+json"

# What a read or write raises while PostgreSQL is down or restarting (eventsourcing wraps psycopg's errors; a pool
# that cannot hand out a connection in time raises PoolTimeout). Each is answered 503 with Retry-After.
DATABASE_DOWN = "the database is unavailable; retry after the Retry-After seconds"
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    es_persistence.OperationalError,
    es_persistence.InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    psycopg_pool.PoolTimeout,
)

# Each kind of refusal answers with one status: the one place a domain error becomes HTTP.
STATUS_BY_KIND: dict[ErrorKind, int] = {
    ErrorKind.INVALID: 422,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.UNAUTHENTICATED: 401,
    ErrorKind.UNSUPPORTED: 415,
    ErrorKind.TOO_LARGE: 413,
    ErrorKind.TOO_MANY: 429,
    ErrorKind.UNAVAILABLE: 503,
}


class UnauthenticatedError(DomainError):
    """No valid bearer token."""

    kind = ErrorKind.UNAUTHENTICATED


class UnavailableError(DomainError):
    """A part of the stack (PostgreSQL, Temporal) cannot be reached, or a step could not be confirmed in time."""

    kind = ErrorKind.UNAVAILABLE


class UnsupportedMediaError(DomainError):
    """A body of a media type the route does not take."""

    kind = ErrorKind.UNSUPPORTED


class PayloadTooLargeError(DomainError):
    """A body over the route's limit."""

    kind = ErrorKind.TOO_LARGE


class TooManyRequestsError(DomainError):
    """A caller over a public route's rate, or a record tried too often (the application status lookup)."""

    kind = ErrorKind.TOO_MANY


TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}


class ApiProblem(Exception):
    """Raised by routes and dependencies; rendered by :func:`install`. ``type_`` names an error class (a domain
    error's, or one of this module's) whose kind gives the status, unless ``kind`` says otherwise."""

    def __init__(
        self,
        type_: str,
        detail: str,
        *,
        field: str = "",
        rule: str = "",
        kind: ErrorKind | None = None,
        violations: list[dict[str, str]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.type = type_
        self.detail = detail
        self.field = field
        self.rule = rule
        # A type no class declares is a failure of ours, not the caller's (tests/api hold every type to a class).
        self.status = STATUS_BY_KIND[kind or kind_of(type_) or ErrorKind.UNAVAILABLE]
        self.errors = [
            {"field": str(v.get("field", "")), "rule": str(v.get("rule", "")), "message": str(v.get("message", ""))}
            for v in violations or []
        ] or ([{"field": field, "rule": rule, "message": detail}] if field or rule else [])

    @classmethod
    def of(cls, error: DomainError) -> ApiProblem:
        return cls(
            error.problem_type or type(error).__name__, error.message, field=error.field, rule=error.rule,
            kind=error.kind, violations=list(error.violations),
        )  # fmt: skip


TITLES_ZH = {
    400: "请求有误",
    401: "未登录",
    403: "无权办理",
    404: "未找到",
    405: "不支持的请求方法",
    409: "与当前状态冲突",
    413: "内容过大",
    415: "不支持的内容类型",
    422: "填写的内容不符合规则",
    429: "请求过于频繁",
    500: "内部错误",
    503: "服务暂不可用",
}
KIND_BY_STATUS = {status: kind for kind, status in STATUS_BY_KIND.items()}
INTERNAL_ERROR_ZH = "系统内部错误，已记录，本次请求未办理。请稍后重试；问题持续的，请联系运维人员。"


def prefers_english(accept_language: str | None) -> bool:
    """Whether the caller asks for English (RFC 9110 Accept-Language: the language of the highest weight, the first
    of equal weights). Refusals are said in Chinese first; English only on request."""
    best, weight = "", -1.0
    for part in (accept_language or "").split(",")[:20]:
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and q > weight:
            best, weight = tag.strip().lower(), q
    return best == "en" or best.startswith("en-")


def problem(
    status: int, type_: str, detail: str, *, errors: list[dict[str, str]] | None = None, english: bool = False
) -> JSONResponse:
    """A refusal as problem+json. In Chinese unless the caller asked for English: the detail and each error's
    message say what the rule means and what to do next (domain.kernel.messages), with the refusal's own English
    words, which name its specifics, as ``detail_en``; the rules and fields stay as they are, for programs."""
    kind = KIND_BY_STATUS.get(status)
    original = detail
    if not english:
        errors = [{**e, "message": message_zh(e["rule"], kind, e["message"])} for e in errors or []] or None
        if status == 500:
            detail = INTERNAL_ERROR_ZH
        elif errors:
            first = errors[0]
            detail = (
                message_zh(first["rule"], kind, detail)
                if len(errors) == 1
                else "；".join(f"{e['field']}：{e['message']}" if e["field"] else e["message"] for e in errors)
            )
        else:
            detail = message_zh("", kind, detail)
    body: dict[str, Any] = {
        "type": f"urn:dixian:problem:{type_}",
        "title": TITLES.get(status, "Error") if english else TITLES_ZH.get(status, "错误"),
        "status": status,
        "detail": detail,
    }
    if not english and original != detail and not said_in_chinese(original):
        # The refusal's own words carry its specifics (a date, a record, a household number): kept beside the
        # Chinese, for the person who must act on exactly this one.
        body["detail_en"] = original
    if errors:
        body["errors"] = errors
    headers = {}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if status == 503:
        headers["Retry-After"] = "5"
    if status == 429:  # a record's limit rests for an hour, an address's for a minute (api.applications)
        headers["Retry-After"] = "3600" if any(e["field"] == "application_number" for e in errors or []) else "60"
    headers["Content-Language"] = "en" if english else "zh-CN"
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {
            "type": "string",
            "description": "What was refused and what to do next: Chinese unless Accept-Language asks for English",
        },
        "detail_en": {
            "type": "string",
            "description": "The refusal's own English words with its specifics, beside a Chinese detail",
        },
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "rule", "message"],
                "properties": {"field": {"type": "string"}, "rule": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
# The refusals any operation may answer with, all as application/problem+json (RFC 9457).
PROBLEM_STATUSES = {
    400: "Bad request",
    401: "Missing or invalid bearer token",
    403: "Outside the caller's role or area, or a separation of duties",
    404: "Not found (or not in the caller's area)",
    405: "Method not allowed",
    409: "Conflict with the current state (version, step order, a duplicate)",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "A field breaks a rule: errors name the field and the rule",
    503: "A part of the stack is unavailable: retry after the Retry-After seconds",
}


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Every operation documents its refusals as problem+json (replacing FastAPI's own 422 shape, which Dixian
    never sends), so that a client and a schema checker know every answer's shape."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    content = {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for methods in schema.get("paths", {}).values():
        for operation in methods.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "header" and parameter.get("name", "").lower() == "idempotency-key":
                    parameter["required"] = True  # every write needs one (api.deps.command_id refuses it missing)
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            for status, why in PROBLEM_STATUSES.items():
                responses.setdefault(str(status), {"description": why, "content": content})
    return schema


def english(request: Request) -> bool:
    """Whether the request asks for its refusals in English (``prefers_english`` of its Accept-Language)."""
    return prefers_english(request.headers.get("accept-language"))


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiProblem)
    async def _api_problem(request: Request, e: ApiProblem) -> JSONResponse:
        return problem(e.status, e.type, e.detail, errors=e.errors or None, english=english(request))

    @app.exception_handler(DomainError)
    async def _refused(request: Request, e: DomainError) -> JSONResponse:
        answer = ApiProblem.of(e)
        return problem(answer.status, answer.type, answer.detail, errors=answer.errors or None,
                       english=english(request))  # fmt: skip

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, e: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "field": ".".join(str(p) for p in err.get("loc", ()) if p != "body"),
                "rule": str(err.get("type", "invalid")),
                "message": str(err.get("msg", "")),
            }
            for err in e.errors()
        ]
        detail = "; ".join(f"{x['field'] or 'body'}: {x['message']}" for x in errors)
        return problem(422, "ValidationError", detail, errors=errors, english=english(request))

    @app.exception_handler(ValidationError)
    async def _model_validation(request: Request, e: ValidationError) -> JSONResponse:
        # A value that passed the request schema but not a downstream contract (e.g. an over-long identifier).
        errors = [
            {"field": ".".join(str(p) for p in err["loc"]), "rule": err["type"], "message": err["msg"]}
            for err in e.errors()
        ]
        detail = "; ".join(f"{x['field']}: {x['message']}" for x in errors)
        return problem(422, "ValidationError", detail, errors=errors, english=english(request))

    async def _store_unavailable(request: Request, e: Exception) -> JSONResponse:
        # PostgreSQL is down or unreachable (the pools reconnect by themselves once it is back): the caller may retry.
        log.warning("database_unavailable", path=request.url.path, error=str(e)[:200])
        services = getattr(request.app.state, "services", None)
        if services is not None:
            services.database.mark_down(e)  # later requests are refused at once until it answers again
        return problem(503, "UnavailableError", DATABASE_DOWN, english=english(request))

    for unavailable in DATABASE_UNAVAILABLE:
        app.add_exception_handler(unavailable, _store_unavailable)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, e: StarletteHTTPException) -> JSONResponse:
        if e.status_code == 413:  # api.limits: a body over its route's limit
            errors = [{"field": "body", "rule": "max_size", "message": str(e.detail)}]
            return problem(413, "PayloadTooLargeError", str(e.detail), errors=errors, english=english(request))
        return problem(e.status_code, "HTTPError", str(e.detail), english=english(request))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, e: Exception) -> JSONResponse:
        log.exception("unhandled_error", path=request.url.path)
        return problem(500, "InternalError", "an unexpected error occurred; it has been logged",
                       english=english(request))  # fmt: skip
