"""Audit use cases shared by the API and the command line: checkpoints, verification by scope, and exports that
verify offline with nothing but the file and the public key."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.audit import checkpoints as audit
from domain.audit import inspection
from domain.cases import timeline
from domain.cases.case import MonitoringCase
from domain.kernel.actors import Role
from domain.kernel.chain import (
    canonical,
    decoded_events,
    event_hash,
    recomputed_hash,
    stored_hash,
    verify_stream,
)
from domain.kernel.privacy import unknown_case
from domain.kernel.time import local_date
from domain.ledger import Ledger
from domain.readmodels.cases import CaseSummaryView, open_summary_view
from domain.readmodels.registry import RegistryView, open_registry_view
from domain.registry.household import household_id
from workflows.kernel.keys import SigningKey, canonical_bytes, check, key_id_of

EXPORT_FORMAT = "dixian-audit-export/1"
# The approvals of a case, by level (村 → 乡镇 → 县).
_LEVELS = {
    "VillageDeliberationRecorded": "村",
    "PublicNoticeClosed": "村",
    "TownshipReviewed": "乡镇",
    "CountyDecided": "县",
    "RollbackRequested": "乡镇",
    "EliminationRolledBack": "县",
    "RollbackRefused": "县",
}
_PAGE = 500


class AuditService:
    def __init__(
        self,
        ledger: Ledger,
        summaries: CaseSummaryView,
        registry: RegistryView,
        public_key: str,
        *,
        signer: SigningKey,
        checkpointer: SigningKey | None = None,
        anchor_files: tuple[Path, ...] = (),
    ) -> None:
        self.ledger, self.summaries, self.registry = ledger, summaries, registry
        # Three keys, each where it is needed: the audit key's public half verifies checkpoints (every process); the
        # audit key itself signs them (the projector, `dixian audit checkpoint`: ``checkpointer``); the ``signer``
        # signs what this process hands out, receipts and the manifests of dossiers and exports (in the API its own
        # key, which also signs commands: the API never holds the audit key).
        self.public_key, self.signer, self.checkpointer = public_key, signer, checkpointer
        # Each checkpoint is also appended to each of these, outside the database (the copy beside the store, the
        # witness): checkpoints cut from the store's own log, or re-signed over a rewritten history, are then found
        # by verification against them (the witness belongs where the database's administrators cannot write).
        self.anchor_files = anchor_files

    @classmethod
    def connect(
        cls, env: Mapping[str, str], key: SigningKey, ledger: Ledger | None = None, anchor_files: tuple[Path, ...] = ()
    ) -> AuditService:
        """The audit of a process that holds the audit key (the projector, the command line): it makes checkpoints
        and signs its exports with it."""
        return cls(ledger or Ledger(env), open_summary_view(env), open_registry_view(env), key.public_key, signer=key,
                   checkpointer=key, anchor_files=anchor_files)  # fmt: skip

    # ----- checkpoints ------------------------------------------------------------------------------------------

    def checkpoint(self, now: datetime) -> dict[str, Any] | None:
        if self.checkpointer is None:
            raise RuntimeError("this process verifies checkpoints but holds no audit key to make them")
        made = audit.make_checkpoint(self.ledger, self.checkpointer.sign, now)
        if made is not None:
            for path in self.anchor_files:
                path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                with os.fdopen(fd, "a", encoding="utf-8") as out:
                    out.write(json.dumps(made, ensure_ascii=False) + "\n")
        return made

    def anchors(self) -> list[dict[str, Any]]:
        """Every checkpoint kept outside the database (the copy beside the store, the witness), each once."""
        seen: dict[tuple[Any, ...], dict[str, Any]] = {}
        for path in self.anchor_files:
            for cp in read_heads(path):
                seen.setdefault((cp.get("number"), cp.get("root"), cp.get("signature")), cp)
        return list(seen.values())

    def head_problems(self) -> list[dict[str, Any]]:
        """What each file of heads (the copy beside the store, the witness) says of itself, as a witness would check
        it alone: signatures, and each tree extending the one before it (``audit.verify_heads``)."""
        found: list[dict[str, Any]] = []
        for path in self.anchor_files:
            found.extend({**p, "file": path.name} for p in audit.verify_heads(read_heads(path), check, self.public_key))
        return found

    def checkpoints(self) -> dict[str, Any]:
        return {
            "public_key": self.public_key,
            "key_id": key_id_of(self.public_key),
            "statement_public_key": self.signer.public_key,  # receipts and dossiers are signed with this one
            "items": audit.checkpoints(self.ledger),
        }

    # ----- receipts ---------------------------------------------------------------------------------------------

    def receipt(self, records: list[tuple[UUID, int, str]], command_id: str, at: datetime) -> str:
        """A signed receipt for a write (the ``X-Dixian-Receipt`` of its answer): each record it wrote, at which
        version, with the event's hash; which command; when. The client keeps it; the server cannot later deny what
        it acknowledged."""
        claims = {"format": RECEIPT_FORMAT, "records": [[str(r), v, h] for r, v, h in records],
                  "command_id": command_id, "at": at.isoformat()}  # fmt: skip
        signature, key_id, _ = self.signer.sign(canonical_bytes(claims))
        text = json.dumps({**claims, "key_id": key_id, "signature": signature}, separators=(",", ":"))
        return base64.urlsafe_b64encode(text.encode()).decode()

    def check_receipt(self, receipt: str, public_key: str | None = None) -> dict[str, Any]:
        """Whether a receipt is signed by the API's key (``public_key``; this service's signer's by default) and
        every event it acknowledges is still stored as it was (a write deleted or altered after it was acknowledged
        is found here, whatever the checkpoints say)."""
        claims = read_receipt(receipt, public_key or self.signer.public_key)
        if claims is None:
            return {"signed": False, "stored": False, "problem": "not a receipt signed with this deployment's key"}
        for record, version, acknowledged in claims["records"]:
            events, _ = decoded_events(self.ledger, UUID(record), version)
            found = next((e for e in events if int(e.originator_version) == version), None)
            if found is None:
                return {"signed": True, "stored": False, "claims": claims,
                        "problem": f"version {version} of {record} is no longer stored"}  # fmt: skip
            if stored_hash(found) != acknowledged or recomputed_hash(found) != acknowledged:
                return {"signed": True, "stored": False, "claims": claims,
                        "problem": f"the stored version {version} of {record} is not the one acknowledged"}  # fmt: skip
        return {"signed": True, "stored": True, "claims": claims}

    # ----- verification -----------------------------------------------------------------------------------------

    def stream_ids(self, area_code: str) -> list[UUID]:
        """The cases and households of an area (from the read models)."""
        ids = self._case_ids(area_code)
        offset = 0
        while True:
            hh = self.registry.households(area_prefixes=[area_code], limit=_PAGE, offset=offset)
            ids.extend(household_id(r["household_number"]) for r in hh)
            if len(hh) < _PAGE:
                break
            offset += _PAGE
        return ids

    def verify_case(self, case_id: UUID) -> dict[str, Any]:
        return {"scope": {"case_id": str(case_id)}, **audit.verify_streams(self.ledger, [case_id])}

    def verify_area(self, area_code: str) -> dict[str, Any]:
        return {"scope": {"area_code": area_code}, **audit.verify_streams(self.ledger, self.stream_ids(area_code))}

    def verify_all(self) -> dict[str, Any]:
        report = audit.verify_log(self.ledger, check, self.public_key, self.anchors())
        heads = self.head_problems()
        if heads:
            report["checkpoint_problems"] = [*report["checkpoint_problems"], *heads]
            report["holds"] = False
        return {"scope": {"all": True}, **report}

    def consistency(self, first: int, second: int) -> dict[str, Any]:
        """The consistency proof between two checkpoints' tree heads (for a witness that pulls them)."""
        return audit.consistency_between(self.ledger, first, second)

    # ----- inspection rules -------------------------------------------------------------------------------------

    def findings(self, area_code: str, rule: str | None, now: datetime) -> dict[str, Any]:
        """What the inspection rules find in an area (every rule, or one), each with the events that prove it."""
        items: list[dict[str, Any]] = []
        if rule in (None, inspection.NOT_MONITORED.id):
            for row in self.registry.not_monitored(area_prefixes=[area_code], limit=1_000_000):
                stream = str(household_id(row["household_number"]))
                items.append(inspection.not_monitored_finding(row, stream))
        discovery = {r.id for r in inspection.DISCOVERY_RULES}
        if rule is None or rule in discovery:
            today = local_date(now)
            for channel in ("alert", "application"):
                rows = self.registry.discovery(channel=channel, area_prefix=area_code, limit=1_000_000)
                items.extend(inspection.discovery_findings(rows, today, only=rule))
        if rule != inspection.NOT_MONITORED.id and rule not in discovery:
            for case_id in self._case_ids(area_code):
                case = self._case(case_id)
                records = self.ledger.cases.event_records(case_id)
                household = self.ledger.registry.household_history(case.household_number)
                items.extend(inspection.inspect_case(case, records, now, only=rule, household=household))
        counts: dict[str, int] = {}
        for item in items:
            counts[item["rule"]] = counts.get(item["rule"], 0) + 1
        return {
            "scope": area_code,
            "rule": rule,
            "as_of": now.isoformat(),
            "rules": [r.describe() for r in inspection.RULES],
            "counts": counts,
            "items": items,
        }

    def _case(self, case_id: UUID) -> MonitoringCase:
        """A case read as every read is, its chain checked (a damaged one is refused, naming where)."""
        case = self.ledger.find(MonitoringCase, case_id)
        if case is None:
            raise unknown_case()
        return case

    def _case_ids(self, area_code: str) -> list[UUID]:
        ids: list[UUID] = []
        offset = 0
        while True:
            rows = self.summaries.search(area_prefix=area_code, filters={}, limit=_PAGE, offset=offset)
            ids.extend(UUID(str(r["case_id"])) for r in rows)
            if len(rows) < _PAGE:
                return ids
            offset += _PAGE

    # ----- dossier ----------------------------------------------------------------------------------------------

    def dossier(self, case_id: UUID, now: datetime, role: Role) -> dict[str, Any]:
        """Everything an inspector needs about one case: its timeline, the approvals at each level, its deadlines met
        or missed, what the inspection rules find, and the proofs that verify it offline (events with hashes,
        Merkle paths to signed checkpoints, the public key)."""
        view = self.ledger.cases.view(case_id, now)
        records = self.ledger.cases.event_records(case_id)
        case = self._case(case_id)
        household = self.ledger.registry.household_history(case.household_number)
        found = inspection.inspect_case(case, records, now, household=household)
        approvals = [
            {
                "level": _LEVELS[r["type"]],
                "type": r["type"],
                "step": timeline.event_label(r),
                "procedure": r["payload"].get("procedure", "identification"),
                "decision": r["payload"].get("decision") or r["payload"].get("outcome") or "",
                "by": {k: r["actor"].get(k, "") for k in ("id", "name", "role", "area_code")},
                "occurred_at": r["occurred_at"],
                "version": r["version"],
            }
            for r in records
            if r["type"] in _LEVELS
        ]
        return {
            "case_id": str(case_id),
            "generated_at": now.isoformat(),
            "summary": {
                k: view[k]
                for k in (
                    "stage",
                    "status",
                    "category",
                    "clue_date",
                    "identified_on",
                    "version",
                    "stage_label",
                    "status_label",
                    "category_label",
                    "eliminated_on",
                )
            },
            "household": view["household"],
            "area": view["area"],
            "timeline": timeline.timeline(records, view, self.ledger.areas)["events"],
            "approvals": approvals,
            "responsible_person": view["responsible_person"],
            "plan": view["plan"],
            "measures": view["measures"],
            "deadlines": timeline.deadline_entries(view),
            "findings": inspection.seen_findings(role, found),
            "verification": {**audit.verify_streams(self.ledger, [case_id])},
            "proofs": self.export([case_id]),
        }

    # ----- export -----------------------------------------------------------------------------------------------

    def export(self, ids: list[UUID] | None) -> dict[str, Any]:
        """The events of the given streams (all events when ``ids`` is None), each with its notification id and, where
        a checkpoint covers it, the Merkle path to that checkpoint's signed root."""
        wanted = None if ids is None else {str(i) for i in ids}
        events: list[dict[str, Any]] = []
        for entry in audit.entries(self.ledger):
            e = entry.event
            if wanted is not None and str(e.originator_id) not in wanted:
                continue
            topic = get_topic(type(e))
            events.append(
                {
                    "notification_id": entry.notification_id,
                    "originator_id": str(e.originator_id),
                    "version": int(e.originator_version),
                    "topic": topic,
                    "fields": json.loads(canonical(topic, vars(e)))["fields"],
                    "hash": stored_hash(e),
                }
            )
        cps = audit.checkpoints(self.ledger)
        for cp in cps:
            inside = [ev for ev in events if cp["after"] < ev["notification_id"] <= cp["through"]]
            if not inside:
                continue
            range_entries = list(audit.entries(self.ledger, cp["after"], cp["through"]))
            levels = audit.merkle_levels(
                [audit.leaf(e.notification_id, e.originator_id, e.version, audit.entry_hash(e)) for e in range_entries]
            )
            position = {e.notification_id: i for i, e in enumerate(range_entries)}
            for ev in inside:
                ev["checkpoint"] = cp["number"]
                ev["proof"] = audit.proof_from_levels(levels, position[ev["notification_id"]])
        heads: dict[str, dict[str, Any]] = {}
        for ev in events:
            heads[ev["originator_id"]] = {"last_version": ev["version"], "last_hash": ev["hash"]}
        manifest = {"format": EXPORT_FORMAT, "streams": heads, "events": len(events), "exported_at": _now_iso()}
        signature, key_id, _ = self.signer.sign(canonical_bytes(manifest))
        return {
            "format": EXPORT_FORMAT,
            "streams": sorted(heads),
            "events": events,
            "checkpoints": cps,
            "manifest": manifest,
            "manifest_signature": signature,
            "key_id": key_id,
            "public_key": self.public_key,  # the checkpoints'
            "manifest_public_key": self.signer.public_key,
        }


