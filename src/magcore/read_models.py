"""The read-model rows: what lists, counts and planning read, never a conversation's content.

The domain makes them from the state it holds after each command
(:func:`magcore.domain.conversation.read_model`), a :class:`~magcore.storage.base.StreamWrite`
carries them, and every store upserts them as they are: no store interprets events. A
module of the base layer, so that both the domain (which makes rows) and storage (which keeps
them) can use it without knowing each other.
"""

from __future__ import annotations

from datetime import date, datetime

import attrs

from ._typing import to_tuple

__all__ = ["AgreementRow", "ConversationRow", "PersonRows", "ReadModel", "SharingChoiceRow"]


@attrs.frozen(kw_only=True)
class ConversationRow:
    """The read model of one conversation: enough to list and count, never its content."""

    id: str
    cycle: str
    kind: str
    state: str
    subject: str | None
    team: str | None
    participants: tuple[str, ...]
    requested_on: date
    scheduled_on: date | None
    held_on: date | None
    medium: str | None
    version: int


@attrs.frozen(kw_only=True)
class AgreementRow:
    """The read model of one agreement: whose it is, its status, where it was made."""

    conversation: str
    agreement: str
    subject: str | None
    owner: str
    status: str
    due: date | None
    made_on: date | None


@attrs.frozen(kw_only=True)
class ReadModel:
    """The rows of one conversation after a write: its row and its current agreements.

    A store replaces what it holds about ``conversation.id`` by these rows: the conversation row
    is inserted or updated, and the conversation's agreements become exactly ``agreements``.
    """

    conversation: ConversationRow
    agreements: tuple[AgreementRow, ...] = attrs.field(default=(), converter=to_tuple)


@attrs.frozen(kw_only=True)
class SharingChoiceRow:
    """One sharing choice as the guarded listing's index keeps it (no content)."""

    choice: int
    subject: str
    grantee: str
    what: str
    purpose: str
    granted_at: datetime
    until: date | None = None
    conversation: str | None = None
    revoked_at: datetime | None = None


@attrs.frozen(kw_only=True)
class PersonRows:
    """The listing-index rows of one person after a write to ``person:<id>``: every sharing
    choice they made (revoked ones with their revocation time) and the AVG art. 18
    restrictions that hold (``None``: the whole record). A store replaces what it holds about
    ``subject`` by these rows, made by the domain (:func:`magcore.domain.sharing.listing_rows`).
    """

    subject: str
    choices: tuple[SharingChoiceRow, ...] = attrs.field(default=(), converter=to_tuple)
    restricted: tuple[str | None, ...] = attrs.field(default=(), converter=to_tuple)
