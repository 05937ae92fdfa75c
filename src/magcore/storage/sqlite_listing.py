"""The guarded listing's index in the SQLite store (:mod:`magcore.storage.listing_sql`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

from ..events import Event
from .common import event_from_row
from .listing_sql import Fold, fill_pending
from .sqlite_read_models import SQLITE

__all__ = ["fill"]


def fill(cur: sqlite3.Cursor, fold: Fold) -> bool:
    """Fill the index from the ``person:`` streams if a migration left it pending (in *cur*'s
    write transaction); whether it filled."""

    def fetch(sql: str, params: Sequence[Any]) -> list[Any]:
        return cur.execute(sql, params).fetchall()

    def people() -> Iterator[tuple[str, Sequence[Event]]]:
        rows = cur.execute(
            "SELECT stream, version, type, at, actor, data FROM events "
            "WHERE stream >= 'person:' AND stream < 'person;' ORDER BY stream, version"
        ).fetchall()
        stream, found = "", list[Event]()
        for row in rows:
            if row[0] != stream and found:
                yield stream, found
                found = []
            stream = row[0]
            found.append(event_from_row(*row))
        if found:
            yield stream, found

    return fill_pending(fetch, cur.executemany, SQLITE, people, fold)
