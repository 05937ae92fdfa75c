"""``destroy_conversation`` run twice at once on one conversation, by the function itself (a
scheduled job's retention run, two of them, or a run and the privacy officer's command).

The second call runs, to its end, at a place inside the first, by wrapping the first one's
store: just before the first destroys the keys, or just before it writes the tombstone (its
keys gone). Whoever writes the tombstone first wins; the other finds the tombstone and, as on
any destroyed conversation, returns it, or with ``once`` is told with
:class:`~magcore.errors.NotFoundError`. Either way there is one tombstone and one ``destroy``
line, on an encrypting store (keys) and on one without a key table (events replaced). A
tombstone whose write fails leaves no ``destroy`` line, and running it again writes one.
On SQLite the second call has a store of its own on the same file, as another process has.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from magcore.access.audit import verify_store
from magcore.access.erasure import destroy_conversation
from magcore.access.reading import DESTROYED_EVENT
from magcore.access.retention import SELECTIELIJST_2020
from magcore.app.service import Service
from magcore.clock import FixedClock
from magcore.errors import NotFoundError, StorageError
from magcore.storage.base import Store
from magcore.storage.memory import MemoryStore
from magcore.storage.sqlite import SQLiteStore

from ..app.test_destruction import TERM
from ..sharing.support import T0, agreed_conversation, mag_cycle
from .mix_world import agreed
from .test_carried_origin import _service

LATER = FixedClock(T0 + timedelta(days=5 * 366))


def _destroy(store: Store, conversation: str, clock: Any, **options: Any) -> Any:
    due = LATER.now().date()
    return destroy_conversation(
        store, conversation, profile=SELECTIELIJST_2020, due=due, clock=clock, **options
    )


def _once(other: Callable[[], Any]) -> tuple[list[Any], Callable[[], None]]:
    """*other*, to be run once (the second destruction passes through the same wrappers), and
    the list that keeps what it returned or raised."""
    done: list[Any] = []

    def run() -> None:
        if done:
            return
        done.append(None)
        try:
            done[0] = other()
        except Exception as exc:  # kept for the test to look at
            done[0] = exc

    return done, run


@pytest.fixture(params=["memory", "sqlite"])
def two(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Service, Service, str]]:
    """Two services on one store with keys (one service on the memory store) and Anna's
    conversation past its term."""
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path}/m.db"
    first = _service(url)
    annas = agreed(first, "yearly", employee="anna", manager="bram")
    first.clock.current += TERM  # type: ignore[attr-defined]
    second = first if request.param == "memory" else _service(url, fresh=False)
    second.clock.current = first.clock.current  # type: ignore[attr-defined]
    yield first, second, annas
    if second is not first:
        second.close()
    first.close()


def _lines(store: Store, since: int, action: str) -> list[tuple[str, str]]:
    return [
        (x["actor"], x["object"]) for x in list(store.read_audit())[since:] if x["action"] == action
    ]


def _wrap_keys(monkeypatch: pytest.MonkeyPatch, service: Service, run: Callable[[], None]) -> None:
    ring = service.store.keys  # type: ignore[attr-defined]
    real = ring.destroy

    def destroy(*args: Any, **kwargs: Any) -> Any:
        run()
        return real(*args, **kwargs)

    monkeypatch.setattr(ring, "destroy", destroy)


def _wrap_tombstone(monkeypatch: pytest.MonkeyPatch, store: Any, run: Callable[[], None]) -> None:
    real = store.append

    def append(writes: Any, **kwargs: Any) -> Any:
        if any(e.type == DESTROYED_EVENT for w in writes for e in w.events):
            run()
        return real(writes, **kwargs)

    monkeypatch.setattr(store, "append", append)


@pytest.mark.parametrize("place", ["before-the-keys", "before-the-tombstone"])
@pytest.mark.parametrize("once", [False, True])
def test_two_runs_at_once_leave_one_tombstone_and_one_destroy_line(
    two: tuple[Service, Service, str], place: str, once: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second, annas = two
    stream = f"conversation:{annas}"
    since = first.store.audit_head().count
    done, run = _once(lambda: _destroy(second.store, annas, second.clock, actor="po"))
    if place == "before-the-keys":
        _wrap_keys(monkeypatch, first, run)
    else:
        _wrap_tombstone(monkeypatch, first.store, run)
    if once:
        with pytest.raises(NotFoundError, match="destroyed already"):
            _destroy(first.store, annas, first.clock, once=True)
    else:
        assert _destroy(first.store, annas, first.clock) == done[0]
    [tombstone] = done
    events = first.store.inner.read(stream)  # type: ignore[attr-defined]
    assert [e.type for e in events].count(DESTROYED_EVENT) == 1
    assert events[-1] == tombstone
    assert _lines(first.store, since, "destroy") == [("po", stream)]
    keys = first.store.inner.list_keys(stream)  # type: ignore[attr-defined]
    assert keys
    assert not [k for k in keys if k.alive]
    assert sorted(tombstone.data["keys"]) == sorted(k.id for k in keys)
    result = verify_store(first.store)
    assert (result.ok, result.key_problems) == (True, ())


@pytest.fixture(params=["memory", "sqlite"])
def bare(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    """A store without the content layer (no keys: a destruction replaces the events) with c1
    agreed, twice on SQLite (another process's connection), once in memory."""
    if request.param == "memory":
        store: Store = MemoryStore()
        other = store
    else:
        store = SQLiteStore.open(f"sqlite:///{tmp_path}/m.db")
        other = SQLiteStore.open(f"sqlite:///{tmp_path}/m.db")
    agreed_conversation(store, "c1", employee="e1", manager="m1", cycle=mag_cycle())  # type: ignore[arg-type]
    yield store, other
    if other is not store:
        other.close()
    store.close()


@pytest.mark.parametrize("once", [False, True])
def test_two_runs_at_once_on_a_store_without_keys_raise_no_conflict(
    bare: tuple[Store, Store], once: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second destruction replaces the events between the first one's read and its own
    replacement: the first gets the tombstone (or NotFoundError with ``once``), never the
    store's ConflictError."""
    store, other = bare
    since = store.audit_head().count
    done, run = _once(lambda: _destroy(other, "c1", LATER, actor="po"))
    real = store.destroy_stream  # type: ignore[attr-defined]

    def destroy_stream(*args: Any, **kwargs: Any) -> Any:
        run()
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "destroy_stream", destroy_stream)
    if once:
        with pytest.raises(NotFoundError, match="destroyed already"):
            _destroy(store, "c1", LATER, once=True)
    else:
        assert _destroy(store, "c1", LATER) == done[0]
    assert store.read("conversation:c1") == (done[0],)
    assert _lines(store, since, "destroy") == [("po", "conversation:c1")]
    assert verify_store(store).ok


def test_a_tombstone_that_could_not_be_written_leaves_no_line_and_the_next_run_ends_it(
    two: tuple[Service, Service, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The keys go first, then the tombstone with the ``destroy`` line in one transaction: a
    failed tombstone leaves the content destroyed, no line and no tombstone (the conversation
    is still due); the next run writes both, once, and the log explains every key."""
    service, _, annas = two
    stream = f"conversation:{annas}"
    since = service.store.audit_head().count
    real = service.store.append

    def full(writes: Any, **kwargs: Any) -> Any:
        if any(e.type == DESTROYED_EVENT for w in writes for e in w.events):
            raise StorageError("the disk is full")
        return real(writes, **kwargs)

    monkeypatch.setattr(service.store, "append", full)
    with pytest.raises(StorageError):
        _destroy(service.store, annas, service.clock)
    keys = service.store.inner.list_keys(stream)  # type: ignore[attr-defined]
    assert keys
    assert not [k for k in keys if k.alive]
    assert _lines(service.store, since, "destroy") == []
    assert service.store.inner.read(stream)[-1].type != DESTROYED_EVENT  # type: ignore[attr-defined]
    assert [d.conversation for d in service.due_destructions("po")] == [annas]
    monkeypatch.setattr(service.store, "append", real)
    done = service.destroy_due(annas, actor="po")
    assert sorted(done.keys) == sorted(k.id for k in keys)
    assert _lines(service.store, since, "destroy") == [("po", stream)]
    result = verify_store(service.store)
    assert (result.ok, result.key_problems) == (True, ())
