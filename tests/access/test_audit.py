"""The audit log: every read decision leaves a line, and tampering is found at the right entry."""

from __future__ import annotations

from datetime import timedelta

import pytest

from magcore.access.audit import verify
from magcore.access.reading import read_conversation
from magcore.clock import FixedClock
from magcore.storage.memory import MemoryStore

from ..sharing.support import T0, agreed_conversation, mag_cycle


@pytest.fixture
def entries():
    store = MemoryStore()
    agreed_conversation(store, "c1", employee="e1", manager="m1", cycle=mag_cycle())
    for viewer in ("e1", "m1", "hr", "x"):
        read_conversation(
            store,
            "c1",
            viewer=viewer,
            purpose="conversation",
            clock=FixedClock(T0 + timedelta(hours=1)),
        )
    logged = [dict(e) for e in store.read_audit()]
    assert len(logged) > 20
    assert verify(logged, expected_count=len(logged)).ok
    return logged


def test_every_line_has_the_bio2_fields(entries):
    """Action, object, result, origin, actor and time are filled in on every line."""
    for entry in entries:
        for field in ("action", "object", "result", "origin", "actor", "at"):
            assert entry[field], (field, entry)
    assert {e["result"] for e in entries} == {"allowed", "denied", "done"}


@pytest.mark.parametrize("field", ["actor", "result", "object", "reason", "at"])
@pytest.mark.parametrize("position", [0, 7, -1])
def test_an_edited_entry_is_found_where_it_was_edited(entries, field, position):
    """Changing one field of one entry breaks the chain at exactly that entry."""
    target = entries[position]
    target[field] = "allowed" if target[field] != "allowed" else "denied"
    result = verify(entries, expected_count=len(entries))
    assert not result.ok
    assert result.problem.seq == target["seq"]
    assert "changed" in result.problem.reason


@pytest.mark.parametrize("position", [0, 5, -2])
def test_a_removed_entry_is_found(entries, position):
    """Removing an entry is reported at the sequence number that went missing."""
    removed = entries.pop(position)
    result = verify(entries, expected_count=len(entries) + 1)
    assert not result.ok
    assert result.problem.seq == removed["seq"]


def test_swapped_entries_are_found(entries):
    """Reordering two neighbouring entries is reported at the first of them."""
    entries[3], entries[4] = entries[4], entries[3]
    result = verify(entries)
    assert not result.ok
    assert result.problem.seq == 4


def test_reordering_with_renumbering_is_found(entries):
    """Swapping entries and fixing their seq still breaks the hash chain at the first one."""
    entries[3], entries[4] = entries[4], entries[3]
    entries[3]["seq"], entries[4]["seq"] = 4, 5
    result = verify(entries)
    assert not result.ok
    assert result.problem.seq == 4


def test_truncation_is_found_with_the_kept_count(entries):
    """Cutting off the end is found when the separately kept head count is known."""
    kept = entries[:-3]
    assert verify(kept).ok  # a prefix of a chain is a chain ...
    result = verify(kept, expected_count=len(entries))  # ... but not the whole log
    assert not result.ok
    assert result.problem.seq == len(entries) - 2


def test_store_head_matches_log(entries):
    """A fresh read of an untouched log verifies against the store's own head."""
    store = MemoryStore()
    agreed_conversation(store, "c1", employee="e1", manager="m1", cycle=mag_cycle())
    read_conversation(store, "c1", viewer="hr", purpose="advice", clock=FixedClock(T0))
    head = store.audit_head()
    assert verify(store.read_audit(), expected_count=head.count).ok
    assert head.count == len(list(store.read_audit()))


def _forge(prefix, objects):
    """Chain new lines with *objects* after *prefix*, as anyone who can write the log can."""
    from magcore.access.audit import GENESIS
    from magcore.storage.base import AuditRecord
    from magcore.storage.common import chain_audit

    last = prefix[-1]["hash"] if prefix else GENESIS
    records = [
        AuditRecord(
            at=T0.isoformat(), actor="x", action="read", object=o, result="allowed", origin="api"
        )
        for o in objects
    ]
    return [*prefix, *chain_audit(records, count=len(prefix), last_hash=last)]


