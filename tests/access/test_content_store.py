"""The content codec's store: which methods see content, and that the rest hold none in clear."""

from __future__ import annotations

import pytest

from magcore.access.content import ContentStore
from magcore.storage.memory import MemoryStore
from magcore.storage.sqlite import SQLiteStore

#: Encrypt on the way in, decrypt on the way out; ``read_snapshot`` gives an organisation's
#: snapshot, made from events that ``append_stream`` lets through only without content.
CODED = {
    "append",
    "append_stream",
    "read",
    "read_all",
    "read_snapshot",
    "read_stream",
    "read_stream_data",
}
#: Handed to the wrapped store as they are: none of them takes or gives content in clear
#: (metadata, read models, the audit log, the outbox's envelopes, wrapped keys, the schema, and
#: copies of the tables as they are stored: encrypted). The ballot boxes of a team measurement
#: hold token hashes and counts per option id: no free text and nothing tied to a person.
PASSED_ON = {
    "add_keys",
    "append_audit",
    "audit_head",
    "backup",
    "ballot_counts",
    "ballot_state",
    "cast_ballot",
    "close_ballot",
    "discard_ballot",
    "open_ballot",
    "backup_advice",
    "check",
    "check_schema",
    "close",
    "conversations",
    "dead_letters",
    "destroy_keys",
    "destroy_stream",
    "dump_table",
    "fill_listing_index",
    "forget_dead_letter",
    "get_key",
    "keep",
    "list_keys",
    "live_keys",
    "listing_index",
    "load_tables",
    "migrate",
    "open",
    "open_agreements",
    "open_agreements_many",
    "outbox_cursor",
    "read_audit",
    "read_outbox",
    "repair_read_models",
    "restrictions_of",
    "rewrap_keys",
    "schema_version",
    "settle_outbox",
    "sharing_choices",
    "stored_read_models",
    "streams",
    "tables",
    "use_audit_key",
    "use_audit_witness",
    "version",
    "witness_place",
}


def _stores():
    stores = [MemoryStore, SQLiteStore]
    try:
        from magcore_postgres.store import PostgresStore
    except ImportError:  # pragma: no cover - the plugin is installed in the dev venv
        return stores
    return [*stores, pytest.param(PostgresStore, marks=pytest.mark.postgres)]


@pytest.mark.parametrize("cls", _stores(), ids=lambda c: c.__name__)
def test_every_store_method_is_coded_or_known_to_carry_no_clear_content(cls):
    """A new store method (an import, a bulk read) fails here until someone decides whether it
    sees content: then it is coded in ContentStore, or added to PASSED_ON."""
    public = {
        name for name in dir(cls) if not name.startswith("_") and callable(getattr(cls, name))
    }
    assert sorted(public - CODED - PASSED_ON) == []


def test_the_coded_methods_are_the_content_stores_own():
    assert all(name in vars(ContentStore) for name in CODED)
    assert not PASSED_ON & set(vars(ContentStore))


class _Watching(MemoryStore):
    """A memory store that notes whether the garbage collector ran during each append."""

    def __init__(self) -> None:
        super().__init__()
        self.collector_on: list[bool] = []

    def append(self, writes, **kwargs):  # type: ignore[no-untyped-def]
        import gc

        self.collector_on.append(gc.isenabled())
        return super().append(writes, **kwargs)


