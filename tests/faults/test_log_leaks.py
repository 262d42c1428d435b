"""A failure in each process kind — the API answering 500, a worker's activity failing, the projector dying — logs
where it failed and nothing else: no secret, no personal value the test wrote (names, ID numbers, a phone, an
income, who visited, free text). Real processes (`dixian api|worker|projector`) on a real PostgreSQL and a Temporal
dev server of the test's own, with its database file; the failures are made by the database refusing a write, as a full disk, a broken
migration or a constraint would, with PostgreSQL quoting the refused row into its error (its DETAIL line)."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from psycopg import sql

from api.auth import issue_token
from domain.ledger import Ledger
from domain.readmodels.cases import open_summary_view
from domain.readmodels.registry import open_registry_view
from domain.readmodels.reports import open_report_view
from domain.registry.rules import HouseholdRecord, Member
from tests.conftest import TEST_CIPHER_KEY, connect, free_port
from tests.integration.conftest import ACTORS, VILLAGE
from tests.integration.registry_support import household, id_number
from tests.integration.test_registry_api import household_body
from tests.scenarios import VISIT
from worker.stack import TemporalDevServer, find_binary

ROOT = Path(__file__).resolve().parents[2]
SECRET = "log-leak-test-token-secret-0123456789abcdef"
AUDIT_KEY = bytes(range(100, 132)).hex()
NAMES = ("欧阳秀英", "欧阳明辉", "上官桂兰", "上官志强")
BIRTHS = (date(1961, 3, 14), date(1987, 9, 2), date(1958, 11, 30), date(1983, 6, 21))
ID_NUMBERS = tuple(id_number(born, 871 + i) for i, born in enumerate(BIRTHS))
PHONE = "13912345678"
VISITOR, INCOME, AUTH_REF = "司马访员", "4321.09", "SQ-2026-88271"
PERSONAL = (*NAMES, *ID_NUMBERS, PHONE, VISITOR, INCOME, AUTH_REF)

REFUSE = """
CREATE OR REPLACE FUNCTION refuse_for_test() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'write refused by the test' USING DETAIL = 'Failing row contains ' || NEW::text;
END $$
"""


def person(i: int, relation: str) -> Member:
    base = household("LEAK-0001", VILLAGE, 1).members[0]
    return replace(
        base, name=NAMES[i], id_number=ID_NUMBERS[i], birth_date=BIRTHS[i], relation=type(base.relation)(relation)
    )


def record(number: str, first: int) -> HouseholdRecord:
    members = (person(first, "head"), person(first + 1, "child"))
    return replace(household(number, VILLAGE, 1), phone=PHONE, members=members)


def table(conn: Any, name: str) -> sql.Composable:
    schema = conn.execute(
        "SELECT table_schema FROM information_schema.tables WHERE table_name = %s", (name,)
    ).fetchone()
    assert schema is not None, name
    return sql.Identifier(schema[0], name)


def refuse(env: dict[str, str], name: str, when: str = "TRUE") -> None:
    with connect(env, autocommit=True) as conn:
        conn.execute(REFUSE)
        conn.execute(sql.SQL("DROP TRIGGER IF EXISTS refuse_for_test ON {}").format(table(conn, name)))
        conn.execute(
            sql.SQL(
                "CREATE TRIGGER refuse_for_test BEFORE INSERT ON {} FOR EACH ROW WHEN ({}) "
                "EXECUTE FUNCTION refuse_for_test()"
            ).format(table(conn, name), sql.SQL(when))
        )


def allow(env: dict[str, str], name: str) -> None:
    with connect(env, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP TRIGGER IF EXISTS refuse_for_test ON {}").format(table(conn, name)))


class Processes:
    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs, self.running = env, logs, {}

    def start(self, role: str, log_format: str) -> subprocess.Popen[bytes]:
        out = (self.logs / f"{role}.log").open("ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", "worker.cli", role],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**self.env, "DIXIAN_LOG_FORMAT": log_format},
        )
        self.running[role] = proc
        return proc

    def log(self, role: str) -> str:
        return (self.logs / f"{role}.log").read_text(errors="replace")

    def wait_for(self, role: str, text: str, within: float = 60.0) -> None:
        deadline = time.monotonic() + within
        while text not in self.log(role):
            assert time.monotonic() < deadline, f"{role} never logged {text!r}:\n{self.log(role)[-3000:]}"
            time.sleep(0.2)

    def stop(self) -> None:
        for proc in self.running.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.running.values():
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


def payload_text(history_json: str) -> str:
    """A history's JSON with each base64 payload decoded beside it, so that a plaintext value in one is found."""
    decoded = [
        base64.b64decode(m.group(1)).decode("utf-8", "replace")
        for m in re.finditer(r'"data":\s*"([A-Za-z0-9+/=]+)"', history_json)
    ]
    return history_json + "\n".join(decoded)


def leaks(text: str, secrets: list[str]) -> list[str]:
    found = []
    for value in [*PERSONAL, *secrets]:
        if value in text or json.dumps(value)[1:-1] in text:  # as written, or \\u-escaped by a JSON log
            found.append(value)
    return found


