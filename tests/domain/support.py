"""Builders for the domain tests: fixed dates, actors, and a driver that takes a case through its steps.

The happy path below runs in the seed township (policy seed-township@1: line 7100, 15 days, notice ≥ 5 days):

    clue 02-10 · visit 02-11 · cross-check 02-12 · deliberation 02-13 · notice 02-14…02-18 · closed 02-18
    · township review 02-20 · county decision 02-23 · announcement 02-24          (identification due 02-25)
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from domain.ledger import CaseLedger
from domain.policy import Policy
from domain.values import (
    SHANGHAI,
    Actor,
    Category,
    CountyDecision,
    DeliberationOutcome,
    HouseholdType,
    NoticeAction,
    NoticeOutcome,
    Risk,
    Role,
    Source,
    Step,
    TownshipDecision,
)

NOW = datetime(2026, 3, 1, 10, 0, tzinfo=SHANGHAI)
CLUE_DATE = date(2026, 2, 10)
DUE_DATE = date(2026, 2, 25)  # CLUE_DATE + 15 days

COUNTY_CODE = "990102"
TOWNSHIP_CODE = "990102101"
VILLAGE_CODE = "990102101001"
OTHER_VILLAGE_CODE = "990102101002"
RESETTLEMENT_SITE_CODE = "990102101201"

VILLAGE_CADRE = Actor(id="vc-1", role=Role.VILLAGE_CADRE, area_code=VILLAGE_CODE, name="王村干")
OTHER_VILLAGE_CADRE = Actor(id="vc-2", role=Role.VILLAGE_CADRE, area_code=OTHER_VILLAGE_CODE)
TOWNSHIP_REVIEWER = Actor(id="tr-1", role=Role.TOWNSHIP_REVIEWER, area_code=TOWNSHIP_CODE, name="李审核")
OTHER_TOWNSHIP_REVIEWER = Actor(id="tr-2", role=Role.TOWNSHIP_REVIEWER, area_code="990102102")
COUNTY_APPROVER = Actor(id="ca-1", role=Role.COUNTY_APPROVER, area_code=COUNTY_CODE, name="赵审定")
OTHER_COUNTY_APPROVER = Actor(id="ca-2", role=Role.COUNTY_APPROVER, area_code="990103")
INSPECTOR = Actor(id="in-1", role=Role.INSPECTOR, area_code=COUNTY_CODE)


def feb(day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A business time in February 2026, Asia/Shanghai."""
    return datetime(2026, 2, day, hour, minute, tzinfo=SHANGHAI)


def seed_policy(version: int = 1, **changes: Any) -> Policy:
    """A policy for the seed township; ``changes`` override the seed values."""
    values: dict[str, Any] = {
        "policy_id": "seed-township",
        "version": version,
        "jurisdiction": TOWNSHIP_CODE,
        "year": 2023,
        "effective_from": date(2023, 1, 1),
        "monitoring_line": Decimal("7100"),
        "identification_days": 15,
        "notice_min_days": 5,
        "source": "test",
    }
    values.update(changes)
    return Policy(**values)


def national_policy(version: int = 1, **changes: Any) -> Policy:
    values: dict[str, Any] = {
        "policy_id": "national",
        "version": version,
        "jurisdiction": "",
        "year": 2021,
        "effective_from": date(2021, 5, 16),
        "monitoring_line": Decimal("6000"),
        "identification_days": 15,
        "notice_min_days": 5,
        "source": "test",
    }
    values.update(changes)
    return Policy(**values)


VISIT_DEFAULTS: dict[str, Any] = {
    "visitors": ["王村干", "张网格"],
    "household_type": HouseholdType.ORDINARY,
    "household_size": 3,
    "labour_capable_members": 2,
    "per_capita_net_income": Decimal("6500"),
    "rigid_expenditure": Decimal("0"),
    "unmet_guarantees": [],
    "risks": [Risk.ILLNESS],
    "sudden_event": "",
    "authorisation_signed": True,
    "authorisation_ref": "SQ-2026-001",
}

