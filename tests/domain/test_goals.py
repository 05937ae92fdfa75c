"""Goals span conversations, keep progress notes, and close with a status, never a score."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from magcore import (
    FixedClock,
    RecordInvalidError,
    TransitionError,
    get_plugin_manager,
    open_service,
)
from magcore.domain.goals import CloseGoal, GoalStatus, LinkConversation, NoteProgress, SetGoal
from magcore.schemas import validator
from magcore.testing import approve_cycle


@pytest.fixture
def service():
    clock = FixedClock(datetime(2025, 2, 1, 9, tzinfo=UTC))
    return open_service("memory://", clock=clock, host=get_plugin_manager(load_entry_points=False))


def _conversation(service, *people: tuple[str, str]) -> str:
    """A yearly conversation of the example cycle with *people* (person, role) in it."""
    from magcore import Participant
    from tests.conftest import EXAMPLE_CYCLES

    cycle = service.add_cycle(json.loads((EXAMPLE_CYCLES / "employee-manager.json").read_text()))
    approve_cycle(service, cycle)
    participants = [Participant(person, role) for person, role in people]
    return str(
        service.request(
            cycle=cycle, kind="yearly", participants=participants, actor=people[0][0]
        ).id
    )


def test_goal_spans_conversations_with_progress_notes(service):
    """Set in one conversation, noted and linked in later ones, reached at the end."""
    c1 = _conversation(service, ("emp", "employee"), ("mgr", "manager"))
    service.execute_goal(
        SetGoal(
            actor="emp",
            goal_id="g1",
            owner="emp",
            title="Leren presenteren",
            agreed_in=c1,
            collaborators=("mgr",),
        )
    )
    service.clock.advance(timedelta(days=90))
    c2 = _conversation(service, ("emp", "employee"), ("mgr", "manager"))
    service.execute_goal(NoteProgress(actor="mgr", goal_id="g1", text="Presentatie in teamoverleg"))
    service.execute_goal(LinkConversation(actor="emp", goal_id="g1", conversation=c2))
    goal = service.execute_goal(
        CloseGoal(actor="emp", goal_id="g1", status="reached", note="Gelukt")
    ).goal
    assert goal is not None
    assert goal.status is GoalStatus.REACHED
    assert goal.conversations == (c1, c2)
    assert [(n.author, n.text) for n in goal.progress] == [
        ("mgr", "Presentatie in teamoverleg"),
        ("emp", "Gelukt"),
    ]
    assert service._goal("g1") == goal


def test_goal_json_fits_the_open_record_format(service):
    """A goal's JSON validates against schemas/goal.schema.json."""
    goal = service.execute_goal(SetGoal(actor="emp", goal_id="g1", owner="emp", title="Excel"))
    goal = service.execute_goal(NoteProgress(actor="emp", goal_id="g1", text="Cursus gestart")).goal
    assert goal is not None
    errors = list(validator("goal").iter_errors(goal.to_json()))
    assert errors == []


@pytest.mark.parametrize(
    ("command", "words"),
    [
        (NoteProgress(actor="stranger", goal_id="g1", text="x"), "does not work on this goal"),
        (NoteProgress(actor="emp", goal_id="g1", text="  "), "needs text"),
        (CloseGoal(actor="emp", goal_id="g1", status="open"), "reached, changed or dropped"),
        (NoteProgress(actor="emp", goal_id="nope", text="x"), "no such goal"),
        (SetGoal(actor="emp", goal_id="g1", owner="emp", title="again"), "already exists"),
        (SetGoal(actor="mgr", goal_id="g2", owner="emp", title="not yours"), "owner, or with them"),
    ],
)
def test_bad_goal_commands_are_refused_and_write_nothing(service, command, words):
    """Strangers, empty notes, reopening and duplicates are refused with a reason."""
    service.execute_goal(SetGoal(actor="emp", goal_id="g1", owner="emp", title="Excel"))
    before = service.store.version("goal:g1")
    with pytest.raises(TransitionError, match=words):
        service.execute_goal(command)
    assert service.store.version("goal:g1") == before


def test_closed_goal_takes_no_more_notes(service):
    """After closing, nothing more is added (a new goal is set instead)."""
    service.execute_goal(SetGoal(actor="emp", goal_id="g1", owner="emp", title="Excel"))
    service.execute_goal(CloseGoal(actor="emp", goal_id="g1", status="dropped"))
    with pytest.raises(TransitionError, match="closed"):
        service.execute_goal(NoteProgress(actor="emp", goal_id="g1", text="toch"))


def test_only_the_owner_closes_a_goal(service):
    """A collaborator notes progress but cannot mark the employee's goal reached or dropped."""
    service.execute_goal(
        SetGoal(actor="emp", goal_id="g1", owner="emp", title="Excel", collaborators=("mgr",))
    )
    with pytest.raises(TransitionError, match="only the owner closes"):
        service.execute_goal(CloseGoal(actor="mgr", goal_id="g1", status="dropped"))


def test_a_manager_sets_a_goal_only_within_a_shared_conversation(service):
    """Not one-sided: a goal for the employee set by the manager names the conversation in which
    both agreed it, and both must have taken part in it (a named problem at ``/agreed_in``)."""
    conv = _conversation(service, ("emp", "employee"), ("mgr", "manager"))
    with pytest.raises(TransitionError, match="agreed_in"):
        service.execute_goal(
            SetGoal(actor="mgr", goal_id="g1", owner="emp", title="X", collaborators=("mgr",))
        )
    with pytest.raises(RecordInvalidError, match="other and mgr take part") as refused:
        service.execute_goal(
            SetGoal(
                actor="mgr",
                goal_id="g1",
                owner="other",
                title="X",
                collaborators=("mgr",),
                agreed_in=conv,
            )
        )
    assert [p.pointer for p in refused.value.problems] == ["/agreed_in"]
    goal = service.execute_goal(
        SetGoal(
            actor="mgr",
            goal_id="g1",
            owner="emp",
            title="X",
            collaborators=("mgr",),
            agreed_in=conv,
        )
    ).goal
    assert goal is not None
    assert goal.owner == "emp"
