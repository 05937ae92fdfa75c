"""The pages, driven as a browser without JavaScript would: plain GETs and form POSTs."""

from __future__ import annotations

import re

import pytest

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
    figures = bram.get("/team/participation")  # after a held conversation too
    assert figures.status_code == 200
    assert "Burgerzaken" in figures.text
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
    frisian = client.get("/conversations?lang=fy")
    assert '<html lang="fy">' in frisian.text
    assert frisian.headers["content-language"] == "fy"
    assert "Myn petearen" in frisian.text
    assert "Mijn gesprekken" not in frisian.text


@pytest.mark.parametrize("path", ["/", "/conversations", "/goals", "/sharing", "/export"])
def test_a_frisian_page_has_no_dutch_fallback_for_the_webs_own_texts(client, path):
    """Every text of the pages is in Frisian: no fallback note, no part labelled Dutch but
    names from the cycle's data, and no Dutch page text left in the page."""
    from magcore_web.pages.texts import _MESSAGES

    sign_in(client, "anna")
    page = client.get(f"{path}?lang=fy").text
    assert '<html lang="fy">' in page
    assert 'class="fallback"' not in page
    main = page[page.index("<main") :]
    dutch = {nl for nl, _ in _MESSAGES.values() if "{" not in nl and len(nl) > 12 and " " in nl}
    left = [nl for nl in dutch if nl in main]
    assert left == [], left
    # What is still labelled Dutch is the cycle's own data, never a page message.
    for part in re.findall(r'<span lang="nl">([^<]*)</span>', page):
        assert part not in {nl for nl, _ in _MESSAGES.values()}, part


