"""Languages as data: BCP 47 tags, an installation's fallback chain, and which language a text
is really shown in.

Why: magcore ships Dutch and English, Frisian (``fy``) for its own texts, and any language a
plugin or an installation brings (Papiamento ``pap``, ``nl-BE``...). A text that has no version
in the language asked for falls back along a chain (``fy → nl → en``), and whoever shows it must
say which language it really is in: a page's ``lang`` (and ``lang`` on every part that fell back)
is read aloud by screen readers, so a wrong one is an accessibility failure, not a detail.

* :func:`language_tag` checks and normalises a tag (``langcodes``: well-formed and registered
  in the IANA language subtag registry); a bad tag raises :class:`LanguageError` naming it.
* :class:`LanguageSettings` is the installation's data: the default language, fallbacks per
  language (``{"fy": ["nl"]}``). Every chain ends in Dutch and English, the two languages every
  text in magcore has, so resolving never fails.
* :func:`resolve` picks the text from a ``{tag: text}`` mapping and returns a :class:`Resolved`
  that names the language it is really in.

One rule for every language a caller gives (a ``--language`` option, ``language`` in
``magcore.toml``, ``open_service(language=...)``, a web page's ``?lang=`` or
``Accept-Language``): it is a BCP 47 tag in any case and with ``-`` or ``_`` (``NL``,
``nl_NL``, ``en-gb``), normalised by :func:`language_tag` (``nl``, ``nl-NL``, ``en-GB``);
where it is given deliberately (an option, a setting) a tag that is not one is refused naming
it, and where anything may arrive (a browser's header) it is skipped. What is shown in that
language follows the tag's chain (``nl-NL → nl``; ``fy → nl → en``): texts with
:func:`resolve`, a fixed set of words (a page written in some languages) with :func:`pick` or
:func:`closest`. No part of magcore compares a tag with ``"nl"`` or ``"en"`` as given.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from ._language_tags import BASE_LANGUAGES, DEFAULT_LANGUAGE, KNOWN_TAGS, broader_tags
from ._language_tags import normalised as _normalised
from .errors import DefinitionError

__all__ = [
    "BASE_LANGUAGES",
    "DEFAULT_LANGUAGE",
    "DEFAULT_SETTINGS",
    "KNOWN_TAGS",
    "LanguageError",
    "LanguageSettings",
    "Resolved",
    "broader_tags",
    "closest",
    "is_language_tag",
    "language_tag",
    "match",
    "pick",
    "resolve",
]


class LanguageError(DefinitionError):
    """A language tag that is not a well-formed, registered BCP 47 tag."""


def is_language_tag(value: object) -> bool:
    """Whether *value* is a well-formed, registered BCP 47 language tag (``fy``, ``nl-BE``)."""
    return isinstance(value, str) and _normalised(value) is not None


def language_tag(value: object, *, pointer: str = "", source: str | None = None) -> str:
    """*value* as a normalised BCP 47 tag (``en_GB`` → ``en-GB``, ``NL`` → ``nl``).

    Raises :class:`LanguageError` naming the tag (and *pointer*) when it is not one.
    """
    tag = _normalised(value) if isinstance(value, str) else None
    if tag is None:
        raise LanguageError(
            f"{value!r} is not a language tag (BCP 47, for example nl, en, fy, nl-BE)",
            pointer=pointer,
            source=source,
        )
    return tag


def _fallbacks(value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if isinstance(value, tuple | list):
        value = dict(value)
    if not isinstance(value, Mapping):
        raise LanguageError("fallbacks must map a language to a list of languages")
    result: list[tuple[str, tuple[str, ...]]] = []
    for key, chain in value.items():
        if isinstance(chain, str) or not isinstance(chain, Iterable):
            raise LanguageError(
                f"the fallbacks of {key!r} must be a list of languages", pointer=f"/{key}"
            )
        result.append(
            (
                language_tag(key, pointer=f"/fallbacks/{key}"),
                tuple(
                    language_tag(item, pointer=f"/fallbacks/{key}/{index}")
                    for index, item in enumerate(chain)
                ),
            )
        )
    return tuple(sorted(result))


@attrs.frozen(kw_only=True)
class LanguageSettings:
    """An installation's languages: its default and the fallbacks per language (data).

    ``LanguageSettings(fallbacks={"fy": ["nl"]})`` makes a Frisian reader get Dutch where a
    text has no Frisian, then English. Without fallbacks, a tag falls back to its broader tags
    (``nl-BE`` → ``nl``), then to *default*, then to Dutch and English.
    """

    default: str = attrs.field(default=DEFAULT_LANGUAGE, converter=language_tag)
    fallbacks: tuple[tuple[str, tuple[str, ...]], ...] = attrs.field(
        factory=tuple, converter=_fallbacks
    )

    def chain(self, language: str | None) -> tuple[str, ...]:
        """Where a text for *language* is looked for, in order; always ends in ``nl``, ``en``.

        An unknown or malformed tag is not an error here (a reader's browser may send
        anything): it is skipped and the default chain is used.
        """
        return _chain(self, language)

    def to_json(self) -> dict[str, Any]:
        return {"default": self.default, "fallbacks": {k: list(v) for k, v in self.fallbacks}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, source: str | None = None) -> LanguageSettings:
        """Settings from ``{"default": "nl", "fallbacks": {"fy": ["nl", "en"]}}``."""
        if not isinstance(data, Mapping):
            raise LanguageError("language settings must be a JSON object", source=source)
        unknown = sorted(set(data) - {"default", "fallbacks"})
        if unknown:
            raise LanguageError(
                f"unknown key {unknown[0]!r} (use 'default' and 'fallbacks')",
                pointer=f"/{unknown[0]}",
                source=source,
            )
        try:
            return cls(
                default=data.get("default", DEFAULT_LANGUAGE), fallbacks=data.get("fallbacks", {})
            )
        except LanguageError as exc:
            raise LanguageError(exc.message, pointer=exc.pointer, source=source) from None


@functools.lru_cache(maxsize=1024)
def _chain(settings: LanguageSettings, language: str | None) -> tuple[str, ...]:
    found: list[str] = []

    def add(tag: str) -> None:
        if tag not in found:
            found.append(tag)

    configured = dict(settings.fallbacks)
    start = _normalised(language) if isinstance(language, str) else None
    for tag in (start, settings.default) if start else (settings.default,):
        for broader in broader_tags(tag):
            add(broader)
            for fallback in configured.get(broader, ()):
                for item in broader_tags(fallback):
                    add(item)
    for tag in BASE_LANGUAGES:
        add(tag)
    return tuple(found)


#: The settings used when an installation configured none: no fallbacks, Dutch first.
DEFAULT_SETTINGS = LanguageSettings()


@attrs.frozen
class Resolved:
    """A text and the language it is really in (which may differ from the one asked for)."""

    text: str
    language: str
    requested: str

    @property
    def fell_back(self) -> bool:
        """Whether the text is in another language than the one asked for."""
        return self.language != self.requested


def resolve(
    texts: Mapping[str, str],
    language: str | None,
    settings: LanguageSettings = DEFAULT_SETTINGS,
) -> Resolved:
    """The text for *language* from *texts* (``{tag: text}``), following *settings*' chain.

    Raises :class:`LanguageError` only when *texts* has no text in any language of the chain
    (never for a :class:`~magcore.model.text.Text`, which always has Dutch and English).
    """
    chain = settings.chain(language)
    requested = chain[0]
    for tag in chain:
        text = texts.get(tag)
        if text:
            return Resolved(text, tag, requested)
    raise LanguageError(f"no text in any of {list(chain)}")


def pick(
    language: str, available: Iterable[str], settings: LanguageSettings = DEFAULT_SETTINGS
) -> str:
    """The first language of *language*'s chain that is in *available* (a text written only in
    some languages, like the regulation's): say this one in ``lang``.

    Raises :class:`LanguageError` when *language* is not a language tag, or when no language
    of the chain is available.
    """
    language_tag(language, pointer="/language")
    found = closest(language, available, settings)
    if found is None:
        raise LanguageError(f"no text in any of {list(settings.chain(language))}")
    return found


def closest(
    language: str | None,
    available: Iterable[str],
    settings: LanguageSettings = DEFAULT_SETTINGS,
) -> str | None:
    """The first language of *language*'s chain in *available*, or ``None`` when none is.

    Like :func:`pick`, but a tag that is not one is not an error: it is skipped, as
    :meth:`LanguageSettings.chain` does (``"NL"`` and ``"nl-NL"`` give ``"nl"``; ``"de"``, with
    no German in *available*, the installation's default)."""
    have = set(available)
    return next((tag for tag in settings.chain(language) if tag in have), None)


def match(language: object, available: Iterable[str]) -> str | None:
    """*language* or its nearest broader tag that is in *available* (``nl-BE`` → ``nl``,
    ``FY-nl`` → ``fy``), or ``None``: when it is not a tag, or neither it nor a broader one is
    available. For choosing among what someone asks for in order (a browser's
    ``Accept-Language``): ``None`` means try their next language, not fall back yet."""
    tag = _normalised(language) if isinstance(language, str) else None
    if tag is None:
        return None
    have = set(available)
    return next((t for t in broader_tags(tag) if t in have), None)
