"""A small pool of read connections for a SQLite store in WAL mode.

In WAL mode readers do not wait for a writer, nor a writer for readers: a read transaction
sees the database as of its start. The store's one write connection (behind its lock) keeps
writes in order; reads take a connection from this pool instead, so a read never waits for
another request's commit (with ``synchronous = FULL`` a commit waits for the disk). The pool
holds at most ``StoreSettings.pool_size`` connections, opened on demand and reused.

Also here: :func:`connect` (every connection of a store) and :func:`prefix_end` (the bound of
an index range for a prefix).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import StorageError
from .base import StoreSettings
from .sqlite_check import readonly_uri, storage_error

__all__ = ["ReaderPool", "connect", "prefix_end"]


class ReaderPool:
    """Up to ``settings.pool_size`` connections made by *connect*, lent one at a time."""

    def __init__(
        self, connect: Callable[[], sqlite3.Connection], settings: StoreSettings, name: str
    ) -> None:
        self._connect = connect
        self._size = max(1, settings.pool_size)
        self._timeout = int(settings.timeout * 1000)
        self._name = name
        self._idle: list[sqlite3.Connection] = []
        self._count = 0
        self._cond = threading.Condition()
        self._closed = False
        self._held = False

    @contextlib.contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """A connection for one read; back to the pool afterwards."""
        conn: sqlite3.Connection | None = None
        with self._cond:
            while True:
                if self._closed:
                    raise StorageError(f"store {self._name} is closed")
                if self._held:  # a checkpoint that erased bytes must leave the disk waits
                    self._cond.wait()
                    continue
                if self._idle:
                    conn = self._idle.pop()
                    break
                if self._count < self._size:
                    self._count += 1
                    break
                self._cond.wait()
        if conn is None:
            try:
                conn = self._open()
            except BaseException:
                with self._cond:
                    self._count -= 1
                    self._cond.notify()
                raise
        try:
            yield conn
        finally:
            with self._cond:
                if self.closed:
                    conn.close()
                else:
                    self._idle.append(conn)
                self._cond.notify_all()

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """No read runs while this lasts: new reads wait, and it begins once every lent
        connection is back (so a ``wal_checkpoint(TRUNCATE)`` is not kept from the end of the
        log by a read of this store)."""
        with self._cond:
            while self._held:
                self._cond.wait()
            self._held = True
            while self._count - len(self._idle) > 0 and not self._closed:
                self._cond.wait()
        try:
            yield
        finally:
            with self._cond:
                self._held = False
                self._cond.notify_all()

    @property
    def closed(self) -> bool:
        return self._closed

    def _open(self) -> sqlite3.Connection:
        conn = self._connect()
        try:
            conn.execute(f"PRAGMA busy_timeout = {self._timeout}")
        except sqlite3.Error as exc:
            conn.close()
            raise StorageError(
                f"store {self._name}: cannot open a read connection ({exc})"
            ) from exc
        return conn

    def close(self) -> None:
        """Close the idle connections; one lent out is closed when it comes back."""
        with self._cond:
            self._closed = True
            for conn in self._idle:
                conn.close()
            self._idle.clear()
            self._cond.notify_all()


def connect(path: Path, settings: StoreSettings, *, read_only: bool) -> sqlite3.Connection:
    """A connection to the store file at *path* (read-only by URI when *read_only*)."""
    try:
        return sqlite3.connect(
            readonly_uri(path) if read_only else str(path),
            timeout=settings.timeout,
            isolation_level=None,
            check_same_thread=False,
            uri=read_only,
        )
    except sqlite3.Error as exc:
        raise storage_error(path, exc) from exc


def prefix_end(prefix: str) -> str | None:
    """The smallest text after every text that starts with *prefix* (``person:`` →
    ``person;``), for an index range; ``None`` when there is none to give."""
    if not prefix or ord(prefix[-1]) >= 0x10FFFF:
        return None
    following = ord(prefix[-1]) + 1
    if 0xD800 <= following <= 0xDFFF:  # no text holds a surrogate: the next one is U+E000
        following = 0xE000
    return prefix[:-1] + chr(following)
