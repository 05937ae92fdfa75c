"""Move a whole store to another back end: every table, checked by comparing replays.

A store that can be copied offers :class:`TableAccess`: the tables it keeps (its schema says
which, so a table a later migration adds is found without a list to update here), their rows in
one portable form, and a way to load rows into a new, empty store in one transaction. Tables
the back end derives from others (PostgreSQL's stream versions, its schema version) are not
listed; the target rebuilds them.

:func:`copy_store` refuses to copy when the two stores do not keep the same tables and columns
(one has a table the other does not know: upgrade the older side), so nothing is silently left
behind. Afterwards it compares :func:`replay_digest` of both: every event in commit order, the
audit log and its head, the read models and every table.

The portable form of a value is what the SQLite store keeps: text, integers, reals, bytes and
NULL, dates and times as ISO 8601 text, lists as JSON text, event data as compact JSON text
with sorted keys.

.. versionadded:: 0.2
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit, urlunsplit

import attrs

from ..errors import StorageError
from .base import Store
from .common import data_json, every_row

__all__ = [
    "CopySummary",
    "ReplayDigest",
    "TableAccess",
    "copy_store",
    "label",
    "replay_digest",
]


@runtime_checkable
class TableAccess(Protocol):
    """What a store offers so that it can be copied table by table."""

    url: str

    def tables(self) -> Mapping[str, tuple[str, ...]]:
        """Every table holding kept data (logical name → its columns), read from the schema."""
        ...

    def dump_table(self, table: str, columns: Sequence[str]) -> Iterator[tuple[Any, ...]]:
        """The rows of *table* (those *columns*, in that order), in the portable form."""
        ...

    def load_tables(
        self, tables: Mapping[str, tuple[Sequence[str], Iterable[Sequence[Any]]]]
    ) -> None:
        """Replace the contents of a store without events or audit lines, in one transaction.

        Each table's rows (portable form, given columns) replace what a new store holds (such
        as the empty audit head); derived tables are rebuilt. Refuses a store that is in use.
        """
        ...


@attrs.frozen
class ReplayDigest:
    """What a replay of a store sees, in a few numbers and SHA-256 digests."""

    events: int
    last_position: int
    events_sha256: str
    audit_entries: int
    audit_sha256: str
    audit_head: tuple[int, str]
    conversations: int
    conversations_sha256: str
    tables: tuple[tuple[str, int, str], ...] = ()
    """``(table, rows, sha256)`` of every kept table, when the store offers :class:`TableAccess`."""

    def differences(self, other: ReplayDigest) -> list[str]:
        """The fields in which *other* differs, readable (empty when equal)."""
        found: list[str] = []
        for field in attrs.fields(ReplayDigest):
            mine, theirs = getattr(self, field.name), getattr(other, field.name)
            if field.name == "tables":
                mine_by, theirs_by = {t[0]: t for t in mine}, {t[0]: t for t in theirs}
                found.extend(
                    f"table {name}: {mine_by.get(name)} != {theirs_by.get(name)}"
                    for name in sorted(set(mine_by) | set(theirs_by))
                    if mine_by.get(name) != theirs_by.get(name)
                )
            elif mine != theirs:
                found.append(f"{field.name}: {mine!r} != {theirs!r}")
        return found


@attrs.frozen
class CopySummary:
    """The outcome of :func:`copy_store`: what was copied, and the replay both sides share."""

    source: str
    target: str
    rows: Mapping[str, int]
    digest: ReplayDigest


def _sha(parts: Iterable[str]) -> tuple[int, str]:
    digest = hashlib.sha256()
    count = 0
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x1e")
        count += 1
    return count, digest.hexdigest()


def _unordered_sha(rows: Iterable[Sequence[Any]]) -> tuple[int, str]:
    """Count and digest of *rows* whatever their order (the sum of their SHA-256, mod 2**256)."""
    total = 0
    count = 0
    for row in rows:
        values = [v.hex() if isinstance(v, bytes | memoryview) else v for v in row]
        encoded = data_json(values).encode("utf-8", "surrogatepass")
        total = (total + int.from_bytes(hashlib.sha256(encoded).digest(), "big")) % (1 << 256)
        count += 1
    return count, f"{total:064x}"


def _table_digests(store: TableAccess) -> tuple[tuple[str, int, str], ...]:
    found = []
    for table, columns in sorted(store.tables().items()):
        count, sha = _unordered_sha(store.dump_table(table, tuple(sorted(columns))))
        found.append((table, count, sha))
    return tuple(found)


def replay_digest(store: Store) -> ReplayDigest:
    """Replay *store* through the Store API (events, audit log, read models) and digest it.

    Two stores with equal digests return the same events at the same positions, the same audit
    log and head, and the same conversations; with :class:`TableAccess` also the same rows in
    every kept table.
    """
    last = 0

    def events() -> Iterator[str]:
        nonlocal last
        for position, event in store.read_all():
            last = position
            yield data_json(
                [
                    position,
                    event.stream,
                    event.version,
                    event.type,
                    event.at.isoformat(),
                    event.actor,
                    event.data,
                ]
            )

    count, events_sha = _sha(events())
    audit_count, audit_sha = _sha(data_json(dict(entry)) for entry in store.read_audit())
    head = store.audit_head()
    rows = store.conversations()
    conv_count, conv_sha = _sha(
        data_json([str(value) for value in attrs.astuple(row, recurse=False)]) for row in rows
    )
    return ReplayDigest(
        events=count,
        last_position=last,
        events_sha256=events_sha,
        audit_entries=audit_count,
        audit_sha256=audit_sha,
        audit_head=(head.count, head.last_hash),
        conversations=conv_count,
        conversations_sha256=conv_sha,
        tables=_table_digests(store) if isinstance(store, TableAccess) else (),
    )


def label(url: str) -> str:
    """*url* without a password, for messages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unreadable URL>"
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")))


