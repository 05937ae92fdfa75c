"""Texts in Dutch and English (plain language, B1)."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from .input_policy import normalise, text_problem

__all__ = ["LANGUAGES", "Text", "as_optional_text", "as_text"]

LANGUAGES = ("nl", "en")


def _non_empty(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{attribute.name} must be a non-empty text")
    problem = text_problem(value, pointer=f"/{attribute.name}")
    if problem is not None:
        raise ValueError(f"{attribute.name} {problem.message}")


@attrs.frozen
class Text:
    """One text in Dutch (``nl``) and English (``en``); both are required."""

    nl: str = attrs.field(converter=normalise, validator=_non_empty)
    en: str = attrs.field(converter=normalise, validator=_non_empty)

    def get(self, language: str) -> str:
        """The text in *language* (``nl`` or ``en``); other languages fall back to Dutch."""
        return self.en if language == "en" else self.nl

    @classmethod
    def coerce(cls, value: Text | Mapping[str, str] | str) -> Text:
        """Accept a Text, a ``{"nl": ..., "en": ...}`` mapping, or one string for both."""
        if isinstance(value, Text):
            return value
        if isinstance(value, str):
            return cls(nl=value, en=value)
        return cls(nl=value["nl"], en=value["en"])

    def to_json(self) -> dict[str, str]:
        return {"nl": self.nl, "en": self.en}


def as_text(value: Text | Mapping[str, str] | str) -> Text:
    """Converter: a Text from a Text, a mapping or a string."""
    return Text.coerce(value)


def as_optional_text(value: Text | Mapping[str, str] | str | None) -> Text | None:
    """Converter: like :func:`as_text`, but ``None`` stays ``None``."""
    return None if value is None else Text.coerce(value)
