"""Random command sequences against one conversation, checked against a reference model.

At every step: replaying the events equals the state; an agreed record carries every
participant's confirmation; nobody saw another's preparation before publishing their own (or
before the conversation was held); dissent notes are never lost.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from magcore import (
    AddDissent,
    AddPrivateNote,
    AddResponse,
    Agreement,
    Cancel,
    ConfirmRecord,
    CycleDefinition,
    DraftRecord,
    MarkHeld,
    MarkNotHeld,
    Participant,
    PublishPreparation,
    RaiseTopic,
    RegisterPaper,
    RequestConversation,
    Reschedule,
    SavePreparation,
    Schedule,
    State,
    TransitionError,
    apply,
    decide,
    replay,
    visible_preparation,
)
from magcore.domain.conversation import HELD_STATES, OPEN_STATES, UNDISCLOSED

from ..conftest import EXAMPLE_CYCLES
from ..forms.strategies import NOT_TEXT

CYCLE = CycleDefinition.from_file(EXAMPLE_CYCLES / "employee-manager.json")
EMPLOYEE, MANAGER, OUTSIDER = "emp", "mgr", "someone-else"
PEOPLE = (EMPLOYEE, MANAGER)
T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)

actors = st.sampled_from((EMPLOYEE, MANAGER, OUTSIDER))
# Texts the input policy accepts (hostile texts: tests/test_input_policy_hostile.py).
texts = st.text(
    st.characters(exclude_categories=("Cs", "Cc"), exclude_characters=NOT_TEXT),
    min_size=0,
    max_size=12,
)


class ConversationLifecycle(RuleBasedStateMachine):
    """Any command, by anyone, at any moment: only legal ones change anything."""

    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.events = list(
            decide(
                None,
                RequestConversation(
                    actor=EMPLOYEE,
                    conversation_id="c1",
                    cycle=CYCLE,
                    kind="yearly",
                    participants=(
                        Participant(EMPLOYEE, "employee"),
                        Participant(MANAGER, "manager"),
                    ),
                ),
                now=self.now,
            )
        )
        self.conv = replay(self.events)
        self.dissent_texts: list[str] = []
        self.published: set[str] = set()

    def send(self, command: object) -> bool:
        """Decide and apply; a refusal must change nothing. Returns whether it was accepted."""
        before = self.conv
        self.now += timedelta(hours=1)
        try:
            new = decide(self.conv, command, now=self.now)  # type: ignore[arg-type]
        except TransitionError as exc:
            # an outsider is told nothing of the conversation: not its state
            outsider = before.role_of(command.actor) is None  # type: ignore[attr-defined]
            assert exc.state == (UNDISCLOSED if outsider else before.state.value)
            if outsider:  # the sentence names no state ("… while it is agreed")
                assert " while " not in str(exc)
                assert str(exc).endswith("does not take part in this conversation.")
            assert exc.action == command.action  # type: ignore[attr-defined]
            assert self.conv == before
            return False
        for event in new:
            assert event.version == self.conv.version + 1
            self.conv = apply(event, self.conv)
            self.events.append(event)
        return True

    def expect(self, command: object, allowed: set[State], condition: bool = True) -> bool:
        """Send *command*; the reference model says it is accepted exactly when a participant
        sends it in one of the *allowed* states and *condition* holds."""
        before = self.conv.state
        accepted = self.send(command)
        assert accepted == (
            command.actor in PEOPLE and before in allowed and condition  # type: ignore[attr-defined]
        ), (command, before)
        return accepted

    @rule(actor=actors, days=st.integers(1, 60))
    def schedule(self, actor: str, days: int) -> None:
        self.expect(Schedule(actor=actor, on=self.now + timedelta(days=days)), {State.REQUESTED})

    @rule(actor=actors, days=st.integers(1, 60))
    def reschedule(self, actor: str, days: int) -> None:
        before = self.conv.state
        self.send(Reschedule(actor=actor, on=self.now + timedelta(days=days), reason="agenda"))
        assert self.conv.state == before  # rescheduling is neutral: the state stays

    @rule(actor=actors, answer=texts)
    def save_preparation(self, actor: str, answer: str) -> None:
        self.send(SavePreparation(actor=actor, answers={"topics": answer}))

    @rule(actor=actors)
    def publish(self, actor: str) -> None:
        if self.send(PublishPreparation(actor=actor)):
            self.published.add(actor)

    @rule(actor=actors, text=texts)
    def raise_topic(self, actor: str, text: str) -> None:
        self.expect(
            RaiseTopic(actor=actor, text=text),
            set(OPEN_STATES) | {State.HELD, State.RECORD_DRAFTED},
            bool(text.strip()),
        )

    @rule(actor=actors)
    def hold(self, actor: str) -> None:
        planned = self.conv.scheduled_for
        on_or_after_planned = planned is None or self.now.date() >= planned.date()
        self.expect(
            MarkHeld(actor=actor, on=self.now.date()), set(OPEN_STATES), on_or_after_planned
        )

    @rule(actor=actors)
    def not_held(self, actor: str) -> None:
        self.expect(MarkNotHeld(actor=actor, reason="no_time"), set(OPEN_STATES))

    @rule(actor=actors)
    def cancel(self, actor: str) -> None:
        self.expect(Cancel(actor=actor), set(OPEN_STATES))

    @rule(
        actor=actors,
        summary=texts,
        with_agreement=st.booleans(),
        owner=st.sampled_from(["employee", "manager", "both", "coach"]),
    )
    def draft(self, actor: str, summary: str, with_agreement: bool, owner: str) -> None:
        agreements = (
            (Agreement(id="a1", text="Cursus volgen", owner=owner, due=date(2025, 6, 1)),)
            if with_agreement
            else ()
        )
        self.expect(
            DraftRecord(actor=actor, summary=summary, agreements=agreements),
            {State.HELD, State.RECORD_DRAFTED},
            not with_agreement or owner != "coach",
        )

    @rule(actor=actors)
    def paper(self, actor: str) -> None:
        self.send(RegisterPaper(actor=actor, held_on=self.now.date()))

    @rule(actor=actors, stale=st.booleans())
    def confirm(self, actor: str, stale: bool) -> None:
        revision = self.conv.record.revision if self.conv.record else 1
        self.send(ConfirmRecord(actor=actor, revision=revision - 1 if stale else revision))

    @rule(actor=actors, text=texts)
    def dissent(self, actor: str, text: str) -> None:
        if self.expect(
            AddDissent(actor=actor, text=text),
            {State.RECORD_DRAFTED, State.AGREED},
            bool(text.strip()),
        ):
            # The input policy stores texts in NFC (a compatibility ideograph becomes its
            # unified form), so the model expects that form, normalised independently.
            self.dissent_texts.append(unicodedata.normalize("NFC", text))

    @rule(actor=actors, text=texts)
    def private_note(self, actor: str, text: str) -> None:
        self.send(AddPrivateNote(actor=actor, text=text))

    @rule(
        actor=actors,
        about=st.sampled_from(
            ["record", "agreement:a1", "preparation:mgr", "dissent:0", "nothing"]
        ),
        text=texts,
    )
    def respond(self, actor: str, about: str, text: str) -> None:
        accepted = self.send(AddResponse(actor=actor, about=about, text=text))
        if accepted:
            assert actor == EMPLOYEE

    @rule(viewer=actors, author=st.sampled_from(PEOPLE))
    def look_at_preparation(self, viewer: str, author: str) -> None:
        seen = visible_preparation(self.conv, viewer, author)
        if seen is not None and viewer != author:
            assert viewer in PEOPLE
            assert author in self.published
            assert viewer in self.published or self.conv.state in HELD_STATES

    @invariant()
    def replay_equals_state(self) -> None:
        assert replay(self.events) == self.conv

    @invariant()
    def versions_count_events(self) -> None:
        assert self.conv.version == len(self.events)

    @invariant()
    def agreed_means_everyone_confirmed(self) -> None:
        if self.conv.state is State.AGREED:
            assert self.conv.confirmed_by == frozenset(PEOPLE)

    @invariant()
    def dissents_are_never_lost(self) -> None:
        assert [d.text for d in self.conv.dissents] == self.dissent_texts

    @invariant()
    def private_notes_only_from_participants(self) -> None:
        assert all(n.author in PEOPLE for n in self.conv.private_notes)


TestConversationLifecycle = ConversationLifecycle.TestCase
# The lifecycle has many rules; give it four times the profile's examples (still seconds).
TestConversationLifecycle.settings = settings(
    settings.default, max_examples=settings.default.max_examples * 4
)
