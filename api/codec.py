"""The Temporal codec endpoint: what Temporal keeps of a workflow (update arguments, activity inputs and results,
failures) is sealed (workflows.kernel.temporal); this opens it for the people allowed to read it, each time recorded
in the access log. Point the Temporal Web UI's codec setting ("Data Encoder") at ``<API>/ops/temporal-codec``: the UI
posts to ``…/decode`` the payloads it shows, as Temporal's remote codec protocol says."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from pydantic import BaseModel, ConfigDict, Field
from temporalio.api.common.v1 import Payload

from api.deps import ActorDep, ServicesDep, record_read
from api.errors import ApiProblem
from domain.kernel.permissions import check_may_open_payloads

router = APIRouter(tags=["ops"])
MAX_PAYLOADS = 1000  # a history page the UI shows at once is far fewer


class CodecPayloads(BaseModel):
    """Temporal's remote codec body: payloads in protobuf JSON (metadata values and data in base64)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"payloads": [{"metadata": {"encoding": "YmluYXJ5L2VuY3J5cHRlZA==",
                                    "encryption-key-id": "M2Y5YTFjMGU1YjdkMjQ2OA=="},
                       "data": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJw=="}]},
    ]})  # fmt: skip
    payloads: list[dict[str, Any]] = Field(max_length=MAX_PAYLOADS)


@router.post(
    "/ops/temporal-codec/decode",
    summary="Open sealed Temporal payloads (运维 and 县级; every call recorded in the access log)",
)
async def decode(
    body: CodecPayloads,
    actor: ActorDep,
    svc: ServicesDep,
    request: Request,
) -> CodecPayloads:
    """Temporal's remote codec `decode`: the payloads as sealed in Temporal (encoding `binary/encrypted`), opened.
    运维 and 县级审定 only (403 `ops_or_county`); refused 422 `format` (not Temporal payloads in protobuf JSON) or
    `sealed_by_this_deployment` (another key, or altered). Every call is recorded in the access log."""
    check_may_open_payloads(actor)
    try:
        sealed = [json_format.ParseDict(p, Payload()) for p in body.payloads]
    except (json_format.ParseError, DecodeError, TypeError, ValueError):
        raise ApiProblem(
            "RuleViolationError", "payloads must be Temporal payloads in protobuf JSON", field="payloads",
            rule="format",
        ) from None  # fmt: skip
    codec = svc.temporal.data_converter.payload_codec
    assert codec is not None, "the API's Temporal client seals payloads"
    try:
        opened = await codec.decode(sealed)
    except ValueError:  # a payload sealed with another key, or altered
        raise ApiProblem(
            "RuleViolationError", "a payload cannot be opened with this deployment's key", field="payloads",
            rule="sealed_by_this_deployment",
        ) from None  # fmt: skip
    # Which workflow the payloads came from is not told by the UI; the opening is recorded over the reader's area.
    await record_read(svc, actor, request, what="temporal_payloads", target=actor.area_code, village_code="")
    return CodecPayloads(payloads=[json_format.MessageToDict(p) for p in opened])
