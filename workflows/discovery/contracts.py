"""What the API hands the discovery channels' use cases (``domain.discovery``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

from domain.discovery.commands import ApplicationRecord
from domain.discovery.values import ApplicationRoute
from domain.registry.values import Risk
from workflows.kernel.contracts import BusinessDate, Name, ShortText, Strict, Text, VillageCode

IdNumber = Annotated[str, StringConstraints(pattern=r"^[0-9]{17}[0-9Xx]([0-9]{2}|[0-9]{4})?$")]


class ApplicationRequest(Strict):
    """农户自主申报: a household's application as the written form (《监测对象申请及承诺授权查询书》) or the call
    gives it."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"village_code": "990102101001", "applicant_name": "刘大山", "applicant_id_number": "990102196805020071",
         "route": "written", "received_on": "2024-03-04", "reported_risks": ["illness"],
         "household_number": "HH-101001-0008", "authorised": True, "comment": "户主住院，家属到村委会递交申请书"},
    ]})  # fmt: skip

    village_code: VillageCode
    applicant_name: Name
    applicant_id_number: IdNumber
    route: ApplicationRoute = Field(description="written 书面申请, hotline 咨询服务电话, app 手机应用或小程序")
    received_on: BusinessDate = Field(description="申请日期: the identification deadline counts from it")
    reported_risks: Annotated[list[Risk], Field(min_length=1, max_length=11)]
    household_number: ShortText = Field(default="", description="户编号, when the household is in the registry")
    authorised: bool = Field(default=False, description="承诺授权 signed (the authorisation to query its data)")
    comment: Text = ""

    def record(self) -> ApplicationRecord:
        return ApplicationRecord(
            village_code=self.village_code, applicant_name=self.applicant_name,
            applicant_id_number=self.applicant_id_number, route=self.route, received_on=self.received_on,
            reported_risks=list(self.reported_risks), household_number=self.household_number,
            authorised=self.authorised, comment=self.comment,
        )  # fmt: skip


class AnswerRequest(Strict):
    """The township's answer: accept (a case opens, source 农户自主申报, its clue date the application's day) or
    refuse with the reason."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"accept": True, "household_number": "HH-101001-0031"},
        {"accept": False, "reason": "经核实，该户已纳入监测对象，无需重复申请"},
    ]})  # fmt: skip

    accept: bool
    reason: Text = Field(default="", description="不予受理的理由 (required when refusing)")
    household_number: ShortText = Field(
        default="", description="户编号 for a household the application named none for (required then)"
    )
