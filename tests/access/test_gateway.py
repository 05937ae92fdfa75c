"""The gateway: command results, carried agreements, blind preparations, special kinds, the
guarded listing and notices (issue 13, items 1, 2, 3 and 10)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from magcore import get_plugin_manager, open_service
from magcore.access.decision import SUBJECT_ACCESS, Directory, LegalBasis, Part
from magcore.access.gateway import LISTING, NOTIFICATION
from magcore.clock import FixedClock
from magcore.domain.conversation import (
    Cancel,
    ConfirmRecord,
    DraftRecord,
    MarkHeld,
    MarkNotHeld,
    PublishPreparation,
    SavePreparation,
    Schedule,
)
from magcore.domain.sharing import GrantSharing, RevokeSharing
from magcore.model.records import Agreement
from magcore.testing import approve_cycle, raw_conversation

from ..sharing.support import MAG_CYCLE, ROLES, T0, small_org

REINTEGRATION = LegalBasis(
    name="poortwachter",
    article="Wet verbetering poortwachter art. 25",
    roles={"hr_adviser"},
    parts={Part.RECORD, Part.AGREEMENT, Part.METADATA},
    purpose="reintegration",
)


class _Bases:
    """A plugin that declares the reintegration legal basis."""

    from magcore.hookspecs import hookimpl

    @hookimpl
    def magcore_register_legal_bases(self, register):
        register(REINTEGRATION)


@pytest.fixture(params=["memory", "sqlite"])
def service(request, tmp_path):
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path}/g.db"
    host = get_plugin_manager(load_entry_points=False, extra=[("bases", _Bases())])
    svc = open_service(url, clock=FixedClock(T0), host=host)
    approve_cycle(svc, svc.add_cycle(MAG_CYCLE))
    svc.import_organisation(small_org(), actor="hr")
    svc.use_organisation("org", ROLES)
    yield svc
    svc.close()


def _agreed(service, kind="mag", text="agreement-text", summary="summary-text") -> str:
    cycle = service.cycle("mag@1")
    coach = "c1" if kind == "stress" else None
    people = service.participants_for("org", cycle, kind, "e1", on=T0.date(), coach=coach)
    conv = service.request(cycle=cycle, kind=kind, participants=people, actor="e1")
    service.record(
        conv.id,
        DraftRecord(
            actor="e1",
            summary=summary,
            agreements=(Agreement(id="a1", text=text, owner="employee"),),
        ),
        held_on=T0.date(),
    )
    for person in raw_conversation(service, conv.id).people:
        service.execute(conv.id, ConfirmRecord(actor=person, revision=1))
    return conv.id


def _audit(service, **match):
    return [
        line
        for line in service.store.read_audit()
        if all(line[key] == value for key, value in match.items())
    ]


def test_the_public_service_hands_out_no_raw_state(service):
    """No public ``load`` or ``goal``: people get views, through the gateway."""
    assert not hasattr(service, "load")
    assert not hasattr(service, "goal")
    conv_id = _agreed(service)
    view = service.view(conv_id, actor="x")
    assert view.metadata is None
    assert not view.has_content
    assert _audit(service, actor="x", object=f"conversation:{conv_id}/metadata")


def test_a_new_manager_does_not_receive_carried_agreements_without_the_handover_choice(service):
    """Item 1: the request's result, and later views, hold the earlier conversation's open
    agreements for the new manager only through the employee's handover choice (audited)."""
    earlier = _agreed(service, text="carried-secret")
    service.clock.current += timedelta(days=40)
    service.change_manager("org", "t1", "m2", service.clock.now().date(), actor="hr")
    cycle = service.cycle("mag@1")
    people = service.participants_for("org", cycle, "mag", "e1", on=service.clock.now().date())
    assert "m2" in {p.person for p in people}
    result = service.request(cycle=cycle, kind="mag", participants=people, actor="m2")
    assert raw_conversation(service, result.id).carried_forward  # it is carried, inside
    assert result.carried_forward == ()
    assert "carried-secret" not in repr(result)
    refused = _audit(service, actor="m2", result="denied")
    assert any("/carried:" in line["object"] for line in refused)
    # The employee took part in the earlier conversation: they see it carried.
    own = service.view(result.id, actor="e1")
    assert [a.text for a in own.carried_forward] == ["carried-secret"]
    assert (
        "participant (of " + earlier
        in dict(own.decisions)[f"conversation:{result.id}/carried:{earlier}#a1"].reason
    )
    # With the handover choice, the new manager sees it, and the line says why.
    service.share(
        GrantSharing(
            actor="e1", person="e1", to="next_manager", what="agreements", purpose="handover"
        )
    )
    shown = service.view(result.id, actor="m2")
    assert [a.text for a in shown.carried_forward] == ["carried-secret"]
    allowed = _audit(service, actor="m2", result="allowed")
    assert any(
        "/carried:" in line["object"] and line["reason"].startswith("sharing choice")
        for line in allowed
    )


