"""Running a store for years: check it, back it up, restore it, move it to another back end.

The ``magcore store`` commands are thin over these functions:

* :func:`check_store` reads everything back: the back end's own full check (SQLite's
  ``integrity_check``), every event in commit order with its stream's version numbering, the
  read models rebuilt from the events, and the audit chain against its kept head.
* :func:`backup_store` writes an SQLite store's online backup and checks the copy.
* :func:`restore_store` checks a backup, puts it in the store's place and checks that the
  restored store replays exactly like the backup; with the key provider, it then destroys
  again the data keys the provider remembers as destroyed (:func:`destroy_forgotten_keys`:
  erasures and retention runs made after the backup).
* :func:`copy_between` copies a store into a new, empty one (SQLite ↔ PostgreSQL) and checks
  that both replay the same (:func:`magcore.storage.transfer.copy_store`).

.. versionadded:: 0.2
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs

from ..access.audit import KeyLookup, verify_store
from ..access.reading import DESTROYED_EVENT
from ..clock import SystemClock, as_utc
from ..errors import MagcoreError, StorageError
from ..storage.base import AuditRecord, Store
from ..storage.transfer import CopySummary, ReplayDigest, copy_store, label, replay_digest
from .chain import witness_head
from .rollback import AcceptedRollback, accept_restored_log

__all__ = [
    "BackupSummary",
    "StoreCheck",
    "backup_store",
    "check_store",
    "copy_between",
    "destroy_forgotten_keys",
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


def check_store(
    store: Store, *, limit: int = 50, keys: KeyLookup | None = None, provider: Any = None
) -> StoreCheck:
    """Read the whole of *store* back and report every problem (up to *limit*).

    Checks the back end's own integrity (a store with a ``check()`` method), that every event
    can be read and each stream is numbered without gaps (a destroyed stream starts at its
    tombstone), that the read-model tables hold exactly the rows the events fold into (each
    row that differs named by table and key: :mod:`magcore.app.read_model_check`), that the
    guarded listing's index holds exactly the rows the people's events fold into, and that
    every destroyed data key has its ``destroy`` or ``erase`` audit line
    (:mod:`magcore.app.index_check`), that every measurement round's ballot box holds what its
    events say (:func:`magcore.app.measurement.measurement_problems`), and the audit chain
    against the kept head (:func:`magcore.access.audit.verify_store`), its keyed lines with
    *keys* (the key provider's ``audit_key``; without it a keyed line is reported as
    unverifiable). With the
    key *provider*, the sharing choices are opened and compared in full (without it, what the
    events hold in clear: see :func:`~magcore.app.index_check.listing_index_problems`).
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
    if len(problems) < limit:
        from .read_model_check import read_model_problems

        try:
            problems.extend(read_model_problems(store))
        except (MagcoreError, ValueError, TypeError) as exc:
            problems.append(f"the read models cannot be checked: {exc}")
    if len(problems) < limit:
        from .index_check import listing_index_problems

        try:
            problems.extend(listing_index_problems(_opened(store, provider)))
        except (MagcoreError, ValueError, TypeError) as exc:
            problems.append(f"the listing index cannot be checked: {exc}")
    if len(problems) < limit:
        from .measurement import measurement_problems

        try:
            problems.extend(measurement_problems(store))
        except (MagcoreError, ValueError, TypeError) as exc:
            problems.append(f"the measurement ballot boxes cannot be checked: {exc}")
    entries = 0
    keyed: tuple[str, ...] | None = None  # the key table compared with the log, while verified
    try:
        result = verify_store(store, keys=keys, key_limit=limit)
        entries, keyed = result.entries, result.key_problems
        problem = result.problem
        if not result.ok and problem is not None and problem.event != "data_keys":
            problems.append(f"the audit log is broken at line {problem.seq}: {problem.reason}")
    except MagcoreError as exc:
        problems.append(str(exc))
    if keyed is not None:
        problems.extend(keyed)
    elif len(problems) < limit:  # the chain or the events failed first: read them on their own
        from .index_check import key_problems

        try:
            problems.extend(key_problems(store, limit=limit))
        except (MagcoreError, ValueError, TypeError) as exc:
            problems.append(f"the key table cannot be checked: {exc}")
    return StoreCheck(
        url=label(store.url),
        events=events,
        streams=len(versions),
        audit_entries=entries,
        problems=tuple(problems[:limit]),
    )


def _opened(store: Store, provider: Any) -> Store:
    """*store* reading its events opened (decrypted) with *provider*'s keys, where it can."""
    if provider is None or getattr(store, "codec", None) is not None:
        return store
    from ..access.content import protect

    return protect(store, lambda _store: provider)


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


def _checked(
    path: Path, keys: KeyLookup | None, provider: Any = None
) -> tuple[StoreCheck, ReplayDigest]:
    copy = _open_sqlite(path, read_only=True)
    try:
        result = check_store(copy, keys=keys, provider=provider)
        if not result.ok:
            raise StorageError(f"{path} is not a whole store: {'; '.join(result.problems[:3])}")
        return result, replay_digest(copy)
    finally:
        copy.close()


