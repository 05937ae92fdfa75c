"""Sharing choices (deelkeuzes): what an employee chooses to show to whom, for what, until when.

A sharing choice is the employee's own decision to let someone beyond the participants read part
of their record. It is purpose-bound, may end on a date, and can be revoked at any time, as easily
as it was given. It is **not** the AVG's lawful basis for processing: the cycle itself rests on a
basis the municipality sets (see :mod:`magcore.access` for declared legal bases).

Choices are events in the employee's own stream ``person:<person-id>``:

* ``sharing.granted`` {choice, to, what, purpose, until, conversation}
* ``sharing.revoked`` {choice}
* ``privacy.restricted`` / ``privacy.restriction_lifted`` {conversation, reason}: restriction of
  processing (AVG art. 18), written by :mod:`magcore.access.restriction`
* ``person.erased`` {through, events_removed}: the person was erased (AVG art. 17,
  :func:`magcore.access.erasure.erase_person`): every choice made before it (numbers up to
  ``through``) and every restriction end with it, whatever their dates; ``events_removed``
  counts the versions before it the stream no longer holds (a stream whose choices were in
  clear is replaced by this one event, so it follows version 0 and all of those)

A choice's grantee, ``what``, purpose, ``until`` and conversation are content: sealed with the
data key of ``person:<id>`` (:data:`CONTENT_FIELDS`), so erasure, which destroys that key,
leaves only the choice's number and dates. A grant whose sealed fields read as erased (the key
went before the ``person.erased`` event was written) holds nothing either.

The types are :class:`PersonEvent`'s members. One fold gives both the choices and the
restrictions (:attr:`SharingState.restrictions`), so a read folds the stream once.

:func:`decide` checks a command and returns events, :func:`apply` folds one event into a
:class:`SharingState`, :func:`replay` rebuilds the state. Only the employee the record is about
may grant or revoke. A choice never covers another author's private notes: no ``what`` names them.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, tzinfo
from types import MappingProxyType
from typing import Any, Final

import attrs

from ..errors import ConsentError
from ..events import Event
from ..model.content import EventContent, metadata_only
from ..model.days import local_day
from ..model.input_policy import valid_id, valid_optional_day, valid_optional_id
from ..read_models import PersonRows, SharingChoiceRow

__all__ = [
    "CONTENT_FIELDS",
    "GRANTEE_ROLES",
    "WHAT_AGREEMENTS",
    "WHAT_GOALS",
    "WHAT_PROFILE",
    "WHAT_WHOLE_RECORD",
    "GrantSharing",
    "PersonEvent",
    "Restrictions",
    "RevokeSharing",
    "SharingChoice",
    "SharingCommand",
    "SharingState",
    "apply",
    "decide",
    "listing_rows",
    "person_stream",
    "replay",
    "restrictions",
]


class PersonEvent(enum.StrEnum):
    """The event types of a person's own stream ``person:<id>``."""

    SHARING_GRANTED = "sharing.granted"
    SHARING_REVOKED = "sharing.revoked"
    RESTRICTED = "privacy.restricted"
    RESTRICTION_LIFTED = "privacy.restriction_lifted"
    ERASED = "person.erased"


PERSON_STREAM = "person"

#: Roles a choice may name instead of a person. ``next_manager`` means "whoever manages me on
#: the day of the read": a new manager sees nothing until the employee grants this.
GRANTEE_ROLES = frozenset({"next_manager", "hr_adviser", "coach", "researcher"})

