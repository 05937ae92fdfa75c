"""The PostgreSQL store's outbox tables and methods (see :mod:`magcore.storage.outbox`)."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import psycopg

from magcore.events import Event
from magcore.storage.base import AuditRecord
from magcore.storage.outbox import DeadLetter, OutboxBatch, batch_from_row, envelope_json

__all__ = ["SCHEMA", "PostgresOutbox"]

#: The outbox tables (part of schema 3).
SCHEMA = (
    """CREATE TABLE magcore_outbox (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        position bigint NOT NULL,
        envelopes text NOT NULL
    )""",
    """CREATE TABLE magcore_outbox_cursors (
        consumer text PRIMARY KEY,
        seq bigint NOT NULL
    )""",
    """CREATE TABLE magcore_outbox_dead (
        consumer text NOT NULL,
        seq bigint NOT NULL,
        attempts integer NOT NULL,
        error text NOT NULL,
        at text NOT NULL,
        PRIMARY KEY (consumer, seq)
    )""",
)


class PostgresOutbox:
    """Outbox methods; the store provides transactions and the audit chain."""

    if TYPE_CHECKING:  # the store defines these

        def _transaction(
            self, *, write: bool
        ) -> contextlib.AbstractContextManager[psycopg.Cursor[Any]]: ...

        def _append_audit(
            self, cur: psycopg.Cursor[Any], records: Sequence[AuditRecord]
        ) -> None: ...

    @staticmethod
    def _queue(
        cur: psycopg.Cursor[Any],
        events: Sequence[Event],
        position: int,
        rows: Sequence[Sequence[Any]] | None = None,
    ) -> None:
        """Write the batch's envelopes inside the commit's transaction (under the write lock,
        so outbox numbers follow commit order); *rows*: the events' own, as
        :func:`~magcore.storage.outbox.envelope_json` takes them."""
        if events:
            cur.execute(
                "INSERT INTO magcore_outbox (position, envelopes) VALUES (%s, %s)",
                (position, envelope_json(events, rows)),
            )

    def read_outbox(self, *, after: int = 0, limit: int | None = None) -> list[OutboxBatch]:
        with self._transaction(write=False) as cur:
            rows = cur.execute(
                "SELECT seq, position, envelopes FROM magcore_outbox WHERE seq > %s "
                "ORDER BY seq LIMIT %s",
                (after, limit),
            ).fetchall()
        return [batch_from_row(row) for row in rows]

    def outbox_cursor(self, consumer: str) -> int:
        with self._transaction(write=False) as cur:
            row = cur.execute(
                "SELECT seq FROM magcore_outbox_cursors WHERE consumer = %s", (consumer,)
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
        with self._transaction(write=True) as cur:
            self._append_audit(cur, audit)
            if dead is not None:
                cur.execute(
                    "INSERT INTO magcore_outbox_dead (consumer, seq, attempts, error, at) "
                    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (consumer, seq) DO UPDATE SET "
                    "attempts = EXCLUDED.attempts, error = EXCLUDED.error, at = EXCLUDED.at",
                    (dead.consumer, dead.seq, dead.attempts, dead.error, dead.at),
                )
            cur.execute(
                "INSERT INTO magcore_outbox_cursors (consumer, seq) VALUES (%s, %s) "
                "ON CONFLICT (consumer) DO UPDATE SET "
                "seq = greatest(magcore_outbox_cursors.seq, EXCLUDED.seq)",
                (consumer, seq),
            )

    def forget_dead_letter(
        self, consumer: str, seq: int, *, audit: Sequence[AuditRecord] = ()
    ) -> None:
        with self._transaction(write=True) as cur:
            self._append_audit(cur, audit)
            cur.execute(
                "DELETE FROM magcore_outbox_dead WHERE consumer = %s AND seq = %s",
                (consumer, seq),
            )

    def dead_letters(self, consumer: str | None = None) -> list[DeadLetter]:
        with self._transaction(write=False) as cur:
            rows = cur.execute(
                "SELECT consumer, seq, attempts, error, at FROM magcore_outbox_dead "
                "WHERE %s::text IS NULL OR consumer = %s ORDER BY seq, consumer",
                (consumer, consumer),
            ).fetchall()
        return [DeadLetter(str(c), int(s), int(a), str(e), str(at)) for c, s, a, e, at in rows]
