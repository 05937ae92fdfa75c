"""The outbox dispatcher: observers out of the commit, envelopes by default, faults named."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import attrs
import pytest

from magcore import hookimpl
from magcore.access.observers import ContentNeed
from magcore.app.dispatcher import DeliveryPolicy, Dispatcher
from magcore.app.service import Service
from magcore.clock import FixedClock
from magcore.errors import PluginError
from magcore.events import Event
from magcore.plugins import get_plugin_manager
from magcore.storage import StreamWrite
from magcore.storage.memory import MemoryStore
from magcore.storage.sqlite import SQLiteStore

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
FAST = DeliveryPolicy(attempts=5, base=0.001, cap=0.002)


def note(stream: str, version: int, text: str = "private words") -> Event:
    return Event(
        stream=stream, version=version, type="note.added", at=T0, actor="e-1", data={"text": text}
    )


class Recorder:
    def __init__(self, fail: int = 0, always: bool = False) -> None:
        self.calls = 0
        self.fail = fail
        self.always = always
        self.got: list = []

    @hookimpl
    def magcore_events_committed(self, batch):
        self.calls += 1
        if self.always or self.calls <= self.fail:
            raise RuntimeError("connector down")
        self.got.append(batch)


@pytest.fixture(params=["memory", "sqlite"])
def store(request, tmp_path):
    store = (
        MemoryStore()
        if request.param == "memory"
        else SQLiteStore.open(f"sqlite:///{tmp_path / 's.db'}")
    )
    yield store
    store.close()


def service_with(store, *plugins, dispatch="off"):
    host = get_plugin_manager(load_entry_points=False, extra=list(plugins))
    service = Service(store, host=host, clock=FixedClock(T0), dispatch=dispatch)
    service.dispatcher.policy = FAST
    return service


def commit_batches(service, streams=("goal:a", "goal:b"), per_stream=3):
    for version in range(1, per_stream + 1):
        for stream in streams:
            service.commit([StreamWrite(stream, version - 1, [note(stream, version)])])


def test_a_slow_observer_delays_no_commit(store):
    """An observer that blocks: the caller's commits all return while it is still blocked.

    No clock is read: if a commit waited for the observer, it would wait until the observer
    gives up (60 s) and the observer would have finished before the commits returned.
    """
    release = threading.Event()
    entered = threading.Event()
    finished = threading.Event()

    class Slow:
        @hookimpl
        def magcore_events_committed(self, batch):
            entered.set()
            release.wait(60)
            finished.set()

    service = service_with(store, ("slow", Slow()), dispatch="thread")
    try:
        commit_batches(service, streams=("goal:x",), per_stream=3)
        assert not finished.is_set(), "a commit waited for the slow observer"
        assert [e.version for e in store.read("goal:x")] == [1, 2, 3]
        assert entered.wait(30), "the observer was never called"
        assert not finished.is_set()
    finally:
        release.set()
        service.dispatcher.stop()
    assert finished.wait(30)


def test_a_flaky_observer_gets_every_batch_once_in_order(store):
    """Fails three times, then works: every batch exactly once, in commit order per stream."""
    flaky = Recorder(fail=3)
    service = service_with(store, ("flaky", flaky))
    commit_batches(service)
    service.dispatcher.drain(wait=True)
    seqs = [b.seq for b in flaky.got]
    assert seqs == sorted(set(seqs)) == [b.seq for b in store.read_outbox()]
    for stream in ("goal:a", "goal:b"):
        versions = [e.version for b in flaky.got for e in b.events if e.stream == stream]
        assert versions == [1, 2, 3]
    assert flaky.calls == len(seqs) + 3
    assert store.dead_letters() == []
    assert len([f for f in service.plugin_failures if f.distribution == "flaky"]) == 3
    delivered = [e for e in store.read_audit() if e["action"] == "deliver"]
    assert [e["object"] for e in delivered] == [f"outbox/{s}" for s in seqs]
    assert {e["actor"] for e in delivered} == {"plugin:flaky"}


def test_an_observer_that_always_fails_ends_in_the_dead_letter_list(store):
    broken = Recorder(always=True)
    good = Recorder()
    service = service_with(store, ("broken", broken), ("good", good))
    commit_batches(service, per_stream=2)
    service.dispatcher.drain(wait=True)
    dead = store.dead_letters("broken")
    assert [d.seq for d in dead] == [b.seq for b in store.read_outbox()]
    assert all(d.attempts == FAST.attempts and "RuntimeError" in d.error for d in dead)
    assert len(good.got) == 4  # the good one was not held up
    assert store.dead_letters("good") == []
    failed = [e for e in store.read_audit() if e["action"] == "deliver" and e["result"] == "failed"]
    assert len(failed) == 4


def test_an_observers_error_message_stays_out_of_the_store_and_goes_to_the_log(store, caplog):
    """The message of an observer's exception may quote anything (an address its HR system
    refused): the dead-letter table and the audit chain, kept in clear and never erased, keep
    its class; the message goes to the process log."""
    broken = Recorder(always=True)
    service = service_with(store, ("broken", broken))
    with caplog.at_level("WARNING", logger="magcore"):
        commit_batches(service, per_stream=1)
        service.dispatcher.drain(wait=True)
    dead = store.dead_letters("broken")
    assert dead
    assert all("connector down" not in d.error for d in dead)
    assert not [line for line in store.read_audit() if "connector down" in str(line)]
    assert "connector down" in caplog.text


def test_observers_see_envelopes_and_cannot_change_them(store):
    """No content by default; an attempt to change the delivery fails in that call only."""

    class Mutator:
        @hookimpl
        def magcore_events_committed(self, batch):
            attrs.evolve(batch.events[0], type="x")  # a copy of its own: fine
            batch.events[0].type = "changed"

    seen = Recorder()
    service = service_with(store, ("mutator", Mutator()), ("seen", seen))
    commit_batches(service, streams=("goal:a",), per_stream=1)
    service.dispatcher.drain(wait=True)
    [delivery] = seen.got
    [observed] = delivery.events
    assert (observed.stream, observed.version, observed.type, observed.actor) == (
        "goal:a",
        1,
        "note.added",
        "e-1",
    )
    assert observed.content is None
    assert "private words" not in repr(delivery)
    [dead] = store.dead_letters("mutator")
    assert "FrozenInstanceError" in dead.error
    assert all(isinstance(f, PluginError) for f in service.plugin_failures)
    assert {f.hook for f in service.plugin_failures} == {"magcore_events_committed"}


def test_a_wrong_return_type_is_a_named_plugin_error(store):
    class Answers:
        @hookimpl
        def magcore_events_committed(self, batch):
            return "ok"

    service = service_with(store, ("answers", Answers()))
    commit_batches(service, streams=("goal:a",), per_stream=1)
    service.dispatcher.drain(wait=True)
    failure = service.plugin_failures[0]
    assert (failure.distribution, failure.hook) == ("answers", "magcore_events_committed")
    assert "returned str" in str(failure)


def test_declared_content_is_delivered_read_only_and_audited(store):
    """A declaration gives only the declared fields of the declared types; each is audited."""

    class Connector(Recorder):
        @hookimpl
        def magcore_declare_content(self, register):
            register(
                ContentNeed(
                    event_types=["note.added"],
                    fields=["text"],
                    purpose="keep the HR file current",
                    basis="AVG art. 6(1)(b)",
                    carries={"note.added": ["text"]},  # the connector's own event type
                )
            )

    connector = Connector()
    plain = Recorder()
    service = service_with(store, ("connector", connector), ("plain", plain))
    # a stream of the connector's own (a goal stream is decided under its goal.set event,
    # which these notes lack: a goal the events do not describe counts as special-category)
    commit_batches(service, streams=("journal:a",), per_stream=2)
    service.dispatcher.drain(wait=True)
    contents = [e.content for b in connector.got for e in b.events]
    assert [dict(c) for c in contents] == [{"text": "private words"}] * 2
    with pytest.raises(TypeError):
        contents[0]["text"] = "changed"
    assert all(e.content is None for b in plain.got for e in b.events)
    lines = [e for e in store.read_audit() if e["action"] == "deliver-content"]
    assert [(e["actor"], e["object"]) for e in lines] == [
        ("plugin:connector", "journal:a/1"),
        ("plugin:connector", "journal:a/2"),
    ]
    assert lines[0]["purpose"] == "keep the HR file current"
    assert "AVG art. 6(1)(b)" in lines[0]["reason"]


def test_a_content_declaration_needs_purpose_and_basis():
    from magcore.errors import DefinitionError

    with pytest.raises(DefinitionError, match="basis"):
        ContentNeed(event_types=["note.added"], fields=["text"], purpose="x", basis=" ")
    with pytest.raises(DefinitionError):
        ContentNeed(event_types=[], fields=["text"], purpose="x", basis="y")


def test_delivery_resumes_after_a_restart(tmp_path):
    """At least once: batches committed while no dispatcher ran are delivered by the next."""
    url = f"sqlite:///{tmp_path / 'r.db'}"
    store = SQLiteStore.open(url)
    first = Recorder()
    service = service_with(store, ("obs", first))
    commit_batches(service, streams=("goal:a",), per_stream=2)
    service.dispatcher.drain()
    store.close()
    store = SQLiteStore.open(url)
    later = Recorder()
    again = service_with(store, ("obs", later))
    commit_batches(again, streams=("goal:b",), per_stream=1)
    Dispatcher(store, get_plugin_manager(load_entry_points=False, extra=[("obs", later)])).drain()
    assert [b.seq for b in first.got] == [1, 2]
    assert [b.seq for b in later.got] == [3]
    store.close()


def test_a_content_declaration_is_in_the_regulation_and_its_hash():
    from magcore.access.regulation import render_policy

    from ..sharing.support import mag_cycle

    cycle = mag_cycle()
    need = ContentNeed(
        event_types=["record.confirmed"],
        fields=["agreements"],
        purpose="training budget follow-up",
        basis="CAO art. 3.4",
    )
    plain = render_policy(cycle, language="en")
    declared = render_policy(cycle, language="en", observers={"hr-connector": [need]})
    assert plain.hash == render_policy(cycle, language="en", observers={}).hash
    assert declared.hash != plain.hash
    assert "hr-connector" in declared.text
    assert "CAO art. 3.4" in declared.text
    assert "`agreements`" in declared.text
    assert "no content of conversations" in plain.text


def test_envelopes_name_the_role_and_carry_no_record_text(store):
    """A held and agreed conversation: roles from the request, none of the record's text."""
    from datetime import date

    from magcore.testing.driver import ConversationDriver, _agreement

    seen = Recorder()
    host = get_plugin_manager(load_entry_points=False, extra=[("seen", seen)])
    driver = ConversationDriver(store, "c-1", employee="e-1", manager="m-1")
    driver.hold_and_agree(date(2026, 2, 3), [_agreement("a-1")])
    Dispatcher(store, host, policy=FAST).drain(wait=True)
    observed = [e for b in seen.got for e in b.events]
    assert {(e.actor, e.role) for e in observed} <= {("e-1", "employee"), ("m-1", "manager")}
    assert {e.role for e in observed} == {"employee", "manager"}
    assert all(e.content is None for e in observed)
    texts = [
        v for _, ev in store.read_all() for v in ev.data.values() if isinstance(v, str) and " " in v
    ]
    agreed = [a["text"] for _, ev in store.read_all() for a in ev.data.get("agreements", ())]
    assert agreed  # the record has text to leak
    shown = repr(seen.got)
    assert all(text not in shown for text in [*texts, *agreed])


