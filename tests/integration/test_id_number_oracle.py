"""A village cadre cannot test whether, or where, a person outside their village is registered: registering a
household that lists such a person answers as if the number were free (by form and by roster import alike), and the
conflict is recorded for the county, which lists and resolves it (证件号码冲突)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.integration.conftest import OTHER_VILLAGE, VILLAGE, Stack
from tests.integration.registry_support import household
from tests.integration.test_registry_api import household_body, import_roster, rows_of

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_registering_a_person_of_another_village_answers_as_a_free_number_and_tells_the_county(
    stack: Stack,
) -> None:
    http = stack.http
    held = household("HH-ORA-001", VILLAGE, 801)
    r = await http.put(f"/households/{held.household_number}", json=household_body(held),
                       headers=stack.headers("cadre", key="o1"))  # fmt: skip
    assert r.status_code == 200, r.text

    # The other village's cadre lists the same head in a household of their own, and a fresh person in another.
    theirs = household("HH-ORA-002", OTHER_VILLAGE, 802)
    contested = replace(theirs, members=(replace(held.members[0], relation=theirs.members[0].relation),
                                         *theirs.members[1:]))  # fmt: skip
    fresh = household("HH-ORA-003", OTHER_VILLAGE, 803)
    answers = []
    for record, key in ((contested, "o2"), (fresh, "o3")):
        r = await http.put(f"/households/{record.household_number}", json=household_body(record),
                           headers=stack.headers("other_cadre", key=key))  # fmt: skip
        answers.append((r.status_code, sorted(r.json())))
    assert answers[0] == answers[1] and answers[0][0] == 200  # the same answer: nothing learnt

    # By roster import too: the same person once more, in a household of the other village.
    imported = household("HH-ORA-004", OTHER_VILLAGE, 804)
    rows = rows_of(imported)
    rows[0]["id_number"] = held.members[0].id_number
    report = await import_roster(stack, rows, who="other_cadre")
    assert report["households"]["created"] == 1 and report["errors"] == []

    # Inside the registrar's own area the conflict is refused, naming the household (nothing new is learnt).
    own = household("HH-ORA-005", VILLAGE, 805)
    own_dup = replace(own, members=(replace(held.members[0], relation=own.members[0].relation), *own.members[1:]))
    r = await http.put(f"/households/{own.household_number}", json=household_body(own_dup),
                       headers=stack.headers("cadre", key="o5"))  # fmt: skip
    assert r.status_code == 409 and "HH-ORA-001" in r.json()["detail"]

    # The county sees both conflicts; the cadres may not read the list.
    r = await http.get("/households/id-conflicts", headers=stack.headers("county"))
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert sorted((c["household_number"], c["contested_by"], c["status"]) for c in items) == [
        ("HH-ORA-001", "HH-ORA-002", "open"),
        ("HH-ORA-001", "HH-ORA-004", "open"),
    ]
    assert {c["id_number"] for c in items} == {held.members[0].id_number}
    refused = await http.get("/households/id-conflicts", headers=stack.headers("other_cadre"))
    assert refused.status_code == 403 and refused.json()["errors"][0]["rule"] == "county_or_inspector"
    masked = (await http.get("/households/id-conflicts", headers=stack.headers("inspector"))).json()["items"]
    assert held.members[0].id_number not in str(masked) and len(masked) == 2
