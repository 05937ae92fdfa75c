"""The destruction part of the store conformance suite (:class:`DestructionContract`).

A stream destroyed by its retention profile leaves only its tombstone, its audit line chained
in the same call; a wrong tombstone changes nothing.
:class:`~magcore.testing.storage.StoreContract` includes it and gives the ``reopen`` fixture.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import attrs
import pytest

from ..access import audit as audit_log
from ..domain.conversation import (
    destroyed_read_model,
    stream_of,
)
from ..errors import ConflictError, StorageError
from ..events import Event
from ..storage.base import Store, StreamWrite
from .driver import T0, ConversationDriver, _agreement, audit_record, event

__all__ = ["DestructionContract"]


class DestructionContract:
    """What every store does when a stream is destroyed (part of ``StoreContract``)."""

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
            assert rows["c-gone"] == attrs.evolve(
                row_before, version=tombstone.version, state="destroyed"
            )
            assert rows["c-kept"].version == store.version(stream_of("c-kept"))
            assert [a.agreement for a in handle.open_agreements("e-1")] == ["a-kept"]
            entries = list(handle.read_audit())
            assert [e["action"] for e in entries if not e["digest"]] == ["read", "destroy"]
            assert entries[-2]["object"] == f"{stream}/{tombstone.version}"
            assert entries[-2]["action"] == tombstone.type
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
        audit_before = list(store.read_audit())
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
        assert list(store.read_audit()) == audit_before
        assert store.audit_head().count == len(audit_before)
