"""Fields of request bodies with their JSON Schema constraints, the input policy's own:
ids by :data:`~magcore.model.input_policy.ID_PATTERN`, texts without control or
bidirectional characters (:data:`~magcore.model.input_policy.TEXT_PATTERN_PORTABLE`). The
document then says what the API accepts, but for the invisible tag characters (U+E0000 to
U+E007F): a pattern naming them is not valid in every reading of ECMA-262, so only the API
refuses them (a 400 naming the field)."""

from __future__ import annotations

from typing import Any

import attrs

from magcore.model.input_policy import (
    ID_PATTERN,
    MAX_ID_LENGTH,
    MAX_TEXT_BYTES,
    TEXT_PATTERN_PORTABLE,
)

__all__ = ["ANSWERS_SCHEMA", "answers_field", "id_field", "ids_field", "text_field"]

_ID_SCHEMA = {"type": "string", "pattern": f"^{ID_PATTERN}$", "maxLength": MAX_ID_LENGTH}
_TEXT_SCHEMA = {
    "type": "string",
    "pattern": TEXT_PATTERN_PORTABLE,
    "maxLength": MAX_TEXT_BYTES // 4,
}
_SCALAR = [
    _TEXT_SCHEMA,
    {"type": "number"},
    {"type": "boolean"},
    {"type": "null"},
]
#: Form answers: names that are texts, values that are texts, numbers, yes/no or lists of them.
ANSWERS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "propertyNames": _TEXT_SCHEMA,
    "additionalProperties": {"anyOf": [*_SCALAR, {"type": "array", "items": {"anyOf": _SCALAR}}]},
}


def id_field(**kwargs: Any) -> Any:
    """An id (a person, a conversation, a theme...)."""
    return attrs.field(metadata={"schema": _ID_SCHEMA}, **kwargs)


def ids_field(**kwargs: Any) -> Any:
    """A list of ids."""
    return attrs.field(metadata={"schema": {"type": "array", "items": _ID_SCHEMA}}, **kwargs)


def text_field(**kwargs: Any) -> Any:
    """A text people write."""
    return attrs.field(metadata={"schema": _TEXT_SCHEMA}, **kwargs)


def answers_field(**kwargs: Any) -> Any:
    """Form answers."""
    return attrs.field(metadata={"schema": ANSWERS_SCHEMA}, **kwargs)
