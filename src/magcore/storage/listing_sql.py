"""The guarded listing's index queries, written once for every SQL engine.

A listing ("what may this person see, for this purpose") starts from two indexed tables next
to the read model's ``conversations``: ``sharing_choice`` (one row per sharing choice, indexed
by grantee and by subject) and ``restriction`` (one row per AVG art. 18 restriction that holds:
``conversation`` ``NULL`` for the whole record). :data:`LISTING_INDEX_TABLES` describes them.

:func:`candidate_queries` is the one join the listing needs, with the policy's exact, cheap
tests pushed into it, so that Python decides only the rows that can still be listed:

* the choice names one of the viewer's grantee keys, or is a ``next_manager`` choice of one of
  the people they manage (who manages whom is checked again in Python, per subject);
* its purpose is the listing's;
* it was granted at or before the moment of the listing and is not revoked by then
  (``granted_at`` and ``revoked_at`` are ISO 8601 text in UTC as
  :func:`instant_text` writes it, compared as text: for that form the order of the text is the
  order of the instants);
* its ``until`` (a local day) is not before the local day of the listing (computed once, in the
  installation's time zone, by the caller);
* a choice for one conversation only joins that conversation;
* a ``what`` that opens nothing in any conversation (passed by the caller) is left out;
* unless the viewer is the privacy officer, a restricted record is left out.

Equivalence with the per-candidate decision is a property test
(``tests/access/test_listing_equivalence.py``) on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import attrs

from ..events import Event
from ..read_models import PersonRows
from .base import StreamWrite
from .chain import ChainKey
from .common import event_from_row
from .listing_seal import choice_seal, person_seal, restricted_text
from .read_model_rows import Dialect
from .sql_tables import Column, Table, create_statements

__all__ = [
    "CANDIDATE_COLUMNS",
    "CHOICE_COLUMNS",
    "LISTING_INDEX_TABLES",
    "PENDING_TABLE",
    "SEALED_COLUMNS",
    "CandidateFilter",
    "Fold",
    "ListingIndex",
    "candidate_queries",
    "choice_values",
    "fill_pending",
    "instant_text",
    "is_pending",
    "listing_index_schema",
    "person_table_rows",
    "restriction_query",
    "sealed_elsewhere",
    "write_person_rows",
    "written_people",
]

#: The index tables of the guarded listing (next to the read model's ``conversations``).
LISTING_INDEX_TABLES: tuple[Table, ...] = (
    Table(
        "sharing_choice",
        (
            Column("choice", "integer", True),
            Column("subject", "text", True),
            Column("grantee", "text", True),
            Column("what", "text", True),
            Column("purpose", "text", True),
            Column("until", "date"),
            Column("conversation", "text"),
            Column("granted_at", "text", True),
            Column("revoked_at", "text"),
        ),
        indexes=(("grantee", ("grantee",)), ("subject", ("subject", "grantee"))),
    ),
    Table(
        "restriction",
        (Column("subject", "text", True), Column("conversation", "text")),
        indexes=(("subject", ("subject",)),),
    ),
)

#: What a candidate row holds: (conversation, cycle, kind, state, subject, choice, grantee,
#: what).
CANDIDATE_COLUMNS = (
    "c.id",
    "c.cycle",
    "c.kind",
    "c.state",
    "c.subject",
    "s.choice",
    "s.grantee",
    "s.what",
)

#: What a candidate row holds after :data:`CANDIDATE_COLUMNS` when its seal is asked for
#: (``candidate_queries(..., sealed=True)``): the rest of the choice, its version and seal,
#: its person's restrictions then (:mod:`.listing_seal`), then the version of the person's
#: stream in the event log (``NULL``: no stream).
SEALED_COLUMNS = (
    "s.purpose",
    "s.until",
    "s.conversation",
    "s.granted_at",
    "s.revoked_at",
    "s.version",
    "s.seal",
    "s.restricted",
)

NEXT_MANAGER = "next_manager"


def instant_text(moment: datetime) -> str:
    """*moment* (timezone-aware) as the index keeps instants: ISO 8601 in UTC
    (``2026-03-31T22:00:00+00:00``, microseconds only when there are any). In this one form the
    text order is the order of the instants, so the index compares them as text."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment.isoformat()} has no time zone")
    return moment.astimezone(UTC).isoformat()


