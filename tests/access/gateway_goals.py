"""Goals in the machine over every way out (:mod:`.test_gateway_stateful`).

Goals are set by the employee, agreed in any of the machine's conversations about them (of the
special-category kind too; one destroyed or cancelled is refused, nothing stored), with a
progress note; linked to another conversation (refused, and nothing stored, when the owner did
not take part in it, or it was destroyed or cancelled) and closed with a note; each text is
a marker, and every goal command's result is checked like a read. Others are made from an
agreed record's agreement on the service's own path (``record_goals.goal_writes``): their title
is a copy of the agreement's marker, which goes with the conversation: once it is destroyed, no
read of the goal and no export gives the copy.
Read by anyone for any purpose, or by whom a choice or the legal basis names, in the export
too, a goal's markers come out only with a reason valid then, by the machine's model of the
rule: a goal is decided under what its origin makes it (the kind of the conversation it was
agreed in), so a ``goals`` choice or the legal basis never opens one agreed in the
special-category kind. The other way round too: what a valid reason covers is given.
"""

from __future__ import annotations

import contextlib
from typing import Any

import attrs
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from magcore.access.decision import SUBJECT_ACCESS
from magcore.app.record_goals import RecordGoal, goal_writes
from magcore.app.record_goals import goal_id as record_goal_id
from magcore.domain.conversation import State
from magcore.domain.goals import CloseGoal, LinkConversation, NoteProgress, SetGoal, goal_stream
from magcore.errors import MagcoreError, RecordInvalidError

from .gateway_model import Fixed, markers

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
    copied: tuple[str, ...] = ()
    """Markers copied from the record of *agreed_in* (made from its agreement): they go with
    that conversation."""