def test_a_large_batch_is_sealed_with_the_collector_paused_and_resumed_after():
    """A batch of LARGE_BATCH events or more is sealed and written with the cyclic garbage
    collector paused; it is on again afterwards, also when the write fails; a small batch
    leaves it alone. What was written opens to what went in."""
    import gc
    from datetime import UTC, datetime

    from magcore.access.content import LARGE_BATCH, ContentCodec
    from magcore.crypto import ContentCipher, KeyRing, LocalKeyProvider
    from magcore.errors import ConflictError
    from magcore.events import Event
    from magcore.storage.base import StreamWrite

    inner = _Watching()
    store = ContentStore(
        inner, ContentCodec(ContentCipher(KeyRing(inner, LocalKeyProvider.generate())))
    )
    at = datetime(2026, 3, 2, tzinfo=UTC)

    def notes(first: int, count: int) -> list[StreamWrite]:
        return [
            StreamWrite(
                f"conversation:c{n}",
                0,
                [Event(stream=f"conversation:c{n}", version=1, type="note.private_added",
                       at=at, actor="m-1", data={"text": f"note {n}"})],
            )
            for n in range(first, first + count)
        ]  # fmt: skip

    assert gc.isenabled()
    store.append(notes(0, 3))
    store.append(notes(3, LARGE_BATCH))
    assert inner.collector_on == [True, False]
    assert gc.isenabled()
    with pytest.raises(ConflictError):
        store.append(notes(0, LARGE_BATCH))  # the streams exist: nothing is written
    assert gc.isenabled()
    assert store.read(f"conversation:c{LARGE_BATCH}")[0].data["text"] == f"note {LARGE_BATCH}"
    assert "note" not in inner.read(f"conversation:c{LARGE_BATCH}")[0].data_json()


#: A lone surrogate: no store can keep it.
BAD = "\ud800"


class _KeysApart(MemoryStore):
    """A store written before ``append(keys=)``: it stores key rows only with ``add_keys``."""

    def append(self, writes, *, audit=(), origin=""):  # type: ignore[no-untyped-def]
        return super().append(writes, audit=audit, origin=origin)


def _note_write(stream: str, text: str, version: int = 0):
    from datetime import UTC, datetime

    from magcore.events import Event
    from magcore.storage.base import StreamWrite

    event = Event(
        stream=stream,
        version=version + 1,
        type="note.private_added",
        at=datetime(2026, 3, 2, tzinfo=UTC),
        actor="m-1",
        data={"text": text},
    )
    return StreamWrite(stream, version, [event])


@pytest.mark.parametrize("cls", _stores(), ids=lambda c: c.__name__)
def test_a_refused_write_leaves_no_key_and_the_next_one_reads(cls, tmp_path, request):
    """A write's new data keys are stored in its own transaction: a conflict or content that
    cannot be stored leaves no key row behind, and the key ring does not go on using a key it
    made for the refused write (the stream's next write stores its own, and reads back)."""
    from magcore.access.content import ContentCodec
    from magcore.crypto import ContentCipher, KeyRing, LocalKeyProvider
    from magcore.errors import ConflictError, RecordInvalidError

    inner = _open(cls, tmp_path, request)
    ring = KeyRing(inner, LocalKeyProvider.generate())
    store = ContentStore(inner, ContentCodec(ContentCipher(ring)))
    store.append([_note_write("conversation:a", "eerste")])
    assert [k.owner for k in inner.list_keys()] == ["conversation:a"]
    with pytest.raises(ConflictError):
        store.append([_note_write("conversation:b", "geheim"), _note_write("conversation:a", "")])
    with pytest.raises(RecordInvalidError):
        store.append([_note_write("conversation:c", "goed"), _note_write("conversation:d", BAD)])
    assert [k.owner for k in inner.list_keys()] == ["conversation:a"]
    assert not ring.has_current("conversation:b")
    store.append([_note_write("conversation:b", "tweede poging")])
    assert [k.owner for k in inner.list_keys()] == ["conversation:a", "conversation:b"]
    reader = ContentStore(inner, ContentCodec(ContentCipher(KeyRing(inner, ring.provider))))
    assert reader.read("conversation:b")[0].data["text"] == "tweede poging"
    store.append([_note_write("conversation:b", "derde", version=1)])
    assert [k.owner for k in inner.list_keys()] == ["conversation:a", "conversation:b"]
    assert [e.data["text"] for e in reader.read("conversation:b")] == ["tweede poging", "derde"]


def _open(cls, tmp_path, request):
    """A fresh store of *cls* (PostgreSQL: in a schema of its own on the test server)."""
    if cls is MemoryStore:
        return MemoryStore()
    if cls is SQLiteStore:
        return SQLiteStore.open(f"sqlite:///{tmp_path / 'keys.db'}")
    import os
    import uuid
    from urllib.parse import quote

    import psycopg

    base = os.environ.get("MAGCORE_TEST_PG_URL") or request.getfixturevalue("postgresql_url")
    schema = f"content_keys_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    joiner = "&" if "?" in base else "?"
    store = cls.open(f"{base}{joiner}options={quote(f'-csearch_path={schema}')}")
    request.addfinalizer(store.close)
    return store


