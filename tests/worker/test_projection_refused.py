"""A read model that refuses an event (a constraint its projection breaks) stops the projector after one more try
from its tracking position, naming the read model and the constraint and never the row; the projector does not
fold the same refusal forever while its heartbeat says all is well."""

from __future__ import annotations

import asyncio

import pytest
import structlog

from domain.ledger import Ledger
from domain.readmodels.cases import open_summary_view
from tests.conftest import connect
from tests.domain.support import OTHER_VILLAGE_CADRE, OTHER_VILLAGE_CODE, CaseDriver
from worker.main import ProjectionRefused, keep_projecting

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_read_model_refusing_the_same_event_twice_stops_the_projector(es_env: dict[str, str]) -> None:
    open_summary_view(es_env).datastore.close()  # its tables, to constrain
    with connect(es_env) as conn:
        conn.execute(
            f"ALTER TABLE case_summaries ADD CONSTRAINT not_this_village CHECK (village_code <> '{OTHER_VILLAGE_CODE}')"
        )
        conn.commit()
    ledger = Ledger(es_env)
    try:
        CaseDriver(ledger).open()  # folds into the case list
        CaseDriver(ledger).open(village_code=OTHER_VILLAGE_CODE, actor=OTHER_VILLAGE_CADRE)  # the case list refuses it
    finally:
        ledger.close()

    with structlog.testing.capture_logs() as logs, pytest.raises(ProjectionRefused) as refused:
        await asyncio.wait_for(keep_projecting(es_env, first_backoff=0.1), timeout=120)
    assert "case_summaries" in str(refused.value) and "not_this_village" in str(refused.value)
    assert refused.value.__cause__ is None  # the database's message, which quotes the row, goes nowhere
    events = [e["event"] for e in logs]
    assert events.count("projector_lost_a_race") == 1 and events[-1] == "projection_refused"
    assert all(OTHER_VILLAGE_CODE not in str(e) for e in logs)
