"""The Store protocol every back end implements (memory, SQLite, PostgreSQL, a vendor's).

A store keeps event streams with optimistic concurrency, the hash-chained audit log, and the read
models that queries need. One call is one transaction: it is written wholly or not at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import date
from typing import Any, Protocol, runtime_checkable

import attrs

from .._typing import to_tuple
from ..events import CommittedBatch, Event, canonical_json
from ..read_models import AgreementRow, ConversationRow, PersonRows, ReadModel

__all__ = [
    "GENESIS",
    "AgreementRow",
    "AuditHead",
    "AuditRecord",
    "ConversationRow",
    "PersonRows",
    "ReadModel",
    "ReadsAgreementsInBulk",
    "Store",
    "StoreSettings",
    "StreamWrite",
    "chain_hash",
    "entry_fields",
]


@attrs.frozen
class StreamWrite:
    """New *events* for *stream*, which must be at *expected_version* (0 = a new stream).

    *read_model* is what the lists read about the stream's conversation after these events,
    made by the domain (:func:`magcore.domain.conversation.read_model`); the store upserts it
    in the same transaction and never derives rows from the events itself.
    """

    stream: str
    expected_version: int
    events: tuple[Event, ...] = attrs.field(converter=to_tuple)
    read_model: ReadModel | None = attrs.field(default=None, kw_only=True)
    person_rows: PersonRows | None = attrs.field(default=None, kw_only=True)
    """The listing-index rows of a ``person:<id>`` stream after these events (made by the
    domain, :func:`magcore.domain.sharing.listing_rows`); a store with the index replaces the
    person's rows by them in the same transaction."""
    erasure: bool = attrs.field(default=False, kw_only=True)
    """The write ends what an erasure destroyed (a tombstone, the end of a person's sharing
    choices): the rows it replaces held personal data, so a store that can overwrites them as
    it frees them and moves them out of its write-ahead log at once (SQLite:
    ``secure_delete`` and a checkpoint; PostgreSQL leaves them to ``VACUUM``). Added in 0.4."""


@attrs.frozen(kw_only=True)
class StoreSettings:
    """Settings a store plugin may honour when it opens a URL."""

    timeout: float = 30.0
    create: bool = True
    """Create the database (and run migrations) if it does not exist yet."""
    read_only: bool = False
    """Open for reading only (reports, read-only media): every write is refused, nothing is
    created or migrated. ``sqlite:///path.db?mode=ro`` asks the same. Added in 0.2."""
    pool_size: int = 4
    extra: Mapping[str, Any] = attrs.field(factory=dict, hash=False)


#: The ``prev_hash`` of the first audit entry.
GENESIS = "0" * 64

_AUDIT_FIELDS = ("at", "actor", "action", "object", "result", "origin", "reason", "purpose")


@attrs.frozen(kw_only=True)
class AuditRecord:
    """One line of the audit log as it is handed to the store (BIO2 fields).

    The store assigns ``seq`` and chains ``prev_hash``/``hash`` inside its transaction, using
    :func:`magcore.storage.chain.chain_entries`, so that concurrent writers still form one chain.
    """

    at: str
    """ISO 8601 UTC timestamp."""
    actor: str
    action: str
    """e.g. ``read``, ``append``, ``share``, ``destroy``."""
    object: str
    """e.g. ``conversation:c-1/record``."""
    result: str
    """``allowed``, ``denied`` or ``done``."""
    origin: str
    """Where the request came from: ``api``, ``cli``, ``workflow``, a host name."""
    reason: str = ""
    purpose: str = ""


def entry_fields(record: AuditRecord | Mapping[str, Any]) -> dict[str, str]:
    """The hashed fields of an audit record or stored entry, as plain strings."""
    if isinstance(record, AuditRecord):
        return {name: str(getattr(record, name)) for name in _AUDIT_FIELDS}
    return {name: str(record.get(name, "")) for name in _AUDIT_FIELDS}


def chain_hash(prev_hash: str, seq: int, record: AuditRecord | Mapping[str, Any]) -> str:
    """The hash of audit entry *seq*, chained to *prev_hash* (every store chains with this)."""
    payload = canonical_json({"seq": seq, "prev": prev_hash, **entry_fields(record)})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@attrs.frozen
class AuditHead:
    """The separately kept end of the audit log: how many entries, and the last one's hash.

    Pass ``count`` as ``expected_count`` to :func:`magcore.access.audit.verify` to detect a log
    whose last entries were cut off.
    """

    count: int
    last_hash: str


