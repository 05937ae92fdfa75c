"""The Conversation aggregate: one explicit lifecycle, events in, state out.

::

    request ──▶ REQUESTED ──schedule──▶ SCHEDULED ──(every preparer published)──▶ PREPARED
                    │                       │  ▲ reschedule                         │
                    └──────────── hold ─────┴──┴────────────────────────────────────┘
                                             ▼
                                           HELD ──draft_record / register_paper──▶ RECORD_DRAFTED
                                                                                     │ confirm (all)
                                                                                     ▼
                                                                                   AGREED
    REQUESTED/SCHEDULED/PREPARED ──not_held──▶ NOT_HELD   (neutral, no blame)
    REQUESTED/SCHEDULED/PREPARED ──cancel────▶ CANCELLED

:func:`decide` checks a command against the current state and returns new events (or raises
:class:`~magcore.errors.TransitionError` naming the state and the action); :func:`apply` folds
one event into the state; :func:`replay` rebuilds the state from its events.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

import attrs

from ._typing import to_tuple
from .errors import TransitionError
from .events import Event, thaw
from .model.cycle import ConversationKind, CycleDefinition, ParticipantRole, Pattern, Recording
from .model.records import (
    Agreement,
    AgreementOwner,
    AgreementStatus,
    Dissent,
    Participant,
    Preparation,
    PrivateNote,
    RecordRevision,
    Response,
    Topic,
)

__all__ = [
    "FINAL_STATES",
    "HELD_STATES",
    "OPEN_STATES",
    "AddDissent",
    "AddPrivateNote",
    "AddResponse",
    "Cancel",
    "Command",
    "ConfirmRecord",
    "Conversation",
    "DraftRecord",
    "MarkHeld",
    "MarkNotHeld",
    "NotHeldReason",
    "PublishPreparation",
    "RaiseTopic",
    "RegisterPaper",
    "RequestConversation",
    "Reschedule",
    "SavePreparation",
    "Schedule",
    "State",
    "UpdateAgreement",
    "apply",
    "decide",
    "replay",
    "stream_of",
    "visible_preparation",
]


class State(enum.StrEnum):
    """Where a conversation stands."""

    REQUESTED = "requested"
    SCHEDULED = "scheduled"
    PREPARED = "prepared"
    HELD = "held"
    RECORD_DRAFTED = "record_drafted"
    AGREED = "agreed"
    NOT_HELD = "not_held"
    CANCELLED = "cancelled"


OPEN_STATES = frozenset({State.REQUESTED, State.SCHEDULED, State.PREPARED})
FINAL_STATES = frozenset({State.NOT_HELD, State.CANCELLED})
#: The states of a conversation that took place: nothing is left to prepare.
HELD_STATES = frozenset({State.HELD, State.RECORD_DRAFTED, State.AGREED})


class NotHeldReason(enum.StrEnum):
    """Why a conversation did not happen: neutral facts, never blame."""

    NO_TIME = "no_time"
    ABSENCE = "absence"
    CIRCUMSTANCES = "circumstances"
    NO_LONGER_NEEDED = "no_longer_needed"
    OTHER = "other"


def stream_of(conversation_id: str) -> str:
    """The event stream name of a conversation."""
    return f"conversation:{conversation_id}"


# -- commands ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Command:
    """Something a person asks of a conversation. ``action`` names it in errors."""

    actor: str
    action: str = attrs.field(init=False, default="act")


@attrs.frozen(kw_only=True)
class RequestConversation(Command):
    """Start a conversation of *kind* under *cycle*; the actor must be an allowed initiator."""

    conversation_id: str
    cycle: CycleDefinition
    kind: str
    participants: tuple[Participant, ...] = attrs.field(converter=to_tuple)
    team: str | None = None
    themes: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)
    carried_forward: tuple[Agreement, ...] = attrs.field(default=(), converter=to_tuple)
    action: str = attrs.field(init=False, default="request")


@attrs.frozen(kw_only=True)
class Schedule(Command):
    on: datetime
    place: str = ""
    action: str = attrs.field(init=False, default="schedule")


@attrs.frozen(kw_only=True)
class Reschedule(Command):
    on: datetime
    reason: str = ""
    action: str = attrs.field(init=False, default="reschedule")


@attrs.frozen(kw_only=True)
class SavePreparation(Command):
    answers: Mapping[str, Any] = attrs.field(factory=dict, hash=False)
    action: str = attrs.field(init=False, default="save_preparation")


@attrs.frozen(kw_only=True)
class PublishPreparation(Command):
    action: str = attrs.field(init=False, default="publish_preparation")


@attrs.frozen(kw_only=True)
class RaiseTopic(Command):
    text: str
    theme: str | None = None
    action: str = attrs.field(init=False, default="raise_topic")


@attrs.frozen(kw_only=True)
class MarkHeld(Command):
    on: date
    action: str = attrs.field(init=False, default="mark_held")


@attrs.frozen(kw_only=True)
class MarkNotHeld(Command):
    reason: NotHeldReason = attrs.field(default=NotHeldReason.OTHER, converter=NotHeldReason)
    action: str = attrs.field(init=False, default="mark_not_held")


@attrs.frozen(kw_only=True)
class Cancel(Command):
    reason: str = ""
    action: str = attrs.field(init=False, default="cancel")


@attrs.frozen(kw_only=True)
class DraftRecord(Command):
    """Write (a new revision of) the shared record; earlier confirmations no longer count."""

    summary: str = ""
    agreements: tuple[Agreement, ...] = attrs.field(default=(), converter=to_tuple)
    themes: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)
    answers: Mapping[str, Any] = attrs.field(factory=dict, hash=False)
    medium: Recording = attrs.field(default=Recording.DIGITAL, converter=Recording)
    action: str = attrs.field(init=False, default="draft_record")


@attrs.frozen(kw_only=True)
class RegisterPaper(Command):
    """Register a conversation held with its agreements on paper and no digital content."""

    held_on: date
    action: str = attrs.field(init=False, default="register_paper")


@attrs.frozen(kw_only=True)
class ConfirmRecord(Command):
    """Confirm that revision *revision* of the record is what was agreed."""

    revision: int
    action: str = attrs.field(init=False, default="confirm")


@attrs.frozen(kw_only=True)
class AddDissent(Command):
    text: str
    action: str = attrs.field(init=False, default="add_dissent")


@attrs.frozen(kw_only=True)
class AddPrivateNote(Command):
    text: str
    action: str = attrs.field(init=False, default="add_private_note")


@attrs.frozen(kw_only=True)
class AddResponse(Command):
    about: str
    text: str
    action: str = attrs.field(init=False, default="add_response")


@attrs.frozen(kw_only=True)
class UpdateAgreement(Command):
    agreement_id: str
    status: AgreementStatus = attrs.field(converter=AgreementStatus)
    note: str = ""
    action: str = attrs.field(init=False, default="update_agreement")


# -- state ---------------------------------------------------------------------------------


def _frozen_map(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


@attrs.frozen(kw_only=True)
class Conversation:
    """The state of one conversation, rebuilt from its events. Never holds a score."""

    id: str
    cycle: str
    """``cycle-id@version``: the definition version the conversation started under."""
    kind: str
    pattern: Pattern
    participants: tuple[Participant, ...]
    preparers: tuple[str, ...]
    recorders: tuple[str, ...]
    """Who may write the shared record (everyone confirms it)."""
    subject: str | None
    team: str | None
    initiator: str
    state: State
    version: int
    requested_at: datetime
    scheduled_for: datetime | None = None
    held_on: date | None = None
    themes: tuple[str, ...] = ()
    carried_forward: tuple[Agreement, ...] = ()
    preparations: Mapping[str, Preparation] = attrs.field(
        factory=dict, converter=_frozen_map, hash=False
    )
    topics: tuple[Topic, ...] = ()
    record: RecordRevision | None = None
    confirmations: Mapping[str, int] = attrs.field(factory=dict, converter=_frozen_map, hash=False)
    dissents: tuple[Dissent, ...] = ()
    private_notes: tuple[PrivateNote, ...] = ()
    responses: tuple[Response, ...] = ()
    agreement_status: Mapping[str, AgreementStatus] = attrs.field(
        factory=dict, converter=_frozen_map, hash=False
    )
    not_held_reason: NotHeldReason | None = None
    reschedules: int = 0

    @property
    def people(self) -> tuple[str, ...]:
        return tuple(p.person for p in self.participants)

    def role_of(self, person: str) -> ParticipantRole | None:
        for participant in self.participants:
            if participant.person == person:
                return participant.role
        return None

    def is_participant(self, person: str) -> bool:
        return self.role_of(person) is not None

    @property
    def agreements(self) -> tuple[Agreement, ...]:
        """The agreements of the current record, with their latest status."""
        if self.record is None:
            return ()
        return tuple(
            attrs.evolve(a, status=self.agreement_status.get(a.id, a.status))
            for a in self.record.agreements
        )

    @property
    def confirmed_by(self) -> frozenset[str]:
        """Who confirmed the current record revision."""
        if self.record is None:
            return frozenset()
        return frozenset(p for p, r in self.confirmations.items() if r == self.record.revision)


def visible_preparation(conv: Conversation, viewer: str, author: str) -> Preparation | None:
    """The preparation of *author* as *viewer* may see it, or ``None``.

    An author always sees their own. Another participant sees it only once the author has
    published it **and** the viewer has published their own (or the conversation has been held,
    when nothing is left to prepare). A conversation that was cancelled or did not happen was
    never held: cancelling does not open the other side's preparation. Nobody else sees it here:
    reads by others go through the access policy.
    """
    preparation = conv.preparations.get(author)
    if preparation is None:
        return None
    if viewer == author:
        return preparation
    if not conv.is_participant(viewer) or not preparation.published:
        return None
    own = conv.preparations.get(viewer)
    if own is not None and own.published:
        return preparation
    return preparation if conv.state in HELD_STATES else None


# -- decide ---------------------------------------------------------------------------------

_ALLOWED: Mapping[str, frozenset[State]] = {
    "schedule": frozenset({State.REQUESTED}),
    "reschedule": frozenset({State.SCHEDULED, State.PREPARED}),
    "save_preparation": OPEN_STATES,
    "publish_preparation": OPEN_STATES,
    "raise_topic": OPEN_STATES | {State.HELD, State.RECORD_DRAFTED},
    "mark_held": OPEN_STATES,
    "mark_not_held": OPEN_STATES,
    "cancel": OPEN_STATES,
    "draft_record": frozenset({State.HELD, State.RECORD_DRAFTED}),
    "register_paper": OPEN_STATES | {State.HELD},
    "confirm": frozenset({State.RECORD_DRAFTED}),
    "add_dissent": frozenset({State.RECORD_DRAFTED, State.AGREED}),
    "add_private_note": frozenset(State) - {State.CANCELLED},
    "add_response": frozenset({State.HELD, State.RECORD_DRAFTED, State.AGREED}),
    "update_agreement": frozenset({State.AGREED}),
}


def _refuse(conv: Conversation, command: Command, reason: str | None = None) -> TransitionError:
    return TransitionError(
        conversation_id=conv.id, state=conv.state.value, action=command.action, reason=reason
    )


def _event(
    conv_id: str, version: int, kind: str, command: Command, now: datetime, **data: Any
) -> Event:
    return Event(
        stream=stream_of(conv_id),
        version=version,
        type=kind,
        at=now,
        actor=command.actor,
        data=data,
    )


def _text(conv: Conversation, command: Command, value: str, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _refuse(conv, command, f"{field} must not be empty")
    if len(value) > 20_000:
        raise _refuse(conv, command, f"{field} is longer than 20,000 characters")
    return value


def _moment(conv: Conversation, command: Command, value: object, field: str) -> datetime:
    """*value* if it is a date and time with a time zone (what replay reads back), else refuse."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise _refuse(conv, command, f"{field} must be a date and time with a time zone")
    return value


