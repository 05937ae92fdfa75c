"""The audit and outbox part of the store conformance suite (:class:`AuditContract`).

The outbox of committed batches, the chained audit log and its head, and that a changed or
truncated log is noticed. :class:`~magcore.testing.storage.StoreContract` includes it and gives
the ``reopen``, ``tamper_audit`` and ``truncate_audit`` fixtures.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ..access import audit as audit_log
from ..errors import ConflictError
from ..storage.base import Store, StreamWrite
from ..storage.chain import event_digest
from ..storage.outbox import DeadLetter
from .driver import T0, audit_record, event

__all__ = ["AuditContract"]


class AuditContract:
    """What every store does with its outbox and audit log (part of ``StoreContract``)."""

    def test_the_outbox_holds_each_batch_in_commit_order_without_data(
        self, store: Store, reopen: Callable[[], Store]
    ) -> None:
        """One outbox batch per commit with events (envelopes: no data), in commit order;
        a refused commit queues nothing; cursors move forward only; dead letters are kept."""
        first = [event("goal:g-1", 1, secret="private text")]
        store.append([StreamWrite("goal:g-1", 0, first)])
        store.append_audit([audit_record(1)])  # no events: nothing to tell
        with pytest.raises(ConflictError):
            store.append([StreamWrite("goal:g-1", 0, [event("goal:g-1", 1)])])
        store.append(
            [
                StreamWrite("goal:g-1", 1, [event("goal:g-1", 2)]),
                StreamWrite("goal:g-2", 0, [event("goal:g-2", 1)]),
            ]
        )
        handle = reopen()
        batches = handle.read_outbox()
        assert [b.seq for b in batches] == [1, 2]
        assert [(e.stream, e.version) for e in batches[1].events] == [
            ("goal:g-1", 2),
            ("goal:g-2", 1),
        ]
        assert batches[0].events[0].type == "note.added"
        assert batches[0].events[0].actor == "tester"
        assert not hasattr(batches[0].events[0], "data")
        assert batches[0].position < batches[1].position
        assert [b.seq for b in handle.read_outbox(after=1)] == [2]
        assert handle.read_outbox(limit=1) == batches[:1]
        assert handle.outbox_cursor("observer") == 0
        dead = DeadLetter("observer", 1, 3, "PluginError: down", T0.isoformat())
        handle.settle_outbox("observer", 1, dead=dead, audit=[audit_record(2, action="deliver")])
        handle.settle_outbox("observer", 0)  # never back
        assert handle.outbox_cursor("observer") == 1
        assert handle.outbox_cursor("other") == 0
        assert handle.dead_letters() == [dead]
        assert handle.dead_letters("other") == []
        assert list(handle.read_audit())[-1]["action"] == "deliver"
        again = DeadLetter("observer", 1, 4, "PluginError: still down", T0.isoformat())
        handle.settle_outbox("observer", 1, dead=again)
        assert handle.dead_letters() == [again]  # one per consumer and batch, the latest
        handle.forget_dead_letter("observer", 1, audit=[audit_record(3, action="redeliver")])
        assert handle.dead_letters() == []
        assert handle.outbox_cursor("observer") == 1
        assert list(handle.read_audit())[-1]["action"] == "redeliver"

    def test_audit_chain_verifies_and_head_counts(self, store: Store) -> None:
        """Entries get seq 1, 2, 3...; the chain verifies against the separately kept head."""
        store.append_audit([audit_record(1), audit_record(2)])
        store.append(
            [StreamWrite("goal:g-1", 0, [event("goal:g-1", 1)])],
            audit=[audit_record(3, action="append")],
        )
        store.append_audit([])
        entries = list(store.read_audit())
        assert [e["seq"] for e in entries] == [1, 2, 3, 4]
        # The committed event's own line comes first, in the same transaction.
        assert (entries[2]["action"], entries[2]["object"]) == (
            event("goal:g-1", 1).type,
            "goal:g-1/1",
        )
        assert entries[2]["digest"] == event_digest(event("goal:g-1", 1))
        assert entries[3]["action"] == "append"
        assert entries[0]["object"] == "conversation:c-1/record"
        head = store.audit_head()
        assert (head.count, head.last_hash) == (4, entries[-1]["hash"])
        assert audit_log.verify(entries, expected_count=head.count, expected_hash=head.last_hash).ok
        assert audit_log.verify_store(store).ok
        assert [e["seq"] for e in store.read_audit(after=3)] == [4]

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
