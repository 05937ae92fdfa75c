"""The content codec: content fields encrypted on the way into the event log, opened on the way out.

Every event type declares its content and metadata next to the code that makes it
(``CONTENT_FIELDS`` in :mod:`magcore.domain.conversation.content`, :mod:`magcore.domain.goals`,
...); :data:`CONTENT_FIELDS` here joins them. :class:`ContentStore` wraps a store that has a key
table: :meth:`~ContentStore.append` encrypts each content field with the data key of the stream
it belongs to (``conversation:<id>``, ``goal:<id>``, ``person:<id>``), a copy carried forward
from another conversation with *that* conversation's key; :meth:`~ContentStore.read` and
:meth:`~ContentStore.read_all` decrypt. The service's command handler appends and loads through
it, and every reader in :mod:`magcore.access` reads the service's store, so this is the one place
content is encrypted and decrypted. A value whose key was destroyed reads as the translated
marker ``content.erased`` ("[gewist]" / "[erased]"), or as ``{}`` for answers: replay, exports
and reports go on. A value that is no token (events written before encryption, or by the
simulator) is read as it is.
"""

from __future__ import annotations

import contextlib
import logging
import weakref
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Final, cast

import attrs

from ..crypto import (
    ERASED,
    EVENT_PREFIX,
    TOKEN_PREFIX,
    ContentCipher,
    KeyProvider,
    KeyRing,
    key_id_of,
)
from ..domain import approvals, goals, measurement, organisation, sharing
from ..domain.conversation import content as conversation_content
from ..errors import ContentIntegrityError, KeyDestroyedError, StorageError
from ..events import CommittedBatch, Event, freeze
from ..i18n import message
from ..model.content import ContentField, EventContent, find, metadata_only
from ..model.orgtables import cyclic_gc_paused
from ..storage.base import (
    AuditRecord,
    Store,
    StreamWrite,
)
from ..storage.keys import KeyStore, appends_keys
from ..storage.streaming import (
    STREAM_CHUNK,
    Appended,
    append_stream,
    read_snapshot,
    read_stream,
    read_stream_data,
)
from ._seal_plans import Path, _field, _Plan, _replaced
from ._sealed_text import _with_data
from ._sealing import _STUB_END, Sealer, _opened, owner_of

__all__ = [
    "ACCESS_CONTENT_FIELDS",
    "CONTENT_FIELDS",
    "ContentCodec",
    "ContentStore",
    "owner_of",
    "protect",
]

log = logging.getLogger("magcore")

#: From this many events, :meth:`ContentStore.append` pauses the cyclic garbage collector.
LARGE_BATCH: Final = 1_000

#: Event types the access layer writes.
ACCESS_CONTENT_FIELDS: Final[Mapping[str, EventContent]] = {
    "privacy.restricted": EventContent(content=["reason"], metadata=["conversation"]),
    "privacy.restriction_lifted": EventContent(content=["reason"], metadata=["conversation"]),
    "stream.destroyed": metadata_only("profile", "due", "events_removed", "erasure", "keys"),
    "statistics.suppression_decided": metadata_only(),
    "cycle.defined": metadata_only(),
    # a cycle or form definition kept with its hash (app.versions): published policy, no person
    "definition.kept": metadata_only(),
}

#: Every core event type's content and metadata, by event type.
CONTENT_FIELDS: Final[Mapping[str, EventContent]] = {
    **conversation_content.CONTENT_FIELDS,
    **goals.CONTENT_FIELDS,
    **sharing.CONTENT_FIELDS,
    **organisation.CONTENT_FIELDS,
    **approvals.CONTENT_FIELDS,
    **measurement.CONTENT_FIELDS,
    **ACCESS_CONTENT_FIELDS,
}


