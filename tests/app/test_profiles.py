"""A profile carried across conversations (issue 16): the employee's own words, shown again.

The latest confirmed profile is shown in the employee's next conversation of the same profile;
a new manager sees it only through the handover choice; a team overview lists only the people
who chose to show theirs; every read is audited; it is encrypted with, and erased with, the
record it was written in; a level on it is refused.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from magcore import get_plugin_manager, open_service
from magcore.access.erasure import destroy_conversation
from magcore.access.profiles import PROFILE_OVERVIEW
from magcore.access.retention import SELECTIELIJST_2020
from magcore.clock import FixedClock
from magcore.domain.conversation import (
    ConfirmRecord,
    DraftRecord,
    MarkHeld,
    PublishPreparation,
    SavePreparation,
)
from magcore.domain.sharing import GrantSharing, RevokeSharing
from magcore.errors import ConsentError, DefinitionError, ScoringNotAllowedError
from magcore.forms import FormDefinition
from magcore.hookspecs import hookimpl
from magcore.model.cycle import CycleDefinition
from magcore.model.organisation import Assignment, Organisation, Person, Team
from magcore.testing import approve_cycle

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)

FORM: dict[str, Any] = {
    "id": "talent-prep",
    "version": 1,
    "purpose": "preparation",
    "title": {"nl": "Talenten", "en": "Talents"},
    "schema": {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "talents": {"type": "string", "maxLength": 2000},
            "ambition": {"type": "string", "maxLength": 2000},
            "this_time": {"type": "string", "maxLength": 2000},
        },
    },
    "ui": {
        "fields": {
            "talents": {"label": {"nl": "Talenten", "en": "Talents"}, "widget": "textarea"},
            "ambition": {"label": {"nl": "Ambitie", "en": "Ambition"}, "widget": "textarea"},
            "this_time": {"label": {"nl": "Nu", "en": "Now"}, "widget": "textarea"},
        }
    },
}

CYCLE: dict[str, Any] = {
    "id": "talent",
    "version": 1,
    "name": {"nl": "Talent", "en": "Talent"},
    "kinds": [
        {
            "id": "talk",
            "name": {"nl": "Talentgesprek", "en": "Talent conversation"},
            "pattern": "employee_manager",
            "cadence": {"kind": "per_year", "per_year": 2},
            "initiators": ["employee", "manager"],
            "preparers": ["employee", "manager"],
            "preparation_form": "talent-prep",
            "profile": {"id": "talents", "fields": ["talents", "ambition"]},
        }
    ],
}


class _Forms:
    @hookimpl
    def magcore_register_forms(self, register):
        register(FORM)


def _org() -> Organisation:
    people = [Person(id=p) for p in ("e1", "e2", "e3", "m1", "m2", "x")]
    start = date(2024, 1, 1)
    return Organisation.build(
        id="org",
        people=people,
        teams=[Team(id="t1")],
        assignments=[
            Assignment(person="m1", team="t1", role="manager", start=start),
            *(
                Assignment(person=e, team="t1", role="member", start=start)
                for e in ("e1", "e2", "e3")
            ),
        ],
    )


@pytest.fixture(params=["memory", "sqlite"])
def service(request, tmp_path):
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path}/p.db"
    host = get_plugin_manager(load_entry_points=False, extra=[("talent-forms", _Forms())])
    svc = open_service(url, clock=FixedClock(T0), host=host)
    approve_cycle(svc, svc.add_cycle(CYCLE))
    svc.import_organisation(_org(), actor="hr")
    svc.use_organisation("org")
    yield svc
    svc.close()


def _conversation(service, person: str, answers: dict[str, Any] | None, *, agree: bool = True):
    """One talent conversation of *person* with their manager today; *answers* prepared and
    published by the employee; agreed unless *agree* is false."""
    cycle = service.cycle("talent@1")
    today = service.clock.now().date()
    people = service.participants_for("org", cycle, "talk", person, on=today)
    manager = next(p.person for p in people if p.role == "manager")
    conv = service.request(cycle=cycle, kind="talk", participants=people, actor=manager)
    if answers is not None:
        service.execute(conv.id, SavePreparation(actor=person, answers=answers))
        service.execute(conv.id, PublishPreparation(actor=person))
    if agree:
        service.execute(conv.id, MarkHeld(actor=manager, on=today))
        drafted = service.execute(conv.id, DraftRecord(actor=person, summary="samen gesproken"))
        for who in (person, manager):
            service.execute(conv.id, ConfirmRecord(actor=who, revision=drafted.revision))
    service.clock.current += timedelta(days=1)
    return conv.id


def _audit(service, **match):
    return [
        line
        for line in service.store.read_audit()
        if all(line[key] == value for key, value in match.items())
    ]


MINE = {"talents": "rust brengen, snel een plan maken", "ambition": "projecten leiden"}


def test_the_next_conversation_shows_what_the_employee_wrote_last_time(service):
    """The employee and the manager who was there see the profile; not the third field, not
    the manager's own preparation; the audit says why."""
    first = _conversation(service, "e1", {**MINE, "this_time": "alleen nu"})
    second = _conversation(service, "e1", None, agree=False)
    own = service.profile(second, actor="e1")
    assert dict(own.answers) == MINE
    assert own.origin == first
    assert own.written_on == T0.date()
    assert own.shown_in == second
    manager = service.profile(second, actor="m1")
    assert dict(manager.answers) == MINE
    assert "participant (of " + first in manager.decisions[0][1].reason
    lines = _audit(service, actor="m1", object=f"conversation:{first}/profile:talents")
    assert [line["result"] for line in lines] == ["allowed"]
    # it is pre-filled into the new preparation by the caller, and the new one replaces it
    service.execute(second, SavePreparation(actor="e1", answers={**own.answers, "ambition": "x"}))


