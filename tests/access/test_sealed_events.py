"""Sealed events as the codec hands them to a store: stored JSON made once, tokens spliced in.

The codec seals an event straight into the JSON the store writes (``data_json()``), puts each
token into that text instead of running it through the JSON encoder, frames the plaintext of an
event token (strings as UTF-8, not JSON), and seals records and requests without the generic
walk. None of that may change what is stored or what opens: these tests hold the sealed events
against the clear ones and against the generic walk.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from magcore.access._seal_plans import _Listed
from magcore.access.content import ContentCodec, ContentStore
from magcore.crypto import (
    EVENT_PREFIX,
    STUB_BODY,
    ContentCipher,
    KeyRing,
    LocalKeyProvider,
    is_token,
    key_id_of,
)
from magcore.crypto._framing import frame, unframe
from magcore.crypto.cipher import _event_associated
from magcore.crypto.keyring import _context
from magcore.errors import ContentIntegrityError, RecordInvalidError
from magcore.events import Event
from magcore.storage import StreamWrite
from magcore.storage.chain import canonical_text
from magcore.storage.common import event_row, event_rows
from magcore.storage.memory import MemoryStore

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
_ids = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True)
_answer = st.one_of(
    _text, st.integers(-5, 5), st.none(), st.lists(_text, max_size=3), st.booleans()
)
_answers = st.dictionaries(_ids, st.one_of(_text, _answer), max_size=4)


def _codec(store: MemoryStore | None = None) -> ContentCodec:
    return ContentCodec(ContentCipher(KeyRing(store or MemoryStore(), LocalKeyProvider.generate())))


def _event(stream: str, version: int, kind: str, data: dict) -> Event:
    return Event(stream=stream, version=version, type=kind, at=NOW, actor="m-1", data=data)


@st.composite
def _agreements(draw, *, carried: bool = True):
    count = draw(st.integers(0, 3))
    return [
        {
            "id": f"a{n}",
            "text": draw(_text),
            "owner": draw(st.sampled_from(["employee", "manager"])),
            "due": None,
            "theme": draw(st.one_of(st.none(), _ids)),
            "status": "open",
            "carried_from": (
                draw(st.one_of(st.none(), _ids.map(lambda c: f"{c}#a9"))) if carried else None
            ),
        }
        for n in range(count)
    ]


@st.composite
def _streams(draw):
    """A conversation's events with every shape of content the codec seals."""
    stream = f"conversation:{draw(_ids)}"
    events = [
        _event(
            stream, 1, "conversation.requested",
            {"kind": "yearly", "carried_forward": draw(_agreements())},
        ),
        _event(stream, 2, "preparation.saved", {"answers": draw(_answers)}),
        _event(stream, 3, "conversation.scheduled", {"on": "2026-03-02", "place": draw(
            st.one_of(st.none(), _text))}),
        _event(stream, 4, "conversation.held", {"on": "2026-03-02"}),
        _event(
            stream, 5, "record.drafted",
            {
                "revision": 1,
                "summary": draw(_text),
                "agreements": draw(_agreements()),
                "answers": draw(_answers),
                "medium": draw(st.sampled_from(["digital", "mc2.@@0", "mc2.@@1"])),
                "themes": [],
            },
        ),
        _event(stream, 6, "note.private_added", {"text": draw(_text)}),
    ]  # fmt: skip
    return events