@attrs.frozen(kw_only=True)
class CandidateFilter:
    """The exact tests a listing pushes into the index query (see the module docstring)."""

    grantees: frozenset[str]
    """The ``grantee`` values that may name the viewer (their id, the roles they hold)."""
    reports: frozenset[str]
    """The people the viewer manages today (their ``next_manager`` choices)."""
    purpose: str
    at: datetime
    """The moment of the listing (the service clock's)."""
    today: date
    """The local day of *at* in the installation's time zone."""
    officer: bool
    """The privacy officer sees restricted records too."""
    never: frozenset[str] = frozenset()
    """``what`` values that open nothing in any conversation."""


def candidate_queries(
    dialect: Dialect, wanted: CandidateFilter, *, sealed: bool = False
) -> list[tuple[str, list[Any]]]:
    """The SQL and parameters that give the candidate rows of *wanted*: one query by grantee
    and one for ``next_manager`` choices (by subject, or all of them when the viewer holds a
    ``next_manager`` role); together each choice at most once. *sealed*: each row also holds
    :data:`SEALED_COLUMNS`."""
    mark = dialect.placeholder
    collate = dialect.collate
    choices = dialect.table("sharing_choice")
    conversations = dialect.table("conversations")
    restriction = dialect.table("restriction")
    tests = [
        f"s.purpose = {mark}",
        f"s.granted_at{collate} <= {mark}",
        f"(s.revoked_at IS NULL OR s.revoked_at{collate} > {mark})",
        f"(s.until IS NULL OR s.until >= {mark})",
        "(s.conversation IS NULL OR s.conversation = c.id)",
    ]
    at = instant_text(wanted.at)
    shared: list[Any] = [wanted.purpose, at, at, dialect.encode_date(wanted.today)]
    never = sorted(wanted.never)
    if never:
        tests.append(f"s.what NOT IN ({', '.join([mark] * len(never))})")
        shared.extend(never)
    if not wanted.officer:
        tests.append(
            f"NOT EXISTS (SELECT 1 FROM {restriction} r WHERE r.subject = s.subject"
            " AND (r.conversation IS NULL OR r.conversation = c.id))"
        )
    columns = ", ".join(CANDIDATE_COLUMNS)
    if sealed:
        events = dialect.table("events")
        columns += (
            f", {', '.join(SEALED_COLUMNS)}, (SELECT MAX(e.version) FROM {events} e"
            " WHERE e.stream = 'person:' || s.subject)"
        )
    head = (
        f"SELECT {columns} FROM {choices} s JOIN {conversations} c ON c.subject = s.subject WHERE "
    )
    queries: list[tuple[str, list[Any]]] = []
    keys = sorted(wanted.grantees - {NEXT_MANAGER})
    if keys:
        where = [f"s.grantee IN ({', '.join([mark] * len(keys))})", *tests]
        queries.append((head + " AND ".join(where), [*keys, *shared]))
    if NEXT_MANAGER in wanted.grantees:
        where = [f"s.grantee = {mark}", *tests]
        queries.append((head + " AND ".join(where), [NEXT_MANAGER, *shared]))
    elif wanted.reports:
        people = sorted(wanted.reports)
        for start in range(0, len(people), 500):
            chunk = people[start : start + 500]
            where = [
                f"s.grantee = {mark}",
                f"s.subject IN ({', '.join([mark] * len(chunk))})",
                *tests,
            ]
            queries.append((head + " AND ".join(where), [NEXT_MANAGER, *chunk, *shared]))
    return queries


