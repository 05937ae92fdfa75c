"""The read side: load a conversation or a goal, ask the access policy, audit every decision.

The read policy (:class:`ReadPolicy`, re-exported here) is :mod:`magcore.access.policy`.

:func:`read_conversation` replays a conversation from a :class:`~magcore.storage.base.Store`,
folds the employee's ``person:<id>`` stream (sharing choices and AVG art. 18 restrictions), asks
:func:`magcore.access.decide_access` about each part (metadata, the record and each
special-category field apart, agreements, topics, preparations, dissents, responses, private
notes) and returns a :class:`ConversationView` holding only what was allowed. Every decision,
allowed or denied, becomes one audit line, written in one ``append_audit`` call.

:func:`read_goal` does the same for a goal (``goal:<id>``): one decision about
:attr:`~magcore.access.Part.GOAL` for the whole goal, its progress notes included.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, tzinfo
from types import MappingProxyType
from typing import Any

import attrs

from ..clock import Clock, SystemClock
from ..domain.conversation import Conversation, State, replay, stream_of
from ..domain.goals import Goal, GoalEvent, copy_origin, goal_stream, replay_goal
from ..domain.sharing import person_stream
from ..domain.sharing import replay as replay_sharing
from ..errors import NotFoundError
from ..events import Event
from ..model.days import timezone
from ..model.input_policy import check_id
from ..model.records import (
    Agreement,
    Dissent,
    Preparation,
    PrivateNote,
    Response,
    Topic,
    split_agreement_reference,
)
from ..storage.base import AuditRecord, Store
from .decision import (
    AccessContext,
    AccessRequest,
    Decision,
    Part,
    Restrictions,
    decide_access,
    deny,
)
from .erasure_grounds import Destruction, ErasureGround
from .origins import Origin, destroyed, goal_disclosure, origins_of, took_part
from .policy import DESTROYED_EVENT as DESTROYED_EVENT
from .policy import SENSITIVITY_KEY as SENSITIVITY_KEY
from .policy import SPECIAL_CATEGORY_RISK as SPECIAL_CATEGORY_RISK
from .policy import PolicyFor, kept_policies
from .policy import ReadPolicy as ReadPolicy
from .policy import special_fields_of as special_fields_of

__all__ = [
    "ConversationView",
    "GoalView",
    "audit_record",
    "carried_origin",
    "conversation_context",
    "read_conversation",
    "read_goal",
]


@attrs.frozen(kw_only=True)
class ConversationView:
    """What one viewer may see of one conversation; parts not allowed are simply absent."""

    id: str
    viewer: str
    purpose: str
    at: datetime
    destroyed: bool = False
    erased: Destruction | None = None
    """When and why it was destroyed (with ``destroyed``), as its tombstone says."""
    metadata: Mapping[str, Any] | None = None
    summary: str | None = None
    answers: Mapping[str, Any] = attrs.field(factory=dict, hash=False)
    themes: tuple[str, ...] = ()
    """The themes (cards) the record says were discussed, as far as the viewer may see them:
    with the record, and a special-category theme only when decided so on its own."""
    agreements: tuple[Agreement, ...] = ()
    carried_forward: tuple[Agreement, ...] = ()
    """Open agreements of earlier conversations carried into this one, as far as the viewer
    took part in them or the employee's handover choice shows them."""
    topics: tuple[Topic, ...] = ()
    preparations: Mapping[str, Preparation] = attrs.field(factory=dict, hash=False)
    dissents: tuple[Dissent, ...] = ()
    responses: tuple[Response, ...] = ()
    private_notes: tuple[PrivateNote, ...] = ()
    decisions: tuple[tuple[str, Decision], ...] = ()
    """This read's (audit object, decision)s as logged, less a special theme's refusal."""
    state: State | None = None
    """The state, when the viewer may see that the conversation exists (as the metadata)."""
    version: int | None = None
    revision: int | None = None
    """The current record revision (``None`` before a record or when not visible)."""
    confirmed_by: frozenset[str] = frozenset()
    """Who confirmed the current record revision (when the record is visible)."""
    people: tuple[str, ...] = ()

    @property
    def subject(self) -> str | None:
        return None if self.metadata is None else self.metadata["subject"]

    @property
    def kind(self) -> str | None:
        return None if self.metadata is None else self.metadata["kind"]

    @property
    def cycle(self) -> str | None:
        return None if self.metadata is None else self.metadata["cycle"]

    @property
    def held_on(self) -> date | None:
        held = None if self.metadata is None else self.metadata["held_on"]
        return date.fromisoformat(held) if held else None

    @property
    def has_content(self) -> bool:
        return bool(
            self.summary
            or self.answers
            or self.themes
            or self.agreements
            or self.carried_forward
            or self.topics
            or self.preparations
            or self.dissents
            or self.responses
            or self.private_notes
        )