def _strings(value):
    if isinstance(value, str):
        yield value
    elif hasattr(value, "values"):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _names(value):
    """The keys of every mapping in *value* (they are in the stored text too)."""
    if hasattr(value, "items"):
        for key, item in value.items():
            yield key
            yield from _names(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _names(item)


def _clear_strings(event: Event, codec: ContentCodec) -> set[str]:
    """The content strings of *event* long enough to be looked for in the stored text."""
    found = set()
    for _, _, value in codec._places(event, event.data):
        found.update(v for v in _strings(value) if len(v) >= 12)
    return found


@given(streams=st.lists(_streams(), min_size=1, max_size=3, unique_by=lambda s: s[0].stream))
def test_sealed_events_open_to_exactly_the_clear_events(streams):
    """Every sealed event: its stored JSON is the canonical text of its data, its row holds that
    text, no content string is left in it, and it opens to exactly the event that went in."""
    codec = _codec()
    groups = codec.seal_all(streams, new={s[0].stream for s in streams})
    for clear_events, sealed_events in zip(streams, groups, strict=True):
        assert len(sealed_events) == len(clear_events)
        for clear, sealed in zip(clear_events, sealed_events, strict=True):
            stored = event_row(sealed)[5]
            assert stored == canonical_text(sealed.data)
            assert event_rows([sealed])[0] == event_row(sealed)
            # metadata values and the data's keys: a generated text may be part of one
            kept = [v for v in _strings(sealed.data) if not is_token(v)]
            kept.extend(_names(sealed.data))
            for text in _clear_strings(clear, codec):
                if not any(text in metadata for metadata in kept):
                    assert json.dumps(text, ensure_ascii=False)[1:-1] not in stored
            assert codec.open(sealed) == clear


def _shape(value):
    """*value* with each token as ("token", key id) and each stub as ("stub", key id)."""
    if isinstance(value, str) and is_token(value) and value.startswith(EVENT_PREFIX):
        return ("stub" if value.endswith("." + STUB_BODY) else "token", key_id_of(value))
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value]
    return value


@given(stream=_streams())
def test_records_and_requests_are_sealed_as_the_generic_walk_seals_them(stream):
    """The path without the walk puts the same tokens and stubs, under the same keys, in the
    same places as the walk; both open to the clear event."""
    codec = _codec()
    codec.keys.ensure_keys(
        [stream[0].stream]
        + [
            f"conversation:{a['carried_from'].partition('#')[0]}"
            for e in stream
            for a in [*e.data.get("agreements", ()), *e.data.get("carried_forward", ())]
            if a["carried_from"]
        ]
    )
    seal = codec.cipher.event_sealer(8)
    for event in (stream[0], stream[4]):
        plan = codec._plan(event.type)
        assert isinstance(plan, _Listed)
        listed = codec._seal_listed(event, plan, seal)
        walked = codec._seal_general(event, seal)
        assert _shape(json.loads(listed.data_json())) == _shape(json.loads(walked.data_json()))
        assert codec.open(listed) == event
        assert codec.open(walked) == event


@given(stream=_streams())
def test_a_batch_seals_every_event_as_the_generic_walk_seals_it(stream):
    """The batch's own paths (top-level fields, data that is only content, a record or a
    request in one pass, carried agreements under their own keys) put the same tokens and
    stubs, under the same keys, in the same places as the walk."""
    codec = _codec()
    [sealed] = codec.seal_all([stream], new={stream[0].stream})
    seal = codec.cipher.event_sealer(8)
    for event, batch in zip(stream, sealed, strict=True):
        walked = codec._seal_general(event, seal)
        assert _shape(json.loads(batch.data_json())) == _shape(json.loads(walked.data_json()))
        assert codec.open(batch) == event


def test_a_slot_text_in_the_metadata_does_not_move_a_token():
    """Metadata that happens to read like a slot ("mc2.@@0") is kept as it is; the token goes
    where it belongs (the codec encodes it the slow way)."""
    codec = _codec()
    record = _event(
        "conversation:c-1", 5, "record.drafted",
        {"summary": "Samen", "medium": "mc2.@@0", "themes": [],
         "agreements": [{"id": "mc2.@@0", "text": "Rust", "carried_from": None}]},
    )  # fmt: skip
    note = _event("conversation:c-1", 6, "note.private_added", {"text": "mc2.@@0"})
    request = _event("conversation:c-1", 7, "topic.raised", {"text": "Werk", "theme": "mc2.@@0"})
    sealed = codec.seal([record, note, request])
    assert sealed[0].data["medium"] == "mc2.@@0"
    assert sealed[0].data["agreements"][0]["id"] == "mc2.@@0"
    assert sealed[2].data["theme"] == "mc2.@@0"
    assert [codec.open(e) for e in sealed] == [record, note, request]


