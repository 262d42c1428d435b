"""Audit of the event store as a whole: checkpoints (a Merkle root over a range of the notification log, signed by
the caller's signer), and verification of streams, of the whole log, and of the checkpoints.

A checkpoint's leaves are, in notification order, ``sha256("leaf:" + id + ":" + aggregate + ":" + version + ":" +
event hash)``; inner nodes are ``sha256("node:" + left + right)``, an odd node last in a level is carried up as is.
What a checkpoint signs is :func:`statement`: the range, the number of events and the root, and the head of the
store's growing tree (``domain.audit.tree``: its size and root over every event so far). Removing, inserting or
changing any event of a checkpointed range changes the root; the heads let a witness that kept only an earlier one
check, by a consistency proof, that a later one extends it (the history it vouched for is unchanged).
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.utils import get_topic

from domain.audit.tree import consistency_proof, consistent, extended, frontier_root
from domain.audit.tree import node as _node
from domain.kernel.chain import (
    Break,
    ChainedAggregate,
    ChainedCreated,
    ChainedEvent,
    decoded_events,
    recomputed_hash,
    stored_hash,
    verify_stream,
)
from domain.kernel.topics import stored_as

AUDIT_LOG_ID = uuid5(UUID("6d1c2f0e-3b7a-4e58-9c41-0a2b3c4d5e06"), "audit-log")
PAGE = 500


def leaf(notification_id: int, originator_id: str, version: int, event_hash: str) -> str:
    data = f"leaf:{notification_id}:{originator_id}:{version}:{event_hash}".encode()
    return hashlib.sha256(data).hexdigest()


def merkle_root(leaves: list[str]) -> str:
    if not leaves:
        return hashlib.sha256(b"empty").hexdigest()
    level = list(leaves)
    while len(level) > 1:
        nxt = [_node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def merkle_levels(leaves: list[str]) -> list[list[str]]:
    """Every level of the tree, leaves first (built once for all the proofs of a range)."""
    levels = [list(leaves)]
    while len(levels[-1]) > 1:
        level = levels[-1]
        nxt = [_node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        levels.append(nxt)
    return levels


def proof_from_levels(levels: list[list[str]], index: int) -> list[list[str]]:
    """The audit path of leaf ``index``: [[side, sibling], …] from the leaf up ("L": the sibling is on the left)."""
    path: list[list[str]] = []
    for level in levels[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            path.append(["L" if sibling < index else "R", level[sibling]])
        index //= 2
    return path


def merkle_proof(leaves: list[str], index: int) -> list[list[str]]:
    return proof_from_levels(merkle_levels(leaves), index)


def root_from_proof(leaf_hash: str, path: list[list[str]]) -> str:
    current = leaf_hash
    for side, sibling in path:
        current = _node(sibling, current) if side == "L" else _node(current, sibling)
    return current


def statement(from_id: int, to_id: int, events: int, root: str, tree_size: int = 0, tree_root: str = "") -> bytes:
    """What a checkpoint's signature covers: its range and root, and the tree head (format 1: made before heads)."""
    body: dict[str, Any] = {"format": "dixian-checkpoint/1", "after": from_id, "through": to_id, "events": events,
                            "root": root}  # fmt: skip
    if tree_size:
        body.update(format="dixian-checkpoint/2", tree_size=tree_size, tree_root=tree_root)
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def signed_statement(cp: dict[str, Any]) -> bytes:
    """The statement of a checkpoint as recorded (or as a witness kept it)."""
    return statement(cp["after"], cp["through"], cp["events"], cp["root"], cp.get("tree_size", 0),
                     cp.get("tree_root", ""))  # fmt: skip


# A signer returns (signature hex, key id, public key hex) for the bytes it is given.
Signer = Callable[[bytes], tuple[str, str, str]]
# A checker says whether a signature (hex) of some bytes is valid for a public key (hex).
Checker = Callable[[bytes, str, str], bool]


@stored_as("domain.audit:AuditLogStarted")
class AuditLogStarted(ChainedCreated):
    def apply(self, log: AuditLog) -> None:
        log.checkpoints = []


