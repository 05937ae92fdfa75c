"""Goals: what an employee wants to reach over several conversations, with progress notes.

A goal lives in its own event stream (``goal:<id>``). It belongs to the employee (its owner);
the people who shared the conversation it came from may add progress notes, and either side may
link it to later conversations. A goal has a status (open, reached, changed, dropped) and never
a score: "reached" or "dropped" is a fact both may record, not a judgement.

A goal may point to an entry of a cycle's themes (``topic``): a value, a behaviour or a
competence the cycle definition declares (:meth:`~magcore.model.cycle.CycleDefinition.link`).
The link is metadata (an id from the definition, in clear); the goal's title and description
are content. The service checks the link against the definition of ``cycle`` (or of the
conversation the goal was agreed in); no level is ever attached to it. A goal made from an
agreement of a record (``agreement``: ``<conversation>#<agreement>``) names that agreement. When
the service made it from the record (:mod:`magcore.app.record_goals`), its ``goal.set`` event
also says where its words were written (``copied_from``): its title and description are that
conversation's words, sealed with the conversation's key and erased with it
(:data:`CONTENT_FIELDS`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Final

import attrs

from .._typing import to_tuple
from ..errors import TransitionError
from ..events import Event
from ..model.content import ContentField, EventContent, metadata_only
from ..model.input_choices import choice
from ..model.input_commands import check_command
from ..model.input_policy import (
    normalise,
    valid_id,
    valid_ids,
    valid_optional_id,
    valid_text,
)

__all__ = [
    "CONTENT_FIELDS",
    "GOAL_STREAM",
    "CloseGoal",
    "Goal",
    "GoalCommand",
    "GoalEvent",
    "GoalStatus",
    "LinkConversation",
    "NoteProgress",
    "ProgressNote",
    "SetGoal",
    "apply_goal",
    "copy_origin",
    "decide_goal",
    "goal_stream",
    "record_goal_id",
    "replay_goal",
]


class GoalEvent(enum.StrEnum):
    """The event types of a goal's stream ``goal:<id>``."""

    SET = "goal.set"
    PROGRESS_NOTED = "goal.progress_noted"
    LINKED = "goal.linked"
    CLOSED = "goal.closed"


GOAL_STREAM = "goal"


def goal_stream(goal_id: str) -> str:
    """The event stream of a goal."""
    return f"{GOAL_STREAM}:{goal_id}"


def record_goal_id(conversation_id: str, agreement_id: str) -> str:
    """The id of the goal the service makes from agreement *agreement_id* of a conversation's
    record (:func:`magcore.app.record_goals.goal_id`)."""
    return f"{conversation_id}.{agreement_id}"


def copy_origin(goal_id: str, data: Mapping[str, Any]) -> tuple[str, bool] | None:
    """Where the words of a goal come from, by its ``goal.set`` event's *data* (metadata only):
    ``(conversation, sealed with that conversation's key)``, or ``None`` for a goal in its
    owner's own words.

    A goal the service made from a record says so (``copied_from``: its words are sealed with
    the key of the conversation named). One made before it did (an older store: no
    ``copied_from``, but the id :func:`record_goal_id` gives for its ``agreement``) holds the
    same copy sealed with the goal's own key (``False``).
    """
    copied = data.get("copied_from")
    if isinstance(copied, str) and "#" in copied:
        return copied.partition("#")[0], True
    agreement = data.get("agreement")
    if copied is None and isinstance(agreement, str) and "#" in agreement:
        conversation, _, agreement_id = agreement.partition("#")
        if goal_id == record_goal_id(conversation, agreement_id):
            return conversation, False
    return None


class GoalStatus(enum.StrEnum):
    """Where a goal stands; a fact, never a grade."""

    OPEN = "open"
    REACHED = "reached"
    CHANGED = "changed"
    DROPPED = "dropped"


@attrs.frozen(kw_only=True)
class ProgressNote:
    """A note on the way to a goal, by the owner or someone they work on it with."""

    author: str
    text: str
    at: datetime
    conversation: str | None = None