class ContentCodec(Sealer):
    """Encrypts and decrypts the content fields of events with a :class:`ContentCipher`."""

    def __init__(
        self,
        cipher: ContentCipher,
        *,
        language: str = "nl",
        fields: Mapping[str, EventContent] = CONTENT_FIELDS,
    ) -> None:
        self.cipher = cipher
        self.language = language
        self.fields = fields
        self._plans: dict[str, _Plan] = {}

    @property
    def keys(self) -> KeyRing:
        """The key ring of the cipher (destroy keys here to erase)."""
        return self.cipher.keys

    def _places(self, event: Event, data: Any) -> Iterator[tuple[ContentField, Path, Any]]:
        spec = self.fields.get(event.type)
        if spec is None:
            return
        for field in spec.content:
            path = field.path
            if len(path) == 1 and path[0] not in ("*", "**"):  # most content: a top-level field
                if path[0] in data:
                    yield field, path, data[path[0]]
                continue
            for at, value in find(data, path):
                yield field, at, value

    def seal(self, events: Sequence[Event]) -> tuple[Event, ...]:
        """*events* with every content field encrypted (keys made in one write if needed)."""
        return self.seal_all([events])[0]

    def open(self, event: Event) -> Event:
        """*event* with its content decrypted; destroyed content as the erased marker.

        Raises :class:`~magcore.errors.ContentIntegrityError` when a token was changed or moved,
        or a field's value is missing from its event's token.
        """
        spec = self.fields.get(event.type)
        if spec is None or not spec.content:
            return event
        places = [p for p in self._places(event, event.data) if _opened(p[2])]
        if not places:
            return event
        stream, version = event.stream, event.version
        opened: dict[str, tuple[str, Any]] = {}
        erased: set[str] = set()
        for _, at, value in places:
            if value.startswith(EVENT_PREFIX) and not value.endswith(_STUB_END):
                key_id = key_id_of(value)
                try:
                    found = self.cipher.open_event(value, stream=stream, version=version)
                except KeyDestroyedError:
                    erased.add(key_id)
                    continue
                except ContentIntegrityError as exc:
                    raise ContentIntegrityError(f"{_field(at)}: {exc}") from exc
                for pointer, plain in found.items():
                    opened[pointer] = (key_id, plain)
        changes = []
        for field, at, value in places:
            pointer = _field(at)
            if value.startswith(TOKEN_PREFIX):  # a token of one field (the earlier format)
                plain = self.cipher.reveal(value, stream=stream, field=pointer)
                if plain is ERASED:
                    plain = self.erased(field)
            elif key_id_of(value) in erased:
                plain = self.erased(field)
            else:
                key_id, plain = opened.get(pointer, ("", None))
                if key_id != key_id_of(value):
                    raise ContentIntegrityError(
                        f"{pointer} of event {version} of {stream}: its value is not in the "
                        "event's content token (a token was removed or moved)"
                    )
            changes.append((at, plain if type(plain) is str else freeze(plain)))
        return _with_data(event, _replaced(event.data, changes))

    def erased(self, field: ContentField) -> Any:
        """What a destroyed value of *field* reads as."""
        return message("content.erased", self.language) if field.text else {}


class ContentStore:
    """A store whose content fields are encrypted on append and decrypted on read.

    Only :meth:`append`, :meth:`read` and :meth:`read_all` see content; every other method
    (stream versions and names, destruction, read models, the audit log, the outbox, the key
    table, the schema, copies and backups of the encrypted tables) is the wrapped store's as it
    is, through ``__getattr__``: none of them holds content in clear. A test lists them, so a new
    store method must be placed on one side or the other before it can be used.
    """

    def __init__(self, inner: Store, codec: ContentCodec) -> None:
        self.inner = inner
        self.codec = codec
        self.url = inner.url
        # A write's new data keys go into the events' transaction when the key ring keeps its
        # keys in this store and the store takes them there: a refused write leaves no key.
        keyed = cast(object, codec.keys.store) is inner and appends_keys(inner)
        self._append_with_keys: Callable[..., CommittedBatch] | None = (
            inner.append if keyed else None
        )

    @property
    def keys(self) -> KeyRing:
        return self.codec.keys

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def __repr__(self) -> str:
        return f"ContentStore({self.inner!r})"

    # -- events ----------------------------------------------------------------------------
    def append(
        self,
        writes: Sequence[StreamWrite],
        *,
        audit: Sequence[AuditRecord] = (),
        origin: str = "",
    ) -> CommittedBatch:
        plain = tuple(event for write in writes for event in write.events)
        # A large batch (an import, a planned year) pauses the cyclic garbage collector while
        # it is sealed and written: each sealed event is an object the collector tracks, alive
        # until the store has written it, and tens of thousands of them set off full
        # collections that walk them again and again (no reference cycles are made here).
        paused = cyclic_gc_paused() if len(plain) >= LARGE_BATCH else contextlib.nullcontext()
        with paused:
            new = {w.stream for w in writes if w.expected_version == 0}
            groups, keys = self.codec.seal_batch([w.events for w in writes], new=new)
            sealed = [
                w if events is w.events else _with_events(w, events)
                for w, events in zip(writes, groups, strict=True)
            ]
            ring = self.codec.keys
            if keys.made and self._append_with_keys is not None:
                made = keys.records
                batch = self._append_with_keys(sealed, audit=audit, origin=origin, keys=made)
                ring.adopt(keys)  # committed: the new keys are the owners' keys from now on
            else:  # no new keys, or a store that keeps them only apart: first, as before 0.3
                ring.store_apart(keys)
                batch = self.inner.append(sealed, audit=audit, origin=origin)
            if new:  # streams created without content of their own: no key to look for later
                ring.note_keyless(new.difference(keys.sealers) if keys.sealers else new)
        if len(plain) == len(batch.events):
            return CommittedBatch(plain, batch.position)
        return CommittedBatch(tuple(self.codec.open(e) for e in batch.events), batch.position)

    def read(self, stream: str) -> tuple[Event, ...]:
        return tuple(self.codec.open(e) for e in self.inner.read(stream))

    def append_stream(
        self,
        stream: str,
        expected_version: int,
        events: Iterable[Event],
        *,
        origin: str = "",
        chunk: int = STREAM_CHUNK,
        snapshot: Callable[[], Iterable[str]] | None = None,
    ) -> Appended:
        """A long run of events without content (an organisation import) in one transaction,
        chunk by chunk (:mod:`magcore.storage.streaming`), with its *snapshot* (of those events:
        no content either). An event with a content field is refused: sealing it may need a key
        written, which the open transaction cannot wait for.
        """
        fields = self.codec.fields

        def checked() -> Iterator[Event]:
            for event in events:
                spec = fields.get(event.type)
                if spec is not None and spec.content:
                    raise StorageError(
                        f"event {event.version} of stream {event.stream!r} ({event.type}) has "
                        "content: append it with append(), not append_stream(); nothing was "
                        "written"
                    )
                yield event

        return append_stream(
            self.inner,
            stream,
            expected_version,
            checked(),
            origin=origin,
            chunk=chunk,
            snapshot=snapshot,
        )

    def read_snapshot(self, stream: str) -> tuple[int, Iterator[str]] | None:
        """The snapshot of a stream without content, as stored (see :meth:`append_stream`)."""
        return read_snapshot(self.inner, stream)

    def read_stream(self, stream: str, *, upto: int | None = None) -> Iterator[Event]:
        for event in read_stream(self.inner, stream, upto=upto):
            yield self.codec.open(event)

    def read_stream_data(
        self, stream: str, *, upto: int | None = None, after: int = 0
    ) -> Iterator[tuple[int, str, Any]]:
        """The data of a stream without content (an organisation), as stored; an event with
        a content field is refused (read it with :meth:`read_stream`, which opens it)."""
        fields = self.codec.fields
        for version, type_, data in read_stream_data(self.inner, stream, upto=upto, after=after):
            spec = fields.get(type_)
            if spec is not None and spec.content:
                raise StorageError(
                    f"event {version} of stream {stream!r} ({type_}) has content: read it with "
                    "read_stream()"
                )
            yield version, type_, data

    def read_all(
        self,
        *,
        after: int | None = 0,
        types: Collection[str] | None = None,
        limit: int | None = None,
    ) -> Iterator[tuple[int, Event]]:
        for position, event in self.inner.read_all(after=after, types=types, limit=limit):
            yield position, self.codec.open(event)


