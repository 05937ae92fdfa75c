"""Helpers every back end shares: checking writes, event rows, the audit chain, URL parsing.

Keeping them here means the memory, SQLite and PostgreSQL stores refuse the same bad writes
with the same errors and chain the audit log the same way.
"""

from __future__ import annotations

import itertools
import json
import json.encoder
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from ..errors import ConflictError, StorageError
from ..events import Event
from .base import AgreementRow, AuditRecord, ConversationRow, Store, StreamWrite
from .chain import AUDIT_FIELDS, ChainKey, canonical_text, chain_entries

__all__ = [
    "AUDIT_FIELDS",
    "EventRow",
    "chain_audit",
    "check_text",
    "check_writes",
    "data_json",
    "event_from_row",
    "event_row",
    "event_rows",
    "every_row",
    "json_list",
    "matches",
    "open_agreement_order",
    "require_scheme",
]

#: ``(stream, version, type, at, actor, data)`` as stored: ``at`` in ISO 8601, ``data`` as JSON.
EventRow = tuple[str, int, str, str, str, str]


def check_writes(writes: Sequence[StreamWrite], versions: Mapping[str, int] | None = None) -> None:
    """Refuse malformed writes before anything is touched.

    Raises :class:`StorageError` when a stream appears twice or an event names another stream,
    and :class:`ConflictError` when events are not numbered ``expected_version + 1 ...`` without
    gaps, or (given the current *versions*) when a stream is not at its expected version.
    """
    seen: set[str] = set()
    for write in writes:
        if write.stream in seen:
            raise StorageError(
                f"stream {write.stream} appears twice in one append; put its events in one write"
            )
        seen.add(write.stream)
        if write.expected_version < 0:
            raise StorageError(f"expected_version of {write.stream} must be 0 or more")
        for offset, event in enumerate(write.events, start=1):
            if event.stream != write.stream:
                raise StorageError(
                    f"an event for stream {event.stream} is in the write to {write.stream}"
                )
            if event.version != write.expected_version + offset:
                raise ConflictError(
                    stream=write.stream,
                    expected_version=write.expected_version + offset - 1,
                    actual_version=event.version - 1,
                )
        if versions is not None:
            actual = versions.get(write.stream, 0)
            if actual != write.expected_version:
                raise ConflictError(
                    stream=write.stream,
                    expected_version=write.expected_version,
                    actual_version=actual,
                )


#: Encode data as compact JSON with sorted keys (see :func:`data_json`).
_encode = canonical_text


def data_json(data: Any) -> str:
    """The same text as :func:`magcore.events.canonical_json`, without copying frozen data first.

    The encoder writes tuples as lists and asks :func:`_plain` only for read-only mappings.
    """
    return _encode(data)


_encode_ascii = json.encoder.encode_basestring_ascii


def json_list(items: Sequence[Any]) -> str:
    """``json.dumps(list(items))`` for strings, without building an encoder per call."""
    try:
        return "[" + ", ".join(map(_encode_ascii, items)) + "]"
    except TypeError:  # not all strings: let json say how (or that it cannot)
        return json.dumps(list(items))


def event_row(event: Event) -> EventRow:
    """The stored form of *event*."""
    return (
        event.stream,
        event.version,
        event.type,
        event.at.isoformat(),
        event.actor,
        _encode(event.data) if type(event) is Event else event.data_json(),
    )


def event_rows(events: Iterable[Event]) -> list[EventRow]:
    """The stored form of *events*, in one pass (the write path of every store).

    Raises :class:`StorageError` for text no store can keep (see :func:`check_text`), so the
    same event is refused the same way by every back end.
    """
    encode = _encode
    plain = Event
    # An event of a subclass may hold its data encoded already (the content codec's sealed
    # events): its own ``data_json()``, the same canonical text, is stored.
    rows = [
        (
            e.stream,
            e.version,
            e.type,
            e.at.isoformat(),
            e.actor,
            encode(e.data) if type(e) is plain else e.data_json(),
        )
        for e in events
    ]
    search = _SURROGATE.search
    for row in rows:
        stream, _, type_, _, actor, data = row
        head = stream + type_ + actor
        # The JSON encoder writes a NUL in data as \u0000 and keeps a lone surrogate as it is.
        if (
            "\x00" in head
            or "\\u0000" in data
            or (not (head.isascii() and data.isascii()) and (search(head) or search(data)))
        ):
            for field, text in (("stream", stream), ("type", type_), ("actor", actor)):
                if _unstorable(text):
                    _refuse_row(row, field)
            _refuse_row(row, "data")
    return rows


_ROW_FIELDS = ("stream", "version", "type", "at", "actor", "data")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _unstorable(text: str) -> str | None:
    """Why *text* cannot be stored (PostgreSQL refuses it), or None."""
    if "\x00" in text:
        return "a NUL character (U+0000)"
    found = None if text.isascii() else _SURROGATE.search(text)
    if found is not None:
        return f"a lone surrogate (U+{ord(found.group()):04X}), which is not Unicode text"
    return None


def _find_unstorable(value: Any, pointer: str) -> tuple[str, str] | None:
    """The JSON pointer and reason of the first unstorable string in *value*, keys included."""
    if isinstance(value, str):
        reason = _unstorable(value)
        return (pointer or "/", reason) if reason else None
    if isinstance(value, Mapping):
        for key, item in value.items():
            reason = _unstorable(str(key))
            if reason:
                return (f"{pointer}/{key!s}", f"{reason} in a key")
            found = _find_unstorable(item, f"{pointer}/{key!s}")
            if found:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _find_unstorable(item, f"{pointer}/{index}")
            if found:
                return found
    return None


