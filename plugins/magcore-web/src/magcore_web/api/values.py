"""The bodies the API sends: frozen attrs values, made from the gateway's views.

They hold only what a view holds (what the asker may see); a part the asker may not see is
absent or empty, exactly as in the view. Times are ISO 8601 with their time zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, tzinfo
from typing import Any

import attrs

from magcore.access.gateway import Listed
from magcore.access.reading import ConversationView, GoalView
from magcore.domain.sharing import SharingChoice as DomainChoice

__all__ = [
    "AgreementOut",
    "ConversationOut",
    "ConversationSummary",
    "DissentOut",
    "GoalOut",
    "NoteOut",
    "ParticipantOut",
    "PreparationOut",
    "ProgressOut",
    "SharingChoiceOut",
    "TopicOut",
    "conversation_out",
    "goal_out",
    "sharing_out",
    "summary_out",
]


@attrs.frozen(kw_only=True)
class ConversationSummary:
    """One conversation in a listing: its metadata and which parts you may see; no content."""

    id: str
    cycle: str
    kind: str
    state: str
    subject: str | None
    parts: tuple[str, ...]


@attrs.frozen(kw_only=True)
class ParticipantOut:
    """A participant and their role (employee, manager, peer, coach)."""

    person: str
    role: str


@attrs.frozen(kw_only=True)
class AgreementOut:
    """An agreement in the record."""

    id: str
    text: str
    owner: str
    status: str
    due: date | None = None
    theme: str | None = None
    carried_from: str | None = None


@attrs.frozen(kw_only=True)
class TopicOut:
    """A topic a participant raised."""

    author: str
    text: str
    theme: str | None = None


@attrs.frozen(kw_only=True)
class PreparationOut:
    """A participant's preparation: seen by others only once published."""

    author: str
    answers: dict[str, Any]
    published_at: datetime | None = None


@attrs.frozen(kw_only=True)
class DissentOut:
    """A note of disagreement with a record revision."""

    author: str
    text: str
    at: datetime
    about_revision: int


@attrs.frozen(kw_only=True)
class NoteOut:
    """A private note (its author alone sees it) or a response to another note."""

    author: str
    text: str
    at: datetime
    about: str | None = None


@attrs.frozen(kw_only=True)
class ConversationOut:
    """What you may see of one conversation now (every part of this read is audited)."""

    id: str
    cycle: str
    kind: str
    state: str
    subject: str | None
    participants: tuple[ParticipantOut, ...]
    scheduled_for: datetime | None = None
    held_on: date | None = None
    version: int | None = None
    summary: str | None = None
    answers: dict[str, Any] = attrs.field(factory=dict)
    themes: tuple[str, ...] = ()
    """The themes the record says were discussed (as far as you may see them)."""
    agreements: tuple[AgreementOut, ...] = ()
    carried_forward: tuple[AgreementOut, ...] = ()
    topics: tuple[TopicOut, ...] = ()
    preparations: tuple[PreparationOut, ...] = ()
    dissents: tuple[DissentOut, ...] = ()
    responses: tuple[NoteOut, ...] = ()
    private_notes: tuple[NoteOut, ...] = ()
    revision: int | None = None
    confirmed_by: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class ProgressOut:
    """A progress note on a goal."""

    author: str
    text: str
    at: datetime
    conversation: str | None = None


@attrs.frozen(kw_only=True)
class GoalOut:
    """A goal: its owner's, shared with its collaborators and by the owner's choices."""

    id: str
    owner: str
    title: str
    description: str
    status: str
    created_at: datetime
    theme: str | None = None
    agreed_in: str | None = None
    collaborators: tuple[str, ...] = ()
    conversations: tuple[str, ...] = ()
    progress: tuple[ProgressOut, ...] = ()
    version: int = 1


