"""How the sealer finds an event type's content: its plan, the pointers of its fields, copies.

:func:`make_plan` reads an event type's declared content (:class:`~magcore.model.content.
EventContent`) once and says which of the sealer's paths (:mod:`magcore.access._sealing`) takes
its events: none (no content), one top-level field (:class:`_One`), several top-level fields
(a tuple of keys and pointers), top-level fields and fields of a list's items
(:class:`_Listed`), or the general walk (:data:`_GENERAL`). The helpers make the pointer of a
value (``/data/agreements/0/text``) and copy only the containers on the way to a changed value.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType
from typing import Any, Final

from ..model.content import ContentField, EventContent
from ._sealed_text import _key_json

__all__ = ["make_plan"]

Path = tuple[str | int, ...]

_MAPPINGS = (dict, MappingProxyType)


def _copy(data: Any) -> dict[Any, Any]:
    """A mapping as a new dict (a read-only mapping's ``copy()`` is the fast way)."""
    return data.copy() if type(data) in _MAPPINGS else dict(data)


def _replaced(data: Any, changes: Sequence[tuple[Path, Any]], *, frozen: bool = True) -> Any:
    """*data* with each value at a path replaced; only the containers on the way are copied,
    each once. Frozen (read-only mappings), or plain dicts and tuples when the copy is only
    encoded (*frozen* false)."""
    if type(data) is not tuple and all(len(at) == 1 for at, _ in changes):
        merged = _copy(data)  # most content: top-level fields of a mapping
        for at, value in changes:
            merged[at[0]] = value
        return MappingProxyType(merged) if frozen else merged
    direct: dict[Any, Any] = {}
    deeper: dict[Any, list[tuple[Path, Any]]] = {}
    for at, value in changes:
        if len(at) == 1:
            direct[at[0]] = value
        else:
            deeper.setdefault(at[0], []).append((at[1:], value))
    for key, below in deeper.items():
        direct[key] = _replaced(data[key], below, frozen=frozen)
    if type(data) is tuple:
        copied = list(data)
        for index, value in direct.items():
            copied[index] = value
        return tuple(copied)
    merged = _copy(data)
    merged.update(direct)
    return MappingProxyType(merged) if frozen else merged


_WILD = frozenset(("*", "**"))

#: The plan of an event type whose content is found by walking its data.
_GENERAL: Final = True


class _Listed:
    """The plan of an event type whose content is top-level fields and fields of the items of
    lists (``agreements/*/text``): ``(list key or "", key, field)`` in declared order; and
    the same as :attr:`steps` for the one-pass sealer, each with the field's origin and its
    pointer (``/data/summary``), or the pointers of the first items (``/data/agreements/0/
    text``, ...)."""

    __slots__ = ("entries", "steps")

    def __init__(self, entries: tuple[tuple[str, str, ContentField], ...]) -> None:
        self.entries = entries
        self.steps = tuple(
            (
                list_key,
                key,
                field,
                field.origin,
                _field((key,))
                if not list_key
                else tuple(_field((list_key, number, key)) for number in range(_POINTED)),
            )
            for list_key, key, field in entries
        )


class _One:
    """The plan of an event type whose content is one top-level field of the stream's own
    record (a note's text, a preparation's answers): its key, its pointer (``/data/text``)
    and the start of the stored text of data that holds only that field (``{"text":"``)."""

    __slots__ = ("head", "key", "pairs", "pointer")

    def __init__(self, key: str, pointer: str) -> None:
        self.key = key
        self.pointer = pointer
        self.pairs = ((key, pointer),)  # as a plan of several top-level fields has them
        self.head = "{" + _key_json(key) + ':"'


#: How many items of a list have their pointers made in advance (a record's agreements).
_POINTED: Final = 16

_Plan = tuple[tuple[str, str], ...] | bool | _Listed | _One


def _holder(data: Any, at: Path) -> Any:
    for key in at[:-1]:
        data = data[key]
    return data


_FIELDS: dict[Path, str] = {}


def _field(at: Path) -> str:
    """The field a value at *at* is bound to: ``/data/summary``, ``/data/agreements/0/text``."""
    found = _FIELDS.get(at)
    if found is None:
        found = "/data/" + "/".join(str(part) for part in at)
        if len(_FIELDS) < 10_000:
            _FIELDS[at] = found
    return found


def make_plan(spec: EventContent | None) -> _Plan:
    """How an event with content *spec* is sealed: ``()`` it has no content; a :class:`_One`
    plan for one top-level field of the stream's own record; the content keys (``(key,
    field)``, the field as ``/data/key``) when all are such fields; a :class:`_Listed` plan
    when the others are fields of the items of a list (``agreements/*/text``);
    :data:`_GENERAL` otherwise (found by walking)."""
    if spec is None or not spec.content:
        return ()
    keys: list[tuple[str, str]] = []
    entries: list[tuple[str, str, ContentField]] = []
    for field in spec.content:
        path = field.path
        if len(path) == 1 and field.origin is None and path[0] not in _WILD:
            keys.append((path[0], _field(path)))
            entries.append(("", path[0], field))
        elif len(path) == 3 and path[1] == "*" and not _WILD.intersection(path[::2]):
            entries.append((path[0], path[2], field))
        else:
            return _GENERAL
    if len(keys) == len(entries):
        return _One(*keys[0]) if len(keys) == 1 else tuple(keys)
    return _Listed(tuple(entries))