def test_the_first_conversation_has_no_profile_yet_and_an_outsider_sees_nothing(service):
    first = _conversation(service, "e1", None, agree=False)
    assert not service.profile(first, actor="e1").shown
    _conversation(service, "e2", MINE)
    second = _conversation(service, "e2", None, agree=False)
    outsider = service.profile(second, actor="x")
    assert not outsider.shown
    assert _audit(service, actor="x", result="denied")


def test_only_the_latest_confirmed_profile_counts(service):
    """A profile of a conversation that was not agreed is not shown; the newest agreed one is."""
    _conversation(service, "e1", {"talents": "oud"})
    newest = _conversation(service, "e1", {"talents": "nieuw", "ambition": "leren"})
    _conversation(service, "e1", {"talents": "niet bevestigd"}, agree=False)
    current = _conversation(service, "e1", None, agree=False)
    view = service.profile(current, actor="e1")
    assert view.origin == newest
    assert dict(view.answers) == {"talents": "nieuw", "ambition": "leren"}


def test_a_new_manager_sees_it_only_through_the_handover_choice(service):
    _conversation(service, "e1", MINE)
    service.change_manager("org", "t1", "m2", service.clock.now().date(), actor="hr")
    second = _conversation(service, "e1", None, agree=False)
    refused = service.profile(second, actor="m2")
    assert not refused.shown
    assert "projecten" not in repr(refused)
    assert refused.decisions[0][1].reason.startswith("denied")
    # a handover choice for agreements only does not open the profile
    service.share(
        GrantSharing(
            actor="e1", person="e1", to="next_manager", what="agreements", purpose="handover"
        )
    )
    assert not service.profile(second, actor="m2").shown
    service.share(
        GrantSharing(actor="e1", person="e1", to="next_manager", what="profile", purpose="handover")
    )
    shown = service.profile(second, actor="m2", purpose="handover")
    assert dict(shown.answers) == MINE
    assert shown.decisions[0][1].reason == "sharing choice 2"


def test_erased_with_the_record_it_came_from(service):
    """Destroying the conversation the profile was written in takes the profile with it."""
    first = _conversation(service, "e1", MINE)
    second = _conversation(service, "e1", None, agree=False)
    assert service.profile(second, actor="e1").shown
    destroy_conversation(
        service.store, first, profile=SELECTIELIJST_2020, due=T0.date(), clock=service.clock
    )
    gone = service.profile(second, actor="e1")
    assert not gone.shown
    assert gone.origin is None


def test_the_profile_is_stored_encrypted_with_its_own_record(tmp_path):
    """On disk the talents are ciphertext in the conversation they were written in; the new
    conversation holds no copy."""
    host = get_plugin_manager(load_entry_points=False, extra=[("talent-forms", _Forms())])
    svc = open_service(f"sqlite:///{tmp_path}/enc.db", clock=FixedClock(T0), host=host)
    approve_cycle(svc, svc.add_cycle(CYCLE))
    svc.import_organisation(_org(), actor="hr")
    _conversation(svc, "e1", {"talents": "zeldzaam-talent-woord"})
    second = _conversation(svc, "e1", None, agree=False)
    assert svc.profile(second, actor="e1").answers["talents"] == "zeldzaam-talent-woord"
    svc.close()
    raw = (tmp_path / "enc.db").read_bytes()
    assert b"zeldzaam-talent-woord" not in raw


