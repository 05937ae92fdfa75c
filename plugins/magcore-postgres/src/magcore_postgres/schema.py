"""The PostgreSQL store's schema: its versioned steps, and the checks before a step is taken.

The read-model tables are rendered from the description the SQLite store uses too
(:func:`magcore.storage.read_model_sql.read_model_schema`). The version is kept in
``magcore_schema``; a database from a newer magcore, or one with a half-present schema, is
refused before anything is written.
"""

from __future__ import annotations

import re
from typing import Any

import psycopg

from magcore.errors import StorageError
from magcore.storage.listing_seal import listing_seal_schema
from magcore.storage.listing_sql import listing_index_schema
from magcore.storage.sql_tables import audit_schema, read_model_schema, snapshot_schema

from .ballots import SCHEMA as _BALLOTS_SCHEMA
from .dialect import POSTGRES
from .keys import SCHEMA as _KEYS_SCHEMA
from .outbox import SCHEMA as _OUTBOX_SCHEMA

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "check_schema",
    "current_version",
    "expected_tables",
    "migrate",
    "newer",
]

_V1 = (
    """CREATE TABLE magcore_streams (
        name text PRIMARY KEY,
        version integer NOT NULL CHECK (version >= 0)
    )""",
    """CREATE TABLE magcore_events (
        position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        stream text NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        type text NOT NULL,
        at timestamptz NOT NULL,
        actor text NOT NULL,
        data jsonb NOT NULL,
        UNIQUE (stream, version)
    )""",
    *read_model_schema(POSTGRES),
    *audit_schema(POSTGRES),
)

#: Schema steps: ``MIGRATIONS[n - 1]`` brings a database from version ``n - 1`` to ``n``.
#: Version 2 adds the key table (``magcore_keys``, see :mod:`magcore_postgres.keys`).
#: Version 3 gives audit lines the digest of the event they describe and the id of the key
#: that chains them (empty for the unkeyed lines of older versions, which still verify).
_V3 = (
    "ALTER TABLE magcore_audit ADD COLUMN digest text NOT NULL DEFAULT ''",
    "ALTER TABLE magcore_audit ADD COLUMN key text NOT NULL DEFAULT ''",
    *_OUTBOX_SCHEMA,
)
#: Version 4 adds the ballot boxes of anonymous measurements (see :mod:`magcore_postgres.ballots`).
#: Version 5 adds the streams' snapshots (``magcore_snapshots``, see
#: :data:`magcore.storage.sql_tables.SNAPSHOT_TABLES`).
#: Version 6 adds the guarded listing's index (``magcore_sharing_choice``,
#: ``magcore_restriction``), filled from the people's streams by the first listing.
#: Version 7 seals that index (``version`` and ``seal`` on ``magcore_sharing_choice``, the table
#: ``magcore_listing_person``: :mod:`magcore.storage.listing_seal`) and has it filled again.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    _V1,
    _KEYS_SCHEMA,
    _V3,
    _BALLOTS_SCHEMA,
    snapshot_schema(POSTGRES),
    listing_index_schema(POSTGRES),
    listing_seal_schema(POSTGRES),
)
#: The newest schema version this plugin knows.
SCHEMA_VERSION = len(MIGRATIONS)


def newer(where: str, version: int) -> StorageError:
    return StorageError(
        f"database {where} has schema version {version}, written by a newer magcore; this "
        f"magcore-postgres knows up to version {SCHEMA_VERSION}. Upgrade; nothing was changed"
    )


def expected_tables(version: int) -> frozenset[str]:
    """The tables a database at schema *version* holds (``magcore_schema`` included)."""
    if version <= 0:
        return frozenset()
    names = {"magcore_schema"}
    for step in MIGRATIONS[:version]:
        for statement in step:
            found = _CREATE_TABLE.match(statement)
            if found:
                names.add(found.group(1))
    return frozenset(names)


_CREATE_TABLE = re.compile(r"\s*CREATE TABLE (\w+)", re.IGNORECASE)


def check_schema(cur: psycopg.Cursor[Any], where: str) -> None:
    rows = cur.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
        "AND tablename LIKE 'magcore\\_%'"
    ).fetchall()
    present = {str(r[0]) for r in rows}
    version = current_version(cur)
    if version > SCHEMA_VERSION:
        return  # refused as newer by the caller, with its own message
    if version == 0 and present:
        raise StorageError(
            f"database {where} holds a half-present magcore schema: tables "
            f"{', '.join(sorted(present))} exist but no schema version (magcore_schema). "
            "Restore the database from a backup, or drop these tables before a new store is "
            "created there; nothing was changed"
        )
    missing = expected_tables(version) - present
    if missing:
        raise StorageError(
            f"database {where} holds a half-present magcore schema: version {version} needs "
            f"table{'s' if len(missing) > 1 else ''} {', '.join(sorted(missing))}, which "
            "are missing. Restore the database from a backup ('pg_restore'); nothing was changed"
        )


def current_version(cur: psycopg.Cursor[Any]) -> int:
    found = cur.execute("SELECT to_regclass('magcore_schema') IS NOT NULL").fetchone()
    if not found or not found[0]:
        return 0
    row = cur.execute("SELECT max(version) FROM magcore_schema").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def migrate(cur: psycopg.Cursor[Any], where: str) -> None:
    """Apply the schema steps the database lacks (the caller holds the write lock)."""
    current = current_version(cur)
    if current > SCHEMA_VERSION:
        raise newer(where, current)
    check_schema(cur, where)
    if current == 0:
        cur.execute("CREATE TABLE magcore_schema (version integer NOT NULL)")
        cur.execute("INSERT INTO magcore_schema (version) VALUES (0)")
    for version in range(current + 1, SCHEMA_VERSION + 1):
        for statement in MIGRATIONS[version - 1]:
            cur.execute(statement)
    if current < SCHEMA_VERSION:
        cur.execute("UPDATE magcore_schema SET version = %s", (SCHEMA_VERSION,))
