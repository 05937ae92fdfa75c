"""Where carried agreements come from, as the events say.

An agreement carried forward into a later conversation is a copy: who may read it, and how
sensitive it is, is decided by the conversation it was agreed in (its *origin*), never by the
conversation that carries it. :func:`origins_of` folds each origin's ``conversation.requested``
event (participants, subject, team, kind and cycle are in clear there and never change) and
gives, per origin, who took part and whether its kind is special-category under its own cycle's
policy. Nothing is taken from the read-model tables: they are not authenticated, and a row
edited in the database must not decide who reads what (the audit chain covers the events).

The same rule holds for what a goal, or an agreement's status note, discloses
(:func:`goal_disclosure`, :func:`agreement_disclosure`): it is decided under what its origin
makes it, as the events say: the goal's own theme (its ``goal.set`` event), the kind, the
cycle's policy and the restriction of every conversation it comes from (the one it was agreed
in, the one its agreement was written in, those its progress notes were written in), and for
an agreement's note the agreement's theme and where it was carried from. An origin the events
do not describe counts as special-category.

A goal is its owner's: only a conversation about the owner (:func:`about`) makes it anything.
A conversation its ``goal.set`` names (agreed in, its agreement's) that is not shown to be about
the owner counts as one the events do not describe (special-category, the same reason whether
it exists or not); one a progress note names that is not about the owner is left out, its kind
and its restriction too: a collaborator's note never closes the owner's goal to the owner or to
whom the owner chose, and answers nothing about someone else's conversation.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping

import attrs

from ..domain.conversation import Conversation, ConversationEvent, replay, stream_of
from ..domain.goals import GoalEvent
from ..domain.sharing import person_stream, restrictions
from ..errors import MagcoreError
from ..events import Event
from ..model.records import split_agreement_reference
from ..storage.base import Store
from ..storage.streaming import read_stream, read_stream_data
from .content import ContentStore
from .policy import DESTROYED_EVENT, ReadPolicy, stricter

__all__ = [
    "Disclosure",
    "Origin",
    "about",
    "about_person",
    "agreement_disclosure",
    "cancelled_or_destroyed",
    "destroyed",
    "goal_disclosure",
    "origin_of",
    "origins_of",
    "requested",
    "took_part",
]


@attrs.frozen(kw_only=True)
class Origin:
    """The conversation a carried agreement was agreed in, as its first event says."""

    id: str
    subject: str | None
    team: str | None
    people: frozenset[str]
    kind: str
    cycle: str
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


def destroyed(store: Store, conversation_id: str) -> bool:
    """Whether conversation *conversation_id* was destroyed (its stream ends with its
    tombstone), as stored: nothing decrypted, and only its last event read."""
    stored = store.inner if isinstance(store, ContentStore) else store
    stream = stream_of(conversation_id)
    version = stored.version(stream)
    if version == 0:
        return False
    last = next(iter(read_stream_data(stored, stream, after=version - 1)), None)
    return last is not None and last[1] == DESTROYED_EVENT


def cancelled_or_destroyed(store: Store, conversation_id: str) -> bool:
    """Whether conversation *conversation_id* was cancelled (a ``conversation.cancelled``
    event) or destroyed (its stream ends with its tombstone: retention or erasure), as stored:
    the events' types only, nothing decrypted. Neither can be named by a new link: a cancelled
    conversation never took place, and a destroyed one's content is gone (a link would make a
    new reference to erased data)."""
    stored = store.inner if isinstance(store, ContentStore) else store
    types = [event[1] for event in read_stream_data(stored, stream_of(conversation_id))]
    return bool(types) and (types[-1] == DESTROYED_EVENT or ConversationEvent.CANCELLED in types)


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
        cycle=conv.cycle,
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


@attrs.frozen(kw_only=True)
class Disclosure:
    """What a goal, or an agreement's status note, is as its origins make it (as the events
    say): the policy it is decided under, whose it is, where it was agreed, and whether it is
    special-category or restricted."""

    policy: ReadPolicy
    """The policy of every cycle it comes from, each made stricter by the next."""
    subject: str | None
    """Whose it is: the goal's owner, the employee the conversation is about."""
    conversation: str | None
    """The conversation it was agreed in (a sharing choice for one conversation covers it)."""
    theme: str | None
    special: str | None = None
    """Why it is special-category, for the audit line; ``None`` when it is not."""
    restricted: bool = False
    """Whether it is restricted (AVG art. 18): all its subject's records, or a conversation it
    comes from, restricted by its subject or by the employee that conversation is about."""


