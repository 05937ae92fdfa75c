"""Read models from committed events: pure functions that every back end shares.

A store keeps, next to the events, one :class:`~magcore.storage.base.ConversationRow` per
conversation and the :class:`~magcore.storage.base.AgreementRow` s of its current record, so that
lists and counts never replay streams. Every back end (memory, SQLite, PostgreSQL, a vendor's)
folds events through :func:`project`, so they all answer queries the same way. The fold mirrors
the state changes of :func:`magcore.domain.conversation.apply`; it keeps only what lists need, never
the content of preparations, records or notes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import attrs

from ..domain.conversation import State
from ..events import Event
from .base import AgreementRow, ConversationRow

__all__ = [
    "CONVERSATION_PREFIX",
    "REQUESTED",
    "ConversationView",
    "RequestedFields",
    "is_projected",
    "open_agreements",
    "project",
    "project_all",
    "requested_fields",
    "starts_conversation",
]

#: Streams whose events feed the conversation read models.
CONVERSATION_PREFIX = "conversation:"
#: The event type that starts a conversation (and its read model).
REQUESTED = "conversation.requested"
_CUT = len(CONVERSATION_PREFIX)

#: ``(id, cycle, kind, subject, team, participants, preparers)`` of a new conversation.
RequestedFields = tuple[str, str, str, str | None, str | None, tuple[str, ...], tuple[str, ...]]


@attrs.frozen(kw_only=True)
class ConversationView:
    """Everything the read models hold about one conversation, plus what the fold needs next.

    ``preparers`` and ``published`` decide when a scheduled conversation becomes prepared;
    ``agreements`` are the current record's agreements with their latest status, in record order.
    """

    row: ConversationRow
    preparers: tuple[str, ...] = ()
    published: tuple[str, ...] = ()
    agreements: tuple[AgreementRow, ...] = ()


def is_projected(stream: str) -> bool:
    """Whether events of *stream* feed the read models (conversation streams do)."""
    return stream.startswith(CONVERSATION_PREFIX)


def _day(value: Any) -> date | None:
    if not value:
        return None
    text = str(value)
    if "T" in text or " " in text or len(text) > 10:
        return datetime.fromisoformat(text).date()
    return date.fromisoformat(text)


def starts_conversation(expected_version: int, events: Sequence[Event]) -> bool:
    """Whether a write of *events* at *expected_version* is exactly one new conversation.

    That is the bulk case (a planning run requests thousands at once). Its read model is
    :func:`requested_fields` of the one event, in state ``requested`` at version 1, with nobody
    published and no agreements: the same as :func:`project` gives, without building a view.
    """
    return (
        expected_version == 0
        and len(events) == 1
        and events[0].type == REQUESTED
        and events[0].stream.startswith(CONVERSATION_PREFIX)
    )


def requested_fields(event: Event) -> RequestedFields:
    """What a ``conversation.requested`` event puts in the read model, as a plain tuple.

    The state is ``requested``, ``requested_on`` is the event's date and the version is the
    event's; these are not repeated here.
    """
    data = event.data
    subject = None
    participants = []
    for p in data.get("participants", ()):
        person = p["person"]
        participants.append(person)
        if subject is None and p.get("role") == "employee":
            subject = person
    return (
        event.stream[_CUT:],
        str(data.get("cycle", "")),
        str(data.get("kind", "")),
        subject,
        data.get("team"),
        tuple(participants),
        tuple(data.get("preparers", ())),
    )


def _requested(event: Event) -> ConversationView:
    conv_id, cycle, kind, subject, team, participants, preparers = requested_fields(event)
    row = ConversationRow(
        id=conv_id,
        cycle=cycle,
        kind=kind,
        state=State.REQUESTED.value,
        subject=subject,
        team=team,
        participants=participants,
        requested_on=event.at.date(),
        scheduled_on=None,
        held_on=None,
        medium=None,
        version=event.version,
    )
    return ConversationView(row=row, preparers=preparers)


def _prepared_if_ready(view: ConversationView) -> ConversationView:
    if view.row.state == State.SCHEDULED.value and set(view.preparers) <= set(view.published):
        return attrs.evolve(view, row=attrs.evolve(view.row, state=State.PREPARED.value))
    return view


def _agreements(view: ConversationView, event: Event) -> tuple[AgreementRow, ...]:
    earlier = {a.agreement: a.status for a in view.agreements}
    made_on = view.row.held_on or event.at.date()
    rows = []
    for item in event.data.get("agreements", ()):
        agreement_id = str(item["id"])
        rows.append(
            AgreementRow(
                conversation=view.row.id,
                agreement=agreement_id,
                subject=view.row.subject,
                owner=str(item.get("owner", "")),
                status=earlier.get(agreement_id, str(item.get("status", "open"))),
                due=_day(item.get("due")),
                made_on=made_on,
            )
        )
    return tuple(rows)


def _with_state(view: ConversationView, state: State, **changes: Any) -> ConversationView:
    return attrs.evolve(view, row=attrs.evolve(view.row, state=state.value, **changes))


def project(view: ConversationView | None, event: Event) -> ConversationView | None:
    """Fold one committed *event* into *view* (``None`` before the conversation's first event).

    Returns ``None`` while the stream has not started with ``conversation.requested`` (such a
    stream has no read model). Event types the read models do not use only move the version on.
    """
    if not is_projected(event.stream):
        return view
    if view is None:
        return _requested(event) if event.type == REQUESTED else None
    view = attrs.evolve(view, row=attrs.evolve(view.row, version=event.version))
    data: Mapping[str, Any] = event.data
    match event.type:
        case "conversation.scheduled":
            view = _with_state(view, State.SCHEDULED, scheduled_on=_day(data.get("on")))
            return _prepared_if_ready(view)
        case "conversation.rescheduled":
            return attrs.evolve(view, row=attrs.evolve(view.row, scheduled_on=_day(data.get("on"))))
        case "preparation.published":
            published = tuple(sorted({*view.published, event.actor}))
            return _prepared_if_ready(attrs.evolve(view, published=published))
        case "conversation.held":
            return _with_state(view, State.HELD, held_on=_day(data.get("on")))
        case "conversation.not_held":
            return _with_state(view, State.NOT_HELD)
        case "conversation.cancelled":
            return _with_state(view, State.CANCELLED)
        case "record.drafted":
            view = attrs.evolve(view, agreements=_agreements(view, event))
            return _with_state(view, State.RECORD_DRAFTED, medium=data.get("medium", "digital"))
        case "conversation.agreed":
            return _with_state(view, State.AGREED)
        case "stream.destroyed":  # erased: its agreements are neither listed nor carried
            return attrs.evolve(view, agreements=())
        case "agreement.updated":
            target, status = str(data.get("agreement")), str(data.get("status"))
            agreements = tuple(
                attrs.evolve(a, status=status) if a.agreement == target else a
                for a in view.agreements
            )
            return attrs.evolve(view, agreements=agreements)
    return view


def project_all(view: ConversationView | None, events: Iterable[Event]) -> ConversationView | None:
    """Fold *events* into *view* in order."""
    for event in events:
        view = project(view, event)
    return view


def open_agreements(view: ConversationView) -> tuple[AgreementRow, ...]:
    """The agreements of *view* that count as open: still open, from an agreed conversation."""
    if view.row.state != State.AGREED.value:
        return ()
    return tuple(a for a in view.agreements if a.status == "open")