def audit_record(
    *, viewer: str, obj: str, decision: Decision, purpose: str, at: datetime, origin: str
) -> AuditRecord:
    """The audit line of one read decision (BIO2: action, object, result, origin, actor, time)."""
    return AuditRecord(
        at=at.isoformat(),
        actor=viewer,
        action="read",
        object=obj,
        result="allowed" if decision.allowed else "denied",
        origin=origin,
        reason=decision.reason,
        purpose=purpose,
    )


def _metadata(conv: Conversation) -> dict[str, Any]:
    return {
        "cycle": conv.cycle,
        "kind": conv.kind,
        "state": conv.state.value,
        "subject": conv.subject,
        "participants": [{"person": p.person, "role": str(p.role)} for p in conv.participants],
        "duration_minutes": conv.duration_minutes,
        "scheduled_for": conv.scheduled_for.isoformat() if conv.scheduled_for else None,
        "held_on": conv.held_on.isoformat() if conv.held_on else None,
    }


@attrs.define
class _Reader:
    conv: Conversation
    viewer: str
    purpose: str
    now: datetime
    policy: ReadPolicy
    context: AccessContext
    zone: tzinfo
    origins: Mapping[str, Origin | None] = attrs.field(factory=dict)
    """Where the carried agreements come from (:mod:`magcore.access.origins`)."""
    decisions: list[tuple[str, Decision]] = attrs.field(factory=list)

    def ask(
        self,
        obj: str,
        part: Part,
        *,
        author: str | None = None,
        theme: str | None = None,
        special: bool,
        carried_from: str | None = None,
    ) -> bool:
        """Decide whether *part* at *obj* is shown, and keep the decision for the audit log.
        *special* is required: whether this content is special-category apart from its kind
        and its theme (a special field, a record about a special theme and what answers it);
        a caller that forgot it would decide special-category content as ordinary."""
        whole_kind = part is not Part.METADATA and self.conv.kind in self.policy.special_kinds
        themed = theme is not None and theme in self.policy.special_themes
        if carried_from is not None:
            # A carried copy is as sensitive as where it was agreed (its kind, under its own
            # cycle's policy), and never less than where it is carried: an origin the events
            # do not describe counts as special-category.
            origin = self.origins.get(carried_from)
            whole_kind = whole_kind or origin is None or origin.special_kind
            themed = themed or (
                origin is not None and theme is not None and theme in origin.special_themes
            )
        request = AccessRequest(
            viewer=self.viewer,
            purpose=self.purpose,
            at=self.now,
            zone=self.zone,
            part=part,
            subject=self.conv.subject,
            conversation=self.conv.id,
            author=author,
            theme=theme,
            special_category=whole_kind or special or themed,
            carried_from=carried_from,
            # metadata is no content, but shown only if something in the conversation opens
            # for this purpose: the policy asks what a choice opens in a kind like this one
            special_kind=self.conv.kind in self.policy.special_kinds,
            special_themes=frozenset(self.policy.special_themes),
        )
        decision = decide_access(request, self.context)
        self.decisions.append((f"{stream_of(self.conv.id)}/{obj}", decision))
        return decision.allowed

    def answers(
        self, obj: str, answers: Mapping[str, Any], base: bool, **kw: Any
    ) -> dict[str, Any]:
        """The answers shown: a special or themed field is decided on its own; the rest
        follow the decision about the part as a whole (*base*)."""
        shown: dict[str, Any] = {}
        for name, value in answers.items():
            special = self.policy.field_is_special(name)
            theme = self.policy.field_themes.get(name)
            if (base and not special) or (
                (special or theme is not None)
                and self.ask(
                    f"{obj}/answers/{name}",
                    kw["part"],
                    author=kw.get("author"),
                    theme=theme,
                    special=special,
                )
            ):
                shown[name] = value
        return shown

    def themes(self, obj: str, themes: tuple[str, ...], base: bool, author: str) -> tuple[str, ...]:
        """The record's themes shown: an ordinary theme follows the decision about the record
        (*base*); a special-category theme is decided on its own, like a special field, so it
        opens only to whom special-category content may open (a theme is content too: that a
        record is about health says something about the employee's health)."""
        return tuple(
            theme
            for theme in themes
            if (base and theme not in self.policy.special_themes)
            or (
                theme in self.policy.special_themes
                and self.ask(
                    f"{obj}/themes/{theme}", Part.RECORD, author=author, theme=theme, special=True
                )
            )
        )


