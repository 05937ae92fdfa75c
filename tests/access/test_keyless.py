"""Streams created without content: their first content gets a key without a look-up.

A conversation is requested (no content), then prepared: the content store remembers, after
the request's write committed, that the new stream has no data key, so the preparation's key
is made without asking the key table (``KeyRing.note_keyless``). What is written reads back;
a second process that made a key meanwhile leaves the owner two keys, destroyed together.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from magcore.access.content import ContentCodec, ContentStore
from magcore.crypto import ContentCipher, KeyRing, LocalKeyProvider
from magcore.errors import KeyDestroyedError
from magcore.events import Event
from magcore.storage.base import StreamWrite
from magcore.storage.memory import MemoryStore
from magcore.storage.sqlite import SQLiteStore


class _Counting(MemoryStore):
    """A memory store that counts how often the key table is asked for owners' keys."""

    def __init__(self) -> None:
        super().__init__()
        self.lookups = 0

    def live_keys(self, owners):  # type: ignore[no-untyped-def]
        self.lookups += 1
        return super().live_keys(owners)

    def list_keys(self, owner=None):  # type: ignore[no-untyped-def]
        self.lookups += 1
        return super().list_keys(owner)


def _write(stream: str, version: int, kind: str, data: dict[str, Any]) -> StreamWrite:
    event = Event(
        stream=stream,
        version=version + 1,
        type=kind,
        at=datetime(2026, 3, 2, tzinfo=UTC),
        actor="m-1",
        data=data,
    )
    return StreamWrite(stream, version, [event])


def _held(stream: str) -> StreamWrite:
    """A stream's first event, without content (as a requested conversation's)."""
    return _write(stream, 0, "conversation.held", {"on": "2026-03-02"})


def _note(stream: str, version: int, text: str) -> StreamWrite:
    return _write(stream, version, "note.private_added", {"text": text})


def _content_store(inner: Any, provider: LocalKeyProvider | None = None) -> ContentStore:
    ring = KeyRing(inner, provider or LocalKeyProvider.generate())
    return ContentStore(inner, ContentCodec(ContentCipher(ring)))


def test_the_first_content_of_a_stream_created_here_gets_its_key_without_a_look_up():
    inner = _Counting()
    store = _content_store(inner)
    store.append([_held("conversation:a"), _held("conversation:b")])
    before = inner.lookups
    store.append([_note("conversation:a", 1, "eerste notitie")])
    assert inner.lookups == before  # made as for a new stream: the key table was not asked
    assert [k.owner for k in inner.list_keys()] == ["conversation:a"]
    assert store.read("conversation:a")[1].data["text"] == "eerste notitie"
    assert "eerste notitie" not in inner.read("conversation:a")[1].data_json()
    # the key made is the owner's from now on: the stream's next content uses it, no new one
    store.append([_note("conversation:a", 2, "tweede")])
    assert [k.owner for k in inner.list_keys()] == ["conversation:a"]


def test_a_stream_that_existed_before_is_still_looked_up():
    """Only streams this key ring saw created without content are taken as keyless: another
    ring (a new process) asks the key table, and finds the key made before."""
    inner = _Counting()
    provider = LocalKeyProvider.generate()
    first = _content_store(inner, provider)
    first.append([_held("conversation:a")])
    first.append([_note("conversation:a", 1, "eerste")])
    second = _content_store(inner, provider)
    before = inner.lookups
    second.append([_note("conversation:a", 2, "tweede")])
    assert inner.lookups > before
    assert len(inner.list_keys("conversation:a")) == 1  # found, not made again
    assert [e.data.get("text") for e in second.read("conversation:a")] == [
        None,
        "eerste",
        "tweede",
    ]


