"""What each participant sees of a conversation before it is held."""

from __future__ import annotations

import attrs

from ...model.records import (
    Preparation,
)
from .state import (
    HELD_STATES,
    Conversation,
)

__all__ = ["seen_by", "visible_preparation"]


def visible_preparation(conv: Conversation, viewer: str, author: str) -> Preparation | None:
    """The preparation of *author* as *viewer* may see it, or ``None``.

    An author always sees their own. Another participant sees it only once the author has
    published it **and** the viewer has published their own (or the conversation has been held,
    when nothing is left to prepare). A conversation that was cancelled or did not happen was
    never held: cancelling does not open the other side's preparation. Nobody else sees it here:
    reads by others go through the access policy.

    A preparation the author published to named roles (``shown_to``: e.g. the coach only) is
    seen by the participants in those roles at once, before the conversation too, and by no
    other participant, ever (the author's own choice).
    """
    preparation = conv.preparations.get(author)
    if preparation is None:
        return None
    if viewer == author:
        return preparation
    if not conv.is_participant(viewer) or not preparation.published:
        return None
    if preparation.shown_to:
        return preparation if str(conv.role_of(viewer)) in preparation.shown_to else None
    own = conv.preparations.get(viewer)
    if own is not None and own.published:
        return preparation
    return preparation if conv.state in HELD_STATES else None


def seen_by(conv: Conversation, viewer: str) -> Conversation:
    """*conv* with only what *viewer*, a participant writing in it, sees as a participant:
    their own private notes, the preparations :func:`visible_preparation` shows them, and no
    agreements carried forward from earlier conversations (those are decided one by one where
    they were agreed). For plugins that check what *viewer* writes (``magcore_check_record``):
    they act for the writer and get no more than the writer sees."""
    return attrs.evolve(
        conv,
        private_notes=tuple(n for n in conv.private_notes if n.author == viewer),
        preparations={
            author: prep
            for author in conv.preparations
            if (prep := visible_preparation(conv, viewer, author)) is not None
        },
        carried_forward=(),
    )
