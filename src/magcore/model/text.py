"""Texts in Dutch and English (plain language, B1), and in any other language a plugin brings.

Every text has Dutch (``nl``) and English (``en``): they are the end of every fallback chain
(:mod:`magcore.languages`), so a text can always be shown. Other languages are optional and
keyed by their BCP 47 tag (``{"nl": ..., "en": ..., "fy": ..., "pap": ...}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ..languages import (
    BASE_LANGUAGES,
    DEFAULT_SETTINGS,
    LanguageError,
    LanguageSettings,
    Resolved,
    language_tag,
    resolve,
)
from .input_policy import normalise, text_problem

__all__ = ["LANGUAGES", "Text", "as_optional_text", "as_text"]

#: The languages every text has (Dutch and English). Kept under its old name: any other BCP 47
#: tag is accepted as an extra language (see :class:`Text`).
LANGUAGES = BASE_LANGUAGES


def _non_empty(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{attribute.name} must be a non-empty text")
    problem = text_problem(value, pointer=f"/{attribute.name}")
    if problem is not None:
        raise ValueError(f"{attribute.name} {problem.message}")


def _translations(value: Mapping[str, str] | Any) -> tuple[tuple[str, str], ...]:
    items = value.items() if isinstance(value, Mapping) else value
    result: dict[str, str] = {}
    for key, text in items:
        tag = language_tag(key, pointer=f"/{key}")
        if tag in BASE_LANGUAGES:
            raise LanguageError(f"{tag!r} is a text's own field, not a translation")
        text = normalise(text) if isinstance(text, str) else text
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{tag} must be a non-empty text")
        problem = text_problem(text, pointer=f"/{tag}")
        if problem is not None:
            raise ValueError(f"{tag} {problem.message}")
        result[tag] = text
    return tuple(sorted(result.items()))


@attrs.frozen
class Text:
    """One text in Dutch (``nl``) and English (``en``), both required, and optionally in other
    languages (*translations*: ``{"fy": ..., "pap": ...}``, keyed by BCP 47 tag)."""

    nl: str = attrs.field(converter=normalise, validator=_non_empty)
    en: str = attrs.field(converter=normalise, validator=_non_empty)
    translations: tuple[tuple[str, str], ...] = attrs.field(
        default=(), converter=_translations, kw_only=True
    )

    @property
    def languages(self) -> tuple[str, ...]:
        """Every language this text has: ``nl``, ``en``, then the others by tag."""
        return (*BASE_LANGUAGES, *(tag for tag, _ in self.translations))

    def texts(self) -> dict[str, str]:
        """``{tag: text}`` for every language this text has."""
        return {"nl": self.nl, "en": self.en, **dict(self.translations)}

    def resolve(
        self, language: str | None, settings: LanguageSettings = DEFAULT_SETTINGS
    ) -> Resolved:
        """The text for *language* along *settings*' fallback chain, naming the language it is
        really in (never fails: every chain ends in Dutch and English)."""
        return resolve(self.texts(), language, settings)

    def get(self, language: str | None, settings: LanguageSettings = DEFAULT_SETTINGS) -> str:
        """The text in *language*, or along the fallback chain (``fy`` → ``nl`` → ``en``).

        Use :meth:`resolve` where the language shown must be labelled (HTML ``lang``).
        """
        if language == "nl":
            return self.nl
        if language == "en":
            return self.en
        return self.resolve(language, settings).text

    def with_language(self, language: str, text: str) -> Text:
        """A new text with *language* (a BCP 47 tag) set to *text*."""
        tag = language_tag(language)
        if tag == "nl":
            return attrs.evolve(self, nl=text)
        if tag == "en":
            return attrs.evolve(self, en=text)
        others = dict(self.translations)
        others[tag] = text
        return attrs.evolve(self, translations=others)

    @classmethod
    def coerce(cls, value: Text | Mapping[str, str] | str) -> Text:
        """Accept a Text, a ``{"nl": ..., "en": ..., "fy": ...}`` mapping (``nl`` and ``en``
        required, any other key a BCP 47 tag), or one string for both."""
        if isinstance(value, Text):
            return value
        if isinstance(value, str):
            return cls(nl=value, en=value)
        others = {key: text for key, text in value.items() if key not in BASE_LANGUAGES}
        return cls(nl=value["nl"], en=value["en"], translations=others)

    def to_json(self) -> dict[str, str]:
        return self.texts()


def as_text(value: Text | Mapping[str, str] | str) -> Text:
    """Converter: a Text from a Text, a mapping or a string."""
    return Text.coerce(value)


def as_optional_text(value: Text | Mapping[str, str] | str | None) -> Text | None:
    """Converter: like :func:`as_text`, but ``None`` stays ``None``."""
    return None if value is None else Text.coerce(value)
