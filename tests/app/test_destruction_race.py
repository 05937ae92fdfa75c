"""Two destructions of one conversation at the same moment: the privacy officer's command, a
second officer's, a retention run, an erasure of its employee. Exactly one wins: one tombstone,
one ``destroy`` audit line, every key of the conversation destroyed and the audit log (keys
included) intact. The officer who loses gets :class:`~magcore.errors.NotFoundError` saying it
was destroyed already (with the refused command's line); a retention run that loses takes it as
done: neither destroyed by it nor failed.

The second destruction is run, to its end, at one of three places inside the first, by wrapping
the first one's service: after its check that the conversation is due, just before it destroys
the keys, and just before it writes the tombstone (the keys gone). On SQLite the second
destruction is another service on the same file, as another process would be; on the memory
store it is the same service, as another thread would be. No timing, no sleeps."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from magcore.access.audit import verify_store
from magcore.access.erasure import ErasureGround, ErasureReason, erase_person
from magcore.access.reading import DESTROYED_EVENT
from magcore.app import destruction
from magcore.app.service import Service
from magcore.domain.conversation import stream_of
from magcore.errors import NotFoundError

from ..access.mix_world import agreed
from ..access.test_carried_origin import _service
from .test_destruction import TERM

#: Two privacy officers (``po`` and ``dirk``) and the HR adviser of the world.
OFFICERS = {"po": ("privacy_officer",), "dirk": ("privacy_officer",), "hr1": ("hr_adviser",)}

#: Where, inside the first destruction, the second one runs.
PLACES = ("after-the-check", "before-the-keys", "before-the-tombstone")


@pytest.fixture(params=["memory", "sqlite"])
def two(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Service, Service, str]]:
    """Two services on one store (the second is the first on the memory store) and Anna's
    conversation, agreed and past its term."""
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path}/m.db"
    first = _service(url)
    annas = agreed(first, "yearly", employee="anna", manager="bram")
    first.clock.current += TERM  # type: ignore[attr-defined]
    first.use_roles(OFFICERS)
    second = first
    if request.param == "sqlite":
        second = _service(url, fresh=False)
        second.clock.current = first.clock.current  # type: ignore[attr-defined]
        second.use_roles(OFFICERS)
    yield first, second, annas
    if second is not first:
        second.close()
    first.close()


def _interleave(
    monkeypatch: pytest.MonkeyPatch, first: Service, place: str, other: Callable[[], Any]
) -> list[Any]:
    """Run *other* once, to its end, at *place* inside the next destruction by *first*; what
    it returned (or raised) is in the list given back."""
    done: list[Any] = []

    def once() -> None:
        if done:
            return
        done.append(None)  # the second destruction passes through the same wrappers
        try:
            done[0] = other()
        except Exception as exc:  # kept for the test to look at
            done[0] = exc

    if place == "after-the-check":
        real_destroy = destruction.destroy_conversation

        def destroy(*args: Any, **kwargs: Any) -> Any:
            once()
            return real_destroy(*args, **kwargs)

        monkeypatch.setattr(destruction, "destroy_conversation", destroy)
    elif place == "before-the-keys":
        ring = first.store.keys  # type: ignore[attr-defined]
        real_keys = ring.destroy

        def keys(*args: Any, **kwargs: Any) -> Any:
            once()
            return real_keys(*args, **kwargs)

        monkeypatch.setattr(ring, "destroy", keys)
    else:
        real_append = first.store.append

        def append(writes: Any, **kwargs: Any) -> Any:
            if any(e.type == DESTROYED_EVENT for w in writes for e in w.events):
                once()
            return real_append(writes, **kwargs)

        monkeypatch.setattr(first.store, "append", append)
    return done


def _after(service: Service, since: int) -> list[dict[str, Any]]:
    return [dict(line) for line in service.store.read_audit()][since:]


def _check_one_destruction(service: Service, conversation: str, since: int, by: str) -> None:
    """One tombstone, one ``destroy`` line (by *by*), no key of it alive, the log intact."""
    stream = stream_of(conversation)
    events = service.store.inner.read(stream)  # type: ignore[attr-defined]
    assert [e.type for e in events].count(DESTROYED_EVENT) == 1
    assert events[-1].type == DESTROYED_EVENT
    lines = _after(service, since)
    destroys = [(x["actor"], x["object"]) for x in lines if x["action"] in ("destroy", "erase")]
    assert [d for d in destroys if d[1] == stream] == [(by, stream)]
    keys = service.store.inner.list_keys(stream)  # type: ignore[attr-defined]
    assert keys
    assert not [k.id for k in keys if k.alive]
    if events[-1].data.get("erasure") == "keys":  # a retention tombstone names its keys
        assert sorted(events[-1].data["keys"]) == sorted(k.id for k in keys)
    result = verify_store(service.store)
    assert result.ok, result.problem
    assert result.key_problems == ()


def _refused(service: Service, since: int, actor: str, conversation: str) -> None:
    """The loser's refused command has its line, as any refused destruction."""
    lines = [x for x in _after(service, since) if x["action"] == destruction.DESTROY]
    assert [(x["actor"], x["object"], x["result"]) for x in lines] == [
        (actor, stream_of(conversation), "refused")
    ]


