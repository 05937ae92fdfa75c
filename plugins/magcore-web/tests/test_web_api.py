"""The HTTP API end to end: the cycle through the API, and what each role may do."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from magcore_web.testing import HOST_A as A

#: An ISO 8601 time with its time zone (``Z`` or an offset).
ZONED = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)"


def _start(api, person="anna"):
    response = api.post(
        "/api/v1/conversations", person, json={"cycle": "web-example@1", "kind": "yearly"}
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _clock(services):
    return services[A].clock


def _agreed(api, services):
    """A conversation of anna with bram, prepared, held, recorded and agreed by both."""
    cid = _start(api)
    when = (_clock(services).now() + timedelta(days=1)).isoformat()
    assert api.put(f"/api/v1/conversations/{cid}/schedule", "bram", json={"on": when}).is_success
    for person in ("anna", "bram"):
        api.put(
            f"/api/v1/conversations/{cid}/preparation",
            person,
            json={"answers": {"going_well": f"van {person}"}},
        )
        api.post(f"/api/v1/conversations/{cid}/preparation/publication", person)
    _clock(services).advance(timedelta(days=2))
    record = {
        "summary": "Over het werk aan de balie.",
        "agreements": [{"id": "a1", "text": "Anna volgt de cursus.", "owner": "employee"}],
    }
    written = api.put(f"/api/v1/conversations/{cid}/record", "bram", json=record)
    assert written.status_code == 200, written.text
    for person in ("anna", "bram"):
        confirmed = api.post(
            f"/api/v1/conversations/{cid}/record/confirmations", person, json={"revision": 1}
        )
        assert confirmed.status_code == 201, confirmed.text
    return cid


def test_a_conversation_goes_through_its_cycle_over_the_api(api, services):
    cid = _start(api)
    when = (_clock(services).now() + timedelta(days=1)).isoformat()
    planned = api.put(f"/api/v1/conversations/{cid}/schedule", "bram", json={"on": when})
    assert planned.json()["state"] == "scheduled"
    api.put(
        f"/api/v1/conversations/{cid}/preparation", "anna", json={"answers": {"going_well": "A"}}
    )
    api.post(f"/api/v1/conversations/{cid}/preparation/publication", "anna")
    api.put(
        f"/api/v1/conversations/{cid}/preparation", "bram", json={"answers": {"going_well": "B"}}
    )
    # Blind until both publish: bram sees his own draft, never anna's published preparation.
    before = api.get(f"/api/v1/conversations/{cid}", "bram").json()
    assert [p["author"] for p in before["preparations"]] == ["bram"]
    api.post(f"/api/v1/conversations/{cid}/preparation/publication", "bram")
    after = api.get(f"/api/v1/conversations/{cid}", "bram").json()
    assert sorted(p["author"] for p in after["preparations"]) == ["anna", "bram"]
    _clock(services).advance(timedelta(days=2))
    record = api.put(
        f"/api/v1/conversations/{cid}/record",
        "bram",
        json={
            "summary": "Goed gesprek.",
            "agreements": [{"id": "a1", "text": "Cursus", "owner": "employee"}],
        },
    ).json()
    assert record["state"] == "record_drafted"
    assert record["held_on"] == (_clock(services).now().date()).isoformat()
    for person in ("anna", "bram"):
        api.post(f"/api/v1/conversations/{cid}/record/confirmations", person, json={"revision": 1})
    dissent = api.post(
        f"/api/v1/conversations/{cid}/dissents", "anna", json={"text": "Het is drukker."}
    )
    assert dissent.status_code == 201
    body = dissent.json()
    assert body["state"] == "agreed"
    assert body["confirmed_by"] == ["anna", "bram"]
    assert [d["text"] for d in body["dissents"]] == ["Het is drukker."]
    assert re.fullmatch(ZONED, body["scheduled_for"])
    mine = api.get("/api/v1/conversations", "anna").json()
    assert [c["id"] for c in mine] == [cid]
    assert "record" in mine[0]["parts"]


def test_a_record_names_only_the_cycles_themes_and_shows_them(api, services):
    """A misspelt theme is refused naming the field (nothing is written); the record's themes
    come back with the conversation."""
    cid = _start(api)
    _clock(services).advance(timedelta(days=2))
    path = f"/api/v1/conversations/{cid}/record"
    refused = api.put(path, "bram", json={"summary": "S", "themes": ["work", "develpment"]})
    assert refused.status_code == 400, refused.text
    [error] = refused.json()["errors"]
    assert (error["location"], error["code"]) == ("/themes/1", "unknownTheme")
    assert api.get(f"/api/v1/conversations/{cid}", "bram").json()["state"] == "requested"
    written = api.put(path, "bram", json={"summary": "S", "themes": ["work", "development"]})
    assert written.status_code == 200, written.text
    assert written.json()["themes"] == ["work", "development"]
    assert api.get(f"/api/v1/conversations/{cid}", "anna").json()["themes"] == [
        "work",
        "development",
    ]


def test_topics_and_private_notes_go_to_who_may_see_them(api):
    cid = _start(api)
    api.post(f"/api/v1/conversations/{cid}/topics", "anna", json={"text": "Thuiswerken"})
    api.post(f"/api/v1/conversations/{cid}/private-notes", "bram", json={"text": "Alleen ik"})
    as_anna = api.get(f"/api/v1/conversations/{cid}", "anna").json()
    as_bram = api.get(f"/api/v1/conversations/{cid}", "bram").json()
    assert [t["text"] for t in as_anna["topics"]] == ["Thuiswerken"]
    assert as_anna["private_notes"] == []
    assert [n["text"] for n in as_bram["private_notes"]] == ["Alleen ik"]


def test_the_invitation_and_the_schedule_come_as_calendars(api, services):
    cid = _start(api)
    when = (_clock(services).now() + timedelta(days=3)).isoformat()
    api.put(f"/api/v1/conversations/{cid}/schedule", "bram", json={"on": when, "place": "Zaal 2"})
    invitation = api.get(f"/api/v1/conversations/{cid}/invitation", "anna")
    assert invitation.headers["content-type"].startswith("text/calendar")
    assert b"METHOD:REQUEST" in invitation.content
    assert b"Zaal 2" in invitation.content
    planned = api.get("/api/v1/schedule", "bram").json()
    assert [(p["conversation"], p["location"]) for p in planned] == [(cid, "Zaal 2")]
    assert re.fullmatch(ZONED, planned[0]["start"])
    ics = api.get("/api/v1/schedule", "bram", headers={"accept": "text/calendar"})
    assert ics.headers["content-type"].startswith("text/calendar")
    assert cid.encode() in ics.content


def test_an_unplanned_conversation_has_no_invitation(api):
    cid = _start(api)
    assert api.get(f"/api/v1/conversations/{cid}/invitation", "anna").status_code == 404


def test_the_manager_sees_who_in_the_team_is_due(api):
    due = api.get("/api/v1/team/due-conversations", "bram").json()
    assert sorted(d["person"] for d in due) == ["anna", "ben", "carla"]
    assert api.get("/api/v1/team/due-conversations", "anna").json() == []
    bad = api.get("/api/v1/team/due-conversations?cycle=nope@1", "bram")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["location"] == "cycle"


def test_the_due_list_leaves_out_who_had_their_conversation_requested(api):
    """Once anna's yearly conversation is requested, she is no longer due it (ben still is)."""
    _start(api, "anna")
    due = api.get("/api/v1/team/due-conversations", "bram").json()
    assert sorted(d["person"] for d in due) == ["ben", "carla"]


