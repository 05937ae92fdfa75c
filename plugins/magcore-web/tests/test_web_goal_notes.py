"""Goals over the API: a progress note names only a conversation of the goal's owner, one goal
the asker may not see never hides the others, and a stored write never answers 500.

Found by a security review: a collaborator's note naming a made-up id, or another employee's
restricted conversation, closed the owner's goal to whom she shared it with, or to herself
(404 on the goal and on her whole goal list), and the collaborator's own request answered 500
"nothing was changed" while the note was kept; and a colleague naming someone as collaborator
on a goal of her own, then having her record restricted, made that person's goal list a 404.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from magcore_web.testing import HOST_A as A

from magcore.domain.goals import goal_stream

MADE_UP = "ffffffffffffffff"


def _agreed(api: Any, service: Any, employee: str) -> str:
    """A conversation of *employee* with bram, held, recorded and agreed by both."""
    started = api.post(
        "/api/v1/conversations", employee, json={"cycle": "web-example@1", "kind": "yearly"}
    )
    cid = started.json()["id"]
    when = (service.clock.now() + timedelta(days=1)).isoformat()
    assert api.put(f"/api/v1/conversations/{cid}/schedule", "bram", json={"on": when}).is_success
    service.clock.advance(timedelta(days=2))
    record = {"summary": "s", "agreements": [{"id": "a1", "text": "t", "owner": "employee"}]}
    assert api.put(f"/api/v1/conversations/{cid}/record", "bram", json=record).status_code == 200
    for person in (employee, "bram"):
        confirmed = api.post(
            f"/api/v1/conversations/{cid}/record/confirmations", person, json={"revision": 1}
        )
        assert confirmed.status_code == 201, confirmed.text
    return cid


def _denied(service: Any, actor: str, goal_id: str) -> list[dict[str, Any]]:
    return [
        line
        for line in service.store.read_audit()
        if line["actor"] == actor
        and line["object"] == goal_stream(goal_id)
        and line["result"] == "denied"
    ]


def test_a_collaborators_note_naming_another_conversation_is_refused(api, services):
    """Bram sets anna's goal with her; anna shares her goals with hanna. Bram's notes naming a
    made-up id and ben's restricted conversation (bram took part in it) are refused with the
    same 400 naming the field, nothing kept; anna, her list and hanna still read the goal."""
    service = services[A]
    cid = _agreed(api, service, "anna")
    ben = _agreed(api, service, "ben")
    body = {"title": "Presenteren", "owner": "anna", "agreed_in": cid, "collaborators": ["bram"]}
    goal_id = api.post("/api/v1/goals", "bram", json=body).json()["id"]
    api.post(
        "/api/v1/sharing-choices",
        "anna",
        json={"to": "hanna", "what": "goals", "purpose": "conversation"},
    )
    restricted = api.post(
        "/api/v1/people/ben/restrictions", "piet", json={"reason": "bezwaar", "conversation": ben}
    )
    assert restricted.is_success, restricted.text
    version = service.store.version(goal_stream(goal_id))
    answers = []
    for named in (MADE_UP, ben):
        note = api.post(
            f"/api/v1/goals/{goal_id}/progress-notes",
            "bram",
            json={"text": "ok", "conversation": named},
        )
        assert note.status_code == 400, note.text
        [error] = note.json()["errors"]
        assert (error["location"], error["code"]) == ("/conversation", "goal_conversation")
        assert "agreed in" in error["detail"]  # the rule's own words, no value sent in them
        answers.append(error["detail"].replace(named, "<id>"))
    assert answers[0] == answers[1]
    assert service.store.version(goal_stream(goal_id)) == version
    assert api.get(f"/api/v1/goals/{goal_id}", "anna").status_code == 200
    assert api.get(f"/api/v1/goals/{goal_id}", "hanna").status_code == 200
    assert [g["id"] for g in api.get("/api/v1/goals", "anna").json()] == [goal_id]
    noted = api.post(
        f"/api/v1/goals/{goal_id}/progress-notes", "bram", json={"text": "ok", "conversation": cid}
    )
    assert noted.status_code == 201, noted.text


def test_one_goal_you_may_not_see_leaves_the_rest_of_your_list(api, services):
    """Eva names anna on a goal of her own, then has her record restricted: anna's list still
    gives her own goal, leaves eva's out, and the refusal of eva's goal has its audit line."""
    service = services[A]
    mine = api.post("/api/v1/goals", "anna", json={"title": "Mijn doel"}).json()["id"]
    evas = api.post("/api/v1/goals", "eva", json={"title": "x", "collaborators": ["anna"]})
    assert evas.status_code == 201
    assert [g["id"] for g in api.get("/api/v1/goals", "anna").json()] == sorted(
        [mine, evas.json()["id"]]
    )
    assert api.post("/api/v1/people/eva/restrictions", "piet", json={"reason": "v"}).is_success
    listed = api.get("/api/v1/goals", "anna")
    assert listed.status_code == 200, listed.text
    assert [g["id"] for g in listed.json()] == [mine]
    assert _denied(service, "anna", evas.json()["id"])


def test_a_stored_write_whose_goal_you_may_no_longer_see_says_it_was_stored(
    api, services, monkeypatch
):
    """Anna's record is restricted right after her note is kept (the privacy officer meanwhile):
    the answer is a 403 saying the note was stored, never a 500 saying nothing changed."""
    service = services[A]
    goal_id = api.post("/api/v1/goals", "anna", json={"title": "Mijn doel"}).json()["id"]
    execute = service.execute_goal

    def restricted_meanwhile(command: Any) -> Any:
        execute(command)
        api.post("/api/v1/people/anna/restrictions", "piet", json={"reason": "verzoek"})
        return service.view_goal(command.goal_id, actor=command.actor)

    monkeypatch.setattr(service, "execute_goal", restricted_meanwhile)
    version = service.store.version(goal_stream(goal_id))
    note = api.post(f"/api/v1/goals/{goal_id}/progress-notes", "anna", json={"text": "ok"})
    assert note.status_code == 403, note.text
    assert "progress note was stored" in note.json()["detail"]
    assert service.store.version(goal_stream(goal_id)) == version + 1
