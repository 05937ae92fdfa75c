"""Accepting a rollback on purpose: a backup restored, the witnessed head set back, on the record.

The key provider witnesses how far the audit chain got (:mod:`magcore.crypto.witness`), so a
store set back to an earlier state is refused and reported. Restoring a backup does exactly
that, on purpose. :func:`accept_restored_log` (called by ``magcore store restore``, and by
``magcore audit accept-restore`` after a restore by other means, such as ``pg_restore``)
checks the restored log, writes a line saying how far the log went back (action
``audit.rolled-back``, naming the witnessed line count and the restored one), and only then
sets the witnessed head to the new end of the log. The line is chained under the audit key: a
rollback without the key holder leaves no such line.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs

from ..clock import SystemClock, as_utc
from ..errors import KeyProviderError, StorageError
from ..storage.base import AuditRecord, Store

__all__ = ["ROLLED_BACK", "AcceptedRollback", "accept_restored_log"]

#: The action of the line that records an accepted rollback.
ROLLED_BACK = "audit.rolled-back"


@attrs.frozen
class AcceptedRollback:
    """The log went back from *witnessed* lines to *restored*; the witness is now *count*."""

    witnessed: int
    restored: int
    count: int


def accept_restored_log(
    store: Store,
    provider: Any,
    *,
    origin: str,
    reason: str,
    actor: str = "system",
    clock: Callable[[], datetime] | None = None,
) -> AcceptedRollback | None:
    """Record that *store*'s log was set back on purpose, and witness its restored head.

    Returns ``None`` when there is nothing to accept (the provider keeps no witness, none was
    kept for this log, or the log still reaches it). The restored log must verify on its own;
    otherwise :class:`~magcore.errors.StorageError` and nothing changes. Stop every process
    that writes the store first.
    """
    from ..access.audit import verify_store
    from ..crypto.witness import witness_of
    from ..storage.witnessing import audit_line_hash, head_of, rollback_problem, store_chain_names

    witness = witness_of(provider)
    replace = getattr(provider, "replace_audit_witness", None)
    if witness is None or replace is None or getattr(store, "audit_witness", None) is not None:
        return None
    names = store_chain_names(store)
    if names is None:
        return None
    chain = names[0]  # the log at this store's place
    try:
        kept = head_of(witness, names)
    except KeyProviderError:  # the witness of a log it witnessed before was lost
        kept = None
        lost = True
    else:
        lost = False
    head = store.audit_head()

    def line_hash(seq: int) -> str | None:
        return audit_line_hash(store, seq)

    if not lost and (
        kept is None or rollback_problem(head.count, head.last_hash, kept, line_hash) is None
    ):
        return None
    checked = verify_store(store, keys=provider.audit_key)  # the store reports to no witness
    if not checked.ok:
        problem = checked.problem
        raise StorageError(
            "the restored audit log does not verify on its own "
            f"(line {problem.seq if problem else '?'}: {problem.reason if problem else ''}); "
            "the witnessed head is left as it was"
        )
    use = getattr(store, "use_audit_key", None)
    if use is not None and getattr(store, "audit_key", None) is None:
        use(provider.audit_key())
    at = as_utc((clock or SystemClock().now)()).isoformat()
    store.append_audit(
        [
            AuditRecord(
                at=at,
                actor=actor,
                action=ROLLED_BACK,
                object=f"audit/{kept.count if kept is not None else 0}",
                result="done",
                origin=origin,
                reason=(
                    f"{reason}: the key provider had witnessed {kept.count} lines, the restored "
                    f"log held {head.count}"
                    if kept is not None
                    else f"{reason}: the key provider's witness of this log was lost, the log "
                    f"held {head.count} lines"
                ),
                purpose="audit",
            )
        ]
    )
    new = store.audit_head()
    replace(chain, new.count, new.last_hash)
    witnessed = kept.count if kept is not None else 0
    return AcceptedRollback(witnessed=witnessed, restored=head.count, count=new.count)