def test_a_store_that_keeps_keys_apart_still_gets_them_first():
    """A vendor's store whose ``append`` takes no ``keys=`` is given a write's new keys with
    ``add_keys`` before the events, as before: everything written reads back."""
    from magcore.access.content import ContentCodec
    from magcore.crypto import ContentCipher, KeyRing, LocalKeyProvider
    from magcore.storage.keys import appends_keys

    inner = _KeysApart()
    assert not appends_keys(inner)
    assert appends_keys(MemoryStore())
    ring = KeyRing(inner, LocalKeyProvider.generate())
    store = ContentStore(inner, ContentCodec(ContentCipher(ring)))
    store.append([_note_write("conversation:a", "eerste")])
    assert [k.owner for k in inner.list_keys()] == ["conversation:a"]
    assert store.read("conversation:a")[0].data["text"] == "eerste"
    assert "eerste" not in inner.read("conversation:a")[0].data_json()


class _MirroredKeys(SQLiteStore):
    """A vendor's subclass that keeps a copy of every key row elsewhere (a vault, say): it
    overrides ``add_keys`` and ``list_keys`` only, not the inherited ``append(keys=)`` and
    ``live_keys``, which would write and read past them."""

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.mirrored: list[str] = []
        self.listed = 0

    def add_keys(self, records):  # type: ignore[no-untyped-def]
        super().add_keys(records)
        self.mirrored.extend(record.owner for record in records)

    def list_keys(self, owner=None):  # type: ignore[no-untyped-def]
        self.listed += 1
        return super().list_keys(owner)


def test_a_subclass_that_overrides_add_keys_gets_every_new_key_through_it(tmp_path):
    """``append(keys=)`` and ``live_keys`` stand for ``add_keys`` and ``list_keys`` only where
    they are not older than them: a subclass that overrides the latter alone has its own
    methods used for every key (``in_step``), and everything written reads back."""
    from magcore.access.content import ContentCodec
    from magcore.crypto import ContentCipher, KeyRing, LocalKeyProvider
    from magcore.storage.keys import appends_keys, in_step, reads_live_keys

    inner = _MirroredKeys.open(f"sqlite:///{tmp_path / 'mirrored.db'}")
    plain = SQLiteStore.open(f"sqlite:///{tmp_path / 'plain.db'}")
    assert (appends_keys(plain), reads_live_keys(plain)) == (True, True)
    assert (appends_keys(inner), reads_live_keys(inner)) == (False, False)
    provider = LocalKeyProvider.generate()
    store = ContentStore(inner, ContentCodec(ContentCipher(KeyRing(inner, provider))))
    store.append([_note_write("conversation:a", "eerste")])
    store.append([_note_write(f"conversation:{n}", "meer") for n in "bcd"])
    assert inner.mirrored == [k.owner for k in inner.list_keys()]
    assert sorted(inner.mirrored) == [f"conversation:{n}" for n in "abcd"]
    before = inner.listed
    reader = ContentStore(inner, ContentCodec(ContentCipher(KeyRing(inner, provider))))
    reader.append([_note_write("conversation:a", "tweede", version=1)])  # its key looked up
    assert inner.listed > before
    assert [e.data["text"] for e in reader.read("conversation:a")] == ["eerste", "tweede"]
    assert inner.mirrored.count("conversation:a") == 1  # found, not made again
    # a method set on the instance counts as an override too; a forwarding wrapper is trusted
    patched = SQLiteStore.open(f"sqlite:///{tmp_path / 'patched.db'}")
    patched.add_keys = patched.add_keys  # type: ignore[method-assign]
    assert not in_step(patched, "append", "add_keys")
    assert in_step(store, "append", "add_keys")
    for opened in (inner, plain, patched):
        opened.close()
