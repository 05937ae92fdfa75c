"""The fast write path (bulk new conversations, pre-encoded JSON, COPY text) stores the rows the
writes carry, for any text, on SQLite and PostgreSQL; mixed batches and conflicts too."""

from __future__ import annotations

import itertools
import json
import os
from datetime import UTC, date, datetime, timedelta

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from magcore.domain.conversation import (
    PublishPreparation,
    RequestConversation,
    Schedule,
    apply,
    decide,
    read_model,
    replay,
    stream_of,
)
from magcore.errors import ConflictError
from magcore.events import Event, canonical_json, freeze
from magcore.model.cycle import CycleDefinition
from magcore.model.records import Participant
from magcore.storage import AgreementRow, ConversationRow, ReadModel, StreamWrite
from magcore.storage.common import data_json, event_rows, json_list
from magcore.storage.memory import MemoryStore
from magcore.storage.sqlite import SQLiteStore
from magcore.testing.storage import CONTRACT_CYCLE, ConversationDriver, event

from ..support.postgres import schema_url

T0 = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
_IDS = itertools.count(1)

# Text that COPY, JSON and array literals must escape, plus anything else (PostgreSQL text
# cannot hold NUL, so no store can keep it).
SPECIAL = st.sampled_from(["\t", "\n", "\r", "\\", '"', "{", "}", ",", " ", "NULL", "\\N", "é"])
TEXT = st.lists(
    st.one_of(SPECIAL, st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")),
    max_size=8,
).map("".join)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=10,
)

JSON_NO_FLOATS = st.recursive(
    st.none() | st.booleans() | st.integers() | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=10,
)


@st.composite
def requested_events(draw):
    """A conversation.requested event with arbitrary text everywhere the read model looks."""
    people = draw(st.lists(TEXT, min_size=1, max_size=4))
    roles = draw(st.lists(st.sampled_from(["employee", "manager", "colleague"]), min_size=4))
    return Event(
        stream=f"conversation:{draw(TEXT)}#{next(_IDS)}",
        version=1,
        type="conversation.requested",
        at=T0 + timedelta(days=draw(st.integers(-400, 400)), seconds=draw(st.integers(0, 9999))),
        actor=draw(TEXT),
        data={
            "cycle": draw(TEXT),
            "kind": draw(TEXT),
            "team": draw(st.none() | TEXT),
            "participants": [{"person": p, "role": r} for p, r in zip(people, roles, strict=False)],
            "preparers": draw(st.lists(TEXT, max_size=3)),
            # No floats here: jsonb keeps numbers as numeric, so 5.5e16 would read back as an
            # int (the same before and after the fast path); encoders are tested with floats.
            "extra": draw(JSON_NO_FLOATS),
        },
    )


# -- encoders ------------------------------------------------------------------------------


@given(JSON)
def test_data_json_is_canonical_json(value):
    """The reused encoder writes exactly canonical_json's text for frozen JSON data."""
    frozen = freeze(value)
    assert data_json(frozen) == canonical_json(frozen)
    assert json.loads(data_json(frozen)) == json.loads(canonical_json(frozen))


def test_data_json_reads_a_read_only_view_of_any_mapping():
    """A read-only view of another mapping than a dict (an ordered one, one without copy())
    is written as the same JSON as the dict it holds."""
    from collections import OrderedDict
    from collections.abc import Mapping
    from types import MappingProxyType

    class Plain(Mapping):
        def __init__(self, data):
            self.data = data

        def __getitem__(self, key):
            return self.data[key]

        def __iter__(self):
            return iter(self.data)

        def __len__(self):
            return len(self.data)

    data = {"b": [1, {"y": "é", "x": None}], "a": "tekst"}
    expected = canonical_json(data)
    for view in (
        MappingProxyType(data),
        MappingProxyType(OrderedDict(data)),
        MappingProxyType(Plain(data)),
        Plain(data),
    ):
        assert data_json(view) == expected


