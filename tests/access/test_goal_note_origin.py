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
from magcore.errors import RecordInvalidError
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


def _refusal(service: Service, command: NoteProgress) -> str:
    """The message of the refusal of *command* (with the id it names left out); nothing kept."""
    stream = goal_stream(command.goal_id)
    before = service.store.version(stream)
    with pytest.raises(RecordInvalidError) as refused:
        service.execute_goal(command)
    assert service.store.version(stream) == before
    [problem] = refused.value.problems
    assert problem.pointer == "/conversation"
    assert problem.keyword == "goal_conversation"
    assert command.conversation is not None
    return str(refused.value).replace(command.conversation, "<id>")


def _note_as_stored_before(service: Service, goal_id: str, actor: str, conversation: str) -> None:
    """A note written as the service let it before the check: nothing asked of its conversation."""
    stream = goal_stream(goal_id)
    goal = replay_goal(service.store.read(stream))
    command = NoteProgress(actor=actor, goal_id=goal_id, text="note", conversation=conversation)
    events = decide_goal(goal, command, now=T0)
    service.commit([StreamWrite(stream, goal.version, events)])


def test_a_note_names_only_a_conversation_of_the_owner_the_writer_takes_part_in(
    service: Service,
) -> None:
    """Bram and carla work on anna's goal agreed in her conversation with bram. Bram names
    another conversation of anna's he took part in, carla the one the goal was agreed in; refused
    with one message, nothing kept: carla naming erik's conversation (hers, not about anna), an
    id no conversation has, or anna's conversation she did not take part in; bram naming
    erik's."""
    own = agreed(service, "yearly")
    later = agreed(service, "yearly")
    erik = _erik(service)
    service.execute_goal(
        SetGoal(
            actor="anna",
            owner="anna",
            goal_id="g1",
            title="Presenteren",
            agreed_in=own,
            collaborators=("bram", "carla"),
        )
    )
    service.execute_goal(NoteProgress(actor="bram", goal_id="g1", text="ok", conversation=later))
    service.execute_goal(NoteProgress(actor="carla", goal_id="g1", text="ok", conversation=own))
    messages = {
        _refusal(service, NoteProgress(actor=actor, goal_id="g1", text="x", conversation=named))
        for actor, named in [
            ("carla", erik["ordinary"]),
            ("carla", erik["restricted"]),
            ("carla", erik["vitality"]),
            ("carla", MADE_UP),
            ("carla", later),
            ("bram", erik["ordinary"]),
        ]
    }
    assert len({m.replace("carla", "<actor>").replace("bram", "<actor>") for m in messages}) == 1
    goal = service.view_goal("g1", actor="anna").goal
    assert goal is not None
    assert [n.conversation for n in goal.progress] == [later, own]


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


def _goal_as_stored_before(service: Service, command: SetGoal) -> None:
    """A goal set as the service let its owner before its conversation was checked."""
    stream = goal_stream(command.goal_id)
    service.commit([StreamWrite(stream, 0, decide_goal(None, command, now=T0))])


def test_a_goal_tells_nothing_about_a_conversation_it_names(service: Service) -> None:
    """Dirk knows the ids of erik's conversations (ordinary, vitality, restricted) and makes one
    up. A note of his own goal naming any of them is refused with the same words, and so is a
    goal of his agreed in any of them (:mod:`tests.app.test_goal_conversation_check`); one kept
    from before that check answers dirk, and hr1 through dirk's ``goals`` choice, the same way
    (one reason, special-category: none of them is shown to be his)."""
    erik = _erik(service)
    service.share(
        GrantSharing(actor="dirk", person="dirk", to="hr1", what="goals", purpose="conversation")
    )
    refusals, claims, answers = set(), set(), set()
    for n, named in enumerate((*erik.values(), MADE_UP)):
        service.execute_goal(SetGoal(actor="dirk", owner="dirk", goal_id=f"n{n}", title="probe"))
        note = NoteProgress(actor="dirk", goal_id=f"n{n}", text=".", conversation=named)
        refusals.add(_refusal(service, note))
        claim = SetGoal(actor="dirk", owner="dirk", goal_id=f"a{n}", title="probe", agreed_in=named)
        with pytest.raises(RecordInvalidError) as refused:
            service.execute_goal(claim)
        claims.add(str(refused.value))
        assert service.store.version(goal_stream(f"a{n}")) == 0
        _goal_as_stored_before(service, claim)
        assert service.view_goal(f"a{n}", actor="dirk").goal is not None
        seen = service.view_goal(f"a{n}", actor="hr1").decision
        answers.add((seen.allowed, seen.reason.replace(named, "<id>")))
    assert len(refusals) == 1
    assert len(claims) == 1
    assert len(answers) == 1
    [(allowed, reason)] = answers
    assert not allowed
    assert "special-category" in reason