def _refuse_row(row: EventRow, field: str) -> None:
    stream, version = row[0], row[1]
    where = f"event {version} of stream {stream!r}"
    if field == "data":
        found = _find_unstorable(json.loads(row[5]), "")
        if found is not None:
            raise StorageError(
                f"{where}: data at {found[0]} holds {found[1]}; no store can keep it, nothing "
                "was written"
            )
        return  # the marker was an escaped backslash, not a character: nothing to refuse
    reason = _unstorable(str(row[_ROW_FIELDS.index(field)]))
    if reason:
        raise StorageError(f"{where}: {field} holds {reason}; nothing was written")


def check_text(field: str, text: str) -> None:
    """Refuse *text* that a store cannot keep: NUL characters and lone surrogates.

    PostgreSQL refuses both (and the drivers cannot encode a lone surrogate); SQLite would keep
    a NUL. Checking here makes every back end refuse the same input with the same
    :class:`StorageError` naming *field*. Added in 0.2.
    """
    reason = _unstorable(text)
    if reason:
        raise StorageError(f"{field} holds {reason}; no store can keep it, nothing was written")


def event_from_row(
    stream: str, version: int, type_: str, at: str | datetime, actor: str, data: Any
) -> Event:
    """Rebuild an event from its stored columns (``data`` as JSON text or already parsed)."""
    parsed = json.loads(data) if isinstance(data, str | bytes) else data
    moment = at if isinstance(at, datetime) else datetime.fromisoformat(at)
    return Event(stream=stream, version=version, type=type_, at=moment, actor=actor, data=parsed)


def chain_audit(
    records: Iterable[AuditRecord],
    *,
    count: int,
    last_hash: str,
    key: ChainKey | None = None,
    events: Sequence[Event] = (),
    origin: str = "",
    rows: Sequence[EventRow] | None = None,
) -> list[dict[str, Any]]:
    """Number and chain the lines of *events* and *records* after *count* entries.

    Each returned entry has ``seq``, the record's fields, ``digest``, ``key``, ``prev_hash``
    and ``hash`` (see :func:`magcore.storage.chain.chain_entries`). *rows*, when given, are
    the events' stored forms (:func:`event_rows`, same order): their data JSON is hashed for
    the digests instead of encoding every event a second time.
    """
    entries = chain_entries(
        tuple(records),
        count=count,
        last_hash=last_hash,
        key=key,
        events=events,
        origin=origin,
        data=[row[5] for row in rows] if rows is not None else None,
    )
    for entry in entries:
        # One look at all the fields; only a line that holds something unstorable is taken
        # apart to name the field.
        if _unstorable("".join([entry[name] for name in AUDIT_FIELDS])):
            for name in AUDIT_FIELDS:
                check_text(f"audit line {entry['seq']}: {name}", entry[name])
    return entries


def subject_set(subjects: Iterable[str] | None) -> frozenset[str] | None:
    """The people of a ``subjects`` filter of ``Store.conversations``, read once (a generator
    is used up by reading); one text is refused, since it would be taken letter by letter."""
    if subjects is None:
        return None
    if isinstance(subjects, str):
        raise StorageError(
            f"subjects must be a collection of person ids, not one text ({subjects!r}): "
            "use subject= for one person"
        )
    return frozenset(subjects)


def matches(
    row: ConversationRow,
    *,
    subject: str | None = None,
    participant: str | None = None,
    team: str | None = None,
    states: Iterable[str] | None = None,
    held_from: date | None = None,
    held_until: date | None = None,
    subjects: Collection[str] | None = None,
) -> bool:
    """Whether *row* passes every given filter of ``Store.conversations`` (in memory)."""
    if subject is not None and row.subject != subject:
        return False
    if subjects is not None and row.subject not in subjects:
        return False
    if participant is not None and participant not in row.participants:
        return False
    if team is not None and row.team != team:
        return False
    if states is not None and row.state not in set(states):
        return False
    if held_from is not None and (row.held_on is None or row.held_on < held_from):
        return False
    return not (held_until is not None and (row.held_on is None or row.held_on >= held_until))


def open_agreement_order(row: AgreementRow, position: int) -> tuple[date, str, int]:
    """Sort key of open agreements: oldest first, then by conversation and record order."""
    return (row.made_on or date.min, row.conversation, position)


def require_scheme(url: str, scheme: str) -> str:
    """The part of *url* after ``<scheme>://``; a clear StorageError if the URL is malformed."""
    if not isinstance(url, str) or not url:
        raise StorageError("store URL is empty; use e.g. sqlite:///magcore.db or memory://")
    parts = urlsplit(url)
    if parts.scheme != scheme or not url.startswith(f"{scheme}://"):
        raise StorageError(f"store URL {url!r} does not start with {scheme}://")
    return url[len(scheme) + 3 :]


def every_row(store: Store) -> Iterator[tuple[int, Event]]:
    """Every row of *store*'s events table: ``read_all(after=None)``, whatever the positions.

    A store written before ``after=None`` was part of the protocol (one that raises on it, or
    yields nothing where ``read_all()`` yields rows) is read with ``read_all()``, from position
    1 on, as before: the check then cannot see a row put below it. ``StoreContract`` tests that
    a store takes ``after=None``.
    """
    try:
        rows = iter(store.read_all(after=None))
        first = next(rows, None)
    except TypeError:
        return iter(store.read_all())
    if first is None:
        if next(iter(store.read_all(limit=1)), None) is not None:
            return iter(store.read_all())
        return iter(())
    return itertools.chain((first,), rows)