@attrs.frozen(kw_only=True)
class SharingChoiceOut:
    """One of your sharing choices: who sees what, for which purpose, until when."""

    id: int
    to: str
    what: str
    purpose: str
    granted_at: datetime
    until: date | None = None
    conversation: str | None = None
    revoked_at: datetime | None = None
    active: bool = True


def summary_out(item: Listed) -> ConversationSummary:
    return ConversationSummary(
        id=item.conversation,
        cycle=item.cycle,
        kind=item.kind,
        state=item.state,
        subject=item.subject,
        parts=tuple(sorted(str(p.value) for p in item.parts)),
    )


def _agreement(a: Any) -> AgreementOut:
    return AgreementOut(
        id=a.id,
        text=a.text,
        owner=str(a.owner.value),
        status=str(a.status.value),
        due=a.due,
        theme=a.theme,
        carried_from=a.carried_from,
    )


def _when(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def conversation_out(view: ConversationView) -> ConversationOut:
    """The body of *view* (whose metadata the caller checked is there)."""
    meta: Mapping[str, Any] = view.metadata or {}
    return ConversationOut(
        id=view.id,
        cycle=str(meta.get("cycle", "")),
        kind=str(meta.get("kind", "")),
        state=str(meta.get("state", "")),
        subject=meta.get("subject"),
        participants=tuple(
            ParticipantOut(person=p["person"], role=p["role"]) for p in meta.get("participants", ())
        ),
        scheduled_for=_when(meta.get("scheduled_for")),
        held_on=_day(meta.get("held_on")),
        version=view.version,
        summary=view.summary,
        answers=dict(view.answers),
        themes=tuple(view.themes),
        agreements=tuple(_agreement(a) for a in view.agreements),
        carried_forward=tuple(_agreement(a) for a in view.carried_forward),
        topics=tuple(TopicOut(author=t.author, text=t.text, theme=t.theme) for t in view.topics),
        preparations=tuple(
            PreparationOut(author=p.author, answers=dict(p.answers), published_at=p.published_at)
            for _, p in sorted(view.preparations.items())
        ),
        dissents=tuple(
            DissentOut(author=d.author, text=d.text, at=d.at, about_revision=d.about_revision)
            for d in view.dissents
        ),
        responses=tuple(
            NoteOut(author=r.author, text=r.text, at=r.at, about=r.about) for r in view.responses
        ),
        private_notes=tuple(
            NoteOut(author=n.author, text=n.text, at=n.at) for n in view.private_notes
        ),
        revision=view.revision,
        confirmed_by=tuple(sorted(view.confirmed_by)),
    )


def goal_out(view: GoalView) -> GoalOut:
    """The body of *view* (whose goal the caller checked is there: a view without it raises
    ``ValueError``, never an answer with nothing in it)."""
    goal = view.goal
    if goal is None:
        raise ValueError(f"goal {view.id} is not shown to {view.viewer}: {view.decision.reason}")
    return GoalOut(
        id=goal.id,
        owner=goal.owner,
        title=goal.title,
        description=goal.description,
        status=str(goal.status.value),
        created_at=goal.created_at,
        theme=goal.theme,
        agreed_in=goal.agreed_in,
        collaborators=tuple(goal.collaborators),
        conversations=tuple(goal.conversations),
        progress=tuple(
            ProgressOut(author=p.author, text=p.text, at=p.at, conversation=p.conversation)
            for p in goal.progress
        ),
        version=goal.version,
    )


def sharing_out(choice: DomainChoice, now: datetime, zone: tzinfo) -> SharingChoiceOut:
    """*choice* as the API shows it; ``active`` as the gateway decides it: ``until`` is a day
    in the installation's time zone *zone*, so the choice ends at local midnight (not UTC's)."""
    return SharingChoiceOut(
        id=choice.id,
        to=choice.to,
        what=choice.what,
        purpose=choice.purpose,
        granted_at=choice.granted_at,
        until=choice.until,
        conversation=choice.conversation,
        revoked_at=choice.revoked_at,
        active=choice.active_at(now, zone),
    )