@runtime_checkable
class Store(Protocol):
    """What magcore needs from storage. ``magcore.testing.storage`` holds the conformance suite."""

    url: str

    # -- events ----------------------------------------------------------------------------
    def append(
        self,
        writes: Sequence[StreamWrite],
        *,
        audit: Sequence[AuditRecord] = (),
        origin: str = "",
    ) -> CommittedBatch:
        """Append to one or more streams in one transaction.

        Every write's stream must be at its ``expected_version`` and its events numbered
        ``expected_version + 1 ...`` without gaps; otherwise :class:`~magcore.errors.ConflictError`
        is raised and nothing at all is written. Read models are updated in the same transaction,
        and so are the *audit* records that describe the change (chained as in
        :meth:`append_audit`). A stream may appear only once per call.

        Every committed event also gets its own audit line in the same transaction (actor,
        action = the event type, object = ``stream/version``, result ``done``, *origin*, and
        the event's digest, :func:`magcore.storage.chain.event_digest`), before the *audit*
        records, so ``magcore audit verify`` can compare the events table with the chain.
        """
        ...

    def read(self, stream: str) -> tuple[Event, ...]:
        """Every event of *stream* in version order (empty for an unknown stream)."""
        ...

    def version(self, stream: str) -> int:
        """The version of *stream*: its number of events (0 for an unknown stream)."""
        ...

    def read_all(
        self,
        *,
        after: int | None = 0,
        types: Collection[str] | None = None,
        limit: int | None = None,
    ) -> Iterator[tuple[int, Event]]:
        """Events of all streams in commit order, as ``(position, event)``, after *after*.

        ``after=None`` reads every stored row, whatever its position: a row a store never
        writes (a position of 0 or below, slipped into the table directly) is read too, first.
        :func:`magcore.access.audit.verify_store` reads so, to account for every row.
        """
        ...

    def streams(self, prefix: str = "") -> Iterator[str]:
        """The names of streams starting with *prefix*, sorted."""
        ...

    def destroy_stream(
        self,
        stream: str,
        tombstone: Event,
        *,
        audit: Sequence[AuditRecord] = (),
        origin: str = "",
        read_model: ReadModel | None = None,
    ) -> None:
        """Replace every event of *stream* by the one content-free *tombstone*, in one transaction.

        Retention and erasure use this (:func:`magcore.access.erasure.destroy_conversation`). The
        *tombstone* must belong to *stream* and be numbered one past its current version; a
        stale one raises :class:`~magcore.errors.ConflictError`, an unknown stream or a
        tombstone of another stream :class:`~magcore.errors.StorageError`, and nothing changes.
        Afterwards ``read(stream)`` is ``(tombstone,)`` and ``version(stream)`` is
        ``tombstone.version`` (later appends go on from there). In ``read_all`` the removed
        events are gone, every other event keeps its position, and the tombstone gets a new
        position after all earlier ones, as any commit does.

        The caller passes the *read_model* that remains: the conversation's row, which holds
        no content (who, when, which kind, its state; participation statistics and planning
        count it), at the tombstone's version, and no agreements, so nothing destroyed is
        listed or carried forward; the store upserts it as it does for an append. The *audit*
        records (the destruction's own log line) are chained in the same
        transaction, so a destruction is never without its trace.
        """
        ...

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
        """Conversations matching every given filter (held range is ``[from, until)``).

        *subjects* keeps the conversations about any of those people (a team's due list
        reads its members' conversations, not the organisation's). Added in 0.3: a store
        written for 0.2 answers it after updating (``magcore.testing``'s store tests check it).
        """
        ...

    def open_agreements(self, subject: str) -> list[AgreementRow]:
        """Open agreements from agreed conversations about *subject*, oldest first."""
        ...

    # -- audit -----------------------------------------------------------------------------
    def append_audit(self, records: Sequence[AuditRecord]) -> None:
        """Append to the hash-chained audit log in one transaction."""
        ...

    def read_audit(self, *, after: int = 0) -> Iterator[Mapping[str, Any]]:
        """Audit entries with ``seq``, the record's fields, ``digest``, ``key``, ``prev_hash``
        and ``hash`` (:data:`magcore.storage.chain.ENTRY_COLUMNS`)."""
        ...

    def audit_head(self) -> AuditHead:
        """The separately kept entry count and last hash of the audit log."""
        ...

    def use_audit_key(self, key: Any) -> None:
        """Chain later lines under *key* (an object with ``id`` and ``secret``, HMAC-SHA-256).

        The store keeps the key in this process only (see :class:`~.chain.KeyedChain`).
        """
        ...

    # -- outbox (see magcore.storage.outbox) -----------------------------------------------
    def read_outbox(self, *, after: int = 0, limit: int | None = None) -> list[Any]:
        """Outbox batches (:class:`~.outbox.OutboxBatch`) after number *after*, oldest first.

        ``append`` and ``destroy_stream`` write one batch of envelopes (no event data) per call
        that stores events, in the same transaction; numbers follow commit order.
        """
        ...

    def outbox_cursor(self, consumer: str) -> int:
        """The number of the last outbox batch *consumer* settled (0: none)."""
        ...

    def settle_outbox(
        self,
        consumer: str,
        seq: int,
        *,
        dead: Any = None,
        audit: Sequence[AuditRecord] = (),
    ) -> None:
        """Move *consumer*'s cursor to *seq* (never back), keep the dead letter *dead*
        (:class:`~.outbox.DeadLetter`) and chain *audit*, in one transaction."""
        ...

    def dead_letters(self, consumer: str | None = None) -> list[Any]:
        """The batches consumers gave up on (:class:`~.outbox.DeadLetter`), oldest first."""
        ...

    def forget_dead_letter(
        self, consumer: str, seq: int, *, audit: Sequence[AuditRecord] = ()
    ) -> None:
        """Take batch *seq* off *consumer*'s dead-letter list (it was delivered after all) and
        chain *audit*, in one transaction. Added in 0.2."""
        ...

    # -- lifecycle -------------------------------------------------------------------------
    def schema_version(self) -> int:
        """The storage schema version this database is at."""
        ...

    def migrate(self) -> None:
        """Bring the schema to the newest version this magcore knows; refuse a newer one."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class ReadsAgreementsInBulk(Protocol):
    """A store that reads the open agreements of many people at once (optional; the built-in
    stores and ``magcore-postgres`` do). ``Service.request_many`` asks it once per batch; a
    store without it is asked :meth:`Store.open_agreements` person by person, as before 0.4."""

    def open_agreements_many(self, subjects: Collection[str]) -> dict[str, list[AgreementRow]]:
        """:meth:`Store.open_agreements` of each of *subjects* in one read: every subject
        given is a key, with the same rows in the same order as ``open_agreements`` gives for
        it (none: an empty list). Added in 0.4."""
        ...
