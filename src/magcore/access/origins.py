"""Where carried agreements come from, as the events say.

An agreement carried forward into a later conversation is a copy: who may read it, and how
sensitive it is, is decided by the conversation it was agreed in (its *origin*), never by the
conversation that carries it. :func:`origins_of` folds each origin's ``conversation.requested``
event (participants, subject, team, kind and cycle are in clear there and never change) and
gives, per origin, who took part and whether its kind is special-category under its own cycle's
policy. Nothing is taken from the read-model tables: they are not authenticated, and a row
edited in the database must not decide who reads what (the audit chain covers the events).
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from ..domain.conversation import Conversation, ConversationEvent, replay, stream_of
from ..errors import MagcoreError
from ..model.records import split_agreement_reference
from ..storage.base import Store
from ..storage.streaming import read_stream
from .content import ContentStore
from .policy import ReadPolicy

__all__ = ["Origin", "origin_of", "origins_of", "requested", "took_part"]


@attrs.frozen(kw_only=True)
class Origin:
    """The conversation a carried agreement was agreed in, as its first event says."""

    id: str
    subject: str | None
    team: str | None
    people: frozenset[str]
    kind: str
    special_kind: bool
    """Whether the origin's kind is special-category as a whole under its own cycle."""
    special_themes: frozenset[str]
    """The special-category themes of the origin's cycle."""


def requested(store: Store, conversation_id: str) -> Conversation | None:
    """The conversation *conversation_id* as its ``conversation.requested`` event made it (who
    takes part, about whom, which kind and cycle), or ``None`` when its stream does not start
    with one (unknown, or replaced by a tombstone in a store without keys)."""
    # Only metadata is needed (in clear): the events as stored, nothing decrypted.
    stored = store.inner if isinstance(store, ContentStore) else store
    first = next(iter(read_stream(stored, stream_of(conversation_id), upto=1)), None)
    if first is None or first.type != ConversationEvent.REQUESTED:
        return None
    try:
        return replay((first,))
    except (ValueError, KeyError, TypeError, MagcoreError):
        return None


def origin_of(
    store: Store, conversation_id: str, policy_for: Callable[[str], ReadPolicy]
) -> Origin | None:
    """The :class:`Origin` *conversation_id* is, or ``None`` when its events do not say."""
    conv = requested(store, conversation_id)
    if conv is None:
        return None
    policy = policy_for(conv.cycle)
    return Origin(
        id=conv.id,
        subject=conv.subject,
        team=conv.team,
        people=frozenset(p.person for p in conv.participants),
        kind=conv.kind,
        special_kind=conv.kind in policy.special_kinds,
        special_themes=frozenset(policy.special_themes),
    )


def origins_of(
    store: Store, conv: Conversation, policy_for: Callable[[str], ReadPolicy]
) -> dict[str, Origin | None]:
    """The origin of every agreement carried into *conv*, by conversation id (``None`` for one
    whose events do not say what it was)."""
    ids = {
        split_agreement_reference(a.carried_from)[0] for a in conv.carried_forward if a.carried_from
    }
    policies: dict[str, ReadPolicy] = {}

    def once(cycle: str) -> ReadPolicy:  # the origins mostly share one cycle
        if cycle not in policies:
            policies[cycle] = policy_for(cycle)
        return policies[cycle]

    return {i: origin_of(store, i, once) for i in sorted(ids)}


def took_part(conv: Conversation, origins: dict[str, Origin | None]) -> dict[str, frozenset[str]]:
    """Who took part in the conversations *conv*'s carried agreements come from, as far as the
    origin is about the same employee as *conv* (as both conversations' events say). For a team
    conversation, the same team's earlier team conversations (no subject: the agreements are
    the team's) count the people taking part in *conv* too: the team as it is now."""
    if conv.subject is None:
        if conv.team is None:
            return {}
        now = frozenset(p.person for p in conv.participants)
        return {
            i: o.people | now
            for i, o in origins.items()
            if o is not None and o.subject is None and o.team == conv.team
        }
    return {i: o.people for i, o in origins.items() if o is not None and o.subject == conv.subject}
