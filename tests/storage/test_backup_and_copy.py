"""Backups taken while others write restore to a store that replays like the backup; a store
copied from SQLite to PostgreSQL and back replays exactly like the original."""

from __future__ import annotations

import itertools
import os
import stat
import threading
from urllib.parse import quote

import psycopg
import pytest

from magcore.access.audit import verify_store
from magcore.app.maintenance import backup_store, check_store, copy_between, restore_store
from magcore.errors import StorageError
from magcore.storage import SQLiteStore, StoreSettings, StreamWrite
from magcore.storage.transfer import replay_digest
from magcore.testing.storage import audit_record, event
from magcore.testing.store_ballots import hash_of

from .populate import populate

_SCHEMAS = itertools.count(1)


def url_of(path):
    return f"sqlite:///{path}"


def test_a_backup_during_writes_restores_to_a_store_equal_to_the_source_at_that_moment(tmp_path):
    """A writer appends (with audit lines) before, during and after the backup; the restored
    store holds exactly the source's first events and audit lines, and verifies."""
    source_path = tmp_path / "live.db"
    store = SQLiteStore.open(url_of(source_path))
    populate(store)
    started = store.audit_head().count
    warmed_up = threading.Event()
    stop = threading.Event()
    failures: list[BaseException] = []

    def write() -> None:
        writer = SQLiteStore.open(url_of(source_path))
        try:
            for n in itertools.count(1):
                stream = f"goal:w-{n}"
                writer.append(
                    [StreamWrite(stream, 0, [event(stream, 1, text="x" * 2000)])],
                    audit=[audit_record(1000 + n, action="append")],
                )
                if n == 20:
                    warmed_up.set()
                if stop.is_set() and n > 60:
                    return
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)
            warmed_up.set()
        finally:
            writer.close()

    thread = threading.Thread(target=write)
    thread.start()
    assert warmed_up.wait(30)
    summary = backup_store(store, tmp_path / "backup.db")
    stop.set()
    thread.join(60)
    assert not failures
    final = list(store.read_all())
    final_audit = list(store.read_audit())
    store.close()

    assert summary.check.ok
    assert started < summary.check.audit_entries < len(final_audit)

    restored_path = tmp_path / "restored.db"
    restored = restore_store(summary.path, restored_path)
    assert restored.digest == summary.digest
    copy = SQLiteStore.open(url_of(restored_path))
    try:
        events = list(copy.read_all())
        last = events[-1][0]
        assert events == [(p, e) for p, e in final if p <= last]
        audit = list(copy.read_audit())
        assert audit == final_audit[: len(audit)]
        assert verify_store(copy).ok
        assert copy.audit_head().count == len(audit)
    finally:
        copy.close()


def test_a_backup_never_overwrites_and_a_restore_moves_the_old_file_aside(tmp_path):
    """An existing backup target is refused; --replace keeps the replaced store (and its -wal)."""
    path = tmp_path / "magcore.db"
    store = SQLiteStore.open(url_of(path))
    populate(store)
    backup = backup_store(store, tmp_path / "b.db").path
    with pytest.raises(StorageError, match="exists already"):
        backup_store(store, backup)
    store.append([StreamWrite("goal:late", 0, [event("goal:late", 1)])])
    store.close()
    with pytest.raises(StorageError, match="--replace"):
        restore_store(backup, path)
    result = restore_store(backup, path, replace=True)
    assert result.moved_aside is not None
    assert result.moved_aside.exists()
    reopened = SQLiteStore.open(url_of(path))
    try:
        assert reopened.version("goal:late") == 0
    finally:
        reopened.close()
    kept = SQLiteStore.open(url_of(result.moved_aside), StoreSettings(read_only=True))
    try:
        assert kept.version("goal:late") == 1
    finally:
        kept.close()


def _mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_store_files_and_backups_are_for_their_owner_only(tmp_path):
    """Who met whom, when and of which kind is in clear in the database: a new store (with its
    -wal and -shm) and a backup are 0600 whatever the umask; a restore keeps the mode of the
    file it replaces (an administrator who opened it to a group keeps that)."""
    path = tmp_path / "magcore.db"
    old = os.umask(0)
    try:
        store = SQLiteStore.open(url_of(path))
        populate(store)
        backup = backup_store(store, tmp_path / "b.db").path
        assert {_mode(p) for p in tmp_path.glob("magcore.db*")} == {0o600}
        assert {p.name for p in tmp_path.glob("magcore.db*")} >= {"magcore.db", "magcore.db-wal"}
        assert _mode(backup) == 0o600
        store.close()
        restore_store(backup, path, replace=True)
        assert _mode(path) == 0o600
        path.chmod(0o640)
        restore_store(backup, path, replace=True)
        assert _mode(path) == 0o640
    finally:
        os.umask(old)


