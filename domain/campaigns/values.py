"""The vocabulary of the screening campaign (百日攻坚): how a household was screened and the campaign's milestones."""

from __future__ import annotations

from domain.kernel.labels import Labelled


class ScreeningMethod(Labelled):
    """排查方式 (glossary; the seed's 二(一): 入户 for residents, 电话/微信 for migrant households)."""

    IN_PERSON = "in_person", "入户"
    PHONE = "phone", "电话"
    WECHAT = "wechat", "微信"


class Milestone(Labelled):
    """The seed's three phases of the 百日攻坚 campaign (seed §三)."""

    SCREENING_DONE = "screening_done", "全面排查"
    PROCEDURES_DONE = "procedures_done", "履行程序"
    SUMMARY_DONE = "summary_done", "定期调度"


def screening_open_command(screening_command_id: str, household_number: str) -> str:
    """The command id of the case a screening opens (its case id derives from it). It names the household, so one
    Idempotency-Key used for screenings of two households can never give them the same case."""
    return f"{screening_command_id}/open/{household_number}"
