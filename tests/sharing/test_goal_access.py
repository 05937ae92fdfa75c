"""Goals on the read side: owner and collaborators, sharing choices, legal bases, the audit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from magcore.access.decision import Directory, LegalBasis, Part
from magcore.access.reading import ReadPolicy, read_goal
from magcore.access.restriction import restriction_event
from magcore.access.retention import SELECTIELIJST_2020
from magcore.clock import FixedClock
from magcore.domain.sharing import GrantSharing, RevokeSharing
from magcore.errors import NotFoundError
from magcore.storage.memory import MemoryStore

from .support import (
    ROLES,
    T0,
    agreed_conversation,
    commit,
    mag_cycle,
    set_goal,
    share,
    small_org,
)

LATER = T0 + timedelta(days=1)


@pytest.fixture
def org():
    return small_org()


@pytest.fixture
def store():
    s = MemoryStore()
    # the conversations the goals were agreed in, as their events say (a goal is decided
    # under where it was agreed: an origin the events do not describe counts as special)
    for conv in ("c1", "c2"):
        agreed_conversation(s, conv, employee="e1", manager="m1", cycle=mag_cycle())
    set_goal(s, "g1", owner="e1", agreed_in="c1", collaborators=("m1",), note="progress-1")
    set_goal(s, "g2", owner="e1", agreed_in="c2")
    set_goal(s, "gv", owner="e1", agreed_in="c1", theme="vitality")
    return s


def read(store, org, goal, viewer, purpose="conversation", at=LATER, bases=()):
    policy = ReadPolicy.for_cycle(
        mag_cycle(), directory=Directory.from_organisation(org, ROLES), legal_bases=bases
    )
    return read_goal(
        store, goal, viewer=viewer, purpose=purpose, clock=FixedClock(at), policy=policy
    )


def grant(store, what="goals", to="hr", purpose="advice", conversation=None, at=T0):
    return share(
        store,
        GrantSharing(
            actor="e1",
            person="e1",
            to=to,
            what=what,
            purpose=purpose,
            conversation=conversation,
        ),
        at,
    )


def test_owner_and_collaborators_see_a_goal_others_do_not(store, org):
    """The owner and a collaborator see the whole goal; the manager who is not a
    collaborator, HR and the works council see nothing; every decision is one audit line."""
    before = store.audit_head().count
    owner = read(store, org, "g1", "e1")
    assert owner.goal is not None
    assert owner.goal.progress[0].text == "progress-1"
    assert owner.decision.reason == "participant (goal owner)"
    assert read(store, org, "g1", "m1").decision.reason == "participant (works on the goal)"
    for viewer in ("m1", "hr", "wc", "x"):
        view = read(store, org, "g2", viewer)
        assert not view.has_content, viewer
        assert not view.decision.allowed, viewer
    entries = list(store.read_audit(after=before))
    assert [(e["actor"], e["object"], e["result"]) for e in entries] == [
        ("e1", "goal:g1", "allowed"),
        ("m1", "goal:g1", "allowed"),
        *[(v, "goal:g2", "denied") for v in ("m1", "hr", "wc", "x")],
    ]


def test_a_goals_choice_opens_goals_for_its_purpose_until_revoked(store, org):
    """what: goals lets its grantee read for its purpose only, and only until revoked."""
    number = grant(store)
    view = read(store, org, "g2", "hr", purpose="advice")
    assert view.goal is not None
    assert view.decision.reason == f"sharing choice {number}"
    assert not read(store, org, "g2", "hr", purpose="hr_overview").has_content
    assert not read(store, org, "g2", "x", purpose="advice").has_content
    share(store, RevokeSharing(actor="e1", person="e1", choice=number), LATER)
    assert not read(store, org, "g2", "hr", purpose="advice", at=LATER).has_content


def test_other_choices_do_not_open_goals(store, org):
    """A whole-record or agreements choice is about conversations, not goals."""
    grant(store, what="whole_record")
    grant(store, what="agreements")
    assert not read(store, org, "g1", "hr", purpose="advice").has_content


def test_a_choice_for_one_conversation_opens_only_goals_agreed_in_it(store, org):
    """A goals choice scoped to c1 opens g1 (agreed in c1) and not g2 (agreed in c2)."""
    grant(store, conversation="c1")
    assert read(store, org, "g1", "hr", purpose="advice").has_content
    assert not read(store, org, "g2", "hr", purpose="advice").has_content


def test_a_special_category_goal_needs_its_own_theme_chosen(store, org):
    """A vitality goal: not opened by a goals choice, opened by theme:vitality, and never
    for an HR overview."""
    grant(store)
    grant(store, purpose="hr_overview", what="theme:vitality")
    assert not read(store, org, "gv", "hr", purpose="advice").has_content
    assert not read(store, org, "gv", "hr", purpose="hr_overview").has_content
    grant(store, what="theme:vitality")
    assert read(store, org, "gv", "hr", purpose="advice").has_content


def test_a_legal_basis_opens_goals_only_when_declared_for_goals(store, org):
    """A basis for agreements does not open a goal; one declared for goals does, never a
    special-category goal."""
    for_agreements = LegalBasis(
        name="reintegration",
        article="Wvp art. 25",
        roles={"hr_adviser"},
        parts={Part.AGREEMENT},
        purpose="reintegration",
    )
    for_goals = LegalBasis(
        name="development",
        article="CAR-UWO",
        roles={"hr_adviser"},
        parts={Part.GOAL},
        purpose="reintegration",
    )
    assert not read(store, org, "g2", "hr", "reintegration", bases=[for_agreements]).has_content
    view = read(store, org, "g2", "hr", "reintegration", bases=[for_goals])
    assert view.decision.reason == "legal basis development (CAR-UWO)"
    assert not read(store, org, "gv", "hr", "reintegration", bases=[for_goals]).has_content


def test_a_new_manager_sees_goals_only_when_the_employee_chose_so(store, org):
    """Handover: m2 takes over the team and sees nothing, until a next_manager goals choice."""
    later = org.change_manager("t1", "m2", date(2025, 1, 6))
    assert not read(store, later, "g2", "m2").has_content
    grant(store, to="next_manager", purpose="conversation")
    assert read(store, later, "g2", "m2").has_content
    assert not read(store, later, "g2", "m1").has_content


def test_a_restriction_leaves_goals_to_the_privacy_officer(store, org):
    """While the employee's record is restricted (AVG art. 18) even the owner is refused."""
    commit(store, [restriction_event("e1", store.version("person:e1") + 1, actor="po", now=T0)])
    assert not read(store, org, "g1", "e1").has_content
    assert read(store, org, "g1", "po").has_content


def test_unknown_and_destroyed_goals(store, org):
    """An unknown goal is refused after an audit line; a destroyed one reads as destroyed."""
    with pytest.raises(NotFoundError):
        read(store, org, "nope", "e1")
    assert list(store.read_audit())[-1]["object"] == "goal:nope"
    from magcore.events import Event

    store.destroy_stream(
        "goal:g2",
        Event(
            stream="goal:g2",
            version=2,
            type="stream.destroyed",
            at=LATER,
            actor="system",
            data={"profile": SELECTIELIJST_2020.id},
        ),
    )
    view = read(store, org, "g2", "e1")
    assert view.destroyed
    assert not view.has_content
