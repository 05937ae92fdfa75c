"""``memory://``: a store in this process's memory, for tests, demos and simulations.

It keeps exactly the promises of the SQLite and PostgreSQL stores (optimistic concurrency, all or
nothing per call, read models, a chained audit log) but forgets everything when the process ends.
Every call holds one lock, so threads may share a store.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from ..errors import ConflictError, StorageError
from ..events import CommittedBatch, Event
from .ballots import MemoryBallots
from .base import (
    GENESIS,
    AgreementRow,
    AuditHead,
    AuditRecord,
    ConversationRow,
    ReadModel,
    StoreSettings,
    StreamWrite,
)
from .chain import KeyedChain
from .common import (
    chain_audit,
    check_writes,
    event_rows,
    matches,
    open_agreement_order,
    require_scheme,
    subject_set,
)
from .keys import KeyRecord, MemoryKeyTable, check_new_keys
from .outbox import DeadLetter, MemoryOutbox, OutboxBatch
from .read_model_fix import ReadModelFix, StoredReadModels, check_versions

__all__ = ["SCHEMA_VERSION", "MemoryStore"]

#: The memory store has no stored schema; it reports this version.
SCHEMA_VERSION = 1


class MemoryStore(KeyedChain, MemoryOutbox, MemoryKeyTable, MemoryBallots):
    """A :class:`~magcore.storage.base.Store` in memory (``memory://``)."""

    def __init__(self, url: str = "memory://") -> None:
        require_scheme(url, "memory")
        self.url = url
        self._lock = threading.Lock()
        self._streams: dict[str, list[Event]] = {}
        self._log: list[Event | None] = []
        """Every committed event at its position - 1; a destroyed event leaves ``None``."""
        self._rows: dict[str, ReadModel] = {}
        """The read model of each conversation, by id, as the writes carried it."""
        self._audit: list[dict[str, Any]] = []
        self._head = AuditHead(0, GENESIS)
        self._outbox: list[OutboxBatch] = []
        self._cursors: dict[str, int] = {}
        self._dead: list[DeadLetter] = []
        self._keys: dict[str, KeyRecord] = {}
        """The key table (see :class:`~magcore.storage.keys.MemoryKeyTable`)."""
        self._closed = False

    @classmethod
    def open(cls, url: str = "memory://", settings: StoreSettings | None = None) -> MemoryStore:
        """Open a new, empty memory store (*settings* has nothing to tune here)."""
        return cls(url)

    def _check_open(self) -> None:
        if self._closed:
            raise StorageError(f"store {self.url} is closed")

    # -- events ----------------------------------------------------------------------------

    def append(
        self,
        writes: Sequence[StreamWrite],
        *,
        audit: Sequence[AuditRecord] = (),
        origin: str = "",
        keys: Sequence[KeyRecord] = (),
    ) -> CommittedBatch:
        """Append to streams and the audit log at once, with new key rows (*keys*); a stale
        version writes nothing."""
        keys = tuple(keys)  # checked, then stored: not a one-pass iterator
        check_new_keys(keys)
        with self._lock:
            self._check_open()
            versions = {w.stream: self._version(w.stream) for w in writes}
            check_writes(writes, versions)
            self._check_absent(keys)
            # The stored form is not kept here, but building it refuses what no store can keep.
            event_rows(e for w in writes for e in w.events)
            # Compute everything first, then change state: nothing can fail half-way.
            events = tuple(e for w in writes for e in w.events)
            entries = chain_audit(
                audit,
                count=self._head.count,
                last_hash=self._head.last_hash,
                key=self.audit_key,
                events=events,
                origin=origin,
            )
            self._put_keys(keys)
            for write in writes:
                self._streams.setdefault(write.stream, []).extend(write.events)
            self._log.extend(events)
            for write in writes:
                if write.read_model is not None:
                    self._rows[write.read_model.conversation.id] = write.read_model
            self._append_entries(entries)
            self._queue(events, len(self._log))
            return CommittedBatch(events, len(self._log) if events else 0)

    def read(self, stream: str) -> tuple[Event, ...]:
        with self._lock:
            self._check_open()
            return tuple(self._streams.get(stream, ()))

    def _version(self, stream: str) -> int:
        events = self._streams.get(stream)
        return events[-1].version if events else 0

    def version(self, stream: str) -> int:
        with self._lock:
            self._check_open()
            return self._version(stream)

    def destroy_stream(
        self,
        stream: str,
        tombstone: Event,
        *,
        audit: Sequence[AuditRecord] = (),
        origin: str = "",
        read_model: ReadModel | None = None,
    ) -> None:
        """Replace *stream*'s events by *tombstone*; the read model keeps its content-free row."""
        with self._lock:
            self._check_open()
            current = self._version(stream)
            _check_tombstone(stream, tombstone, current)
            entries = chain_audit(
                audit,
                count=self._head.count,
                last_hash=self._head.last_hash,
                key=self.audit_key,
                events=(tombstone,),
                origin=origin,
            )
            self._log = [None if e is not None and e.stream == stream else e for e in self._log]
            self._log.append(tombstone)
            self._queue((tombstone,), len(self._log))
            self._streams[stream] = [tombstone]
            if read_model is not None:
                self._rows[read_model.conversation.id] = read_model
            self._append_entries(entries)

    def read_all(
        self,
        *,
        after: int | None = 0,
        types: Collection[str] | None = None,
        limit: int | None = None,
    ) -> Iterator[tuple[int, Event]]:
        with self._lock:
            self._check_open()
            start = 0 if after is None else after  # positions start at 1: None reads all
            log = list(enumerate(self._log[start:], start=start + 1)) if start >= 0 else []
        wanted = set(types) if types is not None else None
        count = 0
        for position, event in log:
            if limit is not None and count >= limit:
                return
            if event is not None and (wanted is None or event.type in wanted):
                count += 1
                yield position, event

    def streams(self, prefix: str = "") -> Iterator[str]:
        with self._lock:
            self._check_open()
            names = sorted(s for s in self._streams if s.startswith(prefix) and self._streams[s])
        yield from names

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
        subjects: Collection[str] | None = None,
    ) -> list[ConversationRow]:
        wanted = subject_set(subjects)
        with self._lock:
            self._check_open()
            rows = [m.conversation for m in self._rows.values()]
        return sorted(
            (
                r
                for r in rows
                if matches(
                    r,
                    subject=subject,
                    participant=participant,
                    team=team,
                    states=states,
                    held_from=held_from,
                    held_until=held_until,
                    subjects=wanted,
                )
            ),
            key=lambda r: (r.requested_on, r.id),
        )

    def open_agreements(self, subject: str) -> list[AgreementRow]:
        return self.open_agreements_many([subject])[subject]

    def open_agreements_many(self, subjects: Collection[str]) -> dict[str, list[AgreementRow]]:
        people = subject_set(subjects) or frozenset()
        with self._lock:
            self._check_open()
            agreed = [
                m
                for m in self._rows.values()
                if m.conversation.subject in people and m.conversation.state == "agreed"
            ]
        found: dict[str, list[tuple[tuple[date, str, int], AgreementRow]]] = {
            person: [] for person in sorted(people)
        }
        for model in agreed:
            mine = found[str(model.conversation.subject)]
            for pos, a in enumerate(model.agreements):
                if a.status == "open":
                    mine.append((open_agreement_order(a, pos), a))
        return {
            person: [a for _, a in sorted(rows, key=lambda item: item[0])]
            for person, rows in found.items()
        }

    def stored_read_models(self) -> StoredReadModels:
        """Every read model as kept (no people index: ``participants`` is read). Added in 0.4."""
        with self._lock:
            self._check_open()
            models = list(self._rows.values())
        return StoredReadModels(
            conversations={m.conversation.id: m.conversation for m in models},
            agreements={m.conversation.id: dict(enumerate(m.agreements)) for m in models},
            people=None,
        )

    def repair_read_models(self, fix: ReadModelFix, *, audit: Sequence[AuditRecord] = ()) -> None:
        """Put *fix*'s read models in place and chain *audit*, at once. Added in 0.4."""
        with self._lock:
            self._check_open()
            check_versions(fix, self._version)
            entries = chain_audit(
                audit, count=self._head.count, last_hash=self._head.last_hash, key=self.audit_key
            )
            for conversation in fix.drop:
                self._rows.pop(conversation, None)
            for model in fix.put:
                self._rows[model.conversation.id] = model
            self._append_entries(entries)

    # -- audit -----------------------------------------------------------------------------

    def _append_entries(self, entries: list[dict[str, Any]]) -> None:
        if entries:
            self._audit.extend(entries)
            self._head = AuditHead(entries[-1]["seq"], entries[-1]["hash"])

    def _chain_now(self, records: Sequence[AuditRecord]) -> None:
        """Chain *records* while the caller holds the lock."""
        self._append_entries(
            chain_audit(
                records,
                count=self._head.count,
                last_hash=self._head.last_hash,
                key=self.audit_key,
            )
        )

    def append_audit(self, records: Sequence[AuditRecord]) -> None:
        with self._lock:
            self._check_open()
            entries = chain_audit(
                records, count=self._head.count, last_hash=self._head.last_hash, key=self.audit_key
            )
            self._append_entries(entries)

    def read_audit(self, *, after: int = 0) -> Iterator[Mapping[str, Any]]:
        with self._lock:
            self._check_open()
            entries = [dict(e) for e in self._audit if e["seq"] > after]
        yield from entries

    def audit_head(self) -> AuditHead:
        with self._lock:
            self._check_open()
            return self._head

    # -- lifecycle -------------------------------------------------------------------------

    def schema_version(self) -> int:
        return SCHEMA_VERSION

    def migrate(self) -> None:
        """Nothing to migrate in memory."""
        self._check_open()

    def close(self) -> None:
        self._closed = True

    def __repr__(self) -> str:
        return f"MemoryStore({self.url!r})"


def _check_tombstone(stream: str, tombstone: Event, current: int) -> None:
    if current == 0:
        raise StorageError(f"there is no stream {stream} to destroy")
    if tombstone.stream != stream:
        raise StorageError(f"the tombstone for {stream} names stream {tombstone.stream}")
    if tombstone.version != current + 1:
        raise ConflictError(
            stream=stream, expected_version=tombstone.version - 1, actual_version=current
        )