def test_a_key_made_meanwhile_by_another_process_leaves_two_keys_destroyed_together(
    tmp_path,
):
    """Process one creates the stream; process two writes its first content (a key);
    process one, which still takes the stream as keyless, makes a second key. Both read; the
    owner's erasure destroys both, and neither text opens afterwards."""
    path = tmp_path / "two.db"
    provider = LocalKeyProvider.generate()
    one_inner = SQLiteStore.open(f"sqlite:///{path}")
    two_inner = SQLiteStore.open(f"sqlite:///{path}")
    one = _content_store(one_inner, provider)
    two = _content_store(two_inner, provider)
    one.append([_held("conversation:a")])
    two.append([_note("conversation:a", 1, "van proces twee")])
    one.append([_note("conversation:a", 2, "van proces een")])
    keys = one_inner.list_keys("conversation:a")
    assert len(keys) == 2
    assert all(k.alive for k in keys)
    reader = _content_store(SQLiteStore.open(f"sqlite:///{path}"), provider)
    assert [e.data.get("text") for e in reader.read("conversation:a")] == [
        None,
        "van proces twee",
        "van proces een",
    ]
    reader.close()
    two_inner.close()  # (an open reader would hold the destruction's checkpoint back)
    destroyed = one.keys.destroy(["conversation:a"])
    assert sorted(destroyed) == sorted(k.id for k in keys)
    assert not any(k.alive for k in one_inner.list_keys("conversation:a"))
    one_inner.close()
    fresh = _content_store(SQLiteStore.open(f"sqlite:///{path}"), provider)
    texts = [e.data.get("text") for e in fresh.read("conversation:a")]
    assert "van proces twee" not in texts
    assert "van proces een" not in texts
    for version in (2, 3):
        token = fresh.inner.read("conversation:a")[version - 1].data["text"]
        with pytest.raises(KeyDestroyedError):
            fresh.codec.cipher.open_event(token, stream="conversation:a", version=version)
    fresh.close()


def test_what_was_noted_is_forgotten_with_the_keys_and_after_a_destruction():
    inner = _Counting()
    store = _content_store(inner)
    ring = store.keys
    store.append([_held("conversation:a"), _held("conversation:b")])
    ring.forget()
    before = inner.lookups
    store.append([_note("conversation:a", 1, "na forget")])
    assert inner.lookups > before  # looked up again
    ring.note_keyless(["conversation:c"])
    ring.destroy(["conversation:c"])
    before = inner.lookups
    ring.prepare(["conversation:c"])
    assert inner.lookups > before


def test_an_owner_with_a_current_key_is_not_noted():
    inner = _Counting()
    store = _content_store(inner)
    ring = store.keys
    store.append([_held("conversation:a")])
    store.append([_note("conversation:a", 1, "eerste")])
    key = ring.sealer("conversation:a")[0]
    ring.note_keyless(["conversation:a"])  # it has a key: nothing changes
    batch = ring.prepare(["conversation:a"])
    assert batch.made == ()
    assert batch.sealers["conversation:a"][0] == key


def test_the_memory_of_keyless_owners_is_bounded(monkeypatch):
    from magcore.crypto import keyring

    monkeypatch.setattr(keyring, "_KEYLESS_KEPT", 3)
    inner = _Counting()
    ring = KeyRing(inner, LocalKeyProvider.generate())
    ring.note_keyless([f"conversation:{n}" for n in "abcde"])
    before = inner.lookups
    ring.prepare(["conversation:e", "conversation:d", "conversation:c"])  # the newest three
    assert inner.lookups == before
    ring.prepare(["conversation:a"])  # left the memory: looked up
    assert inner.lookups == before + 1


def test_a_refused_write_notes_nothing():
    """A write that does not commit created no stream: its streams are not noted."""
    from magcore.errors import ConflictError

    inner = _Counting()
    store = _content_store(inner)
    store.append([_held("conversation:a")])
    with pytest.raises(ConflictError):
        store.append([_held("conversation:b"), _held("conversation:a")])
    before = inner.lookups
    store.keys.prepare(["conversation:b"])
    assert inner.lookups > before
