"""The read-model tables of the SQL stores (SQLite here, PostgreSQL in ``magcore-postgres``).

The rows come ready-made with each write (:attr:`~magcore.storage.base.StreamWrite.read_model`);
this module only sorts them into table rows and writes them, so both engines keep the same
tables the same way: the conversation row inserted (a new stream) or upserted, the people index
filled once, and a conversation's agreements replaced by the ones given. What differs between
the engines (placeholders, table names, how a list or a date is stored) is a :class:`Dialect`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

import attrs

from .base import AgreementRow, ConversationRow, ReadModel, StreamWrite

__all__ = [
    "AGREEMENT_COLUMNS",
    "CONVERSATION_COLUMNS",
    "Dialect",
    "ReadModelRows",
    "agreement_row",
    "conversation_row",
]

#: The columns of the conversations table, in the order of :func:`conversation_values`.
#: ``preparers`` and ``published`` are kept empty: nothing reads them since the rows come from
#: the domain (a later schema version can drop them).
CONVERSATION_COLUMNS = (
    "id",
    "cycle",
    "kind",
    "state",
    "subject",
    "team",
    "participants",
    "requested_on",
    "scheduled_on",
    "held_on",
    "medium",
    "version",
    "preparers",
    "published",
)
#: The columns a query reads back into a :class:`ConversationRow`.
CONVERSATION_READ_COLUMNS = CONVERSATION_COLUMNS[:12]
AGREEMENT_COLUMNS = (
    "conversation",
    "position",
    "agreement",
    "subject",
    "owner",
    "status",
    "due",
    "made_on",
)
AGREEMENT_READ_COLUMNS = tuple(c for c in AGREEMENT_COLUMNS if c != "position")


@attrs.frozen(kw_only=True)
class Dialect:
    """How one SQL engine names the tables and stores values."""

    prefix: str
    """Put before every table name (``magcore_`` on PostgreSQL)."""
    placeholder: str
    """``?`` (sqlite3) or ``%s`` (psycopg)."""
    encode_list: Callable[[Sequence[str]], Any]
    decode_list: Callable[[Any], tuple[str, ...]]
    encode_date: Callable[[date | None], Any]
    decode_date: Callable[[Any], date | None]
    types: tuple[tuple[str, str], ...]
    """The engine's type of each column kind (``text``, ``integer``, ``date``, ``list``)."""
    one_of: str
    """After a text column: true when it is one of the texts of one parameter, the list as
    :attr:`encode_list` gives it (so one query asks about a whole batch of people, whatever
    the engine's limit on parameters)."""
    keyed_suffix: str = ""
    """After a table that is all key (``" WITHOUT ROWID"`` on SQLite)."""
    collate: str = ""
    """After a text column in ``ORDER BY``, so that ids sort by code point everywhere."""
    empty_list: Any = attrs.field(
        init=False,
        repr=False,
        eq=False,
        default=attrs.Factory(lambda self: self.encode_list(()), takes_self=True),
    )
    """An empty list as stored (made once, not per row)."""

    def table(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def type_name(self, kind: str) -> str:
        """The engine's type of a column of *kind*."""
        return dict(self.types)[kind]

    def insert(self, table: str, columns: Sequence[str]) -> str:
        """``INSERT INTO table (columns) VALUES (...)``."""
        marks = ", ".join([self.placeholder] * len(columns))
        return f"INSERT INTO {self.table(table)} ({', '.join(columns)}) VALUES ({marks})"

    def upsert_conversation(self) -> str:
        """Insert a conversation row, or update every column of the one with that id."""
        updates = ", ".join(f"{c} = excluded.{c}" for c in CONVERSATION_COLUMNS[1:])
        return (
            f"{self.insert('conversations', CONVERSATION_COLUMNS)} "
            f"ON CONFLICT (id) DO UPDATE SET {updates}"
        )

    def conversation_values(self, row: ConversationRow) -> tuple[Any, ...]:
        """*row* as the values of :data:`CONVERSATION_COLUMNS`."""
        empty = self.empty_list
        return (
            row.id,
            row.cycle,
            row.kind,
            row.state,
            row.subject,
            row.team,
            self.encode_list(row.participants),
            self.encode_date(row.requested_on),
            self.encode_date(row.scheduled_on),
            self.encode_date(row.held_on),
            row.medium,
            row.version,
            empty,
            empty,
        )

    def agreement_values(self, model: ReadModel) -> list[tuple[Any, ...]]:
        """The agreements of *model* as the values of :data:`AGREEMENT_COLUMNS`."""
        encode = self.encode_date
        return [
            (
                a.conversation,
                position,
                a.agreement,
                a.subject,
                a.owner,
                a.status,
                encode(a.due),
                encode(a.made_on),
            )
            for position, a in enumerate(model.agreements)
        ]


def conversation_row(values: Sequence[Any], dialect: Dialect) -> ConversationRow:
    """A row read with :data:`CONVERSATION_READ_COLUMNS` as a :class:`ConversationRow`."""
    requested_on = dialect.decode_date(values[7])
    assert requested_on is not None  # NOT NULL
    return ConversationRow(
        id=values[0],
        cycle=values[1],
        kind=values[2],
        state=values[3],
        subject=values[4],
        team=values[5],
        participants=dialect.decode_list(values[6]),
        requested_on=requested_on,
        scheduled_on=dialect.decode_date(values[8]),
        held_on=dialect.decode_date(values[9]),
        medium=values[10],
        version=values[11],
    )


def agreement_row(values: Sequence[Any], dialect: Dialect) -> AgreementRow:
    """A row read with :data:`AGREEMENT_READ_COLUMNS` as an :class:`AgreementRow`."""
    return AgreementRow(
        conversation=values[0],
        agreement=values[1],
        subject=values[2],
        owner=values[3],
        status=values[4],
        due=dialect.decode_date(values[5]),
        made_on=dialect.decode_date(values[6]),
    )


@attrs.frozen
class ReadModelRows:
    """The table rows of one call, built before its transaction and written inside it.

    ``new``: rows of conversations whose stream starts in this call (plain inserts, the bulk
    case), with their ``people``; ``changed``: rows to upsert; ``replaced``: the conversations
    whose agreements become ``agreements``.
    """

    new: list[tuple[Any, ...]]
    people: list[tuple[str, str]]
    changed: list[tuple[Any, ...]]
    replaced: list[str]
    agreements: list[tuple[Any, ...]]

    @classmethod
    def of_writes(cls, writes: Sequence[StreamWrite], dialect: Dialect) -> ReadModelRows:
        """The rows the *writes* carry (a write without a read model has none)."""
        return cls.of(
            ((w.expected_version == 0, w.read_model) for w in writes if w.read_model is not None),
            dialect,
        )

    @classmethod
    def of(cls, models: Iterable[tuple[bool, ReadModel]], dialect: Dialect) -> ReadModelRows:
        """Rows for each ``(is_new, model)``."""
        rows = cls([], [], [], [], [])
        values = dialect.conversation_values
        for is_new, model in models:
            conv = model.conversation
            if is_new:
                rows.new.append(values(conv))
                rows.people.extend([(p, conv.id) for p in dict.fromkeys(conv.participants)])
                if not model.agreements:
                    continue
            else:
                rows.changed.append(values(conv))
            rows.replaced.append(conv.id)
            rows.agreements.extend(dialect.agreement_values(model))
        return rows

    def __bool__(self) -> bool:
        return bool(self.new or self.changed or self.replaced)

    def write(
        self,
        executemany: Callable[[str, Sequence[Sequence[Any]]], object],
        dialect: Dialect,
        *,
        copy: Callable[[str, Sequence[str], Sequence[Sequence[Any]]], None] | None = None,
    ) -> None:
        """Write every row in the caller's transaction: inserts, upserts, then the agreements
        replaced.

        *executemany* is ``cursor.executemany``; *copy* ``(table, columns, rows)``, if given,
        inserts many rows at once (PostgreSQL's COPY) and is used for every plain insert.
        """

        def insert(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
            if not rows:
                return
            if copy is not None:
                copy(table, columns, rows)
            else:
                executemany(dialect.insert(table, columns), rows)

        insert("conversations", CONVERSATION_COLUMNS, self.new)
        insert("conversation_people", ("person", "conversation"), self.people)
        if self.changed:
            executemany(dialect.upsert_conversation(), self.changed)
        if self.replaced:
            delete = (
                f"DELETE FROM {dialect.table('agreements')} "
                f"WHERE conversation = {dialect.placeholder}"
            )
            executemany(delete, [(c,) for c in self.replaced])
        insert("agreements", AGREEMENT_COLUMNS, self.agreements)