def _next_conversation(service, actor="e1"):
    """The next conversation about e1, forty days on: it carries the earlier open agreements."""
    service.clock.current += timedelta(days=40)
    cycle = service.cycle("mag@1")
    people = service.participants_for("org", cycle, "mag", "e1", on=service.clock.now().date())
    return service.request(cycle=cycle, kind="mag", participants=people, actor=actor).id


def test_a_handover_choice_opens_carried_agreements_only_to_take_part(service):
    """A ``handover`` choice opens a carried agreement to its grantee reading to take part in
    the conversation it was carried into, for no other purpose: given to the HR adviser's role,
    it opened the carried copy to an HR overview (and any purpose) while the same agreement in
    its own conversation stayed closed (found by an attacker)."""
    _agreed(service, text="handover-only")
    service.share(
        GrantSharing(
            actor="e1", person="e1", to="hr_adviser", what="agreements", purpose="handover"
        )
    )
    later = _next_conversation(service)
    for purpose in ("hr_overview", "disciplinary", "advice"):  # (reintegration has a basis)
        view = service.view(later, actor="hr", purpose=purpose)
        assert view.carried_forward == ()
        assert "handover-only" not in repr(view)
    carried = [line for line in _audit(service, actor="hr") if "/carried:" in line["object"]]
    assert carried
    assert {line["result"] for line in carried} == {"denied"}
    # read for handover itself, the choice holds (its own purpose)
    shown = service.view(later, actor="hr", purpose="handover")
    assert [a.text for a in shown.carried_forward] == ["handover-only"]


def test_a_restricted_conversation_restricts_the_copies_carried_out_of_it(service):
    """AVG art. 18: an agreement carried out of a restricted conversation is restricted with
    it; a participant of both read it through the next conversation (found by an attacker).
    The privacy officer still reads it, and the next conversation's own record is not
    restricted."""
    from magcore.access.restriction import restriction_event
    from magcore.domain.sharing import person_stream
    from magcore.storage.base import StreamWrite

    earlier = _agreed(service, text="restricted-agreement")
    later = _next_conversation(service)
    assert [a.text for a in service.view(later, actor="m1").carried_forward] == [
        "restricted-agreement"
    ]
    version = service.store.version(person_stream("e1"))
    event = restriction_event(
        "e1", version + 1, actor="po", now=service.clock.now(), conversation=earlier, reason="18"
    )
    service.commit([StreamWrite(person_stream("e1"), version, [event])])
    for actor in ("m1", "e1"):
        view = service.view(later, actor=actor)
        assert view.carried_forward == ()
        assert view.metadata is not None  # the next conversation itself is not restricted
        reason = dict(view.decisions)[f"conversation:{later}/carried:{earlier}#a1"].reason
        assert "restricted" in reason
    officer = service.view(later, actor="po")
    assert [a.text for a in officer.carried_forward] == ["restricted-agreement"]


