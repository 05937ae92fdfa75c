"""Authorisation of every endpoint that takes an id: another person's conversation, goal,
sharing choice or export is a 404 and an audit line; another tenant's ids are never found."""

from __future__ import annotations

from datetime import timedelta

import pytest
from magcore_web.api import operations
from magcore_web.testing import HOST_A as A
from magcore_web.testing import HOST_B as B

#: A valid body for each operation that takes one, so that the refusal is about the id.
BODIES = {
    "savePreparation": {"answers": {"going_well": "x"}},
    "scheduleConversation": {"on": "2026-03-10T10:00:00+01:00"},
    "writeRecord": {"summary": "s"},
    "confirmRecord": {"revision": 1},
    "addDissent": {"text": "t"},
    "raiseTopic": {"text": "t"},
    "addPrivateNote": {"text": "t"},
    "noteProgress": {"text": "t"},
    "closeGoal": {"status": "dropped"},
    "restrictProcessing": {"reason": "r"},
    "erasePerson": {"ground": "request"},
    "approveRegulation": {
        "body": "works_council",
        "reference": "r",
        "on": "2026-03-01",
        "policy_hash": "0" * 64,
    },
}
#: Operations about a cycle version: not a person's data, the same for everyone who may ask.
NOT_PERSONAL = {"getRegulation", "approveRegulation"}
ID_OPERATIONS = [op for op in operations() if op.path_params]


@pytest.fixture
def owned(api, services):
    """Anna's conversation (scheduled, in the future), goal and sharing choice."""
    started = api.post(
        "/api/v1/conversations", "anna", json={"cycle": "web-example@1", "kind": "yearly"}
    )
    cid = started.json()["id"]
    when = (services[A].clock.now() + timedelta(days=2)).isoformat()
    api.put(f"/api/v1/conversations/{cid}/schedule", "bram", json={"on": when})
    goal = api.post("/api/v1/goals", "anna", json={"title": "Cursus"}).json()["id"]
    choice = api.post(
        "/api/v1/sharing-choices",
        "anna",
        json={"to": "hanna", "what": "agreements", "purpose": "hr_overview"},
    ).json()["id"]
    return {"conversationId": cid, "goalId": goal, "choiceId": str(choice), "personId": "anna"}


def _call(client, op, ids, person):
    path = "/api/v1" + op.path
    for name in op.path_params:
        path = path.replace("{" + name + "}", ids.get(name, "web-example@1"))
    method = getattr(client, op.method.lower())
    kwargs = {"json": BODIES[op.operation_id]} if op.body is not None else {}
    return method(path, person, **kwargs)


def _denied(service, actor):
    return sum(
        1
        for line in service.store.read_audit()
        if line["actor"] == actor and line["result"] == "denied"
    )


def test_every_operation_with_an_id_is_covered_here():
    for op in ID_OPERATIONS:
        assert op.body is None or op.operation_id in BODIES, op.operation_id


@pytest.mark.parametrize(
    "op",
    [op for op in ID_OPERATIONS if op.operation_id not in NOT_PERSONAL],
    ids=lambda o: o.operation_id,
)
def test_another_persons_id_gives_404_and_an_audit_line(api, services, owned, op):
    before = _denied(services[A], "eva")
    response = _call(api, op, owned, "eva")
    assert response.status_code == 404, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "anna" not in response.text
    assert owned.get("conversationId", "") not in response.json()["detail"]
    assert _denied(services[A], "eva") > before


@pytest.mark.parametrize("op", ID_OPERATIONS, ids=lambda o: o.operation_id)
def test_another_tenants_ids_are_never_found(api, api_b, services, owned, op):
    before_a = list(services[A].store.read_audit())
    response = _call(api_b, op, owned, "anna")
    if {"conversationId", "goalId", "choiceId"} & set(op.path_params):
        assert response.status_code == 404, response.text
    # A person or cycle id names B's own person or cycle there (ids are per municipality).
    assert owned["conversationId"] not in response.text
    assert owned["goalId"] not in response.text
    # Tenant A's store was not touched: not even an audit line was written there.
    assert list(services[A].store.read_audit()) == before_a
    cid = owned["conversationId"]
    assert services[B].store.version(f"conversation:{cid}") == 0


