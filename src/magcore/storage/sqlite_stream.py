"""The SQLite store's long appends and paged reads of one stream (see :mod:`.streaming`)."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ..events import Event
from .base import AuditRecord, StreamWrite
from .chain import ChainKey
from .common import EventRow, event_from_row, event_rows
from .streaming import (
    SNAPSHOT_PAGE,
    STREAM_CHUNK,
    Appended,
    check_chunk,
    chunked,
    seal_part,
    sealed_parts,
)

__all__ = ["SQLiteStreams"]

_PAGE = 10_000


class SQLiteStreams:
    """``append_stream``, ``read_stream`` and ``read_stream_data``; the store provides
    transactions, the outbox and the audit chain."""

    if TYPE_CHECKING:  # the store defines these
        audit_key: ChainKey | None

        def _write(self) -> contextlib.AbstractContextManager[sqlite3.Cursor]: ...

        def _read(self) -> contextlib.AbstractContextManager[sqlite3.Cursor]: ...

        def _check_version(self, cur: sqlite3.Cursor, write: StreamWrite) -> None: ...

        def _queue(
            self,
            cur: sqlite3.Cursor,
            events: Sequence[Event],
            position: int,
            rows: Sequence[EventRow] | None = None,
        ) -> None: ...

        def _append_audit(
            self,
            cur: sqlite3.Cursor,
            records: Sequence[AuditRecord],
            *,
            events: Sequence[Event] = (),
            origin: str = "",
            rows: Sequence[EventRow] | None = None,
        ) -> None: ...

    def append_stream(
        self,
        stream: str,
        expected_version: int,
        events: Iterable[Event],
        *,
        origin: str = "",
        chunk: int = STREAM_CHUNK,
        snapshot: Callable[[], Iterable[str]] | None = None,
    ) -> Appended:
        """Append *events* to *stream* in one transaction, *chunk* at a time: each chunk's rows,
        outbox batch and audit lines are written before the next is taken from *events*, then
        the stream's *snapshot* (when given and anything was written). An error anywhere (a
        stale version, a bad event, an exception from the generator) rolls everything back."""
        version = expected_version
        position = 0
        last: tuple[Event, ...] = ()
        with self._write() as cur:
            self._check_version(cur, StreamWrite(stream, expected_version, ()))
            for part in chunked(events, chunk):
                check_chunk(stream, version, part)
                rows = event_rows(part)
                cur.executemany(
                    "INSERT INTO events (stream, version, type, at, actor, data) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    rows,
                )
                position = cur.execute("SELECT MAX(position) FROM events").fetchone()[0]
                self._queue(cur, part, position, rows)
                self._append_audit(cur, (), events=part, origin=origin, rows=rows)
                version += len(part)
                last = part
            if snapshot is not None and version != expected_version:
                cur.execute("DELETE FROM snapshots WHERE stream = ?", (stream,))
                key = self.audit_key
                for number, text in enumerate(snapshot()):
                    seal = seal_part(key, stream, version, position, number, text)
                    cur.execute(
                        "INSERT INTO snapshots (stream, part, version, position, data, seal) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        (stream, number, version, position, text, seal),
                    )
        return Appended(stream, version - expected_version, position, last)

    def read_snapshot(self, stream: str) -> tuple[int, Iterator[str]] | None:
        """``(version, parts)`` of *stream*'s snapshot while its event is still the stream's;
        the parts are read a few at a time, and stop if the snapshot is replaced meanwhile."""
        with self._read() as cur:
            row = cur.execute(
                "SELECT s.version, s.position FROM snapshots s JOIN events e "
                "ON e.stream = s.stream AND e.version = s.version AND e.position = s.position "
                "WHERE s.stream = ? AND s.part = 0",
                (stream,),
            ).fetchone()
        if row is None:
            return None
        version, position = int(row[0]), int(row[1])

        def page(after: int) -> list[tuple[Any, Any, Any]]:
            with self._read() as cur:
                rows: list[tuple[Any, Any, Any]] = cur.execute(
                    "SELECT part, data, seal FROM snapshots WHERE stream = ? AND part > ? "
                    "AND version = ? AND position = ? ORDER BY part LIMIT ?",
                    (stream, after, version, position, SNAPSHOT_PAGE),
                ).fetchall()
            return rows

        parts = sealed_parts(page, self.audit_key, stream, version, position)
        return version, parts

    def read_stream(self, stream: str, *, upto: int | None = None) -> Iterator[Event]:
        """The events of *stream* in version order (up to *upto*), :data:`_PAGE` at a time."""
        after = 0
        while True:
            with self._read() as cur:
                rows = cur.execute(
                    "SELECT stream, version, type, at, actor, data FROM events "
                    "WHERE stream = ? AND version > ? AND version <= ? ORDER BY version LIMIT ?",
                    (stream, after, upto if upto is not None else 2**62, _PAGE),
                ).fetchall()
            for row in rows:
                yield event_from_row(*row)
            if len(rows) < _PAGE:
                return
            after = rows[-1][1]

    def read_stream_data(
        self, stream: str, *, upto: int | None = None, after: int = 0
    ) -> Iterator[tuple[int, str, Any]]:
        """``(version, type, parsed data)`` of *stream*'s events, :data:`_PAGE` at a time."""
        loads = json.loads
        while True:
            with self._read() as cur:
                rows = cur.execute(
                    "SELECT version, type, data FROM events "
                    "WHERE stream = ? AND version > ? AND version <= ? ORDER BY version LIMIT ?",
                    (stream, after, upto if upto is not None else 2**62, _PAGE),
                ).fetchall()
            for version, type_, data in rows:
                yield version, type_, loads(data)
            if len(rows) < _PAGE:
                return
            after = rows[-1][0]
