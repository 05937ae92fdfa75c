"""Goals: mine (owned or worked on), one goal, setting one, progress notes, closing one.

Reads are the gateway's (:meth:`~magcore.app.service.Service.view_goal`, audited): a goal the
asker may not see is a 404, with the gateway's audit line of the refusal; the list of the
asker's goals leaves such a goal out (its refusal audited the same way) and gives the rest.
A write that was stored but whose goal the asker may no longer see afterwards (their access
ended meanwhile) answers 403 saying it was stored, never a 500 that says nothing was changed.
"""

from __future__ import annotations

from typing import Literal

import attrs

from magcore.access.reading import GoalView
from magcore.domain.goals import CloseGoal, GoalCommand, NoteProgress, SetGoal, replay_goal
from magcore.errors import NotFoundError

from ..problems import ApiProblem, Problem, not_found
from .fields import id_field, ids_field, text_field
from .routing import Call, Operation
from .values import GoalOut, goal_out

__all__ = ["OPERATIONS"]

TAG = "goals"
ONE = "/goals/{goalId}"


@attrs.frozen(kw_only=True)
class GoalIn:
    """A new goal of yours (or, agreed in a conversation, of its employee: *owner*)."""

    title: str = text_field()
    description: str = text_field(default="")
    theme: str | None = id_field(default=None)
    agreed_in: str | None = id_field(default=None)
    owner: str | None = id_field(default=None)
    collaborators: tuple[str, ...] = ids_field(default=())


@attrs.frozen(kw_only=True)
class ProgressIn:
    """A note on how the goal is going, optionally from a conversation."""

    text: str = text_field()
    conversation: str | None = id_field(default=None)


@attrs.frozen(kw_only=True)
class ClosureIn:
    """Close the goal: reached, dropped (``status``), with a note."""

    status: Literal["reached", "changed", "dropped"]
    note: str = text_field(default="")


def _visible(call: Call, goal_id: str) -> GoalView:
    try:
        view = call.service.view_goal(goal_id, actor=call.principal.person_id)
    except NotFoundError:
        raise ApiProblem(not_found("goal")) from None
    if view.goal is None:
        raise ApiProblem(not_found("goal"))
    return view


def _mine(call: Call) -> list[str]:
    """The ids of the goals the asker owns or works on (found by owner and collaborators, the
    goals' metadata; their content is read through the gateway)."""
    me = call.principal.person_id
    store = call.service.store
    found = []
    for stream in store.streams("goal:"):
        goal = replay_goal(store.read(stream))
        if goal.owner == me or me in goal.collaborators:
            found.append(goal.id)
    return sorted(found)


def list_mine(call: Call) -> list[GoalOut]:
    """The asker's goals they may see now: one they may not (its owner's record restricted, for
    one) is left out, its refusal audited by the gateway, and never hides the others."""
    found = []
    for goal_id in _mine(call):
        try:
            view = call.service.view_goal(goal_id, actor=call.principal.person_id)
        except NotFoundError:
            continue
        if view.goal is not None:
            found.append(goal_out(view))
    return found


_WRITTEN = {
    "SetGoal": "the goal was set",
    "NoteProgress": "the progress note was stored",
    "CloseGoal": "the goal was closed",
}


def _execute(call: Call, command: GoalCommand) -> GoalOut:
    """Execute *command* and return the goal as the asker may see it afterwards; a 403 saying
    the write was stored when they may not (the gateway audited the refusal)."""
    view = call.service.execute_goal(command)
    if view.goal is None:
        raise ApiProblem(
            Problem(
                status=403,
                title="Stored, not shown",
                detail=f"{_WRITTEN[type(command).__name__]}; the goal is not one you may see "
                "now, so it is not shown",
                type="https://magcore.github.io/magcore/problems/stored-not-shown",
            )
        )
    return goal_out(view)


def get_one(call: Call) -> GoalOut:
    return goal_out(_visible(call, call.path["goalId"]))


def set_goal(call: Call) -> GoalOut:
    body: GoalIn = call.body
    me = call.principal.person_id
    command = SetGoal(
        actor=me,
        goal_id=call.service.new_id(),
        owner=body.owner or me,
        title=body.title,
        description=body.description,
        theme=body.theme,
        agreed_in=body.agreed_in,
        collaborators=body.collaborators,
    )
    if body.agreed_in is not None:
        from .conversations import visible

        visible(call, body.agreed_in)
    return _execute(call, command)


def note_progress(call: Call) -> GoalOut:
    body: ProgressIn = call.body
    goal_id = call.path["goalId"]
    _visible(call, goal_id)
    command = NoteProgress(
        actor=call.principal.person_id,
        goal_id=goal_id,
        text=body.text,
        conversation=body.conversation,
    )
    return _execute(call, command)


def close(call: Call) -> GoalOut:
    body: ClosureIn = call.body
    goal_id = call.path["goalId"]
    _visible(call, goal_id)
    command = CloseGoal(
        actor=call.principal.person_id, goal_id=goal_id, status=body.status, note=body.note
    )
    return _execute(call, command)


OPERATIONS = (
    Operation(
        method="GET",
        path="/goals",
        operation_id="listMyGoals",
        summary="Your goals, and the goals you work on with someone (each read audited).",
        tag=TAG,
        handler=list_mine,
        response=list[GoalOut],
    ),
    Operation(
        method="POST",
        path="/goals",
        operation_id="setGoal",
        summary="Set a goal.",
        tag=TAG,
        handler=set_goal,
        body=GoalIn,
        response=GoalOut,
        status=201,
        errors=(403, 404, 409),
    ),
    Operation(
        method="GET",
        path=ONE,
        operation_id="getGoal",
        summary="One goal you may see.",
        tag=TAG,
        handler=get_one,
        response=GoalOut,
        errors=(404,),
    ),
    Operation(
        method="POST",
        path=ONE + "/progress-notes",
        operation_id="noteProgress",
        summary="Add a progress note to a goal.",
        tag=TAG,
        handler=note_progress,
        body=ProgressIn,
        response=GoalOut,
        status=201,
        errors=(403, 404, 409),
    ),
    Operation(
        method="PUT",
        path=ONE + "/closure",
        operation_id="closeGoal",
        summary="Close a goal (reached or dropped), with a note.",
        tag=TAG,
        handler=close,
        body=ClosureIn,
        response=GoalOut,
        errors=(403, 404, 409),
    ),
)
