"""Declared content for observing plugins: decided as a legal basis, opened, audited.

A plugin that declares content (``magcore_declare_content``) receives the declared fields of the
declared event types through :meth:`Gateway.deliver <magcore.access.gateway.Gateway.deliver>`,
which asks :func:`delivery_decision` and :func:`declared` here. A declaration is a legal basis the
regulation names, so it opens what a legal basis opens and no more:

- never an event of a person's own stream (their sharing choices, a restriction and its
  reason, its lifting, an erasure: the person and the privacy officer alone see these; a
  declaration that names one is refused when it is registered);
- never a private note (its author alone sees it), never a preparation while the conversation is
  open or before its author published it (blind until published);
- never a conversation of a kind that is special-category as a whole (a vitality conversation),
  never an event about a special-category theme (a topic, a goal);
- never an event of a goal, or a note on an agreement, that its origins make special-category
  or restricted (:mod:`magcore.access.origins`, as the events say): a progress note or a
  closing of a goal on a special theme, anything of a goal agreed in a special-category kind
  or a restricted conversation, the note on an agreement about a special theme;
- never a restricted record (AVG art. 18), never a destroyed one;
- never under a cycle whose current regulation, which lists the declarations, the bodies it
  names have not approved (a plugin that declares content after an approval waits for the
  next one);
- of what is left, answers in special-category form fields, list items on special-category
  themes, and agreements carried forward from a conversation that may not go, are left out.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import attrs

from ..domain.conversation import OPEN_STATES, Conversation, ConversationEvent
from ..domain.conversation import replay as replay_conversation
from ..domain.sharing import PERSON_STREAM, PersonEvent, person_stream
from ..events import Event
from ..model.records import split_agreement_reference
from ..storage.base import Store
from .decision import Basis, Decision, deny, restrictions
from .origins import Disclosure, agreement_disclosure, goal_disclosure
from .policy import DESTROYED_EVENT, PolicyFor, ReadPolicy

__all__ = [
    "DELIVER_CONTENT",
    "NEVER_DELIVERED",
    "PERSON_PRIVATE",
    "Delivered",
    "declared",
    "delivery_decision",
]

#: The audit action of an event's declared content handed to an observing plugin.
DELIVER_CONTENT = "deliver-content"
#: Event types of a person's own stream (``person:<id>``): whom they confide in, for what and
#: until when, a choice revoked, a restriction and its reason, its lifting, an erasure. Only the
#: person and the privacy officer see these; no declaration names them
#: (:func:`~magcore.access.observers.check_content_need` refuses it) and none opens them.
PERSON_PRIVATE = frozenset(str(kind) for kind in PersonEvent)
#: Event types whose content no declaration opens: a private note is its author's alone, a
#: person's own stream is theirs and the privacy officer's.
NEVER_DELIVERED = frozenset({"note.private_added"}) | PERSON_PRIVATE
_PREPARATION = "preparation.saved"


@attrs.frozen
class Delivered:
    """What :func:`delivery_decision` found: the decision, the policy that counts, and the
    conversations carried-forward agreements may not come from."""

    decision: Decision
    policy: ReadPolicy
    closed: frozenset[str] = frozenset()


def _deny(reason: str, policy: ReadPolicy) -> Delivered:
    return Delivered(deny(reason), policy)


def _conversation_closed(store: Store, conversation: str, policy_for: PolicyFor) -> bool:
    """Whether the content of *conversation* may not go to a plugin at all: gone, destroyed,
    special-category as a whole, or restricted."""
    events = store.read(f"conversation:{conversation}")
    if not events or any(e.type == DESTROYED_EVENT for e in events):
        return True
    conv = replay_conversation(events)
    if conv.kind in policy_for(conv.cycle).special_kinds:
        return True
    return conv.subject is not None and restrictions(
        store.read(person_stream(conv.subject))
    ).covers(conv.id)


def _carried_closed(store: Store, event: Event, policy_for: PolicyFor) -> frozenset[str]:
    origins: set[str] = set()
    for key in ("carried_forward", "agreements"):
        for item in event.data.get(key) or ():
            origin = item.get("carried_from") if isinstance(item, Mapping) else None
            if isinstance(origin, str) and "#" in origin:
                origins.add(split_agreement_reference(origin)[0])
    return frozenset(o for o in origins if _conversation_closed(store, o, policy_for))


def delivery_decision(
    store: Store,
    stream: str,
    events: tuple[Event, ...],
    version: int,
    *,
    policy_for: PolicyFor,
    fallback: ReadPolicy,
) -> tuple[Delivered, Event | None]:
    """May the content of event *version* of *stream* (whose events are *events*) go to a
    plugin that declared it? See the module for the rules."""
    event = next((e for e in events if e.version == version), None)
    if event is None or any(e.type == DESTROYED_EVENT for e in events):
        return _deny("the event or its record is gone (destroyed)", fallback), None
    kind, _, ident = stream.partition(":")
    if event.type in PERSON_PRIVATE or kind == PERSON_STREAM:
        return _deny(
            "a person's sharing choices, restrictions and erasure are theirs and the privacy "
            "officer's alone",
            fallback,
        ), event
    if event.type in NEVER_DELIVERED:
        return _deny("a private note is visible to its author alone", fallback), event
    policy = fallback
    subject: str | None = None
    conversation: str | None = None
    conv: Conversation | None = None
    origin: Disclosure | None = None
    if kind == "conversation":
        conv = replay_conversation(events)
        policy = policy_for(conv.cycle)
        if conv.kind in policy.special_kinds:
            return _deny("the kind is special-category as a whole", policy), event
        subject, conversation = conv.subject, ident
        if event.type == ConversationEvent.AGREEMENT_UPDATED:
            origin = agreement_disclosure(store, conv, event.data.get("agreement"), policy_for)
    elif kind == "goal":
        origin = goal_disclosure(store, events, policy_for, fallback)
    if origin is not None:  # decided under what its origins make it (:mod:`.origins`)
        policy, subject, conversation = origin.policy, origin.subject, origin.conversation
    if not policy.declarations_approved:
        return _deny(
            "the regulation that lists this declaration is not approved yet (WOR art. 27): "
            "the bodies it names approve its current text first",
            policy,
        ), event
    if origin is not None and origin.special is not None:
        return _deny(origin.special, policy), event
    # an event's theme, or a record's themes (one special theme makes it all special)
    themes = event.data.get("themes")
    about = {event.data.get("theme"), *(themes if isinstance(themes, list | tuple) else ())}
    if not policy.special_themes.isdisjoint(t for t in about if isinstance(t, str)):
        return _deny("it is about a special-category theme", policy), event
    if event.type == _PREPARATION and (
        conv is None
        or conv.state in OPEN_STATES
        or not ((prep := conv.preparations.get(event.actor)) is not None and prep.published)
    ):
        return _deny("a preparation is not shared while the conversation is open", policy), event
    if event.type == _PREPARATION and conv is not None and conv.preparations[event.actor].shown_to:
        return _deny("its author showed this preparation to some roles only", policy), event
    # a goal's or an agreement note's origins were read for their restrictions already
    restricted = (
        origin.restricted
        if origin is not None
        else subject is not None
        and restrictions(store.read(person_stream(subject))).covers(conversation)
    )
    if restricted:
        return _deny("the record is restricted (AVG art. 18)", policy), event
    closed = _carried_closed(store, event, policy_for)
    return Delivered(
        Decision(True, "declared content (a legal basis)", Basis.LEGAL_BASIS), policy, closed
    ), event


def declared(data: Mapping[str, Any], fields: Collection[str], found: Delivered) -> dict[str, Any]:
    """The declared top-level *fields* of *data*, less answers in special-category fields, list
    items on special-category themes and agreements carried from a closed conversation."""
    policy = found.policy
    out: dict[str, Any] = {}
    for name, value in data.items():
        if name not in fields:
            continue
        if name == "answers" and isinstance(value, Mapping):
            value = {k: v for k, v in value.items() if not policy.field_is_special(k)}
        elif isinstance(value, (list, tuple)):
            value = [item for item in value if _item_goes(item, found)]
        out[name] = value
    return out


def _item_goes(item: Any, found: Delivered) -> bool:
    if not isinstance(item, Mapping):
        return True
    theme = item.get("theme")
    if isinstance(theme, str) and theme in found.policy.special_themes:
        return False
    origin = item.get("carried_from")
    return not (isinstance(origin, str) and split_agreement_reference(origin)[0] in found.closed)