def test_a_lost_key_file_is_not_replaced_silently(tmp_path):
    """The log ends in keyed lines and the key file is gone: the service refuses to open with an
    error naming the key file, and makes no new key (new keys would neither verify the chain nor
    open the encrypted content)."""
    from magcore.errors import KeyProviderError

    url = f"sqlite:///{tmp_path / 'k.db'}"
    host = get_plugin_manager(load_entry_points=False)
    store = SQLiteStore.open(url)
    service = Service(store, host=host, clock=FixedClock(T0), dispatch="off")
    assert service.key_provider is not None
    commit_batches(service, streams=("goal:a",), per_stream=1)
    store.close()
    (tmp_path / "k.db.keys").unlink()
    store = SQLiteStore.open(url)
    with pytest.raises(KeyProviderError, match=r"k\.db\.keys"):
        Service(store, host=host, clock=FixedClock(T0), dispatch="off")
    assert not (tmp_path / "k.db.keys").exists()
    store.close()


def test_threads_that_start_the_dispatcher_at_once_start_one_thread(monkeypatch):
    """Requests in several threads each wake the dispatcher after their commit: one thread
    delivers, not one per request that found none running yet."""
    import time

    from magcore.app import dispatcher as module

    made: list[object] = []
    real = threading.Thread

    class SlowThread(real):  # widens the gap between "none runs yet" and "one runs"
        def __init__(self, *args, **kwargs):
            time.sleep(0.01)
            made.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(module.threading, "Thread", SlowThread)
    host = get_plugin_manager(load_entry_points=False, extra=[("obs", Recorder())])
    dispatcher = Dispatcher(MemoryStore(), host)
    callers = [real(target=dispatcher.start) for _ in range(8)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    dispatcher.stop()
    assert len(made) == 1
