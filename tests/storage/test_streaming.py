"""Long runs on one stream (an organisation import): appended chunk by chunk in one
transaction, read back page by page, on every back end; a failure anywhere leaves nothing."""

from __future__ import annotations

import itertools
import os
from urllib.parse import quote

import psycopg
import pytest

from magcore.access.audit import verify_store
from magcore.errors import ConflictError, StorageError
from magcore.storage import MemoryStore, SQLiteStore, StreamWrite
from magcore.storage.streaming import append_stream, chunked, read_stream
from magcore.testing.storage import event

_SCHEMAS = itertools.count(1)


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    if request.param == "memory":
        opened = MemoryStore()
    elif request.param == "sqlite":
        opened = SQLiteStore.open(f"sqlite:///{tmp_path / 'a.db'}")
    else:
        postgres = pytest.importorskip("magcore_postgres")
        base = os.environ.get("MAGCORE_TEST_PG_URL") or request.getfixturevalue("postgresql_url")
        schema = f"streaming_{os.getpid()}_{next(_SCHEMAS)}"
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        joiner = "&" if "?" in base else "?"
        opened = postgres.PostgresStore.open(
            f"{base}{joiner}options={quote(f'-csearch_path={schema}')}"
        )
    yield opened
    opened.close()


def _run(stream, start, count):
    return (event(stream, version, n=version) for version in range(start + 1, start + count + 1))


def test_a_long_run_is_written_chunk_by_chunk_and_reads_back_whole(store):
    done = append_stream(store, "org:o", 0, _run("org:o", 0, 10), origin="import", chunk=3)
    assert (done.count, done.stream) == (10, "org:o")
    assert done.last[-1].version == 10
    assert len(done.last) <= 3
    more = append_stream(store, "org:o", 10, _run("org:o", 10, 4), chunk=3)
    assert more.count == 4
    assert more.position > done.position
    assert store.version("org:o") == 14
    assert [e.data["n"] for e in store.read("org:o")] == list(range(1, 15))
    assert [e.version for e in read_stream(store, "org:o", upto=12)] == list(range(1, 13))
    assert list(read_stream(store, "org:o")) == list(store.read("org:o"))
    assert store.audit_head().count == 14  # one audit line per event, chained
    assert verify_store(store).ok


def test_nothing_is_written_when_the_run_fails_half_way(store):
    store.append([StreamWrite("org:o", 0, [event("org:o", 1)])])
    head = store.audit_head()

    def failing():
        yield from _run("org:o", 1, 7)  # two chunks of 3 are written before the failure
        raise StorageError("the source broke")

    with pytest.raises(StorageError, match="the source broke"):
        append_stream(store, "org:o", 1, failing(), chunk=3)
    assert store.version("org:o") == 1
    assert len(store.read("org:o")) == 1
    assert store.audit_head() == head


def test_a_stale_version_or_a_gap_is_a_conflict_and_writes_nothing(store):
    append_stream(store, "org:o", 0, _run("org:o", 0, 2))
    with pytest.raises(ConflictError):
        append_stream(store, "org:o", 1, _run("org:o", 1, 3))
    with pytest.raises(ConflictError):
        append_stream(store, "org:o", 2, _run("org:o", 3, 3), chunk=2)  # starts at 4, not 3
    assert store.version("org:o") == 2


def test_pages_of_a_long_stream_are_read_in_order(store, monkeypatch):
    import magcore.storage.sqlite_stream as sqlite_stream

    monkeypatch.setattr(sqlite_stream, "_PAGE", 4)
    if type(store).__name__ == "PostgresStore":
        import magcore_postgres.streams as pg_streams

        monkeypatch.setattr(pg_streams, "_PAGE", 4)
    append_stream(store, "org:o", 0, _run("org:o", 0, 9), chunk=4)
    assert [e.version for e in read_stream(store, "org:o")] == list(range(1, 10))
    assert [e.version for e in read_stream(store, "org:o", upto=8)] == list(range(1, 9))


def test_chunks_are_at_most_the_size_asked():
    assert [len(c) for c in chunked(range(7), 3)] == [3, 3, 1]
    with pytest.raises(ValueError, match="at least 1"):
        list(chunked(range(3), 0))


def test_the_data_of_a_stream_reads_back_as_plain_json(store):
    from magcore.events import thaw
    from magcore.storage.streaming import read_stream_data

    append_stream(store, "org:o", 0, (event("org:o", v, n=v, roles=[{"a": v}]) for v in (1, 2, 3)))
    got = list(read_stream_data(store, "org:o", upto=2))
    assert [(version, kind) for version, kind, _ in got] == [(1, "note.added"), (2, "note.added")]
    assert [thaw(data) for _, _, data in got] == [
        {"n": 1, "roles": [{"a": 1}]},
        {"n": 2, "roles": [{"a": 2}]},
    ]