@pytest.mark.asyncio(loop_scope="session")
async def test_failures_in_every_process_log_no_secret_and_no_personal_value(
    es_env: dict[str, str], tmp_path: Path
) -> None:
    # The tables every process uses, made before they start together (as `dixian run` does).
    Ledger(es_env).close()
    open_summary_view(es_env), open_registry_view(es_env), open_report_view(es_env)
    url = f"postgresql://{es_env['POSTGRES_USER']}:@/{es_env['POSTGRES_DBNAME']}?host={es_env['POSTGRES_HOST']}"
    port = free_port()
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("DIXIAN_", "DATABASE_URL", "POSTGRES_", "TEMPORAL_"))
    }
    temporal = await TemporalDevServer.start(tmp_path / "temporal", port=free_port(), ui_port=free_port())
    try:
        env = {
            **base,
            "DATABASE_URL": url,
            "TEMPORAL_ADDRESS": temporal.address,
            "DIXIAN_DATA_DIR": str(tmp_path / "data"),
            "DIXIAN_API_PORT": str(port),
            "DIXIAN_RECONCILE_SECONDS": "0",
            "DIXIAN_TOKEN_SECRET": SECRET,
            "DIXIAN_CIPHER_KEY": TEST_CIPHER_KEY,
            "DIXIAN_AUDIT_KEY": AUDIT_KEY,
            "DIXIAN_CHECKPOINT_SECONDS": "5",
            "DIXIAN_AUDIT_WITNESS_FILE": str(tmp_path / "witness.jsonl"),
            "PYTHONUNBUFFERED": "1",
        }
        procs = Processes(env, tmp_path)
        try:
            procs.start("worker", "console")
            procs.start("projector", "json")
            procs.start("api", "json")
            await asyncio.to_thread(procs.wait_for, "api", "api_started")
            await asyncio.to_thread(procs.wait_for, "worker", "worker_started")
            await asyncio.to_thread(procs.wait_for, "projector", "projector_started")
            cadre = {"Authorization": f"Bearer {issue_token(SECRET, ACTORS['cadre'])}"}
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
                # The projector dies folding a household into a table that refuses it, and is started again.
                refuse(es_env, "registry_households")
                r = await http.put(
                    "/households/LEAK-0001",
                    json=household_body(record("LEAK-0001", 0)),
                    headers={**cadre, "Idempotency-Key": "h1"},
                )
                assert r.status_code == 200, r.text
                await asyncio.to_thread(procs.running["projector"].wait, 60)
                allow(es_env, "registry_households")
                procs.start("projector", "json")

                # The API answers 500 when the event store refuses a household's registration.
                refuse(es_env, "cases_events", "NEW.topic = 'domain.household:HouseholdRegistered'")
                r = await http.put(
                    "/households/LEAK-0002",
                    json=household_body(record("LEAK-0002", 2)),
                    headers={**cadre, "Idempotency-Key": "h2"},
                )
                assert r.status_code == 500 and r.headers["content-type"] == "application/problem+json", r.text
                assert leaks(r.text, [SECRET]) == []
                allow(es_env, "cases_events")

                # A worker's activity fails while the store refuses a visit's events; it succeeds once allowed.
                await asyncio.to_thread(procs.wait_for, "projector", "projector_started")
                opened = await http.post(
                    "/cases",
                    headers={**cadre, "Idempotency-Key": "c1"},
                    json={
                        "household_number": "LEAK-0001",
                        "village_code": VILLAGE,
                        "source": "self_application",
                        "clue_date": date.today().isoformat(),
                    },
                )
                assert opened.status_code == 201, opened.text
                refuse(es_env, "cases_events", "NEW.topic = 'domain.events:HouseholdVisitRecorded'")
                # LEAK-0001 is registered: its type, size and labour are the registry's
                figures = ("household_type", "household_size", "labour_capable_members")
                visit = {**{k: v for k, v in VISIT.items() if k not in figures}, "visitors": [VISITOR],
                         "per_capita_net_income": INCOME, "authorisation_ref": AUTH_REF}  # fmt: skip
                step = asyncio.ensure_future(
                    http.post(
                        f"/cases/{opened.json()['case_id']}/steps/household-visit",
                        json=visit,
                        headers={**cadre, "Idempotency-Key": "v1"},
                    )
                )
                await asyncio.to_thread(procs.wait_for, "worker", "write refused by the test")
                allow(es_env, "cases_events")
                assert (await step).status_code == 200
        finally:
            procs.stop()
        # What Temporal keeps of the case (its history, as `temporal workflow show` prints it, and its database
        # file) is ciphertext: the step's people, income, visitor and authorisation are nowhere in it.
        show = [find_binary("temporal"), "workflow", "show", "--workflow-id", f"case-{opened.json()['case_id']}",
                "--address", temporal.address, "--output", "json"]  # fmt: skip
        shown = (await asyncio.to_thread(subprocess.run, show, capture_output=True, text=True, check=True)).stdout
    finally:
        temporal.stop()
    assert "YmluYXJ5L2VuY3J5cHRlZA==" in shown  # "binary/encrypted": the payloads are there, sealed
    assert "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED" in shown  # the step is in it, as an update
    assert leaks(payload_text(shown), []) == [], "personal data in the workflow history"
    database = b"".join(f.read_bytes() for f in (tmp_path / "temporal").glob("temporal.db*"))
    assert database and [v for v in PERSONAL if v.encode() in database] == []

    logs = {role: procs.log(role) for role in ("api", "worker", "projector")}
    # Each failure happened, and was logged with where it failed.
    assert "unhandled_error" in logs["api"] and "write refused by the test" in logs["api"], logs["api"][-3000:]
    assert "uncaught_error" in logs["projector"], logs["projector"][-3000:]
    assert "write refused by the test" in logs["projector"], logs["projector"][-3000:]
    assert "write refused by the test" in logs["worker"] and "take_step" in logs["worker"], logs["worker"][-3000:]
    tokens = [issue_token(SECRET, ACTORS["cadre"])[:40]]
    for role, text in logs.items():
        assert leaks(text, [SECRET, TEST_CIPHER_KEY, AUDIT_KEY, *tokens]) == [], f"{role}:\n{text[-4000:]}"
