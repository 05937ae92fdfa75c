"""``repair_read_models`` writes back the read-model rows the events give, on the record.

A database writer without keys edits the read-model tables (a subject changed, rows deleted,
a stray agreement and a conversation no stream gives added). The repair puts exactly those rows
right in one transaction, with one audit line naming the rows by key, after which the check
finds nothing and the chain verifies, on the memory store, SQLite and PostgreSQL. A store whose
audit chain is broken, or whose events cannot be folded, is refused and left as it was.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import attrs
import pytest

from magcore import get_plugin_manager, open_service
from magcore.access.audit import verify_store
from magcore.app.maintenance import check_store
from magcore.app.read_model_check import read_model_problems
from magcore.app.read_model_repair import READ_MODELS_REPAIRED, repair_read_models
from magcore.clock import FixedClock
from magcore.errors import ConflictError, StorageError
from magcore.events import Event
from magcore.read_models import AgreementRow, ConversationRow, ReadModel
from magcore.storage.base import StreamWrite
from magcore.storage.read_model_fix import ReadModelFix
from magcore.testing import approve_cycle

from ..access.test_listing_store_index import _agreed
from ..sharing.support import MAG_CYCLE, ROLES, T0, small_org
from ..support.postgres import store_url


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def url(request, tmp_path, monkeypatch):
    return store_url(request, tmp_path, monkeypatch, "repair")


def _open(url: str):
    extra = []
    if url.startswith("postgresql"):
        from magcore_postgres import plugin

        extra.append(("postgres", plugin))
    host = get_plugin_manager(load_entry_points=False, extra=extra)
    return open_service(url, clock=FixedClock(T0), host=host)


@pytest.fixture
def service(url):
    svc = _open(url)
    approve_cycle(svc, svc.add_cycle(MAG_CYCLE))
    svc.import_organisation(small_org(), actor="hr")
    svc.use_organisation("org", ROLES)
    yield svc
    svc.close()


def _raw(service):
    return service.store.inner


def _sql(service, statements):
    """Run *statements* (``?`` placeholders, table names without a prefix) on a connection of
    its own, as someone writing in the database without keys would."""
    url = service.store.url
    if url.startswith("sqlite"):
        db = sqlite3.connect(url.removeprefix("sqlite:///"))
        for statement, params in statements:
            db.execute(statement, params)
        db.commit()
        db.close()
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for statement, params in statements:
            for table in ("conversation_people", "conversations", "agreements"):
                statement = statement.replace(f" {table}", f" magcore_{table}")
            conn.execute(statement.replace("?", "%s"), params)


GHOST = ConversationRow(
    id="ghost",
    cycle="mag@1",
    kind="mag",
    state="agreed",
    subject="e2",
    team="t1",
    participants=("e2", "m1"),
    requested_on=date(2025, 1, 6),
    scheduled_on=None,
    held_on=None,
    medium=None,
    version=3,
)


def _stray(conversation: str, agreement: str) -> AgreementRow:
    return AgreementRow(
        conversation=conversation,
        agreement=agreement,
        subject="e2",
        owner="employee",
        status="open",
        due=None,
        made_on=date(2025, 1, 6),
    )


def _tamper(service, edited: str, emptied: str) -> None:
    """*edited*'s subject set to e2 and a stray open agreement added to it; *emptied*'s rows
    deleted (its conversation row, agreement and people index); a conversation no stream gives
    (``ghost``) added with an agreement."""
    store = _raw(service)
    if store.url.startswith("memory"):
        rows = store._rows
        model = rows[edited]
        rows[edited] = ReadModel(
            conversation=attrs.evolve(model.conversation, subject="e2"),
            agreements=(*model.agreements, _stray(edited, "a9")),
        )
        del rows[emptied]
        rows["ghost"] = ReadModel(conversation=GHOST, agreements=(_stray("ghost", "a1"),))
        return
    _sql(
        service,
        [
            ("UPDATE conversations SET subject = 'e2' WHERE id = ?", (edited,)),
            (
                "INSERT INTO agreements (conversation, position, agreement, subject, owner, "
                "status, due, made_on) VALUES (?, 7, 'a9', 'e2', 'employee', 'open', NULL, "
                "'2025-01-06')",
                (edited,),
            ),
            ("DELETE FROM conversation_people WHERE conversation = ?", (emptied,)),
            ("DELETE FROM agreements WHERE conversation = ?", (emptied,)),
            ("DELETE FROM conversations WHERE id = ?", (emptied,)),
            (
                "INSERT INTO conversations (id, cycle, kind, state, subject, team, participants, "
                "requested_on, version, preparers, published) VALUES ('ghost', 'mag@1', 'mag', "
                "'agreed', 'e2', 't1', ?, '2025-01-06', 3, ?, ?)",
                ('["e2"]', "[]", "[]") if store.url.startswith("sqlite") else ("{e2}", "{}", "{}"),
            ),
            ("INSERT INTO conversation_people (person, conversation) VALUES ('e2', 'ghost')", ()),
            (
                "INSERT INTO agreements (conversation, position, agreement, subject, owner, "
                "status, due, made_on) VALUES ('ghost', 0, 'a1', 'e2', 'employee', 'open', "
                "NULL, '2025-01-06')",
                (),
            ),
        ],
    )


def test_edited_rows_are_repaired_and_the_repair_is_on_the_record(service):
    edited = _agreed(service, "e1")
    emptied = _agreed(service, "e2")
    store = _raw(service)
    whole = repair_read_models(store, provider=service.key_provider)
    assert not whole.changed  # a whole store: nothing written, no line
    head = store.audit_head()
    _tamper(service, edited, emptied)
    assert read_model_problems(store)

    repair = repair_read_models(store, provider=service.key_provider)

    assert repair.conversations.inserted == (emptied,)
    assert repair.conversations.replaced == (edited,)
    assert repair.conversations.deleted == ("ghost",)
    assert repair.agreements.inserted == (f"{emptied}#a1",)
    assert repair.agreements.replaced == ()
    assert repair.agreements.deleted == (f"{edited}#a9", "ghost#a1")
    if store.url.startswith("memory"):  # no people index: participants are read
        assert repair.people.count == 0
    else:
        people = {
            f"{emptied}/{p}" for p in service.store.conversations(subject="e2")[0].participants
        }
        assert set(repair.people.inserted) == people
        assert repair.people.deleted == ("ghost/e2",)
    assert read_model_problems(store) == []
    assert verify_store(store, keys=service.key_provider.audit_key).ok
    lines = list(store.read_audit(after=head.count))
    assert [line["action"] for line in lines] == [READ_MODELS_REPAIRED]
    (line,) = lines
    assert line["object"] == "read-models"
    assert line["key"]  # chained under the audit key
    for key in (edited, emptied, "ghost", f"{edited}#a9"):
        assert key in line["reason"]
    assert "conversations 1 inserted, 1 replaced, 1 deleted" in line["reason"]
    if not store.url.startswith("memory"):
        assert check_store(store, keys=service.key_provider.audit_key).ok
    again = repair_read_models(store, provider=service.key_provider)
    assert not again.changed
    assert store.audit_head().count == head.count + 1


def test_a_broken_audit_chain_is_refused_and_nothing_changes(tmp_path):
    url = f"sqlite:///{tmp_path}/repair.db"
    svc = _open(url)
    approve_cycle(svc, svc.add_cycle(MAG_CYCLE))
    svc.import_organisation(small_org(), actor="hr")
    svc.use_organisation("org", ROLES)
    edited = _agreed(svc, "e1")
    _agreed(svc, "e2")
    _tamper(svc, edited, "nothing")
    # the event the subject comes from edited too, and so its audit line no longer matches
    _sql(
        svc,
        [
            (
                "UPDATE events SET actor = 'x' WHERE stream = ? AND version = 1",
                (f"conversation:{edited}",),
            )
        ],
    )
    store = _raw(svc)
    rows, head = store.stored_read_models(), store.audit_head()
    with pytest.raises(StorageError, match=r"audit log does not verify.*Nothing was changed"):
        repair_read_models(store, provider=svc.key_provider)
    assert store.stored_read_models() == rows
    assert store.audit_head() == head
    svc.close()


def test_events_that_cannot_be_folded_are_refused_and_nothing_changes():
    svc = _open("memory://")
    store = _raw(svc)
    garbage = Event(
        stream="conversation:odd",
        version=1,
        type="conversation.requested",
        at=T0,
        actor="x",
        data={"nothing": "useful"},
    )
    store.append([StreamWrite("conversation:odd", 0, [garbage])])
    store._rows["ghost"] = ReadModel(conversation=GHOST)
    head = store.audit_head()
    with pytest.raises(StorageError, match=r"cannot be folded.*conversation:odd"):
        repair_read_models(store, provider=svc.key_provider)
    assert "ghost" in store._rows
    assert store.audit_head() == head
    svc.close()


def test_a_store_without_the_capability_is_named():
    with pytest.raises(StorageError, match=r"vendor://x.*cannot be repaired.*SimpleNamespace"):
        repair_read_models(SimpleNamespace(url="vendor://x"))


def test_a_stream_written_meanwhile_refuses_the_whole_fix(service):
    edited = _agreed(service, "e1")
    store = _raw(service)
    (model,) = [
        ReadModel(conversation=row, agreements=())
        for row in store.conversations()
        if row.id == edited
    ]
    stale = attrs.evolve(model.conversation, subject="nobody")
    rows, head = store.stored_read_models(), store.audit_head()
    fix = ReadModelFix(
        put=(ReadModel(conversation=stale),),
        drop=(),
        versions=((f"conversation:{edited}", model.conversation.version - 1),),
    )
    with pytest.raises(ConflictError):
        store.repair_read_models(fix)
    assert store.stored_read_models() == rows
    assert store.audit_head() == head


def test_an_sqlite_repair_leaves_no_foreign_key_broken(tmp_path: Path):
    """A stray agreement of a conversation no table holds (foreign keys are off in a plain
    sqlite3 connection) is deleted, and SQLite's own check passes afterwards."""
    url = f"sqlite:///{tmp_path}/repair.db"
    svc = _open(url)
    approve_cycle(svc, svc.add_cycle(MAG_CYCLE))
    svc.import_organisation(small_org(), actor="hr")
    svc.use_organisation("org", ROLES)
    _agreed(svc, "e1")
    _sql(
        svc,
        [
            (
                "INSERT INTO agreements (conversation, position, agreement, subject, owner, "
                "status, due, made_on) VALUES ('nowhere', 0, 'a1', 'e1', 'employee', 'open', "
                "NULL, NULL)",
                (),
            )
        ],
    )
    store = _raw(svc)
    assert not check_store(store, keys=svc.key_provider.audit_key).ok
    repair = repair_read_models(store, provider=svc.key_provider)
    assert repair.agreements.deleted == ("nowhere#a1",)
    assert repair.conversations.count == 0
    assert check_store(store, keys=svc.key_provider.audit_key).ok
    svc.close()


