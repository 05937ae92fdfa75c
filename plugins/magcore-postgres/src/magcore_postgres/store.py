"""A magcore store in PostgreSQL, through psycopg 3 and a connection pool.

One call is one transaction on one pooled connection. Writers first take a transaction-level
advisory lock, so positions in the event log follow commit order and the audit chain stays one
chain; each stream's version is checked against its row in ``magcore_streams`` (an ``UPDATE ...
WHERE version = expected`` or an ``INSERT ... ON CONFLICT DO NOTHING`` for a new stream), so a
stale writer changes nothing and gets :class:`~magcore.errors.ConflictError`. Large batches are
written with ``COPY``. The schema is versioned in ``magcore_schema``; a database from a newer
magcore is refused before anything is written. All tables are prefixed ``magcore_`` and live in
the first schema of the connection's ``search_path``.

This module opens the store and writes; the other jobs have their own modules: the schema and
its checks (:mod:`.schema`), COPY text and the read-model dialect (:mod:`.dialect`), reads
(:mod:`.reading`), keys, outbox, ballots and maintenance (:mod:`.keys`, :mod:`.outbox`,
:mod:`.ballots`, :mod:`.admin`).
"""

from __future__ import annotations

import contextlib
import operator
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg_pool import ConnectionPool

from magcore.errors import ConflictError, MagcoreError, StorageError
from magcore.events import CommittedBatch, Event
from magcore.storage.base import AuditRecord, PersonRows, ReadModel, StoreSettings, StreamWrite
from magcore.storage.chain import ENTRY_COLUMNS, KeyedChain
from magcore.storage.common import EventRow, chain_audit, check_writes, event_rows
from magcore.storage.keys import KeyRecord, check_new_keys
from magcore.storage.listing_sql import (
    Fold,
    ListingIndex,
    fill_pending,
    is_pending,
    write_person_rows,
    written_people,
)
from magcore.storage.read_model_fix import ReadModelFix, check_versions, write_fix
from magcore.storage.read_model_rows import ReadModelRows
from magcore.storage.read_model_sql import ReadModelQueries

from . import admin as _admin
from . import schema as _schema
from .ballots import PostgresBallots
from .dialect import POSTGRES, copy_new_streams, copy_rows, copy_text, write_read_models
from .keys import PostgresKeyTable
from .outbox import PostgresOutbox
from .reading import PostgresReads
from .schema import MIGRATIONS, SCHEMA_VERSION, expected_tables
from .streams import PostgresStreams

__all__ = [
    "MIGRATIONS",
    "POSTGRES",
    "SCHEMA_VERSION",
    "PostgresStore",
    "expected_tables",
    "redact",
]

#: Key of the advisory lock that serialises writers (and migrations) in one database.
WRITE_LOCK = 0x4D414743

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


