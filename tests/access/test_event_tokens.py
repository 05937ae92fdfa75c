"""One token per event and owner: an event's content fields are sealed together.

The content of an event that one key protects is one AES-GCM token (``mc2.``) bound to the key
id, the stream and the event's version; its other fields hold a stub naming the key. A token
moved to another event, a removed token, a relabelled stub are refused; a carried-forward
agreement is sealed apart, under its own conversation's key, so erasing that conversation
erases the copy; tokens of the older field-by-field format still open.
"""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from magcore.access import _sealing
from magcore.access.content import ContentCodec
from magcore.crypto import (
    EVENT_PREFIX,
    STUB_BODY,
    ContentCipher,
    KeyRing,
    LocalKeyProvider,
    is_token,
    key_id_of,
)
from magcore.errors import ContentIntegrityError
from magcore.events import Event
from magcore.model.content import EventContent
from magcore.storage.memory import MemoryStore

from ..crypto.support import CountingProvider

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
STREAM = "conversation:c-2"


def _codec() -> ContentCodec:
    store = MemoryStore()
    return ContentCodec(ContentCipher(KeyRing(store, LocalKeyProvider.generate())))


def _record(summary: str = "Goed gesprek", *, version: int = 5, carried: str | None = None):
    agreements = [
        {"id": "a1", "text": "Cursus plannen", "owner": "employee", "carried_from": None},
        {"id": "a2", "text": "Meer rust", "owner": "manager", "carried_from": carried},
    ]
    return Event(
        stream=STREAM,
        version=version,
        type="record.drafted",
        at=NOW,
        actor="m-1",
        data={
            "revision": 1,
            "summary": summary,
            "agreements": agreements,
            "answers": {"werk": "Druk maar goed"},
        },
    )


def _note(text: str, version: int = 6, stream: str = STREAM) -> Event:
    return Event(
        stream=stream, version=version, type="note.private_added", at=NOW, actor="m-1",
        data={"text": text},
    )  # fmt: skip


def _all_strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _all_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _all_strings(item)


def test_one_token_per_event_and_stubs_elsewhere():
    """A record's summary, agreements and answers are one token; the rest are stubs; it opens
    to exactly what went in, and no text is left in clear."""
    codec = _codec()
    event = _record()
    [sealed] = codec.seal([event])
    data = sealed.to_json()["data"]
    values = [data["summary"], data["answers"], *(a["text"] for a in data["agreements"])]
    tokens = [v for v in values if not v.endswith("." + STUB_BODY)]
    assert len(tokens) == 1
    assert tokens[0] == data["summary"]
    assert tokens[0].startswith(EVENT_PREFIX)
    assert all(is_token(v) and key_id_of(v) == key_id_of(tokens[0]) for v in values)
    clear = set(_all_strings(event.to_json()["data"])) - set(_all_strings(data))
    assert {"Goed gesprek", "Cursus plannen", "Meer rust", "Druk maar goed"} <= clear
    assert codec.open(sealed) == event


def test_a_token_moved_to_another_event_is_refused():
    """The stream and the event's version are associated data: a token copied from the note
    (version 6) into the record (version 5) does not open there."""
    codec = _codec()
    record, note = codec.seal([_record(), _note("Privé")])
    moved = Event(
        stream=record.stream, version=record.version, type=record.type, at=NOW, actor="m-1",
        data={**record.data, "summary": note.data["text"]},
    )  # fmt: skip
    with pytest.raises(ContentIntegrityError, match="/data/summary"):
        codec.open(moved)


def test_a_removed_token_or_a_relabelled_stub_is_refused():
    """A stub whose token is gone, or that names another key, is refused, not shown empty."""
    codec = _codec()
    [record] = codec.seal([_record()])
    stub = record.data["answers"]
    removed = Event(
        stream=STREAM, version=5, type=record.type, at=NOW, actor="m-1",
        data={**record.data, "summary": stub},
    )  # fmt: skip
    with pytest.raises(ContentIntegrityError, match="not in the event's content token"):
        codec.open(removed)
    [other] = _codec().seal([_note("x")])
    relabelled = Event(
        stream=STREAM, version=5, type=record.type, at=NOW, actor="m-1",
        data={**record.data, "answers": other.data["text"].rpartition(".")[0] + ".@"},
    )  # fmt: skip
    with pytest.raises(ContentIntegrityError):
        codec.open(relabelled)