WHAT_WHOLE_RECORD = "whole_record"
WHAT_AGREEMENTS = "agreements"
WHAT_GOALS = "goals"
#: The employee's profile carried across conversations (:mod:`magcore.model.profiles`).
WHAT_PROFILE = "profile"
_THEME = re.compile(r"^theme:[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
_PURPOSE = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
_PERSON = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")


def person_stream(person: str) -> str:
    """The event stream of *person*'s own choices: ``person:<id>``."""
    return f"{PERSON_STREAM}:{person}"


def _check_what(value: str) -> str:
    if value in (WHAT_WHOLE_RECORD, WHAT_AGREEMENTS, WHAT_GOALS, WHAT_PROFILE) or _THEME.match(
        value
    ):
        return value
    raise ConsentError(
        f"what {value!r} is not one of whole_record, agreements, goals, profile or theme:<id> "
        "(private notes of another author can never be shared)",
        field="what",
    )


# -- commands ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class SharingCommand:
    """Something the employee asks of their own sharing choices."""

    actor: str = attrs.field(validator=valid_id)
    person: str = attrs.field(validator=valid_id)
    """The employee whose record it is; must be the actor."""


@attrs.frozen(kw_only=True)
class GrantSharing(SharingCommand):
    """Show *what* to *to* for *purpose*, optionally until a date and for one conversation."""

    to: str = attrs.field(validator=valid_id)
    what: str = attrs.field(validator=valid_id)
    purpose: str = attrs.field(validator=valid_id)
    until: date | None = attrs.field(default=None, validator=valid_optional_day)
    """The last day the choice holds, a day in the installation's time zone (inclusive)."""
    conversation: str | None = attrs.field(default=None, validator=valid_optional_id)
    """One conversation id, or ``None`` for every conversation about the employee."""


@attrs.frozen(kw_only=True)
class RevokeSharing(SharingCommand):
    """Withdraw choice number *choice*; reads after this moment no longer rely on it."""

    choice: int


# -- state ---------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class SharingChoice:
    """One sharing choice as granted, with when it was granted and (if so) revoked."""

    id: int
    person: str
    to: str
    what: str
    purpose: str
    granted_at: datetime
    until: date | None = None
    conversation: str | None = None
    revoked_at: datetime | None = None

    @property
    def to_role(self) -> bool:
        """Whether the grantee is a role (``next_manager``...) rather than one person."""
        return self.to in GRANTEE_ROLES

    @property
    def theme(self) -> str | None:
        """The theme id of a ``theme:<id>`` choice, else ``None``."""
        return self.what.partition(":")[2] if self.what.startswith("theme:") else None

    def active_at(self, moment: datetime, zone: tzinfo | str | None = None) -> bool:
        """Whether the choice holds at *moment*: granted, not yet revoked, not past ``until``.

        ``until`` is a local day: the choice ends at midnight in *zone* (the installation's
        time zone, ``Europe/Amsterdam`` by default), whatever UTC offset *moment* carries.
        """
        if moment < self.granted_at:
            return False
        if self.revoked_at is not None and moment >= self.revoked_at:
            return False
        return self.until is None or local_day(moment, zone) <= self.until

    def to_json(self) -> dict[str, Any]:
        return {
            "choice": self.id,
            "person": self.person,
            "to": self.to,
            "what": self.what,
            "purpose": self.purpose,
            "until": self.until.isoformat() if self.until else None,
            "conversation": self.conversation,
            "granted_at": self.granted_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


def _frozen_choices(value: Mapping[int, SharingChoice]) -> Mapping[int, SharingChoice]:
    return MappingProxyType(dict(value))


@attrs.frozen(kw_only=True)
class Restrictions:
    """Which of a person's records are restricted (AVG art. 18) now."""

    everything: bool = False
    conversations: frozenset[str] = frozenset()

    def covers(self, conversation: str | None) -> bool:
        return self.everything or (conversation is not None and conversation in self.conversations)


def _restrict(current: Restrictions, event: Event) -> Restrictions:
    """*current* after one ``privacy.restricted`` / ``privacy.restriction_lifted`` event."""
    target = event.data.get("conversation")
    on = event.type == PersonEvent.RESTRICTED
    if target is None:
        # Lifting the blanket restriction leaves the restrictions of single conversations in
        # place (each is lifted on its own): when in doubt, stay restricted.
        return attrs.evolve(current, everything=on)
    if on:
        return attrs.evolve(current, conversations=current.conversations | {target})
    return attrs.evolve(current, conversations=current.conversations - {target})


def restrictions(events: Iterable[Event]) -> Restrictions:
    """Fold only the restriction events of a person stream (the rest is skipped; an erasure
    ends every restriction before it)."""
    current = Restrictions()
    for event in events:
        if event.type in (PersonEvent.RESTRICTED, PersonEvent.RESTRICTION_LIFTED):
            current = _restrict(current, event)
        elif event.type == PersonEvent.ERASED:
            current = Restrictions()
    return current


@attrs.frozen(kw_only=True)
class SharingState:
    """Every choice an employee ever made (revoked ones keep their revocation time), and which
    of their records are restricted now."""

    person: str
    version: int = 0
    """The version of the ``person:<id>`` stream folded so far (other event types count too)."""
    choices: Mapping[int, SharingChoice] = attrs.field(
        factory=dict, converter=_frozen_choices, hash=False
    )
    restrictions: Restrictions = attrs.field(factory=lambda: Restrictions())
    erased_through: int = 0
    """The highest choice number an erasure ended (0: none): those choices are gone from
    :attr:`choices`, and a new choice is numbered after them."""

    @property
    def next_choice(self) -> int:
        """The number the next choice gets (a number is never given twice, erased or not)."""
        return max(max(self.choices, default=0), self.erased_through) + 1

    def active(
        self, moment: datetime, zone: tzinfo | str | None = None
    ) -> tuple[SharingChoice, ...]:
        """The choices that hold at *moment* (days in *zone*), by number."""
        return tuple(c for _, c in sorted(self.choices.items()) if c.active_at(moment, zone))


# -- decide / apply ------------------------------------------------------------------------


def decide(
    state: SharingState | None,
    command: SharingCommand,
    *,
    now: datetime,
    zone: tzinfo | str | None = None,
) -> tuple[Event, ...]:
    """Check *command* and return its events, or raise :class:`~magcore.errors.ConsentError`.

    *state* is the employee's :class:`SharingState` (``None`` or empty for a new stream);
    *zone* is the installation's time zone (``until`` is a day there).
    """
    state = state or SharingState(person=command.person)
    if state.person != command.person:
        raise ConsentError(f"state is for {state.person}, command for {command.person}")
    if command.actor != command.person:
        raise ConsentError(
            f"only {command.person} decides what is shared from their record, not {command.actor}"
        )
    version = state.version + 1
    stream = person_stream(command.person)
    if isinstance(command, GrantSharing):
        if not isinstance(command.to, str) or not _PERSON.match(command.to):
            raise ConsentError(f"to {command.to!r} is not a person id or a role", field="to")
        if command.to == command.person:
            raise ConsentError("a choice to share with yourself has no meaning", field="to")
        what = _check_what(command.what)
        if not isinstance(command.purpose, str) or not _PURPOSE.match(command.purpose):
            raise ConsentError(
                f"purpose {command.purpose!r} must be a short lower-case name, e.g. 'handover'",
                field="purpose",
            )
        if command.until is not None and command.until < local_day(now, zone):
            raise ConsentError(f"until {command.until.isoformat()} lies in the past", field="until")
        if command.conversation is not None and not _PERSON.match(command.conversation):
            raise ConsentError(
                f"conversation {command.conversation!r} is not a valid id", field="conversation"
            )
        number = state.next_choice
        return (
            Event(
                stream=stream,
                version=version,
                type=PersonEvent.SHARING_GRANTED,
                at=now,
                actor=command.actor,
                data={
                    "choice": number,
                    "to": command.to,
                    "what": what,
                    "purpose": command.purpose,
                    "until": command.until.isoformat() if command.until else None,
                    "conversation": command.conversation,
                },
            ),
        )
    if isinstance(command, RevokeSharing):
        choice = state.choices.get(command.choice)
        if choice is None:
            raise ConsentError(f"there is no sharing choice {command.choice}", field="choice")
        if choice.revoked_at is not None:
            raise ConsentError(
                f"sharing choice {command.choice} is already revoked", field="choice"
            )
        return (
            Event(
                stream=stream,
                version=version,
                type=PersonEvent.SHARING_REVOKED,
                at=now,
                actor=command.actor,
                data={"choice": command.choice},
            ),
        )
    raise ConsentError(f"unknown sharing command {type(command).__name__}")


def apply(event: Event, state: SharingState | None) -> SharingState:
    """Fold one event of a ``person:<id>`` stream into *state*; other event types only count."""
    person = event.stream.partition(":")[2]
    state = state or SharingState(person=person)
    data = event.data
    # An erasure that replaced the stream's events (choices in clear) follows the ones it removed.
    removed = _number(data.get("events_removed")) if event.type == PersonEvent.ERASED else 0
    if event.version != state.version + 1 + removed:
        raise ValueError(f"event version {event.version} does not follow {state.version}")
    if event.type in (PersonEvent.RESTRICTED, PersonEvent.RESTRICTION_LIFTED):
        restricted = _restrict(state.restrictions, event)
        return attrs.evolve(state, version=event.version, restrictions=restricted)
    if event.type == PersonEvent.ERASED:
        through = max(state.next_choice - 1, _number(data.get("through")))
        return attrs.evolve(
            state,
            version=event.version,
            choices={},
            restrictions=Restrictions(),
            erased_through=through,
        )
    if event.type == PersonEvent.SHARING_GRANTED:
        number = int(data["choice"])
        choice = _granted(number, person, event)
        if choice is None:  # its sealed fields were erased: it holds nothing
            through = max(state.erased_through, number)
            return attrs.evolve(state, version=event.version, erased_through=through)
        choices = dict(state.choices)
        choices[choice.id] = choice
        return attrs.evolve(state, version=event.version, choices=choices)
    if event.type == PersonEvent.SHARING_REVOKED:
        number = int(data["choice"])
        choices = dict(state.choices)
        if number in choices and choices[number].revoked_at is None:
            choices[number] = attrs.evolve(choices[number], revoked_at=event.at)
        return attrs.evolve(state, version=event.version, choices=choices)
    return attrs.evolve(state, version=event.version)


def _number(value: object) -> int:
    return value if type(value) is int and value > 0 else 0


def _granted(number: int, person: str, event: Event) -> SharingChoice | None:
    """The choice a ``sharing.granted`` event made, or ``None`` when its sealed fields read as
    erased (the person's key was destroyed): an erased grantee, ``what`` or ``until`` is no id,
    no choice and no day, so nothing is guessed from it."""
    data = event.data
    to, what, purpose = data.get("to"), data.get("what"), data.get("purpose")
    until, conversation = data.get("until"), data.get("conversation")
    if not (isinstance(to, str) and _PERSON.match(to)):
        return None
    if not isinstance(what, str) or not isinstance(purpose, str):
        return None
    if conversation is not None and not (
        isinstance(conversation, str) and _PERSON.match(conversation)
    ):
        return None
    day: date | None = None
    if until:
        try:
            day = date.fromisoformat(until)
        except (TypeError, ValueError):
            return None
    return SharingChoice(
        id=number,
        person=person,
        to=to,
        what=what,
        purpose=purpose,
        granted_at=event.at,
        until=day,
        conversation=conversation,
    )


def replay(person: str, events: Iterable[Event]) -> SharingState:
    """The sharing state of *person* from the events of ``person:<id>`` (possibly none)."""
    state = SharingState(person=person)
    for event in events:
        state = apply(event, state)
    return state


def listing_rows(state: SharingState) -> PersonRows:
    """The guarded listing's index rows of *state*: every choice (revoked ones with their
    revocation time) and the restrictions that hold (``None``: the whole record)."""
    held = state.restrictions
    return PersonRows(
        subject=state.person,
        choices=[
            SharingChoiceRow(
                choice=c.id,
                subject=state.person,
                grantee=c.to,
                what=c.what,
                purpose=c.purpose,
                granted_at=c.granted_at,
                until=c.until,
                conversation=c.conversation,
                revoked_at=c.revoked_at,
            )
            for _, c in sorted(state.choices.items())
        ],
        restricted=[*([None] if held.everything else []), *sorted(held.conversations)],
    )


#: A choice's details are the person's data, and about whom they confided in: who may read
#: what, for which purpose, until when are sealed with the person's key (erasure shreds them);
#: its number, and the moments of the events, stay in clear.
CONTENT_FIELDS: Final[Mapping[str, EventContent]] = {
    "sharing.granted": EventContent(
        content=["to", "what", "purpose", "until", "conversation"], metadata=["choice"]
    ),
    "sharing.revoked": metadata_only("choice"),
    "person.erased": metadata_only("through", "events_removed"),
}
