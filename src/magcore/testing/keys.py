"""The key-table part of the store conformance suite (:class:`KeyStoreContract`).

:class:`~magcore.testing.storage.StoreContract` includes it, so the memory, SQLite and
PostgreSQL stores (and a vendor's) pass the same key-table tests. It uses the ``store`` and
``reopen`` fixtures of that suite.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import attrs
import pytest

from ..access import audit as audit_log
from ..crypto import ContentCipher, KeyRing, LocalKeyProvider
from ..errors import ConflictError, ContentIntegrityError, KeyDestroyedError, StorageError
from ..events import Event
from ..storage.base import AuditRecord, StreamWrite
from ..storage.keys import KeyRecord, KeyStore, Rewrap, appends_keys

__all__ = ["KeyStoreContract", "key_record"]

_AT = "2026-03-01T10:00:00+00:00"


def key_record(n: int, owner: str = "person:e-1", *, kek_id: str = "kek-a") -> KeyRecord:
    """A live key row numbered *n* (its wrapped material differs per *n*)."""
    return KeyRecord(
        id=f"k-{n}",
        owner=owner,
        kek_id=kek_id,
        wrapped=bytes([n % 256]) * 60,
        created=f"2026-01-{1 + n % 28:02d}T09:00:00+00:00",
    )


def _destroy_audit() -> AuditRecord:
    return AuditRecord(
        at=_AT,
        actor="privacy-officer",
        action="destroy",
        object="keys:person:e-1",
        result="done",
        origin="api",
        reason="erasure request",
    )


def _write(stream: str) -> StreamWrite:
    """A new stream's first write: one event without content."""
    event = Event(
        stream=stream,
        version=1,
        type="conversation.held",
        at=datetime(2026, 3, 1, 10, tzinfo=UTC),
        actor="m-1",
        data={"on": "2026-03-01"},
    )
    return StreamWrite(stream, 0, [event])


