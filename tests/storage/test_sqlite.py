"""The SQLite store passes the conformance suite and refuses bad files and URLs unharmed."""

from __future__ import annotations

import sqlite3

import pytest

from magcore.errors import StorageError
from magcore.storage import StoreSettings, StreamWrite
from magcore.storage.sqlite import SCHEMA_VERSION, SQLiteStore, path_from_url
from magcore.testing.storage import ConversationDriver, StoreContract, event


def url_of(path):
    return f"sqlite:///{path}"


class TestSQLiteStore(StoreContract):
    """Every contract test against an SQLite file."""

    @pytest.fixture
    def db_path(self, tmp_path):
        return tmp_path / "magcore.db"

    @pytest.fixture
    def store(self, db_path):
        store = SQLiteStore.open(url_of(db_path))
        yield store
        store.close()

    @pytest.fixture
    def reopen(self, db_path):
        opened = []

        def reopen():
            opened.append(SQLiteStore.open(url_of(db_path)))
            return opened[-1]

        yield reopen
        for store in opened:
            store.close()

    @pytest.fixture
    def tamper_audit(self, db_path):
        def tamper(store, seq):
            with sqlite3.connect(db_path) as conn:
                conn.execute("UPDATE audit SET result = 'denied' WHERE seq = ?", (seq,))
            conn.close()

        return tamper

    @pytest.fixture
    def truncate_audit(self, db_path):
        def truncate(store, keep):
            with sqlite3.connect(db_path) as conn:
                conn.execute("DELETE FROM audit WHERE seq > ?", (keep,))
            conn.close()

        return truncate


def test_settings_of_the_connection(tmp_path):
    """The file is in WAL mode, at the newest schema, with foreign keys on."""
    store = SQLiteStore.open(url_of(tmp_path / "a.db"))
    try:
        conn = store._conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2
        assert store.schema_version() == SCHEMA_VERSION
    finally:
        store.close()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///relative/a.db", "relative/a.db"),
        ("sqlite:////absolute/a.db", "/absolute/a.db"),
    ],
)
def test_url_to_path(url, expected):
    """Three slashes: relative path; four: absolute path."""
    assert str(path_from_url(url)) == expected


@pytest.mark.parametrize(
    "url",
    ["", "sqlite://", "sqlite:///", "sqlite:relative.db", "postgresql://x/y", "sqlite:///a.db?x=1"],
)
def test_wrong_url_is_a_clear_storage_error(url):
    """A URL without a file, of another scheme or with a query is refused, naming the URL."""
    with pytest.raises(StorageError, match="URL"):
        SQLiteStore.open(url)


def test_missing_folder_is_a_clear_error(tmp_path):
    """A file in a folder that does not exist is not created."""
    with pytest.raises(StorageError, match="missing"):
        SQLiteStore.open(url_of(tmp_path / "nope" / "a.db"))
    assert not (tmp_path / "nope").exists()


def test_create_false_does_not_create(tmp_path):
    """With create=False a missing database is an error, and no file appears."""
    path = tmp_path / "a.db"
    with pytest.raises(StorageError, match="does not exist"):
        SQLiteStore.open(url_of(path), StoreSettings(create=False))
    assert not path.exists()


@pytest.mark.parametrize(
    "content",
    [b"this is a text file, not a database\n" * 20, b"SQLite format 3\x00" + b"\xff" * 4000],
)
def test_non_database_file_is_refused_unchanged(tmp_path, content):
    """A text file or a damaged header gives a StorageError naming the file; bytes unchanged."""
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    with pytest.raises(StorageError, match=str(path)):
        SQLiteStore.open(url_of(path))
    assert path.read_bytes() == content


def test_corrupted_pages_are_refused_unchanged(tmp_path):
    """A real store whose pages were overwritten is refused with a clear error, untouched."""
    path = tmp_path / "a.db"
    store = SQLiteStore.open(url_of(path))
    store.append([StreamWrite("goal:g-1", 0, [event("goal:g-1", v) for v in range(1, 200)])])
    store.close()
    damaged = bytearray(path.read_bytes())
    damaged[100:] = b"\x17" * (len(damaged) - 100)
    path.write_bytes(bytes(damaged))

    def open_and_read():
        reopened = SQLiteStore.open(url_of(path))
        try:
            return reopened.read("goal:g-1")
        finally:
            reopened.close()

    with pytest.raises(StorageError, match=r"damaged|not a database"):
        open_and_read()
    assert path.read_bytes() == bytes(damaged)


def test_newer_schema_is_refused_unchanged(tmp_path):
    """A database written by a newer magcore is refused before anything is written."""
    path = tmp_path / "a.db"
    SQLiteStore.open(url_of(path)).close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StorageError, match="newer magcore"):
        SQLiteStore.open(url_of(path))
    assert path.read_bytes() == before


def test_another_applications_database_is_refused_unchanged(tmp_path):
    """An SQLite file with someone else's tables is not turned into a magcore store."""
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE recipes (name TEXT)")
        conn.execute("INSERT INTO recipes VALUES ('stamppot')")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StorageError, match="another application"):
        SQLiteStore.open(url_of(path))
    assert path.read_bytes() == before


def test_old_schema_is_migrated_on_open(tmp_path):
    """A blank SQLite database (schema 0, no tables) is brought to the newest version.

    (An empty, 0-byte file is refused instead: see test_sqlite_damage.py.)
    """
    path = tmp_path / "a.db"
    sqlite3.connect(path).execute("VACUUM").connection.close()
    assert path.stat().st_size > 0
    store = SQLiteStore.open(url_of(path))
    try:
        assert store.schema_version() == SCHEMA_VERSION
    finally:
        store.close()


def test_sqlite_errors_become_storage_errors(tmp_path):
    """A driver error inside a call reaches the caller as StorageError, the write undone."""
    store = SQLiteStore.open(url_of(tmp_path / "a.db"))
    try:
        store._conn.execute("DROP TABLE conversation_people")
        with pytest.raises(StorageError, match="conversation_people"):
            ConversationDriver(store, "c-1", employee="e-1", manager="m-1")
        assert store.version("conversation:c-1") == 0
    finally:
        store.close()
