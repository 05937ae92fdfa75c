"""The service records organisation changes as events: audited, in the outbox, nothing twice."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from magcore import NotFoundError, open_service
from magcore.clock import FixedClock
from magcore.domain.organisation import canonical
from magcore.domain.orgchanges import Join, Leave, Move
from magcore.testing import generate_organisation

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def service(tmp_path):
    svc = open_service(f"sqlite:///{tmp_path / 'org.db'}", clock=FixedClock(NOW), dispatch="off")
    yield svc
    svc.close()


def test_import_records_changes_audited_and_in_the_outbox(service):
    org = generate_organisation(people=60, teams=5)
    written = service.import_organisation(org, actor="hr")
    assert written
    assert {e.type for e in written} >= {"team.added", "person.joined"}
    assert canonical(service.organisation(org.id)) == canonical(org)
    audit = [line for line in service.store.read_audit() if line["object"].startswith("org:")]
    assert [line["action"] for line in audit] == [e.type for e in written]
    assert all(line["actor"] == "hr" for line in audit)
    envelopes = [e for batch in service.store.read_outbox() for e in batch.events]
    assert [(e.stream, e.version, e.type) for e in envelopes if e.stream.startswith("org:")] == [
        (e.stream, e.version, e.type) for e in written
    ]
    assert service.import_organisation(org, actor="hr") == ()
    assert service.store.version(f"org:{org.id}") == len(written)


def test_record_change_writes_the_change_or_nothing(service):
    org = generate_organisation(people=60, teams=5)
    service.import_organisation(org, actor="hr")
    version = service.store.version(f"org:{org.id}")
    person = sorted(org.people)[10]
    (left,) = service.record_change(org.id, Leave(person=person, on=date(2027, 1, 1)), actor="hr")
    assert (left.type, left.data["person"], left.data["on"]) == (
        "person.left",
        person,
        "2027-01-01",
    )
    assert service.organisation(org.id).person(person).left_on == date(2027, 1, 1)
    team = sorted(org.teams)[-1]
    (joined,) = service.record_change(
        org.id, Join(person="new1", team=team, on=NOW.date()), actor="hr"
    )
    assert joined.type == "person.joined"
    with pytest.raises(NotFoundError, match="team"):
        service.record_change(
            org.id, Move(person=person, team="nowhere", on=NOW.date()), actor="hr"
        )
    with pytest.raises(NotFoundError, match="unknown organisation"):
        service.record_change("other", Leave(person=person, on=NOW.date()), actor="hr")
    assert service.store.version(f"org:{org.id}") == version + 2
    # the same leave again: nothing new
    assert (
        service.record_change(org.id, Leave(person=person, on=date(2027, 1, 1)), actor="hr") == ()
    )
