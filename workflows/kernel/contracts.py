"""What every context's request bodies share: bounded text, names, money and business dates, strict models (unknown
fields refused) and the actor as it travels through Temporal."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from domain.kernel.actors import Actor, Role
from domain.kernel.areas import AREA_CODE_PATTERN, LEVEL_CODE_PATTERN, AreaLevel

# Free text may hold line breaks and tabs, never other control characters (NUL cannot even be stored in text).
Text = Annotated[str, StringConstraints(max_length=2000, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")]


ShortText = Annotated[str, StringConstraints(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")]


Name = Annotated[
    str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True, pattern=r"^[^\x00-\x1f\x7f]*$")
]


Money = Annotated[Decimal, Field(ge=0, le=Decimal("100000000"), max_digits=14, decimal_places=2)]


SignedMoney = Annotated[Decimal, Field(ge=-1000000, le=100000000, max_digits=14, decimal_places=2)]


# Area codes (行政区划代码) of any level, and of each level (domain.kernel.areas).
AreaCode = Annotated[str, StringConstraints(pattern=AREA_CODE_PATTERN)]
CountyCode = Annotated[str, StringConstraints(pattern=LEVEL_CODE_PATTERN[AreaLevel.COUNTY])]
TownshipCode = Annotated[str, StringConstraints(pattern=LEVEL_CODE_PATTERN[AreaLevel.TOWNSHIP])]
VillageCode = Annotated[str, StringConstraints(pattern=LEVEL_CODE_PATTERN[AreaLevel.VILLAGE])]
# Business dates and times are bounded to a sane window; the domain's own rules (not in the future, not before the
# previous step) then apply inside it.
BusinessDate = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2099, 12, 31))]


BusinessTime = Annotated[datetime, Field(ge=datetime(2000, 1, 1, tzinfo=UTC), le=datetime(2099, 12, 31, tzinfo=UTC))]


LABEL_SUFFIXES = ("_label", "_labels")


class Strict(BaseModel):
    """A request or a workflow's input: an unknown field is refused, except the Chinese labels every answer carries
    beside its codes (api/labels.py): they are read-only, so a body taken from an answer may keep them, and they are
    dropped here, never taken as input."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _labels_are_read_only(cls, data: Any) -> Any:
        if isinstance(data, dict) and any(isinstance(k, str) and k.endswith(LABEL_SUFFIXES) for k in data):
            return {k: v for k, v in data.items() if not (isinstance(k, str) and k.endswith(LABEL_SUFFIXES))}
        return data


class ActorModel(Strict):
    id: ShortText
    role: Role
    area_code: Annotated[str, StringConstraints(max_length=12)]
    name: ShortText = ""

    def to_domain(self) -> Actor:
        return Actor(id=self.id, role=self.role, area_code=self.area_code, name=self.name)
