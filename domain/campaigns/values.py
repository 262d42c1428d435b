"""The vocabulary of the screening campaign (百日攻坚): how a household was screened and the campaign's milestones."""

from __future__ import annotations

from enum import StrEnum

from domain.kernel.labels import labelled


class ScreeningMethod(StrEnum):
    """排查方式 (glossary; the seed's 二(一): 入户 for residents, 电话/微信 for migrant households)."""

    IN_PERSON = "in_person"
    PHONE = "phone"
    WECHAT = "wechat"


class Milestone(StrEnum):
    """The seed's three phases of the 百日攻坚 campaign (seed §三)."""

    SCREENING_DONE = "screening_done"
    PROCEDURES_DONE = "procedures_done"
    SUMMARY_DONE = "summary_done"


def screening_open_command(screening_command_id: str, household_number: str) -> str:
    """The command id of the case a screening opens (its case id derives from it). It names the household, so one
    Idempotency-Key used for screenings of two households can never give them the same case."""
    return f"{screening_command_id}/open/{household_number}"


labelled(
    (ScreeningMethod.IN_PERSON, "入户"),
    (ScreeningMethod.PHONE, "电话"),
    (ScreeningMethod.WECHAT, "微信"),
    (Milestone.SCREENING_DONE, "全面排查"),
    (Milestone.PROCEDURES_DONE, "履行程序"),
    (Milestone.SUMMARY_DONE, "定期调度"),
)
