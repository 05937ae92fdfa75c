"""The transactional outbox: what observers are told, written in the commit that made it.

Every commit that stores events also writes one outbox row in the same transaction: the batch's
**envelope** (per event: stream, version, type, time, actor; never the event's data). A
dispatcher (:mod:`magcore.app.dispatcher`) reads the outbox after the commit and delivers it to
the observing plugins at least once, in commit order, with retries; per plugin it keeps a cursor
(the last outbox row settled) and a dead-letter list, here as well. So a slow or failing plugin
delays no commit, and a crash between commit and delivery loses nothing.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from ..events import Event
from .base import AuditRecord

__all__ = [
    "DeadLetter",
    "EventEnvelope",
    "MemoryOutbox",
    "OutboxBatch",
    "envelope_json",
    "envelopes_from_json",
]


@attrs.frozen
class EventEnvelope:
    """What happened, to which stream, when and by whom: an event without its data."""

    stream: str
    version: int
    type: str
    at: datetime
    actor: str

    @classmethod
    def of(cls, event: Event) -> EventEnvelope:
        return cls(event.stream, event.version, event.type, event.at, event.actor)


@attrs.frozen
class OutboxBatch:
    """One committed batch as the outbox keeps it: its outbox number and its envelopes."""

    seq: int
    position: int
    """The store position of the batch's last event."""
    events: tuple[EventEnvelope, ...]

    @property
    def streams(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.stream for e in self.events))


@attrs.frozen
class DeadLetter:
    """A batch a consumer could not take after every retry."""

    consumer: str
    seq: int
    attempts: int
    error: str
    at: str


def envelope_json(events: Sequence[Event], rows: Sequence[Sequence[Any]] | None = None) -> str:
    """The stored form of a batch's envelopes (JSON, no event data).

    *rows*, when given, are the events' stored rows (``stream, version, type, at, actor, ...``
    in the order of *events*, as :func:`magcore.storage.common.event_rows` makes them): their
    first five columns are the envelope, so the times are not formatted a second time.
    """
    envelopes = (
        [row[:5] for row in rows]
        if rows is not None
        else [[e.stream, e.version, e.type, e.at.isoformat(), e.actor] for e in events]
    )
    return json.dumps(envelopes, ensure_ascii=False, separators=(",", ":"))


def envelopes_from_json(text: str) -> tuple[EventEnvelope, ...]:
    """Read :func:`envelope_json`'s text back."""
    return tuple(
        EventEnvelope(str(s), int(v), str(t), datetime.fromisoformat(a), str(actor))
        for s, v, t, a, actor in json.loads(text)
    )


class MemoryOutbox:
    """The outbox of :class:`~magcore.storage.memory.MemoryStore` (a mix-in)."""

    _lock: threading.Lock
    _outbox: list[OutboxBatch]
    _cursors: dict[str, int]
    _dead: list[DeadLetter]

    if TYPE_CHECKING:  # the store defines these

        def _check_open(self) -> None: ...

        def _chain_now(self, audit: Sequence[AuditRecord]) -> None: ...

    def _queue(self, events: Sequence[Event], position: int) -> None:
        """Add the batch of *events* (the caller holds the lock, inside the commit)."""
        if events:
            seq = len(self._outbox) + 1
            self._outbox.append(
                OutboxBatch(seq, position, tuple(EventEnvelope.of(e) for e in events))
            )

    def read_outbox(self, *, after: int = 0, limit: int | None = None) -> list[OutboxBatch]:
        """Outbox batches after number *after*, oldest first."""
        with self._lock:
            self._check_open()
            found = self._outbox[after:] if after >= 0 else list(self._outbox)
        return found[:limit] if limit is not None else found

    def outbox_cursor(self, consumer: str) -> int:
        """The number of the last batch *consumer* settled (0: none)."""
        with self._lock:
            self._check_open()
            return self._cursors.get(consumer, 0)

    def settle_outbox(
        self,
        consumer: str,
        seq: int,
        *,
        dead: DeadLetter | None = None,
        audit: Sequence[AuditRecord] = (),
    ) -> None:
        """Move *consumer*'s cursor to *seq* (never back), keep *dead*, chain *audit*: at once."""
        with self._lock:
            self._check_open()
            self._chain_now(audit)
            if dead is not None:
                # One dead letter per consumer and batch, as the SQL stores keep it.
                self._dead = [d for d in self._dead if (d.consumer, d.seq) != (consumer, seq)]
                self._dead.append(dead)
                self._dead.sort(key=lambda d: (d.seq, d.consumer))
            self._cursors[consumer] = max(seq, self._cursors.get(consumer, 0))

    def dead_letters(self, consumer: str | None = None) -> list[DeadLetter]:
        """The batches consumers gave up on (of *consumer*, or of all), oldest first."""
        with self._lock:
            self._check_open()
            return [d for d in self._dead if consumer is None or d.consumer == consumer]

    def forget_dead_letter(
        self, consumer: str, seq: int, *, audit: Sequence[AuditRecord] = ()
    ) -> None:
        """Take batch *seq* off *consumer*'s dead letters and chain *audit*: at once."""
        with self._lock:
            self._check_open()
            self._chain_now(audit)
            self._dead = [d for d in self._dead if (d.consumer, d.seq) != (consumer, seq)]


#: Row shape shared by the SQL stores' outbox helpers.
OutboxRow = tuple[int, int, str]


def batch_from_row(row: Sequence[Any]) -> OutboxBatch:
    """An outbox row ``(seq, position, envelopes)`` as a batch."""
    return OutboxBatch(int(row[0]), int(row[1]), envelopes_from_json(str(row[2])))
