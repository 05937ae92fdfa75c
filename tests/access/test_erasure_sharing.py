"""Erasing a person ends their sharing choices, on every store, and leaves no detail of them.

A choice's grantee, ``what``, purpose, ``until`` and conversation are the person's data (and
about whom they confided in): they are sealed with the person's key, so ``erase_person``
shreds them, and its ``person.erased`` event ends the choices (and the restrictions) and
takes their rows out of the guarded listing's index in the erasure's transaction. A choice
made before the erasure opens nothing afterwards, not even a conversation about the person
begun after it (a new key, readable); a choice someone else made naming the erased person
stays theirs.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime, timedelta

import pytest

from magcore import FixedClock, get_plugin_manager, open_service
from magcore.access import audit
from magcore.access.erasure import ErasureReason, erase_person
from magcore.access.listing import indexed_source
from magcore.domain.sharing import (
    GrantSharing,
    RevokeSharing,
    listing_rows,
    person_stream,
    replay,
)
from magcore.errors import StorageError
from magcore.events import Event
from magcore.storage.base import StreamWrite
from magcore.testing import approve_cycle
from magcore.testing.erasure import write_story

from ..conftest import EXAMPLE_CYCLES
from ..sharing.support import MAG_CYCLE, ROLES, T0, small_org
from ..support.postgres import store_url
from .test_erasure_bytes import found_markers, raw
from .test_listing_store_index import _agreed

REASON = ErasureReason("request", reference="ZAAK-2025-0012")
#: Whom e1 confided in, and why: what must not be left in the file after the erasure.
CONFIDANT = "vp-Zq8Vertrouwenspersoon"
PURPOSE = "zq8-reintegratie-na-verzuim"


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def url(request, tmp_path, monkeypatch):
    return store_url(request, tmp_path, monkeypatch, "er")


@pytest.fixture
def service(url):
    extra = []
    if url.startswith("postgresql"):
        from magcore_postgres import plugin

        extra.append(("postgres", plugin))
    host = get_plugin_manager(load_entry_points=False, extra=extra)
    svc = open_service(url, clock=FixedClock(T0), host=host)
    approve_cycle(svc, svc.add_cycle(MAG_CYCLE))
    svc.import_organisation(small_org(), actor="hr")
    svc.use_organisation("org", ROLES)
    yield svc
    svc.close()


def _listed(service, viewer, purpose="advice"):
    return {item.conversation for item in service.listing(viewer, purpose=purpose).items}


def _index_rows(service, subject):
    """The listing index's choice rows of *subject* (``None``: the store has no index)."""
    source = getattr(service.store, "listing_index", None)
    index = source() if source is not None else None
    if index is None:
        return None
    indexed_source(service.store)  # filled, if a migration left it pending
    mark = index.dialect.placeholder
    table = index.dialect.table("sharing_choice")
    query = f"SELECT grantee, purpose FROM {table} WHERE subject = {mark}"
    return sorted(tuple(row) for row in index.fetch(query, [subject]))


def test_an_erased_persons_choices_open_nothing_afterwards(service):
    """Before the erasure x reads e1's record and hr lists its agreements through e1's choices;
    afterwards neither choice holds: a conversation about e1 begun after the erasure is not
    listed or read through them, the index holds no row of e1, e1's choices are gone from
    their state (restrictions too), and the audit chain holds."""
    before = _agreed(service, "e1")
    share = service.share
    share(GrantSharing(actor="e1", person="e1", to="x", what="whole_record", purpose="advice"))
    share(
        GrantSharing(actor="e1", person="e1", to="hr_adviser", what="agreements", purpose="advice")
    )
    assert before in _listed(service, "x")
    assert before in _listed(service, "hr")
    assert service.view(before, actor="x", purpose="advice").summary == "s"
    assert _index_rows(service, "e1") in (None, [("hr_adviser", "advice"), ("x", "advice")])
    rows = len(service.store.conversations(subject="e1"))

    done = erase_person(service.store, "e1", clock=service.clock, actor="po", reason=REASON)
    assert done.choices == 2
    after = _agreed(service, "e1")  # a new conversation about e1: a new key, readable
    for viewer in ("x", "hr"):
        assert _listed(service, viewer) == set()
        view = service.view(after, actor=viewer, purpose="advice")
        assert view.summary is None
        assert not view.agreements
    assert service.view(after, actor="e1").summary == "s"  # e1 reads their own, of course
    state = service.sharing("e1")
    assert state.choices == {}
    assert state.active(service.clock.now()) == ()
    assert _index_rows(service, "e1") in (None, [])
    # the statistics' trace stays: the erased conversation's row (content-free), and the new one
    assert len(service.store.conversations(subject="e1")) == rows + 1
    assert audit.verify_store(service.store).ok