@given(JSON)
def test_freeze_is_deep_and_keeps_the_data(value):
    """A frozen copy holds no dict or list at any depth, reads as the same JSON, and freezing
    it again changes nothing."""
    from types import MappingProxyType

    from magcore.events import thaw

    def mutable_inside(item):
        if isinstance(item, dict | list):
            return True
        if isinstance(item, MappingProxyType):
            return any(mutable_inside(v) for v in item.values())
        if isinstance(item, tuple):
            return any(mutable_inside(v) for v in item)
        return False

    frozen = freeze(value)
    assert not mutable_inside(frozen)
    assert thaw(frozen) == value
    assert freeze(frozen) == frozen


@given(st.lists(TEXT, max_size=5))
def test_json_list_is_json_dumps(items):
    """json_list writes a list of strings exactly as json.dumps does."""
    assert json_list(items) == json.dumps(items)
    assert json_list(tuple(items)) == json.dumps(items)


def test_json_list_falls_back_for_other_values():
    """Values that are not strings still get json.dumps's text (or its error)."""
    assert json_list([1, "a", None]) == json.dumps([1, "a", None])
    with pytest.raises(TypeError):
        json_list([object()])


@given(st.lists(requested_events(), max_size=4))
def test_event_rows_match_one_by_one(events):
    """event_rows gives, per event, the ISO time and canonical JSON of its data."""
    rows = event_rows(events)
    assert [r[3] for r in rows] == [e.at.isoformat() for e in events]
    assert [r[5] for r in rows] == [canonical_json(e.data) for e in events]


DAYS = st.none() | st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


@st.composite
def carried_rows(draw, item):
    """Read-model rows with arbitrary text everywhere, for the conversation of *item*."""
    conv_id = item.stream.partition(":")[2]
    subject = draw(st.none() | TEXT)
    made_on = draw(DAYS)  # one day per conversation, as the domain makes them
    row = ConversationRow(
        id=conv_id,
        cycle=draw(TEXT),
        kind=draw(TEXT),
        state=draw(TEXT),
        subject=subject,
        team=draw(st.none() | TEXT),
        participants=tuple(draw(st.lists(TEXT, max_size=4))),
        requested_on=item.at.date(),
        scheduled_on=draw(DAYS),
        held_on=draw(DAYS),
        medium=draw(st.none() | TEXT),
        version=item.version,
    )
    agreements = tuple(
        AgreementRow(
            conversation=conv_id,
            agreement=f"{draw(TEXT)}#{n}",
            subject=subject,
            owner=draw(TEXT),
            status=draw(TEXT),
            due=draw(DAYS),
            made_on=made_on,
        )
        for n in range(draw(st.integers(0, 3)))
    )
    return ReadModel(conversation=row, agreements=agreements)


# -- stores ----------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def open_store(request, tmp_path):
    """A function that opens a fresh store of the parametrised kind (closed afterwards)."""
    opened = []
    if request.param == "sqlite":

        def opener():
            opened.append(SQLiteStore.open(f"sqlite:///{tmp_path / f'w{len(opened)}.db'}"))
            return opened[-1]

    else:
        postgres = pytest.importorskip("magcore_postgres")
        url = os.environ.get("MAGCORE_TEST_PG_URL") or request.getfixturevalue("postgresql_url")
        scoped = schema_url(url, "w")

        def opener():
            opened.append(postgres.PostgresStore.open(scoped))
            return opened[-1]

    yield opener
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store):
    """One fresh store (shared by the examples of one hypothesis test: stream names differ)."""
    return open_store()


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), batch=st.lists(requested_events(), min_size=1, max_size=6))
def test_bulk_new_conversations_store_the_rows_they_carry(store, data, batch):
    """New conversations in one append: rows, people index, agreements and events are kept
    exactly as given, whatever the text."""
    carried = [data.draw(carried_rows(item)) for item in batch]
    store.append(
        [
            StreamWrite(e.stream, 0, [e], read_model=rows)
            for e, rows in zip(batch, carried, strict=True)
        ]
    )
    stored = {row.id: row for row in store.conversations()}
    for item, rows in zip(batch, carried, strict=True):
        row = rows.conversation
        assert stored[row.id] == row
        assert store.read(item.stream) == (item,)
        for person in set(row.participants):
            assert row.id in {r.id for r in store.conversations(participant=person)}
    agreed = [
        ReadModel(conversation=attrs.evolve(r.conversation, state="agreed", version=2),
                  agreements=tuple(attrs.evolve(a, status="open") for a in r.agreements))
        for r in carried
    ]  # fmt: skip
    store.append(
        [
            StreamWrite(e.stream, 1, [attrs.evolve(e, version=2)], read_model=rows)
            for e, rows in zip(batch, agreed, strict=True)
        ]
    )
    for rows in agreed:
        subject = rows.conversation.subject
        if subject is None:
            continue
        mine = [a for a in store.open_agreements(subject) if a.conversation == rows.conversation.id]
        assert mine == list(rows.agreements)


