"""The organisation snapshot in the store: written with each import, read by a fresh service
(which then folds only the later events), never taken for the stream once it is destroyed or
when it names another event."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime

import pytest

import magcore.app.people as people
from magcore import open_service
from magcore.access.audit import verify_store
from magcore.clock import FixedClock
from magcore.domain.organisation import replay_organisation
from magcore.domain.orgchanges import Leave
from magcore.storage.streaming import read_snapshot
from magcore.testing import generate_organisation

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def _open(url: str):
    return open_service(url, clock=FixedClock(NOW), dispatch="off")


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'org.db'}"


@pytest.fixture
def tails(monkeypatch):
    """The version after which each fold of the organisation stream started reading."""
    seen: list[int] = []
    real = people.read_stream_data

    def recording(store, stream, *, upto=None, after=0):
        seen.append(after)
        return real(store, stream, upto=upto, after=after)

    monkeypatch.setattr(people, "read_stream_data", recording)
    return seen


def test_a_fresh_service_reads_the_snapshot_and_folds_only_later_events(url, tails):
    org = generate_organisation(people=40, teams=4)
    service = _open(url)
    try:
        written = service.import_organisation_summary(org, actor="hr").written
        stream = f"org:{org.id}"
        assert read_snapshot(service.store, stream)[0] == written
        leaver = sorted(org.people)[3]
        service.record_change(org.id, Leave(person=leaver, on=date(2027, 1, 1)), actor="hr")
        events = service.store.read(stream)
        assert len(events) == written + 1
        assert read_snapshot(service.store, stream)[0] == written  # a single change: no new one
    finally:
        service.close()
    fresh = _open(url)
    try:
        loaded = fresh.organisation(org.id)
        assert tails == [written]  # the snapshot, then the one event after it
        assert loaded == replay_organisation(fresh.store.read(stream))
        assert loaded.people[leaver].left_on == date(2027, 1, 1)
        assert fresh.import_organisation_summary(org, actor="hr").changes == {"person.changed": 1}
        assert read_snapshot(fresh.store, stream)[0] == written + 2
        assert verify_store(fresh.store).ok
    finally:
        fresh.close()


def test_a_snapshot_naming_another_event_is_not_used(url, tmp_path, tails):
    org = generate_organisation(people=20, teams=2)
    service = _open(url)
    try:
        written = service.import_organisation_summary(org, actor="hr").written
    finally:
        service.close()
    with sqlite3.connect(tmp_path / "org.db") as conn:  # as if the stream were written anew
        conn.execute("UPDATE snapshots SET position = position + 1000")
    fresh = _open(url)
    try:
        assert read_snapshot(fresh.store, f"org:{org.id}") is None
        loaded = fresh.organisation(org.id)
        assert tails == [0]  # every event folded
        assert loaded == replay_organisation(fresh.store.read(f"org:{org.id}"))
        assert len(fresh.store.read(f"org:{org.id}")) == written
    finally:
        fresh.close()


def test_a_failed_import_leaves_no_snapshot(url, monkeypatch):
    org = generate_organisation(people=20, teams=2)
    service = _open(url)

    def broken(state) -> str:
        raise RuntimeError("the snapshot could not be made")

    monkeypatch.setattr(people, "snapshot_parts", broken)
    try:
        with pytest.raises(RuntimeError):
            service.import_organisation_summary(org, actor="hr")
        assert service.store.version(f"org:{org.id}") == 0
        assert read_snapshot(service.store, f"org:{org.id}") is None
    finally:
        service.close()


def test_destroying_a_stream_removes_its_snapshot(tmp_path):
    """A stream destroyed (a tombstone in its place) keeps no snapshot of what it held."""
    from magcore.storage.sqlite import SQLiteStore
    from magcore.storage.streaming import append_stream
    from magcore.testing.driver import event

    store = SQLiteStore.open(f"sqlite:///{tmp_path / 's.db'}")
    try:
        events = [event("org:x", n, "team.added", team=f"t{n}", on="2026-12-03") for n in (1, 2)]
        append_stream(store, "org:x", 0, events, snapshot=lambda: iter(["head", "one"]))
        found = read_snapshot(store, "org:x")
        assert found is not None
        assert found[0] == 2
        assert list(found[1]) == ["head", "one"]
        store.destroy_stream("org:x", event("org:x", 3, "stream.destroyed"))
        assert read_snapshot(store, "org:x") is None
        with sqlite3.connect(tmp_path / "s.db") as conn:
            assert conn.execute("SELECT COUNT(*) FROM snapshots").fetchone() == (0,)
    finally:
        store.close()


def test_an_import_the_fold_would_refuse_is_refused_and_nothing_is_written(url):
    """A hire date moved past a return the stream told already: the snapshot cannot be made
    (the fold would refuse it on every later load), so the import is refused as a whole."""
    from magcore import Assignment, DefinitionError, Organisation, Person, Team
    from magcore.model.organisation import Return

    def file(hired: date) -> Organisation:
        back = (Return(on=date(2025, 6, 1), absent_days=40),) if hired.year < 2025 else ()
        return Organisation.build(
            id="org",
            people=[Person(id="p1", hired_on=hired, returns=back)],
            teams=[Team(id="t1")],
            assignments=[Assignment(person="p1", team="t1", role="member", start=hired)],
        )

    service = _open(url)
    try:
        written = service.import_organisation_summary(file(date(2023, 1, 1)), actor="hr").written
        with pytest.raises(DefinitionError, match="returns"):
            service.import_organisation_summary(file(date(2026, 9, 1)), actor="hr")
        assert service.store.version("org:org") == written
        assert service.organisation("org").people["p1"].hired_on == date(2023, 1, 1)
    finally:
        service.close()


def test_an_edited_snapshot_part_is_not_taken_for_the_organisation(url, tmp_path, tails, caplog):
    """Someone who can write the table edits the snapshot: the part's seal (an
    HMAC under the audit key) does not verify, so the events are folded and a warning says so."""
    org = generate_organisation(people=20, teams=2)
    service = _open(url)
    try:
        service.import_organisation_summary(org, actor="hr")
        assert service.store.audit_key is not None  # the chain (and so the seal) is keyed
    finally:
        service.close()
    with sqlite3.connect(tmp_path / "org.db") as conn:
        (head,) = conn.execute("SELECT data FROM snapshots WHERE part = 0").fetchone()
        forged = head.replace('"name":"', '"name":"Forged ', 1)  # the organisation's name
        assert forged != head
        conn.execute("UPDATE snapshots SET data = ? WHERE part = 0", (forged,))
    fresh = _open(url)
    try:
        with caplog.at_level("WARNING", logger="magcore"):
            loaded = fresh.organisation(org.id)
        assert tails == [0]  # every event folded, not the forged snapshot
        assert loaded == replay_organisation(fresh.store.read(f"org:{org.id}"))
        assert not loaded.name.startswith("Forged")
        assert "does not verify" in caplog.text
    finally:
        fresh.close()


def test_a_snapshot_sealed_under_another_key_is_not_used(url, tails):
    from magcore.storage.sqlite import SQLiteStore
    from magcore.storage.streaming import seal_part, unsealed

    org = generate_organisation(people=20, teams=2)
    service = _open(url)
    try:
        service.import_organisation_summary(org, actor="hr")
        key = service.store.audit_key
    finally:
        service.close()
    other = type("Key", (), {"id": "other", "secret": b"s" * 32})()
    seal = seal_part(key, "org:x", 2, 7, 0, "text")
    assert not unsealed(key, seal, "org:x", 2, 7, 0, "text")
    assert unsealed(other, seal, "org:x", 2, 7, 0, "text")
    assert unsealed(None, seal, "org:x", 2, 7, 0, "text")  # unkeyed cannot stand in
    assert unsealed(key, seal, "org:x", 2, 7, 1, "text")  # bound to its part number
    store = SQLiteStore.open(url)
    try:
        store.use_audit_key(other)
        found = read_snapshot(store, f"org:{org.id}")
        assert found is not None
        assert list(found[1]) == []  # the head does not verify: nothing is read
    finally:
        store.close()
