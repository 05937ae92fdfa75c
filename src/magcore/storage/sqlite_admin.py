"""Maintenance of an SQLite store: full check, online backup, restore, and table access for copies.

These are the bodies of :class:`~magcore.storage.sqlite.SQLiteStore`'s maintenance methods,
kept apart so the store module stays about reading and writing.

* :func:`backup` uses SQLite's online backup API from a connection of its own: one consistent
  snapshot while writers (in this and other processes) go on, written next to the target under
  a temporary name, checked, and then linked into place; an existing file is never overwritten.
* :func:`restore_file` puts a backup in a store's place; the store's old file and its ``-wal``
  and ``-shm`` are moved aside (a stale write-ahead log beside a restored file would damage it).
* :func:`tables`, :func:`dump_table` and :func:`load_tables` give the portable table access of
  :mod:`magcore.storage.transfer`.

.. versionadded:: 0.2
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from ..errors import StorageError
from .base import StoreSettings
from .sqlite_check import check_file, integrity_report, readonly_uri, writable_folder


class SQLiteStore(Protocol):
    """What these functions use of :class:`magcore.storage.sqlite.SQLiteStore` (not imported
    here: the store imports this module)."""

    path: Path

    def _read(self) -> AbstractContextManager[sqlite3.Cursor]: ...

    def _write(self) -> AbstractContextManager[sqlite3.Cursor]: ...

    def migrate(self) -> None: ...


__all__ = [
    "backup",
    "check",
    "create",
    "dump_table",
    "load_tables",
    "restore_file",
    "tables",
]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _tables(cur: sqlite3.Cursor) -> dict[str, tuple[str, ...]]:
    names = [
        str(r[0])
        for r in cur.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        ).fetchall()
    ]
    return {
        name: tuple(str(c[1]) for c in cur.execute(f"PRAGMA table_info({_quote(name)})"))
        for name in names
    }


def tables(store: SQLiteStore) -> dict[str, tuple[str, ...]]:
    """Every table of *store* (``sqlite_`` internals aside) with its columns, from the schema."""
    with store._read() as cur:
        return _tables(cur)


def _known(found: Mapping[str, Sequence[str]], table: str, columns: Sequence[str]) -> None:
    if table not in found:
        raise StorageError(f"the store has no table {table}")
    unknown = sorted(set(columns) - set(found[table]))
    if unknown or not columns:
        raise StorageError(f"table {table} has no column(s) {', '.join(unknown) or '(none)'}")


def dump_table(store: SQLiteStore, table: str, columns: Sequence[str]) -> Iterator[tuple[Any, ...]]:
    """The rows of *table*, read on a connection of their own in one read transaction."""
    _known(tables(store), table, columns)
    conn = sqlite3.connect(readonly_uri(store.path), uri=True, isolation_level=None)
    try:
        conn.execute("BEGIN")
        cursor = conn.execute(
            f"SELECT {', '.join(_quote(c) for c in columns)} FROM {_quote(table)}"
        )
        while rows := cursor.fetchmany(1000):
            yield from (tuple(row) for row in rows)
    except sqlite3.Error as exc:
        raise StorageError(f"database {store.path}: cannot read table {table}: {exc}") from exc
    finally:
        conn.close()


def load_tables(
    store: SQLiteStore, contents: Mapping[str, tuple[Sequence[str], Iterable[Sequence[Any]]]]
) -> None:
    """Replace every given table's rows in *store*, which has no events or audit lines yet.

    One transaction: on any error nothing is kept. Foreign keys are checked at its end.
    """
    with store._write() as cur:
        used = cur.execute("SELECT EXISTS (SELECT 1 FROM events)").fetchone()[0]
        head = cur.execute("SELECT count FROM audit_head").fetchone()
        if used or (head is not None and head[0]):
            raise StorageError(
                f"database {store.path} already holds events or audit lines; load only into a "
                "new, empty store"
            )
        found = _tables(cur)
        cur.execute("PRAGMA defer_foreign_keys = ON")
        for table, (columns, rows) in contents.items():
            _known(found, table, columns)
            cur.execute(f"DELETE FROM {_quote(table)}")
            cur.executemany(
                f"INSERT INTO {_quote(table)} ({', '.join(_quote(c) for c in columns)}) "
                f"VALUES ({', '.join('?' * len(columns))})",
                rows,
            )


def check(store: SQLiteStore) -> list[str]:
    """Every problem ``PRAGMA integrity_check`` and the foreign-key check find (empty: whole)."""
    with store._read() as cur:
        return integrity_report(cur.connection)


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _temporary(beside: Path, what: str) -> Path:
    return beside.parent / f".{beside.name}.{os.getpid()}-{secrets.token_hex(4)}.{what}"


#: The mode of a new database file, and so of its ``-wal`` and ``-shm`` (SQLite gives them the
#: database's): who met whom, when, the kind, sharing choices and e-mail addresses are in clear
#: there, so only the owner may read it, as the key file (widen it by hand for a group).
NEW_FILE_MODE = 0o600


def _new_private_file(path: Path, mode: int = NEW_FILE_MODE) -> None:
    """Create the empty file *path* with *mode* (whatever the umask), for SQLite to fill."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except OSError as exc:
        raise StorageError(f"cannot create {path}: {exc.strerror}") from exc
    try:
        os.fchmod(fd, mode)  # the umask may have taken bits away; never adds any
    finally:
        os.close(fd)


