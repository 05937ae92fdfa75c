"""The read-model rows of a conversation, made from its state after each command.

The lists (who had which conversation when, open agreements to carry forward, participation
statistics, planning) read rows that hold no content. They are made here, from the
:class:`~magcore.domain.conversation.Conversation` the command handler holds anyway, so no
store has to fold events a second time.
"""

from __future__ import annotations

import attrs

from ...read_models import AgreementRow, ConversationRow, ReadModel
from .state import Conversation

__all__ = ["DESTROYED", "destroyed_read_model", "read_model"]


def read_model(conv: Conversation) -> ReadModel:
    """The conversation's row and the agreements of its current record, as lists read them.

    ``scheduled_on`` is the date of the planned moment as it was given (its own time zone);
    an agreement was made on the day the conversation was held, or else the day its record
    was written; its status is the latest one.
    """
    record = conv.record
    row = ConversationRow(
        id=conv.id,
        cycle=conv.cycle,
        kind=conv.kind,
        state=conv.state.value,
        subject=conv.subject,
        team=conv.team,
        participants=conv.people,
        requested_on=conv.requested_at.date(),
        scheduled_on=conv.scheduled_for.date() if conv.scheduled_for is not None else None,
        held_on=conv.held_on,
        medium=record.medium if record is not None else None,
        version=conv.version,
    )
    if record is None:
        return ReadModel(conversation=row)
    made_on = conv.held_on or record.at.date()
    agreements = tuple(
        AgreementRow(
            conversation=conv.id,
            agreement=a.id,
            subject=conv.subject,
            owner=a.owner.value,
            status=a.status.value,
            due=a.due,
            made_on=made_on,
        )
        for a in conv.agreements
    )
    return ReadModel(conversation=row, agreements=agreements)


#: The state the row of a destroyed conversation shows (a row's state only: the stream's
#: tombstone is what the conversation is now).
DESTROYED = "destroyed"


def destroyed_read_model(conv: Conversation, version: int) -> ReadModel:
    """What remains listed of a destroyed conversation: its content-free row at *version*, in
    state :data:`DESTROYED` (a conversation destroyed while it was planned is no longer shown
    as planned, nor one destroyed after it was agreed as agreed: neither can be read), with its
    participants and days (participation statistics keep counting it), and no agreements
    (nothing destroyed is listed or carried forward)."""
    row = read_model(conv).conversation
    return ReadModel(conversation=attrs.evolve(row, version=version, state=DESTROYED))
