"""Which parts of an event are content (encrypted, erasable) and which are metadata (in clear).

Every event type declares its payload once, next to the code that makes it: an
:class:`EventContent` names the *content* fields (free text, answers: encrypted with the data key
of the record's owner, gone when that key is destroyed) and the *metadata* fields (ids, dates,
states, kinds, counts: what planning and statistics need, kept in clear). A path is a
``/``-separated list of keys; ``*`` stands for every item of a list (or every value of a
mapping); ``**`` for everything below. A test walks every string in every event type's data and
fails when one is declared neither.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

import attrs

from .._typing import to_tuple

__all__ = ["ContentField", "EventContent", "declared", "find", "metadata_only"]


def _path(value: str | tuple[str, ...]) -> tuple[str, ...]:
    parts = tuple(value.split("/")) if isinstance(value, str) else tuple(value)
    if not parts or any(not p for p in parts):
        raise ValueError(f"a content path needs keys separated by '/', not {value!r}")
    return parts


@attrs.frozen
class ContentField:
    """One content field of an event type.

    ``origin`` names a sibling key (``carried_from``, ``<conversation>#<agreement>``) that,
    when set, says the value is a copy from another conversation: the copy is then encrypted
    with *that* conversation's key, so erasing the original erases every copy.
    ``text`` is false for a JSON value (answers): erased, it reads as an empty mapping.
    """

    path: tuple[str, ...] = attrs.field(converter=_path)
    origin: str | None = None
    text: bool = True

    @property
    def name(self) -> str:
        return "/".join(self.path)


def _fields(values: Any) -> tuple[ContentField, ...]:
    return tuple(v if isinstance(v, ContentField) else ContentField(v) for v in values)


def _paths(values: Any) -> tuple[tuple[str, ...], ...]:
    return tuple(_path(v) for v in to_tuple(values))


@attrs.frozen
class EventContent:
    """What one event type carries: its content fields and its metadata fields."""

    content: tuple[ContentField, ...] = attrs.field(default=(), converter=_fields)
    metadata: tuple[tuple[str, ...], ...] = attrs.field(default=(), converter=_paths)


def metadata_only(*paths: str) -> EventContent:
    """An event type without content (everything in it is metadata)."""
    return EventContent(metadata=paths or ("**",))


_MAPPINGS = (dict, MappingProxyType)
_SEQUENCES = (list, tuple)


def find(data: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Every ``(concrete path, value)`` of *data* that *path* names (``*`` and ``**`` expand)."""
    yield from _find(data, path, ())


def _find(
    data: Any, path: tuple[str, ...], at: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    if not path:
        yield at, data
        return
    head, rest = path[0], path[1:]
    if head == "**":
        yield at, data
        return
    # concrete types first: an isinstance check against the Mapping ABC is slow, and this runs
    # for every event read or written
    mapping = type(data) in _MAPPINGS or (
        type(data) not in _SEQUENCES and isinstance(data, Mapping)
    )
    if head == "*":
        if mapping:
            for key, value in data.items():
                yield from _find(value, rest, (*at, str(key)))
        elif type(data) in _SEQUENCES:
            for index, value in enumerate(data):
                yield from _find(value, rest, (*at, index))
        return
    if mapping and head in data:
        yield from _find(data[head], rest, (*at, head))


def declared(content: EventContent, data: Any) -> set[tuple[str | int, ...]]:
    """The concrete paths in *data* that *content* declares (content or metadata)."""
    found: set[tuple[str | int, ...]] = set()
    for field in content.content:
        found.update(at for at, _ in find(data, field.path))
    for path in content.metadata:
        found.update(at for at, _ in find(data, path))
    return found