class PostgresStore(
    ReadModelQueries,
    PostgresReads,
    KeyedChain,
    PostgresOutbox,
    PostgresKeyTable,
    PostgresBallots,
    PostgresStreams,
):
    """A :class:`~magcore.storage.base.Store` in PostgreSQL (``postgresql://user@host/db``).

    Its key table (wrapped data keys) comes from :class:`~magcore_postgres.keys.PostgresKeyTable`,
    its reads from :class:`~magcore_postgres.reading.PostgresReads`, its read-model queries from
    :class:`~magcore.storage.read_model_sql.ReadModelQueries`.
    """

    dialect = POSTGRES

    def __init__(self, url: str, pool: ConnectionPool) -> None:
        """Use :meth:`open`; this wraps an open, checked pool."""
        self.url = url
        self._pool = pool
        self._where = redact(url)
        self._closed = False
        self._place: str | None = None

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
                    raise _schema.newer(where, current)
                if current < SCHEMA_VERSION:
                    raise StorageError(
                        f"database {where} is at schema {current}, this magcore needs "
                        f"{SCHEMA_VERSION}: back it up (pg_dump), then run 'magcore store migrate'"
                    )
            store._index_filled = not is_pending(store._fetch_rows, POSTGRES)
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
        committed = False
        try:
            with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
                if write:
                    cur.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
                yield cur
            committed = True
        except MagcoreError:
            raise
        except psycopg.Error as exc:
            raise StorageError(f"database {self._where}: {exc}") from exc
        except Exception as exc:
            if type(exc).__module__.startswith("psycopg_pool"):
                raise StorageError(f"database {self._where}: {exc}") from exc
            raise
        finally:
            if write:  # the head this write chained is witnessed once it is committed
                self._witness_settle(committed)

    # -- events ----------------------------------------------------------------------------

    def append(
        self,
        writes: Sequence[StreamWrite],
        *,
        audit: Sequence[AuditRecord] = (),
        origin: str = "",
        keys: Sequence[KeyRecord] = (),
    ) -> CommittedBatch:
        """Append to streams (and the audit log, and new key rows: *keys*) in one transaction;
        stale writes change nothing."""
        check_writes(writes)
        keys = tuple(keys)  # checked, then stored: not a one-pass iterator
        check_new_keys(keys)
        events = tuple(e for w in writes for e in w.events)
        # The COPY text of the events and of new conversations is built before the transaction
        # starts, so the write lock is held only while the server works.
        rows = event_rows(events)
        event_text = "".join(
            [
                f"{copy_text(stream)}\t{version}\t{copy_text(type_)}\t{at}\t{copy_text(actor)}\t{copy_text(data)}\n"
                for stream, version, type_, at, actor, data in rows
            ]
        )
        models = ReadModelRows.of_writes(writes, POSTGRES)
        with self._transaction(write=True) as cur:
            self._check_versions(cur, writes)
            if keys:
                self._insert_keys(cur, keys)
            position = 0
            if events:
                with cur.copy(
                    "COPY magcore_events (stream, version, type, at, actor, data) FROM STDIN"
                ) as copy:
                    copy.write(event_text)
                row = cur.execute("SELECT max(position) FROM magcore_events").fetchone()
                position = int(row[0]) if row else 0
                write_read_models(cur, models)
                people = written_people(writes)
                write_person_rows(people, cur.executemany, POSTGRES, self.audit_key)
                self._queue(cur, events, position, rows)
            self._append_audit(cur, audit, events=events, origin=origin, rows=rows)
        return CommittedBatch(events, position)

    def _check_versions(self, cur: psycopg.Cursor[Any], writes: Sequence[StreamWrite]) -> None:
        new = [w for w in writes if w.expected_version == 0]
        moving = [w for w in writes if w.expected_version > 0]
        if new and not (all(w.events for w in new) and copy_new_streams(cur, new)):
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
            cur.execute("DELETE FROM magcore_snapshots WHERE stream = %s", (stream,))
            if stream.startswith("person:"):  # a destroyed person shares nothing
                write_person_rows(
                    [(PersonRows(subject=stream[7:]), version)],
                    cur.executemany,
                    POSTGRES,
                    self.audit_key,
                )
            inserted = cur.execute(
                "INSERT INTO magcore_events (stream, version, type, at, actor, data) "
                "VALUES (%s, %s, %s, %s, %s, %s::jsonb) RETURNING position",
                (stream_, version, type_, at, actor, data),
            ).fetchone()
            self._queue(cur, (tombstone,), int(inserted[0]) if inserted else 0)
            cur.execute(
                "UPDATE magcore_streams SET version = %s WHERE name = %s", (version, stream)
            )
            write_read_models(cur, remains)
            self._append_audit(cur, audit, events=(tombstone,), origin=origin)

    def repair_read_models(self, fix: ReadModelFix, *, audit: Sequence[AuditRecord] = ()) -> None:
        """Write *fix* and chain *audit* in one transaction (see
        :class:`~magcore.storage.read_model_fix.RepairsReadModels`)."""
        with self._transaction(write=True) as cur:

            def version(stream: str) -> int:
                found = cur.execute(
                    "SELECT version FROM magcore_streams WHERE name = %s", (stream,)
                ).fetchone()
                return int(found[0]) if found else 0

            check_versions(fix, version)
            write_fix(fix, cur.executemany, POSTGRES)
            self._append_audit(cur, audit)

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
        if self._place is None:  # on this connection: the pool may hold no other
            self._place = _place(cur)
        self._witness_before(int(head[0]), str(head[1]), lambda seq: _line_hash(cur, seq))
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
        copy_rows(cur, "audit", ENTRY_COLUMNS, list(map(_ENTRY_VALUES, entries)))
        cur.execute(
            "UPDATE magcore_audit_head SET count = %s, last_hash = %s WHERE id = 1",
            (entries[-1]["seq"], entries[-1]["hash"]),
        )
        first = entries[0]["hash"] if int(head[0]) == 0 else ""
        self._witness_pending(first, entries[-1]["seq"], entries[-1]["hash"])

    def witness_place(self) -> str:
        """The server's port, the database and the schema this store keeps its tables in, as
        the server says (not as the URL spells them: ``localhost`` or an address, a socket or
        TCP, names from ``PG*`` variables are the same place): the audit witness tells this log
        apart from the log of a copy in another database or schema by it
        (:mod:`magcore.storage.witnessing`)."""
        if self._place is None:
            with self._transaction(write=False) as cur:
                self._place = _place(cur)
        return self._place

    _index_filled = False  # read at open; once filled, nothing marks it pending again

    def listing_index(self) -> ListingIndex:
        """The listing index, kept with each write's ``person_rows`` (:mod:`.listing_sql`)."""
        return ListingIndex(
            POSTGRES, self._fetch_rows, self.conversations, not self._index_filled, self.audit_key
        )

    def fill_listing_index(self, fold: Fold, *, again: bool = False) -> None:
        """Fill the index a migration (schema 6, 7) left pending, with *fold*; once. *again*:
        fill it again even so (its rows were sealed under another audit key)."""
        with self._transaction(write=True) as cur:
            fill_pending(cur, POSTGRES, fold, self.audit_key, again=again)
        self._index_filled = True

    def append_audit(self, records: Sequence[AuditRecord]) -> None:
        with self._transaction(write=True) as cur:
            self._append_audit(cur, records)

    # -- lifecycle -------------------------------------------------------------------------

    def schema_version(self) -> int:
        with self._transaction(write=False) as cur:
            return _schema.current_version(cur)

    def check_schema(self) -> None:
        """Refuse a half-present schema: tables its version lacks, or tables without a version.

        Raises :class:`StorageError` naming the tables, so that nothing is created on top of
        the remains of another (or a damaged) magcore schema. Added in 0.2.
        """
        with self._transaction(write=False) as cur:
            _schema.check_schema(cur, self._where)

    def migrate(self) -> None:
        """Apply the schema steps this database lacks, in one transaction; refuse a newer one."""
        with self._transaction(write=True) as cur:
            _schema.migrate(cur, self._where)

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


def _line_hash(cur: psycopg.Cursor[Any], seq: int) -> str | None:
    row = cur.execute("SELECT hash FROM magcore_audit WHERE seq = %s", (seq,)).fetchone()
    return None if row is None else str(row[0])


def _place(cur: psycopg.Cursor[Any]) -> str:
    """The server's port, the database and the schema of *cur*'s connection (see
    ``witness_place``)."""
    row = cur.execute(
        "SELECT current_setting('port'), current_database(), current_schema()"
    ).fetchone()
    port, database, schema = row if row is not None else (None, None, None)
    return f"postgresql:{port}/{database}/{schema}"
