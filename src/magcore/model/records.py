"""The values inside a conversation: participants, preparations, records, agreements, notes.

None of them has a score, rating, grade or rank field, and a test keeps it that way.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import attrs

from .cycle import Recording
from .input_choices import choice
from .input_policy import (
    normalise,
    valid_id,
    valid_ids,
    valid_json,
    valid_optional_id,
    valid_text,
)
from .parties import as_role

__all__ = [
    "Agreement",
    "AgreementOwner",
    "AgreementStatus",
    "Dissent",
    "Participant",
    "Preparation",
    "PrivateNote",
    "RecordRevision",
    "Response",
    "Topic",
    "agreement_reference",
    "agreement_status",
    "split_agreement_reference",
]


def agreement_reference(conversation_id: str, agreement_id: str) -> str:
    """How an agreement is named outside its own conversation: ``<conversation>#<agreement>``
    (a carried copy's ``carried_from``, a goal's ``agreement``).

    >>> agreement_reference("c-2025-1", "a1")
    'c-2025-1#a1'
    """
    return f"{conversation_id}#{agreement_id}"


def split_agreement_reference(reference: str) -> tuple[str, str]:
    """``(conversation, agreement)`` of an :func:`agreement_reference`, split at the first
    ``#`` (an agreement carried twice keeps its own ``#``); the agreement is ``""`` when
    there is no ``#``.

    >>> split_agreement_reference("c-2026-1#c-2025-1#a1")
    ('c-2026-1', 'c-2025-1#a1')
    """
    conversation, _, agreement = reference.partition("#")
    return conversation, agreement


@attrs.frozen
class Participant:
    """A person taking part in one conversation, in one role."""

    person: str = attrs.field(validator=valid_id)
    role: str = attrs.field(converter=as_role)
    """The party's role: a :class:`~magcore.model.cycle.ParticipantRole` or a registered one."""


@attrs.frozen(kw_only=True)
class Preparation:
    """What one participant prepared. Private to its author until published.

    ``shown_to`` names the roles the author published it to (the author's own choice, e.g. the
    coach only); empty means every participant, under the blind-until-published rule.
    """

    author: str = attrs.field(validator=valid_id)
    answers: Mapping[str, Any] = attrs.field(factory=dict, hash=False, validator=valid_json)
    published_at: datetime | None = None
    shown_to: tuple[str, ...] = ()

    @property
    def published(self) -> bool:
        return self.published_at is not None


@attrs.frozen(kw_only=True)
class Topic:
    """A topic one participant wants to talk about (both sides may raise topics)."""

    author: str = attrs.field(validator=valid_id)
    text: str = attrs.field(converter=normalise, validator=valid_text)
    theme: str | None = attrs.field(default=None, validator=valid_optional_id)


class AgreementStatus(enum.StrEnum):
    """Where an agreement stands. Never a judgement of how well it went."""

    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


class AgreementOwner(enum.StrEnum):
    """Who takes an agreement on: one side, or both (all participants)."""

    EMPLOYEE = "employee"
    MANAGER = "manager"
    PEER = "peer"
    COACH = "coach"
    TEAM = "team"
    BOTH = "both"


def _agreement_owner(value: AgreementOwner | str) -> AgreementOwner:
    return choice(AgreementOwner, value, "/owner")


def agreement_status(value: AgreementStatus | str) -> AgreementStatus:
    """*value* as an agreement's status (the attrs converter of ``status`` fields): anything
    else is an :class:`~magcore.errors.InputRefused` naming ``/status``."""
    return choice(AgreementStatus, value, "/status")


@attrs.frozen(kw_only=True)
class Agreement:
    """An agreement (afspraak): who does what, optionally by when. Open ones carry forward."""

    id: str = attrs.field(validator=valid_id)
    text: str = attrs.field(converter=normalise, validator=valid_text)
    owner: AgreementOwner = attrs.field(converter=_agreement_owner)
    due: date | None = None
    theme: str | None = attrs.field(default=None, validator=valid_optional_id)
    status: AgreementStatus = attrs.field(default=AgreementStatus.OPEN, converter=agreement_status)
    carried_from: str | None = attrs.field(default=None, validator=valid_optional_id)
    """``conversation-id#agreement-id`` of the agreement this one continues, if any."""


@attrs.frozen(kw_only=True)
class RecordRevision:
    """One revision of the shared record of a conversation.

    ``medium`` says whether it was recorded digitally or on paper; a paper registration may have
    no content at all (``content_on_paper=True``): the agreements live on the signed paper form.
    """

    revision: int
    author: str = attrs.field(validator=valid_id)
    at: datetime
    summary: str = attrs.field(default="", converter=normalise, validator=valid_text)
    agreements: tuple[Agreement, ...] = ()
    themes: tuple[str, ...] = attrs.field(default=(), validator=valid_ids)
    answers: Mapping[str, Any] = attrs.field(factory=dict, hash=False, validator=valid_json)
    medium: Recording = attrs.field(default=Recording.DIGITAL, converter=Recording)
    content_on_paper: bool = False


@attrs.frozen(kw_only=True)
class Dissent:
    """A participant's note of disagreement with the record. Never blocks; never erased."""

    author: str = attrs.field(validator=valid_id)
    text: str = attrs.field(converter=normalise, validator=valid_text)
    at: datetime
    about_revision: int


@attrs.frozen(kw_only=True)
class PrivateNote:
    """A note its author declared private: visible to the author alone."""

    author: str = attrs.field(validator=valid_id)
    text: str = attrs.field(converter=normalise, validator=valid_text)
    at: datetime


@attrs.frozen(kw_only=True)
class Response:
    """The employee's own view (zienswijze) next to something written about them."""

    author: str = attrs.field(validator=valid_id)
    about: str = attrs.field(validator=valid_id)
    """What it answers: ``record``, ``preparation:<who>``, ``agreement:<id>``, ``dissent:<n>``."""
    text: str = attrs.field(converter=normalise, validator=valid_text)
    at: datetime