def test_goals_are_set_noted_and_closed_by_their_owner(api):
    goal = api.post("/api/v1/goals", "anna", json={"title": "Cursus klantcontact"}).json()
    noted = api.post(
        f"/api/v1/goals/{goal['id']}/progress-notes", "anna", json={"text": "Begonnen"}
    )
    assert noted.status_code == 201
    closed = api.put(f"/api/v1/goals/{goal['id']}/closure", "anna", json={"status": "reached"})
    assert closed.json()["status"] == "reached"
    assert [g["id"] for g in api.get("/api/v1/goals", "anna").json()] == [goal["id"]]
    assert api.get("/api/v1/goals", "ben").json() == []


def test_revoking_a_sharing_choice_takes_the_item_off_the_hr_listing(api, services):
    cid = _agreed(api, services)
    granted = api.post(
        "/api/v1/sharing-choices",
        "anna",
        json={"to": "hanna", "what": "agreements", "purpose": "hr_overview"},
    )
    assert granted.status_code == 201
    choice = granted.json()
    assert choice["active"] is True
    listed = api.get("/api/v1/shared-conversations", "hanna").json()
    assert [c["id"] for c in listed] == [cid]
    as_hr = api.get(f"/api/v1/conversations/{cid}?purpose=hr_overview", "hanna").json()
    assert [a["text"] for a in as_hr["agreements"]] == ["Anna volgt de cursus."]
    assert as_hr["summary"] is None  # agreements only, not the record
    assert api.delete(f"/api/v1/sharing-choices/{choice['id']}", "anna").status_code == 204
    assert api.get("/api/v1/shared-conversations", "hanna").json() == []
    assert api.get(f"/api/v1/conversations/{cid}?purpose=hr_overview", "hanna").status_code == 404
    mine = api.get("/api/v1/sharing-choices", "anna").json()
    assert mine[0]["active"] is False
    assert mine[0]["revoked_at"] is not None
    # Revoking again changes nothing.
    assert api.delete(f"/api/v1/sharing-choices/{choice['id']}", "anna").status_code == 204