def conversation_context(
    store: Store,
    conv: Conversation,
    policy: ReadPolicy,
    *,
    took_part: Mapping[str, frozenset[str]] | None = None,
) -> AccessContext:
    """What :func:`~magcore.access.decision.decide_access` needs about *conv*: its subject's
    sharing choices and restrictions (from their person stream), and *policy*'s directory and
    legal bases."""
    sharing = None
    restricted = Restrictions()
    if conv.subject is not None:
        sharing = replay_sharing(conv.subject, store.read(person_stream(conv.subject)))
        restricted = sharing.restrictions
    return AccessContext(
        conversation=conv,
        sharing=sharing,
        restrictions=restricted,
        directory=policy.directory,
        legal_bases=policy.legal_bases,
        took_part=took_part or {},
    )


def _destruction(events: Sequence[Event]) -> Destruction | None:
    """What the tombstone among *events* records, if the stream was destroyed."""
    tombstone = next((e for e in reversed(events) if e.type == DESTROYED_EVENT), None)
    return None if tombstone is None else Destruction.of(tombstone)


def _gone_reason(erased: Destruction | None, what: str, unknown: str) -> str:
    if erased is None:
        return unknown
    if erased.ground is ErasureGround.RETENTION:
        return f"{what} was destroyed under its retention profile"
    return f"{what} was erased on request (AVG art. 17)"


def carried_origin(agreement: Agreement) -> str | None:
    """The conversation a carried-forward *agreement* was agreed in (``None``: not carried)."""
    ref = agreement.carried_from
    return split_agreement_reference(ref)[0] if ref else None