class GoalWays:
    """The goal rules, mixed into the gateway machine (which gives ``service``, ``convs``,
    ``choices``, ``restricted`` and the helpers ``marker``, ``raw``, ``grantee``, ``reasons``
    and ``audited``)."""

    goals: dict[str, GoalWritten]
    marker: Any
    audited: Any
    service: Any
    convs: list[str]
    choices: list[Any]
    restricted: set[str]
    erased: set[str]
    request: Any
    hold_and_record: Any
    confirm: Any
    erase: Any
    export: Any

    def shown_markers(self, goal: GoalWritten) -> tuple[str, ...]:
        """What of *goal* is still there to be shown: its own words, and the words it copied
        while the conversation they came from is not destroyed."""
        if goal.agreed_in in self.erased:
            return goal.markers
        return (*goal.markers, *goal.copied)

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
        special-category kind), working on it with the others who took part, and notes
        progress; one destroyed or cancelled since is refused at ``/agreed_in``, nothing
        stored."""
        conv = data.draw(st.sampled_from(self.convs))
        state = self.raw(conv)
        owner = state.subject
        if owner is None:
            return
        goal_id = f"g{len(self.goals) + 1}"
        if self.ended(conv):
            self.refused(
                SetGoal(actor=owner, owner=owner, goal_id=goal_id, title="x", agreed_in=conv),
                "/agreed_in",
            )
            return
        others = tuple(p for p in state.people if p != owner)
        title = self.marker(conv, GOAL_MARKERS, owner)
        note = self.marker(conv, GOAL_MARKERS, owner)
        self.goals[goal_id] = GoalWritten(
            owner, conv, state.kind == "stress", others, markers=(title, note)
        )
        view = self.goal_command(
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
        self.goal_command(NoteProgress(actor=owner, goal_id=goal_id, text=note))

    def ended(self, conv: str) -> bool:
        """Whether *conv* was destroyed or cancelled: no goal names it any more."""
        return conv in self.erased or self.raw(conv).state is State.CANCELLED

    def refused(self, command: Any, pointer: str) -> None:
        """*command* is refused at *pointer* and nothing of its goal is stored."""
        stream = goal_stream(command.goal_id)
        before = self.service.store.version(stream)
        with pytest.raises(RecordInvalidError) as refused:
            self.service.execute_goal(command)
        assert [p.pointer for p in refused.value.problems] == [pointer]
        assert self.service.store.version(stream) == before

    def goal_command(self, command: Any) -> Any:
        """Run a goal command; its result (what the actor may see of the goal) is checked
        like a read, with its own audit line."""
        before = self.audited()
        view = self.service.execute_goal(command)
        self.check_goal(view, command.goal_id, command.actor, "conversation", before)
        return view

    @precondition(lambda self: bool(self.goals))
    @rule(data=st.data(), close=st.booleans())
    def link_or_close_goal(self, data: st.DataObject, close: bool) -> None:
        """The owner links another conversation to a goal (refused at ``/conversation``, nothing
        stored, when they did not take part in it), or closes it with a note (a marker): both
        results are checked, and the note is read like the rest."""
        goal_id = data.draw(st.sampled_from(sorted(self.goals)))
        goal = self.goals[goal_id]
        command: Any
        if close:
            note = self.marker(goal.agreed_in, GOAL_MARKERS, goal.owner)
            goal.markers = (*goal.markers, note)
            command = CloseGoal(actor=goal.owner, goal_id=goal_id, status="reached", note=note)
        else:
            conv = data.draw(st.sampled_from(self.convs))
            command = LinkConversation(actor=goal.owner, goal_id=goal_id, conversation=conv)
            if not goal.erased and (goal.owner not in self.raw(conv).people or self.ended(conv)):
                # one the owner did not take part in, destroyed or cancelled: nothing stored
                self.refused(command, "/conversation")
                return
        with contextlib.suppress(MagcoreError):
            self.goal_command(command)

    def check_goal(self, view: Any, goal_id: str, viewer: str, purpose: str, before: int) -> None:
        """*view* (a goal view) shows the goal's markers only with a reason valid now, and
        then with its allowed line; and a valid reason gives the goal (the title at least)."""
        goal = self.goals[goal_id]
        shown = repr(view)
        allowed = self.may_goal(viewer, purpose, goal)
        if goal.agreed_in in self.erased:  # a copy of its words went with the conversation
            assert not any(marker in shown for marker in goal.copied), (viewer, goal)
        if any(marker in shown for marker in (*goal.markers, *goal.copied)):
            assert allowed, (viewer, purpose, goal)
            assert any(
                line["actor"] == viewer
                and line["object"] == f"goal:{goal_id}"
                and line["result"] == "allowed"
                and line["purpose"] == purpose
                for line in self.service.store.read_audit(after=before)
            )
        elif allowed:  # the other way round: a valid reason gives the goal
            assert view.goal is not None, ("refused", viewer, purpose, goal, view.decision)
            assert not self.shown_markers(goal), ("without its words", viewer, goal)
        assert not markers(shown) - set(goal.markers) - set(goal.copied)

    def check_goals_out(self, shown: Any, person: str, requester: str, before: int) -> None:
        """The goals section of *person*'s export asked by *requester*: only their own goals,
        each only with a reason and its line; every goal a reason opens is in it."""
        lines = [
            line
            for line in self.service.store.read_audit(after=before)
            if line["actor"] == requester
            and line["result"] == "allowed"
            and line["purpose"] == SUBJECT_ACCESS
        ]
        found = markers(shown)
        for goal_id, goal in self.goals.items():
            if goal.agreed_in in self.erased:  # its copy went with the conversation
                assert not found & set(goal.copied), (goal_id, goal)
            mine = found & set(self.shown_markers(goal))
            if mine:
                assert goal.owner == person, (goal_id, goal)
                assert self.may_goal(requester, SUBJECT_ACCESS, goal), (requester, goal)
                assert any(line["object"] == f"goal:{goal_id}" for line in lines), goal_id
            elif (
                goal.owner == person
                and self.may_goal(requester, SUBJECT_ACCESS, goal)
                and self.shown_markers(goal)
            ):
                raise AssertionError(("left out of the export", goal_id, goal))
            found -= mine
        assert not found, found

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
        self.check_goal(view, goal_id, viewer, purpose, before)
        if goal.erased:
            assert view.destroyed
        elif self.may_goal(viewer, purpose, goal) and goal.copied and goal.agreed_in in self.erased:
            assert view.erased_with == goal.agreed_in

    @precondition(lambda self: bool(self.convs) and len(self.goals) < 4)
    @rule(data=st.data())
    def goal_from_a_record(self, data: st.DataObject) -> None:
        """The service makes a goal of the agreement of an agreed record, on its own path
        (as a record form's development goals do): owned by the employee, a copy of the
        agreement's words as its title."""
        conv = data.draw(st.sampled_from(self.convs))
        if conv in self.erased:
            return
        state = self.raw(conv)
        agreement = next((a for a in state.agreements if a.id == "a1"), None)
        if state.state is not State.AGREED or state.subject is None or agreement is None:
            return
        made = record_goal_id(conv, "a1")
        if made in self.goals:
            return
        wanted = RecordGoal(
            agreement_id="a1",
            pointer="/goals/0",
            title=agreement.text,
            topic=None,
            topic_pointer=None,
            due=None,
            description="",
        )
        definition = self.service.cycle(state.cycle)
        writes = goal_writes(
            state, definition, [wanted], actor=state.subject, now=self.service.clock.now()
        )
        self.service.store.append(writes)
        others = tuple(p for p in state.people if p != state.subject)
        self.goals[made] = GoalWritten(
            state.subject, conv, state.kind == "stress", others, copied=(agreement.text,)
        )

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
        self.set_goal(Fixed(self.convs[-1]))
        goal_id = f"g{len(self.goals)}"
        if goal_id in self.goals and self.goals[goal_id].special:
            for viewer, purpose in self.reasons():
                self.read_goal(Fixed(goal_id), viewer, purpose)

    @precondition(lambda self: len(self.goals) < 4)
    @rule(employee=st.sampled_from(("e1", "e2")))
    def copied_goal_erased_with_its_conversation(self, employee: str) -> None:
        """A record agreed, a goal made from its agreement, the conversation destroyed, then
        the goal read by its owner and by everyone a choice or the legal basis names, and the
        owner's export: the sequence random rules seldom hit. None of them gives the copy."""
        before = len(self.convs)
        self.request(employee, "mag")
        if len(self.convs) == before:
            return
        conv = self.convs[-1]
        self.hold_and_record(Fixed(conv))
        self.confirm(Fixed(conv))
        self.goal_from_a_record(Fixed(conv))
        made = record_goal_id(conv, "a1")
        if made not in self.goals:
            return
        self.erase(Fixed(conv))
        owner = self.goals[made].owner
        for viewer, purpose in [(owner, "conversation"), *self.reasons()]:
            self.read_goal(Fixed(made), viewer, purpose)
        self.export(owner, owner, True)
