"""What a plugin registers for one language: :class:`MessageBundle` (re-exported by
:mod:`magcore.i18n`)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs

from ..languages import language_tag

__all__ = ["MessageBundle"]


def _frozen(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


def _tag(value: str) -> str:
    return language_tag(value, pointer="/language")


@attrs.frozen(kw_only=True)
class MessageBundle:
    """What a plugin registers for one language (any BCP 47 tag): messages by id, vocabulary
    replacements, plural messages and translations of data texts.

    A ``vocabulary`` key that names a catalogue term (``customer``) replaces that term (and its
    old word, as a whole word, in every text of *language*); any other key is a whole word
    replaced in every text the catalogue gives out in *language*
    (``{"klant": "inwoner"}``; a capital first letter is kept). ``texts`` maps the English text
    of a definition's text (a form label) to its translation. Read a gettext catalogue folder
    into bundles with :func:`magcore.i18n.files.bundles_from_folder`.
    """

    language: str = attrs.field(converter=_tag)
    messages: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen, hash=False)
    vocabulary: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen, hash=False)
    texts: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen, hash=False)
    plurals: Mapping[str, tuple[str, ...]] = attrs.field(
        factory=dict, converter=_frozen, hash=False
    )
