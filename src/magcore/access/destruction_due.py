"""Which conversations are due for destruction, through the gateway: the privacy officer's list,
decided and audited.

The list of conversations whose retention term has passed names records of employees (their
ids, the retention profile, the day the term passed): metadata about people, so it leaves the
core the way a due list does (:mod:`magcore.access.due`). :func:`destruction_list` decides it
for the viewer at the clock's moment, with one audit line (action ``list-destruction-due``,
object ``listing:<viewer>/destruction-due``, purpose ``retention``), a refusal too. It is the
privacy officer's: the viewer must hold :data:`~magcore.access.decision.PRIVACY_OFFICER` in the
directory access is decided with, on the local day; anyone else is refused
(:class:`~magcore.errors.AccessDenied`, after the refusal's line). Conversations destroyed
already are left out (their stream ends with the tombstone). Nothing is decrypted: the events
are read as stored (:func:`~magcore.access.retention.due_for_destruction`).

The service's :meth:`~magcore.app.destruction.DestructionMixin.due_destructions` gives the
list; :meth:`~magcore.app.destruction.DestructionMixin.destroy_due` destroys one conversation
on it, decided by the service in the same way.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime, tzinfo

import attrs

from ..errors import AccessDenied
from ..model.cycle import CycleDefinition
from ..model.days import local_day
from ..model.input_policy import check_id
from ..model.organisation import Organisation
from ..storage.base import AuditRecord, Store
from .decision import PRIVACY_OFFICER, Directory
from .due import listing_line
from .retention import RetentionProfile, due_for_destruction

__all__ = [
    "DESTRUCTION_LISTING",
    "RETENTION",
    "Destruction",
    "DestructionList",
    "DueDestruction",
    "destruction_list",
]

#: The purpose of the retention term's destruction (the audit lines of the list and of each
#: destruction).
RETENTION = "retention"
#: The audit action of the list of conversations due for destruction.
DESTRUCTION_LISTING = "list-destruction-due"


@attrs.frozen(kw_only=True)
class DueDestruction:
    """A conversation whose retention term has passed: due to be destroyed. Ids and a day,
    never content."""

    conversation: str
    profile: str
    """The id of the retention profile the conversation's cycle names."""
    due: date


@attrs.frozen(kw_only=True)
class DestructionList:
    """The conversations due for destruction on *today* (the local day of *at*), as *viewer*
    was given them, in the order of their streams."""

    viewer: str
    at: datetime
    today: date
    items: tuple[DueDestruction, ...] = ()

    def __iter__(self) -> Iterator[DueDestruction]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


@attrs.frozen(kw_only=True)
class Destruction:
    """A destroyed conversation: its keys are gone (none in a store without keys, whose events
    were replaced), a content-free tombstone remains."""

    conversation: str
    profile: str
    due: date
    keys: tuple[str, ...] = ()


def _line(viewer: str, now: datetime, origin: str, reason: str, *, allowed: bool) -> AuditRecord:
    return listing_line(
        viewer,
        "destruction-due",
        RETENTION,
        now,
        origin,
        reason,
        action=DESTRUCTION_LISTING,
        allowed=allowed,
    )


def destruction_list(
    store: Store,
    viewer: str,
    *,
    cycles: Mapping[str, CycleDefinition],
    profiles: Mapping[str, RetentionProfile],
    organisation: Organisation | None,
    directory: Directory,
    now: datetime,
    zone: tzinfo,
    origin: str = "api",
) -> DestructionList:
    """The conversations due for destruction at *now*, for *viewer* (the privacy officer in
    *directory* on the local day in *zone*), with its audit line; see the module's docstring.

    *cycles* (by ``id@version``) and *profiles* say each conversation's retention term;
    *organisation* says when its employee left (``None``: nobody has, so nothing under a
    profile counted from the end of employment is due). *viewer* is an id
    (:class:`~magcore.errors.InputRefused` naming ``/actor`` before anything is written).
    """
    check_id(viewer, pointer="/actor")
    today = local_day(now, zone)
    if PRIVACY_OFFICER not in directory.roles_of(viewer, today):
        refusal = "the list of conversations due for destruction is the privacy officer's"
        store.append_audit([_line(viewer, now, origin, f"denied because {refusal}", allowed=False)])
        raise AccessDenied(
            actor=viewer,
            object_id=f"listing:{viewer}/destruction-due",
            purpose=RETENTION,
            reason=refusal,
        )
    found = due_for_destruction(
        store,
        today=today,
        cycles=cycles,
        profiles=profiles,
        organisation=organisation,
        zone=zone,
        destroyed=False,
    )
    # (a restricted record, AVG art. 18, is kept while the restriction holds: not listed)
    items = tuple(DueDestruction(conversation=c, profile=p.id, due=d) for c, p, d in found)
    reason = f"privacy officer: {len(items)} conversations due for destruction listed"
    store.append_audit([_line(viewer, now, origin, reason, allowed=True)])
    return DestructionList(viewer=viewer, at=now, today=today, items=items)