@stored_as("domain.audit:CheckpointMade")
class CheckpointMade(ChainedEvent):
    after: int  # notification id the range starts after
    through: int  # last notification id in the range
    events: int
    root: str
    signature: str
    key_id: str
    public_key: str
    made_at: datetime
    # The tree head after this range (0 and "" in checkpoints made before heads were signed), and its frontier,
    # from which the next head and the consistency proof to it are made without reading the older events.
    tree_size: int = 0
    tree_root: str = ""
    frontier: tuple[str, ...] = ()

    def apply(self, log: AuditLog) -> None:
        log.checkpoints.append(
            {
                "number": len(log.checkpoints) + 1,
                "after": self.after,
                "through": self.through,
                "events": self.events,
                "root": self.root,
                "signature": self.signature,
                "key_id": self.key_id,
                "public_key": self.public_key,
                "made_at": self.made_at.isoformat(),
                **({"tree_size": self.tree_size, "tree_root": self.tree_root} if self.tree_size else {}),
            }
        )


@stored_as("domain.audit:AuditLog")
class AuditLog(ChainedAggregate):
    """The store's checkpoints, in order. Its own events are in the log, so each checkpoint is covered by the next."""

    checkpoints: list[dict[str, Any]]

    def __init__(self) -> None:
        """State is set by ``AuditLogStarted.apply``."""

    @classmethod
    def start(cls) -> AuditLog:
        log: AuditLog = cls._create(AuditLogStarted, id=AUDIT_LOG_ID)
        return log

    def record(self, **checkpoint: Any) -> None:
        self.trigger_event(CheckpointMade, **checkpoint)


@dataclass
class Entry:
    notification_id: int
    originator_id: str
    version: int
    event: Any  # None when the stored row cannot be decoded at all
    error: str = ""


def entries(app: Application[UUID], after: int = 0, through: int | None = None) -> Iterator[Entry]:
    """Every stored event after notification ``after`` (through ``through``), decoded, in notification order."""
    start = after
    while True:
        page = app.recorder.select_notifications(start, PAGE, stop=through, inclusive_of_start=False)
        if not page:
            return
        for n in page:
            try:
                yield Entry(n.id, str(n.originator_id), int(n.originator_version), app.mapper.to_domain_event(n))
            except Exception as e:  # a row altered past decoding (bad JSON, an unknown topic) is itself the finding
                yield Entry(n.id, str(n.originator_id), int(n.originator_version), None, type(e).__name__)
        start = page[-1].id
        if through is not None and start >= through:
            return


def entry_hash(entry: Entry) -> str:
    """An event's hash recomputed from what is stored (a fixed marker for a row that cannot be decoded)."""
    if entry.event is None:
        return "undecodable:" + entry.error
    return recomputed_hash(entry.event)


def audit_log(app: Application[UUID]) -> AuditLog | None:
    try:
        log: AuditLog = app.repository.get(AUDIT_LOG_ID)
    except AggregateNotFoundError:
        return None
    return log


def checkpoints(app: Application[UUID]) -> list[dict[str, Any]]:
    log = audit_log(app)
    return list(log.checkpoints) if log else []


def leaves_of(app: Application[UUID], after: int, through: int) -> tuple[list[str], bool]:
    """The leaves of a range (over each event's hash as recomputed from what is stored, so that a checkpoint
    vouches for content even where a chain was rewritten), and whether the range holds only audit-log events."""
    leaves, only_audit = [], True
    for e in entries(app, after, through):
        only_audit = only_audit and e.originator_id == str(AUDIT_LOG_ID)
        leaves.append(leaf(e.notification_id, e.originator_id, e.version, entry_hash(e)))
    return leaves, only_audit


def tree_before(app: Application[UUID], log: AuditLog) -> tuple[list[str], int]:
    """The frontier and size of the tree at the last checkpoint: as it recorded them, or (a store whose checkpoints
    predate tree heads, once) from every event up to it."""
    if not log.checkpoints:
        return [], 0
    return frontier_at(app, log, len(log.checkpoints))


