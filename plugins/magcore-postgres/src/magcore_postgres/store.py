"""A magcore store in PostgreSQL, through psycopg 3 and a connection pool.

One call is one transaction on one pooled connection. Writers first take a transaction-level
advisory lock, so positions in the event log follow commit order and the audit chain stays one
chain; each stream's version is checked against its row in ``magcore_streams`` (an ``UPDATE ...
WHERE version = expected`` or an ``INSERT ... ON CONFLICT DO NOTHING`` for a new stream), so a
stale writer changes nothing and gets :class:`~magcore.errors.ConflictError`. Large batches are
written with ``COPY``. The schema is versioned in ``magcore_schema``; a database from a newer
magcore is refused before anything is written. All tables are prefixed ``magcore_`` and live in
the first schema of the connection's ``search_path``.
"""

from __future__ import annotations

import contextlib
import operator
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg_pool import ConnectionPool

from magcore.errors import ConflictError, MagcoreError, StorageError
from magcore.events import CommittedBatch, Event
from magcore.storage.base import (
    GENESIS,
    AgreementRow,
    AuditHead,
    AuditRecord,
    ConversationRow,
    ReadModel,
    StoreSettings,
    StreamWrite,
)
from magcore.storage.chain import ENTRY_COLUMNS, KeyedChain
from magcore.storage.common import (
    EventRow,
    chain_audit,
    check_writes,
    event_from_row,
    event_rows,
)
from magcore.storage.read_model_rows import (
    CONVERSATION_READ_COLUMNS,
    Dialect,
    ReadModelRows,
    agreement_row,
    conversation_row,
)

from . import admin as _admin
from .ballots import SCHEMA as _BALLOTS_SCHEMA
from .ballots import PostgresBallots
from .keys import SCHEMA as _KEYS_SCHEMA
from .keys import PostgresKeyTable
from .outbox import SCHEMA as _OUTBOX_SCHEMA
from .outbox import PostgresOutbox
from .streams import PostgresStreams

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "PostgresStore", "expected_tables", "redact"]

#: Key of the advisory lock that serialises writers (and migrations) in one database.
WRITE_LOCK = 0x4D414743

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
    """CREATE TABLE magcore_conversations (
        id text PRIMARY KEY,
        cycle text NOT NULL,
        kind text NOT NULL,
        state text NOT NULL,
        subject text,
        team text,
        participants text[] NOT NULL,
        requested_on date NOT NULL,
        scheduled_on date,
        held_on date,
        medium text,
        version integer NOT NULL,
        preparers text[] NOT NULL,
        published text[] NOT NULL
    )""",
    "CREATE INDEX magcore_conversations_subject ON magcore_conversations (subject)",
    "CREATE INDEX magcore_conversations_team ON magcore_conversations (team)",
    """CREATE TABLE magcore_conversation_people (
        person text NOT NULL,
        conversation text NOT NULL REFERENCES magcore_conversations (id),
        PRIMARY KEY (person, conversation)
    )""",
    """CREATE TABLE magcore_agreements (
        conversation text NOT NULL REFERENCES magcore_conversations (id),
        position integer NOT NULL,
        agreement text NOT NULL,
        subject text,
        owner text NOT NULL,
        status text NOT NULL,
        due date,
        made_on date,
        PRIMARY KEY (conversation, position)
    )""",
    "CREATE INDEX magcore_agreements_subject ON magcore_agreements (subject, status)",
    """CREATE TABLE magcore_audit (
        seq bigint PRIMARY KEY,
        at text NOT NULL, actor text NOT NULL, action text NOT NULL, object text NOT NULL,
        result text NOT NULL, origin text NOT NULL, reason text NOT NULL, purpose text NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL
    )""",
    """CREATE TABLE magcore_audit_head (
        id integer PRIMARY KEY CHECK (id = 1),
        count bigint NOT NULL,
        last_hash text NOT NULL
    )""",
    f"INSERT INTO magcore_audit_head (id, count, last_hash) VALUES (1, 0, '{GENESIS}')",
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
MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1, _KEYS_SCHEMA, _V3, _BALLOTS_SCHEMA)
#: The newest schema version this plugin knows.
SCHEMA_VERSION = len(MIGRATIONS)

