"""Whoever reaches Temporal cannot take a step as anyone: a command is appended only if the API signed it. A forged
update (no signature, another key, or a signed command with its actor, step or body changed) is refused before
anything is stored, and logged as a security event."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from structlog.testing import capture_logs
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from domain.kernel.actors import Role
from domain.kernel.errors import NotPermittedError
from tests.conftest import TEST_COMMAND_KEY, TEST_VERIFIER
from tests.scenarios import VISIT
from tests.workflows.support import CADRE, Case
from workflows.cases.client import open_case, opening
from workflows.cases.contracts import CaseWorkflowState, OpenCaseInput, OpenCaseRequest, StepInput
from workflows.cases.signing import sign
from workflows.cases.workflow import CaseWorkflow
from workflows.kernel.contracts import ActorModel
from workflows.kernel.keys import SigningKey

pytestmark = pytest.mark.asyncio(loop_scope="session")
ATTACKER_KEY = SigningKey(bytes(range(200, 232)))
IMPOSTOR = ActorModel(id="cadre-impostor", role=Role.VILLAGE_CADRE, area_code="990102101001", name="冒名")


def visit(case: Case, command_id: str) -> StepInput:
    return StepInput(case_id=case.case_id, step="household-visit", command_id=command_id, actor=CADRE, payload=VISIT)


def forgeries(case: Case) -> dict[str, StepInput]:
    genuine = sign(visit(case, "genuine"), TEST_COMMAND_KEY)
    return {
        "unsigned": visit(case, "unsigned"),
        "another key": sign(visit(case, "other-key"), ATTACKER_KEY),
        "actor changed": genuine.model_copy(update={"actor": IMPOSTOR, "command_id": "actor-changed"}),
        "body changed": genuine.model_copy(
            update={"payload": {**VISIT, "per_capita_net_income": "99999"}, "command_id": "body-changed"}
        ),
        "signature copied": visit(case, "copied").model_copy(update={"signature": genuine.signature}),
    }


async def refused(case: Case, cmd: Any) -> str:
    """The rule a refused update names."""
    assert case.handle is not None
    with pytest.raises(WorkflowUpdateFailedError) as excinfo:
        await case.handle.execute_update(CaseWorkflow.advance, cmd, id=cmd.command_id)
    cause = excinfo.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == "NotPermittedError", cause
    return str(cause.details[0]["rule"])


async def test_a_step_not_signed_by_the_api_is_refused_and_nothing_is_stored(running: Case) -> None:
    await running.open()
    before = running.event_types()
    for name, forged in forgeries(running).items():
        assert await refused(running, forged) == "signed_by_the_api", name
    assert running.event_types() == before == ["CaseOpened"]

    # The API's own command goes through.
    view = await running.step("household-visit", CADRE, **VISIT)
    assert view.status.value == "visit_verified" and running.event_types() == ["CaseOpened", "HouseholdVisitRecorded"]


async def test_an_opening_not_signed_by_the_api_opens_no_case(running: Case) -> None:
    case_id = uuid.uuid4()
    request = OpenCaseRequest(
        household_number="H-FORGED", village_code="990102101001", source="self_application",
        clue_date=await running.today(),
    )  # fmt: skip
    cmd = OpenCaseInput(case_id=case_id, command_id="forged-open", actor=CADRE, request=request)
    with pytest.raises(WorkflowUpdateFailedError) as excinfo:
        await open_case(running.env.client, cmd, opening(CaseWorkflowState.begin(case_id), running.task_queue))
    cause = excinfo.value.cause
    assert isinstance(cause, ApplicationError) and cause.details[0]["rule"] == "signed_by_the_api"
    assert not _exists(running, case_id)


def _exists(case: Case, case_id: uuid.UUID) -> bool:
    try:
        case.ledger.cases.event_records(case_id)
    except Exception:  # no such stream
        return False
    return True


async def test_a_refused_command_is_logged_as_a_security_event_without_its_body() -> None:
    cmd = StepInput(
        case_id=uuid.uuid4(), step="household-visit", command_id="c-1", actor=CADRE,
        payload={**VISIT, "authorisation_ref": "SQ-SECRET-REF"},
    )  # fmt: skip
    with capture_logs() as logs, pytest.raises(NotPermittedError, match="not signed by Dixian"):
        TEST_VERIFIER.check(cmd)
    assert logs == [
        {
            "event": "security_event", "kind": "unsigned_command", "command_id": "c-1", "case_id": str(cmd.case_id),
            "actor": CADRE.id, "signed": False, "log_level": "warning",
        }
    ]  # fmt: skip
    TEST_VERIFIER.check(sign(cmd, TEST_COMMAND_KEY))  # signed by the API's key: accepted, silently
