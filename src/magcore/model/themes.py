"""Themes (conversation cards): what a conversation may be about. Themes are data, never code."""

from __future__ import annotations

import attrs

from .organisation import _valid_id
from .text import Text, as_text

__all__ = ["MAG_THEME_IDS", "Theme"]

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


@attrs.frozen(kw_only=True)
class Theme:
    """A theme or card: a title, short prompts to start talking, and whether it is sensitive.

    ``special_category`` marks a theme whose free text may hold health data (AVG art. 9), such as
    vitality: its content is employee-private unless the employee chooses to share it.
    """

    id: str = attrs.field(validator=_valid_id)
    title: Text = attrs.field(converter=as_text)
    prompts: tuple[Text, ...] = attrs.field(default=(), converter=_texts)
    special_category: bool = False
