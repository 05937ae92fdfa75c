"""The key table of the PostgreSQL store (a mix-in of :class:`~magcore_postgres.PostgresStore`).

PostgreSQL never overwrites a row in place: an ``UPDATE`` leaves the old version as a dead tuple
in the table's pages until ``VACUUM`` reclaims it, and the write-ahead log (and any WAL archive
kept for point-in-time recovery) holds it as well. So after destroying keys the store runs
``VACUUM (FULL) magcore_keys`` (the table is small: one row per person or conversation), which
writes the live rows to a new file and drops the old one. This needs the table's owner; another
user gets a warning from PostgreSQL and the dead tuples stay until autovacuum (tuned to act on
the first dead row of this table). What the deployment must do about base backups and WAL
archives is in ``docs/explanation/keys-and-erasure.md``.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Collection, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg_pool import ConnectionPool

from magcore.errors import MagcoreWarning, StorageError
from magcore.storage.keys import KeyRecord, Rewrap, check_new_keys

if TYPE_CHECKING:
    from magcore.storage.base import AuditRecord

__all__ = ["SCHEMA", "PostgresKeyTable"]

#: The schema step that adds the key table (schema version 2).
SCHEMA: tuple[str, ...] = (
    """CREATE TABLE magcore_keys (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id text NOT NULL UNIQUE,
        owner text NOT NULL,
        kek_id text NOT NULL,
        wrapped bytea,
        created text NOT NULL,
        destroyed text,
        CHECK ((wrapped IS NULL) = (destroyed IS NOT NULL))
    )""",
    "CREATE INDEX magcore_keys_owner ON magcore_keys (owner, seq)",
    # Vacuum this table as soon as it has one dead row: a destroyed key must not linger.
    "ALTER TABLE magcore_keys SET (autovacuum_vacuum_scale_factor = 0, "
    "autovacuum_vacuum_threshold = 1)",
)

_COLUMNS = "id, owner, kek_id, wrapped, created, destroyed"


def _record(row: Sequence[Any]) -> KeyRecord:
    return KeyRecord(
        id=row[0],
        owner=row[1],
        kek_id=row[2],
        wrapped=bytes(row[3]) if row[3] is not None else None,
        created=row[4],
        destroyed=row[5],
    )


class PostgresKeyTable:
    """Key-table methods; the store provides the pool and its transactions."""

    _pool: ConnectionPool
    _where: str

    if TYPE_CHECKING:  # the store defines these

        def _transaction(
            self, *, write: bool
        ) -> contextlib.AbstractContextManager[psycopg.Cursor[Any]]: ...

        def _append_audit(
            self, cur: psycopg.Cursor[Any], records: Sequence[AuditRecord]
        ) -> None: ...

    def add_keys(self, records: Sequence[KeyRecord]) -> None:
        check_new_keys(records)
        if not records:
            return
        with self._transaction(write=True) as cur:
            self._insert_keys(cur, records)

    @staticmethod
    def _insert_keys(cur: psycopg.Cursor[Any], records: Sequence[KeyRecord]) -> None:
        """Insert checked key rows in the open transaction (:meth:`add_keys`, and ``append``
        with the events they protect); a key id that exists is a :class:`StorageError` (the
        transaction is then rolled back: nothing of it is stored)."""
        cur.execute(
            f"INSERT INTO magcore_keys ({_COLUMNS}) "
            "SELECT *, NULL FROM unnest(%s::text[], %s::text[], %s::text[], %s::bytea[], "
            "%s::text[]) ON CONFLICT (id) DO NOTHING",
            (
                [r.id for r in records],
                [r.owner for r in records],
                [r.kek_id for r in records],
                [r.wrapped for r in records],
                [r.created for r in records],
            ),
        )
        if cur.rowcount != len(records):
            # Rolled back with the transaction: nothing of this call is stored.
            ids = ", ".join(r.id for r in records[:3])
            raise StorageError(f"one of the keys {ids}... exists already")

    def get_key(self, key_id: str) -> KeyRecord | None:
        with self._transaction(write=False) as cur:
            row = cur.execute(
                f"SELECT {_COLUMNS} FROM magcore_keys WHERE id = %s", (key_id,)
            ).fetchone()
        return _record(row) if row is not None else None

    def live_keys(self, owners: Collection[str]) -> dict[str, str]:
        """The id of the newest live key of each of *owners* that has one (one query)."""
        with self._transaction(write=False) as cur:
            rows = cur.execute(
                "SELECT owner, id FROM magcore_keys WHERE destroyed IS NULL AND owner = ANY(%s) "
                "ORDER BY seq",
                (list(dict.fromkeys(owners)),),
            ).fetchall()
        return dict(rows)  # oldest first: the newest key of an owner wins

    def list_keys(self, owner: str | None = None) -> list[KeyRecord]:
        with self._transaction(write=False) as cur:
            if owner is None:
                rows = cur.execute(f"SELECT {_COLUMNS} FROM magcore_keys ORDER BY seq").fetchall()
            else:
                rows = cur.execute(
                    f"SELECT {_COLUMNS} FROM magcore_keys WHERE owner = %s ORDER BY seq", (owner,)
                ).fetchall()
        return [_record(row) for row in rows]

    def rewrap_keys(self, rewraps: Sequence[Rewrap]) -> int:
        if not rewraps:
            return 0
        with self._transaction(write=True) as cur:
            cur.execute(
                "UPDATE magcore_keys AS k SET kek_id = u.kek_id, wrapped = u.wrapped FROM "
                "unnest(%s::text[], %s::text[], %s::text[], %s::bytea[]) "
                "AS u(id, from_kek, kek_id, wrapped) "
                "WHERE k.id = u.id AND k.kek_id = u.from_kek AND k.destroyed IS NULL",
                (
                    [r.key_id for r in rewraps],
                    [r.from_kek for r in rewraps],
                    [r.kek_id for r in rewraps],
                    [r.wrapped for r in rewraps],
                ),
            )
            changed: int = cur.rowcount
        # No VACUUM here: the old rows hold keys wrapped by the old KEK, which is retired after
        # the rotation; a rotation in many batches would rewrite the table once per batch.
        return changed

    def destroy_keys(
        self, owners: Collection[str], *, at: str, audit: Sequence[AuditRecord] = ()
    ) -> tuple[str, ...]:
        with self._transaction(write=True) as cur:
            rows = cur.execute(
                "UPDATE magcore_keys SET wrapped = NULL, destroyed = %s "
                "WHERE owner = ANY(%s) AND destroyed IS NULL RETURNING id",
                (at, sorted(set(owners))),
            ).fetchall()
            if audit:
                self._append_audit(cur, audit)
        if rows:
            self._vacuum_keys()
        return tuple(sorted(r[0] for r in rows))

    def _vacuum_keys(self) -> None:
        """Rewrite the key table so old wrapped material leaves its pages (see module doc)."""
        try:
            with self._pool.connection() as conn:
                conn.autocommit = True
                try:
                    with _notices_as_warnings(conn):
                        conn.execute("VACUUM (FULL) magcore_keys")
                finally:
                    conn.autocommit = False
        except psycopg.Error as exc:
            warnings.warn(
                f"database {self._where}: could not vacuum magcore_keys after a key change "
                f"({exc}); run VACUUM (FULL) magcore_keys as its owner",
                MagcoreWarning,
                stacklevel=3,
            )


@contextlib.contextmanager
def _notices_as_warnings(conn: psycopg.Connection[Any]) -> Iterator[None]:
    """Turn PostgreSQL's "skipping ... only table owner can vacuum" notice into a warning."""
    notices: list[str] = []

    def keep(diag: psycopg.errors.Diagnostic) -> None:
        if diag.severity_nonlocalized == "WARNING" and diag.message_primary:
            notices.append(diag.message_primary)

    conn.add_notice_handler(keep)
    try:
        yield
    finally:
        conn.remove_notice_handler(keep)
    for notice in notices:
        warnings.warn(
            f"VACUUM of magcore_keys: {notice}; destroyed key material stays in the table's "
            "pages until its owner vacuums it",
            MagcoreWarning,
            stacklevel=4,
        )
