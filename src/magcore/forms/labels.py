"""The scoring guard reads what people read: every label, legend and option text of a form's
UI hints, in every language the form carries (not only Dutch and English)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ..errors import ScoringNotAllowedError
from ..model.scoring import (
    bounded_count_reason,
    grade_reason,
    label_reason,
    number_label_reason,
)
from ..model.scoring_persons import picked_reason

__all__ = ["check_ui_labels"]


#: A key that holds one language's text ("nl", "en", "fy", "pap", "nl-BE").
_LANGUAGE_KEY = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def _is_number(schema: Any) -> bool:
    if not isinstance(schema, Mapping):
        return False
    types = schema.get("type")
    type_set = {types} if isinstance(types, str) else set(types or ())
    return bool(type_set & {"number", "integer"})


def _number_labels(schema: Any, ui: Any, pointer: str) -> Iterator[tuple[str, str]]:
    """The label and help of every number field (in a repeating group too) may not describe a
    scale of quality: "1 = slecht, 10 = uitstekend" or "Hoe tevreden ben je ..." turns a count
    into a rating whatever its unit."""
    properties = schema.get("properties") if isinstance(schema, Mapping) else None
    fields = ui.get("fields") if isinstance(ui, Mapping) else None
    if not isinstance(properties, Mapping) or not isinstance(fields, Mapping):
        return
    for name, field_ui in fields.items():
        sub = properties.get(name)
        here = f"{pointer}/fields/{name}"
        if not isinstance(sub, Mapping) or not isinstance(field_ui, Mapping):
            continue
        if _is_number(sub):
            for key in ("label", "help"):
                texts = field_ui.get(key)
                for text in texts.values() if isinstance(texts, Mapping) else ():
                    reason = number_label_reason(text) if isinstance(text, str) else None
                    if reason:
                        yield f"{here}/{key}", reason
            if sub.get("x-magcore-unit") == "count":
                labels = field_ui.get("label")
                texts = (
                    [t for t in labels.values() if isinstance(t, str)]
                    if isinstance(labels, Mapping)
                    else []
                )
                reason = bounded_count_reason(sub, texts)
                if reason:
                    yield f"{here}/label", reason
        yield from _number_labels(sub.get("items"), field_ui, here)


def _picked_fields(schema: Any, ui: Any, pointer: str) -> Iterator[tuple[str, str]]:
    """A field's label and option texts together, in each language (rule 6 of the guard): a
    number named for a place in a group, places in an order under "Plaats in het team",
    degrees (volledig / deels / niet) under "Doelen behaald?"."""
    properties = schema.get("properties") if isinstance(schema, Mapping) else None
    fields = ui.get("fields") if isinstance(ui, Mapping) else None
    if not isinstance(properties, Mapping) or not isinstance(fields, Mapping):
        return
    for name, field_ui in fields.items():
        sub = properties.get(name)
        if not isinstance(sub, Mapping) or not isinstance(field_ui, Mapping):
            continue
        labels = field_ui.get("label")
        options = field_ui.get("options")
        by_language: dict[str, tuple[list[str], list[str]]] = {}
        for language, text in labels.items() if isinstance(labels, Mapping) else ():
            if isinstance(text, str):
                by_language.setdefault(str(language), ([], []))[0].append(text)
        for option in options.values() if isinstance(options, Mapping) else ():
            for language, text in option.items() if isinstance(option, Mapping) else ():
                if isinstance(text, str):
                    by_language.setdefault(str(language), ([], []))[1].append(text)
        enum = list(sub.get("enum") or ()) if isinstance(sub.get("enum"), list) else []
        number = _is_number(sub)
        for language, (texts, option_texts) in sorted(by_language.items()):
            reason = picked_reason(str(name), texts, option_texts or enum, number=number)
            if reason:
                yield f"{pointer}/fields/{name}", f"{reason} in its {language} texts"
        yield from _picked_fields(sub.get("items"), field_ui, f"{pointer}/fields/{name}")


def check_ui_labels(ui: Any, source: str | None, schema: Any = None) -> None:
    """Labels, legends and option texts may not name a score either, in any language; and the
    texts of a choice's options may not be grades ("Boven verwachting", "Voldoende", "3 sterren")
    whatever their ids say. With the answers *schema*, the label of a number may not describe a
    scale of quality either."""

    def walk(value: Any, pointer: str) -> Iterator[tuple[str, str]]:
        if isinstance(value, Mapping):
            options = value.get("options")
            if isinstance(options, Mapping):
                yield from option_texts(options, f"{pointer}/options")
            for key, sub in value.items():
                here = f"{pointer}/{key}"
                if _LANGUAGE_KEY.match(str(key)) and isinstance(sub, str):
                    reason = label_reason(sub, what="text")
                    if reason:
                        yield pointer, reason
                else:
                    yield from walk(sub, here)
        elif isinstance(value, list):
            for index, sub in enumerate(value):
                yield from walk(sub, f"{pointer}/{index}")

    def option_texts(options: Mapping[str, Any], pointer: str) -> Iterator[tuple[str, str]]:
        by_language: dict[str, list[str]] = {}
        for label in options.values():
            for language, text in label.items() if isinstance(label, Mapping) else ():
                if isinstance(text, str):
                    by_language.setdefault(str(language), []).append(text)
        for language, texts in sorted(by_language.items()):
            reason = grade_reason(texts)
            if reason:
                yield pointer, f"{reason} in its {language} texts"

    for pointer, reason in walk(ui, "/ui"):
        raise ScoringNotAllowedError(pointer, reason, source=source)
    for pointer, reason in _number_labels(schema, ui, "/ui"):
        raise ScoringNotAllowedError(pointer, reason, source=source)
    for pointer, reason in _picked_fields(schema, ui, "/ui"):
        raise ScoringNotAllowedError(pointer, reason, source=source)