_PAGE = 1000
_CONVERSATION_COLUMNS = ", ".join(CONVERSATION_READ_COLUMNS)
_AUDIT_COLUMNS = ENTRY_COLUMNS
_ENTRY_VALUES = operator.itemgetter(*ENTRY_COLUMNS)


def redact(url: str) -> str:
    """*url* without its password, for error messages and ``repr``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unreadable URL>"
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


class PostgresStore(KeyedChain, PostgresOutbox, PostgresKeyTable, PostgresBallots, PostgresStreams):
    """A :class:`~magcore.storage.base.Store` in PostgreSQL (``postgresql://user@host/db``).

    Its key table (wrapped data keys) comes from :class:`~magcore_postgres.keys.PostgresKeyTable`.
    """

    def __init__(self, url: str, pool: ConnectionPool) -> None:
        """Use :meth:`open`; this wraps an open, checked pool."""
        self.url = url
        self._pool = pool
        self._where = redact(url)
        self._closed = False

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def open(cls, url: str, settings: StoreSettings | None = None) -> PostgresStore:
        """Connect to *url*, then (if *settings* allow) migrate the schema.

        Raises :class:`StorageError` (without the password) when the URL is malformed, the server
        cannot be reached, or the database was written by a newer magcore.
        """
        settings = settings or StoreSettings()
        if not isinstance(url, str) or not url.startswith(("postgresql://", "postgres://")):
            raise StorageError(f"store URL {url!r} does not start with postgresql://")
        where = redact(url)
        try:
            psycopg.conninfo.conninfo_to_dict(url)
        except psycopg.Error as exc:
            raise StorageError(f"store URL {where} is malformed: {exc}") from None
        try:
            # One direct connection first: its error says exactly what is wrong.
            with psycopg.connect(url, connect_timeout=max(1, int(settings.timeout))):
                pass
        except psycopg.Error as exc:
            raise StorageError(f"cannot connect to PostgreSQL at {where}: {exc}") from None
        pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max(1, settings.pool_size),
            timeout=settings.timeout,
            open=False,
            check=ConnectionPool.check_connection,
            configure=_read_only if settings.read_only else None,
            name="magcore",
        )
        try:
            pool.open(wait=True, timeout=settings.timeout)
        except Exception as exc:
            pool.close()
            raise StorageError(f"cannot open a connection pool to {where}: {exc}") from None
        store = cls(url, pool)
        try:
            store.check_schema()
            if settings.create and not settings.read_only:
                store.migrate()
            else:
                current = store.schema_version()
                if current > SCHEMA_VERSION:
                    raise _newer(where, current)
                if current < SCHEMA_VERSION:
                    raise StorageError(
                        f"database {where} is at schema {current}, this magcore needs "
                        f"{SCHEMA_VERSION}: back it up (pg_dump), then run 'magcore store migrate'"
                    )
        except BaseException:
            store.close()
            raise
        return store

    # -- transactions ----------------------------------------------------------------------

    @contextlib.contextmanager
    def _transaction(self, *, write: bool) -> Iterator[psycopg.Cursor[Any]]:
        """One transaction on one pooled connection; writers hold the write lock till commit."""
        if self._closed:
            raise StorageError(f"store {self._where} is closed")
        try:
            with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
                if write:
                    cur.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
                yield cur
        except MagcoreError:
            raise
        except psycopg.Error as exc:
            raise StorageError(f"database {self._where}: {exc}") from exc
        except Exception as exc:
            if type(exc).__module__.startswith("psycopg_pool"):
                raise StorageError(f"database {self._where}: {exc}") from exc
            raise

    # -- events ----------------------------------------------------------------------------

    def append(
        self,
        writes: Sequence[StreamWrite],
        *,
        audit: Sequence[AuditRecord] = (),
        origin: str = "",
    ) -> CommittedBatch:
        """Append to streams (and the audit log) in one transaction; stale writes change nothing."""
        check_writes(writes)
        events = tuple(e for w in writes for e in w.events)
        # The COPY text of the events and of new conversations is built before the transaction
        # starts, so the write lock is held only while the server works.
        rows = event_rows(events)
        event_text = "".join(
            [
                f"{_text(stream)}\t{version}\t{_text(type_)}\t{at}\t{_text(actor)}\t{_text(data)}\n"
                for stream, version, type_, at, actor, data in rows
            ]
        )
        models = ReadModelRows.of_writes(writes, POSTGRES)
        with self._transaction(write=True) as cur:
            self._check_versions(cur, writes)
            position = 0
            if events:
                with cur.copy(
                    "COPY magcore_events (stream, version, type, at, actor, data) FROM STDIN"
                ) as copy:
                    copy.write(event_text)
                row = cur.execute("SELECT max(position) FROM magcore_events").fetchone()
                position = int(row[0]) if row else 0
                _write_read_models(cur, models)
                self._queue(cur, events, position, rows)
            self._append_audit(cur, audit, events=events, origin=origin, rows=rows)
        return CommittedBatch(events, position)

    def _check_versions(self, cur: psycopg.Cursor[Any], writes: Sequence[StreamWrite]) -> None:
        new = [w for w in writes if w.expected_version == 0]
        moving = [w for w in writes if w.expected_version > 0]
        if new and not (all(w.events for w in new) and _copy_new_streams(cur, new)):
            names = [w.stream for w in new]
            cur.execute(
                "SELECT name, version FROM magcore_streams WHERE name = ANY(%s) AND version > 0 "
                "LIMIT 1",
                (names,),
            )
            taken = cur.fetchone()
            if taken is not None:
                raise ConflictError(stream=taken[0], expected_version=0, actual_version=taken[1])
            filled = [w for w in new if w.events]
            if filled:
                cur.execute(
                    "INSERT INTO magcore_streams (name, version) "
                    "SELECT * FROM unnest(%s::text[], %s::integer[]) "
                    "ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version "
                    "WHERE magcore_streams.version = 0",
                    ([w.stream for w in filled], [len(w.events) for w in filled]),
                )
        if moving:
            cur.execute(
                "UPDATE magcore_streams AS s SET version = u.new FROM "
                "unnest(%s::text[], %s::integer[], %s::integer[]) AS u(name, expected, new) "
                "WHERE s.name = u.name AND s.version = u.expected RETURNING s.name",
                (
                    [w.stream for w in moving],
                    [w.expected_version for w in moving],
                    [w.expected_version + len(w.events) for w in moving],
                ),
            )
            updated = {r[0] for r in cur.fetchall()}
            for write in moving:
                if write.stream not in updated:
                    found = cur.execute(
                        "SELECT version FROM magcore_streams WHERE name = %s", (write.stream,)
                    ).fetchone()
                    raise ConflictError(
                        stream=write.stream,
                        expected_version=write.expected_version,
                        actual_version=int(found[0]) if found else 0,
                    )

    def destroy_stream(
        self,
        stream: str,
        tombstone: Event,
        *,
        audit: Sequence[AuditRecord] = (),
        origin: str = "",
        read_model: ReadModel | None = None,
    ) -> None:
        """Replace *stream*'s events by *tombstone* in one transaction (see the Store protocol).

        The deleted rows stay in the table's files until PostgreSQL vacuums them; schedule
        ``VACUUM`` (autovacuum does it eventually) where the destroyed content must also leave
        the disk soon.
        """
        if tombstone.stream != stream:
            raise StorageError(f"the tombstone for {stream} names stream {tombstone.stream}")
        stream_, version, type_, at, actor, data = event_rows((tombstone,))[0]
        remains = ReadModelRows.of([(False, read_model)] if read_model else [], POSTGRES)
        with self._transaction(write=True) as cur:
            found = cur.execute(
                "SELECT version FROM magcore_streams WHERE name = %s FOR UPDATE", (stream,)
            ).fetchone()
            current = int(found[0]) if found else 0
            if current == 0:
                raise StorageError(f"there is no stream {stream} to destroy")
            if version != current + 1:
                raise ConflictError(
                    stream=stream, expected_version=version - 1, actual_version=current
                )
            cur.execute("DELETE FROM magcore_events WHERE stream = %s", (stream,))
            inserted = cur.execute(
                "INSERT INTO magcore_events (stream, version, type, at, actor, data) "
                "VALUES (%s, %s, %s, %s, %s, %s::jsonb) RETURNING position",
                (stream_, version, type_, at, actor, data),
            ).fetchone()
            self._queue(cur, (tombstone,), int(inserted[0]) if inserted else 0)
            cur.execute(
                "UPDATE magcore_streams SET version = %s WHERE name = %s", (version, stream)
            )
            _write_read_models(cur, remains)
            self._append_audit(cur, audit, events=(tombstone,), origin=origin)

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
        self, *, after: int = 0, types: Collection[str] | None = None, limit: int | None = None
    ) -> Iterator[tuple[int, Event]]:
        wanted = list(types) if types is not None else None
        if wanted == [] or limit == 0:
            return
        remaining = limit
        while True:
            page = _PAGE if remaining is None else min(_PAGE, remaining)
            sql = (
                "SELECT position, stream, version, type, at, actor, data FROM magcore_events "
                "WHERE position > %s"
            )
            params: list[Any] = [after]
            if wanted is not None:
                sql += " AND type = ANY(%s)"
                params.append(wanted)
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

    # -- read models -----------------------------------------------------------------------

    def conversations(
        self,
        *,
        subject: str | None = None,
        participant: str | None = None,
        team: str | None = None,
        states: Collection[str] | None = None,
        held_from: date | None = None,
        held_until: date | None = None,
    ) -> list[ConversationRow]:
        where: list[str] = []
        params: list[Any] = []
        if subject is not None:
            where.append("subject = %s")
            params.append(subject)
        if participant is not None:
            where.append(
                "id IN (SELECT conversation FROM magcore_conversation_people WHERE person = %s)"
            )
            params.append(participant)
        if team is not None:
            where.append("team = %s")
            params.append(team)
        if states is not None:
            where.append("state = ANY(%s)")
            params.append(list(states))
        if held_from is not None:
            where.append("held_on >= %s")
            params.append(held_from)
        if held_until is not None:
            where.append("held_on < %s")
            params.append(held_until)
        sql = f"SELECT {_CONVERSATION_COLUMNS} FROM magcore_conversations"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += ' ORDER BY requested_on, id COLLATE "C"'
        with self._transaction(write=False) as cur:
            rows = cur.execute(sql, params).fetchall()
        return [conversation_row(r, POSTGRES) for r in rows]

    def open_agreements(self, subject: str) -> list[AgreementRow]:
        with self._transaction(write=False) as cur:
            rows = cur.execute(
                "SELECT a.conversation, a.agreement, a.subject, a.owner, a.status, a.due, "
                "a.made_on FROM magcore_agreements a "
                "JOIN magcore_conversations c ON c.id = a.conversation "
                "WHERE a.subject = %s AND a.status = 'open' AND c.state = 'agreed' "
                'ORDER BY a.made_on NULLS FIRST, a.conversation COLLATE "C", a.position',
                (subject,),
            ).fetchall()
        return [agreement_row(r, POSTGRES) for r in rows]

    # -- audit -----------------------------------------------------------------------------

    def _append_audit(
        self,
        cur: psycopg.Cursor[Any],
        records: Sequence[AuditRecord],
        *,
        events: Sequence[Event] = (),
        origin: str = "",
        rows: Sequence[EventRow] | None = None,
    ) -> None:
        if not records and not events:
            return
        head = cur.execute(
            "SELECT count, last_hash FROM magcore_audit_head WHERE id = 1 FOR UPDATE"
        ).fetchone()
        if head is None:
            raise StorageError(f"database {self._where}: the audit head is missing")
        entries = chain_audit(
            records,
            count=int(head[0]),
            last_hash=str(head[1]),
            key=self.audit_key,
            events=events,
            origin=origin,
            rows=rows,
        )
        if not entries:
            return
        _copy(cur, "audit", _AUDIT_COLUMNS, list(map(_ENTRY_VALUES, entries)))
        cur.execute(
            "UPDATE magcore_audit_head SET count = %s, last_hash = %s WHERE id = 1",
            (entries[-1]["seq"], entries[-1]["hash"]),
        )

    def append_audit(self, records: Sequence[AuditRecord]) -> None:
        with self._transaction(write=True) as cur:
            self._append_audit(cur, records)

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

    # -- lifecycle -------------------------------------------------------------------------

    def schema_version(self) -> int:
        with self._transaction(write=False) as cur:
            return _current_version(cur)

    def check_schema(self) -> None:
        """Refuse a half-present schema: tables its version lacks, or tables without a version.

        Raises :class:`StorageError` naming the tables, so that nothing is created on top of
        the remains of another (or a damaged) magcore schema. Added in 0.2.
        """
        with self._transaction(write=False) as cur:
            _check_schema(cur, self._where)

    def migrate(self) -> None:
        """Apply the schema steps this database lacks, in one transaction; refuse a newer one."""
        with self._transaction(write=True) as cur:
            current = _current_version(cur)
            if current > SCHEMA_VERSION:
                raise _newer(self._where, current)
            _check_schema(cur, self._where)
            if current == 0:
                cur.execute("CREATE TABLE magcore_schema (version integer NOT NULL)")
                cur.execute("INSERT INTO magcore_schema (version) VALUES (0)")
            for version in range(current + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[version - 1]:
                    cur.execute(statement)
            if current < SCHEMA_VERSION:
                cur.execute("UPDATE magcore_schema SET version = %s", (SCHEMA_VERSION,))

    # -- maintenance (bodies in magcore_postgres.admin) -------------------------------------

    def tables(self) -> dict[str, tuple[str, ...]]:
        """Every kept table with its columns, for :mod:`magcore.storage.transfer`."""
        return _admin.tables(self)

    def dump_table(self, table: str, columns: Sequence[str]) -> Iterator[tuple[Any, ...]]:
        """The rows of *table* in the portable form of :mod:`magcore.storage.transfer`."""
        return _admin.dump_table(self, table, columns)

    def load_tables(
        self, tables: Mapping[str, tuple[Sequence[str], Iterable[Sequence[Any]]]]
    ) -> None:
        """Fill this new, empty store with *tables*' rows in one transaction."""
        _admin.load_tables(self, tables)

    def backup_advice(self) -> str:
        """How to back up and restore this database with ``pg_dump`` and ``pg_restore``."""
        return _admin.backup_advice(self)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._pool.close()

    def __repr__(self) -> str:
        return f"PostgresStore({self._where!r})"


def _read_only(conn: psycopg.Connection[Any]) -> None:
    """Every transaction on *conn* is read-only (``StoreSettings(read_only=True)``)."""
    conn.read_only = True


def _copy_new_streams(cur: psycopg.Cursor[Any], writes: Sequence[StreamWrite]) -> bool:
    """Add the streams of *writes* (all new, none empty) with one COPY, if none exists yet.

    The COPY runs in a savepoint: if any name is taken, the primary key refuses the COPY, the
    savepoint is rolled back and False is returned, so the caller checks name by name (and
    raises :class:`ConflictError` for a stream that is really taken).
    """
    text = "".join([f"{_text(w.stream)}\t{len(w.events)}\n" for w in writes])
    try:
        with (
            cur.connection.transaction(),
            cur.copy("COPY magcore_streams (name, version) FROM STDIN") as copy,
        ):
            copy.write(text)
    except psycopg.errors.UniqueViolation:
        return False
    return True


def _text(value: str) -> str:
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
    return _text("{" + ",".join([_element(v) for v in values]) + "}")


def _field(value: Any) -> str:
    """One value of a read-model row as a COPY text field."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return _text(value)
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
)


def _copy(
    cur: psycopg.Cursor[Any], table: str, columns: Sequence[str], rows: Sequence[Any]
) -> None:
    """Insert *rows* into *table* with one COPY (text built here, as for the events)."""
    text = "".join(["\t".join([_field(v) for v in row]) + "\n" for row in rows])
    with cur.copy(f"COPY {POSTGRES.table(table)} ({', '.join(columns)}) FROM STDIN") as copy:
        copy.write(text)


def _write_read_models(cur: psycopg.Cursor[Any], rows: ReadModelRows) -> None:
    """Write the read-model rows of one call (inserts with COPY, the rest as SQLite does)."""
    if rows:
        rows.write(cur.executemany, POSTGRES, copy=lambda t, c, r: _copy(cur, t, c, r))


def _newer(where: str, version: int) -> StorageError:
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


def _check_schema(cur: psycopg.Cursor[Any], where: str) -> None:
    rows = cur.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
        "AND tablename LIKE 'magcore\\_%'"
    ).fetchall()
    present = {str(r[0]) for r in rows}
    version = _current_version(cur)
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


def _current_version(cur: psycopg.Cursor[Any]) -> int:
    found = cur.execute("SELECT to_regclass('magcore_schema') IS NOT NULL").fetchone()
    if not found or not found[0]:
        return 0
    row = cur.execute("SELECT max(version) FROM magcore_schema").fetchone()
    return int(row[0]) if row and row[0] is not None else 0