@attrs.frozen(kw_only=True)
class Goal:
    """A goal and its history, rebuilt from its events."""

    id: str
    owner: str
    title: str
    description: str = ""
    theme: str | None = None
    status: GoalStatus = GoalStatus.OPEN
    agreed_in: str | None = None
    created_at: datetime
    topic: str | None = None
    """A value, behaviour or competence of the cycle's themes the goal points to."""
    cycle: str | None = None
    """The cycle (``id@version``) whose definition declares *topic*."""
    agreement: str | None = None
    """The agreement the goal was made from (``<conversation>#<agreement>``), if any."""
    collaborators: tuple[str, ...] = ()
    conversations: tuple[str, ...] = ()
    progress: tuple[ProgressNote, ...] = ()
    version: int = 1

    def may_write(self, person: str) -> bool:
        """The owner and the people working on it with them may add notes and links."""
        return person == self.owner or person in self.collaborators

    def to_json(self) -> dict[str, Any]:
        """The goal in the open record format (``schemas/goal.schema.json``)."""
        return {
            "id": self.id,
            "owner": self.owner,
            "title": self.title,
            "description": self.description,
            "theme": self.theme,
            "status": self.status.value,
            "agreed_in": self.agreed_in,
            "topic": self.topic,
            "cycle": self.cycle,
            "agreement": self.agreement,
            "created_at": self.created_at.isoformat(),
            "conversations": list(self.conversations),
            "progress": [
                {
                    "author": n.author,
                    "text": n.text,
                    "at": n.at.isoformat(),
                    "conversation": n.conversation,
                }
                for n in self.progress
            ],
        }


@attrs.frozen(kw_only=True)
class GoalCommand:
    actor: str = attrs.field(validator=valid_id)
    goal_id: str = attrs.field(validator=valid_id)
    action: str = attrs.field(init=False, default="act")

    def __attrs_post_init__(self) -> None:
        # The command as a whole: at most MAX_ITEMS per list, MAX_COMMAND_BYTES of texts.
        check_command(self)


@attrs.frozen(kw_only=True)
class SetGoal(GoalCommand):
    """Set a goal for *owner*; *collaborators* (e.g. the manager) read it and may add notes.

    The owner sets their own goal and names anyone. Someone else (the manager) sets it only
    with the owner in a conversation they both took part in (*agreed_in*), names themselves
    among the collaborators, and names no one who did not take part in it: who works on a goal
    reads the owner's progress notes. Whoever sets it, the service checks what it names: the
    owner and the actor both took part in *agreed_in*, and *agreement* is one of that
    conversation's agreed record (given alone, its conversation fills *agreed_in* in); the
    same for the conversation of :class:`LinkConversation`
    (:meth:`~magcore.app.linked.LinksMixin._check_goal_conversations`).
    """

    owner: str = attrs.field(validator=valid_id)
    title: str = attrs.field(converter=normalise, validator=valid_text)
    description: str = attrs.field(default="", converter=normalise, validator=valid_text)
    theme: str | None = attrs.field(default=None, validator=valid_optional_id)
    agreed_in: str | None = attrs.field(default=None, validator=valid_optional_id)
    collaborators: tuple[str, ...] = attrs.field(
        default=(), converter=to_tuple, validator=valid_ids
    )
    topic: str | None = attrs.field(default=None, validator=valid_optional_id)
    """A value, behaviour or competence id of the cycle's themes (checked by the service)."""
    cycle: str | None = attrs.field(default=None, validator=valid_optional_id)
    """The cycle declaring *topic*; defaults to the cycle of *agreed_in*."""
    agreement: str | None = attrs.field(default=None, validator=valid_optional_id)
    action: str = attrs.field(init=False, default="set_goal")


@attrs.frozen(kw_only=True)
class NoteProgress(GoalCommand):
    text: str = attrs.field(converter=normalise, validator=valid_text)
    conversation: str | None = attrs.field(default=None, validator=valid_optional_id)
    action: str = attrs.field(init=False, default="note_progress")


@attrs.frozen(kw_only=True)
class LinkConversation(GoalCommand):
    """Link a later conversation to a goal: one its owner and the actor both take part in (the
    service checks it)."""

    conversation: str = attrs.field(validator=valid_id)
    action: str = attrs.field(init=False, default="link_conversation")


def _goal_status(value: GoalStatus | str) -> GoalStatus:
    return choice(GoalStatus, value, "/status")


@attrs.frozen(kw_only=True)
class CloseGoal(GoalCommand):
    status: GoalStatus = attrs.field(converter=_goal_status)
    note: str = attrs.field(default="", converter=normalise, validator=valid_text)
    action: str = attrs.field(init=False, default="close_goal")


def _refuse(goal: Goal | None, command: GoalCommand, reason: str) -> TransitionError:
    state = "new" if goal is None else goal.status.value
    return TransitionError(
        conversation_id=f"goal {command.goal_id}",
        state=state,
        action=command.action,
        reason=reason,
    )


