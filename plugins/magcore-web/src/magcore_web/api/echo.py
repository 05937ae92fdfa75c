"""What a 400 answer keeps of the request: the fields at fault and the rules, never what was
sent.

A refused value may be what should not have been sent at all (a name, a diagnosis in a
purpose, a free-text reason), and an answer is logged by proxies and shown on screens. So a
problem about a request body names each field by its place in the body's schema: a name the
schema declares stays; a name it does not declare (an extra field, a key of a free mapping
such as ``answers``) becomes ``(field N)``, its position among the object's fields as sent.
And a detail that quotes any text or number of the body is replaced by one that names the
rule alone (:func:`without_input`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from ..problems import FieldError, Problem

__all__ = ["safe_pointer", "sent_texts", "without_input"]

#: The detail of a problem whose own words quoted the request.
REFUSED = "the value sent is refused by the rule {code}"
#: The problem's detail when its own words quoted the request.
INVALID = "the request is invalid"
#: Texts shorter than this are not looked for in a detail (a one-letter value would match any).
_SHORTEST = 3


@functools.cache
def _schema(cls: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    from .schema import schema_for

    components: dict[str, Any] = {}
    root = schema_for(cls, components)
    return root, components


def _options(node: Any, components: Mapping[str, Any], depth: int = 0) -> Iterator[Any]:
    """*node* and every schema it stands for (``$ref``, ``anyOf``, ``oneOf``, ``allOf``)."""
    if not isinstance(node, Mapping) or depth > 16:
        return
    ref = node.get("$ref")
    if isinstance(ref, str):
        yield from _options(components.get(ref.rpartition("/")[2]), components, depth + 1)
        return
    yield node
    for key in ("anyOf", "oneOf", "allOf"):
        for option in node.get(key, ()):
            yield from _options(option, components, depth + 1)


def _step(node: Any, token: str, components: Mapping[str, Any]) -> tuple[bool, Any]:
    """Whether *token* is a name or an index the schema *node* declares, and the schema
    below it."""
    free: Any = None
    for option in _options(node, components):
        properties = option.get("properties")
        if isinstance(properties, Mapping) and token in properties:
            return True, properties[token]
        items = option.get("items")
        if items is not None and token.isdigit() and len(token) <= 6:
            return True, items
        extra = option.get("additionalProperties")
        if isinstance(extra, Mapping):
            free = extra
    return False, free


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def safe_pointer(pointer: str, cls: Any, data: Any = None) -> str:
    """*pointer* (into a body of class *cls*) with every name the schema does not declare
    replaced by ``(field N)``, its position among the fields of that object in *data* (the
    body as sent), or ``(field)`` when that is not known."""
    if not pointer.startswith("/") or pointer == "/":
        return "/"
    root, components = _schema(cls)
    node: Any = root
    here: Any = data
    out: list[str] = []
    for raw in pointer[1:].split("/"):
        token = _unescape(raw)
        known, node = _step(node, token, components)
        if known:
            out.append(raw)
        elif isinstance(here, Mapping) and token in here:
            out.append(f"(field {list(here).index(token) + 1})")
        else:
            out.append("(field)")
        if isinstance(here, Mapping):
            here = here.get(token)
        elif isinstance(here, list) and token.isdigit() and int(token) < len(here):
            here = here[int(token)]
        else:
            here = None
    return "/" + "/".join(out)


@functools.cache
def _declared(cls: Any) -> frozenset[str]:
    """Every field name the schema of *cls* declares, at any depth."""
    root, components = _schema(cls)
    names: set[str] = set()
    for node in (root, *components.values()):
        for option in _options(node, components):
            names |= set(option.get("properties", {}))
    return frozenset(names)


def sent_texts(data: Any, cls: Any = None, depth: int = 0) -> set[str]:
    """Every text a body (of class *cls*) holds and every number of it, and the names of its
    fields that the schema does not declare, as a detail could quote them: as written, and
    as ``repr`` and ``ascii`` escape them."""
    found: set[str] = set()
    if depth > 64:
        return found
    declared = _declared(cls) if cls is not None else frozenset()
    if isinstance(data, Mapping):
        for key, value in data.items():
            if str(key) not in declared:
                found |= _forms(str(key))
            found |= sent_texts(value, cls, depth + 1)
    elif isinstance(data, list | tuple):
        for value in data:
            found |= sent_texts(value, cls, depth + 1)
    elif isinstance(data, str):
        found |= _forms(data)
    elif isinstance(data, int | float) and not isinstance(data, bool):
        found |= _forms(str(data))
    return {text for text in found if len(text) >= _SHORTEST}


def _forms(text: str) -> set[str]:
    return {text, repr(text)[1:-1], ascii(text)[1:-1]}


def _quotes(detail: str, texts: set[str]) -> bool:
    return any(text in detail for text in texts)


_NAME = re.compile(r"[^A-Za-z0-9_-]")


def without_input(problem: Problem, cls: Any, data: Any) -> Problem:
    """*problem* (about a body of class *cls*; *data* the body as sent, or ``None`` when it
    was no JSON) naming no value sent: safe pointers, and details that quote nothing of
    *data*."""
    if problem.status != 400:
        return problem  # not about the body's values (404, 409...): its words are the rule's
    texts = sent_texts(data, cls)
    errors = []
    for error in problem.errors:
        if error.in_ != "body":
            errors.append(error)
            continue
        code = _NAME.sub("", error.code)[:40] or "invalid"
        detail = error.detail
        if _quotes(detail, texts):
            detail = REFUSED.format(code=code)
        location = safe_pointer(error.location, cls, data)
        errors.append(FieldError(in_="body", location=location, code=code, detail=detail))
    detail = INVALID if _quotes(problem.detail, texts) else problem.detail
    return attrs.evolve(problem, detail=detail, errors=tuple(errors))