def _snapshot(source_uri: str, target: Path, *, uri: bool) -> None:
    """Copy the database at *source_uri* into the new file *target* with the backup API."""
    source = sqlite3.connect(source_uri, uri=uri)
    try:
        dest = sqlite3.connect(str(target), isolation_level=None)
        try:
            source.backup(dest)  # all pages in one step: one consistent read transaction
            dest.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            problems = integrity_report(dest)
            if problems:
                raise StorageError(f"the copy in {target} is not whole: {'; '.join(problems[:3])}")
        finally:
            dest.close()
    finally:
        source.close()


def _link(temporary: Path, target: Path) -> None:
    """Put *temporary* at *target*, refusing (not overwriting) an existing *target*."""
    try:
        os.link(temporary, target)
    except FileExistsError:
        raise StorageError(f"{target} exists already; a backup never overwrites a file") from None
    except OSError:
        if target.exists():
            raise StorageError(f"{target} exists already; nothing was overwritten") from None
        os.replace(temporary, target)


def backup(store: SQLiteStore, target: Path) -> Path:
    """Write a consistent copy of *store* to the new file *target*, safe while others write.

    Returns *target*. Raises :class:`StorageError` when *target* exists, its folder is missing,
    it is the store itself, or the copy is not whole; a half-written copy is never left there.
    """
    target = Path(target)
    if target.exists():
        raise StorageError(f"{target} exists already; a backup never overwrites a file")
    if not target.parent.is_dir():
        raise StorageError(f"cannot write backup {target}: folder {target.parent} is missing")
    temporary = _temporary(target, "partial")
    try:
        _new_private_file(temporary)
        try:
            _snapshot(readonly_uri(store.path), temporary, uri=True)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot back up {store.path} to {target}: {exc}") from exc
        _link(temporary, target)
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()
    return target


def restore_file(backup_path: Path, target: Path, *, replace: bool = False) -> Path | None:
    """Put a copy of the backup *backup_path* at *target*; returns where the old file went.

    Without *replace* an existing *target* is refused. With it, the old file and its ``-wal``
    and ``-shm`` are renamed to ``<name>.replaced-<UTC time>`` (never deleted) before the copy
    is linked in. Stop every process using the store first.
    """
    backup_path, target = Path(backup_path), Path(target)
    if not backup_path.is_file():
        raise StorageError(f"backup {backup_path} does not exist")
    check_file(backup_path)
    if not target.parent.is_dir():
        raise StorageError(f"cannot restore to {target}: folder {target.parent} is missing")
    if target.exists() and not replace:
        raise StorageError(
            f"{target} exists already; pass --replace to move it aside and restore in its place"
        )
    temporary = _temporary(target, "restoring")
    moved: Path | None = None
    try:
        # the restored file is as open as the one it replaces (a new one: owner only)
        kept = stat.S_IMODE(target.stat().st_mode) if target.exists() else NEW_FILE_MODE
        _new_private_file(temporary, kept)
        try:
            _snapshot(readonly_uri(backup_path), temporary, uri=True)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot read backup {backup_path}: {exc}") from exc
        if target.exists():
            moved = target.with_name(f"{target.name}.replaced-{_stamp()}")
            for suffix in ("-wal", "-shm", ""):
                old = Path(f"{target}{suffix}")
                if old.exists():
                    os.replace(old, Path(f"{moved}{suffix}"))
        _link(temporary, target)
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()
    return moved


def create(
    store_class: Callable[[str, Path, sqlite3.Connection], SQLiteStore],
    path: Path,
    settings: StoreSettings,
) -> None:
    """Build a new store under a temporary name, then link it into place (never half-made).

    If another process created *path* meanwhile, its store is kept and this one dropped.
    """
    folder = path.parent
    if not folder.is_dir():
        raise StorageError(f"cannot create database {path}: folder {folder} is missing")
    if not writable_folder(folder):
        raise StorageError(
            f"cannot create database {path}: folder {folder} is not writable (SQLite writes the "
            f"file and its -wal and -shm files there); choose another folder or give write access"
        )
    temporary = folder / f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.new"
    try:
        _new_private_file(temporary)
        try:
            conn = sqlite3.connect(str(temporary), timeout=settings.timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot create database {path}: {exc}") from exc
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            store_class(f"sqlite:///{temporary}", temporary, conn).migrate()
        except sqlite3.Error as exc:
            raise StorageError(f"cannot create database {path}: {exc}") from exc
        finally:
            conn.close()
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process was first: use its store
        except OSError:  # a file system without hard links
            if not path.exists():
                os.replace(temporary, path)
    finally:
        for leftover in (temporary, Path(f"{temporary}-wal"), Path(f"{temporary}-shm")):
            with contextlib.suppress(OSError):
                leftover.unlink()
