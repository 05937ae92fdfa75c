"""The read side of the PostgreSQL store (a mix-in of :class:`~magcore_postgres.PostgresStore`).

Events by stream or by position (in pages), the stream names, the audit lines and head, and
the rows of the shared read-model queries (:mod:`magcore.storage.read_model_sql`). Each call
reads in its own transaction.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import psycopg

from magcore.errors import StorageError
from magcore.events import Event
from magcore.storage.base import AuditHead
from magcore.storage.chain import ENTRY_COLUMNS
from magcore.storage.common import event_from_row

__all__ = ["PostgresReads"]

_PAGE = 1000
_AUDIT_COLUMNS = ENTRY_COLUMNS


class PostgresReads:
    """Read methods; the store provides its transactions."""

    _where: str

    if TYPE_CHECKING:  # the store defines it

        def _transaction(
            self, *, write: bool
        ) -> contextlib.AbstractContextManager[psycopg.Cursor[Any]]: ...

    def _fetch_rows(self, sql: str, params: Sequence[Any]) -> list[Sequence[Any]]:
        with self._transaction(write=False) as cur:
            rows: list[Sequence[Any]] = cur.execute(sql, params).fetchall()
        return rows

    def read(self, stream: str) -> tuple[Event, ...]:
        with self._transaction(write=False) as cur:
            rows = cur.execute(
                "SELECT stream, version, type, at, actor, data FROM magcore_events "
                "WHERE stream = %s ORDER BY version",
                (stream,),
            ).fetchall()
        return tuple(event_from_row(*row) for row in rows)

    def version(self, stream: str) -> int:
        with self._transaction(write=False) as cur:
            row = cur.execute(
                "SELECT version FROM magcore_streams WHERE name = %s", (stream,)
            ).fetchone()
        return int(row[0]) if row else 0

    def read_all(
        self,
        *,
        after: int | None = 0,
        types: Collection[str] | None = None,
        limit: int | None = None,
    ) -> Iterator[tuple[int, Event]]:
        wanted = list(types) if types is not None else None
        if wanted == [] or limit == 0:
            return
        remaining = limit
        while True:
            page = _PAGE if remaining is None else min(_PAGE, remaining)
            sql = "SELECT position, stream, version, type, at, actor, data FROM magcore_events "
            # after=None: every row, whatever its position (the audit check reads so).
            where: list[str] = [] if after is None else ["position > %s"]
            params: list[Any] = [] if after is None else [after]
            if wanted is not None:
                where.append("type = ANY(%s)")
                params.append(wanted)
            if where:
                sql += "WHERE " + " AND ".join(where)
            sql += " ORDER BY position LIMIT %s"
            params.append(page)
            with self._transaction(write=False) as cur:
                rows = cur.execute(sql, params).fetchall()
            for position, *columns in rows:
                yield int(position), event_from_row(*columns)
            if len(rows) < page:
                return
            after = int(rows[-1][0])
            if remaining is not None:
                remaining -= len(rows)
                if remaining <= 0:
                    return

    def streams(self, prefix: str = "") -> Iterator[str]:
        with self._transaction(write=False) as cur:
            rows = cur.execute(
                "SELECT name FROM magcore_streams WHERE version > 0 AND starts_with(name, %s) "
                'ORDER BY name COLLATE "C"',
                (prefix,),
            ).fetchall()
        yield from (str(r[0]) for r in rows)

    def read_audit(self, *, after: int = 0) -> Iterator[Mapping[str, Any]]:
        while True:
            with self._transaction(write=False) as cur:
                rows = cur.execute(
                    f"SELECT {', '.join(_AUDIT_COLUMNS)} FROM magcore_audit WHERE seq > %s "
                    "ORDER BY seq LIMIT %s",
                    (after, _PAGE),
                ).fetchall()
            for row in rows:
                entry = dict(zip(_AUDIT_COLUMNS, row, strict=True))
                entry["seq"] = int(entry["seq"])
                yield entry
            if len(rows) < _PAGE:
                return
            after = int(rows[-1][0])

    def audit_head(self) -> AuditHead:
        with self._transaction(write=False) as cur:
            row = cur.execute(
                "SELECT count, last_hash FROM magcore_audit_head WHERE id = 1"
            ).fetchone()
        if row is None:
            raise StorageError(f"database {self._where}: the audit head is missing")
        return AuditHead(int(row[0]), str(row[1]))
