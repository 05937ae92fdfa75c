"""The text a sealed event is stored as: where its tokens go, its stubs, the sealed event.

The content codec (:mod:`magcore.access._sealing`) encodes an event's data with a slot where
each token goes and puts the token into that text afterwards; :class:`_Sealed` carries the
result to the store, which writes and hashes it as it is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from json.encoder import encode_basestring as _string
from typing import Any

from ..crypto import EVENT_PREFIX, STUB_BODY
from ..events import Event, freeze

__all__: list[str] = []

#: Where an event token goes in the sealed data before its JSON is made: the token is put in
#: the text afterwards (base64 and a key id need no escaping), not run through the JSON
#: encoder, which costs about 3 ns per character. No token or stub has this shape.
_SLOT = "mc2.@@"
_SLOTS = tuple(f"{_SLOT}{number}" for number in range(4))
_SLOT0 = _SLOTS[0]


def _slot(number: int) -> str:
    return _SLOTS[number] if number < len(_SLOTS) else f"{_SLOT}{number}"


def _splice(text: str, tokens: Sequence[str]) -> str | None:
    """*text*, the JSON of sealed data holding slot *i* where token *i* goes, with the tokens
    in their places; ``None`` when a slot is not in *text* exactly once (its text was in the
    data already: the caller encodes the tokens instead)."""
    for number, token in enumerate(tokens):
        slot = f'"{_slot(number)}"'
        head, found, tail = text.partition(slot)
        if not found or slot in tail:
            return None
        text = f'{head}"{token}"{tail}'
    return text


def _stub(token: str) -> str:
    """The stub of an event token: ``mc2.<key id>.@``."""
    return token[: token.index(".", len(EVENT_PREFIX)) + 1] + STUB_BODY


def _with_data(event: Event, data: Any) -> Event:
    """*event* with *data*, which is frozen already (freezing it again costs as much as the
    encryption: this runs for every content event written or read)."""
    new: Event = _new(Event)
    _set_envelope(new, event)
    _set_data(new, data)
    return new


def _set_envelope(new: Event, event: Event) -> None:
    """Set *new*'s stream, version, type, time and actor to *event*'s (without ``__init__``:
    the frozen values are checked already)."""
    _set_stream(new, event.stream)
    _set_version(new, event.version)
    _set_type(new, event.type)
    _set_at(new, event.at)
    _set_actor(new, event.actor)


#: The setters of an event's slots (a frozen class refuses ``setattr``; calling a slot's own
#: setter skips the look-up by name that ``object.__setattr__`` makes for every value).
_new = object.__new__
_set_stream, _set_version, _set_type, _set_at, _set_actor, _set_data = (
    Event.__dict__[name].__set__ for name in ("stream", "version", "type", "at", "actor", "data")
)


class _Sealed(Event):
    """An event as the codec hands it to the store: its data is the stored JSON, content
    sealed (:meth:`data_json`, which every store writes and hashes as it is), made into frozen
    data only when read (a memory store keeps the event).

    The codec encodes the sealed data once, here, instead of making a frozen copy of it that
    the store encodes again; and a batch of sealed events is one object per event for the
    garbage collector, not four (event, read-only mapping, dict, nested copies).
    """

    __slots__ = ("_stored",)
    _stored: str

    @property
    def data(self) -> Mapping[str, Any]:
        """The sealed data, decoded from the stored JSON."""
        decoded: Mapping[str, Any] = freeze(json.loads(self._stored))
        return decoded

    def data_json(self) -> str:
        """The stored form of the data: canonical JSON, content sealed."""
        return self._stored


def _sealed(event: Event, stored: str) -> Event:
    """*event* with its data replaced by *stored*, the canonical JSON of the sealed data."""
    new: _Sealed = _new(_Sealed)
    _set_stream(new, event.stream)  # as _set_envelope, without a call more per event
    _set_version(new, event.version)
    _set_type(new, event.type)
    _set_at(new, event.at)
    _set_actor(new, event.actor)
    _set_stored(new, stored)
    return new


_set_stored = _Sealed.__dict__["_stored"].__set__


def _key_stub(key_id: str) -> str:
    """The stub naming data key *key_id* (``mc2.<key id>.@``), as :func:`_stub` gives it for a
    token under that key."""
    return f"{EVENT_PREFIX}{key_id}.{STUB_BODY}"


_KEYS_JSON: dict[str, str] = {}


def _key_json(key: str) -> str:
    """*key* as a JSON string (a data key of a declared event type: few, kept)."""
    found = _KEYS_JSON.get(key)
    if found is None:
        found = _string(key)
        if len(_KEYS_JSON) < 10_000:
            _KEYS_JSON[key] = found
    return found
