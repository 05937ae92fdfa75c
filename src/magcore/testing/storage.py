"""The conformance suite every store runs: the built-in ones, the PostgreSQL plugin, a vendor's.

Subclass :class:`StoreContract` and provide a ``store`` fixture (a fresh, empty, migrated store);
every test below then runs against it::

    class TestAcmeStore(StoreContract):
        @pytest.fixture
        def store(self, acme_server):
            store = AcmeStore.from_url(acme_server.url)
            yield store
            store.close()

Optionally override ``reopen`` (a second handle on the same database, for persistence tests),
``tamper_audit`` and ``truncate_audit`` (change the stored audit log behind the store's back,
to show that :func:`magcore.access.audit.verify` notices). Conversations are driven through the
real aggregate (:func:`magcore.domain.conversation.decide` /
:func:`~magcore.domain.conversation.apply`), so the read models are checked against what the
aggregate itself says.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..access import audit as audit_log
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
    destroyed_read_model,
    read_model,
    replay,
    stream_of,
)
from ..errors import ConflictError, StorageError
from ..events import Event
from ..model.cycle import CycleDefinition
from ..model.records import Participant
from ..storage.base import AgreementRow, ReadModel, Store, StreamWrite
from .driver import CONTRACT_CYCLE, T0, ConversationDriver, _agreement, audit_record, event
from .keys import KeyStoreContract

__all__ = ["CONTRACT_CYCLE", "ConversationDriver", "StoreContract", "audit_record", "event"]


class StoreContract(KeyStoreContract):
    """Behaviour every :class:`~magcore.storage.base.Store` must have. Subclass it (see above).

    It includes the key-table tests of :class:`~magcore.testing.keys.KeyStoreContract`.
    """

    # -- fixtures a subclass provides or may override --------------------------------------

    @pytest.fixture
    def store(self) -> Store:
        """A fresh, empty, migrated store. Every subclass must override this fixture."""
        raise NotImplementedError("a StoreContract subclass must provide a `store` fixture")

    @pytest.fixture
    def reopen(self, store: Store) -> Callable[[], Store]:
        """Open another handle on the same database (default: the same object, for memory)."""
        return lambda: store

    @pytest.fixture
    def tamper_audit(self) -> Callable[[Store, int], None]:
        """Change the stored audit entry *seq* behind the store's back (skips if unsupported)."""

        def tamper(store: Store, seq: int) -> None:
            pytest.skip("this store's contract subclass cannot tamper with its audit log")

        return tamper

    @pytest.fixture
    def truncate_audit(self) -> Callable[[Store, int], None]:
        """Delete the stored audit entries after *seq*, leaving the head (skips if unsupported)."""

        def truncate(store: Store, keep: int) -> None:
            pytest.skip("this store's contract subclass cannot truncate its audit log")

        return truncate

    # -- streams ---------------------------------------------------------------------------

    def test_unknown_stream_is_empty(self, store: Store) -> None:
        """A stream nobody wrote to has version 0 and no events."""
        assert store.version("conversation:nobody") == 0
        assert store.read("conversation:nobody") == ()
        assert list(store.streams()) == []

    def test_append_then_read_returns_the_same_events(self, store: Store) -> None:
        """Events come back equal, in version order, and the version counts them."""
        events = [
            event("goal:g-1", v, answer=v, nested={"list": [1, "two"], "none": None})
            for v in (1, 2, 3)
        ]
        store.append([StreamWrite("goal:g-1", 0, events[:2])])
        store.append([StreamWrite("goal:g-1", 2, events[2:])])
        assert store.read("goal:g-1") == tuple(events)
        assert store.version("goal:g-1") == 3

    def test_stale_version_conflicts_and_writes_nothing(self, store: Store) -> None:
        """Appending from an old version raises ConflictError naming both versions."""
        store.append([StreamWrite("goal:g-1", 0, [event("goal:g-1", 1)])])
        with pytest.raises(ConflictError) as caught:
            store.append([StreamWrite("goal:g-1", 0, [event("goal:g-1", 1, other=True)])])
        assert (caught.value.expected_version, caught.value.actual_version) == (0, 1)
        assert store.read("goal:g-1") == (event("goal:g-1", 1),)

    def test_version_ahead_of_stream_conflicts(self, store: Store) -> None:
        """Expecting a version the stream has not reached is a conflict too (no gaps)."""
        with pytest.raises(ConflictError):
            store.append([StreamWrite("goal:g-1", 2, [event("goal:g-1", 3)])])
        assert store.version("goal:g-1") == 0

    def test_misnumbered_events_are_refused(self, store: Store) -> None:
        """Events must be numbered expected_version + 1, + 2, ... without gaps."""
        with pytest.raises(ConflictError):
            store.append([StreamWrite("goal:g-1", 0, [event("goal:g-1", 1), event("goal:g-1", 3)])])
        assert store.read("goal:g-1") == ()

    def test_event_of_another_stream_is_refused(self, store: Store) -> None:
        """A write may only hold events of its own stream."""
        with pytest.raises(StorageError):
            store.append([StreamWrite("goal:g-1", 0, [event("goal:g-2", 1)])])
        assert list(store.streams()) == []

    def test_one_stale_write_cancels_every_write(self, store: Store) -> None:
        """Several streams in one call: one stale version and nothing is written anywhere."""
        store.append([StreamWrite("goal:g-2", 0, [event("goal:g-2", 1)])])
        before = list(store.read_all())
        driver_events = self._requested("c-atomic")
        with pytest.raises(ConflictError):
            store.append(
                [
                    StreamWrite("goal:g-1", 0, [event("goal:g-1", 1)]),
                    StreamWrite(
                        stream_of("c-atomic"),
                        0,
                        driver_events,
                        read_model=read_model(replay(driver_events)),
                    ),
                    StreamWrite("goal:g-2", 0, [event("goal:g-2", 1)]),
                ],
                audit=[audit_record(1, action="append")],
            )
        assert list(store.read_all()) == before
        assert store.version("goal:g-1") == 0
        assert store.conversations() == []
        assert list(store.read_audit()) == []
        assert store.audit_head().count == 0

    def test_several_streams_commit_together(self, store: Store) -> None:
        """A call with several writes commits all of them, positions in write order."""
        batch = store.append(
            [
                StreamWrite("goal:g-1", 0, [event("goal:g-1", 1), event("goal:g-1", 2)]),
                StreamWrite("goal:g-2", 0, [event("goal:g-2", 1)]),
            ]
        )
        logged = list(store.read_all())
        assert [e for _, e in logged] == list(batch.events)
        assert batch.position == logged[-1][0]
        assert batch.streams == {"goal:g-1", "goal:g-2"}

    def test_a_stream_twice_in_one_call_is_refused(self, store: Store) -> None:
        """One stream may appear only once per call; nothing is written otherwise."""
        with pytest.raises(StorageError):
            store.append(
                [
                    StreamWrite("goal:g-1", 0, [event("goal:g-1", 1)]),
                    StreamWrite("goal:g-1", 1, [event("goal:g-1", 2)]),
                ]
            )
        assert store.version("goal:g-1") == 0

    def test_read_all_is_in_commit_order_with_filters(self, store: Store) -> None:
        """read_all yields increasing positions; after, types and limit narrow it."""
        store.append([StreamWrite("s:b", 0, [event("s:b", 1, "x.one")])])
        store.append([StreamWrite("s:a", 0, [event("s:a", 1, "x.two")])])
        store.append([StreamWrite("s:b", 1, [event("s:b", 2, "x.one"), event("s:b", 3, "x.two")])])
        everything = list(store.read_all())
        positions = [p for p, _ in everything]
        assert positions == sorted(positions)
        assert len(set(positions)) == 4
        assert [(e.stream, e.version) for _, e in everything] == [
            ("s:b", 1),
            ("s:a", 1),
            ("s:b", 2),
            ("s:b", 3),
        ]
        assert list(store.read_all(after=positions[1])) == everything[2:]
        assert [e.type for _, e in store.read_all(types={"x.two"})] == ["x.two", "x.two"]
        assert list(store.read_all(limit=3)) == everything[:3]
        assert list(store.read_all(types={"x.two"}, limit=1)) == [everything[1]]
        assert list(store.read_all(after=positions[-1])) == []

    def test_streams_lists_names_by_prefix_sorted(self, store: Store) -> None:
        """streams(prefix) lists only streams with events, sorted."""
        for name in ("goal:b", "conversation:z", "goal:a", "goal_x:1"):
            store.append([StreamWrite(name, 0, [event(name, 1)])])
        assert list(store.streams("goal:")) == ["goal:a", "goal:b"]
        assert list(store.streams()) == ["conversation:z", "goal:a", "goal:b", "goal_x:1"]

    @settings(
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.differing_executors,
        ],
    )
    @given(
        steps=st.lists(
            st.tuples(st.sampled_from("abc"), st.integers(0, 4), st.integers(0, 3)), max_size=12
        )
    )
    def test_store_agrees_with_a_simple_model(
        self, store: Store, steps: list[tuple[str, int, int]]
    ) -> None:
        """Random appends, right and wrong versions: each stream behaves like a list."""
        prefix = f"prop{next(_COUNTER)}:"
        model: dict[str, int] = {}
        for name, expected, count in steps:
            stream = prefix + name
            write = StreamWrite(
                stream, expected, [event(stream, expected + i) for i in range(1, count + 1)]
            )
            if expected == model.get(stream, 0):
                store.append([write])
                model[stream] = expected + count
            else:
                with pytest.raises(ConflictError):
                    store.append([write])
        for name in "abc":
            stream = prefix + name
            assert store.version(stream) == model.get(stream, 0)
            assert [e.version for e in store.read(stream)] == list(
                range(1, model.get(stream, 0) + 1)
            )

    # -- read models -----------------------------------------------------------------------

    def _requested(self, conv_id: str) -> tuple[Event, ...]:
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

    def test_conversation_filters(self, store: Store) -> None:
        """subject, participant, team, states and the held range all narrow the list."""
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

    def test_the_store_keeps_the_rows_it_is_given(self, store: Store) -> None:
        """The rows a write carries are stored as they are: the store never reads the events
        to make or change them (a later write's rows replace the earlier ones)."""
        events = self._requested("c-given")
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

    # -- destruction -----------------------------------------------------------------------

    def _tombstone(self, store: Store, stream: str, **data: Any) -> Event:
        return Event(
            stream=stream,
            version=store.version(stream) + 1,
            type="stream.destroyed",
            at=T0 + timedelta(days=2000),
            actor="system",
            data={"profile": "contract", **data},
        )

    def test_destroy_leaves_only_the_tombstone(
        self, store: Store, reopen: Callable[[], Store]
    ) -> None:
        """After destroy_stream the stream is its tombstone, at the tombstone's version; other
        streams, their positions and their read models are untouched; the audit line is
        chained in the same call; another handle sees the same."""
        gone = ConversationDriver(store, "c-gone", employee="e-1", manager="m-1")
        gone.hold_and_agree(date(2026, 2, 3), [_agreement("a-gone")])
        kept = ConversationDriver(store, "c-kept", employee="e-1", manager="m-1")
        kept.hold_and_agree(date(2026, 3, 3), [_agreement("a-kept")])
        store.append([StreamWrite("goal:g-1", 0, [event("goal:g-1", 1)])])
        store.append_audit([audit_record(1)])
        before = list(store.read_all())
        row_before = store.conversations(subject="e-1")[0]
        stream = stream_of("c-gone")
        tombstone = self._tombstone(store, stream, events_removed=store.version(stream))

        assert gone.state is not None
        remains = destroyed_read_model(gone.state, tombstone.version)
        store.destroy_stream(
            stream, tombstone, audit=[audit_record(2, action="destroy")], read_model=remains
        )

        for handle in (store, reopen()):
            assert handle.read(stream) == (tombstone,)
            assert handle.version(stream) == tombstone.version
            after = list(handle.read_all())
            assert after[:-1] == [(p, e) for p, e in before if e.stream != stream]
            assert after[-1][1] == tombstone
            assert after[-1][0] > before[-1][0]
            assert stream in list(handle.streams("conversation:"))
            rows = {r.id: r for r in handle.conversations()}
            assert rows["c-gone"] == attrs.evolve(row_before, version=tombstone.version)
            assert rows["c-kept"].version == store.version(stream_of("c-kept"))
            assert [a.agreement for a in handle.open_agreements("e-1")] == ["a-kept"]
            entries = list(handle.read_audit())
            assert [e["action"] for e in entries] == ["read", "destroy"]
            head = handle.audit_head()
            assert audit_log.verify(
                entries, expected_count=head.count, expected_hash=head.last_hash
            ).ok
            assert handle.read("goal:g-1") == (event("goal:g-1", 1),)

    def test_a_destroyed_stream_goes_on_from_its_tombstone(self, store: Store) -> None:
        """The old version is stale after a destruction; the tombstone's version is current,
        and a later commit comes after the tombstone in read_all."""
        store.append([StreamWrite("goal:g-1", 0, [event("goal:g-1", v) for v in (1, 2, 3)])])
        tombstone = self._tombstone(store, "goal:g-1")
        store.destroy_stream("goal:g-1", tombstone)
        with pytest.raises(ConflictError):
            store.append([StreamWrite("goal:g-1", 3, [event("goal:g-1", 4)])])
        store.append([StreamWrite("goal:g-1", 4, [event("goal:g-1", 5)])])
        assert store.read("goal:g-1") == (tombstone, event("goal:g-1", 5))
        assert store.version("goal:g-1") == 5
        assert [e.version for _, e in store.read_all()] == [4, 5]

    def test_a_wrong_tombstone_changes_nothing(self, store: Store) -> None:
        """A stale or skipping tombstone is a conflict; an unknown stream or a tombstone of
        another stream is refused; in every case nothing is written, not even the audit."""
        driver = ConversationDriver(store, "c-1", employee="e-1", manager="m-1")
        driver.hold_and_agree(date(2026, 2, 3), [_agreement("a-1")])
        stream = stream_of("c-1")
        before = (list(store.read_all()), store.conversations(), store.open_agreements("e-1"))
        good = self._tombstone(store, stream)
        line = [audit_record(1, action="destroy")]
        assert driver.state is not None
        remains = destroyed_read_model(driver.state, good.version)
        for version in (good.version - 1, good.version + 1):
            with pytest.raises(ConflictError):
                store.destroy_stream(
                    stream, attrs.evolve(good, version=version), audit=line, read_model=remains
                )
        with pytest.raises(StorageError):
            store.destroy_stream(stream, attrs.evolve(good, stream="goal:g-9"), audit=line)
        with pytest.raises(StorageError):
            store.destroy_stream(
                "goal:nothing", attrs.evolve(good, stream="goal:nothing", version=1), audit=line
            )
        assert (list(store.read_all()), store.conversations(), store.open_agreements("e-1")) == (
            before
        )
        assert store.version("goal:nothing") == 0
        assert list(store.read_audit()) == []
        assert store.audit_head().count == 0

    # -- audit -----------------------------------------------------------------------------

    def test_audit_chain_verifies_and_head_counts(self, store: Store) -> None:
        """Entries get seq 1, 2, 3...; the chain verifies against the separately kept head."""
        store.append_audit([audit_record(1), audit_record(2)])
        store.append(
            [StreamWrite("goal:g-1", 0, [event("goal:g-1", 1)])],
            audit=[audit_record(3, action="append")],
        )
        store.append_audit([])
        entries = list(store.read_audit())
        assert [e["seq"] for e in entries] == [1, 2, 3]
        assert entries[2]["action"] == "append"
        assert entries[0]["object"] == "conversation:c-1/record"
        head = store.audit_head()
        assert (head.count, head.last_hash) == (3, entries[-1]["hash"])
        assert audit_log.verify(entries, expected_count=head.count, expected_hash=head.last_hash).ok
        assert [e["seq"] for e in store.read_audit(after=2)] == [3]

    def test_edited_audit_entry_is_detected(self, store: Store) -> None:
        """A changed field in a read-back entry breaks the chain at that entry."""
        store.append_audit([audit_record(n) for n in range(1, 5)])
        entries = [dict(e) for e in store.read_audit()]
        entries[1]["result"] = "denied"
        result = audit_log.verify(entries)
        assert not result.ok
        assert result.problem is not None
        assert result.problem.seq == 2

    def test_tampering_in_storage_is_detected(
        self, store: Store, tamper_audit: Callable[[Store, int], None]
    ) -> None:
        """Changing a stored entry behind the store's back is found by verify."""
        store.append_audit([audit_record(n) for n in range(1, 5)])
        tamper_audit(store, 3)
        result = audit_log.verify(store.read_audit())
        assert not result.ok
        assert result.problem is not None
        assert result.problem.seq == 3

    def test_truncation_in_storage_is_detected(
        self, store: Store, truncate_audit: Callable[[Store, int], None]
    ) -> None:
        """Cutting off the last entries is found with the head's count."""
        store.append_audit([audit_record(n) for n in range(1, 6)])
        truncate_audit(store, 3)
        entries = list(store.read_audit())
        assert len(entries) == 3
        assert audit_log.verify(entries).ok
        assert not audit_log.verify(entries, expected_count=store.audit_head().count).ok

    # -- lifecycle -------------------------------------------------------------------------

    def test_migrate_is_idempotent(self, store: Store) -> None:
        """Migrating an up-to-date store changes neither the version nor the data."""
        store.append([StreamWrite("goal:g-1", 0, [event("goal:g-1", 1)])])
        version = store.schema_version()
        assert version >= 1
        store.migrate()
        store.migrate()
        assert store.schema_version() == version
        assert store.read("goal:g-1") == (event("goal:g-1", 1),)

    def test_everything_survives_reopening(self, store: Store, reopen: Callable[[], Store]) -> None:
        """Events, read models and the audit log are there for another handle."""
        driver = ConversationDriver(store, "c-1", employee="e-1", manager="m-1")
        driver.hold_and_agree(date(2026, 2, 3), [_agreement("a-1")])
        store.append_audit([audit_record(1)])
        other = reopen()
        assert other.read(stream_of("c-1")) == store.read(stream_of("c-1"))
        assert other.conversations() == store.conversations()
        assert [a.agreement for a in other.open_agreements("e-1")] == ["a-1"]
        assert list(other.read_audit()) == list(store.read_audit())
        assert other.audit_head() == store.audit_head()


_COUNTER: Iterator[int] = itertools.count(1)
