"""A store's side of the witnessed audit head (:mod:`magcore.crypto.witness`).

Mixed into :class:`~magcore.storage.chain.KeyedChain`. Inside a write transaction, before
chaining lines, :meth:`WitnessedChain._witness_before` checks that the log still reaches the
head the key provider witnessed (refusing to chain onto a log that was cut or rolled back);
:meth:`WitnessedChain._witness_pending` notes the new head, and after the commit
:meth:`WitnessedChain._witness_settle` hands it to the provider. A head is witnessed only
after its commit: the witness never runs ahead of the database.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from ..errors import StorageError

__all__ = ["WitnessedChain", "chain_id", "rollback_problem"]

log = logging.getLogger("magcore")

#: The hash of line *seq* of the log being written (``None``: no such line).
LineHash = Callable[[int], "str | None"]


def chain_id(first_hash: str) -> str:
    """The name a witness keeps a chain under: the hash of its first line."""
    return first_hash


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
    _chain: str | None = None

    def use_audit_witness(self, witness: Any) -> None:
        """Report every committed audit head to *witness* (a provider with
        ``witness_audit_head`` and ``witnessed_audit_head``); ``None`` stops."""
        self.audit_witness = witness
        self._witness_local = threading.local()

    def _chain_name(self, count: int, line_hash: LineHash) -> str | None:
        if self._chain is None and count:
            first = line_hash(1)
            if first is not None:
                self._chain = chain_id(first)
        return self._chain

    def _witness_before(self, count: int, last_hash: str, line_hash: LineHash) -> None:
        """Refuse to chain onto a log that does not reach the witnessed head (call inside the
        write transaction, with the head read there)."""
        witness = self.audit_witness
        if witness is None or not count:
            return
        chain = self._chain_name(count, line_hash)
        if chain is None:
            return
        found = rollback_problem(count, last_hash, witness.witnessed_audit_head(chain), line_hash)
        if found is not None:
            line, reason = found
            raise StorageError(
                f"the audit log does not reach the head its key provider witnessed: line "
                f"{line} {reason}; magcore chains no line onto it. Run `magcore audit verify`, "
                "and restore the store from a backup (`magcore store restore`)"
            )

    def _witness_pending(self, first_hash: str, count: int, last_hash: str) -> None:
        """Note the head a write will have once committed (*first_hash*: the log's line 1)."""
        if self.audit_witness is None:
            return
        if self._chain is None:
            self._chain = chain_id(first_hash)
        self._witness_local.pending = (self._chain, count, last_hash)

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
        try:
            witness.witness_audit_head(*pending)
        except Exception as exc:  # a provider's own error: the write is committed already
            log.error(
                "the audit head (line %s) was committed but not witnessed: %s", pending[1], exc
            )
