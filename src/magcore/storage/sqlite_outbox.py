"""The SQLite store's outbox tables and methods (see :mod:`magcore.storage.outbox`)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..events import Event
from .base import AuditRecord
from .outbox import DeadLetter, OutboxBatch, batch_from_row, envelope_json

__all__ = ["SCHEMA", "SQLiteOutbox"]

#: The outbox tables (part of schema 3).
SCHEMA = (
    """CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        position INTEGER NOT NULL,
        envelopes TEXT NOT NULL
    )""",
    """CREATE TABLE outbox_cursors (
        consumer TEXT PRIMARY KEY,
        seq INTEGER NOT NULL
    )""",
    """CREATE TABLE outbox_dead (
        consumer TEXT NOT NULL,
        seq INTEGER NOT NULL,
        attempts INTEGER NOT NULL,
        error TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (consumer, seq)
    )""",
)


class SQLiteOutbox:
    """Outbox methods; the store provides transactions and the audit chain."""

    if TYPE_CHECKING:  # the store defines these

        def _write(self) -> contextlib.AbstractContextManager[sqlite3.Cursor]: ...

        def _read(self) -> contextlib.AbstractContextManager[sqlite3.Cursor]: ...

        def _append_audit(self, cur: sqlite3.Cursor, records: Sequence[AuditRecord]) -> None: ...

    @staticmethod
    def _queue(
        cur: sqlite3.Cursor,
        events: Sequence[Event],
        position: int,
        rows: Sequence[Sequence[Any]] | None = None,
    ) -> None:
        """Write the batch's envelopes inside the commit's transaction (*rows*: the events' own,
        see :func:`~magcore.storage.outbox.envelope_json`)."""
        if events:
            cur.execute(
                "INSERT INTO outbox (position, envelopes) VALUES (?, ?)",
                (position, envelope_json(events, rows)),
            )

    def read_outbox(self, *, after: int = 0, limit: int | None = None) -> list[OutboxBatch]:
        with self._read() as cur:
            rows = cur.execute(
                "SELECT seq, position, envelopes FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?",
                (after, -1 if limit is None else limit),
            ).fetchall()
        return [batch_from_row(row) for row in rows]

    def outbox_cursor(self, consumer: str) -> int:
        with self._read() as cur:
            row = cur.execute(
                "SELECT seq FROM outbox_cursors WHERE consumer = ?", (consumer,)
            ).fetchone()
        return int(row[0]) if row else 0

    def settle_outbox(
        self,
        consumer: str,
        seq: int,
        *,
        dead: DeadLetter | None = None,
        audit: Sequence[AuditRecord] = (),
    ) -> None:
        with self._write() as cur:
            self._append_audit(cur, audit)
            if dead is not None:
                cur.execute(
                    "INSERT OR REPLACE INTO outbox_dead (consumer, seq, attempts, error, at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (dead.consumer, dead.seq, dead.attempts, dead.error, dead.at),
                )
            cur.execute(
                "INSERT INTO outbox_cursors (consumer, seq) VALUES (?, ?) ON CONFLICT (consumer) "
                "DO UPDATE SET seq = max(seq, excluded.seq)",
                (consumer, seq),
            )

    def forget_dead_letter(
        self, consumer: str, seq: int, *, audit: Sequence[AuditRecord] = ()
    ) -> None:
        with self._write() as cur:
            self._append_audit(cur, audit)
            cur.execute("DELETE FROM outbox_dead WHERE consumer = ? AND seq = ?", (consumer, seq))

    def dead_letters(self, consumer: str | None = None) -> list[DeadLetter]:
        with self._read() as cur:
            rows = cur.execute(
                "SELECT consumer, seq, attempts, error, at FROM outbox_dead "
                "WHERE ? IS NULL OR consumer = ? ORDER BY seq, consumer",
                (consumer, consumer),
            ).fetchall()
        return [DeadLetter(str(c), int(s), int(a), str(e), str(at)) for c, s, a, e, at in rows]
