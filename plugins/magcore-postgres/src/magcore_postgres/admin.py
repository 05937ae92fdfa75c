"""Maintenance of a PostgreSQL store: table access for ``magcore store copy``, backup advice.

:func:`tables` reads the kept tables from the catalogue (every ``magcore_`` table in the store's
schema but the derived ones: the schema version and the stream versions, which are rebuilt), so a
table a later migration adds is copied without a list to update. :func:`dump_table` turns values
into the portable form of :mod:`magcore.storage.transfer` (ISO dates and times in UTC, arrays and
JSON as text); :func:`load_tables` turns them back, column type by column type, with ``COPY``.

PostgreSQL has its own backups (``pg_dump``, base backups with WAL archiving);
:func:`backup_advice` says how to use them for a magcore store.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import psycopg

from magcore.errors import StorageError
from magcore.storage.common import data_json, json_list

if TYPE_CHECKING:
    from .store import PostgresStore

__all__ = [
    "DERIVED_TABLES",
    "LOGICAL_NAMES",
    "PREFIX",
    "backup_advice",
    "dump_table",
    "load_tables",
    "tables",
]

PREFIX = "magcore_"
#: Tables rebuilt from the others after a load (never copied).
DERIVED_TABLES = frozenset({"magcore_schema", "magcore_streams"})
#: Tables whose logical name is not their name without the prefix: the name the SQLite store
#: gives the same table.
LOGICAL_NAMES = {"magcore_keys": "data_keys"}


def _columns(cur: psycopg.Cursor[Any]) -> dict[str, dict[str, str]]:
    """Every ``magcore_`` table of the current schema → {column: data type}, in column order."""
    rows = cur.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name LIKE 'magcore\\_%' "
        "ORDER BY table_name, ordinal_position"
    ).fetchall()
    found: dict[str, dict[str, str]] = {}
    for table, column, kind in rows:
        found.setdefault(str(table), {})[str(column)] = str(kind)
    return found


def _logical(name: str) -> str:
    return LOGICAL_NAMES.get(name, name[len(PREFIX) :])


def _physical(logical: str) -> str:
    for name, known in LOGICAL_NAMES.items():
        if known == logical:
            return name
    return PREFIX + logical


def _kept(found: Mapping[str, Mapping[str, str]]) -> dict[str, Mapping[str, str]]:
    return {
        _logical(name): columns for name, columns in found.items() if name not in DERIVED_TABLES
    }


def tables(store: PostgresStore) -> dict[str, tuple[str, ...]]:
    """Every kept table (logical name, without ``magcore_``) with its columns."""
    with store._transaction(write=False) as cur:
        return {name: tuple(columns) for name, columns in _kept(_columns(cur)).items()}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _portable(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "ARRAY":
        return json_list(list(value))
    if kind in ("jsonb", "json"):
        return data_json(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def _stored(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "ARRAY":
        return json.loads(value) if isinstance(value, str) else list(value)
    return value


def _check(kept: Mapping[str, Mapping[str, str]], table: str, columns: Sequence[str]) -> None:
    if table not in kept:
        raise StorageError(f"the store has no table {table}")
    unknown = sorted(set(columns) - set(kept[table]))
    if unknown or not columns:
        raise StorageError(f"table {table} has no column(s) {', '.join(unknown) or '(none)'}")


def dump_table(
    store: PostgresStore, table: str, columns: Sequence[str]
) -> Iterator[tuple[Any, ...]]:
    """The rows of *table* in the portable form, streamed from a server-side cursor."""
    with store._transaction(write=False) as cur:
        kept = _kept(_columns(cur))
        _check(kept, table, columns)
        kinds = [kept[table][c] for c in columns]
        with cur.connection.cursor(name=f"magcore_dump_{table}") as named:
            named.execute(
                f"SELECT {', '.join(_quote(c) for c in columns)} FROM {_quote(_physical(table))}"
            )
            while rows := named.fetchmany(1000):
                for row in rows:
                    yield tuple(_portable(v, k) for v, k in zip(row, kinds, strict=True))


def _order(cur: psycopg.Cursor[Any], names: Iterable[str]) -> list[str]:
    """*names* (full table names) so that a referenced table comes before those that refer to it."""
    edges = cur.execute(
        "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c "
        "WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace"
    ).fetchall()
    needs: dict[str, set[str]] = {name: set() for name in names}
    for child, parent in edges:
        if child in needs and parent in needs and child != parent:
            needs[child].add(parent)
    ordered: list[str] = []
    while needs:
        ready = sorted(name for name, parents in needs.items() if not parents)
        if not ready:  # a cycle of foreign keys: keep the rest in name order
            ready = sorted(needs)
        for name in ready:
            ordered.append(name)
            del needs[name]
        for parents in needs.values():
            parents.difference_update(ready)
    return ordered


def load_tables(
    store: PostgresStore,
    contents: Mapping[str, tuple[Sequence[str], Iterable[Sequence[Any]]]],
) -> None:
    """Replace every given table's rows in the new, empty *store*, in one transaction.

    Then rebuilds the stream versions and moves identity sequences past the copied rows.
    """
    with store._transaction(write=True) as cur:
        used = cur.execute("SELECT EXISTS (SELECT 1 FROM magcore_events)").fetchone()
        head = cur.execute("SELECT count FROM magcore_audit_head").fetchone()
        if (used and used[0]) or (head is not None and head[0]):
            raise StorageError(
                f"database {store._where} already holds events or audit lines; load only into "
                "a new, empty store"
            )
        kept = _kept(_columns(cur))
        for table, (columns, _rows) in contents.items():
            _check(kept, table, columns)
        order = _order(cur, [_physical(t) for t in contents])
        for full in reversed(order):
            cur.execute(f"DELETE FROM {_quote(full)}")
        for full in order:
            table = _logical(full)
            columns, rows = contents[table]
            kinds = [kept[table][c] for c in columns]
            with cur.copy(
                f"COPY {_quote(full)} ({', '.join(_quote(c) for c in columns)}) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row([_stored(v, k) for v, k in zip(row, kinds, strict=True)])
        cur.execute("DELETE FROM magcore_streams")
        cur.execute(
            "INSERT INTO magcore_streams (name, version) "
            "SELECT stream, max(version) FROM magcore_events GROUP BY stream"
        )
        identities = cur.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND is_identity = 'YES' "
            "AND table_name LIKE 'magcore\\_%'"
        ).fetchall()
        for table_name, column in identities:
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, %s), "
                f"GREATEST(max({_quote(column)}), 1), max({_quote(column)}) IS NOT NULL) "
                f"FROM {_quote(table_name)}",
                (_quote(table_name), column),
            )


def backup_advice(store: PostgresStore) -> str:
    """How to back up and restore this store with PostgreSQL's own tools (no password shown)."""
    parts = urlsplit(store._where)
    database = parts.path.lstrip("/") or "DATABASE"
    return (
        "magcore does not copy a PostgreSQL database itself: use PostgreSQL's tools, which "
        "keep a consistent snapshot while magcore writes.\n"
        f"  back up:  pg_dump --format=custom --table='magcore_*' --file=magcore-$(date -u "
        f"+%Y%m%dT%H%M%SZ).dump '{store._where}'\n"
        f"  restore:  pg_restore --dbname='{store._where}' --single-transaction "
        "magcore-TIME.dump   (into an empty database)\n"
        "  check:    magcore --store URL store check   (after a restore)\n"
        "Give the password through ~/.pgpass or PGPASSWORD, not on the command line. For "
        "point-in-time recovery use base backups with WAL archiving (pg_basebackup). "
        f"'magcore store copy' can also copy {database} into an SQLite file."
    )