@pytest.mark.parametrize("place", PLACES)
def test_two_officers_destroy_it_once_and_the_later_is_told_it_is_destroyed_already(
    two: tuple[Service, Service, str], place: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second, annas = two
    since = first.store.audit_head().count
    seen = _interleave(monkeypatch, first, place, lambda: second.destroy_due(annas, actor="dirk"))
    with pytest.raises(NotFoundError, match="destroyed already") as lost:
        first.destroy_due(annas, actor="po")
    assert annas in str(lost.value)
    [won] = seen
    assert won.conversation == annas
    assert won.keys
    _check_one_destruction(first, annas, since, by="dirk")
    _refused(first, since, "po", annas)
    assert [d.conversation for d in first.due_destructions("po")] == []


@pytest.mark.parametrize("place", PLACES)
def test_a_retention_run_that_comes_second_takes_it_as_done(
    two: tuple[Service, Service, str], place: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The officer destroys it while the run is at it: the run neither counts it as destroyed
    by itself nor as failed, and writes no line of its own about it."""
    first, second, annas = two
    since = first.store.audit_head().count
    seen = _interleave(monkeypatch, first, place, lambda: second.destroy_due(annas, actor="po"))
    run = first.apply_retention()
    assert seen[0].conversation == annas
    assert (run.destroyed, run.failed, dict(run.by_profile)) == ((), 0, {})
    _check_one_destruction(first, annas, since, by="po")
    assert not [x for x in _after(first, since) if x["actor"] == "system"]


@pytest.mark.parametrize("place", PLACES)
def test_an_officer_who_comes_second_to_a_retention_run_is_told_it_is_destroyed_already(
    two: tuple[Service, Service, str], place: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second, annas = two
    since = first.store.audit_head().count
    seen = _interleave(monkeypatch, first, place, second.apply_retention)
    with pytest.raises(NotFoundError, match="destroyed already"):
        first.destroy_due(annas, actor="po")
    assert seen[0].destroyed == (annas,)
    _check_one_destruction(first, annas, since, by="system")
    _refused(first, since, "po", annas)


@pytest.mark.parametrize("place", PLACES)
def test_two_retention_runs_destroy_it_once(
    two: tuple[Service, Service, str], place: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second, annas = two
    since = first.store.audit_head().count
    seen = _interleave(monkeypatch, first, place, second.apply_retention)
    run = first.apply_retention()
    assert seen[0].destroyed == (annas,)
    assert (run.destroyed, run.failed) == ((), 0)
    _check_one_destruction(first, annas, since, by="system")


@pytest.mark.parametrize("place", PLACES)
def test_an_erasure_of_the_employee_in_between_leaves_only_its_own_line(
    two: tuple[Service, Service, str], place: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Anna's erasure request is carried out while the officer destroys her conversation: the
    erasure ends it (its ``erase`` line, its tombstone), the officer is told it is destroyed."""
    first, second, annas = two
    since = first.store.audit_head().count
    reason = ErasureReason(ErasureGround.REQUEST)

    def erase() -> Any:
        return erase_person(second.store, "anna", clock=second.clock, actor="dirk", reason=reason)

    seen = _interleave(monkeypatch, first, place, erase)
    with pytest.raises(NotFoundError, match="destroyed already"):
        first.destroy_due(annas, actor="po")
    assert stream_of(annas) in seen[0].streams
    _check_one_destruction(first, annas, since, by="dirk")
    assert not [x for x in _after(first, since) if x["action"] == "destroy"]
    _refused(first, since, "po", annas)