def test_erased_and_destroyed_conversations_keep_their_rows(service):
    """After an erasure (keys destroyed, a tombstone appended) every row still matches: a
    repair writes nothing, not even an audit line. A stream replaced by its tombstone alone
    (a store without keys) cannot be rebuilt: its row is kept as it is, edited or not, and
    named, as the check keeps it."""
    from magcore.access.erasure import ErasureReason, erase_person
    from magcore.access.policy import DESTROYED_EVENT
    from magcore.domain.conversation import destroyed_read_model, replay

    _agreed(service, "e1")
    destroyed = _agreed(service, "e2")
    erase_person(
        service.store, "e1", clock=service.clock, actor="po", reason=ErasureReason("request")
    )
    store = _raw(service)
    rows, head = store.stored_read_models(), store.audit_head()
    repair = repair_read_models(store, provider=service.key_provider)
    assert not repair.changed
    assert store.stored_read_models() == rows
    assert store.audit_head() == head

    stream = f"conversation:{destroyed}"
    events = store.read(stream)
    tombstone = Event(
        stream=stream, version=len(events) + 1, type=DESTROYED_EVENT, at=T0, actor="po"
    )
    remains = destroyed_read_model(replay(events), tombstone.version)
    store.destroy_stream(stream, tombstone, read_model=remains)
    if store.url.startswith("memory"):
        model = store._rows[destroyed]
        store._rows[destroyed] = attrs.evolve(
            model, conversation=attrs.evolve(model.conversation, subject="x")
        )
    else:
        _sql(service, [("UPDATE conversations SET subject = 'x' WHERE id = ?", (destroyed,))])
    rows = store.stored_read_models()
    repair = repair_read_models(store, provider=service.key_provider)
    assert not repair.changed
    assert repair.kept == (destroyed,)
    assert store.stored_read_models() == rows


def test_store_check_names_an_edited_people_row_that_the_repair_writes_back(service):
    """A review found that the check compared no row of the people index, which the repair
    writes back (and the guarded listing reads): an inserted one went unreported, so the
    command line never pointed at the repair."""
    conversation = _agreed(service, "e1")
    store = _raw(service)
    if store.url.startswith("memory"):  # no people index (it reads participants): none to edit
        assert store.stored_read_models().people is None
        assert read_model_problems(store) == []
        return
    _sql(
        service,
        [
            (
                "INSERT INTO conversation_people (person, conversation) VALUES ('e2', ?)",
                (conversation,),
            )
        ],
    )
    assert read_model_problems(store) == [
        f"read model table conversation_people, row {conversation}/e2: the events hold no such row"
    ]
    repair = repair_read_models(store, provider=service.key_provider)
    assert repair.people.deleted == (f"{conversation}/e2",)
    assert read_model_problems(store) == []
