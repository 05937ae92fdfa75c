"""Group commit of audit lines: concurrent callers share one transaction, and no caller
returns before its own lines are committed; a failed line fails only its own caller. And
SQLite's read connections: a read does not wait for a commit."""

from __future__ import annotations

import threading
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from magcore.errors import StorageError
from magcore.storage.base import AuditRecord
from magcore.storage.group_commit import GroupCommit
from magcore.storage.sqlite import SQLiteStore
from magcore.storage.sqlite_readers import prefix_end


def _line(n: int) -> AuditRecord:
    return AuditRecord(
        at="2026-12-03T10:00:00+00:00",
        actor=f"p{n}",
        action="read",
        object=f"conversation:c{n}",
        result="allowed",
        origin="test",
    )


def test_concurrent_callers_share_transactions_and_each_waits_for_its_own():
    committed: set[int] = set()
    transactions: list[list[int]] = []

    def write(items):
        time.sleep(0.01)  # the disk
        transactions.append(list(items))
        committed.update(items)

    group = GroupCommit(write)
    seen_before_return: dict[int, bool] = {}

    def caller(n: int) -> None:
        group([n])
        seen_before_return[n] = n in committed

    threads = [threading.Thread(target=caller, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert committed == set(range(40))
    assert all(seen_before_return.values())
    assert len(transactions) < 40  # batched
    assert group.items == 40


def test_a_failing_line_fails_only_its_caller():
    written: list[int] = []
    gate = threading.Event()

    def write(items):
        gate.wait(1)
        if -1 in items:
            raise ValueError("bad line")
        written.extend(items)

    group = GroupCommit(write)
    errors: dict[int, BaseException | None] = {}

    def caller(n: int) -> None:
        try:
            group([n])
            errors[n] = None
        except ValueError as exc:
            errors[n] = exc

    threads = [threading.Thread(target=caller, args=(n,)) for n in (1, -1, 2, 3)]
    for thread in threads:
        thread.start()
    time.sleep(0.05)
    gate.set()
    for thread in threads:
        thread.join()
    assert isinstance(errors[-1], ValueError)
    assert [errors[n] for n in (1, 2, 3)] == [None, None, None]
    assert sorted(written) == [1, 2, 3]


def test_sqlite_audit_lines_from_many_threads_form_one_intact_chain(tmp_path):
    from magcore.access.audit import verify_store

    store = SQLiteStore.open(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        threads = [
            threading.Thread(target=store.append_audit, args=([_line(n), _line(n + 100)],))
            for n in range(30)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        lines = list(store.read_audit())
        assert len(lines) == 60
        assert {line["actor"] for line in lines} == {
            f"p{n}" for n in (*range(30), *range(100, 130))
        }
        assert verify_store(store).ok
        assert store._audit_group.rounds <= 30
    finally:
        store.close()


def test_a_closed_store_refuses_the_line(tmp_path):
    store = SQLiteStore.open(f"sqlite:///{tmp_path / 'a.db'}")
    store.close()
    with pytest.raises(StorageError):
        store.append_audit([_line(1)])


def test_a_read_does_not_wait_for_a_commit_in_progress(tmp_path):
    """Reads use the pool's connections (WAL): a writer holding the write connection while
    its commit waits for the disk does not hold up a read in another thread."""
    store = SQLiteStore.open(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        store.append_audit([_line(1)])
        read: list[int] = []
        with store._lock:  # the write connection is busy
            thread = threading.Thread(target=lambda: read.append(len(list(store.read_audit()))))
            thread.start()
            thread.join(5)
            assert read == [1]
    finally:
        store.close()
    with pytest.raises(StorageError):
        list(store.read_audit())


@given(st.text(max_size=6), st.text(max_size=6))
def test_the_prefix_range_holds_exactly_the_texts_with_the_prefix(prefix, rest):
    """What SQLite compares (UTF-8 bytes) orders as code points do."""
    end = prefix_end(prefix)
    text = prefix + rest
    assert text.encode("utf-8", "surrogatepass") >= prefix.encode("utf-8", "surrogatepass")
    if end is not None:
        assert text.encode("utf-8", "surrogatepass") < end.encode("utf-8", "surrogatepass")


def test_streams_by_prefix_use_the_range(tmp_path):
    from datetime import UTC, datetime

    from magcore.events import Event
    from magcore.storage.base import StreamWrite

    store = SQLiteStore.open(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        at = datetime(2026, 12, 3, tzinfo=UTC)
        names = ["person:a", "person:b", "person;x", "persoN:c", "goal:1", "person:"]
        store.append(
            [
                StreamWrite(
                    n, 0, (Event(stream=n, version=1, type="t", at=at, actor="x", data={}),)
                )
                for n in names
            ]
        )
        assert list(store.streams("person:")) == ["person:", "person:a", "person:b"]
        assert sorted(store.streams("")) == sorted(names)
    finally:
        store.close()