def test_blind_until_published_holds_for_subject_access_and_the_export(service):
    """Item 2: while open, e1 (who has not published) does not see m1's published preparation,
    not with the subject-access purpose and not in the export; once e1 publishes, they do."""
    cycle = service.cycle("mag@1")
    people = service.participants_for("org", cycle, "mag", "e1", on=T0.date())
    conv = service.request(cycle=cycle, kind="mag", participants=people, actor="e1")
    service.execute(conv.id, Schedule(actor="e1", on=T0 + timedelta(days=7)))
    service.execute(conv.id, SavePreparation(actor="m1", answers={"x": "manager-prep"}))
    service.execute(conv.id, PublishPreparation(actor="m1"))
    service.execute(conv.id, SavePreparation(actor="e1", answers={"x": "own-prep"}))
    for purpose in ("conversation", SUBJECT_ACCESS, "records_export"):
        view = service.view(conv.id, actor="e1", purpose=purpose)
        assert set(view.preparations) == {"e1"}, purpose
    export = service.export("e1")
    assert "manager-prep" not in repr(export)
    officer = service.gateway.export("e1", requester="po")
    assert "manager-prep" not in repr(officer)
    service.execute(conv.id, PublishPreparation(actor="e1"))
    assert set(service.view(conv.id, actor="e1", purpose=SUBJECT_ACCESS).preparations) == {
        "e1",
        "m1",
    }
    assert "manager-prep" in repr(service.export("e1"))


@pytest.mark.parametrize("ending", ["cancel", "not_held"])
def test_a_conversation_that_never_took_place_stays_blind_for_good(service, ending):
    """A review found that cancelling (or marking not held) opened the other side's
    preparation to the subject-access view and the export: the published one of a side whose
    reader never published, and even a draft never published. Such a conversation was never
    held, so neither side ever sees the other's first; what both published stays shared."""
    cycle = service.cycle("mag@1")
    people = service.participants_for("org", cycle, "mag", "e1", on=T0.date())
    conv = service.request(cycle=cycle, kind="mag", participants=people, actor="e1")
    draft = service.request(cycle=cycle, kind="mag", participants=people, actor="e1")
    service.execute(conv.id, SavePreparation(actor="m1", answers={"x": "manager-published"}))
    service.execute(conv.id, PublishPreparation(actor="m1"))
    service.execute(conv.id, SavePreparation(actor="e1", answers={"x": "own-prep"}))
    service.execute(draft.id, SavePreparation(actor="m1", answers={"x": "manager-draft"}))
    # the privacy officer's export holds the employee's own draft (it left it out before)
    assert "own-prep" in repr(service.gateway.export("e1", requester="po"))
    end = Cancel(actor="e1") if ending == "cancel" else MarkNotHeld(actor="m1")
    service.execute(conv.id, end)
    service.execute(draft.id, Cancel(actor="e1") if ending == "cancel" else MarkNotHeld(actor="m1"))
    for purpose in ("conversation", SUBJECT_ACCESS, "records_export"):
        assert set(service.view(conv.id, actor="e1", purpose=purpose).preparations) == {"e1"}
        assert set(service.view(draft.id, actor="e1", purpose=purpose).preparations) == set()
    for export in (service.export("e1"), service.gateway.export("e1", requester="po")):
        assert "manager-published" not in repr(export)
        assert "manager-draft" not in repr(export)
        assert "own-prep" in repr(export)


def test_a_legal_basis_never_opens_a_special_category_kind(service):
    """Item 3: the reintegration basis opens a MAG record for HR, not a stress-triangle record
    (a kind special as a whole); only the employee's own choice for that purpose does."""
    mag = _agreed(service, summary="mag-summary")
    stress = _agreed(service, kind="stress", summary="stress-summary", text="stress-agreement")
    assert service.view(mag, actor="hr", purpose="reintegration").summary == "mag-summary"
    closed = service.view(stress, actor="hr", purpose="reintegration")
    assert closed.summary is None
    assert closed.agreements == ()
    reasons = [d.reason for _, d in closed.decisions if not d.allowed]
    assert any("special-category" in r for r in reasons)
    service.share(
        GrantSharing(
            actor="e1", person="e1", to="hr_adviser", what="whole_record", purpose="reintegration"
        )
    )
    opened = service.view(stress, actor="hr", purpose="reintegration")
    assert opened.summary == "stress-summary"
    assert [a.text for a in opened.agreements] == ["stress-agreement"]


