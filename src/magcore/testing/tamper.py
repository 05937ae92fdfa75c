"""The tamper contract: what ``magcore audit verify`` must find in a store changed behind its back.

Subclass :class:`TamperContract` for a store with tables (SQLite, PostgreSQL, a vendor's) and
provide three fixtures: ``store`` (fresh, migrated), ``sql`` (runs one statement with ``?``
placeholders on the database directly, committing it) and ``tables`` (the names of the events,
audit and audit-head tables). Each test writes a small keyed history through the real store,
changes the tables as an attacker with database access would, and checks that verification
fails at the right entry (the audit line's ``seq``, and the event's ``stream/version``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any

import attrs
import pytest

from ..access.audit import VerifyResult, verify_store
from ..access.checkpoint import take_checkpoint, verify_against
from ..crypto.provider import AuditKey
from ..storage.base import Store, StreamWrite
from ..storage.chain import ENTRY_COLUMNS, chain_entries
from .driver import ConversationDriver, _agreement, audit_record, event

__all__ = ["SQL", "Tables", "TamperContract"]

#: Runs one statement (``?`` placeholders) directly on the database and returns its rows.
SQL = Callable[[str, tuple[Any, ...]], list[tuple[Any, ...]]]

_KEY = AuditKey("audit-00000000000000000001", b"k" * 32)


@attrs.frozen
class Tables:
    """The table names of a store."""

    events: str = "events"
    audit: str = "audit"
    head: str = "audit_head"
    #: What an ``INSERT`` that sets the events' ``position`` itself needs after the column
    #: list (PostgreSQL's identity column: ``OVERRIDING SYSTEM VALUE``).
    overriding: str = ""


class TamperContract:
    """Edits, deletions, swaps and re-chained tails, each found at the right entry."""

    @pytest.fixture
    def store(self) -> Store:
        raise NotImplementedError("a TamperContract subclass must provide a `store` fixture")

    @pytest.fixture
    def sql(self) -> SQL:
        raise NotImplementedError("a TamperContract subclass must provide an `sql` fixture")

    @pytest.fixture
    def tables(self) -> Tables:
        return Tables()

    @pytest.fixture
    def history(self, store: Store) -> Store:
        """A keyed store with two conversations, a goal and some read lines."""
        store.use_audit_key(_KEY)
        for conv in ("c-1", "c-2"):
            driver = ConversationDriver(store, conv, employee="e-1", manager="m-1")
            driver.hold_and_agree(date(2026, 2, 3), [_agreement("a-1")])
        store.append(
            [StreamWrite("goal:g-1", 0, [event("goal:g-1", v) for v in (1, 2, 3)])],
            audit=[audit_record(1, action="append")],
        )
        store.append_audit([audit_record(2), audit_record(3)])
        assert verify_store(store).ok
        return store

    # -- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _line_of(store: Store, obj: str) -> int:
        return next(int(e["seq"]) for e in store.read_audit() if e["object"] == obj)

    @staticmethod
    def _fails(result: VerifyResult, seq: int, *words: str, event: str = "") -> None:
        assert not result.ok, "tampering went unnoticed"
        assert result.problem is not None
        assert result.problem.seq == seq, result.problem
        if event:
            assert result.problem.event == event, result.problem
        for word in words:
            assert word in result.problem.reason, result.problem

    @staticmethod
    def _rechain(
        store: Store, sql: SQL, tables: Tables, keep: int, lines: int, key: AuditKey | None
    ) -> None:
        """Cut the log after *keep* lines and chain *lines* forged lines on (head updated)."""
        entries = [dict(e) for e in store.read_audit()]
        prev = entries[keep - 1]["hash"]
        forged = chain_entries(
            [audit_record(100 + n) for n in range(lines)], count=keep, last_hash=prev, key=key
        )
        sql(f"DELETE FROM {tables.audit} WHERE seq > ?", (keep,))
        marks = ", ".join("?" * len(ENTRY_COLUMNS))
        for entry in forged:
            sql(
                f"INSERT INTO {tables.audit} ({', '.join(ENTRY_COLUMNS)}) VALUES ({marks})",
                tuple(entry[c] for c in ENTRY_COLUMNS),
            )
        last = forged[-1] if forged else entries[keep - 1]
        sql(f"UPDATE {tables.head} SET count = ?, last_hash = ?", (last["seq"], last["hash"]))

    # -- events ----------------------------------------------------------------------------

    def test_an_edited_event_is_found_at_its_line(
        self, history: Store, sql: SQL, tables: Tables
    ) -> None:
        [(data,)] = sql(
            f"SELECT data FROM {tables.events} WHERE stream = ? AND version = ?",
            ("conversation:c-1", 4),
        )
        changed = _edit_json(data)
        sql(
            f"UPDATE {tables.events} SET data = ? WHERE stream = ? AND version = ?",
            (changed, "conversation:c-1", 4),
        )
        self._fails(
            verify_store(history),
            self._line_of(history, "conversation:c-1/4"),
            "differs",
            event="conversation:c-1/4",
        )

    def test_an_edited_actor_is_found(self, history: Store, sql: SQL, tables: Tables) -> None:
        sql(
            f"UPDATE {tables.events} SET actor = ? WHERE stream = ? AND version = ?",
            ("someone-else", "goal:g-1", 2),
        )
        self._fails(verify_store(history), self._line_of(history, "goal:g-1/2"), event="goal:g-1/2")

    def test_a_deleted_event_is_found_at_its_line(
        self, history: Store, sql: SQL, tables: Tables
    ) -> None:
        sql(
            f"DELETE FROM {tables.events} WHERE stream = ? AND version = ?",
            ("conversation:c-2", 2),
        )
        self._fails(
            verify_store(history),
            self._line_of(history, "conversation:c-2/2"),
            "missing",
            event="conversation:c-2/2",
        )

    def test_swapped_events_are_found_at_the_first(
        self, history: Store, sql: SQL, tables: Tables
    ) -> None:
        rows: dict[Any, Any] = dict(
            sql(f"SELECT version, data FROM {tables.events} WHERE stream = ?", ("goal:g-1",))
        )
        rows[1], rows[3] = _edit_json(rows[1], "x"), _edit_json(rows[3], "y")
        for version in (1, 3):
            sql(
                f"UPDATE {tables.events} SET data = ? WHERE stream = ? AND version = ?",
                (rows[4 - version], "goal:g-1", version),
            )
        self._fails(verify_store(history), self._line_of(history, "goal:g-1/1"), event="goal:g-1/1")

    def test_a_slipped_in_event_is_found(self, history: Store, sql: SQL, tables: Tables) -> None:
        forged = event("goal:g-1", 4)
        sql(
            f"INSERT INTO {tables.events} (stream, version, type, at, actor, data) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                forged.stream,
                forged.version,
                forged.type,
                forged.at.isoformat(),
                forged.actor,
                json.dumps(dict(forged.data)),
            ),
        )
        result = verify_store(history)
        assert not result.ok
        assert result.problem is not None
        assert result.problem.event == "goal:g-1/4"
        assert "no audit line" in result.problem.reason

    @staticmethod
    def _slip_in(sql: SQL, tables: Tables, position: Any, stream: str, version: int) -> bool:
        """Insert a forged event at *position* (``None``: NULL); ``False`` if the database
        refuses the row (its schema rules the trick out)."""
        forged = event(stream, version)
        row = (forged.type, forged.at.isoformat(), forged.actor, json.dumps(dict(forged.data)))
        try:
            sql(
                f"INSERT INTO {tables.events} (position, stream, version, type, at, actor, data) "
                f"{tables.overriding} VALUES (?, ?, ?, ?, ?, ?, ?)",
                (position, stream, version, *row),
            )
        except Exception as exc:  # the driver's own integrity error
            if "null" in str(exc).lower() or "unique" in str(exc).lower():
                return False
            raise
        return True

    @pytest.mark.parametrize("position", [-1, 0, -(2**63)])
    def test_an_event_slipped_in_below_the_first_position_is_found(
        self, history: Store, sql: SQL, tables: Tables, position: int
    ) -> None:
        """A row at a position the store never gives (0 or below) is read and reported, like
        one at the next position: reading the stream takes it, so the check must too."""
        assert self._slip_in(sql, tables, position, "goal:g-1", 4)
        self._fails(
            verify_store(history), 0, "no audit line", f"(position {position})", event="goal:g-1/4"
        )

    def test_an_event_slipped_in_below_the_first_position_is_found_by_a_checkpoint(
        self, history: Store, sql: SQL, tables: Tables
    ) -> None:
        point = take_checkpoint(history, _KEY, now=datetime(2026, 3, 1, tzinfo=UTC))
        assert self._slip_in(sql, tables, -1, "person:e-1", 1)
        keys = {_KEY.id: _KEY}.__getitem__
        result = verify_against(history, point, keys=keys)
        self._fails(result, 0, "no audit line", "(position -1)", event="person:e-1/1")

    def test_an_event_slipped_into_positions_an_erasure_freed_is_found(
        self, history: Store, sql: SQL, tables: Tables
    ) -> None:
        """An erasure frees the positions of a conversation's events, before the first event
        line still standing. A log keyed from its first line recorded every event, so a row
        slipped in there (a sharing choice nobody made) has no line and is reported; it
        counted as an event older than event lines (found by an attacker)."""
        from ..events import Event

        stream = "conversation:c-1"
        tombstone = Event(
            stream=stream,
            version=history.version(stream) + 1,
            type="stream.destroyed",
            at=datetime(2026, 3, 1, tzinfo=UTC),
            actor="system",
            data={"profile": "test", "due": "2026-03-01", "events_removed": 0},
        )
        history.destroy_stream(stream, tombstone)
        assert verify_store(history).ok
        [(first,)] = sql(f"SELECT MIN(position) FROM {tables.events}", ())
        assert first > 2  # the erased conversation's positions are free
        assert self._slip_in(sql, tables, 2, "person:e-1", 1)
        self._fails(verify_store(history), 0, "no audit line", "(position 2)", event="person:e-1/1")

    def test_an_event_slipped_in_far_beyond_the_last_position_is_found(
        self, history: Store, sql: SQL, tables: Tables
    ) -> None:
        assert self._slip_in(sql, tables, 10**12, "goal:g-1", 4)
        self._fails(verify_store(history), 0, "no audit line", event="goal:g-1/4")

    def test_an_event_moved_below_the_first_position_is_found_at_its_line(
        self, history: Store, sql: SQL, tables: Tables
    ) -> None:
        """A recorded event moved to position -5 (out of the order of commits) is reported."""
        where = f"FROM {tables.events} WHERE stream = ? AND version = ?"
        [row] = sql(f"SELECT stream, version, type, at, actor, data {where}", ("goal:g-1", 2))
        sql(f"DELETE {where}", ("goal:g-1", 2))  # an identity column is not updated: moved
        sql(
            f"INSERT INTO {tables.events} (position, stream, version, type, at, actor, data) "
            f"{tables.overriding} VALUES (?, ?, ?, ?, ?, ?, ?)",
            (-5, *row[:5], row[5] if isinstance(row[5], str) else json.dumps(row[5])),
        )
        self._fails(
            verify_store(history),
            self._line_of(history, "goal:g-1/2"),
            "position -5",
            event="goal:g-1/2",
        )

    def test_an_event_with_a_null_position_is_refused_or_found(
        self, history: Store, sql: SQL, tables: Tables
    ) -> None:
        """NULL is no position: the database refuses the row or gives it one, which is found."""
        if self._slip_in(sql, tables, None, "goal:g-1", 4):
            self._fails(verify_store(history), 0, "no audit line", event="goal:g-1/4")
        else:
            assert verify_store(history).ok

    @pytest.mark.parametrize("position", [-1, 10**12])
    def test_a_second_row_for_a_recorded_event_is_refused_or_found(
        self, history: Store, sql: SQL, tables: Tables, position: int
    ) -> None:
        """A forged row with the stream and version of a recorded event: refused by the
        store's unique index or, where a schema lacks it, found at that event."""
        if self._slip_in(sql, tables, position, "goal:g-1", 2):
            self._fails(verify_store(history), self._line_of(history, "goal:g-1/2"))
        else:
            assert verify_store(history).ok

    # -- audit lines -----------------------------------------------------------------------

    def test_an_edited_line_is_found(self, history: Store, sql: SQL, tables: Tables) -> None:
        sql(f"UPDATE {tables.audit} SET actor = ? WHERE seq = ?", ("nobody", 7))
        self._fails(verify_store(history), 7, "changed")

    def test_a_deleted_line_is_found(self, history: Store, sql: SQL, tables: Tables) -> None:
        sql(f"DELETE FROM {tables.audit} WHERE seq = ?", (5,))
        self._fails(verify_store(history), 5)

    def test_swapped_lines_are_found_at_the_first(
        self, history: Store, sql: SQL, tables: Tables
    ) -> None:
        sql(f"UPDATE {tables.audit} SET seq = -1 WHERE seq = ?", (4,))
        sql(f"UPDATE {tables.audit} SET seq = 4 WHERE seq = ?", (5,))
        sql(f"UPDATE {tables.audit} SET seq = 5 WHERE seq = ?", (-1,))
        self._fails(verify_store(history), 4)

    def test_a_cut_tail_is_found(self, history: Store, sql: SQL, tables: Tables) -> None:
        count = history.audit_head().count
        sql(f"DELETE FROM {tables.audit} WHERE seq > ?", (count - 3,))
        self._fails(verify_store(history), count - 2, "ends after")

    def test_a_tail_rechained_without_the_key_is_found(
        self, history: Store, sql: SQL, tables: Tables
    ) -> None:
        """Cut, chained again with plain hashes and the head rewritten: the first forged line."""
        count = history.audit_head().count
        self._rechain(history, sql, tables, keep=count - 4, lines=4, key=None)
        self._fails(verify_store(history), count - 3, "not keyed")

    def test_a_tail_rechained_with_another_key_is_found(
        self, history: Store, sql: SQL, tables: Tables
    ) -> None:
        count = history.audit_head().count
        other = AuditKey(_KEY.id, b"o" * 32)  # the same id, a guessed secret
        self._rechain(history, sql, tables, keep=count - 4, lines=4, key=other)
        self._fails(verify_store(history), count - 3, "changed")

    def test_a_checkpoint_finds_what_the_key_holder_rechained(
        self, history: Store, sql: SQL, tables: Tables
    ) -> None:
        """With the key, a cut and re-chained tail verifies on its own; a checkpoint kept
        outside the store finds it at the checkpoint's entry (same length or shorter)."""
        now = datetime(2026, 3, 1, tzinfo=UTC)
        point = take_checkpoint(history, _KEY, now=now)
        count = point.count
        # The last two lines are reads (no event): forged ones, chained with the key.
        self._rechain(history, sql, tables, keep=count - 2, lines=2, key=_KEY)
        assert verify_store(history).ok  # what the chain alone cannot prove
        keys = {_KEY.id: _KEY}.__getitem__
        self._fails(verify_against(history, point, keys=keys), count, "checkpoint")
        self._rechain(history, sql, tables, keep=count - 2, lines=1, key=_KEY)
        self._fails(verify_against(history, point, keys=keys), count, "ends after")

    def test_the_key_holder_cannot_drop_an_event_line(
        self, history: Store, sql: SQL, tables: Tables
    ) -> None:
        """Re-chaining over an event's line, even with the key, leaves that event uncovered."""
        count = history.audit_head().count
        self._rechain(history, sql, tables, keep=count - 4, lines=4, key=_KEY)
        result = verify_store(history)
        assert not result.ok
        assert result.problem is not None
        assert result.problem.event == "goal:g-1/3"
        assert "no audit line" in result.problem.reason


def _edit_json(data: Any, marker: str = "edited") -> str:
    """*data* (JSON text or parsed) with one more field, as JSON text."""
    parsed: Mapping[str, Any] = json.loads(data) if isinstance(data, str | bytes) else data
    return json.dumps({**parsed, "tampered": marker})