def _request(conv_id, employee="e-1", manager="m-1", now=T0):
    cycle = CycleDefinition.from_json(CONTRACT_CYCLE)
    return decide(
        None,
        RequestConversation(
            actor=manager,
            conversation_id=conv_id,
            cycle=cycle,
            kind="yearly",
            participants=(Participant(employee, "employee"), Participant(manager, "manager")),
            team="team-1",
        ),
        now=now,
    )


def _carrying(stream, expected, events, before=()):
    """A write with the rows the domain makes of the conversation after *events*."""
    rows = read_model(replay((*before, *events)))
    return StreamWrite(stream, expected, events, read_model=rows)


def test_mixed_batch_agrees_with_the_memory_store(open_store):
    """One append with every kind of write: the read models equal the memory store's."""
    stores = [open_store(), MemoryStore.open("memory://")]
    drivers = [
        ConversationDriver(s, "c-old", employee="e-1", manager="m-1", team="team-1") for s in stores
    ]
    for driver in drivers:
        driver.send(Schedule(actor="m-1", on=datetime(2026, 2, 1, 9, tzinfo=UTC)))
    # The next event of the existing conversation, decided once for both stores.
    nxt = decide(drivers[0].state, PublishPreparation(actor="e-1"), now=T0)
    # A new conversation with several events in one write (the general fold, not the fast path).
    several = _request("c-several", "e-2", "m-1")
    state = None
    for item in several:
        state = apply(item, state)
    several += decide(state, Schedule(actor="m-1", on=datetime(2026, 4, 1, 9, tzinfo=UTC)), now=T0)
    old = drivers[0].store.read(stream_of("c-old"))
    writes = [
        _carrying(stream_of("c-new-1"), 0, _request("c-new-1", "e-3", "m-2")),
        _carrying(stream_of("c-old"), drivers[0].state.version, nxt, old),
        _carrying(stream_of("c-several"), 0, several),
        StreamWrite("goal:g-1", 0, [event("goal:g-1", 1)]),
        _carrying(stream_of("c-new-2"), 0, _request("c-new-2", "e-4", "m-2")),
    ]
    for store in stores:
        store.append(writes)
    sql, memory = stores
    assert sql.conversations() == memory.conversations()
    for person in ("e-1", "e-2", "e-3", "e-4", "m-1", "m-2"):
        assert sql.conversations(participant=person) == memory.conversations(participant=person)
    assert [e for _, e in sql.read_all()] == [e for _, e in memory.read_all()]


def test_a_taken_name_in_a_bulk_of_new_streams_conflicts_and_writes_nothing(open_store):
    """Many new conversations, one already there: ConflictError, none of the others written."""
    store = open_store()
    store.append([_carrying(stream_of("c-3"), 0, _request("c-3"))])
    before = list(store.read_all())
    writes = [_carrying(stream_of(f"c-{n}"), 0, _request(f"c-{n}")) for n in range(1, 6)]
    with pytest.raises(ConflictError) as caught:
        store.append(writes)
    assert caught.value.stream == stream_of("c-3")
    assert list(store.read_all()) == before
    assert [r.id for r in store.conversations()] == ["c-3"]
    # The store is still usable: the others can go in now.
    store.append([w for w in writes if w.stream != stream_of("c-3")])
    assert len(store.conversations()) == 5
    assert store.version(stream_of("c-1")) == 1