class KeyStoreContract:
    """Behaviour of every store's key table (see :class:`~magcore.storage.keys.KeyStore`)."""

    def test_store_has_a_key_table(self, store: Any) -> None:
        """Every store implements the key-table protocol."""
        assert isinstance(store, KeyStore)

    def test_added_keys_read_back_oldest_first(self, store: Any) -> None:
        """Rows read back exactly; ``list_keys`` filters by owner and keeps insertion order."""
        rows = [key_record(3), key_record(1, "person:e-2"), key_record(2)]
        for row in rows:
            store.add_keys([row])
        assert store.get_key("k-1") == rows[1]
        assert store.get_key("k-1").wrapped == rows[1].wrapped
        assert store.get_key("k-404") is None
        assert store.list_keys("person:e-1") == [rows[0], rows[2]]
        assert store.list_keys() == rows
        assert store.list_keys("person:nobody") == []

    def test_a_key_id_is_stored_once(self, store: Any) -> None:
        """A key id that exists (or comes twice) is refused and nothing of that call is kept."""
        store.add_keys([key_record(1)])
        with pytest.raises(StorageError, match="k-"):
            store.add_keys([key_record(2), key_record(1, "person:e-9")])
        with pytest.raises(StorageError, match="k-"):
            store.add_keys([key_record(3), key_record(3)])
        assert store.list_keys() == [key_record(1)]
        store.add_keys([])
        assert store.list_keys() == [key_record(1)]

    @pytest.mark.parametrize(
        "change",
        [
            {"id": "k 1"},
            {"id": ""},
            {"kek_id": "kek/1"},
            {"owner": ""},
            {"wrapped": b""},
            {"destroyed": _AT},
        ],
    )
    def test_malformed_key_rows_are_refused(self, store: Any, change: dict[str, Any]) -> None:
        """Bad ids, no owner, no material or an already destroyed row: refused, nothing stored."""
        with pytest.raises(StorageError):
            store.add_keys([key_record(2), attrs.evolve(key_record(1), **change)])
        assert store.list_keys() == []

    def test_destroying_overwrites_the_material_of_one_owner(self, store: Any) -> None:
        """Every live key of the owner loses its material; other owners keep theirs."""
        for row in (key_record(1), key_record(2), key_record(3, "person:e-2")):
            store.add_keys([row])
        destroyed = store.destroy_keys(["person:e-1"], at=_AT)
        assert destroyed == ("k-1", "k-2")
        for key_id in destroyed:
            row = store.get_key(key_id)
            assert (row.wrapped, row.destroyed, row.alive) == (None, _AT, False)
        assert store.get_key("k-3") == key_record(3, "person:e-2")
        assert store.destroy_keys(["person:e-1"], at="2027-01-01T00:00:00+00:00") == ()
        assert store.get_key("k-1").destroyed == _AT
        assert store.destroy_keys(["person:nobody"], at=_AT) == ()

    def test_destruction_and_its_audit_line_commit_together(self, store: Any) -> None:
        """The destruction's audit record is chained in the same call."""
        store.add_keys([key_record(1)])
        store.destroy_keys(["person:e-1"], at=_AT, audit=[_destroy_audit()])
        entries = list(store.read_audit())
        assert [(e["action"], e["object"]) for e in entries] == [("destroy", "keys:person:e-1")]
        head = store.audit_head()
        assert audit_log.verify(entries, expected_count=head.count, expected_hash=head.last_hash).ok

    def test_rewrap_changes_live_keys_under_the_named_kek_only(self, store: Any) -> None:
        """A rewrap is a compare-and-set: a destroyed key or another KEK is left alone."""
        store.add_keys([key_record(1)])
        store.add_keys([key_record(2, kek_id="kek-b")])
        store.add_keys([key_record(3, "person:e-2")])
        store.destroy_keys(["person:e-2"], at=_AT)
        new = b"\xaa" * 60
        changed = store.rewrap_keys(
            [
                Rewrap(key_id="k-1", from_kek="kek-a", kek_id="kek-c", wrapped=new),
                Rewrap(key_id="k-2", from_kek="kek-a", kek_id="kek-c", wrapped=new),
                Rewrap(key_id="k-3", from_kek="kek-a", kek_id="kek-c", wrapped=new),
                Rewrap(key_id="k-404", from_kek="kek-a", kek_id="kek-c", wrapped=new),
            ]
        )
        assert changed == 1
        assert (store.get_key("k-1").kek_id, store.get_key("k-1").wrapped) == ("kek-c", new)
        assert store.get_key("k-2") == key_record(2, kek_id="kek-b")
        assert store.get_key("k-3").wrapped is None
        assert store.rewrap_keys([]) == 0

    def test_new_keys_commit_with_the_events_they_protect(self, store: Any) -> None:
        """``append(..., keys=)`` writes the key rows in the events' transaction: a write that
        is refused (a stream taken, a key id taken, a malformed row) stores neither. (Optional
        for a key store: without it the content codec stores a write's keys first.)"""
        if not appends_keys(store):
            pytest.skip("this store's append takes no keys= (optional; see appends_keys)")
        first = _write("conversation:c-1")
        store.append([first], keys=[key_record(1, "conversation:c-1")])
        assert store.list_keys() == [key_record(1, "conversation:c-1")]
        assert store.version("conversation:c-1") == 1
        refusals: list[tuple[list[StreamWrite], list[KeyRecord], type[Exception]]] = [
            # the second write's stream is taken: the first write and both keys are not kept
            (
                [_write("conversation:c-2"), _write("conversation:c-1")],
                [key_record(2, "conversation:c-2"), key_record(3, "conversation:c-1")],
                ConflictError,
            ),
            ([_write("conversation:c-2")], [key_record(1, "conversation:c-2")], StorageError),
            (
                [_write("conversation:c-2")],
                [key_record(2, "conversation:c-2"), key_record(2, "conversation:c-2")],
                StorageError,
            ),
            (
                [_write("conversation:c-2")],
                [attrs.evolve(key_record(2, "conversation:c-2"), wrapped=b"")],
                StorageError,
            ),
        ]
        for writes, keys, refused in refusals:
            with pytest.raises(refused):
                store.append(writes, keys=keys)
            assert store.list_keys() == [key_record(1, "conversation:c-1")]
            assert store.version("conversation:c-2") == 0
        head = store.audit_head()
        store.append([_write("conversation:c-2")], keys=[key_record(2, "conversation:c-2")])
        assert [k.id for k in store.list_keys()] == ["k-1", "k-2"]
        assert store.audit_head().count == head.count + 1
        store.append([_write("conversation:c-3")])  # no keys: as before
        assert [k.id for k in store.list_keys()] == ["k-1", "k-2"]

    def test_live_keys_name_the_newest_live_key_of_each_owner(self, store: Any) -> None:
        """``live_keys`` answers what ``list_keys`` says: per owner its newest key that is not
        destroyed (the newest by when it was added, not by its id); owners without one are
        left out. (Optional for a key store: a key ring uses ``list_keys`` without it.)"""
        if not callable(getattr(store, "live_keys", None)):
            pytest.skip("this store has no live_keys (optional)")
        store.add_keys([key_record(9), key_record(2, "person:e-2")])
        store.add_keys([key_record(10), key_record(4, "person:e-3")])  # "k-10" < "k-9"
        store.destroy_keys(["person:e-3"], at=_AT)
        owners = ["person:e-1", "person:e-2", "person:e-3", "person:nobody"]
        assert store.live_keys(owners) == {"person:e-1": "k-10", "person:e-2": "k-2"}
        assert store.live_keys([]) == {}
        many = [f"person:x-{n}" for n in range(1_200)]
        store.add_keys([key_record(100 + n, owner) for n, owner in enumerate(many)])
        found = store.live_keys([*many, "person:e-1"])
        assert len(found) == 1_201
        assert found["person:x-1199"] == "k-1299"

    def test_keys_survive_reopening(self, store: Any, reopen: Callable[[], Any]) -> None:
        """Another handle on the same database sees the same key rows."""
        store.add_keys([key_record(1)])
        store.add_keys([key_record(2, "conversation:c-1")])
        store.destroy_keys(["conversation:c-1"], at=_AT)
        assert reopen().list_keys() == store.list_keys()

    def test_content_is_erased_by_destroying_its_key(self, store: Any) -> None:
        """Through a KeyRing: readable, rotated and still readable, then erased for good."""
        times = iter(datetime(2026, 1, 1, 9, minute, tzinfo=UTC) for minute in range(60))
        provider = LocalKeyProvider.generate()
        ring = KeyRing(store, provider, clock=lambda: next(times))
        cipher = ContentCipher(ring)
        where = {"stream": "conversation:c-1", "field": "/data/summary"}
        first = cipher.encrypt("Goed gesprek", owner="person:e-1", **where)
        ring.rotate_data_key("person:e-1")
        second = cipher.encrypt({"text": "Cursus"}, owner="person:e-1", **where)
        other = cipher.encrypt("Van een ander", owner="person:e-2", **where)
        provider.new_kek()
        assert ring.rotate_kek() == 3
        fresh = ContentCipher(KeyRing(store, provider))
        assert fresh.decrypt(first, **where) == "Goed gesprek"
        assert fresh.decrypt(second, **where) == {"text": "Cursus"}
        with pytest.raises(ContentIntegrityError):
            fresh.decrypt(first, stream="conversation:c-2", field="/data/summary")
        ring.destroy(["person:e-1"])
        for reader in (cipher, ContentCipher(KeyRing(store, provider))):
            with pytest.raises(KeyDestroyedError, match="person:e-1"):
                reader.decrypt(first, **where)
            with pytest.raises(KeyDestroyedError):
                reader.decrypt(second, **where)
            assert reader.decrypt(other, **where) == "Van een ander"