def test_the_subject_access_export_is_for_the_person_and_the_privacy_officer(api, services):
    cid = _agreed(api, services)
    own = api.get("/api/v1/subject-access-export", "anna").json()
    assert own["person"] == "anna"
    assert [c["id"] for c in own["conversations_about_you"]] == [cid]
    # what the organisation holds about her is part of the answer (AVG art. 15)
    assert own["employment"] is not None
    by_officer = api.get("/api/v1/people/anna/subject-access-export", "piet")
    assert by_officer.status_code == 200
    assert by_officer.json()["requested_by"] == "piet"


def test_participation_figures_are_for_managers_and_roles_and_suppress_small_groups(api):
    figures = api.get("/api/v1/participation?grain=year&level=team", "bram")
    assert figures.status_code == 200
    body = figures.json()
    assert body["k"] >= 5
    assert all(c["suppressed"] and c["conversations"] is None for c in body["cells"])
    assert api.get("/api/v1/participation", "olga").status_code == 200
    refused = api.get("/api/v1/participation", "anna")
    assert refused.status_code == 403
    small = api.get("/api/v1/participation?minGroupSize=1", "bram")
    assert small.status_code == 400
    assert small.json()["errors"][0]["location"] == "minGroupSize"


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/api/v1/participation?from=9999-01-01&grain=year", "from"),
        ("/api/v1/team/due-conversations?from=9999-06-01", "from"),
        ("/api/v1/team/due-conversations?to=0001-01-01", "to"),
        ("/api/v1/participation?from=1900-01-01&to=9000-01-01&grain=year", "to"),
        ("/api/v1/team/due-conversations?from=1900-01-01&to=9000-01-01", "to"),
    ],
)
def test_dates_and_periods_out_of_range_name_the_query_parameter(api, path, parameter):
    """A date outside 1900 to 9000 used to end in a 500 (a date overflow), and a period over
    50 years was reported in the body; both are a 400 naming the query parameter."""
    refused = api.get(path, "bram")
    assert refused.status_code == 400, refused.text
    [error] = refused.json()["errors"]
    assert (error["in"], error["location"]) == ("query", parameter)


def test_participation_from_the_29th_of_february_is_no_server_error(api):
    """The default end, a year on, used to be a day that does not exist (a 500)."""
    answer = api.get("/api/v1/participation?from=2024-02-29", "bram")
    assert answer.status_code == 400  # not on the quarter grid: named, not a crash
    assert "2024-02-29" in answer.json()["detail"]