def backup_store(store: Store, target: Path, *, keys: KeyLookup | None = None) -> BackupSummary:
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
    result, digest = _checked(written, keys)
    return BackupSummary(path=written, check=result, digest=digest)


@attrs.frozen
class RestoreSummary:
    """A restore that was checked: where from, where to, where the old file went."""

    backup: Path
    target: Path
    moved_aside: Path | None
    check: StoreCheck
    digest: ReplayDigest
    destroyed_again: tuple[str, ...] = ()
    """The data keys the key provider remembers as destroyed, destroyed again in the restored
    store (:func:`destroy_forgotten_keys`)."""
    rolled_back: AcceptedRollback | None = None
    """How far the log went back from the head the key provider witnessed, recorded in a line
    of its own (:func:`~magcore.app.rollback.accept_restored_log`); ``None``: it did not."""


def destroy_forgotten_keys(
    store: Store,
    provider: Any,
    *,
    origin: str = "cli",
    reason: str = "destroyed before; alive again in a restored copy",
    clock: Callable[[], datetime] | None = None,
) -> tuple[str, ...]:
    """Destroy again every data key in *store* that the key *provider* remembers as
    destroyed (``is_forgotten``): after a backup taken before an erasure or a retention run is
    restored (``magcore store restore`` does it; after ``pg_restore``, run
    ``magcore store destroy-forgotten``). One audit line per owner (action ``destroy``), in the
    transaction that destroys its keys, chained under the provider's audit key. Returns the key
    ids; a provider that remembers nothing, or a store without a key table, gives ``()``.

    .. versionadded:: 0.3
    """
    from ..crypto.keyring import KeyRing
    from ..storage.keys import KeyStore

    if not isinstance(store, KeyStore) or not callable(getattr(provider, "is_forgotten", None)):
        return ()
    use = getattr(store, "use_audit_key", None)
    if use is not None and getattr(store, "audit_key", None) is None:
        use(provider.audit_key())
    witness_head(store, provider)  # chains onto the witnessed head only, and moves it on
    now = clock or SystemClock().now  # the caller's (service or CLI) clock, as every line
    at = as_utc(now()).isoformat()

    def line(owner: str) -> AuditRecord:
        return AuditRecord(
            at=at,
            actor="system",
            action="destroy",
            object=owner,
            result="done",
            origin=origin,
            reason=reason,
            purpose="erasure",
        )

    return KeyRing(store, provider, clock=now).destroy_forgotten(audit=line)


def restore_store(
    backup: Path,
    target: Path,
    *,
    replace: bool = False,
    keys: KeyLookup | None = None,
    provider: Any = None,
    clock: Callable[[], datetime] | None = None,
) -> RestoreSummary:
    """Check the SQLite *backup*, put it at *target*, and check the restored store replays alike.

    The backup is checked first (nothing is touched when it is not whole). With *replace* an
    existing *target* (and its ``-wal``/``-shm``) is moved aside, never deleted. Stop every
    process that uses the store first. With the key *provider*, the data keys it remembers as
    destroyed (erasures and retention runs after the backup was made) are destroyed again in
    the restored store (:func:`destroy_forgotten_keys`). *clock* (the installation's, e.g.
    ``app.clock().now``) dates the audit lines and key destructions this writes.
    """
    from ..storage.sqlite_admin import restore_file

    _result, expected = _checked(Path(backup), keys, provider)
    moved = restore_file(Path(backup), Path(target), replace=replace)
    restored = _open_sqlite(Path(target), read_only=False)
    try:
        result = check_store(restored, keys=keys, provider=provider)
        digest = replay_digest(restored)
    finally:
        restored.close()
    differences = expected.differences(digest)
    if not result.ok or differences:
        raise StorageError(
            f"the restored store {target} does not replay like the backup {backup}: "
            f"{'; '.join([*result.problems, *differences][:3])}"
        )
    again: tuple[str, ...] = ()
    rolled_back = None
    if provider is not None:
        restored = _open_sqlite(Path(target), read_only=False)
        try:
            rolled_back = accept_restored_log(
                restored,
                provider,
                origin="restore",
                reason=f"backup {Path(backup).name} restored",
                clock=clock,
            )
            again = destroy_forgotten_keys(
                restored,
                provider,
                origin="restore",
                reason=f"destroyed before; alive again in the restored backup {Path(backup).name}",
                clock=clock,
            )
        finally:
            restored.close()
    return RestoreSummary(
        backup=Path(backup),
        target=Path(target),
        moved_aside=moved,
        check=result,
        digest=digest,
        destroyed_again=again,
        rolled_back=rolled_back,
    )


def copy_between(
    source: Store, target: Store, *, keys: KeyLookup | None = None
) -> tuple[CopySummary, StoreCheck]:
    """Copy *source* into the new, empty *target*, compare replays, and check the target
    (its audit chain with *source*'s *keys*: the copy holds the same lines)."""
    summary = copy_store(source, target)
    result = check_store(target, keys=keys)
    if not result.ok:
        raise StorageError(
            f"the copy in {label(target.url)} is not whole: {'; '.join(result.problems[:3])}"
        )
    return summary, result
