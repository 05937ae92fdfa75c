"""The input policy as JSON Schema, alone and folded into a form's answers schema.

:mod:`magcore.model.input_policy` decides what any text, key, number and nesting may be. The
compiled engine (``jsonschema-rs``) can decide the common case much faster than Python walks a
document, so the policy is also written as JSON Schema here:

* :func:`policy_schema`: the policy for any JSON value (one definition per level of nesting);
* :func:`folded_schema`: a form's answers schema with the policy put into it, field by field
  (a text rule on each text, bounds on each number, the key rule only where the form leaves
  keys open). One compiled call then decides both, and it costs about what the form's own
  schema costs plus the text rule, instead of a second walk over the whole document.

Both are at least as strict as the policy, never looser: texts are limited to a quarter of
:data:`~magcore.model.input_policy.MAX_TEXT_BYTES` characters (a character is at most four
UTF-8 bytes) and whole numbers to 2**53 either way, so a longer text or a larger whole float
may be refused here although the policy takes it. What they refuse is therefore decided again,
exactly, by the policy in Python and the form's own schema (see
:class:`~magcore.forms.FormValidator`).

:func:`folded_schema` folds the policy in along ``properties``, ``additionalProperties`` and
``items``, which reach every value of a document. Combinators and conditions (``allOf``,
``if``/``then``/``else``: a conditional question) are kept as the form wrote them: they only
add conditions, so the fold stays exact. Every folded node is typed (the form's type, else
every JSON type): the engine lets NaN and infinities through an untyped node. A form that uses
references, ``patternProperties``, ``prefixItems``, its own ``propertyNames``, the
``unevaluated`` keywords or another ``$schema`` dialect than 2020-12 gets ``None`` and is
checked in two calls instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ..model.input_policy import (
    MAX_JSON_DEPTH,
    MAX_JSON_INTEGER,
    MAX_TEXT_BYTES,
    TEXT_PATTERN,
    json_problems,
    text_problem,
)

__all__ = ["folded_schema", "policy_schema"]

#: The longest text a schema lets through without counting bytes (4 bytes per character).
_SHORT_TEXT: Final = MAX_TEXT_BYTES // 4
#: The longest field name (as the policy's key rule says).
_NAME_LENGTH: Final = 256
_NAMES: Final = {"pattern": TEXT_PATTERN, "maxLength": _NAME_LENGTH}
_LEVEL: Final = "magcore-policy-level"
#: The only dialect folded: another ``$schema`` (draft-04 has no ``propertyNames`` or
#: ``const``) would make the engine read the folded keywords differently.
_DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"
#: Every JSON type: a folded node the form left untyped gets it, so that what is no JSON
#: value (NaN, an infinity) fails it, as every branch of :func:`policy_schema` is typed.
_JSON_TYPES: Final = ["string", "number", "boolean", "null", "object", "array"]

#: Keywords a folded node may carry: the ones that say nothing about other parts of the
#: document (validation keywords and annotations) and the three applicators folded here.
_FOLDABLE: Final = frozenset(
    {
        "type", "enum", "const", "format",
        "minLength", "maxLength", "pattern",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
        "minItems", "maxItems", "uniqueItems",
        "minProperties", "maxProperties", "required", "dependentRequired",
        "properties", "additionalProperties", "items",
        "title", "description", "default", "examples", "$comment", "deprecated",
        "readOnly", "writeOnly",
    }
)  # fmt: skip
#: Keywords kept as the form wrote them: they only add conditions on a value that the folded
#: keywords of the same node cover already.
_KEPT: Final = frozenset(
    {
        "allOf", "anyOf", "oneOf", "not", "if", "then", "else",
        "dependentSchemas", "contains", "minContains", "maxContains",
    }
)  # fmt: skip
#: Keywords that make a fold unsafe wherever they are: references (a folded node reused at
#: another depth), and keywords whose meaning depends on the applicators next to them.
_UNSAFE: Final = frozenset(
    {
        "$ref", "$dynamicRef", "$id", "$anchor", "$dynamicAnchor", "$defs", "definitions",
        "unevaluatedProperties", "unevaluatedItems", "prefixItems", "patternProperties",
        "propertyNames",
    }
)  # fmt: skip


def _levels(prefix: str) -> dict[str, Any]:
    """One definition per level of nesting: texts, numbers and, below the last level,
    arrays and objects whose items and values are the next level."""
    text = {"type": "string", "pattern": TEXT_PATTERN, "maxLength": _SHORT_TEXT}
    # Numbers: within 2**53 either way, or not whole (the engines refuse NaN and infinities);
    # a whole float beyond 2**53 is refused here and decided by the policy in Python.
    bounded = {"type": "number", "minimum": -MAX_JSON_INTEGER, "maximum": MAX_JSON_INTEGER}
    fraction = {"type": "number", "not": {"type": "integer"}}
    scalar = {"anyOf": [{"type": ["boolean", "null"]}, bounded, fraction]}
    levels: dict[str, Any] = {f"{prefix}{MAX_JSON_DEPTH}": {"anyOf": [text, scalar]}}
    for level in range(MAX_JSON_DEPTH - 1, -1, -1):
        below = {"$ref": f"#/$defs/{prefix}{level + 1}"}
        levels[f"{prefix}{level}"] = {
            "anyOf": [
                text,
                scalar,
                {"type": "array", "items": below},
                {"type": "object", "propertyNames": dict(_NAMES), "additionalProperties": below},
            ]
        }
    return levels


def policy_schema() -> dict[str, Any]:
    """The input policy as a JSON Schema for any JSON value: texts and keys by
    :data:`~magcore.model.input_policy.TEXT_PATTERN`, at most
    :data:`~magcore.model.input_policy.MAX_JSON_DEPTH` levels, numbers within 2**53, short
    texts only (longer ones are decided by the policy, which counts UTF-8 bytes)."""
    return {"$defs": _levels("level"), "$ref": "#/$defs/level0"}


class _NotFoldable(Exception):
    """The form's schema uses something :func:`folded_schema` does not fold."""


