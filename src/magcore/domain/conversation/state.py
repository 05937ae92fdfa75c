"""The conversation's state: its lifecycle states, the aggregate and how events change it."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

import attrs

from ...events import Event, thaw
from ...model.records import (
    Agreement,
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
    "CONVERSATION_STREAM",
    "FINAL_STATES",
    "HELD_STATES",
    "OPEN_STATES",
    "Conversation",
    "ConversationEvent",
    "NotHeldReason",
    "State",
    "apply",
    "replay",
    "stream_of",
    "subject_of",
]


class ConversationEvent(enum.StrEnum):
    """The event types of a conversation's stream ``conversation:<id>``."""

    REQUESTED = "conversation.requested"
    SCHEDULED = "conversation.scheduled"
    RESCHEDULED = "conversation.rescheduled"
    PREPARATION_SAVED = "preparation.saved"
    PREPARATION_PUBLISHED = "preparation.published"
    TOPIC_RAISED = "topic.raised"
    HELD = "conversation.held"
    NOT_HELD = "conversation.not_held"
    CANCELLED = "conversation.cancelled"
    RECORD_DRAFTED = "record.drafted"
    RECORD_CONFIRMED = "record.confirmed"
    AGREED = "conversation.agreed"
    DISSENT_ADDED = "dissent.added"
    PRIVATE_NOTE_ADDED = "note.private_added"
    RESPONSE_ADDED = "response.added"
    AGREEMENT_UPDATED = "agreement.updated"


CONVERSATION_STREAM = "conversation"


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
    return f"{CONVERSATION_STREAM}:{conversation_id}"


