"""The tables every SQL store keeps alike, described once and rendered to each engine.

The SQLite store and the PostgreSQL store (``magcore-postgres``) keep the same read-model
tables (``conversations``, its people index ``conversation_people``, and ``agreements``) and the
same audit tables. Their columns, keys and indexes are :data:`READ_MODEL_TABLES` and
:data:`AUDIT_TABLES`; :func:`read_model_schema` and :func:`audit_schema` render them as
``CREATE`` statements in one engine's :class:`~.read_model_rows.Dialect` (type names, table
prefix, ``WITHOUT ROWID``). The event log differs by engine (an identity column and ``jsonb``
on PostgreSQL) and is written out in each store's schema module.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from .base import GENESIS
from .read_model_rows import Dialect

__all__ = [
    "AUDIT_TABLES",
    "READ_MODEL_TABLES",
    "SNAPSHOT_TABLES",
    "Column",
    "Table",
    "audit_schema",
    "create_statements",
    "read_model_schema",
    "snapshot_schema",
]


@attrs.frozen
class Column:
    """One column: its name, its kind (``text``, ``integer``, ``date``, ``list``), and rules."""

    name: str
    kind: str
    required: bool = False
    """``NOT NULL``."""
    rule: str = ""
    """What follows the type: ``PRIMARY KEY``, or ``REFERENCES conversations (id)`` (the table
    name in it gets the dialect's prefix)."""


@attrs.frozen
class Table:
    """One table with its columns, its composite primary key and its indexes."""

    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    indexes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """``(suffix, columns)``: the index ``<table>_<suffix>``."""
    keyed_only: bool = False
    """Everything it holds is its key: ``WITHOUT ROWID`` where the engine has that."""


def _conversation() -> Column:
    return Column("conversation", "text", True, "REFERENCES conversations (id)")


#: The read-model tables of every SQL store (schema version 1).
READ_MODEL_TABLES: tuple[Table, ...] = (
    Table(
        "conversations",
        (
            Column("id", "text", rule="PRIMARY KEY"),
            Column("cycle", "text", True),
            Column("kind", "text", True),
            Column("state", "text", True),
            Column("subject", "text"),
            Column("team", "text"),
            Column("participants", "list", True),
            Column("requested_on", "date", True),
            Column("scheduled_on", "date"),
            Column("held_on", "date"),
            Column("medium", "text"),
            Column("version", "integer", True),
            Column("preparers", "list", True),
            Column("published", "list", True),
        ),
        indexes=(("subject", ("subject",)), ("team", ("team",))),
    ),
    Table(
        "conversation_people",
        (Column("person", "text", True), _conversation()),
        primary_key=("person", "conversation"),
        keyed_only=True,
    ),
    Table(
        "agreements",
        (
            _conversation(),
            Column("position", "integer", True),
            Column("agreement", "text", True),
            Column("subject", "text"),
            Column("owner", "text", True),
            Column("status", "text", True),
            Column("due", "date"),
            Column("made_on", "date"),
        ),
        primary_key=("conversation", "position"),
        indexes=(("subject", ("subject", "status")),),
    ),
)


def _column(column: Column, dialect: Dialect) -> str:
    parts = [column.name, dialect.type_name(column.kind)]
    if column.required:
        parts.append("NOT NULL")
    if column.rule.startswith("REFERENCES "):
        parts.append(f"REFERENCES {dialect.prefix}{column.rule.removeprefix('REFERENCES ')}")
    elif column.rule:
        parts.append(column.rule)
    return " ".join(parts)


def create_statements(tables: Sequence[Table], dialect: Dialect) -> tuple[str, ...]:
    """The ``CREATE TABLE`` and ``CREATE INDEX`` statements of *tables* in *dialect*."""
    statements: list[str] = []
    for table in tables:
        lines = [_column(c, dialect) for c in table.columns]
        if table.primary_key:
            lines.append(f"PRIMARY KEY ({', '.join(table.primary_key)})")
        body = ",\n        ".join(lines)
        suffix = dialect.keyed_suffix if table.keyed_only else ""
        name = dialect.table(table.name)
        statements.append(f"CREATE TABLE {name} (\n        {body}\n    ){suffix}")
        for index, columns in table.indexes:
            statements.append(f"CREATE INDEX {name}_{index} ON {name} ({', '.join(columns)})")
    return tuple(statements)


def read_model_schema(dialect: Dialect) -> tuple[str, ...]:
    """The read-model tables and indexes in *dialect*."""
    return create_statements(READ_MODEL_TABLES, dialect)


def _text(name: str) -> Column:
    return Column(name, "text", True)


#: The audit log and its head (schema version 1; version 3 adds ``digest`` and ``key``).
AUDIT_TABLES: tuple[Table, ...] = (
    Table(
        "audit",
        (
            Column("seq", "bigint", rule="PRIMARY KEY"),
            *map(_text, ("at", "actor", "action", "object", "result", "origin", "reason")),
            *map(_text, ("purpose", "prev_hash", "hash")),
        ),
    ),
    Table(
        "audit_head",
        (
            Column("id", "integer", rule="PRIMARY KEY CHECK (id = 1)"),
            Column("count", "bigint", True),
            _text("last_hash"),
        ),
    ),
)


def audit_schema(dialect: Dialect) -> tuple[str, ...]:
    """The audit tables in *dialect*, with the head at the start of the chain."""
    return (
        *create_statements(AUDIT_TABLES, dialect),
        f"INSERT INTO {dialect.table('audit_head')} (id, count, last_hash) "
        f"VALUES (1, 0, '{GENESIS}')",
    )


#: A stream's snapshot (schema version 5): what the stream's events fold into up to
#: ``version``, in numbered parts (so that neither writing nor reading it holds one huge text),
#: written in the transaction that appended that event (whose ``position`` every part names, so
#: a snapshot of a stream destroyed and written again is never taken for the new one). A cache
#: of the events, never their replacement: the events stay the record, and a missing or stale
#: snapshot only means the events are folded (see :mod:`magcore.storage.streaming`). Each part
#: is sealed (``seal``: an HMAC under the audit chain's key, bound to the stream, version,
#: position and part number), so a part edited in the table is not taken for the fold.
SNAPSHOT_TABLES: tuple[Table, ...] = (
    Table(
        "snapshots",
        (
            Column("stream", "text", True),
            Column("part", "integer", True),
            Column("version", "integer", True),
            Column("position", "bigint", True),
            Column("data", "text", True),
            Column("seal", "text", True),
        ),
        primary_key=("stream", "part"),
    ),
)


def snapshot_schema(dialect: Dialect) -> tuple[str, ...]:
    """The snapshot table in *dialect*."""
    return create_statements(SNAPSHOT_TABLES, dialect)
