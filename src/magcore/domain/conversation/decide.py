"""Deciding: :func:`decide` checks a command against the conversation as it is and returns the
new events, or raises :class:`~magcore.errors.TransitionError` naming the state and the action."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from ...errors import TransitionError
from ...events import Event, thaw
from ...model.cycle import ConversationKind, ParticipantRole, Recording
from ...model.input_dates import date_problem
from ...model.parties import POOLED, Membership
from ...model.records import (
    Agreement,
    AgreementOwner,
    AgreementStatus,
)
from .commands import (
    AddDissent,
    AddPrivateNote,
    AddResponse,
    Cancel,
    Command,
    ConfirmRecord,
    DraftRecord,
    MarkHeld,
    MarkNotHeld,
    PublishPreparation,
    RaiseTopic,
    RegisterPaper,
    RequestConversation,
    Reschedule,
    SavePreparation,
    Schedule,
    UpdateAgreement,
)
from .state import (
    OPEN_STATES,
    Conversation,
    ConversationEvent,
    State,
    _agreement_json,
    stream_of,
)
from .themes import check_themes

__all__ = ["UNDISCLOSED", "check_taking_part", "decide", "start_refusal"]


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


def _a(role: str) -> str:
    """*role* with its article: "an employee", "a manager"."""
    return f"{'an' if role[:1] in 'aeiou' else 'a'} {role}"


def _refuse(conv: Conversation, command: Command, reason: str | None = None) -> TransitionError:
    return TransitionError(
        conversation_id=conv.id, state=conv.state.value, action=command.action, reason=reason
    )


#: The state a refusal names when the actor does not take part: none of theirs to know.
UNDISCLOSED = "undisclosed"


def check_taking_part(conv: Conversation, actor: str, action: str) -> None:
    """Refuse *action* when *actor* does not take part in *conv*, saying nothing of the
    conversation (its state, kind or people): someone outside it learns only that they may
    not act on it. Checked before anything about the state."""
    if conv.role_of(actor) is None:
        raise TransitionError(
            conversation_id=conv.id,
            state=UNDISCLOSED,
            action=action,
            reason=f"{actor} does not take part in this conversation",
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
    """*value* if it is a date and time with a time zone (what replay reads back) on a
    supported date (:data:`~magcore.model.input_dates.MIN_DATE` to ``MAX_DATE``, as every
    date a person gives: an invitation, a reminder days before and the local time are worked
    out from it, and a moment at the end of year 9999 overflows them), else refuse. A time
    zone whose offset is unknown (``utcoffset()`` gives ``None``) is no time zone."""
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise _refuse(conv, command, f"{field} must be a date and time with a time zone")
    problem = date_problem(value, pointer=f"/{field}")
    if problem is not None:
        raise _refuse(conv, command, f"{field}: {problem.message}")
    return value


def _minutes(conv: Conversation, command: Command, value: object) -> int | None:
    """*value* as a planned duration in minutes (5 to 480), or ``None``."""
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 5 <= value <= 480:
        raise _refuse(conv, command, "minutes must be a whole number from 5 to 480")
    return value


def _day(conv: Conversation, command: Command, value: object, field: str) -> date:
    """*value* if it is a calendar date (not a date and time) on a supported date, else
    refuse."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise _refuse(conv, command, f"{field} must be a date (YYYY-MM-DD)")
    problem = date_problem(value, pointer=f"/{field}")
    if problem is not None:
        raise _refuse(conv, command, f"{field}: {problem.message}")
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


