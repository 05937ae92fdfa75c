"""The plaintext inside an event token: an event's content values framed as bytes.

:func:`frame` writes the values of the fields one event token seals; :func:`unframe` reads
them back. Strings are not run through the JSON encoder, which costs more per character than
AES-GCM and base64 together: each is written as its UTF-8 bytes.

The frame written since 2026-12-05 (first byte ``0x02``)::

    0x02, a JSON header, a newline, then the values' bytes, separated by 0xFF

The header holds one entry per field, in order: ``[field, "s"]`` a string (one part, its
UTF-8); ``[field, "m", [key, ...]]`` a mapping of strings to strings, such as a form's
answers (one part per key, in order); ``[field, "j"]`` any other value (one part, its compact
JSON). No UTF-8 text holds the byte 0xFF, so the parts need no lengths: a header depends only
on the fields and keys, which a batch's events share, and is made once. The number of parts
must be the one the header announces.

Still read, never written any more:

* ``0x01``: the same header, but with each part's length in bytes (``[field, "s", 5]``,
  ``[field, "m", [key, 4, key, 5]]``) and the parts one after another.
* ``{``: the first event tokens, one JSON object of fields and values.

The whole plaintext is authenticated by AES-GCM; a frame that does not read is a damaged
token (:class:`~magcore.errors.ContentIntegrityError`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from ..errors import ContentIntegrityError, Problem, RecordInvalidError
from ..storage.chain import canonical_text

__all__ = ["frame", "unframe"]

#: The first byte of a frame of separated parts (written now) and of one of lengths (read).
SEPARATED: Final = b"\x02"
LENGTHS: Final = b"\x01"
#: Between two parts of a separated frame: a byte no UTF-8 text holds.
_BETWEEN: Final = b"\xff"

#: A shape is what a header depends on: per field, the field (a string), or the field and the
#: keys of its mapping of strings.
_Shape = tuple[str | tuple[str, tuple[str, ...]], ...]

#: The header (first byte to newline) of each shape seen; few: they come from the declared
#: event types and the forms.
_HEADS: dict[_Shape, bytes] = {}


def frame(values: Mapping[str, Any]) -> bytes:
    """The plaintext of an event token sealing *values* (``{field: value}``, in order).

    Raises :class:`~magcore.errors.RecordInvalidError` naming the field of a value that
    cannot be stored (a string with a lone surrogate).
    """
    if len(values) == 1:  # one text (a note) or one form's answers: most events
        for field, value in values.items():
            kind = type(value)
            try:
                if kind is str:
                    text: bytes = value.encode("utf-8")
                    return (_HEADS.get((field,)) or _head((field,))) + text
                if kind is MappingProxyType or kind is dict:
                    texts = [text.encode("utf-8") for text in value.values()]  # str only
                    one: _Shape = ((field, tuple(value)),)
                    return (_HEADS.get(one) or _head(one)) + _BETWEEN.join(texts)
            except UnicodeEncodeError:
                _name_the_field(values)
                raise
            except (AttributeError, TypeError):  # a mapping holding other than strings
                return _framed_by_kind(values)
    shape: list[str | tuple[str, tuple[str, ...]]] = []
    parts: list[bytes] = []
    try:
        for field, value in values.items():
            kind = type(value)
            if kind is str:
                shape.append(field)
                parts.append(value.encode("utf-8"))
                continue
            if kind is MappingProxyType or kind is dict:
                texts = [text.encode("utf-8") for text in value.values()]  # str only
                shape.append((field, tuple(value)))
                parts += texts
                continue
            return _framed_by_kind(values)
        key = tuple(shape)
        head = _HEADS.get(key)
        if head is None:
            head = _head(key)
    except UnicodeEncodeError:
        _name_the_field(values)
        raise
    except (AttributeError, TypeError):  # a mapping holding something other than strings
        return _framed_by_kind(values)
    return head + _BETWEEN.join(parts)


def _head(shape: _Shape) -> bytes:
    """The header of *shape*, kept for the next event. Raises :class:`TypeError` for a
    mapping with a key that is no string (it is framed as JSON instead)."""
    entries: list[list[Any]] = []
    for entry in shape:
        if isinstance(entry, str):
            entries.append([entry, "s"])
            continue
        field, keys = entry
        if not all(type(key) is str for key in keys):
            raise TypeError("a key that is no string")
        entries.append([field, "m", list(keys)])
    head = SEPARATED + canonical_text(entries).encode("utf-8") + b"\n"
    if len(_HEADS) < 10_000:
        _HEADS[shape] = head
    return head


def _framed_by_kind(values: Mapping[str, Any]) -> bytes:
    """:func:`frame` of values of any kind: each looked at on its own, the header not kept."""
    entries: list[list[Any]] = []
    parts: list[bytes] = []
    try:
        for field, value in values.items():
            kind = type(value)
            if kind is str:
                entries.append([field, "s"])
                parts.append(value.encode("utf-8"))
                continue
            if (kind is MappingProxyType or kind is dict) and all(
                type(key) is str and type(text) is str for key, text in value.items()
            ):
                entries.append([field, "m", list(value)])
                parts += [text.encode("utf-8") for text in value.values()]
                continue
            entries.append([field, "j"])
            parts.append(canonical_text(value).encode("utf-8"))
        head = canonical_text(entries).encode("utf-8")
    except (UnicodeEncodeError, TypeError, ValueError):
        _name_the_field(values)
        raise
    return SEPARATED + head + b"\n" + _BETWEEN.join(parts)


def _name_the_field(values: Mapping[str, Any]) -> None:
    """Raise :class:`~magcore.errors.RecordInvalidError` naming the first field of *values*
    whose value cannot be stored (returns when each can: the caller raises what it caught)."""
    for field, value in values.items():
        try:
            if type(value) is str:
                value.encode("utf-8")
            else:
                canonical_text(value).encode("utf-8")
        except (UnicodeEncodeError, TypeError, ValueError) as exc:
            raise RecordInvalidError(
                [Problem(field, f"cannot be stored: {type(exc).__name__}: {exc}")],
                what="content",
            ) from exc


def unframe(plain: bytes, where: str) -> dict[str, Any]:
    """The fields and values of an event token's plaintext, in any of the three frames.

    Raises :class:`~magcore.errors.ContentIntegrityError` naming *where* when it does not
    read (a token made by something else than magcore, with the right key)."""
    try:
        first = plain[:1]
        if first == b"{":  # the first mc2 tokens: one JSON object
            values = json.loads(plain)
            if not isinstance(values, dict):
                raise ValueError("no object")
            return values
        end = plain.find(b"\n")
        if end < 0:
            raise ValueError("no header")
        header = json.loads(plain[1:end])
        if type(header) is not list:
            raise ValueError("a header that is no list")
        if first == SEPARATED:
            return _separated(header, plain[end + 1 :])
        if first == LENGTHS:
            return _with_lengths(header, plain, end + 1)
        raise ValueError("an unknown frame")
    except (ValueError, TypeError) as exc:  # UnicodeDecodeError and JSONDecodeError too
        raise ContentIntegrityError(f"{where}: the content token holds no fields") from exc


def _separated(header: list[Any], body: bytes) -> dict[str, Any]:
    """The values of a frame of separated parts (``0x02``), *body* the bytes after its
    header."""
    wanted = 0
    for entry in header:
        if type(entry) is not list or not entry or type(entry[0]) is not str:
            raise ValueError("a bad field")
        if entry[1:] in (["s"], ["j"]):
            wanted += 1
        elif (
            len(entry) == 3
            and entry[1] == "m"
            and type(entry[2]) is list
            and all(type(key) is str for key in entry[2])
        ):
            wanted += len(entry[2])
        else:
            raise ValueError("an unknown kind")
    parts = body.split(_BETWEEN) if wanted else ([] if not body else [body])
    if len(parts) != wanted:
        raise ValueError(f"{len(parts)} parts where the header has {wanted}")
    opened: dict[str, Any] = {}
    at = 0
    for entry in header:
        field, kind = entry[0], entry[1]
        if kind == "s":
            opened[field] = parts[at].decode("utf-8")
            at += 1
        elif kind == "j":
            opened[field] = json.loads(parts[at])
            at += 1
        else:
            keys = entry[2]
            opened[field] = {
                key: part.decode("utf-8")
                for key, part in zip(keys, parts[at : at + len(keys)], strict=True)
            }
            at += len(keys)
    return opened


def _with_lengths(header: list[Any], plain: bytes, start: int) -> dict[str, Any]:
    """The values of a frame of lengths (``0x01``), whose parts start at *start*."""
    opened: dict[str, Any] = {}
    at = start
    total = len(plain)

    def take(size: object) -> bytes:
        nonlocal at
        if type(size) is not int or size < 0 or at + size > total:
            raise ValueError("a bad length")
        raw = plain[at : at + size]
        at += size
        return raw

    for field, kind, size in header:
        if type(field) is not str:
            raise ValueError("a bad field")
        if kind == "s":
            opened[field] = take(size).decode("utf-8")
        elif kind == "j":
            opened[field] = json.loads(take(size))
        elif kind == "m" and type(size) is list and len(size) % 2 == 0:
            mapping: dict[str, str] = {}
            for key, length in zip(size[::2], size[1::2], strict=True):
                if type(key) is not str:
                    raise ValueError("a bad key")
                mapping[key] = take(length).decode("utf-8")
            opened[field] = mapping
        else:
            raise ValueError("an unknown kind")
    if at != total:
        raise ValueError("bytes after the last value")
    return opened