def restriction_query(dialect: Dialect, subjects: int) -> str:
    """The SQL of the restrictions of *subjects* people (``(subject, conversation)`` rows;
    ``conversation`` ``NULL`` for the whole record)."""
    mark = dialect.placeholder
    return (
        f"SELECT subject, conversation FROM {dialect.table('restriction')} "
        f"WHERE subject IN ({', '.join([mark] * subjects)})"
    )


#: The marker of an index not filled yet: a migration creates the tables empty, with this row;
#: the first listing fills them from the people's streams (folded by the domain, handed in)
#: and removes it.
PENDING_TABLE = "listing_index_pending"


def listing_index_schema(dialect: Dialect) -> tuple[str, ...]:
    """The index tables in *dialect*, and the marker that they still need filling."""
    return (
        *create_statements(LISTING_INDEX_TABLES, dialect),
        f"CREATE TABLE {dialect.table(PENDING_TABLE)} (pending integer NOT NULL)",
        f"INSERT INTO {dialect.table(PENDING_TABLE)} (pending) VALUES (1)",
    )


#: The columns of a ``sharing_choice`` row as :func:`person_table_rows` gives them.
CHOICE_COLUMNS = (
    *(c.name for c in LISTING_INDEX_TABLES[0].columns),
    "version",
    "restricted",
    "seal",
)


def written_people(writes: Iterable[StreamWrite]) -> list[tuple[PersonRows, int]]:
    """The person rows *writes* carry, each with the version its stream reaches."""
    return [
        (w.person_rows, w.expected_version + len(w.events))
        for w in writes
        if w.person_rows is not None
    ]


def choice_values(c: Any) -> tuple[Any, ...]:
    """A sharing choice's index values, as the older listing source takes them and as its seal
    covers them: number, subject, grantee, what, purpose, until (an ISO 8601 day), conversation,
    granted and revoked (instants as text)."""
    return (
        c.choice,
        c.subject,
        c.grantee,
        c.what,
        c.purpose,
        c.until.isoformat() if c.until is not None else None,
        c.conversation,
        instant_text(c.granted_at),
        instant_text(c.revoked_at) if c.revoked_at is not None else None,
    )


def person_table_rows(
    person: PersonRows, version: int, dialect: Dialect, key: ChainKey | None
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], tuple[Any, ...]]:
    """What the index tables hold about *person*, folded at *version* of their stream and
    sealed under *key*: their ``sharing_choice`` rows (:data:`CHOICE_COLUMNS`), their
    ``restriction`` rows (subject, conversation) and their ``listing_person`` row (subject,
    version, restricted, seal)."""
    encode = dialect.encode_date
    text = restricted_text(person.restricted)
    choices = []
    for c in person.choices:
        values = choice_values(c)
        number, subject, grantee, what, purpose, until, conversation, granted, revoked = values
        seal = choice_seal(
            key,
            version,
            number,
            subject,
            grantee,
            what,
            purpose,
            until,
            conversation,
            granted,
            revoked,
            text,
        )
        choices.append((*values[:5], encode(c.until), *values[6:], version, text, seal))
    held = [(person.subject, c) for c in person.restricted]
    row = (person.subject, version, text, person_seal(key, person.subject, version, text))
    return choices, held, row


def write_person_rows(
    people: Iterable[tuple[PersonRows, int]],
    executemany: Callable[[str, Sequence[Sequence[Any]]], object],
    dialect: Dialect,
    key: ChainKey | None = None,
) -> None:
    """Replace, in the caller's transaction, what the index holds about each person of
    *people* by their rows, folded at the version of their stream given with them (the last
    rows of a person win), each row sealed under the audit chain's *key*
    (:mod:`.listing_seal`)."""
    latest = {p.subject: (p, version) for p, version in people}
    if not latest:
        return
    mark = dialect.placeholder
    subjects = [(s,) for s in latest]
    for table in ("sharing_choice", "restriction", "listing_person"):
        executemany(f"DELETE FROM {dialect.table(table)} WHERE subject = {mark}", subjects)
    choices: list[tuple[Any, ...]] = []
    held: list[tuple[Any, ...]] = []
    persons: list[tuple[Any, ...]] = []
    for p, version in latest.values():
        mine, restricted, row = person_table_rows(p, version, dialect, key)
        choices.extend(mine)
        held.extend(restricted)
        persons.append(row)
    if choices:
        executemany(dialect.insert("sharing_choice", CHOICE_COLUMNS), choices)
    if held:
        executemany(dialect.insert("restriction", ("subject", "conversation")), held)
    executemany(
        dialect.insert("listing_person", ("subject", "version", "restricted", "seal")), persons
    )


