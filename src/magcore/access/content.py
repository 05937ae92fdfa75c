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
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from datetime import date
from typing import Any, Final

import attrs

from ..crypto import ERASED, ContentCipher, KeyProvider, KeyRing, is_token
from ..domain import approvals, goals, organisation, sharing
from ..domain.conversation import content as conversation_content
from ..events import CommittedBatch, Event, thaw
from ..i18n import message
from ..model.content import ContentField, EventContent, find, metadata_only
from ..storage.base import (
    AgreementRow,
    AuditHead,
    AuditRecord,
    ConversationRow,
    Store,
    StreamWrite,
)
from ..storage.keys import KeyStore

__all__ = [
    "ACCESS_CONTENT_FIELDS",
    "CONTENT_FIELDS",
    "ContentCodec",
    "ContentStore",
    "owner_of",
    "protect",
]

log = logging.getLogger("magcore")

#: Event types the access layer writes.
ACCESS_CONTENT_FIELDS: Final[Mapping[str, EventContent]] = {
    "privacy.restricted": EventContent(content=["reason"], metadata=["conversation"]),
    "privacy.restriction_lifted": EventContent(content=["reason"], metadata=["conversation"]),
    "stream.destroyed": metadata_only("profile", "due", "events_removed", "erasure", "keys"),
    "statistics.suppression_decided": metadata_only(),
    "cycle.defined": metadata_only(),
}

#: Every core event type's content and metadata, by event type.
CONTENT_FIELDS: Final[Mapping[str, EventContent]] = {
    **conversation_content.CONTENT_FIELDS,
    **goals.CONTENT_FIELDS,
    **sharing.CONTENT_FIELDS,
    **organisation.CONTENT_FIELDS,
    **approvals.CONTENT_FIELDS,
    **ACCESS_CONTENT_FIELDS,
}

Path = tuple[str | int, ...]


def owner_of(stream: str, field: ContentField, holder: Any) -> str:
    """Whose data key encrypts *field* of an event in *stream*.

    The stream's own key (``conversation:<id>``, ``goal:<id>``, ``person:<id>``), except for a
    copy whose *origin* (``carried_from`` = ``<conversation>#<agreement>``) names another
    conversation: then that conversation's key.
    """
    if field.origin is not None and isinstance(holder, Mapping):
        origin = holder.get(field.origin)
        if isinstance(origin, str) and "#" in origin:
            return f"conversation:{origin.partition('#')[0]}"
    return stream


def _put(data: Any, at: Path, value: Any) -> None:
    for key in at[:-1]:
        data = data[key]
    data[at[-1]] = value


def _holder(data: Any, at: Path) -> Any:
    for key in at[:-1]:
        data = data[key]
    return data


def _field(at: Path) -> str:
    return "/data/" + "/".join(str(part) for part in at)


class ContentCodec:
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

    @property
    def keys(self) -> KeyRing:
        """The key ring of the cipher (destroy keys here to erase)."""
        return self.cipher.keys

    def _places(self, event: Event, data: Any) -> Iterator[tuple[ContentField, Path, Any]]:
        spec = self.fields.get(event.type)
        if spec is None:
            return
        for field in spec.content:
            for at, value in find(data, field.path):
                yield field, at, value

    def seal(self, events: Sequence[Event]) -> tuple[Event, ...]:
        """*events* with every content field encrypted (keys made in one write if needed)."""
        work: list[tuple[int, Any, list[tuple[Path, Any, str]]]] = []
        owners: set[str] = set()
        for index, event in enumerate(events):
            spec = self.fields.get(event.type)
            if spec is None or not spec.content:
                continue
            data = thaw(event.data)
            places = [
                (at, value, owner_of(event.stream, field, _holder(data, at)))
                for field, at, value in self._places(event, data)
                if value is not None and not is_token(value)
            ]
            if places:
                owners.update(owner for _, _, owner in places)
                work.append((index, data, places))
        if not work:
            return tuple(events)
        self.cipher.keys.ensure_keys(sorted(owners))
        sealed = list(events)
        for index, data, places in work:
            stream = events[index].stream
            for at, value, owner in places:
                token = self.cipher.encrypt(value, owner=owner, stream=stream, field=_field(at))
                _put(data, at, token)
            sealed[index] = attrs.evolve(events[index], data=data)
        return tuple(sealed)

    def open(self, event: Event) -> Event:
        """*event* with its content decrypted; destroyed content as the erased marker."""
        spec = self.fields.get(event.type)
        if spec is None or not spec.content:
            return event
        data = thaw(event.data)
        changed = False
        for field, at, value in list(self._places(event, data)):
            if not is_token(value):
                continue
            plain = self.cipher.reveal(value, stream=event.stream, field=_field(at))
            if plain is ERASED:
                plain = self.erased(field)
            _put(data, at, plain)
            changed = True
        return attrs.evolve(event, data=data) if changed else event

    def erased(self, field: ContentField) -> Any:
        """What a destroyed value of *field* reads as."""
        return message("content.erased", self.language) if field.text else {}


