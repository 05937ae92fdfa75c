"""The rest of the conversation and organisation commands in the gateway machine
(:mod:`.test_gateway_stateful`): topics (on a special theme too), rescheduling, cancelling and
marking not held (blind until published for good: the other side's preparation stays shut),
registering a paper record, updating an agreement (a carried one where it was agreed) with a
note, moving a person to another team (:meth:`Service.move_person`, and the same change as
:meth:`Service.record_change`), and many requests at once (:meth:`Service.request_many`, which
hands out ids only). Every command's result passes :meth:`Model.check_out`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from magcore.domain.conversation import (
    Cancel,
    MarkNotHeld,
    RaiseTopic,
    RegisterPaper,
    Reschedule,
    UpdateAgreement,
)
from magcore.domain.orgchanges import Move

from .gateway_model import EMPLOYEES, SPECIAL_THEME, Given, markers

CLOSING = ("cancel", "not_held")


class MoreCommands:
    """Mixed into the machine (which gives ``service``, ``convs``, ``people_of`` and the
    helpers ``marker``, ``raw``, ``command``, ``open_convs``, ``try_``, ``check_out``)."""

    service: Any
    convs: list[str]
    people_of: dict[str, set[str]]
    subject_of: dict[str, str | None]
    last_change: Any
    marker: Any
    raw: Any
    command: Any
    open_convs: Any
    try_: Any
    audited: Any
    check_out: Any
    now: Any

    def started(self, conv: str, people: Any) -> None:
        self.convs.append(conv)
        self.people_of[conv] = {p.person for p in people}
        self.subject_of[conv] = self.raw(conv).subject

    @precondition(lambda self: bool(self.open_convs()))
    @rule(data=st.data(), theme=st.sampled_from((None, SPECIAL_THEME, "performing")))
    def raise_topic(self, data: st.DataObject, theme: str | None) -> None:
        """A topic, perhaps on the special-category theme (shown as that theme demands)."""
        conv = data.draw(st.sampled_from(self.open_convs()))
        actor = data.draw(st.sampled_from(self.raw(conv).people))
        text = self.marker(conv, "topic", actor, theme=theme)
        self.command(conv, actor, RaiseTopic(actor=actor, text=text, theme=theme))

    @precondition(lambda self: bool(self.open_convs()))
    @rule(data=st.data(), days=st.integers(1, 20))
    def reschedule(self, data: st.DataObject, days: int) -> None:
        conv = data.draw(st.sampled_from(self.open_convs()))
        actor = data.draw(st.sampled_from(self.raw(conv).people))
        on = self.now + timedelta(days=days)
        self.command(conv, actor, Reschedule(actor=actor, on=on, reason="agenda"))

    @precondition(lambda self: bool(self.open_convs()))
    @rule(data=st.data(), how=st.sampled_from(CLOSING))
    def close_unheld(self, data: st.DataObject, how: str) -> None:
        """Cancel a conversation, or mark it not held: it was never held, so what one side
        prepared stays blind to the other for good (the reads after it check that)."""
        conv = data.draw(st.sampled_from(self.open_convs()))
        actor = data.draw(st.sampled_from(self.raw(conv).people))
        command = Cancel(actor=actor) if how == "cancel" else MarkNotHeld(actor=actor)
        self.command(conv, actor, command)

    @precondition(lambda self: bool(self.open_convs()))
    @rule(data=st.data())
    def prepare_then_close(self, data: st.DataObject) -> None:
        """One side prepares and publishes, the other prepares without publishing, then the
        conversation is cancelled or not held, and both read it: the coincidence a random run
        seldom hits."""
        conv = data.draw(st.sampled_from(self.open_convs()))
        state = self.raw(conv)
        if len(state.preparers) < 2 or state.state.value not in ("requested", "scheduled"):
            return
        first, second = state.preparers[:2]
        self.prepare(Given(conv, first), publish=True)
        self.prepare(Given(conv, second), publish=False)
        self.close_unheld(Given(conv, first), how=data.draw(st.sampled_from(CLOSING)))
        for viewer in (first, second, "po"):
            purpose = "subject_access" if viewer == "po" else "conversation"
            self.read(Given(conv), viewer, purpose)

    prepare: Any
    read: Any

    @precondition(lambda self: bool(self.open_convs()))
    @rule(data=st.data())
    def register_paper(self, data: st.DataObject) -> None:
        conv = data.draw(st.sampled_from(self.open_convs()))
        actor = self.raw(conv).recorders[0]
        self.command(conv, actor, RegisterPaper(actor=actor, held_on=self.now.date()))

    @precondition(lambda self: bool(self.open_convs()))
    @rule(
        data=st.data(),
        status=st.sampled_from(("done", "dropped")),
        carried=st.booleans(),
    )
    def update_agreement(self, data: st.DataObject, status: str, carried: bool) -> None:
        """Mark an agreement done or dropped with a note (a marker): the note is content of
        the event only (deliveries), never of a view. A carried one is closed where agreed."""
        conv = data.draw(st.sampled_from(self.open_convs()))
        state = self.raw(conv)
        if carried and state.carried_forward:
            copy = data.draw(st.sampled_from(state.carried_forward))
            origin, _, agreement = copy.id.partition("#")
            target = copy.id
        elif state.agreements:
            origin, agreement, target = conv, state.agreements[0].id, state.agreements[0].id
        else:
            return
        actor = data.draw(st.sampled_from(state.people))
        note = self.marker(origin, "agreement_note", actor, agreement=agreement)
        command = UpdateAgreement(actor=actor, agreement_id=target, status=status, note=note)
        self.command(conv, actor, command)

    @rule(
        person=st.sampled_from(EMPLOYEES),
        team=st.sampled_from(("t0", "t1")),
        as_change=st.booleans(),
    )
    def move(self, person: str, team: str, as_change: bool) -> None:
        """Move an employee to another team (t0 has no manager): who manages them changes, and
        with it whom a ``next_manager`` choice names."""
        self.service.clock.current += timedelta(days=1)
        day = self.now.date()
        if day <= self.last_change:
            return
        if as_change:
            events = self.try_(
                lambda: self.service.record_change(
                    "org", Move(person=person, team=team, on=day), actor="hr"
                )
            )
            assert events is None or not markers(events)
        else:
            self.try_(lambda: self.service.move_person("org", person, team, day, actor="hr"))
        self.last_change = day

    @precondition(lambda self: bool(self.convs))
    @rule(employee=st.sampled_from(EMPLOYEES), by_move=st.booleans())
    def choice_follows_the_manager(self, employee: str, by_move: bool) -> None:
        """The employee shares their whole record with their next manager; then their manager
        changes (a manager change, or a move to the team without one and back): the choice
        names whoever manages them now, never the one before, in reads and in the listing."""
        self.share(employee, "next_manager", "whole_record", "advice")
        if by_move:
            self.move(employee, "t0", as_change=True)
            self.reads_and_listings(employee)
            self.move(employee, "t1", as_change=False)
        else:
            current = self.manager_of(employee, self.now.date())
            self.change_manager("m2" if current == "m1" else "m1")
        self.reads_and_listings(employee)

    def reads_and_listings(self, employee: str) -> None:
        for viewer in ("m1", "m2"):
            for conv in [c for c in self.convs if self.subject_of[c] == employee]:
                self.read(Given(conv), viewer, "advice")
            self.listing(viewer, "advice")

    share: Any
    change_manager: Any
    manager_of: Any
    listing: Any

    @precondition(lambda self: len(self.convs) < 5)
    @rule(employee=st.sampled_from(EMPLOYEES))
    def request_many(self, employee: str) -> None:
        """The bulk path: ids only, no content and no read; the conversation it starts (with
        its carried agreements) is read like any other afterwards."""
        cycle = self.service.cycle("mag@1")
        people = self.try_(
            lambda: self.service.participants_for("org", cycle, "mag", employee, on=self.now.date())
        )
        if people is None:
            return
        before = self.audited()
        spec = {"cycle": cycle, "kind": "mag", "participants": people, "actor": employee}
        ids = self.try_(lambda: self.service.request_many([spec]))
        if ids is None:
            return
        assert not markers(ids)
        assert not [
            line for line in self.service.store.read_audit(after=before) if line["action"] == "read"
        ]
        self.started(ids[0], people)