def frontier_at(app: Application[UUID], log: AuditLog, number: int) -> tuple[list[str], int]:
    """The frontier and size of the tree at checkpoint ``number``: as its event recorded them, or recomputed from
    the events up to it (a checkpoint made before tree heads were signed)."""
    cp = log.checkpoints[number - 1]
    made = list(app.repository.event_store.get(AUDIT_LOG_ID, gt=number, lte=number + 1))  # version 1 started it
    if cp.get("tree_size") and made and isinstance(made[0], CheckpointMade) and made[0].tree_size == cp["tree_size"]:
        return list(made[0].frontier), int(cp["tree_size"])
    leaves, _ = leaves_of(app, 0, cp["through"])
    return extended([], 0, leaves)


def make_checkpoint(app: Application[UUID], sign: Signer, now: datetime) -> dict[str, Any] | None:
    """Sign a checkpoint over everything stored since the last one; None when nothing new was stored. The answer
    also carries the consistency proof from the previous tree head (for a witness, which keeps the heads)."""
    log = audit_log(app) or AuditLog.start()
    after = log.checkpoints[-1]["through"] if log.checkpoints else 0
    through = app.recorder.max_notification_id() or 0
    if through <= after:
        return None
    leaves, only_audit = leaves_of(app, after, through)
    if only_audit:
        return None  # nothing but the last checkpoint itself: it is covered with the next real change
    root = merkle_root(leaves)
    frontier, size = tree_before(app, log)
    proof = consistency_proof(size, frontier, leaves)
    frontier, tree_size = extended(frontier, size, leaves)
    tree_root = frontier_root(frontier)
    signature, key_id, public_key = sign(statement(after, through, len(leaves), root, tree_size, tree_root))
    log.record(
        after=after,
        through=through,
        events=len(leaves),
        root=root,
        signature=signature,
        key_id=key_id,
        public_key=public_key,
        made_at=now,
        tree_size=tree_size,
        tree_root=tree_root,
        frontier=tuple(frontier),
    )
    app.save(log)
    return {**log.checkpoints[-1], "consistency": {"from_size": size, "proof": proof}}


def consistency_between(app: Application[UUID], first: int, second: int) -> dict[str, Any]:
    """The proof that checkpoint ``second``'s tree extends checkpoint ``first``'s (numbers from 1), made from the
    first's frontier and the events between them. Raises LookupError for a checkpoint without a tree head."""
    log = audit_log(app)
    cps = log.checkpoints if log else []
    if not 1 <= first <= second <= len(cps):
        raise LookupError(f"checkpoints are numbered 1 to {len(cps)}, the first not after the second")
    a, b = cps[first - 1], cps[second - 1]
    if not a.get("tree_size") or not b.get("tree_size"):
        raise LookupError("a checkpoint made before tree heads were signed has no head to prove")
    leaves, _ = leaves_of(app, a["through"], b["through"])
    return {
        "first": {"number": first, "tree_size": a["tree_size"], "tree_root": a["tree_root"]},
        "second": {"number": second, "tree_size": b["tree_size"], "tree_root": b["tree_root"]},
        "proof": consistency_proof(a["tree_size"], frontier_at(app, log, first)[0] if log else [], leaves),
    }


def verify_heads(heads: list[dict[str, Any]], check: Checker, public_key: str) -> list[dict[str, Any]]:
    """What a witness checks with the heads it kept alone, in the order it received them (each checkpoint with the
    consistency proof from the head before it): every signature, and every tree extending the tree before it, one
    checkpoint number after another. A history rewritten and re-signed after the witness kept a head cannot be
    appended to it without breaking this. Returns the problems, each naming its checkpoint."""
    problems: list[dict[str, Any]] = []
    previous: dict[str, Any] | None = None
    for cp in heads:
        if not check(signed_statement(cp), str(cp.get("signature", "")), public_key):
            problems.append({**_where(cp), "why": "the signature does not verify with the configured public key"})
        if previous is not None and previous.get("tree_size") and cp.get("tree_size"):
            proof = cp.get("consistency")
            extends = (
                int(cp.get("number", 0)) == int(previous.get("number", 0)) + 1
                and isinstance(proof, dict)
                and proof.get("from_size") == previous["tree_size"]
                and consistent(
                    previous["tree_size"], previous["tree_root"], cp["tree_size"], cp["tree_root"], list(proof["proof"])
                )
            )
            if not extends:
                problems.append({**_where(cp), "why": "its tree does not extend the tree of the head before it"})
        previous = cp
    return problems