def test_after_erasure_the_person_may_choose_again_and_numbers_go_on(service):
    """The erasure ends what was chosen before it, not the person's say: a new choice works,
    numbered after the erased ones (an audit line's "sharing choice 1" names one choice)."""
    conv = _agreed(service, "e1")
    service.share(
        GrantSharing(actor="e1", person="e1", to="x", what="agreements", purpose="advice")
    )
    erase_person(service.store, "e1", clock=service.clock, actor="po", reason=REASON)
    new = _agreed(service, "e1")
    state = service.share(
        GrantSharing(actor="e1", person="e1", to="x", what="agreements", purpose="advice")
    )
    assert list(state.choices) == [2]
    assert _listed(service, "x") == {new}
    assert conv not in _listed(service, "x")
    assert _index_rows(service, "e1") in (None, [("x", "advice")])
    # erasing again ends the new choice too; a third erasure has nothing left to end
    assert erase_person(service.store, "e1", actor="po", reason=REASON).choices == 1
    assert erase_person(service.store, "e1", actor="po", reason=REASON).choices == 0
    assert _listed(service, "x") == set()


def test_a_choice_naming_the_erased_person_stays_its_makers(service):
    """e2's choice to show their agreements to e1 is e2's decision about e2's own record:
    erasing e1 does not end it (e2 revokes it, or it ends with e2's own erasure)."""
    theirs = _agreed(service, "e2")
    service.share(
        GrantSharing(actor="e2", person="e2", to="e1", what="agreements", purpose="advice")
    )
    erase_person(service.store, "e1", clock=service.clock, actor="po", reason=REASON)
    assert _listed(service, "e1") == {theirs}
    assert [c.to for c in service.sharing("e2").active(service.clock.now())] == ["e1"]
    service.share(RevokeSharing(actor="e2", person="e2", choice=1))
    assert _listed(service, "e1") == set()


def test_a_choice_whose_key_went_before_its_end_was_written_holds_nothing(service):
    """Between the two steps of an erasure (the key destroyed, the person.erased event not yet
    appended: a crash, or a run still going) a choice's sealed details read as erased: the
    fold holds it as no choice at all, and nothing fails."""
    _agreed(service, "e1")
    service.share(
        GrantSharing(actor="e1", person="e1", to="x", what="agreements", purpose="advice")
    )
    service.store.keys.destroy([person_stream("e1")])
    state = service.sharing("e1")
    assert state.choices == {}
    assert state.erased_through == 1
    assert service.view(_agreed(service, "e1"), actor="x", purpose="advice").agreements == ()


# -- the raw bytes of the SQLite file ---------------------------------------------------------

NOW = datetime(2025, 3, 3, 9, tzinfo=UTC)


@pytest.fixture
def story(tmp_path):
    db = tmp_path / "live" / "magcore.db"
    db.parent.mkdir()
    service = open_service(f"sqlite:///{db}", clock=FixedClock(NOW))
    cycle = service.add_cycle(json.loads((EXAMPLE_CYCLES / "employee-manager.json").read_text()))
    write_story(service, cycle, "e-1", "m-1", on=date(2025, 2, 10))
    yield service, db
    service.close()


def test_no_detail_of_an_erased_persons_choices_is_left_in_the_sqlite_file(story):
    """e-1 confided in a person for a purpose (granted, revoked, granted again, with an end
    day and for one conversation): the details are sealed in the events, in clear only in the
    listing index. After the erasure neither the confidant nor the purpose is in the raw bytes
    of the file and its log; the audit lines of the erasure are there, with their ground."""
    service, db = story
    until = NOW.date() + timedelta(days=90)
    for choice in (1, 2):
        service.share(
            GrantSharing(
                actor="e-1",
                person="e-1",
                to=CONFIDANT,
                what="whole_record",
                purpose=PURPOSE,
                until=until,
                conversation="c1" if choice == 2 else None,
            )
        )
        if choice == 1:
            service.share(RevokeSharing(actor="e-1", person="e-1", choice=1))
    stored = list(service.store.inner.read(person_stream("e-1")))
    assert (
        found_markers(json.dumps([e.to_json() for e in stored]).encode(), [CONFIDANT, PURPOSE])
        == []
    )
    assert found_markers(raw(db), [CONFIDANT, PURPOSE]) == [CONFIDANT, PURPOSE]  # the index's rows

    done = erase_person(service.store, "e-1", clock=FixedClock(NOW), actor="po", reason=REASON)
    assert done.choices == 2
    assert found_markers(raw(db), [CONFIDANT, PURPOSE, until.isoformat()]) == []
    assert service.sharing("e-1").choices == {}
    lines = [(e["action"], e["object"], e["reason"]) for e in service.store.read_audit()]
    assert ("erase", "person:e-1", "request ref:ZAAK-2025-0012") in lines
    assert audit.verify_store(service.store).ok


