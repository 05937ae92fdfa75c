"""A goal made from a record's agreement and that agreement close together, in one
transaction, only when the person closing one may close the other themselves: the employee
closing their goal marks their agreement; the employee marking the agreement closes their goal;
a manager never closes the employee's goal, and the employee never marks the manager's
agreement."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from magcore import (
    Agreement,
    CloseGoal,
    ConfirmRecord,
    DraftRecord,
    TransitionError,
    UpdateAgreement,
)
from magcore.app.record_goals import AGREEMENT_FOR_GOAL, GOAL_FOR_AGREEMENT, goal_id
from magcore.domain.goals import GoalStatus
from magcore.model.records import AgreementOwner, AgreementStatus

from .test_goal_links import _held, _service


def _agreed(owner: AgreementOwner | None = None) -> tuple[Any, str, str, str]:
    """An agreed record with one development goal (``goal-1``); with *owner*, the draft
    already holds agreement ``goal-1`` of that owner (so the goal is made from it)."""
    svc, person, manager = _service()
    conv_id = _held(svc, person, manager)
    agreements = (
        [Agreement(id="goal-1", text="Samen plannen", owner=owner)] if owner is not None else []
    )
    drafted = svc.execute(
        conv_id,
        DraftRecord(
            actor=person,
            answers={"goals": [{"goal": "Samen plannen", "link": "care-teamwork"}]},
            agreements=agreements,
        ),
    )
    for who in (person, manager):
        svc.execute(conv_id, ConfirmRecord(actor=who, revision=drafted.revision))
    return svc, conv_id, person, manager


def _agreement(svc: Any, conv_id: str, person: str) -> Agreement:
    view = svc.view(conv_id, actor=person)
    return next(a for a in view.agreements if a.id == "goal-1")


def _goal(svc: Any, conv_id: str, person: str) -> Any:
    return svc.view_goal(goal_id(conv_id, "goal-1"), actor=person).goal


def _events(svc: Any, stream: str, kind: str) -> list[Any]:
    return [e for e in svc.store.read(stream) if e.type == kind]


@pytest.mark.parametrize(
    ("status", "agreement_status"),
    [
        (GoalStatus.REACHED, AgreementStatus.DONE),
        (GoalStatus.DROPPED, AgreementStatus.DROPPED),
        (GoalStatus.CHANGED, AgreementStatus.DROPPED),
    ],
)
def test_the_employee_closing_the_goal_marks_the_agreement(status, agreement_status):
    """Reached is done; dropped or changed leaves the agreement as written dropped. The
    agreement's event names the goal (metadata); the goal's note is not copied."""
    svc, conv_id, person, _manager = _agreed()
    gid = goal_id(conv_id, "goal-1")
    svc.execute_goal(CloseGoal(actor=person, goal_id=gid, status=status, note="Gelukt, privé"))
    assert agreement_status == _agreement(svc, conv_id, person).status
    (updated,) = _events(svc, f"conversation:{conv_id}", "agreement.updated")
    assert {"agreement": "goal-1", "status": agreement_status.value, "goal": gid} == {
        k: updated.data[k] for k in ("agreement", "status", "goal")
    }
    assert updated.data["note"] == ""
    assert updated.at == svc.store.read(f"goal:{gid}")[-1].at  # one decision, one moment


@pytest.mark.parametrize(
    ("status", "goal_status"),
    [(AgreementStatus.DONE, GoalStatus.REACHED), (AgreementStatus.DROPPED, GoalStatus.DROPPED)],
)
def test_the_employee_marking_the_agreement_closes_the_goal(status, goal_status):
    """The employee marks their agreement done or dropped: their goal closes with it."""
    svc, conv_id, person, _manager = _agreed()
    svc.execute(conv_id, UpdateAgreement(actor=person, agreement_id="goal-1", status=status))
    goal = _goal(svc, conv_id, person)
    assert goal_status == goal.status
    (closed,) = _events(svc, f"goal:{goal.id}", "goal.closed")
    assert f"{conv_id}#goal-1" == closed.data["agreement"]


def test_a_manager_marking_an_agreement_of_both_leaves_the_employees_goal_open():
    """The goal is the employee's alone: a manager may mark an agreement of both, but the goal
    stays open until the employee closes it; then the agreement, already done, stays so."""
    svc, conv_id, person, manager = _agreed(AgreementOwner.BOTH)
    svc.execute(
        conv_id, UpdateAgreement(actor=manager, agreement_id="goal-1", status=AgreementStatus.DONE)
    )
    assert _goal(svc, conv_id, person).status == GoalStatus.OPEN
    gid = goal_id(conv_id, "goal-1")
    svc.execute_goal(CloseGoal(actor=person, goal_id=gid, status=GoalStatus.DROPPED))
    assert _agreement(svc, conv_id, person).status == AgreementStatus.DONE
    assert len(_events(svc, f"conversation:{conv_id}", "agreement.updated")) == 1


def test_an_agreement_of_both_follows_the_employees_goal():
    """An agreement of both may be marked by the employee: closing their goal marks it."""
    svc, conv_id, person, _manager = _agreed(AgreementOwner.BOTH)
    gid = goal_id(conv_id, "goal-1")
    svc.execute_goal(CloseGoal(actor=person, goal_id=gid, status=GoalStatus.REACHED))
    assert _agreement(svc, conv_id, person).status == AgreementStatus.DONE


def test_the_managers_agreement_and_the_employees_goal_stay_apart():
    """Neither side closes what is the other's: the employee's goal closes alone, the
    manager's agreement is marked alone."""
    svc, conv_id, person, _manager = _agreed(AgreementOwner.MANAGER)
    gid = goal_id(conv_id, "goal-1")
    svc.execute_goal(CloseGoal(actor=person, goal_id=gid, status=GoalStatus.REACHED))
    assert _agreement(svc, conv_id, person).status == AgreementStatus.OPEN
    other, other_conv, other_person, other_manager = _agreed(AgreementOwner.MANAGER)
    other.execute(
        other_conv,
        UpdateAgreement(actor=other_manager, agreement_id="goal-1", status=AgreementStatus.DONE),
    )
    assert _goal(other, other_conv, other_person).status == GoalStatus.OPEN


