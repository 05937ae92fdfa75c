"""The read-model part of the store conformance suite (:class:`ReadModelContract`).

The conversation rows and open agreements a write carries, checked against what the aggregate
itself says after each command. :class:`~magcore.testing.storage.StoreContract` includes it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import attrs
import pytest

from ..domain.conversation import (
    Command,
    ConfirmRecord,
    DraftRecord,
    MarkHeld,
    MarkNotHeld,
    PublishPreparation,
    RequestConversation,
    Schedule,
    UpdateAgreement,
    decide,
    read_model,
    replay,
    stream_of,
)
from ..errors import StorageError
from ..events import Event
from ..model.cycle import CycleDefinition
from ..model.records import Participant
from ..storage.base import AgreementRow, ReadModel, Store, StreamWrite
from .driver import CONTRACT_CYCLE, T0, ConversationDriver, _agreement, event

__all__ = ["ReadModelContract"]


def requested_events(conv_id: str) -> tuple[Event, ...]:
    """The events of a conversation *conv_id* just requested (contract cycle, e-1 and m-1)."""
    cycle = CycleDefinition.from_json(CONTRACT_CYCLE)
    return decide(
        None,
        RequestConversation(
            actor="m-1",
            conversation_id=conv_id,
            cycle=cycle,
            kind="yearly",
            participants=(Participant("e-1", "employee"), Participant("m-1", "manager")),
            team="team-1",
        ),
        now=T0,
    )


class ReadModelContract:
    """What every store does with the rows a write carries (part of ``StoreContract``)."""

    def test_read_model_follows_the_aggregate_through_a_lifecycle(self, store: Store) -> None:
        """After every command the conversation row says what the aggregate says."""
        driver = ConversationDriver(store, "c-1", employee="e-1", manager="m-1")
        commands: list[Command] = [
            Schedule(actor="m-1", on=datetime(2026, 2, 3, 10, 0, tzinfo=UTC)),
            PublishPreparation(actor="e-1"),
            PublishPreparation(actor="m-1"),
            MarkHeld(actor="m-1", on=date(2026, 2, 3)),
            DraftRecord(actor="m-1", agreements=(_agreement("a-1"), _agreement("a-2", "both"))),
            ConfirmRecord(actor="m-1", revision=1),
            ConfirmRecord(actor="e-1", revision=1),
        ]
        for command in [None, *commands]:
            if command is not None:
                driver.send(command)
            conv = replay(store.read(stream_of("c-1")))
            assert conv == driver.state
            (row,) = store.conversations(subject="e-1")
            assert (row.id, row.state, row.version) == ("c-1", conv.state.value, conv.version)
            assert row.subject == conv.subject == "e-1"
            assert row.participants == ("e-1", "m-1")
            assert row.team == "team-1"
            assert row.cycle == "contract-cycle@1"
            assert row.kind == "yearly"
            assert row.requested_on == conv.requested_at.date()
            expected_scheduled = conv.scheduled_for.date() if conv.scheduled_for else None
            assert row.scheduled_on == expected_scheduled
            assert row.held_on == conv.held_on
            assert row.medium == (conv.record.medium.value if conv.record else None)
        assert row.state == "agreed"

    def test_open_agreements_come_from_agreed_conversations_only(self, store: Store) -> None:
        """Drafted but unconfirmed agreements are not open yet; done ones are no longer open."""
        first = ConversationDriver(store, "c-1", employee="e-1", manager="m-1")
        first.hold_and_agree(date(2026, 2, 3), [_agreement("a-1"), _agreement("a-2", "both")])
        second = ConversationDriver(store, "c-2", employee="e-1", manager="m-1")
        second.send(Schedule(actor="m-1", on=datetime(2026, 3, 3, 10, tzinfo=UTC)))
        second.send(MarkHeld(actor="m-1", on=date(2026, 3, 3)))
        second.send(DraftRecord(actor="m-1", agreements=(_agreement("b-1"),)))
        assert [a.agreement for a in store.open_agreements("e-1")] == ["a-1", "a-2"]

        second.send(ConfirmRecord(actor="m-1", revision=1))
        second.send(ConfirmRecord(actor="e-1", revision=1))
        first.send(UpdateAgreement(actor="e-1", agreement_id="a-1", status="done"))
        rows = store.open_agreements("e-1")
        assert [(a.conversation, a.agreement) for a in rows] == [("c-1", "a-2"), ("c-2", "b-1")]
        assert rows[0].subject == "e-1"
        assert rows[0].owner == "both"
        assert rows[0].made_on == date(2026, 2, 3)
        assert rows[1].made_on == date(2026, 3, 3)
        assert all(a.status == "open" for a in rows)
        assert store.open_agreements("m-1") == []

    def test_open_agreements_are_oldest_first(self, store: Store) -> None:
        """A conversation held earlier comes first, whatever the order of writing."""
        late = ConversationDriver(store, "c-late", employee="e-1", manager="m-1")
        late.hold_and_agree(date(2026, 6, 1), [_agreement("late")])
        early = ConversationDriver(store, "c-early", employee="e-1", manager="m-1")
        early.hold_and_agree(date(2026, 1, 10), [_agreement("early")])
        assert [a.agreement for a in store.open_agreements("e-1")] == ["early", "late"]

    def test_open_agreements_of_many_people_are_each_persons_own(self, store: Store) -> None:
        """``open_agreements_many`` (where a store has it) gives each person asked the rows
        ``open_agreements`` gives them, in the same order; someone with none gets an empty
        list, and nobody is given rows they were not asked about."""
        from ..storage.base import ReadsAgreementsInBulk

        if not isinstance(store, ReadsAgreementsInBulk):
            pytest.skip("this store reads open agreements person by person only")
        late = ConversationDriver(store, "c-late", employee="e-1", manager="m-1")
        late.hold_and_agree(date(2026, 6, 1), [_agreement("z"), _agreement("a", "both")])
        early = ConversationDriver(store, "c-early", employee="e-1", manager="m-1")
        early.hold_and_agree(date(2026, 1, 10), [_agreement("early")])
        early.send(UpdateAgreement(actor="e-1", agreement_id="early", status="done"))
        same_day = ConversationDriver(store, "c-same", employee="e-1", manager="m-1")
        same_day.hold_and_agree(date(2026, 6, 1), [_agreement("b")])
        other = ConversationDriver(store, "c-2", employee="e-2", manager="m-1")
        other.hold_and_agree(date(2026, 3, 3), [_agreement("x")])
        drafted = ConversationDriver(store, "c-3", employee="e-3", manager="m-1")
        drafted.send(Schedule(actor="m-1", on=datetime(2026, 3, 3, 10, tzinfo=UTC)))
        drafted.send(MarkHeld(actor="m-1", on=date(2026, 3, 3)))
        drafted.send(DraftRecord(actor="m-1", agreements=(_agreement("not-yet"),)))
        asked = ["e-3", "e-1", "nobody", "m-1"]
        many = store.open_agreements_many(frozenset(asked))
        assert sorted(many) == sorted(asked)
        assert many == {person: store.open_agreements(person) for person in asked}
        assert [(a.conversation, a.agreement) for a in many["e-1"]] == [
            ("c-late", "z"),
            ("c-late", "a"),
            ("c-same", "b"),
        ]
        assert many["e-3"] == []
        assert store.open_agreements_many([]) == {}
        with pytest.raises(StorageError):
            store.open_agreements_many("e-1")  # one text: not taken letter by letter

    def test_conversation_filters(self, store: Store) -> None:
        """subject, subjects, participant, team, states and the held range all narrow the list."""
        one = ConversationDriver(store, "c-1", employee="e-1", manager="m-1", team="t-1")
        one.hold_and_agree(date(2026, 2, 3), [])
        two = ConversationDriver(store, "c-2", employee="e-2", manager="m-1", team="t-1")
        two.send(MarkNotHeld(actor="m-1", reason="absence"))
        three = ConversationDriver(store, "c-3", employee="e-3", manager="m-2", team="t-2")
        three.send(Schedule(actor="m-2", on=datetime(2026, 4, 1, 9, tzinfo=UTC)))
        three.send(MarkHeld(actor="m-2", on=date(2026, 4, 1)))

        def ids(**filters: Any) -> list[str]:
            return sorted(r.id for r in store.conversations(**filters))

        assert ids() == ["c-1", "c-2", "c-3"]
        assert ids(subject="e-2") == ["c-2"]
        assert ids(participant="m-1") == ["c-1", "c-2"]
        assert ids(participant="e-3") == ["c-3"]
        assert ids(team="t-1") == ["c-1", "c-2"]
        assert ids(states={"not_held"}) == ["c-2"]
        assert ids(states={"agreed", "held"}) == ["c-1", "c-3"]
        assert ids(states=set()) == []
        assert ids(held_from=date(2026, 2, 3)) == ["c-1", "c-3"]
        assert ids(held_from=date(2026, 2, 4)) == ["c-3"]
        assert ids(held_until=date(2026, 4, 1)) == ["c-1"]
        assert ids(team="t-1", states={"agreed"}, participant="e-1") == ["c-1"]
        assert ids(subject="nobody") == []
        # Added in 0.3: the conversations about any of some people (a team's due list).
        assert ids(subjects=["e-1", "e-3"]) == ["c-1", "c-3"]
        assert ids(subjects=("e-2",), team="t-1") == ["c-2"]
        assert ids(subjects=[]) == []
        assert ids(subjects=["nobody"]) == []
        many = [f"x-{n:04}" for n in range(1_200)]  # more than a store may name in one query
        assert ids(subjects=[*many, "e-2", "e-3"]) == ["c-2", "c-3"]
        assert ids(subjects=[*many, "e-2"], states={"agreed"}) == []
        # read once, whatever the collection: a generator is used up by reading
        assert ids(subjects=(p for p in [*many, "e-3"])) == ["c-3"]
        assert ids(subjects=(p for p in ["e-1"])) == ["c-1"]
        with pytest.raises(StorageError, match="subject="):
            store.conversations(subjects="e-1")  # one text, not letters

    def test_the_store_keeps_the_rows_it_is_given(self, store: Store) -> None:
        """The rows a write carries are stored as they are: the store never reads the events
        to make or change them (a later write's rows replace the earlier ones)."""
        events = requested_events("c-given")
        rows = read_model(replay(events))
        given = attrs.evolve(rows.conversation, state="held", held_on=date(2026, 1, 5))
        agreement = AgreementRow(
            conversation="c-given",
            agreement="x-1",
            subject="e-1",
            owner="employee",
            status="open",
            due=None,
            made_on=date(2026, 1, 5),
        )
        carried = ReadModel(conversation=given, agreements=(agreement,))
        store.append([StreamWrite(stream_of("c-given"), 0, events, read_model=carried)])
        assert store.conversations() == [given]
        agreed = ReadModel(conversation=attrs.evolve(given, state="agreed", version=2))
        later = event(stream_of("c-given"), 2)
        store.append([StreamWrite(stream_of("c-given"), 1, [later], read_model=agreed)])
        assert store.conversations() == [agreed.conversation]
        assert store.open_agreements("e-1") == []
        store.append([StreamWrite(stream_of("c-given"), 2, [event(stream_of("c-given"), 3)])])
        assert store.conversations() == [agreed.conversation]

    def test_events_of_other_streams_make_no_conversation(self, store: Store) -> None:
        """Only conversation streams that start with conversation.requested have a row."""
        store.append([StreamWrite("goal:g-1", 0, [event("goal:g-1", 1)])])
        store.append(
            [StreamWrite("conversation:odd", 0, [event("conversation:odd", 1, "note.added")])]
        )
        assert store.conversations() == []
