"""Turning a plain HTML form POST back into answers, so forms work without JavaScript.

Field names follow the renderer: ``name`` for a top-level field, ``name.<index>.<sub>`` for a
field of a repeating group, and a repeated ``name`` for checkboxes. Empty text means "not
answered" and is left out; a repeating-group block left wholly empty is dropped. Nothing is
validated here: pass the result to :func:`magcore.forms.validate`, which names every problem.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .definition import Field, FormDefinition, Widget

__all__ = ["parse_form_data"]


def _values(data: Mapping[str, Any], name: str) -> list[str]:
    getlist = getattr(data, "getlist", None)
    raw = getlist(name) if callable(getlist) else data.get(name, [])
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, Sequence):
        return [str(v) for v in raw]
    return []


def _scalar(field: Field, values: list[str]) -> tuple[bool, Any]:
    """(present, value) for one scalar field."""
    if field.widget is Widget.CHECKBOX:
        return True, any(v in ("true", "on", "1") for v in values)
    text = values[-1].strip() if values else ""
    if field.widget is Widget.TEXTAREA:
        text = values[-1].replace("\r\n", "\n").strip() if values else ""
    if not text:
        return False, None
    if field.widget is Widget.NUMBER:
        try:
            return True, int(text) if "integer" in str(field.schema.get("type")) else float(text)
        except ValueError:
            return True, text  # validation explains that this is not a number
    if field.widget is Widget.CHOICE and "boolean" in str(field.schema.get("type")):
        return True, text == "true"
    return True, text


def parse_form_data(form: FormDefinition, data: Mapping[str, Any]) -> dict[str, Any]:
    """The answers a browser sent for *form* (``data``: a mapping of name to value(s))."""
    answers: dict[str, Any] = {}
    for field in form.fields:
        if field.widget is Widget.CHECKBOXES:
            chosen = [v for v in _values(data, field.name) if v]
            if chosen:
                answers[field.name] = chosen
        elif field.widget is Widget.REPEAT:
            prefix = f"{field.name}."
            indices = sorted(
                {
                    int(key[len(prefix) :].partition(".")[0])
                    for key in data
                    if key.startswith(prefix) and key[len(prefix) :].partition(".")[0].isdigit()
                }
            )
            items = []
            for index in indices:
                item: dict[str, Any] = {}
                for sub in field.fields:
                    present, value = _scalar(sub, _values(data, f"{prefix}{index}.{sub.name}"))
                    if present and not (sub.widget is Widget.CHECKBOX and value is False):
                        item[sub.name] = value
                if item:
                    items.append(item)
            if items:
                answers[field.name] = items
        else:
            present, value = _scalar(field, _values(data, field.name))
            if present:
                answers[field.name] = value
    return answers
