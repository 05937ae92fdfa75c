"""The calendar invitation (the meeting place, who else comes) goes to the participants alone,
through the gateway: a sharing choice that lets someone see that a conversation exists does
not hand them the invitation."""

from __future__ import annotations

from datetime import timedelta

from magcore_web.testing import HOST_A as A

PLACE = "Praktijk GGZ Oost, kamer 3 (bedrijfsarts)"


def _planned(api, services):
    started = api.post(
        "/api/v1/conversations", "anna", json={"cycle": "web-example@1", "kind": "yearly"}
    )
    assert started.status_code == 201, started.text
    cid = started.json()["id"]
    when = (services[A].clock.now() + timedelta(days=3)).isoformat()
    planned = api.put(
        f"/api/v1/conversations/{cid}/schedule", "bram", json={"on": when, "place": PLACE}
    )
    assert planned.is_success, planned.text
    return cid


def test_a_grantee_who_sees_the_conversation_exists_gets_no_invitation(api, services):
    cid = _planned(api, services)
    granted = api.post(
        "/api/v1/sharing-choices",
        "anna",
        json={"to": "ben", "what": "agreements", "purpose": "conversation"},
    )
    assert granted.status_code == 201, granted.text
    # ben may see that the conversation exists (a choice that opens something in it; a
    # ``goals`` choice opens nothing in a conversation and so no longer shows it)...
    assert api.get(f"/api/v1/conversations/{cid}", "ben").status_code == 200
    # ...but its invitation answers as an id that does not exist, without the place.
    refused = api.get(f"/api/v1/conversations/{cid}/invitation", "ben")
    unknown = api.get("/api/v1/conversations/no-such-id/invitation", "ben")
    assert refused.status_code == unknown.status_code == 404
    assert refused.json() == unknown.json()
    assert "GGZ" not in refused.text
    assert "bram" not in refused.text


def test_a_participant_gets_the_invitation_and_its_reaching_them_is_audited(api, services):
    cid = _planned(api, services)
    store = services[A].store
    before = len(list(store.read_audit()))
    invitation = api.get(f"/api/v1/conversations/{cid}/invitation", "anna")
    assert invitation.status_code == 200, invitation.text
    assert b"GGZ Oost" in invitation.content
    lines = list(store.read_audit())[before:]
    assert any(
        line["actor"] == "anna"
        and line["object"] == f"conversation:{cid}"
        and line["purpose"] == "notification"
        and line["result"] == "allowed"
        for line in lines
    ), lines
