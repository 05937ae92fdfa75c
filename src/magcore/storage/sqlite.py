"""``sqlite:///path.db``: the embedded default store, one file on one machine.

Every call is one transaction (``BEGIN IMMEDIATE``, so writers in several processes queue up
instead of interleaving); the file is in WAL mode with ``synchronous=FULL`` and foreign keys on.
Events, read models and audit entries of one call commit together or not at all, so a crash
(even SIGKILL) never leaves half a command behind. The schema is versioned with
``PRAGMA user_version``; a database from a newer magcore is refused before anything is written.

``sqlite:///relative/path.db`` is relative to the working directory,
``sqlite:////absolute/path.db`` is absolute.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import ConflictError, MagcoreError, StorageError
from ..events import CommittedBatch, Event
from .base import (
    AgreementRow,
    AuditHead,
    AuditRecord,
    ConversationRow,
    StoreSettings,
    StreamWrite,
)
from .common import (
    AUDIT_FIELDS,
    chain_audit,
    check_writes,
    event_from_row,
    event_rows,
    require_scheme,
)
from .projection import (
    CONVERSATION_PREFIX,
    is_projected,
)
from .sqlite_keys import SQLiteKeyTable
from .sqlite_read_models import (
    _CONVERSATION_COLUMNS,
    _agreement_row,
    _conversation_row,
    _ReadModels,
)
from .sqlite_schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION

__all__ = ["APPLICATION_ID", "MIGRATIONS", "SCHEMA_VERSION", "SQLiteStore", "path_from_url"]


_SQLITE_HEADER = b"SQLite format 3\x00"
_PAGE = 1000


def path_from_url(url: str) -> Path:
    """The file of ``sqlite:///relative.db`` or ``sqlite:////absolute.db``."""
    rest = require_scheme(url, "sqlite")
    if not rest.startswith("/") or rest == "/":
        raise StorageError(
            f"store URL {url!r} names no file; use sqlite:///relative.db or "
            "sqlite:////absolute/path.db"
        )
    path = rest[1:]
    if "?" in path or "#" in path:
        raise StorageError(f"store URL {url!r}: query strings are not supported")
    return Path(path)