def _frozen_map(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


@attrs.frozen(kw_only=True)
class Conversation:
    """The state of one conversation, rebuilt from its events. Never holds a score."""

    id: str
    cycle: str
    """``cycle-id@version``: the definition version the conversation started under."""
    kind: str
    pattern: str
    """The kind's old pattern name, or ``parties`` for a kind given by its party list."""
    participants: tuple[Participant, ...]
    preparers: tuple[str, ...]
    recorders: tuple[str, ...]
    """Who may write the shared record."""
    confirmers: tuple[str, ...] = ()
    """Who confirms the record: every required party, and optional ones that confirm. Empty
    means everyone (conversations requested before parties were data)."""
    subject: str | None
    team: str | None
    initiator: str
    state: State
    version: int
    requested_at: datetime
    scheduled_for: datetime | None = None
    place: str = ""
    """Where the conversation takes place, as given when scheduling (empty: not said)."""
    duration_minutes: int | None = None
    """How long it is planned to last, as given when scheduling (``None``: the kind's default)."""
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
    forms: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_map, hash=False)
    """The form versions (``id@version``) kept for the conversation's life, by use
    (``preparation``, ``record``); empty for conversations started before versions were kept."""

    @property
    def people(self) -> tuple[str, ...]:
        return tuple(p.person for p in self.participants)

    @property
    def confirming(self) -> frozenset[str]:
        """The people whose confirmation makes the record agreed."""
        return frozenset(self.confirmers or self.people)

    def role_of(self, person: str) -> str | None:
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
        if event.type != ConversationEvent.REQUESTED:
            raise ValueError(f"a conversation starts with conversation.requested, not {event.type}")
        return Conversation(
            id=event.stream.partition(":")[2],
            cycle=data["cycle"],
            kind=data["kind"],
            pattern=str(data["pattern"]),
            participants=tuple(Participant(p["person"], p["role"]) for p in data["participants"]),
            preparers=tuple(data["preparers"]),
            recorders=tuple(data.get("recorders", [p["person"] for p in data["participants"]])),
            confirmers=tuple(data.get("confirmers", ())),
            subject=subject_of(data),
            team=data.get("team"),
            initiator=event.actor,
            state=State.REQUESTED,
            version=event.version,
            requested_at=event.at,
            themes=tuple(data.get("themes", ())),
            carried_forward=tuple(_agreement_from(a) for a in data.get("carried_forward", ())),
            forms=data.get("forms", {}),
        )
    if event.version != conv.version + 1:
        raise ValueError(f"event version {event.version} does not follow {conv.version}")
    conv = attrs.evolve(conv, version=event.version)
    match event.type:
        case ConversationEvent.SCHEDULED:
            conv = attrs.evolve(
                conv,
                state=State.SCHEDULED,
                scheduled_for=datetime.fromisoformat(data["on"]),
                place=str(data.get("place", "")),
                duration_minutes=data.get("minutes"),
            )
            return attrs.evolve(conv, state=_after_preparation(conv))
        case ConversationEvent.RESCHEDULED:
            return attrs.evolve(
                conv,
                scheduled_for=datetime.fromisoformat(data["on"]),
                reschedules=conv.reschedules + 1,
                place=str(data.get("place", conv.place)),
                duration_minutes=data.get("minutes", conv.duration_minutes),
            )
        case ConversationEvent.PREPARATION_SAVED:
            preparations = dict(conv.preparations)
            preparations[event.actor] = Preparation(author=event.actor, answers=data["answers"])
            return attrs.evolve(conv, preparations=preparations)
        case ConversationEvent.PREPARATION_PUBLISHED:
            preparations = dict(conv.preparations)
            existing = preparations.get(event.actor) or Preparation(author=event.actor)
            preparations[event.actor] = attrs.evolve(
                existing, published_at=event.at, shown_to=tuple(data.get("to", ()))
            )
            conv = attrs.evolve(conv, preparations=preparations)
            return attrs.evolve(conv, state=_after_preparation(conv))
        case ConversationEvent.TOPIC_RAISED:
            topic = Topic(author=event.actor, text=data["text"], theme=data.get("theme"))
            return attrs.evolve(conv, topics=(*conv.topics, topic))
        case ConversationEvent.HELD:
            return attrs.evolve(conv, state=State.HELD, held_on=date.fromisoformat(data["on"]))
        case ConversationEvent.NOT_HELD:
            return attrs.evolve(
                conv, state=State.NOT_HELD, not_held_reason=NotHeldReason(data["reason"])
            )
        case ConversationEvent.CANCELLED:
            return attrs.evolve(conv, state=State.CANCELLED)
        case ConversationEvent.RECORD_DRAFTED:
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
        case ConversationEvent.RECORD_CONFIRMED:
            confirmations = dict(conv.confirmations)
            confirmations[event.actor] = data["revision"]
            return attrs.evolve(conv, confirmations=confirmations)
        case ConversationEvent.AGREED:
            return attrs.evolve(conv, state=State.AGREED)
        case ConversationEvent.DISSENT_ADDED:
            dissent = Dissent(
                author=event.actor,
                text=data["text"],
                at=event.at,
                about_revision=data["about_revision"],
            )
            return attrs.evolve(conv, dissents=(*conv.dissents, dissent))
        case ConversationEvent.PRIVATE_NOTE_ADDED:
            note = PrivateNote(author=event.actor, text=data["text"], at=event.at)
            return attrs.evolve(conv, private_notes=(*conv.private_notes, note))
        case ConversationEvent.RESPONSE_ADDED:
            response = Response(
                author=event.actor, about=data["about"], text=data["text"], at=event.at
            )
            return attrs.evolve(conv, responses=(*conv.responses, response))
        case ConversationEvent.AGREEMENT_UPDATED:
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


def subject_of(data: Mapping[str, Any]) -> str | None:
    """Whom a conversation is about, from its ``conversation.requested`` event's data: the
    participant in the employee role (``None`` for a team conversation). Erasure finds a
    person's conversations with it, as the fold does."""
    participants = data.get("participants")
    if not isinstance(participants, list | tuple):
        return None
    for p in participants:
        if isinstance(p, Mapping) and p.get("role") == "employee":
            person = p.get("person")
            return person if isinstance(person, str) else None
    return None
