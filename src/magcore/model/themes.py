"""Themes (conversation cards): what a conversation may be about. Themes are data, never code.

A theme may list **topics**: the behaviours that show a value in practice, or the competences
connected to it (Rijswijk's growth matrix, Amsterdam WPI's behaviours per value). A topic is
something to talk about and to link a goal to, never a level of a person: a topic has no scale,
and the scoring guard refuses a level of one.
"""

from __future__ import annotations

import enum

import attrs

from .._typing import to_tuple
from ._org_fields import _valid_id
from .text import Text, as_text

__all__ = ["MAG_THEME_IDS", "Theme", "ThemeTopic", "TopicKind"]

#: The ids of MAG's six themes (the card set published with Mijn Amsterdams Gesprek).
MAG_THEME_IDS = (
    "social_safety",
    "vitality",
    "performing",
    "career_and_mobility",
    "learning_and_development",
    "joker",
)


def _texts(value: object) -> tuple[Text, ...]:
    if not isinstance(value, list | tuple):
        raise TypeError("prompts must be a list")
    return tuple(Text.coerce(v) for v in value)


class TopicKind(enum.StrEnum):
    """What a topic of a theme is: a behaviour that shows the value, or a competence."""

    BEHAVIOUR = "behaviour"
    COMPETENCE = "competence"


@attrs.frozen(kw_only=True)
class ThemeTopic:
    """One behaviour or competence of a theme: an id a goal can point to, and its words."""

    id: str = attrs.field(validator=_valid_id)
    title: Text = attrs.field(converter=as_text)
    kind: TopicKind = attrs.field(default=TopicKind.BEHAVIOUR, converter=TopicKind)


@attrs.frozen(kw_only=True)
class Theme:
    """A theme or card: a title, short prompts to start talking, and whether it is sensitive.

    ``special_category`` marks a theme whose free text may hold health data (AVG art. 9), such as
    vitality: its content is employee-private unless the employee chooses to share it.
    ``topics`` lists the behaviours and competences of the theme (ids unique in the cycle).
    """

    id: str = attrs.field(validator=_valid_id)
    title: Text = attrs.field(converter=as_text)
    prompts: tuple[Text, ...] = attrs.field(default=(), converter=_texts)
    special_category: bool = False
    topics: tuple[ThemeTopic, ...] = attrs.field(default=(), converter=to_tuple)

    def topic(self, topic_id: str) -> ThemeTopic | None:
        """The topic *topic_id* of this theme, or ``None``."""
        return next((t for t in self.topics if t.id == topic_id), None)