def folded_schema(schema: Mapping[str, Any]) -> dict[str, Any] | None:
    """*schema* (a form's answers schema) with the input policy folded into every node, or
    ``None`` when it uses a keyword that makes the fold unsafe (references,
    ``patternProperties``, ``prefixItems``, its own ``propertyNames``, the ``unevaluated``
    keywords), another dialect than 2020-12, nests deeper than the policy allows, or names a
    field the key rule refuses. Combinators and conditions are kept as written.

    Values the form leaves open (``additionalProperties`` not ``false``, an array without
    ``items``, a ``true`` schema) get the policy's level of their depth.
    """
    if _mentions(schema, _UNSAFE) or schema.get("$schema", _DIALECT) != _DIALECT:
        return None
    try:
        folded = _fold(schema, 0, root=True)
    except _NotFoldable:
        return None
    if not isinstance(folded, dict):
        return None
    folded["$defs"] = _levels(_LEVEL)  # what the open parts refer to (the form has no $defs)
    return folded


def _mentions(node: Any, keywords: frozenset[str]) -> bool:
    """Whether any object in *node*, at any depth, has one of *keywords* as a key."""
    if isinstance(node, Mapping):
        return any(key in keywords for key in node) or any(
            _mentions(value, keywords) for value in node.values()
        )
    if isinstance(node, list | tuple):
        return any(_mentions(value, keywords) for value in node)
    return False


def _level(depth: int) -> dict[str, str]:
    return {"$ref": f"#/$defs/{_LEVEL}{depth}"}


def _types(node: Mapping[str, Any]) -> frozenset[str] | None:
    """The types a node allows (``None``: any)."""
    declared = node.get("type")
    if declared is None:
        return None
    if isinstance(declared, str):
        declared = [declared]
    if not isinstance(declared, list) or not all(isinstance(t, str) for t in declared):
        raise _NotFoldable
    kinds = set(declared)
    if "integer" in kinds:
        kinds.add("number")
    return frozenset(kinds)


