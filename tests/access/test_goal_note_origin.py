"""A progress note names only a conversation of the goal's owner, and nothing else counts.

Found by a security review: a note could name any conversation id, unchecked, and the goal was
then decided under that conversation's rules. A collaborator named a made-up id (the goal became
special-category, closed to whom the owner chose) or another employee's restricted conversation
(the owner lost her own goal, her goal list and its place in her subject-access export); and
anyone could probe, through their own goal, whether a conversation id exists, is of a
special-category kind or was restricted. The rules: a note names the goal's own conversation or
one about its owner in which the writer takes part (:meth:`LinksMixin._check_noted`, one answer
whether the id exists or not); a conversation not about the owner never makes the goal anything
(:func:`magcore.access.origins.goal_disclosure`), for notes stored before the check too.
"""

from __future__ import annotations

from typing import Any

import pytest

from magcore import get_plugin_manager
from magcore.access.restriction import restriction_event
from magcore.app.service import Service
from magcore.domain.goals import NoteProgress, SetGoal, decide_goal, goal_stream, replay_goal
from magcore.domain.sharing import GrantSharing
from magcore.storage.base import StreamWrite

from .mix_world import T0, agreed, mix_cycle, open_mix

MADE_UP = "ffffffffffffffff"


@pytest.fixture
def service() -> Any:
    service = open_mix("memory://", get_plugin_manager(load_entry_points=False), mix_cycle())
    yield service
    service.close()


def _restrict(service: Service, person: str, conversation: str) -> None:
    stream = f"person:{person}"
    event = restriction_event(
        person,
        service.store.version(stream) + 1,
        actor="po",
        now=T0,
        conversation=conversation,
        reason="disputed",
    )
    service.commit([StreamWrite(stream, service.store.version(stream), (event,))])


def _erik(service: Service) -> dict[str, str]:
    """Erik's conversations with carla: an ordinary one, a vitality one and a restricted one."""
    found = {
        "ordinary": agreed(service, "yearly", employee="erik", manager="carla"),
        "vitality": agreed(service, "vitality", employee="erik", manager="carla"),
        "restricted": agreed(service, "yearly", employee="erik", manager="carla"),
    }
    _restrict(service, "erik", found["restricted"])
    return found


def _note_as_stored_before(service: Service, goal_id: str, actor: str, conversation: str) -> None:
    """A note written as the service let it before the check: nothing asked of its conversation."""
    stream = goal_stream(goal_id)
    goal = replay_goal(service.store.read(stream))
    command = NoteProgress(actor=actor, goal_id=goal_id, text="note", conversation=conversation)
    events = decide_goal(goal, command, now=T0)
    service.commit([StreamWrite(stream, goal.version, events)])


def test_a_note_stored_before_the_check_makes_the_goal_nothing_of_someone_else(
    service: Service,
) -> None:
    """Notes kept before the check, naming an id no conversation has, erik's vitality
    conversation and erik's restricted one: anna still reads her goal, whom she shares her goals
    with too, and her subject-access export holds it. Her own conversations still count: a note
    naming her own vitality conversation closes the goal to that choice, and one naming her own
    restricted conversation restricts it (the privacy officer reads it)."""
    erik = _erik(service)
    own = agreed(service, "yearly")
    vitality = agreed(service, "vitality")
    restricted = agreed(service, "yearly")
    _restrict(service, "anna", restricted)
    for goal_id in ("g-foreign", "g-vitality", "g-restricted"):
        service.execute_goal(
            SetGoal(
                actor="bram",
                owner="anna",
                goal_id=goal_id,
                title=goal_id,
                agreed_in=own,
                collaborators=("bram",),
            )
        )
    for named in (MADE_UP, erik["vitality"], erik["restricted"]):
        _note_as_stored_before(service, "g-foreign", "bram", named)
    _note_as_stored_before(service, "g-vitality", "bram", vitality)
    _note_as_stored_before(service, "g-restricted", "bram", restricted)
    service.share(
        GrantSharing(actor="anna", person="anna", to="dirk", what="goals", purpose="conversation")
    )

    for reader in ("anna", "dirk", "bram"):
        assert service.view_goal("g-foreign", actor=reader).goal is not None, reader
    exported = {g["id"] for g in service.export("anna")["goals"]}
    assert "g-foreign" in exported
    assert service.view_goal("g-vitality", actor="anna").goal is not None
    special = service.view_goal("g-vitality", actor="dirk").decision
    assert not special.allowed
    assert "special-category" in special.reason
    assert service.view_goal("g-restricted", actor="anna").goal is None
    assert service.view_goal("g-restricted", actor="po").goal is not None
    assert "g-restricted" not in exported
