"""The registry's use cases, shared by the API and the command line: roster import, households, staff and the
access log's reads.

Registry records have no process to manage (no deadline, nothing to serialise beyond one aggregate's version), so
they are written through the ledger directly, exactly once per command id; a case that a screening opens goes
through its case workflow like any other (the API does that part).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from eventsourcing.utils import get_topic

from domain.kernel.actors import Actor
from domain.kernel.areas import AreaTree, contains
from domain.kernel.envelope import Envelope
from domain.kernel.errors import DomainError, DuplicateIdNumberError
from domain.kernel.permissions import check_may_import, check_may_read_id_conflicts
from domain.kernel.time import local_date
from domain.ledger import Ledger
from domain.readmodels.cases import CaseSummaryView, open_summary_view
from domain.readmodels.registry import RegistryView, open_registry_view
from domain.registry.household import IdNumberContested
from domain.registry.roster import HouseholdRows, RowError, read_roster
from domain.registry.rules import HouseholdRecord, Member, StaffRecord, normalise_id_number
from domain.registry.views import HouseholdOutcome, HouseholdView, StaffView
from workflows.registry.contracts import HouseholdRequest, StaffRequest
from workflows.registry.parallel_import import Import, NewHousehold, write_new_in_parallel
from workflows.registry.roster_files import HTTP_MAX_ROWS, MAX_BYTES, read_table

CONFLICTS_PAGE = 500
MAX_REPORTED_ERRORS = 1000  # row errors listed in an import report (errors_total counts them all)


class RegistryService:
    def __init__(self, ledger: Ledger, view: RegistryView, summaries: CaseSummaryView | None = None) -> None:
        self.ledger = ledger
        self.view = view
        self.summaries = summaries  # the case list read model, waited for with the registry's

    @classmethod
    def connect(cls, env: Mapping[str, str]) -> RegistryService:
        return cls(Ledger(env), open_registry_view(env), open_summary_view(env))

    @property
    def areas(self) -> AreaTree:
        return self.ledger.areas

    # ----- households ---------------------------------------------------------------------------------------------

    def import_roster(
        self,
        data: bytes,
        fmt: str,
        *,
        actor: Actor,
        now: datetime,
        demo: bool = False,
        reason: str = "",
        max_bytes: int = MAX_BYTES,
        max_rows: int = HTTP_MAX_ROWS,
        jobs: int = 1,
    ) -> dict[str, Any]:
        """Import a roster file: every row checked; each household written whole or not at all; the same file
        again changes nothing. Raises RosterFileError when the file cannot be read at all. ``jobs`` processes
        write a large file's new households (``parallel_import``; the command line's import)."""
        check_may_import(actor)
        digest = hashlib.sha256(data).hexdigest()
        imp = Import(digest, actor, now, reason or _import_reason(digest), demo)
        table = read_table(data, fmt, max_bytes, max_rows)
        roster = read_roster(table.headers, table.rows, local_date(now), table.first_row)
        counts = {"created": 0, "changed": 0, "unchanged": 0, "rejected": 0}
        errors: list[RowError] = list(roster.orphan_errors)
        persons = 0
        pending = [g for g in roster.households if g.record is not None]
        for group in roster.households:
            if group.record is None:
                counts["rejected"] += 1
                errors.extend(group.errors)
        # Households new to the store go in by batches, without a read each (a first import of a county); any
        # batch that meets an existing household or person falls back to the one-by-one passes below.
        pending, created = self._import_new(pending, imp, jobs)
        counts["created"] += len(created)
        persons += sum(len(g.record.members) for g in created if g.record is not None)
        # Passes until nothing more goes in: a member moving between two households of the file is claimed by the
        # second only after the first has let go, whatever their order in the file.
        while pending:
            waiting: list[tuple[HouseholdRows, DomainError]] = []
            for group in pending:
                assert group.record is not None
                try:
                    outcome = self._import_one(group, imp)
                except DuplicateIdNumberError as e:
                    waiting.append((group, e))
                    continue
                except DomainError as e:
                    counts["rejected"] += 1
                    errors.extend(_row_errors(group, e))
                    continue
                counts[outcome["result"]] += 1
                persons += len(group.record.members)
            if len(waiting) == len(pending):
                for group, refusal in waiting:
                    counts["rejected"] += 1
                    errors.extend(_row_errors(group, refusal))
                break
            pending = [group for group, _ in waiting]
        errors.sort(key=lambda e: (e.row, e.field))
        return {
            "file": {"sha256": digest, "format": fmt, "rows": roster.row_count},
            "file_errors": [e.as_dict() for e in roster.file_errors],
            "households": {"total": len(roster.households), **counts},
            "persons_accepted": persons,
            "rejected_rows": sorted({e.row for e in errors})[:MAX_REPORTED_ERRORS],
            "errors": [e.as_dict() for e in errors[:MAX_REPORTED_ERRORS]],
            "errors_total": len(errors),
            "demo": demo,
        }

    def _import_new(
        self, groups: list[HouseholdRows], imp: Import, jobs: int
    ) -> tuple[list[HouseholdRows], list[HouseholdRows]]:
        """Try the groups as new households, without a read each (a first import of a county). Returns the groups
        still to import one by one (refused by a rule, or met an existing household or person), and those created."""
        new = [NewHousehold(g.record, g.effective_on) for g in groups if g.record is not None]
        done = write_new_in_parallel(self.ledger, new, imp, jobs)
        pairs = list(zip(groups, done, strict=True))
        return [g for g, created in pairs if not created], [g for g, created in pairs if created]

    def _import_one(self, group: HouseholdRows, imp: Import) -> HouseholdOutcome:
        record = group.record
        assert record is not None
        version = self.ledger.registry.household_version(record.household_number)
        return self.ledger.registry.register_household(
            Envelope(imp.actor, imp.command_id(record, version), imp.now),
            record,
            reason=imp.reason,
            demo=imp.demo,
            effective_on=group.effective_on,
        )

    def put_household(
        self, household_number: str, body: HouseholdRequest, *, actor: Actor, command_id: str, now: datetime
    ) -> dict[str, Any]:
        """Register one household, or record what changed in it (with the reason)."""
        record = HouseholdRecord(
            household_number=household_number,
            household_type=body.household_type.value,
            village_code=body.village_code,
            address=body.address,
            phone=body.phone,
            at_resettlement_site=body.at_resettlement_site,
            members=tuple(
                Member(**{**m.model_dump(), "id_number": normalise_id_number(m.id_number)}) for m in body.members
            ),
        )
        outcome = self.ledger.registry.register_household(
            Envelope(actor, command_id, now),
            record,
            reason=body.reason,
            reason_required=True,
            effective_on=body.effective_on,
        )
        return {**outcome, "household": self.ledger.registry.household(household_number)}

    def household(self, household_number: str) -> HouseholdView:
        return self.ledger.registry.household(household_number)

    def find_household(self, household_number: str) -> HouseholdView | None:
        """The registered household of that number, or None."""
        return self.ledger.registry.find_household(household_number)

    def household_by_id_number(self, actor: Actor, id_number: str) -> tuple[str, str] | None:
        return self.ledger.registry.household_by_id_number(actor, id_number)

    def household_changes(self, household_number: str) -> list[dict[str, Any]]:
        return self.ledger.registry.household_changes(household_number)

    def households(self, area_prefixes: list[str], limit: int, offset: int) -> list[dict[str, Any]]:
        return self.view.households(area_prefixes=area_prefixes, limit=limit, offset=offset)

    def id_number_conflicts(self, actor: Actor) -> list[dict[str, Any]]:
        """The ID numbers listed by two households where either lies in the caller's area, oldest first (few:
        each is a registration that met a person registered outside the registrar's area)."""
        check_may_read_id_conflicts(actor)
        topic = get_topic(IdNumberContested)
        events: list[IdNumberContested] = []
        start = 1
        while True:
            page = self.ledger.recorder.select_notifications(start, CONFLICTS_PAGE, topics=[topic])
            for n in page:
                event = self.ledger.mapper.to_domain_event(n)
                if isinstance(event, IdNumberContested):
                    events.append(event)
            if len(page) < CONFLICTS_PAGE:
                break
            start = page[-1].id + 1
        return [
            c for c in self.ledger.registry.id_number_conflicts(events)
            if contains(actor.area_code, c["contested_by_village_code"]) or contains(actor.area_code, c["village_code"])
        ]  # fmt: skip

    # ----- access log -------------------------------------------------------------------------------------------

    def record_access(
        self, actor: Actor, *, what: str, target: str, village_code: str, purpose: str, path: str, now: datetime
    ) -> None:
        self.ledger.audit.record_access(
            actor=actor, at=now, what=what, target=target, village_code=village_code, purpose=purpose, path=path
        )

    def access(self, area_prefix: str, actor_id: str | None, target: str | None, limit: int) -> list[dict[str, Any]]:
        return self.view.access(area_prefix=area_prefix, actor_id=actor_id, target=target, limit=limit)

    # ----- staff ------------------------------------------------------------------------------------------------

    def register_staff(self, body: StaffRequest, *, actor: Actor, command_id: str, now: datetime) -> dict[str, Any]:
        record = StaffRecord(body.staff_number, body.name, body.identity, body.area_code, body.phone)
        outcome = self.ledger.registry.register_staff(
            Envelope(actor, command_id, now),
            record,
            reason=body.reason or "登记工作人员",
            effective_on=body.effective_on,
        )
        return {**outcome, "staff": self.ledger.registry.staff_member(body.staff_number)}

    def staff_member(self, staff_number: str) -> StaffView:
        return self.ledger.registry.staff_member(staff_number)

    def staff(self, area_prefixes: list[str], limit: int, offset: int) -> list[dict[str, Any]]:
        return self.view.staff(area_prefixes=area_prefixes, limit=limit, offset=offset)


def _import_reason(digest: str) -> str:
    return f"导入花名册 sha256:{digest[:12]}"


def _row_errors(group: HouseholdRows, error: DomainError) -> list[RowError]:
    """A ledger refusal as row errors: on the member's row when the error names one, else the household's first."""
    out = []
    for v in error.violations:
        member = v.get("member")
        index = int(member) if member is not None and member.isdigit() and int(member) < len(group.rows) else 0
        out.append(RowError(group.rows[index], group.household_number, v["field"], v["rule"], v["message"]))
    return out
