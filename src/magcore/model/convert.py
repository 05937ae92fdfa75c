"""One cattrs converter for every magcore value: dates as ISO 8601 text, enums as their values."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Any, TypeVar

import cattrs
from cattrs.errors import AttributeValidationNote, ForbiddenExtraKeysError, IterableValidationNote
from cattrs.preconf.json import make_converter

from ..errors import DefinitionError, MagcoreError
from ..languages import is_language_tag
from .text import Text

__all__ = ["converter", "structure", "unstructure"]

T = TypeVar("T")

converter = make_converter(forbid_extra_keys=True, omit_if_default=False)
converter.register_unstructure_hook(enum.StrEnum, lambda value: value.value)
converter.register_unstructure_hook(enum.Enum, lambda value: value.value)
converter.register_structure_hook(date, lambda value, _: _parse_date(value))
converter.register_unstructure_hook(date, lambda value: value.isoformat())
converter.register_structure_hook(datetime, lambda value, _: _parse_datetime(value))
converter.register_unstructure_hook(datetime, lambda value: value.isoformat())


def _structure_text(value: Any, _: Any) -> Text:
    if not isinstance(value, str | Mapping):
        raise ValueError(f"expected a text or {{'nl': ..., 'en': ...}}, got {value!r}")
    if isinstance(value, Mapping):
        extra = sorted(key for key in value if not is_language_tag(key))
        if extra:
            raise ValueError(f"a text has 'nl', 'en' and language tags (fy, pap), not {extra}")
        missing = [language for language in ("nl", "en") if language not in value]
        if missing:
            # Name the language, at its own pointer: "/kinds/1/name/en", not "/kinds/1/name".
            words = {"nl": "the Dutch text ('nl')", "en": "the English text ('en')"}
            raise DefinitionError(
                f"{' and '.join(words[m] for m in missing)} "
                f"{'is' if len(missing) == 1 else 'are'} missing: every text people read is "
                "in Dutch and English",
                pointer=f"/{missing[0]}",
            )
    return Text.coerce(value)


converter.register_structure_hook(Text, _structure_text)
converter.register_unstructure_hook(Text, Text.to_json)


def _parse_date(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected a date as YYYY-MM-DD text, got {value!r}")
    return date.fromisoformat(value)


def _parse_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        parsed = datetime.fromisoformat(value)
    else:
        raise ValueError(f"expected a date-time as ISO 8601 text, got {value!r}")
    if parsed.tzinfo is None:
        raise ValueError(f"date-time {value!r} has no time zone")
    return parsed


def _locate(exc: BaseException, pointer: str) -> Iterator[tuple[str, str]]:
    """Flatten a cattrs error group into (JSON pointer, message) pairs."""
    if isinstance(exc, cattrs.ClassValidationError | cattrs.IterableValidationError):
        with_notes, without_notes = exc.group_exceptions()
        for inner in without_notes:
            yield from _locate(inner, pointer)
        for inner, note in with_notes:
            where = pointer
            if isinstance(note, AttributeValidationNote):
                where = f"{pointer}/{note.name}"
            elif isinstance(note, IterableValidationNote):
                where = f"{pointer}/{note.index}"
            yield from _locate(inner, where)
        return
    if isinstance(exc, ForbiddenExtraKeysError):
        yield pointer, f"unknown field(s): {', '.join(sorted(exc.extra_fields))}"
    elif isinstance(exc, DefinitionError):
        inner_pointer = exc.pointer if exc.pointer.startswith(pointer) else pointer + exc.pointer
        yield inner_pointer, exc.message
    elif isinstance(exc, KeyError):
        yield pointer, "required field is missing"
    else:
        yield pointer, str(exc) or type(exc).__name__


def unstructure(value: Any) -> Any:
    """Turn an attrs value into plain JSON-ready data."""
    return converter.unstructure(value)


def structure(data: Any, cls: type[T], pointer: str = "") -> T:
    """Build *cls* from plain data; any problem becomes a DefinitionError naming the field."""
    try:
        return converter.structure(data, cls)
    except MagcoreError:
        raise
    except cattrs.BaseValidationError as exc:
        located = list(_locate(exc, pointer))
        if len(located) == 1:
            raise DefinitionError(located[0][1], pointer=located[0][0]) from exc
        raise DefinitionError(
            "; ".join(f"{message} (at {where or '/'})" for where, message in located),
            pointer=located[0][0] if located else pointer,
        ) from exc
    except (KeyError, TypeError, ValueError) as exc:
        raise DefinitionError(f"{cls.__name__}: {exc}", pointer=pointer) from exc