class SQLiteStore(SQLiteKeyTable):
    """A :class:`~magcore.storage.base.Store` in one SQLite file (``sqlite:///path.db``).

    Its key table (wrapped data keys) comes from :class:`~.sqlite_keys.SQLiteKeyTable`.
    """

    def __init__(self, url: str, path: Path, conn: sqlite3.Connection) -> None:
        """Use :meth:`open`; this wraps an already checked connection."""
        self.url = url
        self.path = path
        self._conn = conn
        self._lock = threading.RLock()
        self._closed = False

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def open(cls, url: str, settings: StoreSettings | None = None) -> SQLiteStore:
        """Open (and, if *settings* allow, create and migrate) the database at *url*.

        Raises :class:`StorageError` naming the file when it is not a magcore database, is
        damaged, or was written by a newer magcore; the file is left exactly as it was.
        """
        settings = settings or StoreSettings()
        path = path_from_url(url)
        exists = path.exists()
        if exists:
            _check_header(path)
        elif not settings.create:
            raise StorageError(f"database {path} does not exist (and create=False)")
        elif not path.parent.is_dir():
            raise StorageError(f"cannot create database {path}: folder {path.parent} is missing")
        try:
            conn = sqlite3.connect(
                str(path),
                timeout=settings.timeout,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open database {path}: {exc}") from exc
        try:
            _check_identity(conn, path)
            conn.execute(f"PRAGMA busy_timeout = {int(settings.timeout * 1000)}")
            conn.execute("PRAGMA foreign_keys = ON")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StorageError(f"database {path} cannot use WAL mode (got {mode})")
            conn.execute("PRAGMA synchronous = FULL")
        except sqlite3.Error as exc:
            conn.close()
            raise _storage_error(path, exc) from exc
        except MagcoreError:
            conn.close()
            raise
        store = cls(url, path, conn)
        try:
            if settings.create:
                store.migrate()
            elif store.schema_version() < SCHEMA_VERSION:
                raise StorageError(
                    f"database {path} is at schema {store.schema_version()}, "
                    f"this magcore needs {SCHEMA_VERSION}: run migrate()"
                )
        except BaseException:
            store.close()
            raise
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
                raise _storage_error(self.path, exc) from exc
            try:
                yield cur
                cur.execute("COMMIT")
            except BaseException as exc:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.rollback()
                if isinstance(exc, sqlite3.Error):
                    raise _storage_error(self.path, exc) from exc
                raise
            finally:
                cur.close()

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Cursor]:
        """A consistent read: one deferred transaction."""
        with self._lock:
            self._check_open()
            cur = self._conn.cursor()
            try:
                cur.execute("BEGIN")
                yield cur
            except sqlite3.Error as exc:
                raise _storage_error(self.path, exc) from exc
            finally:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.rollback()
                cur.close()

    def _check_open(self) -> None:
        if self._closed:
            raise StorageError(f"store {self.url} is closed")

    # -- events ----------------------------------------------------------------------------

    def append(
        self, writes: Sequence[StreamWrite], *, audit: Sequence[AuditRecord] = ()
    ) -> CommittedBatch:
        """Append to streams (and the audit log) in one transaction; stale writes change nothing."""
        check_writes(writes)
        events = tuple(e for w in writes for e in w.events)
        rows = event_rows(events)
        # Everything is built before the transaction starts, so the write lock is held only
        # while SQLite works. Positions of ``rows`` match ``events``.
        models = _ReadModels.build(writes, rows)
        with self._write() as cur:
            for write in writes:
                if write.expected_version == 0 and write.events:
                    # A new stream: the UNIQUE (stream, version) index refuses version 1 if the
                    # stream exists, which is caught below; no look-up per stream is needed.
                    continue
                self._check_version(cur, write)
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
                models.write(cur)
            if audit:
                self._append_audit(cur, audit)
        return CommittedBatch(events, position)

    def _check_version(self, cur: sqlite3.Cursor, write: StreamWrite) -> None:
        actual = cur.execute(
            "SELECT COALESCE(MAX(version), 0) FROM events WHERE stream = ?", (write.stream,)
        ).fetchone()[0]
        if actual != write.expected_version:
            raise ConflictError(
                stream=write.stream, expected_version=write.expected_version, actual_version=actual
            )

    def destroy_stream(
        self, stream: str, tombstone: Event, *, audit: Sequence[AuditRecord] = ()
    ) -> None:
        """Replace *stream*'s events by *tombstone* in one transaction (see the Store protocol).

        ``secure_delete`` is on for this transaction, so SQLite overwrites the freed content with
        zeros instead of leaving it in free pages; a checkpoint afterwards moves the change out
        of the write-ahead log.
        """
        if tombstone.stream != stream:
            raise StorageError(f"the tombstone for {stream} names stream {tombstone.stream}")
        row = event_rows((tombstone,))[0]
        with self._lock:
            self._check_open()
            self._conn.execute("PRAGMA secure_delete = ON")
            try:
                with self._write() as cur:
                    current = cur.execute(
                        "SELECT COALESCE(MAX(version), 0) FROM events WHERE stream = ?", (stream,)
                    ).fetchone()[0]
                    if current == 0:
                        raise StorageError(f"there is no stream {stream} to destroy")
                    if tombstone.version != current + 1:
                        raise ConflictError(
                            stream=stream,
                            expected_version=tombstone.version - 1,
                            actual_version=current,
                        )
                    cur.execute("DELETE FROM events WHERE stream = ?", (stream,))
                    cur.execute(
                        "INSERT INTO events (stream, version, type, at, actor, data) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        row,
                    )
                    if is_projected(stream):
                        conv_id = stream[len(CONVERSATION_PREFIX) :]
                        cur.execute("DELETE FROM agreements WHERE conversation = ?", (conv_id,))
                        cur.execute(
                            "UPDATE conversations SET version = ? WHERE id = ?",
                            (tombstone.version, conv_id),
                        )
                    if audit:
                        self._append_audit(cur, audit)
            finally:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute("PRAGMA secure_delete = OFF")
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

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
        self, *, after: int = 0, types: Collection[str] | None = None, limit: int | None = None
    ) -> Iterator[tuple[int, Event]]:
        wanted = tuple(types) if types is not None else None
        if wanted == () or limit == 0:
            return
        remaining = limit
        while True:
            page = _PAGE if remaining is None else min(_PAGE, remaining)
            sql = "SELECT position, stream, version, type, at, actor, data FROM events "
            sql += "WHERE position > ?"
            params: list[Any] = [after]
            if wanted is not None:
                sql += f" AND type IN ({', '.join('?' * len(wanted))})"
                params.extend(wanted)
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
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        with self._read() as cur:
            rows = cur.execute(
                "SELECT DISTINCT stream FROM events WHERE stream LIKE ? ESCAPE '\\' "
                "ORDER BY stream",
                (escaped + "%",),
            ).fetchall()
        # LIKE ignores ASCII case; keep only exact prefix matches.
        yield from (r[0] for r in rows if r[0].startswith(prefix))

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
            where.append("c.subject = ?")
            params.append(subject)
        if participant is not None:
            where.append("c.id IN (SELECT conversation FROM conversation_people WHERE person = ?)")
            params.append(participant)
        if team is not None:
            where.append("c.team = ?")
            params.append(team)
        if states is not None:
            wanted = list(states)
            if not wanted:
                return []
            where.append(f"c.state IN ({', '.join('?' * len(wanted))})")
            params.extend(wanted)
        if held_from is not None:
            where.append("c.held_on >= ?")
            params.append(held_from.isoformat())
        if held_until is not None:
            where.append("c.held_on < ?")
            params.append(held_until.isoformat())
        sql = f"SELECT {_CONVERSATION_COLUMNS} FROM conversations c"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY c.requested_on, c.id"
        with self._read() as cur:
            rows = cur.execute(sql, params).fetchall()
        return [_conversation_row(row) for row in rows]

    def open_agreements(self, subject: str) -> list[AgreementRow]:
        with self._read() as cur:
            rows = cur.execute(
                "SELECT a.conversation, a.agreement, a.subject, a.owner, a.status, a.due, "
                "a.made_on FROM agreements a JOIN conversations c ON c.id = a.conversation "
                "WHERE a.subject = ? AND a.status = 'open' AND c.state = 'agreed' "
                "ORDER BY COALESCE(a.made_on, '0001-01-01'), a.conversation, a.position",
                (subject,),
            ).fetchall()
        return [_agreement_row(row) for row in rows]

    # -- audit -----------------------------------------------------------------------------

    def _append_audit(self, cur: sqlite3.Cursor, records: Sequence[AuditRecord]) -> None:
        count, last_hash = cur.execute(
            "SELECT count, last_hash FROM audit_head WHERE id = 1"
        ).fetchone()
        entries = chain_audit(records, count=count, last_hash=last_hash)
        if not entries:
            return
        columns = ("seq", *AUDIT_FIELDS, "prev_hash", "hash")
        cur.executemany(
            f"INSERT INTO audit ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            [tuple(e[c] for c in columns) for e in entries],
        )
        cur.execute(
            "UPDATE audit_head SET count = ?, last_hash = ? WHERE id = 1",
            (entries[-1]["seq"], entries[-1]["hash"]),
        )

    def append_audit(self, records: Sequence[AuditRecord]) -> None:
        with self._write() as cur:
            self._append_audit(cur, records)

    def read_audit(self, *, after: int = 0) -> Iterator[Mapping[str, Any]]:
        columns = ("seq", *AUDIT_FIELDS, "prev_hash", "hash")
        while True:
            with self._read() as cur:
                rows = cur.execute(
                    f"SELECT {', '.join(columns)} FROM audit WHERE seq > ? ORDER BY seq LIMIT ?",
                    (after, _PAGE),
                ).fetchall()
            for row in rows:
                yield dict(zip(columns, row, strict=True))
            if len(rows) < _PAGE:
                return
            after = rows[-1][0]

    def audit_head(self) -> AuditHead:
        with self._read() as cur:
            count, last_hash = cur.execute(
                "SELECT count, last_hash FROM audit_head WHERE id = 1"
            ).fetchone()
        return AuditHead(count, last_hash)

    # -- lifecycle -------------------------------------------------------------------------

    def schema_version(self) -> int:
        with self._read() as cur:
            version: int = cur.execute("PRAGMA user_version").fetchone()[0]
        return version

    def migrate(self) -> None:
        """Apply the schema steps this database lacks, in one transaction; refuse a newer one."""
        with self._write() as cur:
            _check_identity(self._conn, self.path)
            current = cur.execute("PRAGMA user_version").fetchone()[0]
            for version in range(current + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[version - 1]:
                    cur.execute(statement)
            if current < SCHEMA_VERSION:
                cur.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                cur.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()

    def __repr__(self) -> str:
        return f"SQLiteStore({self.url!r})"


def _check_header(path: Path) -> None:
    """Refuse a file that is not an SQLite database before SQLite opens (or changes) it."""
    try:
        with path.open("rb") as handle:
            header = handle.read(len(_SQLITE_HEADER))
    except OSError as exc:
        raise StorageError(f"cannot read database {path}: {exc}") from exc
    if header and header != _SQLITE_HEADER:
        raise StorageError(
            f"{path} is not an SQLite database (or it is damaged); it was left unchanged"
        )


def _check_identity(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse another application's database and one from a newer magcore, changing nothing."""
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.Error as exc:
        raise _storage_error(path, exc) from exc
    if app_id != APPLICATION_ID and (app_id != 0 or version != 0 or tables != 0):
        raise StorageError(
            f"{path} is an SQLite database of another application, not a magcore store; "
            "it was left unchanged"
        )
    if version > SCHEMA_VERSION:
        raise StorageError(
            f"database {path} has schema version {version}, written by a newer magcore; this "
            f"magcore knows up to version {SCHEMA_VERSION}. Upgrade magcore; the file was left "
            "unchanged"
        )


def _storage_error(path: Path, exc: sqlite3.Error) -> StorageError:
    message = str(exc)
    if isinstance(exc, sqlite3.DatabaseError) and (
        "not a database" in message or "malformed" in message or "corrupt" in message
    ):
        return StorageError(f"database {path} is damaged or not a database: {message}")
    if "locked" in message or "busy" in message:
        return StorageError(f"database {path} stayed busy (another writer): {message}")
    return StorageError(f"database {path}: {message}")
