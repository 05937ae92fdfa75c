"""A form is closed: it lists every answer it stores under ``properties``.

The regulation names each answer a form stores and the guards (the scoring guard, the input
policy, the special-category hints) read each one, so an answer the form does not list is
refused, never stored. A form may leave ``additionalProperties`` out (it is closed when loaded)
or set it to ``false``; anything that opens it is refused when the form is loaded, naming the
keyword.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import DefinitionError

__all__ = ["check_closed", "closed"]

#: Keywords that would let a form's answers hold fields its ``properties`` do not list.
_OPENING_KEYWORDS = ("patternProperties", "dependentSchemas", "propertyNames")


def check_closed(schema: Mapping[str, Any], pointer: str, source: str | None) -> None:
    """A form lists every answer it stores under ``properties``: the regulation names each one,
    the guards read each one, and an answer the form does not name is refused, not stored.
    ``additionalProperties`` and ``unevaluatedProperties`` may only be ``false`` (or left out:
    :func:`closed` closes the form); keywords that add answers by pattern are refused."""
    for key in _OPENING_KEYWORDS:
        if key in schema:
            raise DefinitionError(
                f"a form lists every answer it stores under properties; {key} would add "
                "answers the regulation does not name (remove it and list the fields)",
                pointer=f"{pointer}/{key}",
                source=source,
            )
    for key in ("additionalProperties", "unevaluatedProperties"):
        if key in schema and schema[key] is not False:
            raise DefinitionError(
                f"a form is closed: {key} may only be false (or left out), so that an answer "
                "the form does not list is refused rather than stored",
                pointer=f"{pointer}/{key}",
                source=source,
            )


def closed(schema: Mapping[str, Any]) -> dict[str, Any]:
    """*schema* (checked by :func:`check_closed`) with ``additionalProperties: false`` on the
    answers object and on each repeating group's items, where the form left it out."""
    shut = dict(schema)
    shut["additionalProperties"] = False
    properties = dict(shut["properties"])
    for name, sub in properties.items():
        items = sub.get("items") if isinstance(sub, Mapping) else None
        if isinstance(items, Mapping) and isinstance(items.get("properties"), Mapping):
            properties[name] = {**sub, "items": closed(items)}
    shut["properties"] = properties
    return shut
