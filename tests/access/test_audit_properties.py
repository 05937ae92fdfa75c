"""Property tests of the keyed chain: any single change to an event or line is found there."""

from __future__ import annotations

import attrs
from hypothesis import given
from hypothesis import strategies as st

from magcore.access.audit import verify_store
from magcore.crypto.provider import AuditKey
from magcore.storage import StreamWrite
from magcore.storage.memory import MemoryStore
from magcore.testing.driver import audit_record, event

KEY = AuditKey("audit-00000000000000000009", b"p" * 32)

#: A history: per commit, the stream it appends to (0..2) and how many events (1..3).
histories = st.lists(
    st.tuples(st.integers(0, 2), st.integers(1, 3), st.booleans()), min_size=1, max_size=12
)


def build(history):
    store = MemoryStore()
    store.use_audit_key(KEY)
    versions = [0, 0, 0]
    for n, (stream_no, count, with_line) in enumerate(history):
        stream = f"goal:g{stream_no}"
        start = versions[stream_no]
        events = [event(stream, start + i, text=f"t{n}-{i}") for i in range(1, count + 1)]
        store.append(
            [StreamWrite(stream, start, events)],
            audit=[audit_record(n, action="append")] if with_line else [],
        )
        versions[stream_no] += count
    assert verify_store(store).ok
    return store


@given(histories, st.data())
def test_any_edited_event_is_found_at_its_line(history, data):
    store = build(history)
    events = [e for e in store._log if e is not None]
    target = data.draw(st.sampled_from(events))
    field = data.draw(st.sampled_from(["data", "actor", "type"]))
    forged = {"data": {"text": "forged"}, "actor": "mallory", "type": "note.forged"}
    changed = attrs.evolve(target, **{field: forged[field]})
    store._log[store._log.index(target)] = changed
    store._streams[target.stream][target.version - 1] = changed
    result = verify_store(store)
    label = f"{target.stream}/{target.version}"
    line = next(e["seq"] for e in store.read_audit() if e["object"] == label)
    assert not result.ok
    assert (result.problem.seq, result.problem.event) == (line, label)


@given(histories, st.data())
def test_any_edited_line_is_found_at_its_seq(history, data):
    store = build(history)
    seq = data.draw(st.integers(1, store.audit_head().count))
    field = data.draw(st.sampled_from(["actor", "action", "object", "digest", "at", "key"]))
    entry = store._audit[seq - 1]
    store._audit[seq - 1] = {**entry, field: entry[field] + "x"}
    result = verify_store(store)
    assert not result.ok
    assert result.problem.seq == seq
