"""One input policy at the boundary: every text and every id that enters magcore passes here.

Pure functions, no I/O (reading files is :mod:`magcore.model.input_files`). What is
refused, and why:

* **Texts** are NFC-normalised (so ``é`` typed two ways is stored one way). Refused: C0 control
  characters other than tab and newline (NUL, carriage return, escape...), DEL and the C1
  controls (U+0080–U+009F); lone surrogates (U+D800–U+DFFF, which no UTF-8 file can hold); the
  bidirectional embedding, override and isolate characters U+202A–U+202E and U+2066–U+2069 and
  the direction marks U+200E, U+200F and U+061C ("Trojan Source": text that reads differently
  from how it is stored); the tag characters U+E0000–U+E007F, which no screen shows but every
  program reading the text sees ("ASCII smuggling": hidden words carried along in visible text;
  the one ordinary use, the subdivision flags of England, Scotland and Wales, is refused with
  them); the interlinear annotation characters U+FFF9–U+FFFB (also hidden text), the
  deprecated format characters U+206A–U+206F, the line and paragraph separators U+2028 and
  U+2029 (a newline is the line break) and the noncharacters U+FDD0–U+FDEF, U+FFFE and
  U+FFFF. Zero-width joiners and non-joiners, soft hyphens and other format characters that
  scripts and emoji need stay text. A text is at most :data:`MAX_TEXT_BYTES` (64 KiB in
  UTF-8) unless its definition sets a lower limit (a form's ``maxLength``, a command's own
  limit).
* **Ids** (people, teams, organisations, conversations, goals, agreements, cycle keys) match
  :data:`ID_PATTERN`: one or more segments of a letter or digit followed by up to 127 letters,
  digits, ``.``, ``_``, ``:``, ``@`` or ``-``, joined by ``#`` (``p000022``, ``team-7``,
  ``mag@1``, ``3f2a9c#a1`` for a carried-forward agreement), at most :data:`MAX_ID_LENGTH`
  characters in all. No spaces, no slashes, nothing outside ASCII.
* **JSON** (form answers) nests at most :data:`MAX_JSON_DEPTH` levels; every key and every text
  in it follows the text rules. :func:`load_json` checks the depth *before* parsing, so a
  3,000-level document is a named error rather than a ``RecursionError``. Numbers in it are
  finite (no NaN, no infinity) and whole numbers are at most :data:`MAX_JSON_INTEGER` (2**53)
  either way from zero: what a JSON number carries exactly in every reader.
* **Whole commands** (:func:`magcore.model.input_commands.check_command`, run when a
  conversation or goal command is made):
  a list or mapping in a command (agreements, themes, answers and what nests in them) holds at
  most :data:`MAX_ITEMS` (500) items, and all of a command's texts together are at most
  :data:`MAX_COMMAND_BYTES` (1 MiB) in UTF-8, so many texts each below their own limit are
  refused as a whole.
* **Files and CSV** (:mod:`magcore.model.input_files`, whose names this module gives too):
  a file is read at most one byte past its limit (:func:`read_limited`), CSV fields are at most
  :data:`MAX_CSV_FIELD` characters (:func:`csv_field_limit`), and bytes that are not UTF-8 are
  a named error (:func:`decode_text`).
* **E-mail addresses** (a person's work address) follow the text rules, are at most
  :data:`MAX_EMAIL_LENGTH` characters (254, what RFC 5321 lets a path carry) and have the shape
  ``name@domain.tld`` (no spaces, ``<``, ``>``, ``,``, ``;`` or ``"``): :func:`email_problem`.
* **Days** (a hire date, the last day of a sharing choice) are :class:`~datetime.date` values,
  not texts and not dates with a time: :func:`day_problem` (this and the dates and periods
  below live in :mod:`magcore.model.input_dates`, whose names this module gives too).
* **People**: :func:`check_known_people` refuses ids an organisation does not know.
* **Dates** given by a person (a command's ``--from``, ``--on``, the clock of ``MAGCORE_NOW``)
  lie from :data:`MIN_DATE` to :data:`MAX_DATE` (1 January 1900 to 31 December 9000): far
  enough inside what Python's ``date`` holds (years 1 to 9999) that a period, its windows a
  cycle reaches back or forward, and the year before it all stay inside it too.
  :func:`date_problem` says why a date is outside. A period (a plan, a coverage check, a
  participation report) spans at most :data:`MAX_PERIOD_DAYS` (50 years): :func:`period_problem`.

Every refusal is an :class:`~magcore.errors.InputRefused` (a
:class:`~magcore.errors.RecordInvalidError`) whose problems name the field by JSON pointer and
say why. Callers check before they append, so nothing is stored.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from ..errors import InputRefused, Problem
from ._text_characters import (
    BIDI_CONTROLS,
    TAG_CHARACTERS,
    TEXT_PATTERN,
    TEXT_PATTERN_PORTABLE,
)
from ._text_characters import (
    FORBIDDEN as _FORBIDDEN,
)
from ._text_characters import (
    SURROGATE as _SURROGATE,
)
from ._text_characters import (
    forbidden_reason as _reason,
)
from .input_dates import (
    MAX_DATE,
    MAX_PERIOD_DAYS,
    MIN_DATE,
    check_period,
    date_problem,
    day_problem,
    default_period,
    period_problem,
    valid_optional_day,
)
from .input_files import MAX_CSV_FIELD, csv_error, csv_field_limit, decode_text, read_limited

__all__ = [
    "BIDI_CONTROLS",
    "ID_PATTERN",
    "MAX_COMMAND_BYTES",
    "MAX_CSV_FIELD",
    "MAX_DATE",
    "MAX_EMAIL_LENGTH",
    "MAX_ID_LENGTH",
    "MAX_ITEMS",
    "MAX_JSON_BYTES",
    "MAX_JSON_DEPTH",
    "MAX_JSON_INTEGER",
    "MAX_PERIOD_DAYS",
    "MAX_TEXT_BYTES",
    "MIN_DATE",
    "TAG_CHARACTERS",
    "TEXT_PATTERN",
    "TEXT_PATTERN_PORTABLE",
    "check_id",
    "check_json",
    "check_known_people",
    "check_optional_id",
    "check_period",
    "check_text",
    "clean_answers",
    "clean_json",
    "csv_error",
    "csv_field_limit",
    "date_problem",
    "day_problem",
    "decode_text",
    "default_period",
    "email_problem",
    "id_problem",
    "is_email",
    "is_valid_id",
    "json_problems",
    "load_json",
    "normalise",
    "number_problem",
    "period_problem",
    "read_limited",
    "text_problem",
    "valid_id",
    "valid_ids",
    "valid_json",
    "valid_optional_day",
    "valid_optional_id",
    "valid_optional_text",
    "valid_text",
]

MAX_TEXT_BYTES = 64 * 1024
"""The global cap on any one text: 64 KiB once encoded as UTF-8."""

MAX_ID_LENGTH = 255
"""The longest id, ``#``-joined segments included."""