def test_a_carried_agreement_is_sealed_apart_and_erased_with_its_conversation():
    """The copy of c-1's agreement sits in its own token under c-1's key: destroying that key
    erases the copy only; the rest of the record still opens."""
    codec = _codec()
    [record] = codec.seal([_record(carried="c-1#a7")])
    data = record.to_json()["data"]
    carried = data["agreements"][1]["text"]
    assert not carried.endswith("." + STUB_BODY)  # its own token
    assert key_id_of(carried) != key_id_of(data["summary"])
    codec.keys.destroy(["conversation:c-1"])
    opened = codec.open(record)
    assert opened.data["summary"] == "Goed gesprek"
    assert opened.data["agreements"][0]["text"] == "Cursus plannen"
    assert opened.data["agreements"][1]["text"] == codec.erased(
        codec.fields["record.drafted"].content[1]
    )


def test_a_field_token_of_the_earlier_format_still_opens():
    """Events written with one token per field (``mc1.``) read as before."""
    codec = _codec()
    token = codec.cipher.encrypt("Oude tekst", owner=STREAM, stream=STREAM, field="/data/text")
    assert codec.open(_note(token)).data["text"] == "Oude tekst"


def test_one_aes_operation_per_event():
    """The point of the format: a record with four content values costs one encryption."""
    codec = _codec()
    codec.keys.new_keys([STREAM])
    calls = []
    keys = codec.cipher.keys
    real, real_prepare = keys.sealer, keys.prepare

    def counted(owner, key_id, aead):
        class Counting:
            def encrypt(self, *args):
                calls.append(owner)
                return aead.encrypt(*args)

        return key_id, Counting()

    keys.sealer = lambda owner: counted(owner, *real(owner))

    def prepare(owners, new=()):
        batch = real_prepare(owners, new=new)
        return attrs.evolve(
            batch, sealers={o: counted(o, *found) for o, found in batch.sealers.items()}
        )

    keys.prepare = prepare
    codec.seal([_record(), _note("een")])
    assert calls == [STREAM, STREAM]


def test_a_batch_larger_than_the_key_cache_unwraps_no_key():
    """A batch of more new conversations than the key ring caches seals each under its own
    new key without reading a key back from the store, and every event opens again."""
    store = MemoryStore()
    provider = CountingProvider(LocalKeyProvider.generate())
    codec = ContentCodec(ContentCipher(KeyRing(store, provider, cache_size=2)))
    notes = [_note(f"notitie {n}", version=1, stream=f"conversation:c-{n}") for n in range(6)]
    groups = codec.seal_all([[note] for note in notes], new={n.stream for n in notes})
    assert provider.unwraps == 0
    assert len({key_id_of(g[0].data["text"]) for g in groups}) == 6
    assert [codec.open(g[0]).data["text"] for g in groups] == [f"notitie {n}" for n in range(6)]


@given(
    summary=st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
    note=st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
)
def test_any_text_round_trips(summary, note):
    """Whatever the text (JSON's special characters, non-ASCII), it opens as it went in."""
    codec = _codec()
    events = [_record(summary), _note(note)]
    assert [codec.open(e) for e in codec.seal(events)] == events


