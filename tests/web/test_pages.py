"""The pages, driven as a browser without JavaScript would: plain GETs and form POSTs."""

from __future__ import annotations

import re

from tests.web.support import csrf_of, sign_in


def _post(client, path, page_path, **data):
    token = csrf_of(client.get(page_path).text)
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


def _conversation_of(response) -> str:
    found = re.search(r"/conversations/([0-9a-f]+)", response.headers["location"])
    assert found is not None
    return found.group(1)


def test_blind_preparation_record_dissent_and_revoke(make_client):
    anna, bram, hanna, carla = make_client(), make_client(), make_client(), make_client()
    for client, person in ((anna, "anna"), (bram, "bram"), (hanna, "hanna"), (carla, "carla")):
        assert sign_in(client, person).status_code == 303
    started = _post(anna, "/conversations", "/conversations", kind="jaargesprek@1|yearly")
    cid = _conversation_of(started)
    page = f"/conversations/{cid}"
    _post(anna, f"{page}/preparation", page, notes="Anna wil een cursus.", action="publish")
    _post(bram, f"{page}/preparation", page, notes="Bram ziet groei.", action="save")
    assert "Anna wil een cursus." not in bram.get(page).text
    assert "Bram ziet groei." not in anna.get(page).text
    _post(bram, f"{page}/preparation", page, action="publish")
    assert "Anna wil een cursus." in bram.get(page).text
    assert "Bram ziet groei." in anna.get(page).text
    _post(bram, f"{page}/held", page)
    _post(
        bram,
        f"{page}/record",
        page,
        summary="Goed gesprek.",
        **{"agreement-1": "Cursus", "owner-1": "employee"},
    )
    _post(anna, f"{page}/confirm", page, revision="1")
    _post(bram, f"{page}/confirm", page, revision="1")
    assert "afgerond" in anna.get(page).text
    _post(anna, f"{page}/dissent", page, text="De werkdruk is hoger.")
    assert "De werkdruk is hoger." in bram.get(page).text
    _post(anna, "/sharing", "/sharing", to="hanna", what="agreements", purpose="hr_overview")
    assert cid not in hanna.get("/hr").text or "anna" in hanna.get("/hr").text
    assert 'id="hr-items"' in hanna.get("/hr").text
    sharing = anna.get("/sharing").text
    choice = re.search(r'action="/sharing/(\d+)/revoke"', sharing)
    assert choice is not None
    _post(anna, f"/sharing/{choice.group(1)}/revoke", "/sharing")
    assert 'id="hr-none"' in hanna.get("/hr").text
    # Someone else's conversation by id: 404, and the refused read is in the audit log.
    assert carla.get(page).status_code == 404
    export = anna.get("/export/download")
    assert export.status_code == 200
    assert export.json()["person"] == "anna"


def test_someone_elses_conversation_is_404_with_an_audit_line(make_client, app):
    anna, carla = make_client(), make_client()
    sign_in(anna, "anna")
    sign_in(carla, "carla")
    cid = _conversation_of(
        _post(anna, "/conversations", "/conversations", kind="jaargesprek@1|yearly")
    )
    tenant = next(iter(app.state.tenants))
    before = len(list(tenant.service.store.read_audit()))
    assert carla.get(f"/conversations/{cid}").status_code == 404
    lines = list(tenant.service.store.read_audit())[before:]
    assert any("carla" in str(line) and cid in str(line) for line in lines), lines
    assert carla.get("/sharing/1/revoke").status_code == 405
    assert _post(carla, "/sharing/1/revoke", "/sharing").status_code == 404


def test_pages_in_three_languages_are_labelled_truthfully(client):
    sign_in(client, "anna")
    assert '<html lang="nl">' in client.get("/conversations?lang=nl").text
    assert '<html lang="en">' in client.get("/conversations?lang=en").text
    frisian = client.get("/conversations?lang=fy").text
    from magcore.i18n import LANGUAGES

    expected = "fy" if "fy" in LANGUAGES else "nl"
    assert f'<html lang="{expected}">' in frisian
    if expected == "nl":
        assert '<p class="fallback" lang="fy">' in frisian
