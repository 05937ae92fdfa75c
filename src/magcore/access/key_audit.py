"""Every destroyed data key is explained by the audit log: a key shredded in the table is found.

Crypto-shredding destroys a data key (its wrapped material is set to ``NULL`` and the moment
recorded in ``destroyed``) in the same transaction as the audit line that says why: ``destroy``
(retention, :func:`~magcore.access.erasure.destroy_conversation`; a restored backup,
:func:`~magcore.app.maintenance.destroy_forgotten_keys`) or ``erase`` (a person's erasure,
AVG art. 17), naming the key's owner (``conversation:<id>``, ``person:<id>``, ``goal:<id>``).
A database administrator without keys can do the first half alone: ``UPDATE data_keys SET
wrapped = NULL``. Nothing can bring the content back, but the record would read as erased with
no trace of who did it. :func:`unexplained_keys` names every such key, and every key row whose
two halves disagree (no wrapped key but not marked destroyed, or the reverse).

It reads the key table once and takes the audit lines its caller has read anyway
(:func:`destroy_owners` while the chain is verified): :func:`~magcore.access.audit.verify_store`
and ``magcore store check`` both report it.

Reading does not raise on such a key: the content is gone whatever the reader is told, and an
error would also hide what is still readable (the metadata, the parts under other keys) from the
employee it belongs to; the integrity checks are where it is reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["DESTROYING_ACTIONS", "destroy_owners", "unexplained_keys"]

#: The audit actions that destroy data keys, in the transaction that destroys them.
DESTROYING_ACTIONS = frozenset({"destroy", "erase"})


def destroy_owners(lines: Iterable[Mapping[str, Any]]) -> set[str]:
    """The key owners whose destruction an audit line of *lines* records (its ``object``; an
    object ``keys:<owner>`` names *owner*)."""
    owners: set[str] = set()
    for line in lines:
        if line.get("action") in DESTROYING_ACTIONS:
            owner = str(line.get("object", ""))
            owners.add(owner.removeprefix("keys:"))
    return owners


def unexplained_keys(store: Any, explained: set[str], *, limit: int = 50) -> list[str]:
    """The key rows of *store* that were destroyed with no audit line for their owner among
    *explained* (:func:`destroy_owners`), or whose two halves disagree; ``[]`` for a store
    without a key table."""
    list_keys = getattr(store, "list_keys", None)
    if not callable(list_keys):
        return []
    problems: list[str] = []
    for record in list_keys():
        gone = record.wrapped is None
        marked = record.destroyed is not None
        if gone and not marked:
            problems.append(
                f"data key {record.id} of {record.owner} holds no wrapped key but is not marked "
                "destroyed (an edit of the key table)"
            )
        elif marked and not gone:
            problems.append(
                f"data key {record.id} of {record.owner} is marked destroyed but still holds its "
                "wrapped key (an edit of the key table)"
            )
        elif gone and record.owner not in explained:
            problems.append(
                f"data key {record.id} of {record.owner} was destroyed (at {record.destroyed}) "
                "with no destroy or erase line for its owner in the audit log (shredded in the "
                "key table)"
            )
        if len(problems) >= limit:
            break
    return problems
