"""Closing a team agreement from the team conversation it was carried into.

Why: a self-steering team's open agreements come back in its next team conversation, where the
team marks them done or dropped. Someone who joined the team after the agreement was made did
not take part where it was agreed, so the ordinary rule (only participants of a conversation
update its agreements) would keep them out of their own team's list.

The rule: in a team conversation, any participant may mark a *team* agreement carried into it
done or dropped, when it comes from an earlier conversation of the same team. The update is an
``agreement.updated`` event on the conversation where the agreement was agreed (that is where
its status lives), naming the conversation it was closed from (``via``).
"""

from __future__ import annotations

from datetime import datetime

from ...errors import TransitionError
from ...events import Event
from ...model.records import AgreementOwner, split_agreement_reference
from .commands import UpdateAgreement
from .decide import check_taking_part
from .state import Conversation, ConversationEvent, State, stream_of

__all__ = ["carried_agreement_origin", "decide_carried_update"]


def _refuse(conv: Conversation, reason: str) -> TransitionError:
    return TransitionError(
        conversation_id=conv.id, state=conv.state.value, action="update_agreement", reason=reason
    )


def carried_agreement_origin(
    carrier: Conversation, agreement_id: str, *, actor: str | None = None
) -> str:
    """The conversation the agreement *agreement_id* carried into *carrier* was agreed in.
    Asked for *actor*, it is refused first when they do not take part in *carrier* (someone
    outside it learns nothing of it)."""
    if actor is not None:
        check_taking_part(carrier, actor, "update_agreement")
    carried = next((a for a in carrier.carried_forward if a.id == agreement_id), None)
    if carried is None or not carried.carried_from:
        raise _refuse(carrier, f"no agreement {agreement_id!r} was carried into this conversation")
    return split_agreement_reference(carried.carried_from)[0]


def decide_carried_update(
    origin: Conversation, carrier: Conversation, command: UpdateAgreement, *, now: datetime
) -> tuple[Event, ...]:
    """The event that marks a team agreement carried into *carrier* done or dropped on
    *origin*, where it was agreed; refused unless the rule above holds."""
    check_taking_part(carrier, command.actor, command.action)
    carried = next((a for a in carrier.carried_forward if a.id == command.agreement_id), None)
    if carried is None or not carried.carried_from:
        raise _refuse(
            carrier, f"no agreement {command.agreement_id!r} was carried into this conversation"
        )
    source, agreement_id = split_agreement_reference(carried.carried_from)
    if source != origin.id:
        raise _refuse(carrier, f"agreement {command.agreement_id} comes from {source}")
    if carrier.state is State.CANCELLED:
        raise _refuse(carrier, "the conversation was cancelled")
    if not carrier.is_participant(command.actor):
        raise _refuse(carrier, f"{command.actor} does not take part in this conversation")
    if carrier.team is None or carrier.subject is not None or carrier.team != origin.team:
        raise _refuse(
            carrier,
            "only a team conversation closes an agreement carried into it, and only one of "
            "its own team's",
        )
    agreement = next((a for a in origin.agreements if a.id == agreement_id), None)
    if agreement is None:
        raise _refuse(origin, f"there is no agreement {agreement_id!r}")
    if agreement.owner is not AgreementOwner.TEAM:
        raise _refuse(
            carrier,
            f"agreement {command.agreement_id} belongs to the {agreement.owner.value}: "
            "only they mark it done or dropped",
        )
    return (
        Event(
            stream=stream_of(origin.id),
            version=origin.version + 1,
            type=ConversationEvent.AGREEMENT_UPDATED,
            at=now,
            actor=command.actor,
            data={
                "agreement": agreement_id,
                "status": command.status.value,
                "note": command.note,
                "via": carrier.id,
            },
        ),
    )
