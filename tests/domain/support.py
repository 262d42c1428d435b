"""Builders for the domain tests: fixed dates, actors, and a driver that takes a case through its steps.

The happy path below runs in the seed township (policy seed-township@1: line 7100, 15 days, notice ≥ 5 days;
plan 10 days, measures 15 days, 25 days from the clue; elimination after 6 months, notice ≥ 7 days):

    identification (2026)
    clue 02-10 · visit 02-11 · cross-check 02-12 · deliberation 02-13 · notice 02-14…02-18 · closed 02-18
    · township review 02-20 · county decision 02-23 (identified) · announcement 02-24  (identification due 02-25)

    assistance (2026)
    responsible person 02-25 · plan 02-26 (due 03-05) · measures M1 健康帮扶 and M2 就业帮扶 implemented 02-27
    (due 03-10 from identification, 03-07 from the clue)

    elimination (2026, eligible from 08-23)
    proposal 09-01 (due 10-01) · visit 09-02 · deliberation 09-03 · notice 09-04…09-10 · closed 09-11
    · township review 09-12 · county decision 09-14 · announcement 09-15 (eliminated; look-back due 2027-03-15)

    look-back and rollback (2027)
    look-back 03-10 (unstable) · rollback request 03-12 · rollback decision 03-15

A step's ``now`` defaults to the later of NOW (2026-03-01 10:00) and its business time: it is entered when it
happens, or on NOW for the identification steps dated before it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4, uuid5

from domain.cases.steps.commands import COMMANDS
from domain.cases.values import (
    Category,
    CountyDecision,
    DeadlineKind,
    DeliberationOutcome,
    EliminationMode,
    LookBackOutcome,
    MeasureAction,
    MeasureCategory,
    MeasureStatus,
    NoticeAction,
    NoticeOutcome,
    RollbackDecision,
    Source,
    TownshipDecision,
)
from domain.kernel.actors import Actor, Role
from domain.kernel.envelope import Envelope
from domain.kernel.policy import Policy
from domain.kernel.steps import Step
from domain.kernel.time import SHANGHAI
from domain.ledger import Ledger
from domain.registry.rules import Member
from domain.registry.values import Health, HouseholdType, LabourSkill, Relation, Risk, Schooling, Sex

NOW = datetime(2026, 3, 1, 10, 0, tzinfo=SHANGHAI)
CLUE_DATE = date(2026, 2, 10)
DUE_DATE = date(2026, 2, 25)  # CLUE_DATE + 15 days
IDENTIFIED_ON = date(2026, 2, 23)  # the county decision of the happy path
PLAN_DUE = date(2026, 3, 5)  # IDENTIFIED_ON + 10 days
MEASURES_DUE = date(2026, 3, 10)  # IDENTIFIED_ON + 15 days
MEASURES_FROM_CLUE_DUE = date(2026, 3, 7)  # CLUE_DATE + 25 days
ELIGIBLE_FROM = date(2026, 8, 23)  # IDENTIFIED_ON + 6 months
PROPOSED_ON = date(2026, 9, 1)
ELIMINATION_DUE = date(2026, 10, 1)  # PROPOSED_ON + 30 days
ELIMINATED_ON = date(2026, 9, 15)
LOOK_BACK_DUE = date(2027, 3, 15)  # ELIMINATED_ON + 6 months

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
OTHER_INSPECTOR = Actor(id="in-2", role=Role.INSPECTOR, area_code="990103")


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A business time, Asia/Shanghai."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def feb(day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A business time in February 2026, Asia/Shanghai."""
    return at(2026, 2, day, hour, minute)


def mar(day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A business time in March 2026, Asia/Shanghai."""
    return at(2026, 3, day, hour, minute)


def sep(day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A business time in September 2026 (the elimination of the happy path), Asia/Shanghai."""
    return at(2026, 9, day, hour, minute)


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
    # type, size and labour: the registry's (household_members), read as of the visit
    "household_type": None,
    "household_size": None,
    "labour_capable_members": None,
    "per_capita_net_income": Decimal("6500"),
    "rigid_expenditure": Decimal("0"),
    "unmet_guarantees": [],
    "risks": [Risk.ILLNESS],
    "sudden_event": "",
    "authorisation_signed": True,
    "authorisation_ref": "SQ-2026-001",
}

