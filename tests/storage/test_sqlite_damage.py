"""A damaged SQLite store is refused on open, naming the file and what to do; never replaced.

The file is emptied, cut in half or has pages in its middle overwritten, each with and without
the write-ahead log (``-wal``) a running or crashed writer leaves beside it.
"""

from __future__ import annotations

import random
import shutil
import sqlite3

import pytest

from magcore.access.audit import verify_store
from magcore.errors import StorageError
from magcore.storage import SQLiteStore, StoreSettings, StreamWrite
from magcore.testing.storage import audit_record, event

from .populate import populate


def url_of(path, query=""):
    return f"sqlite:///{path}{query}"


def _snapshot(tmp_path, *, with_wal):
    """A store file (and its -wal, if asked) as a crash would leave them, plus its page size."""
    live = tmp_path / "live" / "magcore.db"
    live.parent.mkdir()
    store = SQLiteStore.open(url_of(live))
    populate(store, conversations=12)
    store._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    if with_wal:
        store.append([StreamWrite("goal:g-9", 0, [event("goal:g-9", v) for v in (1, 2, 3)])])
    page_size = store._conn.execute("PRAGMA page_size").fetchone()[0]
    path = tmp_path / "magcore.db"
    shutil.copyfile(live, path)
    if with_wal:
        shutil.copyfile(f"{live}-wal", f"{path}-wal")
        assert (tmp_path / "magcore.db-wal").stat().st_size > 0
    store.close()
    return path, page_size


def _empty(path, page_size):
    path.write_bytes(b"")


