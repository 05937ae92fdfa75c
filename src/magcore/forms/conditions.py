"""Conditional questions: a question asked only when an earlier answer says so.

A field's UI hints may carry ``show_if``, a condition on one earlier top-level field::

    "home_days": {"label": ..., "show_if": {"field": "work_place", "equals": "home"}}

with exactly one of ``equals`` (the earlier answer is this option, or ``true``/``false`` for a
checkbox), ``one_of`` (it is one of these options) or ``contains`` (a checkboxes answer includes
this option). The same rule is written three ways, so it holds wherever the form goes:

* in the answers' JSON Schema (the record format): an ``allOf`` entry with ``if``/``then``/
  ``else`` — required only when the condition holds (if the field is listed in ``required``),
  and left empty when it does not (``"properties": {"home_days": false}``), so no answer is
  kept that the person was not asked for;
* on the web form: the question carries an "only if ..." hint and works without JavaScript;
  with the external script :data:`SCRIPT` (no inline script: CSP forbids it) the question is
  hidden and its inputs disabled until the condition holds;
* on paper: "only if ...".
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

import attrs

from ..errors import DefinitionError
from ..i18n import Catalogue, format_list

__all__ = [
    "SCRIPT",
    "Condition",
    "apply_conditions",
    "conditional_schema",
    "describe",
    "parse_condition",
    "script_source",
]

#: The file name of the progressive-enhancement script in ``magcore/templates/static``.
SCRIPT = "conditional.js"

_MODES = ("equals", "one_of", "contains")


@attrs.frozen(kw_only=True)
class Condition:
    """Show a question only when the earlier field *field* was answered a certain way."""

    field: str
    mode: str
    """``equals``, ``one_of`` or ``contains``."""
    values: tuple[Any, ...]

    def holds(self, answers: Mapping[str, Any]) -> bool:
        """Whether the question is asked, given *answers* (plain JSON data)."""
        answer = answers.get(self.field) if isinstance(answers, Mapping) else None
        if self.mode == "contains":
            return isinstance(answer, list | tuple) and self.values[0] in answer
        return any(answer == value and type(answer) is type(value) for value in self.values)

    def if_schema(self) -> dict[str, Any]:
        """The JSON Schema ``if`` that holds exactly when the condition does."""
        values = list(self.values)
        match self.mode:
            case "equals":
                rule: dict[str, Any] = {"const": values[0]}
            case "one_of":
                rule = {"enum": values}
            case _:
                rule = {"contains": {"const": values[0]}}
        return {"properties": {self.field: rule}, "required": [self.field]}

    def to_json(self) -> dict[str, Any]:
        value: Any = list(self.values) if self.mode == "one_of" else self.values[0]
        return {"field": self.field, self.mode: value}


def parse_condition(
    value: Any,
    *,
    name: str,
    earlier: Mapping[str, Any],
    pointer: str,
    source: str | None,
) -> Condition:
    """Check a ``show_if`` hint of field *name* against the *earlier* fields (name → Field)."""

    def fail(message: str, where: str = pointer) -> DefinitionError:
        return DefinitionError(message, pointer=where, source=source)

    if not isinstance(value, Mapping):
        raise fail("show_if must be an object: {'field': ..., 'equals': ...}")
    modes = [mode for mode in _MODES if mode in value]
    unknown = sorted(set(value) - {"field", *_MODES})
    if unknown:
        raise fail(f"show_if has an unknown key {unknown[0]!r} (use field and one of {_MODES})")
    if len(modes) != 1:
        raise fail("show_if needs exactly one of equals, one_of or contains")
    mode = modes[0]
    target_name = value.get("field")
    if target_name == name:
        raise fail("a question cannot depend on itself", f"{pointer}/field")
    if target_name not in earlier:
        raise fail(
            f"show_if names {target_name!r}, which is not an earlier question on this form"
            " (a question can only depend on one asked before it)",
            f"{pointer}/field",
        )
    target = earlier[str(target_name)]
    raw = value[mode]
    values: tuple[Any, ...]
    if mode == "one_of":
        if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
            raise fail("one_of needs a list of options", f"{pointer}/one_of")
        values = tuple(raw)
    else:
        values = (raw,)
    widget = str(target.widget)
    options = {option.value for option in target.options}
    if mode == "contains" and widget != "checkboxes":
        raise fail("contains is for a question with checkboxes", f"{pointer}/contains")
    if mode != "contains" and widget == "checkboxes":
        raise fail(f"{target_name!r} has checkboxes: use contains", f"{pointer}/{mode}")
    for item in values:
        if widget == "checkbox" or (target.schema.get("type") == "boolean"):
            if not isinstance(item, bool):
                raise fail(f"{target_name!r} is a yes/no question: use true or false")
        elif not options:
            raise fail(
                f"{target_name!r} has no options to depend on (a condition needs a choice,"
                " checkboxes or a yes/no question)",
                f"{pointer}/field",
            )
        elif item not in options:
            raise fail(
                f"{item!r} is not an option of {target_name!r} ({sorted(options)})",
                f"{pointer}/{mode}",
            )
    return Condition(field=str(target_name), mode=mode, values=values)


def apply_conditions(
    groups: list[Any], ui_fields: Mapping[str, Any], source: str | None
) -> tuple[list[Any], dict[str, Condition]]:
    """The form's groups with each field's ``show_if`` parsed (checked against the fields before
    it in form order), and the conditions by field name."""
    earlier: dict[str, Any] = {}
    conditions: dict[str, Condition] = {}
    result: list[Any] = []
    for group in groups:
        fields: list[Any] = []
        for field in group.fields:
            hint = ui_fields.get(field.name, {}).get("show_if")
            if hint is not None:
                condition = parse_condition(
                    hint,
                    name=field.name,
                    earlier=earlier,
                    pointer=f"/ui/fields/{field.name}/show_if",
                    source=source,
                )
                field = attrs.evolve(field, show_if=condition)
                conditions[field.name] = condition
            earlier[field.name] = field
            fields.append(field)
        result.append(attrs.evolve(group, fields=tuple(fields)))
    return result, conditions


def conditional_schema(
    schema: Mapping[str, Any], conditions: Mapping[str, Condition]
) -> dict[str, Any]:
    """The answers schema with each conditional field (name → condition) required only when
    its condition holds and left empty when it does not (an ``allOf`` of ``if``/``then``/
    ``else``). Without conditions, *schema* unchanged (a plain copy)."""
    result: dict[str, Any] = copy.deepcopy(dict(schema))
    if not conditions:
        return result
    required = list(result.get("required", ()))
    rules = list(result.get("allOf", ()))
    for name, condition in conditions.items():
        rule: dict[str, Any] = {
            "if": condition.if_schema(),
            "else": {"properties": {name: False}},
        }
        if name in required:
            required.remove(name)
            rule["then"] = {"required": [name]}
        rules.append(rule)
    if required:
        result["required"] = required
    else:
        result.pop("required", None)
    result["allOf"] = rules
    return result


def describe(
    condition: Condition, target: Any, language: str, catalogue: Catalogue
) -> dict[str, str]:
    """The ``question`` (the earlier field's label) and ``answer`` (its option labels, joined
    with "or" as the language does) that an "only if ..." text names."""
    labels = []
    for value in condition.values:
        if isinstance(value, bool):
            labels.append(catalogue.message("form.yes" if value else "form.no", language))
            continue
        option = next((o for o in target.options if o.value == value), None)
        labels.append(catalogue.localise(option.label, language) if option else str(value))
    quoted = [f'"{label}"' for label in labels]
    answer = (
        quoted[0]
        if len(quoted) == 1
        else format_list(quoted, language, style="or", settings=catalogue.languages)
    )
    return {"question": catalogue.localise(target.label, language), "answer": answer}


def script_source() -> str:
    """The progressive-enhancement script (serve it as a static file; never inline it)."""
    return (resources.files("magcore") / "templates" / "static" / SCRIPT).read_text("utf-8")