def test_manager_plans_schedules_with_an_ics_invitation(make_client):
    bram, anna = make_client(), make_client()
    sign_in(bram, "bram")
    sign_in(anna, "anna")
    team = bram.get("/team")
    assert team.status_code == 200
    assert 'value="anna"' in team.text
    assert 'value="carla"' in team.text
    started = _post(
        bram, "/team/request", "/team", person="anna", cycle="jaargesprek@1", kind="yearly"
    )
    cid = _conversation_of(started)
    page = f"/conversations/{cid}"
    scheduled = _post(bram, f"{page}/schedule", page, when="2027-03-20T10:00", place="Stadhuis")
    assert scheduled.status_code == 303
    invitation = anna.get(f"{page}/invitation.ics")
    assert invitation.status_code == 200
    assert invitation.headers["content-type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in invitation.content
    assert b"Stadhuis" in invitation.content
    wrong = _post(bram, f"{page}/schedule", page, when="next tuesday")
    assert wrong.status_code == 400
    assert "when" in wrong.text
    # Not a manager of Anna: no team page, no requests for her.
    assert anna.get("/team").status_code == 404
    assert (
        _post(
            anna,
            "/team/request",
            "/conversations",
            person="carla",
            cycle="jaargesprek@1",
            kind="yearly",
        ).status_code
        == 404
    )
    figures = bram.get("/team/participation")
    assert figures.status_code == 200
    assert "<table>" in figures.text
    assert "Burgerzaken" in figures.text  # the manager's own unit ...
    assert "Staf" not in figures.text  # ... and no other
    assert "te klein om te tonen" in figures.text  # three people: under the minimum


def test_privacy_officer_and_works_council(make_client):
    pieter, olga, anna = make_client(), make_client(), make_client()
    sign_in(pieter, "pieter")
    sign_in(olga, "olga")
    sign_in(anna, "anna")
    privacy = pieter.get("/privacy?person=anna")
    assert privacy.status_code == 200
    assert 'id="audit-result"' in privacy.text
    assert 'role="alert"' not in privacy.text
    assert 'id="restriction-result"' in privacy.text
    assert anna.get("/privacy").status_code == 404
    regulation = olga.get("/regulation")
    assert regulation.status_code == 200
    assert "jaargesprek" in regulation.text or "Jaargesprek" in regulation.text
    assert anna.get("/regulation").status_code == 404


def test_works_council_approves_a_new_cycle_version(make_client, app):
    from tests.web.seed import CYCLE

    tenant = next(iter(app.state.tenants))
    tenant.call(lambda s: s.add_cycle({**CYCLE, "version": 2}))
    olga = make_client()
    sign_in(olga, "olga")
    page = olga.get("/regulation").text
    form = re.search(
        r'name="cycle" value="jaargesprek@2">\s*<input type="hidden" name="hash" value="(\w+)">',
        page,
    )
    assert form is not None, page
    done = _post(
        olga,
        "/regulation/approve",
        "/regulation",
        cycle="jaargesprek@2",
        hash=form.group(1),
        reference="OR-2027-01",
    )
    assert done.status_code == 303
    state = tenant.call(
        lambda s: __import__("magcore.app.versions", fromlist=["x"]).approval_state(
            s.store, "jaargesprek"
        )
    )
    assert "works_council" in state.approved(2, form.group(1))
    stale = _post(
        olga,
        "/regulation/approve",
        "/regulation",
        cycle="jaargesprek@2",
        hash="0" * 64,
        reference="OR-2027-02",
    )
    assert stale.status_code == 400


def test_the_profile_can_be_shared_for_the_overview_and_the_handover_and_revoked(make_client, app):
    """The sharing page offers the profile (what I wrote last time) and the manager's overview
    of profiles: a choice made on the page puts Anna in the overview of her manager, and
    revoking it on the page takes her out at once; a handover choice covers the profile too."""
    from magcore.access.profiles import PROFILE_OVERVIEW, profile_overview_subjects

    anna = make_client()
    sign_in(anna, "anna")
    form = anna.get("/sharing").text
    assert 'id="what-profile" name="what" value="profile"' in form
    assert 'id="purpose-profile_overview" name="purpose" value="profile_overview"' in form
    assert '<label for="what-profile">mijn profiel (wat ik de vorige keer schreef)</label>' in form
    assert (
        '<label for="purpose-profile_overview">overzicht van profielen voor de leidinggevende'
        "</label>" in form
    )
    service = next(iter(app.state.tenants)).service

    def overview() -> tuple[str, ...]:
        return profile_overview_subjects(
            service.store,
            "bram",
            purpose=PROFILE_OVERVIEW,
            now=service.clock.now(),
            zone=service.timezone,
            directory=service.base_policy().directory,
        )

    assert "anna" not in overview()
    made = _post(
        anna, "/sharing", "/sharing", to="next_manager", what="profile", purpose=PROFILE_OVERVIEW
    )
    assert made.status_code == 303
    _post(anna, "/sharing", "/sharing", to="next_manager", what="profile", purpose="handover")
    choices = [c for c in service.sharing("anna").choices.values() if c.revoked_at is None]
    assert {
        ("next_manager", "profile", PROFILE_OVERVIEW),
        ("next_manager", "profile", "handover"),
    } == {(c.to, c.what, c.purpose) for c in choices}
    assert overview() == ("anna",)
    page = anna.get("/sharing").text
    assert "<dd>mijn profiel (wat ik de vorige keer schreef)</dd>" in page
    assert "<dd>overzicht van profielen voor de leidinggevende</dd>" in page
    assert "<dd>overdracht aan een nieuwe leidinggevende</dd>" in page
    english = anna.get("/sharing?lang=en").text
    assert "<dd>the manager&#39;s overview of profiles</dd>" in english
    chosen = next(c for c in choices if c.purpose == PROFILE_OVERVIEW)
    _post(anna, f"/sharing/{chosen.id}/revoke", "/sharing")
    assert "anna" not in overview()
    still = [c for c in service.sharing("anna").choices.values() if c.revoked_at is None]
    assert [(c.what, c.purpose) for c in still] == [("profile", "handover")]


def test_the_profile_is_offered_only_where_a_cycle_carries_one():
    """Without a kind that carries a profile the form offers neither the profile nor the
    manager's overview of profiles (a choice for them would show nothing); with one, both."""
    from magcore_web.pages.employee import PURPOSES, SHAREABLE, offered

    from tests.access.test_regulation_profiles import talent_cycle
    from tests.sharing.support import mag_cycle

    what, purposes = offered([mag_cycle()])
    assert "profile" not in what
    assert "profile_overview" not in purposes
    assert set(SHAREABLE) - set(what) == {"profile"}
    assert set(PURPOSES) - set(purposes) == {"profile_overview"}
    assert offered([mag_cycle(), talent_cycle()]) == (SHAREABLE, PURPOSES)
    assert offered([]) == (what, purposes)


def test_a_tenant_without_a_profile_cycle_is_not_offered_the_profile(make_client, app, monkeypatch):
    """The page asks the tenant's own service which cycles it has: with none that carries a
    profile, the form offers neither the profile nor the overview of profiles."""
    service = next(iter(app.state.tenants)).service
    plain = {k: c for k, c in service.cycles.items() if all(x.profile is None for x in c.kinds)}
    assert len(plain) < len(service.cycles)  # the test app has profile cycles installed
    monkeypatch.setattr(type(service), "cycles", property(lambda _service: plain))
    anna = make_client()
    sign_in(anna, "anna")
    form = anna.get("/sharing").text
    assert 'id="what-agreements"' in form
    assert 'id="purpose-handover"' in form
    assert 'id="what-profile"' not in form
    assert 'id="purpose-profile_overview"' not in form


@pytest.mark.parametrize(
    "fields",
    [{"agreement-1": "Cursus", "owner-1": "boss"}, {"agreement-1": "a\u202eb", "owner-1": "team"}],
    ids=["unknown owner", "direction override"],
)
def test_a_record_form_with_a_value_it_does_not_take_is_refused_not_an_error(make_client, fields):
    """A review found that the record form built its agreements before the page's own error
    handling: an owner the form does not offer, or a forbidden character in an agreement, was
    an error of the server (500). It is a named refusal now, and nothing is stored."""
    anna, bram = make_client(), make_client()
    sign_in(anna, "anna")
    sign_in(bram, "bram")
    cid = _conversation_of(
        _post(anna, "/conversations", "/conversations", kind="jaargesprek@1|yearly")
    )
    page = f"/conversations/{cid}"
    _post(bram, f"{page}/held", page)
    refused = _post(bram, f"{page}/record", page, summary="Goed gesprek.", **fields)
    assert 400 <= refused.status_code < 500
    assert "Goed gesprek." not in bram.get(page).text
