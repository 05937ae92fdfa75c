"""Goals in the machine over every way out (:mod:`.test_gateway_stateful`).

Goals are set by the employee, agreed in any of the machine's conversations (of the
special-category kind too), with a progress note; each text is a marker. Read by anyone for any
purpose, or by whom a choice or the legal basis names, a goal's markers come out only with a
reason valid then, by the machine's model of the rule: a goal is decided under what its origin
makes it (the kind of the conversation it was agreed in), so a ``goals`` choice or the legal
basis never opens one agreed in the special-category kind. The other way round too: what a
valid reason covers is given.
"""

from __future__ import annotations

from typing import Any

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from magcore.access.decision import SUBJECT_ACCESS
from magcore.domain.goals import NoteProgress, SetGoal

GOAL_MARKERS = "goal"


@attrs.define
class GoalWritten:
    """A goal the machine set: whose, where it was agreed, whether that kind is special."""

    owner: str
    agreed_in: str
    special: bool
    collaborators: tuple[str, ...]
    markers: tuple[str, ...] = ()
    erased: bool = False


@attrs.frozen
class _Fixed:
    """Stands in for ``st.data()`` when one rule calls another with a chosen value."""

    value: Any

    def draw(self, strategy: Any) -> Any:
        return self.value


class GoalWays:
    """The goal rules, mixed into the gateway machine (which gives ``service``, ``convs``,
    ``choices``, ``restricted`` and the helpers ``marker``, ``raw``, ``grantee``, ``reasons``
    and ``audited``)."""

    goals: dict[str, GoalWritten]
    service: Any
    convs: list[str]
    choices: list[Any]
    restricted: set[str]
    request: Any

    def forget_goals(self, person: str) -> None:
        """*person* was erased: their goals are gone (their keys destroyed)."""
        for goal in self.goals.values():
            if goal.owner == person:
                goal.erased = True

    def may_goal(self, viewer: str, purpose: str, goal: GoalWritten) -> bool:
        if goal.erased:
            return False
        if goal.owner in self.restricted:
            return viewer == "po"
        if purpose == SUBJECT_ACCESS:
            return viewer in (goal.owner, "po")
        if viewer == goal.owner or viewer in goal.collaborators:
            return True
        now = self.service.clock.now()
        for choice in self.choices:
            if (
                choice.person == goal.owner
                and choice.active(now)
                and choice.purpose == purpose
                and self.grantee(choice, viewer)
                and choice.what == "goals"
                and not goal.special
            ):
                return True
        return viewer == "hr" and purpose == "reintegration" and not goal.special

    @precondition(lambda self: bool(self.convs) and len(self.goals) < 4)
    @rule(data=st.data())
    def set_goal(self, data: st.DataObject) -> None:
        """The employee sets a goal agreed in a conversation about them (perhaps of the
        special-category kind, perhaps destroyed since), working on it with the others who
        took part, and notes progress."""
        conv = data.draw(st.sampled_from(self.convs))
        state = self.raw(conv)
        owner = state.subject
        if owner is None:
            return
        goal_id = f"g{len(self.goals) + 1}"
        others = tuple(p for p in state.people if p != owner)
        title = self.marker(conv, GOAL_MARKERS, owner)
        note = self.marker(conv, GOAL_MARKERS, owner)
        self.goals[goal_id] = GoalWritten(
            owner, conv, state.kind == "stress", others, markers=(title, note)
        )
        view = self.service.execute_goal(
            SetGoal(
                actor=owner,
                owner=owner,
                goal_id=goal_id,
                title=title,
                agreed_in=conv,
                collaborators=others,
            )
        )
        assert view.goal is not None or owner in self.restricted
        self.service.execute_goal(NoteProgress(actor=owner, goal_id=goal_id, text=note))

    @precondition(lambda self: bool(self.goals))
    @rule(
        data=st.data(),
        viewer=st.sampled_from(("e1", "e2", "m1", "m2", "hr", "po", "c1", "x")),
        purpose=st.sampled_from(("conversation", "advice", "reintegration", SUBJECT_ACCESS)),
    )
    def read_goal(self, data: st.DataObject, viewer: str, purpose: str) -> None:
        goal_id = data.draw(st.sampled_from(sorted(self.goals)))
        goal = self.goals[goal_id]
        before = self.audited()
        view = self.service.view_goal(goal_id, actor=viewer, purpose=purpose)
        shown = repr(view.goal)
        allowed = self.may_goal(viewer, purpose, goal)
        if any(marker in shown for marker in goal.markers):
            assert allowed, (viewer, purpose, goal)
            assert any(
                line["actor"] == viewer
                and line["object"] == f"goal:{goal_id}"
                and line["result"] == "allowed"
                and line["purpose"] == purpose
                for line in self.service.store.read_audit(after=before)
            )
        elif allowed:  # the other way round: a valid reason gives the goal
            raise AssertionError(("refused", viewer, purpose, goal, view.decision.reason))
        if goal.erased:
            assert view.destroyed

    @precondition(lambda self: bool(self.goals))
    @rule(data=st.data())
    def read_goal_by_a_reason(self, data: st.DataObject) -> None:
        """As someone a choice or the legal basis names, for its purpose: the coincidence a
        random read seldom hits (and a goal agreed in the special-category kind among them)."""
        viewer, purpose = data.draw(st.sampled_from(self.reasons()))
        self.read_goal(data, viewer, purpose)

    @precondition(lambda self: len(self.goals) < 4)
    @rule(employee=st.sampled_from(("e1", "e2")))
    def special_goal_read_by_every_reason(self, employee: str) -> None:
        """A goal agreed in a conversation of the special-category kind, read at once by
        everyone a choice or the legal basis names: none of them opens it (the legal basis
        and a ``goals`` choice open the ordinary goals)."""
        before = len(self.convs)
        self.request(employee, "stress")
        if len(self.convs) == before:
            return
        self.set_goal(_Fixed(self.convs[-1]))
        goal_id = f"g{len(self.goals)}"
        if goal_id in self.goals and self.goals[goal_id].special:
            for viewer, purpose in self.reasons():
                self.read_goal(_Fixed(goal_id), viewer, purpose)
