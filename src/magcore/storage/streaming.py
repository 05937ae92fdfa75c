"""Long runs of events on one stream: appended chunk by chunk in one transaction, read in pages.

An organisation import of a million people is a million events on ``org:<id>``. Holding them
(and their stored rows and audit lines) all at once costs gigabytes, so a store may offer

- ``append_stream(stream, expected_version, events, origin=..., chunk=...)``: *events* is any
  iterable (a generator), taken :data:`STREAM_CHUNK` at a time; every chunk is written (rows,
  outbox batch, audit lines) inside **one** transaction, so a failure anywhere leaves nothing;
- ``read_stream(stream, upto=...)``: the stream's events in version order, page by page;
- ``read_stream_data(stream, upto=...)``: the same as ``(version, type, data)`` with the data
  as parsed JSON (plain dicts and lists, not frozen): a fold that only looks at the data of
  a million events skips building a million :class:`~magcore.events.Event` values;
- a snapshot per stream: ``append_stream(..., snapshot=make)`` stores the texts ``make()``
  gives (its parts, in order) as what the stream folds into at its new version, in the same
  transaction, and ``read_snapshot(stream)`` gives them back (with the version) as long as
  the event it was made at is still the stream's event of that version. A cache of the fold,
  never the record: each part is sealed (:func:`seal_part`, an HMAC under the audit chain's
  key), and a part whose seal does not verify under the store's key ends the reading (the
  events are folded instead, and a warning says so).

:func:`append_stream` and :func:`read_stream` use them when the store has them, and the
one-call :meth:`~magcore.storage.base.Store.append` / :meth:`~magcore.storage.base.Store.read`
otherwise (a store that lacks them holds the whole run, as before, and keeps no snapshot).
Added in 0.3; snapshots in 0.4.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import attrs

from ..events import Event
from .base import Store, StreamWrite
from .chain import ChainKey
from .common import check_writes

__all__ = [
    "SNAPSHOT_PAGE",
    "STREAM_CHUNK",
    "Appended",
    "append_stream",
    "chunked",
    "read_snapshot",
    "read_stream",
    "read_stream_data",
    "seal_part",
    "sealed_parts",
    "unsealed",
]

log = logging.getLogger("magcore")

#: Events per chunk: the rows, outbox batch and audit lines of one chunk are built at a time.
STREAM_CHUNK = 10_000


@attrs.frozen
class Appended:
    """What :func:`append_stream` wrote: *count* events, the last at *position*; *last* holds
    the last chunk's events (to wake observers), not the whole run."""

    stream: str
    count: int
    position: int
    last: tuple[Event, ...] = ()


def chunked(events: Iterable[Event], size: int) -> Iterator[tuple[Event, ...]]:
    """*events* in tuples of at most *size*."""
    if size < 1:
        raise ValueError(f"chunk size must be at least 1, not {size}")
    iterator = iter(events)
    while part := tuple(itertools.islice(iterator, size)):
        yield part


def check_chunk(stream: str, version: int, part: tuple[Event, ...]) -> None:
    """Refuse a chunk whose events are not ``version + 1 ...`` of *stream* (as ``append``)."""
    check_writes([StreamWrite(stream, version, part)])


def append_stream(
    store: Store,
    stream: str,
    expected_version: int,
    events: Iterable[Event],
    *,
    origin: str = "",
    chunk: int = STREAM_CHUNK,
    snapshot: Callable[[], Iterable[str]] | None = None,
) -> Appended:
    """Append *events* to *stream* (at *expected_version*) in one transaction.

    With a store that streams (see the module), at most *chunk* events are held at a time;
    otherwise they are gathered and given to ``store.append`` in one write. *snapshot*, called
    once the last event is taken (only if any were), gives the parts of the stream's snapshot
    at its new version: a store that keeps snapshots writes them in the same transaction.
    """
    method: Any = getattr(store, "append_stream", None)
    if method is not None:
        options: dict[str, Any] = {"origin": origin, "chunk": chunk}
        if snapshot is not None:
            options["snapshot"] = snapshot
        result: Appended = method(stream, expected_version, events, **options)
        return result
    gathered = tuple(events)
    if not gathered:
        return Appended(stream, 0, 0)
    batch = store.append([StreamWrite(stream, expected_version, gathered)], origin=origin)
    return Appended(stream, len(gathered), batch.position, gathered[-chunk:])