def read_conversation(
    store: Store,
    conversation_id: str,
    *,
    viewer: str,
    purpose: str,
    clock: Clock | None = None,
    zone: tzinfo | str | None = None,
    policy: ReadPolicy | None = None,
    origin: str = "api",
    policy_for: Callable[[str], ReadPolicy] | None = None,
) -> ConversationView:
    """Read *conversation_id* as *viewer* for *purpose* now; audit every decision.

    The moment of the read, decided on and written to the audit log, is *clock*'s (the
    service's; the system clock when ``None``): a caller cannot choose it. Days (``until`` of a
    sharing choice, who manages whom) are days in *zone*, the installation's time zone.

    *policy_for* picks the policy by the conversation's cycle (``id@version``) instead of
    *policy*: the gateway passes the service's; without it, the cycle's definition as the store
    keeps it counts on top of *policy* (:func:`~magcore.access.policy.kept_policies`), so every
    cycle's special kinds, themes and fields count whichever way the read is asked.

    Raises :class:`~magcore.errors.NotFoundError` (after auditing the refusal) when there is no
    such conversation. A destroyed conversation gives an empty view marked ``destroyed``.
    """
    check_id(viewer, pointer="/viewer")
    check_id(conversation_id, pointer="/conversation_id")
    check_id(purpose, pointer="/purpose")
    now = (clock or SystemClock()).now()
    zone = zone if isinstance(zone, tzinfo) else timezone(zone)
    policy = policy or ReadPolicy()
    events = store.read(stream_of(conversation_id))
    base_object = stream_of(conversation_id)
    erased = _destruction(events)
    if not events or erased is not None:
        reason = _gone_reason(erased, "the record", "there is no such conversation")
        decision = deny(reason)
        store.append_audit(
            [
                audit_record(
                    viewer=viewer,
                    obj=base_object,
                    decision=decision,
                    purpose=purpose,
                    at=now,
                    origin=origin,
                )
            ]
        )
        if not events:
            raise NotFoundError(f"unknown conversation {conversation_id!r}")
        return ConversationView(
            id=conversation_id,
            viewer=viewer,
            purpose=purpose,
            at=now,
            destroyed=True,
            erased=erased,
            decisions=((base_object, decision),),
        )
    conv = replay(events)
    pick = policy_for or kept_policies(store, policy)
    policy = pick(conv.cycle)
    origins = origins_of(store, conv, pick)
    context = conversation_context(store, conv, policy, took_part=took_part(conv, origins))
    reader = _Reader(conv, viewer, purpose, now, policy, context, zone, origins)
    view: dict[str, Any] = {}
    if reader.ask("metadata", Part.METADATA, special=False):
        view["metadata"] = MappingProxyType(_metadata(conv))
        view.update(state=conv.state, version=conv.version, people=conv.people)
    record = conv.record
    # A record about a special-category theme is such content as a whole: its summary and
    # answers say as much about the employee's health as the theme's name does, and so do a
    # dissent from it and the response to that dissent.
    about_special = record is not None and any(t in policy.special_themes for t in record.themes)
    if record is not None:
        base = reader.ask("record", Part.RECORD, author=record.author, special=about_special)
        if base:
            view["summary"] = record.summary
            view.update(revision=record.revision, confirmed_by=conv.confirmed_by)
        view["answers"] = MappingProxyType(
            reader.answers("record", record.answers, base, part=Part.RECORD, author=record.author)
        )
        view["themes"] = reader.themes("record", record.themes, base, record.author)
        view["agreements"] = tuple(
            a
            for a in conv.agreements
            if reader.ask(f"agreement:{a.id}", Part.AGREEMENT, theme=a.theme, special=False)
        )
    view["carried_forward"] = tuple(
        a
        for a in conv.carried_forward
        if reader.ask(
            f"carried:{a.id}",
            Part.AGREEMENT,
            theme=a.theme,
            special=False,
            carried_from=carried_origin(a),
        )
    )
    view["topics"] = tuple(
        t
        for i, t in enumerate(conv.topics)
        if reader.ask(f"topic:{i}", Part.TOPIC, author=t.author, theme=t.theme, special=False)
    )
    preparations: dict[str, Preparation] = {}
    for author, prep in sorted(conv.preparations.items()):
        base = reader.ask(f"preparation:{author}", Part.PREPARATION, author=author, special=False)
        answers = reader.answers(
            f"preparation:{author}", prep.answers, base, part=Part.PREPARATION, author=author
        )
        if base:
            preparations[author] = attrs.evolve(prep, answers=MappingProxyType(answers))
    view["preparations"] = MappingProxyType(preparations)
    view["dissents"] = tuple(
        d
        for i, d in enumerate(conv.dissents)
        if reader.ask(f"dissent:{i}", Part.DISSENT, author=d.author, special=about_special)
    )
    view["responses"] = tuple(
        r
        for i, r in enumerate(conv.responses)
        if reader.ask(f"response:{i}", Part.RESPONSE, author=r.author, special=about_special)
    )
    view["private_notes"] = tuple(
        n
        for i, n in enumerate(conv.private_notes)
        if reader.ask(f"note:{i}", Part.PRIVATE_NOTE, author=n.author, special=False)
    )
    store.append_audit(
        [
            audit_record(viewer=viewer, obj=obj, decision=d, purpose=purpose, at=now, origin=origin)
            for obj, d in reader.decisions
        ]
    )
    return ConversationView(
        id=conv.id,
        viewer=viewer,
        purpose=purpose,
        at=now,
        decisions=tuple(d for d in reader.decisions if not _names_a_closed_theme(*d)),
        **view,
    )


def _names_a_closed_theme(obj: str, decision: Decision) -> bool:
    """Whether *obj* is a special-category theme refused to the viewer: its name is content (a
    record about health says something about the employee's health), kept from the view."""
    return not decision.allowed and "/record/themes/" in obj