def test_choices_written_in_clear_before_are_replaced_by_the_erasure(story, monkeypatch):
    """A person stream from before choices were sealed (or written by a tool without the
    content codec) holds their details in clear: destroying the key does not reach them. The
    erasure ends the choices as always, then replaces the stream's events by one person.erased
    event (secure delete); if that second step fails, the choices have ended all the same and
    running the erasure again replaces the events. The chain still verifies: the event says
    how many events it removed; the choices' numbers go on."""
    service, db = story
    stream = person_stream("e-1")
    granted = Event(
        stream=stream,
        version=1,
        type="sharing.granted",
        at=NOW,
        actor="e-1",
        data={
            "choice": 1,
            "to": CONFIDANT,
            "what": "agreements",
            "purpose": PURPOSE,
            "until": None,
            "conversation": None,
        },
    )
    rows = listing_rows(replay("e-1", [granted]))
    service.store.inner.append([StreamWrite(stream, 0, (granted,), person_rows=rows)])
    assert found_markers(raw(db), [CONFIDANT, PURPOSE]) == [CONFIDANT, PURPOSE]

    def fails(*args, **kwargs):
        raise StorageError("the disk is full")

    with monkeypatch.context() as patched:
        patched.setattr(service.store.inner, "destroy_stream", fails)
        with pytest.raises(StorageError, match="disk is full"):
            erase_person(service.store, "e-1", clock=FixedClock(NOW), actor="po", reason=REASON)
    assert service.sharing("e-1").choices == {}
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM sharing_choice").fetchone()[0] == 0

    done = erase_person(service.store, "e-1", clock=FixedClock(NOW), actor="po", reason=REASON)
    assert done.choices == 0  # ended by the first run already
    assert found_markers(raw(db), [CONFIDANT, PURPOSE]) == []
    [erased] = service.store.read(stream)
    assert (erased.type, erased.version, dict(erased.data)) == (
        "person.erased",
        3,  # after the grant and the person.erased event that ended it
        {"through": 1, "events_removed": 2},
    )
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM sharing_choice").fetchone()[0] == 0
    assert audit.verify_store(service.store).ok
    state = service.share(
        GrantSharing(actor="e-1", person="e-1", to="x", what="agreements", purpose="advice")
    )
    assert list(state.choices) == [2]


def test_a_second_replacement_follows_the_first_and_numbers_go_on(story):
    """A stream replaced once (it starts at the erasure's event) gets a choice in clear again
    (a tool without the content codec): the next erasure replaces it again. Its event counts
    every version the stream no longer holds, so the stream still reads, and no choice number
    is given twice (the earlier erasure's numbers count too)."""
    service, db = story
    stream = person_stream("e-1")

    def clear_grant(version, choice):
        return Event(
            stream=stream,
            version=version,
            type="sharing.granted",
            at=NOW,
            actor="e-1",
            data={
                "choice": choice,
                "to": CONFIDANT,
                "what": "agreements",
                "purpose": PURPOSE,
                "until": None,
                "conversation": None,
            },
        )

    service.store.inner.append([StreamWrite(stream, 0, (clear_grant(1, 1),))])
    erase_person(service.store, "e-1", clock=FixedClock(NOW), actor="po", reason=REASON)
    service.share(GrantSharing(actor="e-1", person="e-1", to="x", what="agreements", purpose="a"))
    last = service.store.inner.read(stream)[-1].version
    service.store.inner.append([StreamWrite(stream, last, (clear_grant(last + 1, 3),))])
    erase_person(service.store, "e-1", clock=FixedClock(NOW), actor="po", reason=REASON)
    [erased] = service.store.read(stream)
    assert erased.data["events_removed"] == erased.version - 1
    assert erased.data["through"] == 3
    assert service.sharing("e-1").choices == {}
    assert found_markers(raw(db), [CONFIDANT, PURPOSE]) == []
    assert audit.verify_store(service.store).ok
    state = service.share(
        GrantSharing(actor="e-1", person="e-1", to="y", what="agreements", purpose="advice")
    )
    assert list(state.choices) == [4]


def test_an_erasure_run_again_after_a_conflict_writes_its_lines_once(story, monkeypatch):
    """A choice granted while the erasure runs (before its keys go), by a person who had made
    none before, makes the erasure's person.erased event conflict, and the erasure runs again:
    the choice ends, its index row (grantee and purpose in clear) goes, and the second run,
    finding no live key, writes no second set of lines (the log shows one erasure)."""
    service, db = story
    keys = service.store.keys
    destroy = keys.destroy
    calls = []

    def racing(owners, **kwargs):
        if not calls:  # a writer commits between the erasure's reads and its destruction
            service.share(
                GrantSharing(
                    actor="e-1", person="e-1", to=CONFIDANT, what="agreements", purpose=PURPOSE
                )
            )
        calls.append(list(owners))
        return destroy(owners, **kwargs)

    monkeypatch.setattr(keys, "destroy", racing)
    erase_person(service.store, "e-1", clock=FixedClock(NOW), actor="po", reason=REASON)
    assert len(calls) == 2  # the conflict made it run again
    erased = [line["object"] for line in service.store.read_audit() if line["action"] == "erase"]
    assert sorted(erased) == sorted(set(erased))  # one line per record
    assert service.sharing("e-1").choices == {}
    assert found_markers(raw(db), [CONFIDANT, PURPOSE]) == []
