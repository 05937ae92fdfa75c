"""The access policy: the one function every read goes through, and the reason it gives.

:func:`decide_access` answers "may *viewer* read this *part* of a conversation about *subject*,
for *purpose*, at *moment*?" with a :class:`Decision` that carries its reason: ``participant``,
``author``, ``sharing choice N``, ``legal basis X (article)``, ``privacy officer (...)``,
``subject access (AVG art. 15)``, or ``denied because ...``. The rules, in order:

0. Blind until published, whatever the purpose: until a conversation is held, a participant
   who has not published their own preparation never sees the other side's (nor does the
   employee through a subject-access request); a conversation cancelled or marked not held
   was never held, so it stays so for good.
1. A restricted record (AVG art. 18) is readable by the privacy officer alone; so is an
   agreement or profile carried out of a restricted conversation into a later one.
2. A subject-access request (AVG art. 15) by the employee or the privacy officer sees all
   that is held about the employee, including what others wrote about them.
3. Special-category content (a special theme, or a field marked ``special-category-risk``) never
   appears in HR overviews or research data, whatever else holds.
4. A private note is visible to its author alone.
5. A goal is seen by its owner and the people who work on it with them (its collaborators).
   Participants see the shared record; a preparation is visible to another participant only once
   published (:func:`magcore.domain.conversation.visible_preparation`).
   An agreement carried forward into a new conversation is seen by those who took part in the
   conversation where it was agreed; a new manager sees it only through the employee's
   ``handover`` choice (rule 6), which opens it to its grantee reading to take part in the
   conversation it was carried into, or reading for ``handover`` itself. A profile carried
   into a new conversation (:mod:`magcore.access.profiles`) is decided the same way:
   ``carried_from`` names the conversation it was written in.
   An agreement of a team conversation carried into the same team's next one (no employee is
   its subject: it is the team's) is seen by those who take part in that one too, so a new
   member sees the team's open agreements.
6. The employee's own sharing choice, if it holds at that moment, names this viewer (or a role
   the viewer holds then), matches the purpose and covers the part. A choice shows that a
   conversation exists (its metadata) only if it opens something in it for that purpose
   (:func:`choice_opens`, the rule the guarded listing uses too): a ``goals`` choice, or any
   choice in a conversation of a special-category kind that it cannot open, or one read for an
   HR overview or research there, does not reveal the conversation at all. A choice passes on
   what the employee sees, never more: another participant's preparation only as
   :func:`~magcore.domain.conversation.visible_preparation` shows it to the employee (so not
   before the employee may read it, nor one shown to other roles only).
7. A declared legal basis (name, article, scope) for the viewer's role and the purpose; never
   for special-category content.
8. Anything else is denied; the works council and researchers see only aggregates.

The function is pure: the caller passes the facts (:class:`AccessContext`) and writes the audit.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable, Mapping
from datetime import date, datetime, tzinfo

import attrs

from ..domain.conversation import HELD_STATES, Conversation, visible_preparation
from ..domain.goals import Goal
from ..domain.sharing import (
    GRANTEE_ROLES,
    WHAT_AGREEMENTS,
    WHAT_GOALS,
    WHAT_PROFILE,
    WHAT_WHOLE_RECORD,
    Restrictions,
    SharingChoice,
    SharingState,
    restrictions,
)
from ..model.days import local_day, timezone
from ._choice_rows import ChoiceRow, grantee_keys, shared_with
from .directory import Directory

__all__ = [
    "AGGREGATE_ONLY_ROLES",
    "CONTENT_PARTS",
    "HANDOVER",
    "HR_OVERVIEW",
    "PARTICIPATION",
    "PRIVACY_OFFICER",
    "RESEARCH",
    "SUBJECT_ACCESS",
    "AccessContext",
    "AccessRequest",
    "Basis",
    "ChoiceRow",
    "Decision",
    "Directory",
    "LegalBasis",
    "Part",
    "Restrictions",
    "choice_covers",
    "choice_opens",
    "decide_access",
    "deny",
    "grantee_keys",
    "grantee_matches",
    "known_roles",
    "legal_bases_tuple",
    "restrictions",
    "shared_with",
]

#: The purpose of a subject-access request (AVG art. 15).
SUBJECT_ACCESS = "subject_access"
#: The purpose of a participant's own reads and of command results: taking part.
PARTICIPATION = "conversation"
#: The purpose of the employee's handover choice: what a next manager may see of earlier
#: conversations (their agreements carried forward into a new conversation).
HANDOVER = "handover"
#: The purpose of an HR overview: never holds special-category content.
HR_OVERVIEW = "hr_overview"
#: The purpose of research data: never holds special-category content.
RESEARCH = "research"
#: The role that alone may read a restricted record.
PRIVACY_OFFICER = "privacy_officer"
#: Roles that see aggregates only (unless they take part themselves or are given a choice).
AGGREGATE_ONLY_ROLES = frozenset({"works_council", "researcher"})


class Part(enum.StrEnum):
    """The parts of a conversation a read may ask for."""

    RECORD = "record"
    """The shared record: summary and answers (one field at a time for special fields)."""
    AGREEMENT = "agreement"
    TOPIC = "topic"
    PREPARATION = "preparation"
    DISSENT = "dissent"
    RESPONSE = "response"
    PRIVATE_NOTE = "private_note"
    GOAL = "goal"
    PROFILE = "profile"
    """The employee's profile, as the conversation it was written in holds it
    (:mod:`magcore.model.profiles`)."""
    METADATA = "metadata"
    """That a conversation exists: kind, state, dates, participants; never content."""


class Basis(enum.StrEnum):
    """What a decision rests on."""

    PARTICIPANT = "participant"
    AUTHOR = "author"
    SHARING_CHOICE = "sharing_choice"
    LEGAL_BASIS = "legal_basis"
    PRIVACY_OFFICER = "privacy_officer"
    SUBJECT_ACCESS = "subject_access"
    DENIED = "denied"


def _parts(value: Iterable[str]) -> frozenset[Part]:
    return frozenset(Part(p) for p in value)


@attrs.frozen(kw_only=True)
class LegalBasis:
    """A legal basis a plugin declares: who (roles) may read which parts, for which purpose.

    ``article`` cites the law (e.g. "AVG art. 6(1)(c); Wet verbetering poortwachter art. 25").
    A legal basis never opens special-category content or private notes, and is never declared
    for the works council or researchers (:data:`AGGREGATE_ONLY_ROLES`): they see aggregates.
    """

    name: str
    article: str
    roles: frozenset[str] = attrs.field(converter=frozenset)
    parts: frozenset[Part] = attrs.field(converter=_parts)
    purpose: str
    description: str = ""

    def __attrs_post_init__(self) -> None:
        for name in ("name", "article", "purpose"):
            if not str(getattr(self, name)).strip():
                raise ValueError(f"a legal basis needs a {name}")
        if not self.roles:
            raise ValueError(f"legal basis {self.name!r} names no role")
        if Part.PRIVATE_NOTE in self.parts:
            raise ValueError(f"legal basis {self.name!r}: private notes cannot be opened")
        if self.roles & AGGREGATE_ONLY_ROLES:
            raise ValueError(
                f"legal basis {self.name!r}: {', '.join(sorted(self.roles & AGGREGATE_ONLY_ROLES))}"
                " see only aggregates, never a record"
            )

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "article": self.article,
            "roles": sorted(self.roles),
            "parts": sorted(p.value for p in self.parts),
            "purpose": self.purpose,
            "description": self.description,
        }


def known_roles(legal_bases: Iterable[LegalBasis]) -> frozenset[str]:
    """The functional roles an access rule knows: those a sharing choice may name (the HR
    adviser's among them), the privacy officer's, the aggregate-only ones and those
    *legal_bases* open reads to. A role outside these is held by nobody any rule asks about
    (a typo)."""
    return (
        GRANTEE_ROLES
        | {PRIVACY_OFFICER}
        | AGGREGATE_ONLY_ROLES
        | {role for basis in legal_bases for role in basis.roles}
    )


def legal_bases_tuple(value: Iterable[LegalBasis]) -> tuple[LegalBasis, ...]:
    """Converter: a tuple of legal bases from any iterable, refusing anything else."""
    bases = tuple(value)
    for basis in bases:
        if not isinstance(basis, LegalBasis):
            raise TypeError(f"expected a LegalBasis, got {basis!r}")
    return bases


@attrs.frozen(kw_only=True)
class AccessRequest:
    """One read: *viewer* wants *part* of a conversation about *subject* for *purpose*.

    What makes it special-category has no default (AVG art. 9: a forgotten answer must never
    read as "not special"): *special_category* is required for every part, *special_kind* and
    *special_themes* for :attr:`Part.METADATA` (a :class:`TypeError` without them)."""

    viewer: str
    purpose: str
    at: datetime
    part: Part = attrs.field(converter=Part)
    subject: str | None
    conversation: str | None = None
    author: str | None = None
    """The author of a preparation, note, dissent, topic or response."""
    theme: str | None = None
    special_category: bool
    """Whether the content asked is special-category: a special theme or field, or anything in
    a conversation whose kind is special-category as a whole (``False`` for metadata)."""
    carried_from: str | None = None
    """For an agreement carried forward into *conversation*: the conversation it was agreed in.
    Taking part in the new conversation does not open it; taking part in that one, or the
    employee's handover choice, does."""
    zone: tzinfo = attrs.field(factory=timezone)
    """The installation's time zone: the day of the read (for roles, ``until``) is a day there."""
    special_kind: bool | None = None
    """The conversation's kind is special-category as a whole (with :attr:`Part.METADATA`,
    which is no content itself: whether a choice or a legal basis opens anything in it)."""
    special_themes: frozenset[str] | None = None
    """The special-category themes of the conversation's cycle (with :attr:`Part.METADATA`:
    whether a theme choice opens anything for the purpose)."""

    def __attrs_post_init__(self) -> None:
        if self.part is Part.METADATA and None in (self.special_kind, self.special_themes):
            raise TypeError("an AccessRequest for metadata needs special_kind and special_themes")


@attrs.frozen
class Decision:
    """The answer: ``allowed`` and why (``reason`` is written to the audit log as is)."""

    allowed: bool
    reason: str
    basis: Basis
    choice: int | None = None

    def __bool__(self) -> bool:
        return self.allowed


@attrs.frozen(kw_only=True)
class AccessContext:
    """The facts a decision needs, gathered by the caller (see :mod:`magcore.access.reading`)."""

    conversation: Conversation | None = None
    goal: Goal | None = None
    """The goal asked about, for :attr:`Part.GOAL` requests."""
    sharing: SharingState | None = None
    restrictions: Restrictions = attrs.field(factory=Restrictions)
    directory: Directory = attrs.field(factory=Directory)
    legal_bases: tuple[LegalBasis, ...] = attrs.field(default=(), converter=legal_bases_tuple)
    took_part: Mapping[str, frozenset[str]] = attrs.field(factory=dict, hash=False)
    """Who took part in the earlier conversations that carried agreements come from."""


def deny(reason: str) -> Decision:
    """A refusal: not allowed, ``denied because`` *reason*, on no basis."""
    return Decision(False, f"denied because {reason}", Basis.DENIED)


def grantee_matches(choice: SharingChoice, viewer: str, day: date, directory: Directory) -> bool:
    """Whether *viewer* is who *choice* names on *day* (a person, or a role they hold then)."""
    if not choice.to_role:
        return choice.to == viewer
    if choice.to == "next_manager":
        return directory.manager_of(choice.person, day) == viewer
    return choice.to in directory.roles_of(viewer, day)


def choice_covers(choice: SharingChoice, request: AccessRequest) -> bool:
    """Whether *choice* covers the part asked for (grantee, time and purpose checked apart).

    ``whole_record`` covers the record, agreements, topics, dissents, responses, published
    preparations and the profile (not goals, which live apart); ``agreements``, ``goals`` and
    ``profile`` their part;
    ``theme:<id>`` the parts about that theme, goals included. Special-category content needs
    ``whole_record`` or its own theme named. No choice covers a private note. A choice for one
    conversation covers only that conversation's parts; for a goal, the conversation is the one
    the goal was agreed in (``request.conversation``), so such a choice never opens a goal set
    outside it.
    """
    if choice.conversation is not None and choice.conversation not in (
        request.conversation,
        request.carried_from,
    ):
        return False
    part = request.part
    if part is Part.PRIVATE_NOTE:
        return False
    if part is Part.METADATA:
        if request.special_kind is None or request.special_themes is None:
            return False  # unknown: refused (the request cannot be made so)
        return bool(
            choice_opens(
                choice.what,
                special_kind=request.special_kind,
                purpose=request.purpose,
                special_themes=request.special_themes,
            )
        )
    theme = choice.theme
    if theme is not None:
        return request.theme == theme
    return _what_covers(choice.what, part, request.special_category)


def _what_covers(what: str, part: Part, special: bool) -> bool:
    if what == WHAT_WHOLE_RECORD:
        return part in (
            Part.RECORD,
            Part.AGREEMENT,
            Part.TOPIC,
            Part.DISSENT,
            Part.RESPONSE,
            Part.PREPARATION,
            Part.PROFILE,
        )
    if special:
        return False
    if what == WHAT_AGREEMENTS:
        return part is Part.AGREEMENT
    if what == WHAT_PROFILE:
        return part is Part.PROFILE
    if what == WHAT_GOALS:
        return part is Part.GOAL
    return False


#: The parts of a conversation that make it worth listing (and so its metadata worth showing):
#: goals and the profile are listed apart, a private note is never shared.
CONTENT_PARTS = (
    Part.RECORD,
    Part.AGREEMENT,
    Part.TOPIC,
    Part.PREPARATION,
    Part.DISSENT,
    Part.RESPONSE,
)

_SPECIAL_NEVER = (HR_OVERVIEW, RESEARCH)


@functools.cache
def choice_opens(
    what: str,
    *,
    special_kind: bool,
    purpose: str,
    special_themes: frozenset[str],
) -> frozenset[Part]:
    """The parts of :data:`CONTENT_PARTS` a choice of *what* opens, read for *purpose*, in a
    conversation whose kind is (or is not) special-category as a whole: the one rule the read
    (a choice covers :attr:`Part.METADATA` only if this is not empty) and the guarded listing
    (:func:`magcore.access.listing.decide_candidates`) share.

    A ``theme:<id>`` choice opens the parts about its theme (which parts, only the content
    knows): :attr:`Part.METADATA` stands for them. In a special-category kind, or for a theme in
    *special_themes*, nothing opens for an HR overview or research (rule 3); in a
    special-category kind only ``whole_record`` or a theme opens anything at all. Both
    *special_kind* and *special_themes* are required: no default answers "not special".
    """
    if purpose in _SPECIAL_NEVER and special_kind:
        return frozenset()
    if what.startswith("theme:"):
        if purpose in _SPECIAL_NEVER and what.partition(":")[2] in special_themes:
            return frozenset()
        return frozenset({Part.METADATA})
    return frozenset(part for part in CONTENT_PARTS if _what_covers(what, part, special_kind))


def _participant_decision(request: AccessRequest, conv: Conversation) -> Decision | None:
    if not conv.is_participant(request.viewer):
        return None
    if request.part is Part.PREPARATION:
        author = request.author or ""
        if author == request.viewer:
            return Decision(True, "author", Basis.AUTHOR)
        if visible_preparation(conv, request.viewer, author) is not None:
            return Decision(True, "participant", Basis.PARTICIPANT)
        return deny("a preparation is visible to the others only once it is published")
    return Decision(True, "participant", Basis.PARTICIPANT)


def _blind(request: AccessRequest, conv: Conversation | None) -> Decision | None:
    """Blind until published, whatever the purpose: until the conversation is held, a
    participant (or the employee, in a subject-access request made by the privacy officer) sees
    the other side's preparation only once it is published and their own is published too. A
    conversation cancelled or marked not held was never held: it stays blind for good."""
    if (
        request.part is not Part.PREPARATION
        or conv is None
        or conv.id != request.conversation
        or conv.state in HELD_STATES
    ):
        return None
    author = request.author or ""
    if conv.is_participant(request.viewer):
        side = request.viewer
    elif request.purpose == SUBJECT_ACCESS and request.subject is not None:
        side = request.subject
    else:
        return None
    if author == side or visible_preparation(conv, side, author) is not None:
        return None
    preparation = conv.preparations.get(author)
    if preparation is None or not preparation.published:
        return deny(
            "another person's unpublished preparation is visible to its author alone until the "
            "conversation is held (neither side sees the other's first)"
        )
    return deny(
        "until the conversation is held, the other side's preparation is shown only once "
        f"{side} has published their own (blind until published)"
    )


def _carried_participant(request: AccessRequest, context: AccessContext) -> Decision | None:
    """A carried-forward agreement: seen by those who took part where it was agreed."""
    if request.viewer in context.took_part.get(request.carried_from or "", frozenset()):
        return Decision(
            True, f"participant (of {request.carried_from}, where it was agreed)", Basis.PARTICIPANT
        )
    return None


def _handed_over(choice: SharingChoice, request: AccessRequest, conv: Conversation | None) -> bool:
    """Whether *choice*, a ``handover`` choice, opens a carried-forward agreement to a reader
    who takes part in the conversation it was carried into, reading to take part in it (a new
    manager in their first conversation with the employee). It opens nothing read for another
    purpose (an HR overview, say): a choice holds for its own purpose only."""
    return (
        choice.purpose == HANDOVER
        and request.carried_from is not None
        and request.purpose == PARTICIPATION
        and conv is not None
        and conv.id == request.conversation
        and conv.is_participant(request.viewer)
    )


def _maker_sees(request: AccessRequest, maker: str, conv: Conversation | None) -> bool:
    """Whether *maker*, whose sharing choices are asked, sees what *request* reads: a choice
    passes on what its maker sees, never more. So it opens another participant's preparation
    only as :func:`visible_preparation` shows it to the maker: not the other side's before the
    maker may read it (blind until published: a confidant would read it for them), and not
    one its author showed to other roles only. An unknown conversation opens no preparation."""
    if request.part is not Part.PREPARATION:
        return True
    if conv is None or conv.id != request.conversation:
        return False
    author = request.author or ""
    return author == maker or visible_preparation(conv, maker, author) is not None


def decide_access(request: AccessRequest, context: AccessContext) -> Decision:
    """Decide one read; see the module docstring for the rules and their order."""
    day = local_day(request.at, request.zone)
    roles = context.directory.roles_of(request.viewer, day)
    conversation_id = request.conversation
    blind = _blind(request, context.conversation)
    if blind is not None:
        return blind
    if context.restrictions.covers(conversation_id) or (
        request.carried_from is not None and context.restrictions.covers(request.carried_from)
    ):  # a copy carried out of a restricted conversation is restricted with it
        if PRIVACY_OFFICER in roles:
            return Decision(
                True, "privacy officer (restricted record, AVG art. 18)", Basis.PRIVACY_OFFICER
            )
        return deny("the record is restricted (AVG art. 18): only the privacy officer reads it")
    if request.purpose == SUBJECT_ACCESS:  # blind until published: rule 0 (:func:`_blind`)
        if request.subject is not None and (
            request.viewer == request.subject or PRIVACY_OFFICER in roles
        ):
            return Decision(True, "subject access (AVG art. 15)", Basis.SUBJECT_ACCESS)
        return deny("a subject-access request is made by the employee or the privacy officer")
    if request.special_category and request.purpose in (HR_OVERVIEW, RESEARCH):
        return deny(f"special-category content never appears in {request.purpose} data")
    if request.part is Part.PRIVATE_NOTE:
        if request.author is not None and request.author == request.viewer:
            return Decision(True, "author", Basis.AUTHOR)
        return deny("a private note is visible to its author alone")
    goal = context.goal
    if request.part is Part.GOAL and goal is not None and request.subject == goal.owner:
        if request.viewer == goal.owner:
            return Decision(True, "participant (goal owner)", Basis.PARTICIPANT)
        if request.viewer in goal.collaborators:
            return Decision(True, "participant (works on the goal)", Basis.PARTICIPANT)
    conv = context.conversation
    if request.carried_from is not None:
        decision = _carried_participant(request, context)
        if decision is not None:
            return decision
    elif conv is not None and conversation_id == conv.id:
        decision = _participant_decision(request, conv)
        if decision is not None:
            return decision
    if request.part is Part.PREPARATION and conv is not None:
        preparation = conv.preparations.get(request.author or "")
        if preparation is None or not preparation.published:
            return deny("an unpublished preparation is visible to its author alone")
    sharing = context.sharing
    if (
        sharing is not None
        and request.subject == sharing.person
        and _maker_sees(request, sharing.person, conv)
    ):
        for choice in sharing.choices.values():
            if (
                (choice.purpose == request.purpose or _handed_over(choice, request, conv))
                and choice.active_at(request.at, request.zone)
                and choice_covers(choice, request)
                and grantee_matches(choice, request.viewer, day, context.directory)
            ):
                return Decision(
                    True, f"sharing choice {choice.id}", Basis.SHARING_CHOICE, choice.id
                )
    if request.part is Part.PREPARATION and conv is not None:
        shown = conv.preparations.get(request.author or "")
        if shown is not None and shown.shown_to:
            return deny(
                "its author showed this preparation to "
                f"{', '.join(shown.shown_to)} only (no legal basis opens it)"
            )
    if not request.special_category and not request.special_kind:
        for basis in context.legal_bases:
            if (
                basis.purpose == request.purpose
                and request.part in basis.parts
                and (basis.roles & roles)
            ):
                return Decision(
                    True, f"legal basis {basis.name} ({basis.article})", Basis.LEGAL_BASIS
                )
    if roles & AGGREGATE_ONLY_ROLES:
        return deny("the works council and researchers see only aggregates")
    if request.special_category:
        return deny("special-category content is shared only by the employee's own choice")
    return deny("no participation, sharing choice or legal basis allows it")
