"""The words a subject-access page uses for magcore's own ids: roles, states, parts, actions.

A person who asks for their data reads a page, not a data dump: ``next_manager`` is "uw volgende
leidinggevende", ``conversation.requested`` is "gesprek aangevraagd", ``record/answers/wellbeing``
is "verslag (antwoord: Welzijn)". Every table is complete for the ids the core writes; an id
no table knows (a plugin's own) is shown as it is, never left out.

    >>> word("role", "next_manager", "nl")
    'volgende leidinggevende'
    >>> action_words("conversation.requested", "en")
    'conversation requested'
"""

from __future__ import annotations

from collections.abc import Mapping

from ..i18n import DEFAULT_CATALOGUE, table

__all__ = ["action_words", "part_words", "word"]

_TABLES = ("role", "state", "what", "purpose", "owner", "result", "part", "action")

#: Per table, per language, the word for each id (``locale/*/magcore.po``, ids ``words.*``).
_WORDS: Mapping[str, Mapping[str, Mapping[str, str]]] = {
    name: table(f"words.{name}") for name in _TABLES
}


def word(table: str, value: object, language: str) -> str:
    """The word for *value* in *table* (``role``, ``state``, ``what``, ``purpose``, ``owner``,
    ``result``, ``part``, ``action``) in ``nl``, ``en`` or ``fy`` (another language: Dutch, as
    the page that uses it falls back); an unknown value as it is."""
    text = "" if value is None else str(value)
    words = _WORDS[table]
    return (words.get(language) or words["nl"]).get(text, text)


def action_words(action: str, language: str) -> str:
    """What an audit line's action means, in words."""
    return word("action", action, language)


def part_words(obj: str, language: str, labels: Mapping[str, str] | None = None) -> str:
    """What an audit line's object names, in words: ``conversation:c1/record/answers/wellbeing``
    is "gesprek c1: verslag, antwoord Welzijn" (*labels*: field labels by field id)."""
    head, _, rest = obj.partition("/")
    kind, _, ident = head.partition(":")
    out = f"{word('part', kind, language)} {ident}".strip()
    pieces: list[str] = []
    for piece in (p for p in rest.split("/") if p):
        if piece.isdigit():  # an event's number in its stream
            pieces.append(DEFAULT_CATALOGUE.message("words.change", language, n=piece))
            continue
        name, _, who = piece.partition(":")
        known = name in _WORDS["part"]["en"]
        text = word("part", name, language) if known else (labels or {}).get(name, name)
        pieces.append(f"{text} ({who})" if who else text)
    return out + (": " + ", ".join(pieces) if pieces else "")
