"""A village report's sign-off (seed §三(三): 经村支书、主任审定后，上报乡乡村振兴办公室): the holders of the village's
two offices, 村党组织书记 and 村委会主任, as the administrator registered them, approve the figures they saw, then it
is submitted; new figures make a revision that names its corrections and needs both approvals again."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.accounts.commands import AccountRecord
from domain.kernel.actors import SYSTEM_ACTOR, Actor, Role
from domain.kernel.envelope import Envelope
from domain.kernel.errors import (
    NotFoundError,
    NotPermittedError,
    RuleViolationError,
    StepNotAllowedError,
    VersionConflictError,
)
from domain.ledger import Ledger
from domain.reports.village_report import Capacity, corrections

VILLAGE = "990102101001"
SECRETARY = Actor("vc-1", Role.VILLAGE_CADRE, VILLAGE, "村支书甲")
DIRECTOR = Actor("vc-2", Role.VILLAGE_CADRE, VILLAGE, "村主任乙")
TOWNSHIP = Actor("tr-1", Role.TOWNSHIP_REVIEWER, "990102101", "乡镇审核员")
CLERK = Actor("vc-3", Role.VILLAGE_CADRE, VILLAGE, "村文书丙")  # a cadre of the village holding neither office
NEIGHBOUR = Actor("vc-9", Role.VILLAGE_CADRE, "990102101002", "邻村干部")
NOW = datetime(2026, 3, 15, 9, tzinfo=UTC)
FIGURES = {"3-1": [1, 3, 0, 0, 1, 3, 0, 0], "3-2": [0] * 8, "3-3": [1, 3] + [0] * 12, "3-4": [1, 5, 20] + [0] * 10}


@pytest.fixture(autouse=True)
def offices(ledger: Ledger) -> None:
    """The administrator registers who holds the village's two offices."""
    for who, office in ((SECRETARY, "party_secretary"), (DIRECTOR, "committee_director"), (CLERK, None)):
        hold(ledger, who, (office,) if office else ())


def hold(ledger: Ledger, who: Actor, offices: tuple[str, ...], command: str = "") -> None:
    record = AccountRecord(user_id=who.id, name=who.name, role=who.role.value, area_code=who.area_code,
                           offices=offices)  # fmt: skip
    ledger.accounts.add(Envelope(SYSTEM_ACTOR, command or f"office-{who.id}", NOW), record, reason="村“两委”换届")


def draft(ledger: Ledger, figures: dict[str, list[int]] = FIGURES, command: str = "d1") -> dict[str, object]:
    return ledger.reports.draft_village_report(
        Envelope(SYSTEM_ACTOR, command, NOW), village_code=VILLAGE, first=date(2026, 3, 1), last=date(2026, 3, 14), tables=figures, cutoff=42,
        checkpoint=None, )  # fmt: skip


def approve(
    ledger: Ledger, report: dict[str, object], who: Actor, capacity: Capacity, command: str
) -> dict[str, object]:
    return ledger.reports.approve_village_report(
        Envelope(who, command, NOW), report_id=report["report_id"], capacity=capacity, content_hash=str(report["content_hash"]), )  # fmt: skip


def test_two_different_signatories_approve_then_the_village_submits(ledger: Ledger) -> None:
    report = draft(ledger)
    assert (report["status"], report["revision"]) == ("draft", 1)
    with pytest.raises(StepNotAllowedError) as early:
        ledger.reports.submit_village_report(
            Envelope(SECRETARY, "s0", NOW),
            report_id=report["report_id"],
        )  # type: ignore[arg-type]
    assert early.value.rule == "approved_before_submission"

    report = approve(ledger, report, SECRETARY, Capacity.PARTY_SECRETARY, "a1")
    assert report["status"] == "draft" and set(report["approvals"]) == {"party_secretary"}  # type: ignore[arg-type]
    for cadre in (SECRETARY, CLERK):  # the secretary is not the director, nor is the clerk
        with pytest.raises(NotPermittedError) as not_the_office:
            approve(ledger, report, cadre, Capacity.COMMITTEE_DIRECTOR, f"a2-{cadre.id}")
        assert not_the_office.value.rule == "office_holder"
    with pytest.raises(StepNotAllowedError) as twice:
        approve(ledger, report, SECRETARY, Capacity.PARTY_SECRETARY, "a3")
    assert twice.value.rule == "approved_once_per_capacity"
    with pytest.raises(NotFoundError):  # another village's cadre does not see this report
        approve(ledger, report, NEIGHBOUR, Capacity.COMMITTEE_DIRECTOR, "a4")
    with pytest.raises(NotPermittedError) as township:  # the township sees it, but the village signs
        approve(ledger, report, TOWNSHIP, Capacity.COMMITTEE_DIRECTOR, "a4")
    assert township.value.rule == "village_signs"

    report = approve(ledger, report, DIRECTOR, Capacity.COMMITTEE_DIRECTOR, "a5")
    assert report["status"] == "approved"
    assert approve(ledger, report, DIRECTOR, Capacity.COMMITTEE_DIRECTOR, "a5") == report  # the same command again
    report = ledger.reports.submit_village_report(
        Envelope(DIRECTOR, "s1", NOW),
        report_id=report["report_id"],
    )  # type: ignore[arg-type]
    assert report["status"] == "submitted" and report["submitted"]["id"] == "vc-2"  # type: ignore[index]


def test_figures_seen_before_a_change_cannot_be_approved(ledger: Ledger) -> None:
    report = draft(ledger)
    stale = dict(report, content_hash="0" * 64)
    with pytest.raises(VersionConflictError) as conflict:
        approve(ledger, stale, SECRETARY, Capacity.PARTY_SECRETARY, "a1")
    assert conflict.value.rule == "current_figures"


