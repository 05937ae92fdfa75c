"""The read-model queries, written once for every SQL store.

The SQLite store and the PostgreSQL store (``magcore-postgres``) keep the same read-model tables
(described once in :mod:`magcore.storage.sql_tables`). :class:`ReadModelQueries` is the read
side both stores share: the filters of ``Store.conversations`` and the open agreements of a
person, written once with the dialect's placeholders, so the two engines answer the same
question the same way.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from .base import AgreementRow, ConversationRow
from .common import subject_set
from .read_model_fix import StoredReadModels, read_stored_rows
from .read_model_rows import (
    AGREEMENT_READ_COLUMNS,
    CONVERSATION_READ_COLUMNS,
    Dialect,
    agreement_row,
    conversation_row,
)

__all__ = ["SUBJECTS_IN_SQL", "ReadModelQueries", "conversations_query", "open_agreements_query"]

#: The most people a ``subjects`` filter names in the SQL itself (one parameter each); for more,
#: the rows are kept in Python, so no engine's limit on parameters is ever met.
SUBJECTS_IN_SQL = 500


def conversations_query(
    dialect: Dialect,
    *,
    subject: str | None = None,
    participant: str | None = None,
    team: str | None = None,
    states: Collection[str] | None = None,
    held_from: date | None = None,
    held_until: date | None = None,
    subjects: Collection[str] | None = None,
) -> tuple[str, list[Any]] | None:
    """The SQL and parameters of ``Store.conversations`` (None: no state or subject wanted,
    no rows). More than :data:`SUBJECTS_IN_SQL` *subjects* are not in the SQL: the caller
    keeps the rows about them (:meth:`ReadModelQueries.conversations` does)."""
    mark = dialect.placeholder
    where: list[str] = []
    params: list[Any] = []
    if subject is not None:
        where.append(f"c.subject = {mark}")
        params.append(subject)
    if subjects is not None:
        people = sorted(subject_set(subjects) or ())
        if not people:
            return None
        if len(people) <= SUBJECTS_IN_SQL:
            where.append(f"c.subject IN ({', '.join([mark] * len(people))})")
            params.extend(people)
    if participant is not None:
        where.append(
            f"c.id IN (SELECT conversation FROM {dialect.table('conversation_people')} "
            f"WHERE person = {mark})"
        )
        params.append(participant)
    if team is not None:
        where.append(f"c.team = {mark}")
        params.append(team)
    if states is not None:
        wanted = list(states)
        if not wanted:
            return None
        where.append(f"c.state IN ({', '.join([mark] * len(wanted))})")
        params.extend(wanted)
    if held_from is not None:
        where.append(f"c.held_on >= {mark}")
        params.append(dialect.encode_date(held_from))
    if held_until is not None:
        where.append(f"c.held_on < {mark}")
        params.append(dialect.encode_date(held_until))
    columns = ", ".join(f"c.{column}" for column in CONVERSATION_READ_COLUMNS)
    sql = f"SELECT {columns} FROM {dialect.table('conversations')} c"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY c.requested_on, c.id{dialect.collate}"
    return sql, params


def open_agreements_query(dialect: Dialect, *, many: bool = False) -> str:
    """The SQL of ``Store.open_agreements`` (one parameter: the subject), oldest first; with
    *many*, of ``open_agreements_many`` (one parameter: the subjects, as the dialect
    encodes a list), in the same order for each subject."""
    columns = ", ".join(f"a.{column}" for column in AGREEMENT_READ_COLUMNS)
    subject = dialect.one_of if many else f"= {dialect.placeholder}"
    return (
        f"SELECT {columns} FROM {dialect.table('agreements')} a "
        f"JOIN {dialect.table('conversations')} c ON c.id = a.conversation "
        f"WHERE a.subject {subject} AND a.status = 'open' AND c.state = 'agreed' "
        f"ORDER BY a.made_on NULLS FIRST, a.conversation{dialect.collate}, a.position"
    )


class ReadModelQueries:
    """``conversations``, ``open_agreements`` and ``stored_read_models`` for an SQL store (a
    mix-in).

    The store names its :attr:`dialect` and runs a query in one read transaction with
    :meth:`_fetch_rows`.
    """

    dialect: ClassVar[Dialect]

    if TYPE_CHECKING:  # the store defines it: the rows of *sql*, read in one transaction

        def _fetch_rows(self, sql: str, params: Sequence[Any]) -> list[Sequence[Any]]: ...

    def conversations(
        self,
        *,
        subject: str | None = None,
        participant: str | None = None,
        team: str | None = None,
        states: Collection[str] | None = None,
        held_from: date | None = None,
        held_until: date | None = None,
        subjects: Collection[str] | None = None,
    ) -> list[ConversationRow]:
        subjects = subject_set(subjects)  # read once: a generator is used up by reading
        query = conversations_query(
            self.dialect,
            subject=subject,
            participant=participant,
            team=team,
            states=states,
            held_from=held_from,
            held_until=held_until,
            subjects=subjects,
        )
        if query is None:
            return []
        rows = [conversation_row(row, self.dialect) for row in self._fetch_rows(*query)]
        if subjects is not None and len(subjects) > SUBJECTS_IN_SQL:  # too many for the SQL
            rows = [row for row in rows if row.subject in subjects]
        return rows

    def open_agreements(self, subject: str) -> list[AgreementRow]:
        sql = open_agreements_query(self.dialect)
        return [agreement_row(row, self.dialect) for row in self._fetch_rows(sql, (subject,))]

    def open_agreements_many(self, subjects: Collection[str]) -> dict[str, list[AgreementRow]]:
        people = sorted(subject_set(subjects) or ())
        found: dict[str, list[AgreementRow]] = {person: [] for person in people}
        if not people:
            return found
        sql = open_agreements_query(self.dialect, many=True)
        for values in self._fetch_rows(sql, (self.dialect.encode_list(people),)):
            row = agreement_row(values, self.dialect)
            mine = found.get(row.subject) if row.subject is not None else None
            if mine is not None:  # the engine compares exactly: always one of *people*
                mine.append(row)
        return found

    def stored_read_models(self) -> StoredReadModels:
        """Every read-model row as stored, for a repair
        (:class:`~magcore.storage.read_model_fix.RepairsReadModels`). Added in 0.4."""
        return read_stored_rows(self._fetch_rows, self.dialect)