def _cut_in_half(path, page_size):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _cut_at_a_page(path, page_size):
    data = path.read_bytes()
    pages = len(data) // page_size
    path.write_bytes(data[: (pages // 2) * page_size])


def _overwrite_three_pages(path, page_size):
    data = bytearray(path.read_bytes())
    pages = len(data) // page_size
    assert pages >= 8, "the store is too small to damage its middle"
    noise = random.Random(18)
    for page in (pages // 2 - 1, pages // 2, pages // 2 + 1):
        data[page * page_size : (page + 1) * page_size] = noise.randbytes(page_size)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("with_wal", [False, True], ids=["without-wal", "with-wal"])
@pytest.mark.parametrize("damage", [_empty, _cut_in_half, _cut_at_a_page, _overwrite_three_pages])
def test_a_damaged_store_is_refused_naming_the_file_and_what_to_do(tmp_path, damage, with_wal):
    """Open refuses with a StorageError naming the file, restore and check; bytes unchanged."""
    path, page_size = _snapshot(tmp_path, with_wal=with_wal)
    damage(path, page_size)
    before = path.read_bytes()
    wal_before = path.with_name("magcore.db-wal").read_bytes() if with_wal else None

    for settings in (StoreSettings(), StoreSettings(create=False), StoreSettings(read_only=True)):
        with pytest.raises(StorageError) as refused:
            SQLiteStore.open(url_of(path), settings)
        message = str(refused.value)
        assert str(path) in message
        assert "magcore store restore" in message
        assert "magcore store check" in message

    assert path.read_bytes() == before
    if with_wal:
        assert path.with_name("magcore.db-wal").read_bytes() == wal_before


def test_an_emptied_store_is_not_turned_into_a_new_one_by_migrate(tmp_path):
    """The advice for an old schema ('magcore store migrate') cannot make an emptied file new."""
    path = tmp_path / "magcore.db"
    SQLiteStore.open(url_of(path)).close()
    path.write_bytes(b"")
    with pytest.raises(StorageError, match="is empty"):
        SQLiteStore.open(url_of(path), StoreSettings(create=True))
    assert path.read_bytes() == b""


def test_a_new_store_never_exists_half_made(tmp_path):
    """Creating leaves either no file or a whole store: no temporary files stay behind."""
    path = tmp_path / "magcore.db"
    store = SQLiteStore.open(url_of(path))
    store.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["magcore.db"]
    reopened = SQLiteStore.open(url_of(path), StoreSettings(create=False))
    reopened.close()


def test_a_half_present_schema_is_refused(tmp_path):
    """A store whose table was dropped is refused on open, naming the missing table."""
    path = tmp_path / "magcore.db"
    SQLiteStore.open(url_of(path)).close()
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE agreements")
    conn.close()
    with pytest.raises(StorageError, match="lacks table agreements"):
        SQLiteStore.open(url_of(path))


def test_full_check_is_clean_for_a_whole_store(tmp_path):
    """store.check() (integrity_check and the foreign keys) finds nothing in a whole store."""
    store = SQLiteStore.open(url_of(tmp_path / "magcore.db"))
    try:
        populate(store)
        assert store.check() == []
    finally:
        store.close()


def test_a_deleted_audit_head_is_a_named_error(tmp_path):
    """Without its audit head, verify and every audited write give a StorageError naming it."""
    store = SQLiteStore.open(url_of(tmp_path / "magcore.db"))
    try:
        store.append_audit([audit_record(1)])
        store._conn.execute("DELETE FROM audit_head")
        with pytest.raises(StorageError, match="audit head"):
            verify_store(store)
        with pytest.raises(StorageError, match="audit head"):
            store.append_audit([audit_record(2)])
        with pytest.raises(StorageError, match="audit head"):
            store.append(
                [StreamWrite("goal:g-1", 0, [event("goal:g-1", 1)])], audit=[audit_record(2)]
            )
        assert store.version("goal:g-1") == 0
    finally:
        store.close()


def test_read_only_mode_reads_and_refuses_writes(tmp_path):
    """?mode=ro reads everything, refuses a write with a clear error, and creates nothing."""
    path = tmp_path / "magcore.db"
    store = SQLiteStore.open(url_of(path))
    populate(store)
    expected = list(store.read_all())
    store.close()
    reader = SQLiteStore.open(url_of(path, "?mode=ro"))
    try:
        assert list(reader.read_all()) == expected
        with pytest.raises(StorageError, match="read-only"):
            reader.append([StreamWrite("goal:g-2", 0, [event("goal:g-2", 1)])])
    finally:
        reader.close()
    with pytest.raises(StorageError, match="does not exist"):
        SQLiteStore.open(url_of(tmp_path / "other.db", "?mode=ro"))
    assert not (tmp_path / "other.db").exists()


def test_only_mode_is_a_url_option(tmp_path):
    """Another query string is a clear error."""
    with pytest.raises(StorageError, match=r"\?mode=ro"):
        SQLiteStore.open(url_of(tmp_path / "a.db", "?cache=shared"))


_READ_ONLY_SCRIPT = """
import sys
from magcore.errors import StorageError
from magcore.storage import SQLiteStore

folder = sys.argv[1]
reader = SQLiteStore.open(f"sqlite:///{folder}/magcore.db?mode=ro")
print("EVENTS", len(list(reader.read_all())))
reader.close()
for name in ("magcore.db", "new.db"):
    try:
        SQLiteStore.open(f"sqlite:///{folder}/{name}").close()
        print("OPENED", name)
    except StorageError as exc:
        print("REFUSED", name, exc)
"""


def _run_on_read_only_folder(source, mounted):
    """Run the script with *source* mounted read-only at *mounted* (or made read-only)."""
    import os
    import subprocess
    import sys

    if os.geteuid() != 0:
        source.chmod(0o555)
        try:
            return subprocess.run(
                [sys.executable, "-c", _READ_ONLY_SCRIPT, str(source)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        finally:
            source.chmod(0o755)
    # root ignores permissions: a read-only bind mount in a private mount namespace instead
    mounted.mkdir()
    command = (
        f"mount --bind '{source}' '{mounted}' && mount -o remount,bind,ro '{mounted}' && "
        f"'{sys.executable}' -c \"$SCRIPT\" '{mounted}'"
    )
    done = subprocess.run(
        ["unshare", "-rm", "sh", "-c", command],
        capture_output=True,
        text=True,
        env={**os.environ, "SCRIPT": _READ_ONLY_SCRIPT},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_store_in_a_read_only_folder_is_read_and_says_why_it_cannot_be_written(tmp_path):
    """?mode=ro reads a store on read-only media; opening it for writing, or creating a store
    there, names the read-only folder and the way out instead of 'unable to open'."""
    source = tmp_path / "media"
    source.mkdir()
    store = SQLiteStore.open(url_of(source / "magcore.db"))
    populate(store)
    count = len(list(store.read_all()))
    store.close()
    assert sorted(p.name for p in source.iterdir()) == ["magcore.db"]

    out = _run_on_read_only_folder(source, tmp_path / "mounted")

    assert f"EVENTS {count}" in out
    refused = dict(
        line.split(" ", 2)[1:] for line in out.splitlines() if line.startswith("REFUSED")
    )
    assert set(refused) == {"magcore.db", "new.db"}
    assert "read-only" in refused["magcore.db"]
    assert "?mode=ro" in refused["magcore.db"]
    assert "not writable" in refused["new.db"]
    assert "unable to open" not in out
