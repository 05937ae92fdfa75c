"""How the PostgreSQL store keeps values: its read-model :data:`POSTGRES` dialect and COPY text.

Large writes go through ``COPY ... FROM STDIN`` in the text format; the text is built here in
Python (before the write lock is taken) rather than value by value by the driver.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import psycopg

from magcore.storage.base import StreamWrite
from magcore.storage.read_model_rows import Dialect, ReadModelRows

__all__ = [
    "POSTGRES",
    "copy_new_streams",
    "copy_rows",
    "copy_text",
    "write_read_models",
]


def copy_new_streams(cur: psycopg.Cursor[Any], writes: Sequence[StreamWrite]) -> bool:
    """Add the streams of *writes* (all new, none empty) with one COPY, if none exists yet.

    The COPY runs in a savepoint: if any name is taken, the primary key refuses the COPY, the
    savepoint is rolled back and False is returned, so the caller checks name by name (and
    raises :class:`ConflictError` for a stream that is really taken).
    """
    text = "".join([f"{copy_text(w.stream)}\t{len(w.events)}\n" for w in writes])
    try:
        with (
            cur.connection.transaction(),
            cur.copy("COPY magcore_streams (name, version) FROM STDIN") as copy,
        ):
            copy.write(text)
    except psycopg.errors.UniqueViolation:
        return False
    return True


def copy_text(value: str) -> str:
    """*value* as one field of COPY's text format (backslash, tab, newline, CR escaped)."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return value


def _element(value: str) -> str:
    if "\\" in value or '"' in value:
        value = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{value}"'


def _array(values: Sequence[str]) -> str:
    """A ``text[]`` literal of *values* (every element quoted), as a COPY text field."""
    return copy_text("{" + ",".join([_element(v) for v in values]) + "}")


def _field(value: Any) -> str:
    """One value of a read-model row as a COPY text field."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return copy_text(value)
    if isinstance(value, list | tuple):
        return _array(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _same(value: Any) -> Any:
    return value


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(value)


#: PostgreSQL keeps lists as ``text[]`` and dates as ``date``; tables are ``magcore_...``.
POSTGRES = Dialect(
    prefix="magcore_",
    placeholder="%s",
    encode_list=list,
    decode_list=_strings,
    encode_date=_same,
    decode_date=_same,
    types=(
        ("text", "text"),
        ("integer", "integer"),
        ("bigint", "bigint"),
        ("date", "date"),
        ("list", "text[]"),
    ),
    one_of="= ANY(%s)",
    collate=' COLLATE "C"',
)


def copy_rows(
    cur: psycopg.Cursor[Any], table: str, columns: Sequence[str], rows: Sequence[Any]
) -> None:
    """Insert *rows* into *table* with one COPY (text built here, as for the events)."""
    text = "".join(["\t".join([_field(v) for v in row]) + "\n" for row in rows])
    with cur.copy(f"COPY {POSTGRES.table(table)} ({', '.join(columns)}) FROM STDIN") as copy:
        copy.write(text)


def write_read_models(cur: psycopg.Cursor[Any], rows: ReadModelRows) -> None:
    """Write the read-model rows of one call (inserts with COPY, the rest as SQLite does)."""
    if rows:
        rows.write(cur.executemany, POSTGRES, copy=lambda t, c, r: copy_rows(cur, t, c, r))
