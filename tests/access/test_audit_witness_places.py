"""A witnessed log is named by its first line and its store's place: a copy of a store used
beside its original under one key folder is a log of its own (no false "rolled back"), while a
copy set back is still found, and heads kept under the first line alone still count."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from magcore import open_service
from magcore.access.audit import verify_store
from magcore.app.chain import witness_copied_log
from magcore.app.maintenance import copy_between
from magcore.app.rollback import accept_restored_log
from magcore.crypto.files import KEY_FILE_NAME, FileKeyProvider
from magcore.crypto.witness import FileWitness
from magcore.errors import StorageError
from magcore.storage.sqlite import SQLiteStore
from magcore.storage.witnessing import chain_id, place_of

from ..support.postgres import schema_url
from .test_audit_witness import _read


def _write(url: str, lines: int = 1) -> None:
    service = open_service(url)
    try:
        for _ in range(lines):
            service.store.append_audit([_read("hr")])
        assert verify_store(service.store).ok
    finally:
        service.close()


def _cut_last_line(db: Path) -> int:
    """Set the log back by its newest line, as a writer without keys can: returns that line."""
    with sqlite3.connect(db) as conn:
        seq = conn.execute("SELECT MAX(seq) FROM audit").fetchone()[0]
        before = conn.execute("SELECT hash FROM audit WHERE seq = ?", (seq - 1,)).fetchone()[0]
        conn.execute("DELETE FROM audit WHERE seq = ?", (seq,))
        conn.execute("UPDATE audit_head SET count = ?, last_hash = ?", (seq - 1, before))
    conn.close()
    return int(seq)


def _refused_at_its_last_line(db: Path) -> None:
    """Cut *db*'s newest line: verify reports it, and the store refuses to write."""
    seq = _cut_last_line(db)
    service = open_service(f"sqlite:///{db}")
    try:
        problem = verify_store(service.store).problem
        assert problem is not None
        assert problem.seq == seq
        with pytest.raises(StorageError, match=f"line {seq} is missing"):
            service.store.append_audit([_read("hr")])
    finally:
        service.close()


def test_a_copied_file_used_beside_its_original_is_witnessed_as_its_own_log(tmp_path, monkeypatch):
    """Before, both files were one log to the shared witness: whichever was written second was
    refused as "rolled back" (a false alarm). Now each is witnessed at its own path, both take
    lines in turns and verify, and a copy set back is still refused at the line it lost."""
    (tmp_path / "keys").mkdir()
    monkeypatch.setenv("MAGCORE_KEY_FOLDER", str(tmp_path / "keys"))
    original, copy = tmp_path / "magcore.db", tmp_path / "copy.db"
    _write(f"sqlite:///{original}", 3)
    shutil.copyfile(original, copy)
    _write(f"sqlite:///{copy}")  # the copy's first line: it reaches the highest head
    for _ in range(2):
        _write(f"sqlite:///{original}", 2)
        _write(f"sqlite:///{copy}")
    _refused_at_its_last_line(copy)
    _write(f"sqlite:///{original}")  # the original is not set back by its copy's state


def test_a_file_copied_behind_the_store_is_refused_until_accepted(tmp_path, monkeypatch):
    """A copy first written after its original took more lines cannot be told from the store
    set back and put at another path: it must reach the highest head of the log, and is
    refused with a pointer to accept-restore, which makes it a log of its own."""
    (tmp_path / "keys").mkdir()
    monkeypatch.setenv("MAGCORE_KEY_FOLDER", str(tmp_path / "keys"))
    original, copy = tmp_path / "magcore.db", tmp_path / "copy.db"
    _write(f"sqlite:///{original}", 3)
    shutil.copyfile(original, copy)
    _write(f"sqlite:///{original}", 2)
    service = open_service(f"sqlite:///{copy}")
    try:
        with pytest.raises(StorageError, match=r"line 4 is missing.*accept-restore"):
            service.store.append_audit([_read("hr")])
    finally:
        service.close()
    provider = FileKeyProvider.open(tmp_path / "keys" / KEY_FILE_NAME, create=False)
    raw = SQLiteStore.open(f"sqlite:///{copy}")
    try:
        accepted = accept_restored_log(raw, provider, origin="cli", reason="a test copy")
        assert accepted is not None
    finally:
        raw.close()
    _write(f"sqlite:///{copy}")
    _write(f"sqlite:///{original}")


def test_store_copy_under_one_key_folder_gives_a_second_live_store(tmp_path, monkeypatch):
    """``magcore store copy`` (``copy_between``, then ``witness_copied_log``) witnesses the
    copy at its own place at once: the original may take lines before the copy is first
    written. The copy shares the key folder, so keys destroyed stay destroyed for both."""
    (tmp_path / "keys").mkdir()
    monkeypatch.setenv("MAGCORE_KEY_FOLDER", str(tmp_path / "keys"))
    source_url, target_url = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    _write(source_url, 2)
    provider = FileKeyProvider.open(tmp_path / "keys" / KEY_FILE_NAME, create=False)
    source, target = SQLiteStore.open(source_url), SQLiteStore.open(target_url)
    try:
        copy_between(source, target, keys=provider.audit_key)
        assert witness_copied_log(target, provider)
        assert place_of(source) != place_of(target)
    finally:
        source.close()
        target.close()
    _write(source_url, 2)
    _write(target_url)
    _write(source_url)
    heads = FileWitness(provider.witness_path).heads()
    assert sorted(head.count for head in heads.values()) == [3, 5, 5]


