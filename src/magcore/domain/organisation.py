"""The organisation's event stream: imports, manager changes and moves, folded into a value.

Every part of magcore that needs "who managed whom on that day" rebuilds the organisation from
this stream with :func:`apply_org_event`, so they all agree.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Final

from ..events import Event
from ..model.content import EventContent, metadata_only
from ..model.organisation import Organisation

__all__ = [
    "CONTENT_FIELDS",
    "ORG_EVENT_TYPES",
    "ORG_STREAM",
    "OrganisationEvent",
    "apply_org_event",
    "org_stream",
    "replay_organisation",
]


class OrganisationEvent(enum.StrEnum):
    """The event types of an organisation's stream ``org:<id>``."""

    IMPORTED = "organisation.imported"
    MANAGER_CHANGED = "manager.changed"
    PERSON_MOVED = "person.moved"


#: The event types of an organisation stream.
ORG_EVENT_TYPES = frozenset(OrganisationEvent)
ORG_STREAM = "org"


def org_stream(org_id: str) -> str:
    """The event stream of an organisation (its imports and changes)."""
    return f"{ORG_STREAM}:{org_id}"


def apply_org_event(org: Organisation | None, event: Event) -> Organisation | None:
    """Fold one organisation event into *org* (``None`` before the first import).

    An import replaces the organisation with its snapshot; a manager change or a move returns
    the changed organisation; other event types leave it as it is.
    """
    data = event.data
    if event.type == OrganisationEvent.IMPORTED:
        return Organisation.from_json(data)
    if org is None:
        return None
    if event.type == OrganisationEvent.MANAGER_CHANGED:
        return org.change_manager(data["team"], data["manager"], date.fromisoformat(data["on"]))
    if event.type == OrganisationEvent.PERSON_MOVED:
        return org.move_person(data["person"], data["team"], date.fromisoformat(data["on"]))
    return org


def replay_organisation(events: Iterable[Event]) -> Organisation | None:
    """The organisation an event stream describes, or ``None`` if nothing was imported."""
    org: Organisation | None = None
    for event in events:
        org = apply_org_event(org, event)
    return org


#: The organisation's structure is metadata: planning needs it (people, teams, roles, dates).
CONTENT_FIELDS: Final[Mapping[str, EventContent]] = {
    kind: metadata_only() for kind in sorted(ORG_EVENT_TYPES)
}