def start_refusal(kind: ConversationKind, role: str) -> str | None:
    """Why a participant in *role* may not start a *kind* conversation, or ``None`` if they may.

    The one rule on who starts a conversation (the kind's initiators): :func:`decide` refuses a
    :class:`RequestConversation` with it, and bulk requesting (``magcore plan --request``) asks
    it before acting in a role, so it never starts what that role may not. Added in 0.2.
    """
    if role in kind.initiators:
        return None
    return (
        f"a {role} may not start a {kind.id} conversation (allowed: {', '.join(kind.initiators)})"
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
    by_role: dict[str, int] = {}
    roles = kind.roles
    for participant in command.participants:
        if participant.role not in roles:
            raise refuse(
                f"a {kind.id} conversation has no party {str(participant.role)!r}: it needs "
                f"exactly its parties ({', '.join(roles)})"
            )
        by_role[participant.role] = by_role.get(participant.role, 0) + 1
    for party in kind.parties:
        count = by_role.get(party.role, 0)
        if count == 0 and party.optional:
            continue
        if count < party.min or (party.max is not None and count > party.max):
            most = "or more" if party.max is None else f"to {party.max}"
            wanted = f"exactly {party.min}" if party.max == party.min else f"{party.min} {most}"
            raise refuse(
                f"party {str(party.role)!r} of a {kind.shape} conversation needs {wanted}, "
                f"not {count}"
                + (" (a team conversation needs at least two team members)" if kind.is_team else "")
            )
    if kind.is_team and not command.team:
        raise refuse("a team conversation needs its team")
    initiator_role = next((p.role for p in command.participants if p.person == command.actor), None)
    if initiator_role is None:
        raise refuse(f"{command.actor} does not take part and cannot start it")
    refusal = start_refusal(kind, initiator_role)
    if refusal is not None:
        raise refuse(refusal)
    starter = kind.party(initiator_role)
    if starter.membership is not Membership.SUBJECT:
        # Only a definition kept from before the cycle check refused this gets here: who starts
        # a conversation names its people, and anyone employed may be named for an open pool,
        # so only the employee it is about may fill one.
        for party in kind.parties:
            if party.membership in POOLED and by_role.get(party.role):
                raise refuse(
                    f"party {str(party.role)!r} of a {kind.id} conversation may not be named by "
                    f"a {initiator_role}: anyone employed may be named for it "
                    f"({party.membership.value}), so only the employee it is about may choose its "
                    "people, or anyone could be named into a colleague's conversation (the cycle "
                    "needs a new version with membership 'holds_role')"
                )
    for agreement in command.carried_forward:
        if agreement.due is not None and (
            not isinstance(agreement.due, date) or isinstance(agreement.due, datetime)
        ):
            raise refuse(f"carried agreement {agreement.id}: due must be a date (YYYY-MM-DD)")
    check_themes(command.cycle, command)
    return kind


def _owner(role: str) -> AgreementOwner | None:
    """Who owns an agreement a participant of *role* makes (``None``: no owner of that name)."""
    if role == ParticipantRole.TEAM_MEMBER:
        return AgreementOwner.TEAM
    try:
        return AgreementOwner(role)
    except ValueError:
        return None


def _check_agreements(
    conv: Conversation, command: Command, agreements: Sequence[Agreement]
) -> None:
    ids = [a.id for a in agreements]
    if len(set(ids)) != len(ids):
        raise _refuse(conv, command, "two agreements have the same id")
    allowed_owners = {AgreementOwner.BOTH} | {
        _owner(r) for r in (p.role for p in conv.participants) if _owner(r) is not None
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
        # Each role list asked of the kind once, not once per participant.
        preparing, recording, confirming = (
            kind.preparers,
            kind.recorder_roles,
            kind.confirmer_roles,
        )
        preparers = [p.person for p in command.participants if p.role in preparing]
        recorders = [p.person for p in command.participants if p.role in recording]
        confirmers = [p.person for p in command.participants if p.role in confirming]
        return (
            Event(
                stream=stream_of(command.conversation_id),
                version=1,
                type=ConversationEvent.REQUESTED,
                at=now,
                actor=command.actor,
                data={
                    "cycle": command.cycle.key,
                    "kind": kind.id,
                    "pattern": kind.shape,
                    "participants": [
                        {"person": p.person, "role": str(p.role)} for p in command.participants
                    ],
                    "preparers": preparers,
                    "recorders": recorders,
                    **(
                        {"confirmers": confirmers}
                        if len(confirmers) < len(command.participants)
                        else {}
                    ),
                    "team": command.team,
                    "themes": list(command.themes),
                    "carried_forward": [_agreement_json(a) for a in command.carried_forward],
                    **({"forms": dict(sorted(command.forms.items()))} if command.forms else {}),
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
    # Whether the actor may act here at all comes first: a refusal tells an outsider nothing
    # of the conversation (its state, kind, people).
    check_taking_part(conv, command.actor, command.action)
    role = conv.role_of(command.actor)
    assert role is not None  # check_taking_part
    if conv.state not in _ALLOWED[command.action]:
        raise _refuse(conv, command)
    version = conv.version + 1

    def event(kind: str, **data: Any) -> Event:
        return _event(conv.id, version, kind, command, now, **data)

    match command:
        case Schedule():
            on = _moment(conv, command, command.on, "on")
            minutes = _minutes(conv, command, command.minutes)
            return (
                event(
                    ConversationEvent.SCHEDULED,
                    on=on.isoformat(),
                    place=str(command.place),
                    **({} if minutes is None else {"minutes": minutes}),
                ),
            )
        case Reschedule():
            on = _moment(conv, command, command.on, "on")
            minutes = _minutes(conv, command, command.minutes)
            changed: dict[str, Any] = {}
            if command.place is not None:
                changed["place"] = str(command.place)
            if minutes is not None:
                changed["minutes"] = minutes
            return (
                event(
                    ConversationEvent.RESCHEDULED,
                    on=on.isoformat(),
                    reason=str(command.reason),
                    **changed,
                ),
            )
        case SavePreparation():
            own = conv.preparations.get(command.actor)
            if command.actor not in conv.preparers:
                raise _refuse(conv, command, f"{_a(role)} does not prepare this conversation")
            if own is not None and own.published:
                raise _refuse(conv, command, "the preparation is already published")
            return (
                event(
                    ConversationEvent.PREPARATION_SAVED,
                    answers=_answers(conv, command, command.answers),
                ),
            )
        case PublishPreparation():
            own = conv.preparations.get(command.actor)
            if command.actor not in conv.preparers:
                raise _refuse(conv, command, f"{_a(role)} does not prepare this conversation")
            if own is not None and own.published:
                raise _refuse(conv, command, "the preparation is already published")
            if not command.to:
                return (event(ConversationEvent.PREPARATION_PUBLISHED),)
            present = {str(p.role) for p in conv.participants if p.person != command.actor}
            for shown in command.to:
                if shown not in present:
                    raise _refuse(
                        conv,
                        command,
                        f"to: nobody else in this conversation holds the role {shown!r} "
                        f"(roles here: {', '.join(sorted(present))})",
                    )
            return (event(ConversationEvent.PREPARATION_PUBLISHED, to=list(command.to)),)
        case RaiseTopic():
            text = _text(conv, command, command.text, "text")
            return (event(ConversationEvent.TOPIC_RAISED, text=text, theme=command.theme),)
        case MarkHeld():
            held_on = _held_day(conv, command, command.on, "on")
            return (event(ConversationEvent.HELD, on=held_on.isoformat()),)
        case MarkNotHeld():
            return (event(ConversationEvent.NOT_HELD, reason=command.reason.value),)
        case Cancel():
            return (event(ConversationEvent.CANCELLED, reason=str(command.reason)),)
        case DraftRecord():
            if command.actor not in conv.recorders:
                raise _refuse(conv, command, f"{_a(role)} does not write this record")
            _check_agreements(conv, command, command.agreements)
            if command.medium not in (Recording.DIGITAL, Recording.PAPER):
                raise _refuse(conv, command, "unknown medium")
            revision = (conv.record.revision if conv.record else 0) + 1
            return (
                event(
                    ConversationEvent.RECORD_DRAFTED,
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
                raise _refuse(conv, command, f"{_a(role)} does not write this record")
            held_on = _held_day(conv, command, command.held_on, "held_on")
            revision = (conv.record.revision if conv.record else 0) + 1
            events = []
            if conv.state is not State.HELD:
                events.append(event(ConversationEvent.HELD, on=held_on.isoformat()))
                version += 1
            events.append(
                _event(
                    conv.id,
                    version,
                    ConversationEvent.RECORD_DRAFTED,
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
            if command.actor not in conv.confirming:
                raise _refuse(conv, command, f"{_a(role)} does not confirm this record")
            events = [event(ConversationEvent.RECORD_CONFIRMED, revision=command.revision)]
            if conv.confirmed_by | {command.actor} >= conv.confirming:
                events.append(
                    _event(
                        conv.id,
                        version + 1,
                        ConversationEvent.AGREED,
                        command,
                        now,
                        revision=command.revision,
                    )
                )
            return tuple(events)
        case AddDissent():
            text = _text(conv, command, command.text, "text")
            assert conv.record is not None
            return (
                event(
                    ConversationEvent.DISSENT_ADDED, text=text, about_revision=conv.record.revision
                ),
            )
        case AddPrivateNote():
            text = _text(conv, command, command.text, "text")
            return (event(ConversationEvent.PRIVATE_NOTE_ADDED, text=text),)
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
            return (event(ConversationEvent.RESPONSE_ADDED, about=command.about, text=text),)
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
                    ConversationEvent.AGREEMENT_UPDATED,
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
    return role is not None and str(role) == agreement.owner.value


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
