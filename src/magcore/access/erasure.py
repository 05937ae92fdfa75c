"""Erasure: destroying content when its retention ends or a person asks (crypto-shredding).

Content is encrypted with the data key of the stream it belongs to
(:mod:`magcore.access.content`), so erasing is destroying keys, and the event log stays
append-only:

* :func:`destroy_conversation` destroys the conversation's key(s). Its content is gone
  everywhere: in its own events, in the agreements later conversations carried forward from it
  (encrypted with the same key), and in backups once the KEKs that wrapped the key are retired.
  A tombstone event is appended, so readers show the conversation as destroyed and the read
  models stop listing and carrying forward its agreements.
* :func:`erase_person` destroys the keys of every conversation *about* the person (they are
  its subject), of every goal they own, and of their own stream (``person:<id>``: reasons of
  restrictions). Conversations of other employees the person took part in (as a manager, a
  peer, a coach) belong to those employees and stay.

Each destruction writes its audit line in the same transaction as the keys' destruction.
Metadata (who, when, which kind, which state) stays: statistics keep counting it. A store
without a key table (content in clear) falls back to replacing the stream's events by the
tombstone (``Store.destroy_stream``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import attrs

from ..clock import Clock, SystemClock
from ..domain.conversation import destroyed_read_model, replay, stream_of
from ..domain.goals import goal_stream
from ..domain.sharing import person_stream
from ..errors import ConflictError, MagcoreError, StorageError
from ..events import Event
from ..read_models import ReadModel
from ..storage.base import AuditRecord, Store, StreamWrite
from .content import ContentStore
from .reading import DESTROYED_EVENT
from .retention import RetentionProfile, SupportsDestroy

__all__ = ["Erasure", "destroy_conversation", "erase_person"]

#: How often the tombstone is tried when writers keep adding to the stream meanwhile.
_ATTEMPTS = 5


def _tombstone(events: Sequence[Event], *, now: datetime, actor: str, **data: object) -> Event:
    last = events[-1]
    return Event(
        stream=last.stream,
        version=last.version + 1,
        type=DESTROYED_EVENT,
        at=now,
        actor=actor,
        data=data,
    )


def destroy_conversation(
    store: Store,
    conversation_id: str,
    *,
    profile: RetentionProfile,
    due: date,
    clock: Clock | None = None,
    actor: str = "system",
    origin: str = "retention",
) -> Event:
    """Destroy a conversation's content: its key is destroyed, a tombstone is appended.

    The tombstone holds the profile, the due date and the destroyed key ids; no content. The
    key's destruction and the audit line are one transaction; the tombstone follows (run it
    again if that append failed: the keys stay destroyed and the tombstone is added). The
    conversation's read-model row stays as a content-free trace (who, when, which kind:
    participation statistics keep counting it); its agreements leave the read models, so
    they are neither listed nor carried forward. Destroying a destroyed conversation returns
    its tombstone and changes nothing. The tombstone and the audit line carry *clock*'s time
    (the service's; the system clock when ``None``).
    """
    now = (clock or SystemClock()).now()
    stream = stream_of(conversation_id)
    reason = f"retention profile {profile.id}, due {due.isoformat()}"
    line = AuditRecord(
        at=now.isoformat(),
        actor=actor,
        action="destroy",
        object=stream,
        result="done",
        origin=origin,
        reason=reason,
        purpose="retention",
    )
    if not isinstance(store, ContentStore):
        return _replace_stream(store, stream, profile=profile, due=due, now=now, line=line)
    destroyed: list[str] = []
    for attempt in range(1, _ATTEMPTS + 1):
        events = store.inner.read(stream)
        if not events:
            raise StorageError(f"there is no conversation {conversation_id!r} to destroy")
        if events[-1].type == DESTROYED_EVENT:
            return events[-1]
        remains = _remains(store.read(stream), events[-1].version + 1)
        # Again after a conflict: a writer that decided before the keys went got a new key for
        # its event; that key goes too, and the tombstone follows its event.
        destroyed += store.keys.destroy([stream], audit=[line])
        tombstone = _tombstone(
            events,
            now=now,
            actor=actor,
            profile=profile.id,
            due=due.isoformat(),
            events_removed=0,
            erasure="keys",
            keys=list(destroyed),
        )
        write = StreamWrite(stream, events[-1].version, (tombstone,), read_model=remains)
        try:
            store.append([write])
        except ConflictError:
            if attempt == _ATTEMPTS:
                raise
            continue
        return tombstone
    raise AssertionError("unreachable")  # pragma: no cover


def _replace_stream(
    store: Store,
    stream: str,
    *,
    profile: RetentionProfile,
    due: date,
    now: datetime,
    line: AuditRecord,
) -> Event:
    """Erasure in a store without keys: the stream's events are replaced by the tombstone."""
    if not isinstance(store, SupportsDestroy):
        raise StorageError(f"store {store.url} cannot destroy streams (no destroy_stream)")
    events = store.read(stream)
    if not events:
        raise StorageError(f"there is no conversation {stream.partition(':')[2]!r} to destroy")
    if events[-1].type == DESTROYED_EVENT:
        return events[-1]
    tombstone = _tombstone(
        events,
        now=now,
        actor=line.actor,
        profile=profile.id,
        due=due.isoformat(),
        events_removed=len(events),
    )
    store.destroy_stream(
        stream, tombstone, audit=[line], read_model=_remains(events, tombstone.version)
    )
    return tombstone


def _remains(events: Sequence[Event], version: int) -> ReadModel | None:
    """The content-free read-model row a destroyed conversation leaves (none for a stream the
    lists do not know)."""
    try:
        return destroyed_read_model(replay(events), version)
    except (ValueError, KeyError, TypeError, MagcoreError):
        return None


@attrs.frozen
class Erasure:
    """What :func:`erase_person` did: the streams tombstoned and the key ids destroyed."""

    streams: tuple[str, ...]
    keys: tuple[str, ...]


def erase_person(
    store: Store,
    person: str,
    *,
    clock: Clock | None = None,
    actor: str,
    reason: str,
    origin: str = "api",
) -> Erasure:
    """Erase everything that belongs to *person* (AVG art. 17): by destroying its keys.

    Destroys the keys of every conversation about *person*, of every goal they own and of
    their ``person:<id>`` stream, with one audit line per record in the same transaction, then
    appends a tombstone to each conversation and goal. Needs a store with a key table
    (:class:`~magcore.access.content.ContentStore`, as every service's store is). The audit
    lines and tombstones carry *clock*'s time (the service's; the system clock when ``None``).
    """
    now = (clock or SystemClock()).now()
    if not isinstance(store, ContentStore):
        raise StorageError(
            f"store {store.url} keeps content in clear (no key table): erase per conversation "
            "with destroy_conversation"
        )
    streams = [stream_of(row.id) for row in store.conversations(subject=person)]
    for stream in store.streams("goal:"):
        first = store.inner.read(stream)[:1]
        if first and first[0].type == "goal.set" and first[0].data.get("owner") == person:
            streams.append(goal_stream(stream.partition(":")[2]))
    owners = [*streams, person_stream(person)]
    lines = [
        AuditRecord(
            at=now.isoformat(),
            actor=actor,
            action="erase",
            object=owner,
            result="done",
            origin=origin,
            reason=reason,
            purpose="erasure",
        )
        for owner in owners
    ]
    destroyed: list[str] = []
    for attempt in range(1, _ATTEMPTS + 1):
        # Read before the keys go: a writer that commits after it (with a new key) moves the
        # version, the tombstones conflict, and the keys it got go on the next attempt.
        current = {stream: store.inner.read(stream) for stream in streams}
        remains = {
            stream: _remains(store.read(stream), len(current[stream]) + 1)
            for stream in streams
            if stream.startswith("conversation:")
        }
        destroyed += store.keys.destroy(owners, audit=lines)
        writes = [
            StreamWrite(
                stream,
                events[-1].version,
                (_tombstone(events, now=now, actor=actor, erasure="person", keys=[]),),
                read_model=remains.get(stream),
            )
            for stream, events in current.items()
            if events and events[-1].type != DESTROYED_EVENT
        ]
        try:
            if writes:
                store.append(writes)
        except ConflictError:
            if attempt == _ATTEMPTS:
                raise
            continue
        return Erasure(tuple(w.stream for w in writes), tuple(destroyed))
    raise AssertionError("unreachable")  # pragma: no cover
