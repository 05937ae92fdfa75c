"""Erased key bytes leave the disk even while this store's reads run alongside (the read pool
of issue 17): the checkpoint that truncates the log holds new reads back and waits for the lent
ones, instead of giving up silently as a busy checkpoint would."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from magcore.storage.base import StoreSettings
from magcore.storage.keys import KeyRecord
from magcore.storage.sqlite import SQLiteStore

SECRET = bytes(range(7, 55))  # 48 bytes no page holds by chance


def _on_disk(path: Path) -> bytes:
    data = path.read_bytes()
    wal = Path(f"{path}-wal")
    return data + (wal.read_bytes() if wal.exists() else b"")


def test_a_destroyed_key_leaves_file_and_log_while_a_read_is_in_progress(tmp_path):
    path = tmp_path / "store.db"
    store = SQLiteStore.open(f"sqlite:///{path}")
    try:
        record = KeyRecord(
            id="k1", owner="person:p1", kek_id="kek", wrapped=SECRET, created="2026-12-04T00:00:00Z"
        )
        store.add_keys([record])
        assert SECRET in _on_disk(path)
        reading = threading.Event()
        done: list[float] = []

        def long_read() -> None:
            with store._read() as cur:  # a pooled read transaction, as a web request's
                cur.execute("SELECT count(*) FROM data_keys").fetchone()
                reading.set()
                time.sleep(0.4)
            done.append(time.monotonic())

        reader = threading.Thread(target=long_read)
        reader.start()
        assert reading.wait(5)
        store.destroy_keys(["person:p1"], at="2026-12-04T00:00:01Z")
        finished = time.monotonic()
        reader.join(5)
        # The checkpoint waited for the read to end, and then truncated the log.
        assert done
        assert done[0] <= finished
        assert not store._wal_pending
        wal = Path(f"{path}-wal")
        assert not wal.exists() or os.path.getsize(wal) == 0
        assert SECRET not in _on_disk(path)
        assert store.get_key("k1").wrapped is None
    finally:
        store.close()


def test_a_steady_stream_of_reads_does_not_keep_the_erased_bytes_on_disk(tmp_path):
    """Reads that overlap one another without pause (a busy web front end) would keep a
    checkpoint from ever reaching the end of the log within the busy timeout; the store holds
    new reads back while it checkpoints, so the log is truncated anyway."""
    path = tmp_path / "store.db"
    store = SQLiteStore.open(f"sqlite:///{path}", StoreSettings(timeout=0.3, pool_size=4))
    try:
        record = KeyRecord(
            id="k1", owner="person:p1", kek_id="kek", wrapped=SECRET, created="2026-12-04T00:00:00Z"
        )
        store.add_keys([record])
        stop = threading.Event()
        reads: list[int] = []

        def reader() -> None:
            while not stop.is_set():
                with store._read() as cur:
                    cur.execute("SELECT count(*) FROM data_keys").fetchone()
                    time.sleep(0.05)
                reads.append(1)

        threads = [threading.Thread(target=reader) for _ in range(4)]
        for thread in threads:
            thread.start()
            time.sleep(0.012)  # staggered: some read is always in progress
        try:
            time.sleep(0.2)
            store.destroy_keys(["person:p1"], at="2026-12-04T00:00:01Z")
            assert not store._wal_pending
            assert SECRET not in _on_disk(path)
        finally:
            stop.set()
            for thread in threads:
                thread.join(5)
        assert reads  # the reads did run, before and after
    finally:
        store.close()


def test_reads_go_on_after_the_checkpoint(tmp_path):
    store = SQLiteStore.open(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        record = KeyRecord(
            id="k1", owner="person:p1", kek_id="kek", wrapped=SECRET, created="2026-12-04T00:00:00Z"
        )
        store.add_keys([record])
        store.destroy_keys(["person:p1"], at="2026-12-04T00:00:01Z")
        results: list[int] = []
        threads = [
            threading.Thread(target=lambda: results.append(len(store.list_keys())))
            for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(5)
        assert results == [1, 1, 1, 1]
    finally:
        store.close()


def test_a_reader_in_another_process_delays_the_truncation_to_the_next_write(tmp_path, caplog):
    """A connection the store does not own (another process) can hold the log: the store
    says so (a warning naming the file), and truncates after its next write."""
    import sqlite3

    path = tmp_path / "store.db"
    store = SQLiteStore.open(f"sqlite:///{path}", StoreSettings(timeout=0.05))
    other = sqlite3.connect(str(path), isolation_level=None)
    try:
        record = KeyRecord(
            id="k1", owner="person:p1", kek_id="kek", wrapped=SECRET, created="2026-12-04T00:00:00Z"
        )
        store.add_keys([record])
        other.execute("BEGIN")
        other.execute("SELECT count(*) FROM data_keys").fetchone()  # holds its snapshot
        with caplog.at_level("WARNING", logger="magcore.storage.sqlite"):
            store.destroy_keys(["person:p1"], at="2026-12-04T00:00:01Z")
        assert store._wal_pending
        assert any(str(path) in r.getMessage() for r in caplog.records)
        other.execute("COMMIT")
        later = KeyRecord(
            id="k2",
            owner="person:p2",
            kek_id="kek",
            wrapped=b"x" * 48,
            created="2026-12-04T00:00:02Z",
        )
        store.add_keys([later])  # the next write checkpoints again
        assert not store._wal_pending
        assert SECRET not in _on_disk(path)
    finally:
        other.close()
        store.close()