# The steps of the happy path, in order; ``CaseDriver.through(name)`` runs them up to and including ``name``.
PATH = (
    "open",
    "visit",
    "cross_check",
    "deliberation",
    "notice",
    "close_notice",
    "township_review",
    "county_decision",
    "announcement",
)


class CaseDriver:
    """One case in a ledger, moved step by step with sensible defaults; each call returns the case view."""

    def __init__(self, ledger: CaseLedger, case_id: UUID | None = None) -> None:
        self.ledger = ledger
        self.case_id = case_id or uuid4()

    # ----- commands ---------------------------------------------------------------------------------------------

    def open(
        self,
        *,
        actor: Actor = VILLAGE_CADRE,
        command_id: str | None = None,
        now: datetime = NOW,
        village_code: str = VILLAGE_CODE,
        clue_date: date = CLUE_DATE,
        reported_risks: list[Risk] | None = None,
        household_number: str = "HH-0001",
        **extra: Any,
    ) -> dict[str, Any]:
        return self.ledger.open_case(
            case_id=self.case_id,
            command_id=command_id or f"open-{uuid4()}",
            actor=actor,
            now=now,
            household_number=household_number,
            household_head="刘某",
            village_code=village_code,
            source=Source.CADRE_SCREENING,
            clue_date=clue_date,
            reported_risks=[Risk.ILLNESS] if reported_risks is None else reported_risks,
            **extra,
        )

    def step(
        self,
        step: Step,
        payload: dict[str, Any],
        *,
        actor: Actor,
        action: NoticeAction | None = None,
        command_id: str | None = None,
        now: datetime = NOW,
        expected_version: int | None = None,
    ) -> dict[str, Any]:
        return self.ledger.take_step(
            case_id=self.case_id,
            step=step,
            action=action,
            command_id=command_id or f"{step.value}-{uuid4()}",
            actor=actor,
            now=now,
            expected_version=expected_version,
            payload=payload,
        )

    def visit(self, *, actor: Actor = VILLAGE_CADRE, occurred_at: datetime = feb(11), **kw: Any) -> dict[str, Any]:
        options = _split(kw)
        return self.step(
            Step.HOUSEHOLD_VISIT, {**VISIT_DEFAULTS, "occurred_at": occurred_at, **kw}, actor=actor, **options
        )

    def cross_check(
        self, *, actor: Actor = TOWNSHIP_REVIEWER, occurred_at: datetime = feb(12), **kw: Any
    ) -> dict[str, Any]:
        options = _split(kw)
        payload = {
            "departments": ["民政", "人社", "公安"],
            "consistent": True,
            "findings": "",
            "verified_per_capita_net_income": None,
            "occurred_at": occurred_at,
            **kw,
        }
        return self.step(Step.CROSS_CHECK, payload, actor=actor, **options)

    def deliberate(self, *, actor: Actor = VILLAGE_CADRE, occurred_at: datetime = feb(13), **kw: Any) -> dict[str, Any]:
        options = _split(kw)
        payload = {
            "participants": 12,
            "outcome": DeliberationOutcome.PASS,
            "minutes_ref": "PY-2026-01",
            "occurred_at": occurred_at,
            **kw,
        }
        return self.step(Step.VILLAGE_DELIBERATION, payload, actor=actor, **options)

    def post_notice(
        self,
        *,
        actor: Actor = VILLAGE_CADRE,
        occurred_at: datetime = feb(14),
        start_date: date = date(2026, 2, 14),
        end_date: date = date(2026, 2, 18),
        **kw: Any,
    ) -> dict[str, Any]:
        options = _split(kw)
        payload = {
            "start_date": start_date,
            "end_date": end_date,
            "location": "村委会公示栏",
            "occurred_at": occurred_at,
        }
        payload.update(kw)
        return self.step(Step.PUBLIC_NOTICE, payload, actor=actor, action=NoticeAction.POST, **options)

    def object(self, *, actor: Actor = VILLAGE_CADRE, occurred_at: datetime = feb(15), **kw: Any) -> dict[str, Any]:
        options = _split(kw)
        payload = {"objection": "该户有经营性收入未申报", "raised_by": "村民代表", "occurred_at": occurred_at, **kw}
        return self.step(Step.PUBLIC_NOTICE, payload, actor=actor, action=NoticeAction.OBJECTION, **options)

    def close_notice(
        self,
        *,
        actor: Actor = VILLAGE_CADRE,
        occurred_at: datetime = feb(19, 9),
        outcome: NoticeOutcome = NoticeOutcome.NO_OBJECTION,
        investigation: str = "",
        **kw: Any,
    ) -> dict[str, Any]:
        options = _split(kw)
        payload = {"outcome": outcome, "investigation": investigation, "occurred_at": occurred_at, **kw}
        return self.step(Step.PUBLIC_NOTICE, payload, actor=actor, action=NoticeAction.CLOSE, **options)

    def review(
        self,
        *,
        actor: Actor = TOWNSHIP_REVIEWER,
        occurred_at: datetime = feb(20),
        decision: TownshipDecision = TownshipDecision.PASS,
        reason: str = "",
        **kw: Any,
    ) -> dict[str, Any]:
        options = _split(kw)
        payload = {"decision": decision, "reason": reason, "occurred_at": occurred_at, **kw}
        return self.step(Step.TOWNSHIP_REVIEW, payload, actor=actor, **options)

    def decide(
        self,
        *,
        actor: Actor = COUNTY_APPROVER,
        occurred_at: datetime = feb(23),
        decision: CountyDecision = CountyDecision.APPROVE,
        category: Category | None = Category.MARGINAL_AT_RISK,
        reason: str = "",
        **kw: Any,
    ) -> dict[str, Any]:
        options = _split(kw)
        payload = {"decision": decision, "category": category, "reason": reason, "occurred_at": occurred_at, **kw}
        return self.step(Step.COUNTY_DECISION, payload, actor=actor, **options)

    def announce(
        self, *, actor: Actor = TOWNSHIP_REVIEWER, occurred_at: datetime = feb(24), **kw: Any
    ) -> dict[str, Any]:
        options = _split(kw)
        payload = {"location": "村委会公示栏", "occurred_at": occurred_at, **kw}
        return self.step(Step.ANNOUNCEMENT, payload, actor=actor, **options)

    def through(self, last: str, *, skip: tuple[str, ...] = (), **visit: Any) -> dict[str, Any]:
        """Run the happy path up to and including step ``last``, leaving out ``skip``; ``visit`` overrides the
        visit's fields."""
        steps = {
            "open": self.open,
            "visit": lambda: self.visit(**visit),
            "cross_check": self.cross_check,
            "deliberation": self.deliberate,
            "notice": self.post_notice,
            "close_notice": self.close_notice,
            "township_review": self.review,
            "county_decision": self.decide,
            "announcement": self.announce,
        }
        view: dict[str, Any] = {}
        for name in PATH[: PATH.index(last) + 1]:
            if name not in skip:
                view = steps[name]()
        return view

    # ----- reads ------------------------------------------------------------------------------------------------

    def view(self, now: datetime = NOW) -> dict[str, Any]:
        return self.ledger.view(self.case_id, now)

    def events(self) -> list[dict[str, Any]]:
        return self.ledger.event_records(self.case_id)

    def event_types(self) -> list[str]:
        return [e["type"] for e in self.events()]


def _split(kw: dict[str, Any]) -> dict[str, Any]:
    """Move the ledger options (not payload fields) out of ``kw``."""
    return {k: kw.pop(k) for k in ("command_id", "now", "expected_version") if k in kw}
