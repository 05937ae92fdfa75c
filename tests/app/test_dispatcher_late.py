"""An observer registered on the host after the service was made (as
``magcore.testing.registered`` does) hears the batches committed after it, and one
unregistered hears nothing more."""

from __future__ import annotations

from datetime import UTC, datetime

from magcore import hookimpl
from magcore.app.service import Service
from magcore.clock import FixedClock
from magcore.events import Event
from magcore.plugins import get_plugin_manager
from magcore.storage import StreamWrite
from magcore.storage.memory import MemoryStore
from magcore.testing import registered

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


class Recorder:
    def __init__(self) -> None:
        self.streams: list[str] = []

    @hookimpl
    def magcore_events_committed(self, batch):
        self.streams.extend(e.stream for e in batch.events)


def _commit(service: Service, stream: str) -> None:
    event = Event(stream=stream, version=1, type="note.added", at=T0, actor="e-1", data={})
    service.commit([StreamWrite(stream, 0, [event])])


def _service(dispatch: str) -> Service:
    host = get_plugin_manager(load_entry_points=False)
    return Service(MemoryStore(), host=host, clock=FixedClock(T0), dispatch=dispatch)


def test_an_observer_registered_after_the_start_hears_later_batches_in_sync():
    service = _service("sync")
    recorder = Recorder()
    with registered(service.host, recorder, "late"):
        _commit(service, "goal:after")
        assert "goal:after" in recorder.streams
    _commit(service, "goal:gone")
    assert "goal:gone" not in recorder.streams  # unregistered: nothing more
    service.close()


def test_an_observer_registered_after_the_start_hears_later_batches_from_the_thread():
    service = _service("thread")
    recorder = Recorder()
    with registered(service.host, recorder, "late"):
        _commit(service, "goal:after")
        service.dispatcher.drain(wait=True)
        assert "goal:after" in recorder.streams
    service.close()


class Declarer(Recorder):
    @hookimpl
    def magcore_declare_content(self, register):
        from magcore.access.observers import ContentNeed

        register(
            ContentNeed(
                event_types=["topic.raised"],
                fields=["text"],
                purpose="keep the HR file current",
                basis="AVG art. 6(1)(b)",
            )
        )


def test_a_late_plugins_content_declaration_is_read_with_it():
    service = _service("off")
    assert "late" not in service.dispatcher.needs
    with registered(service.host, Declarer(), "late"):
        assert [name for name, _ in service.dispatcher.observers] == ["late"]
        assert "late" in service.dispatcher.needs
    assert service.dispatcher.observers == []
    assert "late" not in service.dispatcher.needs
    service.close()