def verify_checkpoint(
    app: Application[UUID],
    checkpoint: dict[str, Any],
    check: Checker,
    public_key: str,
    leaves: list[str] | None = None,
) -> str | None:
    """Why a checkpoint does not hold against the store now (or None). ``leaves``: the range's leaves, when the
    caller has just read them."""
    if leaves is None:
        leaves, _ = leaves_of(app, checkpoint["after"], checkpoint["through"])
    if len(leaves) != checkpoint["events"]:
        return f"{checkpoint['events']} events were checkpointed in this range, {len(leaves)} are stored now"
    if merkle_root(leaves) != checkpoint["root"]:
        return "the events stored in this range do not give the checkpointed root"
    if not check(signed_statement(checkpoint), checkpoint["signature"], public_key):
        return "the signature does not verify with the configured public key"
    return None


def _snapshot_break(app: Application[UUID], oid: UUID, last_version: int) -> Break | None:
    """The latest snapshot of a stream (what reads start from) must be the state its events give."""
    if app.snapshots is None:
        return None
    snapshots = list(app.snapshots.get(oid, desc=True, limit=1))
    if not snapshots:
        return None
    snap: Any = snapshots[0]
    version = int(snap.originator_version)
    if version > last_version:
        return Break(str(oid), last_version + 1, "missing", f"a snapshot at version {version} outlives the events")
    aggregate: Any = None
    stored: Any
    for stored in app.events.get(oid, lte=version):
        aggregate = stored.mutate(aggregate)
    rebuilt = type(snap).take(aggregate).state if aggregate is not None else None
    if rebuilt != snap.state:
        return Break(str(oid), version, "altered", "the snapshot is not the state its events give")
    return None


def verify_streams(app: Application[UUID], ids: list[UUID]) -> dict[str, Any]:
    """Each listed stream's chain, from its first event, and its latest snapshot."""
    checked = 0
    for oid in ids:
        events, unreadable = decoded_events(app, oid)
        if unreadable is not None:  # named: the stream and the version of the row that cannot be decoded
            return _report(len(ids), checked + len(events), unreadable, [])
        if not events:
            return _report(len(ids), checked, Break(str(oid), 1, "missing", "no stored events"), [])
        count, broken = verify_stream(events)
        checked += count
        broken = broken or _snapshot_break(app, oid, int(events[-1].originator_version))
        if broken is not None:
            return _report(len(ids), checked, broken, [])
    return _report(len(ids), checked, None, [])


