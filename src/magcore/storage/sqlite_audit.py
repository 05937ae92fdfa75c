"""The SQLite store's audit log: chained lines written in the caller's transaction, read in
pages, and the head that the next line chains to (a mix-in of
:class:`~magcore.storage.sqlite.SQLiteStore`)."""

from __future__ import annotations

import contextlib
import operator
import os
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import StorageError
from .base import AuditHead, AuditRecord
from .chain import ENTRY_COLUMNS, ChainKey
from .common import EventRow, chain_audit

if TYPE_CHECKING:
    from ..events import Event

__all__ = ["PAGE", "SQLiteAuditLog"]

#: How many rows one page of a long read holds.
PAGE = 1000

#: An audit entry's values in the order of :data:`ENTRY_COLUMNS`.
_ENTRY_VALUES = operator.itemgetter(*ENTRY_COLUMNS)


class SQLiteAuditLog:
    """Audit-log methods; the store provides the transactions, the key and the group commit."""

    path: Path
    audit_key: ChainKey | None
    _audit_group: Callable[[Sequence[AuditRecord]], None]
    _witness_before: Callable[[int, str, Callable[[int], str | None]], None]
    _witness_pending: Callable[[str, int, str], None]

    if TYPE_CHECKING:  # the store defines these

        def _write(self) -> contextlib.AbstractContextManager[sqlite3.Cursor]: ...

        def _read(self) -> contextlib.AbstractContextManager[sqlite3.Cursor]: ...

    def witness_place(self) -> str:
        """The database file itself (its device and inode), however it is reached: the audit
        witness tells this log apart from the log of a copy of the file by it
        (:mod:`magcore.storage.witnessing`), and a link, a bind mount or another spelling of
        the path is the same place. A file not there (yet): its absolute path."""
        try:
            found = os.stat(self.path)
        except OSError:
            return f"sqlite:{os.path.abspath(self.path)}"
        return f"sqlite-file:{found.st_dev}:{found.st_ino}"

    def _append_audit(
        self,
        cur: sqlite3.Cursor,
        records: Sequence[AuditRecord],
        *,
        events: Sequence[Event] = (),
        origin: str = "",
        rows: Sequence[EventRow] | None = None,
    ) -> None:
        if not records and not events:
            return
        count, last_hash = self._head(cur)
        self._witness_before(count, last_hash, lambda seq: _line_hash(cur, seq))
        entries = chain_audit(
            records,
            count=count,
            last_hash=last_hash,
            key=self.audit_key,
            events=events,
            origin=origin,
            rows=rows,
        )
        if not entries:
            return
        columns = ENTRY_COLUMNS
        cur.executemany(
            f"INSERT INTO audit ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            map(_ENTRY_VALUES, entries),
        )
        cur.execute(
            "UPDATE audit_head SET count = ?, last_hash = ? WHERE id = 1",
            (entries[-1]["seq"], entries[-1]["hash"]),
        )
        first = entries[0]["hash"] if count == 0 else ""
        self._witness_pending(first, entries[-1]["seq"], entries[-1]["hash"])

    def append_audit(self, records: Sequence[AuditRecord]) -> None:
        """Append *records* (with the lines other threads append now: a group commit, one
        ``fsync`` for all of them); returns once they are committed."""
        self._audit_group(records)

    def _append_audit_now(self, records: Sequence[AuditRecord]) -> None:
        with self._write() as cur:
            self._append_audit(cur, records)

    def read_audit(self, *, after: int = 0) -> Iterator[Mapping[str, Any]]:
        columns = ENTRY_COLUMNS
        while True:
            with self._read() as cur:
                rows = cur.execute(
                    f"SELECT {', '.join(columns)} FROM audit WHERE seq > ? ORDER BY seq LIMIT ?",
                    (after, PAGE),
                ).fetchall()
            for row in rows:
                yield dict(zip(columns, row, strict=True))
            if len(rows) < PAGE:
                return
            after = rows[-1][0]

    def audit_head(self) -> AuditHead:
        with self._read() as cur:
            count, last_hash = self._head(cur)
        return AuditHead(count, last_hash)

    def _head(self, cur: sqlite3.Cursor) -> tuple[int, str]:
        row = cur.execute("SELECT count, last_hash FROM audit_head WHERE id = 1").fetchone()
        if row is None:
            raise StorageError(
                f"database {self.path}: the audit head (table audit_head) is missing, so the "
                "audit log can be neither checked nor extended; restore the store from a "
                "backup ('magcore store restore BACKUP')"
            )
        return int(row[0]), str(row[1])


def _line_hash(cur: sqlite3.Cursor, seq: int) -> str | None:
    row = cur.execute("SELECT hash FROM audit WHERE seq = ?", (seq,)).fetchone()
    return None if row is None else str(row[0])
