"""How the scoring guard (:mod:`magcore.model.scoring`) reads a text: as the Latin letters a
reader sees, split into lower-case words, an option as people read it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from .scoring_words import _CAMEL, _TOKEN_SPLIT

__all__: list[str] = []


#: Cyrillic and Greek letters that look like Latin ones, as the Latin letter they pass for: a
#: label "Sсore" (a Cyrillic с) or options "Vоldoende / Gоed" (a Cyrillic о) read as the words
#: the guard refuses, so they are checked as those words.
_LOOK_ALIKES = str.maketrans(
    "аеіјорсухѕԁԛԝһӏɑɡıοαινρκτυχАВЕКМНОРСТХЅІЈУԜΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeijopcyxsdqwhlagioaivpktuxABEKMHOPCTXSIJYWABEZHIKMNOPTYX",
)


def _fold(text: str) -> str:
    """*text* as the Latin letters it shows: NFKC (full-width and mathematical letters,
    ligatures) and Cyrillic or Greek look-alikes as Latin letters. ASCII text is returned
    as it is."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKC", text).translate(_LOOK_ALIKES)


def _tokens(name: str) -> list[str]:
    return [t for t in _TOKEN_SPLIT.split(_CAMEL.sub("_", _fold(name)).lower()) if t]


def _words(text: str) -> str:
    """*text* as lower-case words between single spaces, padded: " functioneert naar behoren "."""
    return " " + " ".join(_tokens(text)) + " "


def _choice_text(value: str) -> str:
    """An option id or text as people read it: ``boven_verwachting`` -> ``boven verwachting``."""
    value = _fold(value)
    spaced = re.sub(r"[_\s]+|(?<=[a-z])-(?=[a-z])", " ", _CAMEL.sub(" ", value.strip()))
    return spaced.lower().strip(" .!?:;")


def _plain(text: str) -> str:
    """*text* without accents: "très bien" -> "tres bien", "evaluación" -> "evaluacion" (the
    guard's word lists hold the plain spelling of words from languages that write accents)."""
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _texts(*values: Any) -> list[str]:
    """The texts of labels that are one text or a text per language."""
    found: list[str] = []
    for value in values:
        texts = value.values() if isinstance(value, Mapping) else (value,)
        found.extend(t for t in texts if isinstance(t, str))
    return found
