"""Restriction of processing (AVG art. 18): the event that restricts or lifts it."""

from __future__ import annotations

from datetime import datetime

from ..domain.sharing import PersonEvent, person_stream
from ..events import Event

__all__ = ["restriction_event"]


def restriction_event(
    person: str,
    version: int,
    *,
    actor: str,
    now: datetime,
    conversation: str | None = None,
    lift: bool = False,
    reason: str = "",
) -> Event:
    """The event that restricts (or lifts the restriction of) a person's record, AVG art. 18.

    *version* is the new version of the ``person:<id>`` stream; ``conversation=None`` covers every
    conversation about the person.
    """
    return Event(
        stream=person_stream(person),
        version=version,
        type=PersonEvent.RESTRICTION_LIFTED if lift else PersonEvent.RESTRICTED,
        at=now,
        actor=actor,
        data={"conversation": conversation, "reason": reason},
    )
