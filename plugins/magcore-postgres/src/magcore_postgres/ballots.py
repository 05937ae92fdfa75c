"""The ballot boxes of the PostgreSQL store (a mix-in of :class:`~.store.PostgresStore`).

The same promises as the built-in stores (:mod:`magcore.storage.ballots`): token hashes are
inserted in hash order, used ones are deleted in the transaction that adds the answers to the
counts, and counts are readable only once the box is closed. A heap table keeps dead row
versions until it is vacuumed, and those carry transaction ids, so closing a box vacuums the
three tables (best effort: a role that does not own them gets a warning naming what to run).
Added in 0.2.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg_pool import ConnectionPool

from magcore.errors import MagcoreWarning, StorageError
from magcore.storage.ballots import BallotCounts, BoxState, check_hashes

__all__ = ["SCHEMA", "PostgresBallots"]

#: The schema step that adds the ballot boxes (schema version 4).
SCHEMA: tuple[str, ...] = (
    """CREATE TABLE magcore_ballot_boxes (
        box text PRIMARY KEY,
        open integer NOT NULL CHECK (open IN (0, 1)),
        respondents integer NOT NULL CHECK (respondents >= 0),
        kept integer NOT NULL CHECK (kept IN (0, 1))
    )""",
    """CREATE TABLE magcore_ballot_tokens (
        box text NOT NULL,
        hash text NOT NULL,
        PRIMARY KEY (box, hash)
    )""",
    """CREATE TABLE magcore_ballot_counts (
        box text NOT NULL,
        statement text NOT NULL,
        option text NOT NULL,
        n integer NOT NULL CHECK (n >= 1),
        PRIMARY KEY (box, statement, option)
    )""",
)

_TABLES = ("magcore_ballot_tokens", "magcore_ballot_counts", "magcore_ballot_boxes")


class PostgresBallots:
    """Ballot-box methods; the store provides the pool and its transactions."""

    _pool: ConnectionPool
    _where: str

    if TYPE_CHECKING:  # the store defines this

        def _transaction(
            self, *, write: bool
        ) -> contextlib.AbstractContextManager[psycopg.Cursor[Any]]: ...

    def open_ballot(self, box: str, token_hashes: Collection[str]) -> None:
        hashes = check_hashes(box, token_hashes)
        with self._transaction(write=True) as cur:
            cur.execute(
                "INSERT INTO magcore_ballot_boxes (box, open, respondents, kept) "
                "VALUES (%s, 1, 0, 1) ON CONFLICT (box) DO NOTHING",
                (box,),
            )
            if cur.rowcount != 1:
                raise StorageError(f"ballot box {box} exists already")
            cur.execute(
                "INSERT INTO magcore_ballot_tokens (box, hash) "
                "SELECT %s, h FROM unnest(%s::text[]) WITH ORDINALITY AS t(h, i) ORDER BY i",
                (box, hashes),
            )

    def cast_ballot(self, box: str, token_hash: str, choices: Sequence[tuple[str, str]]) -> bool:
        with self._transaction(write=True) as cur:
            row = cur.execute(
                "SELECT open FROM magcore_ballot_boxes WHERE box = %s", (box,)
            ).fetchone()
            if row is None or not row[0]:
                return False
            cur.execute(
                "DELETE FROM magcore_ballot_tokens WHERE box = %s AND hash = %s",
                (box, token_hash),
            )
            if cur.rowcount != 1:
                return False
            cur.execute(
                "UPDATE magcore_ballot_boxes SET respondents = respondents + 1 WHERE box = %s",
                (box,),
            )
            cur.executemany(
                "INSERT INTO magcore_ballot_counts (box, statement, option, n) "
                "VALUES (%s, %s, %s, 1) ON CONFLICT (box, statement, option) "
                "DO UPDATE SET n = magcore_ballot_counts.n + 1",
                [(box, statement, option) for statement, option in choices],
            )
        return True

    def close_ballot(self, box: str, *, minimum: int) -> int:
        closed = False
        with self._transaction(write=True) as cur:
            row = cur.execute(
                "SELECT open, respondents FROM magcore_ballot_boxes WHERE box = %s", (box,)
            ).fetchone()
            if row is None:
                raise StorageError(f"ballot box {box} does not exist")
            respondents = int(row[1])
            if row[0]:
                kept = respondents >= minimum
                cur.execute("DELETE FROM magcore_ballot_tokens WHERE box = %s", (box,))
                if not kept:
                    cur.execute("DELETE FROM magcore_ballot_counts WHERE box = %s", (box,))
                cur.execute(
                    "UPDATE magcore_ballot_boxes SET open = 0, kept = %s WHERE box = %s",
                    (int(kept), box),
                )
                closed = True
        if closed:
            self._vacuum_ballots()
        return respondents

    def ballot_counts(self, box: str) -> BallotCounts | None:
        with self._transaction(write=False) as cur:
            row = cur.execute(
                "SELECT open, respondents, kept FROM magcore_ballot_boxes WHERE box = %s", (box,)
            ).fetchone()
            if row is None or not row[2]:
                return None
            if row[0]:
                raise StorageError(f"ballot box {box} is open: its counts are not readable yet")
            counts: dict[str, dict[str, int]] = {}
            for statement, option, n in cur.execute(
                "SELECT statement, option, n FROM magcore_ballot_counts WHERE box = %s", (box,)
            ).fetchall():
                counts.setdefault(str(statement), {})[str(option)] = int(n)
        return BallotCounts(int(row[1]), counts)

    def ballot_state(self, box: str) -> BoxState | None:
        with self._transaction(write=False) as cur:
            row = cur.execute(
                "SELECT open, respondents, kept FROM magcore_ballot_boxes WHERE box = %s", (box,)
            ).fetchone()
            if row is None:
                return None
            counted = cur.execute(
                "SELECT count(*) FROM magcore_ballot_tokens WHERE box = %s", (box,)
            ).fetchone()
        unused = 0 if counted is None else int(counted[0])
        return BoxState(bool(row[0]), int(row[1]), unused, bool(row[2]))

    def discard_ballot(self, box: str) -> bool:
        with self._transaction(write=True) as cur:
            cur.execute(
                "DELETE FROM magcore_ballot_boxes WHERE box = %s AND open = 1 AND respondents = 0",
                (box,),
            )
            if cur.rowcount != 1:
                return False
            cur.execute("DELETE FROM magcore_ballot_tokens WHERE box = %s", (box,))
            cur.execute("DELETE FROM magcore_ballot_counts WHERE box = %s", (box,))
        return True

    def _vacuum_ballots(self) -> None:
        """Remove dead row versions (which carry transaction ids) from the ballot tables."""
        try:
            with self._pool.connection() as conn:
                conn.autocommit = True
                try:
                    for table in _TABLES:
                        conn.execute(f"VACUUM (FULL) {table}")
                finally:
                    conn.autocommit = False
        except psycopg.Error as exc:
            warnings.warn(
                f"database {self._where}: could not vacuum the ballot tables after closing a "
                f"measurement ({exc}); run VACUUM (FULL) on {', '.join(_TABLES)} as their owner",
                MagcoreWarning,
                stacklevel=3,
            )