def read_heads(path: Path) -> list[dict[str, Any]]:
    """The checkpoints a file of heads holds, in the order they were appended (none if there is no file)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


RECEIPT_FORMAT = "dixian-receipt-2"  # 1: one record per receipt (case writes only)


def read_receipt(receipt: str, public_key: str) -> dict[str, Any] | None:
    """A receipt's claims, if its signature verifies with ``public_key`` (None otherwise)."""
    try:
        data = json.loads(base64.urlsafe_b64decode(receipt.encode()))
        signature = data.pop("signature")
        data.pop("key_id", None)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    if not isinstance(data, dict) or data.get("format") != RECEIPT_FORMAT:
        return None
    return data if check(canonical_bytes(data), signature, public_key) else None


def verify_export(data: Mapping[str, Any], public_key: str, manifest_key: str | None = None) -> dict[str, Any]:
    """Check an export offline, with the keys the reader trusts (never those the file names): the manifest (which
    streams, how far, how many events: nothing dropped or invented) signed by ``manifest_key`` (the API's key for a
    dossier; the audit key ``public_key`` for an export of the command line), each event's hash from its own
    content, each stream's chain from version 1 to the manifest's last version, each Merkle path against its
    checkpoint's signed root, and each checkpoint's signature by ``public_key``."""
    try:
        return _verify_export(data, public_key, manifest_key or public_key)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        return {"holds": False, "problem": f"malformed export: {type(e).__name__}: {e}"}