def test_the_guarded_listing_says_what_a_person_may_see_and_leaves_one_line(service):
    """Item 10: participants see their own; HR sees what choices and legal bases open, never a
    special kind by a basis, nothing revoked or restricted; one listing line, no content."""
    from magcore.access.restriction import restriction_event
    from magcore.domain.sharing import person_stream
    from magcore.storage.base import StreamWrite

    mag = _agreed(service, summary="listing-secret")
    stress = _agreed(service, kind="stress")
    assert set(service.listing("e1", purpose="conversation").ids) == {mag, stress}
    assert service.listing("e2", purpose="conversation").ids == ()
    assert service.listing("hr", purpose="advice").ids == ()
    by_basis = service.listing("hr", purpose="reintegration")
    assert by_basis.ids == (mag,)
    assert Part.RECORD in by_basis.items[0].parts
    assert "legal basis" in by_basis.items[0].reasons[0]
    choice = service.share(
        GrantSharing(actor="e1", person="e1", to="hr_adviser", what="agreements", purpose="advice")
    )
    number = max(choice.choices)
    listed = service.listing("hr", purpose="advice")
    assert listed.ids == (mag,)  # "agreements" never opens a special-category kind
    assert listed.items[0].parts == frozenset({Part.METADATA, Part.AGREEMENT})
    service.share(RevokeSharing(actor="e1", person="e1", choice=number))
    assert service.listing("hr", purpose="advice").ids == ()
    version = service.store.version(person_stream("e1"))
    event = restriction_event("e1", version + 1, actor="po", now=service.clock.now())
    service.commit([StreamWrite(person_stream("e1"), version, (event,))])
    assert service.listing("hr", purpose="reintegration").ids == ()
    assert service.listing("e1", purpose="conversation").ids == ()
    lines = _audit(service, action=LISTING)
    assert len(lines) == 8
    assert all("listing-secret" not in repr(line) for line in lines)


def test_a_notice_goes_only_to_someone_who_may_know_the_conversation_exists(service):
    """Item 6: a notification about a conversation reaches its participants, not others, and
    each decision has its audit line."""
    conv = _agreed(service)
    assert service.gateway.notice(f"conversation:{conv}", recipient="e1").allowed
    assert not service.gateway.notice(f"conversation:{conv}", recipient="hr").allowed
    lines = _audit(service, purpose=NOTIFICATION)
    assert [(line["actor"], line["result"]) for line in lines] == [
        ("e1", "allowed"),
        ("hr", "denied"),
    ]


def test_command_results_are_views_for_the_actor(service):
    """Item 1 (generalised): execute and record return what the actor may see, audited."""
    cycle = service.cycle("mag@1")
    people = service.participants_for("org", cycle, "mag", "e1", on=T0.date())
    conv = service.request(cycle=cycle, kind="mag", participants=people, actor="e1")
    service.execute(conv.id, MarkHeld(actor="m1", on=date(2025, 1, 6)))
    before = len(list(service.store.read_audit()))
    view = service.execute(
        conv.id, DraftRecord(actor="m1", summary="shared", agreements=(), answers={})
    )
    assert view.viewer == "m1"
    assert view.summary == "shared"
    assert len(list(service.store.read_audit())) > before
    directory = Directory()
    assert directory.reports_of("m1", T0.date()) == frozenset()


def test_policies_follow_the_organisation_and_do_not_pile_up(service):
    """Each manager change gives a new directory: the read policy is built for it (never a
    policy of an earlier directory), and policies of earlier directories are dropped, so a
    long-running service does not keep one per organisation version."""
    _agreed(service)
    day = service.clock.now().date()
    for step, manager in enumerate(["m2", "m1", "m2", "m1", "m2"], start=1):
        service.clock.current += timedelta(days=1)
        service.change_manager("org", "t1", manager, day + timedelta(days=step), actor="hr")
        policy = service.read_policy("mag@1")
        assert policy.directory is service.directory
        assert all(p.directory is service.directory for p in service._policies.values())
        assert len(service._policies) <= 2  # this cycle's, and the base policy at most


