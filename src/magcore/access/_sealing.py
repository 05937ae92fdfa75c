"""Sealing events on their way into the store: the content codec's write half.

:class:`Sealer` turns each event of a batch into the text the store writes: its content fields
sealed with the data key of the record they belong to (one ``mc2.`` token per event and owner,
stubs elsewhere; see :mod:`magcore.crypto.cipher`), its metadata in clear. The result is a
:class:`_Sealed` event that carries that text (``data_json()``), which every store writes and
hashes as it is; the token is put into the text after the metadata is encoded, so it is not
escaped character by character. :class:`magcore.access.content.ContentCodec` is a Sealer.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Final

from ..crypto import (
    EVENT_PREFIX,
    STUB_BODY,
    TOKEN_PREFIX,
    ContentCipher,
    KeyBatch,
    is_token,
)
from ..events import Event
from ..model.content import ContentField, EventContent, find
from ..model.records import split_agreement_reference
from ..storage.chain import canonical_text
from ._seal_plans import (
    _MAPPINGS,
    _POINTED,
    _WILD,
    Path,
    _copy,
    _field,
    _holder,
    _Listed,
    _One,
    _Plan,
    _replaced,
    make_plan,
)
from ._sealed_text import _SLOT0, _key_json, _key_stub, _sealed, _slot, _splice, _stub

__all__ = ["Sealer", "owner_of"]


def owner_of(stream: str, field: ContentField, holder: Any) -> str:
    """Whose data key encrypts *field* of an event in *stream*.

    The stream's own key (``conversation:<id>``, ``goal:<id>``, ``person:<id>``), except for a
    copy whose *origin* (``carried_from`` = ``<conversation>#<agreement>``) names another
    conversation: then that conversation's key.
    """
    if field.origin is not None and (type(holder) in _MAPPINGS or isinstance(holder, Mapping)):
        origin = holder.get(field.origin)
        if isinstance(origin, str) and "#" in origin:
            return f"conversation:{split_agreement_reference(origin)[0]}"
    return stream


def _sealable(value: Any) -> bool:
    """Whether *value* is content still to encrypt (not nothing, not a token already)."""
    if value is None:
        return False
    return not (type(value) is str and value.startswith(_PREFIXES) and is_token(value))


def _opened(value: Any) -> bool:
    """Whether *value* is a token (or a stub) to decrypt."""
    return type(value) is str and value.startswith(_PREFIXES) and is_token(value)


_PREFIXES = (TOKEN_PREFIX, EVENT_PREFIX)
_STUB_END = "." + STUB_BODY


def _seal_one(
    event: Event,
    plan: _One,
    value: Any,
    seal: Callable[[Mapping[str, Any], str, str, int], str],
) -> Event:
    """*event*, whose content is *value* in the one field of *plan* (under the stream's own
    key), sealed: one token in that field, the metadata in clear."""
    stream = event.stream
    token = seal({plan.pointer: value}, stream, stream, event.version)
    data = event.data
    if len(data) == 1:  # only the content field: no metadata to encode
        return _sealed(event, f'{plan.head}{token}"}}')  # canonical_text's text: no escaping
    merged = _copy(data)
    merged[plan.key] = _SLOT0
    stored = _splice(canonical_text(merged), (token,))
    if stored is None:  # a slot's text is in the data too: encode the token
        merged[plan.key] = token
        stored = canonical_text(merged)
    return _sealed(event, stored)


#: About how many events :meth:`Sealer.seal_batch` seals per window (two passes each).
WINDOW: Final = 1024


def _windows(groups: Sequence[Sequence[Event]]) -> Iterator[Sequence[Sequence[Event]]]:
    """*groups* in runs of whole groups of about :data:`WINDOW` events (a larger group on its
    own); all of them at once when they are that few."""
    start = count = 0
    for end, events in enumerate(groups, 1):
        count += len(events)
        if count >= WINDOW:
            yield groups[start:end]
            start, count = end, 0
    if start < len(groups) or not groups:
        yield groups[start:]


class Sealer:
    """Seals batches of events (the write half of the content codec)."""

    cipher: ContentCipher
    fields: Mapping[str, EventContent]
    _plans: dict[str, _Plan]

    def _plan(self, kind: str) -> _Plan:
        """How an event of type *kind* is sealed (:func:`make_plan`), kept for the next."""
        plan = make_plan(self.fields.get(kind))
        if len(self._plans) < 10_000:
            self._plans[kind] = plan
        return plan

    def _listed(
        self, plan: _Listed, data: Any, stream: str
    ) -> tuple[dict[str, dict[str, Any]], list[tuple[str, str, int, str]]]:
        """The values to seal of an event with a :class:`_Listed` plan, by owner
        (``{owner: {field: value}}``, in the order of the fields), and where each one is
        (``(owner, key, item number or -1, item key)``)."""
        by_owner: dict[str, dict[str, Any]] = {}
        spots: list[tuple[str, str, int, str]] = []
        for list_key, key, field in plan.entries:
            if not list_key:  # a top-level field of the stream's own record
                value = data.get(key)
                if value is not None and _sealable(value):
                    mine = by_owner.get(stream)
                    if mine is None:
                        mine = by_owner[stream] = {}
                    mine[_field((key,))] = value
                    spots.append((stream, key, -1, ""))
                continue
            items = data.get(list_key)
            if type(items) is not tuple and type(items) is not list:
                continue
            for number, item in enumerate(items):
                if type(item) not in _MAPPINGS or key not in item:
                    continue
                value = item[key]
                if not _sealable(value):
                    continue
                owner = stream if field.origin is None else owner_of(stream, field, item)
                mine = by_owner.get(owner)
                if mine is None:
                    mine = by_owner[owner] = {}
                mine[_field((list_key, number, key))] = value
                spots.append((owner, list_key, number, key))
        return by_owner, spots

    def _listed_owners(self, plan: _Listed, data: Any, stream: str, owners: set[str]) -> int:
        """Add to *owners* whose keys the values to seal of an event with a :class:`_Listed`
        plan need (the first pass of :meth:`seal_all`: the owners only, nothing built per
        value; a value of an owner already there is not looked at). Returns how many owners
        other than the stream's it named (tokens besides the stream's)."""
        others = 0
        for list_key, key, field in plan.entries:
            if field.origin is None and stream in owners:
                continue  # only the stream's key: known to be needed already
            if not list_key:  # a top-level field of the stream's own record
                value = data.get(key)
                if value is not None and _sealable(value):
                    owners.add(stream)
                continue
            items = data.get(list_key)
            if type(items) is not tuple and type(items) is not list:
                continue
            origin = field.origin
            for item in items:
                if type(item) not in _MAPPINGS:
                    continue
                if origin is not None and item.get(origin) is None and stream in owners:
                    continue  # not carried: the stream's own value, whose key is needed already
                if key not in item or not _sealable(item[key]):
                    continue
                owner = stream if origin is None else owner_of(stream, field, item)
                if owner not in owners:
                    owners.add(owner)
                    others += owner != stream
        return others

    def _seal_listed_one(
        self,
        event: Event,
        plan: _Listed,
        seal: Callable[[Mapping[str, Any], str, str, int], str],
        stub: str,
    ) -> Event | None:
        """*event* with its content sealed, in one pass, when all of it is under the stream's
        own key (*stub* names that key): the same token, stubs and places as
        :meth:`_seal_listed`. ``None`` when a value is carried from another record (under
        another key): then :meth:`_seal_listed` seals it."""
        data = event.data
        stream = event.stream
        values: dict[str, Any] = {}
        merged: dict[Any, Any] | None = None
        lists: dict[str, list[Any]] = {}  # the copy of each list with a value sealed
        text = _SLOT0  # the first field holds the token, the others the stub
        prefixes = _PREFIXES
        for list_key, key, field, origin, pointer in plan.steps:
            if not list_key:  # a top-level field of the stream's own record
                value = data.get(key)
                if value is None or (
                    type(value) is str and value.startswith(prefixes) and is_token(value)
                ):
                    continue
                values[pointer] = value  # type: ignore[index]
                if merged is None:
                    merged = data.copy() if type(data) is MappingProxyType else dict(data)
                merged[key] = text
                text = stub
                continue
            items = data.get(list_key)
            if not items or (type(items) is not tuple and type(items) is not list):
                continue
            for number, item in enumerate(items):
                if type(item) not in _MAPPINGS or key not in item:
                    continue
                value = item[key]
                if value is None or (
                    type(value) is str and value.startswith(prefixes) and is_token(value)
                ):
                    continue
                if (
                    origin is not None
                    and item.get(origin) is not None
                    and owner_of(stream, field, item) != stream
                ):
                    return None  # carried from another record: sealed under its key
                values[
                    pointer[number] if number < _POINTED else _field((list_key, number, key))
                ] = value
                if merged is None:
                    merged = data.copy() if type(data) is MappingProxyType else dict(data)
                copied = lists.get(list_key)
                if copied is None:  # (two fields of one list's items share the copy)
                    copied = lists[list_key] = merged[list_key] = list(items)
                current = copied[number]
                changed = current.copy() if type(current) in _MAPPINGS else dict(current)
                changed[key] = text
                copied[number] = changed
                text = stub
        if merged is None:
            return event
        token = seal(values, stream, stream, event.version)
        stored = _splice(canonical_text(merged), (token,)) if token.startswith(stub[:-1]) else None
        if stored is None:  # a slot's text is in the data too: the walk encodes the token
            return self._seal_general(event, seal)
        return _sealed(event, stored)

    def _seal_listed(
        self,
        event: Event,
        plan: _Listed,
        seal: Callable[[Mapping[str, Any], str, str, int], str],
    ) -> Event:
        """*event* with its content sealed (a :class:`_Listed` plan): the same tokens, stubs
        and places as :meth:`_seal_general`, without the walk."""
        data = event.data
        stream = event.stream
        by_owner, spots = self._listed(plan, data, stream)
        if not by_owner:
            return event
        version = event.version
        tokens: list[str] = []
        # per owner: what its next field holds (the slot of its token first, then its stub)
        texts: dict[str, list[str]] = {}
        for number, (owner, mine) in enumerate(by_owner.items()):
            token = seal(mine, owner, stream, version)
            tokens.append(token)
            texts[owner] = [_slot(number), _stub(token)]
        merged: dict[Any, Any] = _copy(data)
        lists: dict[str, list[Any]] = {}
        for owner, key, number, item_key in spots:
            pair = texts[owner]
            text = pair[0]
            pair[0] = pair[1]  # the owner's token is in this field: stubs after it
            if number < 0:
                merged[key] = text
                continue
            items = lists.get(key)
            if items is None:
                items = lists[key] = list(data[key])
                merged[key] = items
            item = items[number]
            copied = item.copy() if type(item) is dict or type(item) is MappingProxyType else None
            if copied is None:
                copied = dict(item)
            copied[item_key] = text
            items[number] = copied
        stored = _splice(canonical_text(merged), tokens)
        if stored is None:  # a slot's text is in the data too: the walk encodes the tokens
            return self._seal_general(event, seal)
        return _sealed(event, stored)

    def _found(self, kind: str, data: Any, stream: str) -> list[tuple[Path, Any, str]]:
        """Each content value still to seal in an event of type *kind* (one whose content is
        not only top-level fields), with its path and the owner of its key."""
        places: list[tuple[Path, Any, str]] = []
        spec = self.fields.get(kind)
        if spec is None:
            return places
        for field in spec.content:
            path = field.path
            if field.origin is None and len(path) == 1 and path[0] not in _WILD:
                value = data.get(path[0])  # most content: a top-level field
                if value is not None and _sealable(value):
                    places.append((path, value, stream))
                continue
            if len(path) == 3 and path[1] == "*" and not _WILD.intersection(path[::2]):
                # a field of every item of a list (agreements/*/text): no generic walk
                items = data.get(path[0])
                if type(items) is tuple or type(items) is list:
                    key = path[2]
                    for number, item in enumerate(items):
                        if type(item) in _MAPPINGS and key in item:
                            value = item[key]
                            if _sealable(value):
                                owner = (
                                    stream
                                    if field.origin is None
                                    else owner_of(stream, field, item)
                                )
                                places.append(((path[0], number, key), value, owner))
                    continue
            for at, value in find(data, path):
                if _sealable(value):
                    owner = (
                        stream
                        if field.origin is None
                        else owner_of(stream, field, _holder(data, at))
                    )
                    places.append((at, value, owner))
        return places

    def seal_all(
        self, groups: Sequence[Sequence[Event]], *, new: Collection[str] = ()
    ) -> list[tuple[Event, ...]]:
        """Each group of events sealed; the missing data keys of all of them made and stored
        in one transaction of their own (:meth:`seal_batch` leaves storing them to the write).

        *new* names owners known to have no key yet (streams written for the first time):
        their keys are made without looking in the key table first.
        """
        sealed, keys = self.seal_batch(groups, new=new)
        self.cipher.keys.store_apart(keys)
        return sealed

    def seal_batch(
        self, groups: Sequence[Sequence[Event]], *, new: Collection[str] = ()
    ) -> tuple[list[tuple[Event, ...]], KeyBatch]:
        """Each group of events sealed, and the data keys it used: those made for it are not
        stored yet (:attr:`KeyBatch.records`). Store them with the sealed events, in one
        transaction, then :meth:`~magcore.crypto.KeyRing.adopt` them.

        Two passes over each window of about :data:`WINDOW` events (whole groups): the first
        only finds whose keys are needed (so that they are made at once), the second seals
        each event as it goes. Nothing is kept between them: a batch leaves one new object per
        sealed event, which matters to the garbage collector. A window is small enough that
        the second pass finds the events the first one read still in the processor's cache.
        """
        prepared: dict[str, tuple[str, Any]] = {}  # the keys of the windows so far
        if len(groups) == 1 and len(groups[0]) < WINDOW:  # one command's write: one window
            if len(groups[0]) == 1:
                alone = self._seal_alone(groups[0][0], new)
                if alone is not None:
                    return alone
            return self._seal_window(groups, new, prepared)
        parts = [self._seal_window(window, new, prepared) for window in _windows(groups)]
        if len(parts) == 1:
            return parts[0]
        return [sealed for done, _ in parts for sealed in done], KeyBatch.joined(
            (keys for _, keys in parts), sealers=prepared
        )

    def _seal_alone(
        self, event: Event, new: Collection[str]
    ) -> tuple[list[tuple[Event, ...]], KeyBatch] | None:
        """:meth:`seal_batch` of a write of *event* alone whose content is one field of the
        stream's own record (a note, a preparation: most commands' writes), without the
        window's two passes; ``None`` for an event of another type."""
        plan = self._plans.get(event.type)
        if type(plan) is not _One:
            return None
        value = event.data.get(plan.key)
        if value is None or (
            type(value) is str and value.startswith(_PREFIXES) and is_token(value)
        ):
            return None  # nothing to seal: the window's pass says so, with no key
        keys = self.cipher.keys.prepare((event.stream,), new=new)
        seal = self.cipher.event_sealer(1, keys.sealers)
        return [(_seal_one(event, plan, value, seal),)], keys

    def _seal_window(
        self,
        groups: Sequence[Sequence[Event]],
        new: Collection[str],
        prepared: dict[str, tuple[str, Any]],
    ) -> tuple[list[tuple[Event, ...]], KeyBatch]:
        """:meth:`seal_batch` of the groups of one window (:func:`_windows`). *prepared*
        holds the keys of the earlier windows of the batch (an owner in several windows keeps
        the one key made or found first); this window's are added to it."""
        owners: set[str] = set()
        plans = self._plans
        tokens = 0  # about how many tokens (nonces): more is harmless, fewer reads again
        for events in groups:
            for event in events:
                plan = plans.get(event.type)
                if plan is None:
                    plan = self._plan(event.type)
                if not plan:  # no content
                    continue
                tokens += 1
                if type(plan) is tuple or isinstance(plan, _One):  # the stream's own fields
                    stream = event.stream
                    if stream in owners:
                        continue
                    data = event.data
                    for key, _ in plan.pairs if isinstance(plan, _One) else plan:
                        value = data.get(key)
                        if value is not None and (
                            type(value) is not str
                            or not value.startswith(_PREFIXES)
                            or not is_token(value)
                        ):
                            owners.add(stream)
                            break
                elif type(plan) is _Listed:
                    tokens += self._listed_owners(plan, event.data, event.stream, owners)
                else:  # _GENERAL
                    mine = {o for _, _, o in self._found(event.type, event.data, event.stream)}
                    owners.update(mine)
                    tokens += len(mine)
        if not owners:
            return [tuple(events) for events in groups], KeyBatch(sealers={})
        ring = self.cipher.keys
        keys = ring.prepare([o for o in owners if o not in prepared], new=new)
        prepared.update(keys.sealers)
        known = prepared
        # One token per event and owner (usually one: the stream's), in the first of its
        # fields; the owner's other fields hold a stub naming the key.
        seal = self.cipher.event_sealer(tokens, known)
        encode = canonical_text
        stubs: dict[str, str] = {}
        out: list[tuple[Event, ...]] = []
        for events in groups:
            done: list[Event] = []
            for event in events:
                plan = plans.get(event.type)
                if plan is None:
                    plan = self._plan(event.type)
                if not plan:
                    done.append(event)
                    continue
                if isinstance(plan, _One):  # the most common case: one field, one token
                    value = event.data.get(plan.key)
                    if value is None or (
                        type(value) is str and value.startswith(_PREFIXES) and is_token(value)
                    ):
                        done.append(event)
                        continue
                    done.append(_seal_one(event, plan, value, seal))
                    continue
                if type(plan) is bool:  # _GENERAL
                    done.append(self._seal_general(event, seal))
                    continue
                if isinstance(plan, _Listed):
                    stub = stubs.get(event.stream)
                    if stub is None:
                        sealer = known.get(event.stream)
                        if sealer is None:  # nothing of the stream's own (the first pass):
                            # no key of its own, made or stored here; carried values only
                            done.append(self._seal_listed(event, plan, seal))
                            continue
                        stub = stubs[event.stream] = _key_stub(sealer[0])
                    one = self._seal_listed_one(event, plan, seal, stub)
                    done.append(self._seal_listed(event, plan, seal) if one is None else one)
                    continue
                # the common case: top-level fields, one owner, one token, no walk
                data = event.data
                values: dict[str, Any] = {}
                first = ""
                for key, pointer in plan:
                    value = data.get(key)
                    if value is not None and (
                        type(value) is not str
                        or not value.startswith(_PREFIXES)
                        or not is_token(value)
                    ):
                        values[pointer] = value
                        first = first or key
                if not first:
                    done.append(event)
                    continue
                stream = event.stream
                token = seal(values, stream, stream, event.version)
                if len(data) == 1:  # only the content field (a note, answers): no metadata
                    # the text canonical_text gives (a token needs no escaping)
                    done.append(_sealed(event, f'{{{_key_json(first)}:"{token}"}}'))
                    continue
                merged = _copy(data)
                if len(values) > 1:
                    stub = _stub(token)
                    for key, pointer in plan:
                        if pointer in values:
                            merged[key] = stub
                merged[first] = _SLOT0
                stored = _splice(encode(merged), (token,))
                if stored is None:  # a slot's text is in the data too: encode the token
                    merged[first] = token
                    stored = encode(merged)
                done.append(_sealed(event, stored))
            out.append(tuple(done))
        return out, keys

    def _seal_general(
        self, event: Event, seal: Callable[[Mapping[str, Any], str, str, int], str]
    ) -> Event:
        """*event* (of a type with content other than top-level fields) with its content
        sealed: one token per owner of a key, in the first of the owner's fields."""
        data = event.data
        stream = event.stream
        kind = event.type
        places = self._found(kind, data, stream) if kind in self.fields else []
        if not places:
            return event
        version = event.version
        by_owner: dict[str, dict[str, Any]] = {}
        for at, value, owner in places:
            mine = by_owner.get(owner)
            if mine is None:
                mine = by_owner[owner] = {}
            mine[_field(at)] = value
        tokens = [seal(mine, o, stream, version) for o, mine in by_owner.items()]
        number_of = {o: number for number, o in enumerate(by_owner)}
        changes: list[tuple[Path, Any]] = []
        firsts: dict[Path, str] = {}
        for at, _, owner in places:
            number = number_of[owner]
            if owner in firsts.values():  # the owner's token is in an earlier field
                changes.append((at, _stub(tokens[number])))
            else:
                changes.append((at, _slot(number)))
                firsts[at] = owner
        stored = _splice(canonical_text(_replaced(data, changes, frozen=False)), tokens)
        if stored is None:  # a slot's text is in the data too: encode the tokens instead
            real = [
                (at, tokens[number_of[firsts[at]]] if at in firsts else value)
                for at, value in changes
            ]
            stored = canonical_text(_replaced(data, real, frozen=False))
        return _sealed(event, stored)