@attrs.frozen
class ListingIndex:
    """A store's guarded-listing index: its *dialect*, *fetch* (one query, its rows) and
    *conversations* (the store's read-model query). ``SqlListingSource`` in
    :mod:`magcore.access.listing` reads through it."""

    dialect: Dialect
    fetch: Callable[[str, Sequence[Any]], Iterable[Sequence[Any]]]
    conversations: Callable[..., Iterable[Any]]
    """The store's ``conversations(participant=...)`` (read-model rows)."""
    pending: bool = False
    """A migration left it to be filled (``fill_listing_index``) before it can be read."""
    key: ChainKey | None = None
    """The audit chain's key the rows are sealed under (:mod:`.listing_seal`)."""


def is_pending(
    fetch: Callable[[str, Sequence[Any]], Iterable[Sequence[Any]]], dialect: Dialect
) -> bool:
    """Whether the index still waits to be filled (a store asks once: nothing marks it again)."""
    return bool(list(fetch(f"SELECT pending FROM {dialect.table(PENDING_TABLE)}", ())))


#: What a store's ``fill_listing_index`` is given: the rows of one person from their
#: ``person:<id>`` stream's events (the domain's fold, handed in from above).
Fold = Callable[[str, Sequence[Event]], PersonRows]


def sealed_elsewhere(
    fetch: Callable[[str, Sequence[Any]], Iterable[Sequence[Any]]],
    dialect: Dialect,
    key: ChainKey | None,
) -> bool:
    """Whether the index holds a row sealed under another audit key than *key* (the audit key
    was changed: ``new_audit_key``, or a store without a key got one), so that it is to be
    sealed again (:func:`fill_pending` with ``again``)."""
    mine = f"{key.id}:" if key is not None else ":"
    rows = list(fetch(f"SELECT seal FROM {dialect.table('listing_person')} LIMIT 1", ()))
    return bool(rows) and not str(rows[0][0]).startswith(mine)


def fill_pending(
    cur: Any, dialect: Dialect, fold: Fold, key: ChainKey | None = None, *, again: bool = False
) -> bool:
    """In the caller's write transaction (*cur*, a DB-API cursor): if the index is marked
    pending (or *again*), fill it from the ``person:`` streams' events with *fold* (sealed under
    *key*) and remove the mark. Whether it filled."""
    executemany = cur.executemany

    def fetch(sql: str, params: Sequence[Any]) -> list[Sequence[Any]]:
        found: list[Sequence[Any]] = cur.execute(sql, params).fetchall()
        return found

    pending = dialect.table(PENDING_TABLE)
    if not again and not fetch(f"SELECT pending FROM {pending}", ()):
        return False
    rows = fetch(
        "SELECT stream, version, type, at, actor, data FROM "
        f"{dialect.table('events')} WHERE substr(stream, 1, 7) = 'person:' "
        "ORDER BY stream, version",
        (),
    )
    by_stream: dict[str, list[Event]] = {}
    for row in rows:
        by_stream.setdefault(row[0], []).append(event_from_row(*row))
    executemany(f"DELETE FROM {dialect.table('sharing_choice')}", [()])
    executemany(f"DELETE FROM {dialect.table('restriction')}", [()])
    executemany(f"DELETE FROM {dialect.table('listing_person')}", [()])
    people = [(fold(stream[7:], found), found[-1].version) for stream, found in by_stream.items()]
    write_person_rows(people, executemany, dialect, key)
    executemany(f"DELETE FROM {pending}", [()])
    return True
