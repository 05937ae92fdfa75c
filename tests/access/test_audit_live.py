"""verify_store on a store that is being written to: a writer that commits while the check
reads is no finding; an event without any line, or a line slipped in past the head, still is.

(The web's privacy officer checks the log while people work: found by the web's concurrency
stress test, plugins/magcore-web/tests/test_web_concurrency.py.)
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from magcore.access.audit import chain_hash, verify_store
from magcore.events import Event
from magcore.storage.base import StreamWrite
from magcore.storage.memory import MemoryStore

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _event(stream: str, version: int) -> Event:
    return Event(
        stream=stream, version=version, type="noted", at=AT, actor="a", data={"n": version}
    )


def _write(store: MemoryStore, stream: str) -> None:
    version = store.version(stream)
    store.append([StreamWrite(stream, version, (_event(stream, version + 1),))], origin="test")


def _store() -> MemoryStore:
    store = MemoryStore()
    for _ in range(3):
        _write(store, "thing:a")
    return store


def test_a_commit_after_the_head_was_read_is_no_finding() -> None:
    store = _store()
    head = store.audit_head

    def head_then_commit() -> Any:
        found = head()
        _write(store, "thing:b")  # its line lies past the head just read
        return found

    store.audit_head = head_then_commit  # type: ignore[method-assign]
    result = verify_store(store)
    assert result.ok, result.problem


def test_a_commit_after_the_lines_were_read_is_no_finding() -> None:
    store = _store()
    read_all = store.read_all

    def commit_then_read(**kw: Any) -> Any:
        _write(store, "thing:c")  # its event is there, its line was not read by the check
        return read_all(**kw)

    store.read_all = commit_then_read  # type: ignore[method-assign]
    result = verify_store(store)
    assert result.ok, result.problem
    assert result.events == 4


def test_an_event_without_any_line_is_still_found() -> None:
    store = _store()
    read_all = store.read_all
    stray = _event("thing:a", 4)

    def with_stray(**kw: Any) -> Any:
        yield from read_all(**kw)
        yield 99, stray

    store.read_all = with_stray  # type: ignore[method-assign]
    result = verify_store(store)
    assert not result.ok
    assert result.problem is not None
    assert "thing:a/4" in result.problem.reason
    assert "no audit line" in result.problem.reason


def test_a_line_slipped_in_past_a_head_that_did_not_move_is_found() -> None:
    store = _store()
    lines = [dict(line) for line in store.read_audit()]
    extra = {**lines[-1], "seq": lines[-1]["seq"] + 1, "prev_hash": lines[-1]["hash"]}
    extra["actor"] = "someone-else"
    extra["digest"] = ""
    extra["object"] = "conversation:c1/record"
    extra["hash"] = chain_hash(extra["prev_hash"], extra["seq"], extra)
    store.read_audit = lambda after=0: iter([x for x in [*lines, extra] if x["seq"] > after])  # type: ignore[method-assign]
    result = verify_store(store)
    assert not result.ok
    assert result.problem is not None
    assert "slipped in" in result.problem.reason
