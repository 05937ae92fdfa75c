"""Every destroyed data key is explained by the audit log: a key shredded in the table is found.

Crypto-shredding destroys a data key (its wrapped material is set to ``NULL`` and the moment
recorded in ``destroyed``) with the audit line that says why: ``destroy`` (retention,
:func:`~magcore.access.erasure.destroy_conversation`, whose line is in its tombstone's
transaction right after the keys go; a restored backup,
:func:`~magcore.app.maintenance.destroy_forgotten_keys`) or ``erase`` (a person's erasure,
AVG art. 17), in the keys' transaction, naming the key's owner (``conversation:<id>``,
``person:<id>``, ``goal:<id>``). A retention destruction that stopped between its keys and its
tombstone (a crash, a full disk) leaves its keys without a line here until it is run again:
the conversation is still due, and the next run writes the tombstone and the line.
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
from datetime import UTC, datetime
from typing import Any

__all__ = ["DESTROYING_ACTIONS", "destroy_owners", "joined", "unexplained_keys"]

#: The audit actions that destroy data keys, in the transaction that destroys them.
DESTROYING_ACTIONS = frozenset({"destroy", "erase"})


def destroy_owners(lines: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """The key owners whose destruction an audit line of *lines* records (its ``object``; an
    object ``keys:<owner>`` names *owner*), each with the time of the latest such line."""
    owners: dict[str, str] = {}
    for line in lines:
        if line.get("action") in DESTROYING_ACTIONS:
            owner = str(line.get("object", "")).removeprefix("keys:")
            at = str(line.get("at", ""))
            if owner not in owners or _later(at, owners[owner]):
                owners[owner] = at
    return owners


def joined(*found: Mapping[str, str]) -> dict[str, str]:
    """The owners of every one of *found* (:func:`destroy_owners`), each at its latest line."""
    owners: dict[str, str] = {}
    for one in found:
        for owner, at in one.items():
            if owner not in owners or _later(at, owners[owner]):
                owners[owner] = at
    return owners


def _moment(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _later(first: str, second: str) -> bool:
    a, b = _moment(first), _moment(second)
    return a is not None and (b is None or a > b)


def _explained(created: str, line_at: str | None) -> bool:
    """Whether a destroying line at *line_at* can explain a key made at *created*: a line from
    before the key was made destroyed an earlier key of its owner, not this one."""
    if line_at is None:
        return False
    made, at = _moment(created), _moment(line_at)
    return made is None or at is None or made <= at


def unexplained_keys(store: Any, explained: Mapping[str, str], *, limit: int = 50) -> list[str]:
    """The key rows of *store* that were destroyed with no audit line for their owner among
    *explained* (:func:`destroy_owners`) from after the key was made, or whose two halves
    disagree; ``[]`` for a store
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
        elif gone and not _explained(record.created, explained.get(record.owner)):
            problems.append(
                f"data key {record.id} of {record.owner} was destroyed (at {record.destroyed}) "
                "with no destroy or erase line for its owner in the audit log from after the key "
                "was made (shredded in the key table)"
            )
        if len(problems) >= limit:
            break
    return problems
