"""Issue 13: the SQL stores keep the guarded listing's index themselves (``sharing_choice``,
``restriction``), written with each person write from the domain's state; the service lists
through it and lists what the oracle (every person's stream folded) lists: after grants,
revocations, expiry and restrictions, after reopening, and after migrating a schema-5 store."""

from __future__ import annotations

import itertools
from datetime import timedelta

import attrs
import pytest

from magcore import get_plugin_manager, open_service
from magcore.access.gateway import StoreListing
from magcore.access.listing import SqlListingSource, indexed_source
from magcore.access.restriction import restriction_event
from magcore.clock import FixedClock
from magcore.domain.conversation import ConfirmRecord, DraftRecord
from magcore.domain.sharing import GrantSharing, RevokeSharing, person_stream
from magcore.model.records import Agreement
from magcore.storage.base import StreamWrite
from magcore.testing import approve_cycle, raw_conversation

from ..sharing.support import MAG_CYCLE, ROLES, T0, small_org
from ..support.postgres import store_url
from .listing_oracle import oracle_listing

VIEWERS = ("hr", "x", "m1", "po", "e1", "e2", "c1")
PURPOSES = ("advice", "conversation")


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path, monkeypatch):
    return store_url(request, tmp_path, monkeypatch, "ix")


def _open(url, at=T0, *, fresh=False):
    extra = []
    if url.startswith("postgresql"):
        from magcore_postgres import plugin

        extra.append(("postgres", plugin))
    host = get_plugin_manager(load_entry_points=False, extra=extra)
    svc = open_service(url, clock=FixedClock(at), host=host)
    if fresh:
        approve_cycle(svc, svc.add_cycle(MAG_CYCLE))
        svc.import_organisation(small_org(), actor="hr")
    svc.use_organisation("org", ROLES)
    return svc


def _agreed(service, person, kind="mag"):
    cycle = service.cycle("mag@1")
    coach = "c1" if kind == "stress" else None
    people = service.participants_for("org", cycle, kind, person, on=T0.date(), coach=coach)
    conv = service.request(cycle=cycle, kind=kind, participants=people, actor=person)
    service.record(
        conv.id,
        DraftRecord(
            actor=person,
            summary="s",
            agreements=(Agreement(id="a1", text="t", owner="employee"),),
        ),
        held_on=T0.date(),
    )
    for someone in raw_conversation(service, conv.id).people:
        service.execute(conv.id, ConfirmRecord(actor=someone, revision=1))
    return conv.id


def _restrict(service, person, conversation=None, lift=False):
    stream = person_stream(person)
    version = service.store.version(stream)
    event = restriction_event(
        person,
        version + 1,
        actor="po",
        now=service.clock.now(),
        conversation=conversation,
        lift=lift,
    )
    service.commit([StreamWrite(stream, version, (event,))])


def _world(service):
    """Conversations, grants (one revoked, one with an end day) and restrictions."""
    mine = _agreed(service, "e1")
    stress = _agreed(service, "e1", kind="stress")
    theirs = _agreed(service, "e2")
    share = service.share
    share(
        GrantSharing(actor="e1", person="e1", to="hr_adviser", what="agreements", purpose="advice")
    )
    share(
        GrantSharing(
            actor="e1",
            person="e1",
            to="x",
            what="whole_record",
            purpose="advice",
            until=T0.date() + timedelta(days=2),
        )
    )
    revoked = share(
        GrantSharing(actor="e2", person="e2", to="x", what="whole_record", purpose="advice")
    )
    share(RevokeSharing(actor="e2", person="e2", choice=max(revoked.choices)))
    share(
        GrantSharing(
            actor="e2", person="e2", to="next_manager", what="whole_record", purpose="advice"
        )
    )
    share(
        GrantSharing(
            actor="e2",
            person="e2",
            to="hr_adviser",
            what="whole_record",
            purpose="advice",
            conversation=theirs,
        )
    )
    _restrict(service, "e1", conversation=stress)
    return mine, stress, theirs


def _sorted(items):
    return sorted(
        (attrs.evolve(i, reasons=tuple(sorted(i.reasons))) for i in items),
        key=lambda i: i.conversation,
    )


def _same_as_oracle(service):
    """Every viewer's listing through the store's index equals the oracle's; returns how many
    conversations were listed through a sharing choice (so that an empty index shows)."""
    source = indexed_source(service.store)
    assert isinstance(source, SqlListingSource)
    shared = 0
    for viewer, purpose in itertools.product(VIEWERS, PURPOSES):
        gateway = service.gateway
        listed = gateway.listing(viewer, purpose=purpose)
        expected = oracle_listing(gateway, StoreListing(service.store), viewer, purpose)
        assert _sorted(listed.items) == _sorted(expected), (viewer, purpose)
        shared += sum(1 for i in listed if any("sharing choice" in r for r in i.reasons))
    return shared


