"""The write path's fast texts equal the reference texts the audit chain was defined with.

The stores hash the event data JSON their rows already hold, write the unkeyed line's JSON
field by field and take the envelopes from the rows (issue 14, ``bench/store.py``). Each is
checked here against a reference built independently with ``json.dumps``, for any text
(non-ASCII, quotes, control characters), so a log written by the fast path verifies exactly as
one written by magcore 0.1 and 0.2.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import example, given
from hypothesis import strategies as st

from magcore.events import Event, canonical_json, thaw
from magcore.storage.base import AuditRecord
from magcore.storage.chain import (
    AUDIT_FIELDS,
    canonical_text,
    chain_entries,
    entry_hash,
    event_digest,
)
from magcore.storage.common import chain_audit, event_rows
from magcore.storage.outbox import envelope_json

#: Text without NULs and lone surrogates (no store keeps those; the checks refuse them).
texts = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=12)
json_data = st.recursive(
    st.none() | st.booleans() | st.integers() | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=8,
)
zones = st.sampled_from([UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5))])
events = st.builds(
    lambda stream, version, type_, at, zone, actor, data: Event(
        stream=stream,
        version=version,
        type=type_,
        at=at.replace(tzinfo=zone),
        actor=actor,
        data=data,
    ),
    texts.map(lambda t: f"goal:{t}"),
    st.integers(1, 10_000),
    texts.map(lambda t: f"note.{t}"),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
    zones,
    texts,
    st.dictionaries(texts, json_data, max_size=4),
)
records = st.builds(
    AuditRecord,
    at=texts,
    actor=texts,
    action=texts,
    object=texts,
    result=texts,
    origin=texts,
    reason=texts,
    purpose=texts,
)


class Key:
    id = "audit-key-1"
    secret = b"s" * 32


def reference_digest(event: Event) -> str:
    """``event_digest`` as magcore 0.2 defined it: json.dumps throughout."""
    at = event.at.astimezone(UTC).isoformat()
    envelope = [event.stream, event.type, at, event.actor]
    head = json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))[1:-1]
    data = json.dumps(thaw(event.data), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    line = f"[{head},{event.version},{data}]"
    return hashlib.sha256(line.encode("utf-8")).hexdigest()


def reference_hash(prev: str, seq: int, fields: dict[str, str], digest: str, key: Key | None):
    """``entry_hash`` as magcore 0.1 (unkeyed) and 0.2 (keyed) defined it."""
    if key is None:
        payload = {"seq": seq, "prev": prev, **fields, **({"digest": digest} if digest else {})}
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
    values = ["v2", seq, prev, *(fields[n] for n in AUDIT_FIELDS), digest, key.id]
    line = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(key.secret, line.encode("utf-8"), "sha256").hexdigest()


@given(json_data)
def test_canonical_text_is_canonical_json(data):
    frozen = Event(
        stream="s",
        version=1,
        type="t",
        at=datetime(2026, 1, 1, tzinfo=UTC),
        actor="a",
        data={"v": data},
    ).data
    assert canonical_text(frozen) == canonical_json({"v": data})


@given(events)
def test_event_digest_from_the_row_text_is_the_reference(event):
    row = event_rows([event])[0]
    assert event_digest(event) == reference_digest(event)
    assert event_digest(event, row[5]) == reference_digest(event)


@given(
    st.lists(events, max_size=4),
    st.lists(records, max_size=3),
    st.booleans(),
    st.text(st.characters(codec="ascii", exclude_characters="\x00"), max_size=8),
)
@example(  # a ", " inside a text: the reference once took it for a separator and dropped it
    batch=[
        Event(
            stream="goal:",
            version=1,
            type="note., ",
            at=datetime(2000, 1, 1, tzinfo=UTC),
            actor="",
            data={},
        )
    ],
    audit=[],
    keyed=False,
    origin="",
)
def test_chained_lines_equal_the_reference_chain(batch, audit, keyed, origin):
    key = Key() if keyed else None
    rows = event_rows(batch)
    fast = chain_audit(
        audit, count=4, last_hash="f" * 64, key=key, events=batch, rows=rows, origin=origin
    )
    slow = chain_entries(audit, count=4, last_hash="f" * 64, key=key, events=batch, origin=origin)
    assert fast == slow
    prev, seq = "f" * 64, 4
    used_origin = origin or (audit[0].origin if audit else "store")
    for entry, event in zip(fast, batch, strict=False):
        assert entry["digest"] == reference_digest(event)
        assert entry["at"] == event.at.astimezone(UTC).isoformat()
        assert entry["object"] == f"{event.stream}/{event.version}"
        assert (entry["action"], entry["actor"], entry["origin"]) == (
            event.type,
            event.actor,
            used_origin,
        )
    for entry in fast:
        seq += 1
        fields = {n: entry[n] for n in AUDIT_FIELDS}
        assert entry["seq"] == seq
        assert entry["prev_hash"] == prev
        assert entry["hash"] == reference_hash(prev, seq, fields, entry["digest"], key)
        assert entry["hash"] == entry_hash(prev, seq, entry, digest=entry["digest"], key=key)
        prev = entry["hash"]


@given(st.lists(events, min_size=1, max_size=4))
def test_envelopes_from_rows_equal_envelopes_from_events(batch):
    assert envelope_json(batch, event_rows(batch)) == envelope_json(batch)
    assert json.loads(envelope_json(batch)) == [
        [e.stream, e.version, e.type, e.at.isoformat(), e.actor] for e in batch
    ]
