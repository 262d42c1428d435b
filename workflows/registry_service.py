"""The registry's use cases, shared by the API and the command line: roster import, staff, screenings, campaigns and
the campaign's read-side questions (coverage, the unscreened list, 应纳未纳).

Registry records have no process to manage (no deadline, nothing to serialise beyond one aggregate's version), so
they are written through the ledger directly, exactly once per command id; a case that a screening opens goes
through its case workflow like any other (the API does that part).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from domain.campaigns.rules import default_milestones
from domain.campaigns.screening import ScreeningFindings
from domain.campaigns.values import Milestone
from domain.kernel.actors import Actor
from domain.kernel.areas import AreaTree
from domain.kernel.errors import DomainError, DuplicateIdNumberError, NotFoundError
from domain.kernel.time import local_date
from domain.ledger import Ledger
from domain.readmodels.cases import CaseSummaryProjection, CaseSummaryView, open_summary_view
from domain.readmodels.registry import RegistryProjection, RegistryView, open_registry_view
from domain.readmodels.schema import last_position_of
from domain.registry.roster import HouseholdRows, RowError, read_roster
from domain.registry.rules import HouseholdRecord, Member, StaffRecord, check_may_import, normalise_id_number
from workflows.registry_contracts import CampaignRequest, HouseholdRequest, ScreeningRequest, StaffRequest
from workflows.roster_files import HTTP_MAX_ROWS, MAX_BYTES, read_table

UNSCREENED_LIMIT = 5000
MAX_REPORTED_ERRORS = 1000  # row errors listed in an import report (errors_total counts them all)
IMPORT_BATCH = 100  # new households written per transaction by an import (a refused batch goes one by one)
MILESTONE_LIST_LIMIT = 2000  # household numbers listed per village in a MilestonePassed event (a county is 200k)


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
    ) -> dict[str, Any]:
        """Import a roster file: every row checked; each household written whole or not at all; the same file
        again changes nothing. Raises RosterFileError when the file cannot be read at all."""
        check_may_import(actor)
        digest = hashlib.sha256(data).hexdigest()
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
        pending, created = self._import_new(pending, digest, actor, now, reason, demo)
        counts["created"] += len(created)
        persons += sum(len(g.record.members) for g in created if g.record is not None)
        # Passes until nothing more goes in: a member moving between two households of the file is claimed by the
        # second only after the first has let go, whatever their order in the file.
        while pending:
            waiting: list[tuple[HouseholdRows, DomainError]] = []
            for group in pending:
                assert group.record is not None
                try:
                    outcome = self._import_one(group.record, digest, actor, now, reason, demo)
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
        self, groups: list[HouseholdRows], digest: str, actor: Actor, now: datetime, reason: str, demo: bool
    ) -> tuple[list[HouseholdRows], list[HouseholdRows]]:
        """Try the groups that pass every rule as new households, IMPORT_BATCH per transaction. Returns the groups
        still to import one by one, and those created."""
        rest: list[HouseholdRows] = []
        valid: list[HouseholdRows] = []
        for group in groups:
            assert group.record is not None
            try:
                self.ledger.registry.check_household(group.record, actor, local_date(now))
            except DomainError:
                rest.append(group)  # the one-by-one path reports it
                continue
            valid.append(group)
        created: list[HouseholdRows] = []
        for start in range(0, len(valid), IMPORT_BATCH):
            chunk = valid[start : start + IMPORT_BATCH]
            batch = [(g.record, self._import_command(g.record, digest, actor, 0)) for g in chunk if g.record]
            done = self.ledger.registry.register_new_households(
                batch, actor=actor, now=now, reason=reason or _import_reason(digest), demo=demo
            )
            (created if done else rest).extend(chunk)
        return rest, created

    @staticmethod
    def _import_command(record: HouseholdRecord, digest: str, actor: Actor, version: int) -> str:
        return f"{actor.id}:import:{digest[:32]}:{record.household_number}:v{version}"

    def _import_one(
        self, record: HouseholdRecord, digest: str, actor: Actor, now: datetime, reason: str, demo: bool
    ) -> dict[str, Any]:
        # The command is this file's row set applied to this version of the household: a retry after a crash is
        # answered from the store, and the same file after a later change applies again (import = "as in the file").
        version = self.ledger.registry.household_version(record.household_number)
        return self.ledger.registry.register_household(
            record,
            actor=actor,
            command_id=self._import_command(record, digest, actor, version),
            now=now,
            reason=reason or _import_reason(digest),
            demo=demo,
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
            record, actor=actor, command_id=command_id, now=now, reason=body.reason, reason_required=True
        )
        return {**outcome, "household": self.ledger.registry.household(household_number)}

    def household(self, household_number: str) -> dict[str, Any]:
        return self.ledger.registry.household(household_number)

    def households(self, area_prefixes: list[str], limit: int, offset: int) -> list[dict[str, Any]]:
        return self.view.households(area_prefixes=area_prefixes, limit=limit, offset=offset)

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
            record, actor=actor, command_id=command_id, now=now, reason=body.reason or "登记工作人员"
        )
        return {**outcome, "staff": self.ledger.registry.staff_member(body.staff_number)}

    def staff_member(self, staff_number: str) -> dict[str, Any]:
        return self.ledger.registry.staff_member(staff_number)

    def staff(self, area_prefixes: list[str], limit: int, offset: int) -> list[dict[str, Any]]:
        return self.view.staff(area_prefixes=area_prefixes, limit=limit, offset=offset)

    # ----- screening --------------------------------------------------------------------------------------------

    def record_screening(
        self, household_number: str, body: ScreeningRequest, *, actor: Actor, command_id: str, now: datetime
    ) -> dict[str, Any]:
        f = body.findings
        findings = ScreeningFindings(
            wage_income=f.wage_income,
            business_income=f.business_income,
            property_income=f.property_income,
            transfer_income=f.transfer_income,
            production_costs=f.production_costs,
            housing_unsafe=f.housing_unsafe,
            child_out_of_school=f.child_out_of_school,
            member_uninsured=f.member_uninsured,
            water_unsafe=f.water_unsafe,
            medical_expenditure=f.medical_expenditure,
            schooling_expenditure=f.schooling_expenditure,
            risks=tuple(f.risks),
            newly_applied_dibao=f.newly_applied_dibao,
            severe_covid_impact=f.severe_covid_impact,
        )
        return self.ledger.campaigns.record_screening(
            household_number=household_number,
            campaign_id=body.campaign_id,
            screened_on=body.screened_on,
            method=body.method,
            screener=body.screener,
            findings=findings,
            comment=body.comment,
            actor=actor,
            command_id=command_id,
            now=now,
        )

    def not_monitored(self, area_prefixes: list[str], limit: int) -> list[dict[str, Any]]:
        return self.view.not_monitored(area_prefixes=area_prefixes, limit=limit)

    # ----- campaigns --------------------------------------------------------------------------------------------

    def start_campaign(
        self, campaign_id: UUID, body: CampaignRequest, *, actor: Actor, command_id: str, now: datetime
    ) -> dict[str, Any]:
        milestones = body.milestones or default_milestones(body.starts_on)
        return self.ledger.campaigns.start_campaign(
            campaign_id=campaign_id,
            name=body.name,
            scope=list(body.scope),
            starts_on=body.starts_on,
            milestones=dict(milestones),
            actor=actor,
            command_id=command_id,
            now=now,
        )

    def campaign(self, campaign_id: UUID) -> dict[str, Any]:
        return self.ledger.campaigns.campaign(campaign_id)

    def coverage(self, campaign_id: UUID, within: str, limit: int = UNSCREENED_LIMIT) -> dict[str, Any]:
        """全面排查 coverage of a campaign, limited to the part of its scope inside ``within`` (the caller's area)."""
        campaign = self.ledger.campaigns.campaign(campaign_id)
        prefixes = _narrow(campaign["scope"], within)
        if not prefixes:
            raise NotFoundError("no part of the campaign lies in your area", field="campaign_id", rule="exists")
        rows = self.view.coverage(campaign_id=str(campaign_id), area_prefixes=prefixes)
        totals = {k: sum(int(r[k]) for r in rows) for k in _COUNTS}
        unscreened = self.view.unscreened(campaign_id=str(campaign_id), area_prefixes=prefixes, limit=limit + 1)
        names = {a.code: a.name for a in self.ledger.areas.all()}
        return {
            "campaign_id": str(campaign_id),
            "name": campaign["name"],
            "scope": prefixes,
            "totals": totals,
            "villages": [{**r, "village_name": names.get(r["village_code"], "")} for r in rows],
            "unscreened": unscreened[:limit],
            "unscreened_truncated": len(unscreened) > limit,
        }

    def milestone_findings(self, campaign_id: UUID, milestone: Milestone, today: date) -> dict[str, Any]:
        """What was not done by a milestone: unscreened households by village (全面排查), cases still in
        identification and households at risk without a case (履行程序), and all of these for the summary."""
        campaign = self.ledger.campaigns.campaign(campaign_id)
        scope = campaign["scope"]
        unscreened = self.view.unscreened(campaign_id=str(campaign_id), area_prefixes=scope, limit=1_000_000)
        by_village: dict[str, list[str]] = {}
        counts: dict[str, int] = {}
        for h in unscreened:
            counts[h["village_code"]] = counts.get(h["village_code"], 0) + 1
            if len(by_village.get(h["village_code"], [])) < MILESTONE_LIST_LIMIT:
                by_village.setdefault(h["village_code"], []).append(h["household_number"])
        identifying = self.view.cases_in_stage(area_prefixes=scope, stage="identifying")
        not_monitored = self.view.not_monitored(area_prefixes=scope, limit=1_000_000)
        missing: dict[str, Any] = {"as_of": today.isoformat()}
        if milestone in (Milestone.SCREENING_DONE, Milestone.SUMMARY_DONE):
            missing["unscreened"] = {
                "households": len(unscreened),
                "by_village_count": counts,
                "by_village": by_village,  # at most MILESTONE_LIST_LIMIT numbers a village; the counts are whole
            }
            look_backs = campaign["look_backs"] or {"case_ids": [], "villages": {}}
            missing["look_backs_not_done"] = [
                {"case_id": c, "village_code": look_backs["villages"].get(c, "")}
                for c in look_backs["case_ids"]
                if not self._looked_back_since(UUID(c), campaign["starts_on"])
            ]
        if milestone in (Milestone.PROCEDURES_DONE, Milestone.SUMMARY_DONE):
            missing["cases_in_identification"] = [
                {"case_id": r["case_id"], "village_code": r["village_code"]} for r in identifying
            ]
            missing["not_monitored"] = [
                {"household_number": r["household_number"], "village_code": r["village_code"]} for r in not_monitored
            ]
        return missing

    def wait_for_read_models(self, timeout: float = 60.0) -> None:
        """Block until the read models have applied every event stored so far (TimeoutError otherwise: the
        activity fails and Temporal retries it), so that what a milestone records is as of now."""
        position = self.ledger.recorder.max_notification_id()
        following = ((self.view, RegistryProjection.topics), (self.summaries, CaseSummaryProjection.topics))
        for view, topics in following:
            # Each read model tracks only the events of its topics: wait for its last one up to here.
            target = last_position_of(self.ledger.recorder, topics, position) if position else 0
            if view is not None and target:
                view.wait(self.ledger.name, target, timeout=timeout)

    def _looked_back_since(self, case_id: UUID, since: str) -> bool:
        view = self.ledger.cases.view(case_id, datetime.now(UTC))
        start = date.fromisoformat(since)
        return any(local_date(lb["occurred_at"]) >= start for lb in view.get("look_backs", []))

    def eliminated_cases(self, campaign_id: UUID) -> list[dict[str, Any]]:
        campaign = self.ledger.campaigns.campaign(campaign_id)
        return self.view.cases_in_stage(area_prefixes=campaign["scope"], stage="eliminated")


_COUNTS = (
    "households",
    "persons",
    "screened_households",
    "screened_persons",
    "in_person",
    "phone",
    "wechat",
    "at_risk",
)


def _import_reason(digest: str) -> str:
    return f"导入花名册 sha256:{digest[:12]}"


def _narrow(scope: list[str], within: str) -> list[str]:
    """The parts of ``scope`` inside the area ``within``: a scope code inside it, or ``within`` itself when it lies
    inside a scope code (a village cadre sees their village of a township campaign)."""
    out = [code for code in scope if code.startswith(within)]
    out += [within for code in scope if within.startswith(code) and within != code]
    return sorted(set(out))


def _row_errors(group: HouseholdRows, error: DomainError) -> list[RowError]:
    """A ledger refusal as row errors: on the member's row when the error names one, else the household's first."""
    out = []
    for v in error.violations:
        member = v.get("member")
        index = int(member) if member is not None and member.isdigit() and int(member) < len(group.rows) else 0
        out.append(RowError(group.rows[index], group.household_number, v["field"], v["rule"], v["message"]))
    return out