def test_the_memory_store_keeps_sealed_events_and_gives_them_back():
    """A memory store keeps the sealed events it is given; read through the codec they open,
    read raw they hold tokens only, and their data is read-only."""
    store = MemoryStore()
    content = ContentStore(store, _codec(store))
    note = _event("conversation:c-1", 1, "note.private_added", {"text": "Alleen voor mij"})
    content.append([StreamWrite("conversation:c-1", 0, [note])])
    assert content.read("conversation:c-1") == (note,)
    [raw] = store.read("conversation:c-1")
    assert is_token(raw.data["text"])
    assert "Alleen" not in raw.data_json()
    with pytest.raises(TypeError):
        raw.data["text"] = "x"


@given(
    values=st.dictionaries(
        st.text(max_size=12).map(lambda k: f"/data/{k}"),
        st.one_of(
            _text,
            _answers,
            st.dictionaries(_ids, _text, max_size=3),
            st.lists(_answer, max_size=3),
            st.integers(),
            st.none(),
        ),
        max_size=4,
    )
)
def test_the_framed_plaintext_reads_back_as_it_was_written(values):
    """Strings, mappings of strings and any other JSON value come back equal, in order, and
    the frame is the same however often the same shape is written (its header is kept)."""
    plain = frame(values)
    assert unframe(plain, "here") == values
    assert list(unframe(plain, "here")) == list(values)
    assert frame(values) == plain


def test_the_framed_plaintext_is_the_documented_bytes():
    """The frame is fixed: a header of fields, kinds and a mapping's keys, then the parts
    separated by 0xFF (no UTF-8 text holds it): strings as UTF-8, a mapping's strings one
    after another, other values as compact JSON. Tokens already stored open only while this
    stays the same."""
    plain = frame(
        {
            "/data/summary": "café",
            "/data/answers": {"werk": "goed", "wensen": "één"},
            "/data/agreements/0/due": None,
        }
    )
    assert plain == (
        b'\x02[["/data/summary","s"],["/data/answers","m",["werk","wensen"]],'
        b'["/data/agreements/0/due","j"]]\n'
        + "café".encode()
        + b"\xffgoed\xff"
        + "één".encode()
        + b"\xffnull"
    )


def test_a_mapping_with_a_value_other_than_text_is_framed_as_json():
    values = {"/data/answers": {"werk": "goed", "uren": 32}, "/data/text": "x"}
    plain = frame(values)
    assert plain == b'\x02[["/data/answers","j"],["/data/text","s"]]\n' + (
        b'{"uren":32,"werk":"goed"}\xffx'
    )
    assert unframe(plain, "here") == values


def test_the_frame_of_lengths_still_reads():
    """Tokens sealed before 2026-12-05 hold a frame with each part's length (0x01)."""
    plain = (
        b'\x01[["/data/summary","s",5],["/data/answers","m",["werk",4,"wensen",5]],'
        b'["/data/agreements/0/due","j",4]]\n'
        + "café".encode()
        + b"goed"
        + "één".encode()
        + b"null"
    )
    assert unframe(plain, "here") == {
        "/data/summary": "café",
        "/data/answers": {"werk": "goed", "wensen": "één"},
        "/data/agreements/0/due": None,
    }


@given(field=st.sampled_from(["/data/text", "/data/summary", "/data/a\u00e9"]), text=_text)
def test_one_text_is_its_header_and_its_bytes(field, text):
    alone = frame({field: text})
    assert alone == (
        b"\x02[[" + json.dumps(field, ensure_ascii=False).encode() + b',"s"]]\n' + text.encode()
    )
    assert unframe(alone, "here") == {field: text}


@pytest.mark.parametrize(
    "values",
    [
        {"/data/text": "a\ud800b"},
        {"/data/summary": "ok", "/data/answers": {"werk": "a\ud800b"}},
        {"/data/summary": "ok", "/data/answers": {"werk": ["a\ud800b"]}},
    ],
)
def test_a_value_that_cannot_be_stored_names_its_field(values):
    with pytest.raises(RecordInvalidError) as refused:
        frame(values)
    assert refused.value.problems[0].pointer == list(values)[-1]


