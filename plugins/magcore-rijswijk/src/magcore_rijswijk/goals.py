"""Personal goals linked to the growth matrix: the record check, and the competence list.

Why: in Rijswijk's one-to-one conversations a personal goal belongs to one of the core values of
the growth matrix, and may point to a behaviour or a competence of that value. The links are
declared in ``cycle.json`` (each value's ``topics``); the record form marks its goal list with
``x-magcore-goals``, so magcore itself turns each goal into an agreement of the employee (it
carries forward) and, once the record is agreed, into a goal linked to its behaviour,
competence or value. This module adds only Rijswijk's own rule: the goal's value was discussed,
and a behaviour or competence belongs to the goal's value. Nothing here has a level.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from magcore.domain.conversation import Conversation
from magcore.errors import Problem
from magcore.i18n import MessageBundle
from magcore.model.themes import ThemeTopic, TopicKind

__all__ = [
    "CYCLE_ID",
    "MESSAGE_KEY",
    "TOPIC_KEY",
    "competences",
    "message_bundles",
    "record_problems",
]

CYCLE_ID = "rijswijk-growth-matrix"
MESSAGE_KEY = "rijswijk.goal_value_not_discussed"
TOPIC_KEY = "rijswijk.goal_topic_of_other_value"
_TEXTS = {
    MESSAGE_KEY: {
        "nl": "Dit doel hoort bij een kernwaarde waar jullie niet over praatten. Kies die waarde "
        "ook bij 'Over welke kernwaarden hebben jullie gepraat?', of kies een andere waarde.",
        "en": "This goal belongs to a core value you did not talk about. Also choose that value "
        "under 'Which core values did you talk about?', or choose another value.",
    },
    TOPIC_KEY: {
        "nl": "Dit gedrag of deze competentie hoort bij een andere kernwaarde dan het doel. "
        "Kies er een van de kernwaarde van het doel, of laat het leeg.",
        "en": "This behaviour or competence belongs to another core value than the goal. "
        "Choose one of the goal's core value, or leave it empty.",
    },
}


def _topics_by_value() -> dict[str, tuple[ThemeTopic, ...]]:
    from .plugin import plugin

    return {theme.id: theme.topics for theme in plugin.definition().themes}


def competences() -> dict[str, tuple[ThemeTopic, ...]]:
    """The growth matrix's competences per core value (topics to talk about, never levels)."""
    return {
        value: tuple(t for t in topics if t.kind is TopicKind.COMPETENCE)
        for value, topics in _topics_by_value().items()
    }


def record_problems(record: Mapping[str, Any], conversation: Any) -> list[Problem]:
    """Every personal goal belongs to a core value the record says was discussed, and its
    behaviour or competence (if chosen) to that value."""
    if not isinstance(conversation, Conversation):
        return []
    if not conversation.cycle.startswith(f"{CYCLE_ID}@"):
        return []
    discussed = set(record.get("values_discussed") or ())
    topics = _topics_by_value()
    problems: list[Problem] = []
    for index, goal in enumerate(record.get("personal_goals") or ()):
        if not isinstance(goal, Mapping):
            continue
        value = goal.get("value")
        if value not in discussed:
            pointer = f"/personal_goals/{index}/value"
            problems.append(Problem(pointer, _TEXTS[MESSAGE_KEY]["nl"], keyword=MESSAGE_KEY))
        about = goal.get("about")
        if about and about not in {t.id for t in topics.get(str(value), ())}:
            pointer = f"/personal_goals/{index}/about"
            problems.append(Problem(pointer, _TEXTS[TOPIC_KEY]["nl"], keyword=TOPIC_KEY))
    return problems


def message_bundles() -> tuple[MessageBundle, ...]:
    """The rules' messages in Dutch and English, for the catalogue."""
    return tuple(
        MessageBundle(
            language=language, messages={key: texts[language] for key, texts in _TEXTS.items()}
        )
        for language in ("nl", "en")
    )
