"""The PostgreSQL store's long appends and paged reads of one stream
(see :mod:`magcore.storage.streaming`): an organisation import of a million people is written
chunk by chunk with ``COPY``, in one transaction."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import psycopg

from magcore.errors import ConflictError
from magcore.events import Event
from magcore.storage.base import AuditRecord
from magcore.storage.chain import ChainKey
from magcore.storage.common import EventRow, event_from_row, event_rows
from magcore.storage.streaming import (
    SNAPSHOT_PAGE,
    STREAM_CHUNK,
    Appended,
    check_chunk,
    chunked,
    seal_part,
    sealed_parts,
)

__all__ = ["PostgresStreams"]

_PAGE = 10_000


def _field(value: str) -> str:
    """*value* as one field of COPY's text format (backslash, tab, newline, CR escaped)."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return value


class PostgresStreams:
    """``append_stream``, ``read_stream`` and ``read_stream_data``; the store provides
    transactions, the outbox and the audit chain."""

    if TYPE_CHECKING:  # the store defines these
        audit_key: ChainKey | None

        def _transaction(
            self, *, write: bool
        ) -> contextlib.AbstractContextManager[psycopg.Cursor[Any]]: ...

        def _queue(
            self,
            cur: psycopg.Cursor[Any],
            events: Sequence[Event],
            position: int,
            rows: Sequence[Sequence[Any]] | None = None,
        ) -> None: ...

        def _append_audit(
            self,
            cur: psycopg.Cursor[Any],
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
        """Append *events* to *stream* in one transaction (under the write lock), *chunk* at a
        time with ``COPY``; the stream's version row is moved once at the end, and its
        *snapshot* written (when given). An error anywhere rolls everything back."""
        version = expected_version
        position = 0
        last: tuple[Event, ...] = ()
        with self._transaction(write=True) as cur:
            row = cur.execute(
                "SELECT version FROM magcore_streams WHERE name = %s", (stream,)
            ).fetchone()
            actual = int(row[0]) if row else 0
            if actual != expected_version:
                raise ConflictError(
                    stream=stream, expected_version=expected_version, actual_version=actual
                )
            for part in chunked(events, chunk):
                check_chunk(stream, version, part)
                rows = event_rows(part)
                text = "".join(
                    [
                        f"{_field(s)}\t{v}\t{_field(t)}\t{at}\t{_field(a)}\t{_field(d)}\n"
                        for s, v, t, at, a, d in rows
                    ]
                )
                with cur.copy(
                    "COPY magcore_events (stream, version, type, at, actor, data) FROM STDIN"
                ) as copy:
                    copy.write(text)
                del text
                found = cur.execute("SELECT max(position) FROM magcore_events").fetchone()
                position = int(found[0]) if found else 0
                self._queue(cur, part, position, rows)
                self._append_audit(cur, (), events=part, origin=origin, rows=rows)
                version += len(part)
                last = part
            if version != expected_version:
                cur.execute(
                    "INSERT INTO magcore_streams (name, version) VALUES (%s, %s) "
                    "ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version",
                    (stream, version),
                )
                if snapshot is not None:
                    cur.execute("DELETE FROM magcore_snapshots WHERE stream = %s", (stream,))
                    key = self.audit_key
                    for number, text in enumerate(snapshot()):
                        seal = seal_part(key, stream, version, position, number, text)
                        cur.execute(
                            "INSERT INTO magcore_snapshots (stream, part, version, position, "
                            "data, seal) VALUES (%s, %s, %s, %s, %s, %s)",
                            (stream, number, version, position, text, seal),
                        )
        return Appended(stream, version - expected_version, position, last)

    def read_snapshot(self, stream: str) -> tuple[int, Iterator[str]] | None:
        """``(version, parts)`` of *stream*'s snapshot while its event is still the stream's;
        the parts are read a few at a time, and stop if the snapshot is replaced meanwhile."""
        with self._transaction(write=False) as cur:
            row = cur.execute(
                "SELECT s.version, s.position FROM magcore_snapshots s JOIN magcore_events e "
                "ON e.stream = s.stream AND e.version = s.version AND e.position = s.position "
                "WHERE s.stream = %s AND s.part = 0",
                (stream,),
            ).fetchone()
        if row is None:
            return None
        version, position = int(row[0]), int(row[1])

        def page(after: int) -> list[tuple[Any, Any, Any]]:
            with self._transaction(write=False) as cur:
                rows: list[tuple[Any, Any, Any]] = cur.execute(
                    "SELECT part, data, seal FROM magcore_snapshots WHERE stream = %s AND "
                    "part > %s AND version = %s AND position = %s ORDER BY part LIMIT %s",
                    (stream, after, version, position, SNAPSHOT_PAGE),
                ).fetchall()
            return rows

        parts = sealed_parts(page, self.audit_key, stream, version, position)
        return version, parts

    def read_stream(self, stream: str, *, upto: int | None = None) -> Iterator[Event]:
        """The events of *stream* in version order (up to *upto*), :data:`_PAGE` at a time."""
        after = 0
        while True:
            with self._transaction(write=False) as cur:
                rows = cur.execute(
                    "SELECT stream, version, type, at, actor, data FROM magcore_events "
                    "WHERE stream = %s AND version > %s AND version <= %s "
                    "ORDER BY version LIMIT %s",
                    (stream, after, upto if upto is not None else 2**31 - 1, _PAGE),
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
        while True:
            with self._transaction(write=False) as cur:
                rows = cur.execute(
                    "SELECT version, type, data FROM magcore_events "
                    "WHERE stream = %s AND version > %s AND version <= %s "
                    "ORDER BY version LIMIT %s",
                    (stream, after, upto if upto is not None else 2**31 - 1, _PAGE),
                ).fetchall()
            for version, type_, data in rows:
                yield version, type_, json.loads(data) if isinstance(data, str | bytes) else data
            if len(rows) < _PAGE:
                return
            after = rows[-1][0]