def _fold(node: Any, depth: int, *, root: bool = False) -> Any:
    if node is True:
        return _level(depth)
    if node is False:
        return False
    if not isinstance(node, Mapping) or depth > MAX_JSON_DEPTH:
        raise _NotFoldable
    for key in node:
        if not isinstance(key, str):
            raise _NotFoldable
        if key in _FOLDABLE or key in _KEPT or key.startswith("x-") or (root and key == "$schema"):
            continue
        raise _NotFoldable
    if _closed_choice(node, depth):
        return dict(node)  # only the form's own values are allowed, and they pass the policy
    folded = dict(node)
    types = _types(node)
    if types is None:
        folded["type"] = list(_JSON_TYPES)

    def may_be(kind: str) -> bool:
        return types is None or kind in types

    if may_be("string"):
        # the form's own keywords stay as written; the policy's come next to them
        added: list[dict[str, Any]] = []
        length = node.get("maxLength")
        if length is None:
            folded["maxLength"] = _SHORT_TEXT
        elif not (_is_number(length) and length <= _SHORT_TEXT):
            added.append({"maxLength": _SHORT_TEXT})
        if "pattern" in node:
            added.append({"pattern": TEXT_PATTERN})
        else:
            folded["pattern"] = TEXT_PATTERN
        if added:
            folded["allOf"] = [*node.get("allOf", ()), *added]
    if may_be("number"):
        _tighten(folded, "minimum", -MAX_JSON_INTEGER, max)
        _tighten(folded, "maximum", MAX_JSON_INTEGER, min)
    if may_be("object"):
        _fold_object(node, folded, depth)
    if may_be("array"):
        if depth >= MAX_JSON_DEPTH:
            raise _NotFoldable
        folded["items"] = _fold(node.get("items", True), depth + 1)
    return folded


def _closed_choice(node: Mapping[str, Any], depth: int) -> bool:
    """Whether *node* allows only values of its own ``enum`` or ``const`` that all pass the
    policy at *depth* (a choice between options: nothing to add)."""
    if "const" in node:
        allowed = [node["const"]]
    elif isinstance(node.get("enum"), list):
        allowed = node["enum"]
    else:
        return False
    return all(
        next(json_problems(value, depth=depth), None) is None
        and not (isinstance(value, str) and len(value) > _SHORT_TEXT)
        and _exact(value)
        for value in allowed
    )


def _tighten(folded: dict[str, Any], keyword: str, bound: int, pick: Any) -> None:
    given = folded.get(keyword)
    folded[keyword] = pick(given, bound) if _is_number(given) else bound


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _exact(value: Any) -> bool:
    """Whether *value* holds no whole float beyond 2**53 (which the engine would find equal
    to a whole number the policy refuses)."""
    if isinstance(value, float):
        return not (value.is_integer() and abs(value) > MAX_JSON_INTEGER)
    if isinstance(value, Mapping):
        return all(_exact(item) for item in value.values())
    if isinstance(value, list | tuple):
        return all(_exact(item) for item in value)
    return True


def _fold_object(node: Mapping[str, Any], folded: dict[str, Any], depth: int) -> None:
    if depth >= MAX_JSON_DEPTH:
        raise _NotFoldable
    properties = node.get("properties", {})
    if not isinstance(properties, Mapping):
        raise _NotFoldable
    inner = {}
    for name, sub in properties.items():
        if text_problem(name, pointer="/", max_length=_NAME_LENGTH) is not None:
            raise _NotFoldable  # the key rule would refuse the form's own field
        inner[name] = _fold(sub, depth + 1)
    if "properties" in node:
        folded["properties"] = inner
    extra = node.get("additionalProperties", True)
    if extra is not False:
        folded["propertyNames"] = dict(_NAMES)
        folded["additionalProperties"] = _fold(extra, depth + 1)