def goal_disclosure(
    store: Store, events: Iterable[Event], policy_for: Callable[[str], ReadPolicy], base: ReadPolicy
) -> Disclosure:
    """The :class:`Disclosure` of a goal whose stream holds *events*: its own theme (its
    ``goal.set`` event), the cycle it names, and the conversations it comes from (agreed in,
    its agreement's, its progress notes'); *base* is the policy where no cycle says more."""
    events = tuple(events)
    first = next((e for e in events if e.type == GoalEvent.SET), None)
    data: Mapping[str, object] = first.data if first is not None else {}
    owner, theme, agreed_in = (_text(data.get(key)) for key in ("owner", "theme", "agreed_in"))
    named = {c for c in (agreed_in, _conversation_of(data.get("agreement"))) if c is not None}
    noted = {
        c
        for e in events
        if e.type == GoalEvent.PROGRESS_NOTED and (c := _text(e.data.get("conversation")))
    }
    origins: dict[str, Origin | None] = {}
    for ident in sorted(named | noted):
        origin = origin_of(store, ident, policy_for)
        if origin is not None and owner is not None and about(origin.subject, origin.people, owner):
            origins[ident] = origin
        elif ident in named:  # not shown to be the owner's: as if the events did not say
            origins[ident] = None
        # a note's conversation that is not about the owner makes the goal nothing
    cycle = _text(data.get("cycle"))
    if cycle is not None:  # the cycle declaring the goal's link: its special themes count
        base = stricter(base, policy_for(cycle))
    return _disclosed(
        store,
        origins,
        policy_for,
        base,
        subject=owner,
        conversation=agreed_in,
        theme=theme,
        unknown=None if first is not None else "the events do not say what the goal is",
    )


def agreement_disclosure(
    store: Store, conv: Conversation, agreement_id: object, policy_for: Callable[[str], ReadPolicy]
) -> Disclosure:
    """The :class:`Disclosure` of a note on agreement *agreement_id* of *conv* (replayed from
    its events): the agreement's theme, the kind and restriction of *conv*, and of the
    conversation the agreement was carried from, if it was."""
    agreement = next((a for a in conv.agreements if a.id == agreement_id), None)
    came_from = {conv.id}
    if agreement is not None and agreement.carried_from:
        came_from.add(split_agreement_reference(agreement.carried_from)[0])
    return _disclosed(
        store,
        {i: origin_of(store, i, policy_for) for i in sorted(came_from)},
        policy_for,
        policy_for(conv.cycle),
        subject=conv.subject,
        conversation=conv.id,
        theme=None if agreement is None else agreement.theme,
        unknown=None if agreement is not None else "the events do not say which agreement",
    )


def about(subject: str | None, people: Collection[str], person: str) -> bool:
    """Whether a conversation about *subject* in which *people* take part (as its events say)
    is about *person*: *person* is the employee it is about, or (a team conversation, about no
    one employee) takes part in it."""
    return person == subject or (subject is None and person in people)


def about_person(store: Store, conversation_id: str, person: str) -> Conversation | None:
    """Conversation *conversation_id* as its first event says (:func:`requested`, nothing
    decrypted) when it is about *person* (:func:`about`); ``None`` when it is not, or is
    unknown: one answer for both, so a caller's refusal tells nothing of other people's ids."""
    conv = requested(store, conversation_id)
    if conv is None or not about(conv.subject, {p.person for p in conv.participants}, person):
        return None
    return conv


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _conversation_of(reference: object) -> str | None:
    text = _text(reference)
    return None if text is None else _text(split_agreement_reference(text)[0])


def _disclosed(
    store: Store,
    origins: Mapping[str, Origin | None],
    policy_for: Callable[[str], ReadPolicy],
    base: ReadPolicy,
    *,
    subject: str | None,
    conversation: str | None,
    theme: str | None,
    unknown: str | None,
) -> Disclosure:
    policy = base
    for origin in origins.values():
        if origin is not None:
            policy = stricter(policy, policy_for(origin.cycle))
    special = unknown
    if special is None and theme is not None and theme in policy.special_themes:
        special = "it is about a special-category theme"
    for ident, origin in origins.items():
        if special is None and origin is None:
            special = f"the events do not say what conversation {ident} it comes from was"
        elif special is None and origin is not None and origin.special_kind:
            special = "it comes from a conversation whose kind is special-category as a whole"
    held = restrictions(store.read(person_stream(subject))) if subject is not None else None
    restricted = held is not None and (held.everything or any(map(held.covers, origins)))
    for ident, origin in origins.items():
        if restricted or origin is None or origin.subject in (None, subject):
            continue
        assert origin.subject is not None
        restricted = restrictions(store.read(person_stream(origin.subject))).covers(ident)
    return Disclosure(
        policy=policy,
        subject=subject,
        conversation=conversation,
        theme=theme,
        special=special,
        restricted=restricted,
    )