def test_the_privacy_officer_restricts_and_lifts_processing(api, services):
    cid = _agreed(api, services)
    api.post(
        "/api/v1/sharing-choices",
        "anna",
        json={"to": "hanna", "what": "agreements", "purpose": "hr_overview"},
    )
    assert len(api.get("/api/v1/shared-conversations", "hanna").json()) == 1
    restricted = api.post(
        "/api/v1/people/anna/restrictions", "piet", json={"reason": "bezwaar", "conversation": cid}
    )
    assert restricted.status_code == 201
    assert restricted.json()["conversations"] == [cid]
    assert api.get("/api/v1/shared-conversations", "hanna").json() == []
    lifted = api.delete(f"/api/v1/people/anna/restrictions?conversation={cid}", "piet")
    assert lifted.json() == {"person": "anna", "everything": False, "conversations": []}
    assert len(api.get("/api/v1/shared-conversations", "hanna").json()) == 1


def test_a_restriction_naming_someone_elses_conversation_is_refused_as_an_unknown_one(
    api, services
):
    """Anna's record cannot be restricted by naming a conversation about someone else: the
    answer is the 404 an id that does not exist gets, and nothing is written."""
    cid = _agreed(api, services)
    before = services[A].store.version("person:ben")
    answers = [
        api.post("/api/v1/people/ben/restrictions", "piet", json={"reason": "r", "conversation": c})
        for c in (cid, "no-such-conversation")
    ]
    assert [a.status_code for a in answers] == [404, 404]
    assert answers[0].json()["detail"] == answers[1].json()["detail"]
    assert services[A].store.version("person:ben") == before


def test_restricting_an_unknown_person_is_refused_and_writes_nothing(api, services):
    before = services[A].store.version("person:nobody")
    response = api.post("/api/v1/people/nobody/restrictions", "piet", json={"reason": "r"})
    assert response.status_code == 404
    assert services[A].store.version("person:nobody") == before == 0


def test_the_privacy_officer_erases_a_person_by_destroying_their_keys(api, services):
    cid = _agreed(api, services)
    assert api.get(f"/api/v1/conversations/{cid}", "anna").status_code == 200
    before = len(list(services[A].store.read_audit()))
    wanted = {"ground": "request", "reference": "ZAAK-2025-0012"}
    erased = api.post("/api/v1/people/anna/erasure", "piet", json=wanted)
    assert erased.status_code == 201, erased.text
    body = erased.json()
    assert body["person"] == "anna"
    assert f"conversation:{cid}" in body["records"]
    assert body["keys_destroyed"] >= 1
    lines = list(services[A].store.read_audit())[before:]
    assert any(
        line["action"] == "erase"
        and line["object"] == f"conversation:{cid}"
        and line["reason"] == "request ref:ZAAK-2025-0012"
        for line in lines
    )
    assert "balie" not in api.get(f"/api/v1/conversations/{cid}", "anna").text
    missing = api.post("/api/v1/people/anna/erasure", "piet", json={})
    assert missing.status_code == 400
    assert missing.headers["content-type"] == "application/problem+json"
    assert "ground" in missing.json()["errors"][0]["detail"]


FREE_TEXT = "verzoek na burn-out gesprek met bedrijfsarts"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": FREE_TEXT}, "/"),  # the old free-text field is no field any more
        ({"ground": FREE_TEXT}, "/ground"),
        ({"ground": "request", "reference": FREE_TEXT}, "/reference"),
        ({"ground": "request", "reason": FREE_TEXT}, "/"),
    ],
)
def test_an_erasure_with_a_free_text_reason_is_refused_and_destroys_nothing(
    api, services, body, field
):
    """A reason in words would stay in the audit log, in clear, longer than the content: it is
    refused with a 400 naming the field, no key is destroyed, no line is written, and the
    record still reads."""
    cid = _agreed(api, services)
    store = services[A].store
    keys = [(k.id, k.alive) for k in store.inner.list_keys()]
    lines = store.audit_head().count
    refused = api.post("/api/v1/people/anna/erasure", "piet", json=body)
    assert refused.status_code == 400, refused.text
    errors = refused.json()["errors"]
    assert {e["location"] for e in errors} == {field}
    # a field the body does not have is named by its position, never by the name sent
    assert field != "/" or any("field it does not have" in e["detail"] for e in errors)
    assert "'reason'" not in refused.text
    assert FREE_TEXT not in refused.text  # the refused words are not quoted back
    assert [(k.id, k.alive) for k in store.inner.list_keys()] == keys
    assert store.audit_head().count == lines
    assert FREE_TEXT not in str(list(store.read_audit()))
    assert "balie" in api.get(f"/api/v1/conversations/{cid}", "anna").text