def test_a_rewritten_tail_is_found_with_the_kept_head(entries):
    """Cutting off the last two lines and chaining two forged ones in their place keeps the
    count, so only the kept last hash finds it, at the checkpoint entry."""
    head_count, head_hash = len(entries), entries[-1]["hash"]
    forged = _forge(entries[:-2], ["conversation:c1/forged", "conversation:c1/forged2"])
    assert len(forged) == head_count
    assert verify(forged, expected_count=head_count).ok  # the count alone cannot tell
    result = verify(forged, expected_count=head_count, expected_hash=head_hash)
    assert not result.ok
    assert result.problem.seq == head_count
    assert verify(entries, expected_count=head_count, expected_hash=head_hash).ok


def test_lines_after_the_checkpoint_are_checked_for_their_chain(entries):
    """A line written after the checkpoint was taken is accepted if it chains on; the
    checkpoint entry itself must still match."""
    head_count, head_hash = len(entries), entries[-1]["hash"]
    longer = _forge(entries, ["conversation:c1/later"])
    assert verify(longer, expected_count=head_count, expected_hash=head_hash).ok
    longer[-1]["object"] = "conversation:c1/edited"
    assert verify(longer, expected_count=head_count, expected_hash=head_hash).problem.seq == (
        head_count + 1
    )


def test_expected_hash_needs_the_count(entries):
    """A kept hash without the count it belongs to is a caller's mistake, said as such."""
    with pytest.raises(ValueError, match="expected_count"):
        verify(entries, expected_hash=entries[-1]["hash"])


def test_verify_store_checks_the_kept_head():
    """verify_store finds a tail cut off and replaced by forged lines of the same count."""
    from datetime import UTC, datetime

    from magcore.access.audit import AuditRecord, verify_store
    from magcore.storage.memory import MemoryStore

    store = MemoryStore()
    record = AuditRecord(
        at=datetime(2025, 1, 1, tzinfo=UTC).isoformat(),
        actor="hr",
        action="read",
        object="conversation:c1/record",
        result="denied",
        origin="api",
    )
    store.append_audit([record, record])
    assert verify_store(store).ok
    forged = [dict(e) for e in store.read_audit()]
    forged[-1] = forged[-1] | {"actor": "someone-else"}
    from magcore.access.audit import chain_hash

    forged[-1]["hash"] = chain_hash(forged[-1]["prev_hash"], forged[-1]["seq"], forged[-1])
    store.read_audit = lambda after=0: iter(forged)  # the log, rewritten; the head is not
    result = verify_store(store)
    assert not result.ok
    assert result.problem.seq == 2


class _ExtraRows:
    """A memory store whose events table holds *extra* rows as well, its own rows moved up by
    *shift* positions: what a table without the unique index, or with free positions before
    its first event line, could hold."""

    def __init__(self, inner, extra, shift=0):
        self.inner, self.extra, self.shift = inner, extra, shift

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def read_all(self, *, after=0, types=None, limit=None):
        own = [(p + self.shift, e) for p, e in self.inner.read_all()]
        rows = sorted([*own, *self.extra], key=lambda row: row[0])
        return iter([row for row in rows if after is None or row[0] > after])


def _goal_store(*, keyed: bool = False):
    from magcore.crypto import LocalKeyProvider
    from magcore.storage.base import StreamWrite
    from magcore.storage.memory import MemoryStore
    from magcore.testing.driver import event

    store = MemoryStore()
    if keyed:
        store.use_audit_key(LocalKeyProvider.generate().audit_key())
    store.append([StreamWrite("goal:g-1", 0, [event("goal:g-1", v) for v in (1, 2, 3)])])
    return store, event


def _line(store, obj):
    return next(int(e["seq"]) for e in store.read_audit() if e["object"] == obj)


def test_a_recorded_event_stored_twice_is_found_at_its_line():
    """A second row with the stream and version of a recorded event (same content, so the
    digest matches) would be replayed twice: it is reported at that event's line."""
    from magcore.access.audit import verify_store

    store, event = _goal_store()
    twice = _ExtraRows(store, [(100, event("goal:g-1", 2))])
    result = verify_store(twice)
    assert not result.ok
    assert result.problem.seq == _line(store, "goal:g-1/2")
    assert result.problem.event == "goal:g-1/2"
    assert "stored twice (again at position 100)" in result.problem.reason