def read_stream(store: Store, stream: str, *, upto: int | None = None) -> Iterator[Event]:
    """The events of *stream* oldest first (up to version *upto*), page by page if the store
    can (else all read at once)."""
    method: Any = getattr(store, "read_stream", None)
    if method is not None:
        yield from method(stream, upto=upto)
        return
    for event in store.read(stream):
        if upto is not None and event.version > upto:
            return
        yield event


def read_stream_data(
    store: Store, stream: str, *, upto: int | None = None, after: int = 0
) -> Iterator[tuple[int, str, Any]]:
    """``(version, type, data)`` of the events of *stream* after version *after*, oldest first
    (up to *upto*); the data as parsed JSON where the store can give it so (else the events'
    frozen data)."""
    method: Any = getattr(store, "read_stream_data", None)
    if method is not None:
        yield from method(stream, upto=upto, after=after) if after else method(stream, upto=upto)
        return
    for event in read_stream(store, stream, upto=upto):
        if event.version > after:
            yield event.version, event.type, event.data


def read_snapshot(store: Store, stream: str) -> tuple[int, Iterator[str]] | None:
    """``(version, parts)`` of *stream*'s last snapshot, if the store keeps one and the event it
    was made at is still there (else ``None``: fold the events). The parts are read as they are
    taken; they stop early if another snapshot replaced this one meanwhile (the reader counts
    them)."""
    method: Any = getattr(store, "read_snapshot", None)
    if method is None:
        return None
    found: tuple[int, Iterator[str]] | None = method(stream)
    return found


def seal_part(
    key: ChainKey | None, stream: str, version: int, position: int, number: int, text: str
) -> str:
    """The seal of part *number* of *stream*'s snapshot at *version* (its event at *position*):
    ``<key id>:<HMAC-SHA-256>`` under the audit chain's *key*, ``:<SHA-256>`` without one (which,
    like an unkeyed audit chain, finds accidents but not a forger)."""
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    line = json.dumps(["snapshot1", stream, version, position, number, digest]).encode()
    if key is None:
        return ":" + hashlib.sha256(line).hexdigest()
    return f"{key.id}:{hmac.digest(key.secret, line, 'sha256').hex()}"


def unsealed(
    key: ChainKey | None,
    seal: str,
    stream: str,
    version: int,
    position: int,
    number: int,
    text: str,
) -> bool:
    """Whether *seal* fails to verify part *number* under the store's *key* (a part sealed
    under another key, or without one while the store has one, does not verify); logs why."""
    expected = seal_part(key, stream, version, position, number, text)
    if hmac.compare_digest(expected, seal):
        return False
    log.warning(
        "part %d of the snapshot of %s (version %d) does not verify under the store's audit "
        "key (another key, or an edit): its events are folded instead",
        number,
        stream,
        version,
    )
    return True


#: How many snapshot parts a store reads in one query.
SNAPSHOT_PAGE = 4


def sealed_parts(
    fetch: Callable[[int], Iterable[tuple[Any, Any, Any]]],
    key: ChainKey | None,
    stream: str,
    version: int,
    position: int,
) -> Iterator[str]:
    """The parts of *stream*'s snapshot at *version* in order, :data:`SNAPSHOT_PAGE` at a time:
    ``fetch(after)`` runs one engine's query for the ``(part, data, seal)`` rows after part
    *after*. Stops at a missing part (the snapshot was replaced meanwhile) or at a part whose
    seal does not verify under *key* (:func:`unsealed`), so the caller folds the events."""
    after = -1
    while True:
        rows = list(fetch(after))
        for part, text, seal in rows:
            if part != after + 1:
                return
            if unsealed(key, seal, stream, version, position, part, text):
                return
            yield str(text)
            after = int(part)
        if len(rows) < SNAPSHOT_PAGE:
            return
