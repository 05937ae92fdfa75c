"""The one command handler: load → replay → decide → append → tell, and Service.record."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from magcore import (
    ConflictError,
    DraftRecord,
    FixedClock,
    MarkHeld,
    NotFoundError,
    State,
    TransitionError,
    open_service,
)
from magcore.app.handler import Aggregate, CommandHandler, Loaded
from magcore.events import Event
from magcore.storage.memory import MemoryStore

from .test_service import first_employee, setup  # noqa: F401  (the fixture)

NOW = datetime(2025, 1, 6, 9, tzinfo=UTC)

#: A counter: its state is the number of events in its stream.
COUNTER: Aggregate[int] = Aggregate("counter", lambda id: f"counter:{id}", lambda _id, ev: len(ev))


def bump(loaded: Loaded[int], now: datetime) -> tuple[Event, ...]:
    return (
        Event(stream=loaded.stream, version=loaded.version + 1, type="bumped", at=now, actor="a"),
    )


def handler(store: MemoryStore | None = None) -> tuple[CommandHandler, list]:
    told: list = []
    store = store if store is not None else MemoryStore()
    return CommandHandler(store, clock=FixedClock(NOW), tell=told.append), told


def test_handle_appends_at_the_loaded_version_and_tells_once():
    """Each handled command appends after what it read and is told to the observers once."""
    h, told = handler()
    first = h.handle(COUNTER, "c", bump)
    second = h.handle(COUNTER, "c", bump)
    assert (first.before, first.state, second.before, second.state) == (None, 1, 1, 2)
    assert [b.events[0].version for b in told] == [1, 2]
    assert h.store.version("counter:c") == 2


def test_must_exist_and_require_name_the_aggregate():
    h, told = handler()
    with pytest.raises(NotFoundError, match="unknown counter 'x'"):
        h.handle(COUNTER, "x", bump, must_exist=True)
    with pytest.raises(NotFoundError, match="unknown counter 'x'"):
        h.require(COUNTER, "x")
    assert told == []
    assert h.store.version("counter:x") == 0


def test_live_is_a_stream_with_events_that_was_not_destroyed():
    """``live`` loads as ``load`` does, and gives None for an empty or a destroyed stream, the
    one ``handle`` refuses to add to."""
    from magcore.access.policy import DESTROYED_EVENT

    h, _ = handler()
    assert h.live(COUNTER, "c") is None
    h.handle(COUNTER, "c", bump)
    loaded = h.live(COUNTER, "c")
    assert loaded is not None
    assert (loaded.stream, loaded.version, loaded.state) == ("counter:c", 1, 1)

    def destroy(loaded: Loaded[int], now: datetime) -> tuple[Event, ...]:
        return (
            Event(
                stream=loaded.stream, version=loaded.version + 1, type=DESTROYED_EVENT, at=now,
                actor="a",
            ),
        )  # fmt: skip

    h.handle(COUNTER, "c", destroy)
    assert h.live(COUNTER, "c") is None
    with pytest.raises(NotFoundError, match="destroyed"):
        h.handle(COUNTER, "c", bump)


def test_a_refused_decision_writes_and_tells_nothing():
    h, told = handler()
    h.handle(COUNTER, "c", bump)

    def refuse(loaded: Loaded[int], now: datetime) -> tuple[Event, ...]:
        raise TransitionError(conversation_id="c", state="1", action="x", reason="no")

    with pytest.raises(TransitionError):
        h.handle(COUNTER, "c", refuse)
    assert len(told) == 1
    assert h.store.version("counter:c") == 1


class RacingStore(MemoryStore):
    """A store where another writer appends once, between the first read and its write."""

    def __init__(self) -> None:
        super().__init__()
        self.raced = False

    def read(self, stream: str) -> tuple[Event, ...]:
        events = super().read(stream)
        if not self.raced:
            self.raced = True
            other = Event(stream=stream, version=len(events) + 1, type="bumped", at=NOW, actor="b")
            from magcore.storage.base import StreamWrite

            super().append([StreamWrite(stream, len(events), (other,))])
        return events


def test_a_conflict_is_raised_or_retried_when_the_command_allows():
    """A concurrent writer makes the command fail, unless it may be decided again."""
    h, told = handler(RacingStore())
    with pytest.raises(ConflictError):
        h.handle(COUNTER, "c", bump)
    assert told == []
    assert h.store.version("counter:c") == 1
    h, told = handler(RacingStore())
    done = h.handle(COUNTER, "c", bump, attempts=2)
    assert done.state == 2
    assert len(told) == 1
    with pytest.raises(ValueError, match="attempts"):
        h.handle(COUNTER, "c", bump, attempts=0)


def test_record_marks_held_and_records_in_one_batch(setup):  # noqa: F811
    """Service.record holds an open conversation and writes the record in one transaction."""
    service, cycle, org, recorder, _clock = setup
    employee = first_employee(org)
    participants = service.participants_for(org.id, cycle, "yearly", employee, on=date(2025, 1, 6))
    conv = service.request(cycle=cycle, kind="yearly", participants=participants, actor=employee)
    manager = conv.people[1]
    before = len(recorder.batches)
    done = service.record(conv.id, DraftRecord(actor=manager, summary="goed gesprek"))
    assert done.state is State.RECORD_DRAFTED
    assert done.held_on == date(2025, 1, 6)
    assert [[e.type for e in b.events] for b in recorder.batches[before:]] == [
        ["conversation.held", "record.drafted"]
    ]
    assert service._load(conv.id).version == done.version


def test_record_refuses_a_bad_record_and_another_held_date(setup):  # noqa: F811
    service, cycle, org, _recorder, _clock = setup
    employee = first_employee(org)
    participants = service.participants_for(org.id, cycle, "yearly", employee, on=date(2025, 1, 6))
    conv = service.request(cycle=cycle, kind="yearly", participants=participants, actor=employee)
    manager = conv.people[1]
    version = service.store.version(f"conversation:{conv.id}")
    with pytest.raises(TransitionError):  # not a participant: refused, not even marked held
        service.record(conv.id, DraftRecord(actor="stranger", summary="x"))
    assert service.store.version(f"conversation:{conv.id}") == version
    service.execute(conv.id, MarkHeld(actor=manager, on=date(2025, 1, 3)))
    with pytest.raises(TransitionError, match="already held on 2025-01-03"):
        service.record(conv.id, DraftRecord(actor=manager, summary="x"), held_on=date(2025, 1, 4))
    done = service.record(conv.id, DraftRecord(actor=manager, summary="x"))
    assert done.held_on == date(2025, 1, 3)
    assert done.state is State.RECORD_DRAFTED


def test_unknown_conversation_for_record():
    service = open_service("memory://", clock=FixedClock(NOW))
    with pytest.raises(NotFoundError, match="unknown conversation 'nope'"):
        service.record("nope", DraftRecord(actor="a", summary="x"))