def test_the_team_overview_lists_only_who_chose_to_show_their_profile(service):
    for person in ("e1", "e2", "e3"):
        _conversation(service, person, {"talents": f"talent van {person}"})
    assert len(service.profile_overview(actor="m1", cycle="talent")) == 0
    for person in ("e1", "e3"):
        service.share(
            GrantSharing(
                actor=person,
                person=person,
                to="next_manager",
                what="profile",
                purpose=PROFILE_OVERVIEW,
            )
        )
    # a choice for another purpose does not count
    service.share(
        GrantSharing(actor="e2", person="e2", to="next_manager", what="profile", purpose="handover")
    )
    overview = service.profile_overview(actor="m1", cycle="talent")
    assert overview.people == ("e1", "e3")
    assert [e.answers["talents"] for e in overview] == ["talent van e1", "talent van e3"]
    assert "talent van e2" not in repr(overview)
    assert _audit(service, actor="m1", action="list", object="listing:m1/profiles")
    reads = _audit(service, actor="m1", purpose=PROFILE_OVERVIEW, action="read")
    assert {line["reason"] for line in reads} == {"sharing choice 1"}
    # someone else's manager sees nobody; a revoked choice ends it
    assert len(service.profile_overview(actor="m2", cycle="talent")) == 0
    service.share(RevokeSharing(actor="e3", person="e3", choice=1))
    assert service.profile_overview(actor="m1", cycle="talent").people == ("e1",)


def test_the_overview_holds_no_count_score_or_rank():
    """The overview's fields are who, what they wrote, when, and the audit's reasons."""
    from magcore.access.profiles import ProfileView
    from magcore.app.profiles import ProfileOverview

    names = {a.name for a in ProfileOverview.__attrs_attrs__} | {
        a.name for a in ProfileView.__attrs_attrs__
    }
    assert not names & {"count", "score", "rank", "level", "total", "rating"}


def test_profile_is_a_sharing_choice_and_nothing_else_is(service):
    """``profile`` may be chosen; a made-up part is refused, naming the choices there are."""
    service.share(
        GrantSharing(actor="e1", person="e1", to="next_manager", what="profile", purpose="x")
    )
    wrong = GrantSharing(actor="e1", person="e1", to="hr_adviser", what="talents", purpose="x")
    with pytest.raises(ConsentError, match="profile"):
        service.share(wrong)


def test_a_profile_the_kind_cannot_fill_is_refused_naming_the_field():
    data = json.loads(json.dumps(CYCLE))
    data["kinds"][0]["preparation_form"] = None
    with pytest.raises(DefinitionError) as caught:
        CycleDefinition.from_json(data)
    assert caught.value.pointer == "/kinds/0/profile/source"
    data = json.loads(json.dumps(CYCLE))
    data["kinds"][0]["profile"]["fields"] = ["talents", "talents"]
    with pytest.raises(DefinitionError) as caught:
        CycleDefinition.from_json(data)
    assert "/profile/fields" in (caught.value.pointer or "")
    data["kinds"][0]["profile"] = {"id": "talents", "fields": ["talents"], "level": 3}
    with pytest.raises((DefinitionError, ScoringNotAllowedError)):
        CycleDefinition.from_json(data)


def test_a_talent_level_in_the_profile_form_is_refused():
    """A profile is a topic: a form asking for a level of a talent is refused."""
    form = json.loads(json.dumps(FORM))
    form["schema"]["properties"]["talent_level"] = {"type": "integer", "minimum": 1, "maximum": 5}
    with pytest.raises(ScoringNotAllowedError):
        FormDefinition.from_json(form)


def test_a_kind_without_a_profile_keeps_its_fingerprint():
    """Definitions that declare no profile serialise as before (their hashes do not change)."""
    data = json.loads(json.dumps(CYCLE))
    del data["kinds"][0]["profile"]
    assert "profile" not in CycleDefinition.from_json(data).to_json()["kinds"][0]
    assert CycleDefinition.from_json(CYCLE).to_json()["kinds"][0]["profile"] == {
        "id": "talents",
        "source": "preparation",
        "fields": ["talents", "ambition"],
    }


