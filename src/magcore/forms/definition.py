"""Form definitions: a JSON Schema (draft 2020-12) for the answers plus UI hints, in nl and en
(and any other language a text carries).

A form is data, never code: a municipality plugin ships it as JSON. Loading one
(:meth:`FormDefinition.from_json`) checks, in this order, and names the field at fault:

1. the scoring-free rule (:func:`magcore.scoring.check_schema`, plus every label in the UI hints):
   a form that adds a score raises :class:`~magcore.errors.ScoringNotAllowedError`;
2. the document's own shape, against the shipped ``form-definition`` schema;
3. the answers schema against the draft 2020-12 meta-schema;
4. that the UI hints and the schema agree (every property has a label in Dutch and English and
   sits in exactly one group) and that every field has a shape the renderers support.

A field may declare ``"x-magcore-sensitivity": "special-category-risk"`` in its schema: free
text that may end up holding health data. The form then shows a plain-language hint ("do not
write medical information here"), and the consent rules keep such answers employee-private.

Supported field shapes (anything else is refused when the form is loaded):
text (``string``), long text, date (``format: date``), choice / select (``enum`` of strings),
checkbox (``boolean``), checkboxes (``array`` of an ``enum``), number with ``x-magcore-unit``,
and a repeating group (``array`` of ``object`` whose properties are any of the scalar shapes).
A top-level question may be conditional (``show_if`` in its UI hints, on an earlier answer):
see :mod:`magcore.forms.conditions`.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from ..errors import DefinitionError, ScoringNotAllowedError
from ..events import freeze, thaw
from ..model.scoring import check_schema
from ..model.text import Text
from .closed import check_closed as _check_closed
from .closed import closed as _closed
from .conditions import Condition, apply_conditions, conditional_schema
from .labels import check_ui_labels as _check_ui_labels

__all__ = [
    "SENSITIVITY_KEY",
    "SPECIAL_CATEGORY_RISK",
    "UNIT_KEY",
    "Field",
    "FormDefinition",
    "FormPurpose",
    "Group",
    "Option",
    "Widget",
]

SENSITIVITY_KEY = "x-magcore-sensitivity"
SPECIAL_CATEGORY_RISK = "special-category-risk"
UNIT_KEY = "x-magcore-unit"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class Widget(enum.StrEnum):
    """How a field is shown and asked."""

    TEXT = "text"
    TEXTAREA = "textarea"
    DATE = "date"
    CHOICE = "choice"
    """Radio buttons: pick one."""
    SELECT = "select"
    """A drop-down: pick one (for long lists)."""
    CHECKBOX = "checkbox"
    """One yes/no box."""
    CHECKBOXES = "checkboxes"
    """Pick any number of options."""
    NUMBER = "number"
    REPEAT = "repeat"
    """A repeating group of sub-fields (e.g. agreements)."""


class FormPurpose(enum.StrEnum):
    """What a form is filled in for."""

    PREPARATION = "preparation"
    RECORD = "record"
    OTHER = "other"


_SCALAR_WIDGETS = {
    "string": {Widget.TEXT, Widget.TEXTAREA, Widget.DATE, Widget.CHOICE, Widget.SELECT},
    "boolean": {Widget.CHECKBOX, Widget.CHOICE},
    "number": {Widget.NUMBER},
    "integer": {Widget.NUMBER},
}


@attrs.frozen
class Option:
    """One choice a person can make, with its label in Dutch and English."""

    value: str
    label: Text


@attrs.frozen(kw_only=True)
class Field:
    """One question on a form, with everything the renderers and the validator need."""

    name: str
    label: Text
    widget: Widget
    schema: Mapping[str, Any] = attrs.field(hash=False, eq=False, repr=False)
    required: bool = False
    help: Text | None = None
    sensitivity: str | None = None
    unit: str | None = None
    options: tuple[Option, ...] = ()
    rows: int = 5
    item_label: Text | None = None
    fields: tuple[Field, ...] = ()
    """Sub-fields of a repeating group."""
    paper_items: int = 3
    """How many empty blocks a repeating group gets on paper and in a form without JavaScript."""
    show_if: Condition | None = None
    """Asked only when an earlier answer says so (see :mod:`magcore.forms.conditions`)."""

    @property
    def sensitive(self) -> bool:
        """Whether the field may hold special-category data (health) and shows the hint."""
        return self.sensitivity == SPECIAL_CATEGORY_RISK

    def option_label(self, value: Any, language: str) -> str:
        """The label of option *value* in *language* (the value itself if it is unknown)."""
        for option in self.options:
            if option.value == value:
                return option.label.get(language)
        return str(value)

    def subfield(self, name: str) -> Field:
        for field in self.fields:
            if field.name == name:
                return field
        raise KeyError(name)


@attrs.frozen(kw_only=True)
class Group:
    """Fields shown together under one legend (a theme, or "the agreements")."""

    id: str
    legend: Text | None
    description: Text | None = None
    fields: tuple[Field, ...] = ()


@attrs.frozen(kw_only=True)
class FormDefinition:
    """A form: id, version, title, answers schema (2020-12) and UI hints. Load with from_json."""

    id: str
    version: int
    title: Text
    purpose: FormPurpose = FormPurpose.OTHER
    description: Text | None = None
    schema: Mapping[str, Any] = attrs.field(converter=freeze, hash=False, repr=False)
    groups: tuple[Group, ...] = ()
    stylesheet: str | None = None
    """CSS the municipality ships with the form, loaded after magcore's own (screen and print)."""
    source: str | None = attrs.field(default=None, eq=False)
    document: Mapping[str, Any] = attrs.field(
        factory=dict, converter=freeze, hash=False, repr=False, eq=False
    )

    @property
    def key(self) -> str:
        """``id@version``: how records refer to the form they were filled in on."""
        return f"{self.id}@{self.version}"

    @property
    def fields(self) -> tuple[Field, ...]:
        """Every top-level field, in the order the form shows them."""
        return tuple(field for group in self.groups for field in group.fields)

    @property
    def sensitive_fields(self) -> tuple[str, ...]:
        """JSON pointers of fields marked special-category-risk (repeat items use ``/-/``)."""
        result: list[str] = []
        for field in self.fields:
            if field.sensitive:
                result.append(f"/{field.name}")
            result.extend(f"/{field.name}/-/{sub.name}" for sub in field.fields if sub.sensitive)
        return tuple(result)

    def field(self, name: str) -> Field:
        """The top-level field called *name*."""
        for field in self.fields:
            if field.name == name:
                return field
        raise KeyError(f"form {self.key} has no field {name!r}")

    def json_schema(self) -> dict[str, Any]:
        """The answers schema as plain (mutable) JSON data."""
        result: dict[str, Any] = thaw(self.schema)
        return result

    def to_json(self) -> dict[str, Any]:
        """The definition as it was loaded (plain JSON data)."""
        result: dict[str, Any] = thaw(self.document)
        return result

    # -- loading ---------------------------------------------------------------------------

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, source: str | None = None) -> FormDefinition:
        """Load and check a form definition; raise DefinitionError naming the field at fault."""
        if not isinstance(data, Mapping):
            raise DefinitionError("a form definition must be a JSON object", source=source)
        schema = data.get("schema")
        if isinstance(schema, Mapping):
            try:
                check_schema(schema, source=source)
            except ScoringNotAllowedError as exc:
                # check_schema points inside the answers schema; say where that is.
                where = "/schema" + (exc.field if exc.field != "/" else "")
                raise ScoringNotAllowedError(where, exc.reason, source=source) from None
        _check_ui_labels(data.get("ui"), source, schema)

        def explain() -> None:
            _check_document(data, source)
            _check_meta_schema(data["schema"], source)

        # The JSON Schema checks run once per content (jsonschema-rs first where installed).
        from .compiled import schema_checked

        schema_checked(thaw(data), explain)
        return _build(data, source)

    @classmethod
    def from_file(cls, path: str | Path) -> FormDefinition:
        """Load a form definition from a JSON file."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise DefinitionError(f"cannot read form definition: {exc}", source=str(path)) from exc
        return cls.from_json(data, source=str(path))


# -- checks --------------------------------------------------------------------------------


def _check_document(data: Mapping[str, Any], source: str | None) -> None:
    # jsonschema loads only here: for content not checked before (see .compiled)
    from jsonschema.exceptions import best_match

    from ..schemas import validator

    error = best_match(validator("form-definition").iter_errors(thaw(data)))
    if error is not None:
        pointer = "".join(f"/{part}" for part in error.absolute_path)
        raise DefinitionError(
            f"the form definition is not valid: {error.message}", pointer=pointer, source=source
        )


def _check_meta_schema(schema: Mapping[str, Any], source: str | None) -> None:
    import jsonschema
    from jsonschema.exceptions import best_match

    meta = jsonschema.Draft202012Validator(jsonschema.Draft202012Validator.META_SCHEMA)
    error = best_match(meta.iter_errors(thaw(schema)))
    if error is not None:
        pointer = "/schema" + "".join(f"/{part}" for part in error.absolute_path)
        raise DefinitionError(
            f"the answers schema is not valid JSON Schema 2020-12: {error.message}",
            pointer=pointer,
            source=source,
        )


def _text(value: Any, pointer: str, source: str | None) -> Text:
    try:
        return Text.coerce(value)
    except (KeyError, TypeError, ValueError) as exc:
        raise DefinitionError(
            "needs a text in Dutch (nl) and English (en)", pointer=pointer, source=source
        ) from exc


def _optional_text(value: Any, pointer: str, source: str | None) -> Text | None:
    return None if value is None else _text(value, pointer, source)


def _types(schema: Mapping[str, Any]) -> set[str]:
    kind = schema.get("type")
    if isinstance(kind, str):
        return {kind}
    if isinstance(kind, Sequence):
        return {str(k) for k in kind}
    values = schema.get("enum")
    if isinstance(values, Sequence) and values and all(isinstance(v, str) for v in values):
        return {"string"}
    return set()


def _options(
    enum_values: Any, ui: Mapping[str, Any], pointer: str, source: str | None
) -> tuple[Option, ...]:
    labels = ui.get("options", {})
    options: list[Option] = []
    for value in enum_values:
        if not isinstance(value, str):
            raise DefinitionError("choices must be texts", pointer=f"{pointer}/enum", source=source)
        if value not in labels:
            raise DefinitionError(
                f"option {value!r} has no label", pointer=f"{pointer}/options", source=source
            )
        options.append(Option(value, _text(labels[value], f"{pointer}/options/{value}", source)))
    extra = set(labels) - set(enum_values)
    if extra:
        raise DefinitionError(
            f"labels for options the schema does not allow: {sorted(extra)}",
            pointer=f"{pointer}/options",
            source=source,
        )
    return tuple(options)


def _field(
    name: str,
    schema: Mapping[str, Any],
    ui: Mapping[str, Any],
    *,
    required: bool,
    schema_pointer: str,
    ui_pointer: str,
    source: str | None,
    nested: bool = False,
) -> Field:
    if not _NAME.match(name):
        raise DefinitionError(
            "a field name is lower case letters, digits and _ (starting with a letter)",
            pointer=schema_pointer,
            source=source,
        )
    if not isinstance(ui, Mapping) or "label" not in ui:
        raise DefinitionError(
            f"field {name!r} needs UI hints with a label", pointer=ui_pointer, source=source
        )
    types = _types(schema) - {"null"}
    if len(types) != 1:
        raise DefinitionError(
            "a field needs exactly one type (null may be added)",
            pointer=f"{schema_pointer}/type",
            source=source,
        )
    kind = types.pop()
    if nested and "show_if" in ui:
        raise DefinitionError(
            "a question inside a repeating group cannot have show_if",
            pointer=f"{ui_pointer}/show_if",
            source=source,
        )
    label = _text(ui["label"], f"{ui_pointer}/label", source)
    help_text = _optional_text(ui.get("help"), f"{ui_pointer}/help", source)
    widget_name = ui.get("widget")
    sensitivity = schema.get(SENSITIVITY_KEY)
    options: tuple[Option, ...] = ()
    sub_fields: tuple[Field, ...] = ()
    if kind == "array":
        items = schema.get("items")
        if not isinstance(items, Mapping):
            raise DefinitionError(
                "a list field needs an items schema",
                pointer=f"{schema_pointer}/items",
                source=source,
            )
        item_types = _types(items)
        if item_types == {"string"} and "enum" in items:
            widget = Widget(widget_name or Widget.CHECKBOXES)
            if widget is not Widget.CHECKBOXES:
                raise DefinitionError(
                    "a list of choices uses the checkboxes widget",
                    pointer=f"{ui_pointer}/widget",
                    source=source,
                )
            options = _options(items["enum"], ui, ui_pointer, source)
        elif item_types == {"object"} and not nested:
            widget = Widget(widget_name or Widget.REPEAT)
            if widget is not Widget.REPEAT:
                raise DefinitionError(
                    "a list of groups uses the repeat widget",
                    pointer=f"{ui_pointer}/widget",
                    source=source,
                )
            sub_fields = _fields_of(
                items,
                ui.get("fields", {}),
                schema_pointer=f"{schema_pointer}/items",
                ui_pointer=f"{ui_pointer}/fields",
                source=source,
                nested=True,
            )
        else:
            raise DefinitionError(
                "a list field holds either choices (an enum of texts) or groups of fields"
                + (" (groups cannot be nested)" if nested else ""),
                pointer=f"{schema_pointer}/items",
                source=source,
            )
    elif kind in _SCALAR_WIDGETS:
        if "enum" in schema:
            default = Widget.CHOICE
        elif kind == "string" and schema.get("format") == "date":
            default = Widget.DATE
        elif kind == "string":
            default = Widget.TEXTAREA if schema.get("maxLength", 0) > 200 else Widget.TEXT
        elif kind == "boolean":
            default = Widget.CHECKBOX
        else:
            default = Widget.NUMBER
        try:
            widget = Widget(widget_name or default)
        except ValueError:
            raise DefinitionError(
                f"unknown widget {widget_name!r}", pointer=f"{ui_pointer}/widget", source=source
            ) from None
        if widget not in _SCALAR_WIDGETS[kind]:
            raise DefinitionError(
                f"a {kind} field cannot use the {widget.value} widget",
                pointer=f"{ui_pointer}/widget",
                source=source,
            )
        if widget in (Widget.CHOICE, Widget.SELECT) and kind == "string":
            if "enum" not in schema:
                raise DefinitionError(
                    "a choice needs an enum of options", pointer=schema_pointer, source=source
                )
            options = _options(schema["enum"], ui, ui_pointer, source)
        if widget is Widget.CHOICE and kind == "boolean":
            options = (
                Option("true", Text(nl="Ja", en="Yes")),
                Option("false", Text(nl="Nee", en="No")),
            )
    else:
        raise DefinitionError(
            f"fields of type {kind!r} are not supported on forms",
            pointer=f"{schema_pointer}/type",
            source=source,
        )
    if sensitivity is not None and sensitivity != SPECIAL_CATEGORY_RISK:
        raise DefinitionError(
            f"unknown sensitivity {sensitivity!r} (known: {SPECIAL_CATEGORY_RISK})",
            pointer=f"{schema_pointer}/{SENSITIVITY_KEY}",
            source=source,
        )
    rows = ui.get("rows", 5)
    paper_items = ui.get("paper_items", 3)
    return Field(
        name=name,
        label=label,
        widget=widget,
        schema=schema,
        required=required,
        help=help_text,
        sensitivity=sensitivity,
        unit=schema.get(UNIT_KEY),
        options=options,
        rows=rows,
        item_label=_optional_text(ui.get("item_label"), f"{ui_pointer}/item_label", source),
        fields=sub_fields,
        paper_items=paper_items,
    )


def _fields_of(
    schema: Mapping[str, Any],
    ui_fields: Mapping[str, Any],
    *,
    schema_pointer: str,
    ui_pointer: str,
    source: str | None,
    nested: bool = False,
) -> tuple[Field, ...]:
    properties = schema.get("properties")
    if _types(schema) != {"object"} or not isinstance(properties, Mapping) or not properties:
        raise DefinitionError(
            "needs type object with properties", pointer=schema_pointer, source=source
        )
    unknown = set(ui_fields) - set(properties)
    if unknown:
        raise DefinitionError(
            f"UI hints for fields the schema does not have: {sorted(unknown)}",
            pointer=ui_pointer,
            source=source,
        )
    _check_closed(schema, schema_pointer, source)
    required = set(schema.get("required", ()))
    return tuple(
        _field(
            name,
            sub,
            ui_fields.get(name, {}),
            required=name in required,
            schema_pointer=f"{schema_pointer}/properties/{name}",
            ui_pointer=f"{ui_pointer}/{name}",
            source=source,
            nested=nested,
        )
        for name, sub in properties.items()
    )


def _build(data: Mapping[str, Any], source: str | None) -> FormDefinition:
    schema = data["schema"]
    ui = data.get("ui", {})
    fields = _fields_of(
        schema,
        ui.get("fields", {}),
        schema_pointer="/schema",
        ui_pointer="/ui/fields",
        source=source,
    )
    by_name = {field.name: field for field in fields}
    groups: list[Group] = []
    placed: dict[str, str] = {}
    for index, group in enumerate(ui.get("groups", ())):
        pointer = f"/ui/groups/{index}"
        members: list[Field] = []
        for name in group["fields"]:
            if name not in by_name:
                raise DefinitionError(
                    f"group {group['id']!r} lists {name!r}, which the schema does not have",
                    pointer=f"{pointer}/fields",
                    source=source,
                )
            if name in placed:
                raise DefinitionError(
                    f"field {name!r} is in two groups ({placed[name]!r} and {group['id']!r})",
                    pointer=f"{pointer}/fields",
                    source=source,
                )
            placed[name] = group["id"]
            members.append(by_name[name])
        groups.append(
            Group(
                id=group["id"],
                legend=_optional_text(group.get("legend"), f"{pointer}/legend", source),
                description=_optional_text(
                    group.get("description"), f"{pointer}/description", source
                ),
                fields=tuple(members),
            )
        )
    rest = [field for field in fields if field.name not in placed]
    if rest and groups:
        raise DefinitionError(
            f"fields in no group: {[f.name for f in rest]}", pointer="/ui/groups", source=source
        )
    if not groups:
        groups.append(Group(id="main", legend=None, fields=tuple(fields)))
    groups, conditions = apply_conditions(groups, ui.get("fields", {}), source)
    schema = _closed(schema)
    if conditions:
        schema = conditional_schema(schema, conditions)
    return FormDefinition(
        id=data["id"],
        version=data["version"],
        title=_text(data["title"], "/title", source),
        purpose=FormPurpose(data.get("purpose", FormPurpose.OTHER)),
        description=_optional_text(data.get("description"), "/description", source),
        schema=schema,
        groups=tuple(groups),
        stylesheet=data.get("stylesheet"),
        source=source,
        document=data,
    )
