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
    "cast_ballot",
    "close_ballot",
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
    "get_key",
    "keep",
    "list_keys",
    "listing_index",
    "load_tables",
    "migrate",
    "open",
    "open_agreements",
    "outbox_cursor",
    "read_audit",
    "read_outbox",
    "restrictions_of",
    "rewrap_keys",
    "schema_version",
    "settle_outbox",
    "sharing_choices",
    "streams",
    "tables",
    "use_audit_key",
    "version",
}


def _stores():
    stores = [MemoryStore, SQLiteStore]
    try:
        from magcore_postgres.store import PostgresStore
    except ImportError:  # pragma: no cover - the plugin is installed in the dev venv
        return stores
    return [*stores, PostgresStore]


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
