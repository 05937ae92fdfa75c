"""Running a store for years: check it, back it up, restore it, move it to another back end.

The ``magcore store`` commands are thin over these functions:

* :func:`check_store` reads everything back: the back end's own full check (SQLite's
  ``integrity_check``), every event in commit order with its stream's version numbering, and the
  audit chain against its kept head.
* :func:`backup_store` writes an SQLite store's online backup and checks the copy.
* :func:`restore_store` checks a backup, puts it in the store's place and checks that the
  restored store replays exactly like the backup.
* :func:`copy_between` copies a store into a new, empty one (SQLite ↔ PostgreSQL) and checks
  that both replay the same (:func:`magcore.storage.transfer.copy_store`).

.. versionadded:: 0.2
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs

from ..access.audit import verify_store
from ..access.reading import DESTROYED_EVENT
from ..errors import MagcoreError, StorageError
from ..storage.base import Store
from ..storage.transfer import CopySummary, ReplayDigest, copy_store, label, replay_digest

__all__ = [
    "BackupSummary",
    "StoreCheck",
    "backup_store",
    "check_store",
    "copy_between",
    "restore_store",
]


@attrs.frozen
class StoreCheck:
    """The outcome of :func:`check_store`: what was read, and every problem found."""

    url: str
    events: int
    streams: int
    audit_entries: int
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether nothing is wrong."""
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        """A plain dict for ``--json``."""
        return {
            "store": self.url,
            "ok": self.ok,
            "events": self.events,
            "streams": self.streams,
            "audit_entries": self.audit_entries,
            "problems": list(self.problems),
        }


def check_store(store: Store, *, limit: int = 50) -> StoreCheck:
    """Read the whole of *store* back and report every problem (up to *limit*).

    Checks the back end's own integrity (a store with a ``check()`` method), that every event
    can be read and each stream is numbered without gaps (a destroyed stream starts at its
    tombstone), and the audit chain against the kept head
    (:func:`magcore.access.audit.verify_store`).
    """
    problems: list[str] = []
    own_check = getattr(store, "check", None)
    if callable(own_check):
        problems.extend(str(p) for p in own_check())
    versions: dict[str, int] = {}
    events = 0
    try:
        for position, event in store.read_all():
            events += 1
            before = versions.get(event.stream)
            if before is not None and event.version != before + 1:
                problems.append(
                    f"event at position {position}: stream {event.stream} jumps from version "
                    f"{before} to {event.version}"
                )
            elif before is None and event.version != 1 and event.type != DESTROYED_EVENT:
                problems.append(
                    f"event at position {position}: stream {event.stream} starts at version "
                    f"{event.version}"
                )
            versions[event.stream] = event.version
            if len(problems) >= limit:
                break
    except (MagcoreError, ValueError, TypeError) as exc:
        problems.append(f"the events cannot all be read (after {events}): {exc}")
    entries = 0
    try:
        result = verify_store(store)
        entries = result.entries
        if not result.ok and result.problem is not None:
            problems.append(
                f"the audit log is broken at line {result.problem.seq}: {result.problem.reason}"
            )
    except MagcoreError as exc:
        problems.append(str(exc))
    return StoreCheck(
        url=label(store.url),
        events=events,
        streams=len(versions),
        audit_entries=entries,
        problems=tuple(problems[:limit]),
    )


@attrs.frozen
class BackupSummary:
    """A backup that was written and checked, with the replay it holds."""

    path: Path
    check: StoreCheck
    digest: ReplayDigest


def _open_sqlite(path: Path, *, read_only: bool) -> Any:
    from ..storage.base import StoreSettings
    from ..storage.sqlite import SQLiteStore

    suffix = "?mode=ro" if read_only else ""
    return SQLiteStore.open(f"sqlite:///{path.resolve()}{suffix}", StoreSettings(create=False))


def _checked(path: Path) -> tuple[StoreCheck, ReplayDigest]:
    copy = _open_sqlite(path, read_only=True)
    try:
        result = check_store(copy)
        if not result.ok:
            raise StorageError(f"{path} is not a whole store: {'; '.join(result.problems[:3])}")
        return result, replay_digest(copy)
    finally:
        copy.close()


def backup_store(store: Store, target: Path) -> BackupSummary:
    """Back *store* up to the new file *target* and check the copy (SQLite stores only).

    A store without a ``backup()`` method (PostgreSQL) raises :class:`StorageError` with its
    ``backup_advice()`` (``pg_dump``) when it has one.
    """
    backup = getattr(store, "backup", None)
    if not callable(backup):
        advice = getattr(store, "backup_advice", None)
        text = advice() if callable(advice) else "use the back end's own backup tools"
        raise StorageError(f"{label(store.url)} is not backed up by magcore. {text}")
    written = Path(backup(Path(target)))
    result, digest = _checked(written)
    return BackupSummary(path=written, check=result, digest=digest)


@attrs.frozen
class RestoreSummary:
    """A restore that was checked: where from, where to, where the old file went."""

    backup: Path
    target: Path
    moved_aside: Path | None
    check: StoreCheck
    digest: ReplayDigest


def restore_store(backup: Path, target: Path, *, replace: bool = False) -> RestoreSummary:
    """Check the SQLite *backup*, put it at *target*, and check the restored store replays alike.

    The backup is checked first (nothing is touched when it is not whole). With *replace* an
    existing *target* (and its ``-wal``/``-shm``) is moved aside, never deleted. Stop every
    process that uses the store first.
    """
    from ..storage.sqlite_admin import restore_file

    _result, expected = _checked(Path(backup))
    moved = restore_file(Path(backup), Path(target), replace=replace)
    restored = _open_sqlite(Path(target), read_only=False)
    try:
        result = check_store(restored)
        digest = replay_digest(restored)
    finally:
        restored.close()
    differences = expected.differences(digest)
    if not result.ok or differences:
        raise StorageError(
            f"the restored store {target} does not replay like the backup {backup}: "
            f"{'; '.join([*result.problems, *differences][:3])}"
        )
    return RestoreSummary(
        backup=Path(backup), target=Path(target), moved_aside=moved, check=result, digest=digest
    )


def copy_between(source: Store, target: Store) -> tuple[CopySummary, StoreCheck]:
    """Copy *source* into the new, empty *target*, compare replays, and check the target."""
    summary = copy_store(source, target)
    result = check_store(target)
    if not result.ok:
        raise StorageError(
            f"the copy in {label(target.url)} is not whole: {'; '.join(result.problems[:3])}"
        )
    return summary, result
