"""Calendar invitations that calendars treat as invitations (iCalendar, iTIP).

One :class:`Invitation` per planned conversation: ``METHOD:REQUEST`` with the organiser (the
person who planned it), every participant as an attendee (by e-mail address where the
organisation's import gives one), the place, and the time in Europe/Amsterdam with its
``VTIMEZONE``. Moving a conversation sends it again with a higher ``SEQUENCE``; cancelling it
sends ``METHOD:CANCEL``. An invitation says which kind of conversation, when, where and with
whom, never what it is about; for a special-category kind neither its kind's name nor its
place (:data:`PRIVATE_SUMMARY`, :data:`PRIVATE_PLACE`).

Needs the optional extra ``magcore[calendar]`` (icalendar)::

    from magcore.app.invitations import invitations_for
    for invitation in invitations_for(service, "org"):
        path.write_bytes(invitation.to_ical())
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import attrs

from ..extras import require

if TYPE_CHECKING:
    from ..domain.conversation import Conversation
    from ..model.organisation import Organisation
    from .service import Service

__all__ = [
    "PRIVATE_PLACE",
    "PRIVATE_SUMMARY",
    "TIME_ZONE",
    "Attendee",
    "Invitation",
    "calendar",
    "invitation_for",
    "invitations_for",
]

#: The time zone invitations are written in (with its VTIMEZONE).
TIME_ZONE = "Europe/Amsterdam"

#: Shown as the place when the planner gave none.
NO_PLACE = "Nog af te spreken / to be agreed"
#: The title of an invitation to a conversation of a special-category kind (a vitality
#: conversation, one with the company doctor): its kind's name says what it is about, and a
#: calendar or mail system is neither audited nor erased.
PRIVATE_SUMMARY = "Gesprek / Conversation"
#: The place of an invitation to a conversation of a special-category kind: where it is held
#: (``bedrijfsarts, Arbodienst``) says what it is about as plainly as its kind's name, so the
#: participants read the place in the app (through the gateway), never in a calendar or mail.
PRIVATE_PLACE = "Zie het gesprek in de app / see the conversation in the app"


@attrs.frozen
class Attendee:
    """Someone in an invitation: a person id, and their e-mail address when known."""

    person: str
    email: str | None = None

    @property
    def address(self) -> str:
        """``mailto:`` the address, or a ``urn:`` naming the person when there is none."""
        return f"mailto:{self.email}" if self.email else f"urn:magcore:person:{self.person}"


@attrs.frozen(kw_only=True)
class Invitation:
    """One conversation's invitation (``REQUEST``) or its cancellation (``CANCEL``)."""

    conversation: str
    method: str
    sequence: int
    start: datetime
    end: datetime
    summary: str
    location: str
    organizer: Attendee
    attendees: tuple[Attendee, ...]
    stamp: datetime
    sent_by: str | None = None

    @property
    def uid(self) -> str:
        return f"{self.conversation}@magcore"

    def event(self) -> Any:
        """This invitation as an ``icalendar.Event``."""
        require("calendar", feature="calendar invitations")
        import icalendar

        zone = ZoneInfo(TIME_ZONE)
        event = icalendar.Event()
        event.add("uid", self.uid)
        event.add("sequence", self.sequence)
        event.add("dtstamp", self.stamp.astimezone(UTC))
        event.add("dtstart", self.start.astimezone(zone))
        event.add("dtend", self.end.astimezone(zone))
        event.add("summary", self.summary)
        event.add("location", self.location)
        event.add("status", "CANCELLED" if self.method == "CANCEL" else "CONFIRMED")
        event.add("transp", "OPAQUE")
        organizer = {"CN": self.organizer.person}
        if self.sent_by:
            organizer["SENT-BY"] = f"mailto:{self.sent_by}"
        event.add("organizer", self.organizer.address, parameters=organizer)
        for who in self.attendees:
            event.add(
                "attendee",
                who.address,
                parameters={
                    "CN": who.person,
                    "CUTYPE": "INDIVIDUAL",
                    "ROLE": "REQ-PARTICIPANT",
                    "PARTSTAT": "NEEDS-ACTION",
                    "RSVP": "TRUE",
                },
            )
        return event

    def to_ical(self) -> bytes:
        """A calendar holding this invitation alone (what an e-mail carries)."""
        return calendar([self], method=self.method)