def test_the_privacy_officer_destroys_what_retention_has_passed_and_verifies_the_log(api, services):
    cid = _agreed(api, services)
    assert api.get("/api/v1/destruction-due", "piet").json() == []
    _clock(services).advance(timedelta(days=6 * 366))
    due = api.get("/api/v1/destruction-due", "piet").json()
    assert [d["conversation"] for d in due] == [cid]
    destroyed = api.post("/api/v1/destructions", "piet", json={"conversation": cid})
    assert destroyed.status_code == 201
    assert destroyed.json()["keys_destroyed"] >= 1
    # Destroyed: nothing is left to read, and it answers as any unknown id does.
    assert api.get(f"/api/v1/conversations/{cid}", "anna").status_code == 404
    again = api.post("/api/v1/destructions", "piet", json={"conversation": cid})
    assert again.status_code == 404
    verified = api.get("/api/v1/audit-verification", "piet").json()
    assert verified["ok"] is True
    assert verified["entries"] > 0


def test_the_works_council_reads_and_approves_a_new_cycle_version(api, services):
    from magcore_web.testing import EXAMPLE_CYCLE

    services[A].add_cycle({**EXAMPLE_CYCLE, "version": 2})
    cycles = {c["key"]: c for c in api.get("/api/v1/cycles", "olga").json()}
    assert cycles["web-example@2"]["approved_by"] == []
    assert cycles["web-example@1"]["approved_by"] == ["executive", "works_council"]
    regulation = api.get("/api/v1/cycles/web-example@2/regulation?language=en", "olga").json()
    assert regulation["language"] == "en"
    assert regulation["hash"] == cycles["web-example@2"]["policy_hash"]
    approval = {"body": "works_council", "reference": "OR-9", "on": "2026-03-01"}
    stale = api.post(
        "/api/v1/cycles/web-example@2/approvals", "olga", json={**approval, "policy_hash": "0" * 64}
    )
    assert stale.status_code == 409
    approved = api.post(
        "/api/v1/cycles/web-example@2/approvals",
        "olga",
        json={**approval, "policy_hash": regulation["hash"]},
    )
    assert approved.status_code == 201, approved.text
    assert approved.json()["approved_by"] == ["works_council"]
    by_employee = api.post(
        "/api/v1/cycles/web-example@2/approvals",
        "anna",
        json={**approval, "policy_hash": regulation["hash"]},
    )
    assert by_employee.status_code == 403
    assert api.get("/api/v1/cycles/nope@1/regulation", "olga").status_code == 404


@pytest.mark.parametrize(
    ("path", "person"),
    [
        ("/api/v1/destruction-due", "anna"),
        ("/api/v1/audit-verification", "hanna"),
    ],
)
def test_privacy_officer_pages_refuse_everyone_else(api, path, person):
    response = api.get(path, person)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


def test_me_says_who_is_signed_in(api):
    assert api.get("/api/v1/me", "piet").json() == {
        "person_id": "piet",
        "tenant": A,
        "roles": ["privacy_officer"],
    }