def test_listings_of_another_tenant_hold_none_of_its_ids(api, api_b, owned):
    assert [c["id"] for c in api.get("/api/v1/conversations", "anna").json()] == [
        owned["conversationId"]
    ]
    assert api_b.get("/api/v1/conversations", "anna").json() == []
    assert api_b.get("/api/v1/goals", "anna").json() == []
    assert api_b.get("/api/v1/sharing-choices", "anna").json() == []
    assert api_b.get("/api/v1/shared-conversations", "hanna").json() == []
    export = api_b.get("/api/v1/subject-access-export", "anna").json()
    assert owned["conversationId"] not in str(export)
    assert owned["goalId"] not in str(export)


def test_a_participant_of_one_conversation_sees_not_the_next(api, owned):
    # ben is in anna's team, under the same manager: still not a participant.
    assert api.get(f"/api/v1/conversations/{owned['conversationId']}", "ben").status_code == 404
    assert api.get(f"/api/v1/conversations/{owned['conversationId']}", "bram").status_code == 200
    assert api.get(f"/api/v1/goals/{owned['goalId']}", "bram").status_code == 404


def test_starting_a_conversation_about_someone_else_reveals_nothing(api):
    response = api.post(
        "/api/v1/conversations",
        "eva",
        json={"cycle": "web-example@1", "kind": "yearly", "employee": "anna"},
    )
    assert response.status_code == 404
    assert api.get("/api/v1/conversations", "anna").json() == []


@pytest.mark.parametrize(
    "employee",
    ["bram", "nobody", "dirk"],
)
def test_starting_a_conversation_about_someone_else_tells_no_fact_about_them(api, employee):
    """Whether the person exists, has a manager or fits a kind: one 404 for someone who would
    not take part, the same as for an id nobody has."""
    response = api.post(
        "/api/v1/conversations",
        "ben",
        json={"cycle": "web-example@1", "kind": "yearly", "employee": employee},
    )
    assert response.status_code == 404, response.text
    assert response.json()["detail"] == "there is no person with this id that you may see"


#: A free check-in with the manager (a prompt after a quiet period) and a psychologist's
#: conversation without them (special category), in one cycle.
CARE = {
    "id": "care",
    "version": 1,
    "name": {"nl": "Zorg", "en": "Care"},
    "roles": [
        {
            "id": "psychologist",
            "name": {"nl": "Psycholoog", "en": "Psychologist"},
            "description": {"nl": "Luistert.", "en": "Listens."},
        }
    ],
    "kinds": [
        {
            "id": "checkin",
            "name": {"nl": "Even bijpraten", "en": "Check-in"},
            "pattern": "employee_manager",
            "cadence": {"kind": "free", "quiet_days": 90},
            "initiators": ["employee", "manager"],
            "preparers": ["employee"],
        },
        {
            "id": "psych",
            "name": {"nl": "Psycholoog", "en": "Psychologist"},
            "special_category": True,
            "parties": [
                {"role": "employee"},
                {"role": "psychologist", "membership": "other_team"},
            ],
            "cadence": {"kind": "free"},
            "initiators": ["employee"],
            "preparers": ["employee"],
        },
    ],
}


def test_a_managers_due_list_does_not_move_with_a_conversation_they_are_not_in(api, services):
    """A quiet-period prompt counts the conversations of its own kind: the day anna saw the
    psychologist (without bram) does not show as the start of her check-in's quiet period."""
    from datetime import date

    service = services[A]
    cycle = service.add_cycle(CARE)
    for body, day in (("works_council", date(2026, 1, 10)), ("executive", date(2026, 1, 20))):
        service.approve_policy(cycle, body=body, reference="C-1", on=day, actor="hr")
    path = "/api/v1/team/due-conversations?cycle=care@1&from=2026-03-02&to=2027-03-02"
    before = api.get(path, "bram").json()
    started = api.post(
        "/api/v1/conversations",
        "anna",
        json={
            "cycle": "care@1",
            "kind": "psych",
            "chosen": [{"role": "psychologist", "person": "eva"}],
        },
    )
    assert started.status_code == 201, started.text
    held = api.put(
        f"/api/v1/conversations/{started.json()['id']}/record",
        "anna",
        json={"summary": "s", "held_on": "2026-02-20"},
    )
    assert held.status_code == 200, held.text
    assert api.get(path, "bram").json() == before
    assert "2026-02-20" not in api.get("/team", "bram").text