def test_a_batch_sealed_in_windows_makes_one_key_per_owner(monkeypatch):
    """A large batch is sealed a window of events at a time; a conversation new in the batch
    whose agreement a later window carries keeps the one key made for it in its own window,
    and every event opens to what went in."""
    monkeypatch.setattr(_sealing, "WINDOW", 1)  # each stream its own window
    store = MemoryStore()
    codec = ContentCodec(ContentCipher(KeyRing(store, LocalKeyProvider.generate())))
    first = _note("eerste", version=1, stream="conversation:c-1")
    later = attrs.evolve(_record(carried="c-1#a1", version=1), stream="conversation:c-3")
    groups = [[first], [_note("tweede", version=1, stream="conversation:c-2")], [later]]
    prepared = []
    real = codec.keys.prepare
    monkeypatch.setattr(
        codec.keys, "prepare", lambda owners, new=(): prepared.append(set(owners)) or real(
            owners, new=new)
    )  # fmt: skip
    sealed, keys = codec.seal_batch(groups, new={"conversation:c-1", "conversation:c-2",
                                                  "conversation:c-3"})  # fmt: skip
    assert sorted(r.owner for r in keys.records) == [
        "conversation:c-1",
        "conversation:c-2",
        "conversation:c-3",
    ]
    # three windows; the third asks only for c-3: c-1 (carried there) has its key already
    assert prepared == [{"conversation:c-1"}, {"conversation:c-2"}, {"conversation:c-3"}]
    own = {r.owner: r.id for r in keys.records}
    carried = sealed[2][0].to_json()["data"]["agreements"][1]["text"]
    assert key_id_of(carried) == own["conversation:c-1"] == key_id_of(sealed[0][0].data["text"])
    store.add_keys(keys.records)
    codec.keys.adopt(keys)
    assert codec.open(sealed[0][0]) == first
    assert codec.open(sealed[2][0]) == later


def test_windows_hold_whole_groups_of_about_the_window_size(monkeypatch):
    """A window closes once it holds the window's size of events, never within a group."""
    monkeypatch.setattr(_sealing, "WINDOW", 4)
    groups = [[_note("x")] * size for size in (3, 3, 5, 1, 1)]
    windows = list(_sealing._windows(groups))
    assert [[len(g) for g in w] for w in windows] == [[3, 3], [5], [1, 1]]
    assert list(_sealing._windows([])) == [[]]


def test_two_fields_of_one_list_are_both_sealed():
    """A plugin's event type with two content fields on the items of one list, after a
    top-level one: neither item field is left in clear (the second field's change keeps the
    first's), and the event opens to what went in."""
    fields = {"x.made": EventContent(content=["title", "items/*/a", "items/*/b"])}
    codec = ContentCodec(
        ContentCipher(KeyRing(MemoryStore(), LocalKeyProvider.generate())), fields=fields
    )
    event = Event(
        stream=STREAM, version=1, type="x.made", at=NOW, actor="m-1",
        data={"title": "T", "items": [{"a": "GEHEIM-A", "b": "GEHEIM-B"}, {"a": "GEHEIM-C"}]},
    )  # fmt: skip
    [sealed] = codec.seal([event])
    stored = sealed.data_json()
    assert "GEHEIM" not in stored
    assert codec.open(sealed) == event


def test_a_stream_with_nothing_of_its_own_gets_no_key():
    """A write whose only content in a stream is carried from another conversation makes no
    key for that stream, and a batch stores no key before its write: every key it needs is in
    its key batch (windows of one write each)."""
    store = MemoryStore()
    codec = ContentCodec(ContentCipher(KeyRing(store, LocalKeyProvider.generate())))

    def carrying(stream: str, carried: str) -> Event:
        agreement = {"id": "a1", "text": "Meegenomen", "owner": "employee",
                     "carried_from": carried}  # fmt: skip
        return Event(
            stream=stream, version=1, type="record.drafted", at=NOW, actor="m-1",
            data={"revision": 1, "agreements": [agreement]},
        )  # fmt: skip

    requested = Event(
        stream="conversation:c-9", version=1, type="conversation.requested", at=NOW,
        actor="m-1", data={"carried_forward": []},
    )  # fmt: skip
    groups = [
        [requested],
        [carrying("conversation:c-1", "c-0#a1")],
        [carrying("conversation:c-3", "c-1#a1")],
    ]
    for window in (1, 10_000):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(_sealing, "WINDOW", window)
            sealed, keys = codec.seal_batch(
                groups, new={"conversation:c-1", "conversation:c-3", "conversation:c-9"}
            )
        assert store.list_keys() == []
        assert sorted(r.owner for r in keys.records) == ["conversation:c-0", "conversation:c-1"]
        assert sealed[0] == (requested,)
