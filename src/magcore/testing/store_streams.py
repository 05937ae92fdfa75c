"""The streams part of the store conformance suite (:class:`StreamContract`).

Appending, reading, version conflicts, one transaction over several streams, ``read_all`` and
``streams``. :class:`~magcore.testing.storage.StoreContract` includes it and gives the ``store``
fixture.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..domain.conversation import (
    read_model,
    replay,
    stream_of,
)
from ..errors import ConflictError, StorageError
from ..storage.base import Store, StreamWrite
from .driver import audit_record, event
from .store_read_models import requested_events

__all__ = ["StreamContract"]


class StreamContract:
    """What every store does with streams of events (part of ``StoreContract``)."""

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
        audit_before = list(store.read_audit())
        driver_events = requested_events("c-atomic")
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
        assert list(store.read_audit()) == audit_before
        assert store.audit_head().count == len(audit_before)

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
        # after=None: every row, whatever its position (what `audit verify` reads); a store
        # that cannot is read from position 1 by the check, and misses rows put below it
        assert list(store.read_all(after=None)) == everything
        assert list(store.read_all(after=None, types={"x.two"}, limit=1)) == [everything[1]]

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


_COUNTER: Iterator[int] = itertools.count(1)
