"""Putting read-model rows right: what a store holds, and the rows a repair writes back.

The read-model tables are written with each append (:mod:`.read_model_rows`); nothing
authenticates them, so someone writing in the database can edit them. ``magcore store check``
finds such rows (:mod:`magcore.app.read_model_check`), and
:func:`magcore.app.read_model_repair.repair_read_models` writes back what the events give.

A store that can be repaired has the two methods of :class:`RepairsReadModels`:
``stored_read_models`` reads every row as it is stored (:class:`StoredReadModels`), and
``repair_read_models`` writes a :class:`ReadModelFix` and its audit line in one transaction,
provided no stream it rests on moved meanwhile. The SQL stores share the SQL here
(:func:`read_stored_rows`, :func:`write_fix`); the memory store keeps its rows in a dict.

.. versionadded:: 0.4
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import attrs

from ..errors import ConflictError
from .base import AgreementRow, AuditRecord, ConversationRow, ReadModel
from .read_model_rows import (
    AGREEMENT_COLUMNS,
    AGREEMENT_READ_COLUMNS,
    CONVERSATION_READ_COLUMNS,
    Dialect,
    agreement_row,
    conversation_row,
)

__all__ = [
    "ReadModelFix",
    "RepairsReadModels",
    "StoredReadModels",
    "check_versions",
    "read_stored_rows",
    "write_fix",
]


@attrs.frozen(kw_only=True)
class StoredReadModels:
    """Every row of the read-model tables as the store holds it, by conversation id."""

    conversations: Mapping[str, ConversationRow]
    agreements: Mapping[str, Mapping[int, AgreementRow]]
    """Each conversation's agreement rows by their position (a row may name a conversation the
    ``conversations`` table lacks)."""
    people: Mapping[str, frozenset[str]] | None
    """The people index (``conversation_people``): the people each conversation names;
    ``None`` where the store keeps no such index (the memory store reads ``participants``)."""


@attrs.frozen(kw_only=True)
class ReadModelFix:
    """The rows a repair writes, in one transaction.

    Each conversation of ``put`` gets exactly the rows of its read model (its row, its
    agreements, its people index); every row naming a conversation of ``drop`` goes. The
    transaction first checks that each stream of ``versions`` is still at the version the rows
    were rebuilt from (0: no such stream), or raises :class:`~magcore.errors.ConflictError`
    and writes nothing.
    """

    put: tuple[ReadModel, ...] = ()
    drop: tuple[str, ...] = ()
    versions: tuple[tuple[str, int], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.put or self.drop)


@runtime_checkable
class RepairsReadModels(Protocol):
    """A store whose read-model rows can be read whole and put right (optional)."""

    def stored_read_models(self) -> StoredReadModels:
        """Every read-model row as stored (no content: the rows never hold any)."""
        ...

    def repair_read_models(self, fix: ReadModelFix, *, audit: Sequence[AuditRecord] = ()) -> None:
        """Write *fix* and chain *audit* in one transaction; a stream that moved since the
        rows were rebuilt raises :class:`~magcore.errors.ConflictError` and nothing changes."""
        ...


def check_versions(fix: ReadModelFix, version: Callable[[str], int]) -> None:
    """Raise :class:`ConflictError` for the first stream of *fix* whose *version* (read in the
    caller's transaction) is not the one its rows were rebuilt from."""
    for stream, expected in fix.versions:
        actual = version(stream)
        if actual != expected:
            raise ConflictError(stream=stream, expected_version=expected, actual_version=actual)


def read_stored_rows(
    fetch: Callable[[str, Sequence[Any]], list[Sequence[Any]]], dialect: Dialect
) -> StoredReadModels:
    """Every row of an SQL store's read-model tables (*fetch* runs one query)."""
    conversations = {
        row.id: row
        for row in (
            conversation_row(values, dialect)
            for values in fetch(
                f"SELECT {', '.join(CONVERSATION_READ_COLUMNS)} "
                f"FROM {dialect.table('conversations')}",
                (),
            )
        )
    }
    agreements: dict[str, dict[int, AgreementRow]] = {}
    columns = ", ".join(("position", *AGREEMENT_READ_COLUMNS))
    for values in fetch(f"SELECT {columns} FROM {dialect.table('agreements')}", ()):
        row = agreement_row(values[1:], dialect)
        agreements.setdefault(row.conversation, {})[int(values[0])] = row
    people: dict[str, set[str]] = {}
    for person, conversation in fetch(
        f"SELECT person, conversation FROM {dialect.table('conversation_people')}", ()
    ):
        people.setdefault(conversation, set()).add(person)
    return StoredReadModels(
        conversations=conversations,
        agreements=agreements,
        people={c: frozenset(p) for c, p in people.items()},
    )


def write_fix(
    fix: ReadModelFix,
    executemany: Callable[[str, Sequence[Sequence[Any]]], object],
    dialect: Dialect,
) -> None:
    """Write *fix* in the caller's transaction: the rows of ``drop`` and the agreements and
    people of ``put`` deleted, then the rows of ``put`` upserted and inserted (references
    first, so a foreign key is never broken on the way)."""
    mark = dialect.placeholder
    touched = [(m.conversation.id,) for m in fix.put] + [(c,) for c in fix.drop]
    dropped = [(c,) for c in fix.drop]
    for table in ("conversation_people", "agreements"):
        if touched:
            executemany(f"DELETE FROM {dialect.table(table)} WHERE conversation = {mark}", touched)
    if dropped:
        executemany(f"DELETE FROM {dialect.table('conversations')} WHERE id = {mark}", dropped)
    if not fix.put:
        return
    executemany(
        dialect.upsert_conversation(),
        [dialect.conversation_values(m.conversation) for m in fix.put],
    )
    agreements = [row for m in fix.put for row in dialect.agreement_values(m)]
    if agreements:
        executemany(dialect.insert("agreements", AGREEMENT_COLUMNS), agreements)
    people = [
        (person, m.conversation.id)
        for m in fix.put
        for person in dict.fromkeys(m.conversation.participants)
    ]
    if people:
        executemany(dialect.insert("conversation_people", ("person", "conversation")), people)
