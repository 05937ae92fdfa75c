"""Erasure: destroying a conversation's content when its retention ends or a person asks."""

from __future__ import annotations

from datetime import date

from ..clock import Clock, SystemClock
from ..domain.conversation import stream_of
from ..errors import StorageError
from ..events import Event
from ..storage.base import AuditRecord, Store
from .reading import (
    DESTROYED_EVENT,
)
from .retention import RetentionProfile, SupportsDestroy

__all__ = ["destroy_conversation"]


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
    """Destroy a conversation's content: one tombstone event stays, and an audit line says so.

    The tombstone holds the profile, the due date and how many events were removed; no content.
    The store swaps the events for the tombstone and writes the audit line in one transaction
    (``Store.destroy_stream``). The conversation's read-model row stays as a content-free trace
    (who, when, which kind: participation statistics keep counting it); its agreements are
    removed from the read models, so they are neither listed nor carried forward. Destroying a
    destroyed conversation returns its tombstone and changes nothing. The tombstone and the
    audit line carry *clock*'s time (the service's; the system clock when ``None``).
    """
    if not isinstance(store, SupportsDestroy):
        raise StorageError(f"store {store.url} cannot destroy streams (no destroy_stream)")
    stream = stream_of(conversation_id)
    events = store.read(stream)
    if not events:
        raise StorageError(f"there is no conversation {conversation_id!r} to destroy")
    if events[-1].type == DESTROYED_EVENT:
        return events[-1]
    now = (clock or SystemClock()).now()
    tombstone = Event(
        stream=stream,
        version=events[-1].version + 1,
        type=DESTROYED_EVENT,
        at=now,
        actor=actor,
        data={
            "profile": profile.id,
            "due": due.isoformat(),
            "events_removed": len(events),
        },
    )
    line = AuditRecord(
        at=now.isoformat(),
        actor=actor,
        action="destroy",
        object=stream,
        result="done",
        origin=origin,
        reason=f"retention profile {profile.id}, due {due.isoformat()}",
        purpose="retention",
    )
    store.destroy_stream(stream, tombstone, audit=[line])
    return tombstone
