"""The streams the service decides on: conversations, goals and a person's sharing choices.

Each :class:`~magcore.app.handler.Aggregate` names its stream and how its state is rebuilt from
the events; :data:`IDEMPOTENT` lists the commands the handler may decide again after a conflict.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..domain.conversation import (
    AddDissent,
    AddPrivateNote,
    AddResponse,
    Conversation,
    PublishPreparation,
    RaiseTopic,
    SavePreparation,
    apply,
    read_model,
    replay,
    stream_of,
)
from ..domain.goals import Goal, NoteProgress, goal_stream, replay_goal
from ..domain.sharing import SharingCommand, SharingState, listing_rows, person_stream
from ..domain.sharing import replay as replay_sharing
from ..events import Event
from .handler import Aggregate

__all__ = ["CONVERSATION", "GOAL", "IDEMPOTENT", "SHARING", "evolve_conversation"]


def evolve_conversation(conv: Conversation, events: Sequence[Event]) -> Conversation:
    """*conv* after *events* (the aggregate folded forward, no replay from the start)."""
    for event in events:
        conv = apply(event, conv)
    return conv


#: A conversation's stream (``conversation:<id>``) and how its state is rebuilt.
CONVERSATION: Aggregate[Conversation] = Aggregate(
    "conversation",
    stream_of,
    lambda _id, events: replay(events),
    evolve_conversation,
    read_model,
)
#: A goal's stream (``goal:<id>``).
GOAL: Aggregate[Goal] = Aggregate("goal", goal_stream, lambda _id, events: replay_goal(events))
#: A person's sharing choices (``person:<id>``).
SHARING: Aggregate[SharingState] = Aggregate(
    "person", person_stream, replay_sharing, person_rows=listing_rows
)


#: Commands that are safe to decide again on a newer state after a conflict: each changes only
#: what its own author wrote (a preparation, a topic, a note, a response, a dissent, progress on
#: a goal) or a person's own sharing choices. The handler retries them with jittered back-off.
#: Commands about what both sides saw (a record, its confirmation, a date) are not retried: a
#: conflict there means the other side changed something the caller should look at first.
IDEMPOTENT: tuple[type, ...] = (
    SavePreparation,
    PublishPreparation,
    RaiseTopic,
    AddPrivateNote,
    AddResponse,
    AddDissent,
    NoteProgress,
    SharingCommand,
)
