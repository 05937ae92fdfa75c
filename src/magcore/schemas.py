"""The open record format: magcore's JSON Schemas (draft 2020-12), loaded offline.

Every record that leaves the library (conversation, preparation, record, agreement, goal,
sharing choice, audit entry, subject-access export, event, cycle and form definitions) has a
schema in the top-level ``schemas/`` folder, each with an ``$id`` under :data:`SCHEMA_BASE`.
``.example`` is a reserved domain (RFC 2606): the ids are names, never addresses, and nothing is
ever fetched. Schemas refer to each other by relative ``$ref`` and are resolved through a
:class:`referencing.Registry` built from the shipped files only.

Where the files are found (first match wins):

1. inside the installed package, ``magcore/schemas/`` (the wheel force-includes the top-level
   ``schemas/`` folder there), read with :mod:`importlib.resources` so zipped installs work;
2. in a source or editable checkout, the repository's ``schemas/`` folder next to ``src/``.

A directory counts only if it holds ``common.schema.json``, so a stray empty folder cannot hide
the real one. Run ``python -m magcore.schemas`` to print the record-format reference
(``docs/reference/record-format.md``) generated from these files.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Iterator, Mapping
from datetime import datetime
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import NotFoundError, Problem

if TYPE_CHECKING:  # jsonschema and referencing load when a document is first checked
    import jsonschema
    import referencing

__all__ = [
    "SCHEMA_BASE",
    "SCHEMA_NAMES",
    "format_checker",
    "load",
    "problems",
    "reference_markdown",
    "registry",
    "schema_dir",
    "schema_id",
    "validator",
]

#: The base of every schema ``$id``; major format version 1.
SCHEMA_BASE = "https://magcore.github.io/magcore/schemas/v1/"

#: Every shipped schema, in the order the reference lists them.
SCHEMA_NAMES = (
    "conversation",
    "preparation",
    "record",
    "agreement",
    "goal",
    "sharing-choice",
    "audit-entry",
    "event",
    "subject-access-export",
    "cycle-definition",
    "form-definition",
    "common",
)

_MARKER = "common.schema.json"


def _candidates() -> Iterator[Traversable]:
    yield resources.files("magcore") / "schemas"
    yield Path(__file__).resolve().parent.parent.parent / "schemas"


@functools.cache
def schema_dir() -> Traversable:
    """The folder the schemas are read from (installed package first, then the checkout)."""
    for candidate in _candidates():
        if candidate.is_dir() and (candidate / _MARKER).is_file():
            return candidate
    raise NotFoundError(
        "magcore's JSON Schemas are missing: neither magcore/schemas in the package nor "
        "schemas/ in the source checkout holds them (reinstall magcore)"
    )


def schema_id(name: str) -> str:
    """The ``$id`` of schema *name* (e.g. ``record``)."""
    return f"{SCHEMA_BASE}{name}.schema.json"


@functools.cache
def _text(name: str) -> str:
    if name not in SCHEMA_NAMES:
        raise NotFoundError(f"there is no schema {name!r} (known: {', '.join(SCHEMA_NAMES)})")
    return (schema_dir() / f"{name}.schema.json").read_text(encoding="utf-8")


def load(name: str) -> dict[str, Any]:
    """Schema *name* as fresh JSON data (a new copy on every call: change it freely)."""
    result: dict[str, Any] = json.loads(_text(name))
    return result


def _no_network(uri: str) -> referencing.Resource[Any]:
    import referencing.exceptions

    raise referencing.exceptions.NoSuchResource(ref=uri)  # type: ignore[call-arg]


@functools.cache
def registry() -> referencing.Registry[Any]:
    """A registry holding every shipped schema by its ``$id``; unknown URIs are never fetched."""
    import referencing
    from referencing.jsonschema import DRAFT202012

    resources_ = [
        (schema_id(name), DRAFT202012.create_resource(load(name))) for name in SCHEMA_NAMES
    ]
    result: referencing.Registry[Any] = referencing.Registry(retrieve=_no_network)  # type: ignore[call-arg]
    return result.with_resources(resources_).crawl()


_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$", re.ASCII
)


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.match(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


@functools.cache
def format_checker() -> jsonschema.FormatChecker:
    """jsonschema's format checker, with RFC 3339 ``date-time`` checked without extra packages."""
    import jsonschema

    checker = jsonschema.FormatChecker()
    checker.checks("date-time")(_is_date_time)
    return checker


