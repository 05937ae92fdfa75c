"""Chaining audit entries: the hash of a line, keyed or not, and the lines of committed events.

Every store chains its audit log with these functions inside its own transaction, so the memory,
SQLite and PostgreSQL stores write the same entries. Two kinds of entry exist side by side:

* **keyed** (``key`` is an audit key id): ``hash`` is HMAC-SHA-256 under that key over the
  entry's sequence number, the previous hash, its fields, its event digest and the key id. Only
  whoever holds the key (the key provider) can write a line that verifies.
* **unkeyed** (``key`` is empty): ``hash`` is the plain SHA-256 of magcore 0.1, kept so that
  logs written before the chain was keyed still verify. They may only precede keyed lines.

A store also writes one line per committed event, in the same transaction as the event: actor,
action (the event type), object (``stream/version``), result ``done``, origin, and the event's
digest (:func:`event_digest`). ``magcore audit verify`` recomputes the digests from the events
table, so an event edited, removed, swapped or added outside magcore is found.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC
from json.encoder import encode_basestring as _string
from typing import Any, Protocol

from ..events import Event
from .base import GENESIS, AuditRecord, entry_fields

__all__ = [
    "AUDIT_FIELDS",
    "ENTRY_COLUMNS",
    "GENESIS",
    "ChainKey",
    "KeyedChain",
    "chain_entries",
    "entry_fields",
    "entry_hash",
    "event_digest",
    "event_object",
    "event_records",
    "parse_event_object",
]

#: The hashed fields of every entry (BIO2: time, actor, action, object, result, origin...).
AUDIT_FIELDS = ("at", "actor", "action", "object", "result", "origin", "reason", "purpose")

#: Every stored column of an entry, in order.
ENTRY_COLUMNS = ("seq", *AUDIT_FIELDS, "digest", "key", "prev_hash", "hash")


class ChainKey(Protocol):
    """An audit key as the store needs it (:class:`magcore.crypto.AuditKey` is one)."""

    @property
    def id(self) -> str: ...

    @property
    def secret(self) -> bytes: ...


def _plain_mapping(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON data")


#: Compact, key-sorted JSON (the text of :func:`magcore.events.canonical_json`), built once;
#: frozen event data (read-only mappings, tuples) is read without copying it first.
_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain_mapping
)


def _text(value: Any) -> str:
    return _ENCODER.encode(value)


def _canonical(value: Any) -> bytes:
    return _text(value).encode("utf-8")


def entry_hash(
    prev_hash: str,
    seq: int,
    record: AuditRecord | Mapping[str, Any],
    *,
    digest: str = "",
    key: ChainKey | None = None,
) -> str:
    """The hash of entry *seq* chained to *prev_hash*: HMAC under *key*, plain SHA-256 without.

    Keyed lines hash a JSON list (version tag, seq, previous hash, the fields in
    :data:`AUDIT_FIELDS` order, digest, key id); unkeyed lines the key-sorted JSON object of
    magcore 0.1, so that old logs keep verifying.
    """
    fields = entry_fields(record)
    if key is None:
        extra = {"digest": digest} if digest else {}
        payload = _canonical({"seq": seq, "prev": prev_hash, **fields, **extra})
        return hashlib.sha256(payload).hexdigest()
    texts = (prev_hash, *(fields[name] for name in AUDIT_FIELDS), digest, key.id)
    line = f'["v2",{seq},' + ",".join(map(_string, texts)) + "]"
    return hmac.digest(key.secret, line.encode("utf-8"), "sha256").hex()


def event_digest(event: Event) -> str:
    """SHA-256 of an event as stored (stream, version, type, time in UTC, actor, data).

    The text hashed is a JSON list of the envelope followed by the key-sorted JSON of the data,
    so it does not depend on how a back end keeps the data (text or ``jsonb``).
    """
    moment = event.at.astimezone(UTC) if event.at.tzinfo is not None else event.at
    head = ",".join(map(_string, (event.stream, event.type, moment.isoformat(), event.actor)))
    line = f"[{head},{event.version},{_text(event.data)}]"
    return hashlib.sha256(line.encode("utf-8")).hexdigest()


def event_object(stream: str, version: int) -> str:
    """The ``object`` of an event's audit line: ``stream/version``."""
    return f"{stream}/{version}"


def parse_event_object(obj: str) -> tuple[str, int] | None:
    """``(stream, version)`` from :func:`event_object`'s text, or ``None``."""
    stream, slash, version = obj.rpartition("/")
    if not slash or not version.isdigit():
        return None
    return stream, int(version)


def event_records(events: Iterable[Event], *, origin: str) -> list[tuple[AuditRecord, str]]:
    """One audit record per committed event, with its digest (the store chains them)."""
    return [
        (
            AuditRecord(
                at=e.at.astimezone(UTC).isoformat()
                if e.at.tzinfo is not None
                else e.at.isoformat(),
                actor=e.actor,
                action=e.type,
                object=event_object(e.stream, e.version),
                result="done",
                origin=origin,
            ),
            event_digest(e),
        )
        for e in events
    ]


def chain_entries(
    records: Sequence[AuditRecord],
    *,
    count: int,
    last_hash: str,
    key: ChainKey | None = None,
    events: Sequence[Event] = (),
    origin: str = "",
) -> list[dict[str, Any]]:
    """Number and chain the lines of *events* and then *records* after *count* entries.

    Each returned entry has every column of :data:`ENTRY_COLUMNS`. Without a *key* the lines
    are chained unkeyed (plain SHA-256), which finds accidents but not a forger: whoever can
    write the log can compute the next hash. The events' origin is *origin*, else the first
    record's, else ``store``.
    """
    if not origin:
        origin = records[0].origin if records else "store"
    pending = event_records(events, origin=origin)
    pending.extend((record, "") for record in records)
    entries: list[dict[str, Any]] = []
    prev = last_hash
    seq = count
    key_id = key.id if key is not None else ""
    for record, digest in pending:
        seq += 1
        fields = entry_fields(record)
        value = entry_hash(prev, seq, fields, digest=digest, key=key)
        entries.append(
            {
                "seq": seq,
                **fields,
                "digest": digest,
                "key": key_id,
                "prev_hash": prev,
                "hash": value,
            }
        )
        prev = value
    return entries


class KeyedChain:
    """What a store mixes in to key its audit chain: :meth:`use_audit_key` and the key in use.

    The store keeps the key object in this process only; it never writes it anywhere.
    """

    audit_key: ChainKey | None = None

    def use_audit_key(self, key: ChainKey | None) -> None:
        """Chain every later line under *key* (HMAC-SHA-256); ``None`` goes back to unkeyed."""
        self.audit_key = key