def test_new_figures_after_approval_make_a_revision_that_needs_both_approvals_again(ledger: Ledger) -> None:
    report = draft(ledger)
    report = approve(ledger, report, SECRETARY, Capacity.PARTY_SECRETARY, "a1")
    report = approve(ledger, report, DIRECTOR, Capacity.COMMITTEE_DIRECTOR, "a2")
    ledger.reports.submit_village_report(
        Envelope(DIRECTOR, "s1", NOW),
        report_id=report["report_id"],
    )  # type: ignore[arg-type]

    assert draft(ledger, FIGURES, command="d2")["revision"] == 1  # the same figures: nothing to revise
    later = {**FIGURES, "3-1": [2, 7, 0, 0, 1, 3, 1, 4]}
    revised = draft(ledger, later, command="d3")
    assert (revised["revision"], revised["status"], revised["approvals"]) == (2, "draft", {})
    [before] = revised["revisions"]  # type: ignore[misc]
    assert (before["revision"], before["status"], before["tables"]) == (1, "submitted", FIGURES)
    assert corrections(FIGURES, later) == {"3-1": [{"column": 0, "old": 1, "new": 2}, {"column": 1, "old": 3, "new": 7},
                                                   {"column": 6, "old": 0, "new": 1}, {"column": 7, "old": 0, "new": 4}]}  # fmt: skip
    with pytest.raises(StepNotAllowedError):
        ledger.reports.submit_village_report(
            Envelope(DIRECTOR, "s2", NOW),
            report_id=revised["report_id"],
        )  # type: ignore[arg-type]


def test_a_report_outside_the_callers_area_is_unknown_to_them(ledger: Ledger) -> None:
    report = draft(ledger)
    with pytest.raises(NotFoundError):
        ledger.reports.village_report(report["report_id"], NEIGHBOUR)  # type: ignore[arg-type]
    with pytest.raises(NotPermittedError):
        ledger.reports.draft_village_report(
            Envelope(NEIGHBOUR, "x", NOW), village_code=VILLAGE, first=date(2026, 3, 1), last=date(2026, 3, 14), tables=FIGURES, cutoff=1,
            checkpoint=None, )  # fmt: skip


def test_inspectors_read_reports_but_do_not_draft_them(ledger: Ledger) -> None:
    inspector = Actor("insp-1", Role.INSPECTOR, "990102", "督导")
    with pytest.raises(NotPermittedError) as refused:
        ledger.reports.draft_village_report(
            Envelope(inspector, "x", NOW), village_code=VILLAGE, first=date(2026, 3, 1), last=date(2026, 3, 14), tables=FIGURES, cutoff=1,
            checkpoint=None, )  # fmt: skip
    assert refused.value.rule == "report_roles"


def test_one_person_holding_both_offices_approves_in_both_capacities(ledger: Ledger) -> None:
    hold(ledger, DIRECTOR, (), "director-leaves")  # 书记、主任一肩挑: the office falls to the secretary
    hold(ledger, SECRETARY, ("party_secretary", "committee_director"), "both")
    report = draft(ledger)
    report = approve(ledger, report, SECRETARY, Capacity.PARTY_SECRETARY, "a1")
    with pytest.raises(NotPermittedError):  # no longer the director
        approve(ledger, report, DIRECTOR, Capacity.COMMITTEE_DIRECTOR, "a2")
    report = approve(ledger, report, SECRETARY, Capacity.COMMITTEE_DIRECTOR, "a3")
    assert report["status"] == "approved"
    assert {c: a["id"] for c, a in report["approvals"].items()} == {  # type: ignore[attr-defined]
        "party_secretary": "vc-1",
        "committee_director": "vc-1",
    }


def test_an_office_has_one_holder_and_falls_vacant_when_its_holder_leaves(ledger: Ledger) -> None:
    with pytest.raises(RuleViolationError) as taken:  # the director holds it: taken from them first
        hold(ledger, CLERK, ("committee_director",), "clerk-too-soon")
    assert taken.value.rule == "office_held" and ledger.accounts.office_holders(VILLAGE)["committee_director"] == "vc-2"
    admin = Envelope(Actor("ad-1", Role.ADMIN, "990102", "管理员"), "disable-director", NOW)
    ledger.accounts.disable(admin, DIRECTOR.id, reason="调离")
    assert ledger.accounts.office_holders(VILLAGE) == {"party_secretary": "vc-1"}
    hold(ledger, CLERK, ("committee_director",), "clerk-now")
    report = draft(ledger)
    with pytest.raises(NotPermittedError):
        approve(ledger, report, DIRECTOR, Capacity.COMMITTEE_DIRECTOR, "a1")
    assert approve(ledger, report, CLERK, Capacity.COMMITTEE_DIRECTOR, "a2")["approvals"]  # type: ignore[index]
    # changing an account without naming its offices keeps them; moving it to another village leaves them
    ledger.accounts.add(Envelope(SYSTEM_ACTOR, "rename", NOW), AccountRecord(
        user_id=CLERK.id, name="村文书丙（改名）", role="village_cadre", area_code=VILLAGE), reason="更正姓名")  # fmt: skip
    assert ledger.accounts.office_holders(VILLAGE)["committee_director"] == "vc-3"
    ledger.accounts.add(Envelope(SYSTEM_ACTOR, "move", NOW), AccountRecord(
        user_id=CLERK.id, name="村文书丙", role="village_cadre", area_code="990102101002"), reason="调往邻村")  # fmt: skip
    assert ledger.accounts.office_holders(VILLAGE) == {"party_secretary": "vc-1"}
    with pytest.raises(RuleViolationError) as not_a_cadre:
        hold(ledger, TOWNSHIP, ("party_secretary",), "township")
    assert not_a_cadre.value.rule == "office_role"
