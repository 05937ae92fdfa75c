"""The sealer's shorter paths against its general walk, for event types of every shape.

A plugin may declare content as top-level fields, fields of the items of one or more lists
(several fields of one list too), copies carried from another record (``origin``), in any
order. For random declarations and random data: the batch's paths store the same tokens and
stubs, under the same keys, in the same places as the walk; no content is left in clear; and
the event opens to what went in.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from magcore.access.content import ContentCodec
from magcore.crypto import ContentCipher, KeyRing, LocalKeyProvider
from magcore.errors import ContentIntegrityError
from magcore.events import Event
from magcore.model.content import ContentField, EventContent
from magcore.storage.memory import MemoryStore

from .test_sealed_events import _shape

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STREAM = "conversation:c-1"
CARRIED_FROM = ("c-8#a1", "c-9#a2")

_FIELDS = (
    ContentField("t0"),
    ContentField("t1"),
    ContentField("items/*/a"),
    ContentField("items/*/b"),
    ContentField("items/*/c", origin="from"),
    ContentField("other/*/a", origin="from"),
)


@st.composite
def _declared(draw):
    """Some of the fields above, in any order (at least one)."""
    return draw(st.permutations(_FIELDS).map(lambda f: f[: draw(st.integers(1, len(f)))]))


@st.composite
def _data(draw):
    """Data with values (or none) in the places the fields name; every text is a marker
    that can be looked for in the stored text."""
    counter = iter(range(10_000))

    def text():
        return draw(st.one_of(st.none(), st.just(f"GEHEIM-{next(counter):04d}")))

    def items():
        return [
            {key: text() for key in draw(st.sets(st.sampled_from(["a", "b", "c"]), max_size=3))}
            | {"from": draw(st.one_of(st.none(), st.sampled_from(CARRIED_FROM)))}
            for _ in range(draw(st.integers(0, 3)))
        ]

    data = {"kind": "x", "t0": text(), "t1": text(), "items": items(), "other": items()}
    drop = draw(st.sets(st.sampled_from(sorted(data)), max_size=2))
    return {key: value for key, value in data.items() if key not in drop}


@given(declared=_declared(), data=_data())
def test_the_batch_seals_every_shape_as_the_walk_does(declared, data):
    codec = ContentCodec(
        ContentCipher(KeyRing(MemoryStore(), LocalKeyProvider.generate())),
        fields={"x.made": EventContent(content=list(declared))},
    )
    codec.keys.ensure_keys([f"conversation:{ref.partition('#')[0]}" for ref in CARRIED_FROM])
    event = Event(stream=STREAM, version=1, type="x.made", at=NOW, actor="m-1", data=data)
    [[batch]] = codec.seal_all([[event]], new={STREAM})
    walked = codec._seal_general(event, codec.cipher.event_sealer(4))
    stored = batch.data_json() if hasattr(batch, "data_json") else json.dumps(dict(batch.data))
    content = {value for _, _, value in codec._places(event, event.data) if value is not None}
    assert not any(marker in stored for marker in content)
    if hasattr(walked, "data_json"):
        assert _shape(json.loads(stored)) == _shape(json.loads(walked.data_json()))
    assert codec.open(batch) == event


@pytest.mark.parametrize("version", [1, 63, 64, 1_000])
def test_a_token_is_bound_to_its_events_version_whatever_its_size(version):
    """The associated data ends with the event's version (the first ones are kept as bytes):
    the token opens at that version only."""
    codec = ContentCodec(ContentCipher(KeyRing(MemoryStore(), LocalKeyProvider.generate())))
    note = Event(
        stream=STREAM, version=version, type="note.private_added", at=NOW, actor="m-1",
        data={"text": "Alleen voor mij"},
    )  # fmt: skip
    [sealed] = codec.seal([note])
    assert codec.open(sealed) == note
    token = sealed.data["text"]
    with pytest.raises(ContentIntegrityError):
        codec.cipher.open_event(token, stream=STREAM, version=version + 1)
