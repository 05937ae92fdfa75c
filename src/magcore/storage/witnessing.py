"""A store's side of the witnessed audit head (:mod:`magcore.crypto.witness`).

Mixed into :class:`~magcore.storage.chain.KeyedChain`. Inside a write transaction, before
chaining lines, :meth:`WitnessedChain._witness_before` checks that the log still reaches the
head the key provider witnessed (refusing to chain onto a log that was cut or rolled back);
:meth:`WitnessedChain._witness_pending` notes the new head, and after the commit
:meth:`WitnessedChain._witness_settle` hands it to the provider. A head is witnessed only
after its commit: the witness never runs ahead of the database.

A witness keeps a log under two names (:func:`chain_names`): its first line with the store's
*place* (:func:`place_of`: the SQLite file itself, its device and inode; the PostgreSQL
server's port, database and schema), and its first line alone, which holds the highest head any
place reached. A log is checked against its place's head, so a copy of a store used beside its
original under one key folder (``magcore store copy``, or a copied file) is witnessed as a log
of its own, instead of being taken for its original set back. A log at a place not witnessed
yet (a new copy, a store moved, a witness from the first release, which kept the first line
alone) must reach the highest head: a copy set back, or moved to another place to escape its
own head, is refused.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from typing import Any

from ..errors import StorageError

__all__ = [
    "WitnessedChain",
    "audit_line_hash",
    "chain_id",
    "chain_names",
    "head_of",
    "place_of",
    "rollback_problem",
    "store_chain_names",
    "witness_heads",
]

log = logging.getLogger("magcore")

#: The hash of line *seq* of the log being written (``None``: no such line).
LineHash = Callable[[int], "str | None"]


def chain_id(first_hash: str, place: str = "") -> str:
    """The name a witness keeps a chain under: the hash of its first line with the store's
    *place* (``""``: the first line's hash alone, the name used before places were named)."""
    if not place:
        return first_hash
    return hashlib.sha256(f"{first_hash}\n{place}".encode()).hexdigest()


def place_of(store: Any) -> str:
    """*store*'s place: what its optional method ``witness_place()`` says, the same for every
    process that opens the same database and different for a copy (the SQLite file's device and
    inode, the PostgreSQL server's port, database and schema); ``""`` for a store without one,
    whose logs are witnessed under their first line alone."""
    place = getattr(store, "witness_place", None)
    return str(place()) if callable(place) else ""


def chain_names(first_hash: str, place: str) -> tuple[str, ...]:
    """The names a log is witnessed under: at its place, and its first line alone (the
    highest head of every place); only the latter for a store that names no place."""
    return (chain_id(first_hash, place), first_hash) if place else (first_hash,)


def audit_line_hash(store: Any, seq: int) -> str | None:
    """The hash of line *seq* of *store*'s audit log (``None``: no such line)."""
    line = next(iter(store.read_audit(after=seq - 1)), None)
    return str(line["hash"]) if line is not None and int(line["seq"]) == seq else None


def store_chain_names(store: Any) -> tuple[str, ...] | None:
    """The names *store*'s log is witnessed under (:func:`chain_names`), ``None`` for a log
    without a first line."""
    first = audit_line_hash(store, 1)
    return None if first is None else chain_names(first, place_of(store))


def witness_heads(witness: Any, names: tuple[str, ...], count: int, last_hash: str) -> None:
    """Have *witness* keep (*count*, *last_hash*) under each of *names*: in one change where it
    offers ``witness_audit_heads``, else name by name."""
    many = getattr(witness, "witness_audit_heads", None)
    if many is not None:
        many(names, count, last_hash)
    else:
        for name in names:
            witness.witness_audit_head(name, count, last_hash)


def head_of(witness: Any, names: tuple[str, ...]) -> Any:
    """The head a log witnessed under *names* (:func:`chain_names`) must reach: the head kept
    for its place, or, for a place not witnessed yet, the highest head of any place (kept under
    the first line alone); ``None`` when neither is kept."""
    for name in names:
        head = witness.witnessed_audit_head(name)
        if head is not None:
            return head
    return None


def rollback_problem(
    count: int, last_hash: str, witnessed: Any, line_hash: LineHash
) -> tuple[int, str] | None:
    """Whether a log of *count* lines (the last *last_hash*) falls short of *witnessed*.

    Returns ``(line, reason)`` naming the first line that is missing or differs, else ``None``.
    """
    if witnessed is None:
        return None
    wanted = int(witnessed.count)
    if count < wanted:
        return (
            count + 1,
            f"is missing: the log ends after {count} lines, and the key provider witnessed "
            f"{wanted} (the log was cut off or rolled back)",
        )
    found = last_hash if count == wanted else line_hash(wanted)
    if found != witnessed.last_hash:
        return (
            wanted,
            "differs from the line the key provider witnessed (the log was rolled back and "
            "chained again)",
        )
    return None


class WitnessedChain:
    """The witness a store reports its audit head to, and the checks around each write."""

    audit_witness: Any = None
    #: The names the log is witnessed under (:func:`chain_names`), once its first line is known.
    _names: tuple[str, ...] | None = None

    def use_audit_witness(self, witness: Any) -> None:
        """Report every committed audit head to *witness* (a provider with
        ``witness_audit_head`` and ``witnessed_audit_head``); ``None`` stops."""
        self.audit_witness = witness
        self._witness_local = threading.local()

    def _chain_names(self, count: int, line_hash: LineHash) -> tuple[str, ...] | None:
        if self._names is None and count:
            first = line_hash(1)
            if first is not None:
                self._names = chain_names(first, place_of(self))
        return self._names

    def _witness_before(self, count: int, last_hash: str, line_hash: LineHash) -> None:
        """Refuse to chain onto a log that does not reach the witnessed head (call inside the
        write transaction, with the head read there)."""
        witness = self.audit_witness
        if witness is None or not count:
            return
        names = self._chain_names(count, line_hash)
        if names is None:  # a log of lines without its first: cut at the front
            raise StorageError(
                f"the audit log holds {count} lines but not its first one: magcore chains no "
                "line onto it. Run `magcore audit verify`, and restore the store from a backup "
                "(`magcore store restore`)"
            )
        found = rollback_problem(count, last_hash, head_of(witness, names), line_hash)
        if found is not None:
            line, reason = found
            raise StorageError(
                f"the audit log does not reach the head its key provider witnessed: line "
                f"{line} {reason}; magcore chains no line onto it. Run `magcore audit verify`, "
                "and restore the store from a backup (`magcore store restore`). A copy of the "
                "store made without `magcore store copy`, or a backup put back on purpose, is "
                "recorded with `magcore audit accept-restore --reason ...`"
            )

    def _witness_pending(self, first_hash: str, count: int, last_hash: str) -> None:
        """Note the head a write will have once committed (*first_hash*: the log's line 1)."""
        if self.audit_witness is None:
            return
        if self._names is None:
            self._names = chain_names(first_hash, place_of(self))
        self._witness_local.pending = (self._names, count, last_hash)

    def _witness_settle(self, committed: bool) -> None:
        """After the transaction: witness the noted head if it was committed."""
        witness = self.audit_witness
        if witness is None:
            return
        local = self._witness_local
        pending = getattr(local, "pending", None)
        local.pending = None
        if pending is None or not committed:
            return
        names, count, last_hash = pending
        try:
            witness_heads(witness, names, count, last_hash)
        except Exception as exc:  # a provider's own error: the write is committed already
            log.error("the audit head (line %s) was committed but not witnessed: %s", count, exc)
