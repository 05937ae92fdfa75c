"""Language tags without the rest of :mod:`magcore.languages`: normalising a BCP 47 tag and
its broader tags, for the lowest layer (:mod:`magcore.transition_words`, which
:class:`~magcore.errors.TransitionError` uses, may not import what imports the errors).

Everything here is re-exported by :mod:`magcore.languages`; use that.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

__all__ = [
    "BASE_LANGUAGES",
    "DEFAULT_LANGUAGE",
    "KNOWN_TAGS",
    "broader_tags",
    "default_closest",
    "normalised",
]

#: The languages every text in magcore has (plain Dutch, B1, and English): the end of every chain.
BASE_LANGUAGES = ("nl", "en")

#: The language shown when nobody chose one.
DEFAULT_LANGUAGE = "nl"

#: Tags already in their normal form and registered, answered without ``langcodes`` (whose
#: registry data takes longer to load than the rest of a read command): the regional languages
#: of the Netherlands and languages often asked for by Dutch municipalities. A test checks
#: every one against ``langcodes``, so this table never says anything ``langcodes`` would not.
KNOWN_TAGS = frozenset(
    {
        *BASE_LANGUAGES,
        *("fy", "li", "nds", "zea", "pap", "nl-BE", "nl-NL", "en-GB", "fy-NL"),
        *("ar", "bg", "de", "es", "fa", "fr", "hu", "it", "pl", "pt", "ro", "ru", "so"),
        *("ti", "tr", "uk", "zh"),
    }
)


@functools.lru_cache(maxsize=512)
def normalised(value: str) -> str | None:
    """*value* as a normalised BCP 47 tag (``NL`` → ``nl``, ``en_gb`` → ``en-GB``), or
    ``None`` when it is not a well-formed, registered one."""
    if value in KNOWN_TAGS:
        return value
    import langcodes  # imported on the first tag not in KNOWN_TAGS (it takes a while)

    if not value or len(value) > 35 or not value.isascii():
        return None
    candidate = value.replace("_", "-")
    try:
        if not langcodes.tag_is_valid(candidate):
            return None
        tag: str = langcodes.standardize_tag(candidate)
    except (ValueError, LookupError):
        return None
    return tag


def broader_tags(tag: str) -> tuple[str, ...]:
    """The tag and each shorter prefix: ``nl-BE-x-amsterdam`` → ``nl-BE-x-amsterdam, nl-BE, nl``.

    A private-use or extension singleton (``x``, ``u``) is never left dangling.
    """
    parts = tag.split("-")
    result: list[str] = []
    for end in range(len(parts), 0, -1):
        if len(parts[end - 1]) == 1:
            continue
        result.append("-".join(parts[:end]))
    return tuple(result)


def default_closest(language: str | None, available: Iterable[str]) -> str | None:
    """The first of *available* in *language*'s chain under the default settings (the tag,
    its broader tags, then Dutch and English); a tag that is not one is skipped.

    :func:`magcore.languages.closest` with ``DEFAULT_SETTINGS`` says the same (a test holds
    them to it); this one is for the lowest layer, which has no settings."""
    have = set(available)
    tag = normalised(language) if isinstance(language, str) else None
    chain = (*(broader_tags(tag) if tag else ()), DEFAULT_LANGUAGE, *BASE_LANGUAGES)
    return next((t for t in chain if t in have), None)
