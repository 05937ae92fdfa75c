"""JSON Schema (OpenAPI 3.1 dialect) from the attrs classes the API sends and receives.

The API has no second model layer: its request and response bodies are frozen attrs classes,
structured and unstructured by cattrs, and their schema is read from the same classes here.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping, MutableMapping
from datetime import date, datetime
from typing import Any, Union, get_args, get_origin

import attrs

__all__ = ["component_name", "schema_for"]

_SCALARS: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    datetime: {"type": "string", "format": "date-time"},
    date: {"type": "string", "format": "date"},
}


def component_name(cls: type) -> str:
    """The name of *cls* under ``components/schemas`` (its class name, UpperCamelCase)."""
    return cls.__name__


def schema_for(tp: Any, components: MutableMapping[str, Any]) -> dict[str, Any]:
    """The JSON Schema of the type *tp*; attrs classes go to *components* and are referred to."""
    if tp in _SCALARS:
        return dict(_SCALARS[tp])
    if tp is Any or tp is object:
        return {}
    if attrs.has(tp):
        name = component_name(tp)
        if name not in components:
            components[name] = {}  # placeholder against recursion
            components[name] = _object_schema(tp, components)
        return {"$ref": f"#/components/schemas/{name}"}
    origin = get_origin(tp)
    args = get_args(tp)
    if origin is typing.Literal:
        return {"type": "string", "enum": list(args)}
    if origin in (Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        nullable = len(options) < len(args)
        if len(options) == 1:
            inner = schema_for(options[0], components)
        else:
            inner = {"anyOf": [schema_for(o, components) for o in options]}
        if not nullable:
            return inner
        if set(inner) == {"type"} or ("type" in inner and "$ref" not in inner):
            return {**inner, "type": [inner["type"], "null"]}
        return {"anyOf": [inner, {"type": "null"}]}
    if origin in (tuple, list, frozenset, set) or origin is typing.Sequence:
        item = args[0] if args else Any
        return {"type": "array", "items": schema_for(item, components)}
    if origin in (dict, Mapping) or origin is typing.Mapping:
        value = args[1] if len(args) > 1 else Any
        return {"type": "object", "additionalProperties": schema_for(value, components)}
    raise TypeError(f"no JSON Schema for {tp!r}")


def _object_schema(cls: type, components: MutableMapping[str, Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for field in attrs.fields(cls):
        name = field.alias or field.name
        name = name.rstrip("_")
        schema = schema_for(hints[field.name], components)
        declared = field.metadata.get("schema")
        if declared:
            nullable = isinstance(schema.get("type"), list) and "null" in schema["type"]
            schema = dict(declared)
            if nullable:
                schema = {"anyOf": [schema, {"type": "null"}]}
        doc = field.metadata.get("description")
        if doc:
            schema = {"description": doc, **schema} if "$ref" not in schema else schema
        properties[name] = schema
        if field.default is attrs.NOTHING:
            required.append(name)
    result: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        result["required"] = required
    doc = (cls.__doc__ or "").strip().split("\n\n")[0]
    if doc:
        result["description"] = " ".join(doc.split())
    return result