def test_an_older_row_after_a_recorded_version_of_its_stream_is_found():
    """A row without a line before the first event line counts as older than event lines,
    except in a stream whose earlier version has a line: that one was slipped in later."""
    from magcore.access.audit import verify_store

    store, event = _goal_store()
    older = _ExtraRows(store, [(1, event("goal:g-1", 4))], shift=10)
    result = verify_store(older)
    assert not result.ok
    assert result.problem.event == "goal:g-1/4"
    assert "(position 1) has no audit line" in result.problem.reason
    slipped = _ExtraRows(store, [(1, event("goal:g-0", 1))], shift=10)
    legacy = verify_store(slipped, older_events=True)  # a 0.1 store: its older events
    assert legacy.ok
    assert (legacy.events, legacy.uncovered) == (3, 1)
    assert legacy.unkeyed == 3  # unkeyed lines: a log begun under 0.1, older events accepted
    assert verify_store(slipped).ok
    # A log keyed from its first line recorded every event: a row without a line before its
    # first event line sits where an erasure freed the positions, slipped in (found by an
    # attacker: it counted as older and passed).
    keyed, _ = _goal_store(keyed=True)
    assert all(line["key"] for line in keyed.read_audit())
    slipped = _ExtraRows(keyed, [(1, event("goal:g-0", 1))], shift=10)
    strict = verify_store(slipped)
    assert not strict.ok
    assert strict.problem.event == "goal:g-0/1"
    assert "(position 1) has no audit line" in strict.problem.reason
    assert verify_store(slipped, older_events=True).ok  # said to be a 0.1 store's


def test_a_keyed_log_with_read_lines_only_accepts_no_event_without_a_line():
    """A log keyed from its first line recorded every event, also one that holds read lines
    only so far: an event row without a line is reported (it passed as "older" while the log
    held no event line, found by review). A log with no line at all is a 0.1 store's."""
    from magcore.access.audit import AuditRecord, verify_store
    from magcore.crypto import LocalKeyProvider
    from magcore.testing.driver import event

    keyed = MemoryStore()
    keyed.use_audit_key(LocalKeyProvider.generate().audit_key())
    keyed.append_audit(
        [
            AuditRecord(
                at=T0.isoformat(),
                actor="hr",
                action="read",
                object="x",
                result="denied",
                origin="api",
            )
        ]
    )
    slipped = verify_store(_ExtraRows(keyed, [(1, event("person:e-1", 1))]))
    assert not slipped.ok
    assert slipped.problem.event == "person:e-1/1"
    empty = verify_store(_ExtraRows(MemoryStore(), [(1, event("person:e-1", 1))]))
    assert (empty.ok, empty.uncovered) == (True, 1)


class _ReadsFromOne(_ExtraRows):
    """A vendor's store written before ``read_all(after=None)``: it refuses ``None``."""

    def read_all(self, *, after=0, types=None, limit=None):
        if after is None:
            raise TypeError("'>' not supported between instances of 'int' and 'NoneType'")
        return super().read_all(after=after, types=types, limit=limit)


class _NullFromOne(_ExtraRows):
    """... or binds it into SQL, where ``position > NULL`` holds for no row."""

    def read_all(self, *, after=0, types=None, limit=None):
        if after is None:
            return iter(())
        return super().read_all(after=after, types=types, limit=limit)


@pytest.mark.parametrize("older", [_ReadsFromOne, _NullFromOne])
def test_a_store_that_cannot_read_every_row_is_checked_from_position_one(older):
    """Such a store is read with ``read_all()`` as before: no false alarm of missing events
    (``StoreContract`` asks every store for ``after=None``)."""
    from magcore.access.audit import verify_store
    from magcore.storage.common import every_row
    from magcore.storage.transfer import _is_empty

    store, _ = _goal_store()
    wrapped = older(store, [])
    result = verify_store(wrapped)
    assert (result.ok, result.events) == (True, 3)
    assert [p for p, _ in every_row(wrapped)] == [1, 2, 3]
    assert not _is_empty(wrapped)