#: The setters of a write's slots other than its events (a frozen class refuses ``setattr``;
#: a slot's own setter skips the look-up by name ``object.__setattr__`` makes per value).
_WRITE_SETTERS = tuple(
    (field.name, StreamWrite.__dict__[field.name].__set__)
    for field in attrs.fields(StreamWrite)
    if field.name != "events"
)
_set_events = StreamWrite.__dict__["events"].__set__


def _with_events(write: StreamWrite, events: tuple[Event, ...]) -> StreamWrite:
    """*write* with its events replaced by *events* (sealed, a tuple already): ``attrs.evolve``
    without running ``__init__`` again for every stream of a batch (its values are checked)."""
    new: StreamWrite = object.__new__(StreamWrite)
    for name, put in _WRITE_SETTERS:
        put(new, getattr(write, name))
    _set_events(new, events)
    return new


_PROVIDERS: weakref.WeakKeyDictionary[Any, KeyProvider] = weakref.WeakKeyDictionary()


def protect(
    store: Store,
    provider: Callable[[Store], KeyProvider],
    *,
    language: str = "nl",
    clock: Callable[[], datetime] | None = None,
) -> Store:
    """*store* wrapped in a :class:`ContentStore` (as it is if it already is one).

    *clock* stamps when data keys are made and destroyed: a service passes its own clock's
    ``now`` (never the wall clock behind its back); without one the key ring's default is used.

    *provider* gives the key provider of a store; it is asked once per store object (a
    ``memory://`` store's keys live as long as the store). A store without a key table (an old
    third-party store) cannot encrypt: it is returned as it is, with a warning in the log.
    """
    if isinstance(store, ContentStore):
        return store
    if not isinstance(store, KeyStore):
        log.warning("store %s has no key table: content is stored without encryption", store.url)
        return store
    try:
        found = _PROVIDERS.get(store)
    except TypeError:  # not weakly referable: ask every time
        found = None
    if found is None:
        found = provider(store)
        with contextlib.suppress(TypeError):
            _PROVIDERS[store] = found
    ring = KeyRing(store, found) if clock is None else KeyRing(store, found, clock=clock)
    codec = ContentCodec(ContentCipher(ring), language=language)
    return ContentStore(store, codec)