@functools.cache
def validator(name: str) -> jsonschema.Draft202012Validator:
    """A ``jsonschema`` validator for schema *name*, checking formats, resolving offline."""
    import jsonschema

    return jsonschema.Draft202012Validator(
        load(name),
        registry=registry(),
        format_checker=format_checker(),
    )


def problems(name: str, document: Any) -> list[Problem]:
    """Every way *document* breaks schema *name*, as (JSON pointer, message, keyword).

    The messages are ``jsonschema``'s (English, for developers exchanging records); forms use
    :mod:`magcore.forms.validation` for messages people read.
    """
    found = [
        Problem(
            pointer="".join(f"/{part}" for part in error.absolute_path),
            message=error.message,
            keyword=str(error.validator),
        )
        for error in validator(name).iter_errors(document)
    ]
    return sorted(found, key=lambda p: p.pointer)


# -- the generated reference -----------------------------------------------------------------


def _type_of(schema: Mapping[str, Any]) -> str:
    if "$ref" in schema:
        target = str(schema["$ref"])
        file, _, fragment = target.partition("#")
        name = file.removesuffix(".schema.json") or "this schema"
        if fragment:
            return f"{name} / {fragment.rpartition('/')[2]}"
        return f"[{name}](#{name})"
    if "const" in schema:
        return f"`{json.dumps(schema['const'])}`"
    if "enum" in schema:
        return "one of " + ", ".join(f"`{v}`" for v in schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " or ".join(_type_of(option) for option in schema[key])
    kind = schema.get("type", "any")
    if kind == "array" and isinstance(schema.get("items"), Mapping):
        return f"list of {_type_of(schema['items'])}"
    if kind == "object" and isinstance(schema.get("additionalProperties"), Mapping):
        return f"map of {_type_of(schema['additionalProperties'])}"
    text = str(kind)
    if "format" in schema:
        text += f" ({schema['format']})"
    return text


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def reference_markdown() -> str:
    """The record-format reference (Markdown), generated from the shipped schemas."""
    lines = [
        "# Record format reference",
        "",
        "<!-- Generated by `python -m magcore.schemas > docs/reference/record-format.md`."
        " Do not edit: a test checks that this page matches the schemas. -->",
        "",
        "magcore's records are plain JSON, described by JSON Schema (draft 2020-12). The schemas"
        " ship inside the package and are resolved offline; their ids are names under"
        f" `{SCHEMA_BASE}`, never addresses to fetch. Every example below is checked by the"
        " test suite.",
        "",
    ]
    for name in SCHEMA_NAMES:
        schema = load(name)
        lines += [f"## {name}", "", f"**{schema.get('title', name)}**: `{schema['$id']}`", ""]
        if "description" in schema:
            lines += [schema["description"], ""]
        properties = schema.get("properties", {})
        if properties:
            required = set(schema.get("required", ()))
            lines += ["| field | type | required | description |", "|---|---|---|---|"]
            for field, sub in properties.items():
                lines.append(
                    f"| `{field}` | {_cell(_type_of(sub))} | {'yes' if field in required else ''}"
                    f" | {_cell(str(sub.get('description', '')))} |"
                )
            lines.append("")
        defs = schema.get("$defs", {})
        if name == "common" and defs:
            lines += ["| definition | type | description |", "|---|---|---|"]
            for field, sub in defs.items():
                described = _cell(str(sub.get("description", "")))
                lines.append(f"| `{field}` | {_cell(_type_of(sub))} | {described} |")
            lines.append("")
        for example in schema.get("examples", [])[:1]:
            lines += [
                "Example:",
                "",
                "```json",
                json.dumps(example, indent=2, ensure_ascii=False),
                "```",
                "",
            ]
    return "\n".join(lines)


def main() -> None:
    """Print the record-format reference to standard output."""
    sys.stdout.write(reference_markdown())


if __name__ == "__main__":
    main()