def _as_first_release_left_it(tmp_path: Path, db: Path) -> str:
    """The witness files and the key file's record as the witness's first release wrote them:
    the log's head kept under its first line alone. Returns that line's hash."""
    keys = tmp_path / "magcore.db.keys"
    provider = FileKeyProvider.open(keys, create=False)
    store = SQLiteStore.open(f"sqlite:///{db}")
    try:
        first = str(next(iter(store.read_audit()))["hash"])
        head = FileWitness(provider.witness_path).heads()[chain_id(first, place_of(store))]
    finally:
        store.close()
    for slot in tmp_path.glob("magcore.db.keys.witness*"):
        slot.unlink()
    FileWitness(provider.witness_path).raise_to(first, head.count, head.last_hash)
    record = json.loads(keys.read_text())
    record["witnessed_chains"] = [first]
    keys.write_text(json.dumps(record))
    return first


def test_a_head_kept_under_the_first_line_alone_still_finds_a_rollback(tmp_path):
    """After an upgrade, a log set back below the head kept under its first line alone is
    still refused and reported at the line it lost."""
    db = tmp_path / "magcore.db"
    _write(f"sqlite:///{db}", 3)
    _as_first_release_left_it(tmp_path, db)
    _refused_at_its_last_line(db)


def test_after_an_upgrade_the_log_is_witnessed_under_its_new_name(tmp_path):
    """A log that reaches its old head takes lines, and from then on its head is kept (and
    recorded in the key file) under its first line and place as well."""
    db = tmp_path / "magcore.db"
    _write(f"sqlite:///{db}", 3)
    first = _as_first_release_left_it(tmp_path, db)
    _write(f"sqlite:///{db}")
    provider = FileKeyProvider.open(tmp_path / "magcore.db.keys", create=False)
    heads = FileWitness(provider.witness_path).heads()
    store = SQLiteStore.open(f"sqlite:///{db}")
    try:
        new_name = chain_id(first, place_of(store))
    finally:
        store.close()
    assert heads[new_name] == heads[first]
    assert heads[first].count == 4
    assert provider.witnessed_chains == {first, new_name}


@pytest.fixture
def two_schemas(postgresql_url):
    return schema_url(postgresql_url, "place_a_"), schema_url(postgresql_url, "place_b_")


@pytest.mark.postgres
def test_postgresql_a_copy_in_another_schema_is_its_own_log(tmp_path, two_schemas, monkeypatch):
    """On PostgreSQL the place is the server's port, the database and the schema, as the
    server says: a copy into another schema under one key folder takes lines beside its
    original, and a cut in the copy is still found."""
    pytest.importorskip("magcore_postgres")
    import psycopg

    monkeypatch.setenv("MAGCORE_KEY_FOLDER", str(tmp_path))
    first, second = two_schemas
    _write(first, 2)
    from magcore_postgres.store import PostgresStore

    provider = FileKeyProvider.open(tmp_path / KEY_FILE_NAME, create=False)
    source, target = PostgresStore.open(first), PostgresStore.open(second)
    try:
        copy_between(source, target, keys=provider.audit_key)
        assert witness_copied_log(target, provider)
        assert place_of(source) != place_of(target)
        assert place_of(source).startswith("postgresql:")
    finally:
        source.close()
        target.close()
    _write(first)
    _write(second, 2)
    _write(first)
    with psycopg.connect(second, autocommit=True) as conn:
        seq = conn.execute("SELECT MAX(seq) FROM magcore_audit").fetchone()[0]
        before = conn.execute(
            "SELECT hash FROM magcore_audit WHERE seq = %s", (seq - 1,)
        ).fetchone()[0]
        conn.execute("DELETE FROM magcore_audit WHERE seq = %s", (seq,))
        conn.execute("UPDATE magcore_audit_head SET count = %s, last_hash = %s", (seq - 1, before))
    service = open_service(second)
    try:
        with pytest.raises(StorageError, match=f"line {seq} is missing"):
            service.store.append_audit([_read("hr")])
    finally:
        service.close()
    _write(first)


def test_one_file_reached_by_two_paths_is_one_place(tmp_path):
    """A review found that a store reached through a link (a bind mount, another spelling of
    the path) kept a head of its own per path: a log cut back between the two heads was taken
    through the path with the lower one. The place is the file itself now."""
    (tmp_path / "data").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "data")
    real, linked = tmp_path / "data" / "magcore.db", tmp_path / "link" / "magcore.db"
    _write(f"sqlite:///{linked}", 3)
    _write(f"sqlite:///{real}", 5)
    stores = [SQLiteStore.open(f"sqlite:///{p}") for p in (real, linked)]
    try:
        assert place_of(stores[0]) == place_of(stores[1])
    finally:
        for store in stores:
            store.close()
    _refused_at_its_last_line(real)
    service = open_service(f"sqlite:///{linked}")
    try:
        with pytest.raises(StorageError, match="is missing"):
            service.store.append_audit([_read("hr")])
    finally:
        service.close()


def test_a_log_without_its_first_line_takes_no_line(tmp_path):
    """A review found that deleting line 1 as well as the newest lines switched the check off
    (the log had no name to look its head up by): such a log is refused now."""
    db = tmp_path / "magcore.db"
    _write(f"sqlite:///{db}", 6)
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM audit WHERE seq > 3 OR seq = 1")
        last = conn.execute("SELECT hash FROM audit WHERE seq = 3").fetchone()[0]
        conn.execute("UPDATE audit_head SET count = 3, last_hash = ?", (last,))
    conn.close()
    service = open_service(f"sqlite:///{db}")
    try:
        with pytest.raises(StorageError, match="not its first one"):
            service.store.append_audit([_read("hr")])
        assert not verify_store(service.store).ok
    finally:
        service.close()
