"""Answers typed on the command line (``--answer FIELD=TEXT``), read as the form asks for them.

A shell gives every value as text; a form may ask for a whole number, a number or a yes/no.
:func:`typed_answer` reads the text as what the form's JSON Schema asks for that field, so that
``--answer uren_per_week=16`` answers a question of type ``integer``. A text that is not of that
shape stays text, and the form's own check then names the field and says what it needs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["typed_answer"]

_INTEGER = re.compile(r"[+-]?\d{1,18}")
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")
_YES = frozenset({"true", "yes", "ja", "y", "j"})
_NO = frozenset({"false", "no", "nee", "n"})


def _types(schema: Mapping[str, Any]) -> set[str]:
    kind = schema.get("type")
    if isinstance(kind, str):
        return {kind}
    return {k for k in kind if isinstance(k, str)} if isinstance(kind, list) else set()


def typed_answer(schema: Mapping[str, Any] | None, field: str, text: str) -> Any:
    """*text*, the answer to *field*, as the form's *schema* asks for it: an ``int`` for a
    field of type ``integer``, a number for ``number`` (a decimal comma is read as a point),
    ``True``/``False`` for ``boolean`` (``ja``/``nee``, ``yes``/``no``, ``true``/``false``).
    Anything else, or a text of another shape, is returned as it is."""
    properties = (schema or {}).get("properties")
    spec = properties.get(field) if isinstance(properties, Mapping) else None
    if not isinstance(spec, Mapping):
        return text
    kinds = _types(spec)
    value = text.strip()
    if "string" in kinds:
        return text
    if kinds & {"integer", "number"} and _INTEGER.fullmatch(value):
        return int(value)
    if "number" in kinds and _NUMBER.fullmatch(value):
        return float(value.replace(",", "."))
    if "boolean" in kinds and value.lower() in _YES | _NO:
        return value.lower() in _YES
    return text