PROPOSAL_DEFAULTS: dict[str, Any] = {
    "mode": EliminationMode.ASSISTED,
    "per_capita_net_income": Decimal("9000"),
    "unmet_guarantees": [],
    "unresolved_rigid_expenditure": False,
    "labour_capable_members": None,  # the registry's
    "evidence": "收入稳定超过监测范围，医疗费用已报销",
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
    "responsible_person",
    "plan",
    "measures",
    "elimination_proposal",
    "elimination_visit",
    "elimination_deliberation",
    "elimination_notice",
    "elimination_close_notice",
    "elimination_township_review",
    "elimination_county_decision",
    "elimination_announcement",
    "look_back",
    "rollback_request",
    "rollback_decision",
)
# Names for where a case stands after a part of the path.
STAGES = {
    "identified": "county_decision",
    "monitored": "announcement",
    "assisted": "measures",
    "proposed": "elimination_proposal",
    "eliminated": "elimination_announcement",
    "unstable": "look_back",
    "rollback_requested": "rollback_request",
    "rolled_back": "rollback_decision",
}


def household_members(case_id: UUID, size: int = 3, labour: int = 2, **head: Any) -> tuple[Member, ...]:
    """The household of the happy path as the registry has it: a head with a chronic illness (因病), and ``size``
    members of whom the first ``labour`` can work (the rest are children in school); ID numbers unique per case."""
    from domain.registry.rules import id_check_character

    out = []
    for i in range(size):
        # each person their own: region, birth date and serial drawn from the case id (no two households share one)
        k = int(uuid5(case_id, str(i)).hex[:15], 16)
        birth = date((1950 + k % 40) if i < labour else (2010 + k % 8), 1 + k // 40 % 12, 1 + k // 480 % 28)
        first17 = f"{1 + k // 13440 % 9}{k // 120960 % 100000:05d}{birth:%Y%m%d}{k // 12096000000 % 1000:03d}"
        values: dict[str, Any] = {
            "name": f"成员{i}",
            "id_number": first17 + id_check_character(first17),
            "relation": Relation.HEAD if i == 0 else Relation.CHILD if i >= labour else Relation.SPOUSE,
            "sex": Sex.MALE if i % 2 == 0 else Sex.FEMALE,
            "birth_date": birth,
            "health": Health.CHRONIC_ILLNESS if i == 0 else Health.HEALTHY,
            "labour_skill": LabourSkill.ORDINARY if i < labour else LabourSkill.NONE,
            "schooling": Schooling.NOT_IN_SCHOOL if i < labour else Schooling.PRIMARY,
        }
        if i == 0:
            values.update(head)
        out.append(Member(**values))
    return tuple(out)


def changed_labour(case_id: UUID, labour: int, size: int = 3) -> tuple[Member, ...]:
    """The same people as ``household_members(case_id)`` (the first ``size`` of them), of whom only the first
    ``labour`` can still work: the others have lost their labour capacity (丧失劳动力)."""
    members = household_members(case_id, max(size, 3), 2)[:size]
    able = [m for m in members if m.labour_capable][labour:]
    return tuple(replace(m, labour_skill=LabourSkill.LOST) if m in able else m for m in members)


class CaseDriver:
    """One case in a ledger, moved step by step with sensible defaults; each call returns the case view."""

    def __init__(self, ledger: Ledger, case_id: UUID | None = None) -> None:
        self.ledger = ledger
        self.case_id = case_id or uuid4()
        self.typed: dict[str, Any] = {}  # the figures a visit types for a household not in the registry

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
        household_number: str | None = None,
        members: tuple[Member, ...] | None = None,
        registered: bool = True,
        source: Source = Source.CADRE_SCREENING,
        household_type: HouseholdType | None = None,
        household_size: int = 3,
        labour_capable_members: int = 2,
        **extra: Any,
    ) -> dict[str, Any]:
        """Open the case; by default of a household registered first (``members``, or ``household_members`` of the
        size, labour and type given), as a cadre's screening requires."""
        number = f"HH-{self.case_id.hex[:8]}" if household_number is None else household_number
        if not registered:
            self.typed = {"household_type": household_type or HouseholdType.ORDINARY,
                          "household_size": household_size, "labour_capable_members": labour_capable_members}  # fmt: skip
        if registered and number.strip() and not self.ledger.registry.household_version(number.strip()):
            kind = {"household_type": HouseholdType(household_type).value} if household_type else {}
            members = members or household_members(self.case_id, household_size, labour_capable_members)
            site = {"at_resettlement_site": village_code == RESETTLEMENT_SITE_CODE}
            self.register(number.strip(), members, village_code=village_code, **kind, **site)
        head = extra.pop("household_head", "" if registered else "刘某")
        return self.ledger.cases.open_case(
            Envelope(actor, command_id or f"open-{uuid4()}", now),
            **extra,
            case_id=self.case_id,
            household_number=number,
            household_head=head,
            village_code=village_code,
            source=source,
            clue_date=clue_date,
            reported_risks=[Risk.ILLNESS] if reported_risks is None else reported_risks,
        )

    def register(
        self,
        number: str | None = None,
        members: tuple[Member, ...] | None = None,
        *,
        village_code: str = VILLAGE_CODE,
        now: datetime = NOW,
        reason: str = "",
        effective_on: date | None = None,
        **kw: Any,
    ) -> dict[str, Any]:
        """Register the case's household (or record what changed in it) with ``members``, holding from
        ``effective_on`` (the day recorded when None)."""
        from tests.domain.registry_support import household

        number = number or f"HH-{self.case_id.hex[:8]}"
        record = household(number, members or household_members(self.case_id), village_code=village_code, **kw)
        registrar = Actor(id="reg-1", role=Role.VILLAGE_CADRE, area_code=village_code, name="登记员")
        envelope = Envelope(registrar, f"register-{uuid4()}", now)
        return dict(
            self.ledger.registry.register_household(
                envelope, record, reason=reason or "立案前登记", effective_on=effective_on
            )
        )

    def step(
        self,
        step: Step,
        payload: dict[str, Any],
        *,
        actor: Actor,
        action: str | None = None,
        command_id: str | None = None,
        now: datetime | None = None,
        expected_version: int | None = None,
    ) -> dict[str, Any]:
        """Take a step: ``payload`` is its command's fields and its ``occurred_at``; ``now`` defaults to the later of
        NOW and the step's business time."""
        fields = dict(payload)
        occurred_at = fields.pop("occurred_at", None)
        if now is None:
            now = max(NOW, occurred_at) if isinstance(occurred_at, datetime) and occurred_at.tzinfo else NOW
        envelope = Envelope(actor, command_id or f"{step.value}-{uuid4()}", now, occurred_at)
        command = COMMANDS[(step, action)](**fields)
        return self.ledger.cases.take_step(envelope, self.case_id, command, expected_version)

    # ----- identification (and the village-to-county steps shared with elimination) -----------------------------

    def visit(self, *, actor: Actor = VILLAGE_CADRE, occurred_at: datetime = feb(11), **kw: Any) -> dict[str, Any]:
        options = _split(kw)
        return self.step(
            Step.HOUSEHOLD_VISIT,
            {**VISIT_DEFAULTS, **self.typed, "occurred_at": occurred_at, **kw},
            actor=actor,
            **options,
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

    # ----- assistance -------------------------------------------------------------------------------------------

    def assign(
        self,
        *,
        actor: Actor = TOWNSHIP_REVIEWER,
        occurred_at: datetime = feb(25),
        start_date: date = date(2026, 2, 25),
        **kw: Any,
    ) -> dict[str, Any]:
        """帮扶责任人."""
        options = _split(kw)
        payload = {
            "name": "陈帮扶",
            "unit": "县农业农村局",
            "phone": "13800000000",
            "start_date": start_date,
            "occurred_at": occurred_at,
            **kw,
        }
        return self.step(Step.RESPONSIBLE_PERSON, payload, actor=actor, **options)

    def plan(self, *, actor: Actor = VILLAGE_CADRE, occurred_at: datetime = feb(26), **kw: Any) -> dict[str, Any]:
        """帮扶计划."""
        options = _split(kw)
        payload = {
            "summary": "医疗救助报销，安排外出务工",
            "planned_categories": [MeasureCategory.HEALTH, MeasureCategory.EMPLOYMENT],
            "occurred_at": occurred_at,
            **kw,
        }
        return self.step(Step.ASSISTANCE_PLAN, payload, actor=actor, **options)

    def add_measure(
        self,
        category: MeasureCategory = MeasureCategory.HEALTH,
        *,
        actor: Actor = VILLAGE_CADRE,
        occurred_at: datetime = feb(27),
        status: MeasureStatus = MeasureStatus.IMPLEMENTED,
        start_date: date = date(2026, 2, 27),
        targets: list[Risk] | None = None,
        **kw: Any,
    ) -> dict[str, Any]:
        """A measure of ``category``; implemented by default."""
        options = _split(kw)
        payload = {
            "category": category,
            "sub_item": "其他",
            "start_date": start_date,
            "responsible_unit": "乡卫生院",
            "funds": Decimal("1200"),
            "status": status,
            "targets": [] if targets is None else targets,
            "occurred_at": occurred_at,
            **kw,
        }
        return self.step(Step.MEASURES, payload, actor=actor, action=MeasureAction.ADD, **options)

    def change_measure(
        self, measure_id: str = "M1", *, actor: Actor = VILLAGE_CADRE, occurred_at: datetime = feb(28), **kw: Any
    ) -> dict[str, Any]:
        """Re-plan a measure; every field left out of ``kw`` is unchanged (None)."""
        options = _split(kw)
        payload = {
            "measure_id": measure_id,
            "sub_item": None,
            "start_date": None,
            "responsible_unit": None,
            "funds": None,
            "occurred_at": occurred_at,
            **kw,
        }
        return self.step(Step.MEASURES, payload, actor=actor, action=MeasureAction.CHANGE, **options)

    def implement_measure(
        self, measure_id: str = "M1", *, actor: Actor = VILLAGE_CADRE, occurred_at: datetime = feb(28), **kw: Any
    ) -> dict[str, Any]:
        options = _split(kw)
        payload = {"measure_id": measure_id, "occurred_at": occurred_at, **kw}
        return self.step(Step.MEASURES, payload, actor=actor, action=MeasureAction.IMPLEMENT, **options)

    def end_measure(
        self,
        measure_id: str = "M1",
        *,
        actor: Actor = VILLAGE_CADRE,
        occurred_at: datetime = feb(28),
        reason: str = "项目到期",
        **kw: Any,
    ) -> dict[str, Any]:
        options = _split(kw)
        payload = {"measure_id": measure_id, "reason": reason, "occurred_at": occurred_at, **kw}
        return self.step(Step.MEASURES, payload, actor=actor, action=MeasureAction.END, **options)

    def measures(self) -> dict[str, Any]:
        """The happy path's measures: M1 健康帮扶 for 因病 and M2 就业帮扶 (development), both implemented 02-27."""
        self.add_measure(MeasureCategory.HEALTH, targets=[Risk.ILLNESS])
        return self.add_measure(MeasureCategory.EMPLOYMENT, sub_item="劳务输出", responsible_unit="乡人社所")

    def review_assistance(
        self,
        findings: list[dict[str, Any]] | None = None,
        *,
        actor: Actor = TOWNSHIP_REVIEWER,
        occurred_at: datetime = mar(10),
        **kw: Any,
    ) -> dict[str, Any]:
        """帮扶核查; one 不精准 finding found on 03-10 by default."""
        options = _split(kw)
        if findings is None:
            findings = [finding()]
        payload = {"findings": findings, "occurred_at": occurred_at, **kw}
        return self.step(Step.REVIEW, payload, actor=actor, **options)

    def rectify(
        self,
        finding_id: str = "F1",
        measure_ids: list[str] | None = None,
        *,
        actor: Actor = VILLAGE_CADRE,
        occurred_at: datetime = mar(12),
        **kw: Any,
    ) -> dict[str, Any]:
        options = _split(kw)
        payload = {
            "finding_id": finding_id,
            "description": "新增公益岗位",
            "measure_ids": ["M3"] if measure_ids is None else measure_ids,
            "occurred_at": occurred_at,
            **kw,
        }
        return self.step(Step.RECTIFICATION, payload, actor=actor, **options)

    # ----- elimination, look-back, rollback ---------------------------------------------------------------------

    def propose(self, *, actor: Actor = VILLAGE_CADRE, occurred_at: datetime = sep(1), **kw: Any) -> dict[str, Any]:
        """风险消除申请 (the ledger adds the policy registry)."""
        options = _split(kw)
        labour = {k: v for k, v in self.typed.items() if k == "labour_capable_members"}
        payload = {**PROPOSAL_DEFAULTS, **labour, "occurred_at": occurred_at, **kw}
        return self.step(Step.ELIMINATION_PROPOSAL, payload, actor=actor, **options)

    def elimination_visit(
        self, *, actor: Actor = TOWNSHIP_REVIEWER, occurred_at: datetime = sep(2), **kw: Any
    ) -> dict[str, Any]:
        options = _split(kw)
        payload = {
            "verifiers": ["李审核", "王村干"],
            "information_form_ref": "XC-2026-001",
            "measures_form_ref": "CS-2026-001",
            "assessment_form_ref": "PG-2026-001",
            "occurred_at": occurred_at,
            **kw,
        }
        return self.step(Step.ELIMINATION_VISIT, payload, actor=actor, **options)

    def look_back(
        self,
        *,
        actor: Actor = VILLAGE_CADRE,
        occurred_at: datetime = at(2027, 3, 10),
        outcome: LookBackOutcome = LookBackOutcome.UNSTABLE,
        new_risks: list[Risk] | None = None,
        **kw: Any,
    ) -> dict[str, Any]:
        """回头看; unstable by default (the ledger fills ``new_case_id``)."""
        options = _split(kw)
        payload = {
            "outcome": outcome,
            "evidence": "务工中断，收入下降",
            "per_capita_net_income": Decimal("7000"),
            "unmet_guarantees": [],
            "new_risks": [] if new_risks is None else new_risks,
            "occurred_at": occurred_at,
            **kw,
        }
        return self.step(Step.LOOK_BACK, payload, actor=actor, **options)

    def request_rollback(
        self, *, actor: Actor = TOWNSHIP_REVIEWER, occurred_at: datetime = at(2027, 3, 12), **kw: Any
    ) -> dict[str, Any]:
        options = _split(kw)
        payload = {
            "reason": "务工收入不稳定",
            "evidence": "回头看记录",
            "document_ref": "玉坪乡〔2027〕3号",
            "occurred_at": occurred_at,
            **kw,
        }
        return self.step(Step.ROLLBACK_REQUEST, payload, actor=actor, **options)

    def decide_rollback(
        self,
        *,
        actor: Actor = COUNTY_APPROVER,
        occurred_at: datetime = at(2027, 3, 15),
        decision: RollbackDecision = RollbackDecision.APPROVE,
        reason: str = "",
        **kw: Any,
    ) -> dict[str, Any]:
        options = _split(kw)
        payload = {"decision": decision, "reason": reason, "occurred_at": occurred_at, **kw}
        return self.step(Step.ROLLBACK_DECISION, payload, actor=actor, **options)

    def eliminate(self, start: datetime = sep(1)) -> dict[str, Any]:
        """The whole elimination procedure on consecutive days from ``start`` (proposal) to the announcement 14
        days later, with the 7-day notice of the seed policy."""
        day = start.date()

        def on(offset: int, hour: int = 10) -> datetime:
            return datetime.combine(day, datetime.min.time(), tzinfo=SHANGHAI).replace(hour=hour) + timedelta(
                days=offset
            )

        self.propose(occurred_at=on(0))
        self.elimination_visit(occurred_at=on(1))
        self.deliberate(occurred_at=on(2))
        self.post_notice(occurred_at=on(3), start_date=on(3).date(), end_date=on(9).date())
        self.close_notice(occurred_at=on(10, 9))
        self.review(occurred_at=on(11))
        self.decide(occurred_at=on(13))
        return self.announce(occurred_at=on(14))

    def through(self, last: str, *, skip: tuple[str, ...] = (), **visit: Any) -> dict[str, Any]:
        """Run the happy path up to and including step ``last`` (a name of PATH or of STAGES), leaving out
        ``skip``; ``visit`` overrides the visit's fields."""
        last = STAGES.get(last, last)
        # the household's type, size and labour are the registry's: registered so, and read by the visit
        household = {k: visit.pop(k) for k in ("household_type", "household_size", "labour_capable_members")
                     if k in visit}  # fmt: skip
        steps: dict[str, Callable[[], dict[str, Any]]] = {
            "open": lambda: self.open(**household),
            "visit": lambda: self.visit(**visit),
            "cross_check": self.cross_check,
            "deliberation": self.deliberate,
            "notice": self.post_notice,
            "close_notice": self.close_notice,
            "township_review": self.review,
            "county_decision": self.decide,
            "announcement": self.announce,
            "responsible_person": self.assign,
            "plan": self.plan,
            "measures": self.measures,
            "elimination_proposal": self.propose,
            "elimination_visit": self.elimination_visit,
            "elimination_deliberation": lambda: self.deliberate(occurred_at=sep(3), minutes_ref="PY-2026-09"),
            "elimination_notice": lambda: self.post_notice(
                occurred_at=sep(4), start_date=date(2026, 9, 4), end_date=date(2026, 9, 10)
            ),
            "elimination_close_notice": lambda: self.close_notice(occurred_at=sep(11, 9)),
            "elimination_township_review": lambda: self.review(occurred_at=sep(12)),
            "elimination_county_decision": lambda: self.decide(occurred_at=sep(14)),
            "elimination_announcement": lambda: self.announce(occurred_at=sep(15)),
            "look_back": self.look_back,
            "rollback_request": self.request_rollback,
            "rollback_decision": self.decide_rollback,
        }
        view: dict[str, Any] = {}
        for name in PATH[: PATH.index(last) + 1]:
            if name not in skip:
                view = steps[name]()
        return view

    # ----- reads ------------------------------------------------------------------------------------------------

    def view(self, now: datetime = NOW) -> dict[str, Any]:
        return self.ledger.cases.view(self.case_id, now)

    def events(self) -> list[dict[str, Any]]:
        return self.ledger.cases.event_records(self.case_id)

    def event_types(self) -> list[str]:
        return [e["type"] for e in self.events()]

    def record_missed(self, kind: DeadlineKind, due_date: date, now: datetime) -> dict[str, Any]:
        """The deadline timer firing: DeadlineMissed if ``kind`` due ``due_date`` is still unmet at ``now``."""
        return self.ledger.cases.record_deadline_missed(case_id=self.case_id, kind=kind, due_date=due_date, now=now)


def finding(
    kind: str = "not_precise", found_on: date = date(2026, 3, 10), description: str = "措施与风险不匹配"
) -> dict[str, Any]:
    """A review finding as the review step takes it."""
    return {"kind": kind, "found_on": found_on, "description": description}


def deadline(view: dict[str, Any], kind: DeadlineKind | str) -> dict[str, Any]:
    """The one deadline of ``kind`` in a case view."""
    [found] = [d for d in view["deadlines"] if d["kind"] == str(kind)]
    return found


def deadline_kinds(view: dict[str, Any]) -> list[str]:
    return [d["kind"] for d in view["deadlines"]]


def allowed(view: dict[str, Any]) -> dict[str, list[str]]:
    """The allowed steps of a view, by step, with their actions."""
    return {a["step"]: a["actions"] for a in view["allowed_steps"]}


def derived_rules(view: dict[str, Any]) -> list[str]:
    """The rules of the findings the case derives from its events."""
    return [f["rule"] for f in view["derived_findings"]]


def _split(kw: dict[str, Any]) -> dict[str, Any]:
    """Move the ledger options (not payload fields) out of ``kw``."""
    return {k: kw.pop(k) for k in ("command_id", "now", "expected_version") if k in kw}