MAX_JSON_DEPTH = 32
"""How deeply answers may nest (objects and lists together); a form needs three or four."""

MAX_JSON_BYTES = 16 * MAX_TEXT_BYTES
"""The largest JSON document :func:`load_json` takes (1 MiB), and a JSON file's most bytes."""

MAX_COMMAND_BYTES = MAX_JSON_BYTES
"""The most content one command carries: the UTF-8 bytes of all its texts together (its own
texts, the keys and texts of its answers, the texts of its agreements), 1 MiB, as much as
the largest JSON document; a year's record of a real conversation is a few KiB."""

MAX_ITEMS = 500
"""The most items in one list or mapping of a command: agreements, themes, participants, the
fields of its answers and every list or object inside them. No conversation has 500 of any."""

MAX_JSON_INTEGER = 2**53
"""The largest whole number (either way from zero) in answers: what a JSON number carries
exactly in every reader (a double's 53 bits); larger ones are refused, not rounded."""

MAX_EMAIL_LENGTH = 254
"""The longest e-mail address, in characters (the most an RFC 5321 path can carry)."""

ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}(?:#[A-Za-z0-9][A-Za-z0-9._:@-]{0,127})*"
"""Every id matches this (in full), and is at most :data:`MAX_ID_LENGTH` characters."""

_ID = re.compile(ID_PATTERN)


def normalise(value: Any) -> Any:
    """*value* in Unicode NFC if it is a text (any other value is returned as it is).

    Safe on text with lone surrogates (left as they are, for :func:`text_problem` to refuse).
    """
    if not isinstance(value, str) or value.isascii():
        return value
    try:
        if unicodedata.is_normalized("NFC", value):
            return value
        return unicodedata.normalize("NFC", value)
    except UnicodeError:  # pragma: no cover - CPython normalises surrogates without complaint
        return value


def _utf8_size(value: str) -> int:
    if value.isascii():
        return len(value)
    return len(value.encode("utf-8", "surrogatepass"))


def text_problem(value: Any, *, pointer: str, max_length: int | None = None) -> Problem | None:
    """What is wrong with text *value* (at JSON pointer *pointer*), or ``None`` if nothing.

    *max_length* counts characters (as a form's ``maxLength`` does); the global cap of
    :data:`MAX_TEXT_BYTES` holds in any case.
    """
    if not isinstance(value, str):
        return Problem(pointer, f"must be a text, not {type(value).__name__}", "type")
    # Printable text holds none of the forbidden characters (they are all Cc, Cf or Cs): the
    # common case is decided without the regular expression.
    found = None if value.isprintable() else _SURROGATE.search(value) or _FORBIDDEN.search(value)
    if found is not None:
        surrogate = "\ud800" <= found.group() <= "\udfff"
        keyword = "surrogate" if surrogate else "characters"
        return Problem(pointer, _reason(found.group(), found.start()), keyword)
    if max_length is not None and len(value) > max_length:
        return Problem(
            pointer, f"is {len(value):,} characters long; at most {max_length:,}", "maxLength"
        )
    if len(value) > MAX_TEXT_BYTES or _utf8_size(value) > MAX_TEXT_BYTES:
        return Problem(
            pointer, f"is longer than the limit of {MAX_TEXT_BYTES // 1024} KiB", "maxBytes"
        )
    return None


def check_text(value: Any, *, pointer: str, max_length: int | None = None) -> str:
    """*value* in NFC if it passes the text rules, else raise :class:`InputRefused`."""
    value = normalise(value)
    problem = text_problem(value, pointer=pointer, max_length=max_length)
    if problem is not None:
        raise InputRefused([problem])
    assert isinstance(value, str)
    return value


def is_valid_id(value: Any) -> bool:
    """Whether *value* is an id by :data:`ID_PATTERN`."""
    return (
        isinstance(value, str) and len(value) <= MAX_ID_LENGTH and _ID.fullmatch(value) is not None
    )


def id_problem(value: Any, *, pointer: str) -> Problem | None:
    """Why *value* is not an id (at *pointer*), or ``None`` if it is one."""
    if is_valid_id(value):
        return None
    if not isinstance(value, str):
        return Problem(pointer, f"an id must be a text, not {type(value).__name__}", "type")
    shown = value if len(value) <= 80 else value[:77] + "..."
    return Problem(
        pointer,
        f"{shown!a} is not a valid id (letters, digits, '.', '_', ':', '@' or '-', "
        f"starting with a letter or digit; parts joined by '#'; at most {MAX_ID_LENGTH})",
        "pattern",
    )


def check_id(value: Any, *, pointer: str) -> str:
    """*value* if it is an id, else raise :class:`InputRefused` naming *pointer*."""
    problem = id_problem(value, pointer=pointer)
    if problem is not None:
        raise InputRefused([problem])
    return str(value)


def check_optional_id(value: Any, *, pointer: str) -> str | None:
    """Like :func:`check_id`, but ``None`` passes."""
    return None if value is None else check_id(value, pointer=pointer)


# -- e-mail addresses ------------------------------------------------------------------------

_EMAIL = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+")


def email_problem(value: Any, *, pointer: str) -> Problem | None:
    """Why *value* is not an e-mail address (at *pointer*), or ``None`` if it is one.

    An address is a text by the text rules (no control or bidirectional character), at most
    :data:`MAX_EMAIL_LENGTH` characters, of the shape ``name@domain.tld``. Normalise it first
    (:func:`normalise`), as every text.
    """
    problem = text_problem(value, pointer=pointer, max_length=MAX_EMAIL_LENGTH)
    if problem is not None:
        return problem
    if _EMAIL.fullmatch(value) is None:
        shown = value if len(value) <= 80 else value[:77] + "..."
        return Problem(pointer, f"{shown!a} is not an e-mail address", "format")
    return None


def is_email(value: Any) -> bool:
    """Whether *value* passes :func:`email_problem` (a quick test for the common case)."""
    if type(value) is str and len(value) <= MAX_EMAIL_LENGTH and value.isprintable():
        return _EMAIL.fullmatch(value) is not None
    return email_problem(value, pointer="") is None


# -- JSON ------------------------------------------------------------------------------------


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _text_ok(value: str) -> bool:
    if not (value.isprintable() or _FORBIDDEN.search(value) is None):
        return False
    return len(value) <= MAX_TEXT_BYTES // 4 or _utf8_size(value) <= MAX_TEXT_BYTES


def _json_ok(value: Any) -> bool:
    """Whether *value* passes :func:`json_problems` (a quick walk without the explanations)."""
    level: list[Any] = [value]
    for _ in range(MAX_JSON_DEPTH + 1):
        below: list[Any] = []
        for item in level:
            kind = type(item)
            if kind is str:
                if not (_clean_ascii(item) and len(item) <= MAX_TEXT_BYTES) and not _text_ok(item):
                    return False
            elif kind is dict:
                for key in item:
                    if type(key) is not str or len(key) > 256 or not _text_ok(key):
                        return False
                below.extend(item.values())
            elif kind is list or kind is tuple:
                below.extend(item)
            elif item is None or kind is bool:
                continue
            elif kind is int:
                if not -MAX_JSON_INTEGER <= item <= MAX_JSON_INTEGER:
                    return False
            elif kind is float:
                if not math.isfinite(item):
                    return False
            elif isinstance(item, Mapping):
                below.append(dict(item))
            else:
                return False
        if not below:
            return True
        level = below
    return False


#: The ASCII characters a text may hold: printable ones, tab and newline.
_ASCII_ALLOWED = bytes(range(0x20, 0x7F)) + b"\t\n"


def _clean_ascii(value: str) -> bool:
    """Whether *value* is ASCII text without forbidden characters (the common case, in C)."""
    return value.isascii() and not value.encode("ascii").translate(None, _ASCII_ALLOWED)


def json_problems(value: Any, *, pointer: str = "", depth: int = 0) -> Iterator[Problem]:
    """Every problem in the JSON-like *value*: too deep, bad keys, bad texts, odd types.

    Lists and mappings count as one level each; the top level is level 1.
    """
    if depth == 0 and _json_ok(value):
        return
    yield from _json_problems(value, pointer=pointer, depth=depth)


def _json_problems(value: Any, *, pointer: str, depth: int) -> Iterator[Problem]:
    if isinstance(value, str):
        problem = text_problem(value, pointer=pointer or "/")
        if problem is not None:
            yield problem
        return
    if value is None or isinstance(value, bool | int | float):
        problem = number_problem(value, pointer=pointer or "/")
        if problem is not None:
            yield problem
        return
    if not isinstance(value, Mapping | list | tuple):
        yield Problem(pointer or "/", f"{type(value).__name__} is not a JSON value", "type")
        return
    if depth + 1 > MAX_JSON_DEPTH:
        yield Problem(pointer or "/", f"nests deeper than {MAX_JSON_DEPTH} levels", "maxDepth")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                yield Problem(pointer or "/", f"key {key!r} is not a text", "type")
                continue
            where = f"{pointer}/{_escape(key)}"
            key_problem = text_problem(key, pointer=where, max_length=256)
            if key_problem is not None:
                yield Problem(where, f"the field name {key_problem.message}", "propertyName")
                continue
            yield from _json_problems(item, pointer=where, depth=depth + 1)
    else:
        for index, item in enumerate(value):
            yield from _json_problems(item, pointer=f"{pointer}/{index}", depth=depth + 1)


def number_problem(value: Any, *, pointer: str) -> Problem | None:
    """Why the number *value* cannot be an answer (NaN, an infinity, a whole number beyond
    :data:`MAX_JSON_INTEGER`), or ``None`` (also for what is not a number, and for booleans)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if -MAX_JSON_INTEGER <= value <= MAX_JSON_INTEGER:
            return None
        # never the number itself: it may have more digits than Python will print
        return Problem(
            pointer,
            "is a whole number beyond 2**53 either way from zero (what a JSON number carries "
            "exactly)",
            "number",
        )
    if isinstance(value, float) and not math.isfinite(value):
        return Problem(pointer, f"is {value!r}, not a finite number", "number")
    return None


def check_json(value: Any, *, pointer: str = "") -> None:
    """Raise :class:`InputRefused` with every problem :func:`json_problems` finds."""
    problems = list(json_problems(value, pointer=pointer))
    if problems:
        raise InputRefused(problems, what="answers")


def clean_json(value: Any, *, pointer: str = "") -> Any:
    """*value* checked by :func:`check_json`, with every text and key in NFC (a new value)."""
    check_json(value, pointer=pointer)
    return _nfc(value)


def clean_answers(value: Any) -> Any:
    """attrs converter for a command's ``answers``: a mapping passes :func:`clean_json` (JSON
    pointers under ``/answers``); anything else is left for the command's own check."""
    if isinstance(value, Mapping):
        return clean_json(value, pointer="/answers")
    return value


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return normalise(value)
    if isinstance(value, Mapping):
        return {normalise(k): _nfc(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_nfc(v) for v in value]
    return value


def _depth(text: str) -> int:
    """The deepest nesting of ``[``/``{`` in JSON *text*, outside strings (no parsing)."""
    deepest = depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_JSON_DEPTH:
                    return deepest
        elif char in "]}":
            depth -= 1
    return deepest


def load_json(text: str | bytes, *, pointer: str = "", what: str = "JSON document") -> Any:
    """Parse JSON *text* under the policy: size, depth (checked before parsing), texts.

    Raises :class:`InputRefused` (never ``RecursionError`` or ``JSONDecodeError``).
    """
    if isinstance(text, bytes):
        text = decode_text(text, pointer=pointer, what=what)
    where = pointer or "/"
    if len(text) > MAX_JSON_BYTES:
        raise InputRefused(
            [Problem(where, f"is larger than {MAX_JSON_BYTES // 1024} KiB", "maxBytes")],
            what=what,
        )
    if _depth(text) > MAX_JSON_DEPTH:
        raise InputRefused(
            [Problem(where, f"nests deeper than {MAX_JSON_DEPTH} levels", "maxDepth")], what=what
        )
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, a number of 4,300+ digits
        raise InputRefused([Problem(where, f"is not JSON: {exc}", "json")], what=what) from None
    problems = list(json_problems(value, pointer=pointer))
    if problems:
        raise InputRefused(problems, what=what)
    return _nfc(value)


# -- people ----------------------------------------------------------------------------------


def check_known_people(
    known: Mapping[str, Any] | Iterable[str], people: Iterable[tuple[str, str]]
) -> None:
    """Refuse ids the organisation does not know; *people* is (pointer, id) pairs."""
    known_ids = known if isinstance(known, Mapping) else frozenset(known)
    problems = [
        Problem(pointer, f"{person!a} is not a person in the organisation", "unknownPerson")
        for pointer, person in people
        if person not in known_ids
    ]
    if problems:
        raise InputRefused(problems, what="input")


# -- attrs validators (the model values and commands use these) ------------------------------


def valid_text(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    """attrs validator: *value* follows the text rules (pair it with ``converter=normalise``)."""
    problem = text_problem(value, pointer=f"/{attribute.name}")
    if problem is not None:
        raise InputRefused([problem])


def valid_optional_text(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    """attrs validator: like :func:`valid_text`, but ``None`` passes."""
    if value is not None:
        valid_text(instance, attribute, value)


def valid_id(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    """attrs validator: *value* is an id by :data:`ID_PATTERN`."""
    if is_valid_id(value):
        return  # the common case, without making the pointer of a problem there is not
    problem = id_problem(value, pointer=f"/{attribute.name}")
    if problem is not None:
        raise InputRefused([problem])


def valid_optional_id(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    """attrs validator: like :func:`valid_id`, but ``None`` passes."""
    if value is not None:
        valid_id(instance, attribute, value)


def valid_ids(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    """attrs validator: every item of the sequence *value* is an id."""
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InputRefused([Problem(f"/{attribute.name}", "must be a list of ids", "type")])
    problems = [
        problem
        for index, item in enumerate(value)
        if (problem := id_problem(item, pointer=f"/{attribute.name}/{index}")) is not None
    ]
    if problems:
        raise InputRefused(problems)


def valid_json(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    """attrs validator: the JSON-like *value* passes :func:`json_problems`."""
    problems = list(json_problems(value, pointer=f"/{attribute.name}"))
    if problems:
        raise InputRefused(problems, what=attribute.name)