class ContentStore:
    """A store whose content fields are encrypted on append and decrypted on read.

    Everything else (read models, the audit log, the key table) is the wrapped store's.
    """

    def __init__(self, inner: Store, codec: ContentCodec) -> None:
        self.inner = inner
        self.codec = codec
        self.url = inner.url

    @property
    def keys(self) -> KeyRing:
        return self.codec.keys

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def __repr__(self) -> str:
        return f"ContentStore({self.inner!r})"

    # -- events ----------------------------------------------------------------------------
    def append(
        self, writes: Sequence[StreamWrite], *, audit: Sequence[AuditRecord] = ()
    ) -> CommittedBatch:
        sealed = [
            StreamWrite(w.stream, w.expected_version, self.codec.seal(w.events)) for w in writes
        ]
        batch = self.inner.append(sealed, audit=audit)
        plain = tuple(event for write in writes for event in write.events)
        if len(plain) == len(batch.events):
            return CommittedBatch(plain, batch.position)
        return CommittedBatch(tuple(self.codec.open(e) for e in batch.events), batch.position)

    def read(self, stream: str) -> tuple[Event, ...]:
        return tuple(self.codec.open(e) for e in self.inner.read(stream))

    def version(self, stream: str) -> int:
        return self.inner.version(stream)

    def read_all(
        self, *, after: int = 0, types: Collection[str] | None = None, limit: int | None = None
    ) -> Iterator[tuple[int, Event]]:
        for position, event in self.inner.read_all(after=after, types=types, limit=limit):
            yield position, self.codec.open(event)

    def streams(self, prefix: str = "") -> Iterator[str]:
        return self.inner.streams(prefix)

    def destroy_stream(
        self, stream: str, tombstone: Event, *, audit: Sequence[AuditRecord] = ()
    ) -> None:
        self.inner.destroy_stream(stream, tombstone, audit=audit)

    # -- read models -----------------------------------------------------------------------
    def conversations(
        self,
        *,
        subject: str | None = None,
        participant: str | None = None,
        team: str | None = None,
        states: Collection[str] | None = None,
        held_from: date | None = None,
        held_until: date | None = None,
    ) -> list[ConversationRow]:
        return self.inner.conversations(
            subject=subject,
            participant=participant,
            team=team,
            states=states,
            held_from=held_from,
            held_until=held_until,
        )

    def open_agreements(self, subject: str) -> list[AgreementRow]:
        return self.inner.open_agreements(subject)

    # -- audit and schema ------------------------------------------------------------------
    def append_audit(self, records: Sequence[AuditRecord]) -> None:
        self.inner.append_audit(records)

    def read_audit(self, *, after: int = 0) -> Iterator[Mapping[str, Any]]:
        return self.inner.read_audit(after=after)

    def audit_head(self) -> AuditHead:
        return self.inner.audit_head()

    def schema_version(self) -> int:
        return self.inner.schema_version()

    def migrate(self) -> None:
        self.inner.migrate()

    def close(self) -> None:
        self.inner.close()


_PROVIDERS: weakref.WeakKeyDictionary[Any, KeyProvider] = weakref.WeakKeyDictionary()


def protect(
    store: Store,
    provider: Callable[[Store], KeyProvider],
    *,
    language: str = "nl",
) -> Store:
    """*store* wrapped in a :class:`ContentStore` (as it is if it already is one).

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
    codec = ContentCodec(ContentCipher(KeyRing(store, found)), language=language)
    return ContentStore(store, codec)
