"""The privacy officer's choices on the pages: restrict, lift, erase, each through a
confirmation page with a CSRF-checked form, each written in the audit log; anyone else gets
the 404 of an unknown id and the refusal's audit line."""

from __future__ import annotations

import re

from tests.web.support import csrf_of, sign_in


def _start(client) -> str:
    page = client.get("/conversations")
    done = client.post(
        "/conversations",
        data={"csrf_token": csrf_of(page.text), "kind": "jaargesprek@1|yearly"},
        follow_redirects=False,
    )
    found = re.search(r"/conversations/([0-9a-f]+)", done.headers["location"])
    assert found is not None
    return found.group(1)


def _confirm(client, **query):
    """The confirmation page, and its form's fields."""
    page = client.get("/privacy/confirm", params=query)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.text))
    return page, fields


def _audit(app):
    tenant = next(iter(app.state.tenants))
    return [str(line) for line in tenant.service.store.read_audit()]


def test_the_officer_restricts_lifts_and_erases_after_confirming(make_client, app):
    anna, bram, pieter = make_client(), make_client(), make_client()
    for client, person in ((anna, "anna"), (bram, "bram"), (pieter, "pieter")):
        sign_in(client, person)
    cid = _start(anna)
    assert bram.get(f"/conversations/{cid}").status_code == 200

    privacy = pieter.get("/privacy?person=anna").text
    assert 'id="restrict-all"' in privacy
    page, fields = _confirm(pieter, action="restrict", person="anna")
    assert page.status_code == 200
    assert 'id="confirm-button"' in page.text
    assert pieter.get("/privacy?person=anna").text.count("Alles beperkt") == 0  # nothing yet
    missing = pieter.post("/privacy/act", data=fields, follow_redirects=False)
    assert missing.status_code == 400  # no reason written
    before = len(_audit(app))
    done = pieter.post(
        "/privacy/act",
        data={**fields, "reason": "Anna betwist het verslag."},
        follow_redirects=False,
    )
    assert done.status_code == 303
    after = pieter.get(done.headers["location"]).text
    assert 'id="privacy-done"' in after
    assert "Alles beperkt" in after
    assert bram.get(f"/conversations/{cid}").status_code == 404  # restricted: not processed
    lines = _audit(app)[before:]
    restricted = "'action': 'privacy.restricted', 'object': 'person:anna"
    assert any("pieter" in line and restricted in line for line in lines), lines

    page, fields = _confirm(pieter, action="lift", person="anna")
    assert pieter.post("/privacy/act", data=fields, follow_redirects=False).status_code == 303
    assert "Geen beperking" in pieter.get("/privacy?person=anna").text
    assert bram.get(f"/conversations/{cid}").status_code == 200

    before = len(_audit(app))
    page, fields = _confirm(pieter, action="erase", person="anna")
    assert '<select id="ground" name="ground" required>' in page.text
    # the grounds of an erasure on request (not the retention run's), nothing to write in words
    assert page.text.count("<option ") == 6
    assert 'value="retention"' not in page.text
    assert 'id="reason"' not in page.text
    erased = pieter.post(
        "/privacy/act",
        data={**fields, "ground": "request", "reference": "ZAAK-2025-0012"},
        follow_redirects=False,
    )
    assert erased.status_code == 303
    lines = _audit(app)[before:]
    assert any("erase" in line and f"conversation:{cid}" in line for line in lines), lines
    assert any("'reason': 'request ref:ZAAK-2025-0012'" in line for line in lines), lines
    assert "Alles is gewist." in pieter.get(erased.headers["location"]).text


FREE_TEXT = "verzoek na burn-out gesprek met bedrijfsarts"


def test_an_erasure_in_words_is_refused_naming_the_field_and_erases_nothing(make_client, app):
    """No ground, a ground in words, or words as the reference: a 400 page naming the field,
    and nothing is destroyed or written (the words would outlive the content in the log)."""
    anna, pieter = make_client(), make_client()
    sign_in(anna, "anna")
    sign_in(pieter, "pieter")
    cid = _start(anna)
    _, fields = _confirm(pieter, action="erase", person="anna")
    before = len(_audit(app))
    for wrong, field in (
        ({"reason": FREE_TEXT}, "ground"),
        ({"ground": FREE_TEXT}, "/ground"),
        ({"ground": "request", "reference": FREE_TEXT}, "/reference"),
    ):
        refused = pieter.post("/privacy/act", data={**fields, **wrong}, follow_redirects=False)
        assert refused.status_code == 400, wrong
        assert field in refused.text
        assert FREE_TEXT not in refused.text
    assert len(_audit(app)) == before
    assert FREE_TEXT not in "".join(_audit(app))
    assert anna.get(f"/conversations/{cid}").status_code == 200


def test_a_form_without_its_csrf_token_changes_nothing(make_client, app):
    pieter = make_client()
    sign_in(pieter, "pieter")
    _, fields = _confirm(pieter, action="restrict", person="anna")
    refused = pieter.post(
        "/privacy/act", data={**fields, "csrf_token": "old", "reason": "x"}, follow_redirects=False
    )
    assert refused.status_code == 403
    assert "Geen beperking" in pieter.get("/privacy?person=anna").text


def test_anyone_but_the_officer_gets_404_and_an_audit_line(make_client, app):
    anna, carla = make_client(), make_client()
    sign_in(anna, "anna")
    sign_in(carla, "carla")
    cid = _start(anna)
    token = csrf_of(carla.get("/sharing").text)
    for action, person, conversation in (
        ("restrict", "anna", ""),
        ("erase", "anna", ""),
        ("lift", "anna", cid),
        ("destroy", "", cid),
    ):
        before = len(_audit(app))
        query = {"action": action, "person": person, "conversation": conversation}
        assert carla.get("/privacy/confirm", params=query).status_code == 404
        data = {**query, "csrf_token": token, "reason": "x"}
        assert carla.post("/privacy/act", data=data).status_code == 404
        lines = _audit(app)[before:]
        assert len(lines) == 2, (action, lines)
        assert all("carla" in line and "denied" in line for line in lines), lines
    # Anna herself cannot restrict or erase her own record: she asks the officer.
    assert 'id="sharing-restrict-erase"' in anna.get("/sharing").text
    query = {"action": "erase", "person": "anna"}
    assert anna.get("/privacy/confirm", params=query).status_code == 404
    assert anna.get(f"/conversations/{cid}").status_code == 200


def test_a_conversation_not_due_for_destruction_is_not_found(make_client):
    anna, pieter = make_client(), make_client()
    sign_in(anna, "anna")
    sign_in(pieter, "pieter")
    cid = _start(anna)
    assert 'id="due-destruction"' not in pieter.get("/privacy").text
    _, fields = _confirm(pieter, action="destroy", conversation=cid)
    assert pieter.post("/privacy/act", data=fields).status_code == 404
    assert anna.get(f"/conversations/{cid}").status_code == 200
