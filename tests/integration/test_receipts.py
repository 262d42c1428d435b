"""Every write's answer carries a signed receipt for exactly the events it wrote (registry, roster import, accounts,
as case steps do): the client keeps it, and a write removed or altered afterwards is found by checking it."""

from __future__ import annotations

from typing import Any

import pytest

from domain.registry.household import household_id
from tests.conftest import TEST_COMMAND_KEY, connect
from tests.integration.conftest import VILLAGE, Stack
from tests.integration.registry_support import CONTENT_TYPE, household, roster_bytes, rows_of
from tests.integration.test_accounts_api import ADMIN, account_body, bearer
from tests.integration.test_registry_api import household_body

pytestmark = pytest.mark.asyncio(loop_scope="session")


def claims_of(receipt: str) -> dict[str, Any]:
    from workflows.audit.service import read_receipt

    claims = read_receipt(receipt, TEST_COMMAND_KEY.public_key)
    assert claims is not None, "signed with the deployment's key"
    return claims


async def test_registry_and_account_writes_answer_with_a_receipt_for_what_they_wrote(stack: Stack) -> None:
    record = household("HH-RCP-001", VILLAGE, 901)
    r = await stack.http.put(f"/households/{record.household_number}", json=household_body(record),
                             headers=stack.headers("cadre", key="r1"))  # fmt: skip
    assert r.status_code == 200, r.text
    household_receipt = r.headers["X-Dixian-Receipt"]
    claims = claims_of(household_receipt)
    hid = str(household_id(record.household_number))
    assert [hid, 1] in [rec[:2] for rec in claims["records"]] and claims["command_id"] == "cadre-1:r1"
    assert stack.audit.check_receipt(r.headers["X-Dixian-Receipt"])["stored"] is True

    again = await stack.http.put(f"/households/{record.household_number}", json=household_body(record),
                                 headers=stack.headers("cadre", key="r1"))  # fmt: skip
    assert again.status_code == 200 and "X-Dixian-Receipt" not in again.headers  # nothing written the second time

    r = await stack.http.put("/admin/users/cadre-77", json=account_body(VILLAGE), headers=bearer(ADMIN, "r2"))
    assert r.status_code == 200 and len(claims_of(r.headers["X-Dixian-Receipt"])["records"]) == 1

    refused = await stack.http.put("/admin/users/cadre-78", json={**account_body(VILLAGE), "reason": ""},
                                   headers=bearer(ADMIN, "r3"))  # fmt: skip
    assert refused.status_code == 422 and "X-Dixian-Receipt" not in refused.headers

    account_receipt = r.headers["X-Dixian-Receipt"]

    # The host's administrator removes the household's events after they were acknowledged: the receipt tells.
    with connect(stack.es_env, autocommit=True) as conn:
        conn.execute("DELETE FROM cases_events WHERE originator_id = %s", (hid,))
    lost = stack.audit.check_receipt(household_receipt)
    assert lost["signed"] is True and lost["stored"] is False and hid in lost["problem"]
    assert stack.audit.check_receipt(account_receipt)["stored"] is True  # the account's write is untouched


async def test_a_large_import_carries_its_receipt_in_the_answer(stack: Stack) -> None:
    records = [household(f"HH-RCP-{100 + i}", VILLAGE, 910 + i, size=1) for i in range(60)]
    r = await stack.http.post(
        "/households:import", content=roster_bytes(rows_of(*records), "csv"),
        headers={**stack.headers("township"), "Content-Type": CONTENT_TYPE["csv"]},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    assert "X-Dixian-Receipt" not in r.headers  # 60 households and their claims: too many for a header
    claims = claims_of(r.json()["receipt"])
    acknowledged = {rec[0] for rec in claims["records"]}
    assert {str(household_id(h.household_number)) for h in records} <= acknowledged
    assert stack.audit.check_receipt(r.json()["receipt"])["stored"] is True
