"""Audit over HTTP and from the command line: checkpoints, verification of a case, an area and the store, and an
export that verifies offline with nothing but the file and the public key."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest

from domain.audit.tree import consistent
from tests.integration.conftest import AUDIT_KEY, Stack
from tests.integration.registry_support import CONTENT_TYPE, household, roster_bytes, rows_of
from tests.integration.support import open_case
from worker.cli import main
from workflows.audit.service import verify_export

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def a_case_and_a_checkpoint(stack: Stack) -> str:
    r = await stack.http.post(
        "/households:import",
        content=roster_bytes(rows_of(household("HH-AUD-001", "990102101001", 71)), "csv"),
        headers={**stack.headers("township"), "Content-Type": CONTENT_TYPE["csv"]},
    )
    assert r.status_code == 200, r.text
    # A key of its own: the Temporal server outlives each test's database, and a case id derives from the key.
    case_id = str((await open_case(stack, key=f"audit-open-{uuid.uuid4().hex[:8]}"))["case_id"])
    assert stack.audit.checkpoint(datetime.now(UTC)) is not None
    return case_id


async def test_checkpoints_are_listed_with_their_key(stack: Stack) -> None:
    await a_case_and_a_checkpoint(stack)
    r = await stack.http.get("/audit/checkpoints", headers=stack.headers("inspector"))
    body = r.json()
    assert r.status_code == 200 and body["public_key"] == AUDIT_KEY.public_key
    assert [c["number"] for c in body["items"]] == [1] and body["items"][0]["after"] == 0

    # A second checkpoint extends the first: the proof between their tree heads verifies with hashing alone.
    await open_case(stack, key=f"audit-open-{uuid.uuid4().hex[:8]}")
    assert stack.audit.checkpoint(datetime.now(UTC)) is not None
    r = await stack.http.get("/audit/checkpoints/consistency", params={"first": 1, "second": 2},
                             headers=stack.headers("ops"))  # fmt: skip
    assert r.status_code == 200, r.text
    first, second = r.json()["first"], r.json()["second"]
    assert 0 < first["tree_size"] < second["tree_size"]
    assert consistent(first["tree_size"], first["tree_root"], second["tree_size"], second["tree_root"],
                      r.json()["proof"])  # fmt: skip
    r = await stack.http.get("/audit/checkpoints/consistency", params={"first": 2, "second": 3},
                             headers=stack.headers("ops"))  # fmt: skip
    assert r.status_code == 404 and r.json()["errors"][0]["rule"] == "known_checkpoints"


async def test_a_case_an_area_and_the_store_verify(stack: Stack) -> None:
    case_id = await a_case_and_a_checkpoint(stack)
    r = await stack.http.post(
        "/audit/verify", json={"scope": "case", "case_id": case_id}, headers=stack.headers("inspector")
    )
    assert r.status_code == 200 and r.json()["holds"] is True and r.json()["events_checked"] == 1
    await stack.caught_up()
    r = await stack.http.post("/audit/verify", json={"scope": "area"}, headers=stack.headers("cadre"))
    assert r.json()["holds"] is True and r.json()["streams"] == 3  # the case, the household and its open cases
    r = await stack.http.post("/audit/verify", json={"scope": "all"}, headers=stack.headers("county"))
    assert r.json()["holds"] is True and r.json()["checkpoint_problems"] == []
    # Scope rules: a village may not verify the whole store, nor another village's case.
    r = await stack.http.post("/audit/verify", json={"scope": "all"}, headers=stack.headers("cadre"))
    assert r.status_code == 403
    r = await stack.http.post(
        "/audit/verify", json={"scope": "case", "case_id": case_id}, headers=stack.headers("other_cadre")
    )
    assert r.status_code == 404  # another village's case is as unknown as a missing one
    r = await stack.http.post("/audit/verify", json={"scope": "case"}, headers=stack.headers("inspector"))
    assert r.status_code == 422


async def test_an_export_verifies_offline_and_a_changed_export_does_not(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = await a_case_and_a_checkpoint(stack)
    monkeypatch.setattr("worker.cli.configure_logging", lambda **_: None)  # keep pytest's streams out of logging
    for key in ("POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_DBNAME", "POSTGRES_USER", "POSTGRES_PASSWORD"):
        monkeypatch.setenv(key, stack.es_env[key])
    monkeypatch.setenv("DIXIAN_AUDIT_KEY", bytes(range(32)).hex())
    out = tmp_path / "case.json"
    with pytest.raises(SystemExit) as done:
        main(["audit", "export", "--case", case_id, "--out", str(out)])
    assert done.value.code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert out.stat().st_mode & 0o777 == 0o600  # an export holds personal data: its owner's alone
    assert data["streams"] == [case_id] and data["events"][0]["checkpoint"] == 1
    await stack.caught_up()  # the export is in the access log, where the case's area's inspectors find it
    exports = (await stack.http.get("/audit/access", headers=stack.headers("inspector"))).json()["items"]
    assert [(x["what"], x["target"]) for x in exports if x["what"] == "export"] == [("export", case_id)]

    capsys.readouterr()

    with pytest.raises(SystemExit) as done:  # offline: the file and the key only
        main(["audit", "verify", str(out), "--public-key", AUDIT_KEY.public_key])
    assert done.value.code == 0 and json.loads(capsys.readouterr().out)["holds"] is True

    masked_out = tmp_path / "case-inspector.json"  # for an inspector: personal data masked, the proofs still hold
    with pytest.raises(SystemExit) as done:
        main(["audit", "export", "--case", case_id, "--out", str(masked_out), "--masked-for", "inspector"])
    masked_export = json.loads(masked_out.read_text(encoding="utf-8"))
    assert '"illness"' in out.read_text(encoding="utf-8") and '"illness"' not in masked_out.read_text(encoding="utf-8")
    report = verify_export(masked_export, AUDIT_KEY.public_key)
    assert report["holds"] is True and report["content_masked"] > 0

    changed = json.loads(out.read_text(encoding="utf-8"))
    changed["events"][0]["fields"]["household_head"] = "别人"
    assert verify_export(changed, AUDIT_KEY.public_key)["holds"] is False
    assert verify_export(data, "00" * 32)["holds"] is False  # another key
    rehashed = json.loads(out.read_text(encoding="utf-8"))  # a forger recomputes the event's hash: the proof fails
    from workflows.audit.service import audit_hash

    rehashed["events"][0]["fields"]["household_head"] = "别人"
    rehashed["events"][0]["hash"] = audit_hash(rehashed["events"][0]["topic"], rehashed["events"][0]["fields"])
    report = verify_export(rehashed, AUDIT_KEY.public_key)
    assert report["holds"] is False and "Merkle path" in report["problem"]
    for ev in rehashed["events"]:  # … and without the proofs, the signed manifest still names the real last hash
        ev.pop("proof", None)
        ev.pop("checkpoint", None)
    assert verify_export(rehashed, AUDIT_KEY.public_key)["holds"] is False
    trimmed = json.loads(out.read_text(encoding="utf-8"))
    trimmed["events"] = trimmed["events"][:-1]
    assert verify_export(trimmed, AUDIT_KEY.public_key)["holds"] is False
    trimmed["manifest"]["events"] -= 1  # editing the manifest breaks its signature
    assert "signature" in verify_export(trimmed, AUDIT_KEY.public_key)["problem"]
    assert verify_export({"format": "dixian-audit-export/1"}, AUDIT_KEY.public_key)["holds"] is False


async def test_findings_name_the_rule_the_case_and_the_proving_events(stack: Stack) -> None:
    from domain.kernel.actors import Actor, Role
    from tests.integration.test_registry_api import LOW_INCOME, add_staff, screening
    from workflows.campaigns.contracts import ScreeningRequest

    r = await stack.http.post(
        "/households:import",
        content=roster_bytes(rows_of(household("HH-FND-001", "990102101001", 81)), "csv"),
        headers={**stack.headers("township"), "Content-Type": CONTENT_TYPE["csv"]},
    )
    assert r.status_code == 200
    await add_staff(stack)
    cadre = Actor("cadre-1", Role.VILLAGE_CADRE, "990102101001", "村干部甲")
    stack.services.campaigns.record_screening(  # at risk, and its case never opened
        "HH-FND-001", ScreeningRequest.model_validate(screening(LOW_INCOME)), actor=cadre, command_id="cadre-1:f",
        now=datetime.now(UTC),
    )  # fmt: skip
    late = (await open_case(stack, key=f"late-{uuid.uuid4().hex[:8]}", clue_offset=-20))["case_id"]
    on_time = (await open_case(stack, key=f"ok-{uuid.uuid4().hex[:8]}", clue_offset=-2))["case_id"]
    await stack.caught_up()

    r = await stack.http.get("/audit/findings", headers=stack.headers("inspector"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["counts"] == {"NM-01": 1, "ID-01": 1}
    identification = next(f for f in body["items"] if f["rule"] == "ID-01")
    assert identification["case_id"] == late and identification["title"] == "识别认定超过15天"
    # The clue, and the DeadlineMissed the case's timer appended (when it has fired by now).
    assert identification["evidence"][0] == {"stream": late, "version": 1}
    assert all(f["case_id"] != on_time for f in body["items"])
    assert next(f for f in body["items"] if f["rule"] == "NM-01")["household_number"] == "HH-FND-001"

    r = await stack.http.get("/audit/findings", params={"rule": "ID-01"}, headers=stack.headers("cadre"))
    assert r.json()["counts"] == {"ID-01": 1}
    r = await stack.http.get("/audit/findings", headers=stack.headers("other_cadre"))
    assert r.json()["counts"] == {}
    r = await stack.http.get("/audit/findings", params={"scope": "990102101001"}, headers=stack.headers("other_cadre"))
    assert r.status_code == 403
    r = await stack.http.get("/audit/findings", params={"rule": "XX-99"}, headers=stack.headers("inspector"))
    assert r.status_code == 422


async def test_every_read_of_a_case_or_household_is_recorded_and_inspectors_list_them(stack: Stack) -> None:
    case_id = await a_case_and_a_checkpoint(stack)
    purpose = {"X-Purpose": quote("2026年督导抽查")}
    assert (await stack.http.get(f"/cases/{case_id}", headers={**stack.headers("cadre"), **purpose})).status_code == 200
    assert (await stack.http.get(f"/cases/{case_id}/timeline", headers=stack.headers("inspector"))).status_code == 200
    assert (await stack.http.get("/households/HH-AUD-001", headers=stack.headers("township"))).status_code == 200
    assert (await stack.http.get(f"/cases/{case_id}", headers=stack.headers("other_cadre"))).status_code == 404
    await stack.caught_up()

    r = await stack.http.get("/audit/access", headers=stack.headers("inspector"))
    assert r.status_code == 200, r.text
    rows = r.json()["items"]
    assert [(x["actor_id"], x["what"], x["target"]) for x in rows] == [
        ("township-1", "household", "HH-AUD-001"),
        ("inspector-1", "case_history", case_id),
        ("cadre-1", "case", case_id),
    ]  # newest first; the refused read of another village's cadre is not a read
    assert rows[2]["purpose"] == "2026年督导抽查" and rows[2]["path"] == f"/cases/{case_id}"
    r = await stack.http.get("/audit/access", params={"reader": "cadre-1"}, headers=stack.headers("inspector"))
    assert [x["actor_id"] for x in r.json()["items"]] == ["cadre-1"]
    assert (await stack.http.get("/audit/access", headers=stack.headers("county"))).status_code == 403


async def test_reads_of_staff_which_carry_phones_are_in_the_access_log(stack: Stack) -> None:
    body = {"staff_number": "S-AUD", "name": "网格员审", "identity": "grid_worker", "area_code": "990102101001",
            "phone": "13912340001"}  # fmt: skip
    assert (await stack.http.post("/staff", json=body, headers=stack.headers("township", key="aud-s"))).is_success
    assert (await stack.http.get("/staff/S-AUD", headers=stack.headers("cadre"))).status_code == 200
    assert (await stack.http.get("/staff", headers=stack.headers("township"))).status_code == 200
    await stack.caught_up()
    rows = (await stack.http.get("/audit/access", headers=stack.headers("inspector"))).json()["items"]
    assert [(x["actor_id"], x["what"], x["target"]) for x in rows if x["what"].startswith("staff")] == [
        ("township-1", "staff_list", "990102101"),
        ("cadre-1", "staff", "S-AUD"),
    ]
