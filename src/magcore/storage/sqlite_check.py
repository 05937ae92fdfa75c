"""Is this SQLite file a whole magcore store? Checks before, while and after opening it.

* :func:`check_file` reads the first 100 bytes before SQLite touches the file: an empty file, a
  file cut off mid-page or shorter than its own header says, or one that is not SQLite at all is
  refused, naming the file and what to do. A file that existed is never replaced by a new empty
  store.
* :func:`check_schema` compares the tables present with the tables the schema version promises
  (computed by running the migrations in memory, so a table added by a later migration is
  checked without another list to keep).
* :func:`quick_check` runs ``PRAGMA quick_check`` when the store opens (linear in the file's
  size, no index cross-check: milliseconds for a demo store, see ``bench/store_check.py``);
  :func:`integrity_report` runs the full ``PRAGMA integrity_check`` for ``magcore store check``.
* :func:`readonly_uri` opens a store for reading only, also from read-only media.

.. versionadded:: 0.2
"""

from __future__ import annotations

import functools
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from ..errors import StorageError
from .sqlite_schema import APPLICATION_ID, SCHEMA_VERSION

__all__ = [
    "ADVICE",
    "DamagedStoreError",
    "check_file",
    "check_identity",
    "check_schema",
    "expected_tables",
    "integrity_report",
    "quick_check",
    "readonly_uri",
    "storage_error",
    "writable_folder",
]

#: What to do about a damaged store (added to every refusal).
ADVICE = (
    "restore it from a backup ('magcore store restore BACKUP') or check it with "
    "'magcore store check'; the file was left unchanged"
)

_MAGIC = b"SQLite format 3\x00"
_HEADER = 100


class DamagedStoreError(StorageError):
    """The store's file exists but is empty, cut off or damaged; it is refused, never replaced.

    ``path`` is the file and ``problem`` what is wrong with it.
    """

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"database {path} {problem}: {ADVICE}")


def check_file(path: Path) -> None:
    """Refuse an existing *path* that is empty, cut off or not an SQLite database.

    Reads only the header (100 bytes) and the file size, so it is cheap, and runs before SQLite
    opens the file (SQLite would take an empty file for a new database).
    """
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            header = handle.read(_HEADER)
    except OSError as exc:
        raise StorageError(f"cannot read database {path}: {exc.strerror or exc}") from exc
    if size == 0:
        wal = Path(f"{path}-wal")
        beside = f" (its write-ahead log {wal.name} is still there)" if wal.exists() else ""
        raise DamagedStoreError(path, f"is empty (0 bytes){beside}; it existed, so it is not new")
    if not header.startswith(_MAGIC[: len(header)]) or len(header) < len(_MAGIC):
        raise StorageError(
            f"{path} is not an SQLite database (or its first bytes are damaged): {ADVICE}"
        )
    if len(header) < _HEADER:
        raise DamagedStoreError(path, f"is cut off: {size} bytes, shorter than its header")
    page_size = int.from_bytes(header[16:18], "big")
    if page_size == 1:
        page_size = 65536
    if page_size < 512 or page_size & (page_size - 1):
        raise DamagedStoreError(path, f"has a damaged header (page size {page_size})")
    if size % page_size:
        raise DamagedStoreError(
            path, f"is cut off in the middle of a page ({size} bytes, pages of {page_size})"
        )
    pages = int.from_bytes(header[28:32], "big")
    changes = int.from_bytes(header[24:28], "big")
    valid_for = int.from_bytes(header[92:96], "big")
    if pages and changes == valid_for and size < pages * page_size:
        held = size // page_size
        if not _wal_holds(Path(f"{path}-wal"), range(held + 1, pages + 1), page_size):
            raise DamagedStoreError(path, f"is cut off: it holds {held} of its {pages} pages")


def _wal_holds(wal: Path, missing: range, page_size: int) -> bool:
    """Whether the write-ahead log *wal* has a frame for every page in *missing*.

    A process killed during a checkpoint can leave the main file shorter than its header says,
    with the missing pages still in the log: SQLite recovers that on the next open, so it is not
    damage. Frames count only when their salts match the log's header (frames of an older log
    that SQLite would ignore do not count).
    """
    try:
        with wal.open("rb") as handle:
            header = handle.read(32)
            if len(header) < 32 or int.from_bytes(header[8:12], "big") != page_size:
                return False
            salts = header[16:24]
            found: set[int] = set()
            while frame := handle.read(24):
                if len(frame) < 24 or frame[8:16] != salts:
                    break
                found.add(int.from_bytes(frame[0:4], "big"))
                if len(handle.read(page_size)) < page_size:
                    break
    except OSError:
        return False
    return all(page in found for page in missing)


