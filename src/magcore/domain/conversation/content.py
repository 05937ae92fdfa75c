"""What the conversation's events carry: content (encrypted, erasable) and metadata (in clear).

Every event type :func:`~magcore.domain.conversation.decide` makes is declared here; a test
fails when an event carries a string that is declared neither. Content is encrypted with the
conversation's own data key; copies of agreements carried forward from an earlier
conversation (``carried_from``) with the key of the conversation they came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ...model.content import ContentField, EventContent, metadata_only

__all__ = ["CONTENT_FIELDS"]

_AGREEMENT_METADATA = ("id", "owner", "due", "theme", "status", "carried_from")


def _agreements(where: str) -> tuple[str, ...]:
    return tuple(f"{where}/*/{key}" for key in _AGREEMENT_METADATA)


#: Content and metadata of every conversation event type.
CONTENT_FIELDS: Final[Mapping[str, EventContent]] = {
    "conversation.requested": EventContent(
        content=[ContentField("carried_forward/*/text", origin="carried_from")],
        metadata=(
            "cycle",
            "kind",
            "pattern",
            "participants/*/person",
            "participants/*/role",
            "preparers/*",
            "recorders/*",
            "team",
            "forms/*",
            "themes/*",
            "forms/*",
            *_agreements("carried_forward"),
        ),
    ),
    "conversation.scheduled": EventContent(content=["place"], metadata=["on", "minutes"]),
    "conversation.rescheduled": EventContent(
        content=["reason", "place"], metadata=["on", "minutes"]
    ),
    "preparation.saved": EventContent(content=[ContentField("answers", text=False)]),
    "preparation.published": metadata_only(),
    "topic.raised": EventContent(content=["text"], metadata=["theme"]),
    "conversation.held": metadata_only("on"),
    "conversation.not_held": metadata_only("reason"),
    "conversation.cancelled": EventContent(content=["reason"]),
    "record.drafted": EventContent(
        content=[
            "summary",
            ContentField("agreements/*/text", origin="carried_from"),
            ContentField("answers", text=False),
        ],
        metadata=("revision", "themes/*", "medium", "content_on_paper", *_agreements("agreements")),
    ),
    "record.confirmed": metadata_only("revision"),
    "conversation.agreed": metadata_only("revision"),
    "dissent.added": EventContent(content=["text"], metadata=["about_revision"]),
    "note.private_added": EventContent(content=["text"]),
    "response.added": EventContent(content=["text"], metadata=["about"]),
    "agreement.updated": EventContent(
        content=["note"], metadata=["agreement", "status", "via", "goal"]
    ),
}
