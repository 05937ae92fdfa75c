"""``sqlite:///path.db``: the embedded default store, one file on one machine.

Every call is one transaction (``BEGIN IMMEDIATE``, so writers in several processes queue up
instead of interleaving); the file is in WAL mode with ``synchronous=FULL`` and foreign keys on.
Events, read models and audit entries of one call commit together or not at all, so a crash
(even SIGKILL) never leaves half a command behind. The schema is versioned with
``PRAGMA user_version``; a database from a newer magcore is refused before anything is written.

``sqlite:///relative/path.db`` is relative to the working directory,
``sqlite:////absolute/path.db`` is absolute; ``?mode=ro`` opens it for reading only.

A file that exists is checked before it is used (:mod:`magcore.storage.sqlite_check`): an empty,
cut-off or damaged file is refused with what to do, never replaced by a new empty store. A new
store is built under a temporary name and linked into place when its schema is complete, so a
crash while creating never leaves an empty file behind.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import ConflictError, MagcoreError, StorageError
from ..events import CommittedBatch, Event
from . import sqlite_admin as _admin
from .base import AuditRecord, PersonRows, ReadModel, StoreSettings, StreamWrite
from .chain import KeyedChain
from .common import EventRow, check_writes, event_from_row, event_rows
from .group_commit import GroupCommit
from .keys import KeyRecord, check_new_keys
from .listing_sql import (
    Fold,
    ListingIndex,
    fill_pending,
    is_pending,
    write_person_rows,
    written_people,
)
from .read_model_fix import ReadModelFix, check_versions, write_fix
from .read_model_rows import ReadModelRows
from .read_model_sql import ReadModelQueries
from .sqlite_audit import PAGE as _PAGE
from .sqlite_audit import SQLiteAuditLog
from .sqlite_ballots import SQLiteBallots
from .sqlite_check import (
    check_file,
    check_identity,
    check_schema,
    quick_check,
    storage_error,
    writable_folder,
)
from .sqlite_keys import SQLiteKeyTable
from .sqlite_outbox import SQLiteOutbox
from .sqlite_read_models import SQLITE
from .sqlite_readers import ReaderPool, prefix_end
from .sqlite_readers import connect as _connect
from .sqlite_schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION
from .sqlite_stream import SQLiteStreams
from .sqlite_url import parse_url as _parse_url
from .sqlite_url import path_from_url

__all__ = ["APPLICATION_ID", "MIGRATIONS", "SCHEMA_VERSION", "SQLiteStore", "path_from_url"]


_log = logging.getLogger(__name__)

#: How often a checkpoint that other readers keep from finishing is tried before giving up
#: until the next write (each try waits up to the busy timeout, then a growing pause).
_CHECKPOINT_TRIES = 5


class SQLiteStore(
    ReadModelQueries,
    KeyedChain,
    SQLiteAuditLog,
    SQLiteOutbox,
    SQLiteKeyTable,
    SQLiteBallots,
    SQLiteStreams,
):
    """A :class:`~magcore.storage.base.Store` in one SQLite file (``sqlite:///path.db``).

    Its audit log comes from :class:`~.sqlite_audit.SQLiteAuditLog`, its key table (wrapped
    data keys) from :class:`~.sqlite_keys.SQLiteKeyTable`.
    """

    dialect = SQLITE

    def __init__(self, url: str, path: Path, conn: sqlite3.Connection) -> None:
        """Use :meth:`open`; this wraps an already checked connection."""
        self.url = url
        self.path = path
        self._conn = conn
        self._lock = threading.RLock()
        self._audit_group = GroupCommit(self._append_audit_now)
        self._readers: ReaderPool | None = None
        self._wal_pending = False
        self._closed = False
        self.read_only = False
        """Opened with ``?mode=ro`` or ``StoreSettings(read_only=True)``: writes are refused."""

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def open(cls, url: str, settings: StoreSettings | None = None) -> SQLiteStore:
        """Open (and, if *settings* allow, create and migrate) the database at *url*.

        Raises :class:`StorageError` naming the file when it is not a magcore database, is
        empty, cut off or damaged (``PRAGMA quick_check``), lacks tables of its schema version,
        or was written by a newer magcore; the file is left exactly as it was. With
        ``?mode=ro`` or ``settings.read_only`` nothing is created, migrated or written.
        ``quick_check`` reads the whole file (about 2-3 ms per MB, see ``bench/store_check.py``);
        a process that opens a very large store often may pass
        ``StoreSettings(extra={"quick_check": False})`` and run ``magcore store check`` on a
        schedule instead.
        """
        settings = settings or StoreSettings()
        path, read_only = _parse_url(url)
        read_only = read_only or settings.read_only
        if path.exists():
            check_file(path)
        elif read_only:
            raise StorageError(f"database {path} does not exist (opened read-only: not created)")
        elif not settings.create:
            raise StorageError(f"database {path} does not exist (and create=False)")
        else:
            _admin.create(cls, path, settings)
        # The checks run on a read-only connection: closing it never checkpoints a write-ahead
        # log into a damaged file, so a refused file is left exactly as it was.
        checker = _connect(path, settings, read_only=True)
        try:
            check_identity(checker, path)
            version = checker.execute("PRAGMA user_version").fetchone()[0]
            check_schema(checker, path, version, MIGRATIONS)
            if settings.extra.get("quick_check", True):
                quick_check(checker, path)
        except sqlite3.Error as exc:
            checker.close()
            raise storage_error(path, exc) from exc
        except MagcoreError:
            checker.close()
            raise
        if read_only:
            conn = checker
        else:
            checker.close()
            if not writable_folder(path.parent) or not os.access(path, os.W_OK):
                raise StorageError(
                    f"cannot open database {path} for writing: it or its folder {path.parent} "
                    f"is read-only (SQLite writes {path.name}-wal and {path.name}-shm beside "
                    f"it); open it read-only (sqlite:///{path}?mode=ro) or give write access"
                )
            conn = _connect(path, settings, read_only=False)
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(settings.timeout * 1000)}")
            conn.execute("PRAGMA foreign_keys = ON")
            if not read_only:
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise StorageError(f"database {path} cannot use WAL mode (got {mode})")
                conn.execute("PRAGMA synchronous = FULL")
        except sqlite3.Error as exc:
            conn.close()
            raise storage_error(path, exc) from exc
        except MagcoreError:
            conn.close()
            raise
        store = cls(url, path, conn)
        store.read_only = read_only
        try:
            if version == 0 and (read_only or not settings.create):
                raise StorageError(
                    f"database {path} holds no magcore store (no schema, no tables): if it "
                    "should, restore it from a backup ('magcore store restore BACKUP'); "
                    "'magcore init' starts a new store"
                )
            if version < SCHEMA_VERSION:
                if read_only or not settings.create:
                    raise StorageError(
                        f"database {path} is at schema {version}, this magcore needs "
                        f"{SCHEMA_VERSION}: back it up ('magcore store backup FILE'), then "
                        "run 'magcore store migrate'"
                    )
                store.migrate()
            store._index_filled = not is_pending(store._fetch_rows, SQLITE)
        except BaseException:
            store.close()
            raise
        store._readers = ReaderPool(
            lambda: _connect(path, settings, read_only=read_only), settings, url
        )
        return store

    # -- transactions ----------------------------------------------------------------------

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Cursor]:
        """One write transaction: ``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any error."""
        with self._lock:
            self._check_open()
            cur = self._conn.cursor()
            try:
                cur.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise storage_error(self.path, exc) from exc
            try:
                yield cur
                cur.execute("COMMIT")
                self._witness_settle(True)
                if self._wal_pending:  # an erasure's bytes still wait in the log
                    self._truncate_wal()
            except BaseException as exc:
                self._witness_settle(False)
                with contextlib.suppress(sqlite3.Error):
                    self._conn.rollback()
                if isinstance(exc, sqlite3.Error):
                    raise storage_error(self.path, exc) from exc
                raise
            finally:
                cur.close()

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Cursor]:
        """A consistent read: one deferred transaction (on a pooled read connection, so it
        does not wait for a write's commit; on the write connection without a pool)."""
        with contextlib.ExitStack() as stack:
            if self._readers is None:
                stack.enter_context(self._lock)
                self._check_open()
                conn = self._conn
            else:
                self._check_open()
                conn = stack.enter_context(self._readers.connection())
            cur = conn.cursor()
            try:
                cur.execute("BEGIN")
                yield cur
            except sqlite3.Error as exc:
                raise storage_error(self.path, exc) from exc
            finally:
                with contextlib.suppress(sqlite3.Error):
                    conn.rollback()
                cur.close()

    def _storage_error(self, exc: sqlite3.Error) -> StorageError:
        """*exc* as the error this store raises for it (damaged, busy, or another)."""
        return storage_error(self.path, exc)

    def _check_open(self) -> None:
        if self._closed:
            raise StorageError(f"store {self.url} is closed")

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
        rows = event_rows(events)
        # Everything is built before the transaction starts, so the write lock is held only
        # while SQLite works. Positions of ``rows`` match ``events``.
        models = ReadModelRows.of_writes(writes, SQLITE)
        # Rows about people's sharing choices are overwritten with zeros as they are replaced
        # (no earlier copy is left in free space for an erasure to miss), and an erasure's
        # write is moved out of the write-ahead log at once.
        scrub = any(w.erasure or w.person_rows is not None for w in writes)
        if not scrub:
            return self._append(writes, audit, origin, keys, events, rows, models)
        with self._lock:
            self._check_open()
            self._conn.execute("PRAGMA secure_delete = ON")
            try:
                batch = self._append(writes, audit, origin, keys, events, rows, models)
                if any(w.erasure for w in writes):
                    self._wal_pending = True
            finally:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute("PRAGMA secure_delete = OFF")
            if self._wal_pending:
                self._truncate_wal()
        return batch

    def _append(
        self,
        writes: Sequence[StreamWrite],
        audit: Sequence[AuditRecord],
        origin: str,
        keys: tuple[KeyRecord, ...],
        events: tuple[Event, ...],
        rows: list[EventRow],
        models: ReadModelRows,
    ) -> CommittedBatch:
        with self._write() as cur:
            for write in writes:
                if write.expected_version == 0 and write.events:
                    # A new stream: the UNIQUE (stream, version) index refuses version 1 if the
                    # stream exists, which is caught below; no look-up per stream is needed.
                    continue
                self._check_version(cur, write)
            if keys:
                self._insert_keys(cur, keys)
            position = 0
            if events:
                # A savepoint, so that on a refused row the rows before it are undone before the
                # versions are checked (else an earlier new stream would look taken).
                cur.execute("SAVEPOINT events")
                try:
                    cur.executemany(
                        "INSERT INTO events (stream, version, type, at, actor, data) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        rows,
                    )
                except sqlite3.IntegrityError:
                    cur.execute("ROLLBACK TO events")
                    for write in writes:
                        self._check_version(cur, write)
                    raise
                cur.execute("RELEASE events")
                position = cur.execute("SELECT MAX(position) FROM events").fetchone()[0]
                models.write(cur.executemany, SQLITE)
                people = written_people(writes)
                write_person_rows(people, cur.executemany, SQLITE, self.audit_key)
                self._queue(cur, events, position, rows)
            if audit or events:
                self._append_audit(cur, audit, events=events, origin=origin, rows=rows)
        return CommittedBatch(events, position)

    @staticmethod
    def _version_in(cur: sqlite3.Cursor, stream: str) -> int:
        version: int = cur.execute(
            "SELECT COALESCE(MAX(version), 0) FROM events WHERE stream = ?", (stream,)
        ).fetchone()[0]
        return version

    def _check_version(self, cur: sqlite3.Cursor, write: StreamWrite) -> None:
        actual = self._version_in(cur, write.stream)
        if actual != write.expected_version:
            raise ConflictError(
                stream=write.stream, expected_version=write.expected_version, actual_version=actual
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

        ``secure_delete`` is on for this transaction, so SQLite overwrites the freed content with
        zeros instead of leaving it in free pages; a checkpoint afterwards moves the change out
        of the write-ahead log.
        """
        if tombstone.stream != stream:
            raise StorageError(f"the tombstone for {stream} names stream {tombstone.stream}")
        row = event_rows((tombstone,))[0]
        remains = ReadModelRows.of([(False, read_model)] if read_model else [], SQLITE)
        with self._lock:
            self._check_open()
            self._conn.execute("PRAGMA secure_delete = ON")
            try:
                with self._write() as cur:
                    current = self._version_in(cur, stream)
                    if current == 0:
                        raise StorageError(f"there is no stream {stream} to destroy")
                    if tombstone.version != current + 1:
                        raise ConflictError(
                            stream=stream,
                            expected_version=tombstone.version - 1,
                            actual_version=current,
                        )
                    cur.execute("DELETE FROM events WHERE stream = ?", (stream,))
                    cur.execute("DELETE FROM snapshots WHERE stream = ?", (stream,))
                    if stream.startswith("person:"):  # a destroyed person shares nothing
                        write_person_rows(
                            [(PersonRows(subject=stream[7:]), tombstone.version)],
                            cur.executemany,
                            SQLITE,
                            self.audit_key,
                        )
                    cur.execute(
                        "INSERT INTO events (stream, version, type, at, actor, data) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        row,
                    )
                    self._queue(cur, (tombstone,), cur.lastrowid or 0)
                    remains.write(cur.executemany, SQLITE)
                    self._append_audit(cur, audit, events=(tombstone,), origin=origin)
            finally:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute("PRAGMA secure_delete = OFF")
            self._truncate_wal()

    def _truncate_wal(self) -> None:
        """Copy the log into the file and truncate it, so bytes an erasure overwrote leave the
        disk now. This store's reads are held back meanwhile; a reader in another process can
        still keep the checkpoint from finishing: then it is tried again after each later
        write and on close, and a warning names the file."""
        pool = self._readers
        with pool.held() if pool is not None else contextlib.nullcontext():
            for attempt in range(_CHECKPOINT_TRIES):
                try:
                    busy = self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
                except sqlite3.Error:
                    busy = 1
                if not busy:
                    self._wal_pending = False
                    return
                time.sleep(0.01 * (attempt + 1))
        if not self._wal_pending:
            _log.warning(
                "store %s: erased bytes stay in %s-wal until another connection stops "
                "reading; magcore checkpoints again after the next write and on close",
                self.path,
                self.path,
            )
        self._wal_pending = True

    def read(self, stream: str) -> tuple[Event, ...]:
        with self._read() as cur:
            rows = cur.execute(
                "SELECT stream, version, type, at, actor, data FROM events "
                "WHERE stream = ? ORDER BY version",
                (stream,),
            ).fetchall()
        return tuple(event_from_row(*row) for row in rows)

    def version(self, stream: str) -> int:
        with self._read() as cur:
            value: int = cur.execute(
                "SELECT COALESCE(MAX(version), 0) FROM events WHERE stream = ?", (stream,)
            ).fetchone()[0]
        return value

    def read_all(
        self,
        *,
        after: int | None = 0,
        types: Collection[str] | None = None,
        limit: int | None = None,
    ) -> Iterator[tuple[int, Event]]:
        wanted = tuple(types) if types is not None else None
        if wanted == () or limit == 0:
            return
        remaining = limit
        while True:
            page = _PAGE if remaining is None else min(_PAGE, remaining)
            sql = "SELECT position, stream, version, type, at, actor, data FROM events "
            # after=None: every row, whatever its position (the audit check reads so).
            where: list[str] = [] if after is None else ["position > ?"]
            params: list[Any] = [] if after is None else [after]
            if wanted is not None:
                where.append(f"type IN ({', '.join('?' * len(wanted))})")
                params.extend(wanted)
            if where:
                sql += "WHERE " + " AND ".join(where)
            sql += " ORDER BY position LIMIT ?"
            params.append(page)
            with self._read() as cur:
                rows = cur.execute(sql, params).fetchall()
            for position, *columns in rows:
                yield position, event_from_row(*columns)
            if len(rows) < page:
                return
            after = rows[-1][0]
            if remaining is not None:
                remaining -= len(rows)
                if remaining <= 0:
                    return

    def streams(self, prefix: str = "") -> Iterator[str]:
        # A range on the (stream, version) index: LIKE would scan every event.
        end = prefix_end(prefix)
        sql = "SELECT DISTINCT stream FROM events WHERE stream >= ?"
        with self._read() as cur:
            rows = cur.execute(
                sql + (" AND stream < ? ORDER BY stream" if end else " ORDER BY stream"),
                (prefix, end) if end else (prefix,),
            ).fetchall()
        yield from (r[0] for r in rows if r[0].startswith(prefix))

    # -- read models (the queries are shared: magcore.storage.read_model_sql) ---------------

    def _fetch_rows(self, sql: str, params: Sequence[Any]) -> list[Sequence[Any]]:
        with self._read() as cur:
            rows: list[Sequence[Any]] = cur.execute(sql, params).fetchall()
        return rows

    def repair_read_models(self, fix: ReadModelFix, *, audit: Sequence[AuditRecord] = ()) -> None:
        """Write *fix* and chain *audit* in one transaction (see
        :class:`~.read_model_fix.RepairsReadModels`). Added in 0.4."""
        with self._write() as cur:
            check_versions(fix, lambda stream: self._version_in(cur, stream))
            write_fix(fix, cur.executemany, SQLITE)
            self._append_audit(cur, audit)

    _index_filled = False  # read at open; once filled, nothing marks it pending again

    def listing_index(self) -> ListingIndex:
        """The listing index, kept with each write's ``person_rows`` (:mod:`.listing_sql`)."""
        return ListingIndex(
            SQLITE, self._fetch_rows, self.conversations, not self._index_filled, self.audit_key
        )

    def fill_listing_index(self, fold: Fold, *, again: bool = False) -> None:
        """Fill the index a migration (schema 6, 7) left pending, with *fold*; once. *again*:
        fill it again even so (its rows were sealed under another audit key)."""
        with self._write() as cur:
            fill_pending(cur, SQLITE, fold, self.audit_key, again=again)
        self._index_filled = True

    # -- audit -----------------------------------------------------------------------------

    # -- lifecycle -------------------------------------------------------------------------

    def schema_version(self) -> int:
        with self._read() as cur:
            version: int = cur.execute("PRAGMA user_version").fetchone()[0]
        return version

    def migrate(self) -> None:
        """Apply the schema steps this database lacks, in one transaction; refuse a newer one."""
        with self._write() as cur:
            check_identity(self._conn, self.path)
            current = cur.execute("PRAGMA user_version").fetchone()[0]
            for version in range(current + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[version - 1]:
                    cur.execute(statement)
            if current < SCHEMA_VERSION:
                cur.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                cur.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # -- maintenance (bodies in magcore.storage.sqlite_admin) --------------------------------

    def check(self) -> list[str]:
        """Every problem a full ``PRAGMA integrity_check`` finds; empty when whole. Added in 0.2."""
        return _admin.check(self)

    def backup(self, target: Path) -> Path:
        """A consistent copy in the new file *target*, safe while others write. Added in 0.2."""
        return _admin.backup(self, target)

    def tables(self) -> dict[str, tuple[str, ...]]:
        """Every table with its columns, for :mod:`magcore.storage.transfer`. Added in 0.2."""
        return _admin.tables(self)

    def dump_table(self, table: str, columns: Sequence[str]) -> Iterator[tuple[Any, ...]]:
        """The rows of *table* in the portable form (see :mod:`~magcore.storage.transfer`)."""
        return _admin.dump_table(self, table, columns)

    def load_tables(
        self, tables: Mapping[str, tuple[Sequence[str], Iterable[Sequence[Any]]]]
    ) -> None:
        """Fill this new, empty store with *tables*' rows in one transaction. Added in 0.2."""
        _admin.load_tables(self, tables)

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                if self._wal_pending:
                    self._truncate_wal()
                self._closed = True
                if self._readers is not None:
                    self._readers.close()
                self._conn.close()

    def __repr__(self) -> str:
        return f"SQLiteStore({self.url!r})"