#: A conversation with HR: the employee and an HR adviser they choose (required).
WITH_HR = {
    "id": "web-hr",
    "version": 1,
    "name": {"nl": "Gesprek met HR", "en": "Conversation with HR"},
    "roles": [
        {
            "id": "hr_adviser",
            "name": {"nl": "HR-adviseur", "en": "HR adviser"},
            "description": {"nl": "Denkt met je mee.", "en": "Thinks along with you."},
        }
    ],
    "kinds": [
        {
            "id": "with_hr",
            "name": {"nl": "Gesprek met HR", "en": "Conversation with HR"},
            "parties": [
                {"role": "employee"},
                {"role": "hr_adviser", "membership": "organisation"},
            ],
            "cadence": {"kind": "free"},
            "initiators": ["employee"],
            "preparers": ["employee"],
        }
    ],
}


def _with_hr(services):
    from datetime import date

    service = services[A]
    cycle = service.add_cycle(WITH_HR)
    for body, day in (("works_council", date(2026, 1, 10)), ("executive", date(2026, 1, 20))):
        service.approve_policy(cycle, body=body, reference="X-1", on=day, actor="hr")


def test_a_conversation_starts_with_the_party_you_choose(api, services):
    """A kind whose HR adviser is chosen can be started over the API, naming them."""
    _with_hr(services)
    without = api.post(
        "/api/v1/conversations", "anna", json={"cycle": "web-hr@1", "kind": "with_hr"}
    )
    assert without.status_code == 409, without.text
    assert "hr_adviser" in without.json()["detail"]
    response = api.post(
        "/api/v1/conversations",
        "anna",
        json={
            "cycle": "web-hr@1",
            "kind": "with_hr",
            "chosen": [{"role": "hr_adviser", "person": "hanna"}],
        },
    )
    assert response.status_code == 201, response.text
    people = {(p["person"], p["role"]) for p in response.json()["participants"]}
    assert people == {("anna", "employee"), ("hanna", "hr_adviser")}


@pytest.mark.parametrize(
    ("chosen", "location", "code"),
    [
        ({"role": "hr_adviser", "person": "nobody"}, "/chosen/0/person", "unknownPerson"),
        ({"role": "coach", "person": "hanna"}, "/chosen/0/role", "unknownRole"),
        ({"role": "hr_adviser", "person": "han\u202ena"}, "/chosen/0/person", None),
        ({"role": "hr_adviser"}, "/chosen/0", None),
    ],
)
def test_a_chosen_party_is_checked_naming_the_field(api, services, chosen, location, code):
    _with_hr(services)
    before = len(services[A].store.conversations())
    response = api.post(
        "/api/v1/conversations",
        "anna",
        json={"cycle": "web-hr@1", "kind": "with_hr", "chosen": [chosen]},
    )
    assert response.status_code == 400, response.text
    error = response.json()["errors"][0]
    assert error["location"].startswith(location)
    if code is not None:
        assert error["code"] == code
    assert len(services[A].store.conversations()) == before


def test_naming_parties_for_someone_else_tells_nothing_about_people(api, services):
    """Anna may not start a conversation about Ben: whatever she names as the chosen party
    (nobody, an existing person in another team, a wrong role), the answer is the same 404, so
    asking reveals neither that a person exists nor whether they fit the party's rule. Bram, Ben's
    manager, is told what is wrong."""
    _with_hr(services)
    before = len(services[A].store.conversations())
    answers = []
    for chosen in (
        [{"role": "hr_adviser", "person": "nobody"}],
        [{"role": "hr_adviser", "person": "hanna"}],
        [{"role": "hr_adviser", "person": "olga"}],
        [{"role": "coach", "person": "hanna"}],
        [],
    ):
        response = api.post(
            "/api/v1/conversations",
            "anna",
            json={"cycle": "web-hr@1", "kind": "with_hr", "employee": "ben", "chosen": chosen},
        )
        answers.append((response.status_code, response.json()["detail"]))
    assert len(set(answers)) == 1, answers
    assert answers[0][0] == 404
    told = api.post(
        "/api/v1/conversations",
        "bram",
        json={
            "cycle": "web-hr@1",
            "kind": "with_hr",
            "employee": "ben",
            "chosen": [{"role": "hr_adviser", "person": "nobody"}],
        },
    )
    assert told.status_code == 400, told.text
    assert told.json()["errors"][0]["code"] == "unknownPerson"
    assert len(services[A].store.conversations()) == before