def decide_goal(goal: Goal | None, command: GoalCommand, *, now: datetime) -> tuple[Event, ...]:
    """Check *command* against *goal* and return its events, or raise TransitionError."""
    stream = goal_stream(command.goal_id)
    if isinstance(command, SetGoal):
        if goal is not None:
            raise _refuse(goal, command, "the goal already exists")
        if not command.title.strip() or len(command.title) > 200:
            raise _refuse(goal, command, "a goal needs a title of 1 to 200 characters")
        if command.actor != command.owner and (
            command.actor not in command.collaborators or command.agreed_in is None
        ):
            raise _refuse(
                goal,
                command,
                "a goal is set by its owner, or with them in a conversation (agreed_in)",
            )
        return (
            Event(
                stream=stream,
                version=1,
                type=GoalEvent.SET,
                at=now,
                actor=command.actor,
                data={
                    "owner": command.owner,
                    "title": command.title,
                    "description": command.description,
                    "theme": command.theme,
                    "agreed_in": command.agreed_in,
                    "collaborators": list(command.collaborators),
                    # only when given: a goal without a link keeps its event as before
                    **{
                        name: value
                        for name in ("topic", "cycle", "agreement")
                        if (value := getattr(command, name)) is not None
                    },
                },
            ),
        )
    if goal is None:
        raise _refuse(goal, command, "there is no such goal")
    if not goal.may_write(command.actor):
        raise _refuse(goal, command, f"{command.actor} does not work on this goal")
    if goal.status is not GoalStatus.OPEN:
        raise _refuse(goal, command, "the goal is closed")
    version = goal.version + 1

    def event(kind: str, **data: Any) -> Event:
        return Event(
            stream=stream, version=version, type=kind, at=now, actor=command.actor, data=data
        )

    match command:
        case NoteProgress():
            if not command.text.strip():
                raise _refuse(goal, command, "a progress note needs text")
            return (
                event(
                    GoalEvent.PROGRESS_NOTED, text=command.text, conversation=command.conversation
                ),
            )
        case LinkConversation():
            if command.conversation in goal.conversations:
                raise _refuse(goal, command, "the conversation is already linked")
            return (event(GoalEvent.LINKED, conversation=command.conversation),)
        case CloseGoal():
            if command.actor != goal.owner:
                raise _refuse(goal, command, "only the owner closes their goal")
            if command.status is GoalStatus.OPEN:
                raise _refuse(goal, command, "closing needs reached, changed or dropped")
            return (event(GoalEvent.CLOSED, status=command.status.value, note=command.note),)
    raise _refuse(goal, command, "unknown action")


def apply_goal(event: Event, goal: Goal | None) -> Goal:
    """Fold one event into a goal."""
    data = event.data
    if goal is None:
        if event.type != GoalEvent.SET:
            raise ValueError(f"a goal starts with goal.set, not {event.type}")
        agreed_in = data.get("agreed_in")
        return Goal(
            id=event.stream.partition(":")[2],
            owner=data["owner"],
            title=data["title"],
            description=data.get("description", ""),
            theme=data.get("theme"),
            agreed_in=agreed_in,
            topic=data.get("topic"),
            cycle=data.get("cycle"),
            agreement=data.get("agreement"),
            created_at=event.at,
            collaborators=tuple(data.get("collaborators", ())),
            conversations=(agreed_in,) if agreed_in else (),
            version=event.version,
        )
    goal = attrs.evolve(goal, version=event.version)
    match event.type:
        case GoalEvent.PROGRESS_NOTED:
            note = ProgressNote(
                author=event.actor,
                text=data["text"],
                at=event.at,
                conversation=data.get("conversation"),
            )
            return attrs.evolve(goal, progress=(*goal.progress, note))
        case GoalEvent.LINKED:
            return attrs.evolve(goal, conversations=(*goal.conversations, data["conversation"]))
        case GoalEvent.CLOSED:
            status = GoalStatus(data["status"])
            progress = goal.progress
            if data.get("note"):
                progress = (
                    *progress,
                    ProgressNote(author=event.actor, text=data["note"], at=event.at),
                )
            return attrs.evolve(goal, status=status, progress=progress)
    return goal


def replay_goal(events: Iterable[Event]) -> Goal:
    """Rebuild a goal from its events."""
    goal: Goal | None = None
    for event in events:
        goal = apply_goal(event, goal)
    if goal is None:
        raise ValueError("no events to replay")
    return goal


#: Content and metadata of every goal event type. Content is under the goal's own data key,
#: except the words of a goal the service made from a record's agreement: ``copied_from``
#: (``<conversation>#<agreement>``, where the words were written) says they are a copy, sealed
#: with *that* conversation's key, so destroying the conversation erases the copy too. A goal
#: set directly (its owner's own words, with or without an ``agreement`` it links to), and
#: every progress and closing note, stay under the goal's key.
CONTENT_FIELDS: Final[Mapping[str, EventContent]] = {
    "goal.set": EventContent(
        content=[
            ContentField("title", origin="copied_from"),
            ContentField("description", origin="copied_from"),
        ],
        metadata=[
            "owner",
            "theme",
            "agreed_in",
            "collaborators/*",
            "topic",
            "cycle",
            "agreement",
            "copied_from",
        ],
    ),
    "goal.progress_noted": EventContent(content=["text"], metadata=["conversation"]),
    "goal.linked": metadata_only("conversation"),
    "goal.closed": EventContent(content=["note"], metadata=["status", "agreement"]),
}