def _vtimezone() -> Any:
    """Europe/Amsterdam as a VTIMEZONE with the EU's rules (since 1996), as calendars write it."""
    import icalendar

    zone = icalendar.Timezone()
    zone.add("tzid", TIME_ZONE)
    for kind, name, start, month, offset_from, offset_to in (
        (icalendar.TimezoneDaylight, "CEST", datetime(1981, 3, 29, 2), 3, 1, 2),
        (icalendar.TimezoneStandard, "CET", datetime(1996, 10, 27, 3), 10, 2, 1),
    ):
        part = kind()
        part.add("tzname", name)
        part.add("dtstart", start)
        part.add("tzoffsetfrom", timedelta(hours=offset_from))
        part.add("tzoffsetto", timedelta(hours=offset_to))
        part.add("rrule", {"freq": "yearly", "bymonth": month, "byday": "-1su"})
        zone.add_component(part)
    return zone


def calendar(invitations: Sequence[Invitation], *, method: str = "REQUEST") -> bytes:
    """One iCalendar object with *invitations* (all of the same *method*)."""
    require("calendar", feature="calendar invitations")
    import icalendar

    if any(invitation.method != method for invitation in invitations):
        raise ValueError(f"every invitation in one calendar must be a {method}")
    cal = icalendar.Calendar()
    cal.add("prodid", "-//magcore//conversation invitations//NL")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    cal.add_component(_vtimezone())
    for invitation in invitations:
        cal.add_component(invitation.event())
    result: bytes = cal.to_ical()
    return result


def _attendee(org: Organisation | None, person: str) -> Attendee:
    known = org.people.get(person) if org is not None else None
    return Attendee(person, known.email if known is not None else None)


def invitation_for(
    service: Service,
    conversation_id: str,
    *,
    organisation: Organisation | None = None,
    sent_by: str | None = None,
) -> Invitation | None:
    """The invitation of a planned conversation (``REQUEST``), the cancellation of one that was
    planned and then cancelled (``CANCEL``), or ``None`` when it was never planned."""
    from ..domain.conversation import State, replay, stream_of

    events = service.store.read(stream_of(conversation_id))
    if not events:
        return None
    conv: Conversation = replay(events)
    if conv.scheduled_for is None or conv.state in (State.NOT_HELD,):
        return None
    planned = [e for e in events if e.type == "conversation.scheduled"]
    if not planned:
        return None
    # An invitation is a notification: it goes through the gateway (audited) to each participant
    # who may know the conversation exists (not while the record is restricted), no further.
    gateway = service.gateway
    invited = tuple(
        person
        for person in conv.people
        if gateway.notice(f"conversation:{conv.id}", recipient=person).allowed
    )
    if not invited:
        return None
    place = conv.place or NO_PLACE
    planner = planned[-1].actor
    kind = service.cycle(conv.cycle).kind(conv.kind)
    cancelled = conv.state is State.CANCELLED
    return Invitation(
        conversation=conv.id,
        method="CANCEL" if cancelled else "REQUEST",
        sequence=conv.reschedules + (1 if cancelled else 0),
        start=conv.scheduled_for,
        end=conv.scheduled_for + timedelta(minutes=conv.duration_minutes or kind.duration_minutes),
        summary=PRIVATE_SUMMARY if kind.special_category else f"{kind.name.nl} / {kind.name.en}",
        location=PRIVATE_PLACE if kind.special_category else place,
        organizer=_attendee(organisation, planner),
        attendees=tuple(_attendee(organisation, person) for person in invited),
        stamp=service.clock.now(),
        sent_by=sent_by,
    )


def invitations_for(
    service: Service,
    org_id: str | None = None,
    *,
    person: str | None = None,
    start: date | None = None,
    end: date | None = None,
    cancelled: bool = False,
    sent_by: str | None = None,
) -> list[Invitation]:
    """The invitations of the planned conversations (or, with *cancelled*, the cancellations of
    the planned ones that were cancelled), in date order; only *person*'s, and only those
    planned in ``[start, end)`` when given. Addresses come from organisation *org_id*."""
    require("calendar", feature="calendar invitations")
    org = service.organisation(org_id) if org_id is not None else None
    states: Iterable[str] = ("cancelled",) if cancelled else ("scheduled", "prepared")
    rows = service.store.conversations(participant=person, states=tuple(states))
    found: list[Invitation] = []
    for row in rows:
        invitation = invitation_for(service, row.id, organisation=org, sent_by=sent_by)
        if invitation is None:
            continue
        day = invitation.start.astimezone(ZoneInfo(TIME_ZONE)).date()
        if (start and day < start) or (end and day >= end):
            continue
        found.append(invitation)
    return sorted(found, key=lambda i: (i.start, i.conversation))