def _verify_export(data: Mapping[str, Any], public_key: str, manifest_key: str) -> dict[str, Any]:
    if data.get("format") != EXPORT_FORMAT:
        return {"holds": False, "problem": f"not a {EXPORT_FORMAT} file"}
    manifest = data["manifest"]
    if not check(canonical_bytes(manifest), data["manifest_signature"], manifest_key):
        return {"holds": False, "problem": "the manifest's signature does not verify with this key"}
    if manifest["events"] != len(data["events"]):
        return {
            "holds": False,
            "problem": f"the manifest lists {manifest['events']} events, the file holds {len(data['events'])}",
        }
    by_number = {cp["number"]: cp for cp in data.get("checkpoints", [])}
    for cp in by_number.values():
        body = audit.signed_statement(cp)
        if not check(body, cp["signature"], public_key):
            return {"holds": False, "problem": f"checkpoint {cp['number']}: the signature does not verify"}
    streams: dict[str, list[Any]] = {}
    covered = masked = 0
    for ev in data["events"]:
        if ev.get("fields_masked"):
            # Shown to a reader who sees personal data masked: the content cannot be hashed again, but its hash
            # still has to link into the chain and lead to a signed root.
            recomputed = ev["hash"]
            masked += 1
        else:
            recomputed = audit_hash(ev["topic"], ev["fields"])
        if recomputed != ev["hash"]:
            return _problem(ev, "altered: the event does not match its hash")
        if "proof" in ev:
            cp = by_number.get(ev["checkpoint"])
            leaf = audit.leaf(ev["notification_id"], ev["originator_id"], ev["version"], recomputed)
            if cp is None or audit.root_from_proof(leaf, ev["proof"]) != cp["root"]:
                return _problem(ev, "its Merkle path does not lead to its checkpoint's signed root")
            covered += 1
        streams.setdefault(ev["originator_id"], []).append(_Exported(ev))
    if set(streams) != set(manifest["streams"]):
        return {"holds": False, "problem": "the streams in the file are not those the manifest lists"}
    for oid, events in streams.items():
        events.sort(key=lambda x: x.originator_version)
        _, broken = verify_stream(events, rehash=lambda x: x.recompute())
        if broken is not None:
            return {"holds": False, "problem": f"{broken.kind} at version {broken.version}", **broken.as_dict()}
        head = manifest["streams"][oid]
        if (events[-1].originator_version, events[-1].hash) != (head["last_version"], head["last_hash"]):
            return {"holds": False, "problem": f"stream {oid} does not end where the manifest says"}
    return {
        "holds": True, "streams": len(streams), "events": len(data["events"]), "checkpointed": covered,
        "content_masked": masked,  # events whose hash was taken as shown: their fields were masked for the reader
    }  # fmt: skip


def audit_hash(topic: str, fields: Mapping[str, Any]) -> str:
    return event_hash(topic, fields)


def _problem(ev: Mapping[str, Any], what: str) -> dict[str, Any]:
    where = f"{ev['originator_id']} version {ev['version']}"
    return {
        "holds": False,
        "problem": f"{where}: {what}",
        "originator_id": ev["originator_id"],
        "version": ev["version"],
    }


class _Exported:
    """An exported event in the shape :func:`verify_stream` reads."""

    def __init__(self, ev: Mapping[str, Any]) -> None:
        self.originator_id = ev["originator_id"]
        self.originator_version = ev["version"]
        self.hash = ev["hash"]
        self.prev_hash = ev["fields"].get("prev_hash", "")
        self._topic, self._fields = ev["topic"], ev["fields"]
        self._masked = bool(ev.get("fields_masked"))

    def recompute(self) -> str:
        return self.hash if self._masked else audit_hash(self._topic, self._fields)