def test_a_damaged_backup_is_not_restored(tmp_path):
    """A backup whose pages are overwritten is refused before the store is touched."""
    path = tmp_path / "magcore.db"
    store = SQLiteStore.open(url_of(path))
    populate(store, conversations=12)
    backup = backup_store(store, tmp_path / "b.db").path
    store.close()
    data = bytearray(backup.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 4096] = b"\x17" * 4096
    backup.write_bytes(bytes(data))
    before = path.read_bytes()
    with pytest.raises(StorageError, match=r"b\.db"):
        restore_store(backup, path, replace=True)
    assert path.read_bytes() == before


def test_copy_refuses_a_table_the_target_does_not_know(tmp_path):
    """A table only the source has (a newer magcore's, say) stops the copy: nothing copied."""
    source = SQLiteStore.open(url_of(tmp_path / "a.db"))
    target = SQLiteStore.open(url_of(tmp_path / "b.db"))
    try:
        populate(source)
        source._conn.execute("CREATE TABLE person_keys (person TEXT PRIMARY KEY, key BLOB)")
        source._conn.execute("INSERT INTO person_keys VALUES ('e-1', x'0102')")
        with pytest.raises(StorageError, match="person_keys"):
            copy_between(source, target)
        assert list(target.read_all()) == []
        target._conn.execute("CREATE TABLE person_keys (person TEXT PRIMARY KEY, key BLOB)")
        summary, _ = copy_between(source, target)
        assert summary.rows["person_keys"] == 1
        assert replay_digest(source) == replay_digest(target)
    finally:
        source.close()
        target.close()


def test_copy_refuses_a_target_in_use(tmp_path):
    """Copying into a store that holds events is refused, and the target is unchanged."""
    source = SQLiteStore.open(url_of(tmp_path / "a.db"))
    target = SQLiteStore.open(url_of(tmp_path / "b.db"))
    try:
        populate(source)
        target.append([StreamWrite("goal:mine", 0, [event("goal:mine", 1)])])
        before = replay_digest(target)
        with pytest.raises(StorageError, match="new, empty store"):
            copy_between(source, target)
        assert replay_digest(target) == before
    finally:
        source.close()
        target.close()


@pytest.fixture
def pg_url(postgresql_url):
    """A URL whose tables go into a schema of their own (dropped afterwards)."""
    schema = f"copy_{next(_SCHEMAS)}"
    with psycopg.connect(postgresql_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    joiner = "&" if "?" in postgresql_url else "?"
    yield f"{postgresql_url}{joiner}options={quote(f'-csearch_path={schema}')}"
    with psycopg.connect(postgresql_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.mark.postgres
def test_copy_sqlite_to_postgresql_and_back_replays_alike(tmp_path, pg_url):
    """SQLite → PostgreSQL → SQLite: events, positions, audit log, read models and every table
    equal by replay; the PostgreSQL copy goes on numbering and chaining where the source ended."""
    postgres = pytest.importorskip("magcore_postgres")
    first = SQLiteStore.open(url_of(tmp_path / "first.db"))
    populate(first, conversations=6)
    tokens = [f"t{n}" for n in range(6)]
    first.open_ballot("closed", [hash_of(t) for t in tokens])
    first.open_ballot("open", [hash_of(t) for t in tokens])
    for token in tokens[:5]:
        first.cast_ballot("closed", hash_of(token), [("s-1", "often")])
    first.close_ballot("closed", minimum=5)
    expected = replay_digest(first)
    rows = {table: count for table, count, _ in expected.tables}
    assert rows["data_keys"] == 2  # the key table travels too (one live, one destroyed key)
    assert (rows["ballot_boxes"], rows["ballot_tokens"], rows["ballot_counts"]) == (2, 6, 1)
    middle = postgres.PostgresStore.open(pg_url)
    last = SQLiteStore.open(url_of(tmp_path / "last.db"))
    try:
        copy_between(first, middle)
        assert replay_digest(middle) == expected
        copy_between(middle, last)
        assert replay_digest(last) == expected
        assert list(last.read_all()) == list(first.read_all())
        assert last.conversations() == first.conversations()
        assert last.open_agreements("e-3") == first.open_agreements("e-3")
        assert last.list_keys() == first.list_keys() == middle.list_keys()
        assert last.ballot_counts("closed") == first.ballot_counts("closed")
        assert middle.cast_ballot("open", hash_of(tokens[0]), [("s-1", "often")])
        assert check_store(middle).ok

        batch = middle.append(
            [StreamWrite("goal:after", 0, [event("goal:after", 1)])], audit=[audit_record(99)]
        )
        assert batch.position > expected.last_position
        assert verify_store(middle).ok
        # The event's own line and the record's line.
        assert middle.audit_head().count == expected.audit_head[0] + 2
    finally:
        first.close()
        middle.close()
        last.close()