@attrs.frozen(kw_only=True)
class GoalView:
    """What one viewer may see of one goal: the whole goal, or nothing (``goal`` is ``None``)."""

    id: str
    viewer: str
    purpose: str
    at: datetime
    decision: Decision
    goal: Goal | None = None
    destroyed: bool = False
    erased: Destruction | None = None
    """When and why the goal was destroyed (with ``destroyed``), as its tombstone says."""
    erased_with: str | None = None
    """The conversation the goal's words were copied from (a goal made from its record), once
    that conversation was destroyed: the words went with it, and the goal's title and
    description read as the erased marker (``content.erased``). Set only with the goal."""

    @property
    def has_content(self) -> bool:
        return self.goal is not None


def read_goal(
    store: Store,
    goal_id: str,
    *,
    viewer: str,
    purpose: str,
    clock: Clock | None = None,
    zone: tzinfo | str | None = None,
    policy: ReadPolicy | None = None,
    origin: str = "api",
    policy_for: PolicyFor | None = None,
) -> GoalView:
    """Read goal *goal_id* as *viewer* for *purpose* now (*clock*'s time, days in *zone*, as
    in :func:`read_conversation`); audit the decision.

    The owner and the goal's collaborators see it; anyone else only through the owner's sharing
    choice (``goals``, or the goal's ``theme:<id>``; a choice for one conversation covers the
    goals agreed in it) or a legal basis declared for goals. A goal about a special-category
    theme (of the cycle of the conversation it was agreed in, *policy_for* or as the store keeps
    it), or from a conversation of a kind that is special-category as a whole, is shared only by
    the owner's own choice; one from a restricted conversation is restricted with it
    (:func:`~magcore.access.origins.goal_disclosure`, as the events say). Only a conversation
    about the owner counts: a progress note naming someone else's never changes who reads the
    owner's goal. Raises
    :class:`~magcore.errors.NotFoundError` (after auditing the refusal) for an unknown goal.
    """
    check_id(viewer, pointer="/viewer")
    check_id(goal_id, pointer="/goal_id")
    check_id(purpose, pointer="/purpose")
    now = (clock or SystemClock()).now()
    zone = zone if isinstance(zone, tzinfo) else timezone(zone)
    policy = policy or ReadPolicy()
    stream = goal_stream(goal_id)
    events = store.read(stream)
    erased = _destruction(events)
    if not events or erased is not None:
        reason = _gone_reason(erased, "the goal", "there is no such goal")
        decision = deny(reason)
        store.append_audit(
            [
                audit_record(
                    viewer=viewer,
                    obj=stream,
                    decision=decision,
                    purpose=purpose,
                    at=now,
                    origin=origin,
                )
            ]
        )
        if not events:
            raise NotFoundError(f"unknown goal {goal_id!r}")
        return GoalView(
            id=goal_id,
            viewer=viewer,
            purpose=purpose,
            at=now,
            decision=decision,
            destroyed=True,
            erased=erased,
        )
    goal = replay_goal(events)
    # Decided under what its origins make it, as the events say (:mod:`.origins`): its own
    # theme, and the kind, policy and restriction of the conversations it comes from.
    found = goal_disclosure(store, events, policy_for or kept_policies(store, policy), policy)
    policy = found.policy
    sharing = replay_sharing(goal.owner, store.read(person_stream(goal.owner)))
    held = sharing.restrictions
    if found.restricted:  # restricted with a conversation it comes from
        held = Restrictions(everything=True, conversations=held.conversations)
    context = AccessContext(
        goal=goal,
        sharing=sharing,
        restrictions=held,
        directory=policy.directory,
        legal_bases=policy.legal_bases,
    )
    request = AccessRequest(
        viewer=viewer,
        purpose=purpose,
        at=now,
        zone=zone,
        part=Part.GOAL,
        subject=goal.owner,
        conversation=goal.agreed_in,
        theme=goal.theme,
        special_category=found.special is not None,
    )
    decision = decide_access(request, context)
    store.append_audit(
        [
            audit_record(
                viewer=viewer, obj=stream, decision=decision, purpose=purpose, at=now, origin=origin
            )
        ]
    )
    copied = copy_origin(goal_id, events[0].data) if events[0].type == GoalEvent.SET else None
    erased_with = None
    if decision.allowed and copied is not None and destroyed(store, copied[0]):
        erased_with = copied[0]
    return GoalView(
        id=goal_id,
        viewer=viewer,
        purpose=purpose,
        at=now,
        decision=decision,
        goal=goal if decision.allowed else None,
        erased_with=erased_with,
    )
