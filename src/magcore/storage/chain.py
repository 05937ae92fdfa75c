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
import itertools
import json
import json.encoder
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC
from json.encoder import encode_basestring as _string
from types import MappingProxyType
from typing import Any, Protocol

from ..events import Event
from .base import GENESIS, AuditRecord, entry_fields
from .witnessing import WitnessedChain

__all__ = [
    "AUDIT_FIELDS",
    "ENTRY_COLUMNS",
    "GENESIS",
    "ChainKey",
    "KeyedChain",
    "canonical_text",
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
    if type(value) is MappingProxyType:
        # Frozen data is a proxy of a dict: the dict's own copy, made at C speed (a proxy of
        # another mapping is copied item by item below).
        try:
            copied = value.copy()
        except AttributeError:  # a proxy of a mapping that has no copy()
            copied = None
        if type(copied) is dict:
            return copied
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON data")


def _make_encoder() -> Callable[[Any], str]:
    """One compact, key-sorted, non-ASCII-keeping JSON encoder, built once.

    ``json.dumps`` (and :meth:`json.JSONEncoder.encode`) build a new encoder on every call; on
    the write path (several calls per event) that set-up costs about as much as the encoding.
    The C encoder is built here once, without the circular-reference check (frozen event data
    is a tree: :func:`magcore.events.freeze` copies it). Where the C encoder is missing, a
    reused :class:`json.JSONEncoder` does the same.
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    try:
        encode = (
            make(None, _plain_mapping, _string, None, ":", ",", True, False, True)
            if make is not None
            else None
        )
    except TypeError:  # another signature in another Python: use the portable encoder
        encode = None
    if encode is not None:
        join = "".join

        def c_encode(data: Any) -> str:
            if isinstance(data, str):  # the C encoder writes a bare string without quotes
                return _string(data)
            return join(encode(data, 0))

        return c_encode
    encoder = json.JSONEncoder(
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain_mapping
    )
    return encoder.encode


#: Compact, key-sorted JSON: the text of :func:`magcore.events.canonical_json`, from frozen
#: event data (read-only mappings, tuples) without copying it first.
canonical_text: Callable[[Any], str] = _make_encoder()
_text = canonical_text


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
    return _hash(prev_hash, seq, entry_fields(record), digest, key)


def _hash(
    prev_hash: str, seq: int, fields: dict[str, str], digest: str, key: ChainKey | None
) -> str:
    """:func:`entry_hash` of *fields* that are already plain strings (the write path)."""
    if key is None and (type(seq) is not int or type(prev_hash) is not str):
        extra = {"digest": digest} if digest else {}
        payload = _canonical({"seq": seq, "prev": prev_hash, **fields, **extra})
        return hashlib.sha256(payload).hexdigest()
    if key is None:
        # The key-sorted JSON object of magcore 0.1 ({"action": ..., "seq": n}), written out
        # field by field: the same text as the canonical encoder's, without building a dict.
        get = fields.__getitem__
        text = (
            f'{{"action":{_string(get("action"))},"actor":{_string(get("actor"))},'
            f'"at":{_string(get("at"))},'
            + (f'"digest":{_string(digest)},' if digest else "")
            + f'"object":{_string(get("object"))},"origin":{_string(get("origin"))},'
            f'"prev":{_string(prev_hash)},"purpose":{_string(get("purpose"))},'
            f'"reason":{_string(get("reason"))},"result":{_string(get("result"))},"seq":{seq}}}'
        )
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
    texts = (prev_hash, *(fields[name] for name in AUDIT_FIELDS), digest, key.id)
    line = f'["v2",{seq},' + ",".join(map(_string, texts)) + "]"
    return hmac.digest(key.secret, line.encode("utf-8"), "sha256").hex()


def _utc_text(event: Event) -> str:
    """The event's time as the audit log keeps it: ISO 8601 in UTC (naive times as they are)."""
    at = event.at
    return (at.astimezone(UTC) if at.tzinfo is not None else at).isoformat()


def _digest(event: Event, at: str, data: str) -> str:
    """:func:`event_digest` from the event's UTC time text and its data's canonical JSON."""
    head = ",".join(map(_string, (event.stream, event.type, at, event.actor)))
    line = f"[{head},{event.version},{data}]"
    return hashlib.sha256(line.encode("utf-8")).hexdigest()


def event_digest(event: Event, data: str | None = None) -> str:
    """SHA-256 of an event as stored (stream, version, type, time in UTC, actor, data).

    The text hashed is a JSON list of the envelope followed by the key-sorted JSON of the data,
    so it does not depend on how a back end keeps the data (text or ``jsonb``). *data*, when
    given, is that JSON already made (:func:`canonical_text` of ``event.data``), so a store
    that has just encoded the event for its row does not encode it again.
    """
    return _digest(event, _utc_text(event), _text(event.data) if data is None else data)


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
        (AuditRecord(**fields), digest)
        for fields, digest in _event_lines(tuple(events), None, origin)
    ]


def _event_lines(
    events: Sequence[Event], data: Sequence[str] | None, origin: str
) -> Iterator[tuple[dict[str, str], str]]:
    """The hashed fields and the digest of each event's audit line."""
    texts: Sequence[str | None] = data if data is not None else [None] * len(events)
    for event, text in zip(events, texts, strict=True):
        moment = event.at
        # a time in UTC already (the service clock's) is written as it is; others converted
        at = moment.isoformat() if moment.tzinfo is UTC else _utc_text(event)
        fields = {
            "at": at,
            "actor": event.actor,
            "action": event.type,
            "object": f"{event.stream}/{event.version}",
            "result": "done",
            "origin": origin,
            "reason": "",
            "purpose": "",
        }
        yield fields, _digest(event, at, _text(event.data) if text is None else text)


def chain_entries(
    records: Sequence[AuditRecord],
    *,
    count: int,
    last_hash: str,
    key: ChainKey | None = None,
    events: Sequence[Event] = (),
    origin: str = "",
    data: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Number and chain the lines of *events* and then *records* after *count* entries.

    Each returned entry has every column of :data:`ENTRY_COLUMNS`. Without a *key* the lines
    are chained unkeyed (plain SHA-256), which finds accidents but not a forger: whoever can
    write the log can compute the next hash. The events' origin is *origin*, else the first
    record's, else ``store``. *data*, when given, holds each event's data as canonical JSON
    (in the order of *events*), for the digests; without it the data is encoded here.
    """
    if not origin:
        origin = records[0].origin if records else "store"
    if data is not None and len(data) != len(events):
        raise ValueError(f"{len(data)} data texts for {len(events)} events")
    lines = itertools.chain(
        _event_lines(events, data, origin), ((entry_fields(r), "") for r in records)
    )
    entries: list[dict[str, Any]] = []
    prev = last_hash
    seq = count
    key_id = key.id if key is not None else ""
    for fields, digest in lines:
        seq += 1
        value = _hash(prev, seq, fields, digest, key)
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


class KeyedChain(WitnessedChain):
    """What a store mixes in to key its audit chain: :meth:`use_audit_key` and the key in use,
    and the witness of its head (:class:`~magcore.storage.witnessing.WitnessedChain`).

    The store keeps the key object in this process only; it never writes it anywhere.
    """

    audit_key: ChainKey | None = None

    def use_audit_key(self, key: ChainKey | None) -> None:
        """Chain every later line under *key* (HMAC-SHA-256); ``None`` goes back to unkeyed."""
        self.audit_key = key