def test_only_the_owner_names_a_goals_collaborators_from_outside_its_conversation(service):
    """Who works on a goal reads its progress notes. The manager setting a goal with the
    employee in their conversation names only people who took part in it; a colleague named
    that way read the employee's own notes with no choice of hers (found by an attacker).
    The employee may name anyone: that is her choice."""
    from magcore import NoteProgress, SetGoal
    from magcore.errors import NotFoundError, TransitionError

    conv = _agreed(service)

    def set_by_manager(*collaborators):
        return service.execute_goal(
            SetGoal(
                actor="m1",
                goal_id="g1",
                owner="e1",
                title="Leren plannen",
                collaborators=collaborators,
                agreed_in=conv,
            )
        )

    before = service.store.audit_head().count
    with pytest.raises(TransitionError, match="e2 did not take part"):
        set_by_manager("m1", "e2")
    with pytest.raises(NotFoundError):
        service.view_goal("g1", actor="e1")
    refused = [line for line in service.store.read_audit(after=before) if line["actor"] == "m1"]
    assert [line["result"] for line in refused] == ["refused"]
    set_by_manager("m1")
    service.execute_goal(
        SetGoal(actor="e1", goal_id="g2", owner="e1", title="Samen", collaborators=("e2",))
    )
    service.execute_goal(NoteProgress(actor="e1", goal_id="g1", text="mijn eigen woorden"))
    assert not service.view_goal("g1", actor="e2").has_content
    assert service.view_goal("g1", actor="m1").has_content
    assert service.view_goal("g2", actor="e2").has_content


def test_an_invitation_to_a_special_kind_does_not_name_it(service):
    """A calendar invitation (the .ics, an e-mail's subject) goes to calendar and mail systems
    that are neither audited nor erased: for a kind that is special-category as a whole (a
    stress or vitality conversation, one with the company doctor) its title says only
    "Gesprek / Conversation" (it named the kind: found by an attacker); other kinds keep
    their name."""
    from magcore.app.invitations import PRIVATE_SUMMARY, invitation_for

    cycle = service.cycle("mag@1")
    titles = {}
    for kind, coach in (("stress", "c1"), ("mag", None)):
        people = service.participants_for("org", cycle, kind, "e1", on=T0.date(), coach=coach)
        conv = service.request(cycle=cycle, kind=kind, participants=people, actor="e1")
        service.execute(conv.id, Schedule(actor="e1", on=T0 + timedelta(days=7)))
        titles[kind] = invitation_for(service, conv.id).summary
    assert titles["stress"] == PRIVATE_SUMMARY
    assert titles["mag"] == "{} / {}".format(cycle.kind("mag").name.nl, cycle.kind("mag").name.en)
    assert "stress" not in titles["stress"].lower()


def test_a_special_kind_keeps_its_place_out_of_the_invitation(service):
    """Where a conversation of a special-category kind is held (the company doctor's) says
    what it is about: its invitation (the .ics LOCATION, the e-mail's "Waar:") names a neutral
    place; other kinds keep theirs, and the participants read it in the app."""
    from magcore.app.invitations import PRIVATE_PLACE, invitation_for

    cycle = service.cycle("mag@1")
    place = "bedrijfsarts, Arbodienst"
    found = {}
    for kind, coach in (("stress", "c1"), ("mag", None)):
        people = service.participants_for("org", cycle, kind, "e1", on=T0.date(), coach=coach)
        conv = service.request(cycle=cycle, kind=kind, participants=people, actor="e1")
        service.execute(conv.id, Schedule(actor="e1", on=T0 + timedelta(days=7), place=place))
        invitation = invitation_for(service, conv.id)
        found[kind] = (invitation.location, invitation.to_ical().decode())
    assert found["stress"][0] == PRIVATE_PLACE
    assert "Arbodienst" not in found["stress"][1]
    assert found["mag"][0] == place
