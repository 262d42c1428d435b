"""An inspector reads households, staff and cases with ID numbers, phones and health details masked; the county
reads them in full. The masking covers every JSON answer, including stored events."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.kernel.actors import Actor, Role
from domain.kernel.envelope import Envelope
from domain.registry.rules import StaffRecord
from domain.registry.values import StaffIdentity
from tests.domain.support import CaseDriver
from tests.integration.conftest import VILLAGE, Stack
from tests.integration.registry_support import household

pytestmark = pytest.mark.asyncio(loop_scope="session")
TOWNSHIP = Actor("township-1", Role.TOWNSHIP_REVIEWER, "990102101", "乡镇审核员")


async def test_inspectors_see_personal_data_masked_and_the_county_in_full(stack: Stack) -> None:
    now = datetime.now(UTC)
    record = household("HH-MASK-1", VILLAGE, 61, size=2)
    stack.ledger.registry.register_household(Envelope(TOWNSHIP, "mask-reg", now), record, reason="花名册")
    stack.ledger.registry.register_staff(Envelope(TOWNSHIP, "mask-staff", now), StaffRecord("S-MASK", "网格员遮", StaffIdentity.GRID_WORKER, VILLAGE, "13912345678"),
                                reason="x")  # fmt: skip
    case = CaseDriver(stack.ledger)
    case.through("responsible_person")  # 陈帮扶, 13800000000
    await stack.caught_up()
    member = record.members[0]

    full = (await stack.http.get("/households/HH-MASK-1", headers=stack.headers("county"))).json()
    assert full["members"][0]["id_number"] == member.id_number and full["phone"] == record.phone
    seen = (await stack.http.get("/households/HH-MASK-1", headers=stack.headers("inspector"))).json()
    assert seen["members"][0]["id_number"] == member.id_number[:6] + "*" * 10 + member.id_number[-2:]
    assert seen["members"][0]["birth_date"] == member.birth_date.isoformat()[:4] + "-**-**"
    assert seen["members"][0]["health"] == "***" and seen["phone"].count("*") == len(record.phone) - 7
    assert seen["members"][0]["name"] == member.name  # names stay: a case is inspected by its household

    staff = (await stack.http.get("/staff/S-MASK", headers=stack.headers("inspector"))).json()
    assert staff["phone"] == "139****5678"
    for path in (f"/cases/{case.case_id}", f"/cases/{case.case_id}/events", f"/cases/{case.case_id}/timeline"):
        text = (await stack.http.get(path, headers=stack.headers("inspector"))).text
        assert "13800000000" not in text and "138****0000" in text, path
        assert "13800000000" in (await stack.http.get(path, headers=stack.headers("county"))).text, path
