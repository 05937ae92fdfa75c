"""The ballot boxes of the SQLite store (a mix-in of :class:`~magcore.storage.sqlite.SQLiteStore`).

The three tables are ``WITHOUT ROWID`` and keyed by what they hold (box, hash; box, statement,
option), so no hidden row number records the order of anything. Casting a ballot and closing a
box run with ``PRAGMA secure_delete = ON`` and end with a ``wal_checkpoint(TRUNCATE)``: the
used token's hash is overwritten with zeros, and the page images of earlier counts leave the
write-ahead log (see ``docs/explanation/threat-model.md`` for what remains). Added in 0.2.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from ..errors import StorageError
from .ballots import BallotCounts, BoxState, check_hashes

__all__ = ["SCHEMA", "SQLiteBallots"]

#: The schema step that adds the ballot boxes (schema version 4).
SCHEMA: tuple[str, ...] = (
    """CREATE TABLE ballot_boxes (
        box TEXT PRIMARY KEY,
        open INTEGER NOT NULL CHECK (open IN (0, 1)),
        respondents INTEGER NOT NULL CHECK (respondents >= 0),
        kept INTEGER NOT NULL CHECK (kept IN (0, 1))
    ) WITHOUT ROWID""",
    """CREATE TABLE ballot_tokens (
        box TEXT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (box, hash)
    ) WITHOUT ROWID""",
    """CREATE TABLE ballot_counts (
        box TEXT NOT NULL,
        statement TEXT NOT NULL,
        option TEXT NOT NULL,
        n INTEGER NOT NULL CHECK (n >= 1),
        PRIMARY KEY (box, statement, option)
    ) WITHOUT ROWID""",
)


class SQLiteBallots:
    """Ballot-box methods; the store provides the connection and its transactions."""

    if TYPE_CHECKING:  # the store defines these

        def _write(self) -> contextlib.AbstractContextManager[sqlite3.Cursor]: ...

        def _read(self) -> contextlib.AbstractContextManager[sqlite3.Cursor]: ...

        def _secure_write(self) -> contextlib.AbstractContextManager[sqlite3.Cursor]: ...

    def open_ballot(self, box: str, token_hashes: Collection[str]) -> None:
        hashes = check_hashes(box, token_hashes)
        with self._write() as cur:
            if cur.execute("SELECT 1 FROM ballot_boxes WHERE box = ?", (box,)).fetchone():
                raise StorageError(f"ballot box {box} exists already")
            cur.execute(
                "INSERT INTO ballot_boxes (box, open, respondents, kept) VALUES (?, 1, 0, 1)",
                (box,),
            )
            cur.executemany(
                "INSERT INTO ballot_tokens (box, hash) VALUES (?, ?)", [(box, h) for h in hashes]
            )

    def cast_ballot(self, box: str, token_hash: str, choices: Sequence[tuple[str, str]]) -> bool:
        with self._secure_write() as cur:
            row = cur.execute("SELECT open FROM ballot_boxes WHERE box = ?", (box,)).fetchone()
            if row is None or not row[0]:
                return False
            cur.execute("DELETE FROM ballot_tokens WHERE box = ? AND hash = ?", (box, token_hash))
            if cur.rowcount != 1:
                return False
            cur.execute(
                "UPDATE ballot_boxes SET respondents = respondents + 1 WHERE box = ?", (box,)
            )
            cur.executemany(
                "INSERT INTO ballot_counts (box, statement, option, n) VALUES (?, ?, ?, 1) "
                "ON CONFLICT (box, statement, option) DO UPDATE SET n = n + 1",
                [(box, statement, option) for statement, option in choices],
            )
        return True

    def close_ballot(self, box: str, *, minimum: int) -> int:
        with self._secure_write() as cur:
            row = cur.execute(
                "SELECT open, respondents FROM ballot_boxes WHERE box = ?", (box,)
            ).fetchone()
            if row is None:
                raise StorageError(f"ballot box {box} does not exist")
            respondents = int(row[1])
            if row[0]:
                kept = respondents >= minimum
                cur.execute("DELETE FROM ballot_tokens WHERE box = ?", (box,))
                if not kept:
                    cur.execute("DELETE FROM ballot_counts WHERE box = ?", (box,))
                cur.execute(
                    "UPDATE ballot_boxes SET open = 0, kept = ? WHERE box = ?", (int(kept), box)
                )
        return respondents

    def ballot_counts(self, box: str) -> BallotCounts | None:
        with self._read() as cur:
            row = cur.execute(
                "SELECT open, respondents, kept FROM ballot_boxes WHERE box = ?", (box,)
            ).fetchone()
            if row is None or not row[2]:
                return None
            if row[0]:
                raise StorageError(f"ballot box {box} is open: its counts are not readable yet")
            counts: dict[str, dict[str, int]] = {}
            for statement, option, n in cur.execute(
                "SELECT statement, option, n FROM ballot_counts WHERE box = ?", (box,)
            ):
                counts.setdefault(statement, {})[option] = int(n)
        return BallotCounts(int(row[1]), counts)

    def ballot_state(self, box: str) -> BoxState | None:
        with self._read() as cur:
            row = cur.execute(
                "SELECT open, respondents, kept FROM ballot_boxes WHERE box = ?", (box,)
            ).fetchone()
            if row is None:
                return None
            unused = cur.execute(
                "SELECT count(*) FROM ballot_tokens WHERE box = ?", (box,)
            ).fetchone()[0]
        return BoxState(bool(row[0]), int(row[1]), int(unused), bool(row[2]))

    def discard_ballot(self, box: str) -> bool:
        with self._secure_write() as cur:
            cur.execute(
                "DELETE FROM ballot_boxes WHERE box = ? AND open = 1 AND respondents = 0", (box,)
            )
            if cur.rowcount != 1:
                return False
            cur.execute("DELETE FROM ballot_tokens WHERE box = ?", (box,))
            cur.execute("DELETE FROM ballot_counts WHERE box = ?", (box,))
        return True