_CHOICES = st.lists(
    st.tuples(
        st.sampled_from(["e1", "e2", "e3"]),
        st.sampled_from(
            [
                ("profile", PROFILE_OVERVIEW),
                ("whole_record", PROFILE_OVERVIEW),
                ("agreements", PROFILE_OVERVIEW),
                ("profile", "handover"),
                "revoke",
            ]
        ),
    ),
    max_size=8,
)


@given(_CHOICES)
@settings(max_examples=25, deadline=None)
def test_the_overview_lists_exactly_who_chose_it_now(steps):
    """Whatever choices are granted and revoked, in whatever order, the overview lists exactly
    the people whose choice covering their profile for the overview holds now."""
    host = get_plugin_manager(load_entry_points=False, extra=[("talent-forms", _Forms())])
    svc = open_service("memory://", clock=FixedClock(T0), host=host)
    approve_cycle(svc, svc.add_cycle(CYCLE))
    svc.import_organisation(_org(), actor="hr")
    svc.use_organisation("org")
    for person in ("e1", "e2", "e3"):
        _conversation(svc, person, {"talents": f"talent van {person}"})
    active: dict[str, dict[int, tuple[str, str]]] = {"e1": {}, "e2": {}, "e3": {}}
    for person, step in steps:
        if step == "revoke":
            if active[person]:
                choice = min(active[person])
                svc.share(RevokeSharing(actor=person, person=person, choice=choice))
                del active[person][choice]
            continue
        what, purpose = step
        state = svc.share(
            GrantSharing(actor=person, person=person, to="next_manager", what=what, purpose=purpose)
        )
        active[person][max(state.choices)] = (what, purpose)
    expected = tuple(
        sorted(
            person
            for person, choices in active.items()
            if any(
                p == PROFILE_OVERVIEW and w in ("profile", "whole_record")
                for w, p in choices.values()
            )
        )
    )
    overview = svc.profile_overview(actor="m1", cycle="talent")
    assert overview.people == expected
    svc.close()


def test_a_restricted_record_shows_its_profile_to_nobody_but_the_privacy_officer(service):
    """AVG art. 18: the record a profile was written in is restricted, so the profile is not
    shown in the next conversation, not even to its participants."""
    from magcore.access.restriction import restriction_event
    from magcore.domain.sharing import person_stream
    from magcore.storage.base import StreamWrite

    first = _conversation(service, "e1", MINE)
    second = _conversation(service, "e1", None, agree=False)
    stream = person_stream("e1")
    event = restriction_event(
        "e1",
        service.store.version(stream) + 1,
        actor="po",
        now=service.clock.now(),
        conversation=first,
        reason="bezwaar",
    )
    service.commit(
        [StreamWrite(stream=stream, expected_version=event.version - 1, events=(event,))]
    )
    for person in ("e1", "m1"):
        view = service.profile(second, actor=person)
        assert not view.shown
        assert "restricted" in view.decisions[0][1].reason


def test_an_edited_read_model_row_shows_no_one_elses_profile(tmp_path):
    """The read model only points at the earlier conversation: a database writer who sets
    another employee's conversation's ``subject`` to e1 does not get its profile shown in e1's
    conversation (the events say whose it is)."""
    import sqlite3

    url = f"sqlite:///{tmp_path}/p.db"
    host = get_plugin_manager(load_entry_points=False, extra=[("talent-forms", _Forms())])
    svc = open_service(url, clock=FixedClock(T0), host=host)
    approve_cycle(svc, svc.add_cycle(CYCLE))
    svc.import_organisation(_org(), actor="hr")
    svc.use_organisation("org")
    first = _conversation(svc, "e1", MINE)
    others = _conversation(svc, "e2", {"talents": "E2-TALENT", "ambition": "E2-AMBITION"})
    db = sqlite3.connect(tmp_path / "p.db")
    db.execute("UPDATE conversations SET subject = 'e1' WHERE id = ?", (others,))
    db.commit()
    db.close()
    second = _conversation(svc, "e1", None, agree=False)
    for viewer in ("e1", "m1"):
        shown = svc.profile(second, actor=viewer)
        assert shown.origin == first
        assert dict(shown.answers) == MINE
    svc.close()
