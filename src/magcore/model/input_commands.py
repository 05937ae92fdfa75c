"""A command as a whole: at most :data:`~magcore.model.input_policy.MAX_ITEMS` items in any
list or mapping of it, and at most :data:`~magcore.model.input_policy.MAX_COMMAND_BYTES` of
text together, so many texts each below their own limit cannot add up to megabytes.

The conversation and goal commands check themselves with :func:`check_command` when they are
made; a refusal is an :class:`~magcore.errors.InputRefused` whose problem names the field.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import attrs

from ..errors import InputRefused, Problem
from .input_policy import MAX_COMMAND_BYTES, MAX_ITEMS, _escape, _utf8_size

__all__ = ["check_command", "command_problems", "items_problem"]


def items_problem(value: Any, *, pointer: str) -> Problem | None:
    """Why the list or mapping *value* (at *pointer*) has too many items, or ``None``."""
    if isinstance(value, Mapping | list | tuple) and len(value) > MAX_ITEMS:
        return Problem(pointer, f"has {len(value):,} items; at most {MAX_ITEMS:,}", "maxItems")
    return None


class _Content:
    """A walk over one field of a command: its texts' bytes and its first list too long."""

    def __init__(self) -> None:
        self.size = 0
        self.problem: Problem | None = None

    def walk(self, value: Any, pointer: str) -> None:
        if isinstance(value, str):
            self.size += _utf8_size(value)
        elif isinstance(value, Mapping | list | tuple):
            self.problem = self.problem or items_problem(value, pointer=pointer)
            if isinstance(value, Mapping):
                for key, item in value.items():
                    self.size += _utf8_size(key) if isinstance(key, str) else 0
                    self.walk(item, f"{pointer}/{_escape(str(key))}")
            else:
                for index, item in enumerate(value):
                    self.walk(item, f"{pointer}/{index}")
        elif attrs.has(type(value)) and pointer.count("/") > 1:
            for field in attrs.fields(type(value)):
                self.walk(getattr(value, field.name), f"{pointer}/{field.name}")


def _fast_size(value: Any, nested: bool) -> int:
    """The UTF-8 bytes of the texts in *value*, as :class:`_Content` counts them, or -1 when
    a list or mapping in it has too many items (then the walk names it). No pointers are made:
    most commands are fine, and this is the whole of their check."""
    kind: type = type(value)
    sort = _sort_of(kind)
    if sort == _TEXT:
        return _utf8_size(value)
    if sort == _SEQUENCE:
        if len(value) > MAX_ITEMS:
            return -1
        total = 0
        for item in value:
            size = _utf8_size(item) if type(item) is str else _fast_size(item, True)
            if size < 0:
                return -1
            total += size
        return total
    if sort == _MAPPING:
        if len(value) > MAX_ITEMS:
            return -1
        total = 0
        for key, item in value.items():
            total += _utf8_size(key) if isinstance(key, str) else 0
            size = _utf8_size(item) if type(item) is str else _fast_size(item, True)
            if size < 0:
                return -1
            total += size
        return total
    if nested and sort == _ATTRS:
        total = 0
        for name in _field_names(kind):
            item = getattr(value, name)
            size = _utf8_size(item) if type(item) is str else _fast_size(item, True)
            if size < 0:
                return -1
            total += size
        return total
    return 0


#: What :func:`_fast_size` makes of a value, by its type (see :func:`_sort_of`).
_NOTHING, _TEXT, _SEQUENCE, _MAPPING, _ATTRS = range(5)


@functools.cache
def _sort_of(kind: type) -> int:
    """How :func:`_fast_size` counts a value of type *kind*: as a text (a ``str`` or an enum
    member of one), a list or tuple, a mapping, an attrs value, or nothing (numbers, ``None``,
    anything else), in that order of the walk's questions. Asked once per type."""
    if issubclass(kind, str):
        return _TEXT
    if kind is type(None) or kind is int or kind is bool or kind is float:
        return _NOTHING
    if issubclass(kind, list | tuple):
        return _SEQUENCE
    if issubclass(kind, Mapping):
        return _MAPPING
    if attrs.has(kind):
        return _ATTRS
    return _NOTHING


@functools.cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(field.name for field in attrs.fields(kind))


@functools.cache
def _given_fields(kind: type) -> tuple[str, ...]:
    """The fields of command class *kind* a caller gives (not its constants, such as action)."""
    return tuple(field.name for field in attrs.fields(kind) if field.init)


def command_problems(command: attrs.AttrsInstance) -> list[Problem]:
    """What makes the attrs *command* too large as a whole, or ``[]``.

    A list or mapping anywhere in it (agreements, themes, answers and the lists and objects
    inside them) holds at most :data:`MAX_ITEMS` items, and all its texts together (its
    texts, the keys and texts of its answers, the texts of the items of its lists) are at most
    :data:`MAX_COMMAND_BYTES` in UTF-8: the size problem names the field holding the most. A
    value that is itself a definition (a command's cycle) and the command's own constants (its
    ``action``) are not the command's content.
    """
    total = 0
    for name in _given_fields(type(command)):
        size = _fast_size(getattr(command, name), False)
        if size < 0:
            break
        total += size
    else:
        if total <= MAX_COMMAND_BYTES:
            return []  # the common case; otherwise the walk below names the field
    problems: list[Problem] = []
    sizes: dict[str, int] = {}
    for field in attrs.fields(type(command)):
        if not field.init:  # the command's own constants (its action), not what was given
            continue
        walk = _Content()
        walk.walk(getattr(command, field.name), f"/{field.name}")
        if walk.problem is not None:
            problems.append(walk.problem)
        sizes[f"/{field.name}"] = walk.size
    total = sum(sizes.values())
    if total > MAX_COMMAND_BYTES and not problems:
        largest = max(sizes, key=sizes.__getitem__)
        problems.append(
            Problem(
                largest,
                f"makes the command's texts {total:,} bytes together; at most "
                f"{MAX_COMMAND_BYTES // 1024 // 1024} MiB ({MAX_COMMAND_BYTES:,} bytes)",
                "maxBytes",
            )
        )
    return problems


def check_command(command: attrs.AttrsInstance) -> None:
    """Raise :class:`InputRefused` with the problems :func:`command_problems` finds."""
    problems = command_problems(command)
    if problems:
        raise InputRefused(problems, what="command")
