"""Example answers for any form: for conformance checks, demos, tutorials and test data.

The form's own schema ``examples`` are used first (a form author knows best what a realistic
record looks like); otherwise answers are built from the schema — every field filled, in plain
placeholder Dutch — and then checked with the form's own validator, so what comes out is always
valid for that form.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from ..errors import DefinitionError
from .definition import FormDefinition
from .validation import validate

__all__ = ["example_answers"]

_PLACEHOLDER = "Voorbeeldtekst"


def _value(schema: Mapping[str, Any], day: date) -> Any:
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for combinator in ("oneOf", "anyOf"):
        options = schema.get(combinator)
        if options:
            non_null = [o for o in options if o.get("type") != "null"]
            return _value((non_null or options)[0], day)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        return {name: _value(sub, day) for name, sub in (schema.get("properties") or {}).items()}
    if kind == "array":
        items = schema.get("items") or {}
        count = max(1, int(schema.get("minItems", 1)))
        if items.get("enum"):
            return list(items["enum"][:count])
        return [_value(items, day) for _ in range(count)]
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        return int(low) + (1 if "exclusiveMinimum" in schema else 0)
    if kind == "null":
        return None
    if schema.get("format") == "date":
        return day.isoformat()
    text = _PLACEHOLDER
    limit = schema.get("maxLength")
    if isinstance(limit, int):
        text = text[: max(limit, 1)]
    minimum = schema.get("minLength", 0)
    return text.ljust(int(minimum), ".")


def example_answers(form: FormDefinition, *, day: date | None = None) -> dict[str, Any]:
    """Answers that are valid for *form*: its first schema example, or built from the schema.

    :param day: the date used for date fields (default 1 January 2025, so results are stable).
    :raises DefinitionError: if the form's schema cannot be satisfied this simply (e.g. a
        pattern); give the form an ``examples`` entry then.
    """
    day = day or date(2025, 1, 1)
    schema = form.json_schema()
    candidates: list[Any] = [e for e in schema.get("examples", ()) if isinstance(e, Mapping)]
    candidates.append(_value(schema, day))
    for candidate in candidates:
        if not validate(form, candidate, language="en"):
            return dict(candidate)
    problems = validate(form, candidates[-1], language="en")
    raise DefinitionError(
        f"form {form.key}: cannot build example answers ({problems[0]}); "
        "add an 'examples' entry to its schema",
        pointer=problems[0].pointer,
    )