def _day(conv: Conversation, command: Command, value: object, field: str) -> date:
    """*value* if it is a calendar date (not a date and time), else refuse."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise _refuse(conv, command, f"{field} must be a date (YYYY-MM-DD)")
    return value


def _held_day(conv: Conversation, command: Command, value: object, field: str) -> date:
    """*value* as the day a conversation was held: a date, not before the day it was planned."""
    day = _day(conv, command, value, field)
    planned = conv.scheduled_for
    if planned is not None and day < planned.date():
        raise _refuse(
            conv, command, f"{field} {day} is before the day it was planned for ({planned.date()})"
        )
    return day


def _answers(conv: Conversation, command: Command, value: object) -> Any:
    """Plain JSON answers from *value*, which must be a mapping of answers by field."""
    if not isinstance(value, Mapping):
        raise _refuse(conv, command, "answers must be a mapping of field names to answers")
    return thaw(value)


def _agreement_json(agreement: Agreement) -> dict[str, Any]:
    return {
        "id": agreement.id,
        "text": agreement.text,
        "owner": agreement.owner.value,
        "due": agreement.due.isoformat() if agreement.due else None,
        "theme": agreement.theme,
        "status": agreement.status.value,
        "carried_from": agreement.carried_from,
    }


def _agreement_from(data: Mapping[str, Any]) -> Agreement:
    return Agreement(
        id=data["id"],
        text=data["text"],
        owner=data["owner"],
        due=date.fromisoformat(data["due"]) if data.get("due") else None,
        theme=data.get("theme"),
        status=data.get("status", "open"),
        carried_from=data.get("carried_from"),
    )


def _check_request(command: RequestConversation) -> ConversationKind:
    def refuse(reason: str) -> TransitionError:
        return TransitionError(
            conversation_id=command.conversation_id, state="new", action="request", reason=reason
        )

    try:
        kind = command.cycle.kind(command.kind)
    except Exception as exc:
        raise refuse(str(exc)) from None
    people = [p.person for p in command.participants]
    if len(set(people)) != len(people):
        raise refuse("a person appears twice among the participants")
    roles = [p.role for p in command.participants]
    if kind.pattern is Pattern.TEAM:
        if len(people) < 2 or set(roles) != {ParticipantRole.TEAM_MEMBER}:
            raise refuse("a team conversation needs at least two team members")
        if not command.team:
            raise refuse("a team conversation needs its team")
    elif sorted(roles) != sorted(kind.roles):
        wanted = ", ".join(r.value for r in kind.roles)
        raise refuse(f"a {kind.pattern.value} conversation needs exactly: {wanted}")
    initiator_role = next((p.role for p in command.participants if p.person == command.actor), None)
    if initiator_role is None:
        raise refuse(f"{command.actor} does not take part and cannot start it")
    if initiator_role not in kind.initiators:
        raise refuse(
            f"a {initiator_role.value} may not start a {kind.id} conversation "
            f"(allowed: {', '.join(r.value for r in kind.initiators)})"
        )
    for agreement in command.carried_forward:
        if agreement.due is not None and (
            not isinstance(agreement.due, date) or isinstance(agreement.due, datetime)
        ):
            raise refuse(f"carried agreement {agreement.id}: due must be a date (YYYY-MM-DD)")
    theme_ids = {t.id for t in command.cycle.themes}
    for theme in command.themes:
        if theme not in theme_ids:
            raise refuse(f"theme {theme!r} is not in cycle {command.cycle.key}")
    return kind


def _check_agreements(
    conv: Conversation, command: Command, agreements: Sequence[Agreement]
) -> None:
    ids = [a.id for a in agreements]
    if len(set(ids)) != len(ids):
        raise _refuse(conv, command, "two agreements have the same id")
    allowed_owners = {AgreementOwner.BOTH} | {
        AgreementOwner(r.value) if r is not ParticipantRole.TEAM_MEMBER else AgreementOwner.TEAM
        for r in (p.role for p in conv.participants)
    }
    for agreement in agreements:
        _text(conv, command, agreement.text, f"agreement {agreement.id}")
        if agreement.owner not in allowed_owners:
            raise _refuse(
                conv, command, f"agreement {agreement.id}: nobody is a {agreement.owner.value} here"
            )
        if agreement.due is not None:
            _day(conv, command, agreement.due, f"agreement {agreement.id}: due")
        if agreement.status is not AgreementStatus.OPEN:
            raise _refuse(conv, command, f"agreement {agreement.id} must start open")


def decide(conv: Conversation | None, command: Command, *, now: datetime) -> tuple[Event, ...]:
    """Check *command* against *conv* (``None`` before the first event) and return its events.

    Raises :class:`~magcore.errors.TransitionError` naming the current state and the action when
    the command is not allowed; nothing changes then.
    """
    if isinstance(command, RequestConversation):
        if conv is not None:
            raise _refuse(conv, command, "the conversation already exists")
        kind = _check_request(command)
        preparers = [p.person for p in command.participants if p.role in kind.preparers]
        recorder_roles = kind.recorders if kind.recorders is not None else kind.roles
        recorders = [p.person for p in command.participants if p.role in recorder_roles]
        return (
            Event(
                stream=stream_of(command.conversation_id),
                version=1,
                type="conversation.requested",
                at=now,
                actor=command.actor,
                data={
                    "cycle": command.cycle.key,
                    "kind": kind.id,
                    "pattern": kind.pattern.value,
                    "participants": [
                        {"person": p.person, "role": p.role.value} for p in command.participants
                    ],
                    "preparers": preparers,
                    "recorders": recorders,
                    "team": command.team,
                    "themes": list(command.themes),
                    "carried_forward": [_agreement_json(a) for a in command.carried_forward],
                },
            ),
        )
    if conv is None:
        raise TransitionError(
            conversation_id="?",
            state="new",
            action=command.action,
            reason="the conversation has not been requested",
        )
    if command.action not in _ALLOWED:
        raise _refuse(conv, command, "unknown action")
    if conv.state not in _ALLOWED[command.action]:
        raise _refuse(conv, command)
    role = conv.role_of(command.actor)
    if role is None:
        raise _refuse(conv, command, f"{command.actor} does not take part in this conversation")
    version = conv.version + 1

    def event(kind: str, **data: Any) -> Event:
        return _event(conv.id, version, kind, command, now, **data)

    match command:
        case Schedule():
            on = _moment(conv, command, command.on, "on")
            return (event("conversation.scheduled", on=on.isoformat(), place=str(command.place)),)
        case Reschedule():
            on = _moment(conv, command, command.on, "on")
            return (
                event("conversation.rescheduled", on=on.isoformat(), reason=str(command.reason)),
            )
        case SavePreparation():
            own = conv.preparations.get(command.actor)
            if command.actor not in conv.preparers:
                raise _refuse(conv, command, f"a {role.value} does not prepare this conversation")
            if own is not None and own.published:
                raise _refuse(conv, command, "the preparation is already published")
            return (event("preparation.saved", answers=_answers(conv, command, command.answers)),)
        case PublishPreparation():
            own = conv.preparations.get(command.actor)
            if command.actor not in conv.preparers:
                raise _refuse(conv, command, f"a {role.value} does not prepare this conversation")
            if own is not None and own.published:
                raise _refuse(conv, command, "the preparation is already published")
            return (event("preparation.published"),)
        case RaiseTopic():
            text = _text(conv, command, command.text, "text")
            return (event("topic.raised", text=text, theme=command.theme),)
        case MarkHeld():
            held_on = _held_day(conv, command, command.on, "on")
            return (event("conversation.held", on=held_on.isoformat()),)
        case MarkNotHeld():
            return (event("conversation.not_held", reason=command.reason.value),)
        case Cancel():
            return (event("conversation.cancelled", reason=str(command.reason)),)
        case DraftRecord():
            if command.actor not in conv.recorders:
                raise _refuse(conv, command, f"a {role.value} does not write this record")
            _check_agreements(conv, command, command.agreements)
            if command.medium not in (Recording.DIGITAL, Recording.PAPER):
                raise _refuse(conv, command, "unknown medium")
            revision = (conv.record.revision if conv.record else 0) + 1
            return (
                event(
                    "record.drafted",
                    revision=revision,
                    summary=str(command.summary),
                    agreements=[_agreement_json(a) for a in command.agreements],
                    themes=list(command.themes),
                    answers=_answers(conv, command, command.answers),
                    medium=command.medium.value,
                    content_on_paper=False,
                ),
            )
        case RegisterPaper():
            if command.actor not in conv.recorders:
                raise _refuse(conv, command, f"a {role.value} does not write this record")
            held_on = _held_day(conv, command, command.held_on, "held_on")
            revision = (conv.record.revision if conv.record else 0) + 1
            events = []
            if conv.state is not State.HELD:
                events.append(event("conversation.held", on=held_on.isoformat()))
                version += 1
            events.append(
                _event(
                    conv.id,
                    version,
                    "record.drafted",
                    command,
                    now,
                    revision=revision,
                    summary="",
                    agreements=[],
                    themes=[],
                    answers={},
                    medium=Recording.PAPER.value,
                    content_on_paper=True,
                )
            )
            return tuple(events)
        case ConfirmRecord():
            assert conv.record is not None
            if command.revision != conv.record.revision:
                raise _refuse(
                    conv,
                    command,
                    f"revision {command.revision} is not the current one ({conv.record.revision})",
                )
            if command.actor in conv.confirmed_by:
                raise _refuse(conv, command, f"{command.actor} already confirmed this revision")
            events = [event("record.confirmed", revision=command.revision)]
            if conv.confirmed_by | {command.actor} == set(conv.people):
                events.append(
                    _event(
                        conv.id,
                        version + 1,
                        "conversation.agreed",
                        command,
                        now,
                        revision=command.revision,
                    )
                )
            return tuple(events)
        case AddDissent():
            text = _text(conv, command, command.text, "text")
            assert conv.record is not None
            return (event("dissent.added", text=text, about_revision=conv.record.revision),)
        case AddPrivateNote():
            text = _text(conv, command, command.text, "text")
            return (event("note.private_added", text=text),)
        case AddResponse():
            if role is not ParticipantRole.EMPLOYEE or command.actor != conv.subject:
                raise _refuse(
                    conv, command, "only the employee the record is about adds a response"
                )
            text = _text(conv, command, command.text, "text")
            if not _response_target_exists(conv, command.about):
                raise _refuse(
                    conv, command, f"there is nothing called {command.about!r} to respond to"
                )
            return (event("response.added", about=command.about, text=text),)
        case UpdateAgreement():
            agreement = next((a for a in conv.agreements if a.id == command.agreement_id), None)
            if agreement is None:
                raise _refuse(conv, command, f"there is no agreement {command.agreement_id!r}")
            if not _owns(conv, command.actor, agreement):
                raise _refuse(
                    conv,
                    command,
                    f"agreement {agreement.id} belongs to the {agreement.owner.value}: "
                    "only they mark it done or dropped",
                )
            return (
                event(
                    "agreement.updated",
                    agreement=command.agreement_id,
                    status=command.status.value,
                    note=command.note,
                ),
            )
    raise _refuse(conv, command, "unknown action")


def _owns(conv: Conversation, person: str, agreement: Agreement) -> bool:
    """Whether *person* may mark *agreement* done or dropped: its owner, or anyone in the
    conversation when it belongs to both (or to the team)."""
    if agreement.owner in (AgreementOwner.BOTH, AgreementOwner.TEAM):
        return conv.is_participant(person)
    role = conv.role_of(person)
    return role is not None and role.value == agreement.owner.value


def _response_target_exists(conv: Conversation, about: str) -> bool:
    if about == "record":
        return conv.record is not None
    kind, _, key = about.partition(":")
    if kind == "preparation":
        prep = conv.preparations.get(key)
        return prep is not None and prep.published
    if kind == "agreement":
        return key in {a.id for a in conv.agreements}
    if kind == "dissent":
        return key.isdigit() and int(key) < len(conv.dissents)
    if kind == "topic":
        return key.isdigit() and int(key) < len(conv.topics)
    return False


# -- apply ---------------------------------------------------------------------------------


def _after_preparation(conv: Conversation) -> State:
    if conv.state is State.SCHEDULED and all(
        conv.preparations.get(p) is not None and conv.preparations[p].published
        for p in conv.preparers
    ):
        return State.PREPARED
    return conv.state


def apply(event: Event, conv: Conversation | None) -> Conversation:
    """Fold *event* into *conv* and return the new state (the inverse of nothing: pure)."""
    data = event.data
    if conv is None:
        if event.type != "conversation.requested":
            raise ValueError(f"a conversation starts with conversation.requested, not {event.type}")
        return Conversation(
            id=event.stream.partition(":")[2],
            cycle=data["cycle"],
            kind=data["kind"],
            pattern=Pattern(data["pattern"]),
            participants=tuple(Participant(p["person"], p["role"]) for p in data["participants"]),
            preparers=tuple(data["preparers"]),
            recorders=tuple(data.get("recorders", [p["person"] for p in data["participants"]])),
            subject=next(
                (p["person"] for p in data["participants"] if p["role"] == "employee"), None
            ),
            team=data.get("team"),
            initiator=event.actor,
            state=State.REQUESTED,
            version=event.version,
            requested_at=event.at,
            themes=tuple(data.get("themes", ())),
            carried_forward=tuple(_agreement_from(a) for a in data.get("carried_forward", ())),
        )
    if event.version != conv.version + 1:
        raise ValueError(f"event version {event.version} does not follow {conv.version}")
    conv = attrs.evolve(conv, version=event.version)
    match event.type:
        case "conversation.scheduled":
            conv = attrs.evolve(
                conv, state=State.SCHEDULED, scheduled_for=datetime.fromisoformat(data["on"])
            )
            return attrs.evolve(conv, state=_after_preparation(conv))
        case "conversation.rescheduled":
            return attrs.evolve(
                conv,
                scheduled_for=datetime.fromisoformat(data["on"]),
                reschedules=conv.reschedules + 1,
            )
        case "preparation.saved":
            preparations = dict(conv.preparations)
            preparations[event.actor] = Preparation(author=event.actor, answers=data["answers"])
            return attrs.evolve(conv, preparations=preparations)
        case "preparation.published":
            preparations = dict(conv.preparations)
            existing = preparations.get(event.actor) or Preparation(author=event.actor)
            preparations[event.actor] = attrs.evolve(existing, published_at=event.at)
            conv = attrs.evolve(conv, preparations=preparations)
            return attrs.evolve(conv, state=_after_preparation(conv))
        case "topic.raised":
            topic = Topic(author=event.actor, text=data["text"], theme=data.get("theme"))
            return attrs.evolve(conv, topics=(*conv.topics, topic))
        case "conversation.held":
            return attrs.evolve(conv, state=State.HELD, held_on=date.fromisoformat(data["on"]))
        case "conversation.not_held":
            return attrs.evolve(
                conv, state=State.NOT_HELD, not_held_reason=NotHeldReason(data["reason"])
            )
        case "conversation.cancelled":
            return attrs.evolve(conv, state=State.CANCELLED)
        case "record.drafted":
            record = RecordRevision(
                revision=data["revision"],
                author=event.actor,
                at=event.at,
                summary=data.get("summary", ""),
                agreements=tuple(_agreement_from(a) for a in data.get("agreements", ())),
                themes=tuple(data.get("themes", ())),
                answers=thaw(data.get("answers", {})),
                medium=data.get("medium", "digital"),
                content_on_paper=bool(data.get("content_on_paper", False)),
            )
            return attrs.evolve(conv, state=State.RECORD_DRAFTED, record=record)
        case "record.confirmed":
            confirmations = dict(conv.confirmations)
            confirmations[event.actor] = data["revision"]
            return attrs.evolve(conv, confirmations=confirmations)
        case "conversation.agreed":
            return attrs.evolve(conv, state=State.AGREED)
        case "dissent.added":
            dissent = Dissent(
                author=event.actor,
                text=data["text"],
                at=event.at,
                about_revision=data["about_revision"],
            )
            return attrs.evolve(conv, dissents=(*conv.dissents, dissent))
        case "note.private_added":
            note = PrivateNote(author=event.actor, text=data["text"], at=event.at)
            return attrs.evolve(conv, private_notes=(*conv.private_notes, note))
        case "response.added":
            response = Response(
                author=event.actor, about=data["about"], text=data["text"], at=event.at
            )
            return attrs.evolve(conv, responses=(*conv.responses, response))
        case "agreement.updated":
            status = dict(conv.agreement_status)
            status[data["agreement"]] = AgreementStatus(data["status"])
            return attrs.evolve(conv, agreement_status=status)
    # Unknown event types (from a newer magcore or a plugin) only move the version on.
    return conv


def replay(events: Iterable[Event]) -> Conversation:
    """Rebuild a conversation from all its events, in order."""
    conv: Conversation | None = None
    for event in events:
        conv = apply(event, conv)
    if conv is None:
        raise ValueError("no events to replay")
    return conv
