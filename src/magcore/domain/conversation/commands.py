"""The commands a conversation accepts: each one a person's intent, checked by :func:`decide`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import attrs

from ..._typing import to_tuple
from ...model.cycle import CycleDefinition, Recording
from ...model.input_choices import choice
from ...model.input_commands import check_command
from ...model.input_policy import (
    clean_answers,
    normalise,
    valid_id,
    valid_ids,
    valid_optional_id,
    valid_text,
)
from ...model.records import (
    Agreement,
    AgreementStatus,
    Participant,
    agreement_status,
)
from .state import (
    NotHeldReason,
)

__all__ = [
    "AddDissent",
    "AddPrivateNote",
    "AddResponse",
    "Cancel",
    "Command",
    "ConfirmRecord",
    "DraftRecord",
    "MarkHeld",
    "MarkNotHeld",
    "PublishPreparation",
    "RaiseTopic",
    "RegisterPaper",
    "RequestConversation",
    "Reschedule",
    "SavePreparation",
    "Schedule",
    "UpdateAgreement",
]


def _not_held_reason(value: NotHeldReason | str) -> NotHeldReason:
    return choice(NotHeldReason, value, "/reason")


def _recording(value: Recording | str) -> Recording:
    return choice(Recording, value, "/medium")


@attrs.frozen(kw_only=True)
class Command:
    """Something a person asks of a conversation. ``action`` names it in errors."""

    actor: str = attrs.field(validator=valid_id)
    action: str = attrs.field(init=False, default="act")

    def __attrs_post_init__(self) -> None:
        # The command as a whole: at most MAX_ITEMS per list, MAX_COMMAND_BYTES of texts.
        check_command(self)


@attrs.frozen(kw_only=True)
class RequestConversation(Command):
    """Start a conversation of *kind* under *cycle*; the actor must be an allowed initiator."""

    conversation_id: str = attrs.field(validator=valid_id)
    cycle: CycleDefinition
    kind: str = attrs.field(validator=valid_id)
    participants: tuple[Participant, ...] = attrs.field(converter=to_tuple)
    team: str | None = attrs.field(default=None, validator=valid_optional_id)
    themes: tuple[str, ...] = attrs.field(default=(), converter=to_tuple, validator=valid_ids)
    carried_forward: tuple[Agreement, ...] = attrs.field(default=(), converter=to_tuple)
    forms: Mapping[str, str] = attrs.field(factory=dict, hash=False)
    """The form versions the conversation keeps for its life, by use: ``{"preparation":
    "form-id@version", "record": ...}`` (the service fills it in from the installed forms)."""
    action: str = attrs.field(init=False, default="request")


@attrs.frozen(kw_only=True)
class Schedule(Command):
    on: datetime
    place: str = attrs.field(default="", converter=normalise, validator=valid_text)
    """Where it takes place (a room, an address, a video link); goes into the invitation."""
    minutes: int | None = None
    """How long it is planned to last (5 to 480); ``None`` takes the kind's duration."""
    action: str = attrs.field(init=False, default="schedule")


@attrs.frozen(kw_only=True)
class Reschedule(Command):
    on: datetime
    reason: str = attrs.field(default="", converter=normalise, validator=valid_text)
    place: str | None = attrs.field(
        default=None,
        converter=attrs.converters.optional(normalise),
        validator=attrs.validators.optional(valid_text),
    )
    """A new place, or ``None`` to keep the one given when scheduling."""
    minutes: int | None = None
    """A new duration, or ``None`` to keep the planned one."""
    action: str = attrs.field(init=False, default="reschedule")


@attrs.frozen(kw_only=True)
class SavePreparation(Command):
    answers: Mapping[str, Any] = attrs.field(factory=dict, hash=False, converter=clean_answers)
    action: str = attrs.field(init=False, default="save_preparation")


@attrs.frozen(kw_only=True)
class PublishPreparation(Command):
    """Publish one's preparation; *to* names the roles that may see it (empty: everyone in the
    conversation, once they published their own or the conversation was held). Published to
    named roles, it is shown to the people in them at once, and to nobody else in the
    conversation."""

    to: tuple[str, ...] = attrs.field(default=(), converter=to_tuple, validator=valid_ids)
    action: str = attrs.field(init=False, default="publish_preparation")


@attrs.frozen(kw_only=True)
class RaiseTopic(Command):
    text: str = attrs.field(converter=normalise, validator=valid_text)
    theme: str | None = attrs.field(default=None, validator=valid_optional_id)
    action: str = attrs.field(init=False, default="raise_topic")


@attrs.frozen(kw_only=True)
class MarkHeld(Command):
    on: date
    action: str = attrs.field(init=False, default="mark_held")


@attrs.frozen(kw_only=True)
class MarkNotHeld(Command):
    reason: NotHeldReason = attrs.field(default=NotHeldReason.OTHER, converter=_not_held_reason)
    action: str = attrs.field(init=False, default="mark_not_held")


@attrs.frozen(kw_only=True)
class Cancel(Command):
    reason: str = attrs.field(default="", converter=normalise, validator=valid_text)
    action: str = attrs.field(init=False, default="cancel")


@attrs.frozen(kw_only=True)
class DraftRecord(Command):
    """Write (a new revision of) the shared record; earlier confirmations no longer count."""

    summary: str = attrs.field(default="", converter=normalise, validator=valid_text)
    agreements: tuple[Agreement, ...] = attrs.field(default=(), converter=to_tuple)
    themes: tuple[str, ...] = attrs.field(default=(), converter=to_tuple, validator=valid_ids)
    answers: Mapping[str, Any] = attrs.field(factory=dict, hash=False, converter=clean_answers)
    medium: Recording = attrs.field(default=Recording.DIGITAL, converter=_recording)
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
    text: str = attrs.field(converter=normalise, validator=valid_text)
    action: str = attrs.field(init=False, default="add_dissent")


@attrs.frozen(kw_only=True)
class AddPrivateNote(Command):
    """A note for its author alone. The employee the conversation is about receives it when
    they ask for their data (AVG art. 15; EDPB guidelines 01/2022): tell whoever writes it."""

    text: str = attrs.field(converter=normalise, validator=valid_text)
    action: str = attrs.field(init=False, default="add_private_note")


@attrs.frozen(kw_only=True)
class AddResponse(Command):
    about: str = attrs.field(validator=valid_id)
    text: str = attrs.field(converter=normalise, validator=valid_text)
    action: str = attrs.field(init=False, default="add_response")


@attrs.frozen(kw_only=True)
class UpdateAgreement(Command):
    agreement_id: str = attrs.field(validator=valid_id)
    status: AgreementStatus = attrs.field(converter=agreement_status)
    note: str = attrs.field(default="", converter=normalise, validator=valid_text)
    action: str = attrs.field(init=False, default="update_agreement")
