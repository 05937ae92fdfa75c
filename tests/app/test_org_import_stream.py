"""A large organisation import is written chunk by chunk in one transaction: the same events,
audit lines and outbox envelopes as one write, and nothing at all when it fails half way."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest

import magcore.app.people as people
from magcore import open_service
from magcore.access.audit import verify_store
from magcore.clock import FixedClock
from magcore.domain.organisation import canonical
from magcore.errors import StorageError
from magcore.storage import StreamWrite
from magcore.storage.streaming import append_stream
from magcore.testing import generate_organisation
from magcore.testing.storage import event

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def service(tmp_path):
    svc = open_service(f"sqlite:///{tmp_path / 'org.db'}", clock=FixedClock(NOW), dispatch="off")
    yield svc
    svc.close()


@pytest.fixture
def small_chunks(monkeypatch):
    """The service's import writes 7 events per chunk (instead of thousands)."""

    def in_sevens(store, stream, version, events, *, origin="", chunk=0, snapshot=None):
        return append_stream(
            store, stream, version, events, origin=origin, chunk=7, snapshot=snapshot
        )

    monkeypatch.setattr(people, "append_stream", in_sevens)


def test_a_chunked_import_writes_what_one_write_would(service, small_chunks, tmp_path):
    org = generate_organisation(people=60, teams=5)
    summary = service.import_organisation_summary(org, actor="hr")
    written = service.store.read(f"org:{org.id}")
    assert summary.written == len(written) > 7
    assert dict(summary.changes) == {
        kind: sum(1 for e in written if e.type == kind) for kind in {e.type for e in written}
    }
    batches = [b for b in service.store.read_outbox() if b.events[0].stream.startswith("org:")]
    assert len(batches) == -(-len(written) // 7)  # one outbox batch per chunk
    assert [e.version for b in batches for e in b.events] == [e.version for e in written]
    assert verify_store(service.store).ok
    assert canonical(service.organisation(org.id)) == canonical(org)
    # A fresh service folds the stream back page by page to the same organisation.
    again = open_service(f"sqlite:///{tmp_path / 'org.db'}", clock=FixedClock(NOW), dispatch="off")
    try:
        assert again.organisation(org.id) == service.organisation(org.id)
        assert again.import_organisation_summary(org, actor="hr").written == 0
    finally:
        again.close()


def test_the_summary_names_who_is_no_longer_in_the_file(service, small_chunks):
    org = generate_organisation(people=40, teams=4)
    service.import_organisation(org, actor="hr")
    gone = sorted(
        p
        for p in org.people
        if not any(a.person == p and a.role.value == "manager" for a in org.assignments)
    )[:3]
    smaller = attrs.evolve(
        org,
        people={k: v for k, v in org.people.items() if k not in gone},
        assignments=tuple(a for a in org.assignments if a.person not in gone),
    )
    summary = service.import_organisation_summary(smaller, actor="hr")
    assert summary.removed == tuple(gone)
    assert summary.changes["person.removed"] == 3


def test_an_import_that_fails_half_way_leaves_nothing_but_its_refusal(service, monkeypatch):
    org = generate_organisation(people=60, teams=5)

    def breaks(store, stream, version, events, *, origin="", chunk=0, snapshot=None):
        def some_then_fail():
            for index, item in enumerate(events):
                if index == 20:  # two chunks of 7 are written by now
                    raise StorageError("disk full")
                yield item

        return append_stream(store, stream, version, some_then_fail(), origin=origin, chunk=7)

    monkeypatch.setattr(people, "append_stream", breaks)
    head = service.store.audit_head()
    with pytest.raises(StorageError, match="disk full"):
        service.import_organisation_summary(org, actor="hr")
    assert service.store.version(f"org:{org.id}") == 0
    assert service.store.read_outbox() == []
    lines = list(service.store.read_audit(after=head.count))
    assert [(line["action"], line["result"]) for line in lines] == [("import", "refused")]
    assert verify_store(service.store).ok


def test_the_content_store_refuses_to_stream_content(service):
    with pytest.raises(StorageError, match="has content"):
        service.store.append_stream(
            "conversation:c1", 0, [event("conversation:c1", 1, "conversation.scheduled", place="x")]
        )
    assert service.store.version("conversation:c1") == 0


def test_the_content_store_refuses_to_give_content_as_plain_data(service):
    service.store.append(
        [
            StreamWrite(
                "conversation:c1",
                0,
                [event("conversation:c1", 1, "conversation.scheduled", place="x")],
            )
        ]
    )
    with pytest.raises(StorageError, match="has content"):
        list(service.store.read_stream_data("conversation:c1"))