def verify_log(
    app: Application[UUID], check: Checker, public_key: str, anchors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Every stream of the store in one pass over the notification log, every stream's latest snapshot, and the
    checkpoints as the log's own events record them: contiguous from the start, each root and signature holding,
    each checkpoint kept outside the store (``anchors``) still in it. Events after the last checkpoint are counted."""
    last: dict[str, tuple[int, str]] = {}  # originator → (version, hash)
    snapshot_topics = {get_topic(cls) for cls in getattr(app, "snapshotting_intervals", None) or {}}
    snapshotted: list[str] = []
    signed: list[dict[str, Any]] = []
    checked = 0
    first: Break | None = None
    where = 0
    top = 0
    ids: list[int] = []  # every notification id, and its leaf: the checkpoints are checked from this one pass
    leaves: list[str] = []
    for entry in entries(app):
        top = entry.notification_id
        checked += 1
        rehashed = entry_hash(entry)
        ids.append(entry.notification_id)
        leaves.append(leaf(entry.notification_id, entry.originator_id, entry.version, rehashed))
        if isinstance(entry.event, CheckpointMade):  # the checkpoints as the log records them, whatever else broke
            made = entry.event
            signed.append(
                {"number": len(signed) + 1, "after": made.after, "through": made.through, "events": made.events,
                 "root": made.root, "signature": made.signature, "made_at": made.made_at.isoformat(),
                 **({"tree_size": made.tree_size, "tree_root": made.tree_root} if made.tree_size else {})}
            )  # fmt: skip
        if first is not None:
            continue
        event, oid, version = entry.event, entry.originator_id, entry.version
        prev_version, prev_hash = last.get(oid, (0, ""))
        broken: Break | None = None
        if event is None:
            broken = Break(oid, version, "altered", f"the stored event cannot be read ({entry.error})")
        elif version != prev_version + 1:
            what = f"version {prev_version + 1} is missing" if version > prev_version + 1 else "a version repeats"
            broken = Break(oid, version, "missing", what)
        elif not stored_hash(event):
            broken = Break(oid, version, "unchained", "stored before events were chained: no hash")
        elif str(getattr(event, "prev_hash", "")) != prev_hash:
            broken = Break(oid, version, "broken_link", "prev_hash is not the hash of the event before")
        elif rehashed != stored_hash(event):
            broken = Break(oid, version, "altered", "the stored event does not match its hash")
        if broken is not None:
            first, where = broken, entry.notification_id
            continue
        last[oid] = (version, stored_hash(event))
        if version == 1 and getattr(event, "originator_topic", "") in snapshot_topics:
            snapshotted.append(oid)
    problems = []
    expected_after = 0
    tree: tuple[list[str], int] = ([], 0)  # the growing tree, through each checkpoint in turn
    for cp in signed:
        if cp["after"] != expected_after:
            problems.append(
                {**_where(cp), "why": f"the checkpoints are not contiguous: expected one after {expected_after}"}
            )
        expected_after = cp["through"]
        in_range = leaves[bisect_right(ids, cp["after"]) : bisect_right(ids, cp["through"])]
        why = verify_checkpoint(app, cp, check, public_key, in_range)
        if why:
            problems.append({**_where(cp), "why": why})
        tree = extended(*tree, leaves[tree[1] : bisect_right(ids, cp["through"])])
        if cp.get("tree_size") and (tree[1], frontier_root(tree[0])) != (cp["tree_size"], cp["tree_root"]):
            problems.append({**_where(cp), "why": "the events stored through it do not give its tree head"})
    kept = {(cp["number"], cp["root"], cp["signature"]) for cp in signed}
    for anchor in anchors or []:
        if (anchor.get("number"), anchor.get("root"), anchor.get("signature")) not in kept:
            problems.append({**_where(anchor), "why": "a checkpoint signed earlier is missing from the store"})
    if first is None:
        for oid_text in snapshotted:  # only aggregates of snapshotted types can have snapshots to check
            broken = _snapshot_break(app, UUID(oid_text), last[oid_text][0])
            if broken is not None:
                first = broken
                break
    report = _report(len(last), checked, first, problems, **({"notification_id": where} if where else {}))
    report["unchecked_events"] = max(0, top - (signed[-1]["through"] if signed else 0))
    report["last_checkpoint"] = signed[-1] if signed else None
    return report


def _where(cp: dict[str, Any]) -> dict[str, Any]:
    return {"checkpoint": cp.get("number"), "after": cp.get("after"), "through": cp.get("through")}


def _report(
    streams: int, events: int, broken: Break | None, checkpoint_problems: list[dict[str, Any]], **where: Any
) -> dict[str, Any]:
    first = {**broken.as_dict(), **where} if broken else None
    return {
        "holds": broken is None and not checkpoint_problems,
        "streams": streams,
        "events_checked": events,
        "first_break": first,
        "checkpoint_problems": checkpoint_problems,
    }