@pytest.mark.parametrize(
    "plain",
    [
        b"",
        b"\x01[]",  # no newline after the header
        b'\x01[["/data/text","s",5]]\nabc',  # shorter than the header says
        b'\x01[["/data/text","s",2]]\nabc',  # bytes after the last value
        b'\x01[["/data/text","x",3]]\nabc',  # an unknown kind
        b'\x01[["/data/text","s",-1]]\nabc',
        b'\x01[["/data/text","m",["a"]]]\nabc',  # a key without a length
        b'\x01[["/data/text","s",1]]\n\xff',  # not UTF-8
        b'\x01[[1,"s",1]]\na',  # a field that is no string
        b'\x02[["/data/text","s"]]\nab\xffc',  # more parts than the header has
        b'\x02[["/data/text","s"],["/data/x","s"]]\nabc',  # fewer
        b'\x02[["/data/answers","m",["a","b"]]]\nabc',  # fewer for a mapping
        b'\x02[["/data/answers","m",[1]]]\nabc',  # a key that is no string
        b'\x02[["/data/text","x"]]\nabc',  # an unknown kind
        b'\x02[["/data/text","s",3]]\nabc',  # a length where none belongs
        b'\x02[["/data/text"]]\nabc',  # no kind
        b'\x02[[1,"s"]]\na',  # a field that is no string
        b'\x02[["/data/text","s"]]\n\xc3',  # not UTF-8
        b'\x02[["/data/text","j"]]\n{',  # not JSON
        b'\x02{"a":1}\na',  # a header that is no list
        b"\x02[]\na",  # bytes where the header has no part
        b'\x03[["/data/text","s"]]\na',  # an unknown frame
        b"[1, 2]",
    ],
)
def test_a_malformed_plaintext_is_refused(plain):
    with pytest.raises(ContentIntegrityError, match="holds no fields"):
        unframe(plain, "event 1 of conversation:c-1")


def test_a_frame_of_no_parts_reads_as_empty_answers():
    assert unframe(frame({"/data/answers": {}}), "here") == {"/data/answers": {}}


def test_an_event_token_of_the_first_format_still_opens():
    """The first ``mc2.`` tokens hold one JSON object; they open as before."""
    codec = _codec()
    stream = "conversation:c-1"
    key_id, aead = codec.keys.sealer(stream)
    nonce = b"\x00" * 11 + b"\x01"
    plain = canonical_text({"/data/text": "Oud formaat"}).encode()
    sealed = aead.encrypt(nonce, plain, _event_associated(key_id, stream, 3))
    import binascii

    token = f"{EVENT_PREFIX}{key_id}.{binascii.b2a_base64(nonce + sealed, newline=False).decode()}"
    note = _event(stream, 3, "note.private_added", {"text": token})
    assert codec.open(note).data["text"] == "Oud formaat"


@given(key_id=st.text(max_size=20), owner=st.text(max_size=40))
def test_the_wrap_context_is_the_json_of_before(key_id, owner):
    """Wrapped keys of earlier versions name their context as ``json.dumps`` wrote it."""
    assert _context(key_id, owner) == json.dumps(["magcore-data-key/1", key_id, owner]).encode()


def test_a_batch_of_new_keys_are_all_different_and_open_after_forgetting():
    """Keys made from one read of the random source: each its own bytes and id; after the key
    ring forgets them, they are unwrapped from the store and open what they sealed."""
    store = MemoryStore()
    codec = _codec(store)
    owners = [f"conversation:c-{n}" for n in range(50)]
    made = codec.keys.new_keys(owners)
    assert len(set(made.values())) == 50
    secrets = {codec.keys.aead(k) for k in made.values()}
    assert len(secrets) == 50
    notes = [_event(o, 1, "note.private_added", {"text": f"Notitie {o}"}) for o in owners]
    sealed = codec.seal(notes)
    codec.keys.forget()
    assert [codec.open(e) for e in sealed] == notes
    codec.keys.destroy(["conversation:c-7"])
    assert codec.open(sealed[7]).data["text"] == "[gewist]"
    assert codec.open(sealed[8]) == notes[8]