def _require(store: Store, role: str) -> TableAccess:
    if not isinstance(store, TableAccess):
        raise StorageError(
            f"the {role} store {label(store.url)} cannot be copied table by table (its back "
            "end offers no table access); nothing was copied"
        )
    return store


def _is_empty(store: Store) -> bool:
    return next(every_row(store), None) is None and store.audit_head().count == 0


def copy_store(source: Store, target: Store) -> CopySummary:
    """Copy every table of *source* into the new, empty *target*, then compare their replays.

    Raises :class:`StorageError` (nothing copied) when *target* already holds events or audit
    lines, or when the two do not keep the same tables and columns; and when the replays differ
    afterwards (the source changed during the copy: stop writers first), naming what differs.
    """
    src, dst = label(source.url), label(target.url)
    source_tables = _require(source, "source").tables()
    target_access = _require(target, "target")
    target_tables = target_access.tables()
    only_source = sorted(set(source_tables) - set(target_tables))
    only_target = sorted(set(target_tables) - set(source_tables))
    if only_source or only_target:
        side = (
            f"{src} keeps {', '.join(only_source)}, which {dst} does not know"
            if only_source
            else f"{dst} keeps {', '.join(only_target)}, which {src} does not know"
        )
        raise StorageError(
            f"cannot copy: {side}; upgrade magcore (and its store plugins) on both sides so "
            "they have the same tables; nothing was copied"
        )
    for table, columns in source_tables.items():
        if set(columns) != set(target_tables[table]):
            raise StorageError(
                f"cannot copy: table {table} has columns {sorted(columns)} in {src} but "
                f"{sorted(target_tables[table])} in {dst}; nothing was copied"
            )
    if not _is_empty(target):
        raise StorageError(
            f"cannot copy into {dst}: it already holds events or audit lines; copy only "
            "into a new, empty store. Nothing was copied"
        )
    counts: dict[str, int] = {}

    def counted(table: str, rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
        counts[table] = 0
        for row in rows:
            counts[table] += 1
            yield row

    source_access = _require(source, "source")
    target_access.load_tables(
        {
            table: (columns, counted(table, source_access.dump_table(table, columns)))
            for table, columns in source_tables.items()
        }
    )
    before, after = replay_digest(source), replay_digest(target)
    differences = before.differences(after)
    if differences:
        raise StorageError(
            f"the copy in {dst} does not replay like {src}: "
            f"{'; '.join(differences[:3])}. Was the source written during the copy? Stop every "
            "writer, empty the target and copy again"
        )
    return CopySummary(
        source=label(source.url), target=label(target.url), rows=counts, digest=after
    )
