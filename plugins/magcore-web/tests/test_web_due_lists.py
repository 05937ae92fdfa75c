"""The manager's due lists (the API's and the team page's) come through magcore's gateway.

They were planned over the organisation by the web layer itself: no access decision and no
audit line, though they say who is due, who is overdue and who had no conversation. The team
page listed every due conversation of the people the manager has today, also those of a kind
the manager takes no part in (a check-up with the company doctor: its leaving the list told
the manager it was held) and those due under the person's earlier manager; the API gave a
manager the conversations due under them of people they no longer manage.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from magcore_web.identity import Principal
from magcore_web.testing import HOST_A as A
from starlette.testclient import TestClient

from magcore.access.due import DUE_LISTING, PLANNING

#: A check-up with the company doctor, yearly, without the manager (special category), next
#: to the example cycle's yearly conversation with the manager.
CHECKUP: dict[str, Any] = {
    "id": "care",
    "version": 1,
    "name": {"nl": "Zorg", "en": "Care"},
    "roles": [
        {
            "id": "company_doctor",
            "name": {"nl": "Bedrijfsarts", "en": "Company doctor"},
            "description": {"nl": "Onderzoekt.", "en": "Examines."},
        }
    ],
    "kinds": [
        {
            "id": "checkup",
            "name": {"nl": "Keuring", "en": "Check-up"},
            "special_category": True,
            "parties": [
                {"role": "employee"},
                {"role": "company_doctor", "membership": "other_team"},
            ],
            "cadence": {"kind": "per_year", "per_year": 1},
            "initiators": ["employee"],
            "preparers": ["employee"],
        }
    ],
}


def _team_page(app: Any, person: str) -> str:
    sessions = app.state.sessions
    session = sessions.sign_in(sessions.new(A), Principal(person_id=person, tenant=A))
    client = TestClient(app, base_url=f"http://{A}")
    client.headers["cookie"] = f"__Host-magcore-session={session.id}"
    page = client.get("/team")
    assert page.status_code == 200, page.text
    return page.text


def _offered(page: str) -> set[tuple[str, str, str]]:
    """(person, cycle, kind) of every "ask for a conversation" form on the team page."""
    return set(
        re.findall(
            r'name="person" value="([^"]+)">\s*<input type="hidden" name="cycle" value="([^"]+)">'
            r'\s*<input type="hidden" name="kind" value="([^"]+)">',
            page,
        )
    )


def _lines(service: Any, before: int, action: str = DUE_LISTING) -> list[Any]:
    return [x for x in service.store.read_audit(after=before) if x["action"] == action]


def test_a_kind_without_the_manager_is_never_on_their_list(web, api, services):
    """The check-up is due for the people Bram manages (the service's own planning has them;
    HR's planning list does not, a kind special-category as a whole), but Bram takes no part
    in it: neither his team page nor his API list shows it, while both show the yearly
    conversation he holds with them in the same period."""
    service = services[A]
    cycle = service.add_cycle(CHECKUP)
    for body, day in (("works_council", date(2026, 1, 10)), ("executive", date(2026, 1, 20))):
        service.approve_policy(cycle, body=body, reference="C-1", on=day, actor="hr")
    # Due, so an empty list below is the rule's doing, not a period with nothing in it.
    due = service.outstanding("gemeente", "care@1", date(2025, 1, 1), date(2027, 1, 1))
    assert {"anna", "ben", "carla"} <= {item.person for item in due}
    planned = service.due_list(
        "hanna",
        cycles=["care@1"],
        start=date(2025, 1, 1),
        end=date(2027, 1, 1),
        purpose=PLANNING,
        roles=("hr_adviser",),
    )
    assert not planned.people  # not for planning: it is about health
    offered = _offered(_team_page(web[0], "bram"))
    assert ("anna", "web-example@1", "yearly") in offered
    assert not [o for o in offered if o[1] == "care@1"], offered
    path = "/api/v1/team/due-conversations?from=2025-01-01&to=2027-01-01"
    yearly = api.get(f"{path}&cycle=web-example@1", "bram").json()
    assert ("anna", "yearly") in {(d["person"], d["kind"]) for d in yearly}
    assert api.get(f"{path}&cycle=care@1", "bram").json() == []


def test_a_conversation_due_under_another_manager_is_on_neither_list(web, api, services):
    """Eva moved from Dirk's team to Bram's on 1 February: the conversation due on 31 December
    was Dirk's to hold. Bram's list does not show it (nor whether it was held since), and Dirk,
    who no longer manages her, does not see it either."""
    service = services[A]
    service.move_person("gemeente", "eva", "burgerzaken", date(2026, 2, 1), actor="hr")
    path = "/api/v1/team/due-conversations?from=2025-01-01&to=2027-01-01"
    bram = {(d["person"], d["due"]) for d in api.get(path, "bram").json()}
    assert ("eva", "2026-12-31") in bram
    assert ("eva", "2025-12-31") not in bram
    assert not [d for d in api.get(path, "dirk").json() if d["person"] == "eva"]
    page = _team_page(web[0], "bram")
    assert ("eva", "web-example@1", "yearly") in _offered(page)
    assert not re.search(r"eva – [^<]*2025-12-31", page)
    assert re.search(r"eva – [^<]*2026-12-31", page)


def test_each_due_list_leaves_an_audit_line(web, api, services):
    service = services[A]
    before = service.store.audit_head().count
    assert api.get("/api/v1/team/due-conversations", "bram").status_code == 200
    lines = _lines(service, before)
    assert [(x["actor"], x["object"], x["result"], x["origin"]) for x in lines] == [
        ("bram", "listing:bram/due", "allowed", "web")
    ]
    before = service.store.audit_head().count
    _team_page(web[0], "bram")
    assert [x["actor"] for x in _lines(service, before)] == ["bram"]