def test_the_store_index_lists_what_the_oracle_lists(url):
    service = _open(url, fresh=True)
    try:
        _world(service)
        assert _same_as_oracle(service) >= 3
        for days in (1, 3):  # x's choice ends after two days
            service.clock = FixedClock(T0 + timedelta(days=days))
            assert _same_as_oracle(service) >= 2
        _restrict(service, "e2")
        _same_as_oracle(service)
        _restrict(service, "e2", lift=True)
        assert _same_as_oracle(service) >= 2
    finally:
        service.close()
    again = _open(url, T0 + timedelta(hours=1))
    try:
        assert _same_as_oracle(again) >= 3
    finally:
        again.close()


def test_the_rows_are_written_with_the_person_write(url):
    """The index rows are the store's own, written with each sharing or restriction event:
    no listing (which could fill them) has run."""
    service = _open(url, fresh=True)
    try:
        _, stress, _ = _world(service)
        index = service.store.listing_index()
        table = index.dialect.table
        choices = index.fetch(
            f"SELECT subject, choice, revoked_at FROM {table('sharing_choice')}", ()
        )
        assert sorted((s, c, r is not None) for s, c, r in choices) == [
            ("e1", 1, False),
            ("e1", 2, False),
            ("e2", 1, True),
            ("e2", 2, False),
            ("e2", 3, False),
        ]
        held = index.fetch(f"SELECT subject, conversation FROM {table('restriction')}", ())
        assert [tuple(r) for r in held] == [("e1", stress)]
    finally:
        service.close()


def _to_schema_5(url):
    """Make the store look as a schema-5 store does: no index tables, version 5."""
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        for name in ("sharing_choice", "restriction", "listing_index_pending", "listing_person"):
            conn.execute(f"DROP TABLE {name}")
        conn.execute("PRAGMA user_version = 5")
        conn.commit()
        conn.close()
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for name in ("sharing_choice", "restriction", "listing_index_pending", "listing_person"):
            conn.execute(f"DROP TABLE magcore_{name}")
        conn.execute("UPDATE magcore_schema SET version = 5")


def test_a_schema_5_store_is_migrated_and_its_index_filled_from_the_streams(url):
    service = _open(url, fresh=True)
    try:
        _world(service)
        before = {
            (v, p): _sorted(service.listing(v, purpose=p).items)
            for v, p in itertools.product(VIEWERS, PURPOSES)
        }
    finally:
        service.close()
    _to_schema_5(url)
    migrated = _open(url)
    try:
        assert migrated.store.schema_version() == 7
        assert _same_as_oracle(migrated) >= 3
        after = {
            (v, p): _sorted(migrated.listing(v, purpose=p).items)
            for v, p in itertools.product(VIEWERS, PURPOSES)
        }
        assert after == before
        # filled once: the mark is gone, later writes keep the rows
        index = migrated.store.listing_index()
        assert not index.fetch(
            f"SELECT pending FROM {index.dialect.table('listing_index_pending')}", ()
        )
        _restrict(migrated, "e2")
        assert _same_as_oracle(migrated) >= 1
    finally:
        migrated.close()


def _to_schema_6(url):
    """Make the store look as a schema-6 store does: an index without seals, filled."""
    drop = [
        f"ALTER TABLE {{p}}sharing_choice DROP COLUMN {c}"
        for c in ("version", "restricted", "seal")
    ]
    statements = [*drop, "DROP TABLE {p}listing_person", "DELETE FROM {p}listing_index_pending"]
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        for statement in statements:
            conn.execute(statement.format(p=""))
        conn.execute("PRAGMA user_version = 6")
        conn.commit()
        conn.close()
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement.format(p="magcore_"))
        conn.execute("UPDATE magcore_schema SET version = 6")


def test_a_schema_6_index_is_sealed_and_filled_again_by_the_first_listing(url):
    service = _open(url, fresh=True)
    try:
        _world(service)
        before = {
            (v, p): _sorted(service.listing(v, purpose=p).items)
            for v, p in itertools.product(VIEWERS, PURPOSES)
        }
    finally:
        service.close()
    _to_schema_6(url)
    migrated = _open(url)
    try:
        assert migrated.store.schema_version() == 7
        for v, p in itertools.product(VIEWERS, PURPOSES):
            listed = migrated.listing(v, purpose=p)
            assert listed.doubts == ()
            assert _sorted(listed.items) == before[(v, p)]
        assert _same_as_oracle(migrated) >= 3
    finally:
        migrated.close()