@functools.lru_cache(maxsize=16)
def expected_tables(migrations: Sequence[Sequence[str]], version: int) -> frozenset[str]:
    """The tables a store at schema *version* has: its migrations run on an empty memory db.

    *migrations* must be hashable (a tuple of tuples, as ``sqlite.MIGRATIONS``); the answer is
    kept, since the migrations of one magcore never change.
    """
    conn = sqlite3.connect(":memory:")
    try:
        for step in migrations[:version]:
            for statement in step:
                conn.execute(statement)
        return _tables(conn)
    finally:
        conn.close()


def _tables(conn: sqlite3.Connection) -> frozenset[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    return frozenset(str(r[0]) for r in rows)


def check_schema(
    conn: sqlite3.Connection, path: Path, version: int, migrations: Sequence[Sequence[str]]
) -> None:
    """Refuse a store at *version* that lacks a table that version has (a half-present schema).

    A store at version 0 must hold no tables at all; anything else means the file was emptied
    or damaged, and creating the schema in it would look like a new, empty store.
    """
    present = _tables(conn)
    if version == 0:
        if present:
            raise DamagedStoreError(
                path,
                f"has tables ({', '.join(sorted(present))}) but no schema version: it is not a "
                "whole magcore store",
            )
        return
    missing = expected_tables(migrations, version) - present
    if missing:
        raise DamagedStoreError(
            path,
            f"is at schema version {version} but lacks table"
            f"{'s' if len(missing) > 1 else ''} {', '.join(sorted(missing))}",
        )


def quick_check(conn: sqlite3.Connection, path: Path) -> None:
    """``PRAGMA quick_check``: refuse pages that are damaged (without the index cross-check)."""
    try:
        rows = conn.execute("PRAGMA quick_check(5)").fetchall()
    except sqlite3.DatabaseError as exc:
        raise DamagedStoreError(path, f"is damaged ({exc})") from exc
    found = [str(r[0]) for r in rows]
    if found != ["ok"]:
        raise DamagedStoreError(path, f"is damaged: {'; '.join(found)}")


def integrity_report(conn: sqlite3.Connection, *, limit: int = 100) -> list[str]:
    """Every problem ``PRAGMA integrity_check`` finds (up to *limit*); empty when whole."""
    try:
        rows = conn.execute(f"PRAGMA integrity_check({int(limit)})").fetchall()
    except sqlite3.DatabaseError as exc:
        return [f"the file cannot be read: {exc}"]
    found = [str(r[0]) for r in rows]
    if found == ["ok"]:
        found = []
    try:
        violations = conn.execute("PRAGMA foreign_key_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return [*found, f"foreign keys cannot be checked: {exc}"]
    found.extend(
        f"row {row[1]} of table {row[0]} points to a missing row of {row[2]}"
        for row in violations[:limit]
    )
    return found


def writable_folder(folder: Path) -> bool:
    """Whether files can be created in *folder* (SQLite needs ``-wal`` and ``-shm`` files there)."""
    return os.access(folder, os.W_OK | os.X_OK)


def readonly_uri(path: Path) -> str:
    """An SQLite URI that opens *path* for reading only.

    In a folder nobody can write to, no writer can be at work either (it would need the
    ``-wal`` and ``-shm`` files there), so the file is opened ``immutable``: SQLite then reads
    it without the shared-memory file it cannot create. Elsewhere ``mode=ro`` reads alongside a
    live writer.
    """
    absolute = path.resolve()
    quoted = str(absolute).replace("%", "%25").replace("?", "%3f").replace("#", "%23")
    shm = Path(f"{absolute}-shm")
    wal = Path(f"{absolute}-wal")
    quiet = not shm.exists() and (not wal.exists() or wal.stat().st_size == 0)
    if quiet and not writable_folder(absolute.parent):
        return f"file:{quoted}?mode=ro&immutable=1"
    return f"file:{quoted}?mode=ro"


def check_identity(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse another application's database and one from a newer magcore, changing nothing."""
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.Error as exc:
        raise storage_error(path, exc) from exc
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


def storage_error(path: Path, exc: sqlite3.Error) -> StorageError:
    message = str(exc)
    if isinstance(exc, sqlite3.DatabaseError) and (
        "not a database" in message or "malformed" in message or "corrupt" in message
    ):
        return DamagedStoreError(path, f"is damaged or not a database ({message})")
    if "locked" in message or "busy" in message:
        return StorageError(f"database {path} stayed busy (another writer): {message}")
    if "readonly" in message:
        return StorageError(
            f"database {path} is open read-only (?mode=ro, or a read-only file or folder): "
            "nothing was written"
        )
    if "unable to open" in message and not writable_folder(path.parent):
        return StorageError(
            f"cannot open database {path}: folder {path.parent} is not writable, and SQLite "
            f"needs to create {path.name}-wal and {path.name}-shm there to write; open it "
            f"read-only (sqlite:///{path}?mode=ro) or give write access"
        )
    return StorageError(f"database {path}: {message}")
