"""The coach's observations reach the shared record only with the employee's own consent.

Why: in the three-party stress conversation the coach hears and sees things that may be health
data. The coach's own notes are private notes (visible to the coach alone; magcore never opens
them to anyone else). The record is read by the manager too, so what the coach observed may go
into it only when the employee said so, in their own words, in the self-check they prepared.

This module is the ``magcore_check_record`` rule that enforces it: a record of a stress-triangle
conversation whose ``coach_observations`` field is filled in is refused unless the employee's own
preparation answers ``coach_may_write_observations: true``. Only the employee writes their own
preparation, so nobody else can give this consent for them, and the employee can change it until
the conversation is held.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from magcore.domain.conversation import Conversation
from magcore.errors import Problem
from magcore.i18n import MessageBundle

__all__ = [
    "CONSENT_FIELD",
    "KIND",
    "KINDS",
    "MESSAGE_KEY",
    "OBSERVATIONS_FIELD",
    "consented",
    "message_bundles",
    "record_problems",
]

KIND = "stress-triangle"
#: The kinds the rule covers: the triangle with a coach and the one with the company doctor.
KINDS = frozenset({KIND, "doctor-triangle"})
CONSENT_FIELD = "coach_may_write_observations"
OBSERVATIONS_FIELD = "coach_observations"
MESSAGE_KEY = "waalwijk.coach_observations_need_consent"
_TEXTS = {
    "nl": (
        "De coach mag dit alleen invullen als de medewerker dat goed vindt. De medewerker zegt dat "
        "in de zelfcheck. Laat dit veld leeg, of vraag het de medewerker."
    ),
    "en": (
        "The coach may only fill this in if the employee agrees. The employee says so in the "
        "self-check. Leave this field empty, or ask the employee."
    ),
}


def consented(conversation: Conversation) -> bool:
    """Whether the employee's own preparation allows the coach's observations in the record."""
    if conversation.subject is None:
        return False
    preparation = conversation.preparations.get(conversation.subject)
    return preparation is not None and preparation.answers.get(CONSENT_FIELD) is True


def record_problems(record: Mapping[str, Any], conversation: Any) -> list[Problem]:
    """The problems with *record* of *conversation* under this rule (empty if none)."""
    if not isinstance(conversation, Conversation) or conversation.kind not in KINDS:
        return []
    if not conversation.cycle.startswith("waalwijk-stress-triangle@"):
        return []
    text = record.get(OBSERVATIONS_FIELD)
    if not isinstance(text, str) or not text.strip() or consented(conversation):
        return []
    return [Problem(f"/{OBSERVATIONS_FIELD}", _TEXTS["nl"], keyword=MESSAGE_KEY)]


def message_bundles() -> tuple[MessageBundle, ...]:
    """The rule's message in Dutch and English, for the catalogue."""
    return tuple(
        MessageBundle(language=language, messages={MESSAGE_KEY: text})
        for language, text in _TEXTS.items()
    )
