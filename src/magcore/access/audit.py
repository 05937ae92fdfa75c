"""The hash-chained audit log: every read decision and every change leaves a line.

Each entry holds the fields the Dutch government's security baseline (BIO2) asks for: action,
object, result, origin, actor and time. Entry *n* stores the SHA-256 of entry *n-1*, so an
edited, removed, reordered or truncated entry breaks the chain; :func:`verify` says where.
A store assigns sequence numbers and hashes inside its own transaction with :func:`chain_hash`
(kept with the store protocol in :mod:`magcore.storage.base`, offered here too).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from ..storage.base import GENESIS, AuditRecord, Store, chain_hash, entry_fields

__all__ = [
    "GENESIS",
    "AuditProblem",
    "AuditRecord",
    "VerifyResult",
    "chain_hash",
    "entry_fields",
    "verify",
    "verify_store",
]


@attrs.frozen
class AuditProblem:
    """Where the chain breaks and why."""

    seq: int
    reason: str


@attrs.frozen
class VerifyResult:
    """The outcome of :func:`verify`: ``ok`` and, if not, the first problem."""

    ok: bool
    entries: int
    problem: AuditProblem | None = None

    def __bool__(self) -> bool:
        return self.ok


def verify(
    entries: Iterable[Mapping[str, Any]],
    *,
    expected_count: int | None = None,
    expected_hash: str | None = None,
) -> VerifyResult:
    """Check the chain of stored *entries* (in ``seq`` order).

    Finds an edited entry (its hash no longer matches), a removed or reordered one (a gap in
    ``seq`` or a ``prev_hash`` that does not match), and, against a separately kept checkpoint
    (:class:`~magcore.storage.base.AuditHead`): truncation (fewer than *expected_count*
    entries) and a rewritten tail (entry *expected_count* does not have *expected_hash*, e.g.
    the last entries cut off and new ones chained in their place, or an entry edited and every
    later hash computed again). Pass both ``head.count`` and ``head.last_hash``.

    Entries after the checkpoint (written after it was taken) are checked for their chain only:
    the hash is not keyed, so whoever can write the log can chain a new entry that fits. Only a
    checkpoint kept out of their reach proves what came before it.
    """
    if expected_hash is not None and expected_count is None:
        raise ValueError("expected_hash needs expected_count: the entry it belongs to")
    prev = GENESIS
    count = 0
    expected_seq = 1
    for entry in entries:
        seq = int(entry["seq"])
        if seq != expected_seq:
            return VerifyResult(
                False,
                count,
                AuditProblem(expected_seq, f"expected entry {expected_seq}, found {seq}"),
            )
        if entry["prev_hash"] != prev:
            return VerifyResult(
                False, count, AuditProblem(seq, "does not follow the entry before it")
            )
        if chain_hash(prev, seq, entry) != entry["hash"]:
            return VerifyResult(False, count, AuditProblem(seq, "was changed after it was written"))
        if expected_hash is not None and seq == expected_count and entry["hash"] != expected_hash:
            return VerifyResult(
                False,
                count,
                AuditProblem(seq, "differs from the kept checkpoint (the log was rewritten)"),
            )
        prev = entry["hash"]
        count += 1
        expected_seq += 1
    if expected_count is not None and count < expected_count:
        return VerifyResult(
            False,
            count,
            AuditProblem(count + 1, f"log ends after {count} of {expected_count} entries"),
        )
    if expected_count == 0 and expected_hash is not None and expected_hash != GENESIS:
        return VerifyResult(False, count, AuditProblem(1, "the kept checkpoint is not empty"))
    return VerifyResult(True, count)


def verify_store(store: Store) -> VerifyResult:
    """Check a store's whole audit log against the head it keeps (count and last hash).

    The way to check a log: with the head, a cut-off tail is found even if forged lines were
    chained on to reach the same count. Keep a copy of the head elsewhere as well (see
    ``docs/explanation/sharing-and-access.md``): someone who can rewrite the database can rewrite
    the head too.
    """
    head = store.audit_head()
    return verify(store.read_audit(), expected_count=head.count, expected_hash=head.last_hash)