def test_a_refused_close_writes_nothing_on_either_side():
    """The manager may not close the employee's goal: refused, and the agreement stays open."""
    svc, conv_id, person, manager = _agreed()
    before = len(svc.store.read(f"conversation:{conv_id}"))
    gid = goal_id(conv_id, "goal-1")
    with pytest.raises(TransitionError, match="only the owner"):
        svc.execute_goal(CloseGoal(actor=manager, goal_id=gid, status=GoalStatus.REACHED))
    assert before == len(svc.store.read(f"conversation:{conv_id}"))
    assert _agreement(svc, conv_id, person).status == AgreementStatus.OPEN


@pytest.mark.parametrize("close", [False, True])
def test_a_closed_agreement_is_no_longer_carried_forward(close):
    """Once the goal is reached, the next conversation does not bring the agreement back (an
    open one it does)."""
    svc, conv_id, person, manager = _agreed()
    if close:
        gid = goal_id(conv_id, "goal-1")
        svc.execute_goal(CloseGoal(actor=person, goal_id=gid, status=GoalStatus.REACHED))
    nxt = svc.view(_held(svc, person, manager), actor=person)
    carried = [a.carried_from for a in nxt.carried_forward]
    assert ([] if close else [f"{conv_id}#goal-1"]) == carried


OWNERS = [AgreementOwner.EMPLOYEE, AgreementOwner.BOTH, AgreementOwner.MANAGER]
STEPS = st.lists(
    st.tuples(
        st.sampled_from(["employee", "manager"]),
        st.sampled_from(["goal", "agreement"]),
        st.sampled_from(["first", "second"]),
    ),
    max_size=4,
)


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(OWNERS), STEPS)
def test_nothing_follows_that_its_actor_could_not_do_themselves(owner, steps):
    """Whatever either side does, in any order: every goal closing is the owner's, every
    agreement marking is by someone who may mark it, and a closing that followed the other says
    the same (done with reached; dropped with dropped or changed), by the same person."""
    svc, conv_id, person, manager = _agreed(owner)
    gid = goal_id(conv_id, "goal-1")
    who = {"employee": person, "manager": manager}
    for side, target, which in steps:
        try:
            if target == "goal":
                status = GoalStatus.REACHED if which == "first" else GoalStatus.CHANGED
                svc.execute_goal(CloseGoal(actor=who[side], goal_id=gid, status=status))
            else:
                status = AgreementStatus.DONE if which == "first" else AgreementStatus.DROPPED
                svc.execute(
                    conv_id, UpdateAgreement(actor=who[side], agreement_id="goal-1", status=status)
                )
        except TransitionError:
            continue
    may_mark = {
        AgreementOwner.EMPLOYEE: {person},
        AgreementOwner.BOTH: {person, manager},
        AgreementOwner.MANAGER: {manager},
    }[owner]
    closed = _events(svc, f"goal:{gid}", "goal.closed")
    marked = _events(svc, f"conversation:{conv_id}", "agreement.updated")
    assert {person} >= {e.actor for e in closed}
    assert may_mark >= {e.actor for e in marked}
    assert len(closed) <= 1
    for event in closed:  # a goal closed by marking its agreement: the marking is there
        if "agreement" in event.data:
            assert any(
                m.actor == event.actor
                and GOAL_FOR_AGREEMENT[AgreementStatus(m.data["status"])].value
                == event.data["status"]
                for m in marked
            )
    for event in marked:  # an agreement marked by closing the goal: said the same way
        if "goal" in event.data:
            (goal_closed,) = closed
            assert goal_closed.actor == event.actor
            assert (
                AGREEMENT_FOR_GOAL[GoalStatus(goal_closed.data["status"])].value
                == (event.data["status"])
            )
