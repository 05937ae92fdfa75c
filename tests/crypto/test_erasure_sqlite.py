"""Crypto-shredding in an SQLite file: after destruction the key material is gone from its bytes.

This is the key layer's part of issue 13's end test ("after erasure, none of the erased text can
be found in the raw bytes of the SQLite file, or of a copy taken before"): content is stored only
as ciphertext, so the text was never in the file; what makes it unreadable is that the data key
is gone, from the file and (once the old KEK is retired) from every copy taken before.
"""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from magcore.crypto import ContentCipher, FileKeyProvider, KeyRing, key_id_of
from magcore.errors import KeyDestroyedError, KeyProviderError
from magcore.storage import SQLiteStore, StreamWrite
from magcore.testing.storage import event

SECRET = "Ik heb een burn-out gehad en praat daar liever niet over"
STREAM = "conversation:c-1"


def _pieces(material, size=8):
    """Every *size*-byte window of *material*: a partly overwritten key must not hide."""
    return {material[i : i + size] for i in range(len(material) - size + 1)}


def _raw(path):
    """The bytes of the database file and of its write-ahead log, if any."""
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "magcore.db"
    store = SQLiteStore.open(f"sqlite:///{path}")
    yield store, path, FileKeyProvider.open(tmp_path / "magcore.db.keys")
    store.close()


def _write_secret(store, provider):
    cipher = ContentCipher(KeyRing(store, provider))
    token = cipher.encrypt(SECRET, owner="person:e-1", stream=STREAM, field="/data/summary")
    store.append([StreamWrite(STREAM, 0, [event(STREAM, 1, "record.drafted", summary=token)])])
    # Another person's content in the same pages stays readable.
    other = cipher.encrypt("andere tekst", owner="person:e-2", stream=STREAM, field="/data/x")
    return cipher, token, other


def test_destroyed_key_material_is_not_in_the_file(db):
    store, path, provider = db
    cipher, token, other = _write_secret(store, provider)
    key_id = key_id_of(token)
    wrapped = store.get_key(key_id).wrapped
    store._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = _raw(path)
    assert SECRET.encode() not in raw  # only ciphertext was ever written
    assert token.encode() in raw
    assert wrapped in raw  # the test can see key material when it is there

    cipher.keys.destroy(["person:e-1"])

    raw = _raw(path)
    assert [piece for piece in _pieces(wrapped) if piece in raw] == []
    assert SECRET.encode() not in raw
    assert token.encode() in raw  # the ciphertext is still there, and useless:
    fresh = ContentCipher(KeyRing(SQLiteStore.open(f"sqlite:///{path}"), provider))
    with pytest.raises(KeyDestroyedError):
        fresh.decrypt(token, stream=STREAM, field="/data/summary")
    assert fresh.decrypt(other, stream=STREAM, field="/data/x") == "andere tekst"
    fresh.keys.store.close()


def test_a_copy_taken_before_is_unreadable_once_the_old_kek_is_retired(db, tmp_path):
    """Backups: rotate the KEK after erasure and retire the old one; old copies then fail."""
    store, path, provider = db
    cipher, token, other = _write_secret(store, provider)
    store._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    backup = tmp_path / "backup.db"
    shutil.copyfile(path, backup)

    cipher.keys.destroy(["person:e-1"])
    old_kek = provider.current_kek_id()
    provider.new_kek()
    assert cipher.keys.rotate_kek() == 1  # e-2's key; e-1's is destroyed
    provider.retire_kek(old_kek)

    # The live database still reads what was not erased ...
    live = ContentCipher(KeyRing(store, provider))
    assert live.decrypt(other, stream=STREAM, field="/data/x") == "andere tekst"
    # ... and the copy from before the erasure holds e-1's wrapped key, under a retired KEK.
    copy = SQLiteStore.open(f"sqlite:///{backup}")
    try:
        assert copy.get_key(key_id_of(token)).wrapped is not None
        with pytest.raises(KeyProviderError, match="retired"):
            ContentCipher(KeyRing(copy, provider)).decrypt(
                token, stream=STREAM, field="/data/summary"
            )
    finally:
        copy.close()
    # Nothing of the old KEK is left in the key file either.
    assert old_kek not in (tmp_path / "magcore.db.keys").read_text()


def test_key_table_is_schema_version_two_and_apart_from_events(db):
    store, path, _ = db
    assert store.schema_version() == 2
    with sqlite3.connect(path) as conn:
        columns = [r[1] for r in conn.execute("PRAGMA table_info(data_keys)")]
    conn.close()
    assert columns == ["seq", "id", "owner", "kek_id", "wrapped", "created", "destroyed"]


def test_a_version_one_database_gets_its_key_table(tmp_path):
    """A database made before the key table existed is migrated to version 2, data kept."""
    from magcore.storage.sqlite import APPLICATION_ID, MIGRATIONS

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO events (stream, version, type, at, actor, data) "
        "VALUES ('goal:g-1', 1, 'goal.set', '2026-01-01T00:00:00+00:00', 'e-1', '{}')"
    )
    conn.commit()
    conn.close()
    store = SQLiteStore.open(f"sqlite:///{path}")
    try:
        assert store.schema_version() == 2
        assert store.version("goal:g-1") == 1
        assert store.list_keys() == []
    finally:
        store.close()
